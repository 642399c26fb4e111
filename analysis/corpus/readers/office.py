"""Word (.docx, python-docx) and OpenDocument (.odt, odfpy) files.

Headings become ``#`` lines, list paragraphs ``- `` lines, table rows ``a | b | c`` lines.
A Word or Writer transcript with speaker turns is recognised like a plain one.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import docx
from docx.table import Table
from docx.text.paragraph import Paragraph
from odf import dc, teletype
from odf.namespaces import TABLENS, TEXTNS
from odf.opendocument import load as load_odf

from ...errors import InputError
from .base import ReadDocument
from .plain import documents_from_text

_HEADING_STYLE = re.compile(r"^(?:heading|titre)\s*(\d)$", re.IGNORECASE)


MAX_UNCOMPRESSED_MB = 200  # a 500-page report with its images holds well under this
MAX_XML_MB = 20  # the text of a 500-page report is a few megabytes of XML, which is what gets parsed
MAX_ENTRIES = 10_000


def _check_zip(path: Path, data: bytes, what: str) -> None:
    """A valid archive whose declared content is bounded, checked before anything is expanded."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise InputError(path, f"fichier {what} corrompu ou illisible (ce n’est pas une archive valide)")
    try:
        entries = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise InputError(path, f"fichier {what} corrompu ou illisible ({error})") from None
    if len(entries) > MAX_ENTRIES:
        raise InputError(path, f"fichier {what} refusé : {len(entries)} fichiers dans l’archive "
                         f"(limite {MAX_ENTRIES})")
    xml = sum(entry.file_size for entry in entries if entry.filename.lower().endswith(".xml"))
    if xml > MAX_XML_MB * 1024 * 1024:
        raise InputError(path, f"fichier {what} refusé : {xml / 1024 / 1024:.0f} Mo de texte XML une fois "
                         f"décompressé (limite {MAX_XML_MB} Mo ; une « bombe de décompression » ?)")
    expanded = sum(entry.file_size for entry in entries)
    if expanded > MAX_UNCOMPRESSED_MB * 1024 * 1024:
        raise InputError(path, f"fichier {what} refusé : {expanded / 1024 / 1024:.0f} Mo une fois décompressé "
                         f"(limite {MAX_UNCOMPRESSED_MB} Mo ; une « bombe de décompression » ?)")


def read_docx(path: Path, data: bytes) -> list[ReadDocument]:
    _check_zip(path, data, "Word")
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as error:  # python-docx raises KeyError, ValueError, lxml errors…
        raise InputError(path, f"fichier Word corrompu ou illisible ({error.__class__.__name__})") from None
    paragraphs: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            text = block.text.strip()
            if not text:
                continue
            style = block.style.name if block.style is not None else ""
            heading = _HEADING_STYLE.match(style or "")
            if heading or style == "Title":
                level = int(heading.group(1)) if heading else 1
                paragraphs.append("#" * level + " " + text)
            elif "List" in (style or "") or "Liste" in (style or ""):
                paragraphs.append("- " + text)
            else:
                paragraphs.append(text)
        elif isinstance(block, Table):
            for row in block.rows:
                cells = [cell.text.strip() for cell in row.cells]
                unique = [c for i, c in enumerate(cells) if i == 0 or c != cells[i - 1]]
                if any(unique):
                    paragraphs.append(" | ".join(unique))
    if not paragraphs:
        raise InputError(path, "document Word sans texte")
    text = "\n\n".join(paragraphs) + "\n"
    props = document.core_properties
    metadata = {}
    if props.author:
        metadata["author"] = props.author
    if props.created:
        metadata["file_date"] = props.created.date().isoformat()
    documents = documents_from_text(text, path.stem, metadata)
    if props.title and len(documents) == 1 and documents[0].metadata.get("genre") != "entretien":
        documents[0].title = props.title
    return documents


def read_odt(path: Path, data: bytes) -> list[ReadDocument]:
    _check_zip(path, data, "OpenDocument")
    try:
        document = load_odf(io.BytesIO(data))
    except Exception as error:  # odfpy raises KeyError, xml errors…
        raise InputError(path, f"fichier OpenDocument corrompu ou illisible ({error.__class__.__name__})") from None

    paragraphs: list[str] = []

    def walk(node, in_list: bool = False) -> None:
        for child in node.childNodes:
            qname = getattr(child, "qname", None)
            if qname == (TEXTNS, "h"):
                level = int(child.getAttribute("outlinelevel") or 1)
                text = teletype.extractText(child).strip()
                if text:
                    paragraphs.append("#" * level + " " + text)
            elif qname == (TEXTNS, "p"):
                text = teletype.extractText(child).strip()
                if text:
                    paragraphs.append(("- " if in_list else "") + text)
            elif qname == (TEXTNS, "list"):
                walk(child, in_list=True)
            elif qname == (TABLENS, "table-row"):
                cells = [teletype.extractText(cell).strip() for cell in child.childNodes
                         if getattr(cell, "qname", None) == (TABLENS, "table-cell")]
                if any(cells):
                    paragraphs.append(" | ".join(cells))
            elif qname is not None:
                walk(child, in_list)

    walk(document.text)
    if not paragraphs:
        raise InputError(path, "document OpenDocument sans texte")
    text = "\n\n".join(paragraphs) + "\n"
    metadata = {}
    title = ""
    for element, key in ((dc.Title, "title"), (dc.Creator, "author"), (dc.Date, "date")):
        nodes = document.meta.getElementsByType(element)
        value = teletype.extractText(nodes[0]).strip() if nodes else ""
        if value and key == "title":
            title = value
        elif value and key == "date":
            metadata["file_date"] = value[:10]
        elif value:
            metadata[key] = value
    documents = documents_from_text(text, path.stem, metadata)
    if title and len(documents) == 1 and documents[0].metadata.get("genre") != "entretien":
        documents[0].title = title
    return documents

