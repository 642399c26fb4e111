"""Agreement worked out by hand on tiny corpora, and checked against the libraries."""

from __future__ import annotations

import krippendorff
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from analysis import Corpus
from analysis.coding.agreement import agreement, disagreements, unitizing_alpha, unitizing_distance
from analysis.coding.queries import current_codings

WORDS = "la collectivité soutient les coopératives du territoire avec des moyens dédiés et des élus engagés".split()
A_CODES = [1, 1, 1, 0, 0, 0, 0, 0, 1, 0]
B_CODES = [1, 1, 0, 0, 0, 0, 0, 1, 1, 0]


@pytest.fixture
def ten_paragraphs(atelier, corpus_dir, tmp_path) -> Corpus:
    """A document of ten 40-word paragraphs: each one is a segment."""
    paragraphs = [" ".join(f"{WORDS[(n + k) % len(WORDS)]}" for k in range(39)) + f" p{n}." for n in range(10)]
    source = tmp_path / "dix.txt"
    source.write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    atelier("ingest", source)
    corpus = Corpus.open(corpus_dir)
    segments = corpus.units("segment")
    assert len(segments) == 10
    for coder, marks in (("a", A_CODES), ("b", B_CODES)):
        for segment, mark in zip(segments.itertuples(), marks):
            if mark:
                inner = segment.start + 5  # a coding inside the segment marks it
                atelier("code", "dix", inner, inner + 10, "theme", "--coder", coder)
        atelier("done", "dix", "--coder", coder)
    return corpus


def test_segment_agreement_by_hand(ten_paragraphs):
    table = agreement(ten_paragraphs, current_codings(ten_paragraphs), unit="segment")
    row = table.set_index("code").loc["theme"]
    # 8 of 10 segments agree; both coders mark 4: chance agreement 0.4² + 0.6² = 0.52
    assert row["percent_agreement"] == pytest.approx(0.8)
    assert row["cohen_kappa"] == pytest.approx((0.8 - 0.52) / 0.48)
    # Krippendorff: 20 values (8 ones, 12 zeros), 2 disagreeing units: 1 - (4/20) / (2·8·12/(20·19))
    assert row["krippendorff_alpha"] == pytest.approx(1 - 0.2 / (192 / 380))
    assert row["cohen_kappa"] == pytest.approx(cohen_kappa_score(A_CODES, B_CODES))
    assert row["krippendorff_alpha"] == pytest.approx(krippendorff.alpha(
        reliability_data=np.array([A_CODES, B_CODES]), level_of_measurement="nominal"))
    assert table.iloc[-1]["code"] == "(ensemble)" and table.iloc[-1]["units"] == 10


def test_excluding_uncoded_segments(ten_paragraphs):
    table = agreement(ten_paragraphs, current_codings(ten_paragraphs), exclude_uncoded=True)
    row = table.set_index("code").loc["theme"]
    # Units coded by someone: 0, 1, 2, 7, 8: agreement on 3 of 5, kappa below chance
    assert row["units"] == 5
    assert row["percent_agreement"] == pytest.approx(0.6)
    assert row["cohen_kappa"] == pytest.approx(cohen_kappa_score([1, 1, 1, 0, 1], [1, 1, 0, 1, 1]))


def test_disagreements_list_the_segments_and_who_coded_them(ten_paragraphs):
    table = disagreements(ten_paragraphs, current_codings(ten_paragraphs))
    assert table["coded_by"].tolist() == ["a", "b"]
    assert table["not_coded_by"].tolist() == ["b", "a"]
    assert table["text"].str.endswith(("p2.", "p7.")).all()


def test_character_agreement_by_hand(atelier, corpus_dir, tmp_path):
    source = tmp_path / "court.txt"
    source.write_text("abcdefghij\n", encoding="utf-8")
    atelier("ingest", source)
    atelier("code", "court", 0, 4, "x", "--coder", "a")
    atelier("code", "court", 2, 6, "x", "--coder", "b")
    for coder in ("a", "b"):
        atelier("done", "court", "--coder", coder)
    corpus = Corpus.open(corpus_dir)
    codings = current_codings(corpus)
    row = agreement(corpus, codings, unit="character").set_index("code").loc["x"]
    # 11 characters (with the final line feed): agree on c, d and on the 5 after f
    assert row["percent_agreement"] == pytest.approx(7 / 11)
    assert row["cohen_kappa"] == pytest.approx((7 / 11 - 65 / 121) / (1 - 65 / 121))
    # unitizing: a's unit 0-4 against b's 2-6 costs 2² + 2²; units of 4 (twice), gaps of 7, 2 and 5
    observed = 2 * 8 / (2 * 1 * 11 ** 2)
    expected = 2 / 11 * 2 * ((4 ** 3 * 2 - 3 * 4 ** 2 + 4) / 3 + 4 ** 2 * ((7 - 4 + 1) + (5 - 4 + 1))) / (22 * 21 - 2 * 12)
    assert row["unitizing_alpha"] == pytest.approx(1 - observed / expected)
    excluded = agreement(corpus, codings, unit="character", exclude_uncoded=True).set_index("code").loc["x"]
    assert excluded["units"] == 6 and excluded["percent_agreement"] == pytest.approx(2 / 6)
    spans = disagreements(corpus, codings, unit="character")
    assert spans[["start", "end", "text", "coded_by"]].values.tolist() == [[0, 2, "ab", "a"], [4, 6, "ef", "b"]]


def test_only_documents_finished_by_every_coder_count(atelier, corpus_dir, tmp_path):
    for name in ("un", "deux", "trois"):
        (tmp_path / f"{name}.txt").write_text(f"Texte {name} assez long pour un segment.\n", encoding="utf-8")
        atelier("ingest", tmp_path / f"{name}.txt")
    atelier("code", "un", 0, 5, "x", "--coder", "a")
    atelier("code", "un", 0, 5, "x", "--coder", "b")
    atelier("code", "deux", 0, 5, "x", "--coder", "a")
    atelier("code", "trois", 0, 5, "x", "--coder", "a")
    for coder in ("a", "b"):
        atelier("done", "un", "--coder", coder)
    corpus = Corpus.open(corpus_dir)
    table = agreement(corpus, current_codings(corpus))
    assert table.attrs["documents"] == ["un"]
    assert np.isnan(table.iloc[0]["krippendorff_alpha"]), "one value everywhere: alpha is undefined"
    assert table.attrs["left_out"].values.tolist() == [["deux", "pas encore marqué terminé par a, b"],
                                                       ["trois", "pas encore marqué terminé par a, b"]]
    # b finished « deux » without coding anything there: a complete disagreement, which now counts
    atelier("done", "deux", "--coder", "a")
    atelier("done", "deux", "--coder", "b")
    table = agreement(corpus, current_codings(corpus))
    assert table.attrs["documents"] == ["deux", "un"]
    assert table.set_index("code").loc["x", "percent_agreement"] == pytest.approx(0.5)
    status, out, _ = atelier("agreement")
    assert status == 0 and "laissé de côté : trois (pas encore marqué terminé par a, b" in out
    # reopening, and undoing a « done », take the document out again
    atelier("reopen", "deux", "--coder", "b")
    assert agreement(corpus, current_codings(corpus)).attrs["documents"] == ["un"]
    atelier("undo", "--coder", "b")
    assert agreement(corpus, current_codings(corpus)).attrs["documents"] == ["deux", "un"]
    atelier("undo", "--coder", "b")
    assert agreement(corpus, current_codings(corpus)).attrs["documents"] == ["un"]
    status, _, err = atelier("done", "inconnu", "--coder", "a")
    assert status == 2 and "document inconnu" in err


def test_cli_agreement(ten_paragraphs, atelier):
    status, out, _ = atelier("agreement")
    assert status == 0 and "kappa de Cohen" in out and "0.583" in out and "0.604" in out
    status, out, _ = atelier("agreement", "--disagreements")
    assert status == 0 and [line.split()[:2] for line in out.splitlines()[1:]] == [["theme", "dix"]] * 2


def test_coding_comparison_per_code_and_document_in_characters(atelier, corpus_dir, tmp_path):
    source = tmp_path / "court.txt"
    source.write_text("abcdefghij\n", encoding="utf-8")
    atelier("ingest", source)
    atelier("code", "court", 0, 4, "x", "--coder", "a")
    atelier("code", "court", 2, 6, "x", "--coder", "b")
    atelier("code", "court", 8, 10, "y", "--coder", "a")
    for coder in ("a", "b"):
        atelier("done", "court", "--coder", coder)
    corpus = Corpus.open(corpus_dir)
    from analysis.coding.agreement import coding_comparison

    table = coding_comparison(corpus, current_codings(corpus), "a", "b").set_index("code")
    x, y = table.loc["x"], table.loc["y"]
    # 11 characters; x: both on c, d (2), neither on g…\n (5), a alone on a, b, b alone on e, f
    assert (x["a_and_b"], x["neither"], x["a_not_b"], x["b_not_a"]) == pytest.approx(
        (200 / 11, 500 / 11, 200 / 11, 200 / 11))
    assert x["agreement"] == pytest.approx(700 / 11) and x["disagreement"] == pytest.approx(400 / 11)
    assert x["kappa"] == pytest.approx((7 / 11 - 65 / 121) / (1 - 65 / 121))
    assert (x["a_codings"], x["b_codings"]) == ("0–4", "2–6")
    assert y["kappa"] == 0 and y["b_codings"] == "" and y["agreement"] == pytest.approx(900 / 11)
    status, out, _ = atelier("agreement", "--comparison")
    assert status == 0 and "comme NVivo" not in out and "Comparaison de codage" in out and "0–4" in out


# Krippendorff (2004), Content Analysis, 2nd ed., p. 254: two coders unitize a continuum of 300
# positions (150…450) into categories c and k; dkpro-statistics reproduces the book's figures.
KRIPPENDORFF_2004 = [(0, "c", 225, 70), (0, "c", 370, 30), (1, "c", 220, 80), (1, "c", 355, 20),
                     (1, "c", 400, 20), (0, "k", 180, 60), (0, "k", 300, 50), (1, "k", 180, 60),
                     (1, "k", 300, 50)]


def test_unitizing_alpha_reproduces_krippendorff_2004():
    units = pd.DataFrame([{"coder": coder, "category": category, "start": begin - 150, "end": begin - 150 + length}
                          for coder, category, begin, length in KRIPPENDORFF_2004])
    table = unitizing_alpha(units, [0, 1], 300).set_index("category")
    assert table.loc["c", "observed"] == pytest.approx(0.0144, abs=1e-4)
    assert table.loc["c", "expected"] == pytest.approx(0.0532, abs=1e-4)
    assert table.loc["c", "alpha"] == pytest.approx(0.7286, abs=1e-4)
    assert table.loc["k", "observed"] == 0 and table.loc["k", "expected"] == pytest.approx(0.0490, abs=1e-4)
    assert table.loc["k", "alpha"] == 1
    assert table.loc["(ensemble)", "alpha"] == pytest.approx(0.8591, abs=5e-4)
    # a coder's overlapping units of one category count as one
    doubled = pd.concat([units, units.iloc[[0]].assign(end=units.iloc[0]["end"] - 10)])
    assert unitizing_alpha(doubled, [0, 1], 300).equals(unitizing_alpha(units, [0, 1], 300))


@pytest.mark.parametrize("first, second, distance", [
    ((2, 3, False), (2, 2, True), 4), ((5, 6, True), (4, 7, False), 36),  # a unit inside a gap
    ((5, 6, True), (4, 2, True), 26), ((5, 6, True), (5, 2, True), 16), ((5, 6, True), (6, 2, True), 10),
    ((5, 6, True), (7, 2, True), 8), ((5, 6, True), (6, 4, True), 2), ((5, 6, True), (5, 6, True), 0),
    ((225, 70, True), (220, 80, True), 50), ((370, 30, True), (355, 20, True), 850),
    ((400, 50, False), (400, 20, True), 400), ((0, 5, True), (5, 5, True), 0),  # units that only touch
])
def test_unitizing_distance_of_krippendorff_2004(first, second, distance):
    assert unitizing_distance(*first, *second) == distance
