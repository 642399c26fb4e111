"""The simple classification (:class:`Reinert`): successive splits of the largest class, the tree,
labels at any number of classes."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from .matrix import PresenceTagsMixin, binarize, check_int, merge_segments
from .split import split_class


TREE_COLUMNS = ["split", "parent", "left", "right", "chi2", "size_left", "size_right",
                "chi2_cut", "n_moved"]


class Reinert(PresenceTagsMixin, ClusterMixin, BaseEstimator):
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
    class_nodes_ : pandas.DataFrame
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
        check_int("n_clusters", self.n_clusters, 1)
        check_int("min_split_members", self.min_split_members, 3)
        check_int("min_segment_size", self.min_segment_size, 0)
        check_int("min_term_frequency", self.min_term_frequency, 1)
        check_int("tsj", self.tsj, 1)
        if isinstance(self.cc_test, bool) or not isinstance(self.cc_test, (int, float, np.number)) \
                or not 0 <= self.cc_test <= 1:
            raise ValueError(f"Le paramètre cc_test doit être un nombre entre 0 et 1 (reçu : {self.cc_test!r}).")
        check_int("max_reassign_iter", self.max_reassign_iter, 0, allow_none=True)

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
        self.class_nodes_ = pd.DataFrame(
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
            result = split_class(sparse.csr_array(units[rows][:, terms[node]]), self.max_reassign_iter,
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
        check_int("k", k, 1)
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


def node_memberships(model):
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
