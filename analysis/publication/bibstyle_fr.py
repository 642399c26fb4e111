"""A French bibliography style for the book (sphinxcontrib-bibtex, loaded as a Sphinx extension).

pybtex's ``unsrt`` style joins authors with "and" and lowercases titles; this one writes « et »
and keeps the titles' capitals (ESS, RTES). Citations are numbered, so no English word appears. ``_config.yml`` loads this module and sets ``bibtex_default_style``.

In the HTML book, each entry of the bibliography is an item of its list (``role="listitem"``):
docutils writes ``role="doc-biblioentry"``, a role DPUB-ARIA 1.1 deprecates, which assistive
technologies may not announce and accessibility checkers (axe-core) refuse.
"""

from __future__ import annotations

from docutils import nodes
from pybtex.plugin import register_plugin
from pybtex.style.formatting.unsrt import Style as UnsrtStyle
from pybtex.style.template import field, names, sentence


class FrenchStyle(UnsrtStyle):
    default_sorting_style = "author_year_title"

    def format_title(self, e, which_field, as_sentence=True):
        # French titles keep their capitals (ESS, RTES): no sentence-casing.
        title = field(which_field)
        return sentence[title] if as_sentence else title

    def format_names(self, role, as_sentence=True):
        formatted = names(role, sep=", ", sep2=" et ", last_sep=" et ")
        return sentence[formatted] if as_sentence else formatted


def _visit_citation(translator, node):
    """docutils' HTML for a bibliography entry (the list opened before the first), as a list item."""
    if not isinstance(node.previous_sibling(), type(node)):
        translator.body.append('<div role="list" class="citation-list">\n')
    translator.body.append(translator.starttag(node, "div", classes=[node.tagname], role="listitem"))


def _depart_citation(translator, node):
    translator.body.append("</div>\n")
    if not isinstance(node.next_node(descend=False, siblings=True), type(node)):
        translator.body.append("</div>\n")


def setup(app):
    register_plugin("pybtex.style.formatting", "fr", FrenchStyle)
    app.add_node(nodes.citation, override=True, html=(_visit_citation, _depart_citation))
    return {"parallel_read_safe": True, "parallel_write_safe": True}
