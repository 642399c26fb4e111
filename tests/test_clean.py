"""Each cleaning rule, before and after, and the counts of the cleaning report."""

from __future__ import annotations

import pytest

from analysis.corpus.clean import RULES, clean, rules_table

RULE = {rule.name: rule.apply for rule in RULES}


@pytest.mark.parametrize("name, before, after, count", [
    ("fins_de_ligne", "un\r\ndeux\rtrois", "un\ndeux\ntrois", 2),
    ("caracteres_invisibles", "co\u00adopé\u200bration\ufeff", "coopération", 3),
    ("double_encodage", "Ã©conomie sociale et solidaire", "économie sociale et solidaire", 1),
    ("unicode_nfc", "e\u0301conomie", "économie", 1),
    ("ligatures", "ﬁlière ﬂux", "filière flux", 2),
    ("espaces_insecables", "ESS\u00a0: 10\u202f000 emplois", "ESS : 10 000 emplois", 2),
    ("apostrophes", "l'ESS d`un l’autre 'citation'", "l’ESS d’un l’autre 'citation'", 2),
    ("elisions_ocr", "I’ESS et 1’élaboration, |’usage ; I’Moi", "l’ESS et l’élaboration, l’usage ; I’Moi", 3),
    ("numeros_de_page", "Sommaire\nFiche action n°1page 2\n12\n- 3 -\nPage 4 / 20\n2024\n",
     "Sommaire\nFiche action n°1\n\n\n\n2024\n", 4),
    ("sauts_de_page", "fin\fdébut", "fin\n\ndébut", 1),
    ("cesures", "le dévelop-\npement des tiers-lieux", "le développement des tiers-lieux", 1),
    ("paragraphes_coupes", "La commune soutient\nles coopératives.\nElle agit.\n- p.62\nïkos",
     "La commune soutient les coopératives.\nElle agit.\n- p.62\nïkos", 1),
    ("puces", "  • un\n▪ deux\n● trois", "- un\n- deux\n- trois", 3),
    ("boutons_web", "Fin.\n\nfleche 2 avant   Feuilleter l’étude\nIcône droite Visiter le site\nLa flèche du temps.\n"
                    "Icône de la coopération.\nFlèche 3 vers la réussite d’un projet porté par des dizaines de collectivités.",
     "Fin.\n\nLa flèche du temps.\nIcône de la coopération.\n"
     "Flèche 3 vers la réussite d’un projet porté par des dizaines de collectivités.", 2),
    ("blocs_dupliques",
     "Titre\n\nUn paragraphe répété mot pour mot.\n\nSuite aussi.\n\nUn paragraphe répété mot pour mot.\n\nSuite aussi.\n\nFin",
     "Titre\n\nUn paragraphe répété mot pour mot.\n\nSuite aussi.\n\nFin", 1),
    ("espaces", "\n\nun  deux\t \n\n\n\ntrois  ", "un deux\n\ntrois\n", 8),
])
def test_rule_before_after(name, before, after, count):
    assert RULE[name](before) == (after, count)


def test_running_headers_are_removed_from_pdf_pages():
    pages = [f"RTES – Plan d’actions\nContenu de la page {n}.\nPage {n}" for n in range(1, 5)]
    cleaned, counts = clean("\f".join(pages))
    assert "RTES – Plan d’actions" not in cleaned
    assert counts["entetes_de_page"] == 4
    assert counts["numeros_de_page"] == 4
    assert cleaned == "\n\n".join(f"Contenu de la page {n}." for n in range(1, 5)) + "\n"


def test_short_repeated_paragraphs_are_kept():
    text = "Objectifs :\n\nObjectifs :\n"
    assert clean(text)[0] == text


def test_clean_is_idempotent_on_the_seed_texts(tmp_path):
    from conftest import SEED_CORPUS

    for path in (SEED_CORPUS / "texts").glob("*.txt"):
        text = path.read_text(encoding="utf-8")
        again, counts = clean(text)
        assert again == text, path.name
        assert not any(counts.values()), (path.name, counts)


def test_rules_are_documented_in_french():
    table = rules_table()
    assert list(table["rule"]) == [rule.name for rule in RULES]
    assert table["description"].str.len().min() > 20
