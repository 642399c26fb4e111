"""The workbench's one package: corpus, coding, text processing, themes, scenarios, book."""

from .publication.book_inputs import record_reads_if_requested
from .corpus.store import Corpus

record_reads_if_requested()

__all__ = ["Corpus"]
__version__ = "0.1.0"
