"""Class profiles and characteristic segments: signed Yates chi-squared of each term in each class."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse, stats
from sklearn.utils.validation import check_array

from .matrix import binarize, check_int


PROFILE_COLUMNS = ["class", "term", "term_index", "chi2", "p_value", "frequency",
                   "share_class", "share_term"]


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


def check_labels(labels, n_segments):
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
    labels = check_labels(labels, n_segments)
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
    labels = check_labels(labels, matrix.shape[0])
    check_int("n", n, 0)
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
