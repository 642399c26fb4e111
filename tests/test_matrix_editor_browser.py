"""The matrix editor in a real JupyterLab, driven by Playwright in Debian's chromium.

JupyterLab runs on 127.0.0.1 with a token, on a copy of the shipped exercise. The test opens a
copy of ``notebooks/04-atelier.ipynb`` pointing at it, types values in the grid with the mouse
and the keyboard, checks the CSV file on disk each time, types an off-scale value, reloads and
checks the grid shows the saved value. Screenshots go to ``tests/artifacts/``.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import time
from pathlib import Path

import nbformat
import pytest

from conftest import REPO
from lab_server import ARTIFACTS, CHROMIUM, accept_kernel, chromium, jupyterlab, open_and_run, run_all

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium absent: `make test` installs it")
READY = ".atelier-matrix .me-grid td.me-cell"
SHIPPED = REPO / "scenarios" / "avenir-politiques-locales-ess"


def _notebook(root: Path, name: str, folder: Path, table: str) -> None:
    notebook = nbformat.read(REPO / "notebooks" / "04-atelier.ipynb", as_version=4)
    parameters = next(cell for cell in notebook.cells if cell.cell_type == "code" and "dossier =" in cell.source)
    parameters.source = f'dossier = "{folder}"\ntableau = "{table}"\nparticipant = None'
    nbformat.write(notebook, root / name)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    root = tmp_path_factory.mktemp("lab")
    exercise = root / "exercice"
    shutil.copytree(SHIPPED, exercise)
    _notebook(root, "atelier.ipynb", exercise, "influence")
    _notebook(root, "impacts.ipynb", exercise, "crossimpact")
    env = {"ATELIER_CORPUS": str(REPO / "corpus"),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    with jupyterlab(root, env) as server:
        yield {**server, "exercise": exercise}


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


def _run_all(page) -> None:
    run_all(page, READY)


def _open_and_run(browser, lab, notebook: str):
    return open_and_run(browser, lab, notebook, READY, {"width": 1600, "height": 1000})


def _cells(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def _wait_for_file(path: Path, check, what: str) -> list[list[str]]:
    deadline = time.time() + 20
    while time.time() < deadline:
        rows = _cells(path) if path.exists() else []
        if rows and check(rows):
            return rows
        time.sleep(0.1)
    pytest.fail(f"{path.name}: {what} never written")


def _cell(page, row: int, column: int):
    return page.locator(f".atelier-matrix td.me-cell[data-r='{row}'][data-c='{column}']")


def test_type_values_refuse_off_scale_and_reload_in_jupyterlab(lab, browser):
    path = lab["exercise"] / "influence.csv"
    page = _open_and_run(browser, lab, "atelier.ipynb")
    assert page.inner_text(".atelier-matrix .me-title") == "Matrice d’influences directes"
    assert _cell(page, 0, 1).inner_text() == "1"  # CP → SCIC in the shipped file

    # Click CP → PTCE (row 0, column 2) and type 3: the file has it at once.
    _cell(page, 0, 2).click()
    page.keyboard.press("3")
    _wait_for_file(path, lambda rows: rows[1][3] == "3", "CP → PTCE = 3")
    page.wait_for_function("() => document.querySelector(\".atelier-matrix td[data-r='0'][data-c='2']\").textContent === '3'")

    # Move with the arrow keys to PTCE → CP (row 2, column 0) and type P.
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    assert "PTCE → CP" in page.inner_text(".atelier-matrix .me-current")
    page.keyboard.press("p")
    _wait_for_file(path, lambda rows: rows[3][1] == "P", "PTCE → CP = P")

    # A reason for it, noted in the sidecar.
    page.fill(".atelier-matrix .me-reason", "Potentielle : les PTCE pourraient porter la commande publique")
    page.press(".atelier-matrix .me-reason", "Enter")
    notes = _wait_for_file(lab["exercise"] / "notes" / "influence.csv", lambda rows: len(rows) == 2, "the reason")
    assert notes[1][:3] == ["PTCE", "CP", "P"] and notes[1][3].startswith("Potentielle")
    page.wait_for_selector(".atelier-matrix td.me-has-reason[data-r='2'][data-c='0']")

    # An off-scale value: the French message appears and the file does not change.
    before = path.read_bytes()
    page.keyboard.press("Tab")  # PTCE → SCIC
    page.keyboard.press("5")
    page.wait_for_selector(".atelier-matrix .me-error:not([hidden])")
    error = page.inner_text(".atelier-matrix .me-error")
    assert "Valeur 5 refusée" in error and "Rien n’a été enregistré" in error
    page.keyboard.press("x")
    page.wait_for_function("() => document.querySelector('.atelier-matrix .me-error').textContent.includes('« x »')")
    time.sleep(0.5)
    assert path.read_bytes() == before
    assert _cell(page, 2, 1).inner_text() == "1"

    # Undo with Ctrl+Z then redo by typing; the plane beside the grid is drawn.
    page.keyboard.press("Escape")
    page.wait_for_selector(".atelier-matrix .me-plane circle[data-code='CP']")
    page.locator(".atelier-matrix").screenshot(path=ARTIFACTS / "matrix-editor.png")
    page.keyboard.press("Control+z")
    _wait_for_file(path, lambda rows: rows[3][1] == "0", "the undo of PTCE → CP")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("2")
    _wait_for_file(path, lambda rows: rows[3][1] == "2", "PTCE → CP = 2")
    page.wait_for_function("() => document.querySelector(\".atelier-matrix td[data-r='2'][data-c='0']\").textContent === '2'")

    # Reload: the grid shows what the file holds.
    page.reload()
    accept_kernel(page)
    _run_all(page)
    assert _cell(page, 0, 2).inner_text() == "3"
    assert _cell(page, 2, 0).inner_text() == "2"
    rows = _cells(path)
    assert rows[1][3] == "3" and rows[3][1] == "2" and rows[3][3] == ""
    page.close()


def test_crossimpact_grid_and_scenarios(lab, browser):
    path = lab["exercise"] / "crossimpact.csv"
    page = _open_and_run(browser, lab, "impacts.ipynb")
    page.wait_for_selector(".atelier-matrix .me-scenario")
    assert page.locator(".atelier-matrix th.me-group").count() == 6
    _cell(page, 0, 3).click()  # A1 accélérée → B1 desserrées
    page.keyboard.press("-")
    page.keyboard.press("2")
    _wait_for_file(path, lambda rows: rows[2][5] == "-2", "A1 → B1 = −2")
    rows = _cells(path)
    assert rows[0][2] == "Transition écologique" and rows[1][2] == "accélérée" and rows[2][2:5] == ["", "", ""]
    page.wait_for_function("() => document.querySelector(\".atelier-matrix td[data-r='0'][data-c='3']\").textContent === '−2'")
    page.locator(".atelier-matrix").screenshot(path=ARTIFACTS / "matrix-editor-crossimpact.png")
    page.close()
