"""The exact search for consistent CIB scenarios, compiled with numba.

A depth-first branch-and-bound over the descriptors. Every node holds, for each variant, its
partial impact balance ``P`` (impacts received from the descriptors placed so far) and whether it
is still in its descriptor's *domain*; and, for every pair ``(a, b)`` of variants of one
descriptor, ``R(a, b)``: the most that ``a`` can still gain on ``b`` from the descriptors not
placed yet, ``sum over unplaced i of max over v in domain(i) of (M[v, a] − M[v, b])``.
A variant ``a`` can no longer end within ``m`` of the best of its descriptor when, for some
``b``, ``P[b] − P[a] > m + R(a, b)``.

*Domain propagation* (the default): such variants of every descriptor, placed or not, are struck
out; each strike lowers the bounds of the others, so ``R`` is recomputed over the reduced domain
and the check is repeated until nothing changes. A node is cut as soon as a descriptor has no
variant left. The next descriptor to place is the one with the fewest variants left, ties broken
by impact strength (the sum of the absolute impacts it exerts and receives), so that forced
choices come first and strong descriptors fix the balances early. The bound is admissible (it
never strikes a variant of a scenario that ends within ``m``) and exact at the leaves.

*Plain bound* (``propagate=False``, the baseline of the benchmark): ``R`` over the full domains,
only the chosen variants of placed descriptors are checked, descriptors in order of strength.

Why numba: the work per node is a few hundred integer comparisons with data-dependent control
flow (strikes, fixpoint, backtracking), which numpy cannot vectorise without expanding whole
levels of the tree at once (memory grows with the field, as the all-zero grid showed); numba
compiles the plain loop, installs from PyPI as a wheel, and caches the machine code.

The search is resumable: :class:`Search` runs the compiled loop for a bounded number of nodes
or until its buffer of results is full, yields the scenarios found, and continues, so results
stream with bounded memory and the caller can show progress (the explored share of the field:
the fraction of all configurations already found consistent or ruled out).
"""

from __future__ import annotations

import os
import queue
import threading

import numpy as np
from numba import njit

NODES_PER_STEP = 200_000
RESULTS_PER_STEP = 4096
PARTS_PER_WORKER = 16  # enough parts that the workers end together
TABLE_LIMIT = 512 * 2 ** 20  # bytes
_NONE = -(1 << 30)


@njit(cache=True)
def _mask(D, start, size):
    """The variants of one descriptor still in ``D``, as the bits of an integer."""
    mask = 0
    for a in range(size):
        if D[start + a]:
            mask |= 1 << a
    return mask


@njit(cache=True)
def _row(field, D, i):
    """Row of the table of bests for descriptor ``i`` with its variants still in ``D``."""
    starts, sizes, table_base = field[2], field[3], field[5]
    return table_base[i] + _mask(D, starts[i], sizes[i])


@njit(cache=True)
def _count(D, start, size):
    left = 0
    for a in range(start, start + size):
        left += D[a]
    return left


@njit(cache=True)
def _restrict(field, before, R, D, i):
    """Lower the bounds ``R`` after descriptor ``i``'s domain shrank from ``before`` to ``D``."""
    table = field[1]
    old, new = table[_row(field, before, i)], table[_row(field, D, i)]
    for p in range(len(R)):
        R[p] += new[p] - old[p]


@njit(cache=True)
def _propagate(field, settings, scratch, P, D, R, placed):
    """Strike out the variants ruled out for good; False when a descriptor has none left.

    Two rules, repeated until nothing changes: a variant that can no longer end within the
    margin of its descriptor's best is struck; and when a descriptor has a single variant ``a``
    left, a variant ``v`` of an unplaced descriptor ``i`` is struck when choosing it would leave
    some ``b`` above ``a`` by more than the margin whatever the others choose (``v`` gives the
    pair ``(a, b)`` less than the best of ``i`` by more than the pair's slack).
    """
    table, starts, sizes, pair_base = field[1], field[2], field[3], field[4]
    margin, propagate, max_loss = settings
    before, rows = scratch
    n = len(starts)
    changed = True
    while changed:
        changed = False
        for j in range(n):
            if not propagate and not placed[j]:
                continue
            sj, kj, base = starts[j], sizes[j], pair_base[j]
            struck = False
            for a in range(kj):
                if not D[sj + a]:
                    continue
                ahead = _NONE  # how far some b can still end above a, at the least (0 for b = a)
                for b in range(kj):
                    ahead = max(ahead, P[sj + b] - R[base + a * kj + b])
                if ahead - P[sj + a] > margin:
                    if not struck:
                        before[:] = D
                        struck = True
                    D[sj + a] = 0
            if not struck:
                continue
            if _count(D, sj, kj) == 0:
                return False
            if not placed[j]:
                _restrict(field, before, R, D, j)
                changed = True
        if not propagate:
            return True
        for i in range(n):  # the row of the table of bests of each domain
            rows[i] = _row(field, D, i)
        for j in range(n):
            sj, kj, base = starts[j], sizes[j], pair_base[j]
            if _count(D, sj, kj) != 1:
                continue
            a = 0
            while not D[sj + a]:
                a += 1
            for b in range(kj):
                pair = base + a * kj + b
                slack = P[sj + a] - P[sj + b] + margin + R[pair]
                if b == a or slack >= max_loss[pair]:
                    continue
                for i in range(n):
                    if placed[i] or i == j:
                        continue
                    si, ki = starts[i], sizes[i]
                    floor = table[rows[i], pair] - slack
                    struck = False
                    for v in range(si, si + ki):
                        if D[v] and table[field[5][i] + (1 << (v - si)), pair] < floor:
                            if not struck:
                                before[:] = D
                                struck = True
                            D[v] = 0
                    if struck:
                        if _count(D, si, ki) == 0:
                            return False
                        _restrict(field, before, R, D, i)
                        rows[i] = _row(field, D, i)
                        changed = True
    return True


@njit(cache=True)
def _next_descriptor(D, placed, starts, sizes, strength):
    """The unplaced descriptor with the fewest variants left, the strongest among equals."""
    chosen, fewest = -1, 1 << 30
    for j in range(len(starts)):
        if placed[j]:
            continue
        left = _count(D, starts[j], sizes[j])
        if left < fewest or (left == fewest and strength[j] > strength[chosen]):
            chosen, fewest = j, left
    return chosen, fewest


@njit(cache=True)
def _open(field, strength, root_sizes, stack, depth, explored):
    """Choose the descriptor to branch on at ``depth``; its share of the bounds leaves ``R``."""
    table, starts, sizes = field[1], field[2], field[3]
    P, D, R, placed, descriptor, cursor, weight, without = stack
    chosen, left = _next_descriptor(D[depth], placed[depth], starts, sizes, strength)
    descriptor[depth] = chosen
    cursor[depth] = 0
    share = table[_row(field, D[depth], chosen)]
    for p in range(R.shape[1]):
        without[depth, p] = R[depth, p] - share[p]
    explored[0] += weight[depth] * (root_sizes[chosen] - left) / root_sizes[chosen]


@njit(cache=True, nogil=True)
def _run(field, settings, scratch, strength, root_sizes, stack, counters, explored,
         out_chosen, out_inconsistency, out_score, node_budget):
    """Continue the search from its saved stack; return the number of scenarios written.

    ``counters`` holds the current depth (−1 once finished) and the number of nodes visited;
    ``explored[0]`` the share of the field already settled.
    """
    impacts, starts, sizes = field[0], field[2], field[3]
    P, D, R, placed, descriptor, cursor, weight, without = stack
    n = len(starts)
    found, budget = 0, node_budget
    depth = counters[0]
    while depth >= 0 and budget > 0 and found < len(out_score):
        d = descriptor[depth]
        s, k = starts[d], sizes[d]
        v = cursor[depth]
        while v < k and not D[depth, s + v]:
            v += 1
        if v == k:
            depth -= 1
            continue
        cursor[depth] = v + 1
        budget -= 1
        counters[1] += 1
        child = depth + 1
        share = weight[depth] / root_sizes[d]
        for x in range(P.shape[1]):
            P[child, x] = P[depth, x] + impacts[s + v, x]
        D[child] = D[depth]
        D[child, s:s + k] = 0
        D[child, s + v] = 1
        R[child] = without[depth]
        placed[child] = placed[depth]
        placed[child, d] = True
        if not _propagate(field, settings, scratch, P[child], D[child], R[child], placed[child]):
            explored[0] += share
            continue
        if child == n:
            worst, score = 0, 0
            for j in range(n):
                sj, kj = starts[j], sizes[j]
                best, own = P[child, sj], 0
                for a in range(kj):
                    best = max(best, P[child, sj + a])
                    if D[child, sj + a]:
                        own = P[child, sj + a]
                        out_chosen[found, j] = a
                worst = max(worst, best - own)
                score += own
            out_inconsistency[found] = worst
            out_score[found] = score
            found += 1
            explored[0] += share
            continue
        weight[child] = share
        _open(field, strength, root_sizes, stack, child, explored)
        depth = child
    counters[0] = depth
    return found


def _table_of_bests(gains: np.ndarray, starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """For each descriptor and each subset of its variants (a bit mask), the most that one of
    them gives each pair: the bounds are then updated by rows, whatever the strikes."""
    rows = int((2 ** sizes).sum())
    if rows * gains.shape[1] * 4 > TABLE_LIMIT:
        raise ValueError(f"champ trop grand pour la recherche exacte : {len(sizes)} descripteurs, "
                         f"jusqu’à {int(sizes.max())} variantes par descripteur")
    table = np.full((rows, gains.shape[1]), _NONE, dtype=np.int32)
    row = 0
    for start, size in zip(starts, sizes):
        for mask in range(1, 2 ** size):
            lowest = (mask & -mask).bit_length() - 1
            rest = mask & (mask - 1)
            table[row + mask] = gains[start + lowest] if rest == 0 else np.maximum(table[row + rest],
                                                                                    gains[start + lowest])
        row += 2 ** size
    return table


class _Part:
    """One subtree of the search, from a domain, with its own stack (resumable)."""

    def __init__(self, search: "Search", domain: np.ndarray, weight: float):
        field, starts = search.field, search.field[2]
        n, total, pairs = len(starts), len(domain), field[1].shape[1]
        self.search, self.weight = search, weight
        # a domain before its last strikes, and the row of the table of bests of each domain
        self.scratch = (np.zeros(total, dtype=np.uint8), np.zeros(n, dtype=np.int64))
        self.stack = (np.zeros((n + 1, total), dtype=np.int32), np.zeros((n + 1, total), dtype=np.uint8),
                      np.zeros((n + 1, pairs), dtype=np.int32), np.zeros((n + 1, n), dtype=np.bool_),
                      np.zeros(n + 1, dtype=np.int64), np.zeros(n + 1, dtype=np.int64),
                      np.ones(n + 1, dtype=np.float64), np.zeros((n + 1, pairs), dtype=np.int32))
        self.counters = np.zeros(2, dtype=np.int64)
        self.explored = np.zeros(1, dtype=np.float64)
        P, D, R, placed = self.stack[:4]
        D[0] = domain
        self.root_sizes = np.maximum(np.add.reduceat(D[0].astype(np.int64), starts), 1)
        for i in range(n):
            R[0] += field[1][_row(field, D[0], i)]
        if _propagate(field, search.settings, self.scratch, P[0], D[0], R[0], placed[0]):
            _open(field, search.strength, self.root_sizes, self.stack, 0, self.explored)
        else:
            self.counters[0] = -1

    @property
    def finished(self) -> bool:
        return bool(self.counters[0] < 0)

    @property
    def explored_share(self) -> float:
        return 1.0 if self.finished else min(float(self.explored[0]), 1.0)

    def step(self, nodes: int):
        """Run up to ``nodes`` nodes; ``(chosen, inconsistency, score)`` of the scenarios found."""
        search = self.search
        chosen = np.zeros((RESULTS_PER_STEP, len(self.root_sizes)), dtype=np.int16)
        inconsistency = np.zeros(RESULTS_PER_STEP, dtype=np.int64)
        score = np.zeros(RESULTS_PER_STEP, dtype=np.int64)
        found = _run(search.field, search.settings, self.scratch, search.strength, self.root_sizes, self.stack,
                     self.counters, self.explored, chosen, inconsistency, score, nodes)
        return chosen[:found], inconsistency[:found], score[:found]


class Search:
    """The search over a field (see the module docstring), split into parts run in parallel.

    ``impacts`` is the (V, V) integer matrix, ``starts``/``sizes`` the blocks of variants of the
    descriptors, ``domain`` the variants allowed at the start (fixed descriptors reduced to one),
    ``margin`` the inconsistency admitted. Iterate :meth:`steps` for chunks of scenarios
    ``(chosen variant per descriptor, inconsistency, total impact score)``; ``workers`` threads
    (default: one per core) explore the parts, each released from Python's lock while it runs.
    """

    def __init__(self, impacts: np.ndarray, starts: np.ndarray, sizes: np.ndarray, domain: np.ndarray,
                 margin: int, propagate: bool = True, workers: int | None = None):
        impacts = np.ascontiguousarray(impacts, dtype=np.int64)
        starts, sizes = starts.astype(np.int64), sizes.astype(np.int64)
        n = len(sizes)
        # gains[v, p]: what variant v gives pair p = (a, b) of one descriptor, M[v, a] - M[v, b]
        first = np.repeat(starts, sizes ** 2) + np.concatenate([np.repeat(np.arange(k), k) for k in sizes])
        second = np.repeat(starts, sizes ** 2) + np.concatenate([np.tile(np.arange(k), k) for k in sizes])
        gains = impacts[:, first] - impacts[:, second]
        pair_base = np.concatenate([[0], np.cumsum(sizes ** 2)[:-1]]).astype(np.int64)
        table_base = np.concatenate([[0], np.cumsum(2 ** sizes)[:-1]]).astype(np.int64)
        self.field = (impacts.astype(np.int32), _table_of_bests(gains, starts, sizes), starts, sizes,
                      pair_base, table_base)
        owner = np.repeat(np.arange(n), sizes)
        self.strength = np.bincount(owner, np.abs(impacts).sum(axis=1), n).astype(np.float64)
        # the most that choosing one variant rather than another of a descriptor can cost a pair
        spread = np.maximum.reduceat(gains, starts, axis=0) - np.minimum.reduceat(gains, starts, axis=0)
        self.settings = (int(margin), bool(propagate), spread.max(axis=0).astype(np.int64))
        self.workers = max(1, workers or os.cpu_count() or 1)
        self._nodes, self._explored, self._running = 0, 0.0, []
        self._parts = self._split(np.asarray(domain, dtype=np.uint8), PARTS_PER_WORKER * self.workers)

    def _split(self, domain: np.ndarray, wanted: int) -> list[tuple[np.ndarray, float]]:
        """Domains that fix the strongest descriptors to each of their variants left at the root."""
        root = _Part(self, domain, 1.0)
        if root.finished:
            return []
        starts, sizes = self.field[2], self.field[3]
        left = root.stack[1][0]
        domains, weight = [left], 1.0
        for d in np.argsort(-self.strength, kind="stable"):
            if len(domains) >= wanted or self.workers == 1:
                break
            variants = np.flatnonzero(left[starts[d]:starts[d] + sizes[d]])
            if len(variants) < 2:
                continue
            weight /= len(variants)
            split = []
            for parent in domains:
                for v in variants:
                    child = parent.copy()
                    child[starts[d]:starts[d] + sizes[d]] = 0
                    child[starts[d] + v] = 1
                    split.append(child)
            domains = split
        return [(child, weight) for child in domains]

    @property
    def finished(self) -> bool:
        return not self._parts and not self._running

    @property
    def nodes(self) -> int:
        return self._nodes + sum(int(part.counters[1]) for part in self._running)

    @property
    def explored_share(self) -> float:
        if self.finished:
            return 1.0
        return min(self._explored + sum(part.weight * part.explored_share for part in self._running), 1.0)

    def _explore(self, nodes_per_step: int, stop: threading.Event, lock: threading.Lock):
        """Take the next part and explore it, yielding its chunks; None when no part is left."""
        while not stop.is_set():
            with lock:
                if not self._parts:
                    return
                part = _Part(self, *self._parts.pop(0))
                self._running.append(part)
            while not part.finished and not stop.is_set():
                yield part.step(nodes_per_step)
            with lock:
                self._running.remove(part)
                self._nodes += int(part.counters[1])
                self._explored += part.weight * part.explored_share

    def steps(self, nodes_per_step: int = NODES_PER_STEP):
        """Yield ``(chosen, inconsistency, score)`` arrays until the search is finished.

        Closing the generator early (a cap on the number of scenarios) stops the workers.
        """
        lock, stop = threading.Lock(), threading.Event()
        if self.workers == 1:
            yield from self._explore(nodes_per_step, stop, lock)
            return
        results: queue.Queue = queue.Queue(maxsize=2 * self.workers)

        def work():
            for chunk in self._explore(nodes_per_step, stop, lock):
                while not stop.is_set():
                    try:
                        results.put(chunk, timeout=0.1)
                        break
                    except queue.Full:
                        continue
            results.put(None)

        threads = [threading.Thread(target=work, daemon=True) for _ in range(self.workers)]
        for thread in threads:
            thread.start()
        try:
            running = len(threads)
            while running:
                chunk = results.get()
                if chunk is None:
                    running -= 1
                else:
                    yield chunk
        finally:
            stop.set()
            while any(thread.is_alive() for thread in threads):
                try:
                    results.get(timeout=0.1)
                except queue.Empty:
                    pass
            for thread in threads:
                thread.join()
