"""Errors shown to researchers: always in French, always naming the file and the place."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path


@contextmanager
def processing(path: Path | str):
    """Name the file being read: an unexpected exception leaving the block carries it as
    ``processed_file`` (the innermost file), for the CLI's last-resort message."""
    try:
        yield
    except Exception as error:
        if getattr(error, "processed_file", None) is None:
            error.processed_file = Path(path)
        raise


class AtelierError(Exception):
    """An error a user can act on; the CLI prints it and exits with status 2."""

    exit_status = 2


class InputError(AtelierError):
    """A file that cannot be ingested, with where and why.

    ``where`` is a human-readable position (``ligne 12``, ``octet 4096``, ``page 3``).
    """

    def __init__(self, path: Path | str, reason: str, where: str | None = None):
        self.path = Path(path)
        self.reason = reason
        self.where = where
        place = f" ({where})" if where else ""
        super().__init__(f"{self.path}{place} : {reason}")


class CorpusError(AtelierError):
    """The corpus files themselves are inconsistent or a request contradicts them."""
