"""Offsets in a text counted in code points (the corpus), UTF-16 code units (browsers, NVivo,
MAXQDA) or UTF-8 bytes (Taguette), and the conversions between them.

The corpus counts code points, so ``text[start:end]`` is a passage; everything that counts
otherwise converts here.
"""

from __future__ import annotations

import bisect
import re

from ..errors import AtelierError

_WIDE = {"utf16": re.compile("[\U00010000-\U0010ffff]"), "bytes": re.compile("[^\x00-\x7f]")}


class Units:
    """Offsets of a text counted in one convention's units, converted to and from code points."""

    def __init__(self, text: str, convention: str):
        self.positions: list[int] = []  # code point index of each character wider than one unit
        self.starts: list[int] = []  # its offset in units
        self.widths: list[int] = []
        self.extras: list[int] = []  # units in excess of code points before it
        extra = 0
        if convention != "codepoints":
            for match in _WIDE[convention].finditer(text):
                width = 2 if convention == "utf16" else len(match.group().encode("utf-8"))
                self.positions.append(match.start())
                self.starts.append(match.start() + extra)
                self.widths.append(width)
                self.extras.append(extra)
                extra += width - 1
        self.total_extra = extra
        self.length = len(text) + extra

    def from_codepoint(self, offset: int) -> int:
        index = bisect.bisect_left(self.positions, offset)
        return offset + (self.extras[index] if index < len(self.extras) else self.total_extra)

    def to_codepoint(self, unit: int) -> int | None:
        """The code point offset of ``unit``; ``None`` outside the text or inside a character."""
        if not 0 <= unit <= self.length:
            return None
        index = bisect.bisect_right(self.starts, unit) - 1
        if index < 0:
            return unit
        start, width = self.starts[index], self.widths[index]
        if unit == start:
            return unit - self.extras[index]
        if unit < start + width:
            return None
        return unit - self.extras[index] - (width - 1)


class OffsetMap:
    """Code points ↔ UTF-16 code units for one text, as a browser counts them."""

    def __init__(self, text: str):
        self._units = Units(text, "utf16")

    def to_utf16(self, codepoint: int) -> int:
        return self._units.from_codepoint(codepoint)

    def to_codepoint(self, utf16: int) -> int:
        codepoint = self._units.to_codepoint(utf16)
        if codepoint is None:
            raise AtelierError(f"position {utf16} au milieu d’un caractère (paire de substitution UTF-16)")
        return codepoint
