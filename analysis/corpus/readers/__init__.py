"""Readers turn one source file into one or more documents, by file extension."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from ...errors import InputError
from .base import ReadDocument
from .html import read_html
from .ocr import read_image
from .office import read_docx, read_odt
from .pdf import read_pdf
from .plain import read_text
from .references import read_bib, read_ris
from .transcripts import read_srt, read_vtt

Reader = Callable[[Path, bytes], list[ReadDocument]]

READERS: dict[str, tuple[str, Reader]] = {
    ".txt": ("texte", read_text),
    ".md": ("markdown", read_text),
    ".html": ("html", read_html),
    ".htm": ("html", read_html),
    ".docx": ("docx", read_docx),
    ".odt": ("odt", read_odt),
    ".pdf": ("pdf", read_pdf),
    ".vtt": ("vtt", read_vtt),
    ".srt": ("srt", read_srt),
    ".bib": ("bibtex", read_bib),
    ".ris": ("ris", read_ris),
    ".png": ("image", read_image),
    ".jpg": ("image", read_image),
    ".jpeg": ("image", read_image),
    ".tif": ("image", read_image),
    ".tiff": ("image", read_image),
}


def read_source(path: Path, data: bytes) -> tuple[str, list[ReadDocument]]:
    """The format name and the documents of a source file's bytes."""
    extension = path.suffix.lower()
    if extension not in READERS:
        known = ", ".join(sorted(READERS))
        raise InputError(path, f"extension inconnue « {path.suffix or '(aucune)'} » (formats pris en charge : {known})")
    if not data.strip():
        raise InputError(path, "fichier vide")
    format_name, reader = READERS[extension]
    documents = reader(path, data)
    if not any(document.text.strip() for document in documents):
        raise InputError(path, "aucun texte dans le fichier")
    return format_name, documents


__all__ = ["READERS", "ReadDocument", "read_source"]
