"""Consistent scenarios from a morphological field: cross-impact balances (CIB) and GMA.

A *field* is a list of descriptors, each with at least two variants. A *scenario* (or
*configuration*) picks one variant per descriptor.

Tables
------
``descriptors``
    DataFrame with ``descriptor`` and ``variant`` (one row per variant, in order) and an optional
    ``label``.
cross-impact matrix
    DataFrame whose rows and columns are both a 2-level MultiIndex ``(descriptor, variant)``.
    The cell ``(row, column)`` is the impact of the row variant, when it occurs, on the column
    variant: −3…+3 for CIB, 0/1 (compatible or not) for GMA. Cells between two variants of the
    same descriptor mean nothing and are ignored (they may be blank).

CIB (Weimer-Jehle, as in ScenarioWizard)
    The *impact balance* of a variant is the sum of the impacts it receives from the chosen
    variants of the *other* descriptors. A descriptor's inconsistency is the largest balance among
    its variants minus the balance of its chosen variant; a scenario's inconsistency is the largest
    over its descriptors, and it is consistent when that is 0 (or at most ``max_inconsistency``).
    The *total impact score* is the sum of the balances of the chosen variants.
GMA (Ritchey's general morphological analysis)
    A configuration is consistent when all its pairs of variants are compatible (cell 1).

Enumeration
-----------
:func:`consistent_scenarios` and :func:`compatible_configurations` are exact and complete, and
do not visit the whole product. They run a depth-first search over the descriptors, ordered
so that fixed descriptors come first and each next descriptor is the one most strongly linked
(sum of absolute impacts both ways) to those already placed. Every partial assignment carries,
for each variant of each descriptor, whether it is still *possible*:

* CIB: with ``P`` the partial balances and, for two variants ``a`` and ``b`` of the same
  descriptor, ``R(a, b)`` the sum over the unplaced descriptors ``i`` of
  ``max over variants v of i of (M[v, a] − M[v, b])`` (the most that ``a`` can still gain on
  ``b``), variant ``a`` can no longer end within ``m`` of ``b`` when
  ``P[b] − P[a] > m + R(a, b)``; it is then struck out. This bound is admissible (it never
  strikes out a variant of a scenario that ends within ``m``), and it only grows as descriptors
  are placed, so a struck variant stays struck. A branch is cut when a placed descriptor's chosen
  variant is struck or when an unplaced descriptor has no variant left; unplaced descriptors are
  only tried on their remaining variants. At the leaves the bound is exact.
* GMA: placing a variant strikes out every variant incompatible with it (forward checking); a
  branch is cut when a descriptor has no variant left.

The search is vectorised with numpy: the open branches of one depth are expanded together in
blocks of a few thousand (deepest depth first, so memory stays bounded).
:func:`brute_force_consistent` evaluates the whole product (in blocks) and is kept for tests and
benchmarks.

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
stored in ``.scw``. Files are written in Windows-1252 (the encoding of Windows programs of that
generation) and read as UTF-8 or, failing that, Windows-1252.

Every error a user can meet reading a file is an :class:`~analysis.errors.InputError` in French
naming the file and the place (row, column, descriptor); errors in tables passed to the
functions are :class:`ValueError` in French.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError
from .fsio import atomic_write_bytes

INCONSISTENCY = "inconsistency"
TOTAL_IMPACT_SCORE = "total_impact_score"
CIB_SCALE = (-3, 3)
GMA_SCALE = (0, 1)
BRUTE_FORCE_LIMIT = 50_000_000
SCW_HEADER = "$ ScenarioWizard 4.0"
_BLOCK = 8192  # open branches expanded together
_INTEGER = re.compile(r"^[+-]?\d+(?:[.,]0*)?$")


# ---------------------------------------------------------------------------------------------
# the field behind a matrix


@dataclass(frozen=True)
class _Field:
    """A validated matrix: names, blocks of variants, and the impacts as integers."""

    descriptors: tuple[str, ...]
    variants: tuple[tuple[str, ...], ...]
    starts: np.ndarray  # first flat variant of each descriptor
    sizes: np.ndarray  # number of variants of each descriptor
    owner: np.ndarray  # descriptor of each flat variant
    impacts: np.ndarray  # (V, V) int64, zero between variants of the same descriptor

    @property
    def n_variants(self) -> int:
        return int(self.sizes.sum())

    @property
    def size(self) -> int:
        """Number of configurations of the field (product of the numbers of variants)."""
        return math.prod(int(k) for k in self.sizes)

    def flat(self, descriptor: int, variant: int) -> int:
        return int(self.starts[descriptor]) + variant


def _label(descriptor, variant) -> str:
    return f"« {descriptor} : {variant} »"


def _blocks(labels: list[tuple], what: str) -> tuple[list[str], list[list[str]]]:
    """Group (descriptor, variant) labels into contiguous descriptors, checking them."""
    descriptors: list[str] = []
    variants: list[list[str]] = []
    seen: set = set()
    for descriptor, variant in labels:
        if (descriptor, variant) in seen:
            raise ValueError(f"{what} : variante en double {_label(descriptor, variant)}")
        seen.add((descriptor, variant))
        if not descriptors or descriptors[-1] != descriptor:
            if descriptor in descriptors:
                raise ValueError(f"{what} : les variantes du descripteur « {descriptor} » ne se suivent pas")
            descriptors.append(descriptor)
            variants.append([])
        variants[-1].append(variant)
    for descriptor, names in zip(descriptors, variants):
        if len(names) < 2:
            raise ValueError(f"{what} : le descripteur « {descriptor} » n’a qu’une variante (au moins deux)")
    return descriptors, variants


def _field(matrix: pd.DataFrame, kind: str = "cib") -> _Field:
    """Check a cross-impact (or compatibility) matrix and turn it into a :class:`_Field`."""
    if not isinstance(matrix, pd.DataFrame):
        raise ValueError("la matrice doit être un DataFrame")
    if matrix.index.nlevels != 2 or matrix.columns.nlevels != 2:
        raise ValueError("la matrice doit avoir des lignes et des colonnes (descripteur, variante)")
    rows = [tuple(label) for label in matrix.index]
    columns = [tuple(label) for label in matrix.columns]
    descriptors, variants = _blocks(rows, "lignes de la matrice")
    _blocks(columns, "colonnes de la matrice")
    missing = [label for label in rows if label not in set(columns)]
    if missing:
        raise ValueError(f"la variante {_label(*missing[0])} est en ligne mais pas en colonne")
    extra = [label for label in columns if label not in set(rows)]
    if extra:
        raise ValueError(f"la variante {_label(*extra[0])} est en colonne mais pas en ligne")
    reserved = {INCONSISTENCY, TOTAL_IMPACT_SCORE} & set(descriptors)
    if reserved:
        raise ValueError(f"« {reserved.pop()} » ne peut pas être le nom d’un descripteur")
    ordered = matrix.reindex(columns=pd.MultiIndex.from_tuples(rows))
    try:
        values = ordered.to_numpy(dtype="float64", na_value=np.nan)
    except (TypeError, ValueError):
        raise ValueError("la matrice contient des valeurs qui ne sont pas des nombres") from None
    sizes = np.array([len(v) for v in variants], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    owner = np.repeat(np.arange(len(sizes)), sizes)
    same = owner[:, None] == owner[None, :]
    blank = np.isnan(values) & ~same
    if kind == "gma":  # one triangle may be left blank: the mirrored cell decides
        blank &= np.isnan(values.T)
        values = np.where(np.isnan(values), values.T, values)
        values = np.fmin(values, values.T)
    if blank.any():
        r, c = np.argwhere(blank)[0]
        raise ValueError(f"case vide hors des blocs d’un même descripteur : impact de "
                         f"{_label(*rows[r])} sur {_label(*rows[c])}")
    low, high = GMA_SCALE if kind == "gma" else (-np.inf, np.inf)
    bad = ~same & ((values != np.round(values)) | (values < low) | (values > high))
    if bad.any():
        r, c = np.argwhere(bad)[0]
        expected = "0 ou 1" if kind == "gma" else "un entier"
        raise ValueError(f"valeur {values[r, c]:g} pour l’impact de {_label(*rows[r])} sur "
                         f"{_label(*rows[c])} : {expected} attendu")
    impacts = np.where(same, 0, values).astype(np.int64)
    return _Field(tuple(descriptors), tuple(tuple(v) for v in variants), starts, sizes, owner, impacts)


def descriptors_table(matrix: pd.DataFrame) -> pd.DataFrame:
    """The ``descriptors`` table (``descriptor``, ``variant``) of a cross-impact matrix."""
    field = _field(matrix)
    return pd.DataFrame([(d, v) for d, names in zip(field.descriptors, field.variants) for v in names],
                        columns=["descriptor", "variant"])


def _scenario_indices(field: _Field, scenario) -> np.ndarray:
    """Variant index per descriptor for a complete scenario given as a mapping."""
    chosen = dict(scenario.items()) if hasattr(scenario, "items") else None
    if chosen is None:
        raise ValueError("le scénario doit associer une variante à chaque descripteur (dictionnaire)")
    unknown = set(chosen) - set(field.descriptors)
    if unknown:
        raise ValueError(f"descripteur inconnu dans le scénario : « {sorted(map(str, unknown))[0]} »")
    indices = []
    for d, (descriptor, names) in enumerate(zip(field.descriptors, field.variants)):
        if descriptor not in chosen:
            raise ValueError(f"le scénario ne donne pas de variante au descripteur « {descriptor} »")
        if chosen[descriptor] not in names:
            raise ValueError(f"variante inconnue {_label(descriptor, chosen[descriptor])} "
                             f"(variantes : {', '.join(map(str, names))})")
        indices.append(names.index(chosen[descriptor]))
    return np.array(indices, dtype=np.int64)


def _fixed_indices(field: _Field, fixed) -> dict[int, int]:
    """``{descriptor index: variant index}`` for a partial scenario (``fixed``)."""
    if not fixed:
        return {}
    result = {}
    for descriptor, variant in dict(fixed).items():
        if descriptor not in field.descriptors:
            raise ValueError(f"descripteur fixé inconnu : « {descriptor} »")
        d = field.descriptors.index(descriptor)
        if variant not in field.variants[d]:
            raise ValueError(f"variante fixée inconnue {_label(descriptor, variant)} "
                             f"(variantes : {', '.join(map(str, field.variants[d]))})")
        result[d] = field.variants[d].index(variant)
    return result


# ---------------------------------------------------------------------------------------------
# one scenario


def _balances(field: _Field, indices: np.ndarray) -> np.ndarray:
    return field.impacts[field.starts + indices].sum(axis=0)


def impact_balances(matrix: pd.DataFrame, scenario) -> pd.DataFrame:
    """Impact balance of every variant under a scenario.

    ``scenario`` maps each descriptor to its chosen variant. Returns one row per variant:
    ``descriptor``, ``variant``, ``balance`` (sum of the impacts received from the chosen
    variants of the other descriptors) and ``chosen``.

    >>> m = pd.DataFrame([[0, 0, 2, -1], [0, 0, -1, 1], [1, -1, 0, 0], [-2, 2, 0, 0]],
    ...                  index=pd.MultiIndex.from_tuples([("A", "a1"), ("A", "a2"), ("B", "b1"), ("B", "b2")]),
    ...                  columns=pd.MultiIndex.from_tuples([("A", "a1"), ("A", "a2"), ("B", "b1"), ("B", "b2")]))
    >>> impact_balances(m, {"A": "a1", "B": "b1"})["balance"].tolist()
    [1, -1, 2, -1]
    """
    field = _field(matrix)
    indices = _scenario_indices(field, scenario)
    balances = _balances(field, indices)
    chosen = np.zeros(field.n_variants, dtype=bool)
    chosen[field.starts + indices] = True
    return pd.DataFrame({
        "descriptor": [d for d, names in zip(field.descriptors, field.variants) for _ in names],
        "variant": [v for names in field.variants for v in names],
        "balance": balances.astype(np.int64),
        "chosen": chosen,
    })


def evaluate(matrix: pd.DataFrame, scenario) -> dict:
    """Consistency of one scenario.

    Returns ``consistent`` (bool), ``inconsistency`` (largest gap, over descriptors, between the
    best balance of a descriptor and the balance of its chosen variant), ``total_impact_score``
    (sum of the balances of the chosen variants) and ``descriptor_inconsistency`` (the gap per
    descriptor).
    """
    field = _field(matrix)
    indices = _scenario_indices(field, scenario)
    balances = _balances(field, indices)
    best = np.maximum.reduceat(balances, field.starts)
    own = balances[field.starts + indices]
    gaps = best - own
    return {
        "consistent": bool(gaps.max() == 0),
        INCONSISTENCY: int(gaps.max()),
        TOTAL_IMPACT_SCORE: int(own.sum()),
        "descriptor_inconsistency": {d: int(g) for d, g in zip(field.descriptors, gaps)},
    }


# ---------------------------------------------------------------------------------------------
# enumeration


def _search_order(field: _Field, weights: np.ndarray, fixed: dict[int, int]) -> list[int]:
    """Fixed descriptors first, then greedily the descriptor most linked to those placed."""
    n = len(field.descriptors)
    link = np.add.reduceat(np.add.reduceat(np.abs(weights), field.starts, axis=0), field.starts, axis=1)
    link = (link + link.T).astype(float)
    np.fill_diagonal(link, 0)
    order = sorted(fixed)
    rest = [d for d in range(n) if d not in fixed]
    while rest:
        placed = order or rest
        score = [(link[d, placed].sum() if order else link[d].sum(), -field.sizes[d], -d) for d in rest]
        best = rest[max(range(len(rest)), key=score.__getitem__)]
        order.append(best)
        rest.remove(best)
    return order


def _start_domain(field: _Field, fixed: dict[int, int]) -> np.ndarray:
    domain = np.ones(field.n_variants, dtype=bool)
    for d, v in fixed.items():
        s = field.starts[d]
        domain[s:s + field.sizes[d]] = False
        domain[s + v] = True
    return domain


class _Frontier:
    """Open branches grouped by depth; the deepest are expanded first, a block at a time."""

    def __init__(self, depth: int, *arrays: np.ndarray):
        self.pools: list[list[tuple[np.ndarray, ...]]] = [[] for _ in range(depth + 1)]
        self.push(0, *arrays)

    def push(self, depth: int, *arrays: np.ndarray) -> None:
        if len(arrays[0]):
            self.pools[depth].append(arrays)

    def pop(self) -> tuple[int, tuple[np.ndarray, ...]] | None:
        for depth in range(len(self.pools) - 1, -1, -1):
            pool = self.pools[depth]
            if not pool:
                continue
            taken, count = [], 0
            while pool and count < _BLOCK:
                arrays = pool.pop()
                room = _BLOCK - count
                if len(arrays[0]) > room:
                    pool.append(tuple(a[room:] for a in arrays))
                    arrays = tuple(a[:room] for a in arrays)
                taken.append(arrays)
                count += len(arrays[0])
            return depth, tuple(np.concatenate(parts) for parts in zip(*taken))
        return None


def _alive(domain: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Rows where every descriptor still has a possible variant."""
    return np.logical_or.reduceat(domain, starts, axis=1).all(axis=1)


def _size_groups(field: _Field) -> list[np.ndarray]:
    """Flat variant indices, ``(descriptors, k)``, for each group of descriptors with k variants."""
    groups = []
    for k in np.unique(field.sizes):
        members = np.flatnonzero(field.sizes == k)
        groups.append(field.starts[members][:, None] + np.arange(k)[None, :])
    return groups


def _cib_search(field: _Field, max_inconsistency: int, fixed: dict[int, int]):
    """All scenarios within ``max_inconsistency``: (indices, inconsistency, total score)."""
    n, total = len(field.descriptors), field.n_variants
    impacts = field.impacts
    reach = 2 * int(np.abs(impacts).max(initial=0)) * n + abs(int(max_inconsistency))
    dtype = np.int16 if reach < 30_000 else np.int64
    order = _search_order(field, impacts, fixed)
    # Descriptors are handled in groups of equal numbers of variants, as (rows, descriptors, k)
    # arrays. For variants a, b of one descriptor and a source descriptor i, gain[i, ., a, b] is
    # the most that a can gain on b from i (max over the variants v of i of M[v, a] - M[v, b]);
    # limits[depth] adds up the gains of the descriptors not placed yet at that depth.
    groups = []
    for index in _size_groups(field):
        received = impacts[:, index]  # (V, descriptors, k)
        gain = np.maximum.reduceat(received[:, :, :, None] - received[:, :, None, :], field.starts, axis=0)
        remaining = np.zeros((n + 1,) + gain.shape[1:], dtype=np.int64)
        for depth in range(n - 1, -1, -1):
            remaining[depth] = remaining[depth + 1] + gain[order[depth]]
        groups.append((index, (remaining + max_inconsistency).astype(dtype)))
    rows = impacts.astype(dtype)

    def strike(depth, balances, domain):
        """Strike out the variants left behind for good; keep the rows still possible."""
        keep = np.ones(len(balances), dtype=bool)
        for index, limits in groups:
            received = balances[:, index]
            behind = ((received[:, :, None, :] - received[:, :, :, None]) > limits[depth]).any(axis=3)
            possible = domain[:, index] & ~behind
            domain[:, index] = possible
            keep &= possible.any(axis=2).all(axis=1)
        return keep

    balances = np.zeros((1, total), dtype=dtype)
    domain = _start_domain(field, fixed)[None, :]
    chosen = np.zeros((1, n), dtype=np.int16)
    keep = strike(0, balances, domain)
    frontier = _Frontier(n, balances[keep], domain[keep], chosen[keep])
    found = []
    while (item := frontier.pop()) is not None:
        depth, (balances, domain, chosen) = item
        d = order[depth]
        s, k = field.starts[d], field.sizes[d]
        branch, variant = np.nonzero(domain[:, s:s + k])
        balances = balances[branch] + rows[s + variant]
        domain = domain[branch]
        domain[:, s:s + k] = False
        domain[np.arange(len(branch)), s + variant] = True
        chosen = chosen[branch]
        chosen[:, d] = variant
        keep = strike(depth + 1, balances, domain)
        balances, chosen = balances[keep], chosen[keep]
        if depth + 1 == n:
            found.append(_scores(field, chosen, balances))
        else:
            frontier.push(depth + 1, balances, domain[keep], chosen)
    return _gather(found, n)


def _scores(field: _Field, chosen: np.ndarray, balances: np.ndarray):
    own = np.take_along_axis(balances, field.starts + chosen.astype(np.int64), axis=1).astype(np.int64)
    best = np.maximum.reduceat(balances, field.starts, axis=1).astype(np.int64)
    return chosen.astype(np.int16), (best - own).max(axis=1), own.sum(axis=1)


def _gather(found, n):
    if not found:
        return np.zeros((0, n), dtype=np.int16), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return tuple(np.concatenate(parts) for parts in zip(*found))


def _scenario_frame(field: _Field, chosen: np.ndarray, inconsistency=None, score=None) -> pd.DataFrame:
    """One row per scenario, sorted by inconsistency, then score (descending), then variants."""
    keys = [chosen[:, d] for d in range(chosen.shape[1] - 1, -1, -1)]
    if score is not None:
        keys += [-score, inconsistency]
    ordering = np.lexsort(keys) if len(chosen) else np.arange(0)
    chosen = chosen[ordering]
    columns = {descriptor: np.array(names, dtype=object)[chosen[:, d].astype(np.int64)]
               for d, (descriptor, names) in enumerate(zip(field.descriptors, field.variants))}
    frame = pd.DataFrame(columns)
    for descriptor in field.descriptors:
        frame[descriptor] = frame[descriptor].astype("str")
    if score is not None:
        frame[INCONSISTENCY] = inconsistency[ordering].astype(np.int64)
        frame[TOTAL_IMPACT_SCORE] = score[ordering].astype(np.int64)
    return frame


def _check_threshold(max_inconsistency) -> int:
    if isinstance(max_inconsistency, bool) or not float(max_inconsistency).is_integer() or max_inconsistency < 0:
        raise ValueError(f"l’inconsistance admise doit être un entier positif ou nul, pas {max_inconsistency!r}")
    return int(max_inconsistency)


def consistent_scenarios(matrix: pd.DataFrame, max_inconsistency: int = 0, fixed=None) -> pd.DataFrame:
    """Every scenario whose inconsistency is at most ``max_inconsistency`` (exact, complete).

    ``fixed`` (``{descriptor: variant}``) restricts the search to the scenarios with those
    variants. Returns one row per scenario: one column per descriptor (its chosen variant),
    ``inconsistency`` and ``total_impact_score``; sorted by inconsistency, then by descending
    total impact score, then by the order of the variants.
    """
    field = _field(matrix)
    threshold = _check_threshold(max_inconsistency)
    chosen, inconsistency, score = _cib_search(field, threshold, _fixed_indices(field, fixed))
    return _scenario_frame(field, chosen, inconsistency, score)


def brute_force_consistent(matrix: pd.DataFrame, max_inconsistency: int = 0) -> pd.DataFrame:
    """Same result as :func:`consistent_scenarios`, by evaluating every configuration.

    Vectorised over the whole product (in blocks); refused above ``BRUTE_FORCE_LIMIT``
    configurations. Meant for tests and benchmarks.
    """
    field = _field(matrix)
    threshold = _check_threshold(max_inconsistency)
    if field.size > BRUTE_FORCE_LIMIT:
        raise ValueError(f"{field.size} configurations : trop pour l’énumération complète "
                         f"(limite {BRUTE_FORCE_LIMIT})")
    n = len(field.descriptors)
    # the last descriptors are enumerated once (tail), the first ones block by block (head)
    split, tail_size = n, 1
    while split > 1 and tail_size * field.sizes[split - 1] <= 4096:
        split -= 1
        tail_size *= int(field.sizes[split])
    head_sizes, tail_sizes = field.sizes[:split], field.sizes[split:]
    tail = np.stack(np.unravel_index(np.arange(tail_size), tail_sizes), axis=1) if len(tail_sizes) \
        else np.zeros((1, 0), dtype=np.int64)
    impacts = field.impacts.astype(np.int32)
    tail_balances = sum((impacts[field.starts[split + j] + tail[:, j]] for j in range(n - split)),
                        np.zeros((tail_size, field.n_variants), dtype=np.int32))
    head_size = math.prod(int(k) for k in head_sizes)
    step = max(1, (1 << 18) // tail_size)
    found = []
    for begin in range(0, head_size, step):
        head = np.stack(np.unravel_index(np.arange(begin, min(begin + step, head_size)), head_sizes), axis=1)
        head_balances = sum((impacts[field.starts[j] + head[:, j]] for j in range(split)),
                            np.zeros((len(head), field.n_variants), dtype=np.int32))
        balances = (head_balances[:, None, :] + tail_balances[None, :, :]).reshape(-1, field.n_variants)
        chosen = np.concatenate([np.repeat(head, tail_size, axis=0), np.tile(tail, (len(head), 1))], axis=1)
        chosen, inconsistency, score = _scores(field, chosen, balances)
        keep = inconsistency <= threshold
        found.append((chosen[keep], inconsistency[keep], score[keep]))
    return _scenario_frame(field, *_gather(found, n))


def possible_variants(matrix: pd.DataFrame, fixed=None, max_inconsistency: int = 0) -> pd.DataFrame:
    """Which variants remain possible once some descriptors are fixed.

    Returns one row per variant: ``descriptor``, ``variant``, ``scenarios`` (number of
    scenarios within ``max_inconsistency`` that respect ``fixed`` and contain the variant),
    ``share`` (that number over the number of such scenarios) and ``possible``
    (``scenarios > 0``).
    """
    field = _field(matrix)
    threshold = _check_threshold(max_inconsistency)
    chosen, _, _ = _cib_search(field, threshold, _fixed_indices(field, fixed))
    rows = []
    for d, (descriptor, names) in enumerate(zip(field.descriptors, field.variants)):
        counts = np.bincount(chosen[:, d].astype(np.int64), minlength=len(names))
        for v, name in enumerate(names):
            rows.append((descriptor, name, int(counts[v])))
    table = pd.DataFrame(rows, columns=["descriptor", "variant", "scenarios"])
    table["share"] = table["scenarios"] / len(chosen) if len(chosen) else 0.0
    table["possible"] = table["scenarios"] > 0
    return table


def compatible_configurations(compat: pd.DataFrame, fixed=None) -> pd.DataFrame:
    """GMA: every configuration whose pairs of variants are all compatible (exact, complete).

    ``compat`` has the layout of a cross-impact matrix with 0 (incompatible) or 1 (compatible);
    a pair is incompatible as soon as one of its two cells is 0, so one triangle may be left
    blank. Returns one column per descriptor, one row per configuration, in the order of the
    variants.
    """
    field = _field(compat, kind="gma")
    n = len(field.descriptors)
    fixed = _fixed_indices(field, fixed)
    allowed = (field.impacts == 1) | (field.owner[:, None] == field.owner[None, :])
    order = _search_order(field, 1 - allowed.astype(np.int64), fixed)
    domain = _start_domain(field, fixed)
    for d, v in fixed.items():
        domain &= allowed[field.flat(d, v)]
    frontier = _Frontier(n, domain[None, :], np.zeros((1, n), dtype=np.int16))
    found = []
    while (item := frontier.pop()) is not None:
        depth, (domain, chosen) = item
        d = order[depth]
        s, k = field.starts[d], field.sizes[d]
        branch, variant = np.nonzero(domain[:, s:s + k])
        domain = domain[branch] & allowed[s + variant]
        domain[:, s:s + k] = False
        domain[np.arange(len(branch)), s + variant] = True
        chosen = chosen[branch]
        chosen[:, d] = variant
        keep = _alive(domain, field.starts)
        if depth + 1 == n:
            found.append((chosen[keep],))
        else:
            frontier.push(depth + 1, domain[keep], chosen[keep])
    chosen = np.concatenate([f[0] for f in found]) if found else np.zeros((0, n), dtype=np.int16)
    return _scenario_frame(field, chosen)


# ---------------------------------------------------------------------------------------------
# spreadsheets


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _where(row: int, column: int) -> str:
    return f"ligne {row + 1}, colonne {_column_letter(column)}"


def _decode(path: Path, data: bytes) -> str:
    if b"\x00" in data[:4096]:
        raise InputError(path, "fichier binaire : un texte (CSV ou .scw) est attendu")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _read_grid(path: Path, sheet) -> list[list]:
    """The cells of a CSV or XLSX file as a list of rows (``None`` for a blank cell)."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx", ".txt"):
        raise InputError(path, f"format « {path.suffix} » non pris en charge (CSV ou XLSX attendu)")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(path, "fichier introuvable") from None
    except OSError as error:
        raise InputError(path, f"fichier illisible ({error.strerror})") from None
    if suffix == ".xlsx":
        try:
            table = pd.read_excel(io.BytesIO(data), header=None, dtype=object, sheet_name=sheet,
                                  engine="openpyxl")
        except Exception as error:  # openpyxl and zipfile raise many types for damaged files
            raise InputError(path, f"classeur XLSX illisible ({error.__class__.__name__} : {error})") from None
        grid = [[None if (isinstance(v, float) and math.isnan(v)) or v is None else v for v in row]
                for row in table.itertuples(index=False)]
    else:
        text = _decode(path, data)
        first = next((line for line in text.splitlines() if line.strip()), "")
        delimiter = max(";,\t", key=first.count)
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
    return int(re.split(r"[.,]", text)[0]) if _INTEGER.match(text) else None


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
            if rd == cd:
                continue
            c = column_labels[(cd, cv)]
            cell = grid[r][c]
            if cell is None:
                blank[i, j] = True
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
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(path, "fichier introuvable") from None
    except OSError as error:
        raise InputError(path, f"fichier illisible ({error.strerror})") from None
    lines = _decode(path, data).splitlines()
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
                if value is None:
                    raise InputError(path, f"valeur « {cell} » : un entier est attendu",
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
    owner = pd.factorize(index.get_level_values(0))[0]
    matrix = matrix.where(owner[:, None] != owner[None, :], 0)
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
