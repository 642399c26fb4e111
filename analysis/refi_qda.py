"""REFI-QDA 1.5 interchange with other QDA tools: projects (``.qdpx``) and codebooks (``.qdc``).

A ``.qdpx`` is a zip holding ``project.qde`` (XML, namespace ``urn:QDA-XML:project:1.0``) and
the source texts under ``sources/``. The standard does not say in which unit text selections
are counted, and tools differ: NVivo and MAXQDA count UTF-16 code units, ATLAS.ti and QualCoder
code points, Taguette UTF-8 bytes. Exports therefore write the units of the target tool; imports
detect them from the data (every selection must fall inside its text on a character boundary)
and convert them to code points of the text as the corpus stores it (no BOM, LF, NFC).

Imports read untrusted files: zip entries that are absolute or climb out of the archive are
refused, the uncompressed size and entry count are bounded, XML with a DTD (external entities,
entity expansion) is refused. Everything is read and checked before the first write, so a bad
archive leaves the corpus byte for byte as it was. Documents are added through
:func:`analysis.ingest.ingest` (verbatim), codes through :func:`analysis.codebook.save_codebook`
and codings through the coders' logs.

Codes keep the fields our codebook has and REFI-QDA lacks (inclusion, exclusion, example, and the
path when the label does not give it back) as labelled paragraphs of their ``Description``.
"""

from __future__ import annotations

import bisect
import datetime as dt
import io
import re
import tempfile
import unicodedata
import uuid
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

import pandas as pd
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from . import __version__
from .clean import clean_verbatim
from .codebook import FIELDS as CODEBOOK_FIELDS, CodebookError, load_codebook, save_codebook
from .codings import check_coder
from .corpus import Corpus, sha256
from .errors import AtelierError, CorpusError, InputError
from .fsio import atomic_write_bytes
from .ingest import IngestOptions, ingest
from .metadata import (
    CORE_COLUMNS, SETTABLE_COLUMNS, STANDARD_COLUMNS, canonical_genre, canonical_level, parse_bool,
    parse_date, slugify,
)
from .queries import current_codings
from .readers.base import decode_text

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
CONVENTIONS = ("codepoints", "utf16", "bytes")
TOOL_POSITIONS = {"nvivo": "utf16", "maxqda": "utf16", "atlasti": "codepoints", "qualcoder": "codepoints",
                  "taguette": "bytes"}
CONVENTION_NAMES = {"codepoints": "points de code", "utf16": "unités UTF-16", "bytes": "octets UTF-8"}
NEUTRAL_COLOUR = "#9E9E9E"
MAX_TOTAL_MB = 500.0
MAX_ENTRIES = 10_000
FALLBACK_CODER = "import-refi"

_GUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:atelier-ess:refi-qda")
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed, so that the same corpus gives the same bytes
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NON_ASCII_RUN = re.compile("[^\x00-\x7f]+")
_WIDE = {"utf16": re.compile("[\U00010000-\U0010ffff]"), "bytes": re.compile("[^\x00-\x7f]")}
_SECTIONS = {"include": "Inclure", "exclude": "Exclure", "example": "Exemple", "path": "Chemin"}
_SECTION_SPLIT = re.compile(r"\n\n(Inclure|Exclure|Exemple|Chemin) : ")
_CODE_PATH = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*(?:/[a-z0-9]+(?:-[a-z0-9]+)*)*$")
_DOC_EXTENSION = re.compile(r"\.(txt|docx?|odt|rtf|pdf|html?|md|vtt|srt)$", re.IGNORECASE)
_VARIABLE_COLUMNS = [c for c in STANDARD_COLUMNS if c not in ("doc_id", "source", "source_sha256", "text_sha256")]
_COMPUTED_COLUMNS = set(CORE_COLUMNS) - SETTABLE_COLUMNS


# -- positions ----------------------------------------------------------------------------------


class Units:
    """Offsets of a text counted in one convention's units, converted to and from code points."""

    def __init__(self, text: str, convention: str):
        self.positions: list[int] = []  # code point index of each character wider than one unit
        self.starts: list[int] = []  # its offset in units
        self.widths: list[int] = []
        self.extras: list[int] = []  # units in excess of code points before it
        extra = 0
        if convention != "codepoints":
            for match in _WIDE[convention].finditer(text):
                width = 2 if convention == "utf16" else len(match.group().encode("utf-8"))
                self.positions.append(match.start())
                self.starts.append(match.start() + extra)
                self.widths.append(width)
                self.extras.append(extra)
                extra += width - 1
        self.total_extra = extra
        self.length = len(text) + extra

    def from_codepoint(self, offset: int) -> int:
        index = bisect.bisect_left(self.positions, offset)
        return offset + (self.extras[index] if index < len(self.extras) else self.total_extra)

    def to_codepoint(self, unit: int) -> int | None:
        """The code point offset of ``unit``; ``None`` outside the text or inside a character."""
        if not 0 <= unit <= self.length:
            return None
        index = bisect.bisect_right(self.starts, unit) - 1
        if index < 0:
            return unit
        start, width = self.starts[index], self.widths[index]
        if unit == start:
            return unit - self.extras[index]
        if unit < start + width:
            return None
        return unit - self.extras[index] - (width - 1)


class NormalisedText:
    """A tool's text as the corpus stores it (LF, NFC), with its code point offsets mapped.

    A selection boundary that falls inside what becomes one character (between CR and LF, or
    between a letter and its combining accent) is moved outwards to cover the whole character.
    """

    def __init__(self, raw: str):
        self.crlf = [match.start() for match in re.finditer("\r\n", raw)]
        lf = raw.replace("\r\n", "\n").replace("\r", "\n")
        self.chunks: list[tuple[int, int, int, int, str, str]] = []
        self.text = self._nfc(lf)
        self.chunk_starts = [chunk[0] for chunk in self.chunks]

    def _nfc(self, text: str) -> str:
        if unicodedata.is_normalized("NFC", text):
            return text
        # No ASCII character composes with what precedes it, so NFC works within each run of
        # non-ASCII characters together with the character before it.
        pieces, previous, shift = [], 0, 0
        for match in _NON_ASCII_RUN.finditer(text):
            start, end = max(match.start() - 1, 0), match.end()
            chunk = text[start:end]
            normal = unicodedata.normalize("NFC", chunk)
            if normal == chunk:
                continue
            pieces += [text[previous:start], normal]
            self.chunks.append((start, end, start + shift, end + shift + len(normal) - len(chunk), chunk, normal))
            shift += len(normal) - len(chunk)
            previous = end
        result = "".join(pieces) + text[previous:]
        expected = unicodedata.normalize("NFC", text)
        if result != expected:
            self.chunks = [(0, len(text), 0, len(expected), text, expected)]
        return expected

    def map(self, offset: int, upwards: bool) -> tuple[int, bool]:
        """The normalised offset of a raw code point offset, and whether it had to be moved."""
        removed = bisect.bisect_left(self.crlf, offset)
        moved = bool(removed) and self.crlf[removed - 1] == offset - 1
        offset -= removed
        if moved and upwards:
            offset += 1
        index = bisect.bisect_right(self.chunk_starts, offset) - 1
        if index < 0:
            return offset, moved
        start, end, n_start, n_end, chunk, normal = self.chunks[index]
        if offset >= end:
            return offset + n_end - end, moved
        exact = self._exact(index, offset)
        if exact is not None:
            return exact, moved
        step = 1 if upwards else -1
        while True:  # the nearest boundary outwards that exists in the normalised text
            offset += step
            exact = self._exact(index, offset)
            if exact is not None:
                return exact, True

    def _exact(self, index: int, offset: int) -> int | None:
        start, end, n_start, n_end, chunk, normal = self.chunks[index]
        if offset <= start or offset >= end:
            return n_start if offset <= start else n_end
        head = unicodedata.normalize("NFC", chunk[:offset - start])
        if normal.startswith(head) and unicodedata.normalize("NFC", chunk[offset - start:]) == normal[len(head):]:
            return n_start + len(head)
        return None


def _convention(tool: str, positions: str | None) -> str:
    if positions is not None:
        if positions not in CONVENTIONS:
            raise AtelierError(f"convention de positions inconnue : « {positions} » ({', '.join(CONVENTIONS)})")
        return positions
    key = re.sub(r"[^a-z]", "", tool.lower())
    if key not in TOOL_POSITIONS:
        raise AtelierError(f"outil inconnu : « {tool} » ({', '.join(TOOL_POSITIONS)}) ; "
                           "ou indiquez la convention de positions")
    return TOOL_POSITIONS[key]


# -- writing ------------------------------------------------------------------------------------


def _guid(kind: str, key: str) -> str:
    return str(uuid.uuid5(_GUID_NAMESPACE, f"{kind}:{key}"))


def _clean_xml(text: str) -> str:
    return _XML_INVALID.sub("", str(text))


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: _clean_xml(v) for k, v in attributes.items()})
    if text is not None:
        element.text = _clean_xml(text)
    return element


def _xml_datetime(value: str) -> str | None:
    try:
        moment = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _code_description(code: dict) -> str:
    parts = [code.get("definition", "")]
    parts += [f"{_SECTIONS[name]} : {code[name]}" for name in ("include", "exclude", "example") if code.get(name)]
    segment = code["path"].rpartition("/")[2]
    if slugify(code["label"]) != segment:
        parts.append(f"Chemin : {code['path']}")
    return "\n\n".join(part for part in parts if part)


def _code_rows(codebook: pd.DataFrame, extra_paths=()) -> dict[str, dict]:
    """Codes by path, with the ancestors of ``extra_paths`` (codes used but not in the codebook)."""
    rows = {row["path"]: dict(row) for row in codebook.reindex(columns=CODEBOOK_FIELDS).fillna("").to_dict("records")}
    for path in extra_paths:
        parts = str(path).split("/")
        for depth in range(1, len(parts) + 1):
            ancestor = "/".join(parts[:depth])
            rows.setdefault(ancestor, {"path": ancestor, "label": parts[depth - 1], "colour": NEUTRAL_COLOUR})
    return rows


def _append_codes(parent: ET.Element, rows: dict[str, dict], note_refs: dict[str, list[str]] | None = None) -> None:
    children: dict[str, list[str]] = {}
    for path in rows:
        children.setdefault(path.rpartition("/")[0] if "/" in path else "", []).append(path)

    def add(element: ET.Element, path: str) -> None:
        code = rows[path]
        name = code["label"] or path.rpartition("/")[2]
        attributes = {"guid": _guid("code", path), "name": name, "isCodable": "true"}
        if re.fullmatch(r"#[0-9a-fA-F]{6}", code.get("colour") or ""):
            attributes["color"] = code["colour"]
        node = _sub(element, "Code", **attributes)
        description = _code_description(code)
        if description:
            _sub(node, "Description", description)
        for note in (note_refs or {}).get(path, []):
            _sub(node, "NoteRef", targetGUID=note)
        for child in children.get(path, []):
            add(node, child)

    for top in children.get("", []):
        add(parent, top)


def _xml_bytes(root: ET.Element) -> bytes:
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _load_codebook_or_empty(path: Path) -> pd.DataFrame:
    return load_codebook(path) if path.exists() else pd.DataFrame(columns=CODEBOOK_FIELDS)


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


def _zip_bytes(entries: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, _ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


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


def export_codebook(codebook_table: pd.DataFrame, out_path: Path | str) -> int:
    """Write the codebook as a REFI-QDA ``.qdc`` (nested codes); return the number of codes."""
    rows = _code_rows(codebook_table)
    root = ET.Element("CodeBook", {"xmlns": CODEBOOK_NS, "origin": f"Atelier ESS {__version__}"})
    if not rows:
        raise AtelierError("livre de codes vide : rien à exporter (REFI-QDA exige au moins un code)")
    _append_codes(_sub(root, "Codes"), rows)
    atomic_write_bytes(Path(out_path), _xml_bytes(root))
    return len(rows)


# -- reading untrusted files --------------------------------------------------------------------


def _unsafe_entry(name: str) -> bool:
    parts = re.split(r"[/\\]", name)
    return "\x00" in name or name.startswith(("/", "\\")) or bool(re.match(r"^[A-Za-z]:", name)) or ".." in parts


def _read_archive(path: Path, max_total_mb: float = MAX_TOTAL_MB, max_entries: int = MAX_ENTRIES) -> dict[str, bytes]:
    """The files of a zip by name, refusing dangerous names and bounding what it expands to."""
    limit = int(max_total_mb * 1024 * 1024)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise InputError(path, f"ce n’est pas une archive ZIP lisible (.qdpx) ({error})") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > max_entries:
            raise InputError(path, f"archive refusée : {len(infos)} entrées (limite {max_entries})")
        seen: set[str] = set()
        for info in infos:
            if _unsafe_entry(info.filename):
                raise InputError(path, f"archive refusée : l’entrée « {info.filename} » a un chemin absolu "
                                       "ou qui sort de l’archive (« .. »)")
            if info.filename.casefold() in seen:
                raise InputError(path, f"archive refusée : l’entrée « {info.filename} » y figure deux fois")
            seen.add(info.filename.casefold())
        declared = sum(info.file_size for info in infos)
        if declared > limit:
            raise InputError(path, f"archive refusée : {declared / 1024 / 1024:.1f} Mo une fois décompressée "
                                   f"(limite {max_total_mb:g} Mo)")
        files = {}
        for info in infos:
            if info.is_dir():
                continue
            try:
                # zipfile stops at the declared size and checks the CRC, so the sum above bounds this.
                files[info.filename] = archive.read(info)
            except (zipfile.BadZipFile, RuntimeError, NotImplementedError, zlib.error, EOFError, OSError) as error:
                raise InputError(path, f"entrée « {info.filename} » illisible ({error})") from None
    return files


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _parse_xml(path: Path, data: bytes, entry: str) -> ET.Element:
    """Parse XML refusing any DTD (hence external entities and entity expansion); tags lose their namespace."""
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise InputError(path, f"« {entry} » refusé : le XML déclare une DTD ou des entités "
                               "(risque d’entité externe ou d’expansion d’entités)") from None
    except ET.ParseError as error:
        line, column = error.position
        raise InputError(path, f"« {entry} » : XML mal formé", f"ligne {line}, colonne {column + 1}") from None
    for element in root.iter():
        if isinstance(element.tag, str):
            element.tag = _local(element.tag)
    return root


def _children(element: ET.Element | None, *tags: str) -> list[ET.Element]:
    return [] if element is None else [child for child in element if child.tag in tags]


def _child(element: ET.Element | None, tag: str) -> ET.Element | None:
    found = _children(element, tag)
    return found[0] if found else None


def _guid_of(value: str | None) -> str:
    return (value or "").strip().strip("{}").lower()


def _ref(element: ET.Element, tag: str) -> str:
    """The target GUID of ``element``'s ``tag`` child (``CodeRef``, ``VariableRef``), or ``""``."""
    child = _child(element, tag)
    return "" if child is None else _guid_of(child.get("targetGUID"))


def _text_of(element: ET.Element | None) -> str:
    return "" if element is None else (element.text or "").replace("\r\n", "\n").strip()


# -- codes --------------------------------------------------------------------------------------


def _parse_description(text: str) -> dict[str, str]:
    pieces = _SECTION_SPLIT.split("\n\n" + text)
    fields = {"definition": pieces[0].removeprefix("\n\n").strip()}
    labels = {label: name for name, label in _SECTIONS.items()}
    for label, value in zip(pieces[1::2], pieces[2::2]):
        fields[labels[label]] = value.strip()
    return fields


def _segment(name: str, guid: str) -> str:
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    return slugify(name) if re.search("[a-z0-9]", folded) else f"code-{guid[:8] or 'sans-nom'}"


def _colour(value: str | None) -> str:
    value = (value or "").strip()
    if re.fullmatch(r"#[0-9a-fA-F]{3}", value):
        value = "#" + "".join(c * 2 for c in value[1:])
    return value if re.fullmatch(r"#[0-9a-fA-F]{6}", value) else NEUTRAL_COLOUR


def _read_codes(codes: ET.Element | None) -> dict[str, dict]:
    """Codes by GUID with their codebook row; nesting (or ``a::b`` / ``a.b`` names) gives paths."""
    found: dict[str, dict] = {}

    def walk(elements: list[ET.Element], parent: str) -> None:
        names = {(e.get("name") or "").strip(): e for e in elements}
        placed: dict[int, tuple[str, str]] = {}  # id(element) -> (path, label)
        used: set[str] = set()

        def place(element: ET.Element) -> tuple[str, str]:
            if id(element) in placed:
                return placed[id(element)]
            name = (element.get("name") or "").strip()
            guid = _guid_of(element.get("guid")) or _guid("imported-code", f"{parent}/{name}")
            base, label = parent, name
            for separator in ("::", "."):
                prefix, sep, last = name.rpartition(separator)
                if sep and prefix in names and names[prefix] is not element and last.strip():
                    base, label = place(names[prefix])[0], last.strip()
                    break
            fields = _parse_description(_text_of(_child(element, "Description")))
            declared = fields.pop("path", "")
            if _CODE_PATH.match(declared) and declared.rpartition("/")[0] == base and declared not in used:
                path = declared
            else:
                segment = _segment(label, guid)
                path = f"{base}/{segment}" if base else segment
                number = 2
                while path in used:
                    path = f"{base}/{segment}-{number}" if base else f"{segment}-{number}"
                    number += 1
            used.add(path)
            placed[id(element)] = (path, label)
            found[guid] = {"path": path, "label": label or path.rpartition("/")[2],
                           "colour": _colour(element.get("color")), "notes": _note_refs(element),
                           **{k: fields.get(k, "") for k in ("definition", "include", "exclude", "example")}}
            return placed[id(element)]

        for element in elements:
            place(element)
            walk(_children(element, "Code"), placed[id(element)][0])

    walk(_children(codes, "Code"), "")
    return found


def _merged_codebook(corpus: Corpus, codes: dict[str, dict], source: Path) -> tuple[pd.DataFrame, list[dict]]:
    """The codebook with the imported codes it lacks, checked before anything is written."""
    existing = _load_codebook_or_empty(corpus.codebook_path)
    known = set(existing["path"])
    added: list[dict] = []
    for code in codes.values():  # in tree order, parents first
        if code["path"] not in known:
            known.add(code["path"])
            added.append({k: code[k] for k in CODEBOOK_FIELDS})
    table = pd.concat([existing.reindex(columns=CODEBOOK_FIELDS), pd.DataFrame(added, columns=CODEBOOK_FIELDS)],
                      ignore_index=True).fillna("")
    if added:
        with tempfile.TemporaryDirectory() as scratch:
            try:
                save_codebook(Path(scratch) / "codebook.yaml", table)
            except CodebookError as error:
                raise InputError(source, "codes impossibles à ajouter au livre de codes : "
                                         + "; ".join(error.problems)) from None
    return table, added


def import_codebook(corpus: Corpus, qdc_path: Path | str, max_mb: float = 50.0) -> int:
    """Add the codes of a ``.qdc`` that ``corpus/codebook.yaml`` lacks; return how many were added."""
    path = Path(qdc_path)
    try:
        size = path.stat().st_size
    except OSError as error:
        raise InputError(path, f"fichier illisible ({error.strerror})") from None
    if size > max_mb * 1024 * 1024:
        raise InputError(path, f"fichier trop volumineux ({size / 1024 / 1024:.1f} Mo, limite {max_mb:g} Mo)")
    root = _parse_xml(path, path.read_bytes(), path.name)
    if root.tag != "CodeBook" or _child(root, "Codes") is None:
        raise InputError(path, "ce n’est pas un livre de codes REFI-QDA "
                               "(élément racine CodeBook avec Codes attendu)")
    table, added = _merged_codebook(corpus, _read_codes(_child(root, "Codes")), path)
    if added:
        corpus.root.mkdir(parents=True, exist_ok=True)
        save_codebook(corpus.codebook_path, table)
    return len(added)


# -- projects -----------------------------------------------------------------------------------


@dataclass
class _Selection:
    guid: str
    start: int  # in the archive's units; the whole text when ``whole``
    end: int
    codings: list[tuple[str, str, list[str]]]  # code GUID, user GUID, note GUIDs
    memo: list[str]
    notes: list[str]
    name: str = ""
    whole: bool = False


@dataclass
class _Source:
    guid: str
    name: str
    raw: str
    selections: list[_Selection]
    notes: list[str]
    user: str
    variables: dict[str, str] = field(default_factory=dict)


def _note_refs(element: ET.Element) -> list[str]:
    return [_guid_of(reference.get("targetGUID")) for reference in _children(element, "NoteRef")]


def _read_variables(element: ET.Element, variables: dict[str, str]) -> dict[str, str]:
    values = {}
    for holder in _children(element, "VariableValue"):
        name = variables.get(_ref(holder, "VariableRef"))
        value = next((child for child in holder if child.tag.endswith("Value")), None)
        if name and value is not None:
            text = (value.text or "").strip()
            if value.tag == "BooleanValue":
                text = "true" if text.lower() in ("true", "1") else "false"
            values.setdefault(name, text)
    return values


class _Archive:
    """The files of a ``.qdpx``, found whatever the case of ``sources/`` and of their names."""

    def __init__(self, path: Path, files: dict[str, bytes]):
        self.path, self.files = path, files
        self.by_name = {name.casefold(): name for name in files}

    def internal_text(self, reference: str, what: str) -> str:
        entry = reference.strip().removeprefix("internal://")
        found = self.by_name.get(f"sources/{entry}".casefold())
        if not reference.strip().startswith("internal://") or found is None or _unsafe_entry(entry):
            raise InputError(self.path, f"{what} : fichier « {reference} » absent de sources/ "
                                        "(seuls les textes inclus dans l’archive sont importés)")
        data = self.files[found]
        try:
            if data.startswith((b"\xff\xfe", b"\xfe\xff")):
                return data.decode("utf-16")
            return data.decode("utf-8-sig")  # positions count from after the BOM
        except UnicodeDecodeError as error:
            raise InputError(self.path, f"« {found} » n’est pas un texte UTF-8", f"octet {error.start}") from None

    def text_of(self, element: ET.Element, what: str) -> str:
        """The plain text of a ``TextSource`` or ``Note``: a file of the archive or inline content."""
        if element.get("plainTextPath"):
            return self.internal_text(element.get("plainTextPath"), what)
        content = _child(element, "PlainTextContent")
        if content is None:
            raise InputError(self.path, f"{what} : ni plainTextPath ni PlainTextContent")
        return (content.text or "").removeprefix("\ufeff")

    def note_text(self, note: ET.Element) -> str:
        """A note's text; a note without text of its own gives its description (lenient: notes are side data)."""
        try:
            text = self.text_of(note, f"note « {note.get('name') or note.get('guid')} »")
        except InputError:
            text = _text_of(_child(note, "Description"))
        return text.replace("\r\n", "\n").strip()


def _read_selection(path: Path, item: ET.Element, source_name: str) -> _Selection:
    guid = _guid_of(item.get("guid"))
    try:
        start, end = int(item.get("startPosition", "")), int(item.get("endPosition", ""))
    except ValueError:
        raise InputError(path, f"sélection « {guid} » de « {source_name} » : "
                               "positions absentes ou non entières") from None
    codings = [(_ref(c, "CodeRef"), _guid_of(c.get("creatingUser") or item.get("creatingUser")), _note_refs(c))
               for c in _children(item, "Coding")]
    description = _text_of(_child(item, "Description"))
    return _Selection(guid, start, end, codings, [description] if description else [], _note_refs(item),
                      item.get("name") or "")


def _read_sources(archive: _Archive, root: ET.Element) -> tuple[list[_Source], list[str]]:
    """The text sources with their selections and variables (their own and their cases')."""
    variables = {_guid_of(v.get("guid")): (v.get("name") or "").strip()
                 for v in _children(_child(root, "Variables"), "Variable")}
    sources, skipped = [], []
    for element in _children(_child(root, "Sources"), "TextSource", "PictureSource", "PDFSource", "AudioSource",
                             "VideoSource"):
        name = (element.get("name") or element.get("guid") or "source").strip()
        if element.tag != "TextSource":
            skipped.append(f"{name} ({element.tag} : seules les sources texte sont importées)")
            continue
        raw = archive.text_of(element, f"source « {name} »")
        selections = [_read_selection(archive.path, item, name) for item in _children(element, "PlainTextSelection")]
        whole = [(_ref(c, "CodeRef"), _guid_of(c.get("creatingUser") or element.get("creatingUser")), _note_refs(c))
                 for c in _children(element, "Coding")]
        if whole:
            selections.append(_Selection(_guid_of(element.get("guid")), 0, 0, whole, [], [], whole=True))
        source = _Source(_guid_of(element.get("guid")), name, raw, selections, _note_refs(element),
                         _guid_of(element.get("creatingUser")), _read_variables(element, variables))
        description = _text_of(_child(element, "Description"))
        if description:
            source.variables.setdefault("description", description)
        sources.append(source)
    by_guid = {source.guid: source for source in sources}
    for case in _children(_child(root, "Cases"), "Case"):
        values = _read_variables(case, variables)
        for reference in _children(case, "SourceRef"):
            source = by_guid.get(_guid_of(reference.get("targetGUID")))
            for key, value in values.items() if source else ():
                source.variables.setdefault(key, value)
    return sources, skipped


_ORIGIN_HINTS = {"nvivo": "utf16", "maxqda": "utf16", "atlas": "codepoints", "qualcoder": "codepoints",
                 "taguette": "bytes"}


def _name_matches(name: str, covered: str, loose: bool) -> bool:
    """Whether a selection's name is the text it covers (tools often name selections so)."""
    def form(text: str) -> str:
        text = unicodedata.normalize("NFC", text.replace("\r\n", "\n"))
        return " ".join(text.split()) if loose else text

    name, covered = form(name), form(covered)
    for ellipsis in ("…", "..."):
        if name.endswith(ellipsis) and len(name) > len(ellipsis) and not covered.endswith(ellipsis):
            return covered.startswith(name.removesuffix(ellipsis))
    return bool(name) and name == covered


def _evaluate(sources: list[_Source], convention: str) -> tuple[str | None, int, tuple[int, int], list[tuple]]:
    """Check every selection in one convention: (first problem, soft problems, names matched, spans)."""
    soft = exact = loose = 0
    spans = []
    for source in sources:
        units = Units(source.raw, convention)
        for selection in source.selections:
            if selection.whole or selection.start == selection.end:
                continue
            start, end = units.to_codepoint(selection.start), units.to_codepoint(selection.end)
            if start is None or end is None or start >= end:
                problem = (f"sélection « {selection.guid} » de « {source.name} » : positions {selection.start}–"
                           f"{selection.end} hors du texte ({units.length} {CONVENTION_NAMES[convention]}) "
                           "ou au milieu d’un caractère")
                return problem, 0, (0, 0), []
            for offset in (start, end):
                inside_line_end = 0 < offset < len(source.raw) and source.raw[offset - 1:offset + 1] == "\r\n"
                soft += inside_line_end or (offset < len(source.raw) and unicodedata.combining(source.raw[offset]) > 0)
            exact += _name_matches(selection.name, source.raw[start:end], loose=False)
            loose += _name_matches(selection.name, source.raw[start:end], loose=True)
            spans.append((source.guid, selection.guid, start, end))
    return None, soft, (exact, loose), spans


def _choose_convention(sources: list[_Source], requested: str, origin: str) -> tuple[str, str]:
    """The position convention of an archive and why it was chosen (French)."""
    if requested != "auto":
        problem = _evaluate(sources, requested)[0]
        if problem:
            raise AtelierError(problem)
        return requested, "convention demandée"
    results = {c: _evaluate(sources, c) for c in CONVENTIONS}
    fitting = [c for c in CONVENTIONS if results[c][0] is None]
    if not fitting:
        raise AtelierError("aucune convention de positions (points de code, UTF-16, octets UTF-8) ne place toutes "
                           f"les sélections dans leur texte ; par exemple : {results['codepoints'][0]}")
    if len(fitting) == 1:
        return fitting[0], ("seule convention qui place toutes les sélections dans leur texte "
                            "sur des limites de caractères")
    if all(results[c][3] == results[fitting[0]][3] for c in fitting):
        chosen = f"convention retenue : {CONVENTION_NAMES[fitting[0]]}"
        if not results[fitting[0]][3]:
            return fitting[0], f"aucune sélection, {chosen}"
        if all(source.raw.isascii() for source in sources):
            return fitting[0], f"texte ASCII : toutes les conventions coïncident, {chosen}"
        return fitting[0], f"les conventions possibles donnent les mêmes passages, {chosen}"
    fewest = min(results[c][1] for c in fitting)
    if sum(results[c][1] == fewest for c in fitting) == 1:
        cut = "une fin de ligne CRLF ou une lettre de son accent combinant"
        return next(c for c in fitting if results[c][1] == fewest), (
            f"seule convention dont aucune limite de sélection ne sépare {cut}" if fewest == 0
            else f"convention dont le moins de limites de sélection séparent {cut}")
    fitting = [c for c in fitting if results[c][1] == fewest]
    best = max(results[c][2] for c in fitting)
    if best > (0, 0):
        fitting = [c for c in fitting if results[c][2] == best]
        if len(fitting) == 1:
            return fitting[0], "noms des sélections identiques au texte qu’elles couvrent"
    declared = re.search(r"positions=(\w+)", origin)
    hint = declared.group(1) if declared else next(
        (convention for key, convention in _ORIGIN_HINTS.items() if key in origin.lower().replace(".", "")), None)
    if hint in fitting:
        return hint, f"plusieurs conventions possibles ; celle de l’outil d’origine « {origin} »"
    return ("codepoints" if "codepoints" in fitting else fitting[0]), (
        "plusieurs conventions possibles : points de code retenus, l’unité de la norme REFI-QDA")


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
              "private": lambda v: "true" if parse_bool(v) else "false"}
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
    plan = _plan_import(corpus, path, sources, codes, notes, coders, fallback, convention, warnings)
    table, added_codes = _merged_codebook(corpus, codes, path)
    used_notes = {g for s in sources for g in s.notes} | {g for c in codes.values() for g in c["notes"]} | {
        g for s in sources for sel in s.selections for g in sel.notes + [n for _, _, ns in sel.codings for n in ns]}

    memos = _commit(corpus, path, plan, table if added_codes else None)
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
    known = corpus.codings.replay().codings
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


def _commit(corpus: Corpus, path: Path, plan: _Plan, codebook: pd.DataFrame | None) -> int:
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
    if codebook is not None:
        corpus.root.mkdir(parents=True, exist_ok=True)
        save_codebook(corpus.codebook_path, codebook)
    store = corpus.codings
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
