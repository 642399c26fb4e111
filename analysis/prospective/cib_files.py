"""Cross-impact files: the spreadsheets facilitators fill in and ScenarioWizard projects.

The matrices and descriptor tables are those of :mod:`analysis.prospective.cib`.

Files
-----
:func:`read_cross_impact` reads the spreadsheet facilitators fill in (CSV or XLSX): two header
rows (descriptor, then variant) and two index columns (descriptor, then variant); a descriptor
cell may be left blank after its first variant (merged cells).

:func:`read_scw` and :func:`write_scw` handle ScenarioWizard project files (``.scw``). The
format followed is the *text* format of ScenarioWizard 4.x (header ``$ ScenarioWizard 4.0``):
the ScenarioWizard 4.1 manual (W. Weimer-Jehle, ZIRIUS, 2013, appendix 1 « The scw file
format ») states that scw files are text files; the section layout follows a sample project file
carrying the header ``$ ScenarioWizard 4.0`` (``sample_files/CIB_global.scw`` in the public
repository ``sei-international/cibsa``) and the readers of that layout in ``cibsa`` (Python) and
``CrossImpactBalances.jl`` (Julia). The layout is::

    $ ScenarioWizard 4.0
    <file name>
    &<descriptor>              section 0: descriptors (``&``) and their variants (`` -``)
     -<variant>
    #
    &                          section 1: one ``&`` per descriptor, one line per variant
    <blank>                    (left blank here)
    #
    #                          section 2: empty
    FFFFFF                     section 3: one FFFFFF per variant (colours, presumably)
    #
    #                          section 4: empty
     0 , 1 ,-2 ...             section 5: the cross-impact matrix, one row per variant
    #
    ...                        comment sections (written as in the sample, ignored when read)

Lines before the first descriptor (version, file name) are skipped when reading. What was
*not* verified: the meaning of sections 1 to 4 and of the trailing comment sections (read and
skipped; written as in the sample: a general comment, one per descriptor and n² more for n
descriptors), and whether ScenarioWizard itself opens the files written here. No XML variant of
``.scw`` could be found in the sources consulted, so none is read. Labels (``label``) are not
stored in ``.scw``. Files are written and read in Windows-1252 (the encoding of Windows programs
of that generation, which ScenarioWizard writes), or UTF-8 when they start with its byte order
mark: guessing UTF-8 first would misread names whose Windows-1252 bytes happen to be valid UTF-8.

Every error a user can meet reading a file is an :class:`~analysis.errors.InputError` in French
naming the file and the place (row, column, descriptor); errors in tables passed to the
functions are :class:`ValueError` in French.
"""

from __future__ import annotations

import csv
import io
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter

from .cib import CIB_SCALE, GMA_SCALE, IMPACT_LIMIT, _blocks, _field, _label
from ..errors import InputError
from .exercise import check_workbook, csv_text
from ..textio import reject_binary
from ..fsio import atomic_write_bytes

SCW_HEADER = "$ ScenarioWizard 4.0"
_INTEGER = re.compile(r"[+-]?\d+(?:[.,]0*)?")


# ---------------------------------------------------------------------------------------------
# spreadsheets


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(path, "fichier introuvable") from None
    except OSError as error:
        raise InputError(path, f"fichier illisible ({error.strerror})") from None


def _where(row: int, column: int) -> str:
    return f"ligne {row + 1}, colonne {get_column_letter(column + 1)}"


def _read_grid(path: Path, sheet) -> list[list]:
    """The cells of a CSV or XLSX file as a list of rows (``None`` for a blank cell)."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx", ".txt"):
        raise InputError(path, f"format « {path.suffix} » non pris en charge (CSV ou XLSX attendu)")
    data = _read_bytes(path)
    if suffix == ".xlsx":
        check_workbook(path)
        try:
            table = pd.read_excel(io.BytesIO(data), header=None, dtype=object, sheet_name=sheet,
                                  engine="openpyxl")
        except Exception as error:  # openpyxl and zipfile raise many types for damaged files
            raise InputError(path, f"classeur XLSX illisible ({error.__class__.__name__} : {error})") from None
        grid = [[None if (isinstance(v, float) and math.isnan(v)) or v is None else v for v in row]
                for row in table.itertuples(index=False)]
    else:
        text, delimiter, _ = csv_text(path, data)
        grid = [list(row) for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    cleaned = []
    for row in grid:
        cells = []
        for value in row:
            if isinstance(value, str):
                value = value.strip() or None
            cells.append(value)
        cleaned.append(cells)
    while cleaned and all(v is None for v in cleaned[-1]):
        cleaned.pop()
    width = max((len(r) for r in cleaned), default=0)
    grid = [r + [None] * (width - len(r)) for r in cleaned]
    while width and all(r[width - 1] is None for r in grid):
        width -= 1
        grid = [r[:width] for r in grid]
    return grid


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip() or None


def _integer(value) -> int | None:
    """An integer cell value, or ``None`` when the cell does not hold an integer."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return int(value) if float(value).is_integer() else None
    text = str(value).strip().replace("\u2212", "-").replace("\u2013", "-").replace(" ", "")
    return int(re.split(r"[.,]", text)[0]) if _INTEGER.fullmatch(text) else None


def _grid_labels(path: Path, grid: list[list], along: str) -> list[tuple[str, str, int]]:
    """(descriptor, variant, position) for the columns (``along="columns"``) or rows."""
    labels, descriptor = [], None
    count = len(grid[0]) if along == "columns" else len(grid)
    for position in range(2, count):
        d_cell, v_cell = ((grid[0][position], grid[1][position]) if along == "columns"
                          else (grid[position][0], grid[position][1]))
        where = _where(0, position) if along == "columns" else _where(position, 0)
        descriptor = _text(d_cell) or descriptor
        if descriptor is None:
            raise InputError(path, "nom de descripteur manquant", where)
        variant = _text(v_cell)
        if variant is None:
            where = _where(1, position) if along == "columns" else _where(position, 1)
            raise InputError(path, f"nom de variante manquant (descripteur « {descriptor} »)", where)
        labels.append((descriptor, variant, position))
    return labels


def _check_blocks(path: Path, labels: list[tuple[str, str, int]], along: str) -> None:
    seen, order = set(), []
    for descriptor, variant, position in labels:
        where = _where(1, position) if along == "columns" else _where(position, 1)
        if (descriptor, variant) in seen:
            raise InputError(path, f"variante en double {_label(descriptor, variant)}", where)
        seen.add((descriptor, variant))
        if order and order[-1] != descriptor and descriptor in order:
            raise InputError(path, f"les variantes du descripteur « {descriptor} » ne se suivent pas", where)
        if not order or order[-1] != descriptor:
            order.append(descriptor)
    for descriptor in order:
        positions = [p for d, _, p in labels if d == descriptor]
        if len(positions) < 2:
            where = _where(0, positions[0]) if along == "columns" else _where(positions[0], 0)
            raise InputError(path, f"le descripteur « {descriptor} » n’a qu’une variante (au moins deux)", where)


def read_cross_impact(path: Path | str, descriptors: pd.DataFrame | None = None, kind: str = "cib",
                      sheet: int | str = 0) -> pd.DataFrame:
    """Read a cross-impact (``kind="cib"``, −3…+3) or compatibility (``kind="gma"``, 0/1) grid.

    The grid has two header rows (descriptor, then variant) and two index columns (descriptor,
    then variant), in a CSV file (``,`` ``;`` or tab) or an XLSX workbook (sheet ``sheet``).
    A descriptor cell may be blank after its first variant. Cells between variants of the same
    descriptor are ignored and returned as 0; every other cell must hold an integer of the
    scale. For ``kind="gma"`` a cell may also be blank when its mirrored cell is filled (one
    triangle suffices); the matrix returned is symmetric, 0 wherever either cell says 0.
    With ``descriptors``, the labels must be exactly those of the table, and the matrix comes
    back in the table's order.
    """
    path = Path(path)
    if kind not in ("cib", "gma"):
        raise ValueError(f"type de matrice inconnu : {kind!r} (« cib » ou « gma »)")
    low, high = CIB_SCALE if kind == "cib" else GMA_SCALE
    grid = _read_grid(path, sheet)
    if len(grid) < 4 or len(grid[0]) < 4:
        raise InputError(path, "grille trop petite : deux lignes d’en-tête, deux colonnes d’index et "
                               "au moins deux descripteurs sont attendus")
    columns = _grid_labels(path, grid, "columns")
    rows = _grid_labels(path, grid, "rows")
    _check_blocks(path, columns, "columns")
    _check_blocks(path, rows, "rows")
    row_labels = {(d, v): p for d, v, p in rows}
    column_labels = {(d, v): p for d, v, p in columns}
    for d, v, p in columns:
        if (d, v) not in row_labels:
            raise InputError(path, f"la colonne {_label(d, v)} ne correspond à aucune ligne", _where(1, p))
    for d, v, p in rows:
        if (d, v) not in column_labels:
            raise InputError(path, f"la ligne {_label(d, v)} ne correspond à aucune colonne", _where(p, 1))
    labels = [(d, v) for d, v, _ in rows]
    if descriptors is not None:
        expected, current = [], None
        for d, v in zip(descriptors["descriptor"], descriptors["variant"]):
            current = _text(None if pd.isna(d) else d) or current
            expected.append((str(current), str(_text(v))))
        for d, v, p in rows:
            if (d, v) not in set(expected):
                raise InputError(path, f"la variante {_label(d, v)} n’est pas dans le tableau des descripteurs",
                                 _where(p, 1))
        for d, v in expected:
            if (d, v) not in row_labels:
                raise InputError(path, f"la variante {_label(d, v)} du tableau des descripteurs manque dans "
                                       f"la matrice", f"descripteur « {d} », variante « {v} »")
        labels = expected
    values = np.zeros((len(labels), len(labels)), dtype=np.int64)
    blank = np.zeros_like(values, dtype=bool)
    for i, (rd, rv) in enumerate(labels):
        r = row_labels[(rd, rv)]
        for j, (cd, cv) in enumerate(labels):
            if rd == cd and kind == "gma":
                continue  # compatibility within a descriptor means nothing
            c = column_labels[(cd, cv)]
            cell = grid[r][c]
            if cell is None:
                blank[i, j] = rd != cd  # a descriptor's own block may be left empty (zero)
                continue
            number = _integer(cell)
            if number is None:
                raise InputError(path, f"valeur « {_text(cell)} » : un entier de {low} à +{high} est attendu "
                                       f"(impact de {_label(rd, rv)} sur {_label(cd, cv)})", _where(r, c))
            if not low <= number <= high:
                raise InputError(path, f"valeur {number} hors de l’échelle {low} à +{high} "
                                       f"(impact de {_label(rd, rv)} sur {_label(cd, cv)})", _where(r, c))
            values[i, j] = number
    if kind == "gma":
        values = np.where(blank, values.T, values)
        values = np.minimum(values, values.T)
        blank &= blank.T
    if blank.any():
        i, j = np.argwhere(blank)[0]
        raise InputError(path, f"case vide : impact de {_label(*labels[i])} sur {_label(*labels[j])} "
                               f"(seules les cases entre variantes d’un même descripteur peuvent rester vides)",
                         _where(row_labels[labels[i]], column_labels[labels[j]]))
    index = pd.MultiIndex.from_tuples(labels, names=["descriptor", "variant"])
    return pd.DataFrame(values, index=index, columns=index.copy())


# ---------------------------------------------------------------------------------------------
# ScenarioWizard


def read_scw(path: Path | str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read a ScenarioWizard 4.x project file: ``(descriptors, matrix)``.

    See the module docstring for the layout and what of it was verified. Values may be any
    integer (ScenarioWizard files are not limited to −3…+3).
    """
    path = Path(path)
    data = _read_bytes(path)
    reject_binary(path, data)
    lines = (data[3:].decode("utf-8", errors="replace") if data.startswith(b"\xef\xbb\xbf")
             else data.decode("cp1252", errors="replace")).splitlines()
    labels: list[tuple[str, str]] = []
    descriptor, section, matrix_rows = None, 0, []
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text:
            continue
        if section == 0:
            if text.startswith("&"):
                descriptor = text[1:].strip()
                if not descriptor:
                    raise InputError(path, "nom de descripteur vide", f"ligne {number}")
            elif text.startswith("-"):
                if descriptor is None:
                    raise InputError(path, "variante avant tout descripteur", f"ligne {number}")
                variant = text[1:].strip()
                if not variant:
                    raise InputError(path, f"nom de variante vide (descripteur « {descriptor} »)", f"ligne {number}")
                labels.append((descriptor, variant))
            elif text.startswith("#"):
                section = 1
            elif descriptor is not None:  # before the first descriptor: version and file name
                raise InputError(path, f"ligne inattendue dans la liste des descripteurs : « {text[:40]} »",
                                 f"ligne {number}")
        elif section < 5:
            if text.startswith("#"):
                section += 1
        elif section == 5:
            if text.startswith("#"):
                section = 6
                break
            cells = [c.strip() for c in text.split(",")]
            values = []
            for position, cell in enumerate(cells, start=1):
                value = _integer(cell) if cell else None
                if value is None or abs(value) > IMPACT_LIMIT:
                    limit = f"{IMPACT_LIMIT:,}".replace(",", "\u202f")
                    raise InputError(path, f"valeur « {cell} » : un entier entre −{limit} et {limit} est attendu",
                                     f"ligne {number}, valeur {position}")
                values.append(value)
            matrix_rows.append((number, values))
    if not labels:
        raise InputError(path, "aucun descripteur : ce n’est pas un fichier ScenarioWizard (.scw)")
    if section < 5 or (section == 5 and not matrix_rows):
        raise InputError(path, "fichier .scw incomplet : la matrice d’impacts croisés est absente")
    try:
        _blocks(labels, "structure")
    except ValueError as error:
        raise InputError(path, str(error).removeprefix("structure : ")) from None
    size = len(labels)
    if len(matrix_rows) != size:
        where = f"ligne {matrix_rows[-1][0]}" if matrix_rows else None
        raise InputError(path, f"la matrice a {len(matrix_rows)} lignes pour {size} variantes", where)
    for number, values in matrix_rows:
        if len(values) != size:
            raise InputError(path, f"{len(values)} valeurs sur la ligne pour {size} variantes", f"ligne {number}")
    index = pd.MultiIndex.from_tuples(labels, names=["descriptor", "variant"])
    matrix = pd.DataFrame(np.array([v for _, v in matrix_rows], dtype=np.int64), index=index, columns=index.copy())
    descriptors = pd.DataFrame(labels, columns=["descriptor", "variant"])
    return descriptors, matrix


def write_scw(descriptors: pd.DataFrame, matrix: pd.DataFrame, path: Path | str) -> None:
    """Write a ScenarioWizard 4.x project file (layout in the module docstring).

    ``descriptors`` gives the order; ``matrix`` must hold exactly its variants. Names must be
    non-empty, on one line, without spaces at either end and encodable in Windows-1252.
    """
    path = Path(path)
    labels = [(str(d), str(v)) for d, v in zip(descriptors["descriptor"], descriptors["variant"])]
    names, variants = _blocks(labels, "tableau des descripteurs")
    if set(map(tuple, matrix.index)) != set(labels) or len(matrix.index) != len(labels):
        raise ValueError("la matrice et le tableau des descripteurs n’ont pas les mêmes variantes")
    index = pd.MultiIndex.from_tuples(labels)
    field = _field(matrix.reindex(index=index, columns=index))
    for name in [*names, *(v for vs in variants for v in vs)]:
        if not name or name != name.strip() or "\n" in name or "\r" in name:
            raise ValueError(f"nom « {name} » impossible à écrire dans un .scw (vide, sur plusieurs lignes "
                             f"ou entouré d’espaces)")
    out = [SCW_HEADER, path.name]
    for name, names_of in zip(names, variants):
        out.append(f"&{name}")
        out.extend(f" -{v}" for v in names_of)
    out.append("#")
    for names_of in variants:
        out.append("&")
        out.extend(" " for _ in names_of)
    out += ["#", "#"]
    out.extend("FFFFFF" for _ in labels)
    out += ["#", "#"]
    out.extend(",".join(f"{int(v):2d} " for v in row) for row in field.impacts)
    out += ["#", "# 0-0", '""']
    for _ in names:
        out += ["# ", '""']
    for _ in range(len(names) ** 2):
        out += ["#  -> ", '""']
    out += ["#", "#"]
    try:
        data = ("\r\n".join(out) + "\r\n").encode("cp1252")
    except UnicodeEncodeError as error:
        raise ValueError(f"caractère « {error.object[error.start:error.end]} » impossible à écrire dans un .scw "
                         f"(Windows-1252)") from None
    atomic_write_bytes(path, data)
