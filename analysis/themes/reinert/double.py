"""The double classification (:class:`DoubleReinert`, rainette2): crossing two simple classifications."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.utils.validation import check_is_fitted

from .chd import Reinert, node_memberships
from .matrix import PresenceTagsMixin, check_int
from .stats import signed_yates_chi2


PARTITION_COLUMNS = ["k", "criterion", "crossed", "chi2", "size"]


class DoubleReinert(PresenceTagsMixin, ClusterMixin, BaseEstimator):
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
    n_features_in_ : int
        Number of terms of ``X``.
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
        check_int("n_clusters", self.n_clusters, 2)
        check_int("min_segment_size1", self.min_segment_size1, 0)
        check_int("min_segment_size2", self.min_segment_size2, 0)
        check_int("min_members", self.min_members, 1)
        if not isinstance(self.min_chi2, (int, float, np.number)) or isinstance(self.min_chi2, bool):
            raise ValueError(f"Le paramètre min_chi2 doit être un nombre (reçu : {self.min_chi2!r}).")
        if not isinstance(self.full, (bool, np.bool_)):
            raise ValueError(f"Le paramètre full doit valoir True ou False (reçu : {self.full!r}).")
        self.first_ = self._simple(self.min_segment_size1).fit(X, doc_ids=doc_ids)
        self.second_ = self._simple(self.min_segment_size2).fit(X, doc_ids=doc_ids)
        self.n_features_in_ = self.first_.n_features_in_
        first, second = node_memberships(self.first_), node_memberships(self.second_)
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
