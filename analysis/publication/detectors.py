"""Detectors of what must not be published, shared by the masking of quotations and the scan of
the built book, so that the two can never disagree.

Every detector reads a text and returns :class:`Detection` spans ``(kind, start, end)`` in the
*original* text. Matching happens on a folded copy (:func:`fold`: case and accents folded,
compatibility forms such as fullwidth letters replaced by their plain form, invisible characters
such as soft hyphens and zero-width spaces dropped, HTML inline tags dropped) that keeps an index
map back to the original, so a match found in the copy is masked in the text itself.

* **E-mail addresses** (:func:`find_emails`), plain or obfuscated by the rules of
  :data:`EMAIL_RULES`; obfuscated forms must end with a known top-level domain, so French prose
  (« le point de vue », « arobase ») is not read as an address.
* **Phone numbers** (:func:`find_phones`), by Google's libphonenumber (the ``phonenumbers``
  package, region ``FR``): a number it finds *valid* with its national or international prefix,
  or a valid number written without its leading zero right after a word such as « tél. »;
  slashes between digit pairs are read as spaces. Dates, years, postcodes, amounts, SIRET and
  document identifiers are not valid numbers.
* **Names of protected persons** (:class:`NameMatcher`): whole words, insensitive to case,
  accents, invisible characters and inline markup between letters; the full name, the name
  written surname first, with initials (« H. Lefèvre », « J.-P. Martin »), glued together,
  the surname alone (for names of several words, as the pseudonyms always did), and short
  surnames only after a civility (« Mme Ba »).
* **Passages of private documents** (:class:`PassageIndex`): hashed runs of
  :data:`SHINGLE_WORDS` folded words (shingles) of every private text, minus the runs that also
  occur in a publishable one; and **titles** (:class:`TitleIndex`), as whole word sequences.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from typing import Iterable, Mapping, NamedTuple

import numpy as np
import phonenumbers

#: Kinds of detections, as shown to users.
KIND_EMAIL = "courriel"
KIND_PHONE = "téléphone"
KIND_NAME = "nom réel"
KIND_TITLE = "titre privé"
KIND_PASSAGE = "passage privé"

#: Contacts win over names when spans overlap: an address made of a name is masked whole.
_PRIORITY = {KIND_EMAIL: 0, KIND_PHONE: 1, KIND_NAME: 2, KIND_TITLE: 3, KIND_PASSAGE: 4}


class Detection(NamedTuple):
    """A span ``text[start:end]`` of the original text; ``key`` says which protected name,
    private document or title was found (``None`` for contacts)."""

    kind: str
    start: int
    end: int
    key: str | None = None


# --- folding with an index map --------------------------------------------------------------

#: Typography that readers do not tell apart: curly quotes, dashes, line separators.
_TYPOGRAPHY = {
    **dict.fromkeys("’‘ʼ´`′", "'"), **dict.fromkeys("“”«»„″", '"'),
    **dict.fromkeys("‐‑‒–—―−", "-"), "\u2028": "\n", "\u2029": "\n",
}

#: Inline HTML elements: a reader sees their text glued to its neighbours (« Hé<b>lène</b> »),
#: so the folded copy drops the tags. Any other known tag separates words, like a space.
INLINE_TAGS = frozenset(
    "a abbr b bdi bdo cite code data del dfn em font i ins kbd mark q s samp small span strike "
    "strong sub sup time tt u var wbr tspan".split()
)
_KNOWN_TAGS = INLINE_TAGS | frozenset(
    "address article aside blockquote body br caption center col colgroup dd details div dl dt "
    "fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 head header hr html img li main "
    "nav ol p pre section summary table tbody td tfoot th thead title tr ul svg text desc "
    "textpath".split()
)
# The case-insensitive flag is scoped, as this pattern is also combined into others.
_TAG = re.compile(r"</?((?i:" + "|".join(sorted(_KNOWN_TAGS, key=len, reverse=True)) + r"))(?=[\s/>])[^<>]*>")


def _fold_char(char: str) -> str:
    if unicodedata.category(char) == "Cf":  # soft hyphen, zero-width characters, direction marks
        return ""
    if char in _TYPOGRAPHY:
        return _TYPOGRAPHY[char]
    decomposed = unicodedata.normalize("NFKD", char.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


class _FoldTable(dict):
    """``str.translate`` table computed on demand: each character maps to its folded form."""

    def __missing__(self, code: int) -> str:
        folded = _fold_char(chr(code))
        self[code] = folded
        return folded


_FOLD_TABLE = _FoldTable()


@dataclass(frozen=True)
class FoldedText:
    """The folded copy of ``original`` and the map from its positions back to the original.

    The map is piecewise: runs folded character for character (most of any text), and single
    characters or tags whose fold has another length. ``pieces`` is ``None`` when the whole
    text folds character for character (positions are then the same).
    """

    original: str
    text: str
    # (folded start, original start, original length, whether it is a one-to-one run)
    pieces: tuple[tuple[int, int, int, bool], ...] | None = None

    def __post_init__(self) -> None:
        starts = tuple(piece[0] for piece in self.pieces) if self.pieces is not None else ()
        object.__setattr__(self, "_starts", starts)

    def _piece(self, position: int) -> tuple[int, int, int, bool]:
        return self.pieces[bisect_right(self._starts, position) - 1]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of the folded characters ``text[start:end]`` (``end > start``)."""
        if self.pieces is None:
            return start, end
        first = self._piece(start)
        last = self._piece(end - 1)
        original_start = first[1] + (start - first[0] if first[3] else 0)
        original_end = last[1] + (end - 1 - last[0] + 1 if last[3] else last[2])
        return original_start, original_end


def fold(text: str, markup: bool = True) -> FoldedText:
    """Fold ``text`` for matching (see the module docstring); ``markup`` drops HTML tags too."""
    folded = text.translate(_FOLD_TABLE)
    uneven = [c for c in set(text) if len(_FOLD_TABLE[ord(c)]) != 1]
    has_tags = markup and "<" in text and _TAG.search(text) is not None
    if not uneven and not has_tags:
        return FoldedText(text, folded)
    alternatives = [_TAG.pattern] if has_tags else []
    if uneven:
        alternatives.append("[" + "".join(re.escape(c) for c in uneven) + "]")
    special = re.compile("|".join(alternatives))
    parts: list[str] = []
    pieces: list[tuple[int, int, int, bool]] = []
    folded_at, position = 0, 0
    for match in special.finditer(text):
        if has_tags and match.group(1) is not None:  # a tag (« <at> » of an obfuscated address is not one)
            replacement = "" if match.group(1).lower() in INLINE_TAGS else " "
        else:
            replacement = _FOLD_TABLE[ord(match.group(0))]
        if match.start() > position:
            run = text[position:match.start()].translate(_FOLD_TABLE)
            pieces.append((folded_at, position, len(run), True))
            parts.append(run)
            folded_at += len(run)
        if replacement:
            pieces.append((folded_at, match.start(), match.end() - match.start(), False))
            parts.append(replacement)
            folded_at += len(replacement)
        position = match.end()
    if position < len(text):
        run = text[position:].translate(_FOLD_TABLE)
        pieces.append((folded_at, position, len(run), True))
        parts.append(run)
    return FoldedText(text, "".join(parts), tuple(pieces) or ((0, 0, 0, True),))


def _as_folded(text: str | FoldedText) -> FoldedText:
    return text if isinstance(text, FoldedText) else fold(text)


_SINGLE_NEWLINE = re.compile(r"(?<!\n)\n(?!\n)")


def _lines_joined(text: str, across_lines: bool) -> str:
    """A line break inside a paragraph read as a space (same length, so positions still hold):
    the book shows it as ``<br>``, which a reader reads past; a blank line stays a barrier."""
    return _SINGLE_NEWLINE.sub(" ", text) if across_lines else text


# --- e-mail addresses -----------------------------------------------------------------------

_SPACE = r"[ \t]"
_OPEN, _CLOSE = r"[\[\(\{<]", r"[\]\)\}>]"
_AT_WORDS = r"(?:at|arobase|arrobase|arobas|arrobas)"
_DOT_WORDS = r"(?:dot|point)"
#: The rules, on the folded text (lower case, fullwidth forms already plain). Each rule is one
#: way people write the « @ » or the « . » of an address so that robots do not read it.
EMAIL_RULES = {
    "arobase": (
        rf"{_SPACE}*@{_SPACE}*",                                   # a@b.fr, a @ b.fr
        rf"{_SPACE}*{_OPEN}{_SPACE}*(?:{_AT_WORDS}|@){_SPACE}*{_CLOSE}{_SPACE}*",  # a[at]b, a (arobase) b
        rf"{_SPACE}+{_AT_WORDS}{_SPACE}+",                         # a arobase b, a at b
    ),
    "point": (
        r"\.",                                                     # b.fr
        rf"{_SPACE}+\.{_SPACE}+",                                  # b . fr (spaces on both sides)
        rf"{_SPACE}*{_OPEN}{_SPACE}*(?:{_DOT_WORDS}|\.){_SPACE}*{_CLOSE}{_SPACE}*",  # b[dot]fr, b(.)fr
        rf"{_SPACE}+{_DOT_WORDS}{_SPACE}+",                        # b point fr, b dot fr
    ),
}
_AT = "(?P<at>" + "|".join(EMAIL_RULES["arobase"]) + ")"
_DOT = "(?:" + "|".join(EMAIL_RULES["point"]) + ")"
_LOCAL_ATOM = r"[a-z0-9_+\-]++"
_LABEL = r"[a-z0-9](?:[a-z0-9\-]{0,62}[a-z0-9])?"
EMAIL_PATTERN = re.compile(
    rf"(?<![a-z0-9_+.\-@])(?P<local>{_LOCAL_ATOM}(?:{_DOT}{_LOCAL_ATOM})*){_AT}"
    rf"(?P<domain>{_LABEL}(?:{_DOT}{_LABEL})*?{_DOT}(?P<tld>[a-z]{{2,24}}))(?![a-z0-9_\-]|\.[a-z0-9])"
)
_PLAIN_EMAIL = re.compile(r"[a-z0-9_+.\-]+@[a-z0-9.\-]+")
#: Top-level domains an obfuscated address must end with: every two-letter country code, and
#: the longer ones French organisations use. A plain address (« a@b.xyz ») needs no list.
KNOWN_LONG_TLDS = frozenset(
    "com org net info biz edu gov int mil coop asso gouv museum name pro mobi tel travel "
    "paris bzh alsace corsica bio eco ong ngo online site website email xyz eus cat "
    "immo lyon bordeaux nantes toulouse brussels quebec africa".split()
)


def _is_plausible_email(match: re.Match) -> bool:
    if _PLAIN_EMAIL.fullmatch(match.group(0)):
        return True
    tld = match["tld"]
    if len(tld) != 2 and tld not in KNOWN_LONG_TLDS:
        return False
    # « at » between spaces is an English word: accept it only if the dots are spelled out too.
    if match["at"].strip() == "at":
        return bool(re.search(rf"{_DOT_WORDS}|{_OPEN}", match["domain"]))
    return True


def find_emails(text: str | FoldedText, across_lines: bool = False) -> list[Detection]:
    """E-mail addresses, plain or obfuscated (:data:`EMAIL_RULES`), as spans of the original;
    within a line, or within a paragraph with ``across_lines``."""
    folded = _as_folded(text)
    subject = _lines_joined(folded.text, across_lines)
    return [Detection(KIND_EMAIL, *folded.span(*match.span()))
            for match in EMAIL_PATTERN.finditer(subject) if _is_plausible_email(match)]


# --- phone numbers --------------------------------------------------------------------------

#: Stretches of text that may hold a phone number: digits with separators, at least 8 digits,
#: not glued to a letter (« W595012345 » is an association's number, « 2022-03-15 » a date).
_PHONE_CANDIDATE = re.compile(r"(?<![^\W_])(?:\(\s*)?(?:\+|00)?\d[\d \t.\-()/+]{6,}\d(?![^\W_])")
_SLASH_BETWEEN_DIGITS = re.compile(r"(?<=\d)/(?=\d)")
#: Words after which a valid number written without its leading zero is a phone number.
_PHONE_CUE = re.compile(
    r"(?:\btel\b|\btelephone|\bportable|\bmobile|\bfixe\b|\bfax\b|\bstandard\b|\bjoignable|"
    r"\bappel\w*|\bnumero|\bn°|\bno\b|☎|📞)[^\d\n]{0,12}$"
)
_MIN_PHONE_DIGITS = 8


def find_phones(text: str | FoldedText, across_lines: bool = False, region: str = "FR") -> list[Detection]:
    """Phone numbers (libphonenumber, ``region``), as spans of the original; within a line, or
    within a paragraph with ``across_lines`` (a search index lists « 01 », « 02 »… one a line)."""
    folded = _as_folded(text)
    # Slashes read as spaces: « 06/12/34/56/78 » is written by hand, dates stay dates.
    prepared = _SLASH_BETWEEN_DIGITS.sub(" ", _lines_joined(folded.text, across_lines))
    found: list[Detection] = []
    for candidate in _PHONE_CANDIDATE.finditer(prepared):
        if sum(c.isdigit() for c in candidate.group(0)) < _MIN_PHONE_DIGITS:
            continue
        offset = candidate.start()
        stretch = candidate.group(0)
        spans = {(m.start, m.end) for m in phonenumbers.PhoneNumberMatcher(
            stretch, region, leniency=phonenumbers.Leniency.VALID)}
        for match in phonenumbers.PhoneNumberMatcher(stretch, region, leniency=phonenumbers.Leniency.POSSIBLE):
            if (match.start, match.end) in spans or not phonenumbers.is_valid_number(match.number):
                continue
            before = prepared[max(0, offset + match.start - 30):offset + match.start]
            if _PHONE_CUE.search(before):
                spans.add((match.start, match.end))
        found.extend(Detection(KIND_PHONE, *folded.span(offset + start, offset + end))
                     for start, end in sorted(spans))
    return found


# --- names -----------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+")
#: Civilities and titles before a surname, folded (« M. », « Mme », « Madame », « Dr »…).
CIVILITIES = frozenset(
    "m mm mr mrs ms mme mmes mlle mlles melle madame mesdames monsieur messieurs mademoiselle "
    "dr docteur docteure pr professeur professeure me maitre".split()
)
#: Name particles: never a name alone, but part of a surname (« de La Fontaine »).
PARTICLES = frozenset("de du des la le les d l van von der den da di del della dos ben el".split())
#: Shortest surname matched alone; shorter ones (« Ba », « Lê ») only after a civility.
MIN_SURNAME_LETTERS = 3
#: What may stand between the words of a name: spaces, a line break, a hyphen, a comma; and a
#: dot after an initial or a civility (« J.-P. », « M. »), never after a whole word, where it
#: ends a sentence (« chez Dupont. Marie a dit »).
_NAME_GAP = re.compile(r"[\s,'\-]{1,4}")
_NAME_GAP_AFTER_ABBREVIATION = re.compile(r"[\s.,'\-]{1,4}")


@dataclass(frozen=True)
class _NameForm:
    words: tuple[str, ...]
    key: str
    lead: int = 0  # leading words (a civility) left out of the span


def _folded_words(value: str) -> list[str]:
    # Numbers are no part of a name (« Élu A 2 », « DUPONT-2 »): matched alone they would hide figures.
    return [word for word in _WORD.findall(fold(value).text) if not word.isdigit()]


def _forms(key: str) -> list[_NameForm]:
    """Every way ``key`` may be written (see the module docstring)."""
    words = _folded_words(key)
    if not words:
        return []
    civil = [_NameForm((c, *words[-1:]), key, lead=1) for c in CIVILITIES]
    if len(words) == 1:
        alone = [_NameForm(tuple(words), key)] if len(words[0]) >= MIN_SURNAME_LETTERS and words[0] not in PARTICLES else []
        return alone + civil
    first_particle = next((i for i in range(1, len(words) - 1) if words[i] in PARTICLES), len(words) - 1)
    given, surname = words[:first_particle], words[first_particle:]
    forms = [
        _NameForm(tuple(words), key),
        _NameForm(("".join(words),), key),
        _NameForm((*surname, *given), key),
        _NameForm((*surname[-1:], *given), key),
        *civil,
        *(_NameForm((c, *surname), key, lead=1) for c in CIVILITIES if len(surname) > 1),
    ]
    if all(len(w) > 1 for w in given):
        forms.append(_NameForm((*(w[0] for w in given), *surname), key))  # J. P. Martin, J.-P. Martin
        forms.append(_NameForm(("".join(w[0] for w in given), *surname), key))  # JP Martin
    if len(surname) > 1:
        forms.append(_NameForm(tuple(surname), key))
    if len(words[-1]) >= MIN_SURNAME_LETTERS and words[-1] not in PARTICLES:
        forms.append(_NameForm((words[-1],), key))  # the surname alone, as pseudonyms always did
    return forms


class NameMatcher:
    """Finds the protected names ``names`` (real name → pseudonym, or just the real names).

    Matching goes word by word on the folded text: each word that may start a form is checked
    against the words that follow, the longest form winning, so « H. Lefèvre » is found whole
    rather than as « H. » followed by the surname.
    """

    def __init__(self, names: Iterable[str] | Mapping[str, str]):
        self.names = dict(names) if isinstance(names, Mapping) else {name: name for name in names}
        self._by_first_word: dict[str, list[_NameForm]] = {}
        seen: set[tuple[str, ...]] = set()
        # Longer keys first: their forms win when two keys share one (a full name and its surname).
        for key in sorted(self.names, key=lambda k: (-len(k), k)):
            for form in _forms(key):
                if form.words in seen:
                    continue
                seen.add(form.words)
                self._by_first_word.setdefault(form.words[0], []).append(form)
        for forms in self._by_first_word.values():
            forms.sort(key=lambda form: -len(form.words))

    def __bool__(self) -> bool:
        return bool(self._by_first_word)

    def find(self, text: str | FoldedText) -> list[Detection]:
        folded = _as_folded(text)
        if not self._by_first_word:
            return []
        words = list(_WORD.finditer(folded.text))
        found: list[Detection] = []
        index = 0
        while index < len(words):
            form = self._form_at(words, index, folded.text)
            if form is None:
                index += 1
                continue
            start = words[index + form.lead].start()
            end = words[index + len(form.words) - 1].end()
            found.append(Detection(KIND_NAME, *folded.span(start, end), form.key))
            index += len(form.words)
        return found

    def _form_at(self, words: list[re.Match], index: int, text: str) -> _NameForm | None:
        for form in self._by_first_word.get(words[index].group(), ()):
            last = index + len(form.words) - 1
            if last >= len(words):
                continue
            if all(words[index + k].group() == form.words[k] for k in range(1, len(form.words))) and all(
                _gap(words[i].group()).fullmatch(text, words[i].end(), words[i + 1].start())
                for i in range(index, last)
            ):
                return form
        return None


def _gap(word: str) -> re.Pattern:
    return _NAME_GAP_AFTER_ABBREVIATION if len(word) == 1 or word in CIVILITIES else _NAME_GAP


def find_names(text: str | FoldedText, names: Iterable[str] | Mapping[str, str] | NameMatcher) -> list[Detection]:
    """Protected names in ``text`` (see :class:`NameMatcher`)."""
    matcher = names if isinstance(names, NameMatcher) else NameMatcher(names)
    return matcher.find(text)


# --- all detectors together --------------------------------------------------------------------


def personal_data(text: str, names: NameMatcher | Mapping[str, str] | Iterable[str] | None = None,
                  contacts: bool = True, across_lines: bool = True) -> list[Detection]:
    """E-mail addresses, phone numbers (``contacts``) and protected names of ``text``: sorted,
    never overlapping (contacts win over names). ``across_lines`` as for :func:`find_phones`:
    the default for texts to publish, whose line breaks the book shows as ``<br>``."""
    folded = fold(text)
    found: list[Detection] = []
    if contacts:
        found += find_emails(folded, across_lines) + find_phones(folded, across_lines)
    if names:
        found += find_names(folded, names)
    return without_overlaps(found)


def without_overlaps(detections: Iterable[Detection]) -> list[Detection]:
    """Detections sorted by start, an overlapped one dropped for the one of higher priority."""
    kept: list[Detection] = []
    for detection in sorted(detections, key=lambda d: (_PRIORITY.get(d.kind, 9), d.start, -d.end)):
        if all(detection.end <= other.start or detection.start >= other.end for other in kept):
            kept.append(detection)
    return sorted(kept, key=lambda d: d.start)


def replace_spans(text: str, detections: Iterable[Detection], replacement) -> str:
    """``text`` with each detection replaced by ``replacement(detection)``; nothing else changes."""
    parts, position = [], 0
    for detection in sorted(detections, key=lambda d: d.start):
        parts.append(text[position:detection.start])
        parts.append(replacement(detection))
        position = detection.end
    parts.append(text[position:])
    return "".join(parts)


# --- masked excerpts for reports ----------------------------------------------------------------


def _mask_word(word: str, keep: int = 2) -> str:
    keep = 1 if len(word) <= 3 else keep
    return word[:keep] + "*" * max(len(word) - keep, 3)


def masked(value: str, kind: str, max_words: int = 8) -> str:
    """``value`` shown without revealing it, for logs: first letters kept (``Hé**** Le*****``,
    ``j***@e***.org``, ``06 ** ** ** **``)."""
    value = " ".join(value.split())
    if kind == KIND_EMAIL:
        address = EMAIL_PATTERN.search(fold(value).text)
        if address:
            return f"{address['local'][:1]}***@{address['domain'][:1]}***.{address['tld']}"
    if kind == KIND_PHONE:
        digits = [c for c in value if c.isdigit()]
        return "".join(digits[:2]) + " ** ** ** **"
    words = _WORD.findall(value)
    shown = " ".join(_mask_word(w) for w in words[:max_words])
    return shown + (" …" if len(words) > max_words else "")


# --- passages and titles of private documents -------------------------------------------------

#: Words in a shingle: long enough that a run of them is a quotation, not common prose.
SHINGLE_WORDS = 8
_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)


def _word_hashes(words: list[str]) -> np.ndarray:
    # Python's string hash is salted per process, which is fine: shingles live in one process.
    return np.fromiter(map(hash, words), dtype=np.int64, count=len(words)).view(np.uint64)


def ngram_hashes(word_hashes: np.ndarray, size: int) -> np.ndarray:
    """One 64-bit hash per run of ``size`` consecutive words (a polynomial of the word hashes)."""
    count = len(word_hashes) - size + 1
    if count <= 0:
        return np.empty(0, dtype=np.uint64)
    hashes = word_hashes[:count].copy()
    for k in range(1, size):
        hashes = hashes * _MULTIPLIER + word_hashes[k:k + count]
    return hashes


def words_of(text: str | FoldedText) -> list[str]:
    """The folded words of a text, as the passage and title detectors compare them."""
    return _WORD.findall(_as_folded(text).text)


class _HashTable:
    """Sorted hashes, each with the key (document) it came from; lookups by binary search."""

    def __init__(self, hashes: np.ndarray, owners: np.ndarray, keys: list[str]):
        order = np.argsort(hashes, kind="stable")
        self.hashes, self.owners, self.keys = hashes[order], owners[order], keys

    def __len__(self) -> int:
        return len(self.hashes)

    def lookup(self, hashes: np.ndarray) -> np.ndarray:
        """Owner index of each hash, or -1."""
        if not len(self.hashes) or not len(hashes):
            return np.full(len(hashes), -1)
        places = np.searchsorted(self.hashes, hashes).clip(max=len(self.hashes) - 1)
        return np.where(self.hashes[places] == hashes, self.owners[places], -1)


class PassageIndex:
    """Shingles of private texts, minus those that also occur in a publishable text.

    ``private`` is ``(key, text)`` pairs (the key, a ``doc_id``, names the document in
    findings), ``public`` the publishable texts: their shingles are site boilerplate and shared
    quotations, which the book may show.
    """

    def __init__(self, private: Iterable[tuple[str, str]], public: Iterable[str] = (), size: int = SHINGLE_WORDS):
        self.size = size
        public_hashes = [ngram_hashes(_word_hashes(words_of(text)), size) for text in public]
        shared = np.unique(np.concatenate(public_hashes)) if public_hashes else np.empty(0, np.uint64)
        keys, chunks, owners = [], [], []
        for key, text in private:
            hashes = np.unique(ngram_hashes(_word_hashes(words_of(text)), size))
            hashes = hashes[~np.isin(hashes, shared, assume_unique=True)]
            if len(hashes):
                chunks.append(hashes)
                owners.append(np.full(len(hashes), len(keys)))
                keys.append(key)
        self.table = _HashTable(
            np.concatenate(chunks) if chunks else np.empty(0, np.uint64),
            np.concatenate(owners) if owners else np.empty(0, np.int64), keys)

    def __len__(self) -> int:
        return len(self.table)

    def find(self, text: str | FoldedText) -> list[Detection]:
        """Runs of the text made of private shingles, one detection per run."""
        folded = _as_folded(text)
        if not len(self.table):
            return []
        words = list(_WORD.finditer(folded.text))
        owners = self.table.lookup(ngram_hashes(_word_hashes([w.group() for w in words]), self.size))
        hits = np.flatnonzero(owners >= 0)
        found: list[Detection] = []
        run_start = None
        for position, hit in enumerate(hits):
            if run_start is None:
                run_start = hit
            if position + 1 < len(hits) and hits[position + 1] <= hit + self.size:
                continue  # overlapping shingles: one passage
            start, end = words[run_start].start(), words[hit + self.size - 1].end()
            found.append(Detection(KIND_PASSAGE, *folded.span(start, end), self.table.keys[owners[run_start]]))
            run_start = None
        return found


class TitleIndex:
    """Titles as whole sequences of folded words, found wherever those words follow each other."""

    def __init__(self, titles: Iterable[tuple[str, str]]):
        by_length: dict[int, tuple[list, list]] = {}
        self.keys: list[str] = []
        for key, title in titles:
            words = words_of(title)
            if not words:
                continue
            hashes, owners = by_length.setdefault(len(words), ([], []))
            hashes.append(ngram_hashes(_word_hashes(words), len(words))[0])
            owners.append(len(self.keys))
            self.keys.append(key)
        self.tables = {
            length: _HashTable(np.array(hashes, dtype=np.uint64), np.array(owners, dtype=np.int64), self.keys)
            for length, (hashes, owners) in by_length.items()
        }

    def __len__(self) -> int:
        return len(self.keys)

    def find(self, text: str | FoldedText) -> list[Detection]:
        folded = _as_folded(text)
        if not self.tables:
            return []
        words = list(_WORD.finditer(folded.text))
        word_hashes = _word_hashes([w.group() for w in words])
        found = []
        for length, table in self.tables.items():
            owners = table.lookup(ngram_hashes(word_hashes, length))
            for place in np.flatnonzero(owners >= 0):
                start, end = words[place].start(), words[place + length - 1].end()
                found.append(Detection(KIND_TITLE, *folded.span(start, end), self.keys[owners[place]]))
        return sorted(found, key=lambda d: d.start)
