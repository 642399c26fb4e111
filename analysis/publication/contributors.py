"""Who made the publication, and how, in the roles of the CRediT taxonomy (NISO Z39.104-2022).

Four sources, each the one place where the contribution is recorded:

* the chapters' authors, in each chapter's front matter::

      ---
      auteurs:
        - nom: Claire Exemple
          roles: [rédaction, analyse]
        - Jean Dupont          # a name alone: rédaction
      ---

* the coders (``corpus/codings/<coder>.jsonl``, under the name each coder chose);
* the reviewers of the literature (``corpus/literature/screening/<reviewer>.csv``);
* the workshops' participants and facilitators who agreed to be named (``participants.csv`` of
  each exercise, ``named`` = ``oui``); the others are counted, never named.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from ..errors import InputError

#: The CRediT roles: the key an author writes in a chapter's front matter → the role's French name.
CREDIT_ROLES = {
    "conceptualisation": "Conceptualisation",
    "curation": "Curation des données",
    "analyse": "Analyse formelle",
    "financement": "Acquisition de financement",
    "investigation": "Investigation",
    "methodologie": "Méthodologie",
    "administration": "Administration du projet",
    "ressources": "Ressources",
    "logiciel": "Logiciel",
    "supervision": "Supervision",
    "validation": "Validation",
    "visualisation": "Visualisation",
    "redaction": "Rédaction – version originale",
    "revision": "Rédaction – révision et édition",
}
DEFAULT_AUTHOR_ROLE = "redaction"
#: The CRediT role of each recorded activity.
CODING_ROLE, SCREENING_ROLE = "analyse", "investigation"
WORKSHOP_ROLES = {"participation": "investigation", "animation": "methodologie"}


@dataclass
class Contributor:
    name: str
    roles: list[str] = field(default_factory=list)  # keys of CREDIT_ROLES, in the order first met
    contributions: list[str] = field(default_factory=list)

    def add(self, roles: list[str], contribution: str) -> None:
        self.roles += [role for role in roles if role not in self.roles]
        if contribution not in self.contributions:
            self.contributions.append(contribution)


def _role_key(text: str) -> str:
    folded = unicodedata.normalize("NFKD", str(text).strip().lower())
    return "".join(c for c in folded if not unicodedata.combining(c))


def front_matter(path: Path) -> dict:
    """The YAML front matter of a Markdown chapter (``{}`` when it has none)."""
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        return {}
    end = text.find("\n---", 4)
    if end < 0:
        raise InputError(path, "en-tête YAML sans « --- » de fin", "ligne 1")
    try:
        data = yaml.safe_load(text[4:end]) or {}
    except yaml.YAMLError as problem:
        mark = getattr(problem, "problem_mark", None)
        raise InputError(path, f"en-tête YAML illisible : {getattr(problem, 'problem', problem)}",
                         f"ligne {mark.line + 2}" if mark else "ligne 1") from None
    if not isinstance(data, dict):
        raise InputError(path, "l’en-tête YAML doit être une suite de « clé: valeur »", "ligne 1")
    return data


def chapter_authors(path: Path) -> list[tuple[str, list[str]]]:
    """The authors of a chapter (``auteurs`` of its front matter): their names and CRediT role keys."""
    authors = front_matter(path).get("auteurs", [])
    if isinstance(authors, str):
        authors = [authors]
    if not isinstance(authors, list):
        raise InputError(path, "« auteurs » : attendu une liste de noms ou de « nom: … / roles: […] »", "en-tête")
    result = []
    for number, author in enumerate(authors, start=1):
        if isinstance(author, str):
            author = {"nom": author}
        name = str(author.get("nom", "")).strip() if isinstance(author, dict) else ""
        if not name:
            raise InputError(path, f"auteur n° {number} sans « nom »", "en-tête, auteurs")
        roles = author.get("roles", [DEFAULT_AUTHOR_ROLE])
        roles = [roles] if isinstance(roles, str) else roles
        keys = [_role_key(role) for role in roles]
        unknown = [role for role, key in zip(roles, keys) if key not in CREDIT_ROLES]
        if unknown:
            raise InputError(path, f"rôle « {unknown[0]} » de {name} inconnu (rôles CRediT : {', '.join(CREDIT_ROLES)})",
                             "en-tête, auteurs")
        result.append((name, keys))
    return result


def toc_chapters(toc: Path) -> list[Path]:
    """The Markdown files of the book, in the order of its table of contents (``_toc.yml``)."""
    data = yaml.safe_load(toc.read_text(encoding="utf-8")) or {}
    entries = [data.get("root")] + [c.get("file") for c in data.get("chapters", [])]
    entries += [c.get("file") for part in data.get("parts", []) for c in part.get("chapters", [])]
    return [toc.parent / f"{entry}.md" for entry in entries if entry and (toc.parent / f"{entry}.md").exists()]


def chapter_title(path: Path) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return path.stem


def credits_line(authors: list[tuple[str, list[str]]]) -> str:
    """« Claire Exemple (rédaction, analyse formelle) et Jean Dupont », shown under a chapter's title."""
    parts = [f"{name} ({', '.join(CREDIT_ROLES[key].lower() for key in keys)})" if keys != [DEFAULT_AUTHOR_ROLE] else name
             for name, keys in authors]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " et " + parts[-1]


def contributors(chapters: list[Path], coded: dict[str, int], screened: dict[str, int],
                 participants: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """One row per named contributor (``name``, ``roles`` in French, ``contributions``) and the
    number of workshop participants who are not named.

    ``coded`` and ``screened`` count the codings of each coder and the references each reviewer
    screened; ``participants`` is :meth:`Exercise.participants` of every exercise, concatenated.
    """
    people: dict[str, Contributor] = {}

    def person(name: str) -> Contributor:
        return people.setdefault(name, Contributor(name))

    for path in chapters:
        title = chapter_title(path)
        for name, keys in chapter_authors(path):
            person(name).add(keys, f"chapitre « {title} »")
    for coder, count in coded.items():
        person(coder).add([CODING_ROLE], f"codage ({count} codage{'s' if count > 1 else ''})")
    for reviewer, count in screened.items():
        person(reviewer).add([SCREENING_ROLE], f"examen de la littérature ({count} référence{'s' if count > 1 else ''})")
    for row in participants[participants["named"]].itertuples():
        where = f" ({row.organisation})" if row.organisation else ""
        person(row.name).add([WORKSHOP_ROLES[row.role]], f"atelier : {row.role}{where}")
    table = pd.DataFrame({
        "name": [p.name for p in people.values()],
        "roles": [", ".join(CREDIT_ROLES[key] for key in p.roles) for p in people.values()],
        "contributions": ["; ".join(p.contributions) for p in people.values()],
    })
    return table.sort_values("name", key=lambda names: names.map(_role_key), ignore_index=True), int((~participants["named"]).sum())
