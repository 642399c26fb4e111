"""Actors' strategies (MACTOR, Michel Godet / LIPSOR): balance of power, positions, alliances.

Two tables filled in by a workshop:

* **MID** (matrice des influences directes), actor × actor: ``MID[i, j]`` is how much actor ``i``
  can act on actor ``j``: ``0`` none, ``1`` on its procedures, ``2`` on its projects, ``3`` on
  its missions, ``4`` on its existence. The diagonal is zero (an empty diagonal cell reads as 0).
* **2MAO** (matrice valuée des positions acteurs × objectifs): ``2MAO[i, k]`` in ``-4..+4``,
  the sign says whether actor ``i`` is for or against objective ``k``, the magnitude how much
  the objective matters to it (1 procedures, 2 projects, 3 missions, 4 existence; 0 neutral).

Formulas (names as in MACTOR)
-----------------------------
* **MIDI**, direct and indirect influences: ``MIDI[i, j] = MID[i, j] + Σ_k min(MID[i, k], MID[k, j])``
  (the indirect part counts each intermediary ``k`` by its weaker link). The diagonal
  ``MIDI[i, i] = Σ_k min(MID[i, k], MID[k, i])`` is the actor's *feedback* (rétroaction).
* **Ii**, **Di**: influence and dependence in MIDI, diagonal excluded:
  ``Ii = Σ_j MIDI[i, j] − MIDI[i, i]``, ``Di = Σ_j MIDI[j, i] − MIDI[i, i]``.
* **ri**, balance-of-power coefficient: ``ri = ((Ii − MIDI[i, i]) / Σ_j Ij) · Ii / (Ii + Di)``
  (0 for an actor with ``Ii + Di = 0``), and its normalised form **ri*** ``= n · ri / Σ_j rj``,
  whose mean is 1 (if every ``ri`` is 0, every ``ri*`` is 1).
* **1MAO** = sign of 2MAO; **3MAO** = ``2MAO[i, k] · ri*``, positions weighted by power.
* **1CAA / 1DAA**: number of objectives on which actors ``i`` and ``j`` take the same sign
  (convergence) or opposite signs (divergence); a neutral position (0) is neither.
* **2CAA / 2DAA**: the same, valued: ``Σ_k (|2MAO[i, k]| + |2MAO[j, k]|) / 2`` over the
  objectives where they converge (diverge); **3CAA / 3DAA** with 3MAO instead of 2MAO.
  The diagonals of these actor × actor matrices are set to 0.
* **Mobilisation** on objective ``k``: the sums of the positive positions (for) and of the
  negative ones (against) in 2MAO, and weighted in 3MAO; the mobilisation is ``for + |against|``.

Functions take the raw tables (numbers or strings read from a spreadsheet) and validate them;
bad input raises :class:`~analysis.errors.AtelierError` in French, naming the row and column.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..errors import AtelierError
from .tables import check_known, check_unique, parse_cells, raise_problems, shown, square_labels, where

__all__ = [
    "Coalitions",
    "validate_mid",
    "validate_positions",
    "midi",
    "balance_of_power",
    "weighted_positions",
    "convergences",
    "divergences",
    "actor_pairs",
    "mobilisation",
    "coalitions",
]

MID_MAX = 4
POSITION_MAX = 4
WHAT_MID = "Matrice des influences directes entre acteurs (MID)"
WHAT_MAO = "Matrice des positions des acteurs sur les objectifs (2MAO)"
FOR, AGAINST = "for", "against"


class Coalitions(NamedTuple):
    """Result of :func:`coalitions`: the camps on each objective and the closest pairs."""

    groups: pd.DataFrame
    pairs: pd.DataFrame


def validate_mid(mid: pd.DataFrame, actors: Iterable | None = None) -> pd.DataFrame:
    """Check the MID (actor × actor, integers 0–4, zero diagonal) and return it as integers.

    Columns may come in another order: they are put in the row order. ``actors``, when given,
    lists the known actor codes; a label outside it is an error.

    Raises
    ------
    AtelierError
        Not square, row and column labels that differ or repeat, unknown actors, values off
        the 0–4 scale, empty cells, a non-zero diagonal (each cell named by row and column).
    """
    mid = square_labels(mid, WHAT_MID)
    check_known(mid.index, actors, WHAT_MID, "acteurs inconnus")
    values, _ = parse_cells(mid, WHAT_MID, 0, MID_MAX, empty_diagonal=True)
    raise_problems(WHAT_MID, [
        f"la diagonale doit être nulle, valeur « {shown(mid.iat[i, i])} » à la {where(label, label)}"
        for i, label in enumerate(mid.index) if values[i, i]])
    return pd.DataFrame(values, index=pd.Index(mid.index, name="actor"), columns=pd.Index(mid.index, name="actor"))


def validate_positions(positions: pd.DataFrame, actors: Iterable | None = None,
                       objectives: Iterable | None = None) -> pd.DataFrame:
    """Check the 2MAO (actors in rows, objectives in columns, integers −4..+4) and return it.

    ``actors`` and ``objectives``, when given, list the known codes; a label outside them is
    an error.

    Raises
    ------
    AtelierError
        Repeated labels, unknown actors or objectives, values off the −4..+4 scale, empty cells.
    """
    if not isinstance(positions, pd.DataFrame):
        raise AtelierError(f"{WHAT_MAO} : un tableau (DataFrame) est attendu, pas {type(positions).__name__}.")
    check_unique(positions.index, WHAT_MAO, "acteurs")
    check_unique(positions.columns, WHAT_MAO, "objectifs")
    if positions.empty:
        raise AtelierError(f"{WHAT_MAO} : la matrice est vide.")
    check_known(positions.index, actors, WHAT_MAO, "acteurs inconnus")
    check_known(positions.columns, objectives, WHAT_MAO, "objectifs inconnus")
    values, _ = parse_cells(positions, WHAT_MAO, -POSITION_MAX, POSITION_MAX)
    return pd.DataFrame(values, index=pd.Index(positions.index, name="actor"),
                        columns=pd.Index(positions.columns, name="objective"))


def _aligned(positions: pd.DataFrame, mid: pd.DataFrame | None) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Validate 2MAO (and MID); with a MID, both must list the same actors (2MAO put in MID order)."""
    if mid is None:
        return validate_positions(positions), None
    mid = validate_mid(mid)
    positions = validate_positions(positions)
    missing = [a for a in mid.index if a not in set(positions.index)]
    extra = [a for a in positions.index if a not in set(mid.index)]
    if missing or extra:
        parts = []
        if extra:
            parts.append("acteurs absents de la MID : " + ", ".join(f"« {a} »" for a in extra))
        if missing:
            parts.append("acteurs de la MID sans positions : " + ", ".join(f"« {a} »" for a in missing))
        raise AtelierError(f"{WHAT_MAO} : " + " ; ".join(parts) + ".")
    return positions.loc[mid.index], mid


def midi(mid: pd.DataFrame) -> pd.DataFrame:
    """MIDI, the direct and indirect influences: ``MID[i, j] + Σ_k min(MID[i, k], MID[k, j])``.

    Returns the actor × actor matrix (integers); the diagonal is each actor's feedback
    ``Σ_k min(MID[i, k], MID[k, i])``.

    Examples
    --------
    >>> m = pd.DataFrame([[0, 3], [1, 0]], index=["A", "B"], columns=["A", "B"])
    >>> midi(m).to_numpy().tolist()
    [[1, 3], [1, 1]]
    """
    mid = validate_mid(mid)
    values = mid.to_numpy()
    # Element (i, k, j) is min(MID[i, k], MID[k, j]); the zero diagonal makes k = i and k = j add 0.
    relays = np.minimum(values[:, :, None], values[None, :, :]).sum(axis=1)
    return pd.DataFrame(values + relays, index=mid.index.copy(), columns=mid.columns.copy())


def balance_of_power(mid: pd.DataFrame) -> pd.DataFrame:
    """Influence, dependence and balance-of-power coefficients of each actor (from MIDI).

    Returns
    -------
    DataFrame indexed by ``actor`` with ``influence`` (Ii), ``dependence`` (Di), ``feedback``
    (MIDI[i, i]), ``r`` (ri) and ``r_star`` (ri*, summing to the number of actors); see the
    module docstring for the formulas.
    """
    table = midi(mid)
    values = table.to_numpy().astype(float)
    feedback = np.diag(values).copy()
    influence = values.sum(axis=1) - feedback
    dependence = values.sum(axis=0) - feedback
    total = influence.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        share = (influence - feedback) / total if total else np.zeros_like(influence)
        r = np.where(influence + dependence > 0, share * influence / (influence + dependence), 0.0)
    n = len(r)
    r_star = n * r / r.sum() if r.sum() > 0 else np.ones(n)
    return pd.DataFrame({"influence": influence, "dependence": dependence, "feedback": feedback,
                         "r": r, "r_star": r_star}, index=pd.Index(table.index, name="actor"))


def weighted_positions(positions: pd.DataFrame, mid: pd.DataFrame) -> pd.DataFrame:
    """3MAO: each actor's 2MAO row multiplied by its ri* (actors in the MID's order)."""
    positions, mid = _aligned(positions, mid)
    r_star = balance_of_power(mid)["r_star"]
    return positions.astype(float).mul(r_star, axis=0)


def _pair_matrices(values: np.ndarray) -> dict[str, np.ndarray]:
    """Counts and intensities of agreements and disagreements for every pair of actors."""
    signs = np.sign(values)
    products = signs[:, None, :] * signs[None, :, :]  # (i, j, objective)
    agree, disagree = products > 0, products < 0
    magnitude = np.abs(values)
    mean_intensity = (magnitude[:, None, :] + magnitude[None, :, :]) / 2
    result = {
        "convergences": agree.sum(axis=2).astype(float),
        "divergences": disagree.sum(axis=2).astype(float),
        "convergence_intensity": (mean_intensity * agree).sum(axis=2),
        "divergence_intensity": (mean_intensity * disagree).sum(axis=2),
    }
    for matrix in result.values():
        np.fill_diagonal(matrix, 0.0)
    return result


def _level_values(positions, mid, level) -> tuple[pd.DataFrame, np.ndarray, str]:
    if level not in (1, 2, 3):
        raise AtelierError(f"Convergences entre acteurs : le niveau doit être 1, 2 ou 3, pas {level!r}.")
    if level == 3 and mid is None:
        raise AtelierError("Convergences entre acteurs : le niveau 3 (positions pondérées, 3MAO) demande la MID.")
    if level == 3:
        weighted = weighted_positions(positions, mid)
        return weighted, weighted.to_numpy(), "intensity"
    table, _ = _aligned(positions, mid)
    return table, table.to_numpy().astype(float), "count" if level == 1 else "intensity"


def _actor_matrix(positions, mid, level, kind) -> pd.DataFrame:
    table, values, measure = _level_values(positions, mid, level)
    key = f"{kind}s" if measure == "count" else f"{kind}_intensity"
    matrix = _pair_matrices(values)[key]
    if level == 1:
        matrix = matrix.astype(np.int64)
    labels = pd.Index(table.index, name="actor")
    return pd.DataFrame(matrix, index=labels, columns=labels.copy())


def convergences(positions: pd.DataFrame, mid: pd.DataFrame | None = None, level: int = 1) -> pd.DataFrame:
    """Convergence matrix between actors: 1CAA (``level=1``), 2CAA (2) or 3CAA (3, needs ``mid``).

    1CAA counts the objectives on which two actors take the same side; 2CAA adds up, over those
    objectives, the mean intensity ``(|2MAO[i, k]| + |2MAO[j, k]|) / 2``; 3CAA does the same
    with 3MAO. Actor × actor DataFrame, symmetric, zero diagonal.
    """
    return _actor_matrix(positions, mid, level, "convergence")


def divergences(positions: pd.DataFrame, mid: pd.DataFrame | None = None, level: int = 1) -> pd.DataFrame:
    """Divergence matrix between actors: 1DAA, 2DAA or 3DAA (as :func:`convergences`, opposite sides)."""
    return _actor_matrix(positions, mid, level, "divergence")


def actor_pairs(positions: pd.DataFrame, mid: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per pair of actors: the 1CAA/1DAA, 2CAA/2DAA (and, with ``mid``, 3CAA/3DAA) values.

    Returns
    -------
    DataFrame with ``actor_a``, ``actor_b`` (in the table's order), ``convergences`` and
    ``divergences`` (numbers of objectives, 1CAA/1DAA), ``convergence_intensity`` and
    ``divergence_intensity`` (2CAA/2DAA) and, with ``mid``, ``weighted_convergence`` and
    ``weighted_divergence`` (3CAA/3DAA).
    """
    table, mid = _aligned(positions, mid)
    simple = _pair_matrices(table.to_numpy().astype(float))
    weighted = _pair_matrices(weighted_positions(table, mid).to_numpy()) if mid is not None else None
    actors = list(table.index)
    rows = []
    for i in range(len(actors)):
        for j in range(i + 1, len(actors)):
            row = {"actor_a": actors[i], "actor_b": actors[j],
                   "convergences": int(simple["convergences"][i, j]),
                   "divergences": int(simple["divergences"][i, j]),
                   "convergence_intensity": simple["convergence_intensity"][i, j],
                   "divergence_intensity": simple["divergence_intensity"][i, j]}
            if weighted is not None:
                row["weighted_convergence"] = weighted["convergence_intensity"][i, j]
                row["weighted_divergence"] = weighted["divergence_intensity"][i, j]
            rows.append(row)
    columns = ["actor_a", "actor_b", "convergences", "divergences", "convergence_intensity",
               "divergence_intensity"]
    if weighted is not None:
        columns += ["weighted_convergence", "weighted_divergence"]
    return pd.DataFrame(rows, columns=columns)


def mobilisation(positions: pd.DataFrame, mid: pd.DataFrame | None = None) -> pd.DataFrame:
    """How much the actors mobilise for and against each objective.

    Returns
    -------
    DataFrame indexed by ``objective`` with ``n_for`` and ``n_against`` (numbers of actors),
    ``for`` (sum of the positive 2MAO positions), ``against`` (sum of the negative ones, ≤ 0),
    ``mobilisation`` (``for + |against|``) and, with ``mid``, ``weighted_for``,
    ``weighted_against`` and ``weighted_mobilisation`` computed on 3MAO.
    """
    table, mid = _aligned(positions, mid)
    values = table.to_numpy().astype(float)
    result = pd.DataFrame({
        "n_for": (values > 0).sum(axis=0),
        "n_against": (values < 0).sum(axis=0),
        FOR: np.where(values > 0, values, 0).sum(axis=0),
        AGAINST: np.where(values < 0, values, 0).sum(axis=0),
    }, index=pd.Index(table.columns, name="objective"))
    result["mobilisation"] = result[FOR] - result[AGAINST]
    if mid is not None:
        weighted = weighted_positions(table, mid).to_numpy()
        result["weighted_for"] = np.where(weighted > 0, weighted, 0).sum(axis=0)
        result["weighted_against"] = np.where(weighted < 0, weighted, 0).sum(axis=0)
        result["weighted_mobilisation"] = result["weighted_for"] - result["weighted_against"]
    return result


def coalitions(positions: pd.DataFrame, mid: pd.DataFrame | None = None, *, min_size: int = 2,
               top: int | None = 5) -> Coalitions:
    """Possible alliances: the camps on each objective and the pairs of actors closest together.

    Returns
    -------
    Coalitions(groups, pairs)
        ``groups``: one row per objective and side with at least ``min_size`` actors:
        ``objective``, ``side`` (``"for"`` or ``"against"``), ``actors`` (a tuple of actor
        codes, the most committed first: by decreasing ``|3MAO|`` with ``mid``, ``|2MAO|``
        without, then in table order), ``size``, ``intensity`` (sum of ``|2MAO|``) and, with
        ``mid``, ``weighted_intensity`` (sum of ``|3MAO|``).
        ``pairs``: the rows of :func:`actor_pairs` sorted by decreasing convergence (3CAA with
        ``mid``, else 2CAA; then 1CAA, then fewer divergences), the first ``top`` of them
        (all when ``top`` is None).
    """
    table, mid = _aligned(positions, mid)
    weighted = weighted_positions(table, mid) if mid is not None else None
    order = {actor: rank for rank, actor in enumerate(table.index)}
    rows = []
    for objective in table.columns:
        column = table[objective]
        strength = (weighted[objective] if weighted is not None else column).abs()
        for side, members in ((FOR, column[column > 0].index), (AGAINST, column[column < 0].index)):
            if len(members) < max(min_size, 1):
                continue
            ranked = sorted(members, key=lambda actor: (-strength[actor], order[actor]))
            row = {"objective": objective, "side": side, "actors": tuple(ranked), "size": len(ranked),
                   "intensity": int(column[members].abs().sum())}
            if weighted is not None:
                row["weighted_intensity"] = float(weighted.loc[members, objective].abs().sum())
            rows.append(row)
    group_columns = ["objective", "side", "actors", "size", "intensity"] + (
        ["weighted_intensity"] if weighted is not None else [])
    groups = pd.DataFrame(rows, columns=group_columns)
    pairs = actor_pairs(table, mid)
    key = "weighted_convergence" if mid is not None else "convergence_intensity"
    pairs = pairs.sort_values([key, "convergences", "divergences"], ascending=[False, False, True],
                              kind="stable").reset_index(drop=True)
    if top is not None:
        pairs = pairs.head(top)
    return Coalitions(groups, pairs)
