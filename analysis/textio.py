"""Bytes to text: the encodings French software writes, and binary files refused.

Shared by every reader of text files (documents, exercise tables, ScenarioWizard files, REFI-QDA
sources), so that a file is decoded, or refused with the offset of its first bad byte, the same
way wherever it comes in.
"""

from __future__ import annotations

import re
from pathlib import Path

from .errors import InputError


def reject_binary(path: Path, data: bytes) -> None:
    """A text format that holds NUL bytes or mostly control bytes is not text."""
    head = data[:65536]
    nul = head.find(b"\x00")
    if nul >= 0:
        raise InputError(path, "fichier binaire, pas du texte (octet nul)", f"octet {nul}")
    controls = sum(1 for byte in head if byte < 32 and byte not in b"\t\n\r\f")
    if controls > max(8, len(head) // 20):
        raise InputError(path, "fichier binaire, pas du texte (trop de caractères de contrôle)")


_MOJIBAKE = re.compile("[ÃÂ][\u0080-\u00bf\u2018-\u203a\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u02c6\u02dc]")
_UNDEFINED_IN_CP1252 = {0x81, 0x8D, 0x8F, 0x90, 0x9D}


def decode_text(path: Path, data: bytes) -> tuple[str, str]:
    """Decode a text file; return the text and the encoding used.

    UTF-8 (with or without BOM) and UTF-16 with BOM are taken as they are; otherwise
    Windows-1252, the superset of Latin-1 that French Windows software writes. A file that
    is neither, or UTF-8 with a few broken bytes, is refused with the offset of the first
    bad byte rather than guessed at.
    """
    reject_binary(path, data) if not data.startswith((b"\xff\xfe", b"\xfe\xff")) else None
    if data.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        encoding = "utf-8"
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError as utf8_error:
        if encoding != "utf-8":
            raise InputError(path, f"octets invalides en {encoding}", f"octet {utf8_error.start}") from None
        first_bad = utf8_error.start
    undefined = next((i for i, byte in enumerate(data) if byte in _UNDEFINED_IN_CP1252), None)
    if undefined is not None:
        raise InputError(
            path, "octets indécodables : ni UTF-8 ni Windows-1252/Latin-1", f"octet {undefined}"
        )
    text = data.decode("cp1252")
    if _MOJIBAKE.search(text):
        raise InputError(
            path,
            "UTF-8 endommagé : la plupart du fichier est en UTF-8 mais certains octets sont invalides",
            f"octet {first_bad}",
        )
    return text, "cp1252"
