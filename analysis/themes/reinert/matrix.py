"""The segment × term presence table: binarising, merging segments into units, checking parameters."""

from __future__ import annotations

import numpy as np
from scipy import sparse
from sklearn.utils.validation import check_array


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
        # scikit-learn's wording ends the message, as its estimators checks expect
        raise ValueError("La matrice segments × termes ne doit pas contenir de valeurs négatives "
                         "(Negative values in data).")
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


def check_int(name, value, minimum, allow_none=False):
    if allow_none and value is None:
        return
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < minimum:
        accepted = " ou None" if allow_none else ""
        raise ValueError(f"Le paramètre {name} doit être un entier ≥ {minimum}{accepted} "
                         f"(reçu : {value!r}).")


class PresenceTagsMixin:
    """scikit-learn tags of the estimators of segment × term tables: sparse, never negative."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.positive_only = True
        return tags
