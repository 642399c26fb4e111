"""Quotations for the book, each with its provenance and a link to its place in the corpus.

The annex ``book/documents`` shows the normalised text of every public document, one HTML
paragraph per corpus paragraph, each with an anchor made of the ``doc_id`` and the paragraph's
start offset. A quotation anywhere in the book links to the paragraph that contains its start,
so a reader goes from the claim to the passage in its context in one click. Every piece of
document text goes through :func:`~analysis.privacy.safe_quotation` (masked, pseudonymised,
escaped); private documents are refused unless explicitly allowed.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_right
from functools import lru_cache
from typing import TYPE_CHECKING

import pandas as pd

from .errors import AtelierError
from .privacy import interviewee_names, safe_quotation
from .segment import paragraph_spans

if TYPE_CHECKING:  # pragma: no cover
    from .corpus import Corpus

DOCUMENTS_PAGE = "documents.html"
# Converted documents keep Markdown bold; the annex renders it, quotations drop it.
BOLD = "**"
_BOLD_SPAN = re.compile(r"\*\*(.+?)\*\*")


def document_anchor(doc_id: str) -> str:
    return f"doc-{doc_id}"


def paragraph_anchor(doc_id: str, start: int) -> str:
    return f"t-{doc_id}-{start}"


@lru_cache(maxsize=256)
def _paragraph_starts(text: str) -> list[int]:
    return [start for start, _ in paragraph_spans(text)]


def passage_href(doc_id: str, start: int, text: str) -> str:
    """Link (relative to a page of ``book/``) to the paragraph of ``text`` holding ``start``."""
    starts = _paragraph_starts(text)
    index = max(bisect_right(starts, start) - 1, 0)
    return f"{DOCUMENTS_PAGE}#{paragraph_anchor(doc_id, starts[index] if starts else 0)}"


class Quoter:
    """Turns ``(doc_id, start, end)`` into a quotation with provenance, for one corpus.

    Interviewees' names come from the corpus metadata; private documents raise an
    :class:`~analysis.errors.AtelierError` unless ``allow_private`` (they have no page to
    link to in the book).
    """

    def __init__(self, corpus: "Corpus", allow_private: bool = False):
        self.corpus = corpus
        self.allow_private = allow_private
        documents = corpus.documents(include_replaced=True)
        self.names = interviewee_names(documents)
        self._documents = documents.set_index("doc_id")
        self._texts: dict[str, str] = {}

    def is_public(self, doc_id: str) -> bool:
        return str(self._documents.at[doc_id, "private"]).lower() != "true"

    def text(self, doc_id: str) -> str:
        if doc_id not in self._texts:
            self._texts[doc_id] = self.corpus.text(doc_id)
        return self._texts[doc_id]

    def provenance(self, doc_id: str, start: int, end: int) -> str:
        """« Title (doc_id), caractères start–end » as a link to the passage."""
        if not self.allow_private and not self.is_public(doc_id):
            raise AtelierError(f"le document « {doc_id} » est privé : il ne peut pas être cité dans le livre")
        title = safe_quotation(str(self._documents.at[doc_id, "title"]), self.names)
        href = html.escape(passage_href(doc_id, start, self.text(doc_id)))
        return (f'<a class="provenance" href="{href}">{title} (<code>{html.escape(doc_id)}</code>), '
                f"caractères {start}–{end}</a>")

    def quotation(self, doc_id: str, start: int, end: int, quote: str | None = None) -> str:
        """« quotation » followed by its provenance; ``quote`` defaults to the text at the offsets."""
        provenance = self.provenance(doc_id, start, end)
        quote = self.text(doc_id)[start:end] if quote is None else quote
        shown = " ".join(quote.replace(BOLD, "").split())
        return f'<q class="corpus-quote">{safe_quotation(shown, self.names)}</q> — {provenance}'


def _paragraph_html(paragraph: str, names: dict[str, str]) -> str:
    escaped = safe_quotation(paragraph, names)
    return _BOLD_SPAN.sub(r"<strong>\1</strong>", escaped).replace("\n", "<br>")


def public_texts_html(corpus: "Corpus") -> str:
    """A linked table of the public documents, then each one's normalised text, one anchored
    paragraph per corpus paragraph."""
    quoter = Quoter(corpus)
    documents = corpus.documents()
    public = documents[documents["private"].str.lower() != "true"].sort_values(["year", "title"])
    contents = "".join(
        f'<tr><td><a href="#{document_anchor(row.doc_id)}">{safe_quotation(str(row.title), quoter.names)}</a></td>'
        f"<td>{html.escape(row.genre)}</td><td>{html.escape(row.year)}</td>"
        f"<td>{len(quoter.text(row.doc_id).split())}</td></tr>"
        for row in public.itertuples(index=False))
    sections = ['<table class="corpus-contents"><thead><tr><th>Document</th><th>Genre</th><th>Année</th>'
                f"<th>Mots</th></tr></thead><tbody>{contents}</tbody></table>"]
    for row in public.itertuples(index=False):
        text = quoter.text(row.doc_id)
        details = [value for value in (row.genre, row.year, row.organisation) if value]
        source = str(getattr(row, "source", ""))
        link = (f' — <a href="{html.escape(source)}">source</a>'
                if source.startswith(("http://", "https://")) else "")
        paragraphs = "\n".join(
            f'<p id="{paragraph_anchor(row.doc_id, start)}" class="corpus-paragraph">'
            f'<span class="corpus-offset">{start}</span> '
            f"<span>{_paragraph_html(text[start:end], quoter.names)}</span></p>"
            for start, end in paragraph_spans(text))
        sections.append(
            f'<section id="{document_anchor(row.doc_id)}" class="corpus-document">'
            f"<h2>{safe_quotation(str(row.title), quoter.names)}</h2>"
            f'<p class="corpus-meta"><code>{html.escape(row.doc_id)}</code> — '
            f"{html.escape(', '.join(details))}{link}</p>\n{paragraphs}</section>")
    return "\n".join(sections)


def quotations_table(quoter: Quoter, passages: pd.DataFrame) -> pd.DataFrame:
    """``passages`` (doc_id, start, end) with a ``quotation`` column of HTML, public ones only."""
    public = passages[passages["doc_id"].map(quoter.is_public)]
    return public.assign(quotation=[quoter.quotation(r.doc_id, int(r.start), int(r.end))
                                    for r in public.itertuples(index=False)])
