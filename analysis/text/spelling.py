"""The French dictionary of the OCR-noise cleaning rules: Debian's ``hunspell-fr`` read by spylls.

The dictionary is optional. :func:`french_dictionary` returns ``None`` when its files are absent
(``make ocr`` installs the Debian package), and the rules that need it are then skipped, with
:data:`MISSING_NOTE` to say so. ``ATELIER_DICTIONARY`` names other files (the path without its
``.dic``/``.aff`` extension); a path that does not exist stands for "no dictionary".

Loading takes about two seconds (spylls is pure Python), so it happens once per process, on the
first text that has a word to check. Besides ``known``, the dictionary answers the two questions
the rules ask: which accented spellings of a word it holds (:meth:`FrenchDictionary.accented_forms`,
``aupres`` → ``{"auprès"}``), found from an index of its stems folded without accents rather than by
trying every accent on every letter, and the ``œ`` spellings of a word (``ceuvre`` → ``œuvre``).
"""

from __future__ import annotations

import bisect
import functools
import itertools
import os
from pathlib import Path

#: Where Debian's hunspell-fr (and older myspell packages) put the French dictionary.
DICTIONARY_PATHS = (
    Path("/usr/share/hunspell/fr_FR"), Path("/usr/share/hunspell/fr"),
    Path("/usr/share/myspell/dicts/fr_FR"), Path("/usr/share/myspell/fr_FR"),
)
MISSING_NOTE = (
    "dictionnaire français absent (paquet Debian hunspell-fr, installé par « make ocr ») : "
    "les règles de nettoyage qui le consultent (accents et ligatures perdus par l’OCR) ne sont pas appliquées"
)

_ACCENTED = "àâäçéèêëîïôöùûüÿ"
_FOLD = str.maketrans(_ACCENTED + _ACCENTED.upper(), "aaaceeeeiioouuuy" + "aaaceeeeiioouuuy".upper())


def fold(word: str) -> str:
    """``word`` in lower case without its accents (``œ`` stays ``œ``)."""
    return word.lower().translate(_FOLD)


class FrenchDictionary:
    """A Hunspell dictionary (spylls) with cached look-ups."""

    def __init__(self, path: Path):
        from spylls.hunspell import Dictionary

        self.path = path
        self._dictionary = Dictionary.from_files(str(path))
        self.known = functools.lru_cache(maxsize=200_000)(self._known)

    def _known(self, word: str) -> bool:
        try:
            return bool(self._dictionary.lookup(word))
        except Exception:  # noqa: BLE001 - spylls on an odd string: not a word we can vouch for
            return False

    @functools.cached_property
    def _stems(self) -> tuple[list[str], list[str]]:
        """The dictionary's stems in lower case, sorted by their folded form, and those folded forms."""
        pairs = sorted({(fold(word.stem), word.stem.lower()) for word in self._dictionary.dic.words})
        return [folded for folded, _ in pairs], [stem for _, stem in pairs]

    @functools.cached_property
    def _endings(self) -> dict[str, frozenset[str]]:
        """What a suffix rule may add at the end of a stem, by folded form (``ées`` under ``ees``)."""
        index: dict[str, set[str]] = {"": {""}}
        for rules in self._dictionary.aff.SFX.values():
            for rule in rules:
                index.setdefault(fold(rule.add), set()).add(rule.add.lower())
        return {key: frozenset(values) for key, values in index.items()}

    @functools.cached_property
    def _short_beginnings(self) -> dict[str, frozenset[str]]:
        """:meth:`_beginnings` of one to three letters (many stems each), computed once."""
        index: dict[str, set[str]] = {}
        for stem in self._stems[1]:
            for length in range(1, min(3, len(stem)) + 1):
                index.setdefault(fold(stem[:length]), set()).add(stem[:length])
        return {key: frozenset(values) for key, values in index.items()}

    @functools.lru_cache(maxsize=100_000)
    def _beginnings(self, folded: str) -> frozenset[str]:
        """The spellings of the first ``len(folded)`` letters of the stems that fold to ``folded``…"""
        if not folded:
            return frozenset({""})
        if len(folded) <= 3:
            return self._short_beginnings.get(folded, frozenset())
        keys, stems = self._stems
        found = set()
        for position in range(bisect.bisect_left(keys, folded), len(keys)):
            if not keys[position].startswith(folded):
                break
            found.add(stems[position][:len(folded)])
        return frozenset(found)

    def accent_candidates(self, word: str) -> set[str]:
        """The spellings of ``word`` with other accents that the dictionary's stems and suffixes
        could make (not looked up): a French form is a stem, less the letters a suffix rule strips,
        then what the rule adds (this dictionary has no compounds and no suffix on a suffix), so
        every form that folds like ``word`` is a beginning of a stem followed by a rule's ending,
        both folding to the parts of ``word``: none is missed, and few are made."""
        folded = fold(word)
        found = set()
        for split in range(len(folded), -1, -1):
            endings = self._endings.get(folded[split:])
            if endings:
                found.update(beginning + ending for beginning in self._beginnings(folded[:split]) for ending in endings)
        found.discard(word)
        return found

    @functools.lru_cache(maxsize=50_000)
    def accented_forms(self, word: str) -> frozenset[str]:
        """The words of the dictionary spelt like ``word`` (in lower case) but for accents, other
        than ``word`` itself: ``aupres`` → ``{"auprès"}``, ``peche`` → ``{"pêche", "péché", "pèche"}``."""
        return frozenset(candidate for candidate in self.accent_candidates(word) if self.known(candidate))

    def ligature_forms(self, word: str) -> set[str]:
        """The dictionary's spellings of ``word`` with ``œ`` where it has ``oe`` or ``ce`` (the OCR's
        reading of ``œ``): ``coeur`` → ``{"cœur"}``, ``ceuvre`` → ``{"œuvre"}``."""
        found = set()
        spots = [i for i in range(len(word) - 1) if word[i:i + 2].lower() in ("oe", "ce")]
        for count in range(1, min(len(spots), 2) + 1):
            for chosen in itertools.combinations(spots, count):
                if any(b - a < 2 for a, b in zip(chosen, chosen[1:])):
                    continue
                candidate, shift = word, 0
                for spot in chosen:
                    at = spot - shift
                    ligature = "Œ" if candidate[at].isupper() else "œ"
                    candidate = candidate[:at] + ligature + candidate[at + 2:]
                    shift += 1
                if self.known(candidate):
                    found.add(candidate)
        return found


def dictionary_path() -> Path | None:
    """The dictionary's files (path without extension), or ``None`` when they are absent."""
    configured = os.environ.get("ATELIER_DICTIONARY")
    candidates = [Path(configured)] if configured is not None else list(DICTIONARY_PATHS)
    for path in candidates:
        if path.with_suffix(".dic").is_file() and path.with_suffix(".aff").is_file():
            return path
    return None


@functools.lru_cache(maxsize=4)
def _load(path: Path) -> FrenchDictionary | None:
    try:
        return FrenchDictionary(path)
    except ImportError:
        return None


def french_dictionary() -> FrenchDictionary | None:
    """The French dictionary, loaded once; ``None`` when hunspell-fr (or spylls) is absent."""
    path = dictionary_path()
    return _load(path) if path is not None else None
