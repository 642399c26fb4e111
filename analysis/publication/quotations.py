"""Quotations for the book, each with its provenance and a link to its place in the corpus.

The annex ``book/documents`` shows the normalised text of every public document, one HTML
paragraph per corpus paragraph, each with an anchor made of the ``doc_id`` and the paragraph's
start offset. A quotation anywhere in the book links to the paragraph that contains its start,
so a reader goes from the claim to the passage in its context in one click. Every piece of
document text goes through :func:`~analysis.publication.privacy.safe_quotation` (masked, pseudonymised,
escaped); private documents are refused unless explicitly allowed.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache
from typing import TYPE_CHECKING


from .render import Html, html, join
from ..errors import AtelierError
from ..corpus.store import publishable
from .privacy import protected_names, safe_quotation
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


def passage_href(doc_id: str, start: int, text: str) -> str:
    """Link (relative to a page of ``book/``) to the paragraph of ``text`` holding ``start``."""
    starts = _paragraph_starts(text)
    index = max(bisect_right(starts, start) - 1, 0)
    return f"{DOCUMENTS_PAGE}#{paragraph_anchor(doc_id, starts[index] if starts else 0)}"


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

    def shown(self, text: str) -> Html:
        """Document text as the book may show it: masked, pseudonymised and escaped."""
        return Html(safe_quotation(text, self.names))

    def provenance(self, doc_id: str, start: int, end: int) -> Html:
        """« Title (doc_id), caractères start–end » as a link to the passage."""
        if not self.allow_private and not self.is_public(doc_id):
            raise AtelierError(f"le document « {doc_id} » est privé ou sans consentement de publication : "
                               "il ne peut pas être cité dans le livre")
        return html('<a class="provenance" href="{}">{} (<code>{}</code>), caractères {}–{}</a>',
                    passage_href(doc_id, start, self.text(doc_id)),
                    self.shown(str(self._documents.at[doc_id, "title"])), doc_id, start, end)

    def quotation(self, doc_id: str, start: int, end: int, quote: str | None = None) -> Html:
        """« quotation » followed by its provenance; ``quote`` defaults to the text at the offsets."""
        provenance = self.provenance(doc_id, start, end)
        quote = self.text(doc_id)[start:end] if quote is None else quote
        shown = " ".join(quote.replace(BOLD, "").split())
        return html('<q class="corpus-quote">{}</q> — {}', self.shown(shown), provenance)


def _paragraph_html(paragraph: str, quoter: Quoter) -> Html:
    # The bold spans are found in the already escaped text, so their content stays escaped.
    return Html(_BOLD_SPAN.sub(r"<strong>\1</strong>", quoter.shown(paragraph)).replace("\n", "<br>"))


def public_texts_html(corpus: "Corpus") -> Html:
    """A linked table of the public documents, then each one's normalised text, one anchored
    paragraph per corpus paragraph."""
    quoter = Quoter(corpus)
    documents = corpus.documents()
    public = documents[publishable(documents)].sort_values(["year", "title"])
    contents = join(
        html('<tr><td><a href="#{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>',
             document_anchor(row.doc_id), quoter.shown(str(row.title)), row.genre, row.year,
             len(quoter.text(row.doc_id).split()))
        for row in public.itertuples(index=False))
    sections = [html('<table class="corpus-contents"><thead><tr><th>Document</th><th>Genre</th><th>Année</th>'
                     "<th>Mots</th></tr></thead><tbody>{}</tbody></table>", contents)]
    for row in public.itertuples(index=False):
        text = quoter.text(row.doc_id)
        details = [value for value in (row.genre, row.year, row.organisation) if value]
        source = str(getattr(row, "source", ""))
        link = html(' — <a href="{}">source</a>', source) if source.startswith(("http://", "https://")) else ""
        paragraphs = join((
            html('<p id="{}" class="corpus-paragraph"><span class="corpus-offset">{}</span> <span>{}</span></p>',
                 paragraph_anchor(row.doc_id, start), start, _paragraph_html(text[start:end], quoter))
            for start, end in paragraph_spans(text)), "\n")
        sections.append(html(
            '<section id="{}" class="corpus-document"><h2>{}</h2>'
            '<p class="corpus-meta"><code>{}</code> — {}{}</p>\n{}</section>',
            document_anchor(row.doc_id), quoter.shown(str(row.title)), row.doc_id, ", ".join(details), link,
            paragraphs))
    return join(sections, "\n")
