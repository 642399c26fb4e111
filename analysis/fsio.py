"""File writes that never leave a half-written file behind, a lock on the corpus, and table cells
that are safe to open in a spreadsheet."""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from pathlib import Path
from typing import Iterator


def _file_mode() -> int:
    """The mode a new file gets from the user's umask (``mkstemp`` would make it private, 0600)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a synced temporary file renamed over it; the file gets
    the mode the user's umask gives new files, as git and the other tools expect."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, _file_mode())
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_directory(path.parent)


def atomic_write_text(path: Path, text: str) -> None:
    """UTF-8, LF line ends, atomically."""
    atomic_write_bytes(path, text.encode("utf-8"))


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def folder_names(folder: Path) -> list[str]:
    """The names of a folder's entries, hidden ones left out; none when the folder is absent.

    The folder is listed rather than tested for existence, so the book's record of what a
    chapter read (:mod:`analysis.publication.book_inputs`) holds it even when it is absent, and the chapter
    is executed again when it appears.
    """
    try:
        return sorted(name for name in os.listdir(folder) if not name.startswith("."))
    except FileNotFoundError:
        return []


@contextlib.contextmanager
def locked(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock so that two writers never interleave."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe_cell(value):
    """A text cell that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``,
    ``@``, a tab or a carriage return), prefixed with an apostrophe, the usual neutralisation;
    numbers such as ``-2`` and other values are returned as they are."""
    if not isinstance(value, str) or not value.startswith(_FORMULA_START):
        return value
    try:
        float(value)
        return value
    except ValueError:
        return "'" + value


def spreadsheet_safe(table):
    """``table`` (a DataFrame) with every text cell and column name made safe to open in a spreadsheet."""
    return table.map(spreadsheet_safe_cell).rename(columns=spreadsheet_safe_cell)

