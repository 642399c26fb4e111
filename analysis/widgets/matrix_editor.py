"""Filling a matrix in a live workshop: the ``MatrixEditor`` widget (anywidget).

``MatrixEditor("scenarios/avenir-politiques-locales-ess", "influence")`` shows the exercise's
table as a grid of short codes. The facilitator moves with the arrow keys (or Tab), types the
group's value in the selected cell (a digit, or ``P`` for a potential influence, is taken at
once; ``-`` or ``+`` waits for the digit; Entrée validates what was typed), may note the reason
for it, and sees the result next to the grid: the indirect influence/dependence plane for
``influence`` (and for ``ratings/<participant>``), the direct one for ``actor_influence``, the
balance of positions for ``positions``, the consistent scenarios for ``crossimpact``.

As in :mod:`analysis.widgets.annotator`, the kernel validates and writes, the browser only sends
messages. Every accepted value is written at once to the exercise's CSV file by an atomic
write (temporary file renamed over it): only the edited line changes, everything else (header,
label column, blank diagonal or blocks, delimiter, line ends, byte order mark) keeps its bytes,
so the file still opens in a spreadsheet. A value off the table's scale is refused with a
French message and nothing is written. The grid always shows the file: it is re-read after
each write and whenever it changes on disk (checked every two seconds).

Reasons go to the sidecar ``notes/<table>.csv`` of the exercise (``notes/ratings-<participant>.csv``
for individual ratings), one line per note: ``row``, ``column``, ``value``, ``reason``,
``timestamp`` (UTC, ISO 8601). Undo (button or Ctrl+Z) puts back the previous value of the last
edited cell and writes again; undoing every edit gives back the original file byte for byte.

An XLSX table is edited in its workbook (first sheet) the same way: only the edited cell changes
(a whole number is written as a number, anything else as text), the other cells, sheets and
styles are kept by openpyxl. A workbook holding formulas is refused with a French message, since
an edit would be saved without the values the spreadsheet computed.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import anywidget
import pandas as pd
import traitlets
from openpyxl.utils import get_column_letter

from ..errors import AtelierError
from .assets import STATIC, widget_module
from ..prospective.exercise import Exercise, check_workbook, csv_text, read_listing, table_path
from ..fsio import atomic_write_bytes, spreadsheet_safe_cell

NOTE_COLUMNS = ["row", "column", "value", "reason", "timestamp"]
MAX_SCENARIOS = 12
_NUMBER = re.compile(r"[+-]?\d+")


@dataclass(frozen=True)
class Scale:
    low: int
    high: int
    letters: tuple[str, ...] = ()
    legend: str = ""

    def describe(self) -> str:
        low = f"{self.low}" if self.low >= 0 else f"−{-self.low}"
        high = f"+{self.high}" if self.low < 0 else f"{self.high}"
        return f"de {low} à {high}" + "".join(f" ou {letter}" for letter in self.letters)


TABLES = {
    "influence": ("Matrice d’influences directes", Scale(0, 3, ("P",), "0 aucune · 1 faible · 2 moyenne · 3 forte · P potentielle")),
    "actor_influence": ("Influences directes entre acteurs", Scale(0, 4, (), "0 aucune · 1 sur les opérations · 2 sur les projets · 3 sur les missions · 4 sur l’existence")),
    "positions": ("Positions des acteurs sur les objectifs", Scale(-4, 4, (), "−4 opposition vitale … 0 neutre … +4 soutien vital")),
    "crossimpact": ("Matrice d’impacts croisés", Scale(-3, 3, (), "−3 freine fortement … 0 aucun effet … +3 favorise fortement")),
}


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


class _Grid:
    """Rows of text cells, shared by the CSV and XLSX grids."""

    rows: list[list[str]]

    def cell(self, row: int, column: int) -> str:
        fields = self.rows[row]
        return fields[column] if column < len(fields) else ""

    def _store(self, row: int, column: int, value: str) -> list[str]:
        fields = self.rows[row]
        fields.extend([""] * (column + 1 - len(fields)))
        fields[column] = value
        return fields


class CsvGrid(_Grid):
    """A CSV file kept as its lines: editing a cell rewrites only that cell's line."""

    def __init__(self, path: Path):
        self.path = path
        data = path.read_bytes()
        # Decoded as every exercise table is, and written back in the same encoding (BOM included).
        text, self.delimiter, self.encoding = csv_text(path, data)
        self.lines = text.splitlines(keepends=True)
        if any(line.count('"') % 2 for line in self.lines):
            raise AtelierError(f"{path} : une case contient un retour à la ligne ; l’éditeur ne sait pas "
                               "réécrire ce fichier sans le déformer")
        self.rows = [next(csv.reader([line.rstrip("\r\n")], delimiter=self.delimiter), []) for line in self.lines]
        ends = [line[len(line.rstrip("\r\n")):] for line in self.lines]
        self.newline = next((end for end in ends if end), "\n")

    def set(self, row: int, column: int, value: str) -> None:
        fields = self._store(row, column, value)
        line = self.lines[row]
        ending = line[len(line.rstrip("\r\n")):]
        out = io.StringIO()
        csv.writer(out, delimiter=self.delimiter, lineterminator="").writerow(fields)
        self.lines[row] = out.getvalue() + ending

    def to_bytes(self) -> bytes:
        text = "".join(self.lines)
        try:
            return text.encode(self.encoding)
        except UnicodeEncodeError as error:
            raise AtelierError(f"{self.path} : « {text[error.start]} » ne s’écrit pas en {self.encoding} ; "
                               "enregistrez le fichier en « CSV UTF-8 » depuis le tableur") from None


class XlsxGrid(_Grid):
    """The first sheet of an XLSX workbook, with the interface of :class:`CsvGrid`."""

    def __init__(self, path: Path):
        import openpyxl

        self.path = path
        check_workbook(path)
        try:
            self.book = openpyxl.load_workbook(path)
        except Exception as error:  # openpyxl and zipfile raise many types for damaged files
            raise AtelierError(f"{path} : classeur illisible ({error.__class__.__name__} : {error})") from None
        self.sheet = self.book.worksheets[0]
        formula = next((cell for row in self.sheet.iter_rows() for cell in row
                        if isinstance(cell.value, str) and cell.value.startswith("=")), None)
        if formula is not None:
            raise AtelierError(f"{path} : la case {formula.coordinate} contient une formule ; l’éditeur n’enregistre "
                               "que des valeurs (remplacez les formules par leurs valeurs dans le tableur)")
        self.rows = [[_cell_text(value) for value in row] for row in self.sheet.iter_rows(values_only=True)]

    def set(self, row: int, column: int, value: str) -> None:
        self._store(row, column, value)
        number = value.strip()
        self.sheet.cell(row + 1, column + 1).value = (
            int(number) if _NUMBER.fullmatch(number) else (value if value else None))

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        self.book.save(out)
        return out.getvalue()


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def open_grid(path: Path) -> CsvGrid | XlsxGrid:
    """The editable grid of a table file, CSV or XLSX."""
    return XlsxGrid(path) if path.suffix.lower() == ".xlsx" else CsvGrid(path)


class MatrixEditor(anywidget.AnyWidget):
    """Edit an exercise's matrix cell by cell, saving each value at once (see the module doc)."""

    _esm = widget_module("matrix_editor.js")
    _css = STATIC / "matrix_editor.css"

    table = traitlets.Unicode("").tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)
    file_name = traitlets.Unicode("").tag(sync=True)
    scale = traitlets.Dict({}).tag(sync=True)
    kind = traitlets.Unicode("square").tag(sync=True)
    rows = traitlets.List([]).tag(sync=True)
    columns = traitlets.List([]).tag(sync=True)
    cells = traitlets.List([]).tag(sync=True)
    locked = traitlets.List([]).tag(sync=True)
    groups = traitlets.List([]).tag(sync=True)
    reasons = traitlets.Dict({}).tag(sync=True)
    summary = traitlets.Dict({}).tag(sync=True)
    undo_depth = traitlets.Int(0).tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)
    message = traitlets.Unicode("").tag(sync=True)
    revision = traitlets.Int(0).tag(sync=True)

    def __init__(self, folder: Path | str, table: str = "influence", participant: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.on_msg(self._on_message)
        self._exercise = Exercise.open(folder)
        self._participant = participant or None
        self._undo: list[tuple[int, int, str, str]] = []
        self._signature: tuple = ()
        self._positions: tuple[list[int], list[int]] = ([], [])
        if table not in TABLES:
            raise AtelierError(f"tableau « {table} » inconnu : l’éditeur ouvre {', '.join(TABLES)}")
        if participant is not None and table != "influence":
            raise AtelierError("les notes individuelles (participant=…) portent sur la matrice « influence »")
        if participant is not None and not re.fullmatch(r"[\w.-]+", participant):
            raise AtelierError(f"participant « {participant} » : lettres, chiffres, point ou tiret, sans espace")
        what, scale = TABLES[table]
        self._scale = scale
        self.table = table
        self.kind = "crossimpact" if table == "crossimpact" else "square" if table != "positions" else "rectangle"
        self.title = f"{what} — participant {participant}" if participant else what
        self.scale = {"low": scale.low, "high": scale.high, "letters": list(scale.letters),
                      "legend": scale.legend, "text": scale.describe()}
        self._path = self._locate()
        if self._path is not None:
            self.file_name = str(self._path.relative_to(self._exercise.folder))
        self.reload()

    # -- files -------------------------------------------------------------------------------

    @property
    def path(self) -> Path | None:
        """The exercise file being edited."""
        return self._path

    @property
    def notes_path(self) -> Path:
        name = f"ratings-{self._participant}" if self._participant else self.table
        return self._exercise.folder / "notes" / f"{name}.csv"

    def _locate(self) -> Path | None:
        folder = self._exercise.folder
        if self._participant:
            path = folder / "ratings" / f"{self._participant}.csv"
            if not path.exists() and (folder / "ratings" / f"{self._participant}.xlsx").exists():
                path = folder / "ratings" / f"{self._participant}.xlsx"
            if not path.exists():
                template = table_path(folder, "influence")
                if template is None:
                    self.error = f"{path} : introuvable, et aucune matrice influence pour la créer"
                    return None
                path = path.with_suffix(template.suffix)
                atomic_write_bytes(path, _blank_copy(template))
        else:
            path = table_path(folder, self.table)
            if path is None:
                self.error = f"{folder} : tableau « {self.table} » absent ({self.table}.csv)"
                return None
        return path

    def _file_signature(self) -> tuple:
        stat = self._path.stat()
        return stat.st_size, stat.st_mtime_ns, stat.st_ino

    def reload(self) -> None:
        """Read the file again and show it (values, reasons and summary)."""
        if self._path is None:
            return
        try:
            grid = open_grid(self._path)
            self._signature = self._file_signature()
            layout = self._layout(grid)
        except (AtelierError, OSError) as error:
            self.error = str(error)
            return
        with self.hold_sync():
            self.rows, self.columns, self.groups = layout["rows"], layout["columns"], layout["groups"]
            self.cells = [[grid.cell(r, c).strip() for c in self._positions[1]] for r in self._positions[0]]
            self.locked = layout["locked"]
            self.reasons = self._read_reasons()
            self.summary = self._summary()
            self.undo_depth = len(self._undo)
            self.revision += 1

    def _layout(self, grid: CsvGrid | XlsxGrid) -> dict:
        if self.kind != "crossimpact":
            header = grid.rows[0] if grid.rows else []
            row_at = [r for r in range(1, len(grid.rows)) if grid.cell(r, 0).strip()]
            column_at = [c for c in range(1, len(header)) if header[c].strip()]
            if not row_at or not column_at:
                raise AtelierError(f"{self._path} : la matrice est vide (une ligne d’en-tête, une colonne d’étiquettes)")
            codes = [grid.cell(r, 0).strip() for r in row_at]
            column_codes = [header[c].strip() for c in column_at]
            names = self._names()
            self._positions = (row_at, column_at)
            locked = [[self.kind == "square" and a == b for b in column_codes] for a in codes]
            return {"rows": [{"code": c, "label": names.get(c, c)} for c in codes],
                    "columns": [{"code": c, "label": names.get(c, c)} for c in column_codes],
                    "groups": [], "locked": locked}
        rows, row_at = self._variants(grid, [(r, grid.cell(r, 0), grid.cell(r, 1)) for r in range(2, len(grid.rows))])
        header0, header1 = (grid.rows + [[], []])[:2]
        columns, column_at = self._variants(grid, [(c, header0[c] if c < len(header0) else "", header1[c])
                                                  for c in range(2, len(header1))])
        if len(rows) < 2 or len(columns) < 2:
            raise AtelierError(f"{self._path} : grille trop petite (deux lignes d’en-tête, deux colonnes d’index)")
        self._positions = (row_at, column_at)
        groups, seen = [], {}
        for column in columns:
            if column["group"] not in seen:
                seen[column["group"]] = len(groups)
                groups.append({"name": column["group"], "letter": column["code"].rstrip("0123456789"), "span": 0})
            groups[seen[column["group"]]]["span"] += 1
        locked = [[r["group"] == c["group"] for c in columns] for r in rows]
        return {"rows": rows, "columns": columns, "groups": groups, "locked": locked}

    def _variants(self, grid: CsvGrid | XlsxGrid, cells: list[tuple[int, str, str]]) -> tuple[list[dict], list[int]]:
        out, at, current, letters, counts = [], [], "", {}, {}
        for position, descriptor, variant in cells:
            current = descriptor.strip() or current
            if not variant.strip():
                continue
            letter = letters.setdefault(current, get_column_letter(len(letters) + 1))
            counts[current] = counts.get(current, 0) + 1
            out.append({"code": f"{letter}{counts[current]}", "label": variant.strip(), "group": current})
            at.append(position)
        return out, at

    def _names(self) -> dict[str, str]:
        listing = {"influence": "variables", "actor_influence": "actors", "positions": "actors"}[self.table]
        names = {}
        for name in [listing] + (["objectives"] if self.table == "positions" else []):
            path = table_path(self._exercise.folder, name)
            if path is None:
                continue
            try:
                table = read_listing(path, ["code", "name"])
            except AtelierError:
                continue
            names.update(zip(table["code"].str.strip(), table["name"]))
        return names

    def _read_reasons(self) -> dict[str, str]:
        if not self.notes_path.exists():
            return {}
        try:
            notes = pd.read_csv(self.notes_path, dtype=str, keep_default_na=False)
        except Exception:  # a damaged sidecar must not stop the workshop
            return {}
        rows = {r["code"]: i for i, r in enumerate(self.rows)}
        columns = {c["code"]: j for j, c in enumerate(self.columns)}
        reasons = {}
        for note in notes.to_dict("records"):
            i, j = rows.get(note.get("row", "")), columns.get(note.get("column", ""))
            if i is not None and j is not None:
                reasons[f"{i}:{j}"] = note.get("reason", "")
        return reasons

    # -- the summary beside the grid -----------------------------------------------------------

    def _matrix(self) -> pd.DataFrame:
        codes = [r["code"] for r in self.rows]
        return pd.DataFrame(self.cells, index=codes, columns=[c["code"] for c in self.columns])

    def _summary(self) -> dict:
        try:
            if self.table == "influence":
                return self._plane_summary(indirect_plane=True)
            if self.table == "actor_influence":
                return self._plane_summary(indirect_plane=False)
            if self.table == "positions":
                return self._positions_summary()
            return self._scenarios_summary()
        except (AtelierError, ValueError) as error:
            return {"kind": "error", "error": str(error)}

    def _plane_summary(self, indirect_plane: bool) -> dict:
        from ..prospective import micmac

        if indirect_plane:
            computed = micmac.plane(self._matrix())
            placed, caption = computed.table, f"Plan influence/dépendance indirectes (puissance {computed.power})"
        else:  # the actors' direct influences (0–4, MACTOR's scale): row and column sums
            values = self._matrix().replace("", "0").astype(int)
            table = pd.DataFrame({"influence": values.sum(axis=1), "dependence": values.sum(axis=0)})
            total = float(values.to_numpy().sum()) or 1.0
            table["influence_norm"], table["dependence_norm"] = table["influence"] / total, table["dependence"] / total
            placed, caption = micmac.quadrants(table), "Plan influence/dépendance directes"
        points = [{"code": code, "x": float(r["dependence_norm"]), "y": float(r["influence_norm"]),
                   "quadrant": r["quadrant"]} for code, r in placed.iterrows()]
        order = [micmac.DETERMINANT, micmac.RELAY, micmac.AUTONOMOUS, micmac.RESULT]
        members = {q: [p["code"] for p in sorted(points, key=lambda p: -p["y"]) if p["quadrant"] == q] for q in order}
        return {"kind": "plane", "caption": caption, "points": points,
                "mean_x": float(placed["dependence_norm"].mean()), "mean_y": float(placed["influence_norm"].mean()),
                "quadrants": [{"name": q, "members": members[q]} for q in order],
                "colours": micmac.QUADRANT_COLOURS}

    def _positions_summary(self) -> dict:
        values = self._matrix().apply(lambda column: column.map(lambda v: int(v.replace("+", "") or 0)))
        bars = [{"code": c, "for": int(values[c].clip(lower=0).sum()), "against": int(-values[c].clip(upper=0).sum())}
                for c in values.columns]
        return {"kind": "bars", "caption": "Mobilisation des acteurs par objectif (somme des positions)", "bars": bars}

    def _scenarios_summary(self) -> dict:
        from ..prospective.cib import consistent_scenarios
        from ..prospective.cib_files import read_cross_impact

        matrix = read_cross_impact(self._path)
        found = consistent_scenarios(matrix)
        relaxed = False
        if found.empty:
            found, relaxed = consistent_scenarios(matrix, max_inconsistency=1), True
        code_of = {(r["group"], r["label"]): r["code"] for r in self.rows}
        descriptors = [c for c in found.columns if c not in ("inconsistency", "total_impact_score")]
        scenarios = [{"variants": [{"code": code_of.get((d, row[d]), ""), "label": row[d], "descriptor": d}
                                   for d in descriptors],
                      "inconsistency": int(row["inconsistency"]), "score": int(row["total_impact_score"])}
                     for row in found.head(MAX_SCENARIOS).to_dict("records")]
        caption = (f"{len(found)} scénario(s) cohérent(s)" if not relaxed
                   else f"Aucun scénario cohérent ; {len(found)} à une incohérence près")
        return {"kind": "scenarios", "caption": caption, "count": int(len(found)), "relaxed": relaxed,
                "scenarios": scenarios}

    # -- actions from the browser ------------------------------------------------------------

    def _on_message(self, _widget, content: dict, _buffers) -> None:
        action = content.get("action")
        try:
            if action == "sync":
                if self._path is not None and self._path.exists() and self._file_signature() != self._signature:
                    self.reload()
                return
            if self._path is None:
                raise AtelierError(self.error or "aucun tableau à modifier")
            if action == "set":
                self.set_value(int(content["row"]), int(content["column"]), str(content.get("value", "")),
                               str(content.get("reason", "") or ""))
            elif action == "note":
                self.note(int(content["row"]), int(content["column"]), str(content.get("reason", "")))
            elif action == "undo":
                self.undo()
            else:
                raise AtelierError(f"action inconnue : « {action} »")
            self.error = ""
        except AtelierError as error:
            self.error = str(error)
            self.message = ""

    def _check_cell(self, row: int, column: int) -> tuple[int, int]:
        if not (0 <= row < len(self.rows) and 0 <= column < len(self.columns)):
            raise AtelierError(f"case ({row + 1}, {column + 1}) hors de la grille")
        if self.locked[row][column]:
            why = "même descripteur" if self.kind == "crossimpact" else "diagonale"
            raise AtelierError(f"case {self._where(row, column)} non modifiable ({why}) : elle reste vide")
        return self._positions[0][row], self._positions[1][column]

    def _where(self, row: int, column: int) -> str:
        return f"{self.rows[row]['code']} → {self.columns[column]['code']}"

    def normalise(self, value: str) -> str:
        """The value as written in the file, or a French error when it is off the scale."""
        text = value.strip().replace("−", "-")
        scale = self._scale
        if text.upper() in scale.letters:
            return text.upper()
        if not _NUMBER.fullmatch(text):
            shown = f"« {value.strip()} »" if value.strip() else "une case vide"
            raise AtelierError(f"Valeur {shown} refusée : l’échelle de {self.file_name} va {scale.describe()}. "
                               "Rien n’a été enregistré.")
        number = int(text)
        if not scale.low <= number <= scale.high:
            raise AtelierError(f"Valeur {value.strip()} refusée : hors de l’échelle, qui va {scale.describe()}. "
                               "Rien n’a été enregistré.")
        return str(number)

    def set_value(self, row: int, column: int, value: str, reason: str = "") -> None:
        """Write ``value`` in cell (``row``, ``column``) of the grid (0-based, labels excluded)."""
        new = self.normalise(value)
        where = self._check_cell(row, column)
        grid = open_grid(self._path)
        old = grid.cell(*where).strip()
        if new != old:
            grid.set(*where, new)
            atomic_write_bytes(self._path, grid.to_bytes())
            self._undo.append((row, column, old, new))
            self.message = f"{self._where(row, column)} : {old or '(vide)'} → {new}, enregistré dans {self.file_name}"
        else:
            self.message = f"{self._where(row, column)} : {new}, inchangé"
        if reason.strip():
            self._write_note(row, column, new, reason)
        self.reload()

    def note(self, row: int, column: int, reason: str) -> None:
        """Record why the group chose the value of cell (``row``, ``column``)."""
        where = self._check_cell(row, column)
        value = open_grid(self._path).cell(*where).strip()
        self._write_note(row, column, value, reason)
        self.message = f"Raison notée pour {self._where(row, column)} dans notes/{self.notes_path.name}"
        self.reload()

    def _write_note(self, row: int, column: int, value: str, reason: str) -> None:
        path = self.notes_path
        old = path.read_bytes() if path.exists() else b""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        if not old:
            writer.writerow(NOTE_COLUMNS)
        elif not old.endswith(b"\n"):
            out.write("\n")
        writer.writerow([spreadsheet_safe_cell(cell) for cell in (
            self.rows[row]["code"], self.columns[column]["code"], value, reason.strip(), _now())])
        atomic_write_bytes(path, old + out.getvalue().encode("utf-8"))

    def undo(self) -> None:
        """Put back the value the last edited cell had before, and write the file again."""
        if not self._undo:
            self.message = "Rien à annuler"
            return
        row, column, old, new = self._undo[-1]
        where = self._check_cell(row, column)
        grid = open_grid(self._path)
        grid.set(*where, old)
        atomic_write_bytes(self._path, grid.to_bytes())
        self._undo.pop()
        self.message = f"Annulé : {self._where(row, column)} revient à {old or '(vide)'}"
        self.reload()


def _blank_copy(template: Path) -> bytes:
    """A participant's ratings file: the group matrix's layout with every value at 0."""
    grid = open_grid(template)
    for r in range(1, len(grid.rows)):
        for c in range(1, len(grid.rows[r])):
            if grid.cell(r, c).strip():
                grid.set(r, c, "0")
    return grid.to_bytes()
