"""Web pages: the visible text, headings marked with ``#``, scripts and styles dropped."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup, NavigableString, Tag

from ...textio import decode_text
from .base import ReadDocument, first_line_title

_INVISIBLE = ["script", "style", "noscript", "template", "head", "svg", "iframe", "object", "button", "form"]
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_BLOCKS = {"p", "div", "section", "article", "main", "header", "footer", "aside", "blockquote",
           "pre", "figure", "figcaption", "address", "dd", "dt", "nav", "table", "ul", "ol", "dl"}


def _inline_text(element: Tag) -> str:
    return " ".join(element.get_text(" ").split())


def _blocks(root: Tag, out: list[str]) -> None:
    """Walk the tree, one paragraph per block element, keeping document order.

    The walk keeps its own stack, so a page nested thousands of levels deep is read like any other.
    """
    inline: list[str] = []

    def flush() -> None:
        text = " ".join(" ".join(inline).split())
        if text:
            out.append(text)
        inline.clear()

    stack = [iter(root.children)]
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
            flush()
        elif isinstance(child, NavigableString):
            if child.__class__.__name__ not in ("Comment", "Doctype", "CData", "ProcessingInstruction"):
                inline.append(str(child))
        elif not isinstance(child, Tag):
            continue
        elif child.name in _HEADINGS:
            flush()
            text = _inline_text(child)
            if text:
                out.append("#" * _HEADINGS[child.name] + " " + text)
        elif child.name == "li":
            flush()
            text = _inline_text(child)
            if text:
                out.append("- " + text)
        elif child.name == "tr":
            flush()
            cells = [_inline_text(cell) for cell in child.find_all(["td", "th"])]
            if any(cells):
                out.append(" | ".join(cells))
        elif child.name == "br":
            flush()
        elif child.name in _BLOCKS:
            flush()
            stack.append(iter(child.children))
        else:
            inline.append(child.get_text(" "))


def read_html(path: Path, data: bytes) -> list[ReadDocument]:
    text, encoding = decode_text(path, data)
    soup = BeautifulSoup(text, "html.parser")
    page_title = " ".join(soup.title.get_text().split()) if soup.title else ""
    author = soup.find("meta", attrs={"name": "author"})  # in the head, dropped below
    author = " ".join((author.get("content") or "").split()) if author else ""
    for tag in soup.find_all(_INVISIBLE):
        tag.decompose()
    root = soup.body or soup
    paragraphs: list[str] = []
    _blocks(root, paragraphs)
    body = "\n\n".join(paragraphs) + "\n"
    metadata = {"encoding": encoding}
    if author:
        metadata["author"] = author
    return [ReadDocument(text=body, title=page_title or first_line_title(body, path.stem), metadata=metadata)]
