"""The privacy gate of the published book.

Both halves use the same detectors (:mod:`analysis.publication.detectors`), so what the masking leaves is
exactly what the scan accepts:

* *before* publishing, quotations go through :func:`published_text`: e-mail addresses and
  phone numbers are masked (:func:`mask_personal_data`), the real names of protected persons are
  replaced by their pseudonyms (:func:`pseudonymise`, mapping from :func:`protected_names`:
  the interviewees of the corpus and the persons of ``corpus/persons.csv``); the result reaches
  the book as text of :mod:`analysis.publication.render`'s trees, so that a document can never inject
  markup into it;
* *after* building, :func:`scan_build` reads every text a reader can get from the book (visible
  HTML text, shown attributes, inline SVG, the search index, the page sources, optionally the
  PDF and the EPUB) and looks for what must never be there (:func:`forbidden_content`): titles
  and passages of the documents that are not publishable (private, or whose consent is internal
  or withdrawn: :func:`analysis.corpus.store.publishable`), protected names, e-mail addresses and
  phone numbers. :func:`check_build` turns any finding into an :class:`~analysis.errors.AtelierError`
  with one French line per finding, its excerpt masked so that a CI log never shows the secret.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Mapping

import pandas as pd

from .detectors import (
    KIND_EMAIL, KIND_NAME, KIND_PASSAGE, KIND_PHONE, KIND_TITLE, Detection, NameMatcher, PassageIndex,
    TitleIndex, find_emails, find_phones, fold, masked, personal_data, replace_spans, words_of,
)
from .book_text import (
    dehyphenate, epub_entries, epub_files, pdf_files, pdf_pages, search_index_text, tidy, visible_characters,
    visible_text,
)
from ..errors import AtelierError, InputError
from ..corpus.segment import paragraph_spans, sentence_spans
from ..text.turns import without_turn_label

if TYPE_CHECKING:  # pragma: no cover
    from ..corpus.store import Corpus

__all__ = [
    "EMAIL_MASK", "PHONE_MASK", "KIND_TITLE", "KIND_PASSAGE", "KIND_NAME", "KIND_CONTACT", "KIND_EMAIL",
    "KIND_PHONE", "mask_personal_data", "pseudonymise", "published_text", "interviewee_names",
    "read_persons", "protected_names", "forbidden_content", "forbidden_strings", "visible_text",
    "search_index_text", "scan_text", "scan_build", "check_build", "pdf_files", "epub_files",
]

EMAIL_MASK = "[courriel masqué]"
PHONE_MASK = "[téléphone masqué]"
#: Replacement of a person of ``persons.csv`` declared without a pseudonym.
NAME_MASK = "[nom masqué]"
#: Former kind for both contacts, kept for callers that group findings by it.
KIND_CONTACT = "courriel ou téléphone"

#: Speaker labels starting with one of these (accents and case ignored) are interviewers.
INTERVIEWER_PREFIXES = (
    "ENQUET", "CHERCH", "INTERVIEW", "ANIMAT", "MODERAT", "INTERROG", "QUESTION", "JOURNALIST",
)
#: Labels that are roles, not names: never treated as a real name.
GENERIC_LABELS = (
    "PARTICIPANT", "INTERVENANT", "INTERLOCUT", "PERSONNE", "INCONNU", "VOIX", "PUBLIC",
    "HOMME", "FEMME", "REPONSE", "SPEAKER", "LOCUTEUR", "LOCUTRICE",
)
#: Name particles never used alone as a name.
_PARTICLES = {"de", "du", "des", "la", "le", "les", "d", "l", "van", "von", "der", "da", "di", "mme", "m", "mr", "dr"}

#: Private titles shorter than this (after normalisation), or of a single word, are too generic
#: to be searched: they would be found in any page.
TITLE_MIN_CHARS = 8
#: At most this many lines of findings in the error message; the rest are counted.
MAX_REPORTED_FINDINGS = 200

# --- masking ---------------------------------------------------------------------------


def mask_personal_data(text: str) -> str:
    """Mask e-mail addresses and phone numbers (:mod:`analysis.publication.detectors`); years, postcodes,
    amounts, dates and identifiers stay. Nothing outside the detected spans changes."""
    return replace_spans(text, personal_data(text), _contact_mask)


def _contact_mask(detection: Detection) -> str:
    return EMAIL_MASK if detection.kind == KIND_EMAIL else PHONE_MASK


# --- names -------------------------------------------------------------------------------


def _fold(value: str) -> str:
    """Upper case without accents: to compare speaker labels with role prefixes."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper().strip()


def is_interviewer(label: str) -> bool:
    """Whether a speaker label names an interviewer role (ENQUÊTRICE, CHERCHEUR, …)."""
    folded = _fold(label)
    return folded.startswith(INTERVIEWER_PREFIXES)


def _is_name(label: str) -> bool:
    folded = _fold(label)
    letters = sum(c.isalpha() for c in folded)
    return letters >= 2 and not folded.startswith(GENERIC_LABELS) and not is_interviewer(label)


def _name_parts(name: str) -> list[str]:
    """The full name, then its last word as a surname when the name has several words."""
    parts = [name]
    words = [w for w in re.split(r"[\s.]+", name) if w]
    if len(words) > 1:
        last = words[-1]
        if len(last) >= 3 and last.lower() not in _PARTICLES:
            parts.append(last)
    return parts


def interviewee_names(documents: pd.DataFrame) -> dict[str, str]:
    """Real name → pseudonym for the interviewees of the ``entretien`` documents.

    The interviewees are the ``speakers`` (separated by ``"; "``) that are not interviewer
    roles. They map to the document's ``pseudonym``; when it is empty, to
    ``Personne interrogée n`` (numbered through the corpus). Several interviewees in one
    document get the pseudonyms of a ``"; "``-separated ``pseudonym`` in order, or the
    pseudonym numbered (``Élu A 1``, ``Élu A 2``). Multi-word names also map their surname.
    """
    names: dict[str, str] = {}
    if documents is None or documents.empty or "speakers" not in documents.columns:
        return names
    counter = 0
    for _, row in documents.iterrows():
        if str(row.get("genre", "")) != "entretien":
            continue
        speakers = [s.strip() for s in str(row.get("speakers", "") or "").split(";")]
        interviewees = [s for s in speakers if s and _is_name(s)]
        if not interviewees:
            continue
        given = [p.strip() for p in str(row.get("pseudonym", "") or "").split(";") if p.strip()]
        for index, speaker in enumerate(interviewees):
            if len(given) == len(interviewees):
                pseudonym = given[index]
            elif len(given) == 1:
                pseudonym = given[0] if len(interviewees) == 1 else f"{given[0]} {index + 1}"
            else:
                counter += 1
                pseudonym = f"Personne interrogée {counter}"
            for part in _name_parts(speaker):
                if part.casefold() != pseudonym.casefold():
                    names.setdefault(part, pseudonym)
    return names


# --- persons.csv ---------------------------------------------------------------------------

#: The columns of ``corpus/persons.csv``, with the French headers also accepted.
PERSONS_COLUMNS = {"name": "nom", "variants": "variantes", "pseudonym": "pseudonyme", "why": "raison"}


def read_persons(path: Path | str) -> pd.DataFrame:
    """The persons who must never be named, from ``persons.csv`` (UTF-8).

    Columns ``name`` (required), ``variants`` (other spellings, separated by ``;``),
    ``pseudonym`` (empty: :data:`NAME_MASK`) and ``why`` (for the researchers, never published);
    the French headers ``nom``, ``variantes``, ``pseudonyme``, ``raison`` work too. A malformed
    file raises :class:`~analysis.errors.InputError` naming the file and the line. Returns one
    row per person with a ``line`` column; an absent file gives an empty table.
    """
    path = Path(path)
    columns = [*PERSONS_COLUMNS, "line"]
    try:  # opened even when absent, so that the book notices a persons.csv that appears later
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except FileNotFoundError:
        return pd.DataFrame(columns=columns)
    except UnicodeDecodeError as error:
        raise InputError(path, "le fichier n’est pas en UTF-8", f"octet {error.start}") from None
    reader = csv.reader(lines, strict=True)
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise InputError(path, f"en-tête illisible ({error})", "ligne 1") from None
    if not header or not any(cell.strip() for cell in header):
        raise InputError(path, "en-tête manquant : attendu « name,variants,pseudonym,why »", "ligne 1")
    aliases = {alias: column for column, alias in PERSONS_COLUMNS.items()} | {c: c for c in PERSONS_COLUMNS}
    names = [aliases.get(cell.strip().lower()) for cell in header]
    unknown = [cell for cell, name in zip(header, names) if name is None]
    if unknown:
        raise InputError(path, f"colonne(s) inconnue(s) : {', '.join(unknown)} (colonnes possibles : "
                         f"{', '.join(PERSONS_COLUMNS)})", "ligne 1")
    if "name" not in names:
        raise InputError(path, "colonne « name » manquante (le nom de la personne à protéger)", "ligne 1")
    rows, declared = [], {}
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            raise InputError(path, f"ligne CSV mal formée ({error})", f"ligne {reader.line_num}") from None
        number = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            raise InputError(path, f"{len(cells)} champ(s) au lieu de {len(header)} (vérifier les virgules "
                             "et les guillemets)", f"ligne {number}")
        row = {column: "" for column in PERSONS_COLUMNS} | {name: cell.strip() for name, cell in zip(names, cells)}
        if sum(c.isalpha() for c in row["name"]) < 2:
            raise InputError(path, "nom vide ou trop court dans la colonne « name »", f"ligne {number}")
        for spelling in [row["name"], *(v.strip() for v in row["variants"].split(";") if v.strip())]:
            key = " ".join(words_of(spelling))
            previous = declared.get(key)
            if previous is not None and previous[1] != row["pseudonym"]:
                raise InputError(path, f"« {spelling} » est déjà déclaré ligne {previous[0]} avec un autre "
                                 "pseudonyme", f"ligne {number}")
            declared[key] = (number, row["pseudonym"])
        rows.append({**row, "line": number})
    return pd.DataFrame(rows, columns=columns)


def persons_names(persons: pd.DataFrame) -> dict[str, str]:
    """Real name → pseudonym for the persons of ``persons.csv``: the name, each variant, and the
    surname of names of several words."""
    names: dict[str, str] = {}
    for row in persons.itertuples(index=False):
        pseudonym = row.pseudonym or NAME_MASK
        spellings = [row.name, *(v.strip() for v in str(row.variants).split(";") if v.strip())]
        for spelling in spellings:
            for part in _name_parts(spelling):
                if part.casefold() != pseudonym.casefold():
                    names.setdefault(part, pseudonym)
    return names


def protected_names(corpus: "Corpus", documents: pd.DataFrame | None = None) -> dict[str, str]:
    """Real name → pseudonym of everyone the book must not name: the interviewees of the corpus
    (:func:`interviewee_names`, replaced versions included) and the persons of
    ``corpus/persons.csv`` (:func:`read_persons`). An interviewee keeps the pseudonym of their
    document when they are also in ``persons.csv``."""
    if documents is None:
        documents = corpus.documents(include_replaced=True)
    names = interviewee_names(documents)
    for name, pseudonym in persons_names(read_persons(corpus.persons_csv)).items():
        names.setdefault(name, pseudonym)
    return names


@lru_cache(maxsize=32)
def _matcher(items: tuple[tuple[str, str], ...]) -> NameMatcher:
    return NameMatcher(dict(items))


def _name_matcher(names: Mapping[str, str] | NameMatcher) -> NameMatcher:
    # Quotations call this once per paragraph with the same mapping: build the matcher once.
    return names if isinstance(names, NameMatcher) else _matcher(tuple(sorted(names.items())))


def pseudonymise(text: str, names: Mapping[str, str] | NameMatcher) -> str:
    """Replace every protected name (:class:`~analysis.publication.detectors.NameMatcher`: case, accents,
    civilities, initials, invisible characters ignored) by its pseudonym."""
    matcher = _name_matcher(names)
    if not matcher:
        return text
    return replace_spans(text, matcher.find(text), lambda d: matcher.names[d.key])


def published_text(text: str, names: Mapping[str, str] | NameMatcher) -> str:
    """``text`` as the book may show it, not yet escaped: contacts masked, protected names
    pseudonymised, in one pass of the detectors (for values a renderer escapes itself)."""
    matcher = _name_matcher(names)
    detections = personal_data(text, matcher if matcher else None)
    return replace_spans(text, detections, lambda d: matcher.names[d.key] if d.kind == KIND_NAME else _contact_mask(d))


# --- what must never be published -------------------------------------------------------

def normalise(text: str) -> str:
    """Text as compared by the scan: NFKC, invisible characters removed, single spaces, casefolded."""
    return " ".join(visible_characters(text).split()).casefold()


def _sentences(text: str) -> list[str]:
    """The sentences of a text (:mod:`analysis.corpus.segment`'s), without the label of a speaker's turn."""
    sentences = []
    for start, end in paragraph_spans(text):
        paragraph = without_turn_label(text[start:end])
        sentences += [paragraph[s:e] for s, e in sentence_spans(paragraph, 0, len(paragraph))]
    return sentences


@dataclass
class ForbiddenContent:
    """What the scan looks for: titles and passages of non-publishable documents, protected names."""

    titles: TitleIndex
    passages: PassageIndex
    names: NameMatcher
    #: Where each document is described, for findings: « documents.csv, ligne 9 ». Not its
    #: ``doc_id``, which is made from the title and would print the secret in a CI log.
    places: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_strings(cls, forbidden: Mapping[str, Iterable[str]]) -> "ForbiddenContent":
        """From lists by kind, as :func:`forbidden_strings` returns them (each passage on its own)."""
        # No document to name here: the key stays empty, never the secret itself.
        return cls(
            TitleIndex(("", title) for title in forbidden.get(KIND_TITLE, [])),
            PassageIndex(("", passage) for passage in forbidden.get(KIND_PASSAGE, [])),
            NameMatcher(list(forbidden.get(KIND_NAME, []))),
        )


def _non_publishable(corpus: "Corpus") -> tuple[pd.DataFrame, pd.DataFrame]:
    from ..corpus.store import publishable

    documents = corpus.documents(include_replaced=True)
    if documents.empty:
        return documents, documents
    allowed = publishable(documents)
    return documents[allowed], documents[~allowed]


def _private_titles(public: pd.DataFrame, private: pd.DataFrame) -> list[tuple[str, str]]:
    public_titles = {tuple(words_of(str(t))) for t in public["title"]}
    titles, seen = [], set()
    for row in private.itertuples(index=False):
        title = " ".join(str(row.title).split())
        words = tuple(words_of(title))
        if len(normalise(title)) < TITLE_MIN_CHARS or len(words) < 2 or words in public_titles or words in seen:
            continue
        seen.add(words)
        titles.append((row.doc_id, title))
    return titles


#: Fields of the codebook that researchers write for the book (its annex publishes them); the
#: ``example`` field is left out: it quotes the corpus, and must not quote a private document.
CODEBOOK_PROSE_FIELDS = ("label", "definition", "include", "exclude")


def _codebook_prose(corpus: "Corpus") -> list[str]:
    """The researchers' own words in the codebook: published by design, and often phrased after
    the documents they describe (« répercussions sur la santé mentale et la cohésion sociale »)."""
    if not corpus.codebook_path.exists():
        return []
    from ..coding.codebook import load_codebook

    codebook = load_codebook(corpus.codebook_path)
    return ["\n\n".join(codebook[field]) for field in CODEBOOK_PROSE_FIELDS if field in codebook.columns]


def forbidden_content(corpus: "Corpus", allow_private: bool = False, allow_names: bool = False) -> ForbiddenContent:
    """Everything :func:`scan_build` looks for in ``corpus``'s book.

    * titles of the documents that are not publishable (replaced versions included), except
      titles shared with a publishable document and titles too short to be distinctive;
    * every passage of those documents: their shingles (runs of
      :data:`~analysis.publication.detectors.SHINGLE_WORDS` words), minus those that also occur in a
      publishable document (site boilerplate, shared quotations) or in the researchers' own
      prose of the codebook (:data:`CODEBOOK_PROSE_FIELDS`);
    * the names of :func:`protected_names`.
    """
    public, private = _non_publishable(corpus)
    names = NameMatcher({}) if allow_names else NameMatcher(protected_names(corpus))
    if allow_private or private.empty:
        return ForbiddenContent(TitleIndex([]), PassageIndex([]), names)
    texts = corpus.texts([*private["doc_id"], *public["doc_id"]])
    # Rows of documents.csv are numbered from 2, after the header line.
    places = {doc_id: f"{corpus.documents_csv.name}, ligne {row + 2}" for row, doc_id in private["doc_id"].items()}
    return ForbiddenContent(
        TitleIndex(_private_titles(public, private)),
        PassageIndex(((d, texts[d]) for d in private["doc_id"]),
                     [texts[d] for d in public["doc_id"]] + _codebook_prose(corpus)),
        names, places,
    )


def forbidden_strings(corpus: "Corpus", allow_private: bool = False, allow_names: bool = False) -> dict[str, list[str]]:
    """What must never appear in the built book, by kind, as readable lists.

    * ``titre privé``: the titles of :func:`forbidden_content`;
    * ``passage privé``: every sentence of the non-publishable documents that holds a passage
      the scan looks for (at least :data:`~analysis.publication.detectors.SHINGLE_WORDS` words, not all of
      them shared with a publishable document), without the speaker label of a turn;
    * ``nom réel``: the protected names (:func:`protected_names`);
    * ``courriel ou téléphone``: always empty, these are found by the detectors.
    """
    content = forbidden_content(corpus, allow_private=allow_private, allow_names=allow_names)
    result: dict[str, list[str]] = {KIND_TITLE: [], KIND_PASSAGE: [], KIND_NAME: [], KIND_CONTACT: []}
    if not allow_private:
        public, private = _non_publishable(corpus)
        result[KIND_TITLE] = [title for _, title in _private_titles(public, private)] if not private.empty else []
        passages: list[str] = []
        for doc_id, text in corpus.texts(list(private.get("doc_id", []))).items():
            for sentence in _sentences(text):
                if sentence not in passages and content.passages.find(sentence):
                    passages.append(sentence)
        result[KIND_PASSAGE] = passages
    if not allow_names:
        result[KIND_NAME] = sorted(content.names.names)
    return result


# --- scanning ----------------------------------------------------------------------------------


def _as_content(forbidden: ForbiddenContent | Mapping[str, Iterable[str]]) -> ForbiddenContent:
    return forbidden if isinstance(forbidden, ForbiddenContent) else ForbiddenContent.from_strings(forbidden)


def _excerpt(detection: Detection, text: str, places: Mapping[str, str]) -> str:
    shown = masked(text[detection.start:detection.end], detection.kind)
    if detection.kind in (KIND_TITLE, KIND_PASSAGE) and detection.key in places:
        return f"« {shown} » ({places[detection.key]})"
    return f"« {shown} »"


def scan_text(text: str, forbidden: ForbiddenContent | Mapping[str, Iterable[str]], where: str) -> list[dict[str, str]]:
    """Findings in one text a reader gets: titles and passages of non-publishable documents,
    protected names, e-mail addresses, phone numbers; excerpts masked.

    Contacts are looked for line by line (a search index lists its terms one a line, and « 01 »,
    « 02 »… joined would read as a phone number). The text is read as it is and, when words are
    hyphenated at line ends, with those words joined again.
    """
    content = _as_content(forbidden)
    findings: list[dict[str, str]] = []
    seen: set[tuple[str, str]] = set()
    as_read = tidy(text)
    variants = [as_read]
    joined = tidy(dehyphenate(visible_characters(text)))
    if joined != as_read:
        variants.append(joined)
    for number, variant in enumerate(variants):
        folded = fold(variant)
        detections = find_emails(folded) + find_phones(folded) + content.names.find(folded)
        detections += content.titles.find(folded) + content.passages.find(folded)
        found_here = []
        for detection in sorted(detections, key=lambda d: d.start):
            finding = {"file": where, "kind": detection.kind, "excerpt": _excerpt(detection, variant, content.places)}
            if number and (finding["kind"], finding["excerpt"]) in seen:
                continue  # already found in the text as it is
            found_here.append(finding)
        seen.update((f["kind"], f["excerpt"]) for f in found_here)
        findings.extend(found_here)
    return findings


#: Files of the HTML book whose raw text a reader can download.
_RAW_TEXT_FOLDERS = ("_sources/", "_downloads/")
#: Markup a reader sees the text of: pages (the EPUB's are XHTML), SVG images, and the EPUB's
#: package and table of contents (title, author, chapter titles that readers' libraries show).
_MARKUP_SUFFIXES = (".html", ".htm", ".xhtml", ".svg", ".opf", ".ncx")


def _how_to_read(relative: str) -> str | None:
    """How to read a file of the book (HTML folder or EPUB archive), from its path inside it:
    ``"raw"``, ``"markup"``, ``"index"``, or ``None`` when no reader gets text from it."""
    suffix = Path(relative).suffix.lower()
    if relative.startswith(_RAW_TEXT_FOLDERS):
        return "raw"
    if relative.startswith("_static/"):
        return None  # the theme's own files: scripts, fonts, icons and their licences
    if suffix in _MARKUP_SUFFIXES:
        return "markup"
    if Path(relative).name == "searchindex.js":
        return "index"
    if suffix in (".ipynb", ".md", ".txt", ".csv", ".json"):
        return "raw"
    return None


def _readable_files(root: Path) -> Iterable[tuple[Path, str, str]]:
    """``(path, relative path, how to read it)`` for every file of the book a reader can get."""
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        relative = path.relative_to(root).as_posix()
        how = _how_to_read(relative)
        if how is not None:
            yield path, relative, how


def _scan_file(data: bytes, how: str, content: ForbiddenContent, where: str) -> list[dict[str, str]]:
    """Findings in one file of the book, read as :func:`_how_to_read` says."""
    if b"\0" in data[:4096]:
        return []  # not text
    text = data.decode("utf-8", errors="replace")
    if how == "markup":
        return scan_text(visible_text(text), content, where)
    if how == "index":
        # Its terms are stems of the pages' words, which are scanned whole; its titles are not.
        return scan_text(search_index_text(text), content, where)
    return scan_text(text, content, where)


def _scan_html(root: Path, content: ForbiddenContent) -> list[dict[str, str]]:
    findings: list[dict[str, str]] = []
    for path, relative, how in _readable_files(root):
        findings.extend(_scan_file(path.read_bytes(), how, content, relative))
    return findings


def _scan_epub(epub: Path, content: ForbiddenContent) -> list[dict[str, str]]:
    """Every document of an EPUB archive, as the same files of the HTML book are read; findings
    name the archive and the file inside it: ``livre.epub (book/intro.xhtml)``."""
    findings: list[dict[str, str]] = []
    for name, data in epub_entries(epub):
        how = _how_to_read(name)
        if how is not None:
            findings.extend(_scan_file(data, how, content, f"{epub.name} ({name})"))
    return findings


def scan_build(
    html_dir: Path | str | None, corpus: "Corpus", pdf_path: Path | str | None = None,
    allow_private: bool = False, allow_names: bool = False, epub_path: Path | str | None = None,
) -> pd.DataFrame:
    """Scan the built book for what must not be published; one row per finding.

    Looks at every text a reader can get under ``html_dir`` (:func:`visible_text` of the
    ``.html`` and ``.svg`` files, the strings of ``searchindex.js`` (section titles, terms), the
    files under ``_sources/`` and ``_downloads/``), when given at the text of the PDF (a
    file, or a folder whose ``.pdf`` files are all read: the LaTeX build folder) and at the
    documents of the EPUB (a file, or a folder whose ``.epub`` files are all read: the EPUB build
    folder; its XHTML pages, package and table of contents read as the HTML book's).
    ``html_dir`` may be ``None`` to scan the PDF or the EPUB only. Columns: ``file`` (relative to
    ``html_dir``; ``name.pdf (page n)``; ``name.epub (path inside it)``), ``kind`` and
    ``excerpt`` (masked).
    """
    content = forbidden_content(corpus, allow_private=allow_private, allow_names=allow_names)
    findings: list[dict[str, str]] = []
    if html_dir is not None:
        findings.extend(_scan_html(Path(html_dir), content))
    if pdf_path is not None:
        for pdf in pdf_files(pdf_path):
            for number, page in enumerate(pdf_pages(pdf), start=1):
                findings.extend(scan_text(page, content, f"{pdf.name} (page {number})"))
    if epub_path is not None:
        for epub in epub_files(epub_path):
            findings.extend(_scan_epub(epub, content))
    return pd.DataFrame(findings, columns=["file", "kind", "excerpt"])


def findings_report(findings: pd.DataFrame) -> str:
    """One French line per distinct finding: page, kind of data, masked excerpt, occurrences."""
    counts = findings.groupby(["file", "kind", "excerpt"], sort=False).size()
    lines = []
    for (file, kind, excerpt), count in counts.items():
        times = f" ({count} occurrences)" if count > 1 else ""
        lines.append(f"  - {file} : {kind} {excerpt}{times}")
    if len(lines) > MAX_REPORTED_FINDINGS:
        rest = len(lines) - MAX_REPORTED_FINDINGS
        lines = lines[:MAX_REPORTED_FINDINGS] + [f"  … et {rest} autre(s) élément(s)"]
    return "\n".join(lines)


def check_build(
    html_dir: Path | str | None, corpus: "Corpus", pdf_path: Path | str | None = None,
    allow_private: bool = False, allow_names: bool = False, epub_path: Path | str | None = None,
) -> pd.DataFrame:
    """:func:`scan_build`, raising :class:`AtelierError` (in French) if anything is found."""
    findings = scan_build(html_dir, corpus, pdf_path, allow_private=allow_private, allow_names=allow_names,
                          epub_path=epub_path)
    if findings.empty:
        return findings
    raise AtelierError(
        f"le livre publié contient {len(findings)} élément(s) qui ne doivent pas être publiés "
        "(documents privés ou non publiables, noms réels, courriels ou téléphones ; extraits masqués) :\n"
        + findings_report(findings)
        + "\nCorriger les pages concernées (pseudonymes, masquage, documents publiables seulement) "
        "puis reconstruire le livre."
    )
