"""The workbench's one package: corpus, coding, text processing, themes, scenarios, book."""

from .corpus import Corpus

__all__ = ["Corpus"]
__version__ = "0.1.0"
