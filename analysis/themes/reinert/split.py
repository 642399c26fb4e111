"""One split of a class: the cut along the first axis, single-unit moves, the children's terms."""

from __future__ import annotations

import numpy as np
from scipy import sparse

from .ca import first_axis_coordinates


def two_group_chi2(quadratic, first_total, total):
    """Chi-squared of a 2 × terms table from its sufficient statistics.

    Parameters
    ----------
    quadratic : float or ndarray
        ``sum_j T1[j] ** 2 / c[j]`` where ``T1`` are the first group's term totals and ``c``
        the terms' totals over both groups.
    first_total : float or ndarray
        ``S1 = sum_j T1[j]``.
    total : float
        ``N = sum_j c[j]``.

    Returns
    -------
    float or ndarray
        The Pearson chi-squared of the table ``[T1, c - T1]`` (``-inf`` where a group is empty).
    """
    first_total = np.asarray(first_total, dtype=np.float64)
    second_total = total - first_total
    valid = (first_total > 0) & (second_total > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        chi2 = (quadratic - first_total**2 / total) * total**2 / (first_total * second_total)
    return np.where(valid, chi2, -np.inf)


def best_cut(M, order) -> tuple[np.ndarray, float]:
    """Best cut of an ordering of the rows of ``M`` into two groups, by chi-squared.

    The first group is ``order[:m]`` for the ``m`` (``1 <= m < n``) whose 2 × terms table has
    the largest chi-squared (the first such ``m`` on ties). All ``n - 1`` cuts are scored at
    once: adding a row whose term ``j`` is already ``k`` times in the first group raises
    ``sum_j T1[j] ** 2 / c[j]`` by ``(2k + 1) / c[j]``, and ``k`` is the rank of that row among
    the rows holding ``j``.

    Parameters
    ----------
    M : sparse matrix of shape (n, p)
        Binary table with no empty row or column, ``n >= 2``.
    order : array-like of shape (n,)
        A permutation of the rows.

    Returns
    -------
    in_first : ndarray of bool, shape (n,)
        Membership of the first group.
    chi2 : float
        Chi-squared of the cut.
    """
    order = np.asarray(order)
    ordered = sparse.csc_array(sparse.csr_array(M)[order])
    ordered.sort_indices()
    n, p = ordered.shape
    col_totals = np.diff(ordered.indptr)
    rank = np.arange(ordered.nnz) - np.repeat(ordered.indptr[:-1], col_totals)
    increments = (2 * rank + 1) / np.repeat(col_totals, col_totals)
    quadratic = np.cumsum(np.bincount(ordered.indices, weights=increments, minlength=n))
    row_totals = np.diff(sparse.csr_array(ordered).indptr)
    first_totals = np.cumsum(row_totals)
    chi2 = two_group_chi2(quadratic[:-1], first_totals[:-1], float(first_totals[-1]))
    cut = int(np.argmax(chi2)) + 1
    in_first = np.zeros(n, dtype=bool)
    in_first[order[:cut]] = True
    return in_first, float(chi2[cut - 1])


def reassign_segments(M, in_first, max_moves=None) -> tuple[np.ndarray, float, int]:
    """Move single rows between the two groups while a move raises the chi-squared.

    At each step the move giving the largest chi-squared is made (the first row on ties), as
    in rainette, until no move improves it or ``max_moves`` moves were made. Candidate moves
    are scored for all rows at once from ``a[i] = sum_{j in i} T1[j] / c[j]``; after a move only
    the first group's totals of the moved row's terms change, so ``a`` is updated for the rows
    sharing a term with it, not recomputed.

    Parameters
    ----------
    M : sparse matrix of shape (n, p)
        Binary table with no empty row or column.
    in_first : array-like of bool, shape (n,)
        Starting membership of the first group (both groups non-empty).
    max_moves : int or None
        Upper bound on the number of moves; ``None`` for no bound.

    Returns
    -------
    in_first : ndarray of bool, shape (n,)
        Final membership of the first group.
    chi2 : float
        Final chi-squared.
    n_moves : int
        Number of moves made.
    """
    rows = sparse.csr_array(M)
    rows.sort_indices()
    columns = sparse.csc_array(rows)
    columns.sort_indices()
    in_first = np.array(in_first, dtype=bool)
    row_totals = np.diff(rows.indptr).astype(np.float64)
    col_totals = np.diff(columns.indptr).astype(np.float64)
    total = row_totals.sum()
    first_terms = rows.T @ in_first.astype(np.float64)
    first_total = row_totals[in_first].sum()
    quadratic = np.sum(first_terms**2 / col_totals)
    chi2 = float(two_group_chi2(quadratic, first_total, total))
    shared = rows @ (first_terms / col_totals)  # a[i] = sum_{j in i} T1[j] / c[j]
    own = rows @ (1 / col_totals)  # sum_{j in i} 1 / c[j]
    sign = np.where(in_first, -1.0, 1.0)  # of a move: +1 when the row would join the first group
    first_total_change = sign * row_totals
    first_after, product_after, score = (np.empty(rows.shape[0]) for _ in range(3))
    first_size = int(in_first.sum())
    moves = 0
    while max_moves is None or moves < max_moves:
        # chi2 after moving row i, over N²: (Q + own[i] ± 2 a[i] - S1'² / N) / (S1' S2'),
        # written with in-place operations: this loop runs once per move
        np.add(first_total_change, first_total, out=first_after)  # S1'
        np.subtract(total, first_after, out=product_after)  # S2'
        product_after *= first_after  # S1' S2'
        np.multiply(sign, shared, out=score)
        score *= 2
        score += own
        score += quadratic
        first_after *= first_after
        first_after /= total
        score -= first_after
        with np.errstate(divide="ignore", invalid="ignore"):
            score /= product_after
        for size, group in ((first_size, in_first), (rows.shape[0] - first_size, ~in_first)):
            if size == 1:  # moving its only row would empty a group
                score[np.flatnonzero(group)] = -np.inf
        best = int(np.argmax(score))
        candidate = score[best] * total**2
        if not candidate > chi2 * (1 + 1e-12) + 1e-12:
            break
        step = sign[best]
        terms = rows.indices[rows.indptr[best]:rows.indptr[best + 1]]
        for term in terms.tolist():
            holders = columns.indices[columns.indptr[term]:columns.indptr[term + 1]]
            shared[holders] += step / col_totals[term]
        first_terms[terms] += step
        first_total += step * row_totals[best]
        in_first[best] = not in_first[best]
        first_size += 1 if in_first[best] else -1
        sign[best] = -step
        first_total_change[best] = -first_total_change[best]
        quadratic = np.sum(first_terms**2 / col_totals)
        chi2 = float(two_group_chi2(quadratic, first_total, total))
        moves += 1
    return in_first, chi2, moves


def select_features(M, in_first, cc_test=0.3, tsj=3) -> tuple[np.ndarray, np.ndarray]:
    """Terms kept in each of two groups after a split, as rainette's ``select_features``.

    For each term, the chi-squared of its totals in the two groups against those expected from
    the groups' totals gives a contingency coefficient ``sqrt(chi2 / (chi2 + n))`` (``n``: its
    total). A term is kept in a group where it occurs at least ``tsj`` times, if its coefficient
    is at most ``cc_test`` (it does not separate the groups), or else only in the group where it
    occurs more than expected.

    Parameters
    ----------
    M : {array-like, sparse matrix} of shape (n_units, n_terms)
        The presence table of the class that was split (every term present).
    in_first : array-like of bool, shape (n_units,)
        Units of the first group.

    Returns
    -------
    (ndarray of bool, ndarray of bool), each of shape (n_terms,)
        Terms kept in the first and in the second group.
    """
    M = sparse.csr_array(M)
    in_first = np.asarray(in_first, dtype=bool)
    first = np.asarray(M[np.flatnonzero(in_first)].sum(axis=0)).ravel()
    second = np.asarray(M[np.flatnonzero(~in_first)].sum(axis=0)).ravel()
    both = first + second
    expected_first = both / both.sum() * first.sum()
    expected_second = both / both.sum() * second.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        chi2 = (first - expected_first) ** 2 / expected_first + (second - expected_second) ** 2 / expected_second
    coefficient = np.sqrt(chi2 / (chi2 + both))
    shared = coefficient <= cc_test
    separating = coefficient > cc_test
    keep_first = (first >= tsj) & (shared | (separating & (first > expected_first)))
    keep_second = (second >= tsj) & (shared | (separating & (second > expected_second)))
    return keep_first, keep_second


def split_class(M, max_moves, random_state, cc_test, tsj):
    """Split a class as rainette's ``cluster_tab``; ``None`` when it cannot be split.

    ``M`` is the class's table on its own terms. Units without any of them are left out of
    both groups (rainette drops them from the classification from this split on). Returns the
    units kept, which of them go to the first group, the chi-squared after and before the
    moves, the number of moves, and the terms (columns of ``M``) kept in each group.
    """
    kept = np.flatnonzero(np.diff(M.indptr) > 0)
    present = np.flatnonzero(np.asarray(M.sum(axis=0)).ravel() > 0)
    if kept.size < 2 or present.size < 2:
        return None
    M = sparse.csr_array(M[kept][:, present])
    coordinates, singular_value = first_axis_coordinates(M, random_state)
    if singular_value <= 1e-12:
        return None
    order = np.lexsort((np.arange(M.shape[0]), coordinates))
    in_first, chi2_cut = best_cut(M, order)
    if not chi2_cut > 1e-9:
        return None
    in_first, chi2, moves = reassign_segments(M, in_first, max_moves)
    terms_first, terms_second = select_features(M, in_first, cc_test, tsj)
    return kept, in_first, chi2, chi2_cut, moves, present[terms_first], present[terms_second]
