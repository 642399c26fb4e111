"""The one way the book renders data: a tree of elements built by code, never parsed.

Chapters and the functions that prepare their outputs never write markup as text. They build
:class:`Element` trees with :func:`element` and its short forms (:func:`paragraph`,
:func:`strong`, :func:`emphasis`, :func:`code`, :func:`link`, :func:`heading`, :func:`bullets`,
:func:`join`, :func:`table`, :func:`details`), where every value that is not an :class:`Element` is text: a title
holding ``<script>``, ``**`` or a MyST role is shown as those characters, whatever the output.

A tree has two renderings, both escaped by construction:

* HTML (:meth:`Element.html`), what Jupyter and the HTML book show;
* a JSON form under :data:`MIME_TYPE` (:meth:`Element.to_json`), which the book's Sphinx
  extension :mod:`analysis.publication.book_latex` turns into docutils nodes for the PDF.

:func:`figure_label` is the same rule for the text of a matplotlib figure: shown literally (``$``
would start mathtext) and wrapped, so that a long label cannot squeeze the plot away.
"""

from __future__ import annotations

import math
import textwrap
from typing import Any, Iterable, Mapping

import pandas as pd
from markupsafe import Markup, escape

__all__ = ["MIME_TYPE", "Element", "bullets", "code", "details", "element", "emphasis", "figure_label",
           "heading", "join", "link", "paragraph", "strong", "table"]

#: The notebook output type that carries a tree as JSON (read by :mod:`analysis.publication.book_latex`).
MIME_TYPE = "application/vnd.atelier.book+json"
#: Shown for a missing value in a table.
MISSING = "—"

#: The elements a tree may hold ("" joins its children without an element of its own), and their
#: attributes. Nothing else can be built, so nothing else can reach the book.
TAGS = frozenset({"", "p", "strong", "em", "code", "q", "a", "br", "span", "time", "h2", "h3", "h4", "ul", "li",
                  "section", "table", "thead", "tbody", "tr", "th", "td", "details", "summary"})
ATTRIBUTES = frozenset({"id", "class", "href", "style", "datetime", "scope"})
#: Elements whose content is text and inline elements (the others hold blocks).
INLINE = frozenset({"", "strong", "em", "code", "q", "a", "br", "span", "time"})


class Element:
    """An element of the book: a tag of :data:`TAGS`, attributes of :data:`ATTRIBUTES` and children,
    each an :class:`Element` or a value shown as its text."""

    __slots__ = ("tag", "attributes", "children")

    def __init__(self, tag: str, children: Iterable[Any] = (), attributes: Mapping[str, Any] | None = None):
        if tag not in TAGS:
            raise ValueError(f"élément inconnu du livre : {tag!r}")
        unknown = set(attributes or {}) - ATTRIBUTES
        if unknown:
            raise ValueError(f"attribut inconnu du livre : {sorted(unknown)}")
        self.tag = tag
        self.attributes = {name: str(value) for name, value in (attributes or {}).items() if value is not None}
        self.children = tuple(child if isinstance(child, Element) else str(child) for child in children
                              if not (isinstance(child, str) and child == ""))

    def __add__(self, other: Any) -> Element:
        return join([self, other])

    def __radd__(self, other: Any) -> Element:
        return join([other, self])

    def html(self) -> Markup:
        """The element as HTML; text and attribute values escaped."""
        inner = Markup("").join(child.html() if isinstance(child, Element) else escape(child)
                                for child in self.children)
        if not self.tag:
            return inner
        attributes = Markup("").join(Markup(' {}="{}"').format(name, value)
                                     for name, value in self.attributes.items())
        if self.tag == "br":
            return Markup("<br{} />").format(attributes)  # also well-formed XHTML, for the EPUB
        return Markup("<{0}{1}>{2}</{0}>").format(Markup(self.tag), attributes, inner)

    def text(self) -> str:
        """What a reader reads of the element, without its markup."""
        return "".join(child.text() if isinstance(child, Element) else child for child in self.children)

    def to_json(self) -> dict[str, Any]:
        return {"tag": self.tag, "attributes": dict(self.attributes),
                "children": [child.to_json() if isinstance(child, Element) else child for child in self.children]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Element:
        return cls(data["tag"], [cls.from_json(child) if isinstance(child, Mapping) else child
                                 for child in data["children"]], data["attributes"])

    def __str__(self) -> str:
        return str(self.html())

    def __repr__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        return str(self.html())

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return {MIME_TYPE: self.to_json()}


def element(tag: str, *children: Any, class_: str | None = None, **attributes: Any) -> Element:
    """``<tag>`` holding ``children``; ``class_`` is the ``class`` attribute."""
    return Element(tag, children, {"class": class_, **attributes})


def paragraph(*children: Any, **attributes: Any) -> Element:
    return element("p", *children, **attributes)


def strong(*children: Any) -> Element:
    return element("strong", *children)


def emphasis(*children: Any) -> Element:
    return element("em", *children)


def code(text: Any) -> Element:
    return element("code", text)


def link(href: str, *children: Any, **attributes: Any) -> Element:
    return element("a", *children, href=href, **attributes)


def heading(level: int, *children: Any, **attributes: Any) -> Element:
    return element(f"h{level}", *children, **attributes)


def bullets(items: Iterable[Any], **attributes: Any) -> Element:
    """A bulleted list, one item per value (an item that is a list or tuple holds its values in turn)."""
    return element("ul", *(element("li", *(item if isinstance(item, (list, tuple)) else [item]))
                           for item in items), **attributes)


def details(summary: Any, *children: Any, **attributes: Any) -> Element:
    """An entry the reader opens: ``summary`` (text and inline elements) always shown, the
    ``children`` (blocks) when opened. The PDF shows the summary as a paragraph, then the children."""
    return element("details", element("summary", summary), *children, **attributes)


def join(parts: Iterable[Any], separator: str = "") -> Element:
    """The parts one after the other, with ``separator`` (text) between them."""
    children: list[Any] = []
    for part in parts:
        if children and separator:
            children.append(separator)
        children.append(part)
    return Element("", children)


def _cell(value: Any, precision: int) -> Any:
    if isinstance(value, Element):
        return value
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    if isinstance(value, float):
        return f"{value:.{precision}f}"
    return value


def table(frame: pd.DataFrame, index: bool = False, precision: int = 2, css_class: str = "") -> Element:
    """``frame`` as a table; with ``index``, its index is the first column (row headers).

    Cells that are :class:`Element` (a linked quotation) are kept, numbers formatted, missing
    values shown as « — ». The header of the index column is the index's name (and the
    columns' name after a « / », as a crosstab has both); an index without a name has an empty
    corner cell (a ``td``: a header cell must name what it heads).
    """
    header = [element("th", column) for column in frame.columns]
    if index:
        corner = " / ".join(str(name) for name in (frame.index.name, frame.columns.name) if name)
        header.insert(0, element("th", corner) if corner else element("td"))
    rows = []
    for label, values in zip(frame.index, frame.itertuples(index=False, name=None)):
        cells = [element("td", _cell(value, precision)) for value in values]
        if index:
            cells.insert(0, element("th", _cell(label, precision), scope="row"))
        rows.append(element("tr", *cells))
    classes = " ".join(filter(None, ["atelier-table", css_class]))
    return element("table", element("thead", element("tr", *header)), element("tbody", *rows), class_=classes)


def figure_label(text: Any, width: int = 28, max_chars: int = 84) -> str:
    """Data text as a figure label: literal, at most ``max_chars`` characters, wrapped at ``width``."""
    shortened = textwrap.shorten(" ".join(str(text).split()), max_chars, placeholder=" …")
    return textwrap.fill(shortened, width).replace("$", r"\$")
