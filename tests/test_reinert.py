"""Reinert's method (CHD) on tables small enough to work out by hand, then on the seed corpus.

Vocabulary of the worked examples: a *segment* is a row, a *term* a column, a 1 means "the
term occurs in the segment". A split makes two groups of segments; its chi-squared is the
Pearson chi-squared of the 2 × terms table of the two groups' term totals.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st
from scipy import sparse
from scipy.stats import chi2_contingency
from sklearn.base import clone
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.metrics import adjusted_rand_score
from sklearn.utils.estimator_checks import parametrize_with_checks

from analysis.themes.reinert import (
    DoubleReinert,
    Reinert,
    best_cut,
    binarize,
    characteristic_segments,
    class_profiles,
    first_axis_coordinates,
    merge_segments,
    mutually_most_associated,
    reassign_segments,
    select_features,
    signed_yates_chi2,
    two_group_chi2,
)

SEED_TEXT = Path(__file__).resolve().parent.parent / "corpus" / "texts" / "rtes-plan-actions-2022.txt"

#                      coopérative  sociétaire  quartier  politique
TWO_BLOCKS = np.array([[1,          1,          0,        0],   # s0
                       [1,          1,          0,        0],   # s1
                       [1,          0,          0,        0],   # s2
                       [0,          0,          1,        1],   # s3
                       [0,          0,          1,        1],   # s4
                       [0,          0,          0,        1]])  # s5


def pearson_chi2(table) -> float:
    """Pearson chi-squared of a contingency table, without correction (scipy)."""
    return chi2_contingency(np.asarray(table, dtype=float), correction=False)[0]


def four_blocks(sizes=(30, 24, 18, 12), terms_per_block=8, seed=0):
    """Segments in four blocks; each block draws its terms from its own eight terms."""
    rng = np.random.default_rng(seed)
    rows, truth = [], []
    for block, size in enumerate(sizes):
        part = np.zeros((size, terms_per_block * len(sizes)), dtype=int)
        own = slice(block * terms_per_block, (block + 1) * terms_per_block)
        part[:, own] = rng.random((size, terms_per_block)) < 0.5
        part[part.sum(axis=1) == 0, block * terms_per_block] = 1
        rows.append(part)
        truth += [block] * size
    return np.vstack(rows), np.array(truth)


# ------------------------------------------------------------ the split, by hand


def test_counts_become_presence_or_absence():
    counts = sparse.csr_matrix(np.array([[3, 0, 1], [0, 0, 0], [2, 5, 0]]))
    counts.data[1] = 0  # an explicit zero stored in the sparse matrix is "absent"
    presence = binarize(counts)
    assert presence.toarray().tolist() == [[1, 0, 0], [0, 0, 0], [1, 1, 0]]
    assert presence.nnz == 3
    assert (Reinert(n_clusters=2, min_term_frequency=2).fit(TWO_BLOCKS * 7).labels_
            == Reinert(n_clusters=2, min_term_frequency=2).fit(TWO_BLOCKS).labels_).all()


def test_two_blocks_with_disjoint_vocabularies_are_separated_exactly():
    model = Reinert(n_clusters=2, min_term_frequency=2).fit(TWO_BLOCKS)
    assert model.labels_.tolist() == [1, 1, 1, 2, 2, 2]
    # Term totals of the two groups:           T1 = [3, 2, 0, 0], T2 = [0, 0, 2, 3].
    # N = 10, each group holds 5 of them, so each expected count is half the term's total:
    # E1 = E2 = [1.5, 1, 1, 1.5] and chi2 = 2 × (1.5²/1.5 + 1²/1 + 1²/1 + 1.5²/1.5) = 10.
    by_hand = 2 * (1.5**2 / 1.5 + 1**2 / 1 + 1**2 / 1 + 1.5**2 / 1.5)
    assert by_hand == 10
    split = model.tree_.iloc[0]
    assert split["chi2"] == pytest.approx(by_hand)
    assert split["chi2"] == pytest.approx(pearson_chi2([[3, 2, 0, 0], [0, 0, 2, 3]]))
    assert (split["split"], split["parent"], split["left"], split["right"]) == (1, 0, 1, 2)
    assert (split["size_left"], split["size_right"]) == (3, 3)
    assert model.class_nodes_.to_dict("index") == {1: {"node": 1, "size": 3}, 2: {"node": 2, "size": 3}}


def test_a_term_shared_by_both_groups_adds_nothing_to_the_chi2():
    # "ess" occurs in every segment: T1 = [3, 2, 0, 0, 3], T2 = [0, 0, 2, 3, 3], N = 16.
    # Each group holds 8 of the 16 occurrences, so E = half the totals and the "ess" column
    # has O = E: chi2 = 2 × (1.5 + 1 + 1 + 1.5 + 0) = 10 again.
    with_ess = np.hstack([TWO_BLOCKS, np.ones((6, 1), dtype=int)])
    model = Reinert(n_clusters=2, min_term_frequency=2).fit(with_ess)
    assert model.labels_.tolist() == [1, 1, 1, 2, 2, 2]
    assert model.tree_["chi2"].iloc[0] == pytest.approx(10)
    assert model.tree_["chi2"].iloc[0] == pytest.approx(
        pearson_chi2([[3, 2, 0, 0, 3], [0, 0, 2, 3, 3]]))


def test_unbalanced_groups_worked_out_by_hand():
    # Three segments share "atelier"; the fourth has "budget" and "atelier":
    #   rows: {atelier, jardin}, {atelier, jardin}, {atelier, jardin}, {atelier, budget}
    # Best split: the last segment alone. T1 = [3, 3, 0], T2 = [1, 0, 1], N = 8, S1 = 6, S2 = 2.
    # E1 = 6/8 × [4, 3, 1] = [3, 2.25, 0.75], E2 = 2/8 × [4, 3, 1] = [1, 0.75, 0.25]
    # chi2 = 0 + 0.75²/2.25 + 0.75²/0.75 + 0 + 0.75²/0.75 + 0.75²/0.25 = 0.25 + 0.75 + 0.75 + 2.25
    X = np.array([[1, 1, 0], [1, 1, 0], [1, 1, 0], [1, 0, 1]])
    model = Reinert(n_clusters=2, min_split_members=3, min_term_frequency=1).fit(X)
    assert model.labels_.tolist() == [1, 1, 1, 2]
    assert model.tree_["chi2"].iloc[0] == pytest.approx(0.25 + 0.75 + 0.75 + 2.25)


def test_chi2_of_two_groups_from_its_sufficient_statistics():
    rng = np.random.default_rng(3)
    for _ in range(50):
        first, second = rng.integers(0, 6, size=(2, 7))
        first[0] += 1
        second[1] += 1
        totals = first + second
        keep = totals > 0
        first, totals = first[keep], totals[keep]
        statistic = two_group_chi2(np.sum(first**2 / totals), first.sum(), totals.sum())
        assert statistic == pytest.approx(pearson_chi2([first, totals - first]))


def test_best_cut_scores_every_cut_of_the_order():
    rng = np.random.default_rng(7)
    M = (rng.random((25, 9)) < 0.35).astype(float)
    M[M.sum(axis=1) == 0, 0] = 1
    M[:, M.sum(axis=0) == 0] = 0
    M = M[:, M.sum(axis=0) > 0]
    order = rng.permutation(25)
    in_first, chi2 = best_cut(sparse.csr_array(M), order)
    cuts = [pearson_chi2([M[order[:m]].sum(axis=0), M[order[m:]].sum(axis=0)]) for m in range(1, 25)]
    best = int(np.argmax(cuts)) + 1
    assert chi2 == pytest.approx(cuts[best - 1])
    assert sorted(np.flatnonzero(in_first)) == sorted(order[:best])


def test_first_axis_matches_a_dense_svd_of_the_standardised_residuals():
    rng = np.random.default_rng(11)
    for shape in ((40, 15), (900, 450)):  # dense eigendecomposition, then ARPACK
        X, _ = four_blocks(sizes=(shape[0] // 2, shape[0] // 2), terms_per_block=shape[1] // 2, seed=5)
        noise = rng.random(X.shape) < 0.05
        M = np.maximum(X, noise).astype(float)
        M = M[:, M.sum(axis=0) > 0]
        P = M / M.sum()
        r, c = P.sum(axis=1), P.sum(axis=0)
        S = (P - np.outer(r, c)) / np.sqrt(np.outer(r, c))
        u, s, _ = np.linalg.svd(S, full_matrices=False)
        coordinates, singular_value = first_axis_coordinates(sparse.csr_array(M))
        assert singular_value == pytest.approx(s[0], rel=1e-6)
        assert abs(np.corrcoef(coordinates, u[:, 0] / np.sqrt(r))[0, 1]) == pytest.approx(1, abs=1e-6)


# ------------------------------------------------------------------ the moves


def test_reassignment_moves_the_misplaced_segment_and_raises_the_chi2():
    # Start with s2 ("coopérative" only) on the wrong side: {s0, s1} against {s2, s3, s4, s5}.
    M = sparse.csr_array(TWO_BLOCKS.astype(float))
    start = np.array([True, True, False, False, False, False])
    before = pearson_chi2([[2, 2, 0, 0], [1, 0, 2, 3]])
    in_first, chi2, moves = reassign_segments(M, start)
    assert in_first.tolist() == [True, True, True, False, False, False]
    assert moves == 1
    assert chi2 == pytest.approx(10) and chi2 > before


def test_reassignment_stops_at_a_local_optimum_with_exact_totals():
    rng = np.random.default_rng(2)
    M = (rng.random((40, 12)) < 0.3).astype(float)
    M[M.sum(axis=1) == 0, 0] = 1
    start = rng.random(40) < 0.5
    in_first, chi2, moves = reassign_segments(sparse.csr_array(M), start)
    assert moves > 0
    # the incrementally updated chi2 is the chi2 recomputed from scratch
    assert chi2 == pytest.approx(pearson_chi2([M[in_first].sum(axis=0), M[~in_first].sum(axis=0)]))
    # and no single move improves it any more
    for row in range(40):
        moved = in_first.copy()
        moved[row] = not moved[row]
        if moved.all() or not moved.any():
            continue
        assert pearson_chi2([M[moved].sum(axis=0), M[~moved].sum(axis=0)]) <= chi2 + 1e-9


def test_max_reassign_iter_bounds_the_moves():
    M = sparse.csr_array(TWO_BLOCKS.astype(float))
    start = np.array([True, True, False, False, False, False])
    in_first, _, moves = reassign_segments(M, start, max_moves=0)
    assert moves == 0 and in_first.tolist() == start.tolist()


def test_moves_after_the_cut_raise_the_chi2_of_a_noisy_split():
    rng = np.random.default_rng(4)
    X = (rng.random((300, 40)) < 0.12).astype(int)
    model = Reinert(n_clusters=6).fit(X)
    tree = model.tree_
    assert (tree["chi2"] >= tree["chi2_cut"] - 1e-9).all()
    moved = tree[tree["n_moved"] > 0]
    assert len(moved) and (moved["chi2"] > moved["chi2_cut"]).all()
    no_moves = Reinert(n_clusters=6, max_reassign_iter=0).fit(X).tree_
    assert (no_moves["n_moved"] == 0).all()
    assert no_moves["chi2"].to_numpy() == pytest.approx(no_moves["chi2_cut"].to_numpy())


# ------------------------------------------------------- the whole classification


def test_four_blocks_are_recovered():
    X, truth = four_blocks()
    model = Reinert(n_clusters=4).fit(sparse.csr_matrix(X))
    assert model.n_clusters_ == 4
    assert adjusted_rand_score(truth, model.labels_) == 1
    assert sorted(model.class_nodes_["size"]) == [12, 18, 24, 30]
    # each split separates blocks with no term in common, so each group's terms are absent
    # from the other group: the chi2 is N, the number of 1s in the class being split
    tree = model.tree_
    assert tree["parent"].tolist() == [0, 1, 3]  # the largest class is split each time
    # The blocks share no term, so the first axis is degenerate: which blocks go together depends
    # on floating-point rounding (it differs between processors); each split cuts the largest class.
    parents = (tree["size_left"] + tree["size_right"]).tolist()
    assert parents[0] == 84 and parents == sorted(parents, reverse=True)
    label = dict(zip(model.class_nodes_["node"], model.class_nodes_.index))  # leaf node -> label
    node_1 = model.labels_ != label[2]  # node 0 was split into nodes 1 and 2
    node_3 = np.isin(model.labels_, [label[5], label[6]])  # node 1 into 3 and 4, 3 into 5 and 6
    assert tree["chi2"].tolist() == pytest.approx([X.sum(), X[node_1].sum(), X[node_3].sum()])
    # dense and sparse input agree
    assert Reinert(n_clusters=4).fit(X).labels_.tolist() == model.labels_.tolist()


def test_labels_at_each_level_are_nested_and_numbered_in_dendrogram_order():
    X, _ = four_blocks()
    model = Reinert(n_clusters=4).fit(X)
    assert model.labels_at(1).tolist() == [1] * len(X)
    assert model.labels_at(4).tolist() == model.labels_.tolist()
    for k in (1, 2, 3):
        coarse, fine = model.labels_at(k), model.labels_at(k + 1)
        for label in np.unique(fine):  # each finer class sits inside one coarser class
            assert np.unique(coarse[fine == label]).size == 1
        assert sorted(np.unique(coarse)) == list(range(1, k + 1))
    with pytest.raises(ValueError, match="k doit"):
        model.labels_at(5)


def test_two_fits_give_identical_labels_and_trees():
    X, _ = four_blocks(seed=9)
    noisy = np.maximum(X, np.random.default_rng(1).random(X.shape) < 0.1)
    first = Reinert(n_clusters=6).fit(noisy)
    second = Reinert(n_clusters=6).fit(noisy)
    assert first.labels_.tolist() == second.labels_.tolist()
    pd.testing.assert_frame_equal(first.tree_, second.tree_)
    seeded = Reinert(n_clusters=6, random_state=123).fit(noisy)
    assert seeded.labels_.tolist() == first.labels_.tolist()


def test_min_split_members_stops_small_classes_from_being_split():
    X, _ = four_blocks(sizes=(30, 24, 18, 12))
    # Which blocks are grouped depends on rounding (see test_four_blocks_are_recovered): what holds
    # is that no class smaller than the minimum is split, and a minimum above the corpus splits nothing.
    for minimum, fewest, most in ((85, 1, 1), (50, 3, 4), (25, 4, 6)):
        model = Reinert(n_clusters=10, min_split_members=minimum).fit(X)
        assert fewest <= model.n_clusters_ <= most
        parent_sizes = model.tree_["size_left"] + model.tree_["size_right"]
        assert (parent_sizes >= minimum).all()


def test_min_term_frequency_drops_rare_terms_and_leaves_empty_segments_unclassified():
    X = np.vstack([TWO_BLOCKS, TWO_BLOCKS])  # every term in at least 4 segments
    rare = np.zeros((12, 1), dtype=int)
    rare[0, 0] = rare[5, 0] = 1  # "rare" is in 2 segments only
    only_rare = np.zeros((1, 5), dtype=int)
    only_rare[0, 4] = 1
    empty = np.zeros((1, 5), dtype=int)
    data = np.vstack([np.hstack([X, rare]), only_rare, empty])
    model = Reinert(n_clusters=2, min_term_frequency=4).fit(data)
    assert model.term_mask_.tolist() == [True, True, True, True, False]
    assert model.labels_[12] == 0 and model.labels_[13] == 0  # nothing left / nothing at all
    assert (model.labels_[:12] > 0).all()
    assert model.class_nodes_["size"].sum() == 12
    kept = Reinert(n_clusters=2, min_term_frequency=3).fit(data)
    assert kept.term_mask_.tolist() == [True, True, True, True, True]
    assert (kept.labels_[:13] > 0).all() and kept.labels_[13] == 0


def test_nothing_to_classify():
    model = Reinert().fit(np.zeros((4, 3)))
    assert model.n_clusters_ == 0 and model.labels_.tolist() == [0, 0, 0, 0]
    assert model.tree_.empty and list(model.tree_.columns)[:7] == [
        "split", "parent", "left", "right", "chi2", "size_left", "size_right"]


def test_identical_segments_cannot_be_split():
    model = Reinert(n_clusters=3, min_term_frequency=1).fit(np.ones((8, 3)))
    assert model.n_clusters_ == 1 and model.labels_.tolist() == [1] * 8


#: rainette's ``mini_dfm`` (tests/testthat/test_utils.R): the number of terms of its 7 segments.
RAINETTE_MINI_SIZES = [3, 2, 1, 4, 5, 1, 3]


@pytest.mark.parametrize("documents, min_size, rainette_ids", [
    (["doc1"] * 7, 0, [1, 2, 3, 4, 5, 6, 7]),
    (["doc1"] * 7, 1, [1, 2, 3, 4, 5, 6, 7]),
    (["doc1"] * 7, 3, [1, 2, 2, 4, 5, 6, 6]),
    (["doc1", "doc1", "doc1", "doc2", "doc2", "doc2", "doc3"], 3, [1, 2, 2, 4, 5, 5, 7]),
    (["doc1", "doc1", "doc1", "doc2", "doc3", "doc3", "doc3"], 4, [1, 1, 1, 4, 5, 6, 6]),
    (["doc1", "doc1", "doc1", "doc1", "doc3", "doc3", "doc3"], 6, [1, 1, 1, 1, 5, 5, 5]),
    (["doc1", "doc2", "doc3", "doc4", "doc4", "doc5", "doc5"], 3, [1, 2, 3, 4, 5, 6, 6]),
])
def test_segments_are_merged_as_rainette_merges_them(documents, min_size, rainette_ids):
    # rainette names a unit by its first segment (from 1); ours are numbered 0, 1, … in text order
    expected = np.unique(rainette_ids, return_inverse=True)[1].tolist()
    assert merge_segments(RAINETTE_MINI_SIZES, documents, min_size).tolist() == expected


def test_segments_are_merged_within_documents_when_asked():
    # sizes 3 1 2 | 5 1 with min size 4: {0, 1} then 2, too small at the end of document a, joins it
    assert merge_segments([3, 1, 2, 5, 1], ["a", "a", "a", "b", "b"], 4).tolist() == [0, 0, 0, 1, 1]
    assert merge_segments([3, 1, 2], None, 0).tolist() == [0, 1, 2]
    with pytest.raises(ValueError, match="doc_ids"):
        merge_segments([3, 1, 2], None, 4)
    X, truth = four_blocks()
    doc_ids = np.repeat(np.arange(4), [30, 24, 18, 12])
    model = Reinert(n_clusters=4, min_segment_size=6).fit(X, doc_ids=doc_ids)
    assert model.units_.max() < len(X) - 1
    for unit in np.unique(model.units_):  # a unit's segments share their class
        assert np.unique(model.labels_[model.units_ == unit]).size == 1
    assert adjusted_rand_score(truth, model.labels_) == 1
    assert model.fit_predict(X, doc_ids=doc_ids).tolist() == model.labels_.tolist()


# ------------------------------------------------------------------ scikit-learn


def test_scikit_learn_conventions():
    model = Reinert(n_clusters=4, min_term_frequency=2, random_state=0)
    assert model.get_params() == {"n_clusters": 4, "min_split_members": 5, "min_segment_size": 0,
                                  "min_term_frequency": 2, "tsj": 3, "cc_test": 0.3, "max_reassign_iter": None,
                                  "random_state": 0, "split_smaller_classes": False}
    copy = clone(model)
    assert copy is not model and copy.get_params() == model.get_params()
    assert not hasattr(copy, "labels_")
    X, _ = four_blocks()
    assert model.set_params(n_clusters=2).fit_predict(X).max() == 2
    assert clone(model).get_params()["n_clusters"] == 2
    # settings are checked by fit, not by __init__, and the messages are in French
    bad = Reinert(n_clusters=0)
    with pytest.raises(ValueError, match="n_clusters doit être un entier"):
        bad.fit(X)
    with pytest.raises(ValueError, match="valeurs négatives"):
        Reinert().fit(-np.ones((3, 3)))
    with pytest.raises(ValueError, match="doc_ids"):
        Reinert(min_segment_size=10).fit(X)


@settings(max_examples=120, deadline=None)
@given(st.integers(1, 30), st.integers(1, 10), st.integers(1, 6), st.integers(3, 6),
       st.integers(1, 3), st.data())
def test_random_binary_matrices(n_segments, n_terms, n_clusters, min_split_members,
                                min_term_frequency, data):
    cells = data.draw(st.lists(st.booleans(), min_size=n_segments * n_terms,
                               max_size=n_segments * n_terms))
    X = np.array(cells, dtype=int).reshape(n_segments, n_terms)
    model = Reinert(n_clusters=n_clusters, min_split_members=min_split_members,
                    min_term_frequency=min_term_frequency).fit(X)
    k = model.n_clusters_
    assert 0 <= k <= n_clusters
    assert set(np.unique(model.labels_)) <= set(range(k + 1))
    assert set(np.unique(model.labels_[model.labels_ > 0])) == set(range(1, k + 1))
    kept = X[:, X.sum(axis=0) >= min_term_frequency]
    assert ((model.labels_ == 0) == (kept.sum(axis=1) == 0)).all()
    tree = model.tree_
    assert len(tree) == max(k - 1, 0)
    sizes = {0: int((model.labels_ > 0).sum())}
    for row in tree.itertuples():
        assert row.size_left + row.size_right == sizes[row.parent]
        assert row.size_left >= row.size_right >= 1
        assert row.size_left + row.size_right >= min_split_members
        assert row.chi2 >= row.chi2_cut - 1e-9 > 0
        sizes[row.left], sizes[row.right] = row.size_left, row.size_right
    assert model.class_nodes_["size"].tolist() == np.bincount(model.labels_, minlength=k + 1)[1:].tolist()
    assert [sizes[node] for node in model.class_nodes_["node"]] == model.class_nodes_["size"].tolist()


# ------------------------------------------------------------- class profiles


def test_yates_chi2_of_known_tables_matches_scipy_with_its_sign():
    # [[8, 2], [4, 26]]: N = 40, ad - bc = 208 - 8 = 200, corrected |200| - 40/2 = 180,
    # chi2 = 40 × 180² / (10 × 30 × 12 × 28) = 12.857…, over-represented so positive.
    assert signed_yates_chi2(8, 10, 12, 40) == pytest.approx(40 * 180**2 / (10 * 30 * 12 * 28))
    for table in ([[8, 2], [4, 26]], [[1, 9], [15, 5]], [[5, 5], [5, 5]], [[3, 7], [6, 14]],
                  [[0, 12], [9, 3]], [[20, 1], [2, 30]]):
        (a, b), (c, d) = table
        expected = chi2_contingency(np.array(table), correction=True)
        sign = np.sign(a - expected.expected_freq[0, 0])
        assert signed_yates_chi2(a, a + b, a + c, a + b + c + d) == pytest.approx(sign * expected.statistic)
    # expected count in the first cell: 10 × 12 / 40 = 3
    assert signed_yates_chi2(5, 10, 12, 40) > 0  # 5 > 3: over-represented
    assert signed_yates_chi2(1, 10, 12, 40) < 0  # 1 < 3: under-represented
    assert signed_yates_chi2(3, 10, 12, 40) == 0  # |O - E| = 0 < 0.5: Yates gives 0
    assert signed_yates_chi2(10, 10, 40, 40) == 0  # a term in every segment: empty margin


def test_class_profiles_worked_example():
    labels = np.array([1, 1, 1, 2, 2, 2])
    profiles = class_profiles(TWO_BLOCKS, labels, ["coopérative", "sociétaire", "quartier", "politique"])
    assert list(profiles.columns) == ["class", "term", "term_index", "chi2", "p_value", "frequency",
                                      "share_class", "share_term"]
    first = profiles[profiles["class"] == 1].set_index("term")
    # class 1 or not × term present or absent, N = 6, Yates: N (|ad - bc| - N/2)² / margins
    #   coopérative [[3, 0], [0, 3]]: 6 × (9 - 3)² / (3 × 3 × 3 × 3) = 8/3, over-represented
    #   sociétaire  [[2, 1], [0, 3]]: 6 × (6 - 3)² / (3 × 3 × 2 × 4) = 3/4
    #   quartier    [[0, 3], [2, 1]]: 3/4, under-represented
    #   politique   [[0, 3], [3, 0]]: 8/3, under-represented
    assert first.index.tolist() == ["coopérative", "sociétaire", "quartier", "politique"]
    assert first["chi2"].tolist() == pytest.approx([8 / 3, 3 / 4, -3 / 4, -8 / 3])
    row = first.loc["coopérative"]
    statistic, p_value, _, _ = chi2_contingency([[3, 0], [0, 3]], correction=True)
    assert row["chi2"] == pytest.approx(statistic) and row["p_value"] == pytest.approx(p_value)
    assert (row["frequency"], row["share_class"], row["share_term"]) == (3, 100.0, 100.0)
    assert first.loc["politique", "frequency"] == 0
    assert (profiles.groupby("class")["chi2"].apply(lambda s: s.is_monotonic_decreasing)).all()


def test_class_profiles_leave_unclassified_segments_out():
    X = np.vstack([TWO_BLOCKS, [[1, 1, 1, 1]]])
    with_unclassified = class_profiles(X, [1, 1, 1, 2, 2, 2, 0])
    without = class_profiles(TWO_BLOCKS, [1, 1, 1, 2, 2, 2])
    pd.testing.assert_frame_equal(with_unclassified, without)
    sociétaire = without[(without["class"] == 1) & (without["term"] == "1")].iloc[0]
    # 2 of the 3 segments of class 1 hold it, and both segments holding it are in class 1
    assert sociétaire["share_class"] == pytest.approx(200 / 3)
    assert sociétaire["share_term"] == 100


def test_characteristic_segments_sum_the_chi2_of_the_class_terms_they_contain():
    labels = np.array([1, 1, 1, 2, 2, 2])
    profiles = class_profiles(TWO_BLOCKS, labels)
    chi2 = profiles.set_index(["class", "term_index"])["chi2"]
    segments = characteristic_segments(TWO_BLOCKS, labels, profiles, n=2)
    assert list(segments.columns) == ["class", "segment", "score"]
    # class 1: s0 and s1 hold coopérative and sociétaire, s2 coopérative only
    assert segments[segments["class"] == 1]["segment"].tolist() == [0, 1]
    assert segments["score"].iloc[0] == pytest.approx(chi2[1, 0] + chi2[1, 1])
    assert segments[segments["class"] == 2]["segment"].tolist() == [3, 4]
    assert len(characteristic_segments(TWO_BLOCKS, labels, profiles, n=5)) == 6


# ------------------------------------------------------- double classification


def test_double_classification_crosses_the_two_trees():
    X, truth = four_blocks(sizes=(44, 32, 24, 16), seed=2)
    doc_ids = np.repeat(np.arange(4), [44, 32, 24, 16])
    model = DoubleReinert(n_clusters=4, min_segment_size1=3, min_segment_size2=5,
                          min_members=5).fit(X, doc_ids=doc_ids)
    crossed = model.crossed_classes_
    assert list(crossed.columns) == ["node1", "node2", "size", "size1", "size2", "chi2", "kept"]
    # each crossing's chi2 is the Yates chi2 of "in class 1 or not" × "in class 2 or not"
    row = crossed.iloc[0]
    n = len(X)
    table = [[row["size"], row["size1"] - row["size"]],
             [row["size2"] - row["size"], n - row["size1"] - row["size2"] + row["size"]]]
    assert abs(row["chi2"]) == pytest.approx(chi2_contingency(table, correction=True).statistic)
    kept = crossed[crossed["kept"]]
    assert (kept["size"] >= 5).all() and (kept["chi2"] > 3.84).all()
    # partitions are made of disjoint crossed classes
    for partition in model.partitions_.itertuples():
        labels = model.labels_at(partition.k, partition.criterion)
        assert (labels > 0).sum() == partition.size
    assert model.n_clusters_ == 4
    classified = model.labels_ > 0
    assert adjusted_rand_score(truth[classified], model.labels_[classified]) == 1
    assert classified.sum() == len(X)
    classical = DoubleReinert(n_clusters=4, min_segment_size1=3, min_segment_size2=5, min_members=5,
                              full=False).fit(X, doc_ids=doc_ids)
    assert classical.crossed_classes_["kept"].sum() <= kept.shape[0]
    # rainette2 keeps the first of the crossed classes holding the same segments, then (full =
    # FALSE) those joining mutually most associated classes: the 56 segments of both trees' node 3
    # are crossed first with the first tree's root child 1 (chi2 15.2), before the crossing (3, 3)
    # (chi2 112.0, the strongest), so (3, 3) is not kept, and the classical result has 2 classes.
    # The four blocks share no term, so each first axis is a repeated eigenvalue: these trees are
    # the same on every machine because the split does not depend on LAPACK's choice in it.
    table = classical.crossed_classes_.reset_index().set_index(["node1", "node2"])
    assert table.loc[(1, 3), "size"] == table.loc[(3, 3), "size"] == 56
    assert table.loc[(1, 3), "crossed"] < table.loc[(3, 3), "crossed"]
    assert table["chi2"].idxmax() == (3, 3) and not table.loc[(3, 3), "kept"]
    assert classical.n_clusters_ == 2


def test_double_classification_keeps_crossed_classes_strictly_above_min_members():
    X, _ = four_blocks(sizes=(40, 32, 24, 16), seed=2)
    doc_ids = np.repeat(np.arange(4), [40, 32, 24, 16])
    model = DoubleReinert(n_clusters=4, min_segment_size1=3, min_segment_size2=5, min_members=16).fit(X, doc_ids=doc_ids)
    crossed = model.crossed_classes_
    assert (crossed.loc[crossed["kept"], "size"] > 16).all()
    assert not crossed.loc[crossed["size"] == 16, "kept"].any() and (crossed["size"] == 16).any()
    assert model.first_.min_split_members == 16  # rainette2 splits with min_split_members = min_members


# ---------------------------------------------------------------- seed corpus


def test_classification_of_the_seed_action_plan_paragraphs():
    text = SEED_TEXT.read_text(encoding="utf-8")
    paragraphs = [part.strip() for part in re.split(r"\n\s*\n", text) if part.strip()]
    vectorizer = CountVectorizer(binary=True, min_df=3)
    X = vectorizer.fit_transform(paragraphs)
    model = Reinert(n_clusters=6).fit(X)
    assert model.n_clusters_ >= 4
    profiles = class_profiles(X, model.labels_, vectorizer.get_feature_names_out())
    for label, table in profiles.groupby("class"):
        top = table.iloc[0]
        assert top["chi2"] > 3.84 and top["p_value"] < 0.05
        assert re.fullmatch(r"[^\W\d_]{2,}", top["term"]), top["term"]
    # "Référent CA", "Référent équipe": the paragraphs naming who leads each action sheet
    assert "référent" in set(profiles.groupby("class").head(3)["term"])
    segments = characteristic_segments(X, model.labels_, profiles, n=3)
    assert set(segments["class"]) == set(range(1, model.n_clusters_ + 1))


def test_classification_stops_when_the_largest_class_cannot_be_split_as_rainette():
    X, _ = four_blocks(sizes=(30, 24, 18, 12))
    rainette_like = Reinert(n_clusters=10, min_split_members=25).fit(X)
    parents = (rainette_like.tree_["size_left"] + rainette_like.tree_["size_right"]).tolist()
    largest_left = max(rainette_like.class_nodes_["size"])
    assert largest_left < 25 and all(size >= 25 for size in parents)
    with pytest.raises(ValueError, match="min_split_members doit être un entier ≥ 3"):
        Reinert(min_split_members=2).fit(X)
    # 20 identical segments against two blocks of 6 that share a term: the first split leaves the
    # 20 (which cannot be split) as the largest class: rainette stops there, the option goes on
    same, left, right = np.zeros((20, 10), dtype=int), np.zeros((6, 10), dtype=int), np.zeros((6, 10), dtype=int)
    same[:, :3], left[:, 3:6], right[:, 6:9], left[:, 9], right[:, 9] = 1, 1, 1, 1, 1
    blocks = np.vstack([same, left, right])
    assert Reinert(n_clusters=3, min_term_frequency=1).fit(blocks).class_nodes_["size"].tolist() == [20, 12]
    assert Reinert(n_clusters=3, min_term_frequency=1, split_smaller_classes=True).fit(
        blocks).class_nodes_["size"].tolist() == [20, 6, 6]


MINI_DFM = np.array([[1, 1, 1, 0, 0], [0, 0, 1, 1, 0], [1, 0, 0, 0, 0], [1, 1, 1, 1, 0],
                     [1, 1, 1, 1, 1], [1, 0, 0, 0, 0], [1, 1, 1, 0, 0]])


def test_rainette_mini_dfm_first_split():
    """rainette's test_rainette1.R: ``rainette(mini_dfm, k = 2, min_segment_size = 1, min_split_members = 3)``
    gives groups c(2, 2, 1, 2, 2, 1, 2) at height 4.843137, with the default parameters."""
    mini_dfm = MINI_DFM
    model = Reinert(n_clusters=2, min_split_members=3).fit(mini_dfm)
    rainette_groups = [2, 2, 1, 2, 2, 1, 2]
    assert adjusted_rand_score(rainette_groups, model.labels_) == 1
    assert model.tree_["chi2"].iloc[0] == pytest.approx(4.843137, abs=1e-6)


def test_rainette_select_features():
    """rainette's test_rainette1.R, ``select_features`` on mini_dfm (feat1…feat5 are columns 0…4)."""
    after_split = np.isin(np.arange(7), [2, 5])  # indices1 = c(3, 6) after switch_docs
    first, second = select_features(MINI_DFM, after_split)
    assert np.flatnonzero(first).tolist() == [] and np.flatnonzero(second).tolist() == [1, 2, 3]
    other = np.isin(np.arange(7), [3, 2, 4, 5, 1])  # indices1 = c(4, 3, 5, 6, 2), indices2 = c(7, 1)
    first, second = select_features(MINI_DFM, other)
    assert np.flatnonzero(first).tolist() == [0, 2, 3] and np.flatnonzero(second).tolist() == []


def test_each_class_keeps_its_own_terms_and_units_left_without_any_drop_out():
    """rainette selects terms per split (tsj, cc_test): a unit whose terms are all rare in its class
    belongs to it until the class is split, then to no class."""
    rng = np.random.default_rng(0)
    X = np.zeros((31, 12), dtype=int)
    for row in range(15):
        X[row, rng.choice(5, 3, replace=False)] = 1
    for row in range(15, 30):
        X[row, 5 + rng.choice(5, 3, replace=False)] = 1
    X[30, [10, 11]], X[29, 10], X[14, 11] = 1, 1, 1  # terms 10 and 11: twice each, under tsj = 3
    model = Reinert(n_clusters=4, min_split_members=3).fit(X)
    levels = [model.labels_at(k)[30] for k in range(1, model.n_clusters_ + 1)]
    assert levels[:2] == [1, 1] and levels[2:] == [0] * (model.n_clusters_ - 2)
    keep_all = Reinert(n_clusters=4, min_split_members=3, tsj=1, cc_test=1.0).fit(X)
    assert (keep_all.labels_ > 0).all()
    with pytest.raises(ValueError, match="cc_test"):
        Reinert(cc_test=2).fit(X)


def test_keyness_on_token_counts_as_rainette_stats():
    """quanteda's test of ``textstat_keyness`` (which rainette_stats calls): d1 = "b b b b b b b a a a",
    d2 = "a a a a a a a b b"; the keyness of "b" in d1 is ``chisq.test(dfm, correct = TRUE)``."""
    counts = np.array([[3, 7], [7, 2]])  # columns: a, b
    profiles = class_profiles(counts, [1, 2], ["a", "b"], unit="tokens").set_index(["class", "term"])
    expected = chi2_contingency([[7, 3], [2, 7]], correction=True).statistic
    assert profiles.loc[(1, "b"), "chi2"] == pytest.approx(expected) == pytest.approx(2.632438, abs=1e-6)
    assert profiles.loc[(1, "a"), "chi2"] == pytest.approx(-expected)
    assert profiles.loc[(1, "b"), "frequency"] == 7 and profiles.loc[(1, "b"), "share_class"] == 70
    # the reference holds every other segment, classified or not; presence-based ignores counts
    with_unclassified = class_profiles(np.vstack([counts, [[0, 5]]]), [1, 2, 0], ["a", "b"], unit="tokens")
    assert with_unclassified.set_index(["class", "term"]).loc[(1, "b"), "chi2"] != pytest.approx(expected)
    by_segments = class_profiles(counts, [1, 2], ["a", "b"]).set_index(["class", "term"])
    assert by_segments.loc[(1, "b"), "chi2"] == 0 and by_segments.loc[(1, "b"), "frequency"] == 1
    with pytest.raises(ValueError, match="unit"):
        class_profiles(counts, [1, 2], unit="words")


def test_rainette2_compute_chi2():
    """rainette's test_rainette2.R: ``compute_chi2`` is ``chisq.test`` (Yates), negative when the
    classes meet less than independence predicts."""
    table = [[45, 257 - 45], [121 - 45, 1213 - 121 - 257 + 45]]
    assert signed_yates_chi2(45, 121, 257, 1213) == pytest.approx(chi2_contingency(table).statistic)
    assert signed_yates_chi2(0, 12, 25, 121) == pytest.approx(-chi2_contingency([[0, 25], [12, 84]]).statistic)


def test_rainette2_crosstab_keep_max():
    """rainette's test_rainette2.R: of nine crossings, (11, 21) and (12, 23) are mutual maxima."""
    table = pd.DataFrame({"g1": [11, 11, 11, 12, 12, 12, 13, 13, 13], "g2": [21, 22, 23] * 3,
                          "chi2": [10, 5, 8, 9, 8, 10, 8, 2, 2]})
    kept = table.loc[mutually_most_associated(table, "g1", "g2")]
    assert kept["g1"].tolist() == [11, 12] and kept["g2"].tolist() == [21, 23]


def test_correspondence_analysis_decomposes_the_tables_inertia():
    """The plane of the figures: the weighted squared coordinates of the rows sum, axis by axis,
    to the table's inertia (Pearson's chi-squared over the total), and rows and columns agree
    through the transition formula."""
    from analysis.themes.reinert.ca import correspondence_analysis

    table = np.array([[12, 3, 5, 0], [2, 14, 4, 1], [1, 2, 3, 11.0]])
    rows, columns, shares = correspondence_analysis(table, n_axes=2)
    total = table.sum()
    row_mass = table.sum(axis=1) / total
    eigenvalues = (row_mass[:, None] * rows ** 2).sum(axis=0)
    inertia = chi2_contingency(table, correction=False)[0] / total
    assert eigenvalues.sum() == pytest.approx(inertia)  # 3 rows: two axes hold everything
    assert shares[:2] == pytest.approx(eigenvalues / inertia)
    profiles = table / table.sum(axis=1, keepdims=True)
    assert rows == pytest.approx(profiles @ columns / np.sqrt(eigenvalues))


_CLUSTERING_CHECK = ("check_clustering standardises its data, so it has negative values: Reinert classifies "
                     "presences, and refuses them")


@parametrize_with_checks(
    [Reinert(n_clusters=2, min_split_members=3, tsj=1),
     DoubleReinert(n_clusters=2, min_members=1, min_segment_size1=0, min_segment_size2=0)],
    expected_failed_checks=lambda estimator: {
        "check_clustering": _CLUSTERING_CHECK,
        **({} if isinstance(estimator, Reinert) else {
            name: "a double classification needs at least two classes (n_clusters ≥ 2), as in rainette2"
            for name in ("check_dont_overwrite_parameters", "check_methods_subset_invariance", "check_fit2d_1sample",
                         "check_fit2d_1feature", "check_fit2d_predict1d")}),
    })
def test_the_estimators_follow_scikit_learn_conventions(estimator, check):
    check(estimator)
