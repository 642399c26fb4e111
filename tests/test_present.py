"""The workshop presentation (analysis.widgets.presentation) in headless chromium: offline, readable, navigable."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from analysis.widgets.presentation import VIEWS, build_presentation, export_views
from conftest import REPO

playwright = pytest.importorskip("playwright.sync_api")
CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="/usr/bin/chromium absent (Debian chromium)")
EXERCISE = REPO / "scenarios" / "avenir-politiques-locales-ess"
ARTIFACTS = REPO / "tests" / "artifacts"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

SMALLEST_TEXT = """() => {
  const view = document.querySelector('.view.active');
  const found = [];
  const walker = document.createTreeWalker(view, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.textContent.trim()) continue;
    const el = node.parentElement;
    const rect = el.getBoundingClientRect();
    if (!rect.width || !rect.height || getComputedStyle(el).visibility === 'hidden') continue;
    let size = parseFloat(getComputedStyle(el).fontSize);
    const svgText = el.closest('text');
    if (svgText) {
      const m = svgText.getScreenCTM();
      size = parseFloat(getComputedStyle(svgText).fontSize) * Math.sqrt(m.a * m.a + m.b * m.b);
    }
    found.push([size, node.textContent.trim().slice(0, 40)]);
  }
  found.sort((a, b) => a[0] - b[0]);
  return found.slice(0, 3);
}"""


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("present") / "presentation.html"
    return out, build_presentation(EXERCISE, out)


def _open(browser, path: Path, width=1920, height=1080):
    page = browser.new_page(viewport={"width": width, "height": height})
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(path.resolve().as_uri())
    return page, requests


def _visible_view(page) -> str:
    return page.evaluate("document.querySelector('.view.active').dataset.view")


def test_all_views_built(built):
    path, report = built
    assert [v["id"] for v in report["views"]] == VIEWS
    assert report["failed"] == {} and report["built"] == VIEWS
    text = path.read_text(encoding="utf-8")
    assert "http://" not in text.replace("http://www.w3.org/2000/svg", "").replace("http://www.w3.org/1999/xhtml", "")
    assert "https://" not in text and "<link" not in text and " src=" not in text


def test_offline_readable_and_notice_everywhere(browser, built):
    path, _ = built
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((1920, 1080), (1280, 720)):
        page, requests = _open(browser, path, width, height)
        for index, view in enumerate(VIEWS):
            page.evaluate(f"window.presentation.show({index})")
            assert _visible_view(page) == view
            page.screenshot(path=str(ARTIFACTS / f"present-{index + 1}-{view}-{width}.png"))
            notice = page.locator(f"#v-{view} .notice")
            assert notice.is_visible(), view
            assert "illustratives" in notice.inner_text()
            fits = page.evaluate("(() => { const v = document.querySelector('.view.active');"
                                 "const c = v.querySelector('.content') || v;"
                                 "return v.scrollHeight <= v.clientHeight + 1 && c.scrollHeight <= c.clientHeight + 1"
                                 " && v.scrollWidth <= v.clientWidth + 1; })()")
            assert fits, f"{view} déborde à {width}×{height}"
            if width == 1920:
                smallest = page.evaluate(SMALLEST_TEXT)
                assert smallest and smallest[0][0] >= 23.9, (view, smallest)
        page.close()
        others = [url for url in requests if url != path.resolve().as_uri() and not url.startswith("data:")]
        assert not others, others


def test_keyboard_navigation(browser, built):
    path, _ = built
    page, _ = _open(browser, path)
    assert _visible_view(page) == "titre"
    assert page.locator(".counter").inner_text() == f"1 / {len(VIEWS)}"
    seen = [_visible_view(page)]
    for _ in VIEWS[1:]:
        page.keyboard.press("ArrowRight")
        seen.append(_visible_view(page))
    assert seen == VIEWS
    page.keyboard.press("ArrowRight")
    assert _visible_view(page) == VIEWS[-1]
    page.keyboard.press("ArrowLeft")
    assert _visible_view(page) == VIEWS[-2]
    page.keyboard.press("Home")
    assert _visible_view(page) == "titre"
    page.keyboard.press("PageDown")
    page.keyboard.press(" ")
    assert _visible_view(page) == VIEWS[2]
    page.keyboard.press("PageUp")
    assert _visible_view(page) == VIEWS[1]
    page.keyboard.press("End")
    assert _visible_view(page) == VIEWS[-1]
    for number, view in enumerate(VIEWS[:9], start=1):
        page.keyboard.press(str(number))
        assert _visible_view(page) == view
        assert page.locator(".counter").inner_text() == f"{number} / {len(VIEWS)}"
    # the morphological box: one cell per descriptor highlighted, ↓ shows the next scenario
    page.keyboard.press(str(VIEWS.index("boite") + 1))
    first = page.evaluate("Array.from(document.querySelectorAll('#v-boite .cell.chosen')).map(c => c.textContent)")
    assert len(first) == 6
    page.keyboard.press("ArrowDown")
    second = page.evaluate("Array.from(document.querySelectorAll('#v-boite .cell.chosen')).map(c => c.textContent)")
    assert len(second) == 6 and second != first
    assert page.locator("#v-boite .chooser .which").inner_text() == "2"
    assert page.locator("#v-boite .chooser .name").inner_text() == "ESS de réparation sous contrainte"
    headings = page.evaluate("Array.from(document.querySelectorAll('#v-scenarios thead th')).map(th => th.textContent)")
    assert headings[1].startswith("Transition coopérative") and "incohérence 0" in headings[1]
    assert _visible_view(page) == "boite"
    # the shifts from the direct to the indirect ranks, one row per variable
    page.keyboard.press(str(VIEWS.index("deplacements") + 1))
    rows = page.locator("#v-deplacements tbody tr")
    assert rows.count() == 17 and "→" in rows.first.inner_text()
    assert page.locator("#v-deplacements td.shift").all_inner_texts()[0][0] in "▲▼="
    page.close()


def test_a_click_advances_and_question_mark_explains_the_view_s_terms(browser, built):
    from analysis.widgets.presentation.glossary import TERMS, VIEW_TERMS

    path, _ = built
    page, _ = _open(browser, path)
    page.mouse.click(960, 540)
    assert _visible_view(page) == VIEWS[1], "a click (or a clicker) advances"
    page.evaluate(f"window.presentation.show({VIEWS.index('acteurs')})")
    assert page.is_hidden("#v-acteurs .help")
    page.keyboard.press("?")
    help_box = page.locator("#v-acteurs .help")
    assert help_box.is_visible()
    text = help_box.inner_text()
    assert all(term in text and TERMS[term] in text for term in VIEW_TERMS["acteurs"])
    assert "3CAA" in text and "r*" in text  # the terms the view shows without explaining them
    page.screenshot(path=str(ARTIFACTS / "present-lexique.png"))
    help_box.click()
    assert _visible_view(page) == "acteurs", "a click in the lexicon does not advance"
    page.keyboard.press("Escape")
    assert page.is_hidden("#v-acteurs .help")
    assert set(VIEW_TERMS) == set(VIEWS) and all(term in TERMS for terms in VIEW_TERMS.values() for term in terms)
    # the consensus view's legend covers the medians it shows, halves included
    page.evaluate(f"window.presentation.show({VIEWS.index('consensus')})")
    chips = page.evaluate("Array.from(document.querySelectorAll('#v-consensus .chip')).map(c => c.textContent)")
    assert {"0,5", "1,5", "2,5"} <= set(chips)
    page.close()


def test_bad_input_builds_what_it_can(browser, tmp_path):
    folder = tmp_path / "exercice"
    shutil.copytree(EXERCISE, folder)
    (folder / "positions.csv").unlink()
    lines = (folder / "influence.csv").read_text(encoding="utf-8").splitlines()
    cells = lines[2].split(",")
    cells[1] = "9"  # row SCIC, column CP
    lines[2] = ",".join(cells)
    (folder / "influence.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "presentation.html"
    report = build_presentation(folder, out)
    assert set(report["failed"]) == {"matrice", "plan-direct", "plan", "deplacements", "graphe", "acteurs", "alliances"}
    for view in ("matrice", "plan-direct", "plan", "deplacements", "graphe"):
        message = report["failed"][view]
        assert "influence.csv" in message and "SCIC" in message and "CP" in message and "9" in message
    assert "positions" in report["failed"]["acteurs"] and "positions" in report["failed"]["alliances"]
    page, requests = _open(browser, out)
    for index, view in enumerate(VIEWS):
        page.evaluate(f"window.presentation.show({index})")
        section = page.locator(f"#v-{view}")
        text = section.inner_text()
        if view in report["failed"]:
            assert section.locator(".error").is_visible()
            assert "n’a pas pu être construite" in text
            assert report["failed"][view] in text
        else:
            assert section.locator(".error").count() == 0, view
        page.screenshot(path=str(ARTIFACTS / f"present-bad-{index + 1}-{view}.png"))
    assert "hors de l’échelle" in page.locator("#v-matrice").inner_text()
    assert "positions" in page.locator("#v-acteurs").inner_text()
    assert "à corriger" in page.locator("#v-titre").inner_text()
    page.close()


def test_export_views(built, tmp_path):
    path, _ = built
    # another thread: the module's browser fixture already runs Playwright's event loop in this one
    with ThreadPoolExecutor(1) as pool:
        files = pool.submit(export_views, path, tmp_path / "export").result()
    pngs = [f for f in files if f.suffix == ".png"]
    svgs = [f for f in files if f.suffix == ".svg"]
    assert len(pngs) == len(VIEWS) == len(svgs)
    for png in pngs:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    for svg in svgs:
        text = svg.read_text(encoding="utf-8")
        assert "<svg" in text and "http://www.w3.org/2000/svg" in text
    assert "<foreignObject" not in (tmp_path / "export" / "02-matrice.svg").read_text(encoding="utf-8")
    assert "<foreignObject" in (tmp_path / "export" / f"{VIEWS.index('leviers') + 1:02d}-leviers.svg").read_text(encoding="utf-8")


def test_the_views_a_facilitator_needs_show_what_the_methods_computed(browser, built):
    """The influence graph draws exactly the strong influences, the impact balances say why each
    scenario holds, the actors' graphs draw their convergences and divergences, the levers carry
    their robustness and the wind-tunnelling matrix shows every lever in every scenario."""
    from analysis.prospective.cib import impact_balances
    from analysis.prospective.cib_files import read_cross_impact
    from analysis.prospective.exercise import Exercise
    from analysis.prospective.micmac import influence_graph
    from analysis.prospective.strategy import robustness
    from analysis.widgets.presentation.views import GRAPH_THRESHOLD

    path, _ = built
    exercise = Exercise.open(EXERCISE)
    page, _ = _open(browser, path)
    show = lambda view: page.evaluate(f"window.presentation.show({VIEWS.index(view)})")  # noqa: E731
    show("graphe")
    expected = influence_graph(exercise.influence(), threshold=GRAPH_THRESHOLD)
    assert page.locator("#v-graphe svg path[marker-end]").count() == expected.number_of_edges() > 0
    assert page.locator("#v-graphe svg circle").count() == 17
    show("plan-direct")
    assert "directes" in page.locator("#v-plan-direct h2").inner_text()
    assert page.locator("#v-plan-direct svg circle").count() == 17
    show("bilans")
    matrix = read_cross_impact(exercise.crossimpact_path(), exercise.descriptors())
    first = exercise.named_scenarios().iloc[0]
    balances = impact_balances(matrix, {d: first[d] for d in exercise.descriptors()["descriptor"].unique()})
    own = int(balances.loc[balances["chosen"] & (balances["descriptor"] == "Place de l’ESS"), "balance"].iloc[0])
    row = page.locator("#v-bilans tbody tr", has_text="Place de l’ESS").inner_text()
    assert f"{first['Place de l’ESS']} +{own}" in row and "au mieux" in row
    assert page.locator("#v-bilans thead th").all_inner_texts()[1] == first["name"]
    show("alliances")
    assert page.locator("#v-alliances svg.figure").count() == 2
    assert page.locator("#v-alliances figure").first.locator("path").count() > page.locator("#v-alliances figure").last.locator("path").count() > 0
    show("leviers")
    robust = robustness(exercise.windtunnel())["robustness"]
    robust_row = page.locator("#v-leviers tbody tr", has_text="Garder un socle de coopération").inner_text()
    assert robust["Garder un socle de coopération face à la polarisation"] == "tous" and "✔ tous" in robust_row
    show("soufflerie")
    assert page.locator("#v-soufflerie tbody tr").count() == len(exercise.windtunnel())
    assert page.locator("#v-soufflerie td.fails").count() == int((exercise.windtunnel() == 0).sum().sum())
    page.close()
