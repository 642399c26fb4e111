"""The themes chapter's tables: the classes and their characteristic passages, escaped for the book."""

from __future__ import annotations

from ..themes.figures import french_percent, theme_colour
from ..themes.pipeline import Themes, characteristic_passages, class_terms
from .render import Html, html, join


def class_terms_html(themes: Themes, n_terms: int = 10) -> Html:
    """The table of the classes: size, share and characteristic forms (chi-squared), as HTML."""
    table = class_terms(themes, n_terms)
    rows = join((
        html('<tr><td style="color:{};font-weight:bold">Classe {}</td><td>{}</td><td>{}</td><td>{}</td></tr>',
             theme_colour(row.theme), row.theme, row.segments, french_percent(100 * row.share), row.terms)
        for row in table.itertuples(index=False)), "\n")
    return html('<table class="themes-table"><thead><tr><th>Classe</th><th>Segments</th><th>Part</th>'
                "<th>Formes caractéristiques (χ²)</th></tr></thead>\n<tbody>\n{}\n</tbody></table>", rows)


def passages_html(themes: Themes, quoter, n: int = 3, n_terms: int = 5) -> Html:
    """For each class, its ``n`` most characteristic segments quoted with their provenance.

    ``quoter`` is an :class:`analysis.publication.quotations.Quoter`: every quotation is masked, escaped and
    linked to its place in the corpus; a private document is refused.
    """
    labels = themes.labels_of_themes(n_terms)
    passages = characteristic_passages(themes, n)
    sections = []
    for theme in themes.sizes["theme"]:
        chosen = passages[passages["theme"] == theme]
        items = join((html("<li>{}</li>", quoter.quotation(row.doc_id, int(row.start), int(row.end)))
                      for row in chosen.itertuples(index=False)), "\n")
        sections.append(html('<h3 style="color:{}">Classe {} : {}</h3>\n<ul class="themes-passages">\n{}\n</ul>',
                             theme_colour(theme), theme, labels.get(theme, ""), items))
    return join(sections, "\n")
