"""Readers on every device: the HTML book passes axe-core's WCAG 2.1 A/AA rules on every page, on
a wide screen, on a phone and in the dark mode; no page scrolls sideways on a phone; one search box,
whose results show the text around the word found.

The book is served over HTTP (the search fetches the pages it quotes; a browser refuses that to
pages opened from files). axe-core is installed by ``make test`` (``make axe``: npm, pinned
version, inside the virtual environment); nothing is downloaded here.
"""

from __future__ import annotations

import functools
import json
import re
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from conftest import REPO

ARTIFACTS = REPO / "tests" / "artifacts"
AXE = REPO / ".venv" / "axe" / "node_modules" / "axe-core"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
WIDE, PHONE = {"width": 1440, "height": 900}, {"width": 390, "height": 844}
#: WCAG 2.0 and 2.1, levels A and AA; and two of axe's best practices the book had broken (a
#: chapter going from its title to a third-level heading, a table header cell without text).
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BEST_PRACTICES = ["heading-order", "empty-table-header"]
#: Parts of a page axe does not check, each with why. None: every violation found so far had its
#: cause fixed in the book, its CSS, its rendering or the theme's options.
EXCLUDED: list[str] = []
#: The chapters a phone reader must read without scrolling sideways (wide tables, the codebook).
PHONE_CHAPTERS = ["corpus", "codebook", "scenarios", "levers"]


def _axe_version() -> str:
    return re.search(r"^AXE_VERSION := (\S+)", (REPO / "Makefile").read_text(encoding="utf-8"), re.M).group(1)


@pytest.fixture(scope="module")
def book_url(seed_book):
    """The built book on a local HTTP server, for the lifetime of this module's tests."""

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(seed_book)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("Debian chromium absent : `make test` l’installe")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _pages(book: Path) -> list[str]:
    """Every page of the book (not the theme's files nor the page sources), redirects aside."""
    return sorted(path.relative_to(book).as_posix() for path in book.rglob("*.html")
                  if not {"_static", "_sources"} & set(path.relative_to(book).parts)
                  and 'http-equiv="Refresh"' not in path.read_text(encoding="utf-8")[:500])


def _violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE / "axe.min.js"))
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS},
               "rules": {rule: {"enabled": True} for rule in BEST_PRACTICES}}
    context = {"exclude": [[selector] for selector in EXCLUDED]} if EXCLUDED else "document"
    return page.evaluate(
        """async ([context, options]) => {
             const result = await axe.run(context === "document" ? document : context, options);
             return result.violations.map((v) => ({id: v.id, help: v.help,
               nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ") + " : " + n.failureSummary.split("\\n").slice(1).join(" "))}));
           }""", [context, options])


@pytest.mark.parametrize("viewport, scheme", [(WIDE, "light"), (PHONE, "light"), (WIDE, "dark")],
                         ids=["ecran-large", "telephone", "mode-sombre"])
def test_every_page_of_the_book_passes_axe_wcag_a_and_aa(seed_book, book_url, browser, viewport, scheme):
    package = AXE / "package.json"
    if not package.exists() or json.loads(package.read_text(encoding="utf-8"))["version"] != _axe_version():
        pytest.skip(f"axe-core {_axe_version()} absent : `make test` l’installe (make axe)")
    context = browser.new_context(viewport=viewport, color_scheme=scheme)
    page = context.new_page()
    found = {}
    pages = _pages(seed_book)
    assert len(pages) >= 14 and "book/levers.html" in pages and "search.html" in pages
    for path in pages:
        page.goto(book_url + path)
        page.wait_for_load_state("load")
        assert page.evaluate("document.documentElement.dataset.theme") == scheme, path
        violations = _violations(page)
        if violations:
            found[path] = violations
    context.close()
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)


def test_no_chapter_scrolls_sideways_on_a_phone(seed_book, book_url, browser):
    """At 390 px, the page is never wider than the screen, and nothing sticks out of it unless it
    is inside a block that scrolls (a wide table scrolls within its output, not the page)."""
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    for chapter in PHONE_CHAPTERS:
        page.goto(book_url + f"book/{chapter}.html")
        page.wait_for_load_state("load")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1, chapter
        sticking_out = page.evaluate("""(width) => [...document.querySelectorAll("article *")].filter((element) => {
              if (element.getBoundingClientRect().right <= width + 1) return false;
              for (let a = element.parentElement; a; a = a.parentElement)
                if (a.scrollWidth > a.clientWidth + 1 && ["auto", "scroll"].includes(getComputedStyle(a).overflowX))
                  return false;
              return true;
            }).map((element) => element.tagName + "." + element.className).slice(0, 5)""", PHONE["width"])
        assert not sticking_out, (chapter, sticking_out)
    context.close()


def test_the_codebook_is_one_entry_per_code_a_phone_reader_opens(seed_book, book_url, browser):
    codes = yaml.safe_load((REPO / "corpus" / "codebook.yaml").read_text(encoding="utf-8"))["codes"]
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(book_url + "book/codebook.html")
    entries = page.locator("details.codebook-entry")
    assert entries.count() == len(codes)
    assert page.evaluate("Math.max(...[...document.querySelectorAll('article table')].map((t) => t.getBoundingClientRect().right))") <= PHONE["width"]
    first = entries.first
    assert not first.locator("p").first.is_visible()
    first.locator("summary").click()
    assert first.locator("p").first.is_visible() and "Définition" in first.inner_text()
    assert f"{codes[0]['path']}" in first.locator("summary").inner_text()
    context.close()


def test_one_search_box_and_screenshots_of_two_chapters(book_url, browser):
    """A wide screen shows the sidebar's search box, a phone the article header's button: one each,
    labelled in French. Screenshots of two chapters on both."""
    ARTIFACTS.mkdir(exist_ok=True)
    for name, viewport in (("ordinateur", WIDE), ("telephone", PHONE)):
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        for chapter, anchor in (("scenarios", ""), ("codebook", "#les-codes")):
            page.goto(book_url + f"book/{chapter}.html{anchor}")
            page.wait_for_load_state("load")
            visible = [control for control in page.locator(".search-button__button, input[type=search]").all()
                       if control.is_visible()]
            assert len(visible) == 1, (name, chapter, [control.evaluate("e => e.outerHTML") for control in visible])
            assert visible[0].get_attribute("aria-label") == "Recherche"
            if chapter == "codebook":  # the entries, one of them opened
                page.locator("details.codebook-entry summary").nth(1).click()
            shot = ARTIFACTS / f"livre-{chapter}-{viewport['width']}x{viewport['height']}.png"
            page.screenshot(path=shot)
            assert shot.stat().st_size > 10_000
        field = page.locator("#pst-search-dialog input[type=search]")
        assert field.get_attribute("aria-label") == field.get_attribute("placeholder") == "Rechercher dans le livre…"
        context.close()


def test_search_finds_a_french_word_and_shows_the_text_around_it(book_url, browser):
    """From the phone's search button to the results: each page found shows an excerpt, the text
    around the word (« coopératives » is found for « coopération »: accents aside, same stem)."""
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(book_url + "book/levers.html")
    page.locator(".article-header-buttons .search-button__button").click()
    field = page.locator("#pst-search-dialog input[type=search]")
    field.fill("coopération")
    field.press("Enter")
    page.wait_for_url("**/search.html?q=*")
    page.wait_for_function("""() => {  // the summary says how many pages; each shows its excerpt when fetched
        const summary = document.querySelector("#search-results .search-summary");
        const found = document.querySelectorAll("#search-results ul.search > li");
        const count = summary && summary.textContent.match(/\\d+/);
        return count && found.length === Number(count[0]) && found.length > 0
          && [...found].every((item) => item.querySelector("p.context"));
      }""", timeout=30_000)
    results = page.evaluate("""() => [...document.querySelectorAll("#search-results ul.search > li")].map(
        (item) => [item.querySelector("a").textContent, item.querySelector("p.context").textContent])""")
    assert results and any(title == "Ce que les collectivités peuvent faire" for title, _ in results), results
    for title, excerpt in results:
        assert excerpt.strip() and re.search(r"coop[ée]r", excerpt, re.I), (title, excerpt)
        assert not excerpt.strip().startswith((".md", "… .md")), (title, excerpt)
    assert page.locator("#search-results span.highlighted").count() >= 1
    context.close()


def test_every_palette_colour_has_a_text_variant_that_reads_in_both_modes():
    from analysis.palette import BOOK_BACKGROUNDS, CATEGORICAL, contrast_ratio, text_colour

    for colour in CATEGORICAL:
        for mode, background in BOOK_BACKGROUNDS.items():
            assert contrast_ratio(text_colour(colour, mode), background) >= 4.5, (colour, mode)
    assert text_colour("#0072B2") == "#0072B2"  # already dark enough: unchanged
    assert text_colour("#D55E00") != "#D55E00"  # the vermillion of class 2 is darkened


def test_a_collapsible_entry_is_escaped_and_the_pdf_shows_it_open():
    import pandas as pd

    from analysis.publication.book_latex import tree_to_nodes
    from analysis.publication.render import code, details, paragraph, table

    entry = details(code("a/<b>"), paragraph("<script>alert(1)</script>"), class_="codebook-entry")
    assert str(entry) == ('<details class="codebook-entry"><summary><code>a/&lt;b&gt;</code></summary>'
                          "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p></details>")
    nodes = tree_to_nodes(entry, "book/codebook")
    assert [node.tagname for node in nodes] == ["paragraph", "paragraph"]
    assert nodes[0].astext() == "a/<b>" and nodes[0][0].tagname == "strong"
    corner = str(table(pd.DataFrame({"n": [1]}, index=["x"]), index=True))
    assert "<thead><tr><td></td><th>n</th></tr></thead>" in corner  # no empty header cell
