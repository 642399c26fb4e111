"""Project export: the corpus's documents, codebook, codings and memos as a ``.qdpx``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from xml.etree import ElementTree as ET

import pandas as pd

from ... import __version__
from ..store import check_coder
from ...corpus.store import Corpus, publishable
from ...fsio import atomic_write_bytes
from ...corpus.metadata import CORE_COLUMNS, STANDARD_COLUMNS
from ..queries import current_codings
from .archive import _clean_xml, _guid, _sub, _xml_bytes, _zip_bytes
from .codes import _append_codes, _code_rows, _load_codebook_or_empty
from ...text.offsets import Units
from .positions import _convention
from ..store import CodingStore

PROJECT_NS = "urn:QDA-XML:project:1.0"
_VARIABLE_COLUMNS = [c for c in STANDARD_COLUMNS if c not in ("doc_id", "source", "source_sha256", "text_sha256")]


def _xml_datetime(value: str) -> str | None:
    try:
        moment = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class _Notes:
    """The ``Note`` elements of an export, each referenced from what it annotates."""

    def __init__(self, users: dict[str, str], fallback_date: str):
        self.users = users
        self.fallback_date = fallback_date
        self.notes: list[tuple[str, str, str, str, str]] = []  # guid, name, text, coder, date

    def add(self, key: str, name: str, text: str, coder: str, updated: str) -> str:
        guid = _guid("note", key)
        self.notes.append((guid, name, text, coder, _xml_datetime(updated) or self.fallback_date))
        return guid

    def append_to(self, root: ET.Element) -> None:
        if self.notes:
            element = _sub(root, "Notes")
            for guid, name, text, coder, date in self.notes:
                # QualCoder cannot read a note without its date, nor credit it without its user.
                user = {"creatingUser": self.users[coder]} if coder in self.users else {}
                note = _sub(element, "Note", guid=guid, name=name, creationDateTime=date, **user)
                _sub(note, "PlainTextContent", text)


_VARIABLE_KINDS = {"private": "Boolean", "year": "Integer"}


def _append_variables(root: ET.Element, documents: pd.DataFrame) -> list[str]:
    """The document attributes (text, year, private) declared as variables; their names."""
    extra = [c for c in documents.columns if c not in CORE_COLUMNS]
    variables = [c for c in _VARIABLE_COLUMNS + extra if c in documents.columns and documents[c].ne("").any()]
    if variables and not documents.empty:
        element = _sub(root, "Variables")
        for name in variables:
            _sub(element, "Variable", guid=_guid("variable", name), name=name,
                 typeOfVariable=_VARIABLE_KINDS.get(name, "Text"))
    return variables


def _append_values(source: ET.Element, document: dict, variables: list[str]) -> None:
    """A document's attributes as variable values of its source: QualCoder, MAXQDA and NVivo read
    them as the document's own attributes (values of unnamed cases they read as cases)."""
    for name in variables:
        value = document[name]
        if value and (name != "year" or value.isdigit()):
            holder = _sub(source, "VariableValue")
            _sub(holder, "VariableRef", targetGUID=_guid("variable", name))
            _sub(holder, _VARIABLE_KINDS.get(name, "Text") + "Value", value)


def _append_selections(source: ET.Element, codings: pd.DataFrame, units: "Units", users: dict[str, str],
                       notes: _Notes) -> None:
    """One selection per coding, named after the coded text as other tools do."""
    for coding in codings.sort_values(["start", "end", "code", "coder", "coding_id"]).itertuples():
        created = _xml_datetime(coding.created)
        selection = _sub(source, "PlainTextSelection", guid=_guid("selection", coding.coding_id),
                         name=coding.text if len(coding.text) <= 60 else coding.text[:60] + "…",
                         startPosition=str(units.from_codepoint(coding.start)),
                         endPosition=str(units.from_codepoint(coding.end)), creatingUser=users[coding.coder],
                         **({"creationDateTime": created} if created else {}))
        tag = _sub(selection, "Coding", guid=_guid("coding", coding.coding_id), creatingUser=users[coding.coder])
        _sub(tag, "CodeRef", targetGUID=_guid("code", coding.code))
        if coding.memo:
            _sub(selection, "NoteRef", targetGUID=notes.add(
                f"coding:{coding.coding_id}", f"Mémo de {coding.coder} sur un codage", coding.memo, coding.coder,
                coding.updated))


def export_project(corpus: Corpus, out_path: Path | str, tool: str = "qualcoder", positions: str | None = None,
                   coders: list[str] | None = None, public_only: bool = False) -> dict:
    """Write the current documents, codebook, codings and memos as a REFI-QDA ``.qdpx``.

    Positions are written in the units ``tool`` counts in (``positions`` overrides). Codings on
    replaced documents are placed in the current version; those that cannot be placed are left
    out and counted. GUIDs derive from our ids, so the same corpus gives the same archive.
    With ``public_only``, the documents that may not be published (:func:`analysis.corpus.store.publishable`)
    are left out with their codings and memos; the summary counts the private ones exported.
    """
    convention = _convention(tool, positions)
    coder_names = sorted({check_coder(c) for c in coders}) if coders else CodingStore.of(corpus).coders()
    current = corpus.documents()
    documents = current[publishable(current)].reset_index(drop=True) if public_only else current
    replay = CodingStore.of(corpus).replay(coder_names or None)
    placed = current_codings(corpus, coder_names or None)
    placed = placed[placed["doc_id"].isin(set(current["doc_id"]))]
    left_out = len(replay.codings) - len(placed)
    not_public = ~placed["doc_id"].isin(set(documents["doc_id"]))
    placed = placed[~not_public]
    memos = replay.memos
    code_memos = memos[memos["target"] == "code"]
    rows = _code_rows(_load_codebook_or_empty(corpus.codebook_path), list(placed["code"]) + list(code_memos["ref"]))
    users = {coder: _guid("user", coder) for coder in sorted(set(coder_names) | set(placed["coder"]))}
    dates = [d for d in [*documents.get("ingested_at", []), *replay.codings["updated"], *memos["updated"]]
             if _xml_datetime(d)]
    project_date = _xml_datetime(max(dates, key=_xml_datetime)) if dates else "1970-01-01T00:00:00Z"
    notes = _Notes(users, project_date)
    root = ET.Element("Project", {
        "xmlns": PROJECT_NS, "name": _clean_xml(corpus.root.resolve().name),
        "origin": f"Atelier ESS {__version__} (REFI-QDA 1.5, positions={convention})",
        "creationDateTime": project_date,
    })
    if users:
        element = _sub(root, "Users")
        for coder, guid in users.items():
            _sub(element, "User", guid=guid, name=coder, id=coder)
    if rows:
        code_notes: dict[str, list[str]] = {}
        for memo in code_memos.itertuples():
            title = f"Mémo de {memo.coder} sur le code {memo.ref}"
            code_notes.setdefault(memo.ref, []).append(
                notes.add(f"code:{memo.ref}:{memo.coder}", title, memo.memo, memo.coder, memo.updated))
        _append_codes(_sub(_sub(root, "CodeBook"), "Codes"), rows, code_notes)
    variables = _append_variables(root, documents)
    files = [("project.qde", b"")]
    sources = _sub(root, "Sources") if not documents.empty else None
    for document in documents.to_dict("records"):
        doc_id = document["doc_id"]
        text = corpus.text(doc_id)
        guid = _guid("source", doc_id)
        files.append((f"sources/{guid}.txt", text.encode("utf-8")))
        created = _xml_datetime(document.get("ingested_at", ""))
        source = _sub(sources, "TextSource", guid=guid, name=doc_id, plainTextPath=f"internal://{guid}.txt",
                      **({"creationDateTime": created} if created else {}))
        _append_selections(source, placed[placed["doc_id"] == doc_id], Units(text, convention), users, notes)
        for memo in memos[(memos["target"] == "document") & (memos["ref"] == doc_id)].itertuples():
            _sub(source, "NoteRef", targetGUID=notes.add(f"document:{doc_id}:{memo.coder}",
                                                         f"Mémo de {memo.coder} sur {doc_id}", memo.memo,
                                                         memo.coder, memo.updated))
        _append_values(source, document, variables)
    notes.append_to(root)
    files[0] = ("project.qde", _xml_bytes(root))
    atomic_write_bytes(Path(out_path), _zip_bytes(files))
    return {"path": str(out_path), "documents": len(documents), "private_documents": int((~publishable(documents)).sum()),
            "documents_left_out": len(current) - len(documents), "codings": len(placed), "codings_left_out": left_out,
            "codings_of_documents_left_out": int(not_public.sum()), "coders": sorted(users),
            "memos": len(notes.notes), "codes": len(rows), "positions": convention}
