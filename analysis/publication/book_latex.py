"""A Sphinx extension for the PDF of the book (``jupyter-book build . --builder pdflatex``).

The book's tables are notebook outputs that only have an HTML form (pandas ``Styler``, the
``IPython.display.HTML`` of the timeline and the levers): by default the LaTeX builder falls back
to their ``text/plain`` form, ``<pandas.io.formats.style.Styler at 0x…>``. This extension

* asks MyST-NB to prefer ``text/html`` over ``text/plain`` for the ``latex`` builder only (images,
  LaTeX and Markdown outputs still come first; the HTML book is unchanged);
* turns those HTML outputs, for the LaTeX builder only, into docutils nodes: tables, lists,
  paragraphs, headings as rubrics, bold, italics, code and external links. What a reader sees is
  kept; styles, scripts and attributes are dropped. The text is the already masked and
  pseudonymised text of the HTML book, and the PDF goes through the same privacy scan;
* writes a stand-in ``bbm.sty`` next to the ``.tex`` file: Jupyter Book's LaTeX class
  (``jupyterBook.cls``) loads ``bbm``, which Debian only ships in ``texlive-fonts-extra``
  (over 1 GB installed), for math macros the book never uses.

Offline by construction: nothing is downloaded at build time; the fonts are Debian's FreeFont
(``fonts-freefont-otf``), French hyphenation and typography come from ``texlive-lang-french``.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.transforms.post_transforms import SphinxPostTransform

#: Priority of ``text/html`` for the LaTeX builder: after images, LaTeX and Markdown
#: (10 to 50 in MyST-NB), before ``text/plain`` (60).
HTML_PRIORITY = 55

_DROPPED = {"style", "script", "noscript", "template", "svg", "math", "head", "title", "meta", "link"}
_BLOCKS = {"table", "ul", "ol", "p", "div", "section", "h1", "h2", "h3", "h4", "h5", "h6",
           "blockquote", "pre", "details", "figure", "dl", "hr"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


def _inline(element, parent: nodes.Element) -> None:
    """Append the inline content of a BeautifulSoup element to ``parent``."""
    from bs4 import NavigableString, Tag
    from bs4.element import Comment

    for child in element.children:
        if isinstance(child, Comment):
            continue
        if isinstance(child, NavigableString):
            text = " ".join(str(child).split("\n"))
            if text:
                parent += nodes.Text(text)
            continue
        if not isinstance(child, Tag) or child.name in _DROPPED:
            continue
        name = child.name
        if name == "br":
            parent += nodes.Text("\n")
        elif name in ("b", "strong"):
            node = nodes.strong()
            _inline(child, node)
            parent += node
        elif name in ("i", "em", "cite", "var"):
            node = nodes.emphasis()
            _inline(child, node)
            parent += node
        elif name == "q":  # the HTML book draws the guillemets in CSS
            parent += nodes.Text("«\u00a0")
            _inline(child, parent)
            parent += nodes.Text("\u00a0»")
        elif name in ("code", "kbd", "samp", "tt"):
            parent += nodes.literal(text=child.get_text())
        elif name == "a" and str(child.get("href", "")).startswith(("http://", "https://")):
            node = nodes.reference(refuri=str(child["href"]))
            _inline(child, node)
            parent += node
        else:
            _inline(child, parent)


def _paragraph(element) -> nodes.paragraph:
    paragraph = nodes.paragraph()
    _inline(element, paragraph)
    return paragraph


#: Characters in a line of the page, for :func:`_column_widths`.
LINE_CHARS = 100


def _column_widths(longest_word: list[int], longest_text: list[int]) -> list[int]:
    """Relative column widths: each column fits its longest word (up to 16 characters), the
    rest of the line goes to the columns with long texts, in proportion to their length."""
    minimum = [min(16, word) + 4 for word in longest_word]  # + the cell padding
    wanted = [max(0, min(LINE_CHARS, text) + 2 - low) for text, low in zip(longest_text, minimum)]
    spare = max(0, LINE_CHARS - sum(minimum))
    total_wanted = sum(wanted) or 1
    return [max(1, round(low + min(want, spare * want / total_wanted))) for low, want in zip(minimum, wanted)]


def _table(element) -> nodes.table | None:
    """A docutils table from an HTML table; spans are expanded into empty cells."""
    grid: list[list[Any]] = []
    header_rows = 0
    pending: dict[tuple[int, int], bool] = {}  # cells covered by a rowspan from above
    rows = element.find_all("tr")
    for row_index, row in enumerate(rows):
        if row.find_parent("table") is not element:
            continue
        cells: list[Any] = []
        column = 0
        for cell in row.find_all(["th", "td"], recursive=False):
            while pending.pop((row_index, column), False):
                cells.append(None)
                column += 1
            span = max(1, int(cell.get("colspan", 1) or 1))
            down = max(1, int(cell.get("rowspan", 1) or 1))
            for extra_row in range(1, down):
                for extra_column in range(span):
                    pending[(row_index + extra_row, column + extra_column)] = True
            cells.append(cell)
            cells.extend([None] * (span - 1))
            column += span
        while pending.pop((row_index, column), False):
            cells.append(None)
            column += 1
        if row.find_parent("thead") is not None:
            header_rows = len(grid) + 1
        grid.append(cells)
    grid = [row for row in grid if row]
    if not grid:
        return None
    width = max(len(row) for row in grid)
    longest_word = [1] * width
    longest_text = [1] * width
    for row in grid:
        row.extend([None] * (width - len(row)))
        for index, cell in enumerate(row):
            if cell is not None:
                text = cell.get_text(" ", strip=True)
                longest_text[index] = max(longest_text[index], len(text))
                longest_word[index] = max([longest_word[index], *(len(w) for w in text.split())])
    table = nodes.table(classes=["html-table", "colwidths-given"])
    group = nodes.tgroup(cols=width)
    table += group
    for colwidth in _column_widths(longest_word, longest_text):
        group += nodes.colspec(colwidth=colwidth)

    def build(rows_: list[list[Any]]) -> list[nodes.row]:
        built = []
        for cells in rows_:
            row_node = nodes.row()
            for cell in cells:
                entry = nodes.entry()
                if cell is not None:
                    entry += _paragraph(cell)
                row_node += entry
            built.append(row_node)
        return built

    if header_rows:
        head = nodes.thead()
        head.extend(build(grid[:header_rows]))
        group += head
    body = nodes.tbody()
    body.extend(build(grid[header_rows:]) or build([[None] * width]))
    group += body
    return table


def _blocks(element) -> list[nodes.Node]:
    """Docutils block nodes for the content of a BeautifulSoup element."""
    from bs4 import NavigableString, Tag
    from bs4.element import Comment

    result: list[nodes.Node] = []
    loose = nodes.paragraph()

    def flush() -> None:
        nonlocal loose
        if loose.astext().strip():
            result.append(loose)
        loose = nodes.paragraph()

    for child in element.children:
        if isinstance(child, Comment):
            continue
        if isinstance(child, NavigableString):
            if str(child).strip():
                loose += nodes.Text(" ".join(str(child).split("\n")))
            continue
        if not isinstance(child, Tag) or child.name in _DROPPED:
            continue
        name = child.name
        if name not in _BLOCKS:
            _inline(_wrap(child), loose)
            continue
        flush()
        if name == "table":
            table = _table(child)
            if table is not None:
                result.append(table)
        elif name in ("ul", "ol"):
            listing = nodes.bullet_list(bullet="-") if name == "ul" else nodes.enumerated_list(enumtype="arabic")
            for item in child.find_all("li", recursive=False):
                list_item = nodes.list_item()
                list_item.extend(_blocks(item) or [nodes.paragraph()])
                listing += list_item
            result.append(listing)
        elif name in _HEADINGS:
            rubric = nodes.rubric()
            _inline(child, rubric)
            result.append(rubric)
        elif name == "pre":
            result.append(nodes.literal_block(text=child.get_text()))
        elif name == "hr":
            result.append(nodes.transition())
        elif name == "p":
            result.append(_paragraph(child))
        else:  # div, section, blockquote, details, figure, dl
            result.extend(_blocks(child))
    flush()
    return result


def _wrap(tag):
    """A tag seen as the only child of a container, for :func:`_inline`."""

    class _One:
        children = (tag,)

    return _One()


def html_to_nodes(markup: str) -> list[nodes.Node]:
    """Docutils nodes showing what a reader sees of an HTML fragment (tables, lists, text)."""
    from bs4 import BeautifulSoup

    return _blocks(BeautifulSoup(markup, "html.parser"))


class HtmlOutputsToLatex(SphinxPostTransform):
    """Replace the raw HTML of notebook outputs by docutils nodes, for the LaTeX builder."""

    builders = ("latex",)
    default_priority = 20  # after MyST-NB's SelectMimeType (4)

    def run(self, **kwargs: Any) -> None:
        for node in list(self.document.findall(nodes.raw)):
            if node.get("format") != "html":
                continue
            converted = html_to_nodes(node.astext())
            if converted:
                node.replace_self(converted)
            else:
                node.parent.remove(node)


def _configure(app: Sphinx, config: Config) -> None:
    overrides = list(config["nb_mime_priority_overrides"] or []) if "nb_mime_priority_overrides" in config else []
    if not any(tuple(o[:2]) == ("latex", "text/html") for o in overrides):
        overrides.append(("latex", "text/html", HTML_PRIORITY))
        config["nb_mime_priority_overrides"] = overrides


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
        from pathlib import Path

        Path(app.outdir).mkdir(parents=True, exist_ok=True)
        (Path(app.outdir) / "bbm.sty").write_text(BBM_STUB, encoding="utf-8")


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("config-inited", _configure, priority=800)
    app.connect("builder-inited", _write_bbm_stub)
    app.add_post_transform(HtmlOutputsToLatex)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
