"""Text positions: the units tools count selections in, and which one an archive uses.

The standard does not say in which unit text selections are counted, and tools differ: NVivo
and MAXQDA count UTF-16 code units, ATLAS.ti and QualCoder code points, Taguette UTF-8 bytes.
:class:`~analysis.text.offsets.Units` converts offsets between a convention and code points,
:class:`NormalisedText` maps a tool's text onto the corpus's (LF, NFC), and :func:`_choose_convention` detects the
convention of an imported archive from its selections.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from typing import TYPE_CHECKING

from ...errors import AtelierError
from ...text.offsets import Units

if TYPE_CHECKING:
    from .sources import _Source

CONVENTIONS = ("codepoints", "utf16", "bytes")
TOOL_POSITIONS = {"nvivo": "utf16", "maxqda": "utf16", "atlasti": "codepoints", "qualcoder": "codepoints",
                  "taguette": "bytes"}
CONVENTION_NAMES = {"codepoints": "points de code", "utf16": "unités UTF-16", "bytes": "octets UTF-8"}
_NON_ASCII_RUN = re.compile("[^\x00-\x7f]+")
_ORIGIN_HINTS = {"nvivo": "utf16", "maxqda": "utf16", "atlas": "codepoints", "qualcoder": "codepoints",
                 "taguette": "bytes"}


class NormalisedText:
    """A tool's text as the corpus stores it (LF, NFC), with its code point offsets mapped.

    A selection boundary that falls inside what becomes one character (between CR and LF, or
    between a letter and its combining accent) is moved outwards to cover the whole character.
    """

    def __init__(self, raw: str):
        self.crlf = [match.start() for match in re.finditer("\r\n", raw)]
        lf = raw.replace("\r\n", "\n").replace("\r", "\n")
        self.chunks: list[tuple[int, int, int, int, str, str]] = []
        self.text = self._nfc(lf)
        self.chunk_starts = [chunk[0] for chunk in self.chunks]

    def _nfc(self, text: str) -> str:
        if unicodedata.is_normalized("NFC", text):
            return text
        # No ASCII character composes with what precedes it, so NFC works within each run of
        # non-ASCII characters together with the character before it.
        pieces, previous, shift = [], 0, 0
        for match in _NON_ASCII_RUN.finditer(text):
            start, end = max(match.start() - 1, 0), match.end()
            chunk = text[start:end]
            normal = unicodedata.normalize("NFC", chunk)
            if normal == chunk:
                continue
            pieces += [text[previous:start], normal]
            self.chunks.append((start, end, start + shift, end + shift + len(normal) - len(chunk), chunk, normal))
            shift += len(normal) - len(chunk)
            previous = end
        result = "".join(pieces) + text[previous:]
        expected = unicodedata.normalize("NFC", text)
        if result != expected:
            self.chunks = [(0, len(text), 0, len(expected), text, expected)]
        return expected

    def map(self, offset: int, upwards: bool) -> tuple[int, bool]:
        """The normalised offset of a raw code point offset, and whether it had to be moved."""
        removed = bisect.bisect_left(self.crlf, offset)
        moved = bool(removed) and self.crlf[removed - 1] == offset - 1
        offset -= removed
        if moved and upwards:
            offset += 1
        index = bisect.bisect_right(self.chunk_starts, offset) - 1
        if index < 0:
            return offset, moved
        start, end, n_start, n_end, chunk, normal = self.chunks[index]
        if offset >= end:
            return offset + n_end - end, moved
        exact = self._exact(index, offset)
        if exact is not None:
            return exact, moved
        step = 1 if upwards else -1
        while True:  # the nearest boundary outwards that exists in the normalised text
            offset += step
            exact = self._exact(index, offset)
            if exact is not None:
                return exact, True

    def _exact(self, index: int, offset: int) -> int | None:
        start, end, n_start, n_end, chunk, normal = self.chunks[index]
        if offset <= start or offset >= end:
            return n_start if offset <= start else n_end
        head = unicodedata.normalize("NFC", chunk[:offset - start])
        if normal.startswith(head) and unicodedata.normalize("NFC", chunk[offset - start:]) == normal[len(head):]:
            return n_start + len(head)
        return None


def _convention(tool: str, positions: str | None) -> str:
    if positions is not None:
        if positions not in CONVENTIONS:
            raise AtelierError(f"convention de positions inconnue : « {positions} » ({', '.join(CONVENTIONS)})")
        return positions
    key = re.sub(r"[^a-z]", "", tool.lower())
    if key not in TOOL_POSITIONS:
        raise AtelierError(f"outil inconnu : « {tool} » ({', '.join(TOOL_POSITIONS)}) ; "
                           "ou indiquez la convention de positions")
    return TOOL_POSITIONS[key]


def _name_matches(name: str, covered: str, loose: bool) -> bool:
    """Whether a selection's name is the text it covers (tools often name selections so)."""
    def form(text: str) -> str:
        text = unicodedata.normalize("NFC", text.replace("\r\n", "\n"))
        return " ".join(text.split()) if loose else text

    name, covered = form(name), form(covered)
    for ellipsis in ("…", "..."):
        if name.endswith(ellipsis) and len(name) > len(ellipsis) and not covered.endswith(ellipsis):
            return covered.startswith(name.removesuffix(ellipsis))
    return bool(name) and name == covered


def _evaluate(sources: list[_Source], convention: str) -> tuple[str | None, int, tuple[int, int], list[tuple]]:
    """Check every selection in one convention: (first problem, soft problems, names matched, spans)."""
    soft = exact = loose = 0
    spans = []
    for source in sources:
        units = Units(source.raw, convention)
        for selection in source.selections:
            if selection.whole or selection.start == selection.end:
                continue
            start, end = units.to_codepoint(selection.start), units.to_codepoint(selection.end)
            if start is None or end is None or start >= end:
                problem = (f"sélection « {selection.guid} » de « {source.name} » : positions {selection.start}–"
                           f"{selection.end} hors du texte ({units.length} {CONVENTION_NAMES[convention]}) "
                           "ou au milieu d’un caractère")
                return problem, 0, (0, 0), []
            for offset in (start, end):
                inside_line_end = 0 < offset < len(source.raw) and source.raw[offset - 1:offset + 1] == "\r\n"
                soft += inside_line_end or (offset < len(source.raw) and unicodedata.combining(source.raw[offset]) > 0)
            exact += _name_matches(selection.name, source.raw[start:end], loose=False)
            loose += _name_matches(selection.name, source.raw[start:end], loose=True)
            spans.append((source.guid, selection.guid, start, end))
    return None, soft, (exact, loose), spans


def _choose_convention(sources: list[_Source], requested: str, origin: str) -> tuple[str, str]:
    """The position convention of an archive and why it was chosen (French)."""
    if requested != "auto":
        problem = _evaluate(sources, requested)[0]
        if problem:
            raise AtelierError(problem)
        return requested, "convention demandée"
    results = {c: _evaluate(sources, c) for c in CONVENTIONS}
    fitting = [c for c in CONVENTIONS if results[c][0] is None]
    if not fitting:
        raise AtelierError("aucune convention de positions (points de code, UTF-16, octets UTF-8) ne place toutes "
                           f"les sélections dans leur texte ; par exemple : {results['codepoints'][0]}")
    if len(fitting) == 1:
        return fitting[0], ("seule convention qui place toutes les sélections dans leur texte "
                            "sur des limites de caractères")
    if all(results[c][3] == results[fitting[0]][3] for c in fitting):
        chosen = f"convention retenue : {CONVENTION_NAMES[fitting[0]]}"
        if not results[fitting[0]][3]:
            return fitting[0], f"aucune sélection, {chosen}"
        if all(source.raw.isascii() for source in sources):
            return fitting[0], f"texte ASCII : toutes les conventions coïncident, {chosen}"
        return fitting[0], f"les conventions possibles donnent les mêmes passages, {chosen}"
    fewest = min(results[c][1] for c in fitting)
    if sum(results[c][1] == fewest for c in fitting) == 1:
        cut = "une fin de ligne CRLF ou une lettre de son accent combinant"
        return next(c for c in fitting if results[c][1] == fewest), (
            f"seule convention dont aucune limite de sélection ne sépare {cut}" if fewest == 0
            else f"convention dont le moins de limites de sélection séparent {cut}")
    fitting = [c for c in fitting if results[c][1] == fewest]
    best = max(results[c][2] for c in fitting)
    if best > (0, 0):
        fitting = [c for c in fitting if results[c][2] == best]
        if len(fitting) == 1:
            return fitting[0], "noms des sélections identiques au texte qu’elles couvrent"
    declared = re.search(r"positions=(\w+)", origin)
    hint = declared.group(1) if declared else next(
        (convention for key, convention in _ORIGIN_HINTS.items() if key in origin.lower().replace(".", "")), None)
    if hint in fitting:
        return hint, f"plusieurs conventions possibles ; celle de l’outil d’origine « {origin} »"
    return ("codepoints" if "codepoints" in fitting else fitting[0]), (
        "plusieurs conventions possibles : points de code retenus, l’unité de la norme REFI-QDA")
