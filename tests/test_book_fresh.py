"""The book always shows the repository: a chapter whose data changed is executed again, the
others come from the execution cache, and nothing has to be deleted by hand."""

from __future__ import annotations

import html
import shutil
from pathlib import Path

import pytest

from analysis import Corpus
from conftest import REPO, build_book, copy_seed_corpus
from analysis.coding.store import CodingStore

EXERCISE = "avenir-politiques-locales-ess"


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    """A book built once on copies of the seed corpus and of the scenarios, rebuilt by each test."""
    root = tmp_path_factory.mktemp("fresh")
    corpus_dir = root / "corpus"
    copy_seed_corpus(corpus_dir)
    scenarios_dir = root / "scenarios"
    shutil.copytree(REPO / "scenarios", scenarios_dir)

    def build() -> Path:
        return build_book(root / "out", corpus_dir, scenarios=scenarios_dir)

    return {"root": root, "corpus": corpus_dir, "scenarios": scenarios_dir, "build": build, "html": build()}


def executions(built: Path) -> dict[str, float]:
    """When each chapter's cached execution was made, from jupyter-cache's own records."""
    from jupyter_cache import get_cache

    cache = get_cache(built.parent / ".jupyter_cache")
    return {Path(record.uri).stem: record.created.timestamp() for record in cache.list_cache_records()}


def page(built: Path, name: str) -> str:
    return (built / "book" / f"{name}.html").read_text(encoding="utf-8")


def test_nothing_changed_executes_nothing(book):
    before = executions(book["html"])
    assert {"corpus", "scenarios", "coding", "themes", "documents"} <= set(before)
    corpus_page = page(book["html"], "corpus")
    book["build"]()
    assert executions(book["html"]) == before
    assert page(book["html"], "corpus") == corpus_page


def test_a_new_document_reaches_the_corpus_chapter_the_annex_and_the_search(book):
    from analysis.corpus.ingest import IngestOptions, ingest

    before = executions(book["html"])
    source = book["root"] / "nouvelle-page.html"
    source.write_text("<html><head><title>Bilan des coopératives d’habitants de Quimperlé</title></head><body>"
                      "<p>Le 4 octobre 2024, la communauté a signé une convention avec douze coopératives.</p>"
                      "</body></html>", encoding="utf-8")
    report = ingest(Corpus.open(book["corpus"]), [(source, IngestOptions())], progress=False)
    assert report.ok, report.failed
    built = book["build"]()
    after = executions(built)
    title = "Bilan des coopératives d’habitants de Quimperlé"
    assert title in html.unescape(page(built, "corpus"))
    assert title in html.unescape(page(built, "documents"))
    assert "quimperl" in (built / "searchindex.js").read_text(encoding="utf-8").lower()
    assert after["corpus"] > before["corpus"] and after["documents"] > before["documents"]
    # the scenarios chapter counts the corpus's coded extracts per variable: it reads the corpus too
    assert after["scenarios"] > before["scenarios"] and after["methods"] == before["methods"]


def test_a_changed_scenario_cell_changes_the_scenarios_chapter_only(book):
    influence = book["scenarios"] / EXERCISE / "influence.csv"
    rows = influence.read_text(encoding="utf-8").splitlines()
    header, first = rows[0].split(","), rows[1].split(",")
    column = header.index("PTCE")
    assert first[0] == "CP" and first[column] == "0"
    first[column] = "3"
    rows[1] = ",".join(first)
    influence.write_text("\n".join(rows) + "\n", encoding="utf-8")
    before = executions(book["html"])
    scenarios_page, corpus_page = page(book["html"], "scenarios"), page(book["html"], "corpus")
    built = book["build"]()
    after = executions(built)
    assert after["scenarios"] > before["scenarios"] and page(built, "scenarios") != scenarios_page
    assert after["corpus"] == before["corpus"] and page(built, "corpus") == corpus_page
    assert after["themes"] == before["themes"]


def test_a_new_coding_changes_the_coding_chapter(book):
    corpus = Corpus.open(book["corpus"])
    doc_id = "rtes-plan-actions-2022"
    text = corpus.text(doc_id)
    start = text.index("SCIC")
    CodingStore.of(corpus).add("marie", doc_id, corpus.document(doc_id)["text_sha256"], start, start + 4,
                       "leviers/scic", text[start:start + 4])
    before = executions(book["html"])
    assert "Aucun codage n’a encore été enregistré" in html.unescape(page(book["html"], "coding"))
    built = book["build"]()
    after = executions(built)
    coding = html.unescape(page(built, "coding"))
    assert "1 codages" in coding and "Aucun codage n’a encore été enregistré" not in coding
    assert after["coding"] > before["coding"] and "marie" in html.unescape(page(built, "contributors"))
    assert after["corpus"] == before["corpus"]
    # the SCIC variable's evidence (leviers/scic) now counts this extract
    assert after["scenarios"] > before["scenarios"]
