"""A French bibliography style for the book (sphinxcontrib-bibtex, loaded as a Sphinx extension).

pybtex's ``unsrt`` style joins authors with "and" and lowercases titles; this one writes « et »
and keeps the titles' capitals (ESS, RTES). Citations are numbered, so no English word appears. ``_config.yml`` loads this module and sets ``bibtex_default_style``.
"""

from __future__ import annotations

from pybtex.plugin import register_plugin
from pybtex.style.formatting.unsrt import Style as UnsrtStyle
from pybtex.style.template import field, names, sentence


class FrenchStyle(UnsrtStyle):
    default_sorting_style = "author_year_title"

    def format_title(self, e, which_field, as_sentence=True):
        # French titles keep their capitals (ESS, RTES): no sentence-casing.
        title = field(which_field)
        return sentence[title] if as_sentence else title

    def format_names(self, role, as_sentence=True):
        formatted = names(role, sep=", ", sep2=" et ", last_sep=" et ")
        return sentence[formatted] if as_sentence else formatted


def setup(app):
    register_plugin("pybtex.style.formatting", "fr", FrenchStyle)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
