"""The annotator in a real JupyterLab, driven by Playwright in Debian's chromium.

JupyterLab runs on 127.0.0.1 with a token, on a copy of the seed corpus plus a test document
with accents and an emoji. The tests select text with the mouse, apply codes, remove, undo,
write a memo, reload, and check the coder's log file each time. Screenshots are written to
``tests/artifacts/``.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import nbformat
import pytest

from analysis import Corpus
from analysis.corpus.ingest import IngestOptions, ingest
from conftest import REPO
from lab_server import ARTIFACTS, CHROMIUM, accept_kernel, chromium, jupyterlab, open_and_run, run_all
from analysis.coding.store import CodingStore

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium absent: `make test` installs it")
READY = ".atelier-annotator .at-text [data-o]:not(.at-markup)"
PASSAGE = "l’élue évoque la coopérative 🌱 de la vallée"
TESTIMONY = (
    "Témoignage recueilli à Besançon.\n\n"
    f"Dans ce témoignage, {PASSAGE}, née d’un appel à projets de la région.\n\n"
    "Elle décrit ensuite la commande publique responsable de la métropole.\n"
)


NOTES = ("# Notes de terrain\n\n"
         "La **coopérative** agricole travaille avec la Régie ; la regie publique suit la commande.\n\n"
         "Une deuxième COOPERATIVE est née. Les élus en parlent souvent.\n")


def _notebook(root: Path, name: str, doc_id: str, coder: str) -> None:
    notebook = nbformat.read(REPO / "notebooks" / "02-coder.ipynb", as_version=4)
    parameters = next(cell for cell in notebook.cells if cell.cell_type == "code" and "coder =" in cell.source)
    parameters.source = f'coder = "{coder}"\ndoc_id = "{doc_id}"'
    nbformat.write(notebook, root / name)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    root = tmp_path_factory.mktemp("lab")
    corpus_dir = root / "corpus"
    shutil.copytree(REPO / "corpus", corpus_dir, ignore=shutil.ignore_patterns("derived", "codings", "inbox", ".*"))
    corpus = Corpus.open(corpus_dir)
    (root / "temoignage.txt").write_text(TESTIMONY, encoding="utf-8")
    long_text = "\n\n".join(f"Copie {n}\n\n" + corpus.text("rtes-plan-actions-2022") for n in range(9))[:300_000]
    (root / "long.txt").write_text(long_text, encoding="utf-8")
    (root / "notes.txt").write_text(NOTES, encoding="utf-8")
    report = ingest(corpus, [(root / "temoignage.txt", IngestOptions()), (root / "long.txt", IngestOptions()),
                             (root / "notes.txt", IngestOptions())], progress=False)
    assert report.ok, report.failed
    _notebook(root, "coder.ipynb", "temoignage", "testeur")
    _notebook(root, "notes.ipynb", "notes", "clavier")
    _notebook(root, "long.ipynb", "long", "perf")
    with jupyterlab(root, {"ATELIER_CORPUS": str(corpus_dir)}) as server:
        yield {**server, "corpus": corpus}


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


def _open_and_run(browser, lab, notebook: str):
    return open_and_run(browser, lab, notebook, READY, {"width": 1500, "height": 1000})


def _run_all(page) -> None:
    run_all(page, READY)


def _drag_select(page, start: int, end: int) -> None:
    """Select UTF-16 offsets [start, end) of the annotator's text with the mouse."""
    points = page.evaluate("""([start, end]) => {
        const text = document.querySelector('.atelier-annotator .at-text');
        const spans = [...text.querySelectorAll('[data-o]')];
        const rectAt = (offset) => {
            const span = spans.filter((s) => Number(s.dataset.o) <= offset).pop();
            const node = span.firstChild, local = offset - Number(span.dataset.o);
            const range = document.createRange();
            range.setStart(node, local); range.setEnd(node, local + 1);
            return range.getClientRects()[0];
        };
        rectAt(start).top; spans[0].parentElement.scrollTop = 0;
        const first = rectAt(start), last = rectAt(end - 1);
        return [first.left + 1, first.top + first.height / 2, last.right - 1, last.top + last.height / 2];
    }""", [start, end])
    page.mouse.move(points[0], points[1])
    page.mouse.down()
    page.mouse.move(points[2], points[3], steps=12)
    page.mouse.up()


def _events(lab, coder: str) -> list[dict]:
    path = lab["corpus"].root / "codings" / f"{coder}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def _wait_for_events(lab, coder: str, count: int) -> list[dict]:
    deadline = time.time() + 20
    while time.time() < deadline:
        events = _events(lab, coder)
        if len(events) >= count:
            return events
        time.sleep(0.1)
    pytest.fail(f"expected {count} events in {coder}.jsonl, found {len(_events(lab, coder))}")


def test_code_remove_undo_memo_and_reload_in_jupyterlab(lab, browser):
    page = _open_and_run(browser, lab, "coder.ipynb")
    text = lab["corpus"].text("temoignage")
    start = text.index(PASSAGE)
    utf16 = lambda cp: len(text[:cp].encode("utf-16-le")) // 2  # noqa: E731
    _drag_select(page, utf16(start), utf16(start + len(PASSAGE)))
    assert PASSAGE in page.inner_text(".atelier-annotator .at-selection")
    page.click(".atelier-annotator .at-code[data-path='leviers/commande-publique']")
    [added] = _wait_for_events(lab, "testeur", 1)
    assert added["event"] == "add" and added["code"] == "leviers/commande-publique"
    assert text[added["start"]:added["end"]] == PASSAGE == added["text"]
    page.wait_for_selector(".atelier-annotator .at-hl")
    page.locator(".atelier-annotator").screenshot(path=ARTIFACTS / "annotator-coded.png")

    page.click(".atelier-annotator .at-hl >> nth=0")
    page.wait_for_selector(".atelier-annotator .at-popup:not([hidden])")
    page.fill(".atelier-annotator .at-popup .at-memo", "Passage clé : coopérative née d’un appel à projets")
    page.locator(".atelier-annotator").screenshot(path=ARTIFACTS / "annotator-popup.png")
    page.click(".atelier-annotator .at-popup .at-save-memo")
    memo = _wait_for_events(lab, "testeur", 2)[1]
    assert memo["event"] == "memo" and memo["ref"] == added["coding"] and memo["memo"].startswith("Passage clé")

    page.click(".atelier-annotator .at-hl >> nth=0")
    page.click(".atelier-annotator .at-popup .at-remove")
    removed = _wait_for_events(lab, "testeur", 3)[2]
    assert removed["event"] == "remove" and removed["coding"] == added["coding"]
    page.wait_for_function("() => document.querySelectorAll('.atelier-annotator .at-hl').length === 0")

    page.click(".atelier-annotator .at-undo")
    undone = _wait_for_events(lab, "testeur", 4)[3]
    assert undone["event"] == "add" and undone["undoes"] == removed["id"]
    page.wait_for_selector(".atelier-annotator .at-hl")

    page.reload()
    accept_kernel(page)
    _run_all(page)
    highlighted = page.inner_text(".atelier-annotator .at-hl >> nth=0")
    assert highlighted in PASSAGE
    assert "".join(page.locator(".atelier-annotator .at-hl").all_inner_texts()) == PASSAGE
    page.locator(".atelier-annotator").screenshot(path=ARTIFACTS / "annotator-after-reload.png")
    page.close()


def test_long_document_with_two_thousand_highlights_is_responsive(lab, browser):
    corpus = lab["corpus"]
    text = corpus.text("long")
    sha = corpus.document("long")["text_sha256"]
    step = len(text) // 2000
    store = CodingStore(corpus.root / "codings")  # valid by construction: no need to check 2000 times
    for n in range(2000):
        start = n * step
        store.add("perf", "long", sha, start, start + step // 2, "leviers/commande-publique", text[start:start + step // 2])
    page = _open_and_run(browser, lab, "long.ipynb")
    page.wait_for_function("() => document.querySelectorAll('.atelier-annotator .at-hl').length >= 2000")
    page.wait_for_selector(".atelier-extracts", timeout=60_000)  # the kernel has run every cell
    render_ms = float(page.get_attribute(".atelier-annotator", "data-render-ms"))
    page.wait_for_function("() => document.querySelector('.atelier-annotator').dataset.stripesMs")
    stripes_ms = float(page.get_attribute(".atelier-annotator", "data-stripes-ms"))
    assert page.locator(".atelier-annotator .at-stripe").count() > 0
    revision = page.get_attribute(".atelier-annotator", "data-revision")
    start = step // 2 + 10
    _drag_select(page, start, start + 20)
    page.click(".atelier-annotator .at-code[data-path='acteurs']")
    page.wait_for_function(f"() => document.querySelector('.atelier-annotator').dataset.revision !== '{revision}'")
    roundtrip_ms = float(page.get_attribute(".atelier-annotator", "data-roundtrip-ms"))
    feedback_ms = float(page.get_attribute(".atelier-annotator", "data-feedback-ms"))
    page.locator(".atelier-annotator").screenshot(path=ARTIFACTS / "annotator-long.png")
    (ARTIFACTS / "annotator-timings.json").write_text(json.dumps(
        {"characters": len(text), "highlights": 2000, "render_ms": render_ms, "stripes_ms": stripes_ms,
         "feedback_ms": feedback_ms, "roundtrip_ms": roundtrip_ms}))
    print(f"render {render_ms:.0f} ms, stripes {stripes_ms:.0f} ms, coding drawn {feedback_ms:.0f} ms, "
          f"round trip {roundtrip_ms:.0f} ms")
    assert _events(lab, "perf")[-1]["code"] == "acteurs"
    page.close()


def _offset(page, selector_text: str) -> int:
    """The UTF-16 offset of the first occurrence of ``selector_text`` in the annotator's text."""
    return page.evaluate("(needle) => Number(document.querySelector('.atelier-annotator .at-text').textContent.indexOf(needle))",
                         selector_text)


def test_keyboard_search_in_vivo_stripes_and_popup_in_jupyterlab(lab, browser):
    page = _open_and_run(browser, lab, "notes.ipynb")
    root = ".atelier-annotator"
    # Markdown is shown as typography: no « # » or « ** », the bold word in bold, offsets unchanged.
    assert "**" not in page.inner_text(f"{root} .at-text") and "# Notes" not in page.inner_text(f"{root} .at-text")
    assert page.inner_text(f"{root} .at-text .at-strong") == "coopérative"
    # A digit with no selection says why.
    page.focus(f"{root} .at-text")
    page.keyboard.press("1")
    assert "sélectionnez d’abord" in page.inner_text(f"{root} .at-message")
    # Search without accents: « regie » finds « Régie » then « régie » (its accent restored by the
    # cleaning at ingestion); the match is the selection.
    page.fill(f"{root} .at-search", "regie")
    page.press(f"{root} .at-search", "Enter")
    assert page.inner_text(f"{root} .at-search-count") == "1 / 2"
    assert "« Régie »" in page.inner_text(f"{root} .at-selection")
    page.click(f"{root} .at-search-next")
    assert page.inner_text(f"{root} .at-search-count") == "2 / 2"
    # Any code from the keyboard: « / », type, ↓ to the second code found, Entrée.
    page.focus(f"{root} .at-text")
    page.keyboard.press("/")
    page.keyboard.type("commande")
    page.keyboard.press("ArrowDown")
    chosen = page.get_attribute(f"{root} .at-code.at-active", "data-path")
    page.keyboard.press("Enter")
    [added] = _wait_for_events(lab, "clavier", 1)
    assert added["code"] == chosen and added["text"] == "régie"
    # A selection made with Maj+flèches, then a code in vivo: the words become the code and code it.
    start = _offset(page, "Une deuxième") + len("Une ")
    x, y = page.evaluate("""(offset) => {
        const text = document.querySelector('.atelier-annotator .at-text');
        const span = [...text.querySelectorAll('[data-o]')].filter((s) => Number(s.dataset.o) <= offset).pop();
        const range = document.createRange();
        const local = offset - Number(span.dataset.o);
        range.setStart(span.firstChild, local); range.setEnd(span.firstChild, local + 1);
        const rect = range.getClientRects()[0];
        return [rect.left + 1, rect.top + rect.height / 2];
    }""", start)
    page.mouse.click(x, y)  # the caret before « deuxième », as a reader clicks
    page.wait_for_function(f"() => getSelection().anchorOffset === {start} - Number(getSelection().anchorNode.parentElement.dataset.o)")
    for _ in range(len("deuxième COOPERATIVE")):
        page.keyboard.press("Shift+ArrowRight")
    assert "« deuxième COOPERATIVE »" in page.inner_text(f"{root} .at-selection")
    page.click(f"{root} .at-in-vivo")
    new, coded = _wait_for_events(lab, "clavier", 3)[1:]
    assert new["event"] == "code-new" and new["entry"]["label"] == "deuxième COOPERATIVE"
    assert coded["code"] == new["entry"]["path"] == "deuxieme-cooperative" and coded["text"] == "deuxième COOPERATIVE"
    assert "Une deuxième COOPERATIVE" in lab["corpus"].text("notes")  # the text is never edited
    page.wait_for_selector(f"{root} .at-code[data-path='deuxieme-cooperative']")
    # Counts are of the codings shown, rolled up to the parents, and do not look like shortcuts.
    family = chosen.split("/")[0]
    page.wait_for_function(f"() => document.querySelector(\"{root} .at-code[data-path='{family}'] .at-count\").textContent === '(1)'")
    # Stripes: one bar per coding in view; a click selects its coding and opens its popup.
    page.wait_for_function(f"() => document.querySelectorAll('{root} .at-stripe').length === 2")
    page.locator(f"{root} .at-stripe >> nth=0").click()
    page.wait_for_selector(f"{root} .at-popup:not([hidden])")
    page.fill(f"{root} .at-popup .at-memo", "Régie à vérifier")
    page.click(f"{root} .at-popup .at-save-memo")
    _wait_for_events(lab, "clavier", 4)
    page.locator(f"{root} .at-stripe >> nth=0").click()
    assert page.input_value(f"{root} .at-popup .at-memo") == "Régie à vérifier"  # at once, not after a resync
    page.screenshot(path=ARTIFACTS / "annotator-stripes-popup.png", clip=page.locator(root).bounding_box())  # no scroll
    page.evaluate("() => document.querySelector('.atelier-annotator .at-text').dispatchEvent(new Event('scroll'))")
    assert page.is_hidden(f"{root} .at-popup")
    # The list of the document's codings jumps to each; a filter matching nothing says so.
    page.click(f"{root} .at-codings-box summary")
    page.locator(f"{root} .at-coding-link >> nth=1").click()
    assert "deuxième COOPERATIVE" in page.inner_text(f"{root} .at-selection")
    page.fill(f"{root} .at-filter", "zzz introuvable")
    assert "Aucun code ne contient « zzz introuvable »" in page.inner_text(f"{root} .at-codes")
    page.locator(root).screenshot(path=ARTIFACTS / "annotator-keyboard.png")
    # Auto-coding with preview: the passages found, one unticked, the others coded under the coder's name.
    page.click(f"{root} .at-auto summary")
    page.fill(f"{root} .at-auto-query", "cooperative")
    page.click(f"{root} .at-auto-preview")
    page.wait_for_function(f"() => document.querySelectorAll('{root} .at-auto-list li').length === 2")
    assert [t.strip() for t in page.locator(f"{root} .at-auto-list li").all_inner_texts()] == ["coopérative", "COOPERATIVE"]
    page.locator(f"{root} .at-auto-list input >> nth=1").uncheck()
    page.select_option(f"{root} .at-auto-code", "leviers")
    page.screenshot(path=ARTIFACTS / "annotator-autocode.png", clip=page.locator(root).bounding_box())
    page.click(f"{root} .at-auto-apply")
    auto = _wait_for_events(lab, "clavier", 5)[4]
    assert (auto["code"], auto["text"], auto["auto"]) == ("leviers", "coopérative", "mot-clé « cooperative » ; doc_id=notes")
    # The codebook changes in a form of the widget: rename from the code's ✎ button…
    page.fill(f"{root} .at-filter", "")
    page.click(f"{root} .at-code[data-path='deuxieme-cooperative'] .at-edit-code")
    page.wait_for_selector(f"{root} .at-dialog:not([hidden])")
    assert page.evaluate("() => document.activeElement.classList.contains('at-dialog-action')")
    page.fill(f"{root} .at-dialog-value", "seconde-cooperative")
    page.screenshot(path=ARTIFACTS / "annotator-code-dialog.png", clip=page.locator(root).bounding_box())
    page.press(f"{root} .at-dialog-value", "Enter")
    renamed = _wait_for_events(lab, "clavier", 6)[5]
    assert renamed["event"] == "code-repath" and renamed["changes"][0][1:] == ["deuxieme-cooperative", "seconde-cooperative"]
    page.wait_for_selector(f"{root} .at-code[data-path='seconde-cooperative']")
    assert page.is_hidden(f"{root} .at-dialog")
    # … Échap closes the form and writes nothing …
    page.click(f"{root} .at-code[data-path='leviers']", button="right")
    page.wait_for_selector(f"{root} .at-dialog:not([hidden])")
    assert page.is_hidden(".lm-Menu"), "JupyterLab's context menu stays closed over a code"
    page.keyboard.press("Escape")
    assert page.is_hidden(f"{root} .at-dialog") and len(_events(lab, "clavier")) == 6
    # … and split from the keyboard alone: the filter, F2, the form, Entrée.
    page.focus(f"{root} .at-text")
    page.keyboard.press("/")
    page.keyboard.type("Leviers")
    page.keyboard.press("F2")
    page.select_option(f"{root} .at-dialog-action", "split_code")
    page.fill(f"{root} .at-dialog-value", "cooperatives")
    page.fill(f"{root} .at-dialog-keyword", "cooperative")
    page.press(f"{root} .at-dialog-keyword", "Enter")
    split = _wait_for_events(lab, "clavier", 7)[6]
    assert split["event"] == "code-split" and split["codings"] == [auto["coding"]]
    page.fill(f"{root} .at-filter", "")
    page.wait_for_selector(f"{root} .at-code[data-path='cooperatives']")
    # Label and colour in the same form; only what changed is written.
    page.click(f"{root} .at-code[data-path='cooperatives'] .at-edit-code")
    page.select_option(f"{root} .at-dialog-action", "edit_code")
    page.fill(f"{root} .at-dialog-label", "Coopératives")
    page.fill(f"{root} .at-dialog-colour", "#cc79a7")
    page.press(f"{root} .at-dialog-label", "Enter")
    edited = _wait_for_events(lab, "clavier", 8)[7]
    assert edited["event"] == "code-edit" and edited["after"] == {"label": "Coopératives", "colour": "#CC79A7"}
    page.wait_for_function(f"() => document.querySelector(\"{root} .at-code[data-path='cooperatives'] .at-label\").textContent === 'Coopératives'")
    # More overlapping codings than the stripes have columns: the rest are counted, not dropped.
    corpus = lab["corpus"]
    sha, text = corpus.document("notes")["text_sha256"], corpus.text("notes")
    start = text.index("Les élus")
    store = CodingStore(corpus.root / "codings")
    for code in ("plan-actions", "leviers", "leviers/scic", "leviers/commande-publique", "leviers/acces-foncier",
                 "leviers/modes-contractualisation", "thematiques"):  # and the in vivo coding on the same line
        store.add("chevauchement", "notes", sha, start, start + 8, code, text[start:start + 8])
    page.wait_for_selector(f"{root} .at-coder-toggle:has-text('chevauchement') input", timeout=10_000)
    page.check(f"{root} .at-coder-toggle:has-text('chevauchement') input")
    page.wait_for_selector(f"{root} .at-stripe-more")
    assert page.inner_text(f"{root} .at-stripe-more") == "+2"
    assert len(page.get_attribute(f"{root} .at-stripe-more", "title").splitlines()) == 2
    page.screenshot(path=ARTIFACTS / "annotator-overlaps.png", clip=page.locator(root).bounding_box())
    page.close()
