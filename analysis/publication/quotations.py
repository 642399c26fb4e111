"""Quotations for the book, each with its provenance and a link to its place in the corpus.

The annex ``book/documents`` shows the normalised text of every public document, one HTML
paragraph per corpus paragraph, each with an anchor made of the ``doc_id`` and the paragraph's
start offset. A quotation anywhere in the book links to the paragraph that contains its start,
so a reader goes from the claim to the passage in its context in one click. Every piece of
document text goes through :func:`~analysis.publication.privacy.published_text` (masked, pseudonymised)
and reaches the book as text of an :class:`~analysis.publication.render.Element` (escaped by construction);
private documents are refused unless explicitly allowed.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache
from typing import TYPE_CHECKING


from .render import Element, code, element, heading, join, link, paragraph
from ..errors import AtelierError
from ..corpus.store import publishable
from .privacy import protected_names, published_text
from ..corpus.segment import paragraph_spans

if TYPE_CHECKING:  # pragma: no cover
    from ..corpus.store import Corpus

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


def passage_anchor(doc_id: str, start: int, text: str) -> str:
    """The anchor, in the documents annex, of the paragraph of ``text`` holding ``start``."""
    starts = _paragraph_starts(text)
    index = max(bisect_right(starts, start) - 1, 0)
    return paragraph_anchor(doc_id, starts[index] if starts else 0)


def passage_href(doc_id: str, start: int, text: str) -> str:
    """Link (relative to a page of ``book/``) to the paragraph of ``text`` holding ``start``."""
    return f"{DOCUMENTS_PAGE}#{passage_anchor(doc_id, start, text)}"


class Quoter:
    """Turns ``(doc_id, start, end)`` into a quotation with provenance, for one corpus.

    Protected names (:func:`~analysis.publication.privacy.protected_names`) are pseudonymised; documents that
    are not publishable (private, or consent internal or withdrawn) raise an
    :class:`~analysis.errors.AtelierError` unless ``allow_private`` (they have no page to
    link to in the book).
    """

    def __init__(self, corpus: "Corpus", allow_private: bool = False):
        self.corpus = corpus
        self.allow_private = allow_private
        documents = corpus.documents(include_replaced=True)
        self.names = protected_names(corpus, documents)
        self._documents = documents.set_index("doc_id")
        self._publishable = publishable(documents).set_axis(documents["doc_id"])
        self._texts: dict[str, str] = {}

    def is_public(self, doc_id: str) -> bool:
        """Whether the document may be quoted: :func:`~analysis.corpus.store.publishable`."""
        return bool(self._publishable.get(doc_id, False))

    def text(self, doc_id: str) -> str:
        if doc_id not in self._texts:
            self._texts[doc_id] = self.corpus.text(doc_id)
        return self._texts[doc_id]

    def shown(self, text: str) -> str:
        """Document text as the book may show it: masked and pseudonymised."""
        return published_text(text, self.names)

    def check_quotable(self, doc_id: str) -> None:
        if doc_id not in self._documents.index:
            raise AtelierError(f"document « {doc_id} » absent du corpus (corpus/documents.csv)")
        if not self.allow_private and not self.is_public(doc_id):
            raise AtelierError(f"le document « {doc_id} » est privé ou sans consentement de publication : "
                               "il ne peut pas être cité dans le livre")

    def title(self, doc_id: str) -> str:
        return self.shown(str(self._documents.at[doc_id, "title"]))

    def provenance(self, doc_id: str, start: int, end: int) -> Element:
        """« Title (doc_id), caractères start–end » as a link to the passage."""
        self.check_quotable(doc_id)
        return link(passage_href(doc_id, start, self.text(doc_id)), self.title(doc_id), " (", code(doc_id),
                    f"), caractères {start}–{end}", class_="provenance")

    def quoted_text(self, doc_id: str, start: int, end: int) -> str:
        """The passage as a quotation shows it: one line, Markdown bold dropped, masked, pseudonymised."""
        return self.shown(" ".join(self.text(doc_id)[start:end].replace(BOLD, "").split()))

    def quotation(self, doc_id: str, start: int, end: int, quote: str | None = None) -> Element:
        """« quotation » followed by its provenance; ``quote`` defaults to the text at the offsets."""
        provenance = self.provenance(doc_id, start, end)
        shown = self.quoted_text(doc_id, start, end) if quote is None else self.shown(" ".join(quote.replace(BOLD, "").split()))
        return join([element("q", shown, class_="corpus-quote"), " — ", provenance])


#: In an author's quotation, « […] » (or « [...] ») leaves out the words between two parts.
ELLIPSIS = re.compile(r"\s*\[(?:…|\.\.\.)\]\s*")


def _comparable(text: str) -> tuple[str, list[int]]:
    """``text`` with Markdown bold dropped and every run of white space one space, and for each
    character kept its offset in ``text``."""
    kept: list[str] = []
    offsets: list[int] = []
    index = 0
    while index < len(text):
        if text.startswith(BOLD, index):
            index += len(BOLD)
            continue
        character = text[index]
        if character.isspace():
            if kept and kept[-1] != " ":
                kept.append(" ")
                offsets.append(index)
        else:
            kept.append(character)
            offsets.append(index)
        index += 1
    return "".join(kept), offsets


def find_passage(text: str, quoted: str) -> tuple[int, int] | None:
    """The offsets in ``text`` of the words an author quoted (white space and Markdown bold
    ignored; « […] » between parts leaves words out), first occurrence; ``None`` if absent. The
    quotation is anchored by its words, not by offsets, so it survives a new version of the document."""
    comparable, offsets = _comparable(text)
    parts = [" ".join(part.split()) for part in ELLIPSIS.split(quoted.strip()) if part.strip()]
    if not parts:
        return None
    position, start = 0, None
    for part in parts:
        found = comparable.find(part, position)
        if found < 0:
            return None
        start = found if start is None else start
        position = found + len(part)
    return offsets[start], offsets[position - 1] + 1


def _annex_paragraph(text: str, quoter: Quoter) -> Element:
    """A corpus paragraph as the annex shows it: its Markdown bold as bold (a marker left without
    its pair in the source is dropped), its line breaks kept."""
    parts: list = []
    for index, piece in enumerate(_BOLD_SPAN.split(quoter.shown(text))):
        lines = piece.split("\n")
        for number, line in enumerate(lines):
            if number:
                parts.append(element("br"))
            parts.append(element("strong", line) if index % 2 else line.replace(BOLD, ""))
    return element("span", *parts)


def public_texts_html(corpus: "Corpus") -> Element:
    """A linked table of the public documents, then each one's normalised text, one anchored
    paragraph per corpus paragraph."""
    quoter = Quoter(corpus)
    documents = corpus.documents()
    public = documents[publishable(documents)].sort_values(["year", "title"])
    contents = [element("tr", element("td", link(f"#{document_anchor(row.doc_id)}", quoter.shown(str(row.title)))),
                        element("td", row.genre), element("td", row.year),
                        element("td", len(quoter.text(row.doc_id).split())))
                for row in public.itertuples(index=False)]
    header = element("tr", *(element("th", name) for name in ("Document", "Genre", "Année", "Mots")))
    sections = [element("table", element("thead", header), element("tbody", *contents), class_="corpus-contents")]
    for row in public.itertuples(index=False):
        text = quoter.text(row.doc_id)
        details = [value for value in (row.genre, row.year, row.organisation) if value]
        source = str(getattr(row, "source", ""))
        source_link = [" — ", link(source, "source")] if source.startswith(("http://", "https://")) else []
        paragraphs = [paragraph(element("span", start, class_="corpus-offset"), " ",
                                _annex_paragraph(text[start:end], quoter),
                                id=paragraph_anchor(row.doc_id, start), class_="corpus-paragraph")
                      for start, end in paragraph_spans(text)]
        sections.append(element(
            "section", heading(2, quoter.shown(str(row.title))),
            paragraph(code(row.doc_id), " — ", ", ".join(details), *source_link, class_="corpus-meta"),
            *paragraphs, id=document_anchor(row.doc_id), class_="corpus-document"))
    return join(sections, "\n")
