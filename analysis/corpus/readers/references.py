"""Zotero exports: BibTeX (bibtexparser) and RIS (rispy), one document per reference.

The document text is what a researcher codes in a reference: its title, authors, year,
abstract and notes. The citation key (BibTeX) or the first author and year (RIS) give the
document its identifier, so the same reference exported twice is the same document.
"""

from __future__ import annotations

import re
from pathlib import Path

import bibtexparser
import rispy
from bibtexparser.middlewares import LatexDecodingMiddleware, SeparateCoAuthors

from ...errors import InputError
from ..metadata import slugify
from ...textio import decode_text
from .base import ReadDocument


def _reference_document(
    key: str, title: str, authors: list[str], year: str, abstract: str, notes: list[str],
    extra: dict[str, str], part: int,
) -> ReadDocument:
    lines = [title]
    if authors:
        lines.append("Auteurs : " + "; ".join(authors))
    if year:
        lines.append("Année : " + year)
    paragraphs = ["\n".join(lines)]
    if abstract:
        paragraphs.append("Résumé : " + abstract)
    paragraphs += ["Note : " + note for note in notes if note]
    metadata = {"genre": "littérature", "author": "; ".join(authors), "citation_key": key, **extra}
    if re.fullmatch(r"\d{4}", year or ""):
        metadata["date"] = year
    return ReadDocument(
        text="\n\n".join(paragraphs) + "\n", title=title, metadata=metadata, part=part,
        doc_id_hint=slugify(key),
    )


def _clean_field(value: str) -> str:
    return " ".join(str(value).replace("{", "").replace("}", "").split())


def read_bib(path: Path, data: bytes) -> list[ReadDocument]:
    text, _ = decode_text(path, data)
    library = bibtexparser.parse_string(
        text, append_middleware=[LatexDecodingMiddleware(), SeparateCoAuthors()]
    )
    if library.failed_blocks:
        block = library.failed_blocks[0]
        raise InputError(
            path, f"entrée BibTeX mal formée : {block.raw.strip()[:60]!r}", f"ligne {block.start_line + 1}"
        )
    if not library.entries:
        raise InputError(path, "aucune référence BibTeX dans le fichier")
    documents = []
    for part, entry in enumerate(library.entries, start=1):
        fields = {name.lower(): field.value for name, field in entry.fields_dict.items()}
        title = _clean_field(fields.get("title", ""))
        if not title:
            raise InputError(path, f"référence « {entry.key} » sans titre", f"ligne {entry.start_line + 1}")
        authors = fields.get("author", [])
        authors = [_clean_field(a) for a in (authors if isinstance(authors, list) else [authors])]
        year = _clean_field(fields.get("year", "") or fields.get("date", ""))[:4]
        notes = [_clean_field(fields[name]) for name in ("note", "annote", "annotation") if name in fields]
        extra = {"reference_type": entry.entry_type}
        for name in ("journal", "publisher", "doi", "url", "isbn"):
            if name in fields:
                extra[name] = _clean_field(fields[name])
        documents.append(_reference_document(
            entry.key, title, authors, year, _clean_field(fields.get("abstract", "")), notes, extra, part,
        ))
    return documents


_RIS_LINE = re.compile(r"^[A-Z][A-Z0-9]  -( |$)")


def _check_ris(path: Path, text: str) -> None:
    open_record = None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if not _RIS_LINE.match(line):
            if open_record is None:
                raise InputError(path, f"ligne RIS invalide : {line.strip()[:60]!r}", f"ligne {number}")
            continue  # continuation of a long field
        tag = line[:2]
        if tag == "TY":
            if open_record is not None:
                raise InputError(path, "référence RIS non terminée (ER manquant)", f"ligne {open_record}")
            open_record = number
        elif open_record is None:
            raise InputError(path, f"balise {tag} hors d’une référence (TY manquant)", f"ligne {number}")
        elif tag == "ER":
            open_record = None
    if open_record is not None:
        raise InputError(path, "référence RIS non terminée (ER manquant)", f"ligne {open_record}")


def read_ris(path: Path, data: bytes) -> list[ReadDocument]:
    text, _ = decode_text(path, data)
    text = text.lstrip("\ufeff")
    _check_ris(path, text)
    try:
        entries = rispy.loads(text)
    except Exception as error:  # rispy raises IOError/ValueError on malformed input
        raise InputError(path, f"fichier RIS mal formé ({error})") from None
    if not entries:
        raise InputError(path, "aucune référence RIS dans le fichier")
    documents = []
    for part, entry in enumerate(entries, start=1):
        title = _clean_field(entry.get("title") or entry.get("primary_title") or "")
        if not title:
            raise InputError(path, f"référence RIS n°{part} sans titre")
        authors = [_clean_field(a) for a in entry.get("authors", []) + entry.get("first_authors", [])]
        year = _clean_field(entry.get("year") or entry.get("date") or "")[:4]
        surname = authors[0].split(",")[0] if authors else title.split()[0]
        key = entry.get("id") or f"{surname}{year}-{slugify(title, 24)}"
        notes = [_clean_field(n) for n in entry.get("notes", [])]
        extra = {"reference_type": entry.get("type_of_reference", "")}
        for name, column in (("journal_name", "journal"), ("secondary_title", "journal"),
                             ("publisher", "publisher"), ("doi", "doi"), ("url", "url")):
            if entry.get(name) and column not in extra:
                value = entry[name]
                extra[column] = _clean_field(value[0] if isinstance(value, list) else value)
        documents.append(_reference_document(
            key, title, authors, year, _clean_field(entry.get("abstract", "")), notes, extra, part,
        ))
    return documents
