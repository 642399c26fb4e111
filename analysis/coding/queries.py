"""Queries on codings and texts: DataFrames in, DataFrames out.

The inputs are the tables :func:`current_codings` returns (codings placed in the current texts)
and ``Corpus.documents()``; nothing here writes a file.
"""

from __future__ import annotations

import re

import pandas as pd

from .anchoring import STATUS_OK, STATUS_REANCHORED, anchored_codings
from .codebook import with_descendants
from ..corpus.store import Corpus, publishable
from .store import CodingStore

PLACED = (STATUS_OK, STATUS_REANCHORED)


def current_codings(corpus: Corpus, coders: list[str] | None = None, placed_only: bool = True) -> pd.DataFrame:
    """The current codings of the corpus with their text, placed in the current versions."""
    replay = CodingStore.of(corpus).replay(coders)
    table = anchored_codings(corpus, replay.codings)
    if placed_only:
        table = table[table["status"].isin(PLACED)]
    return table.sort_values(["doc_id", "start", "end", "coder", "code"]).reset_index(drop=True)


def rejected_suggestions(corpus: Corpus) -> pd.DataFrame:
    """The suggested segments the coders rejected, each on its code's current path
    (:meth:`analysis.coding.store.CodingStore.reject`)."""
    return CodingStore.of(corpus).replay().rejections


def select_code(codings: pd.DataFrame, code: str, include_subcodes: bool = True) -> pd.DataFrame:
    codes = with_descendants(code, codings["code"].unique()) if include_subcodes else [code]
    return codings[codings["code"].isin(codes)]


def extracts(corpus: Corpus, codings: pd.DataFrame, code: str, context: int = 150,
             include_subcodes: bool = True) -> pd.DataFrame:
    """The extracts coded with ``code`` (and its sub-codes), each with its context and document."""
    chosen = select_code(codings, code, include_subcodes)
    titles = corpus.documents(include_replaced=True).set_index("doc_id")["title"]
    texts: dict[str, str] = {}
    rows = []
    for coding in chosen.itertuples():
        if coding.doc_id not in texts:
            texts[coding.doc_id] = corpus.text(coding.doc_id)
        text = texts[coding.doc_id]
        rows.append({
            "doc_id": coding.doc_id, "title": titles.get(coding.doc_id, ""), "coder": coding.coder,
            "code": coding.code, "start": coding.start, "end": coding.end,
            "before": text[max(0, coding.start - context):coding.start],
            "text": text[coding.start:coding.end],
            "after": text[coding.end:coding.end + context], "memo": coding.memo,
            "coding_id": coding.coding_id,
        })
    columns = ["doc_id", "title", "coder", "code", "start", "end", "before", "text", "after", "memo", "coding_id"]
    return pd.DataFrame(rows, columns=columns)


def _roll_up(codings: pd.DataFrame) -> pd.DataFrame:
    """Each coding counted for its code and for every ancestor of it."""
    rows = []
    for coding in codings.to_dict("records"):
        parts = coding["code"].split("/")
        for depth in range(1, len(parts) + 1):
            rows.append({**coding, "code": "/".join(parts[:depth])})
    return pd.DataFrame(rows, columns=codings.columns)


def code_attribute_matrix(codings: pd.DataFrame, documents: pd.DataFrame, attribute: str,
                          count: str = "codings", roll_up: bool = True) -> pd.DataFrame:
    """Codes × values of a document attribute (genre, territory, year…): the framework matrix.

    ``count="codings"`` counts coded extracts, ``"documents"`` the documents with the code;
    with ``roll_up`` a code also counts what its sub-codes hold.
    """
    if attribute not in documents.columns:
        raise KeyError(f"attribut inconnu : « {attribute} »")
    table = _roll_up(codings) if roll_up else codings
    table = table.merge(documents[["doc_id", attribute]], on="doc_id", how="left")
    table[attribute] = table[attribute].replace("", "(non renseigné)").fillna("(non renseigné)")
    if count == "documents":
        table = table.drop_duplicates(["code", "doc_id"])
    elif count != "codings":
        raise ValueError("count must be 'codings' or 'documents'")
    return pd.crosstab(table["code"], table[attribute]).rename_axis(index="code", columns=attribute)


def cooccurrence(codings: pd.DataFrame, segments: pd.DataFrame | None = None) -> pd.DataFrame:
    """Code × code counts: overlapping codings, or with ``segments``, segments holding both codes.

    Overlap counts pairs of codings (by any coder) in the same document whose spans share at
    least one character; with segments, a code is in a segment when one of its codings overlaps it.
    """
    codes = sorted(codings["code"].unique())
    matrix = pd.DataFrame(0, index=codes, columns=codes, dtype="int64")
    if segments is None:
        for _, group in codings.groupby("doc_id"):
            spans = group[["start", "end", "code"]].sort_values("start").to_numpy()
            for i in range(len(spans)):
                for j in range(i + 1, len(spans)):
                    if spans[j][0] >= spans[i][1]:
                        break
                    a, b = spans[i][2], spans[j][2]
                    if a != b:
                        matrix.loc[a, b] += 1
                        matrix.loc[b, a] += 1
        return matrix
    presence = segment_presence(codings, segments)
    counts = presence.T.astype("int64") @ presence.astype("int64")
    for code in codes:
        counts.loc[code, code] = 0
    return counts.reindex(index=codes, columns=codes, fill_value=0)


def segment_presence(codings: pd.DataFrame, segments: pd.DataFrame) -> pd.DataFrame:
    """Segments × codes, True where a coding of the code overlaps the segment."""
    codes = sorted(codings["code"].unique())
    presence = pd.DataFrame(False, index=segments.index, columns=codes)
    for doc_id, group in codings.groupby("doc_id"):
        in_doc = segments[segments["doc_id"] == doc_id]
        for coding in group.itertuples():
            hit = (in_doc["start"] < coding.end) & (in_doc["end"] > coding.start)
            presence.loc[in_doc.index[hit.to_numpy()], coding.code] = True
    return presence


def kwic(corpus: Corpus, pattern: str, width: int = 60, regex: bool = False,
         case_sensitive: bool = False, include_private: bool = True) -> pd.DataFrame:
    """Keyword in context over the current texts: every match with ``width`` characters around."""
    compiled = re.compile(pattern if regex else re.escape(pattern), 0 if case_sensitive else re.IGNORECASE)
    documents = corpus.documents()
    if not include_private:
        documents = documents[publishable(documents)]
    rows = []
    for doc_id in documents["doc_id"]:
        text = corpus.text(doc_id)
        for match in compiled.finditer(text):
            rows.append({
                "doc_id": doc_id, "start": match.start(), "end": match.end(),
                "left": text[max(0, match.start() - width):match.start()].replace("\n", " "),
                "match": match.group(), "right": text[match.end():match.end() + width].replace("\n", " "),
            })
    return pd.DataFrame(rows, columns=["doc_id", "start", "end", "left", "match", "right"])
