"""Nothing that comes from data can inject markup into the book: every field that reaches it holds
HTML, scripts, event handlers, Markdown and MyST syntax, and the built pages hold no element or
attribute that a clean build lacks, while the PDF shows the text literally."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from bs4 import BeautifulSoup

from analysis import Corpus
from conftest import REPO, build_book, copy_seed_corpus
from analysis.coding.store import CodingStore

#: HTML, a script, an event handler, Markdown, a MyST role, math and a javascript: link, no comma
#: (it goes into CSV cells as it is).
PAYLOAD = ("Piège <img src=x onerror=alert(1)><script>alert(2)</script> **gras** {sub}`x` "
           "<b>b</b> [lien](javascript:alert(3)) $x$")
MARKUP = "<img src=x onerror=alert(1)><script>alert(2)</script>"
EXERCISE = "avenir-politiques-locales-ess"


def _plant_scenarios(folder: Path) -> None:
    exercise = folder / EXERCISE
    first_scenario = pd.read_csv(exercise / "scenarios.csv", dtype=str, keep_default_na=False).loc[0, "name"]
    for name, columns in (("variables", ["name", "definition"]), ("actors", ["name", "description"]),
                          ("objectives", ["name", "description"]), ("scenarios", ["name", "storyline"]),
                          ("levers", ["stake", "coalition", "instruments"])):
        path = exercise / f"{name}.csv"
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
        if name == "levers":
            first_stake = table.loc[0, "stake"]
        for column in columns:
            table.loc[0, column] = f"{PAYLOAD} ({name}.{column})"
        if name == "levers":  # the levers of the first scenario, under its planted name
            table["scenario"] = table["scenario"].replace(first_scenario, f"{PAYLOAD} (scenarios.name)")
        table.to_csv(path, index=False)
    # the wind-tunnelling names the planted lever and scenario as levers.csv and scenarios.csv do
    windtunnel = pd.read_csv(exercise / "windtunnel.csv", dtype=str, keep_default_na=False)
    windtunnel["lever"] = windtunnel["lever"].replace(first_stake, f"{PAYLOAD} (levers.stake)")
    windtunnel.rename(columns={first_scenario: f"{PAYLOAD} (scenarios.name)"}).to_csv(exercise / "windtunnel.csv", index=False)


def _plant_codebook(path: Path) -> None:
    codebook = yaml.safe_load(path.read_text(encoding="utf-8"))
    for code in codebook["codes"][:2]:  # a family and its first code
        code["label"] = f"{PAYLOAD} (label)"
        code["definition"] = f"{PAYLOAD} (definition)"
    path.write_text(yaml.safe_dump(codebook, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _plant_reference(path: Path) -> None:
    with path.open("a", encoding="utf-8") as bib:
        bib.write("\n@book{piege_2024,\n  author = {Piège, Hélène and <img src=x onerror=alert(5)>},\n"
                  f"  title = {{Titre {PAYLOAD}}},\n  year = {{2024}},\n}}\n")


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """HTML and PDF books built on copies of the corpus and scenarios with the payload everywhere."""
    from analysis.corpus.ingest import IngestOptions, ingest

    root = tmp_path_factory.mktemp("escaping")
    corpus_dir, scenarios_dir = root / "corpus", root / "scenarios"
    copy_seed_corpus(corpus_dir)
    shutil.copytree(REPO / "scenarios", scenarios_dir)
    _plant_scenarios(scenarios_dir)
    _plant_codebook(corpus_dir / "codebook.yaml")
    _plant_reference(corpus_dir / "literature" / "references.bib")
    page = root / "page.html"
    page.write_text(f"<html><head><title>Note {html.escape(PAYLOAD)}</title></head><body><p>Le 7 juin 2023, "
                    f"le conseil a écrit {html.escape(PAYLOAD)} dans sa délibération.</p></body></html>", encoding="utf-8")
    interview = root / "entretien.txt"
    interview.write_text(f"[00:00:05] CHERCHEUSE : Le 3 mai 2022, qu’avez-vous dit ?\n\n"
                         f"[00:00:09] ÉLUE : Le 3 mai 2022, nous avons dit {PAYLOAD}.\n", encoding="utf-8")
    attributes = {"author": PAYLOAD, "organisation": PAYLOAD, "territory": PAYLOAD}
    corpus = Corpus.open(corpus_dir)
    report = ingest(corpus, [(page, IngestOptions(attrs=attributes)),
                             (interview, IngestOptions(attrs={"private": "false", "pseudonym": "Élue C"}))],
                    progress=False)
    assert report.ok, report.failed
    doc_id = report.added[0]["doc_id"]
    text = corpus.text(doc_id)
    start = text.index("Piège")
    code = yaml.safe_load((corpus_dir / "codebook.yaml").read_text(encoding="utf-8"))["codes"][1]["path"]
    CodingStore.of(corpus).add("marie", doc_id, corpus.document(doc_id)["text_sha256"], start, start + 40, code,
                       text[start:start + 40], memo=PAYLOAD)
    CodingStore.of(corpus).memo("marie", "document", doc_id, PAYLOAD)
    return {"html": build_book(root / "out", corpus_dir, scenarios=scenarios_dir),
            "pdf": lambda: build_book(root / "out", corpus_dir, builder="pdflatex", scenarios=scenarios_dir)}


def _structure(folder: Path) -> set[tuple[str, str]]:
    """Every element name and (element, attribute) pair of the chapters' pages."""
    found: set[tuple[str, str]] = set()
    for path in sorted((folder / "book").glob("*.html")):
        for element in BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser").find_all(True):
            found.add((element.name, ""))
            found.update((element.name, attribute) for attribute in element.attrs)
    return found


def _visible(folder: Path, name: str) -> str:
    soup = BeautifulSoup((folder / "book" / f"{name}.html").read_text(encoding="utf-8"), "html.parser")
    return " ".join(soup.get_text(" ").split())


def test_data_adds_no_element_and_no_attribute(planted, seed_book):
    html_dir = planted["html"]
    # the planted corpus has a coding, the seed none: the timeline's axis headings (h4) appear
    added = _structure(html_dir) - _structure(seed_book)
    assert added <= {("h4", "")}, added
    for path in (html_dir / "book").glob("*.html"):
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        for element in soup.find_all(True):
            assert not any("alert(" in str(value) for value in element.attrs.values()), (path.name, element)
            if element.name in ("script", "style"):
                assert "alert(" not in element.get_text(), path.name
            if element.name == "a":
                assert not str(element.get("href", "")).startswith("javascript:"), path.name


@pytest.mark.parametrize("chapter, count", [
    ("corpus", 2), ("documents", 3), ("timeline", 3), ("contributors", 1), ("codebook", 4), ("coding", 2),
    ("literature", 1), ("scenarios", 2), ("levers", 4),
])
def test_every_field_is_shown_literally(planted, chapter, count):
    shown = _visible(planted["html"], chapter)
    # Quotations drop the Markdown bold of converted documents, and BibTeX reads braces as groups.
    assert shown.count(MARKUP) >= count, (chapter, shown.count(MARKUP))
    if chapter in ("corpus", "scenarios", "levers", "codebook"):
        assert " ".join(PAYLOAD.split()) in shown, chapter


@pytest.mark.skipif(shutil.which("xelatex") is None or shutil.which("latexmk") is None,
                    reason="TeX absent : `make test` installe les paquets Debian (make tex)")
def test_the_pdf_shows_the_payload_as_text(planted):
    from pypdf import PdfReader

    latex_dir = planted["pdf"]()
    text = " ".join(" ".join(page.extract_text() or "" for page in PdfReader(str(latex_dir / "livre.pdf")).pages).split())
    assert text.count("<script>alert(2)</script>") >= 10
    assert re.search(r"\*\*gras\*\* \{sub\}", text)
