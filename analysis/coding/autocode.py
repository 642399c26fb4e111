"""Auto-coding with preview: find passages, let the researcher untick some, write the others.

:func:`find_passages` searches the current texts (documents replaced by a newer version are
left out) by keyword or expression (accents and case ignored, as QualCoder and NVivo's text
search do; optionally by French stems, so that « coopérative » also finds « coopératives »), by
regular expression, or takes every turn of a speaker in interviews; documents may be chosen by
their attributes (``genre=entretien``), and alone they make whole-document passages. Each passage
is the matched words (QualCoder's default), or, with ``extent``, the sentence, paragraph or
speaker's turn around them. :func:`autocode` writes the chosen passages as ordinary codings of
the coder, each marked with the search that found it (``auto``), and skips those the coder has
already coded with that code, so a search run twice codes nothing twice.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pandas as pd

from ..corpus.segment import paragraph_spans, sentence_spans
from ..errors import AtelierError
from ..text.french import fold_for_search, stem
from ..text.turns import TURN_LABEL
from .anchoring import latest_versions
from .store import CodingStore

if TYPE_CHECKING:
    from ..corpus.store import Corpus

EXTENTS = ("match", "sentence", "paragraph", "turn")
PASSAGE_COLUMNS = ["doc_id", "start", "end", "text"]
_WORD = re.compile(r"\w+")


def parse_conditions(conditions: list[str] | None) -> dict[str, str]:
    """``attribut=valeur`` conditions on the documents (``genre=entretien``) as a dict."""
    where = {}
    for condition in conditions or []:
        name, equals, value = condition.partition("=")
        if not equals or not name.strip():
            raise AtelierError(f"condition invalide « {condition} » (attendu : attribut=valeur, ex. genre=entretien)")
        where[name.strip()] = value.strip()
    return where


def matching_documents(corpus: "Corpus", where: dict[str, str], latest_only: bool = True) -> list[str]:
    """The documents with the attributes ``where`` (case ignored); by default only the current
    version of a replaced document."""
    documents = corpus.documents(include_replaced=True)
    if latest_only:
        documents = documents[documents["doc_id"].isin(set(latest_versions(documents).values()))]
    for name, value in where.items():
        if name not in documents.columns:
            raise AtelierError(f"attribut inconnu : « {name} » (attributs : {', '.join(documents.columns)})")
        documents = documents[documents[name].astype(str).str.casefold() == value.casefold()]
    return list(documents["doc_id"])


def _keyword_spans(text: str, keyword: str, stems: bool) -> list[tuple[int, int]]:
    folded = fold_for_search(text)
    wanted = fold_for_search(keyword.strip())
    if not wanted:
        raise AtelierError("mot-clé vide")
    if not stems:
        pattern = re.compile(rf"(?<!\w){re.escape(wanted)}(?!\w)".replace(r"\ ", r"\s+"))
        return [match.span() for match in pattern.finditer(folded)]
    wanted_stems = [stem(word) for word in _WORD.findall(wanted)]
    words = list(_WORD.finditer(folded))
    stems_of_text = [stem(word.group()) for word in words]
    size = len(wanted_stems)
    return [(words[index].start(), words[index + size - 1].end()) for index in range(len(words) - size + 1)
            if stems_of_text[index:index + size] == wanted_stems]


def _turns(text: str, speaker: str) -> list[tuple[int, int]]:
    """The turns of ``speaker`` (case and accents ignored), without their label."""
    wanted = fold_for_search(speaker.strip())
    spans = []
    for start, end in paragraph_spans(text):
        label = TURN_LABEL.match(text, start, end)
        if label and label.group("speaker") and fold_for_search(label.group("speaker").strip()) == wanted:
            spans.append((label.end(), end))
    return spans


def _around(text: str, span: tuple[int, int], extent: str) -> tuple[int, int]:
    """The sentence, paragraph or turn that holds the start of ``span`` (the span itself for ``match``)."""
    if extent == "match":
        return span
    for start, end in paragraph_spans(text):
        if start <= span[0] < end:
            if extent == "paragraph":
                return start, max(end, span[1])
            if extent == "turn":
                return TURN_LABEL.match(text, start, end).end(), max(end, span[1])
            for sentence in sentence_spans(text, start, end):
                if sentence[0] <= span[0] < sentence[1]:
                    return sentence[0], max(sentence[1], span[1])
    return span


def _compiled(regex: str) -> "re.Pattern | None":
    try:
        return re.compile(regex, re.IGNORECASE | re.MULTILINE) if regex else None
    except re.error as error:
        raise AtelierError(f"expression régulière invalide « {regex} » : {error}") from None


def text_matches(text: str, keyword: str = "", regex: str = "") -> bool:
    """Whether ``text`` holds ``keyword`` (as a word or expression, accents and case ignored) or matches ``regex``."""
    if keyword:
        return bool(_keyword_spans(text, keyword, stems=False))
    return _compiled(regex).search(text) is not None


def find_passages(corpus: "Corpus", keyword: str = "", regex: str = "", speaker: str = "",
                  where: dict[str, str] | None = None, extent: str = "match", stems: bool = False) -> pd.DataFrame:
    """The passages to code: ``doc_id``, ``start``, ``end``, ``text``, in document order, without duplicates."""
    if extent not in EXTENTS:
        raise AtelierError(f"étendue inconnue : « {extent} » ({', '.join(EXTENTS)})")
    if sum(map(bool, (keyword, regex, speaker))) > 1:
        raise AtelierError("une seule recherche à la fois : mot-clé, expression régulière ou locuteur")
    compiled = _compiled(regex)
    rows = []
    for doc_id in matching_documents(corpus, where or {}):
        text = corpus.text(doc_id)
        if keyword:
            spans = _keyword_spans(text, keyword, stems)
        elif compiled is not None:
            spans = [match.span() for match in compiled.finditer(text) if match.end() > match.start()]
        elif speaker:
            spans = _turns(text, speaker)
        else:
            spans = [(0, len(text.rstrip()))] if where else []
        chosen = sorted({_around(text, span, extent) for span in spans})
        rows += [{"doc_id": doc_id, "start": start, "end": end, "text": text[start:end]}
                 for start, end in chosen if end > start]
    if not (keyword or regex or speaker or where):
        raise AtelierError("rien à chercher : donnez un mot-clé, une expression régulière, un locuteur ou des attributs")
    return pd.DataFrame(rows, columns=PASSAGE_COLUMNS)


def describe_search(keyword: str = "", regex: str = "", speaker: str = "", where: dict[str, str] | None = None,
                    extent: str = "match", stems: bool = False) -> str:
    """The search, as recorded with each auto-coded coding."""
    parts = [f"mot-clé « {keyword} »{' (racines)' if stems else ''}" if keyword else "",
             f"expression « {regex} »" if regex else "", f"locuteur « {speaker} »" if speaker else "",
             ", ".join(f"{name}={value}" for name, value in (where or {}).items()),
             f"étendue {extent}" if extent != "match" else ""]
    return " ; ".join(part for part in parts if part)


def autocode(corpus: "Corpus", coder: str, code: str, passages: pd.DataFrame, search: str) -> list[dict]:
    """Code ``passages`` with ``code`` as ``coder``'s codings marked ``auto`` = ``search``; the passages
    the coder has already coded with that code are skipped. Every passage is checked before the first
    is written."""
    store = CodingStore.of(corpus)
    existing = store.replay([coder]).codings
    done = set(zip(existing["doc_id"], existing["start"], existing["end"], existing["code"]))
    todo = [row for row in passages.itertuples(index=False) if (row.doc_id, row.start, row.end, code) not in done]
    checked = []
    for row in todo:
        sha = corpus.document(row.doc_id)["text_sha256"]
        store.check_coding(row.doc_id, sha, row.start, row.end, code, row.text)
        checked.append((row, sha))
    return [store.add(coder, row.doc_id, sha, row.start, row.end, code, row.text, auto=search)
            for row, sha in checked]
