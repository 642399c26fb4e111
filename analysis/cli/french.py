"""argparse in French, for this parser only: headings, usage, ``-h`` and the error messages.

argparse looks its messages up through ``gettext`` in the whole process; rather than replace
that for every library, this parser names its own headings and help, and translates the few
error messages argparse writes (required, unknown or invalid arguments) before printing them.
"""

from __future__ import annotations

import argparse
import re
import sys

_ERRORS = [
    (re.compile(r"the following arguments are required: (.*)"), r"arguments obligatoires manquants : \1"),
    (re.compile(r"unrecognized arguments: (.*)"), r"arguments non reconnus : \1"),
    (re.compile(r"invalid choice: (.*) \(choose from (.*)\)"), r"choix invalide : \1 (choisir parmi \2)"),
    (re.compile(r"invalid (\S+) value: (.*)"), r"valeur invalide (\1) : \2"),
    (re.compile(r"expected one argument"), "une valeur est attendue"),
    (re.compile(r"expected at least one argument"), "au moins une valeur est attendue"),
    (re.compile(r"expected (\d+) arguments"), r"\1 valeurs sont attendues"),
    (re.compile(r"not allowed with argument (.*)"), r"incompatible avec l’argument \1"),
    (re.compile(r"ignored explicit argument (.*)"), r"valeur \1 inattendue"),
    (re.compile(r"^argument (\S+): "), r"argument \1 : "),
]


def french_message(message: str) -> str:
    """An argparse error message in French (unknown messages are left as they are)."""
    for pattern, replacement in _ERRORS:
        message = pattern.sub(replacement, message)
    return message


class FrenchHelpFormatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, "usage : " if prefix is None else prefix)


class FrenchArgumentParser(argparse.ArgumentParser):
    """An :class:`argparse.ArgumentParser` that speaks French; its sub-commands are parsers of the same kind."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", FrenchHelpFormatter)
        add_help = kwargs.pop("add_help", True)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = "arguments"
        self._optionals.title = "options"
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                              help="afficher cette aide et quitter")

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog} : erreur : {french_message(message)}\n")
