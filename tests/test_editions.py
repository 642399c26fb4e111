"""Editions: ``atelier edition`` tags the repository, writes CITATION.cff, .zenodo.json and the
changelog; the book says which edition it is."""

from __future__ import annotations

import json
import shutil
import subprocess

import pandas as pd
import pytest
import yaml

from analysis.cli.main import main
from analysis.publication.editions import book_edition, edition_notice, editions_html, read_editions
from conftest import REPO, copy_seed_corpus, snapshot


def git(root, *arguments):
    return subprocess.run(["git", *arguments], cwd=root, capture_output=True, text=True, check=True).stdout


@pytest.fixture
def repository(tmp_path):
    """A repository holding a copy of the seed corpus, the book's chapters, its config and CITATION.cff."""
    root = tmp_path / "depot"
    copy_seed_corpus(root / "corpus")
    shutil.copytree(REPO / "book", root / "book")
    for name in ("_config.yml", "_toc.yml", "CITATION.cff"):
        shutil.copy(REPO / name, root / name)
    git(root, "init", "--quiet")
    git(root, "config", "user.email", "test@example.org")
    git(root, "config", "user.name", "Test")
    git(root, "add", ".")
    git(root, "commit", "--quiet", "-m", "départ")
    return root


def edition(root, capsys, *arguments):
    status = main(["--corpus", str(root / "corpus"), "edition", *arguments])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_an_edition_is_tagged_cited_and_lists_what_changed_since_the_last(repository, capsys):
    assert edition_notice(repository).startswith("Édition de travail :")
    status, out, err = edition(repository, capsys, "1.0", "--date", "2026-12-06")
    assert status == 0, err
    assert "Édition 1.0 du 6 décembre 2026" in out
    assert git(repository, "tag", "--points-at", "HEAD").split() == ["edition-1.0"]
    assert not git(repository, "status", "--porcelain").strip()
    citation = yaml.safe_load((repository / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["version"] == "1.0" and citation["date-released"] == "2026-12-06"
    assert citation["title"].startswith("Atelier ESS")
    zenodo = json.loads((repository / ".zenodo.json").read_text(encoding="utf-8"))
    assert zenodo["version"] == "1.0" and zenodo["publication_date"] == "2026-12-06"
    assert zenodo["title"].startswith("Vingt ans de politiques locales") and zenodo["language"] == "fra"
    assert zenodo["creators"][0]["name"].startswith("Réseau des collectivités")
    first = read_editions(repository)[0]
    assert len(first["changes"]["documents"]) == 11 and first["changes"]["documents"][-1] == "2 documents privés ajoutés"
    assert "ajouté : book/intro.md" in first["changes"]["chapters"]
    assert book_edition(repository)["number"] == "1.0"
    assert edition_notice(repository) == "Édition 1.0 du 6 décembre 2026"

    # what happens next: a new public document, a private one, a coder's log, a chapter changed
    documents = pd.read_csv(repository / "corpus" / "documents.csv", dtype=str, keep_default_na=False)
    new = pd.concat([documents.iloc[[0]].assign(doc_id="nouveau-plan", title="Nouveau plan"),
                     documents.iloc[[0]].assign(doc_id="note-interne", title="Note interne secrète", private="true")])
    pd.concat([documents, new]).to_csv(repository / "corpus" / "documents.csv", index=False)
    (repository / "corpus" / "codings").mkdir()
    (repository / "corpus" / "codings" / "marie.jsonl").write_text('{"event": "x"}\n{"event": "y"}\n', encoding="utf-8")
    with (repository / "book" / "levers.md").open("a", encoding="utf-8") as chapter:
        chapter.write("\nUn paragraphe de plus.\n")
    assert edition_notice(repository).startswith("Édition de travail, après l’édition 1.0")
    status, out, err = edition(repository, capsys, "1.1", "--date", "2027-01-01")
    assert status == 2 and "changements non enregistrés" in err
    git(repository, "add", ".")
    git(repository, "commit", "--quiet", "-m", "suite")
    status, out, err = edition(repository, capsys, "1.1", "--date", "2027-01-01")
    assert status == 0, err
    changes = read_editions(repository)[1]["changes"]
    assert changes == {"documents": ["ajouté : Nouveau plan (nouveau-plan)", "1 document privé ajouté"],
                       "codings": ["marie : 2 événements de codage"],
                       "chapters": ["modifié : book/levers.md"]}
    assert "Note interne secrète" not in (repository / "editions.yaml").read_text(encoding="utf-8")
    assert "1er janvier 2027" in out
    shown = str(editions_html(repository))
    assert shown.index("Édition 1.1 du 1er janvier 2027") < shown.index("Édition 1.0 du 6 décembre 2026")
    assert "ajouté : Nouveau plan (nouveau-plan)" in shown and "marie : 2 événements de codage" in shown


@pytest.mark.parametrize("number, message", [("v1", "numéro d’édition « v1 » invalide"),
                                             ("0.9", "doit suivre la dernière, 1.0"),
                                             ("1.0", "doit suivre la dernière, 1.0")])
def test_a_bad_edition_number_is_refused_and_nothing_changes(repository, capsys, number, message):
    assert edition(repository, capsys, "1.0")[0] == 0
    before = snapshot(repository / ".git" / "refs"), snapshot(repository / "corpus"), git(repository, "rev-parse", "HEAD")
    status, _, err = edition(repository, capsys, number)
    assert status == 2 and message in err and "Traceback" not in err
    assert (snapshot(repository / ".git" / "refs"), snapshot(repository / "corpus"), git(repository, "rev-parse", "HEAD")) == before


def test_a_bad_date_is_refused(repository, capsys):
    status, _, err = edition(repository, capsys, "1.0", "--date", "06/12/2026")
    assert status == 2 and "date « 06/12/2026 » invalide" in err
