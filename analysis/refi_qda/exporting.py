"""Project export: the corpus's documents, codebook, codings and memos as a ``.qdpx``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from xml.etree import ElementTree as ET

import pandas as pd

from .. import __version__
from ..codings import check_coder
from ..corpus import Corpus
from ..fsio import atomic_write_bytes
from ..metadata import CORE_COLUMNS, STANDARD_COLUMNS
from ..queries import current_codings
from .archive import _clean_xml, _guid, _sub, _xml_bytes, _zip_bytes
from .codes import _append_codes, _code_rows, _load_codebook_or_empty
from .positions import Units, _convention

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

    def __init__(self, users: dict[str, str]):
        self.users = users
        self.notes: list[tuple[str, str, str, str]] = []  # guid, name, text, coder

    def add(self, key: str, name: str, text: str, coder: str) -> str:
        guid = _guid("note", key)
        self.notes.append((guid, name, text, coder))
        return guid

    def append_to(self, root: ET.Element) -> None:
        if self.notes:
            element = _sub(root, "Notes")
            for guid, name, text, coder in self.notes:
                user = {"creatingUser": self.users[coder]} if coder in self.users else {}
                _sub(_sub(element, "Note", guid=guid, name=name, **user), "PlainTextContent", text)


def _append_cases(root: ET.Element, documents: pd.DataFrame) -> None:
    """One case per document holding its attributes as variable values (text, year, private)."""
    extra = [c for c in documents.columns if c not in CORE_COLUMNS]
    variables = [c for c in _VARIABLE_COLUMNS + extra if c in documents.columns and documents[c].ne("").any()]
    if not variables or documents.empty:
        return
    kinds = {"private": "Boolean", "year": "Integer"}
    element = _sub(root, "Variables")
    for name in variables:
        _sub(element, "Variable", guid=_guid("variable", name), name=name, typeOfVariable=kinds.get(name, "Text"))
    cases = _sub(root, "Cases")
    for document in documents.to_dict("records"):
        case = _sub(cases, "Case", guid=_guid("case", document["doc_id"]), name=document["doc_id"])
        for name in variables:
            value = document[name]
            if value and (name != "year" or value.isdigit()):
                holder = _sub(case, "VariableValue")
                _sub(holder, "VariableRef", targetGUID=_guid("variable", name))
                _sub(holder, kinds.get(name, "Text") + "Value", value)
        _sub(case, "SourceRef", targetGUID=_guid("source", document["doc_id"]))


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
                f"coding:{coding.coding_id}", f"Mémo de {coding.coder} sur un codage", coding.memo, coding.coder))


def export_project(corpus: Corpus, out_path: Path | str, tool: str = "qualcoder", positions: str | None = None,
                   coders: list[str] | None = None) -> dict:
    """Write the current documents, codebook, codings and memos as a REFI-QDA ``.qdpx``.

    Positions are written in the units ``tool`` counts in (``positions`` overrides). Codings on
    replaced documents are placed in the current version; those that cannot be placed are left
    out and counted. GUIDs derive from our ids, so the same corpus gives the same archive.
    """
    convention = _convention(tool, positions)
    coder_names = sorted({check_coder(c) for c in coders}) if coders else corpus.codings.coders()
    documents = corpus.documents()
    replay = corpus.codings.replay(coder_names or None)
    placed = current_codings(corpus, coder_names or None)
    placed = placed[placed["doc_id"].isin(set(documents["doc_id"]))]
    memos = replay.memos
    code_memos = memos[memos["target"] == "code"]
    rows = _code_rows(_load_codebook_or_empty(corpus.codebook_path), list(placed["code"]) + list(code_memos["ref"]))
    users = {coder: _guid("user", coder) for coder in sorted(set(coder_names) | set(placed["coder"]))}
    notes = _Notes(users)

    dates = [d for d in [*documents.get("ingested_at", []), *replay.codings["updated"], *memos["updated"]]
             if _xml_datetime(d)]
    root = ET.Element("Project", {
        "xmlns": PROJECT_NS, "name": _clean_xml(corpus.root.resolve().name),
        "origin": f"Atelier ESS {__version__} (REFI-QDA 1.5, positions={convention})",
        "creationDateTime": _xml_datetime(max(dates, key=_xml_datetime)) if dates else "1970-01-01T00:00:00Z",
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
                notes.add(f"code:{memo.ref}:{memo.coder}", title, memo.memo, memo.coder))
        _append_codes(_sub(_sub(root, "CodeBook"), "Codes"), rows, code_notes)
    _append_cases(root, documents)
    files = [("project.qde", b"")]
    sources = _sub(root, "Sources") if not documents.empty else None
    for doc_id in documents["doc_id"]:
        text = corpus.text(doc_id)
        guid = _guid("source", doc_id)
        files.append((f"sources/{guid}.txt", text.encode("utf-8")))
        source = _sub(sources, "TextSource", guid=guid, name=doc_id, plainTextPath=f"internal://{guid}.txt")
        _append_selections(source, placed[placed["doc_id"] == doc_id], Units(text, convention), users, notes)
        for memo in memos[(memos["target"] == "document") & (memos["ref"] == doc_id)].itertuples():
            _sub(source, "NoteRef", targetGUID=notes.add(
                f"document:{doc_id}:{memo.coder}", f"Mémo de {memo.coder} sur {doc_id}", memo.memo, memo.coder))
    notes.append_to(root)
    files[0] = ("project.qde", _xml_bytes(root))
    atomic_write_bytes(Path(out_path), _zip_bytes(files))
    return {"path": str(out_path), "documents": len(documents), "codings": len(placed),
            "codings_left_out": len(replay.codings) - len(placed), "coders": sorted(users),
            "memos": len(notes.notes), "codes": len(rows), "positions": convention}
