"""OCR of scans (real Tesseract through the real CLI) and the cleaning rules that repair OCR noise.

The scans are made here: French text drawn with a DejaVu font at 300 dpi by Pillow, saved as a
PNG or wrapped in a PDF by Pillow (no text layer). The tests that run Tesseract are skipped only
where the ``tesseract`` command is absent; ``make test`` installs it first (``make ocr``).
"""

from __future__ import annotations

import difflib
import re
import shutil
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st
from pypdf import PdfReader, PdfWriter

from analysis import Corpus
from analysis.corpus.clean import RULES, clean, cleaning_notes, rules_table
from analysis.corpus.readers import ocr as ocr_module
from analysis.text.spelling import french_dictionary
from conftest import SEED_CORPUS, snapshot
from fixtures import write_pdf

RULE = {rule.name: rule.apply for rule in RULES}
OCR_RULES = ["apostrophes_doublees", "elisions_t_ocr", "elisions_sans_l", "puces_ocr", "accents_ocr", "ligatures_ocr"]

needs_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None,
    reason="la commande tesseract est absente : ces tests d’OCR ne tournent pas ici (make ocr l’installe, make test aussi)",
)
needs_dictionary = pytest.mark.skipif(
    french_dictionary() is None,
    reason="dictionnaire hunspell-fr absent : make ocr l’installe (make test aussi)",
)

PAGE_TEXT = """Vingt ans de politiques locales de l’économie sociale et solidaire

Le Réseau des collectivités territoriales pour une économie solidaire accompagne depuis vingt ans les élus qui soutiennent les coopératives, les associations et les entreprises d’insertion. À l’occasion de son anniversaire, il publie une étude sur la commande publique responsable, les tiers-lieux et l’accès au foncier agricole.

Les collectivités mènent à la fois des politiques spécifiques et des actions transversales : appui à la structuration des réseaux, clauses sociales dans les marchés publics, soutien aux pôles territoriaux de coopération économique."""

SECOND_PAGE = """Une commune rurale a confié la restauration scolaire à une coopérative d’intérêt collectif. Les producteurs du territoire y vendent leurs légumes, et le conseil municipal suit chaque année l’évolution des achats."""

FONTS = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
]


def page_image(text: str, dpi: int = 300):
    """An A4 page at ``dpi`` with ``text`` drawn in black on white, 12-point type."""
    from PIL import Image, ImageDraw, ImageFont

    font_path = next((font for font in FONTS if Path(font).exists()), None)
    assert font_path, "aucune police DejaVu ou Liberation : make ocr installe fonts-dejavu-core"
    font = ImageFont.truetype(font_path, round(12 * dpi / 72))
    page = Image.new("L", (round(8.27 * dpi), round(11.69 * dpi)), 255)
    draw = ImageDraw.Draw(page)
    y = round(0.8 * dpi)
    for paragraph in text.split("\n\n"):
        for line in textwrap.wrap(paragraph, 68):
            draw.text((round(0.7 * dpi), y), line, font=font, fill=0)
            y += round(0.21 * dpi)
        y += round(0.15 * dpi)
    return page


def write_scan_pdf(path: Path, *texts: str) -> Path:
    pages = [page_image(text) for text in texts]
    pages[0].save(path, "PDF", resolution=300, save_all=True, append_images=pages[1:])
    return path


def words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text.replace("’", "'").lower())


def word_accuracy(read: str, truth: str) -> float:
    """The share of the true words that the OCR gave, in order (difflib's matching blocks)."""
    expected, found = words(truth), words(read)
    matcher = difflib.SequenceMatcher(a=expected, b=found, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks()) / len(expected)


# OCR through the CLI ----------------------------------------------------------------------------

@needs_tesseract
def test_scanned_pdf_is_read_by_ocr(atelier, corpus_dir, tmp_path):
    pdf = write_scan_pdf(tmp_path / "etude-numerisee.pdf", PAGE_TEXT, SECOND_PAGE)
    assert not any(page.extract_text().strip() for page in PdfReader(pdf).pages)  # no text layer
    status, out, err = atelier("ingest", pdf, "--genre", "étude", "--date", "2006")
    assert status == 0, err
    corpus = Corpus.open(corpus_dir)
    row = corpus.document("etude-numerisee")
    text = corpus.text("etude-numerisee")
    accuracy = word_accuracy(text, PAGE_TEXT + "\n\n" + SECOND_PAGE)
    assert accuracy >= 0.95, (accuracy, text)
    assert re.fullmatch(r"tesseract \d+\.\d+\.\d+.*", row["ocr"])
    assert 80 <= float(row["ocr_confidence"]) <= 100
    assert "cleaning_report.csv" in {p.name for p in corpus_dir.iterdir()}


@needs_tesseract
def test_png_is_read_by_ocr(atelier, corpus_dir, tmp_path):
    path = tmp_path / "page.png"
    page_image(PAGE_TEXT).save(path, dpi=(300, 300))
    status, out, err = atelier("ingest", path)
    assert status == 0, err
    corpus = Corpus.open(corpus_dir)
    [row] = corpus.documents().to_dict("records")
    assert row["format"] == "image" and row["ocr"].startswith("tesseract ")
    assert row["title"] == "Vingt ans de politiques locales de l’économie sociale et solidaire"
    assert word_accuracy(corpus.text(row["doc_id"]), PAGE_TEXT) >= 0.95
    assert float(row["ocr_confidence"]) >= 80


@needs_tesseract
def test_jpeg_and_multipage_tiff_are_read(atelier, corpus_dir, tmp_path):
    page_image(PAGE_TEXT).convert("RGB").save(tmp_path / "photo.jpg", quality=90, dpi=(300, 300))
    first, second = page_image(PAGE_TEXT), page_image(SECOND_PAGE)
    first.save(tmp_path / "liasse.tiff", save_all=True, append_images=[second], dpi=(300, 300), compression="tiff_lzw")
    status, _, err = atelier("ingest", tmp_path / "photo.jpg", tmp_path / "liasse.tiff")
    assert status == 0, err
    corpus = Corpus.open(corpus_dir)
    assert word_accuracy(corpus.text("photo"), PAGE_TEXT) >= 0.95
    assert word_accuracy(corpus.text("liasse"), PAGE_TEXT + "\n\n" + SECOND_PAGE) >= 0.95


@needs_tesseract
def test_only_the_pages_without_text_are_read_by_ocr(atelier, corpus_dir, tmp_path, monkeypatch):
    typed = PdfReader(write_pdf(tmp_path / "saisi.pdf", [["Page saisie : la métropole soutient les SCIC."]]))
    scanned = PdfReader(write_scan_pdf(tmp_path / "scan.pdf", SECOND_PAGE))
    writer = PdfWriter()
    writer.add_page(typed.pages[0])
    writer.add_page(scanned.pages[0])
    mixed = tmp_path / "mixte.pdf"
    with open(mixed, "wb") as handle:
        writer.write(handle)
    read_pages = []
    from analysis.corpus.readers import pdf as pdf_reader

    real = pdf_reader.ocr_pdf_pages

    def spy(path, data, pages):
        read_pages.extend(pages)
        return real(path, data, pages)

    monkeypatch.setattr(pdf_reader, "ocr_pdf_pages", spy)
    status, _, err = atelier("ingest", mixed)
    assert status == 0, err
    assert read_pages == [1]
    text = Corpus.open(corpus_dir).text("mixte")
    assert text.startswith("Page saisie : la métropole soutient les SCIC.\n\n")
    assert word_accuracy(text.split("\n\n", 1)[1], SECOND_PAGE) >= 0.95
    assert Corpus.open(corpus_dir).document("mixte")["ocr"].startswith("tesseract ")


def test_pdf_with_a_text_layer_has_no_ocr_columns(atelier, corpus_dir, tmp_path):
    status, _, err = atelier("ingest", write_pdf(tmp_path / "saisi.pdf", [["Un plan d’action saisi."]]))
    assert status == 0, err
    row = Corpus.open(corpus_dir).document("saisi")
    assert not row.get("ocr", "") and not row.get("ocr_confidence", "")


def test_blank_scanned_pdf_is_refused_without_running_ocr(atelier, corpus_dir, tmp_path):
    from PIL import Image

    Image.new("L", (2480, 3508), 255).save(tmp_path / "blanc.pdf", "PDF", resolution=300)
    status, _, err = atelier("ingest", tmp_path / "blanc.pdf")
    assert status == 2
    assert "blanc.pdf" in err and "sans couche texte" in err and "pages blanches" in err
    assert not (corpus_dir / "documents.csv").exists()


@pytest.mark.parametrize("name, data", [
    ("tronquee.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00"),
    ("pas-une-image.jpg", b"ceci n'est pas une image"),
    ("casse.tiff", b"II*\x00\x08\x00\x00\x00\xff\xff"),
])
def test_corrupt_image_is_refused_in_french_and_the_corpus_is_unchanged(atelier, corpus_dir, tmp_path, name, data):
    good = tmp_path / "note.txt"
    good.write_text("Une note sur les SCIC.\n", encoding="utf-8")
    assert atelier("ingest", good)[0] == 0
    before = snapshot(corpus_dir)
    (tmp_path / name).write_bytes(data)
    status, _, err = atelier("ingest", tmp_path / name)
    assert status == 2
    assert name in err and "image corrompue ou illisible" in err
    assert snapshot(corpus_dir) == before


def test_image_too_large_is_refused_before_it_is_decoded(atelier, corpus_dir, tmp_path):
    """A PNG whose header announces 40 000 × 40 000 pixels (a decompression bomb) is refused from its header."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 40_000, 40_000, 1, 0, 0, 0, 0)
    path = tmp_path / "bombe.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 100))
                     + chunk(b"IEND", b""))
    status, _, err = atelier("ingest", path)
    assert status == 2 and "bombe.png" in err and "image trop grande" in err
    assert not (corpus_dir / "documents.csv").exists()


def test_missing_tesseract_is_a_french_error_naming_the_file(atelier, corpus_dir, tmp_path, monkeypatch):
    import pytesseract

    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", str(tmp_path / "pas-de-tesseract"))
    ocr_module._engine.cache_clear()
    try:
        path = tmp_path / "page.png"
        page_image("Une page.", dpi=100).save(path)
        status, _, err = atelier("ingest", path)
    finally:
        ocr_module._engine.cache_clear()
    assert status == 2
    assert "page.png" in err and "Tesseract est absent" in err and "make ocr" in err
    assert not (corpus_dir / "documents.csv").exists()


def test_ocr_columns_cannot_be_set_by_hand(atelier, tmp_path):
    path = tmp_path / "note.txt"
    path.write_text("Une note.\n", encoding="utf-8")
    status, _, err = atelier("ingest", path, "--attr", "ocr=tesseract 9")
    assert status == 2 and "calculé par l’atelier" in err


# The OCR-noise cleaning rules -------------------------------------------------------------------

@needs_dictionary
@pytest.mark.parametrize("name, before, after, count", [
    ("apostrophes_doublees", "I’'Homme et l’'économie, d’'action", "l’Homme et l’économie, d’action", 3),
    ("apostrophes_doublees", "l’Homme, 'citation'' et ’’", "l’Homme, 'citation'' et ’’", 0),
    ("elisions_t_ocr", "Le réseau, A T’occasion, et voila T’association. A T’occasion", "Le réseau, A T’occasion, et voila l’association. À l’occasion", 2),
    ("elisions_t_ocr", "Je T’aime. T’as vu ? T’ESS", "Je T’aime. T’as vu ? T’ESS", 0),
    ("elisions_sans_l", "Pour ’action sociale et ’économie", "Pour l’action sociale et l’économie", 2),
    ("elisions_sans_l", "Le mot ’action’ cité, d ’action, ’zzzaction", "Le mot ’action’ cité, d ’action, ’zzzaction", 0),
    ("puces_ocr", "Nos actions :\ne Une revue de presse\ne La construction d’un réseau\n",
     "Nos actions :\n- Une revue de presse\n- La construction d’un réseau\n", 2),
    ("puces_ocr", "La 3\ne République ne compte qu’une ligne.\n", "La 3\ne République ne compte qu’une ligne.\n", 0),
    ("accents_ocr", "Il agit aupres des elus pour l’elaboration des politiques.",
     "Il agit auprès des élus pour l’élaboration des politiques.", 3),
    ("accents_ocr", "Les donnees creees par la societe.", "Les données créées par la société.", 3),
    ("ligatures_ocr", "Une ceuvre du coeur, la manoeuvre. Ceuvres", "Une œuvre du cœur, la manœuvre. Œuvres", 4),
])
def test_ocr_rule_before_after(name, before, after, count):
    assert RULE[name](before) == (after, count)


@needs_dictionary
@pytest.mark.parametrize("name, text", [
    # the original is already a word: nothing to repair
    ("accents_ocr", "Il a envisagé la cote et la pêche, ou la peche ; une tache, voila."),
    ("accents_ocr", "la marche, le marche, mais, les etes"),  # « etes » : êtes or étés, two words
    ("accents_ocr", "le cote ou la cote"),
    ("ligatures_ocr", "le coefficient, ceux-ci, ce que, coexister, Noel"),
    ("elisions_t_ocr", "Je T’aime."),
    ("elisions_sans_l", "Dire ’ce’ et ’cette’"),
    # not French prose: an address, a line in English, a proper noun, a word with digits
    ("accents_ocr", "Voir www.economie.gouv.fr ou contact@economie.fr"),
    ("accents_ocr", "Read the regional cooperative federation report."),
    ("accents_ocr", "Elaboration, Economie et Etat en capitales."),
    ("accents_ocr", "Le projet region2024 et aupres123."),
    # code and markup in a Markdown document: identifiers are right as they are
    ("accents_ocr", "Lancer `atelier edition 1.0` puis relire la figure genres-annees."),
    ("accents_ocr", "roles: [redaction, analyse]\nname: fig-corpus-annees"),
    ("accents_ocr", "Avant :\n\n```bash\ngit commit -m aupres\n```\n"),
    ("accents_ocr", "events = dated_events(corpus, annees)"),
    ("apostrophes_doublees", "Le code `I’'Homme` reste tel quel."),
])
def test_ocr_rule_leaves_what_is_not_noise(name, text):
    assert RULE[name](text) == (text, 0)


@needs_dictionary
def test_accent_is_left_alone_when_several_accented_words_fit():
    dictionary = french_dictionary()
    assert len(dictionary.accented_forms("peche")) > 1
    assert RULE["accents_ocr"]("la peche") == ("la peche", 0)
    assert dictionary.accented_forms("aupres") == {"auprès"}


def test_clean_text_is_unchanged_by_the_ocr_rules():
    text = ("Le Réseau des collectivités Territoriales pour une Économie Solidaire accompagne les élus "
            "auprès des acteurs de l’ESS : l’élaboration d’une œuvre commune, à cœur ouvert.\n\n"
            "- Une revue de presse\n- La construction d’un réseau\n")
    changes: list = []
    assert clean(text, changes) == (text, {rule.name: 0 for rule in RULES})
    assert changes == []


def test_seed_corpus_gets_no_ocr_correction():
    """The false corrections on the seed corpus: none (its sources have no such OCR noise)."""
    for path in (SEED_CORPUS / "sources").glob("*.txt"):
        changes: list = []
        clean(path.read_text(encoding="utf-8"), changes)
        assert changes == [], (path.name, changes)


@needs_dictionary
def test_each_change_is_listed_for_review(atelier, corpus_dir, tmp_path):
    path = tmp_path / "bruit.txt"
    path.write_text("Le réseau agit aupres des communes.\nI’'Homme et la ceuvre.\n", encoding="utf-8")
    status, out, err = atelier("ingest", path)
    assert status == 0, err
    assert "3 correction(s) du bruit de l’OCR à relire" in out
    changes = pd.read_csv(corpus_dir / "cleaning_changes.csv", dtype=str, keep_default_na=False)
    assert list(changes.columns) == ["doc_id", "rule", "before", "after", "context"]
    assert list(zip(changes["rule"], changes["before"], changes["after"])) == [
        ("apostrophes_doublees", "I’'Homme", "l’Homme"), ("accents_ocr", "aupres", "auprès"),
        ("ligatures_ocr", "ceuvre", "œuvre"),
    ]
    assert changes.iloc[1]["context"] == "Le réseau agit aupres des communes."
    report = pd.read_csv(corpus_dir / "cleaning_report.csv")
    assert dict(zip(report["rule"], report["count"]))["accents_ocr"] == 1
    status, out, _ = atelier("cleaning", "--changes")
    assert status == 0 and "aupres" in out and "auprès" in out and "3 correction(s) à relire" in out
    status, out, _ = atelier("cleaning", "--changes", "--doc", "autre")
    assert "0 correction(s)" in out


def test_without_the_dictionary_accent_and_ligature_rules_are_skipped(atelier, tmp_path, monkeypatch):
    monkeypatch.setenv("ATELIER_DICTIONARY", str(tmp_path / "absent" / "fr_FR"))
    assert french_dictionary() is None
    text = "Une ceuvre aupres des elus.\n"
    assert clean(text)[0] == text
    assert RULE["elisions_t_ocr"]("Le réseau, voila T’association.")[0] == "Le réseau, voila l’association."
    [note] = cleaning_notes()
    assert "hunspell-fr" in note and "make ocr" in note and "accents_ocr" in note
    path = tmp_path / "note.txt"
    path.write_text(text, encoding="utf-8")
    status, out, _ = atelier("ingest", path)
    assert status == 0 and "note : dictionnaire français absent" in out
    assert "dictionnaire français absent" in atelier("cleaning")[1]


def test_ocr_rules_are_documented_in_french():
    table = rules_table().set_index("rule")
    for name in OCR_RULES:
        assert len(table.loc[name, "description"]) > 40 and "OCR" in table.loc[name, "description"]


NOISY_WORDS = ["aupres", "elaboration", "ceuvre", "coeur", "I’'Homme", "’action", "T’occasion", "réseau",
               "collectivités", "économie", "des", "élus", "la", "le", "peche", "A", "e", "Une", "ESS", "l’ESS"]


@needs_dictionary
@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(NOISY_WORDS), min_size=1, max_size=25),
       st.lists(st.sampled_from([" ", " ", " ", "\n", ", ", ". "]), min_size=25, max_size=25))
def test_clean_is_idempotent_on_ocr_noise(words_, separators):
    text = "".join(word + separator for word, separator in zip(words_, separators))
    once, _ = clean(text)
    twice, counts = clean(once)
    assert twice == once
    assert not any(counts[name] for name in OCR_RULES)
