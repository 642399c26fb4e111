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
    same descriptor (the descriptor's own block) may be blank (zero). For CIB they count, as in
    ScenarioWizard (and cibsa, JuCIB): its published solution lists are reproduced only so
    (``tests/data/scenariowizard``). :func:`within_descriptor_impacts` lists them, and
    :func:`without_within_descriptor_impacts` sets them to zero for who wants them ignored.
    For GMA they mean nothing and are ignored.

CIB (Weimer-Jehle, as in ScenarioWizard)
    The *impact balance* of a variant is the sum of the impacts it receives from the chosen
    variants (of the other descriptors, and of its own when its block is not empty). A
    descriptor's inconsistency is the largest balance among
    its variants minus the balance of its chosen variant; a scenario's inconsistency is the largest
    over its descriptors, and it is consistent when that is 0 (or at most ``max_inconsistency``).
    The *total impact score* is the sum of the balances of the chosen variants.
GMA (Ritchey's general morphological analysis)
    A configuration is consistent when all its pairs of variants are compatible (cell 1).

Enumeration
-----------
:func:`consistent_scenarios` is exact and complete and does not visit the whole product: a
compiled branch-and-bound with domain propagation (:mod:`analysis.prospective.cib_search`, which explains
the bound). Results stream from the search, so memory stays bounded; it stops after
``max_scenarios`` scenarios (an under-constrained field: the frame's ``attrs`` say so).
:func:`compatible_configurations` (GMA) runs a depth-first search with forward checking: placing
a variant strikes out every variant incompatible with it, and a branch is cut when a descriptor
has no variant left; descriptors are placed fixed ones first, then each next one the most
strongly linked to those already placed, and the open branches of one depth are expanded
together with numpy in blocks of a few thousand (deepest depth first).
:func:`brute_force_consistent` evaluates the whole product (in blocks) and is kept for tests and
benchmarks.

Files
-----
Reading the spreadsheets facilitators fill in (``read_cross_impact``) and reading and
writing ScenarioWizard project files (``read_scw``, ``write_scw``) live in
:mod:`analysis.prospective.cib_files`.

Errors in tables passed to the functions are :class:`ValueError` in French.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

INCONSISTENCY = "inconsistency"
TOTAL_IMPACT_SCORE = "total_impact_score"
CIB_SCALE = (-3, 3)
GMA_SCALE = (0, 1)
BRUTE_FORCE_LIMIT = 50_000_000
MAX_SCENARIOS = 10_000
PROGRESS_DELAY = 1.0  # seconds of search before the progress bar shows
IMPACT_LIMIT = 1_000_000  # balances of hundreds of descriptors stay far from the 64-bit limit
_BLOCK = 8192  # open branches expanded together


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
    low, high = GMA_SCALE if kind == "gma" else (-IMPACT_LIMIT, IMPACT_LIMIT)
    checked = ~same if kind == "gma" else ~np.isnan(values)
    bad = checked & ((values != np.round(values)) | (values < low) | (values > high))
    if bad.any():
        r, c = np.argwhere(bad)[0]
        limit = f"{IMPACT_LIMIT:,}".replace(",", "\u202f")
        expected = "0 ou 1" if kind == "gma" else f"un entier entre −{limit} et {limit}"
        raise ValueError(f"valeur {values[r, c]:g} pour l’impact de {_label(*rows[r])} sur "
                         f"{_label(*rows[c])} : {expected} attendu")
    # Cells inside a descriptor's own block count, as in ScenarioWizard; blank ones are zero.
    impacts = np.where((same & (kind == "gma")) | np.isnan(values), 0, values).astype(np.int64)
    return _Field(tuple(descriptors), tuple(tuple(v) for v in variants), starts, sizes, owner, impacts)


def parse_fixed(items: list[str]) -> dict[str, str]:
    """Fixed descriptors written ``DESCRIPTEUR=VARIANTE`` (as ``atelier cib --fix`` takes them)."""
    fixed = {}
    for item in items:
        descriptor, sep, variant = item.partition("=")
        if not sep:
            raise ValueError(f"--fix « {item} » : attendu DESCRIPTEUR=VARIANTE")
        fixed[descriptor.strip()] = variant.strip()
    return fixed


def configurations(matrix: pd.DataFrame) -> int:
    """The size of the morphological field: the product of the numbers of variants of the descriptors."""
    return math.prod(matrix.index.to_frame().groupby(level=0, sort=False).size())


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


def within_descriptor_impacts(matrix: pd.DataFrame) -> pd.Series:
    """Number of non-zero impacts inside each descriptor's own block (descriptors without any left out)."""
    descriptors = matrix.index.get_level_values(0)
    same = np.asarray(descriptors)[:, None] == np.asarray(matrix.columns.get_level_values(0))[None, :]
    values = matrix.to_numpy(dtype="float64", na_value=0.0)
    counts = pd.Series(((values != 0) & same).sum(axis=1), index=descriptors).groupby(level=0, sort=False).sum()
    return counts[counts > 0].astype(int).rename("impacts")


def without_within_descriptor_impacts(matrix: pd.DataFrame) -> pd.DataFrame:
    """The matrix with every impact inside a descriptor's own block set to zero (a deviation from
    ScenarioWizard, which counts them)."""
    same = (np.asarray(matrix.index.get_level_values(0))[:, None]
            == np.asarray(matrix.columns.get_level_values(0))[None, :])
    return matrix.mask(same, 0)


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


def _cib_search(field: _Field, max_inconsistency: int, fixed: dict[int, int], max_scenarios: int | None,
                progress: bool):
    """Scenarios within ``max_inconsistency`` (at most ``max_scenarios``) and the search's record."""
    from .cib_search import Search  # numba is loaded (and the search compiled) only when needed

    search = Search(field.impacts, field.starts, field.sizes, _start_domain(field, fixed), max_inconsistency)
    found, count = [], 0
    with tqdm(total=100, unit="%", desc="exploration du champ", delay=PROGRESS_DELAY, file=sys.stderr,
              disable=not progress, bar_format="{desc} : {percentage:3.0f} % {bar} {elapsed}") as bar:
        for chunk in search.steps():
            found.append(chunk)
            count += len(chunk[0])
            bar.update(100 * search.explored_share - bar.n)
            if max_scenarios is not None and count >= max_scenarios:
                break
    chosen, inconsistency, score = (part[:max_scenarios] for part in _gather(found, len(field.descriptors)))
    record = {"complete": search.finished and (max_scenarios is None or count <= max_scenarios),
              "explored_share": search.explored_share, "nodes": search.nodes}
    return (chosen, inconsistency, score), record


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


def consistent_scenarios(matrix: pd.DataFrame, max_inconsistency: int = 0, fixed=None,
                         max_scenarios: int | None = MAX_SCENARIOS, progress: bool = False) -> pd.DataFrame:
    """Every scenario whose inconsistency is at most ``max_inconsistency`` (exact, complete).

    ``fixed`` (``{descriptor: variant}``) restricts the search to the scenarios with those
    variants. Returns one row per scenario: one column per descriptor (its chosen variant),
    ``inconsistency`` and ``total_impact_score``; sorted by inconsistency, then by descending
    total impact score, then by the order of the variants.

    The search stops after ``max_scenarios`` scenarios (``None``: no cap): a field with that many
    is under-constrained, and the ones returned are the first found, not the best. The frame's
    ``attrs`` say so: ``complete`` (False when the cap stopped the search), ``explored_share``
    (the share of the configurations settled) and ``nodes`` (nodes of the search tree visited).
    ``progress`` shows a progress bar on standard error when the search lasts more than a second.
    """
    field = _field(matrix)
    threshold = _check_threshold(max_inconsistency)
    found, record = _cib_search(field, threshold, _fixed_indices(field, fixed), _check_cap(max_scenarios), progress)
    frame = _scenario_frame(field, *found)
    frame.attrs.update(record)
    return frame


def _check_cap(max_scenarios) -> int | None:
    if max_scenarios is None:
        return None
    if isinstance(max_scenarios, bool) or not float(max_scenarios).is_integer() or max_scenarios < 1:
        raise ValueError(f"le nombre maximal de scénarios doit être un entier positif, pas {max_scenarios!r}")
    return int(max_scenarios)


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


def possible_variants(matrix: pd.DataFrame, fixed=None, max_inconsistency: int = 0,
                      max_scenarios: int | None = MAX_SCENARIOS) -> pd.DataFrame:
    """Which variants remain possible once some descriptors are fixed.

    Returns one row per variant: ``descriptor``, ``variant``, ``scenarios`` (number of
    scenarios within ``max_inconsistency`` that respect ``fixed`` and contain the variant),
    ``share`` (that number over the number of such scenarios) and ``possible``
    (``scenarios > 0``). Counted over at most ``max_scenarios`` scenarios; ``attrs`` as for
    :func:`consistent_scenarios`.
    """
    field = _field(matrix)
    threshold = _check_threshold(max_inconsistency)
    (chosen, _, _), record = _cib_search(field, threshold, _fixed_indices(field, fixed),
                                         _check_cap(max_scenarios), progress=False)
    rows = []
    for d, (descriptor, names) in enumerate(zip(field.descriptors, field.variants)):
        counts = np.bincount(chosen[:, d].astype(np.int64), minlength=len(names))
        for v, name in enumerate(names):
            rows.append((descriptor, name, int(counts[v])))
    table = pd.DataFrame(rows, columns=["descriptor", "variant", "scenarios"])
    table["share"] = table["scenarios"] / len(chosen) if len(chosen) else 0.0
    table["possible"] = table["scenarios"] > 0
    table.attrs.update(record)
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
