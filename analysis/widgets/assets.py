"""The browser side of the widgets, in ``static/``.

anywidget loads one ES module per widget and there is no bundler here, so the DOM helpers the
widgets share (``static/dom.js``) are prepended to each widget's module.
"""

from __future__ import annotations

from pathlib import Path

STATIC = Path(__file__).parent / "static"


def widget_module(name: str) -> str:
    """The ES module of a widget: the shared DOM helpers, then ``static/<name>``."""
    return "\n".join((STATIC / file).read_text(encoding="utf-8") for file in ("dom.js", name))
