"""Textual statistics (Lexico, TXM, IRaMuTeQ): values worked out by hand on small tables, then
the CLI on a copy of the seed corpus."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import hypergeom

from analysis import Corpus
from analysis.cli.main import main
from analysis.errors import AtelierError
from analysis.themes.textometry import (
    correspondence_analysis_of_parts, frequencies, lexical_table, parts_of_corpus, repeated_segments, similitudes,
    specific_forms, specificities,
)
from conftest import copy_seed_corpus


def test_lafon_specificity_by_hand():
    # a form found 3 times, all in a part holding 3 of the corpus's 6 occurrences:
    # P(X >= 3) = C(3,3) C(3,0) / C(6,3) = 1/20, so the score is log10(20)
    table = pd.DataFrame({"A": [3, 0], "B": [0, 3]}, index=["coopération", "marché"])
    scores = specificities(table)
    assert scores.at["coopération", "A"] == pytest.approx(math.log10(20))
    # and it is absent from the other part: P(X <= 0) = 1/20, under-represented
    assert scores.at["coopération", "B"] == pytest.approx(-math.log10(20))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 30), min_size=3, max_size=3), min_size=2, max_size=6))
def test_lafon_follows_the_hypergeometric_law_of_scipy(rows):
    table = pd.DataFrame(rows, columns=["A", "B", "C"]).add(1)  # no empty form or part
    scores = specificities(table)
    T = table.to_numpy().sum()
    for (form, part), f in table.stack().items():
        F, t = table.loc[form].sum(), table[part].sum()
        if f >= F * t / T:
            expected = -math.log10(hypergeom.sf(f - 1, T, F, t))
        else:
            expected = math.log10(hypergeom.cdf(f, T, F, t))
        assert scores.at[form, part] == pytest.approx(expected, rel=1e-6, abs=1e-9)


def test_chi2_specificity_is_iramuteq_s_signed_chi2_without_correction():
    table = pd.DataFrame({"A": [10, 7], "B": [4, 36]}, index=["coop", "autres"])
    # the 2 × 2 table of « coop » in A: 10 | 4 / 7 | 36, N = 57, expected 10 → 14 × 17 / 57
    expected = np.outer([14, 43], [17, 40]) / 57
    observed = np.array([[10, 4], [7, 36]])
    chi2 = ((observed - expected) ** 2 / expected).sum()
    scores = specificities(table, "chi2")
    assert scores.at["coop", "A"] == pytest.approx(chi2)
    assert scores.at["coop", "B"] == pytest.approx(-chi2), "under-represented: negative"
    with pytest.raises(AtelierError, match="méthode « khi » inconnue"):
        specificities(table, "khi")


def test_the_lexical_table_counts_forms_by_part_and_the_specific_forms_are_ranked():
    texts = pd.Series(["La coopération des coopératives.", "Coopération et coopération !", "Le marché public."])
    table = lexical_table(texts, pd.Series(["2020", "2020", "2022"]))
    assert table.loc["coopération"].tolist() == [3, 0] and table.loc["marché"].tolist() == [0, 1]
    assert list(table.columns) == ["2020", "2022"] and "la" not in table.index, "function words left out"
    selected = specific_forms(table, specificities(table), threshold=0.1)
    first = selected[selected["part"] == "2020"].iloc[0]
    assert (first["form"], first["frequency"], first["total"], first["sign"]) == ("coopération", 3, 3, "+")
    frequent = frequencies(table, n=2)
    assert frequent.index[0] == "coopération" and frequent.at["coopération", "2020"] == pytest.approx(1000 * 3 / 4)


def test_repeated_segments_never_cross_punctuation_nor_start_with_a_function_word():
    texts = pd.Series(["La commande publique responsable. Commande publique, encore.",
                       "Une commande publique ; la commande publique responsable"])
    table = repeated_segments(texts, min_frequency=2)
    found = dict(zip(table["segment"], table["frequency"]))
    assert found["commande publique"] == 4 and found["commande publique responsable"] == 2
    assert "publique encore" not in found and not any(s.startswith(("la ", "une ")) for s in found)


def test_similitudes_keep_the_strongest_co_occurrences_in_a_tree_with_communities():
    texts = pd.Series(["coopération territoire"] * 3 + ["coopération acteurs"] * 2 + ["marché prix"] * 4
                      + ["marché acteurs"])
    result = similitudes(texts, n_forms=10)
    tree = result["graph"]
    assert tree.number_of_nodes() == 5 and tree.nodes["marché"]["frequency"] == 5
    assert tree["coopération"]["territoire"]["weight"] == 3 and tree["marché"]["prix"]["weight"] == 4
    assert tree.number_of_edges() == 4, "a spanning tree of the five forms"
    community = {form: number for number, group in enumerate(result["communities"]) for form in group}
    assert community["coopération"] == community["territoire"] and community["marché"] == community["prix"]
    assert {form for group in result["communities"] for form in group} == set(tree.nodes)
    jaccard = similitudes(texts, n_forms=10, index="jaccard")["graph"]
    assert jaccard["marché"]["prix"]["weight"] == pytest.approx(4 / 5)


def test_the_afc_of_parts_places_forms_near_the_parts_that_use_them():
    table = pd.DataFrame({"plan": [20, 1, 2, 8], "guide": [1, 20, 2, 8], "rapport": [2, 1, 20, 8]},
                         index=["actions", "leviers", "bilan", "ess"])
    result = correspondence_analysis_of_parts(table, n_forms=4, min_frequency=1)
    assert sum(result["inertia"]) == pytest.approx(1)
    forms, parts = result["forms"], result["parts"]
    for form, part in (("actions", "plan"), ("leviers", "guide"), ("bilan", "rapport")):
        distances = ((parts - forms.loc[form]) ** 2).sum(axis=1)
        assert distances.idxmin() == part
    with pytest.raises(AtelierError, match="au moins 3 parties"):
        correspondence_analysis_of_parts(table[["plan", "guide"]])


@pytest.fixture(scope="module")
def seed_copy(tmp_path_factory) -> Corpus:
    return Corpus.open(copy_seed_corpus(tmp_path_factory.mktemp("textometrie") / "corpus"))


def test_parts_are_public_documents_with_a_value_and_names_blanked(seed_copy):
    parts = parts_of_corpus(seed_copy, "year")
    documents = seed_copy.documents().set_index("doc_id")
    assert (documents.loc[parts["doc_id"].unique(), "private"] != "true").all()
    assert set(parts["part"]) == {"2017", "2022", "2024"}
    plan = parts[parts["text"].str.contains("Christiane Bouchart")]
    assert len(plan) and not plan["counted"].str.contains("Bouchart").any(), "names of persons blanked"
    with pytest.raises(AtelierError, match="attribut « annee » inconnu"):
        parts_of_corpus(seed_copy, "annee")


@pytest.mark.parametrize("analysis, expected", [
    ("specificites", "durable"), ("afc", "Inertie : axe 1"), ("similitudes", "communauté 1 :"),
    ("frequences", "collectivités"), ("segments", "économie sociale et solidaire"),
])
def test_the_cli_prints_and_writes_each_analysis(seed_copy, capsys, analysis, expected):
    assert main(["--corpus", str(seed_copy.root), "textometrie", analysis, "--par", "year"]) == 0
    out = capsys.readouterr().out
    assert expected in out
    folder = seed_copy.root / "derived" / "textometrie"
    assert (folder / f"{analysis}-year.csv").stat().st_size > 100
    if analysis in ("specificites", "afc", "similitudes"):
        assert (folder / f"{analysis}-year.png").stat().st_size > 20_000


def test_the_cli_refuses_bad_requests_in_french(seed_copy, capsys):
    assert main(["--corpus", str(seed_copy.root), "textometrie", "concordances", "--par", "genre"]) == 2
    assert "indiquez le mot cherché avec --motif" in capsys.readouterr().err
    assert main(["--corpus", str(seed_copy.root), "textometrie", "concordances", "--par", "genre",
                 "--motif", "SCIC"]) == 0
    assert "occurrence(s) de « SCIC »" in capsys.readouterr().out
