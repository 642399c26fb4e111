"""What every reader returns; the byte-level checks shared by the text formats are in :mod:`analysis.textio`."""

from __future__ import annotations

from dataclasses import dataclass, field




@dataclass
class ReadDocument:
    """One document found in a source file, before cleaning.

    ``part`` numbers the documents of a file that holds several (web export pages,
    bibliography entries); it is ``None`` for a file that is one document.
    ``metadata`` holds values of ``documents.csv`` columns found in the file itself.
    """

    text: str
    title: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    part: int | None = None
    doc_id_hint: str = ""


def first_line_title(text: str, fallback: str) -> str:
    """The first non-empty line, if it is short enough to be a title."""
    for line in text.splitlines():
        stripped = line.strip().lstrip("#").strip()
        if stripped:
            return stripped if len(stripped) <= 200 else fallback
    return fallback
