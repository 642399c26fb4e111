"""PDF files (pypdf). Pages are separated by form feeds for the cleaner.

Pages without a text layer (scans) are read by OCR (:mod:`.ocr`), and only those: a PDF of
typed pages with a few scanned ones keeps the text layer of the former. The document then has
the ``ocr`` and ``ocr_confidence`` columns of the pages read by OCR.
"""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError, PdfReadError

from ...errors import InputError
from .base import ReadDocument, first_line_title
from .ocr import ocr_pdf_pages


def read_pdf(path: Path, data: bytes) -> list[ReadDocument]:
    if not data.startswith(b"%PDF"):
        raise InputError(path, "fichier PDF corrompu (en-tête %PDF absent)")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise InputError(path, "PDF chiffré par un mot de passe : déchiffrez-le avant de l’ingérer")
        pages = [page.extract_text() or "" for page in reader.pages]
    except FileNotDecryptedError:
        raise InputError(path, "PDF chiffré par un mot de passe : déchiffrez-le avant de l’ingérer") from None
    except (PdfReadError, ValueError, KeyError) as error:
        raise InputError(path, f"fichier PDF corrompu ou illisible ({error})") from None
    metadata = {}
    scanned = [number for number, page in enumerate(pages) if not page.strip()]
    if scanned:
        result = ocr_pdf_pages(path, data, scanned)
        for number, page in result.pages.items():
            pages[number] = page
        if not any(page.strip() for page in pages):
            blank = not result.confidences
            raise InputError(
                path, f"PDF sans couche texte ({len(pages)} page(s)) "
                + ("aux pages blanches : rien à lire" if blank else "où l’OCR n’a lu aucun texte"),
            )
        if result.confidences:
            metadata.update(result.metadata())
    text = "\f".join(pages)
    info = reader.metadata or {}
    if info.get("/Author"):
        metadata["author"] = str(info["/Author"]).strip()
    created = getattr(reader.metadata, "creation_date", None) if reader.metadata else None
    if created:
        metadata["file_date"] = created.date().isoformat()
    title = str(info.get("/Title") or "").strip() or first_line_title(text, path.stem)
    return [ReadDocument(text=text, title=title, metadata=metadata)]
