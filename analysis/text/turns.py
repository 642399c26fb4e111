"""The speaker-turn format of transcripts: ``[00:01:02] NOM : texte``, one turn per paragraph.

Readers turn every transcript format into it (:func:`format_turns`), the annotator styles the
timestamps and speakers it finds with :data:`TURN_LABEL`, and the privacy scan leaves those
labels out of the passages it compares: all through the patterns of this module. A speaker's
name starts with a capital and has at most 41 characters; the timestamp is optional.
"""

from __future__ import annotations

import re

SPEAKER = r"[A-ZÀ-ÖØ-Þ][\w.’'\- ]{0,40}?"
TIMESTAMP = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?"

#: A paragraph that is one turn, as sources write it (spaces around the colon vary).
SOURCE_TURN = re.compile(rf"^\s*(?:\[(?P<time>{TIMESTAMP})\]\s*)?(?P<speaker>{SPEAKER})\s?:\s+(?P<text>\S.*)$")
#: A subtitle cue's text that starts with its speaker (``NOM : texte``).
SPEAKER_PREFIX = re.compile(rf"^(?P<speaker>{SPEAKER})\s?:\s+(?P<text>.*)$", re.DOTALL)
#: Where a new turn may start inside a block of lines: a timestamp or a speaker and colon.
TURN_START = re.compile(rf"\n(?=\s*(?:\[\d|{SPEAKER}\s?:\s))")
#: The label at the start of a line: ``stamp`` (``[00:01:02]``, with its space) and ``label``
#: (``NOM : ``), each optional, so the match may be empty.
TURN_LABEL = re.compile(
    rf"^[ \t]*(?P<stamp>\[(?P<time>{TIMESTAMP})\][ \t]*)?(?P<label>(?P<speaker>{SPEAKER})[ \t]?:[ \t]+)?", re.MULTILINE)


def normal_timestamp(value: str) -> str:
    """``00:01:02.500`` → ``00:01:02``; ``1:02`` → ``00:01:02``."""
    parts = value.replace(",", ".").split(".")[0].split(":")
    parts = ["0"] * (3 - len(parts)) + parts
    return ":".join(f"{int(p):02d}" for p in parts)


def format_turns(turns: list[tuple[str, str, str]]) -> str:
    """Turns ``(timestamp, speaker, text)`` as paragraphs; consecutive turns of one speaker merge."""
    merged: list[list[str]] = []
    for time, speaker, text in turns:
        if merged and merged[-1][1] == speaker and speaker:
            merged[-1][2] += " " + text
        else:
            merged.append([time, speaker, text])
    lines = []
    for time, speaker, text in merged:
        stamp = f"[{time}] " if time else ""
        lines.append(f"{stamp}{speaker} : {text}" if speaker else f"{stamp}{text}")
    return "\n\n".join(lines) + "\n"


def without_turn_label(paragraph: str) -> str:
    """The paragraph without the timestamp and speaker that open it."""
    return paragraph[TURN_LABEL.match(paragraph).end():]
