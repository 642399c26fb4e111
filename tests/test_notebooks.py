"""The researchers' notebooks run against the shipped corpus, and their paired texts agree."""

from __future__ import annotations

from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient

from conftest import REPO

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert [p.name for p in NOTEBOOKS] == ["01-corpus.ipynb", "02-coder.ipynb", "03-themes.ipynb", "04-atelier.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_paired_with_its_myst_text(path: Path):
    paired = path.with_suffix(".md")
    assert paired.exists()
    cells = [c.source for c in jupytext.read(path).cells]
    assert cells == [c.source for c in jupytext.read(paired).cells]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_without_error(path: Path):
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    expected = {"01-corpus.ipynb": "rtes-plan-actions-2022", "02-coder.ipynb": "application/vnd.jupyter.widget-view+json",
                "03-themes.ipynb": "image/png", "04-atelier.ipynb": "application/vnd.jupyter.widget-view+json"}
    assert any(expected[path.name] in str(o) for o in outputs)
