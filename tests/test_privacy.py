"""The privacy gate: masking, pseudonyms, escaping, forbidden strings and the build scan."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from analysis.corpus.store import Corpus, publishable
from analysis.publication.detectors import Detection, fold, personal_data, replace_spans
from analysis.errors import AtelierError, InputError
from analysis.corpus.ingest import IngestOptions, ingest
from analysis.publication.render import paragraph
from analysis.publication.privacy import (
    EMAIL_MASK, KIND_EMAIL, KIND_NAME, KIND_PASSAGE, KIND_PHONE, KIND_TITLE, NAME_MASK, PHONE_MASK,
    check_build, forbidden_content, forbidden_strings, interviewee_names, mask_personal_data,
    protected_names, pseudonymise, published_text, read_persons, scan_build, scan_text, visible_text,
)
from conftest import SEED_CORPUS, snapshot


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


def test_a_published_quotation_is_masked_pseudonymised_and_escaped():
    names = {"Marie Dupont": "Élu A"}
    quoted = str(paragraph(published_text(
        "Marie Dupont <script>alert(1)</script> marie@ville.fr 06 12 34 56 78 & co", names,
    )))
    assert "<script>" not in quoted
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in quoted
    assert quoted.startswith("<p>Élu A ")
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
    from fixtures import write_pdf

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
    from analysis.publication.privacy import scan_text

    assert scan_text("0\n00\n01\n02\n03\n04\n05\n06\n08", {}, "searchindex.js") == []
    assert [f["kind"] for f in scan_text("appelez le 06 12 34 56 78", {}, "page.html")] == ["téléphone"]


# === one detector module for masking and scanning (analysis.publication.detectors) ========================

LEFEVRE = {"Hélène Lefèvre": "Élue C", "Lefèvre": "Élue C"}


@pytest.mark.parametrize("address", [
    "jean.dupont [at] mairie-lille [dot] fr",
    "jean.dupont(at)mairie-lille(dot)fr",
    "jean.dupont{at}mairie-lille.fr",
    "jean.dupont<at>mairie-lille<dot>fr",
    "jean.dupont arobase mairie-lille point fr",
    "jean.dupont (arobase) mairie-lille (point) fr",
    "JEAN.DUPONT AROBASE MAIRIE-LILLE POINT FR",
    "jean . dupont @ mairie-lille . fr",
    "jean.dupont @ mairie-lille.fr",
    "jean.dupont at mairie-lille dot fr",
    "jean.dupont[@]mairie-lille[.]fr",
    "ｊｅａｎ．ｄｕｐｏｎｔ＠ｍａｉｒｉｅ－ｌｉｌｌｅ．ｆｒ",  # fullwidth
    "jean.du\u200bpont@mairie-lil\u00adle.fr",  # zero-width space and soft hyphen inside
])
def test_obfuscated_email_addresses_are_masked_and_found(address):
    before = f"Écrire à {address}, merci."
    assert mask_personal_data(before) == f"Écrire à {EMAIL_MASK}, merci."
    assert [f["kind"] for f in scan_text(f"<p>{before}</p>", {}, "page.html")] == [KIND_EMAIL]


@pytest.mark.parametrize("phone", [
    "(+33) 6 12 34 56 78", "(+33)6 12 34 56 78", "+33 (0) 6 12 34 56 78", "0033 (0)6 12 34 56 78",
    "06/12/34/56/78", "06 / 12 / 34 / 56 / 78", "0612 345 678", "06 1234 5678", "+33 6.12.34.56.78",
    "０６ １２ ３４ ５６ ７８", "06\u200b12\u200b34\u200b56\u200b78",
])
def test_phone_numbers_as_french_people_write_them_are_masked_and_found(phone):
    assert mask_personal_data(f"Tél. : {phone}.") == f"Tél. : {PHONE_MASK}."
    assert [f["kind"] for f in scan_text(f"Appeler le {phone}.", {}, "page.html")] == [KIND_PHONE]


def test_a_phone_without_its_leading_zero_is_a_phone_after_a_phone_word_only():
    assert mask_personal_data("Tél. 6 12 34 56 78, portable : 6 98 76 54 32") == f"Tél. {PHONE_MASK}, portable : {PHONE_MASK}"
    assert mask_personal_data("Les lots 6 12 34 56 78 du marché") == "Les lots 6 12 34 56 78 du marché"


def test_a_phone_split_across_a_line_is_masked_and_found_in_a_table_cell():
    # Within a paragraph a line break is shown as <br>: masked across it; a blank line is a barrier.
    assert mask_personal_data("Tél. : 06 12 34\n56 78") == f"Tél. : {PHONE_MASK}"
    assert mask_personal_data("année 06\n\n12 34 56 78") == "année 06\n\n12 34 56 78"
    for cell in ("<td>06 12 34<br>56 78</td>", "<td>06 12 34\n 56 78</td>", "<td>06 12 <span>34</span>\n56 78</td>"):
        page = f"<table><tr><td>Contact</td>{cell}<td>01</td></tr></table>"
        assert [f["kind"] for f in scan_text(visible_text(page), {}, "page.html")] == [KIND_PHONE], cell
    # numbers in separate cells are not one phone number
    cells = "".join(f"<td>0{n}</td>" for n in range(1, 6))
    assert scan_text(visible_text(f"<table><tr>{cells}</tr></table>"), {}, "page.html") == []


@pytest.mark.parametrize("text", [
    "Du point de vue des élus, le point est acquis : voir le point 3.",
    "Le signe arobase (@) et le mot « at » en anglais : look at this.",
    "Nous étions à Lyon at 9. Voir aussi le dossier 2022-03-15 et rtes-plan-actions-2022.",
    "En 2017, 2018, 2019, 2020 et 2021, puis 1998-2024 ; code postal 59000 Lille, 75011 Paris.",
    "Un budget de 1 500 000 €, soit 12 000 € par an et 0,5 % du total ; 3 456 789 habitants.",
    "Les 15-16/02/2024, le 01/02/2023 au 03/04/2024, à 14:30, puis le 30.11.21.",
    "SIRET 123 456 789 00012, n° RNA W595012345, décret n° 2015-1234, ISBN 978-2-1234-5680-3.",
    "Écrire sur twitter @RTES_fr ou à l’adresse « contact » du site.",
])
def test_french_prose_numbers_and_identifiers_are_not_masked(text):
    assert mask_personal_data(text) == text
    assert scan_text(text, {}, "page.html") == []


def test_masking_the_seed_corpus_changes_only_its_real_addresses():
    """Measured on the public texts of the repository's corpus: the only personal data are two
    e-mail addresses (a staff member's and a contact's); nothing else may change."""
    corpus = Corpus.open(SEED_CORPUS)
    documents = corpus.documents()
    changed = {}
    for doc_id in documents.loc[publishable(documents), "doc_id"]:
        text = corpus.text(doc_id)
        masked_text = mask_personal_data(text)
        if masked_text != text:
            found = personal_data(text)
            changed[doc_id] = [(d.kind, text[d.start:d.end]) for d in found]
            assert replace_spans(text, found, lambda d: EMAIL_MASK) == masked_text
    assert changed == {
        "guide-faciliter-l-installation-en-agriculture": [(KIND_EMAIL, "bgueraudpinet@rtes.fr")],
        "metropoles-et-territoires-voisins-quelles": [(KIND_EMAIL, "r.briot@intercommunalites.fr")],
    }


#: Planted data, with where the secret starts in them (a civility stays outside the mask).
_PLANTS = st.sampled_from([
    ("jean.dupont@mairie.fr", 0), ("jean [at] mairie [dot] fr", 0), ("06 12 34 56 78", 0),
    ("(+33) 6 12 34 56 78", 0), ("Hélène Lefèvre", 0), ("Mme LEFEVRE", 4), ("H. Lefèvre", 0),
    ("Hé\u00adlène Le\u200bfèvre", 0),
])
_PROSE = st.text(alphabet=st.sampled_from(list("abcdeéèà ,.;:'’\n-()0123456789ÉA")), max_size=40)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_PROSE, _PLANTS), max_size=4), _PROSE)
def test_masking_changes_nothing_outside_the_detected_spans(pieces, tail):
    # Each datum between guillemets, so that no digit or letter of the prose can extend it.
    text = "".join(f"{prose} « {plant} » " for prose, (plant, _) in pieces) + tail
    found = personal_data(text, LEFEVRE)
    # spans are in the original text, sorted and disjoint
    assert all(0 <= d.start < d.end <= len(text) for d in found)
    assert all(a.end <= b.start for a, b in zip(found, found[1:]))
    result = replace_spans(text, found, lambda d: "\0")
    outside = [text[a.end:b.start] for a, b in zip([Detection("", 0, 0)] + found, found + [Detection("", len(text), len(text))])]
    assert result.split("\0") == outside
    # every planted datum is inside a detected span
    position = 0
    for prose, (plant, secret) in pieces:
        start = position + len(prose) + 3
        assert any(d.start <= start + secret and start + len(plant) <= d.end for d in found), (plant, found)
        position = start + len(plant) + 3


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aéE\u00ad\u200b<b>/p ﬁß\u0301x")), max_size=60))
def test_folding_maps_every_folded_character_back_to_the_original(text):
    folded = fold(text)
    for start in range(len(folded.text)):
        original_start, original_end = folded.span(start, start + 1)
        assert 0 <= original_start < original_end <= len(text)
        # the folded character comes from that stretch of the original (a block tag reads as a space)
        assert folded.text[start] in fold(text[original_start:original_end]).text + " "


@pytest.mark.parametrize("written", [
    "Hélène Lefèvre", "HELENE LEFEVRE", "Mme LEFEVRE", "Madame Lefèvre", "Dr Lefèvre", "M. Lefevre",
    "H. Lefèvre", "H Lefèvre", "LEFÈVRE Hélène", "Lefèvre, Hélène", "Hé\u00adlène Lefè\u00advre",
    "Hél\u200bène Le\u200dfèvre", "Hé<b>lène</b> Lefèvre", "Hélène <em>Lefèvre</em>", "HélèneLefèvre",
])
def test_names_are_found_whatever_their_writing(written):
    quoted = published_text(f"Selon {written}, la SCIC avance.", LEFEVRE)
    assert "Élue C" in quoted and "Hél" not in quoted and "Lef" not in quoted.replace("Lefèvres", "")
    findings = scan_text(visible_text(f"<p>Selon {written}, la SCIC avance.</p>"), {KIND_NAME: list(LEFEVRE)}, "p.html")
    assert [f["kind"] for f in findings] == [KIND_NAME]


def test_names_keep_civilities_and_spare_other_words():
    names = {"Jean-Pierre de La Fontaine": "Élu D", "Fontaine": "Élu D", "BA": "Élue E"}
    text = ("M. de La Fontaine, J.-P. de La Fontaine et JEAN-PIERRE DE LA FONTAINE ; Mme Ba ; "
            "la fontaine Wallace, Fontainebleau, le bar et ba.")
    assert pseudonymise(text, names) == (
        "M. Élu D, Élu D et Élu D ; Mme Élue E ; la Élu D Wallace, Fontainebleau, le bar et ba.")


def test_names_split_by_markup_or_invisible_characters_are_found_in_html():
    names = {KIND_NAME: ["Hélène Lefèvre", "Lefèvre"]}
    for body in ("Hé<b>lène</b> Le<i>fè</i>vre", "Hé&shy;lène Lefè&#8203;vre", "HÉ<span>LÈNE</span> LEFÈVRE",
                 "Hélène Lefè-\nvre"):
        assert [f["kind"] for f in scan_text(visible_text(f"<p>{body}</p>"), names, "p.html")] == [KIND_NAME], body


def test_visible_text_reads_svg_attributes_and_glues_inline_elements():
    page = _page(
        "<p>Hé<b>lène</b> et <span>A</span><span>B</span></p>"
        "<svg><title>Titre SVG</title><text x='1'>Texte <tspan>dans</tspan><tspan x='9'>la figure</tspan></text>"
        "<desc>Description</desc></svg>"
        "<img alt='Image décrite' src='x.png'><abbr title='Bulle'>B</abbr><button aria-label='Bouton lu'></button>"
        "<a href='mailto:x@y.fr'>écrire</a><table><tr><td>a</td><td>b</td></tr></table>"
        "<script type='application/json'>{\"n\": \"donnée JSON\"}</script><style>.x{}</style>",
        script="var caché = 1;")
    text = visible_text(page)
    lines = text.split("\n")
    assert "Hélène et AB" in lines
    for shown in ("Titre SVG", "Texte dans la figure", "Description", "Image décrite", "Bulle", "Bouton lu",
                  "x@y.fr", "donnée JSON"):
        assert shown in text, shown
    assert "a" in lines and "b" in lines and "caché" not in text and ".x{}" not in text


def test_the_scan_finds_names_in_svg_attributes_and_the_search_index(tmp_path, small_corpus):
    site = tmp_path / "site"
    (site / "_sources" / "book").mkdir(parents=True)
    pages = {
        "svg.html": "<svg><text>Selon MARIE DUPONT</text></svg>",
        "alt.html": "<img alt='Portrait de Mme Dupont' src='p.png'>",
        "aria.html": "<button aria-label='Appeler Marie Dupont'></button>",
        "clean.html": "<p>Marie-Claire et le pont du Nord.</p>",
    }
    for name, body in pages.items():
        (site / name).write_text(_page(body), encoding="utf-8")
    (site / "figure.svg").write_text(
        "<?xml version='1.0' encoding='utf-8'?><svg xmlns='http://www.w3.org/2000/svg'><text>M. DUPONT</text></svg>",
        encoding="utf-8")
    (site / "_sources" / "book" / "x.md").write_text("Texte source : contact(at)ville(dot)fr\n", encoding="utf-8")
    index = {"docnames": ["a"], "terms": {"pont": 1}, "titles": ["Livre"], "alltitles": {"Paroles d’Hélène Lefèvre": [[0, None]]}}
    (site / "searchindex.js").write_text(f"Search.setIndex({json.dumps(index)})", encoding="utf-8")
    (small_corpus.root / "persons.csv").write_text(
        "name,variants,pseudonym,why\nHélène Lefèvre,,Mme H.,élue citée dans un entretien\n", encoding="utf-8")
    findings = scan_build(site, small_corpus)
    assert set(zip(findings["file"], findings["kind"])) == {
        ("svg.html", KIND_NAME), ("alt.html", KIND_NAME), ("aria.html", KIND_NAME), ("figure.svg", KIND_NAME),
        ("_sources/book/x.md", KIND_EMAIL), ("searchindex.js", KIND_NAME),
    }


def test_every_sentence_of_a_private_document_is_checked(tmp_path, small_corpus):
    sentences = [f"La réunion numéro {n} a examiné le dossier {word} avec les services de la commune."
                 for n, word in enumerate(["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf",
                                           "hotel", "india", "juliett", "kilo", "lima", "mike", "november",
                                           "oscar", "papa", "quebec", "romeo", "sierra", "tango"])]
    source = tmp_path / "long.txt"
    source.write_text("Compte rendu interne des réunions\n\n" + "\n\n".join(sentences) + "\n", encoding="utf-8")
    assert ingest(small_corpus, [(source, IngestOptions(private=True))]).ok
    forbidden = forbidden_content(small_corpus)
    for sentence in sentences:  # each one, not a sample of them
        found = scan_text(f"Comme on le lit : « {sentence} »", forbidden, "p.html")
        assert [f["kind"] for f in found] == [KIND_PASSAGE], sentence
        # the document is named by its line in documents.csv: its identifier is made of its title
        assert found[0]["excerpt"].endswith("(documents.csv, ligne 5)") and "dossier" not in found[0]["excerpt"]
    # words of the private text that are also in a public document are boilerplate, not a leak
    assert scan_text(SHARED_SENTENCE, forbidden, "p.html") == []
    assert scan_text("La réunion a examiné le dossier avec les services.", forbidden, "p.html") == []


def test_check_build_prints_one_masked_line_per_finding(tmp_path, small_corpus):
    site = tmp_path / "site"
    site.mkdir()
    (site / "page.html").write_text(_page(
        f"<p>{PRIVATE_SENTENCE}</p><p>Marie Dupont : jeanne.martin@example.org, 06 12 34 56 78.</p>"
        f"<p>{PRIVATE_TITLE}</p><p>Marie Dupont encore.</p>"), encoding="utf-8")
    with pytest.raises(AtelierError) as raised:
        check_build(site, small_corpus)
    message = str(raised.value)
    lines = [line for line in message.splitlines() if line.startswith("  - ")]
    assert lines == [
        "  - page.html : passage privé « L*** co***** en****** d*** ré***** d*** mo**** l*** … » (documents.csv, ligne 2)",
        "  - page.html : nom réel « Ma*** Du**** » (2 occurrences)",
        "  - page.html : courriel « j***@e***.org »",
        "  - page.html : téléphone « 06 ** ** ** ** »",
        "  - page.html : titre privé « No*** co************ s*** l*** bu**** mu******* » (documents.csv, ligne 2)",
    ]
    for secret in ("Marie Dupont", "jeanne.martin", "example.org", "12 34 56", "confidentielle", "subvention"):
        assert secret not in message


# --- persons.csv ---------------------------------------------------------------------------------


def test_persons_csv_protects_people_who_are_not_interviewees(small_corpus):
    (small_corpus.root / "persons.csv").write_text(
        "name,variants,pseudonym,why\n"
        "Hélène Lefèvre,H. Lefèvre; Lenou,Mme H.,élue citée nommément dans un entretien\n"
        "Paul Girard,,,agent de la métropole\n", encoding="utf-8")
    names = protected_names(small_corpus)
    assert names["MARIE DUPONT"] == "Élu A"  # the interviewee, as before
    assert names["Hélène Lefèvre"] == names["Lefèvre"] == names["Lenou"] == "Mme H."
    assert names["Paul Girard"] == names["Girard"] == NAME_MASK
    assert pseudonymise("Lenou et LEFEVRE, puis M. GIRARD.", names) == f"Mme H. et Mme H., puis M. {NAME_MASK}."
    forbidden = forbidden_strings(small_corpus)
    assert {"Hélène Lefèvre", "Lenou", "Paul Girard", "MARIE DUPONT"} <= set(forbidden[KIND_NAME])
    from analysis.publication.quotations import Quoter

    assert Quoter(small_corpus).names["Lenou"] == "Mme H."


def test_persons_csv_in_french_headers_and_absent_file(small_corpus, tmp_path):
    assert read_persons(tmp_path / "absent.csv").empty
    path = tmp_path / "personnes.csv"
    path.write_text("\ufeffnom,variantes,pseudonyme,raison\n\nAnne Roux,A. Roux,Élue F,\n", encoding="utf-8")
    persons = read_persons(path)
    assert persons[["name", "variants", "pseudonym", "line"]].values.tolist() == [["Anne Roux", "A. Roux", "Élue F", 3]]


@pytest.mark.parametrize("content, where, reason", [
    ("", "ligne 1", "en-tête manquant"),
    ("nom;pseudonyme\nAnne Roux;Élue F\n", "ligne 1", "colonne(s) inconnue(s)"),
    ("pseudonym,why\nÉlue F,x\n", "ligne 1", "colonne « name » manquante"),
    ("name,pseudonym\nAnne Roux,Élue F\nPaul,Girard,Élu G\n", "ligne 3", "3 champ(s) au lieu de 2"),
    ("name,pseudonym\nAnne Roux,Élue F\n,Élu G\n", "ligne 3", "nom vide"),
    ('name,pseudonym\n"Anne Roux,Élue F\n', "ligne", "mal formée"),
    ("name,variants,pseudonym\nAnne Roux,,Élue F\nA. Girard,anne roux,Élu G\n", "ligne 3", "déjà déclaré ligne 2"),
])
def test_a_malformed_persons_csv_gives_a_french_error_with_its_line(tmp_path, content, where, reason):
    path = tmp_path / "persons.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as raised:
        read_persons(path)
    message = str(raised.value)
    assert str(path) in message and where in message and reason in message


def test_a_malformed_persons_csv_stops_privacy_check_without_traceback(small_corpus, tmp_path, capsys):
    from analysis.cli.main import main

    (small_corpus.root / "persons.csv").write_bytes(b"name\n\xff\xfe\n")
    site = tmp_path / "site"
    site.mkdir()
    assert main(["--corpus", str(small_corpus.root), "privacy-check", str(site)]) == 2
    err = capsys.readouterr().err
    assert "persons.csv" in err and "UTF-8" in err and "Traceback" not in err


# --- consent ---------------------------------------------------------------------------------------


def test_publishable_is_the_one_rule_of_publication():
    documents = pd.DataFrame({
        "doc_id": list("abcdefgh"),
        "private": ["false", "true", "false", "false", "false", "true", "false", "FALSE"],
        "consent": ["", "", "pseudonym", "internal", "withdrawn", "pseudonym", "retiré", "peut-être"],
    })
    assert publishable(documents).tolist() == [True, False, True, False, False, False, False, False]
    assert publishable(documents.drop(columns="consent")).tolist() == [True, False, True, True, True, False, True, True]
    assert publishable(documents.iloc[:0]).empty
    inventory = documents.assign(private=documents["private"].str.lower().eq("true"))
    assert publishable(inventory).tolist() == publishable(documents).tolist()


def test_consent_is_an_ingest_attribute_checked_and_counted(small_corpus, tmp_path):
    from analysis.publication.tables import corpus_summary, public_inventory

    source = tmp_path / "atelier.txt"
    source.write_text("Atelier participatif du 3 mai\n\nLes habitants ont proposé une épicerie solidaire.\n",
                      encoding="utf-8")
    report = ingest(small_corpus, [(source, IngestOptions(genre="atelier", attrs={
        "consent": "Interne", "consent_date": "2024-05-03"}))])
    assert report.ok, report.failed
    row = small_corpus.document("atelier")
    assert (row["private"], row["consent"], row["consent_date"]) == ("false", "internal", "2024-05-03")
    inventory = small_corpus.inventory()
    assert not inventory.set_index("doc_id").loc["atelier", "publishable"]
    assert "atelier" not in set(public_inventory(inventory)["Identifiant"])
    assert "3 document(s) privé(s) ou non publiable(s)" in str(corpus_summary(inventory))
    assert "Atelier participatif du 3 mai" in forbidden_strings(small_corpus)[KIND_TITLE]
    bad = tmp_path / "autre.txt"
    bad.write_text("Autre texte\n\nUn paragraphe.\n", encoding="utf-8")
    failed = ingest(small_corpus, [(bad, IngestOptions(attrs={"consent": "peut-être"}))])
    assert "consentement inconnu : « peut-être »" in str(failed.failed[0])
    failed = ingest(small_corpus, [(bad, IngestOptions(attrs={"consent_date": "mai 2024"}))])
    assert "date de consentement invalide" in str(failed.failed[0])


def _csv_cells(path: Path) -> list[list[str]]:
    import csv

    return list(csv.reader(path.read_text(encoding="utf-8").splitlines()))


def test_atelier_consent_rewrites_only_the_changed_cells(small_corpus, capsys):
    from analysis.cli.main import main

    interview = small_corpus.documents().set_index("title").loc["Entretien avec une élue", "doc_id"]
    before_bytes = small_corpus.documents_csv.read_bytes()
    before = _csv_cells(small_corpus.documents_csv)
    status = main(["--corpus", str(small_corpus.root), "consent", interview, "retiré", "--date", "2025-01-31"])
    out = capsys.readouterr().out
    assert status == 0
    assert f"« {interview} » : consentement retiré, le 2025-01-31." in out and "ne sera plus cité" in out
    after = _csv_cells(small_corpus.documents_csv)
    header = before[0]
    assert after[0] == header
    changed = {(r, header[c]) for r, (old, new) in enumerate(zip(before, after)) for c in range(len(header))
               if old[c] != new[c]}
    row = next(r for r, cells in enumerate(after) if cells[0] == interview)
    assert changed == {(row, "consent"), (row, "consent_date")}
    assert after[row][header.index("consent")] == "withdrawn"
    lines_before, lines_after = before_bytes.split(b"\n"), small_corpus.documents_csv.read_bytes().split(b"\n")
    assert [a for a, b in zip(lines_before, lines_after) if a != b] == [lines_before[row]]
    assert not publishable(small_corpus.documents()).set_axis(small_corpus.documents()["doc_id"])[interview]
    assert main(["--corpus", str(small_corpus.root), "consent", interview, "pseudonyme"]) == 0
    out = capsys.readouterr().out
    assert "publication sous pseudonyme" in out and "reste privé" in out


def test_atelier_consent_follows_every_version_of_the_document(tmp_path, capsys):
    from analysis.cli.main import main

    corpus = Corpus.open(tmp_path / "corpus")
    source = tmp_path / "entretien.txt"
    source.write_text("[00:00:01] ENQUÊTRICE : Bonjour.\n\n[00:00:02] ANNE ROUX : Bonjour à vous.\n", encoding="utf-8")
    assert ingest(corpus, [(source, IngestOptions(attrs={"consent": "pseudonym"}))]).ok
    source.write_text("[00:00:01] ENQUÊTRICE : Bonjour.\n\n[00:00:02] ANNE ROUX : Bonjour à vous, merci.\n",
                      encoding="utf-8")
    assert ingest(corpus, [(source, IngestOptions())]).ok
    documents = corpus.documents(include_replaced=True)
    assert list(documents["consent"]) == ["pseudonym", "pseudonym"]  # a new version inherits the consent
    assert main(["--corpus", str(corpus.root), "consent", "entretien", "withdrawn"]) == 0
    assert "versions : entretien, entretien-v2" in capsys.readouterr().out
    assert list(corpus.documents(include_replaced=True)["consent"]) == ["withdrawn", "withdrawn"]


@pytest.mark.parametrize("args, message", [
    (["inconnu", "withdrawn"], "document inconnu : « inconnu »"),
    (["DOC", "peut-être"], "consentement inconnu : « peut-être »"),
    (["DOC", "withdrawn", "--date", "31/01/2025"], "date de consentement invalide"),
])
def test_atelier_consent_refuses_in_french_and_leaves_the_corpus(small_corpus, capsys, args, message):
    from analysis.cli.main import main

    doc_id = small_corpus.documents()["doc_id"].iloc[0]
    args = [doc_id if a == "DOC" else a for a in args]
    before = snapshot(small_corpus.root)
    assert main(["--corpus", str(small_corpus.root), "consent", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("erreur : ") and message in err and "Traceback" not in err
    assert snapshot(small_corpus.root) == before


def test_a_withdrawn_document_is_treated_as_private_by_the_scan_and_the_quoter(small_corpus, tmp_path):
    from analysis.corpus.ingest import set_consent
    from analysis.publication.quotations import Quoter

    public = small_corpus.documents().set_index("title").loc[PUBLIC_TITLE, "doc_id"]
    site = tmp_path / "site"
    site.mkdir()
    (site / "page.html").write_text(_page(f"<h1>{PUBLIC_TITLE}</h1><p>Les marchés publics peuvent réserver "
                                          "des lots.</p>"), encoding="utf-8")
    assert check_build(site, small_corpus).empty
    Quoter(small_corpus).quotation(public, 0, 10)
    assert set_consent(small_corpus, public, "withdrawn") == [public]
    kinds = set(scan_build(site, small_corpus)["kind"])
    assert kinds == {KIND_TITLE}  # the sentence is 7 words: too short alone, the title is found
    with pytest.raises(AtelierError, match="sans consentement de publication"):
        Quoter(small_corpus).quotation(public, 0, 10)
