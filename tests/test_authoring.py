"""Chapters written by authors: the MyST directives and roles of analysis.publication.authoring,
in a real Sphinx build (myst-parser, sphinxcontrib-bibtex) on a copy of the seed corpus."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from analysis import Corpus
from analysis.coding.store import CodingStore
from analysis.publication.quotations import find_passage
from conftest import REPO, copy_seed_corpus

DOC = "rtes-plan-actions-2022"
QUOTED = "Pour les territoires ruraux, les actions sont menées dans le cadre du projet TRESSONS"
CONF = f"""
extensions = ["myst_parser", "sphinxcontrib.bibtex", "analysis.publication.authoring"]
bibtex_bibfiles = [{str(REPO / "corpus" / "literature" / "references.bib")!r}]
language = "fr"
atelier_documents_doc = "documents"
"""
CHAPTER = f"""---
auteurs:
  - nom: Claire Exemple
    roles: [rédaction, analyse]
  - Jean Dupont
---
# Un chapitre d’auteur

```{{citation}} {DOC}
Pour les territoires   ruraux, les actions sont menées […] projet TRESSONS
```

Comme l’écrit le plan, {{extrait}}`CODING`.

```{{extraits}} plan-actions/axe-2-territoires-fragiles
:filtre: genre=plan d'action; year=2022
```

```{{extraits}} leviers/scic
```

```{{figure-atelier}} plan-micmac
:alt: Les variables de l’exercice placées selon leur influence et leur dépendance indirectes
Le plan des influences indirectes.
```

```{{figure-atelier}} classes-genres
:alt: La part des segments de chaque genre de document qui relève de chaque classe lexicale
Les classes selon le genre.
```

```{{tableau-atelier}} soufflerie
Chaque levier dans chaque scénario.
```

Vingt ans de politiques locales {{cite:p}}`rtes_vingt_ans_2021`.

```{{bibliography}}
```
"""


def _project(tmp_path: Path, chapter: str) -> Path:
    source = tmp_path / "livre"
    source.mkdir()
    (source / "conf.py").write_text(CONF, encoding="utf-8")
    (source / "index.md").write_text("# Livre\n\n```{toctree}\nchapitre\ndocuments\n```\n", encoding="utf-8")
    (source / "documents.md").write_text("# Les documents\n", encoding="utf-8")
    (source / "chapitre.md").write_text(chapter, encoding="utf-8")
    return source


def _build(source: Path, corpus: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-q", "-d", str(source / "_build" / "doctrees"),
                           str(source), str(source / "_build" / "html")], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "ATELIER_CORPUS": str(corpus)}, cwd=source)


@pytest.fixture
def corpus(tmp_path) -> Path:
    root = copy_seed_corpus(tmp_path / "corpus")
    (root / "persons.csv").write_text("name,pseudonym,why\nAnne-Laure Federici,Personne A,test\n", encoding="utf-8")
    return root


def _code(corpus: Path, words: str, code: str) -> str:
    opened = Corpus.open(corpus)
    text = opened.text(DOC)
    start, end = find_passage(text, words)
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return CodingStore.of(opened).add("claire", DOC, sha, start, end, code, text[start:end])["coding"]


def test_an_authored_chapter_quotes_the_corpus_through_every_role_and_directive(tmp_path, corpus):
    coding = _code(corpus, QUOTED, "plan-actions/axe-2-territoires-fragiles")
    _code(corpus, "Référént équipe : Anne-Laure Federici", "plan-actions/axe-2-territoires-fragiles")
    source = _project(tmp_path, CHAPTER.replace("CODING", coding))
    result = _build(source, corpus)
    assert result.returncode == 0, result.stderr[-3000:]
    html = (source / "_build" / "html" / "chapitre.html").read_text(encoding="utf-8")
    assert html.count(f"« {QUOTED}") == 3, "the citation, the extract role and the code's extracts"
    assert f'href="documents.html#t-{DOC}-' in html and "caractères" in html
    assert "Anne-Laure Federici" not in html and "Personne A" in html, "a protected person is pseudonymised"
    assert "Aucun extrait public n’est encore codé « " in html, "a code without extracts says so"
    assert 'alt="Les variables de l’exercice placées' in html and "Le plan des influences indirectes." in html
    assert (source / "_build" / "atelier-figures" / "plan-micmac.png").exists()
    assert (source / "_build" / "atelier-figures" / "classes-genres.png").stat().st_size > 10_000
    assert "Garder un socle de coopération face à la polarisation" in html and "fonctionne dans tous les scénarios" in html
    assert "rtes_vingt_ans_2021" in html or "RTES" in html
    assert "Par Claire Exemple (rédaction – version originale, analyse formelle) et Jean Dupont" in html


@pytest.mark.parametrize("change, message", [
    (lambda chapter, corpus: chapter.replace("Pour les territoires   ruraux", "Pour les villes"), "passage introuvable"),
    (lambda chapter, corpus: chapter.replace("plan-actions/axe-2-territoires-fragiles\n:filtre", "plan-actions/inexistant\n:filtre"),
     "« plan-actions/inexistant » absent du livre de codes"),
    (lambda chapter, corpus: chapter.replace(":alt: Les variables de l’exercice placées selon leur influence et leur dépendance "
                                             "indirectes\n", ""), "sans texte alternatif"),
    (lambda chapter, corpus: chapter.replace("year=2022", "annee=2022"), "attribut « annee » inconnu"),
    (lambda chapter, corpus: chapter.replace("{tableau-atelier} soufflerie", "{tableau-atelier} matrice"),
     "tableau inconnu : « matrice » (choix : soufflerie, scenarios)"),
])
def test_a_broken_quotation_fails_the_build_with_the_chapter_and_the_line(tmp_path, corpus, change, message):
    coding = _code(corpus, QUOTED, "plan-actions/axe-2-territoires-fragiles")
    source = _project(tmp_path, change(CHAPTER.replace("CODING", coding), corpus))
    result = _build(source, corpus)
    assert result.returncode != 0
    assert message in result.stderr and "chapitre.md, ligne " in result.stderr, result.stderr[-2000:]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("column, value", [("private", "true"), ("consent", "withdrawn")])
def test_a_private_or_withdrawn_document_is_refused(tmp_path, corpus, column, value):
    import pandas as pd

    table = pd.read_csv(corpus / "documents.csv", dtype=str, keep_default_na=False)
    table.loc[table["doc_id"] == DOC, column] = value
    table.to_csv(corpus / "documents.csv", index=False)
    chapter = CHAPTER.split("Comme l’écrit")[0]
    source = _project(tmp_path, chapter)
    result = _build(source, corpus)
    assert result.returncode != 0
    assert "chapitre.md, ligne 9" in result.stderr and "privé ou sans consentement de publication" in result.stderr
    assert not (source / "_build" / "html" / "chapitre.html").exists() or QUOTED not in (
        source / "_build" / "html" / "chapitre.html").read_text(encoding="utf-8")


def test_the_chapter_template_builds_as_it_is(tmp_path, corpus):
    """The template authors copy (book/modele-chapitre.md) quotes, filters, draws and cites."""
    source = _project(tmp_path, (REPO / "book" / "modele-chapitre.md").read_text(encoding="utf-8"))
    result = _build(source, corpus)
    assert result.returncode == 0, result.stderr[-3000:]
    html = (source / "_build" / "html" / "chapitre.html").read_text(encoding="utf-8")
    assert f"« {QUOTED} »" in html and "Par Prénom Nom (rédaction – version originale, analyse formelle)" in html
    assert 'alt="Le nombre de documents publics du corpus par genre et par année"' in html
