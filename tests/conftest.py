"""Shared fixtures: a scratch corpus, a snapshot of its bytes, the CLI as a function."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from analysis.cli import main

REPO = Path(__file__).resolve().parent.parent
SEED_CORPUS = REPO / "corpus"
SEED_MANIFEST = SEED_CORPUS / "sources" / "seed-manifest.csv"


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
