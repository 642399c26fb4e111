"""Web pages: the visible text, headings marked with ``#``, scripts and styles dropped."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup, NavigableString, Tag

from .base import ReadDocument, decode_text, first_line_title

_INVISIBLE = ["script", "style", "noscript", "template", "head", "svg", "iframe", "object", "button", "form"]
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_BLOCKS = {"p", "div", "section", "article", "main", "header", "footer", "aside", "blockquote",
           "pre", "figure", "figcaption", "address", "dd", "dt", "nav", "table", "ul", "ol", "dl"}


def _inline_text(element: Tag) -> str:
    return " ".join(element.get_text(" ").split())


def _blocks(element: Tag, out: list[str]) -> None:
    """Walk the tree, one paragraph per block element, keeping document order."""
    inline: list[str] = []

    def flush() -> None:
        text = " ".join(" ".join(inline).split())
        if text:
            out.append(text)
        inline.clear()

    for child in element.children:
        if isinstance(child, NavigableString):
            if child.__class__.__name__ in ("Comment", "Doctype", "CData", "ProcessingInstruction"):
                continue
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
            _blocks(child, out)
        else:
            inline.append(child.get_text(" "))
    flush()


def read_html(path: Path, data: bytes) -> list[ReadDocument]:
    text, encoding = decode_text(path, data)
    soup = BeautifulSoup(text, "html.parser")
    page_title = " ".join(soup.title.get_text().split()) if soup.title else ""
    for tag in soup.find_all(_INVISIBLE):
        tag.decompose()
    root = soup.body or soup
    paragraphs: list[str] = []
    _blocks(root, paragraphs)
    body = "\n\n".join(paragraphs) + "\n"
    metadata = {"encoding": encoding}
    author = soup.find("meta", attrs={"name": "author"})
    if author and author.get("content"):
        metadata["author"] = author["content"].strip()
    return [ReadDocument(text=body, title=page_title or first_line_title(body, path.stem), metadata=metadata)]
