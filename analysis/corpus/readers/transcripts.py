"""Interview transcripts: subtitles (.vtt, .srt) and plain or Word texts with speaker turns.

Every format becomes the same text, one turn per paragraph:
``[00:01:02] NOM : texte`` (the timestamp only where the source has one), so that the
annotator and the privacy gate can find speakers the same way whatever the source.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import webvtt

from ...errors import InputError
from ...textio import decode_text
from ...text.turns import SOURCE_TURN, SPEAKER_PREFIX, TURN_START, format_turns, normal_timestamp
from .base import ReadDocument

_VOICE = re.compile(r"^<v(?:\.[\w.]+)?\s+([^>]+)>(.*?)(?:</v>)?$", re.DOTALL)
_TAG = re.compile(r"</?[^>]+>")


def speaker_turns(text: str) -> list[tuple[str, str, str]] | None:
    """The turns of a plain transcript, or ``None`` if the text is not mostly speaker turns."""
    paragraphs = [p.strip() for block in re.split(r"\n\s*\n", text) for p in TURN_START.split(block) if p.strip()]
    if len(paragraphs) < 2:
        return None
    turns = []
    for paragraph in paragraphs:
        match = SOURCE_TURN.match(paragraph.replace("\n", " "))
        if match:
            time = normal_timestamp(match["time"]) if match["time"] else ""
            turns.append((time, match["speaker"].strip(), match["text"].strip()))
        else:
            turns.append(("", "", paragraph.replace("\n", " ")))
    with_speaker = sum(1 for _, speaker, _ in turns if speaker)
    if with_speaker < 2 or with_speaker / len(turns) < 0.6:
        return None
    return turns


def _cue_turns(captions) -> list[tuple[str, str, str]]:
    turns = []
    for caption in captions:
        raw = caption.raw_text.strip()
        voice = _VOICE.match(raw)
        speaker, text = (voice.group(1).strip(), voice.group(2)) if voice else ("", raw)
        text = " ".join(_TAG.sub("", text).split())
        if not voice:
            prefixed = SPEAKER_PREFIX.match(text)
            if prefixed:
                speaker, text = prefixed["speaker"].strip(), prefixed["text"]
        if text:
            turns.append((normal_timestamp(caption.start), speaker, text))
    return turns


_CUE_TIME = r"(?:\d{1,}:)?\d{2}:\d{2}[.,]\d{3}"
_TIMING = re.compile(rf"\s*({_CUE_TIME})\s+-->\s+({_CUE_TIME})(?:\s.*)?")


def _seconds(stamp: str) -> float:
    parts = stamp.replace(",", ".").split(":")
    return sum(float(part) * 60 ** power for power, part in enumerate(reversed(parts)))


def _check_cues(path: Path, text: str) -> None:
    """Every cue has a readable timing that ends after it starts: the subtitle parser would
    otherwise drop or merge the cue without a word."""
    lines = text.splitlines()
    number, block_start = 0, None
    for index, line in enumerate(lines + [""]):
        if line.strip() and block_start is None:
            block_start = index
        if line.strip() or block_start is None:
            continue
        block = lines[block_start:index]
        first_line, block_start = block_start + 1, None
        if block[0].startswith(("WEBVTT", "NOTE", "STYLE", "REGION")):
            continue
        number += 1
        timing = next((i for i, candidate in enumerate(block[:2]) if "-->" in candidate), None)
        if timing is None:
            raise InputError(path, f"sous-titre {number} sans horodatage « début --> fin » : « {block[0][:60]} »",
                             f"ligne {first_line}")
        match = _TIMING.fullmatch(block[timing])
        if not match:
            raise InputError(path, f"sous-titre {number} : horodatage illisible « {block[timing].strip()} »",
                             f"ligne {first_line + timing}")
        if _seconds(match[2]) < _seconds(match[1]):
            raise InputError(path, f"sous-titre {number} : la fin ({match[2]}) précède le début ({match[1]})",
                             f"ligne {first_line + timing}")


def _read_subtitles(path: Path, data: bytes, parse) -> list[ReadDocument]:
    text, _ = decode_text(path, data)
    _check_cues(path, text)
    try:
        captions = parse(io.StringIO(text))
    except Exception as error:  # webvtt raises several types for malformed files
        raise InputError(path, f"sous-titres mal formés : {error}") from None
    turns = _cue_turns(captions)
    if not turns:
        raise InputError(path, "aucun sous-titre lisible dans le fichier")
    speakers = sorted({speaker for _, speaker, _ in turns if speaker})
    return [ReadDocument(
        text=format_turns(turns),
        metadata={"genre": "entretien", "speakers": "; ".join(speakers)},
    )]


def read_vtt(path: Path, data: bytes) -> list[ReadDocument]:
    return _read_subtitles(path, data, lambda buffer: webvtt.from_buffer(buffer, format="vtt"))


def read_srt(path: Path, data: bytes) -> list[ReadDocument]:
    return _read_subtitles(path, data, lambda buffer: webvtt.from_buffer(buffer, format="srt"))
