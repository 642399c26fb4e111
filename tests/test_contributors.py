"""Credit: chapters' authors, coders, reviewers and named workshop participants, in CRediT roles."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from analysis.errors import InputError
from analysis.prospective.exercise import Exercise
from analysis.publication.contributors import chapter_authors, contributors, credits_line, toc_chapters
from conftest import REPO

SHIPPED = REPO / "scenarios" / "avenir-politiques-locales-ess"
CHAPTER = """---
auteurs:
  - nom: Claire Exemple
    roles: [rédaction, Méthodologie]
  - Jean Dupont
---

# Les coopérations
"""


def _chapter(tmp_path, text=CHAPTER, name="chapitre.md"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_every_contribution_is_credited_once_with_its_roles(tmp_path):
    chapter = _chapter(tmp_path)
    second = _chapter(tmp_path, "---\nauteurs: Claire Exemple\n---\n# Les scénarios\n", "second.md")
    participants = pd.DataFrame({"name": ["Élue Nommée", "Agent Anonyme", "Claire Exemple"],
                                 "organisation": ["Ville de Lille", "", ""],
                                 "role": ["participation", "participation", "animation"],
                                 "named": [True, False, True]})
    people, anonymous = contributors([chapter, second], {"marie": 12, "Jean Dupont": 1}, {"paul": 3}, participants)
    rows = {row["name"]: row for row in people.to_dict("records")}
    assert list(people["name"]) == ["Claire Exemple", "Élue Nommée", "Jean Dupont", "marie", "paul"]
    assert rows["Claire Exemple"]["roles"] == "Rédaction – version originale, Méthodologie"
    assert rows["Claire Exemple"]["contributions"] == ("chapitre « Les coopérations »; chapitre « Les scénarios »; "
                                                       "atelier : animation")
    assert rows["Jean Dupont"]["roles"] == "Rédaction – version originale, Analyse formelle"
    assert rows["Jean Dupont"]["contributions"] == "chapitre « Les coopérations »; codage (1 codage)"
    assert rows["marie"]["contributions"] == "codage (12 codages)"
    assert rows["paul"]["roles"] == "Investigation"
    assert rows["Élue Nommée"]["contributions"] == "atelier : participation (Ville de Lille)"
    assert "Agent Anonyme" not in rows and anonymous == 1
    assert credits_line(chapter_authors(chapter)) == "Claire Exemple (rédaction – version originale, méthodologie) et Jean Dupont"


@pytest.mark.parametrize("front, message", [
    ("auteurs:\n  - nom: X\n    roles: [écriture]\n", "rôle « écriture » de X inconnu"),
    ("auteurs:\n  - roles: [analyse]\n", "auteur n° 1 sans « nom »"),
    ("auteurs: {nom: X}\n", "attendu une liste"),
    ("auteurs: [X\n", "en-tête YAML illisible"),
])
def test_a_bad_front_matter_is_refused_naming_the_chapter(tmp_path, front, message):
    path = _chapter(tmp_path, f"---\n{front}---\n# Titre\n")
    with pytest.raises(InputError) as error:
        chapter_authors(path)
    assert message in str(error.value) and "chapitre.md" in str(error.value)


def test_the_book_s_chapters_come_from_the_toc_and_the_guide_has_authors():
    chapters = toc_chapters(REPO / "_toc.yml")
    assert chapters[0] == REPO / "book" / "intro.md" and REPO / "book" / "guide-auteurs.md" in chapters
    assert all(path.exists() for path in chapters)
    assert chapter_authors(REPO / "book" / "guide-auteurs.md")[0][0] == "L’équipe de recherche"


def test_workshop_participants_are_read_and_checked(tmp_path):
    folder = tmp_path / "exercise"
    shutil.copytree(SHIPPED, folder)
    assert Exercise.open(folder).participants().empty
    (folder / "participants.csv").write_text("name,organisation,role,named\nA,Ville,animation,oui\nB,,participation,\n",
                                             encoding="utf-8")
    table = Exercise.open(folder).participants()
    assert table["named"].tolist() == [True, False] and table["role"].tolist() == ["animation", "participation"]
    (folder / "participants.csv").write_text("name,role,named\nA,animation,peut-être\n", encoding="utf-8")
    with pytest.raises(InputError, match="ligne 2, colonne named"):
        Exercise.open(folder).participants()
    (folder / "participants.csv").write_text("name,role\nA,orateur\n", encoding="utf-8")
    with pytest.raises(InputError, match="rôle « orateur » inconnu"):
        Exercise.open(folder).participants()
