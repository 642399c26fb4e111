"""Names of persons found by spaCy's French model, blanked out before the themes are clustered."""

from __future__ import annotations

import pytest

from analysis import Corpus
from analysis.text.person_names import person_name_spans, without_person_names
from analysis.themes.pipeline import person_name_words, run_themes, top_forms
from conftest import SEED_CORPUS

PLAN = "rtes-plan-actions-2022"


def names(text: str) -> list[str]:
    return list(person_name_spans(text)["name"])


def test_a_referent_is_found_with_its_offsets():
    text = "Référente : Marie Dupont, vice-présidente de la métropole."
    spans = person_name_spans(text)
    assert list(spans["name"]) == ["Marie Dupont"]
    row = spans.iloc[0]
    assert text[row.start:row.end] == "Marie Dupont"


@pytest.mark.parametrize("text, expected", [
    ("Référént CA : Mahel Coppey et Nicole Miquel-Belaud. Référént équipe : Anne-Laure Federici.",
     ["Mahel Coppey", "Nicole Miquel-Belaud", "Anne-Laure Federici"]),
    ("Intervention de Mme Claire Dubois au conseil.", ["Claire Dubois"]),
    ("Pierre Martin, maire de la ville, a rencontré Jean DURAND.", ["Pierre Martin", "Jean DURAND"]),
    ("Animation : Mélanie Thuillier", ["Mélanie Thuillier"]),
])
def test_names_are_found_in_french_sentences(text, expected):
    assert names(text) == expected


@pytest.mark.parametrize("text", [
    "L’économie sociale et solidaire à Lyon.",
    "Réseau des collectivités Territoriales pour une Economie Solidaire.",
    "Fiche action n°6 SCIC. Modalités de contractualisation, commande publique et coconstruction.",
    "Fiches Déniché pour Vous : les Pôles Territoriaux de Coopération Economique et l’ESS.",
])
def test_places_headings_and_field_words_are_not_names(text):
    assert names(text) == []


def test_blanking_keeps_every_offset():
    text = "Référente : Marie Dupont, vice-présidente.\nContact : Anne-Laure Federici (RTES)."
    blanked = without_person_names(text)
    assert len(blanked) == len(text)
    assert "Dupont" not in blanked and "Federici" not in blanked
    assert blanked.replace(" ", "") == text.replace(" ", "").replace("MarieDupont", "").replace("Anne-LaureFederici", "")
    kept = [i for i, (a, b) in enumerate(zip(text, blanked)) if a != b]
    spans = person_name_spans(text)
    assert kept == [i for row in spans.itertuples() for i in range(row.start, row.end) if text[i] != " "]


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return Corpus.open(SEED_CORPUS)


@pytest.fixture(scope="module")
def plan_names(corpus) -> set[str]:
    return set(person_name_spans(corpus.text(PLAN))["name"])


def test_the_action_plan_referents_are_found(corpus, plan_names):
    assert {"Mahel Coppey", "Anne-Laure Federici", "Patricia Andriot", "Chloé Sécher", "Pierre Roth",
            "Benjamin Guéraud-Pinet", "Jean-Louis Laville"} <= plan_names
    assert len(plan_names) >= 20
    assert not plan_names & {"ESS", "Fiche", "Modalités", "Référént CA", "Economie Solidaire", "Contexte"}
    text = corpus.text(PLAN)
    for row in person_name_spans(text).itertuples():
        assert text[row.start:row.end] == row.name
    # every line naming a referent has its names blanked
    blanked = without_person_names(text)
    assert "Federici" not in blanked and "Coppey" not in blanked and len(blanked) == len(text)


def test_without_the_filter_names_make_a_theme_and_with_it_none(corpus, plan_names):
    words = {word.lower() for name in plan_names for word in name.split()}
    kept = run_themes(corpus, "reinert", k=6, include_private=False, random_state=0, exclude_person_names=False)
    assert top_forms(kept, 10) & words, "the filter should matter on the seed corpus"
    filtered = run_themes(corpus, "reinert", k=6, include_private=False, random_state=0)
    assert not top_forms(filtered, 10) & words
    assert not top_forms(filtered, 10) & person_name_words(filtered)


def test_a_missing_model_gives_a_french_error():
    from analysis.text import person_names
    from analysis.errors import AtelierError

    with pytest.raises(AtelierError, match="modèle français de spaCy « fr_modele_absent »"):
        person_names.load_model("fr_modele_absent")  # the model shared by the other tests stays loaded
