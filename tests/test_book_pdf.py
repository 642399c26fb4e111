"""The PDF of the book builds offline from Debian's TeX packages and passes the privacy gate."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from analysis import Corpus
from analysis.errors import AtelierError
from conftest import REPO, SEED_CORPUS, build_book

pytestmark = pytest.mark.skipif(
    shutil.which("xelatex") is None or shutil.which("latexmk") is None,
    reason="TeX absent : `make test` installe les paquets Debian (make tex)",
)


def _flat(text: str) -> str:
    """Extracted PDF text with line-end hyphens joined and whitespace collapsed."""
    text = re.sub(r"(\w)-\n(\w)", r"\1\2", text)
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


@pytest.fixture(scope="module")
def built_pdf(tmp_path_factory) -> Path:
    return build_book(tmp_path_factory.mktemp("pdf"), builder="pdflatex")


@pytest.fixture(scope="module")
def pdf_text(built_pdf) -> list[str]:
    from pypdf import PdfReader

    (pdf,) = built_pdf.glob("*.pdf")
    return [page.extract_text() or "" for page in PdfReader(str(pdf)).pages]


def _spaceless(text: str) -> str:
    return "".join(_flat(text).split())


def _chapter_titles() -> list[str]:
    toc = yaml.safe_load((REPO / "_toc.yml").read_text(encoding="utf-8"))
    titles = []
    for entry in [toc["root"]] + [chapter["file"] for chapter in toc["chapters"]]:
        source = (REPO / f"{entry}.md").read_text(encoding="utf-8")
        titles.append(re.search(r"^# (.+)$", source, re.MULTILINE).group(1).strip())
    return titles


def test_the_pdf_has_the_title_and_every_chapter(built_pdf, pdf_text):
    from pypdf import PdfReader

    (pdf,) = built_pdf.glob("*.pdf")
    assert pdf.stat().st_size > 50_000
    config = yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))
    assert PdfReader(str(pdf)).metadata.title == config["title"]
    # pypdf may drop the spaces between the large letters of headings: compare without spaces.
    assert _spaceless(config["title"]) in _spaceless(pdf_text[0])
    text = _spaceless("\n".join(pdf_text))
    for title in _chapter_titles():
        assert _spaceless(title) in text, title


def test_french_text_accents_and_typography(built_pdf, pdf_text):
    text = _flat("\n".join(pdf_text))
    for word in ("Économie", "collectivités", "à partir", "déroule", "leurs genres", "Table des matières",
                 "Chapitre", "Bibliographie", "recherche-action"):
        # pypdf sometimes drops the spaces of a justified page: the accents are what is checked.
        assert _spaceless(word) in _spaceless(text), word
    assert re.search(r"«\s?le 30\.11\.21\s?»", text), "guillemets français"
    assert "d’ESS" in text and "l’inventaire" in text, "apostrophe typographique"
    log = next(built_pdf.glob("*.log")).read_text(encoding="utf-8", errors="replace")
    assert "No hyphenation patterns were preloaded" not in log, "césure française absente"
    assert "Missing character" not in log, "caractère absent de la police"


def test_tables_and_figures_are_in_the_pdf(built_pdf, pdf_text):
    from pypdf import PdfReader

    text = _flat("\n".join(pdf_text))
    # HTML outputs (pandas Styler, IPython HTML) become LaTeX tables, not their text/plain repr.
    assert "pandas.io.formats" not in text and "IPython.core.display" not in text
    assert "rtes-plan-actions-2022" in text and "Mention" in text
    (pdf,) = built_pdf.glob("*.pdf")
    images = 0
    for page in PdfReader(str(pdf)).pages:
        xobjects = page.get("/Resources", {}).get("/XObject", {}) or {}
        images += sum(1 for ref in xobjects.values() if ref.get_object().get("/Subtype") == "/Image")
    figures = len(list(built_pdf.glob("*.png")))
    assert figures >= 4 and images >= figures


def test_the_pdf_passes_the_privacy_gate(built_pdf):
    from analysis.publication.privacy import check_build

    assert check_build(None, Corpus.open(SEED_CORPUS), pdf_path=built_pdf).empty


def test_the_privacy_gate_reads_pdfs(tmp_path, built_pdf):
    from analysis.cli.main import main
    from analysis.publication.privacy import KIND_EMAIL, KIND_TITLE, scan_build
    from fixtures import write_pdf

    corpus = Corpus.open(SEED_CORPUS)
    documents = corpus.documents()
    private_title = documents[documents["private"] == "true"]["title"].iloc[0]
    words = private_title.split()
    cut = max(range(len(words)), key=lambda i: len(words[i]))  # hyphenate the longest word
    # The private title hyphenated across two lines, as TeX does, and an e-mail address.
    planted = write_pdf(tmp_path / "livre.pdf", [
        ["Vingt ans de politiques locales"],
        [" ".join(words[:cut] + [words[cut][:3] + "-"]), " ".join([words[cut][3:]] + words[cut + 1:]),
         "Contact : jeanne.martin@example.org"],
    ])
    findings = scan_build(None, corpus, pdf_path=planted)
    found = set(zip(findings["file"], findings["kind"]))
    assert {("livre.pdf (page 2)", KIND_TITLE), ("livre.pdf (page 2)", KIND_EMAIL)} <= found
    assert all(file == "livre.pdf (page 2)" for file, _ in found)
    with pytest.raises(AtelierError, match="livre.pdf \\(page 2\\) : courriel"):
        from analysis.publication.privacy import check_build

        check_build(None, corpus, pdf_path=tmp_path)
    assert main(["--corpus", str(SEED_CORPUS), "privacy-check", "--pdf", str(planted)]) == 2
    assert main(["--corpus", str(SEED_CORPUS), "privacy-check", "--pdf", str(built_pdf)]) == 0
