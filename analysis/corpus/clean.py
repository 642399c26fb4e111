"""Cleaning of conversion noise, as an ordered list of documented rules.

Each rule is a pure function ``str -> (str, count)``. :func:`clean` applies them in order
and returns the cleaned text with the number of changes made by each rule, which becomes the
document's line in the cleaning report. Sources are never touched: rules only see a copy of
their text. Page breaks from PDF readers arrive as form feeds (``\\f``) so that running
headers can be recognised before the breaks become paragraph breaks.

The rules that repair OCR noise word by word (elisions, accents and ligatures lost, bullets read
as letters) are conservative: a word changes only if the French dictionary (Debian's hunspell-fr,
:mod:`analysis.text.spelling`) knows the result and not the original, and each of their changes
is listed (:func:`clean` with ``changes=[]``) so that a person can review it. Without the
dictionary, the accent and ligature rules are skipped (:func:`cleaning_notes` says so) and the
elision rules keep only their patterns.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Callable

import pandas as pd

from ..text.spelling import MISSING_NOTE, FrenchDictionary, fold, french_dictionary

Rule = Callable[[str], tuple[str, int]]
#: One change of a word-level rule, for review: the words before and after, and their line.
Change = tuple[str, str, str]
Detailed = Callable[[str], tuple[str, list[Change]]]

_VOWEL_START = "aeiouyhàâäéèêëîïôöûüœæAEIOUYHÀÂÉÈÊËÎÏÔÖÛÜŒÆ"


@dataclass(frozen=True)
class CleaningRule:
    name: str
    description: str
    apply: Rule
    #: For the rules whose every change is listed for review: the same rule, returning the
    #: changes (``before``, ``after``, ``context``) instead of their count.
    detailed: Detailed | None = None


def _listed(detailed: Detailed) -> Rule:
    def apply(text: str) -> tuple[str, int]:
        text, changes = detailed(text)
        return text, len(changes)
    return apply


def _line_endings(text: str) -> tuple[str, int]:
    count = text.count("\r")
    return text.replace("\r\n", "\n").replace("\r", "\n"), count


_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]|[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _invisible_characters(text: str) -> tuple[str, int]:
    return _INVISIBLE.subn("", text)


_MOJIBAKE = re.compile("[ÃÂ][\u0080-\u00bf]|â€[\u0080-\u00bf™œ\u009d˜¦]")


def _double_encoding(text: str) -> tuple[str, int]:
    """UTF-8 read as cp1252 once upstream (``Ã©`` for ``é``): undo it line by line."""
    count = 0

    def repair(line: str) -> str:
        nonlocal count
        if not _MOJIBAKE.search(line):
            return line
        try:
            fixed = line.encode("cp1252").decode("utf-8")
        except UnicodeError:
            return line
        count += len(_MOJIBAKE.findall(line))
        return fixed

    return "\n".join(repair(line) for line in text.split("\n")), count


def _unicode_nfc(text: str) -> tuple[str, int]:
    normalised = unicodedata.normalize("NFC", text)
    return normalised, len(text) - len(normalised)


_LIGATURES = {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"}
_LIGATURE = re.compile("|".join(_LIGATURES))


def _ligatures(text: str) -> tuple[str, int]:
    return _LIGATURE.subn(lambda m: _LIGATURES[m.group()], text)


_NBSP = re.compile("[\u00a0\u202f\u2007\u2009\u3000]")


def _non_breaking_spaces(text: str) -> tuple[str, int]:
    return _NBSP.subn(" ", text)


_APOSTROPHE = re.compile(r"(?<=\w)['ʼ‘`´′](?=\w)")


def _apostrophes(text: str) -> tuple[str, int]:
    return _APOSTROPHE.subn("’", text)


_OCR_ELISION = re.compile(rf"(?<![\w’'])[I1|]’(?=[{_VOWEL_START}])")


def _ocr_elisions(text: str) -> tuple[str, int]:
    """``I’ESS``, ``1’élaboration``: OCR read the ``l`` of an elision as ``I``, ``1`` or ``|``."""
    return _OCR_ELISION.subn("l’", text)


# OCR noise, word by word ---------------------------------------------------------------------

_LETTER = r"[^\W\d_]"
_ELIDED = r"(?:[lLdDjJmMnNsStTcCç]|[Qq]u|[Jj]usqu|[Ll]orsqu|[Pp]uisqu|[Qq]uoiqu)"
_QUOTES = "’'‘"


def _context(text: str, start: int, end: int, width: int = 40) -> str:
    """The words around ``text[start:end]`` on its line, for the reviewer."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end == -1 else line_end
    left, right = max(line_start, start - width), min(line_end, end + width)
    return ("…" if left > line_start else "") + text[left:right].strip() + ("…" if right < line_end else "")


#: Lines of code or markup, not prose (Markdown code, YAML keys, tables, calls, assignments, command
#: lines): their identifiers (``annees``, ``roles``, ``git``) are right as they are.
_CODE_LINE = re.compile(r"[`={}\[\]<>|\\]|\w[\"']?:(?=\s|$)|\w\((?:\)|[^)]*,)|(?:^|\s)--\w")
_FENCE = re.compile(r"^[ \t]*(```|~~~).*?(?:^[ \t]*\1|\Z)", re.MULTILINE | re.DOTALL)


def _line_at(text: str, start: int, end: int) -> str:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    return text[line_start:len(text) if line_end == -1 else line_end]


def _substitute(text: str, pattern: re.Pattern, replace: Callable[[re.Match], str | None]) -> tuple[str, list[Change]]:
    """``pattern``'s matches replaced by ``replace(match)`` (``None``: left as it is), each change
    listed; matches in code (a Markdown code block, a line of code or markup) are left alone."""
    changes: list[Change] = []
    pieces: list[str] = []
    last = 0
    fences = [match.span() for match in _FENCE.finditer(text)] if "```" in text or "~~~" in text else []
    for match in pattern.finditer(text):
        start, end = match.span()
        if any(a <= start < b for a, b in fences) or _CODE_LINE.search(_line_at(text, start, end)):
            continue
        new = replace(match)
        if new is None or new == match.group():
            continue
        pieces.extend((text[last:match.start()], new))
        changes.append((match.group(), new, _context(text, match.start(), match.end())))
        last = match.end()
    if not changes:
        return text, changes
    pieces.append(text[last:])
    return "".join(pieces), changes


def _known_or_no_dictionary(*words: str) -> bool:
    """Whether the dictionary knows every word, or there is no dictionary to ask."""
    dictionary = french_dictionary()
    return dictionary is None or all(dictionary.known(word) for word in words)


_DOUBLED_APOSTROPHE = re.compile(
    rf"(?<![\w’'])(?P<letter>{_ELIDED}|[I1|])[{_QUOTES}][{_QUOTES}]+(?P<word>[{_VOWEL_START}]{_LETTER}*)")


_TWO_QUOTES = re.compile(f"[{_QUOTES}][{_QUOTES}]")


def _doubled_apostrophes(text: str) -> tuple[str, list[Change]]:
    """``I’'Homme`` → ``l’Homme``, ``d’'action`` → ``d’action``: an elision followed by two quotes."""
    def replace(match: re.Match) -> str | None:
        letter = "l" if match["letter"] in "I1|" else match["letter"]
        repaired = f"{letter}’{match['word']}"
        return repaired if _known_or_no_dictionary(repaired) else None
    return _substitute(text, _DOUBLED_APOSTROPHE, replace) if _TWO_QUOTES.search(text) else (text, [])


_T_ELISION = re.compile(
    rf"(?:(?P<a>(?<![\w’'])A) )?(?<![\w’'])T’(?P<word>[aeiouyhàâéèêîôûœ]{_LETTER}*)")
_SENTENCE_START = re.compile(r"(?:\A|[\n\f.!?:;«»\"(\[—–-])[ \t]*\Z")


def _t_elisions(text: str) -> tuple[str, list[Change]]:
    """``A T’occasion`` → ``À l’occasion``: inside a sentence, a capital ``T’`` before a word in lower
    case is the OCR's reading of ``l’`` (and a lone ``A`` before it that of ``À``)."""
    def replace(match: re.Match) -> str | None:
        word = match["word"]
        before = text[:match.start("a") if match["a"] else match.start()]
        if not match["a"] and _SENTENCE_START.search(before[-3:] if before else ""):
            return None  # « T’as vu ? » at the start of a sentence is what it says
        if match["a"] and not _SENTENCE_START.search(before[-3:] if before else ""):
            return None  # « le plan A T’… »: not the start of a sentence, not « À »
        dictionary = french_dictionary()
        if dictionary is not None and (not dictionary.known(f"l’{word}") or dictionary.known(f"t’{word}")):
            return None
        return ("À " if match["a"] else "") + f"l’{word}"
    return _substitute(text, _T_ELISION, replace) if "T’" in text else (text, [])


_LONE_APOSTROPHE = re.compile(rf"(?:(?<=[ \t])|(?<=^))’(?P<word>[aeiouyhàâéèêîôûœ]{_LETTER}*)", re.MULTILINE)
_CLOSING_QUOTE = re.compile(rf"{_LETTER}’(?!{_LETTER})")
_ELIDABLE_TOKEN = re.compile(rf"(?:^|\s){_ELIDED}[ \t]*\Z")


def _lone_apostrophes(text: str) -> tuple[str, list[Change]]:
    """``’action`` → ``l’action``: an apostrophe alone at the start of a word lost its ``l``. Not
    when a closing ``’`` follows on the line (a quotation) or a lone ``d``, ``qu``… precedes it."""
    def replace(match: re.Match) -> str | None:
        line_end = text.find("\n", match.end())
        rest = text[match.end():len(text) if line_end == -1 else line_end]
        quoted = _CLOSING_QUOTE.search(match["word"][-1:] + rest)
        if quoted or _ELIDABLE_TOKEN.search(text[max(0, match.start() - 10):match.start()]):
            return None
        dictionary = french_dictionary()
        word = match["word"]
        if dictionary is not None and not (dictionary.known(word) and dictionary.known(f"l’{word}")):
            return None
        return f"l’{match['word']}"
    return _substitute(text, _LONE_APOSTROPHE, replace)


_OCR_BULLET = re.compile(r"^[ \t]*[eo°][ \t]+(?=[A-ZÀ-ÖØ-Þ])", re.MULTILINE)


def _ocr_bullets(text: str) -> tuple[str, list[Change]]:
    """« e Une revue… » / « e La construction… »: a list's bullets read as the letter ``e`` (or
    ``o``, ``°``) at the start of lines, before a capital. Only when two lines at least start so."""
    if len(_OCR_BULLET.findall(text)) < 2:
        return text, []
    return _substitute(text, _OCR_BULLET, lambda match: "- ")


_WORD = re.compile(rf"{_LETTER}+")
#: Chunks that are not prose: addresses, numbers, code (no dictionary word there to repair).
_NOT_PROSE = re.compile(r"[/@_\\=#<>{}\d]|\w\.\w|www|https?:", re.IGNORECASE)
#: Words that tell a line in English, where ``region`` or ``cooperative`` are right as they are.
_ENGLISH = frozenset("the and of with is are this that from which was were have has will their into".split())


def _word_repairs(text: str, propose: Callable[[FrenchDictionary, str], str | None]) -> tuple[str, list[Change]]:
    """Every word of the text's prose that ``propose`` repairs with the dictionary; the text as it
    is without it. Each distinct word is judged once (the judgement is cached across texts), and
    only the places of the words to repair are then looked at: the common case, a text with
    nothing to repair, costs one pass of a regular expression."""
    dictionary = french_dictionary()
    if dictionary is None:
        return text, []
    repairs = {}
    for word in set(_WORD.findall(text)):
        if len(word) >= 3:
            repaired = propose(dictionary, word)
            if repaired is not None:
                repairs[word] = repaired
    if not repairs:
        return text, []
    alternatives = "|".join(map(re.escape, sorted(repairs, key=len, reverse=True)))
    pattern = re.compile(rf"(?<!{_LETTER})(?:{alternatives})(?!{_LETTER})")

    def replace(match: re.Match) -> str | None:
        start, end = match.span()
        if text[end:end + 1] in ("’", "'"):
            return None  # an elided fragment (« aujourd’ ») is not a word of the dictionary
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", end)
        if any(word.lower() in _ENGLISH for word in _WORD.findall(_line_at(text, start, end))):
            return None
        chunk_start = max(text.rfind(" ", line_start, start), text.rfind("\t", line_start, start)) + 1
        chunk_end = min((i for i in (text.find(" ", end), text.find("\t", end), line_end) if i != -1), default=len(text))
        if _NOT_PROSE.search(text[max(chunk_start, line_start):chunk_end]):
            return None
        return repairs[match.group()]

    return _substitute(text, pattern, replace)


def _keeps_accents(word: str, candidate: str) -> bool:
    """Whether ``candidate`` only adds accents to ``word`` (changes none it has)."""
    return all(a == b or (a.isascii() and fold(b) == a) for a, b in zip(word, candidate))


@functools.lru_cache(maxsize=100_000)
def _propose_accents(dictionary: FrenchDictionary, word: str) -> str | None:
    # Look-ups are slow (pure Python): first the spellings that could be words at all.
    if word != word.lower() or not any(_keeps_accents(word, form) for form in dictionary.accent_candidates(word)):
        return None
    if dictionary.known(word):
        return None
    forms = {form for form in dictionary.accented_forms(word) if _keeps_accents(word, form)}
    return forms.pop() if len(forms) == 1 else None


def _lost_accents(text: str) -> tuple[str, list[Change]]:
    """``aupres`` → ``auprès``, ``elaboration`` → ``élaboration``: a word in lower case that the
    dictionary does not know, whose only accented spelling it knows."""
    return _word_repairs(text, _propose_accents)


@functools.lru_cache(maxsize=100_000)
def _propose_ligature(dictionary: FrenchDictionary, word: str) -> str | None:
    if not _OE.search(word) or dictionary.known(word):
        return None
    forms = dictionary.ligature_forms(word)
    return forms.pop() if len(forms) == 1 else None


_OE = re.compile("[oc]e", re.IGNORECASE)


def _lost_ligatures(text: str) -> tuple[str, list[Change]]:
    """``ceuvre`` → ``œuvre``, ``coeur`` → ``cœur``: the dictionary knows the ``œ`` form only."""
    return _word_repairs(text, _propose_ligature)


_LINE_START = r"(?:(?<=[\n\f])|\A)"
_LINE_END = r"(?=[\n\f]|\Z)"
_PAGE_NUMBER_LINE = re.compile(
    _LINE_START
    + r"[ \t]*(?:(?:page|p\.)[ \t]*\d{1,4}(?:[ \t]*(?:/|sur)[ \t]*\d{1,4})?"
    + r"|[-–—]?[ \t]*\d{1,3}[ \t]*[-–—]?|\d{1,4}[ \t]*/[ \t]*\d{1,4})[ \t]*"
    + _LINE_END,
    re.IGNORECASE,
)
_GLUED_PAGE_NUMBER = re.compile(r"(?<=\S)page[ \t]?\d{1,4}[ \t]*" + _LINE_END)


def _page_numbers(text: str) -> tuple[str, int]:
    """Lines that hold only a page number, and ``page 12`` glued to a table-of-contents entry."""
    text, alone = _PAGE_NUMBER_LINE.subn("", text)
    text, glued = _GLUED_PAGE_NUMBER.subn("", text)
    return text, alone + glued


def _running_headers(text: str) -> tuple[str, int]:
    """Lines repeated at the top or bottom of most pages (needs page breaks ``\\f``)."""
    pages = text.split("\f")
    if len(pages) < 3:
        return text, 0
    edges: Counter[str] = Counter()
    for page in pages:
        lines = [line.strip() for line in page.strip("\n").split("\n") if line.strip()]
        edges.update({*lines[:2], *lines[-2:]})
    headers = {
        line for line, seen in edges.items()
        if seen >= max(3, len(pages) // 2) and len(line) <= 120
    }
    if not headers:
        return text, 0
    removed = 0
    kept_pages = []
    for page in pages:
        kept = []
        for line in page.split("\n"):
            if line.strip() in headers:
                removed += 1
            else:
                kept.append(line)
        kept_pages.append("\n".join(kept))
    return "\f".join(kept_pages), removed


def _page_breaks(text: str) -> tuple[str, int]:
    count = text.count("\f")
    return text.replace("\f", "\n\n"), count


_HYPHENATED = re.compile(r"(?<=[a-zà-ÿœ])-\n[ \t]*(?=[a-zà-ÿœ])")


def _hyphenation(text: str) -> tuple[str, int]:
    """``dévelop-\\npement`` → ``développement``."""
    return _HYPHENATED.subn("", text)


_LIST_ITEM = re.compile(r"^[ \t]*(?:[-*•●▪◦‣⁃∙·■□➢►▶✓✔]|\d{1,3}[.)])[ \t]")
_CONTINUATION = re.compile(r"^[ \t]*[a-zà-ÿœ(«]")


def _broken_paragraphs(text: str) -> tuple[str, int]:
    """A single line break inside a sentence: the next line starts in lower case.

    List items are left alone: in web and word-processor exports each item is one line,
    and an item may legitimately start in lower case.
    """
    lines = text.split("\n")
    joined = [lines[0]]
    count = 0
    for line in lines[1:]:
        previous = joined[-1]
        if (
            previous.strip()
            and previous.rstrip()[-1] not in ".:;!?»…"
            and not _LIST_ITEM.match(previous)
            and _CONTINUATION.match(line)
        ):
            joined[-1] = previous.rstrip() + " " + line.lstrip()
            count += 1
        else:
            joined.append(line)
    return "\n".join(joined), count


_BULLET = re.compile(r"^[ \t]*[•●▪◦‣⁃∙·■□➢►▶✓✔][ \t]*", re.MULTILINE)


def _bullets(text: str) -> tuple[str, int]:
    """Bullet glyphs of word processors and web pages become ``- ``."""
    return _BULLET.subn("- ", text)


#: A whole line made of an icon's alternative text with its number or place (« fleche 2 avant »,
#: « icône droite ») and the label of the link it decorates (at most eight words): what a web
#: page's buttons leave in its text. Without a number or a place, « flèche » or « icône » may be prose.
_ICON_LINK_LINE = re.compile(
    r"^[ \t]*(?:fl[eè]che|ic[oô]ne|picto(?:gramme)?)(?:[ \t]+(?:\d+|avant|apr[eè]s|droite|gauche|haut|bas))+"
    r"(?:[ \t]+\S+){0,8}[ \t]*$\n?", re.MULTILINE | re.IGNORECASE)


def _icon_links(text: str) -> tuple[str, int]:
    """Lines left by a web page's buttons (an icon's text then a link's label) are removed."""
    return _ICON_LINK_LINE.subn("", text)


_MAX_REPEATED_BLOCK = 30


def _duplicated_blocks(text: str) -> tuple[str, int]:
    """A paragraph, or a run of paragraphs, repeated right after itself is kept once."""
    paragraphs = re.split(r"\n\s*\n", text)
    comparable = [paragraph.strip() for paragraph in paragraphs]
    kept: list[str] = []
    removed = 0
    i = 0
    while i < len(paragraphs):
        repeated_length = 0
        for length in range(1, min(_MAX_REPEATED_BLOCK, (len(paragraphs) - i) // 2) + 1):
            if comparable[i + length] != comparable[i]:
                continue
            block = comparable[i:i + length]
            if block == comparable[i + length:i + 2 * length] and len("".join(block)) >= 40:
                repeated_length = length
                break
        if repeated_length:
            kept.extend(paragraphs[i:i + repeated_length])
            removed += 1
            i += 2 * repeated_length
        else:
            kept.append(paragraphs[i])
            i += 1
    return ("\n\n".join(kept) if removed else text), removed


def _whitespace(text: str) -> tuple[str, int]:
    """Tabs and runs of spaces, spaces at line ends, more than one blank line."""
    count = 0
    for pattern, replacement in (
        (r"\t", " "),
        (r"(?<=\S) {2,}", " "),
        (r" +$", ""),
        (r"^ +$", ""),
        (r"\n{3,}", "\n\n"),
    ):
        text, n = re.subn(pattern, replacement, text, flags=re.MULTILINE)
        count += n
    stripped = text.strip("\n ") + "\n"
    return stripped, count + (stripped != text)


RULES: list[CleaningRule] = [
    CleaningRule("fins_de_ligne", "Fins de ligne Windows (CRLF) ou anciennes (CR) converties en LF.", _line_endings),
    CleaningRule("caracteres_invisibles", "Caractères invisibles supprimés : trait d’union conditionnel, espaces de largeur nulle, BOM, caractères de contrôle.", _invisible_characters),
    CleaningRule("double_encodage", "Texte UTF-8 décodé deux fois (« Ã© » pour « é ») réparé.", _double_encoding),
    CleaningRule("unicode_nfc", "Normalisation Unicode NFC (lettres et accents combinés en un seul caractère).", _unicode_nfc),
    CleaningRule("ligatures", "Ligatures typographiques des PDF (ﬁ, ﬂ…) décomposées.", _ligatures),
    CleaningRule("espaces_insecables", "Espaces insécables et fines remplacées par des espaces ordinaires.", _non_breaking_spaces),
    CleaningRule("apostrophes", "Variantes d’apostrophe entre deux lettres (' ʼ ‘ ` ´) unifiées en ’.", _apostrophes),
    CleaningRule("apostrophes_doublees", "Élision suivie de deux apostrophes par l’OCR réparée : « I’'Homme » → "
                 "« l’Homme », « d’'action » → « d’action » (si le dictionnaire connaît le résultat).",
                 _listed(_doubled_apostrophes), _doubled_apostrophes),
    CleaningRule("elisions_ocr", "Élisions mal reconnues par l’OCR : « I’ESS », « 1’élaboration » → « l’ESS », « l’élaboration ».", _ocr_elisions),
    CleaningRule("elisions_t_ocr", "« T’ » lu par l’OCR pour « l’ » dans une phrase, devant un mot en minuscules : "
                 "« A T’occasion » → « À l’occasion » (si le dictionnaire connaît « l’occasion » et non « t’occasion »).",
                 _listed(_t_elisions), _t_elisions),
    CleaningRule("elisions_sans_l", "Apostrophe seule en début de mot, le « l » perdu par l’OCR : « ’action » → "
                 "« l’action » (ni citation entre ’…’, ni « d ’ » ; si le dictionnaire connaît « l’action »).",
                 _listed(_lone_apostrophes), _lone_apostrophes),
    CleaningRule("numeros_de_page", "Numéros de page isolés sur une ligne ou collés à une entrée de sommaire (« n°1page 2 »).", _page_numbers),
    CleaningRule("entetes_de_page", "En-têtes et pieds de page répétés sur la plupart des pages d’un PDF.", _running_headers),
    CleaningRule("sauts_de_page", "Sauts de page remplacés par des sauts de paragraphe.", _page_breaks),
    CleaningRule("cesures", "Mots coupés en fin de ligne par un trait d’union recollés.", _hyphenation),
    CleaningRule("puces_ocr", "Puces lues « e » (ou « o », « ° ») par l’OCR en début de ligne devant une majuscule "
                 "(« e Une revue… ») rendues en « - », si deux lignes au moins commencent ainsi.",
                 _listed(_ocr_bullets), _ocr_bullets),
    CleaningRule("paragraphes_coupes", "Paragraphes coupés en plusieurs lignes recollés (la ligne suivante commence par une minuscule).", _broken_paragraphs),
    CleaningRule("puces", "Puces (•, ▪, ●…) normalisées en « - ».", _bullets),
    CleaningRule("boutons_web", "Lignes laissées par les boutons d’une page web (« fleche 2 avant Feuilleter l’étude » : "
                 "le texte d’une icône puis l’intitulé du lien) supprimées.", _icon_links),
    CleaningRule("accents_ocr", "Accents perdus par l’OCR rétablis : « aupres » → « auprès », « elaboration » → "
                 "« élaboration » — un mot en minuscules inconnu du dictionnaire (hunspell-fr) dont il ne connaît "
                 "qu’une seule graphie accentuée ; ni adresse, ni nombre, ni ligne en anglais ou de code.",
                 _listed(_lost_accents), _lost_accents),
    CleaningRule("ligatures_ocr", "Ligature « œ » lue « ce » par l’OCR, ou tapée « oe » : « ceuvre » → « œuvre », « coeur » → « cœur », "
                 "si le dictionnaire connaît la forme en « œ » et non l’autre.",
                 _listed(_lost_ligatures), _lost_ligatures),
    CleaningRule("blocs_dupliques", "Paragraphes ou blocs répétés immédiatement gardés une seule fois.", _duplicated_blocks),
    CleaningRule("espaces", "Tabulations, espaces multiples ou en fin de ligne, lignes vides en excès.", _whitespace),
]


def clean(text: str, changes: list[tuple[str, str, str, str]] | None = None) -> tuple[str, dict[str, int]]:
    """Apply every rule in order; return the cleaned text and the count per rule.

    With a list as ``changes``, each change of the rules that list theirs (the OCR-noise rules) is
    appended to it as ``(rule, before, after, context)``."""
    counts = {}
    for rule in RULES:
        if changes is not None and rule.detailed is not None:
            text, found = rule.detailed(text)
            counts[rule.name] = len(found)
            changes.extend((rule.name, *change) for change in found)
        else:
            text, counts[rule.name] = rule.apply(text)
    return text, counts


#: The rules that need the French dictionary and are skipped without it.
DICTIONARY_RULES = ("accents_ocr", "ligatures_ocr")


def cleaning_notes() -> list[str]:
    """What the cleaning cannot do on this machine (the dictionary is absent), in French."""
    return [] if french_dictionary() is not None else [f"{MISSING_NOTE} ({', '.join(DICTIONARY_RULES)})."]


def rules_table() -> pd.DataFrame:
    """The documented list of rules, in the order they run."""
    return pd.DataFrame(
        [(rule.name, rule.description) for rule in RULES], columns=["rule", "description"]
    )


def clean_verbatim(text: str) -> tuple[str, dict[str, int]]:
    """Only what every text of the corpus must satisfy: LF line ends and NFC."""
    counts = {}
    for rule in RULES:
        if rule.name in ("fins_de_ligne", "unicode_nfc"):
            text, counts[rule.name] = rule.apply(text)
    return text, counts
