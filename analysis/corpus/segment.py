"""Paragraphs, sentences and Reinert segments, as character spans of a document's text.

Every unit carries ``doc_id``, ``start`` and ``end`` in code points, and
``text[start:end]`` is exactly the unit's text. Segments follow the practice of IRaMuTeQ
and rainette: about ``size`` words, cut preferably at a paragraph break, then at a line
break, after a full stop, after ``;`` or ``:``, after a comma; a short paragraph (a heading,
a list item) joins its neighbours rather than making a tiny segment. The tokenisation is a regular
expression: it needs no downloaded data.
"""

from __future__ import annotations

import bisect
import re
from typing import Iterator

import pandas as pd

UNITS = ("paragraph", "sentence", "segment")
COLUMNS = ["doc_id", "unit", "n", "paragraph", "start", "end", "n_words", "text"]

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
WORD = re.compile(r"\w+", re.UNICODE)

_ABBREVIATIONS = {
    "m", "mm", "mme", "mmes", "mlle", "dr", "pr", "me", "st", "ste", "p", "pp", "art", "al", "cf",
    "ex", "etc", "vol", "chap", "fig", "av", "bd", "env", "hab", "min", "max", "n", "no", "réf",
    "coord", "dir", "éd", "ed", "trad", "op", "cit", "ibid", "id", "sq", "sqq", "tél", "tel",
}
_SENTENCE_END = re.compile(r"[.!?…]+[»”\"')\]]*(?=\s+[«\"“(\[–—-]?\s*[A-ZÀ-ÖØ-Þ0-9])")
_PRIORITY = [
    (re.compile(r"\n[ \t]*\n"), 6), (re.compile(r"\n"), 5), (re.compile(r"[.!?…]"), 4),
    (re.compile(r"[;:]"), 3), (re.compile(r","), 2),
]


def paragraph_spans(text: str) -> Iterator[tuple[int, int]]:
    """Spans of the non-blank paragraphs, without their surrounding whitespace."""
    position = 0
    for match in _PARAGRAPH_BREAK.finditer(text):
        yield from _stripped_span(text, position, match.start())
        position = match.end()
    yield from _stripped_span(text, position, len(text))


def _stripped_span(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        yield start, end


def sentence_spans(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Sentences of ``text[start:end]``: ends of sentences and line breaks cut them."""
    for line in re.finditer(r"[^\n]+", text[start:end]):
        line_start = start + line.start()
        line_end = start + line.end()
        position = line_start
        for match in _SENTENCE_END.finditer(text, line_start, line_end):
            word_before = re.search(r"(\w+)\W*$", text[position:match.start() + 1])
            if word_before and (
                word_before.group(1).lower() in _ABBREVIATIONS
                or (len(word_before.group(1)) == 1 and word_before.group(1).isupper())
            ) and text[match.start()] == ".":
                continue
            yield from _stripped_span(text, position, match.end())
            position = match.end()
        yield from _stripped_span(text, position, line_end)


def _gap_priority(gap: str) -> int:
    for pattern, priority in _PRIORITY:
        if pattern.search(gap):
            return priority
    return 1


def segment_spans(text: str, start: int, end: int, size: int = 40) -> Iterator[tuple[int, int]]:
    """Segments of about ``size`` words in ``text[start:end]``, cut at the best punctuation."""
    words = [(m.start(), m.end()) for m in WORD.finditer(text, start, end)]
    if not words:
        yield from _stripped_span(text, start, end)
        return
    low, high = max(1, size // 2), max(1, size + size // 2)
    first = 0
    segment_start = start
    while len(words) - first > high:
        best, best_score = None, None
        for cut in range(first + low, first + high + 1):
            gap = text[words[cut - 1][1]:words[cut][0]]
            score = _gap_priority(gap) * 1000 - abs(cut - first - size)
            if best_score is None or score > best_score:
                best, best_score = cut, score
        gap_start = words[best - 1][1]
        gap = text[gap_start:words[best][0]]
        segment_end = gap_start + len(gap.rstrip())
        yield from _stripped_span(text, segment_start, segment_end)
        segment_start = segment_end
        first = best
    yield from _stripped_span(text, segment_start, end)


def units(doc_id: str, text: str, unit: str = "segment", size: int = 40) -> pd.DataFrame:
    """The units of one document as a DataFrame (see :data:`COLUMNS`)."""
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {UNITS}, not {unit!r}")
    paragraphs = list(paragraph_spans(text))
    if unit == "paragraph":
        spans = paragraphs
    elif unit == "sentence":
        spans = [span for start, end in paragraphs for span in sentence_spans(text, start, end)]
    else:
        spans = list(segment_spans(text, 0, len(text), size))
    paragraph_starts = [start for start, _ in paragraphs]
    rows = []
    for start, end in spans:
        piece = text[start:end]
        paragraph = bisect.bisect_right(paragraph_starts, start) - 1
        rows.append((doc_id, unit, len(rows), paragraph, start, end, len(WORD.findall(piece)), piece))
    return pd.DataFrame(rows, columns=COLUMNS)
