"""Codings checked against the texts they point into, and re-anchored on new versions.

A coding records the ``text_sha256`` of its document's text and a copy of the coded text.
When the document has been replaced by a new version, the coding is placed in the newest
version by aligning the two texts line by line (:mod:`difflib`); if the aligned span does not
hold the same text, the coded text is searched for and the occurrence nearest to the aligned
place is taken. Codings that cannot be placed, or whose text no longer matches, are kept and
reported with a status, never dropped.
"""

from __future__ import annotations

import bisect
import difflib
from functools import lru_cache

import pandas as pd

from ..corpus.store import Corpus
from ..errors import CorpusError

STATUS_OK = "ok"
STATUS_REANCHORED = "réancré"
STATUS_UNPLACED = "non replacé"
STATUS_MISMATCH = "texte différent"
STATUS_UNKNOWN_DOCUMENT = "document inconnu"


def _line_starts(text: str) -> list[int]:
    starts = [0]
    starts += [i + 1 for i, char in enumerate(text) if char == "\n"]
    return starts


@lru_cache(maxsize=64)
def _line_mapping(old: str, new: str) -> tuple[tuple[int, int, int], ...]:
    """Matching blocks of equal lines: (old line, new line, count)."""
    matcher = difflib.SequenceMatcher(None, old.split("\n"), new.split("\n"), autojunk=False)
    return tuple(tuple(block) for block in matcher.get_matching_blocks() if block.size)


def map_offset(old: str, new: str, offset: int) -> int | None:
    """Where character ``offset`` of ``old`` stands in ``new``, if its line is unchanged."""
    old_starts, new_starts = _line_starts(old), _line_starts(new)
    line = bisect.bisect_right(old_starts, offset) - 1
    column = offset - old_starts[line]
    for old_line, new_line, size in _line_mapping(old, new):
        if old_line <= line < old_line + size:
            return new_starts[new_line + line - old_line] + column
    return None


def reanchor(old: str, new: str, start: int, end: int) -> tuple[int, int] | None:
    """The span of ``new`` that holds what ``old[start:end]`` held, or ``None``."""
    snippet = old[start:end]
    mapped_start = map_offset(old, new, start)
    mapped_end = map_offset(old, new, end - 1) if end > start else mapped_start
    if mapped_start is not None and mapped_end is not None:
        candidate = (mapped_start, mapped_end + 1)
        if new[candidate[0]:candidate[1]] == snippet:
            return candidate
    occurrences = []
    position = new.find(snippet)
    while position >= 0 and snippet:
        occurrences.append(position)
        position = new.find(snippet, position + 1)
    if not occurrences:
        return None
    expected = mapped_start if mapped_start is not None else round(start * len(new) / max(1, len(old)))
    best = min(occurrences, key=lambda p: abs(p - expected))
    return best, best + len(snippet)


def latest_versions(documents: pd.DataFrame) -> dict[str, str]:
    """Each document id with the id of its newest version (itself when not replaced)."""
    replaced_by = {row.replaces: row.doc_id for row in documents.itertuples() if row.replaces}
    latest = {}
    for doc_id in documents["doc_id"]:
        current = doc_id
        while current in replaced_by:
            current = replaced_by[current]
        latest[doc_id] = current
    return latest


def anchored_codings(corpus: Corpus, codings: pd.DataFrame) -> pd.DataFrame:
    """Codings placed in the current texts, with ``status`` and where they were recorded.

    ``doc_id``, ``start`` and ``end`` are positions in the current version of the document;
    ``recorded_doc_id``, ``recorded_start``, ``recorded_end`` keep what the coder's file says.
    """
    documents = corpus.documents(include_replaced=True)
    hashes = dict(zip(documents["doc_id"], documents["text_sha256"]))
    latest = latest_versions(documents) if not documents.empty else {}
    texts: dict[str, str] = {}

    def text_of(doc_id: str) -> str:
        if doc_id not in texts:
            texts[doc_id] = corpus.text(doc_id)
        return texts[doc_id]

    rows = []
    for coding in codings.to_dict("records"):
        placed = dict(coding, recorded_doc_id=coding["doc_id"], recorded_start=coding["start"],
                      recorded_end=coding["end"])
        doc_id = coding["doc_id"]
        if doc_id not in hashes:
            placed["status"] = STATUS_UNKNOWN_DOCUMENT
        elif coding["text_sha256"] != hashes[doc_id] or text_of(doc_id)[coding["start"]:coding["end"]] != coding["text"]:
            placed["status"] = STATUS_MISMATCH
        elif latest[doc_id] == doc_id:
            placed["status"] = STATUS_OK
        else:
            target = latest[doc_id]
            span = reanchor(text_of(doc_id), text_of(target), coding["start"], coding["end"])
            if span is None:
                placed["status"] = STATUS_UNPLACED
            else:
                placed.update(doc_id=target, start=span[0], end=span[1], text_sha256=hashes[target],
                              status=STATUS_REANCHORED)
        rows.append(placed)
    columns = list(codings.columns) + ["recorded_doc_id", "recorded_start", "recorded_end", "status"]
    return pd.DataFrame(rows, columns=columns)


def check_span(corpus: Corpus, doc_id: str, start: int, end: int) -> tuple[str, str]:
    """The text hash and the coded text of a span, or a French error if the span is wrong."""
    text = corpus.text(doc_id)
    if not 0 <= start < end <= len(text):
        raise CorpusError(
            f"positions invalides {start}–{end} pour « {doc_id} » (le texte compte {len(text)} caractères)"
        )
    return corpus.document(doc_id)["text_sha256"], text[start:end]
