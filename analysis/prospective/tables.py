"""The cells of every exercise table: labels and values checked against a scale, every faulty
cell reported in French with its row and column.

The methods (:mod:`.micmac`, :mod:`.mactor`) check the DataFrames they are given and name cells
by their labels; :mod:`.exercise` reads the files and names cells by their line in the file. Both
go through :func:`cell_values`, the one reading of a cell.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import AtelierError

#: How many faulty cells an error lists.
MAX_LISTED = 10


def where(row, column) -> str:
    return f"ligne « {row} », colonne « {column} »"


def shown(cell) -> str:
    if isinstance(cell, numbers.Real) and not isinstance(cell, bool) and float(cell).is_integer():
        return str(int(cell))
    return str(cell)


def is_empty(cell) -> bool:
    if cell is None:
        return True
    if isinstance(cell, str):
        return not cell.strip()
    try:
        return bool(pd.isna(cell))
    except (TypeError, ValueError):  # a list or another container: not empty, but not a value
        return False


def raise_problems(what: str, problems: list[str]) -> None:
    if not problems:
        return
    listed = " ; ".join(problems[:MAX_LISTED])
    more = f" (et {len(problems) - MAX_LISTED} autres)" if len(problems) > MAX_LISTED else ""
    raise AtelierError(f"{what} : {listed}{more}.")


def check_unique(labels: pd.Index, what: str, side: str) -> None:
    duplicated = labels[labels.duplicated()].unique()
    if len(duplicated):
        names = ", ".join(f"« {label} »" for label in duplicated)
        raise AtelierError(f"{what} : {side} en double : {names}.")


def square_labels(matrix: pd.DataFrame, what: str) -> pd.DataFrame:
    """Check that rows and columns carry the same labels; return the matrix with columns in row order."""
    if not isinstance(matrix, pd.DataFrame):
        raise AtelierError(f"{what} : un tableau (DataFrame) est attendu, pas {type(matrix).__name__}.")
    check_unique(matrix.index, what, "lignes")
    check_unique(matrix.columns, what, "colonnes")
    rows, columns = list(matrix.index), list(matrix.columns)
    only_rows = [label for label in rows if label not in set(columns)]
    only_columns = [label for label in columns if label not in set(rows)]
    if len(rows) != len(columns) or only_rows or only_columns:
        details = []
        if only_rows:
            details.append("lignes sans colonne : " + ", ".join(f"« {label} »" for label in only_rows))
        if only_columns:
            details.append("colonnes sans ligne : " + ", ".join(f"« {label} »" for label in only_columns))
        shape = "n’est pas carrée" if len(rows) != len(columns) else "a des lignes et des colonnes différentes"
        raise AtelierError(f"{what} : la matrice {shape} ({len(rows)} lignes, {len(columns)} colonnes)"
                           + (" ; " + " ; ".join(details) if details else "") + ".")
    if not len(rows):
        raise AtelierError(f"{what} : la matrice est vide.")
    return matrix.loc[:, rows]


def check_known(labels: Iterable, known: Iterable | None, what: str, phrase: str) -> None:
    if known is None:
        return
    known = set(known)
    unknown = [label for label in labels if label not in known]
    if unknown:
        names = ", ".join(f"« {label} »" for label in unknown)
        raise AtelierError(f"{what} : {phrase} : {names}.")


@dataclass(frozen=True)
class CellProblem:
    """A faulty cell: what is wrong (French) and where, by position and by labels."""

    reason: str
    i: int
    j: int
    row: object
    column: object


def cell_values(frame: pd.DataFrame, low: int, high: int, *, letter: str | None = None,
                empty_diagonal: bool = False) -> tuple[np.ndarray, np.ndarray, list[CellProblem]]:
    """Read every cell as an integer in ``low..high`` (or ``letter``, such as MICMAC's ``P``).

    Returns the values, the mask of the cells holding ``letter``, and every faulty cell. Numbers
    may be written as text (``"2"``, ``"+2"``, ``" 3 "``); an empty cell is allowed only on the
    diagonal, with ``empty_diagonal``.
    """
    raw = frame.to_numpy(dtype=object)
    values = np.zeros(raw.shape, dtype=np.int64)
    marked = np.zeros(raw.shape, dtype=bool)
    scale = ", ".join(str(v) for v in range(low, high + 1)) + (f" ou {letter}" if letter else "")
    problems = []
    for i, row in enumerate(frame.index):
        for j, column in enumerate(frame.columns):
            cell = raw[i, j]
            if is_empty(cell):
                if not (empty_diagonal and i == j):
                    problems.append(CellProblem("case vide", i, j, row, column))
                continue
            number = None
            if isinstance(cell, str):
                text = cell.strip()
                if letter is not None and text.upper() == letter:
                    marked[i, j] = True
                    continue
                try:
                    number = float(text)
                except ValueError:
                    number = None
            elif isinstance(cell, numbers.Real) and not isinstance(cell, bool):
                number = float(cell)
            if number is None or not np.isfinite(number) or not number.is_integer() or not low <= number <= high:
                problems.append(CellProblem(f"valeur « {shown(cell)} » hors de l’échelle ({scale})", i, j, row, column))
                continue
            values[i, j] = int(number)
    return values, marked, problems


def parse_cells(frame: pd.DataFrame, what: str, low: int, high: int, *, letter: str | None = None,
                empty_diagonal: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """:func:`cell_values`, every faulty cell reported at once (the first ten) by its labels."""
    values, marked, problems = cell_values(frame, low, high, letter=letter, empty_diagonal=empty_diagonal)
    raise_problems(what, [f"{p.reason} à la {where(p.row, p.column)}" for p in problems])
    return values, marked
