"""The themes chapter's tables: the classes and their characteristic passages, escaped for the book."""

from __future__ import annotations

from ..errors import AtelierError
from ..palette import text_colour
from ..themes.figures import french_percent, theme_colour
from ..themes.pipeline import Themes, characteristic_passages, class_terms, names_among_top_forms, run_themes
from .render import Element, bullets, element, heading, join, strong


def _ink(theme: int) -> dict[str, str]:
    """A class's label in the colour of its class, dark (light) enough to read on the page in the
    book's light (dark) mode: ``atelier-ink`` in ``_static/atelier.css`` picks the variant."""
    colour = theme_colour(theme)
    return {"class_": "atelier-ink", "style": f"--ink:{text_colour(colour)};--ink-dark:{text_colour(colour, 'dark')}"}


def book_themes(corpus) -> Themes:
    """The classification the book shows (the themes chapter and authors' figures): Reinert, six
    classes, public documents only, refused if a person's name is among the classes' forms."""
    themes = run_themes(corpus, "reinert", k=6, include_private=False, random_state=0)
    leaked = names_among_top_forms(themes, n=10)
    if leaked:
        raise AtelierError(f"des noms de personnes figurent parmi les formes caractéristiques : {sorted(leaked)}")
    return themes


def class_terms_html(themes: Themes, n_terms: int = 10) -> Element:
    """The table of the classes: size, share and characteristic forms (chi-squared)."""
    table = class_terms(themes, n_terms)
    header = element("tr", *(element("th", name) for name in
                             ("Classe", "Segments", "Part", "Formes caractéristiques (χ²)")))
    rows = [element("tr", element("td", strong(f"Classe {row.theme}"), **_ink(row.theme)),
                    element("td", row.segments), element("td", french_percent(100 * row.share)),
                    element("td", row.terms))
            for row in table.itertuples(index=False)]
    return element("table", element("thead", header), element("tbody", *rows), class_="themes-table")


def passages_html(themes: Themes, quoter, n: int = 3, n_terms: int = 5) -> Element:
    """For each class, its ``n`` most characteristic segments quoted with their provenance.

    ``quoter`` is an :class:`analysis.publication.quotations.Quoter`: every quotation is masked, escaped and
    linked to its place in the corpus; a private document is refused.
    """
    labels = themes.labels_of_themes(n_terms)
    passages = characteristic_passages(themes, n)
    sections = []
    for theme in themes.sizes["theme"]:
        chosen = passages[passages["theme"] == theme]
        items = [quoter.quotation(row.doc_id, int(row.start), int(row.end)) for row in chosen.itertuples(index=False)]
        sections.append(heading(3, f"Classe {theme} : {labels.get(theme, '')}", **_ink(theme)))
        sections.append(bullets(items, class_="themes-passages"))
    return join(sections, "\n")
