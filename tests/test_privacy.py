"""The privacy gate: masking, pseudonyms, escaping, forbidden strings and the build scan."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from analysis.corpus import Corpus
from analysis.errors import AtelierError
from analysis.ingest import IngestOptions, ingest
from analysis.privacy import (
    EMAIL_MASK, KIND_EMAIL, KIND_NAME, KIND_PASSAGE, KIND_PHONE, KIND_TITLE, PHONE_MASK,
    check_build, forbidden_strings, interviewee_names, mask_personal_data, pseudonymise,
    safe_quotation, scan_build,
)


PRIVATE_TITLE = "Note confidentielle sur le budget municipal"
PRIVATE_SENTENCE = (
    "La commune envisage de réduire de moitié la subvention versée aux associations du quartier nord."
)
PUBLIC_TITLE = "Guide public des achats responsables"
SHARED_SENTENCE = (
    "Le réseau accompagne les collectivités dans leurs politiques d’économie sociale et solidaire."
)


# --- masking -----------------------------------------------------------------------------


@pytest.mark.parametrize("address", [
    "jean.dupont@mairie-lille.fr", "contact@rtes.fr", "a.b+tag@sous.domaine.example.org",
])
def test_email_addresses_are_masked(address):
    assert mask_personal_data(f"Écrire à {address}, merci.") == f"Écrire à {EMAIL_MASK}, merci."


@pytest.mark.parametrize("phone", [
    "06 12 34 56 78", "06.12.34.56.78", "06-12-34-56-78", "0612345678", "+33 6 12 34 56 78",
    "+33612345678", "+33 (0)1 23 45 67 89", "0033 1 23 45 67 89", "01\u00a023\u00a045\u00a067\u00a089",
])
def test_phone_numbers_are_masked(phone):
    assert mask_personal_data(f"Tél. : {phone}.") == f"Tél. : {PHONE_MASK}."


@pytest.mark.parametrize("text", [
    "En 2024, le budget a doublé.",
    "Mairie, 12 rue de la Paix, 75011 Paris.",
    "Une subvention de 12 000 € et 1 500 000 € sur trois ans.",
    "Réunion le 15/02/2024 puis le 2024-03-01 à 14:30.",
    "SIRET 123 456 789 00012, page 12, 2019-2024.",
])
def test_numbers_that_are_not_contacts_stay(text):
    assert mask_personal_data(text) == text


# --- pseudonyms and quotations ------------------------------------------------------------


def _interviews() -> pd.DataFrame:
    return pd.DataFrame([
        {"doc_id": "e1", "genre": "entretien", "pseudonym": "Élu A",
         "speakers": "ENQUÊTRICE; MARIE DUPONT"},
        {"doc_id": "e2", "genre": "entretien", "pseudonym": "",
         "speakers": "CHERCHEUR; Paul Martin; ANIMATEUR"},
        {"doc_id": "p1", "genre": "étude", "pseudonym": "", "speakers": ""},
    ])


def test_interviewee_names_leave_out_interviewers():
    names = interviewee_names(_interviews())
    assert names["MARIE DUPONT"] == "Élu A"
    assert names["DUPONT"] == "Élu A"
    assert names["Paul Martin"] == "Personne interrogée 1"
    assert not any(key.upper().startswith(("ENQU", "CHERCH", "ANIMAT")) for key in names)


def test_interviewee_names_without_speakers_column():
    assert interviewee_names(pd.DataFrame([{"doc_id": "a", "genre": "entretien"}])) == {}


def test_pseudonymise_labels_and_names():
    names = interviewee_names(_interviews())
    text = (
        "[00:00:05] ENQUÊTRICE : Bonjour Madame Dupont.\n\n"
        "[00:00:09] MARIE DUPONT : Bonjour. Marie  Dupont, élue depuis 2014.\n\n"
        "Paul Martin et PAUL MARTIN ; mais Dupontel et Martinez restent."
    )
    result = pseudonymise(text, names)
    assert "[00:00:09] Élu A : Bonjour. Élu A, élue depuis 2014." in result
    assert "Bonjour Madame Élu A." in result
    assert "Personne interrogée 1 et Personne interrogée 1" in result
    assert "Dupontel et Martinez" in result
    assert "ENQUÊTRICE" in result
    assert pseudonymise(text, {}) == text


def test_safe_quotation_masks_pseudonymises_and_escapes():
    names = {"Marie Dupont": "Élu A"}
    quoted = safe_quotation(
        "Marie Dupont <script>alert(1)</script> marie@ville.fr 06 12 34 56 78 & co", names,
    )
    assert "<script>" not in quoted
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in quoted
    assert quoted.startswith("Élu A ")
    assert EMAIL_MASK in quoted and PHONE_MASK in quoted
    assert "&amp; co" in quoted
    assert "Dupont" not in quoted


# --- forbidden strings from a real (small) corpus ----------------------------------------


@pytest.fixture
def small_corpus(tmp_path: Path) -> Corpus:
    sources = tmp_path / "sources-in"
    sources.mkdir()
    private = sources / "note.txt"
    private.write_text(
        f"{PRIVATE_TITLE}\n\n{PRIVATE_SENTENCE}\n\n{SHARED_SENTENCE}\n\nCourt.\n", encoding="utf-8",
    )
    public = sources / "guide.txt"
    public.write_text(
        f"{PUBLIC_TITLE}\n\n{SHARED_SENTENCE}\n\nLes marchés publics peuvent réserver des lots.\n",
        encoding="utf-8",
    )
    interview = sources / "entretien.txt"
    interview.write_text(
        "[00:00:01] ENQUÊTRICE : Pouvez-vous vous présenter ?\n\n"
        "[00:00:04] MARIE DUPONT : Je suis adjointe à l’économie sociale et solidaire depuis 2014 "
        "et je suis joignable au 06 12 34 56 78.\n\n"
        "[00:00:20] ENQUÊTRICE : Merci.\n\n"
        "[00:00:22] MARIE DUPONT : Avec plaisir, nous avons beaucoup appris de ces années de "
        "coopération entre les acteurs du territoire.\n",
        encoding="utf-8",
    )
    corpus = Corpus.open(tmp_path / "corpus")
    report = ingest(corpus, [
        (private, IngestOptions(private=True, attrs={"title": PRIVATE_TITLE})),
        (public, IngestOptions(genre="guide", attrs={"title": PUBLIC_TITLE})),
        (interview, IngestOptions(attrs={"pseudonym": "Élu A", "title": "Entretien avec une élue"})),
    ])
    assert report.ok, report.failed
    return corpus


def test_small_corpus_documents(small_corpus):
    documents = small_corpus.documents().set_index("title")
    assert documents.loc["Entretien avec une élue", "genre"] == "entretien"
    assert "MARIE DUPONT" in documents.loc["Entretien avec une élue", "speakers"]
    assert documents.loc[PRIVATE_TITLE, "private"] == "true"
    assert documents.loc[PUBLIC_TITLE, "private"] == "false"


def test_forbidden_strings(small_corpus):
    forbidden = forbidden_strings(small_corpus)
    assert PRIVATE_TITLE in forbidden[KIND_TITLE]
    assert PUBLIC_TITLE not in forbidden[KIND_TITLE]
    assert PRIVATE_SENTENCE in forbidden[KIND_PASSAGE]
    # a sentence shared with a public document may be published
    assert SHARED_SENTENCE not in forbidden[KIND_PASSAGE]
    assert "Court." not in forbidden[KIND_PASSAGE]
    assert all(len(p) > 60 for p in forbidden[KIND_PASSAGE])
    # interview passages are searched without the speaker label
    assert any(p.startswith("Avec plaisir, nous avons beaucoup appris") for p in forbidden[KIND_PASSAGE])
    assert "MARIE DUPONT" in forbidden[KIND_NAME] and "DUPONT" in forbidden[KIND_NAME]
    assert not any("ENQU" in name for name in forbidden[KIND_NAME])
    assert all(not values for kind, values in forbidden.items()
               if kind not in (KIND_TITLE, KIND_PASSAGE, KIND_NAME))
    allowed = forbidden_strings(small_corpus, allow_private=True, allow_names=True)
    assert not allowed[KIND_TITLE] and not allowed[KIND_PASSAGE] and not allowed[KIND_NAME]


# --- scanning a built site ----------------------------------------------------------------


def _page(body: str, script: str = "") -> str:
    return (
        "<!DOCTYPE html><html><head><title>Livre</title>"
        f"<style>.x {{}}</style><script>{script}</script></head>"
        f"<body><main>{body}</main></body></html>"
    )


@pytest.fixture
def fake_site(tmp_path: Path) -> Path:
    site = tmp_path / "html"
    (site / "book").mkdir(parents=True)
    (site / "index.html").write_text(_page(
        f"<h1>{PUBLIC_TITLE}</h1><p>En 2024, 12&nbsp;000 € pour 75011 Paris, le 15/02/2024.</p>",
        # hidden text is not scanned: scripts are not shown to readers
        script=f"var t = '{PRIVATE_TITLE}'; var m = 'x@y.fr';",
    ), encoding="utf-8")
    # the title with typographic quotes, another case and a line break inside inline markup
    (site / "book" / "leak_title.html").write_text(_page(
        "<p>Voir la <em>Note confidentielle</em>\n sur le BUDGET municipal.</p>",
    ), encoding="utf-8")
    (site / "book" / "leak_email.html").write_text(_page(
        "<p>Contact : <a href='mailto:x'>contact@mairie-exemple.fr</a></p>",
    ), encoding="utf-8")
    index = {"docnames": ["index"], "terms": {"dupont": 0, "budget": 1}, "titles": ["Livre"]}
    (site / "searchindex.js").write_text(f"Search.setIndex({json.dumps(index)})", encoding="utf-8")
    return site


def test_scan_build_finds_exactly_the_leaks(fake_site, small_corpus):
    findings = scan_build(fake_site, small_corpus)
    assert list(findings.columns) == ["file", "kind", "excerpt"]
    found = set(zip(findings["file"], findings["kind"]))
    assert found == {
        ("book/leak_title.html", KIND_TITLE),
        ("book/leak_email.html", KIND_EMAIL),
        ("searchindex.js", KIND_NAME),
    }
    assert "index.html" not in set(findings["file"])


def test_scan_build_finds_private_passages_and_phones(tmp_path, small_corpus):
    site = tmp_path / "site"
    site.mkdir()
    (site / "page.html").write_text(_page(
        f"<blockquote>{PRIVATE_SENTENCE.replace('’', chr(39))}</blockquote>"
        f"<p>{SHARED_SENTENCE}</p><p>Appeler le +33 (0)6 12 34 56 78.</p>",
    ), encoding="utf-8")
    kinds = set(scan_build(site, small_corpus)["kind"])
    assert kinds == {KIND_PASSAGE, KIND_PHONE}


def test_scan_build_reads_a_pdf(tmp_path, small_corpus):
    from tests.fixtures import write_pdf

    site = tmp_path / "site"
    site.mkdir()
    pdf = write_pdf(tmp_path / "livre.pdf", [["Le corpus"], ["Contact marie@ville.fr"]])
    findings = scan_build(site, small_corpus, pdf_path=pdf)
    assert list(zip(findings["file"], findings["kind"])) == [("livre.pdf (page 2)", KIND_EMAIL)]


def test_check_build_raises_in_french(fake_site, small_corpus):
    with pytest.raises(AtelierError) as raised:
        check_build(fake_site, small_corpus)
    message = str(raised.value)
    assert "le livre publié contient" in message
    assert "book/leak_title.html : titre privé" in message
    assert "searchindex.js : nom réel" in message
    assert "contact@mairie" not in message


def test_check_build_passes_on_a_clean_site(tmp_path, small_corpus):
    site = tmp_path / "clean"
    site.mkdir()
    (site / "index.html").write_text(_page(f"<h1>{PUBLIC_TITLE}</h1>"), encoding="utf-8")
    assert check_build(site, small_corpus).empty


def test_search_index_terms_one_per_line_are_not_read_as_a_phone_number():
    from analysis.privacy import scan_text

    assert scan_text("0\n00\n01\n02\n03\n04\n05\n06\n08", {}, "searchindex.js") == []
    assert [f["kind"] for f in scan_text("appelez le 06 12 34 56 78", {}, "page.html")] == ["téléphone"]
