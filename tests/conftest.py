"""Shared fixtures: a scratch corpus, a snapshot of its bytes, the CLI as a function."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.cli.main import main

REPO = Path(__file__).resolve().parent.parent
SEED_CORPUS = REPO / "corpus"
SEED_MANIFEST = SEED_CORPUS / "sources" / "seed-manifest.csv"


@pytest.fixture(autouse=True)
def real_exceptions(monkeypatch):
    """Tests see the exception behind an unexpected failure, not the CLI's last-resort message."""
    monkeypatch.setenv("ATELIER_TRACEBACK", "1")


def build_book(out: Path, corpus: Path = SEED_CORPUS, builder: str = "html", scenarios: Path | None = None) -> Path:
    """Build the repository's book into ``out`` with warnings as errors; return the output folder.

    ``corpus`` and ``scenarios`` (default: the repository's) are the data the book is built from.
    ``builder="epub"`` is Sphinx's epub builder (Jupyter Book's ``custom`` builder).
    """
    env = {**os.environ, "ATELIER_CORPUS": str(corpus)}
    if scenarios is not None:
        env["ATELIER_SCENARIOS"] = str(scenarios)
    builder_args = ["custom", "--custom-builder", "epub"] if builder == "epub" else [builder]
    result = subprocess.run(
        [str(Path(sys.executable).parent / "jupyter-book"), "build", str(REPO), "--builder", *builder_args,
         "--path-output", str(out), "--warningiserror"],
        capture_output=True, text=True, timeout=900, cwd=REPO, env=env,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-3000:]
    return out / "_build" / ("latex" if builder == "pdflatex" else builder)


def copy_seed_corpus(destination: Path) -> Path:
    """A copy of the seed corpus without its caches, codings and inbox, for tests that change it."""
    shutil.copytree(SEED_CORPUS, destination, ignore=shutil.ignore_patterns("derived", "codings", "inbox", ".*"))
    return destination


@pytest.fixture(scope="session")
def seed_book(tmp_path_factory) -> Path:
    """The book built once on the seed corpus, for every test that reads a clean build."""
    return build_book(tmp_path_factory.mktemp("book"))


def snapshot(root: Path) -> dict[str, str]:
    """Every file under ``root`` with the hash of its bytes (lock file excluded)."""
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file() and path.name != ".atelier.lock"
    }


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    root.mkdir()
    return root


@pytest.fixture
def atelier(corpus_dir: Path, capsys):
    """Run ``atelier --corpus <scratch corpus> ARGS``; return (status, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        status = main(["--corpus", str(corpus_dir), *map(str, args)])
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return run
