"""Zip and XML plumbing: safe reading of untrusted ``.qdpx`` archives and element helpers.

Reading refuses zip entries that are absolute or climb out of the archive, bounds the
uncompressed size and the entry count, and parses XML with defusedxml, refusing any DTD
(external entities, entity expansion). Writing gives stable GUIDs, XML without invalid
characters and zips with fixed timestamps, so that the same corpus gives the same bytes.
"""

from __future__ import annotations

import io
import re
import uuid
import zipfile
import zlib
from pathlib import Path
from xml.etree import ElementTree as ET

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from ...errors import InputError

MAX_TOTAL_MB = 500.0
MAX_ENTRIES = 10_000
MAX_XML_DEPTH = 200  # a codebook nests a few levels; 200 leaves room for any real project
_GUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:atelier-ess:refi-qda")
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed, so that the same corpus gives the same bytes
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _guid(kind: str, key: str) -> str:
    return str(uuid.uuid5(_GUID_NAMESPACE, f"{kind}:{key}"))


def _clean_xml(text: str) -> str:
    return _XML_INVALID.sub("", str(text))


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: _clean_xml(v) for k, v in attributes.items()})
    if text is not None:
        element.text = _clean_xml(text)
    return element


def _xml_bytes(root: ET.Element) -> bytes:
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _zip_bytes(entries: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, _ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


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
    defined: dict[str, ET.Element] = {}
    stack = [(root, 1)]
    while stack:  # without recursion: a hostile file may nest thousands of levels
        element, depth = stack.pop()
        if depth > MAX_XML_DEPTH:
            raise InputError(path, f"« {entry} » refusé : éléments imbriqués sur plus de {MAX_XML_DEPTH} niveaux")
        if isinstance(element.tag, str):
            element.tag = _local(element.tag)
        guid = _guid_of(element.get("guid"))
        if guid:
            if guid in defined:
                first = defined[guid]
                raise InputError(path, f"« {entry} » : GUID en double « {guid} » ({_described(first)} et "
                                       f"{_described(element)}) : le projet n’est pas conforme au standard "
                                       "REFI-QDA, où chaque GUID désigne un seul élément")
            defined[guid] = element
        stack.extend((child, depth + 1) for child in reversed(element))  # in document order
    return root


def _described(element: ET.Element) -> str:
    name = element.get("name")
    return f"{element.tag} « {name} »" if name else str(element.tag)


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


def _note_refs(element: ET.Element) -> list[str]:
    return [_guid_of(reference.get("targetGUID")) for reference in _children(element, "NoteRef")]


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
