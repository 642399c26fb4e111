"""The book's Sphinx extension for the PDF (``jupyter-book build . --builder pdflatex``).

The chapters' tables, lists and paragraphs are :class:`~analysis.publication.render.Element`
trees. Their notebook outputs carry both an HTML rendering (what the HTML book shows) and the tree
itself as JSON (:data:`~analysis.publication.render.MIME_TYPE`). This module

* is a MyST-NB mime renderer plugin (entry point ``myst_nb.mime_renderers``) that turns the JSON
  tree into docutils nodes and asks the LaTeX builder to prefer it: tables with column widths,
  bulleted lists, paragraphs, headings as rubrics, collapsible entries (``details``) as their
  summary in bold then their content, bold, italics, code, guillemets around quotations, and links (a link to a passage of the documents annex becomes a link inside the PDF).
  Data are docutils text nodes, which the LaTeX writer escapes: nothing is parsed, nothing is
  read as markup. The HTML book is unchanged (its builders never select this output);
* writes a stand-in ``bbm.sty`` next to the ``.tex`` file: Jupyter Book's LaTeX class
  (``jupyterBook.cls``) loads ``bbm``, which Debian only ships in ``texlive-fonts-extra``
  (over 1 GB installed), for math macros the book never uses.

Offline by construction: nothing is downloaded at build time; the fonts are Debian's FreeFont
(``fonts-freefont-otf``), French hyphenation and typography come from ``texlive-lang-french``.
"""

from __future__ import annotations

import json
import posixpath
from pathlib import Path
from typing import Any, Mapping

from docutils import nodes
from sphinx.application import Sphinx

from .render import INLINE, MIME_TYPE, Element

#: Characters in a line of the page, for :func:`_column_widths`.
LINE_CHARS = 100


def _uri(href: str, docname: str) -> str | None:
    """Where a link of the HTML book leads in the PDF: the same web address, or the label of an
    anchor of the book (``page.html#anchor`` and ``#anchor``, as Sphinx's LaTeX writer names them)."""
    if href.startswith(("http://", "https://")):
        return href
    page, _, anchor = href.partition("#")
    if not anchor or (page and not page.endswith(".html")):
        return None
    target = posixpath.join(posixpath.dirname(docname), page[: -len(".html")]) if page else docname
    return f"%{target}#{anchor}"


def _inline(child: Element | str, docname: str) -> list[nodes.Node]:
    if isinstance(child, str):
        return [nodes.Text(" ".join(child.split("\n")))]
    inner = [node for grandchild in child.children for node in _inline(grandchild, docname)]
    if child.tag == "strong":
        return [nodes.strong("", "", *inner)]
    if child.tag == "em":
        return [nodes.emphasis("", "", *inner)]
    if child.tag == "code":
        return [nodes.literal(text=child.text())]
    if child.tag == "q":  # the HTML book draws the guillemets in CSS
        return [nodes.Text("«\u00a0"), *inner, nodes.Text("\u00a0»")]
    if child.tag == "br":
        return [nodes.Text("\n")]
    if child.tag == "a" and (uri := _uri(child.attributes.get("href", ""), docname)):
        return [nodes.reference("", "", *inner, refuri=uri)]
    return inner


def _column_widths(longest_word: list[int], longest_text: list[int]) -> list[int]:
    """Relative column widths: each column fits its longest word (up to 16 characters), the
    rest of the line goes to the columns with long texts, in proportion to their length."""
    minimum = [min(16, word) + 4 for word in longest_word]  # + the cell padding
    wanted = [max(0, min(LINE_CHARS, text) + 2 - low) for text, low in zip(longest_text, minimum)]
    spare = max(0, LINE_CHARS - sum(minimum))
    total_wanted = sum(wanted) or 1
    return [max(1, round(low + min(want, spare * want / total_wanted))) for low, want in zip(minimum, wanted)]


def _rows(section: Element) -> list[list[Element]]:
    return [[cell for cell in row.children if isinstance(cell, Element)]
            for row in section.children if isinstance(row, Element) and row.tag == "tr"]


def _table(tree: Element, docname: str) -> nodes.table:
    sections = {child.tag: _rows(child) for child in tree.children if isinstance(child, Element)}
    head, body = sections.get("thead", []), sections.get("tbody", [])
    width = max(len(row) for row in head + body + [[None]])
    longest_word, longest_text = [1] * width, [1] * width
    for row in head + body:
        for index, cell in enumerate(row):
            text = " ".join(cell.text().split())
            longest_text[index] = max(longest_text[index], len(text))
            longest_word[index] = max([longest_word[index], *(len(word) for word in text.split())])
    group = nodes.tgroup(cols=width)
    group.extend(nodes.colspec(colwidth=colwidth) for colwidth in _column_widths(longest_word, longest_text))

    def built(rows: list[list[Element]]) -> list[nodes.row]:
        return [nodes.row("", *(nodes.entry("", *_blocks(cell, docname)) for cell in row),
                          *(nodes.entry() for _ in range(width - len(row)))) for row in rows]

    if head:
        group += nodes.thead("", *built(head))
    group += nodes.tbody("", *(built(body) or built([[]])))
    return nodes.table("", group, classes=["atelier-table", "colwidths-given"])


def _without_fragments(children: tuple[Element | str, ...]) -> list[Element | str]:
    """The children, those of a fragment (tag "") in its place."""
    flat: list[Element | str] = []
    for child in children:
        flat.extend(_without_fragments(child.children) if isinstance(child, Element) and not child.tag else [child])
    return flat


def _blocks(tree: Element, docname: str) -> list[nodes.Node]:
    """Docutils block nodes for the children of ``tree``; runs of text and inline elements
    become paragraphs."""
    result: list[nodes.Node] = []
    loose: list[nodes.Node] = []

    def flush() -> None:
        if "".join(node.astext() for node in loose).strip():
            result.append(nodes.paragraph("", "", *loose))
        loose.clear()

    for child in _without_fragments(tree.children):
        if isinstance(child, str) or child.tag in INLINE:
            loose.extend(_inline(child, docname))
            continue
        flush()
        if "id" in child.attributes:
            result.append(nodes.target(ids=[child.attributes["id"]]))
        if child.tag == "table":
            result.append(_table(child, docname))
        elif child.tag == "ul":
            result.append(nodes.bullet_list("", *(nodes.list_item("", *(_blocks(item, docname) or [nodes.paragraph()]))
                                                  for item in child.children if isinstance(item, Element)),
                                            bullet="-"))
        elif child.tag in ("h2", "h3", "h4"):
            result.append(nodes.rubric("", "", *_inline(Element("", child.children), docname)))
        elif child.tag == "p":
            result.append(nodes.paragraph("", "", *_inline(Element("", child.children), docname)))
        elif child.tag == "summary":  # a details' summary; the PDF shows the details open
            result.append(nodes.paragraph("", "", nodes.strong("", "", *_inline(Element("", child.children), docname))))
        else:  # section, details, and a table's cells
            result.extend(_blocks(child, docname))
    flush()
    return result


def tree_to_nodes(tree: Element, docname: str) -> list[nodes.Node]:
    """Docutils nodes for a tree shown in the document ``docname``."""
    return _blocks(Element("", [tree]), docname)


class BookTreeRenderer:
    """MyST-NB mime renderer plugin: the chapters' trees as docutils nodes, chosen by the LaTeX builder
    before their HTML (after images, which come first)."""

    mime_priority_overrides = [("latex", MIME_TYPE, 25)]

    @staticmethod
    def handle_mime(renderer: Any, data: Any, inline: bool) -> list[nodes.Node] | None:
        if data.mime_type != MIME_TYPE:
            return None
        content = data.content if isinstance(data.content, Mapping) else json.loads(data.content)
        tree = Element.from_json(content)
        docname = renderer.renderer.document.settings.env.docname
        return _inline(tree, docname) if inline else tree_to_nodes(tree, docname)


#: Stands in for ``bbm.sty`` (blackboard bold digits), which Jupyter Book's ``jupyterBook.cls``
#: loads but only uses for its ``\RR``, ``\NN``… macros; the book uses none of them.
BBM_STUB = r"""\NeedsTeXFormat{LaTeX2e}
\ProvidesPackage{bbm}[2024/01/01 stand-in written by analysis.publication.book_latex]
\RequirePackage{amssymb}
\providecommand{\mathbbm}[1]{\mathbb{#1}}
\endinput
"""


def _write_bbm_stub(app: Sphinx) -> None:
    from sphinx.builders.latex import LaTeXBuilder

    if isinstance(app.builder, LaTeXBuilder):
        Path(app.outdir).mkdir(parents=True, exist_ok=True)
        (Path(app.outdir) / "bbm.sty").write_text(BBM_STUB, encoding="utf-8")


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("builder-inited", _write_bbm_stub)
    return {"version": "2.0", "parallel_read_safe": True, "parallel_write_safe": True}
