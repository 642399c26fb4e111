"""Cleaning of conversion noise, as an ordered list of documented rules.

Each rule is a pure function ``str -> (str, count)``. :func:`clean` applies them in order
and returns the cleaned text with the number of changes made by each rule, which becomes the
document's line in the cleaning report. Sources are never touched: rules only see a copy of
their text. Page breaks from PDF readers arrive as form feeds (``\\f``) so that running
headers can be recognised before the breaks become paragraph breaks.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Callable

import pandas as pd

Rule = Callable[[str], tuple[str, int]]

_VOWEL_START = "aeiouyhàâäéèêëîïôöûüœæAEIOUYHÀÂÉÈÊËÎÏÔÖÛÜŒÆ"


@dataclass(frozen=True)
class CleaningRule:
    name: str
    description: str
    apply: Rule


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
    CleaningRule("elisions_ocr", "Élisions mal reconnues par l’OCR : « I’ESS », « 1’élaboration » → « l’ESS », « l’élaboration ».", _ocr_elisions),
    CleaningRule("numeros_de_page", "Numéros de page isolés sur une ligne ou collés à une entrée de sommaire (« n°1page 2 »).", _page_numbers),
    CleaningRule("entetes_de_page", "En-têtes et pieds de page répétés sur la plupart des pages d’un PDF.", _running_headers),
    CleaningRule("sauts_de_page", "Sauts de page remplacés par des sauts de paragraphe.", _page_breaks),
    CleaningRule("cesures", "Mots coupés en fin de ligne par un trait d’union recollés.", _hyphenation),
    CleaningRule("paragraphes_coupes", "Paragraphes coupés en plusieurs lignes recollés (la ligne suivante commence par une minuscule).", _broken_paragraphs),
    CleaningRule("puces", "Puces (•, ▪, ●…) normalisées en « - ».", _bullets),
    CleaningRule("boutons_web", "Lignes laissées par les boutons d’une page web (« fleche 2 avant Feuilleter l’étude » : "
                 "le texte d’une icône puis l’intitulé du lien) supprimées.", _icon_links),
    CleaningRule("blocs_dupliques", "Paragraphes ou blocs répétés immédiatement gardés une seule fois.", _duplicated_blocks),
    CleaningRule("espaces", "Tabulations, espaces multiples ou en fin de ligne, lignes vides en excès.", _whitespace),
]


def clean(text: str) -> tuple[str, dict[str, int]]:
    """Apply every rule in order; return the cleaned text and the count per rule."""
    counts = {}
    for rule in RULES:
        text, counts[rule.name] = rule.apply(text)
    return text, counts


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
