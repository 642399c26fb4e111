"""Structural analysis (MICMAC, Michel Godet / LIPSOR): influence and dependence of variables.

A workshop fills in the *direct influence matrix* ``M``: rows and columns are the same
variable codes, ``M[i, j]`` says how strongly variable ``i`` acts on variable ``j``:

* ``0`` no influence, ``1`` weak, ``2`` medium, ``3`` strong;
* ``P`` a *potential* influence (none today, possible tomorrow).

The diagonal is zero (a variable is not scored against itself; an empty diagonal cell is
read as 0, since spreadsheets often leave it blank).

Conventions
-----------
* **Influence** (motricité) of a variable is its row sum, **dependence** its column sum.
* ``P`` counts as 0 in the direct and indirect matrices; with ``potential=True`` it counts
  as 3, the strongest value, as in LIPSOR's *potential* matrices (MIDP, MIIP).
* **Indirect** classification (MICMAC proper): the matrix is raised to successive powers
  ``M^k``; ``M^k[i, j]`` sums the strengths of all paths of length ``k`` from ``i`` to ``j``.
  The powers stop when the influence and dependence rankings (row and column sums of ``M^k``)
  have not changed for ``stable_for`` successive powers (default 2, that is three equal
  rankings in a row).
* **Normalised** values (``influence_norm``, ``dependence_norm``) are shares of the matrix
  total, so each column sums to 1 and their mean is ``1/n``; LIPSOR displays the same values
  multiplied by 10 000.
* **Ranks**: 1 is the strongest; tied variables share the best rank (ranks 1, 2, 2, 4). Two
  sums closer than ``tie_tolerance`` (default ``1e-6``) times the largest count as tied: the
  sums of variables that are tied in the limit (symmetric roles) get closer with each power
  without ever being equal, and would otherwise keep swapping ranks. LIPSOR's display to
  1/10 000 of the total is coarser still.

Every function takes the raw matrix (numbers or strings such as ``"3"`` and ``"P"`` read from
a spreadsheet), validates it, and returns DataFrames indexed by variable code. Bad input raises
:class:`~analysis.errors.AtelierError` with a French message naming the row and the column.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pandas as pd

from .. import palette
from ..errors import AtelierError
from .tables import check_known, parse_cells, raise_problems, shown, square_labels, where

__all__ = [
    "DETERMINANT",
    "RELAY",
    "RESULT",
    "AUTONOMOUS",
    "REGULATING",
    "IndirectWarning",
    "validate_influence",
    "direct",
    "indirect",
    "quadrants",
    "QUADRANT_COLOURS",
    "Plane",
    "plane",
    "rank_shifts",
    "influence_graph",
]

SCALE_MAX = 3
POTENTIAL = "P"
WHAT = "Matrice d’influences directes"
TIE_TOLERANCE = 1e-6
MAX_POWER_LIMIT = 100

DETERMINANT = "déterminante"  # also called motrice: high influence, low dependence
RELAY = "relais"  # also called enjeu: high influence, high dependence
RESULT = "résultat"  # also called dépendante: low influence, high dependence
AUTONOMOUS = "autonome"  # also called exclue: low influence, low dependence
REGULATING = "régulatrice"  # near the centre of the plane (optional)

#: The quadrants' colours, for every view of the plane: the book's figure, the presentation and
#: the matrix editor.
QUADRANT_COLOURS = {DETERMINANT: palette.BLUE, RELAY: palette.VERMILLION, RESULT: palette.BLUISH_GREEN,
                    AUTONOMOUS: palette.REDDISH_PURPLE, REGULATING: palette.GREY}


class IndirectWarning(UserWarning):
    """The indirect ranking did not settle (or the powers vanished); the message says which power was used."""


def _parse_influence(matrix: pd.DataFrame,
                     variables: Iterable | None) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    matrix = square_labels(matrix, WHAT)
    check_known(matrix.index, variables, WHAT, "variables inconnues")
    values, marked = parse_cells(matrix, WHAT, 0, SCALE_MAX, letter=POTENTIAL, empty_diagonal=True)
    problems = [f"la diagonale doit être nulle, valeur « {shown(matrix.iat[i, i]).strip()} » à la "
                f"{where(label, label)}"
                for i, label in enumerate(matrix.index) if values[i, i] or marked[i, i]]
    raise_problems(WHAT, problems)
    return matrix, values, marked


# --- public API --------------------------------------------------------------------------------

def validate_influence(matrix: pd.DataFrame, variables: Iterable | None = None,
                       potential: bool = False) -> pd.DataFrame:
    """Check a direct influence matrix and return it as integers.

    Parameters
    ----------
    matrix : DataFrame
        Square, indexed and columned by the same variable codes (columns may come in another
        order: they are put in the row order). Cells are 0, 1, 2, 3 or ``"P"`` (numbers or
        strings); an empty diagonal cell is read as 0.
    variables : iterable, optional
        The known variable codes; a row label outside them is an error.
    potential : bool
        ``P`` becomes 3 when true (LIPSOR's potential matrix), 0 otherwise.

    Returns
    -------
    DataFrame of int64, same labels (index and columns named ``variable``), columns in row order.

    Raises
    ------
    AtelierError
        In French, naming the row and column of each faulty cell: a matrix that is not square,
        row and column labels that differ or repeat, unknown variables, values off the scale,
        empty cells, a non-zero diagonal.

    Examples
    --------
    >>> m = pd.DataFrame([[0, "P"], [2, None]], index=["A", "B"], columns=["A", "B"])
    >>> validate_influence(m, potential=True).to_numpy().tolist()
    [[0, 3], [2, 0]]
    """
    matrix, values, marked = _parse_influence(matrix, variables)
    values = np.where(marked, SCALE_MAX if potential else 0, values)
    labels = pd.Index(matrix.index, name="variable")
    return pd.DataFrame(values, index=labels, columns=labels.copy())


def _ranks(values: np.ndarray, tie_tolerance: float = TIE_TOLERANCE) -> np.ndarray:
    """Rank 1 = largest; values within ``tie_tolerance`` × the largest magnitude share the best rank."""
    tolerance = tie_tolerance * (float(np.max(np.abs(values))) if values.size else 0.0)
    return 1 + (values[None, :] > values[:, None] + tolerance).sum(axis=1)


def _table(values: np.ndarray, labels: pd.Index, tie_tolerance: float = TIE_TOLERANCE) -> pd.DataFrame:
    influence, dependence = values.sum(axis=1), values.sum(axis=0)
    total = float(values.sum())
    table = pd.DataFrame({
        "influence": influence,
        "dependence": dependence,
        "influence_norm": influence / total if total else np.zeros(len(labels)),
        "dependence_norm": dependence / total if total else np.zeros(len(labels)),
        "influence_rank": _ranks(influence, tie_tolerance),
        "dependence_rank": _ranks(dependence, tie_tolerance),
    }, index=pd.Index(labels, name="variable"))
    return table


def direct(matrix: pd.DataFrame, potential: bool = False) -> pd.DataFrame:
    """Direct influence and dependence of each variable (row and column sums of ``M``).

    Returns
    -------
    DataFrame indexed by ``variable`` with columns ``influence`` (row sum), ``dependence``
    (column sum), ``influence_norm`` and ``dependence_norm`` (shares of the matrix total),
    ``influence_rank`` and ``dependence_rank`` (1 = strongest, ties share the best rank).
    ``P`` counts as 3 with ``potential=True`` (LIPSOR's potential direct matrix), else as 0.

    Examples
    --------
    >>> m = pd.DataFrame([[0, 3, 1], [0, 0, 2], [1, 0, 0]], index=list("ABC"), columns=list("ABC"))
    >>> direct(m)[["influence", "dependence", "influence_rank"]].to_numpy().tolist()
    [[4, 1, 1], [2, 3, 2], [1, 3, 3]]
    """
    values = validate_influence(matrix, potential=potential)
    return _table(values.to_numpy(), values.index)


def _stable_power(values: np.ndarray, max_power: int, stable_for: int,
                  tie_tolerance: float) -> tuple[np.ndarray, int]:
    """Powers of ``values`` until the rankings settle; warn when they do not."""
    def ranking(power_matrix):
        return np.concatenate([_ranks(power_matrix.sum(axis=1), tie_tolerance),
                               _ranks(power_matrix.sum(axis=0), tie_tolerance)])

    current = values.astype(float)
    history = [ranking(current)]
    for k in range(2, max_power + 1):
        following = current @ values
        if not following.any():
            warnings.warn(
                f"Les influences n’ont pas de circuit : la puissance {k} de la matrice est nulle ; "
                f"le classement indirect est celui de la puissance {k - 1}.", IndirectWarning, stacklevel=4)
            return current, k - 1
        current = following
        history.append(ranking(current))
        recent = history[-(stable_for + 1):]
        if len(recent) == stable_for + 1 and all(np.array_equal(recent[0], other) for other in recent[1:]):
            return current, k
    warnings.warn(
        f"Le classement indirect n’est pas stabilisé après {max_power} puissances ; "
        f"le classement donné est celui de la puissance {max_power}.", IndirectWarning, stacklevel=4)
    return current, max_power


def _indirect_values(matrix, max_power, potential, stable_for, power,
                     tie_tolerance) -> tuple[pd.Index, np.ndarray, int]:
    values = validate_influence(matrix, potential=potential)
    for name, number in (("max_power", max_power), ("power", power)):
        if number is not None and not (isinstance(number, numbers.Integral) and 1 <= number <= MAX_POWER_LIMIT):
            raise AtelierError(f"{WHAT} : {name} doit être un entier entre 1 et {MAX_POWER_LIMIT}, pas {number!r}.")
    if not (isinstance(stable_for, numbers.Integral) and stable_for >= 1):
        raise AtelierError(f"{WHAT} : stable_for doit être un entier au moins égal à 1, pas {stable_for!r}.")
    if not 0 <= tie_tolerance < 1:
        raise AtelierError(f"{WHAT} : tie_tolerance doit être compris entre 0 et 1, pas {tie_tolerance!r}.")
    array = values.to_numpy()
    if power is not None:
        return values.index, np.linalg.matrix_power(array.astype(float), power), int(power)
    result, used = _stable_power(array, int(max_power), int(stable_for), tie_tolerance)
    return values.index, result, used


def indirect(matrix: pd.DataFrame, max_power: int = 30, potential: bool = False, *,
             stable_for: int = 2, power: int | None = None,
             tie_tolerance: float = TIE_TOLERANCE) -> tuple[pd.DataFrame, int]:
    """Indirect influence and dependence (MICMAC): row and column sums of a power ``M^k``.

    ``M^k[i, j]`` adds up the strengths of every chain of ``k`` influences going from ``i`` to
    ``j``, so the sums of ``M^k`` measure how a variable acts through the whole system. The
    powers ``k = 1, 2, …`` are computed until the influence ranking and the dependence ranking
    have stayed identical over ``stable_for`` successive powers (rankings of ``M^(k - 2)``,
    ``M^(k - 1)`` and ``M^k`` equal, by default); ``k`` is returned with the table.

    Why the ranking settles: when ``M`` is *primitive* (strongly connected and aperiodic; with
    a zero diagonal, for instance, when it has circuits of lengths 2 and 3), Perron-Frobenius
    gives ``M^k / λ^k → v uᵀ`` (``λ`` the largest eigenvalue, ``v`` the positive right
    eigenvector, ``u`` the positive left eigenvector, ``uᵀ v = 1``). Row sums of ``M^k`` thus
    become proportional to ``v`` and column sums to ``u``: the indirect influence ranking tends
    to the order of the right Perron eigenvector and the dependence ranking to the order of the
    left one, at a geometric rate ``|λ₂ / λ|``. The tests check this agreement on random
    primitive matrices. The stopping rule is nonetheless a heuristic: two variables whose
    Perron components are nearly equal may swap later than the reported power.

    Parameters
    ----------
    matrix : DataFrame
        The direct influence matrix (see :func:`validate_influence`).
    max_power : int
        Largest power tried (at most 100). If the rankings have not settled by then, an
        :class:`IndirectWarning` is issued and ``M^max_power`` is used.
    potential : bool
        ``P`` counts as 3 when true (LIPSOR's potential indirect matrix), else as 0.
    stable_for : int
        Number of successive powers over which the rankings must not change.
    power : int, optional
        Use exactly this power and skip the search.
    tie_tolerance : float
        Sums closer than this fraction of the largest one are tied (see the module docstring).

    Returns
    -------
    table : DataFrame
        Indexed by ``variable``, the columns of :func:`direct` computed on ``M^k``:
        ``influence``, ``dependence`` (floats, they grow like ``λ^k``), ``influence_norm``,
        ``dependence_norm`` (shares of the total of ``M^k``), ``influence_rank``,
        ``dependence_rank``.
    power : int
        The power ``k`` used. A matrix without any circuit has ``M^k = 0`` from some ``k`` on:
        the last non-zero power is used and an :class:`IndirectWarning` is issued.
    """
    labels, values, used = _indirect_values(matrix, max_power, potential, stable_for, power, tie_tolerance)
    return _table(values, labels, tie_tolerance), used


def quadrants(table: pd.DataFrame, regulating: float = 0.0) -> pd.DataFrame:
    """Place each variable in the influence/dependence plane (Godet's four sectors).

    The axes cross at the mean normalised influence and the mean normalised dependence (both
    ``1/n``; the raw ``influence``/``dependence`` columns are used when the table has no
    normalised ones). "High" means strictly above the mean.

    * ``déterminante`` (motrice, variable d'entrée): high influence, low dependence;
    * ``relais`` (enjeu): high influence, high dependence, unstable by nature;
    * ``résultat`` (dépendante, variable de sortie): low influence, high dependence;
    * ``autonome`` (exclue): low influence, low dependence;
    * ``régulatrice``: only when ``regulating > 0``, a variable whose influence and dependence
      are both within ``regulating × mean`` of their means (the centre of the plane).

    Parameters
    ----------
    table : DataFrame
        Output of :func:`direct` or :func:`indirect`.
    regulating : float
        Relative half-width of the central band (0 disables the regulating class).

    Returns
    -------
    The table with a ``quadrant`` column holding the French label (for display).
    """
    if regulating < 0:
        raise AtelierError(f"Plan influence/dépendance : la largeur de la zone centrale doit être positive, "
                           f"pas {regulating}.")
    x_name = "influence_norm" if "influence_norm" in table else "influence"
    y_name = "dependence_norm" if "dependence_norm" in table else "dependence"
    x, y = table[x_name].astype(float), table[y_name].astype(float)
    x_mean, y_mean = x.mean(), y.mean()
    high_x, high_y = x > x_mean, y > y_mean
    labels = np.select([high_x & ~high_y, high_x & high_y, ~high_x & high_y],
                       [DETERMINANT, RELAY, RESULT], default=AUTONOMOUS).astype(object)
    if regulating > 0:
        central = ((x - x_mean).abs() <= regulating * abs(x_mean)) & ((y - y_mean).abs() <= regulating * abs(y_mean))
        labels[central.to_numpy()] = REGULATING
    result = table.copy()
    result["quadrant"] = pd.Series(labels, index=table.index, dtype=object)
    return result


@dataclass(frozen=True)
class Plane:
    """The influence/dependence plane as every view draws it."""

    #: :func:`direct` or :func:`indirect` table with its ``quadrant`` column (:func:`quadrants`).
    table: pd.DataFrame
    #: The power of the matrix used (``None`` for the direct plane).
    power: int | None
    #: Why the indirect ranking may not be settled (:class:`IndirectWarning` messages, in French).
    warnings: list[str] = field(default_factory=list)


def plane(matrix: pd.DataFrame, indirect_plane: bool = True, potential: bool = False, max_power: int = 30,
          regulating: float = 0.0) -> Plane:
    """The direct or indirect plane of a direct influence matrix: its variables in their quadrants.

    Examples
    --------
    >>> m = pd.DataFrame([[0, 3, 1], [0, 0, 2], [1, 0, 0]], index=list("ABC"), columns=list("ABC"))
    >>> plane(m, indirect_plane=False).table["quadrant"].tolist()
    ['déterminante', 'résultat', 'résultat']
    """
    if not indirect_plane:
        return Plane(quadrants(direct(matrix, potential=potential), regulating), None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", IndirectWarning)
        table, power = indirect(matrix, max_power=max_power, potential=potential)
    messages = [str(w.message) for w in caught if issubclass(w.category, IndirectWarning)]
    return Plane(quadrants(table, regulating), power, messages)


def rank_shifts(direct_table: pd.DataFrame, indirect_table: pd.DataFrame) -> pd.DataFrame:
    """How each variable moves between the direct and the indirect rankings.

    Returns
    -------
    DataFrame indexed by ``variable`` (the direct table's order) with ``influence_rank_direct``,
    ``influence_rank_indirect``, ``influence_shift``, ``dependence_rank_direct``,
    ``dependence_rank_indirect``, ``dependence_shift``. A shift is the direct rank minus the
    indirect rank: positive when the variable climbs once indirect effects are counted (the
    "hidden" variables MICMAC is meant to reveal), negative when it falls.
    """
    only_direct = [v for v in direct_table.index if v not in set(indirect_table.index)]
    only_indirect = [v for v in indirect_table.index if v not in set(direct_table.index)]
    if only_direct or only_indirect:
        parts = []
        if only_direct:
            parts.append("absentes du classement indirect : " + ", ".join(f"« {v} »" for v in only_direct))
        if only_indirect:
            parts.append("absentes du classement direct : " + ", ".join(f"« {v} »" for v in only_indirect))
        raise AtelierError("Comparaison des classements : variables " + " ; ".join(parts) + ".")
    other = indirect_table.loc[direct_table.index]
    result = pd.DataFrame(index=pd.Index(direct_table.index, name="variable"))
    for axis in ("influence", "dependence"):
        before = direct_table[f"{axis}_rank"].to_numpy()
        after = other[f"{axis}_rank"].to_numpy()
        result[f"{axis}_rank_direct"] = before
        result[f"{axis}_rank_indirect"] = after
        result[f"{axis}_shift"] = before - after
    return result


def influence_graph(matrix: pd.DataFrame, threshold: float = 1, potential: bool = False, *,
                    indirect: bool = False, max_power: int = 30) -> nx.DiGraph:
    """The influences at least as strong as ``threshold``, as a directed graph.

    Every variable is a node (isolated ones included); an edge ``i → j`` with attribute
    ``weight`` is kept when ``M[i, j] ≥ threshold`` (and is non-zero).

    * Direct (default): weights on the 0–3 scale; with ``potential=True`` a ``P`` cell gives
      an edge of weight 3 and attribute ``potential=True`` (other edges have ``potential=False``).
    * ``indirect=True``: the weights come from ``M^k`` at the stable power of :func:`indirect`,
      rescaled so that the strongest influence between two distinct variables equals 3, so
      that ``threshold`` reads on the same 0–3 scale. Loops (a variable acting on itself
      through circuits) are left out. ``graph.graph["power"]`` records ``k``.

    Raises
    ------
    AtelierError
        For a bad matrix, or a threshold that is not strictly positive.
    """
    if not isinstance(threshold, numbers.Real) or isinstance(threshold, bool) or not threshold > 0:
        raise AtelierError(f"Graphe des influences : le seuil doit être un nombre strictement positif, "
                           f"pas {threshold!r}.")
    labels_frame, _, marked = _parse_influence(matrix, None)
    labels = list(labels_frame.index)
    graph = nx.DiGraph()
    graph.add_nodes_from(labels)
    if indirect:
        _, values, used = _indirect_values(matrix, max_power, potential, 2, None, TIE_TOLERANCE)
        values = values.copy()
        np.fill_diagonal(values, 0.0)
        largest = float(values.max())
        weights = values * (SCALE_MAX / largest) if largest > 0 else values
        graph.graph["power"] = used
        marked = np.zeros_like(marked)
    else:
        weights = validate_influence(matrix, potential=potential).to_numpy().astype(float)
    for i, j in zip(*np.nonzero((weights >= threshold) & (weights > 0))):
        if i != j:
            graph.add_edge(labels[i], labels[j], weight=float(weights[i, j]), potential=bool(marked[i, j]))
    return graph
