"""The timeline of the corpus: dated actions, events and publications the documents mention.

French dates are found by regular expressions (no downloaded data):

* a day, a month name and a year: « 4 mai 2022 », « 1er juin 2022 », « vendredi 16 février 2024 »;
  ranges and pairs give their first day: « du 1er au 3 juin 2022 », « les 15 et 16 février 2024 »,
  « du 30 novembre au 2 décembre 2022 »;
* numeric dates ``d.m.yy``, ``dd/mm/yy`` or with a four-digit year, two-digit years meaning
  ``20yy``: « le 30.11.21 », « 06/05/22 », « les 6 & 7.12.21 », « les 5&6.05.2022 »;
* a month name and a year: « janvier 2022 », « fin novembre 2022 »;
* a bare year only after a word that makes it the date of something: « en 2021 »,
  « depuis 2017 », « fin 2022 », « début 2023 », « dès 2015 »… A year in a name
  (« plan 2022 »), a span of years (« 2024/2025 »), amounts and postcodes are not dates.

A date without its year (« le 4 mai à Strasbourg ») is left out: the year would be a guess.
Each date keeps the precision of the text: ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd
from matplotlib.figure import Figure

from .. import palette
from .render import Element, element, heading, join, paragraph
from .quotations import Quoter
from ..corpus.segment import paragraph_spans, sentence_spans

if TYPE_CHECKING:  # pragma: no cover
    from ..corpus.store import Corpus

# --- dates -------------------------------------------------------------------------------

MONTHS = {
    "janvier": 1, "janv": 1, "février": 2, "fevrier": 2, "févr": 2, "fevr": 2, "fév": 2, "fev": 2,
    "mars": 3, "avril": 4, "avr": 4, "mai": 5, "juin": 6, "juillet": 7, "juil": 7,
    "août": 8, "aout": 8, "septembre": 9, "sept": 9, "octobre": 10, "oct": 10,
    "novembre": 11, "nov": 11, "décembre": 12, "decembre": 12, "déc": 12, "dec": 12,
}
MONTH_NAMES = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
               "septembre", "octobre", "novembre", "décembre")

# Full names first so that the alternation prefers them; abbreviations take an optional period.
_FULL = sorted((m for m in MONTHS if len(m) > 4 or m in ("mars", "mai", "juin", "août", "aout")),
               key=len, reverse=True)
_ABBREVIATED = sorted((m for m in MONTHS if m not in _FULL), key=len, reverse=True)
_MONTH = rf"(?:{'|'.join(_FULL)}|(?:{'|'.join(_ABBREVIATED)})\.?)"
_DAY = r"(?:1er|[0-3]?\d)"
_YEAR4 = r"(?:19|20)\d{2}"
_JOIN = r"\s*(?:au|et|&|-|–|à)\s*"
_NOT_NUMBER_AFTER = r"(?![\d/]|[.,]\d|\s*(?:%|€|euros?\b|exemplaires\b|k€|m€))"

#: « du 30 novembre au 2 décembre 2022 »: the first day and month, the year of the end.
_RANGE_TWO_MONTHS = re.compile(
    rf"(?<![\w/.])(?P<day>{_DAY})\s+(?P<month>{_MONTH}){_JOIN}{_DAY}\s+{_MONTH}\s+(?P<year>{_YEAR4})"
    rf"{_NOT_NUMBER_AFTER}",
    re.IGNORECASE,
)
#: « 4 mai 2022 », « du 1er au 3 juin 2022 », « les 15 et 16 février 2024 ».
_DAY_MONTH_YEAR = re.compile(
    rf"(?<![\w/.])(?P<day>{_DAY})(?:{_JOIN}{_DAY})?\s+(?P<month>{_MONTH})\s+(?P<year>{_YEAR4})"
    rf"{_NOT_NUMBER_AFTER}",
    re.IGNORECASE,
)
#: « 30.11.21 », « 06/05/22 », « 6 & 7.12.21 », « 5&6.05.2022 ».
_NUMERIC = re.compile(
    rf"(?<![\w/.,])(?P<day>[0-3]?\d)(?:{_JOIN}[0-3]?\d)?(?P<sep>[./])(?P<month>[01]?\d)(?P=sep)"
    rf"(?P<year>{_YEAR4}|\d{{2}})(?![\w/]|[.,]\d)",
    re.IGNORECASE,
)
#: « janvier 2022 », « fin novembre 2022 ».
_MONTH_YEAR = re.compile(
    rf"(?<![\w/.])(?P<month>{_MONTH})\s+(?P<year>{_YEAR4}){_NOT_NUMBER_AFTER}",
    re.IGNORECASE,
)
#: A bare year only after a word that dates something: « en 2021 », « depuis 2017 », « fin 2022 ».
_YEAR_WORDS = (
    r"en|depuis|dès|fin|début|debut|mi-|courant|jusqu[’']en|à\s+partir\s+de|a\s+partir\s+de"
    r"|au\s+cours\s+de|d[’']ici"
)
_BARE_YEAR = re.compile(
    rf"(?<![\w-])(?:{_YEAR_WORDS})\s*(?P<year>{_YEAR4})(?![\w/]|[.,]\d|\s*[-–/]\s*\d)"
    rf"(?!\s*(?:%|€|euros?\b|exemplaires\b|k€|m€|personnes\b|participant|habitant|emplois?\b))",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class DateMention:
    """A date as written in a text: its span, the text, and its ISO form (``YYYY[-MM[-DD]]``)."""

    start: int
    end: int
    text: str
    iso: str

    @property
    def year(self) -> int:
        return int(self.iso[:4])


def _day(value: str) -> int:
    return 1 if value.lower() == "1er" else int(value)


def _month(value: str) -> int:
    return MONTHS[value.lower().rstrip(".")]


def _year(value: str) -> int:
    return 2000 + int(value) if len(value) == 2 else int(value)


def _iso_day(year: int, month: int, day: int) -> str | None:
    try:
        return _dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def find_dates(text: str) -> list[DateMention]:
    """Every explicit French date of ``text``, in the order of the text, none overlapping."""
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= a or start >= b for a, b in taken)

    def add(match: re.Match, iso: str | None) -> None:
        if iso is None or not free(match.start(), match.end()):
            return
        taken.append((match.start(), match.end()))
        found.append(DateMention(match.start(), match.end(), match.group(0), iso))

    for pattern in (_RANGE_TWO_MONTHS, _DAY_MONTH_YEAR):
        for match in pattern.finditer(text):
            add(match, _iso_day(_year(match["year"]), _month(match["month"]), _day(match["day"])))
    for match in _NUMERIC.finditer(text):
        add(match, _iso_day(_year(match["year"]), int(match["month"]), int(match["day"])))
    for match in _MONTH_YEAR.finditer(text):
        add(match, f"{int(match['year']):04d}-{_month(match['month']):02d}")
    for match in _BARE_YEAR.finditer(text):
        add(match, match["year"])
    return sorted(found, key=lambda mention: mention.start)


def parse_date(text: str) -> str | None:
    """The ISO form of the first explicit date of ``text`` (``None`` if there is none)."""
    mentions = find_dates(text)
    return mentions[0].iso if mentions else None


def format_date_fr(iso: str) -> str:
    """``2021-11-30`` → « 30 novembre 2021 », ``2022-01`` → « janvier 2022 », ``2017`` → « 2017 »."""
    parts = [int(p) for p in iso.split("-")]
    if len(parts) == 3:
        day = "1er" if parts[2] == 1 else str(parts[2])
        return f"{day} {MONTH_NAMES[parts[1] - 1]} {parts[0]}"
    if len(parts) == 2:
        return f"{MONTH_NAMES[parts[1] - 1]} {parts[0]}"
    return str(parts[0])


# --- events ------------------------------------------------------------------------------

KIND_PUBLICATION = "publication"
KIND_EVENT = "événement"
KIND_ACTION = "action"
KINDS = (KIND_PUBLICATION, KIND_EVENT, KIND_ACTION)
KIND_LABELS = {KIND_PUBLICATION: "Publication", KIND_EVENT: "Événement", KIND_ACTION: "Action"}
KIND_COLOURS = {KIND_PUBLICATION: palette.BLUE, KIND_EVENT: palette.ORANGE, KIND_ACTION: palette.BLUISH_GREEN}

_PUBLICATION_WORDS = re.compile(
    r"\b(?:publication|publi[ée]e?s?|publier|parution|paru(?:e|s|es)?|ouvrage|guide|étude|etude"
    r"|rapport|repèress|reperess|fiches?|kit|note\s+de|communiqué|tribune|lettre\s+d[’']info\w*"
    r"|livre|film|vidéo|plaquette|diffusion|édition)\b",
    re.IGNORECASE,
)
_EVENT_WORDS = re.compile(
    r"\b(?:séminaires?|rencontres?|forums?|journées?|webinaires?|webinars?|conférences?|fêtes?"
    r"|colloques?|ateliers?|clubs?|visio\w*|assemblées?|salons?|agoras?|festivals?|réunions?"
    r"|auditions?|universités?\s+d[’']été|assises|congrès|événements?|évènements?|soirées?|visites?"
    r"|temps\s+fort|replay)\b",
    re.IGNORECASE,
)

EVENT_COLUMNS = ["date", "year", "doc_id", "title", "start", "end", "sentence", "kind", "date_text", "sources"]
#: Two mentions of the same date are one event when this share of the shorter one's words (at
#: least two; stems, without the date, function words and numbers) is in the other.
SAME_EVENT_OVERLAP = 0.75
_LIST_MARKER = re.compile(r"(?:[-*•–—]|\d{1,2}[.)])\s+")


def guess_kind(sentence: str) -> str:
    """``publication``, ``événement`` or ``action``, from the sentence's keywords."""
    if _PUBLICATION_WORDS.search(sentence):
        return KIND_PUBLICATION
    if _EVENT_WORDS.search(sentence):
        return KIND_EVENT
    return KIND_ACTION


def sentence_units(text: str) -> list[tuple[int, int]]:
    """Sentences and list items of ``text`` (list markers such as ``- `` left out)."""
    spans = []
    for p_start, p_end in paragraph_spans(text):
        for start, end in sentence_spans(text, p_start, p_end):
            marker = _LIST_MARKER.match(text, start, end)
            if marker and marker.end() < end:
                start = marker.end()
            spans.append((start, end))
    return spans


def _dedup_key(sentence: str) -> str:
    """The same mention whatever its bold, spacing, case and final punctuation."""
    return " ".join(sentence.replace("**", "").split()).strip(" .;:,!…").casefold()


def _same_event(first: tuple[str, frozenset], second: tuple[str, frozenset]) -> bool:
    """Two mentions of one date tell the same event: the same words, or most of the words of the
    shorter one (at least two) in the other."""
    (key, words), (other_key, other_words) = first, second
    if key == other_key:
        return True
    shorter = min(len(words), len(other_words))
    return shorter >= 2 and len(words & other_words) >= SAME_EVENT_OVERLAP * shorter


def _signature(sentence: str, date_text: str) -> tuple[str, frozenset]:
    """What :func:`_same_event` compares: the sentence as :func:`_dedup_key` sees it, and the
    stems of its words once its date is taken out."""
    from ..text.french import stem, tokenize

    key = _dedup_key(sentence)
    return key, frozenset(stem(word) for word in tokenize(key.replace(date_text.casefold(), " "), expressions=None))


def dated_events(corpus: "Corpus", include_private: bool = False) -> pd.DataFrame:
    """One row per dated event: a sentence (or list item) of a document with an explicit date,
    with every place that mentions it.

    Documents that are not publishable (:func:`~analysis.corpus.store.publishable`: private, or
    consent internal or withdrawn) are left out unless ``include_private``. ``date`` is the first
    date of the sentence, as precise as the text; ``text[start:end] == sentence`` in code points.
    Mentions of the same date telling the same event (:func:`_same_event`: repeated word for
    word, or nearly, within or across documents) are one event: its row quotes the first mention
    and ``sources`` lists every mention as ``(doc_id, start, end)``.
    """
    from ..corpus.store import publishable

    documents = corpus.documents()
    if not include_private:
        documents = documents[publishable(documents)]
    rows: list[list] = []
    signatures: dict[str, list[tuple[int, tuple[str, frozenset]]]] = {}  # date → (row, signature)
    for document in documents.itertuples(index=False):
        text = corpus.text(document.doc_id)
        for start, end in sentence_units(text):
            sentence = text[start:end]
            mentions = find_dates(sentence)
            if not mentions:
                continue
            first = mentions[0]
            signature = _signature(sentence, first.text)
            same = next((row for row, other in signatures.get(first.iso, []) if _same_event(signature, other)), None)
            if same is not None:
                rows[same][-1].append((document.doc_id, start, end))
                continue
            signatures.setdefault(first.iso, []).append((len(rows), signature))
            rows.append([first.iso, first.year, document.doc_id, str(getattr(document, "title", "")),
                         start, end, sentence, guess_kind(sentence), first.text, [(document.doc_id, start, end)]])
    events = pd.DataFrame(rows, columns=EVENT_COLUMNS)
    events["year"] = events["year"].astype(int)
    events["start"] = events["start"].astype(int)
    events["end"] = events["end"].astype(int)
    return events.sort_values(["date", "doc_id", "start"], kind="stable").reset_index(drop=True)


# --- figure and table for the book -------------------------------------------------------


def timeline_figure(events: pd.DataFrame) -> Figure:
    """Dated mentions per year, stacked by kind (French labels, colour-blind-safe colours)."""
    figure = Figure(figsize=(9, 4), layout="constrained")
    axes = figure.subplots()
    axes.set_title("Actions, événements et publications datés dans le corpus")
    axes.set_xlabel("Année")
    axes.set_ylabel("Nombre de mentions datées")
    if events.empty:
        axes.text(0.5, 0.5, "Aucune mention datée", ha="center", va="center", transform=axes.transAxes)
        axes.set_xticks([])
        axes.set_yticks([])
        return figure
    years = range(int(events["year"].min()), int(events["year"].max()) + 1)
    counts = pd.crosstab(events["year"].astype(int), events["kind"]).reindex(index=years, fill_value=0)
    bottom = pd.Series(0, index=counts.index)
    for kind in KINDS:
        if kind not in counts.columns:
            continue
        axes.bar(counts.index, counts[kind], bottom=bottom, width=0.75, color=KIND_COLOURS[kind],
                 label=KIND_LABELS[kind], edgecolor="white", linewidth=0.5)
        bottom = bottom + counts[kind]
    axes.set_xticks(list(years))
    axes.tick_params(axis="x", rotation=45 if len(years) > 12 else 0)
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.legend(title="Type", frameon=False, bbox_to_anchor=(1.01, 1), loc="upper left")
    axes.spines[["top", "right"]].set_visible(False)
    return figure


#: The group of the events whose mentions no coding overlaps.
NOT_CODED = "Sans codage"


def event_axes(events: pd.DataFrame, codings: pd.DataFrame, codebook: pd.DataFrame) -> pd.Series:
    """For each event, the labels of the codebook's families (its axes) of the codings that
    overlap one of its mentions (``[]`` for none)."""
    labels = dict(zip(codebook["path"], codebook["label"]))
    by_document = {doc_id: group for doc_id, group in codings.groupby("doc_id")} if not codings.empty else {}

    def axes_of(sources) -> list[str]:
        found: dict[str, None] = {}
        for doc_id, start, end in sources:
            group = by_document.get(doc_id)
            if group is None:
                continue
            for code in group.loc[(group["start"] < end) & (group["end"] > start), "code"]:
                family = str(code).split("/", 1)[0]
                found[labels.get(family, family)] = None
        return list(found)

    return events["sources"].map(axes_of) if not events.empty else pd.Series([], dtype=object)


def _events_table(events: pd.DataFrame, quoter: Quoter) -> Element:
    rows = []
    for row in events.itertuples(index=False):
        others = [source for source in row.sources if source != (row.doc_id, row.start, row.end)]
        mention = [quoter.quotation(row.doc_id, int(row.start), int(row.end), str(row.sentence))]
        visible = [source for source in others if quoter.is_public(source[0])]
        if visible:
            mention += [element("br"), "Aussi dans : ",
                        join([quoter.provenance(doc_id, start, end) for doc_id, start, end in visible], " ; ")]
        rows.append(element("tr", element("td", element("time", format_date_fr(str(row.date)), datetime=str(row.date))),
                            element("td", KIND_LABELS.get(row.kind, str(row.kind))), element("td", *mention)))
    header = element("tr", *(element("th", name) for name in ("Date", "Type", "Mention")))
    return element("table", element("thead", header), element("tbody", *rows), class_="timeline-table")


def events_html(events: pd.DataFrame, corpus: "Corpus", allow_private: bool = False,
                axes: pd.Series | None = None) -> Element:
    """The events year by year (a heading per year), and within a year by axis of the codebook
    when ``axes`` (:func:`event_axes`) gives some: a table of date, type, quotation and
    provenance, then the other places that mention the same event.

    Quotations and their provenance come from :class:`~analysis.publication.quotations.Quoter`: masked,
    pseudonymised, HTML-escaped, with the document title, its ``doc_id``, the position
    « caractères start–end » and a link to the passage in the corpus annex. Rows of private
    documents are dropped unless ``allow_private``, and so are their other mentions.
    """
    quoter = Quoter(corpus, allow_private=allow_private)
    if not allow_private and not events.empty:
        kept = events["doc_id"].map(quoter.is_public)
        events, axes = events[kept], (axes[kept] if axes is not None else None)
    if events.empty:
        return paragraph("Aucune mention datée dans les documents publics.", class_="timeline-empty")
    grouped = axes is not None and axes.map(bool).any()
    parts = []
    for year, of_year in events.groupby("year", sort=True):
        parts.append(heading(3, str(year)))
        if not grouped:
            parts.append(_events_table(of_year, quoter))
            continue
        of_year_axes = axes.loc[of_year.index].map(lambda found: found or [NOT_CODED])
        labels = list(dict.fromkeys(label for found in of_year_axes for label in found))
        for axis in sorted(labels, key=lambda label: label == NOT_CODED):  # the events not coded last
            parts += [heading(4, axis), _events_table(of_year[of_year_axes.map(lambda found: axis in found)], quoter)]
    return join(parts)
