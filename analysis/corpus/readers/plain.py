"""Plain text and Markdown, including transcripts with speaker turns and web exports."""

from __future__ import annotations

from pathlib import Path

from ...textio import decode_text
from .base import ReadDocument, first_line_title
from ...text.turns import format_turns
from .transcripts import speaker_turns
from .web_export import is_web_export, split_web_export


def read_text(path: Path, data: bytes) -> list[ReadDocument]:
    text, encoding = decode_text(path, data)
    return documents_from_text(text, path.stem, {"encoding": encoding})


def documents_from_text(text: str, fallback_title: str, metadata: dict[str, str]) -> list[ReadDocument]:
    """Recognise what a decoded text holds: several web pages, an interview, or one text."""
    unix_text = text.replace("\r\n", "\n").replace("\r", "\n")
    if is_web_export(unix_text):
        pages, _site_header = split_web_export(unix_text)
        for page in pages:
            page.metadata = {**metadata, **page.metadata}
        return pages
    turns = speaker_turns(unix_text)
    if turns:
        speakers = sorted({speaker for _, speaker, _ in turns if speaker})
        return [ReadDocument(
            text=format_turns(turns),
            title=fallback_title,
            metadata={**metadata, "genre": "entretien", "speakers": "; ".join(speakers)},
        )]
    return [ReadDocument(text=text, title=first_line_title(text, fallback_title), metadata=metadata)]
