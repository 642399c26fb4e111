"""Every text a reader can get from the built book: visible HTML and SVG text, shown attributes,
the search index, the PDF and the EPUB, normalised as the privacy scan compares them.

Kept apart from :mod:`analysis.publication.privacy`, which decides what must not be there: this module only
reads what is there.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

from ..errors import AtelierError

#: Elements whose content a reader never sees.
_HIDDEN_TAGS = {"script", "style", "template"}
#: Elements that start a new line; inline ones are glued to their neighbours, as browsers do.
_BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details", "dialog",
    "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
    "h6", "head", "header", "hgroup", "hr", "html", "legend", "li", "main", "menu", "nav", "noscript", "ol",
    "optgroup", "option", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead",
    "title", "tr", "ul", "button", "select", "textarea", "label", "output",
    # SVG: each text element, title and description is a separate run of text
    "text", "desc", "svg", "g", "foreignobject",
}
#: Attributes shown to readers (tooltips, image descriptions, screen readers, placeholders).
_SHOWN_ATTRIBUTES = ("alt", "title", "aria-label", "aria-description", "aria-placeholder", "placeholder",
                     "label", "summary", "data-title", "data-tooltip")
#: ``<meta>`` whose ``content`` link previews and search engines show.
_SHOWN_META = re.compile(r"^(?:description|keywords|author|og:.*|twitter:.*|dc\..*)$", re.IGNORECASE)
_LINE_END_HYPHEN = re.compile(r"([^\W\d_])-[ \t]*\n[ \t]*([^\W\d_])")
_SPACES = re.compile(r"\s+")
_HORIZONTAL_SPACES = re.compile(r"[^\S\n]+")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def visible_characters(text: str) -> str:
    """NFKC, without the invisible characters (soft hyphens, zero-width spaces, direction marks)."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(c for c in text if unicodedata.category(c) != "Cf") if not text.isascii() else text


def dehyphenate(text: str) -> str:
    """Words hyphenated at a line end (TeX, hand-wrapped sources) joined again."""
    return _LINE_END_HYPHEN.sub(r"\1\2", text)


def tidy(text: str) -> str:
    """One line per line of text, spaces collapsed, no empty line."""
    lines = (" ".join(line.split()) for line in visible_characters(text).split("\n"))
    return "\n".join(line for line in lines if line)


def visible_text(markup: str) -> str:
    """Every text a reader gets from an HTML page or an SVG image, one block per line.

    The text of every element except scripts, styles and templates (JSON data in a script is
    kept: it is a download away), the attributes that are shown (``alt``, ``title``,
    ``aria-label``…), the ``content`` of descriptive ``<meta>``, ``mailto:`` and ``tel:`` links,
    and SVG text and titles. Inline elements are glued together without a separator
    (« Hé<b>lène</b> » reads « Hélène »); block elements, table cells and SVG text elements
    start a new line; ``<br>`` reads as a space within its block. Then NFKC, invisible
    characters removed, words hyphenated at line ends joined, spaces collapsed.
    """
    import lxml.html
    from lxml import etree

    markup = _XML_DECLARATION.sub("", markup)
    if not markup.strip():
        return ""
    try:
        root = lxml.html.document_fromstring(markup)
    except (etree.ParserError, ValueError):
        return tidy(markup)
    parts: list[str] = []
    _walk(root, parts, preformatted=False)
    return tidy("".join(parts))


def _flow(text: str, preformatted: bool) -> str:
    text = dehyphenate(text)
    return _HORIZONTAL_SPACES.sub(" ", text) if preformatted else _SPACES.sub(" ", text)


def _walk(element, parts: list[str], preformatted: bool) -> None:
    tag = element.tag
    if not isinstance(tag, str):  # comments and processing instructions: only their tail shows
        if element.tail:
            parts.append(_flow(element.tail, preformatted))
        return
    tag = tag.rsplit("}", 1)[-1].lower()
    for name in _SHOWN_ATTRIBUTES:
        value = element.get(name)
        if value and value.strip():
            parts.append(f"\n{value}\n")
    href = element.get("href") or ""
    if href.lower().startswith(("mailto:", "tel:")):
        parts.append(f"\n{href.split(':', 1)[1]}\n")
    if tag == "meta" and _SHOWN_META.match(element.get("name") or element.get("property") or ""):
        parts.append(f"\n{element.get('content') or ''}\n")
    data_script = tag == "script" and "json" in (element.get("type") or "").lower()
    if data_script:
        parts.append(f"\n{element.text or ''}\n")
    elif tag not in _HIDDEN_TAGS:
        block = tag in _BLOCK_TAGS
        inner_pre = preformatted or tag in ("pre", "textarea")
        if block:
            parts.append("\n")
        elif tag == "br" or (tag == "tspan" and any(a in element.attrib for a in ("x", "y", "dx", "dy"))):
            parts.append(" ")  # a line break within a block, or an SVG run placed apart
        if element.text:
            parts.append(_flow(element.text, inner_pre))
        for child in element:
            _walk(child, parts, inner_pre)
        if block:
            parts.append("\n")
    if element.tail:
        parts.append(_flow(element.tail, preformatted))


def _search_index(data: str):
    start, end = data.find("{"), data.rfind("}")
    try:
        return json.loads(data[start:end + 1])
    except ValueError:
        return None


def search_index_text(data: str) -> str:
    """Every string (keys included) of Sphinx's ``searchindex.js``, one per line."""
    index = _search_index(data)
    if index is None:
        return data
    strings: list[str] = []

    def walk(value) -> None:
        if isinstance(value, str):
            strings.append(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                strings.append(str(key))
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(index)
    return "\n".join(" ".join(s.split()) for s in strings)


def pdf_pages(pdf_path: Path) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(str(pdf_path)).pages]


def _book_files(path: Path | str, suffix: str) -> list[Path]:
    """``path`` itself, or the files of a build folder that end with ``suffix``. Raises
    :class:`AtelierError` when there is none."""
    path, kind = Path(path), suffix.lstrip(".").upper()
    if path.is_dir():
        found = sorted(p for p in path.glob(f"*{suffix}") if p.is_file())
        if not found:
            raise AtelierError(f"{path} : aucun {kind} dans ce dossier (le livre {kind} est-il construit ?)")
        return found
    if not path.is_file():
        raise AtelierError(f"{path} : {kind} du livre introuvable")
    return [path]


def pdf_files(path: Path | str) -> list[Path]:
    """The PDF files to scan: ``path`` itself, or those of the LaTeX build folder (``_build/latex``)."""
    return _book_files(path, ".pdf")


def epub_files(path: Path | str) -> list[Path]:
    """The EPUB files to scan: ``path`` itself, or those of the EPUB build folder (``_build/epub``)."""
    return _book_files(path, ".epub")


def epub_entries(epub_path: Path) -> list[tuple[str, bytes]]:
    """``(name inside the archive, bytes)`` of every file of an EPUB (a zip archive), in the
    archive's order. Raises :class:`AtelierError` when the file is not a readable zip."""
    import zipfile

    try:
        with zipfile.ZipFile(epub_path) as archive:
            return [(info.filename, archive.read(info)) for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as error:
        raise AtelierError(f"{epub_path} : EPUB illisible, ce n’est pas une archive zip valide ({error})") from None
