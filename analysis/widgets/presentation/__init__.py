"""A prospective exercise as one self-contained HTML presentation for the workshop room.

:func:`build_presentation` writes a single HTML file (CSS, JavaScript and figures inline, no
network access) with one 16:9 view per screen, in French:

================  ==================================================================================
view id           content
================  ==================================================================================
``titre``         title of the exercise, description, illustrative-values notice, list of views
``matrice``       direct influence matrix as a coloured grid (codes, 0–3 and P), legend of codes
``plan-direct``   direct influence/dependence plane (MICMAC) with its four quadrants
``plan``          indirect influence/dependence plane (MICMAC, power used) with its four quadrants
``deplacements``  each variable's ranks of influence and dependence, direct then indirect, and its shift
``graphe``        graph of the strong direct influences (threshold 3), variables coloured by quadrant
``scenarios``     the consistent scenarios (CIB) side by side: one column per scenario
``bilans``        why each consistent scenario holds: its variants' impact balances against the best other
``boite``         morphological box, one consistent scenario highlighted (↑/↓ choose another)
``acteurs``       convergences between actors (3CAA, weighted by r*) and coalitions (MACTOR)
``alliances``     convergence and divergence graphs between actors (3CAA, 3DAA)
``leviers``       levers per scenario: stake, coalition, instruments, scales, local capacity, robustness
``soufflerie``    wind-tunnelling: each lever in each named scenario (``windtunnel.csv``), its robustness
``consensus``     median of the individual ratings, cells where the group disagrees framed
================  ==================================================================================

Keyboard: → ← PageDown PageUp Space (Shift+Space) move between views (and a click, or a
clicker's page-down, advances), 1–9 jump to the first nine views, Home/End, F toggles full screen, ? shows the view's
terms each explained in one line (:mod:`.glossary`), ↑/↓ change the highlighted scenario on the
morphological box.

Readability: ``1rem`` is 1/80 of the 16:9 stage width, 24 px at 1920×1080, and no text is
smaller than ``1rem``. Figures are hand-built SVG drawn at one user unit per 1/24 rem (so on a
1920×1080 screen one unit is one CSS pixel) with every font-size at least 24 units. Colours come
from the Okabe-Ito palette and a blue sequential scale; text on coloured cells is black or white,
whichever contrasts most.

A view that cannot be built (a missing or invalid table) shows, instead of its content, the
French error message naming the file and the place; the other views are built as usual.

:func:`export_views` opens the presentation in headless chromium (Playwright) and writes each
view as a 1920×1080 PNG screenshot and as SVG: the view's own figure when it has one, otherwise
(title, tables) the view's HTML wrapped in an SVG ``foreignObject`` with the presentation's CSS.
Those ``foreignObject`` SVGs display in web browsers; tools that do not render HTML in SVG
(Inkscape, most converters) show them empty: use the PNG there.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from ...errors import AtelierError
from ...fsio import atomic_write_text
from ...prospective.exercise import ILLUSTRATIVE_NOTICE, Exercise
from .drawing import escape
from .glossary import TERMS, VIEW_TERMS
from .views import BUILDERS, TITLES_IF_FAILED, Context


__all__ = ["VIEWS", "build_presentation", "export_views"]


STATIC = Path(__file__).parents[1] / "static"


VIEWS = ["titre", *BUILDERS]


def _short_path(message: str, folder: Path) -> str:
    """Error messages name files by their full path; show them relative to the exercise's parent."""
    base = str(folder.resolve().parent) + "/"
    message = message.replace(base, "")
    return message.replace(str(folder.parent) + "/", "") if str(folder.parent) not in ("", ".") else message


def _error_block(message: str) -> str:
    return ('<div class="side"><div class="error"><h3>Cette vue n’a pas pu être construite</h3>'
            f'<p class="message">{escape(message)}</p>'
            '<p>Corrigez le fichier indiqué, puis reconstruisez la présentation.</p></div></div>')


def _help(view: str) -> str:
    """The view's terms, explained in one line each; shown with « ? »."""
    items = "".join(f"<dt>{escape(term)}</dt><dd>{escape(TERMS[term])}</dd>" for term in VIEW_TERMS[view])
    return f'<aside class="help" aria-label="Lexique"><h3>Lexique (? pour fermer)</h3><dl>{items}</dl></aside>'


def _message(error: Exception, folder: Path) -> str:
    if isinstance(error, (AtelierError, ValueError)):
        text = str(error)
    else:
        text = f"erreur inattendue ({error.__class__.__name__} : {error})"
    return _short_path(text, folder)


def build_presentation(folder: Path | str, out_path: Path | str) -> dict:
    """Write the workshop presentation of the exercise in ``folder`` to ``out_path`` (one HTML file).

    Returns ``{"path", "title", "illustrative", "views", "built", "failed"}``: ``views`` lists
    ``{"id", "number", "title", "ok", "error"}`` in order, ``built`` the ids of the views built and
    ``failed`` maps the id of each view that could not be built to its French error message.
    Raises :class:`AtelierError` only when ``folder`` is not a directory.
    """
    exercise = Exercise.open(folder)
    folder = exercise.folder
    out_path = Path(out_path)
    context = Context(exercise)
    meta_error = None
    try:
        meta = exercise.meta
        illustrative = exercise.illustrative
    except AtelierError as error:
        meta, illustrative, meta_error = {}, False, _message(error, folder)
    title = str(meta.get("title") or folder.name)
    notice = f'<div class="notice" data-notice="1">⚠ {escape(ILLUSTRATIVE_NOTICE)}</div>' if illustrative else ""

    records = []
    sections = []
    for number, view in enumerate(VIEWS[1:], start=2):
        try:
            view_title, body = BUILDERS[view](context)
            records.append({"id": view, "number": number, "title": view_title, "ok": True, "error": None})
        except Exception as error:  # every failure becomes a French message on its view
            message = _message(error, folder)
            view_title, body = TITLES_IF_FAILED[view], _error_block(message)
            records.append({"id": view, "number": number, "title": view_title, "ok": False, "error": message})
        sections.append(f'<section class="view" id="v-{view}" data-view="{view}" '
                        f'data-ok="{"1" if records[-1]["ok"] else "0"}"><h2>{escape(view_title)}</h2>{notice}'
                        f'<div class="content">{body}</div>{_help(view)}</section>')

    toc = "".join(f'<li><span class="key">{r["number"]}</span>{escape(r["title"])}'
                  f'{"" if r["ok"] else " — ⚠ à corriger"}</li>' for r in records)
    description = escape(str(meta.get("description", "")).strip())
    meta_block = _error_block(meta_error) if meta_error else ""
    title_view = (f'<section class="view title-view" id="v-titre" data-view="titre" data-ok="{"0" if meta_error else "1"}">'
                  f'<h1>{escape(title)}</h1><p class="lede">Exercice de prospective : présentation d’atelier. '
                  f'{description}</p>{notice}{meta_block}<h3>Les vues</h3><ol class="toc">{toc}</ol>'
                  '<p class="hint">Clic, → ← ou espace : vue suivante ou précédente ; 1 à 9 : aller à une vue ; '
                  'F : plein écran ; ? : lexique de la vue.</p>' + _help("titre") + '</section>')
    records.insert(0, {"id": "titre", "number": 1, "title": title, "ok": meta_error is None, "error": meta_error})

    css = (STATIC / "present.css").read_text(encoding="utf-8")
    script = (STATIC / "present.js").read_text(encoding="utf-8").replace("</", "<\\/")
    document = ("<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\">"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
                f"<title>{escape(title)}</title><style>{css}</style></head><body>"
                f'<main class="deck">{title_view}{"".join(sections)}<div class="counter" aria-live="polite">'
                f'1 / {len(records)}</div></main><script>{script}</script></body></html>\n')
    atomic_write_text(out_path, document)
    return {"path": str(out_path), "title": title, "illustrative": illustrative, "views": records,
            "built": [r["id"] for r in records if r["ok"]],
            "failed": {r["id"]: r["error"] for r in records if not r["ok"]}}


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def export_views(html_path: Path | str, out_dir: Path | str, chromium: str | None = None) -> list[Path]:
    """Each view of a presentation as ``NN-<id>.png`` (1920×1080 screenshot) and ``NN-<id>.svg``.

    The SVG is the view's own figure where it has exactly one (matrix, planes, graph, actors,
    consensus), else the view's HTML in an SVG ``foreignObject`` (see the module docstring). Needs Playwright and
    chromium (``chromium``, default ``/usr/bin/chromium`` or ``chromium`` on the PATH). Returns
    the files written, in view order.
    """
    from playwright.sync_api import sync_playwright

    html_path, out_dir = Path(html_path).resolve(), Path(out_dir)
    executable = chromium or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else shutil.which("chromium"))
    if not executable:
        raise AtelierError("export des vues : chromium est introuvable (paquet Debian « chromium »)")
    out_dir.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            page.goto(html_path.as_uri())
            ids = page.evaluate("Array.from(document.querySelectorAll('.view')).map(v => v.dataset.view)")
            for index, view in enumerate(ids):
                page.evaluate(f"window.presentation.show({index})")
                stem = f"{index + 1:02d}-{re.sub(r'[^a-z0-9-]', '', view)}"
                png = out_dir / f"{stem}.png"
                page.screenshot(path=str(png))
                svg = out_dir / f"{stem}.svg"
                svg.write_text('<?xml version="1.0" encoding="UTF-8"?>\n'
                               + page.evaluate(f"window.presentation.svgOf({index})"), encoding="utf-8")
                files += [png, svg]
        finally:
            browser.close()
    return files
