"""The privacy gate of the published book.

Two halves:

* *before* publishing, quotations go through :func:`safe_quotation`: e-mail addresses and
  French phone numbers are masked (:func:`mask_personal_data`), interviewees' real names are
  replaced by their pseudonyms (:func:`pseudonymise`, mapping from :func:`interviewee_names`),
  and the result is HTML-escaped so that a document can never inject markup into the book;
* *after* building, :func:`scan_build` reads what the book really shows (visible HTML text,
  the search index, the page sources, optionally the PDF) and looks for what must never be
  there (:func:`forbidden_strings`): titles and passages of private documents, real names,
  e-mail addresses and phone numbers. :func:`check_build` turns any finding into an
  :class:`~analysis.errors.AtelierError` with a French message.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .errors import AtelierError

if TYPE_CHECKING:  # pragma: no cover
    from .corpus import Corpus

EMAIL_MASK = "[courriel masqué]"
PHONE_MASK = "[téléphone masqué]"

#: Kinds of findings, as shown to users.
KIND_TITLE = "titre privé"
KIND_PASSAGE = "passage privé"
KIND_NAME = "nom réel"
KIND_CONTACT = "courriel ou téléphone"
KIND_EMAIL = "courriel"
KIND_PHONE = "téléphone"

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

#: Sentences of private documents longer than this are candidate passages.
PASSAGE_MIN_CHARS = 60
#: At most this many passages per private document, spread through the text.
PASSAGES_PER_DOCUMENT = 12
#: Private titles shorter than this (after normalisation) are too generic to be searched.
TITLE_MIN_CHARS = 8

# --- masking ---------------------------------------------------------------------------

EMAIL_RE = re.compile(
    r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}(?![\w-])"
)
_SEP = r"[ .\-\u00a0\u202f]?"
_PAIRS = rf"(?:{_SEP}\d{{2}}){{4}}"
PHONE_RE = re.compile(
    r"(?<![\w+])(?:"
    # international: +33 or 0033, optional (0), then one digit 1-9 and four pairs
    rf"(?:\+|00)33{_SEP}(?:\(0\){_SEP})?[1-9]{_PAIRS}"
    r"|"
    # national: 0 then one digit 1-9 and four pairs
    rf"0[1-9]{_PAIRS}"
    r")(?![\w])"
)


def mask_personal_data(text: str) -> str:
    """Mask e-mail addresses and French phone numbers; years, postcodes, amounts and dates stay."""
    text = EMAIL_RE.sub(EMAIL_MASK, text)
    return PHONE_RE.sub(PHONE_MASK, text)


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


def _names_pattern(names) -> re.Pattern | None:
    keys = sorted({n for n in names if n.strip()}, key=len, reverse=True)
    if not keys:
        return None
    alternatives = "|".join(r"\s+".join(map(re.escape, k.split())) for k in keys)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def pseudonymise(text: str, names: dict[str, str]) -> str:
    """Replace every real name (case-insensitive, whole words) by its pseudonym."""
    pattern = _names_pattern(names)
    if pattern is None:
        return text
    lookup = {" ".join(k.split()).casefold(): v for k, v in names.items()}
    return pattern.sub(lambda m: lookup.get(" ".join(m.group(0).split()).casefold(), m.group(0)), text)


def safe_quotation(text: str, names: dict[str, str]) -> str:
    """A quotation ready for the book: masked, pseudonymised, then HTML-escaped."""
    return html.escape(pseudonymise(mask_personal_data(text), names))


# --- what must never be published -------------------------------------------------------

_QUOTES = str.maketrans({
    "’": "'", "‘": "'", "ʼ": "'", "´": "'", "`": "'",
    "“": '"', "”": '"', "«": '"', "»": '"', "„": '"',
    "–": "-", "—": "-", "‑": "-", "\u00a0": " ", "\u202f": " ", "\u2009": " ",
})
_TURN_PREFIX = re.compile(r"^\s*(?:\[[\d:.,]+\]\s*)?(?:[A-ZÀ-ÖØ-Þ][\w.’'\- ]{0,40}?\s?:\s+)?")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")


def normalise(text: str) -> str:
    """Text as compared by the scan: NFKC, straight quotes and dashes, single spaces, casefolded."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return " ".join(text.split()).casefold()


def _squeeze(text: str) -> str:
    """Normalised text without any whitespace: robust to line breaks and inline markup."""
    return re.sub(r"\s+", "", normalise(text))


def _sentences(text: str) -> list[str]:
    sentences = []
    for paragraph in re.split(r"\n\s*\n", text):
        paragraph = _TURN_PREFIX.sub("", paragraph, count=1)
        sentences.extend(s.strip() for s in _SENTENCE_END.split(paragraph) if s.strip())
    return sentences


def _spread(items: list[str], count: int) -> list[str]:
    if len(items) <= count:
        return items
    step = len(items) / count
    return [items[int(i * step)] for i in range(count)]


def forbidden_strings(corpus: "Corpus", allow_private: bool = False, allow_names: bool = False) -> dict[str, list[str]]:
    """What must never appear in the built book, by kind.

    * ``titre privé``: titles of private documents (replaced versions included), except
      titles shared with a public document and titles too short to be distinctive;
    * ``passage privé``: for each private document, up to :data:`PASSAGES_PER_DOCUMENT`
      sentences longer than :data:`PASSAGE_MIN_CHARS` characters, spread through the text,
      leaving out sentences that also occur in a public document (site boilerplate);
    * ``nom réel``: interviewees' real names (:func:`interviewee_names`);
    * ``courriel ou téléphone``: always empty, these are found by regular expressions.
    """
    documents = corpus.documents(include_replaced=True)
    result: dict[str, list[str]] = {KIND_TITLE: [], KIND_PASSAGE: [], KIND_NAME: [], KIND_CONTACT: []}
    if not allow_private and not documents.empty:
        private = documents["private"].eq("true")
        public_titles = {normalise(t) for t in documents.loc[~private, "title"]}
        public_text = "\n".join(_squeeze(corpus.text(d)) for d in documents.loc[~private, "doc_id"])
        titles, passages = [], []
        for row in documents[private].itertuples():
            title = " ".join(str(row.title).split())
            if len(normalise(title)) >= TITLE_MIN_CHARS and normalise(title) not in public_titles:
                if title not in titles:
                    titles.append(title)
            candidates = [
                s for s in _sentences(corpus.text(row.doc_id))
                if len(s) > PASSAGE_MIN_CHARS and _squeeze(s) not in public_text
            ]
            passages.extend(p for p in _spread(candidates, PASSAGES_PER_DOCUMENT) if p not in passages)
        result[KIND_TITLE] = titles
        result[KIND_PASSAGE] = passages
    if not allow_names:
        result[KIND_NAME] = sorted(interviewee_names(documents))
    return result


# --- scanning the built book ------------------------------------------------------------

_HIDDEN_TAGS = ("script", "style", "noscript", "template", "svg", "math")


def visible_text(markup: str) -> str:
    """The text a reader sees in an HTML page (scripts, styles and the search index left out)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "html.parser")
    for tag in soup(list(_HIDDEN_TAGS)):
        tag.decompose()
    shown = [soup.get_text(" ")]
    # Tooltips and image descriptions are shown too.
    for tag in soup.find_all(attrs={"alt": True}):
        shown.append(str(tag["alt"]))
    for tag in soup.find_all(attrs={"title": True}):
        shown.append(str(tag["title"]))
    return "\n".join(shown)


def search_index_text(data: str) -> str:
    """Every string (keys included) of Sphinx's ``searchindex.js``, one per line."""
    start, end = data.find("{"), data.rfind("}")
    try:
        index = json.loads(data[start:end + 1])
    except ValueError:
        return data
    strings: list[str] = []

    def walk(value) -> None:
        if isinstance(value, str):
            strings.append(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                strings.append(str(key))
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(index)
    return "\n".join(strings)


def _pdf_pages(pdf_path: Path) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(str(pdf_path)).pages]


_LINE_HYPHEN = re.compile(r"(\w)-\n(\w)")


def _dehyphenate(text: str) -> str:
    """The text of a PDF page with words that TeX hyphenated at a line end joined again."""
    return _LINE_HYPHEN.sub(r"\1\2", text)


def pdf_files(path: Path | str) -> list[Path]:
    """The PDF files to scan: ``path`` itself, or the ``.pdf`` files of a folder (the LaTeX
    build folder, ``_build/latex``). Raises :class:`AtelierError` when there is none."""
    path = Path(path)
    if path.is_dir():
        found = sorted(p for p in path.glob("*.pdf") if p.is_file())
        if not found:
            raise AtelierError(f"{path} : aucun PDF dans ce dossier (le livre PDF est-il construit ?)")
        return found
    if not path.is_file():
        raise AtelierError(f"{path} : PDF du livre introuvable")
    return [path]


def _excerpt(text: str, start: int, end: int, width: int = 40) -> str:
    before = text[max(0, start - width):start]
    after = text[end:end + width]
    return " ".join(f"…{before}{text[start:end]}{after}…".split())


def _short(value: str, width: int = 80) -> str:
    return value if len(value) <= width else value[:width - 1] + "…"


def scan_text(text: str, forbidden: dict[str, list[str]], where: str) -> list[dict[str, str]]:
    """Findings in one text: forbidden titles, passages and names, e-mail addresses, phones."""
    findings: list[dict[str, str]] = []
    flat = normalise(text)
    squeezed = re.sub(r"\s+", "", flat)
    for kind in (KIND_TITLE, KIND_PASSAGE):
        for value in forbidden.get(kind, []):
            if _squeeze(value) and _squeeze(value) in squeezed:
                findings.append({"file": where, "kind": kind, "excerpt": _short(value)})
    pattern = _names_pattern(forbidden.get(KIND_NAME, []))
    if pattern is not None:
        for match in pattern.finditer(flat):
            findings.append({"file": where, "kind": KIND_NAME, "excerpt": _excerpt(flat, *match.span())})
    # Line by line: the search index lists its terms one per line, and "01", "02"… joined
    # into one line would read as a phone number.
    for line in unicodedata.normalize("NFKC", text).splitlines():
        plain = " ".join(line.split())
        for kind, regex in ((KIND_EMAIL, EMAIL_RE), (KIND_PHONE, PHONE_RE)):
            for match in regex.finditer(plain):
                findings.append({"file": where, "kind": kind, "excerpt": _excerpt(plain, *match.span())})
    return findings


def scan_build(
    html_dir: Path | str | None, corpus: "Corpus", pdf_path: Path | str | None = None,
    allow_private: bool = False, allow_names: bool = False,
) -> pd.DataFrame:
    """Scan the built book for what must not be published; one row per finding.

    Looks at the visible text of every ``.html`` file under ``html_dir``, at the strings of
    ``searchindex.js``, at the page sources under ``_sources/`` and, when given, at the
    text of the PDF (a file, or a folder whose ``.pdf`` files are all read: the LaTeX build
    folder). PDF pages are read as extracted and with the words hyphenated at line ends joined
    again. ``html_dir`` may be ``None`` to scan the PDF only. Columns: ``file`` (relative to
    ``html_dir``; ``name.pdf (page n)``), ``kind`` and ``excerpt``.
    """
    forbidden = forbidden_strings(corpus, allow_private=allow_private, allow_names=allow_names)
    findings: list[dict[str, str]] = []
    if html_dir is not None:
        findings.extend(_scan_html(Path(html_dir), forbidden))
    if pdf_path is not None:
        for pdf in pdf_files(pdf_path):
            for number, page in enumerate(_pdf_pages(pdf), start=1):
                where = f"{pdf.name} (page {number})"
                page_findings = scan_text(page, forbidden, where)
                joined = _dehyphenate(page)
                if joined != page:
                    page_findings.extend(f for f in scan_text(joined, forbidden, where) if f not in page_findings)
                findings.extend(page_findings)
    return pd.DataFrame(findings, columns=["file", "kind", "excerpt"])


def _scan_html(root: Path, forbidden: dict[str, list[str]]) -> list[dict[str, str]]:
    findings: list[dict[str, str]] = []
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        relative = path.relative_to(root).as_posix()
        if path.suffix.lower() in (".html", ".htm"):
            text = visible_text(path.read_text(encoding="utf-8", errors="replace"))
        elif path.name == "searchindex.js":
            text = search_index_text(path.read_text(encoding="utf-8", errors="replace"))
        elif relative.startswith("_sources/"):
            text = path.read_text(encoding="utf-8", errors="replace")
        else:
            continue
        findings.extend(scan_text(text, forbidden, relative))
    return findings


def check_build(
    html_dir: Path | str | None, corpus: "Corpus", pdf_path: Path | str | None = None,
    allow_private: bool = False, allow_names: bool = False,
) -> pd.DataFrame:
    """:func:`scan_build`, raising :class:`AtelierError` (in French) if anything is found."""
    findings = scan_build(html_dir, corpus, pdf_path, allow_private=allow_private, allow_names=allow_names)
    if findings.empty:
        return findings
    counts = findings.groupby(["file", "kind"], sort=True).size()
    lines = [f"  - {file} : {kind} ({count} occurrence(s))" for (file, kind), count in counts.items()]
    raise AtelierError(
        f"le livre publié contient {len(findings)} élément(s) qui ne doivent pas être publiés "
        "(documents privés, noms réels, courriels ou téléphones) :\n" + "\n".join(lines)
        + "\nCorriger les pages concernées (pseudonymes, masquage, documents publics seulement) "
        "puis reconstruire le livre."
    )
