"""Time of the book's builds: full, nothing changed, after one new document, after one scenario
cell, the PDF (LaTeX builder, same cache) when Debian's TeX is installed, and the EPUB.

    python benchmarks/book_build.py

Baseline in the same run: the full build, which executes every chapter. The book is built on
copies of the corpus and of the scenarios; after each change the script checks that the change
is in the built book (fresh output every time), and it fails otherwise.
Goals: nothing changed ≤ 15 % and one change ≤ 50 % of the full build.
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from analysis import Corpus
from analysis.corpus.ingest import IngestOptions, ingest
from analysis.publication.contributors import toc_chapters

REPO = Path(__file__).resolve().parent.parent

EXERCISE = "avenir-politiques-locales-ess"
NEW_TITLE = "Bilan des coopératives d’habitants de Quimperlé"


def build(out: Path, corpus: Path, scenarios: Path, *options: str) -> float:
    env = {**os.environ, "ATELIER_CORPUS": str(corpus), "ATELIER_SCENARIOS": str(scenarios)}
    started = time.perf_counter()
    result = subprocess.run([str(Path(sys.executable).parent / "jupyter-book"), "build", str(REPO), "--path-output",
                             str(out), "--warningiserror", *options], capture_output=True, text=True, env=env, cwd=REPO)
    if result.returncode:
        raise SystemExit(f"the book build failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    return time.perf_counter() - started


def page(out: Path, name: str) -> str:
    return html.unescape((out / "_build" / "html" / "book" / f"{name}.html").read_text(encoding="utf-8"))


def add_document(scratch: Path, corpus: Path) -> None:
    source = scratch / "nouvelle-page.html"
    source.write_text(f"<html><head><title>{NEW_TITLE}</title></head><body><p>Le 4 octobre 2024, la communauté "
                      "a signé une convention avec douze coopératives.</p></body></html>", encoding="utf-8")
    report = ingest(Corpus.open(corpus), [(source, IngestOptions())], progress=False)
    if not report.ok:
        raise SystemExit(f"ingestion failed: {report.failed}")


def change_influence_cell(scenarios: Path) -> None:
    influence = scenarios / EXERCISE / "influence.csv"
    rows = [row.split(",") for row in influence.read_text(encoding="utf-8").splitlines()]
    column = rows[0].index("PTCE")
    rows[1][column] = "3" if rows[1][column] != "3" else "0"
    influence.write_text("\n".join(",".join(row) for row in rows) + "\n", encoding="utf-8")


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        corpus, scenarios, out = scratch / "corpus", scratch / "scenarios", scratch / "out"
        shutil.copytree(REPO / "corpus", corpus, ignore=shutil.ignore_patterns("derived", "inbox", ".*"))
        shutil.copytree(REPO / "scenarios", scenarios)
        full = build(out, corpus, scenarios)
        again = build(out, corpus, scenarios)
        add_document(scratch, corpus)
        document = build(out, corpus, scenarios)
        if NEW_TITLE not in page(out, "corpus") or NEW_TITLE not in page(out, "documents"):
            raise SystemExit("the new document is not in the rebuilt book")
        before = page(out, "scenarios")
        change_influence_cell(scenarios)
        cell = build(out, corpus, scenarios)
        if page(out, "scenarios") == before:
            raise SystemExit("the changed scenario cell is not in the rebuilt book")
        pdf = build(out, corpus, scenarios, "--builder", "pdflatex") if shutil.which("xelatex") else None
        epub = build(out, corpus, scenarios, "--builder", "custom", "--custom-builder", "epub")
    chapters = len(toc_chapters(REPO / "_toc.yml"))
    print(f"{chapters} chapters: full build {full:.1f} s")
    for label, seconds in (("nothing changed", again), ("one new document", document), ("one scenario cell", cell)):
        print(f"rebuild, {label}: {seconds:.1f} s (ratio {seconds / full:.2f})")
    if pdf is not None:
        print(f"PDF (LaTeX builder and xelatex, notebooks from the cache): {pdf:.1f} s "
              f"(ratio {pdf / full:.2f} of the full HTML build)")
    print(f"EPUB (Sphinx's epub builder, notebooks from the cache): {epub:.1f} s (ratio {epub / full:.2f})")


if __name__ == "__main__":
    main()
