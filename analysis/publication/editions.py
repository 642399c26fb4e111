"""Editions of the book: numbered, dated, tagged in git, citable, with what changed.

``atelier edition 1.0`` declares an edition of the repository as it is committed:

* it refuses a working tree with uncommitted changes (the edition must be what git holds), a
  number that is not ``1``, ``1.0`` or ``1.0.2``, or one not above the last edition's;
* it lists what changed since the previous edition (its git tag): the public documents added or
  removed (private ones are only counted), the coding events each coder appended, the chapters
  added, changed or removed;
* it appends the edition to ``editions.yaml`` (number, date, changes), writes its number and date
  into ``CITATION.cff`` and ``.zenodo.json`` (Zenodo's deposit metadata), commits these three files
  and tags the commit ``edition-<number>``.

The book (this module is also a Sphinx extension) says on every page which edition it is: the
edition's number and date when the repository is exactly at its tag, else « édition de travail ».
"""

from __future__ import annotations

import datetime as dt
import html
import io
import json
import re
import subprocess
from pathlib import Path

import pandas as pd
import yaml

from ..corpus.store import publishable
from ..errors import AtelierError, InputError
from ..fsio import atomic_write_bytes
from .render import Element, bullets, heading, join, paragraph, strong

EDITIONS_FILE = "editions.yaml"
CITATION_FILE = "CITATION.cff"
ZENODO_FILE = ".zenodo.json"
TAG_PREFIX = "edition-"
NUMBER = re.compile(r"\d+(?:\.\d+){0,2}")
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre"]


def _git(root: Path, *arguments: str, check: bool = True) -> str:
    try:
        result = subprocess.run(["git", *arguments], cwd=root, capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        raise AtelierError("git est introuvable : une édition est une étiquette du dépôt git") from None
    if check and result.returncode != 0:
        raise AtelierError(f"git {' '.join(arguments)} : {result.stderr.strip() or result.stdout.strip()}")
    return result.stdout if result.returncode == 0 else ""


def _number_key(number: str) -> tuple[int, ...]:
    return tuple(int(part) for part in number.split("."))


def french_date(day: dt.date) -> str:
    return f"{day.day}{'er' if day.day == 1 else ''} {MONTHS[day.month - 1]} {day.year}"


def read_editions(root: Path) -> list[dict]:
    """The declared editions, oldest first (``[]`` before the first one)."""
    path = root / EDITIONS_FILE
    if not path.exists():
        return []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except yaml.YAMLError as problem:
        raise InputError(path, f"YAML illisible : {getattr(problem, 'problem', problem)}") from None
    if not isinstance(data, list):
        raise InputError(path, "attendu une liste d’éditions (number, date, changes)")
    for position, edition in enumerate(data, start=1):
        if not isinstance(edition, dict) or not NUMBER.fullmatch(str(edition.get("number", ""))) \
                or not isinstance(edition.get("date"), dt.date):
            raise InputError(path, "chaque édition a un numéro (1.0) et une date (AAAA-MM-JJ)", f"édition n° {position}")
    return data


def book_edition(root: Path) -> dict | None:
    """The edition the repository is at (its tag is HEAD and nothing is changed), else ``None``."""
    editions = read_editions(root)
    if not editions:
        return None
    tags = _git(root, "tag", "--points-at", "HEAD", check=False).split()
    if f"{TAG_PREFIX}{editions[-1]['number']}" not in tags or _git(root, "status", "--porcelain", check=False).strip():
        return None
    return editions[-1]


def edition_notice(root: Path) -> str:
    """What every page of the book says of its edition, in French."""
    edition = book_edition(root)
    if edition is not None:
        return f"Édition {edition['number']} du {french_date(edition['date'])}"
    editions = read_editions(root)
    since = f", après l’édition {editions[-1]['number']}" if editions else ""
    return f"Édition de travail{since} : ce texte change encore, ne le citez pas comme une édition"


def editions_html(root: Path) -> Element:
    """The declared editions, newest first, each with what changed since the one before."""
    editions = read_editions(root)
    if not editions:
        return paragraph("Aucune édition n’est encore déclarée : ce livre est une édition de travail. La première "
                         "se déclare avec « atelier edition 1.0 », qui l’inscrit dans CITATION.cff et .zenodo.json.")
    labels = {"documents": "Documents", "codings": "Codages", "chapters": "Chapitres"}
    parts = []
    for edition in reversed(editions):
        changes = edition.get("changes") or {}
        parts.append(heading(3, f"Édition {edition['number']} du {french_date(edition['date'])}"))
        items = [join([strong(f"{labels[kind]} : "), "; ".join(changes[kind])]) for kind in labels if changes.get(kind)]
        parts.append(bullets(items) if items else paragraph("Aucun changement depuis l’édition précédente."))
    return join(parts)


def _documents_at(root: Path, revision: str) -> pd.DataFrame:
    """``corpus/documents.csv`` at a git revision (``HEAD``: as committed), empty where it was absent."""
    text = _git(root, "show", f"{revision}:corpus/documents.csv", check=False)
    if not text.strip():
        return pd.DataFrame(columns=["doc_id", "title", "private"])
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def changes_since(root: Path, previous: str | None) -> dict[str, list[str]]:
    """What changed since the git revision ``previous`` (``None``: since the beginning), in French."""
    base = previous or _git(root, "hash-object", "-t", "tree", "/dev/null").strip()  # git's empty tree
    before, after = _documents_at(root, base), _documents_at(root, "HEAD")
    public_after, public_before = after[publishable(after)], before[publishable(before)]
    added = public_after[~public_after["doc_id"].isin(before["doc_id"])]
    removed = public_before[~public_before["doc_id"].isin(after["doc_id"])]
    documents = [f"ajouté : {row.title} ({row.doc_id})" for row in added.itertuples()]
    documents += [f"retiré : {row.title} ({row.doc_id})" for row in removed.itertuples()]
    private_added = len(set(after["doc_id"]) - set(before["doc_id"])) - len(added)
    if private_added:
        documents.append(f"{private_added} document{'s' if private_added > 1 else ''} privé{'s' if private_added > 1 else ''} ajouté{'s' if private_added > 1 else ''}")
    codings = []
    for line in _git(root, "diff", "--numstat", base, "HEAD", "--", "corpus/codings").splitlines():
        added_lines, _, path = line.split("\t")
        if path.endswith(".jsonl") and added_lines not in {"0", "-"}:
            count = int(added_lines)
            codings.append(f"{Path(path).stem} : {count} événement{'s' if count > 1 else ''} de codage")
    chapters = []
    verbs = {"A": "ajouté", "M": "modifié", "D": "retiré"}
    for line in _git(root, "diff", "--name-status", "--no-renames", base, "HEAD", "--", "book").splitlines():
        status, path = line.split("\t", 1)
        if path.endswith(".md") and status[0] in verbs:
            chapters.append(f"{verbs[status[0]]} : {path}")
    return {"documents": documents, "codings": codings, "chapters": chapters}


def _write_citation(root: Path, number: str, day: dt.date) -> dict:
    path = root / CITATION_FILE
    citation = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {"cff-version": "1.2.0"}
    citation.update({"version": number, "date-released": day.isoformat()})
    atomic_write_bytes(path, yaml.safe_dump(citation, allow_unicode=True, sort_keys=False, width=100).encode("utf-8"))
    return citation


def _write_zenodo(root: Path, number: str, day: dt.date, citation: dict, changes: dict[str, list[str]]) -> None:
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8")) or {}
    summary = "; ".join(f"{len(items)} changement{'s' if len(items) > 1 else ''} ({kind})"
                        for kind, items in changes.items() if items) or "aucun changement"
    metadata = {
        "title": config.get("title", citation.get("title", "")),
        "version": number,
        "publication_date": day.isoformat(),
        "upload_type": "publication",
        "publication_type": "book",
        "language": "fra",
        "creators": [{"name": author.get("name") or f"{author.get('family-names', '')}, {author.get('given-names', '')}"}
                     for author in citation.get("authors", [])],
        "description": str(citation.get("abstract", "")).strip(),
        "keywords": citation.get("keywords", []),
        "notes": f"Édition {number} : {summary}.",
    }
    if citation.get("license"):
        metadata["license"] = str(citation["license"]).lower()
    atomic_write_bytes(root / ZENODO_FILE, (json.dumps(metadata, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))


def declare_edition(root: Path, number: str, day: dt.date | None = None) -> dict:
    """Declare edition ``number`` of the repository at ``root`` (see the module's docstring)."""
    if not NUMBER.fullmatch(number):
        raise AtelierError(f"numéro d’édition « {number} » invalide : attendu par exemple 1.0 ou 1.2.1")
    root = Path(_git(root, "rev-parse", "--show-toplevel").strip())
    if _git(root, "status", "--porcelain").strip():
        raise AtelierError("le dépôt a des changements non enregistrés (git status) : enregistrez-les (git commit) "
                           "avant de déclarer une édition, qui doit être ce que git contient")
    editions = read_editions(root)
    if editions and _number_key(number) <= _number_key(str(editions[-1]["number"])):
        raise AtelierError(f"l’édition {number} doit suivre la dernière, {editions[-1]['number']}")
    if _git(root, "tag", "--list", f"{TAG_PREFIX}{number}").strip():
        raise AtelierError(f"l’étiquette git {TAG_PREFIX}{number} existe déjà")
    day = day or dt.date.today()
    previous = f"{TAG_PREFIX}{editions[-1]['number']}" if editions else None
    changes = changes_since(root, previous)
    edition = {"number": number, "date": day, "changes": changes}
    atomic_write_bytes(root / EDITIONS_FILE, yaml.safe_dump(editions + [edition], allow_unicode=True, sort_keys=False,
                                                           width=100).encode("utf-8"))
    citation = _write_citation(root, number, day)
    _write_zenodo(root, number, day, citation, changes)
    _git(root, "add", EDITIONS_FILE, CITATION_FILE, ZENODO_FILE)
    _git(root, "commit", "--quiet", "-m", f"Édition {number} du {french_date(day)}")
    _git(root, "tag", "-a", f"{TAG_PREFIX}{number}", "-m", f"Édition {number} du {french_date(day)}")
    return edition


def setup(app):
    """Every page of the book says its edition: a banner in HTML, the release in PDF and EPUB."""

    def configure(app, config):
        root = Path(app.srcdir)
        notice = edition_notice(root)
        edition = book_edition(root)
        config.release = config.version = edition["number"] if edition else "de travail"  # « Version de travail »
        options = dict(config.html_theme_options or {})
        options["announcement"] = f'<span class="edition-notice">{html.escape(notice)}</span>'
        config.html_theme_options = options

    app.connect("config-inited", configure)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
