"""The one way the book renders data: every value is escaped by construction.

Chapters and the functions that prepare their outputs never write HTML by concatenation, never
build a pandas ``Styler`` (which does not escape) and never pass data through ``Markdown(...)``
(where a title could be read as MyST syntax). They use:

* :func:`html` — a template written in the code, whose ``{}`` fields are filled with values that
  are escaped unless they are already :class:`Html` (MarkupSafe's ``Markup`` semantics);
* :func:`paragraph` — the same, as a ``<p>``;
* :func:`join` — a list of values and fragments, each escaped unless already :class:`Html`;
* :func:`table` — a DataFrame as an HTML table, every header and cell escaped, cells that are
  :class:`Html` (a linked quotation) kept, numbers formatted, missing values shown as « — »;
* :func:`figure_label` — data text for a matplotlib figure: shown literally (``$`` would start
  mathtext) and wrapped, so that a long label cannot squeeze the plot away.

The result is shown as HTML by Jupyter and, for the PDF, turned into LaTeX by
:mod:`analysis.publication.book_latex` from that already escaped HTML, so both outputs show data literally.
"""

from __future__ import annotations

import math
import textwrap
from typing import Any, Iterable

import pandas as pd
from markupsafe import Markup, escape

__all__ = ["Html", "escape", "figure_label", "html", "join", "paragraph", "table"]

#: Shown for a missing value in a table.
MISSING = "—"


class Html(Markup):
    """A fragment of HTML whose data parts were escaped when it was built."""

    def _repr_html_(self) -> str:
        return str(self)


def html(template: str, *values: Any, **named: Any) -> Html:
    """``template`` (written in the code, trusted) with its fields filled by escaped values."""
    return Html(template).format(*values, **named)


def paragraph(template: str, *values: Any, **named: Any) -> Html:
    return html(f"<p>{template}</p>", *values, **named)


def join(parts: Iterable[Any], separator: str = "") -> Html:
    """The parts one after the other, each escaped unless it is already :class:`Html`."""
    return Html(separator).join(parts)


def _cell(value: Any, precision: int) -> Markup:
    if isinstance(value, Markup):
        return value
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return escape(MISSING)
    if isinstance(value, float):
        return escape(f"{value:.{precision}f}")
    return escape(value)


def table(frame: pd.DataFrame, index: bool = False, precision: int = 2, css_class: str = "") -> Html:
    """``frame`` as an escaped HTML table; with ``index``, its index is the first column (row headers).

    The header of the index column is the index's name (and the columns' name after a « / »,
    as a crosstab has both).
    """
    header = [html("<th>{}</th>", column) for column in frame.columns]
    if index:
        corner = " / ".join(str(name) for name in (frame.index.name, frame.columns.name) if name)
        header.insert(0, html("<th>{}</th>", corner))
    rows = []
    for label, values in zip(frame.index, frame.itertuples(index=False, name=None)):
        cells = [html("<td>{}</td>", _cell(value, precision)) for value in values]
        if index:
            cells.insert(0, html('<th scope="row">{}</th>', _cell(label, precision)))
        rows.append(html("<tr>{}</tr>", join(cells)))
    classes = " ".join(filter(None, ["atelier-table", css_class]))
    return html('<table class="{}"><thead><tr>{}</tr></thead><tbody>{}</tbody></table>',
                classes, join(header), join(rows))


def figure_label(text: Any, width: int = 28, max_chars: int = 84) -> str:
    """Data text as a figure label: literal, at most ``max_chars`` characters, wrapped at ``width``."""
    shortened = textwrap.shorten(" ".join(str(text).split()), max_chars, placeholder=" …")
    return textwrap.fill(shortened, width).replace("$", r"\$")
