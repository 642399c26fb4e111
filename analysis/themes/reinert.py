"""Reinert's descending hierarchical classification (CHD), as in IRaMuTeQ and rainette.

The method classifies text segments by their vocabulary. The segment × term matrix is
binarised (a term is present in a segment or not). All segments start in one class; the
largest class is split in two, again and again, until ``n_clusters`` classes exist or the
largest class cannot be split. Each split (rainette's ``cluster_tab``):

1. takes the class's table on the class's own terms, without its units that have none of them
   (they leave the classification from this split on), and runs a correspondence analysis (CA);
   units are ordered by their coordinate on its first axis;
2. cuts that order where the chi-squared of the 2 × terms table (the two groups' term totals)
   is largest;
3. moves single units from one group to the other while a move increases that chi-squared;
4. selects each child's terms (:func:`select_features`, rainette's ``tsj`` and ``cc_test``):
   those present in at least ``tsj`` of its units, and, for a term whose contingency coefficient
   between the two children exceeds ``cc_test``, only in the child where it is over-represented.

The chi-squared of two groups with term totals ``T1`` and ``T2`` (``c = T1 + T2``, grand
totals ``S1``, ``S2``, ``N = S1 + S2``) is the Pearson statistic of the 2 × terms table. It
reduces to::

    chi2 = (sum_j T1[j] ** 2 / c[j] - S1 ** 2 / N) * N ** 2 / (S1 * S2)

which lets the cut scan (step 2) and every candidate move (step 3) be evaluated for all
segments at once, and a move be applied by updating only the totals of the terms of the
moved segment.

Conventions
-----------
* Tree nodes: the root (all classified segments) is node 0; split ``s`` (1, 2, …) creates
  nodes ``2s - 1`` (left) and ``2s`` (right). The left child is the group with more units
  (ties: the group holding the unit that comes first in ``X``).
* Final labels ``1..k`` number the leaves in dendrogram order (depth first, left before
  right), as rainette numbers its groups; ``0`` means unclassified (a segment with no kept
  term, or one left out at a split of its class). ``Reinert.labels_at(k)`` gives the labels after ``k - 1`` splits, numbered the same way.
* The class to split is the largest one in units (ties: the first in dendrogram order, as
  rainette's list of groups); when it cannot be split (fewer than ``min_split_members`` units,
  at least 3; fewer than 3 units or terms; or no cut) the classification stops, as rainette's
  does. ``split_smaller_classes=True`` tries the next largest class instead.
* ``min_segment_size`` merges consecutive segments of a document into units as rainette's
  ``merge_segments`` does (:func:`merge_segments`, rainette's test cases reproduced).
* Results are deterministic: the only iterative part (ARPACK, for large classes) starts
  from a vector drawn from ``random_state`` (a fixed seed when it is ``None``); ties in the
  cut scan and in the moves go to the first segment in ``X``.

Everything above follows rainette (its test cases are reproduced in ``tests/test_reinert.py``),
with two deliberate differences: ``min_term_frequency`` (default 1: none) may drop rare terms
once before classifying, as rainette's users do with ``dfm_trim``; and the two children of a
split are numbered larger first, where rainette puts first the group on the negative side of the
CA's first axis, whose sign is arbitrary (so no implementation reproduces rainette's numbering of
the two children, only its partition).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse, stats
from scipy.sparse.linalg import ArpackNoConvergence, LinearOperator, eigsh
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array, check_is_fitted

__all__ = [
    "Reinert",
    "DoubleReinert",
    "binarize",
    "merge_segments",
    "first_axis_coordinates",
    "two_group_chi2",
    "best_cut",
    "reassign_segments",
    "select_features",
    "mutually_most_associated",
    "signed_yates_chi2",
    "class_profiles",
    "characteristic_segments",
]

TREE_COLUMNS = ["split", "parent", "left", "right", "chi2", "size_left", "size_right",
                "chi2_cut", "n_moved"]
PROFILE_COLUMNS = ["class", "term", "term_index", "chi2", "p_value", "frequency",
                   "share_class", "share_term"]

# Below this many cells on the smaller side, the CA uses a dense eigendecomposition.
_DENSE_SIDE = 400


# --------------------------------------------------------------------------- input


def binarize(X) -> sparse.csr_array:
    """Presence/absence CSR matrix (float 0/1) of a segment × term matrix.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_segments, n_terms)
        Counts or weights; any non-zero value means "present". Negative values are refused.

    Returns
    -------
    scipy.sparse.csr_array of shape (n_segments, n_terms)
        Ones where ``X`` is non-zero, with sorted indices and no explicit zeros.
    """
    X = check_array(X, accept_sparse=("csr", "csc", "coo"), dtype="numeric",
                    ensure_min_features=1)
    matrix = sparse.csr_array(X, dtype=np.float64, copy=True)
    if matrix.data.size and matrix.data.min() < 0:
        raise ValueError("La matrice segments × termes ne doit pas contenir de valeurs négatives.")
    matrix.data = (matrix.data != 0).astype(np.float64)
    matrix.eliminate_zeros()
    matrix.sum_duplicates()
    matrix.sort_indices()
    return matrix


def merge_segments(sizes, doc_ids, min_size: int) -> np.ndarray:
    """Group consecutive segments of a document into units of at least ``min_size`` terms.

    As rainette's ``merge_segments`` (formerly ``compute_uc``) does it: starting from a segment,
    the following segments of the same document are added until the unit holds at least
    ``min_size`` terms (sum of the segments' numbers of distinct terms); the next unit starts
    after it. A unit still too small at the end of its document joins the document's previous
    unit, if it has one (otherwise it stays smaller, as rainette warns).

    Parameters
    ----------
    sizes : array-like of shape (n_segments,)
        Number of distinct terms of each segment, segments in text order.
    doc_ids : array-like of shape (n_segments,) or None
        Document of each segment; units never cross a change of document. Required when
        ``min_size > 1``.
    min_size : int
        Minimum unit size; ``0`` or ``1`` keeps one unit per segment.

    Returns
    -------
    ndarray of shape (n_segments,)
        Unit number of each segment, ``0, 1, 2, …`` in text order.

    Examples
    --------
    >>> merge_segments([3, 1, 2, 5, 1], ["a", "a", "a", "b", "b"], 4).tolist()
    [0, 0, 0, 1, 1]
    """
    sizes = np.asarray(sizes)
    if min_size <= 1:
        return np.arange(sizes.size)
    if doc_ids is None:
        raise ValueError("min_segment_size > 1 demande doc_ids : le document de chaque segment, "
                         "pour ne pas regrouper des segments de documents différents.")
    doc_ids = np.asarray(doc_ids)
    if doc_ids.shape != sizes.shape:
        raise ValueError(f"doc_ids a {doc_ids.size} valeurs pour {sizes.size} segments.")
    first = np.arange(sizes.size)  # each segment's unit, named by the unit's first segment
    index = 0
    while index < sizes.size:
        current, last = sizes[index], index
        while current < min_size:
            if last + 1 < sizes.size and doc_ids[last + 1] == doc_ids[last]:
                last += 1
                current += sizes[last]
                first[last] = index
            else:
                earlier = first[(doc_ids == doc_ids[last]) & (first < first[last])]
                if earlier.size:
                    first[first == first[last]] = earlier.max()
                break
        index = last + 1
    return np.unique(first, return_inverse=True)[1]


# ----------------------------------------------------------------- one split


def first_axis_coordinates(M, random_state=None) -> tuple[np.ndarray, float]:
    """Row coordinates on the first axis of the correspondence analysis of ``M``.

    The CA's axes are the singular vectors of the standardised residuals
    ``S = (P - r c') / sqrt(r c')`` with ``P = M / N`` and ``r``, ``c`` its margins. ``S`` is
    never formed: when one side is small its Gram matrix is diagonalised densely, otherwise
    ARPACK works on ``S' S`` (or ``S S'``) through sparse products.

    Parameters
    ----------
    M : sparse matrix of shape (n, p)
        Non-negative table with no empty row or column.
    random_state : int, RandomState instance or None
        Start vector of ARPACK (a fixed seed when ``None``).

    Returns
    -------
    coordinates : ndarray of shape (n,)
        Row coordinates (up to sign and scale, which do not change the order).
    singular_value : float
        The first singular value of ``S`` (0 when all rows have the same profile).
    """
    M = sparse.csr_array(M)
    n, p = M.shape
    row_totals = np.asarray(M.sum(axis=1)).ravel()
    col_totals = np.asarray(M.sum(axis=0)).ravel()
    total = row_totals.sum()
    sqrt_r = np.sqrt(row_totals / total)
    sqrt_c = np.sqrt(col_totals / total)
    # A = D_r^-1/2 P D_c^-1/2 ; S = A - sqrt_r sqrt_c'
    A = sparse.diags_array(1 / np.sqrt(row_totals)) @ M @ sparse.diags_array(1 / np.sqrt(col_totals))
    A = sparse.csr_array(A)
    on_columns = p <= n

    def s_times(x):
        return A @ x - sqrt_r * (sqrt_c @ x)

    def s_transpose_times(y):
        return A.T @ y - sqrt_c * (sqrt_r @ y)

    small = min(n, p)
    if small <= _DENSE_SIDE:
        if on_columns:
            gram = (A.T @ A).toarray() - np.outer(sqrt_c, sqrt_c)
        else:
            gram = (A @ A.T).toarray() - np.outer(sqrt_r, sqrt_r)
        values, vectors = np.linalg.eigh(gram)
        value, vector = values[-1], vectors[:, -1]
    else:
        if on_columns:
            gram = LinearOperator((p, p), matvec=lambda v: s_transpose_times(s_times(v.ravel())),
                                  dtype=np.float64)
        else:
            gram = LinearOperator((n, n), matvec=lambda u: s_times(s_transpose_times(u.ravel())),
                                  dtype=np.float64)
        start = check_random_state(0 if random_state is None else random_state).uniform(-1, 1, small)
        try:
            values, vectors = eigsh(gram, k=1, which="LA", v0=start, tol=1e-8, maxiter=50 * small)
        except ArpackNoConvergence as error:  # keep the best approximation found
            if not len(error.eigenvalues):
                raise
            values, vectors = error.eigenvalues, error.eigenvectors
        value, vector = values[-1], vectors[:, -1]
    singular_value = float(np.sqrt(max(value, 0.0)))
    left = s_times(vector) if on_columns else vector
    return left / sqrt_r, singular_value


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


def _split_class(M, max_moves, random_state, cc_test, tsj):
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


# ----------------------------------------------------------------- estimators


def _check_int(name, value, minimum, allow_none=False):
    if allow_none and value is None:
        return
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < minimum:
        accepted = " ou None" if allow_none else ""
        raise ValueError(f"Le paramètre {name} doit être un entier ≥ {minimum}{accepted} "
                         f"(reçu : {value!r}).")


class Reinert(ClusterMixin, BaseEstimator):
    """Reinert's descending hierarchical classification of text segments (CHD).

    Parameters
    ----------
    n_clusters : int, default=10
        Number of classes wanted; fewer are returned when no class can be split any more.
    min_split_members : int, default=5
        A class is split only if it has at least this many units (segments, or merged
        segments when ``min_segment_size > 0``); at least 3, as in rainette.
    min_segment_size : int, default=0
        When above 1, consecutive segments of a document are merged into units of at least
        this many terms before classifying (see :func:`merge_segments`); ``fit`` then needs
        ``doc_ids``. Labels are still given per segment.
    min_term_frequency : int, default=1
        Terms present in fewer segments are dropped before classifying (rainette has no such
        filter: its users trim the table first, as ``dfm_trim`` does; 1 keeps every term).
    tsj : int, default=3
        After each split, a term is kept in a child class only if it occurs in at least this
        many of its units (rainette's ``tsj``, see :func:`select_features`).
    cc_test : float, default=0.3
        Contingency coefficient above which a term that separates the two children is kept
        only in the child where it is over-represented (rainette's ``cc_test``).
    max_reassign_iter : int or None, default=None
        Maximum number of single-segment moves after each cut; ``None`` moves segments until
        no move increases the chi-squared, as rainette does.
    random_state : int, RandomState instance or None, default=None
        Start vector of ARPACK for classes whose table has more than 400 rows and columns.
        The first axis does not depend on it unless its singular value is tied; ``None``
        uses a fixed seed, so that two fits always agree.
    split_smaller_classes : bool, default=False
        rainette splits the largest class each time and stops when it cannot (fewer than
        ``min_split_members`` units, or no cut): the default. With ``True``, the next largest
        class is tried instead, so that more classes may be found (a deviation from rainette).

    Attributes
    ----------
    labels_ : ndarray of shape (n_segments,)
        Class of each segment, ``1..n_clusters_`` in dendrogram order; ``0`` for segments with
        no kept term.
    n_clusters_ : int
        Number of classes found.
    tree_ : pandas.DataFrame
        One row per split, in order: ``split`` (1, 2, …), ``parent`` (node split), ``left``
        and ``right`` (the new nodes ``2 * split - 1`` and ``2 * split``), ``chi2`` (after the
        moves), ``size_left``, ``size_right`` (numbers of segments), ``chi2_cut`` (at the CA
        cut, before the moves) and ``n_moved`` (number of moves).
    classes_ : pandas.DataFrame
        One row per class, indexed by label: its tree ``node`` and its ``size`` in segments.
    term_mask_ : ndarray of bool, shape (n_features_in_,)
        Terms kept for the classification.
    units_ : ndarray of shape (n_segments,)
        Unit of each segment (its own row number when ``min_segment_size <= 1``).
    n_features_in_ : int
        Number of terms of ``X``.

    See Also
    --------
    class_profiles : terms characteristic of each class.
    characteristic_segments : most typical segments of each class.
    DoubleReinert : double classification on two unit sizes.

    Examples
    --------
    Two groups of segments with separate vocabularies:

    >>> import numpy as np
    >>> X = np.array([[1, 1, 0, 0], [1, 1, 0, 0], [1, 0, 0, 0],
    ...               [0, 0, 1, 1], [0, 0, 1, 1], [0, 0, 0, 1]])
    >>> model = Reinert(n_clusters=2, min_term_frequency=1).fit(X)
    >>> model.labels_.tolist()
    [1, 1, 1, 2, 2, 2]
    >>> model.tree_[["split", "parent", "left", "right", "size_left", "size_right"]].values.tolist()
    [[1, 0, 1, 2, 3, 3]]
    """

    def __init__(self, n_clusters=10, min_split_members=5, min_segment_size=0, min_term_frequency=1,
                 tsj=3, cc_test=0.3, max_reassign_iter=None, random_state=None, split_smaller_classes=False):
        self.n_clusters = n_clusters
        self.min_split_members = min_split_members
        self.min_segment_size = min_segment_size
        self.min_term_frequency = min_term_frequency
        self.tsj = tsj
        self.cc_test = cc_test
        self.max_reassign_iter = max_reassign_iter
        self.random_state = random_state
        self.split_smaller_classes = split_smaller_classes

    def _check_params(self):
        _check_int("n_clusters", self.n_clusters, 1)
        _check_int("min_split_members", self.min_split_members, 3)
        _check_int("min_segment_size", self.min_segment_size, 0)
        _check_int("min_term_frequency", self.min_term_frequency, 1)
        _check_int("tsj", self.tsj, 1)
        if isinstance(self.cc_test, bool) or not isinstance(self.cc_test, (int, float, np.number)) \
                or not 0 <= self.cc_test <= 1:
            raise ValueError(f"Le paramètre cc_test doit être un nombre entre 0 et 1 (reçu : {self.cc_test!r}).")
        _check_int("max_reassign_iter", self.max_reassign_iter, 0, allow_none=True)

    def fit(self, X, y=None, doc_ids=None):
        """Classify the segments of ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_segments, n_terms)
            Segment × term counts (binarised), segments in text order.
        y : None
            Ignored.
        doc_ids : array-like of shape (n_segments,), optional
            Document of each segment; needed when ``min_segment_size > 1``.

        Returns
        -------
        self : Reinert
            The fitted estimator.
        """
        self._check_params()
        matrix = binarize(X)
        self.n_features_in_ = matrix.shape[1]
        self.term_mask_ = np.asarray(matrix.sum(axis=0)).ravel() >= self.min_term_frequency
        matrix = sparse.csr_array(matrix[:, np.flatnonzero(self.term_mask_)])
        sizes = np.diff(matrix.indptr)
        self.units_ = merge_segments(sizes, doc_ids, self.min_segment_size)
        units = _merge_rows(matrix, self.units_) if self.min_segment_size > 1 else matrix
        classified = np.flatnonzero(np.diff(units.indptr) > 0)

        parents, splits, unit_leaf = self._divide(units, classified)
        segment_leaf = np.where(sizes > 0, unit_leaf[self.units_], -1)
        self._parents = parents
        self._segment_leaf = segment_leaf
        node_sizes = _node_sizes(segment_leaf, parents)
        self.tree_ = _tree_table(splits, node_sizes)
        self.n_clusters_ = len(splits) + 1 if classified.size else 0
        self.labels_ = self.labels_at(self.n_clusters_) if self.n_clusters_ else np.zeros(
            sizes.size, dtype=np.int64)
        leaves = self._leaves_in_order(self.n_clusters_) if self.n_clusters_ else []
        self.classes_ = pd.DataFrame(
            {"node": np.array(leaves, dtype=np.int64),
             "size": np.array([node_sizes[leaf] for leaf in leaves], dtype=np.int64)},
            index=pd.RangeIndex(1, len(leaves) + 1, name="label"),
        )
        return self

    def fit_predict(self, X, y=None, doc_ids=None):
        """Classify the segments of ``X`` and return their labels (see :meth:`fit`)."""
        return self.fit(X, doc_ids=doc_ids).labels_

    def _divide(self, units, classified):
        """Run the splits; return parents of nodes, splits, and each unit's leaf node.

        Each class keeps its own terms (those selected for it when its parent was split). A
        unit left out of a split keeps the split class as its leaf: it belongs to it at the
        levels before the split, and to no class after.
        """
        random_state = check_random_state(0 if self.random_state is None else self.random_state)
        members = {0: classified}
        terms = {0: np.arange(units.shape[1])}
        leaves = [0]  # in dendrogram order, as rainette's list of groups
        parents = [-1]
        splits = []
        unit_leaf = np.full(units.shape[0], -1, dtype=np.intp)
        unsplittable = set()
        while classified.size and len(leaves) < self.n_clusters:
            candidates = sorted((node for node in leaves if node not in unsplittable),
                                key=lambda candidate: (-members[candidate].size, leaves.index(candidate)))
            if not self.split_smaller_classes:  # rainette: the largest class, or stop
                candidates = [] if unsplittable else candidates[:1]
            # rainette stops when the class has fewer than min_split_members units, or its
            # table fewer than 3 rows or 3 terms
            candidates = [node for node in candidates if members[node].size >= max(self.min_split_members, 3)
                          and terms[node].size >= 3]
            if not candidates:
                break
            node = candidates[0]
            rows = members[node]
            result = _split_class(sparse.csr_array(units[rows][:, terms[node]]), self.max_reassign_iter,
                                  random_state, self.cc_test, self.tsj)
            if result is None:
                unsplittable.add(node)
                continue
            kept, in_first, chi2, chi2_cut, moves, terms_first, terms_second = result
            groups = [(rows[kept[in_first]], terms[node][terms_first]),
                      (rows[kept[~in_first]], terms[node][terms_second])]
            (first, _), (second, _) = groups
            if second.size > first.size or (second.size == first.size and second[0] < first[0]):
                groups.reverse()
            unit_leaf[np.setdiff1d(rows, rows[kept])] = node
            number = len(splits) + 1
            del members[node]
            position = leaves.index(node)
            leaves[position:position + 1] = [2 * number - 1, 2 * number]
            for child, (child_rows, child_terms) in zip((2 * number - 1, 2 * number), groups):
                members[child], terms[child] = child_rows, child_terms
            parents += [node, node]
            splits.append((node, chi2, chi2_cut, moves))
        for node, rows in members.items():
            unit_leaf[rows] = node
        return np.array(parents, dtype=np.intp), splits, unit_leaf

    def _leaves_in_order(self, k):
        """Leaves after ``k - 1`` splits, depth first, left before right."""
        last = 2 * (k - 1)
        leaves, stack = [], [0]
        while stack:
            node = stack.pop()
            right = 2 * _split_of_children(self._parents, node)
            if 0 < right <= last:
                stack += [right, right - 1]  # the left child (odd id) is popped first
            else:
                leaves.append(node)
        return leaves

    def labels_at(self, k):
        """Labels of the segments when the tree is cut at ``k`` classes.

        Parameters
        ----------
        k : int
            Number of classes, ``1 <= k <= n_clusters_``: the classes after the first
            ``k - 1`` splits.

        Returns
        -------
        ndarray of shape (n_segments,)
            Labels ``1..k`` in dendrogram order, ``0`` for unclassified segments.
        """
        check_is_fitted(self, "tree_")
        _check_int("k", k, 1)
        if k > self.n_clusters_:
            raise ValueError(f"k doit être compris entre 1 et {self.n_clusters_} (reçu : {k!r}).")
        nodes = _ancestors_at(self._segment_leaf, self._parents, 2 * (k - 1))
        label_of = np.zeros(len(self._parents) + 1, dtype=np.int64)
        for label, leaf in enumerate(self._leaves_in_order(k), start=1):
            label_of[leaf] = label
        return label_of[nodes]  # node -1 reads the last cell, which is 0


def _tree_table(splits, node_sizes):
    """``tree_``: one row per split, from ``(parent, chi2, chi2_cut, moves)`` tuples."""
    rows = [{"split": number, "parent": parent, "left": 2 * number - 1, "right": 2 * number,
             "chi2": chi2, "size_left": node_sizes[2 * number - 1],
             "size_right": node_sizes[2 * number], "chi2_cut": chi2_cut, "n_moved": moves}
            for number, (parent, chi2, chi2_cut, moves) in enumerate(splits, start=1)]
    types = {column: "int64" for column in TREE_COLUMNS if column not in ("chi2", "chi2_cut")}
    return pd.DataFrame(rows, columns=TREE_COLUMNS).astype(
        {**types, "chi2": "float64", "chi2_cut": "float64"})


def _merge_rows(matrix, units):
    """Presence/absence table of the units: a unit holds the terms of its segments."""
    n_units = int(units.max()) + 1 if units.size else 0
    grouping = sparse.csr_array((np.ones(units.size), (units, np.arange(units.size))),
                                shape=(n_units, units.size))
    merged = sparse.csr_array(grouping @ matrix)
    merged.data[:] = 1.0
    return merged


def _split_of_children(parents, node):
    """Number of the split whose parent is ``node`` (0 if it was never split)."""
    children = np.flatnonzero(parents == node)
    return (int(children[-1]) // 2) if children.size else 0


def _node_sizes(segment_leaf, parents):
    """Number of segments under each node (children always have larger ids than parents)."""
    sizes = np.bincount(segment_leaf[segment_leaf >= 0], minlength=len(parents))
    for node in range(len(parents) - 1, 0, -1):
        sizes[parents[node]] += sizes[node]
    return sizes


def _ancestors_at(nodes, parents, last):
    """Replace each node by its ancestor among nodes ``0..last`` (``-1`` stays ``-1``)."""
    nodes = np.array(nodes, dtype=np.intp)
    while True:
        deeper = nodes > last
        if not deeper.any():
            return nodes
        nodes[deeper] = parents[nodes[deeper]]


def _node_memberships(model):
    """Segment × node indicator of a fitted :class:`Reinert` (every node but the root).

    Column ``j`` is node ``j + 1``: the segments of a class at any level of the tree.
    """
    leaf = model._segment_leaf
    rows, columns = [], []
    current = leaf.copy()
    segments = np.arange(leaf.size)
    while True:
        inside = current > 0
        if not inside.any():
            break
        rows.append(segments[inside])
        columns.append(current[inside] - 1)
        current = np.where(inside, model._parents[np.maximum(current, 0)], current)
    n_nodes = max(len(model._parents) - 1, 0)
    rows = np.concatenate(rows) if rows else np.empty(0, dtype=np.intp)
    columns = np.concatenate(columns) if columns else np.empty(0, dtype=np.intp)
    return sparse.csc_array((np.ones(rows.size), (rows, columns)), shape=(leaf.size, n_nodes))


# ------------------------------------------------------------------ statistics


def signed_yates_chi2(both, size1, size2, total):
    """Signed chi-squared, with Yates' continuity correction, of 2 × 2 membership tables.

    The table crosses membership of a first set (``size1`` elements) and of a second set
    (``size2`` elements) among ``total`` elements, ``both`` being in both::

        [[both,          size1 - both],
         [size2 - both,  total - size1 - size2 + both]]

    The statistic equals ``scipy.stats.chi2_contingency(table, correction=True)[0]`` (and R's
    ``chisq.test``): ``total * max(|both * total - size1 * size2| - total / 2, 0) ** 2`` divided
    by the product of the four margins. Its sign is that of ``both - size1 * size2 / total``:
    positive when the sets meet more often than independence predicts. Tables with an empty
    margin get 0.

    Parameters
    ----------
    both, size1, size2 : array-like
        Broadcastable counts.
    total : int or float
        Number of elements.

    Returns
    -------
    ndarray
        Signed chi-squared values.

    Examples
    --------
    >>> float(round(signed_yates_chi2(8, 10, 12, 40), 4))
    12.8571
    """
    both = np.asarray(both, dtype=np.float64)
    size1 = np.asarray(size1, dtype=np.float64)
    size2 = np.asarray(size2, dtype=np.float64)
    deviation = both * total - size1 * size2  # = a d - b c
    margins = size1 * (total - size1) * size2 * (total - size2)
    corrected = np.maximum(np.abs(deviation) - total / 2, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        chi2 = np.where(margins > 0, total * corrected**2 / margins, 0.0)
    return np.sign(deviation) * chi2 + 0.0  # + 0.0 turns -0.0 into 0.0


def _check_labels(labels, n_segments):
    labels = np.asarray(labels)
    if labels.shape != (n_segments,):
        raise ValueError(f"labels a {labels.size} valeurs pour {n_segments} segments.")
    if not np.issubdtype(labels.dtype, np.integer):
        if not np.all(np.mod(labels, 1) == 0):
            raise ValueError("labels doit contenir des numéros de classe entiers (0 : non classé).")
        labels = labels.astype(np.int64)
    return labels


def class_profiles(X, labels, feature_names=None, unit="segments") -> pd.DataFrame:
    """Terms characteristic of each class: signed chi-squared with Yates' correction.

    With ``unit="segments"`` (the default, as IRaMuTeQ), for each class and each term the 2 × 2
    table crosses "segment in the class or in another class" with "term present or absent" over
    the classified segments (labels ``> 0``; unclassified segments are left out). With
    ``unit="tokens"`` (as rainette's ``rainette_stats``, which calls quanteda's
    ``textstat_keyness``), it crosses "occurrence in a segment of the class or in any other
    segment, classified or not" with "occurrence of the term or of another one", on the counts
    of ``X``.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_segments, n_terms)
        Segment × term counts (binarised with ``unit="segments"``).
    labels : array-like of shape (n_segments,)
        Class of each segment, ``0`` for unclassified ones.
    feature_names : sequence of str, optional
        Name of each term (``CountVectorizer.get_feature_names_out()``); term numbers
        otherwise.
    unit : {"segments", "tokens"}, default="segments"
        What is counted: segments containing the term, or its occurrences.

    Returns
    -------
    pandas.DataFrame
        One row per class and term present in the segments counted: ``class``, ``term``,
        ``term_index`` (column of ``X``), ``chi2`` (positive when the term is over-represented
        in the class), ``p_value`` (chi-squared with 1 degree of freedom), ``frequency``
        (segments of the class containing the term, or its occurrences there), ``share_class``
        (% of the class's segments containing it, or of its occurrences of terms),
        ``share_term`` (% of the term's segments, or occurrences, that are in the class).
        Sorted by class, then by decreasing ``chi2``, then by term index.
    """
    if unit not in ("segments", "tokens"):
        raise ValueError(f"unit doit valoir « segments » ou « tokens » (reçu : {unit!r}).")
    matrix = binarize(X)
    if unit == "tokens":
        matrix = sparse.csr_array(check_array(X, accept_sparse=("csr", "csc", "coo"), dtype="numeric"),
                                  dtype=np.float64)
    n_segments, n_terms = matrix.shape
    labels = _check_labels(labels, n_segments)
    if feature_names is None:
        feature_names = np.array([str(index) for index in range(n_terms)], dtype=object)
    feature_names = np.asarray(feature_names, dtype=object)
    if feature_names.shape != (n_terms,):
        raise ValueError(f"feature_names a {feature_names.size} noms pour {n_terms} termes.")
    classified = np.flatnonzero(labels > 0)
    classes, position = np.unique(labels[classified], return_inverse=True)
    if not classes.size:
        return pd.DataFrame({column: [] for column in PROFILE_COLUMNS})
    membership = sparse.csr_array((np.ones(classified.size), (position, classified)),
                                  shape=(classes.size, n_segments))
    frequency = (membership @ matrix).toarray()
    if unit == "tokens":
        class_sizes = frequency.sum(axis=1)
        term_totals = np.asarray(matrix.sum(axis=0)).ravel()
        total = float(term_totals.sum())
    else:
        class_sizes = np.bincount(position, minlength=classes.size).astype(np.float64)
        term_totals = frequency.sum(axis=0)
        total = classified.size
    terms = np.flatnonzero(term_totals > 0)
    frequency = frequency[:, terms]
    term_totals = term_totals[terms]
    chi2 = signed_yates_chi2(frequency, class_sizes[:, None], term_totals[None, :], total)
    k, p = frequency.shape
    frame = pd.DataFrame({
        "class": np.repeat(classes, p).astype(np.int64),
        "term": np.tile(feature_names[terms], k),
        "term_index": np.tile(terms, k).astype(np.int64),
        "chi2": chi2.ravel(),
        "p_value": stats.chi2.sf(np.abs(chi2.ravel()), df=1),
        "frequency": frequency.ravel().astype(np.int64),
        "share_class": (100 * frequency / class_sizes[:, None]).ravel(),
        "share_term": (100 * frequency / term_totals[None, :]).ravel(),
    })
    order = np.lexsort((frame["term_index"].to_numpy(), -frame["chi2"].to_numpy(),
                        frame["class"].to_numpy()))
    return frame.iloc[order].reset_index(drop=True)


def characteristic_segments(X, labels, profiles, n=5, min_chi2=0.0) -> pd.DataFrame:
    """Most characteristic segments of each class, scored as IRaMuTeQ does.

    A segment's score in its class is the sum of the chi-squared values of the class's
    characteristic terms (``chi2 > min_chi2`` in ``profiles``) that it contains.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_segments, n_terms)
        The segment × term matrix given to :func:`class_profiles`.
    labels : array-like of shape (n_segments,)
        Class of each segment, ``0`` for unclassified ones.
    profiles : pandas.DataFrame
        Result of :func:`class_profiles` (columns ``class``, ``term_index``, ``chi2``).
    n : int, default=5
        Number of segments per class.
    min_chi2 : float, default=0.0
        Only terms whose signed chi-squared exceeds it count (3.84 keeps those significant
        at 5 %).

    Returns
    -------
    pandas.DataFrame
        Columns ``class``, ``segment`` (row of ``X``) and ``score``; at most ``n`` rows per
        class, by decreasing score (the first segment in ``X`` on ties).
    """
    matrix = binarize(X)
    labels = _check_labels(labels, matrix.shape[0])
    _check_int("n", n, 0)
    rows = []
    for label, terms in profiles[profiles["chi2"] > min_chi2].groupby("class", sort=True):
        segments = np.flatnonzero(labels == label)
        weights = np.zeros(matrix.shape[1])
        weights[terms["term_index"].to_numpy()] = terms["chi2"].to_numpy()
        scores = matrix[segments] @ weights
        best = np.lexsort((segments, -scores))[:n]
        rows.append(pd.DataFrame({"class": np.int64(label), "segment": segments[best],
                                  "score": scores[best]}))
    if not rows:
        return pd.DataFrame({"class": pd.Series(dtype="int64"), "segment": pd.Series(dtype="int64"),
                             "score": pd.Series(dtype="float64")})
    return pd.concat(rows, ignore_index=True).astype({"class": "int64", "segment": "int64"})


# ------------------------------------------------------------ double classification


CROSSED_COLUMNS = ["node1", "node2", "size", "size1", "size2", "chi2", "kept"]
PARTITION_COLUMNS = ["k", "criterion", "crossed", "chi2", "size"]


class DoubleReinert(ClusterMixin, BaseEstimator):
    """Double classification (rainette2): crossing two simple classifications.

    Input: one segment × term matrix ``X`` (segments in text order) and ``doc_ids``, the
    document of each segment. Two :class:`Reinert` classifications of the same segments
    are made, on units of two sizes: consecutive segments of a document are merged until a
    unit holds at least ``min_segment_size1`` (resp. ``min_segment_size2``) terms (see
    :func:`merge_segments`). Both give every segment a class at every level of their trees.

    Every class (tree node other than the root) of the first tree is crossed with every class
    of the second one. A *crossed class* holds the segments in both; its association is the
    signed chi-squared with Yates' correction of the 2 × 2 table "in the first class or not" ×
    "in the second class or not" over all segments (:func:`signed_yates_chi2`). It is kept
    when it has more than ``min_members`` segments and a chi-squared above ``min_chi2``.
    Crossed classes are listed in rainette2's order (by the level where the first class
    appears, then the level of the second, then their labels at those levels); of those holding
    exactly the same segments only the first is kept; with ``full=False`` a crossed class must
    also join two classes that are each other's most associated (the first among equals).

    Then, for each ``k`` from 2 to ``n_clusters``, the sets of ``k`` kept crossed classes with
    no segment in common are enumerated; the one with the largest sum of chi-squared and the
    one with the most segments are recorded. The final labels use the largest ``k`` found and
    the chi-squared criterion; segments outside its crossed classes are left unclassified.

    Parameters
    ----------
    n_clusters : int, default=5
        Number of classes of each simple classification and largest partition sought.
    min_segment_size1, min_segment_size2 : int, default=10, 15
        Unit sizes (in terms) of the two simple classifications.
    min_members : int, default=10
        A kept crossed class has more than this many segments.
    min_chi2 : float, default=3.84
        Minimum association chi-squared of a kept crossed class (3.84: 5 % level).
    full : bool, default=True
        Keep every crossed class passing the thresholds (rainette's default); ``False``
        keeps only those joining mutually most associated classes. The partitions are
        enumerated exhaustively, and their number grows quickly with ``n_clusters`` when
        ``full=True`` (on 100 000 segments: about 3 s for 5 classes, 2 minutes for 10; with
        ``full=False``, 4 s for 10).
    min_split_members : int or None, default=None
        Passed to both :class:`Reinert` classifications; ``None`` uses ``min_members`` (as
        rainette2 does), at least 3.
    min_term_frequency, tsj, cc_test, max_reassign_iter, random_state
        Passed to both :class:`Reinert` classifications.

    Attributes
    ----------
    first_, second_ : Reinert
        The two simple classifications.
    crossed_classes_ : pandas.DataFrame
        Every crossing of a class of each tree holding at least one segment, indexed by
        ``crossed`` (1, 2, …): ``node1``, ``node2`` (tree nodes), ``size`` (segments in
        both), ``size1``, ``size2`` (segments of each class), ``chi2`` and ``kept``.
    partitions_ : pandas.DataFrame
        For each ``k`` and ``criterion`` (``"chi2"`` or ``"size"``), the best partition:
        ``crossed`` (tuple of crossed class ids), ``chi2`` (sum) and ``size`` (segments).
    labels_ : ndarray of shape (n_segments,)
        ``1..n_clusters_`` following the order of the chosen partition's crossed classes,
        ``0`` for segments left out.
    n_clusters_ : int
        Number of classes of the chosen partition (0 when fewer than two crossed classes
        are disjoint).
    """

    def __init__(self, n_clusters=5, min_segment_size1=10, min_segment_size2=15, min_members=10,
                 min_chi2=3.84, full=True, min_split_members=None, min_term_frequency=1, tsj=3, cc_test=0.3,
                 max_reassign_iter=None, random_state=None):
        self.n_clusters = n_clusters
        self.min_segment_size1 = min_segment_size1
        self.min_segment_size2 = min_segment_size2
        self.min_members = min_members
        self.min_chi2 = min_chi2
        self.full = full
        self.min_split_members = min_split_members
        self.min_term_frequency = min_term_frequency
        self.tsj = tsj
        self.cc_test = cc_test
        self.max_reassign_iter = max_reassign_iter
        self.random_state = random_state

    def _simple(self, min_segment_size):
        split_members = self.min_members if self.min_split_members is None else self.min_split_members
        return Reinert(n_clusters=self.n_clusters, min_split_members=max(split_members, 3),
                       min_segment_size=min_segment_size, min_term_frequency=self.min_term_frequency,
                       tsj=self.tsj, cc_test=self.cc_test, max_reassign_iter=self.max_reassign_iter,
                       random_state=self.random_state)

    def fit(self, X, y=None, doc_ids=None):
        """Make both simple classifications, cross them and choose the partitions.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_segments, n_terms)
            Segment × term counts, segments in text order.
        y : None
            Ignored.
        doc_ids : array-like of shape (n_segments,)
            Document of each segment (units never cross documents).

        Returns
        -------
        self : DoubleReinert
            The fitted estimator.
        """
        _check_int("n_clusters", self.n_clusters, 2)
        _check_int("min_segment_size1", self.min_segment_size1, 0)
        _check_int("min_segment_size2", self.min_segment_size2, 0)
        _check_int("min_members", self.min_members, 1)
        if not isinstance(self.min_chi2, (int, float, np.number)) or isinstance(self.min_chi2, bool):
            raise ValueError(f"Le paramètre min_chi2 doit être un nombre (reçu : {self.min_chi2!r}).")
        if not isinstance(self.full, (bool, np.bool_)):
            raise ValueError(f"Le paramètre full doit valoir True ou False (reçu : {self.full!r}).")
        self.first_ = self._simple(self.min_segment_size1).fit(X, doc_ids=doc_ids)
        self.second_ = self._simple(self.min_segment_size2).fit(X, doc_ids=doc_ids)
        first, second = _node_memberships(self.first_), _node_memberships(self.second_)
        n_segments = first.shape[0]
        both = (first.T @ second).toarray()
        size1 = np.asarray(first.sum(axis=0)).ravel()
        size2 = np.asarray(second.sum(axis=0)).ravel()
        node1, node2 = np.nonzero(both > 0)
        # rainette2's order: by the level where each class first appears, then its label there
        first_seen1, first_seen2 = _first_appearances(self.first_), _first_appearances(self.second_)

        def rainette_order(i):
            (level1, label1), (level2, label2) = first_seen1[node1[i] + 1], first_seen2[node2[i] + 1]
            return level1, level2, label1, label2

        order = sorted(range(node1.size), key=rainette_order)
        node1, node2 = node1[order], node2[order]
        table = pd.DataFrame({
            "node1": node1 + 1, "node2": node2 + 1, "size": both[node1, node2],
            "size1": size1[node1], "size2": size2[node2],
            "chi2": signed_yates_chi2(both[node1, node2], size1[node1], size2[node2], n_segments),
        }).astype({"node1": "int64", "node2": "int64", "size": "int64", "size1": "int64",
                   "size2": "int64"})
        table.index = pd.RangeIndex(1, len(table) + 1, name="crossed")
        members = first[:, table["node1"].to_numpy() - 1].multiply(
            second[:, table["node2"].to_numpy() - 1])
        members = sparse.csc_array(members)
        kept = ((table["size"] > self.min_members) & (table["chi2"] > self.min_chi2)).to_numpy(copy=True)
        kept &= _first_of_duplicates(members, kept)
        if not self.full:
            kept &= table.index.isin(mutually_most_associated(table[kept], "node1", "node2"))
        table["kept"] = kept
        self.crossed_classes_ = table
        self._members = members
        self.partitions_ = self._best_partitions(table, members)
        ks = self.partitions_["k"]
        self.n_clusters_ = int(ks.max()) if len(ks) else 0
        self.labels_ = (self.labels_at(self.n_clusters_) if self.n_clusters_
                        else np.zeros(n_segments, dtype=np.int64))
        return self

    def fit_predict(self, X, y=None, doc_ids=None):
        """Fit (see :meth:`fit`) and return ``labels_``."""
        return self.fit(X, doc_ids=doc_ids).labels_

    def _best_partitions(self, table, members):
        kept = np.flatnonzero(table["kept"].to_numpy())
        chi2 = table["chi2"].to_numpy()[kept]
        size = table["size"].to_numpy()[kept]
        chosen = members[:, kept]
        overlap = (chosen.T @ chosen).toarray() > 0
        compatible = []
        for index in range(kept.size):
            later = np.flatnonzero(~overlap[index, index + 1:]) + index + 1
            compatible.append(sum(1 << int(j) for j in later))
        best = {}  # (k, criterion) -> (key, combination)
        stack = [((index,), compatible[index], chi2[index], size[index])
                 for index in reversed(range(kept.size))]
        while stack:
            combination, mask, total_chi2, total_size = stack.pop()
            k = len(combination)
            if k >= 2:
                for criterion, key in (("chi2", (total_chi2, total_size)),
                                       ("size", (total_size, total_chi2))):
                    if (k, criterion) not in best or key > best[k, criterion][0]:
                        best[k, criterion] = (key, combination)
            if k == self.n_clusters:
                continue
            remaining = mask
            extensions = []
            while remaining:
                lowest = remaining & -remaining
                remaining ^= lowest
                extensions.append(lowest.bit_length() - 1)
            for j in reversed(extensions):  # popped in increasing order
                stack.append((combination + (j,), mask & compatible[j],
                              total_chi2 + chi2[j], total_size + size[j]))
        rows = []
        for (k, criterion), (_, combination) in sorted(best.items()):
            ids = tuple(int(table.index[kept[j]]) for j in combination)
            rows.append({"k": k, "criterion": criterion, "crossed": ids,
                         "chi2": float(chi2[list(combination)].sum()),
                         "size": int(size[list(combination)].sum())})
        return pd.DataFrame(rows, columns=PARTITION_COLUMNS)

    def labels_at(self, k, criterion="chi2"):
        """Labels of the segments for the best partition in ``k`` crossed classes.

        Parameters
        ----------
        k : int
            Number of classes (a ``k`` listed in ``partitions_``).
        criterion : {"chi2", "size"}, default="chi2"
            Partition with the largest sum of chi-squared, or with the most segments.

        Returns
        -------
        ndarray of shape (n_segments,)
            ``1..k`` in the order of the partition's crossed classes, ``0`` elsewhere.
        """
        check_is_fitted(self, "partitions_")
        chosen = self.partitions_[(self.partitions_["k"] == k)
                                  & (self.partitions_["criterion"] == criterion)]
        if chosen.empty:
            raise ValueError(f"Aucune partition en {k!r} classes pour le critère {criterion!r}.")
        labels = np.zeros(self._members.shape[0], dtype=np.int64)
        for label, crossed in enumerate(chosen["crossed"].iloc[0], start=1):
            column = self.crossed_classes_.index.get_loc(crossed)
            labels[self._members[:, [column]].nonzero()[0]] = label
        return labels


def mutually_most_associated(table: pd.DataFrame, first: str, second: str) -> pd.Index:
    """Rows joining two classes that are each other's most associated (rainette2's
    ``crosstab_keep_max``): the row is the one of largest ``chi2`` among those of its ``first``
    class, and among those of its ``second`` class (the first row among equals)."""
    best_of_first = table.groupby(first, sort=False)["chi2"].idxmax()
    best_of_second = table.groupby(second, sort=False)["chi2"].idxmax()
    return table.index[table.index.isin(best_of_first) & table.index.isin(best_of_second)]


def _first_appearances(model):
    """For each node of a fitted :class:`Reinert`: (level where it first appears, its label there)."""
    seen = {}
    for k in range(2, model.n_clusters_ + 1):
        for label, node in enumerate(model._leaves_in_order(k), start=1):
            seen.setdefault(node, (k - 1, label))
    return seen


def _first_of_duplicates(members, candidates):
    """Among candidate columns holding the same segments, mark the first (as rainette2's ``distinct``)."""
    keep = np.zeros(members.shape[1], dtype=bool)
    seen = set()
    for column in np.flatnonzero(candidates):
        rows = members.indices[members.indptr[column]:members.indptr[column + 1]]
        signature = np.sort(rows).tobytes()
        if signature not in seen:
            seen.add(signature)
            keep[column] = True
    return keep
