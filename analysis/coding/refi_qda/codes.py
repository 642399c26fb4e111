"""Codes: the codebook as nested REFI-QDA ``Code`` elements and back, and ``.qdc`` files.

Codes keep the fields our codebook has and REFI-QDA lacks (inclusion, exclusion, example, and the
path when the label does not give it back) as labelled paragraphs of their ``Description``.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import unicodedata
from pathlib import Path
from xml.etree import ElementTree as ET

import pandas as pd

from ... import __version__
from ..codebook import FIELDS as CODEBOOK_FIELDS, NEUTRAL_COLOUR, CodebookError, add_codes, load_codebook
from ...corpus.store import Corpus
from ...errors import AtelierError, InputError
from ...fsio import atomic_write_bytes
from ...corpus.metadata import slugify
from .archive import _child, _children, _guid, _guid_of, _note_refs, _parse_xml, _sub, _text_of, _xml_bytes

CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
_SECTIONS = {"include": "Inclure", "exclude": "Exclure", "example": "Exemple", "path": "Chemin"}
_SECTION_SPLIT = re.compile(r"\n\n(Inclure|Exclure|Exemple|Chemin) : ")
_CODE_PATH = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*(?:/[a-z0-9]+(?:-[a-z0-9]+)*)*")


def _code_description(code: dict) -> str:
    parts = [code.get("definition", "")]
    parts += [f"{_SECTIONS[name]} : {code[name]}" for name in ("include", "exclude", "example") if code.get(name)]
    segment = code["path"].rpartition("/")[2]
    if slugify(code["label"]) != segment:
        parts.append(f"Chemin : {code['path']}")
    return "\n\n".join(part for part in parts if part)


def _code_rows(codebook: pd.DataFrame, extra_paths=()) -> dict[str, dict]:
    """Codes by path, with the ancestors of ``extra_paths`` (codes used but not in the codebook)."""
    rows = {row["path"]: dict(row) for row in codebook.reindex(columns=CODEBOOK_FIELDS, fill_value="").fillna("").to_dict("records")}
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


def _load_codebook_or_empty(path: Path) -> pd.DataFrame:
    return load_codebook(path) if path.exists() else pd.DataFrame(columns=CODEBOOK_FIELDS)


def export_codebook(codebook_table: pd.DataFrame, out_path: Path | str) -> int:
    """Write the codebook as a REFI-QDA ``.qdc`` (nested codes); return the number of codes."""
    rows = _code_rows(codebook_table)
    root = ET.Element("CodeBook", {"xmlns": CODEBOOK_NS, "origin": f"Atelier ESS {__version__}"})
    if not rows:
        raise AtelierError("livre de codes vide : rien à exporter (REFI-QDA exige au moins un code)")
    _append_codes(_sub(root, "Codes"), rows)
    atomic_write_bytes(Path(out_path), _xml_bytes(root))
    return len(rows)


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
            if _CODE_PATH.fullmatch(declared) and declared.rpartition("/")[0] == base and declared not in used:
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


def _new_codes(corpus: Corpus, codes: dict[str, dict], source: Path) -> pd.DataFrame:
    """The imported codes the codebook lacks, checked (added to a copy) before anything is written."""
    known = set(_load_codebook_or_empty(corpus.codebook_path)["path"])
    added: list[dict] = []
    for code in codes.values():  # in tree order, parents first
        if code["path"] not in known:
            known.add(code["path"])
            added.append({k: code.get(k, "") for k in CODEBOOK_FIELDS})
    table = pd.DataFrame(added, columns=CODEBOOK_FIELDS).fillna("")
    if added:
        with tempfile.TemporaryDirectory() as scratch:
            trial = Path(scratch) / "codebook.yaml"
            if corpus.codebook_path.exists():
                shutil.copyfile(corpus.codebook_path, trial)
            try:
                add_codes(trial, table)
            except CodebookError as error:
                raise InputError(source, "codes impossibles à ajouter au livre de codes : "
                                         + "; ".join(error.problems)) from None
    return table


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
    added = _new_codes(corpus, _read_codes(_child(root, "Codes")), path)
    if len(added):
        corpus.root.mkdir(parents=True, exist_ok=True)
        add_codes(corpus.codebook_path, added)
    return len(added)
