"""The literature review: Zotero imports, deduplication, double screening, PRISMA flow.

Everything lies under ``corpus/literature/``:

``references.bib``
    the merged bibliography, written by this module (UTF-8 BibTeX, one entry per reference,
    keys never change once given);
``imports/``
    the Zotero exports (``.bib`` or ``.ris``) exactly as they were received;
``screening/<reviewer>.csv``
    one file per reviewer, ``key,decision,reason,timestamp``, decision ``inclure`` or
    ``exclure`` (a reason is required to exclude).

Counts of the PRISMA flow are recomputed from these files: records identified are the
references of the files in ``imports/``, duplicates removed are those that did not become a
new entry of ``references.bib``. Included references become corpus documents through
:func:`analysis.corpus.ingest.ingest`, so they can be coded like any other document.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import tempfile
import unicodedata
from pathlib import Path

import bibtexparser
import pandas as pd
from bibtexparser.model import Entry, Field
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from .store import Corpus
from ..errors import AtelierError, CorpusError, InputError
from ..fsio import atomic_write_bytes, folder_names, locked, spreadsheet_safe
from .readers.references import read_bib, read_ris

DECISIONS = ("inclure", "exclure")
FINAL_INCLUDED, FINAL_EXCLUDED, FINAL_DISCUSS, FINAL_PENDING = "incluse", "exclue", "à discuter", "non examinée"
def _display_authors(bibtex_authors: str) -> str:
    return bibtex_authors.replace("{", "").replace("}", "").replace(" and ", "; ")


REFERENCE_COLUMNS = ["key", "title", "authors", "year", "type", "doi", "abstract"]
SCREENING_COLUMNS = ["key", "decision", "reason", "timestamp"]
_RESERVED = {"key", "title", "agreement", "final", "reason"}
_FIELDS = ("author", "title", "year", "journal", "publisher", "doi", "url", "abstract", "note")
_RIS_TYPES = {
    "JOUR": "article", "JFULL": "article", "MGZN": "article", "NEWS": "article", "BOOK": "book",
    "EBOOK": "book", "EDBOOK": "book", "CHAP": "incollection", "ECHAP": "incollection",
    "CONF": "inproceedings", "CPAPER": "inproceedings", "THES": "phdthesis", "RPRT": "techreport",
    "REPORT": "techreport", "GOVDOC": "techreport", "UNPB": "unpublished",
}
INCLUDED_BIB_NAME = "litterature-incluse.bib"


# --------------------------------------------------------------------------- paths


def literature_dir(corpus: Corpus) -> Path:
    return corpus.root / "literature"


def references_path(corpus: Corpus) -> Path:
    return literature_dir(corpus) / "references.bib"


def imports_dir(corpus: Corpus) -> Path:
    return literature_dir(corpus) / "imports"


def screening_dir(corpus: Corpus) -> Path:
    return literature_dir(corpus) / "screening"


def _lock(corpus: Corpus):
    # Named like the corpus lock so that snapshots of the folder leave it out.
    return locked(literature_dir(corpus) / ".atelier.lock")


# --------------------------------------------------------------------------- normalisation


def normalise_doi(doi: str) -> str:
    """``https://doi.org/10.1/ABC`` → ``10.1/abc``."""
    doi = (doi or "").strip().lower()
    doi = re.sub(r"^(https?://(dx\.)?doi\.org/|doi:\s*)", "", doi)
    return doi.strip()


def normalise_title(title: str) -> str:
    """Lower case, no accents, no punctuation, single spaces: the title as compared."""
    ascii_text = unicodedata.normalize("NFKD", title or "").encode("ascii", "ignore").decode("ascii")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", ascii_text.lower()).split())


def _bib_key(key: str) -> str:
    """A citation key safe in BibTeX (and as a document identifier once slugified)."""
    ascii_key = unicodedata.normalize("NFKD", key).encode("ascii", "ignore").decode("ascii")
    safe = re.sub(r"[^A-Za-z0-9_:.-]+", "-", ascii_key).strip("-.")
    return safe or "ref"


# --------------------------------------------------------------------------- BibTeX writer

_ESCAPES = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "{": "", "}": "",
}


def _escape(value: str) -> str:
    return "".join(_ESCAPES.get(char, char) for char in " ".join(str(value).split()))


def _field_value(name: str, value: str) -> str:
    """A field's value as BibTeX reads it: LaTeX's special characters escaped, braces removed."""
    if name == "author":
        # A name without a comma is an organisation for BibTeX: braces keep it whole.
        return " and ".join(_escape(a) if "," in a else "{" + _escape(a) + "}" for a in value.split(" and "))
    if name in ("url", "doi"):
        value = value.replace("{", "").replace("}", "").replace("\\", "")
        return value.replace("%", r"\%").replace("&", r"\&").replace("#", r"\#").replace("_", r"\_")
    return _escape(value)


def _bibtex(entries: list[dict[str, str]]) -> bytes:
    """``references.bib``: the entries written by bibtexparser, fields in :data:`_FIELDS` order."""
    library = bibtexparser.Library()
    for entry in entries:
        fields = [Field(name, _field_value(name, entry[name])) for name in _FIELDS if entry.get(name)]
        library.add(Entry(entry.get("type") or "misc", entry["key"], fields))
    layout = bibtexparser.BibtexFormat()
    layout.indent = "  "
    layout.block_separator = "\n\n"
    header = "% Bibliographie de la revue de littérature, écrite par l’atelier (UTF-8).\n\n"
    return (header + bibtexparser.write_string(library, bibtex_format=layout).strip() + "\n").encode("utf-8")


# --------------------------------------------------------------------------- reading


def _entries_from_file(path: Path, data: bytes) -> list[dict[str, str]]:
    """The references of a Zotero export as flat dicts; ``InputError`` if it is malformed."""
    suffix = path.suffix.lower()
    if suffix == ".bib":
        documents = read_bib(path, data)
    elif suffix == ".ris":
        documents = read_ris(path, data)
    else:
        raise InputError(path, f"extension « {path.suffix or '(aucune)'} » non prise en charge : export Zotero .bib ou .ris attendu")
    entries = []
    for document in documents:
        meta = document.metadata
        paragraphs = document.text.strip().split("\n\n")
        abstract = next((p[len("Résumé : "):] for p in paragraphs if p.startswith("Résumé : ")), "")
        notes = [p[len("Note : "):] for p in paragraphs if p.startswith("Note : ")]
        kind = meta.get("reference_type", "") or "misc"
        kind = _RIS_TYPES.get(kind.upper(), "misc") if path.suffix.lower() == ".ris" else kind.lower()
        entries.append({
            "key": _bib_key(meta.get("citation_key", "")),
            "type": kind,
            "author": " and ".join(a for a in meta.get("author", "").split("; ") if a),
            "title": document.title,
            "year": meta.get("date", ""),
            "journal": meta.get("journal", ""),
            "publisher": meta.get("publisher", ""),
            "doi": meta.get("doi", ""),
            "url": meta.get("url", ""),
            "abstract": abstract,
            "note": " ; ".join(notes),
        })
    return entries


def _library(corpus: Corpus) -> list[dict[str, str]]:
    path = references_path(corpus)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    entries = _entries_from_file(path, data)
    # Keys of references.bib are ours: keep them exactly as written.
    return entries


def _import_files(corpus: Corpus) -> list[Path]:
    folder = imports_dir(corpus)
    return [p for p in map(folder.joinpath, folder_names(folder)) if p.is_file() and p.suffix.lower() in (".bib", ".ris")]


# --------------------------------------------------------------------------- import


def _same_reference(entry: dict[str, str], other: dict[str, str]) -> bool:
    doi, other_doi = normalise_doi(entry["doi"]), normalise_doi(other["doi"])
    if doi and other_doi:
        return doi == other_doi
    title = normalise_title(entry["title"])
    return bool(title) and title == normalise_title(other["title"]) and entry["year"] == other["year"]


def _unique_key(key: str, taken: set[str]) -> str:
    if key not in taken:
        return key
    for suffix in "abcdefghijklmnopqrstuvwxyz":
        if f"{key}{suffix}" not in taken:
            return f"{key}{suffix}"
    n = 2
    while f"{key}-{n}" in taken:
        n += 1
    return f"{key}-{n}"


def _import_name(folder: Path, path: Path, data: bytes) -> tuple[str, bool]:
    """Name of the copy in ``imports/`` and whether it must be written (False: already there)."""
    digest = hashlib.sha256(data).hexdigest()
    if folder.exists():
        for existing in sorted(folder.iterdir()):
            if existing.is_file() and hashlib.sha256(existing.read_bytes()).hexdigest() == digest:
                return existing.name, False
    for n in range(1, 10_000):
        name = path.name if n == 1 else f"{path.stem}-{n}{path.suffix}"
        if not (folder / name).exists():
            return name, True
    raise CorpusError(f"trop de fichiers nommés « {path.name} » dans {folder}")


def import_references(corpus: Corpus, path: Path | str) -> pd.DataFrame:
    """Import a Zotero export (``.bib`` or ``.ris``) into ``corpus/literature/``.

    References already in ``references.bib`` (same DOI, or same normalised title and year)
    are duplicates: they fill the fields the existing entry lacks but keep its key. The
    merged bibliography is rewritten atomically and the file is copied into ``imports/``
    (once: the same bytes imported again are not copied again). A malformed file raises
    :class:`InputError` before anything is written.

    Returns one row per reference of the file: ``key`` (its key in ``references.bib``),
    ``import_key``, ``title``, ``authors``, ``year``, ``doi`` and ``status`` (``new`` or
    ``duplicate``).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "fichier introuvable")
    data = path.read_bytes()
    if not data.strip():
        raise InputError(path, "fichier vide")
    incoming = _entries_from_file(path, data)
    with _lock(corpus):
        library = _library(corpus)
        taken = {e["key"] for e in library}
        rows = []
        for entry in incoming:
            match = next((known for known in library if _same_reference(entry, known)), None)
            if match is not None:
                for name in _FIELDS:
                    if not match.get(name) and entry.get(name):
                        match[name] = entry[name]
                status, key = "duplicate", match["key"]
            else:
                key = _unique_key(entry["key"], taken)
                taken.add(key)
                library.append({**entry, "key": key})
                status = "new"
            rows.append({
                "key": key, "import_key": entry["key"], "title": entry["title"],
                "authors": _display_authors(entry["author"]), "year": entry["year"],
                "doi": entry["doi"], "status": status,
            })
        name, must_copy = _import_name(imports_dir(corpus), path, data)
        new_bib = _bibtex(library)
        target = references_path(corpus)
        copy = imports_dir(corpus) / name
        if must_copy:
            atomic_write_bytes(copy, data)
        try:
            if not target.exists() or target.read_bytes() != new_bib:
                atomic_write_bytes(target, new_bib)
        except BaseException:
            if must_copy:
                copy.unlink(missing_ok=True)
            raise
    return pd.DataFrame(rows, columns=["key", "import_key", "title", "authors", "year", "doi", "status"])


def references(corpus: Corpus) -> pd.DataFrame:
    """The merged bibliography: key, title, authors (``; ``-separated), year, type, doi, abstract."""
    rows = [{
        "key": e["key"], "title": e["title"], "authors": _display_authors(e["author"]),
        "year": e["year"], "type": e["type"], "doi": e["doi"], "abstract": e["abstract"],
    } for e in _library(corpus)]
    return pd.DataFrame(rows, columns=REFERENCE_COLUMNS, dtype=str)


# --------------------------------------------------------------------------- screening


def _check_reviewer(reviewer: str) -> str:
    reviewer = (reviewer or "").strip()
    if not re.fullmatch(r"[^\W_][\w-]*", reviewer) or reviewer.lower() in _RESERVED:
        raise AtelierError(
            f"nom d’évaluateur invalide : « {reviewer} » (lettres, chiffres, tirets et soulignés, "
            f"sans espace ; noms réservés : {', '.join(sorted(_RESERVED))})"
        )
    return reviewer


def _read_screening(path: Path) -> pd.DataFrame:
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (OSError, pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as error:
        raise InputError(path, f"fichier de tri illisible ({error})") from None
    missing = [c for c in SCREENING_COLUMNS if c not in table.columns]
    if missing:
        raise InputError(path, f"colonnes manquantes : {', '.join(missing)}", "ligne 1")
    for number, row in enumerate(table.itertuples(index=False), start=2):
        if row.decision not in DECISIONS:
            raise InputError(path, f"décision « {row.decision} » invalide (inclure ou exclure)", f"ligne {number}")
    return table[SCREENING_COLUMNS]


def record_screening(corpus: Corpus, reviewer: str, key: str, decision: str, reason: str = "") -> pd.DataFrame:
    """Record (or replace) ``reviewer``'s decision on the reference ``key``.

    ``decision`` is ``inclure`` or ``exclure``; excluding needs a ``reason``. The reviewer's
    file is rewritten atomically; the function returns its new content.
    """
    reviewer = _check_reviewer(reviewer)
    decision = (decision or "").strip().lower()
    reason = " ".join((reason or "").split())
    if decision not in DECISIONS:
        raise AtelierError(f"décision invalide : « {decision} » (choisir « inclure » ou « exclure »)")
    if decision == "exclure" and not reason:
        raise AtelierError(f"exclusion de « {key} » sans motif : indiquez pourquoi la référence est exclue")
    with _lock(corpus):
        known = {e["key"] for e in _library(corpus)}
        if key not in known:
            raise AtelierError(f"référence inconnue : « {key} » (voir references.bib de la revue de littérature)")
        path = screening_dir(corpus) / f"{reviewer}.csv"
        table = _read_screening(path) if path.exists() else pd.DataFrame(columns=SCREENING_COLUMNS, dtype=str)
        timestamp = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
        row = pd.DataFrame([{"key": key, "decision": decision, "reason": reason if decision == "exclure" else "",
                             "timestamp": timestamp}])
        table = pd.concat([table[table["key"] != key], row], ignore_index=True)
        atomic_write_bytes(path, spreadsheet_safe(table).to_csv(index=False, lineterminator="\n").encode("utf-8"))
    return table


def reviewers(corpus: Corpus) -> list[str]:
    """The reviewers who have screened references: one ``screening/<reviewer>.csv`` each."""
    return [name.removesuffix(".csv") for name in folder_names(screening_dir(corpus)) if name.endswith(".csv")]


def _screenings(corpus: Corpus) -> dict[str, pd.DataFrame]:
    folder = screening_dir(corpus)
    return {name: _read_screening(folder / f"{name}.csv") for name in reviewers(corpus)}


def screening_counts(corpus: Corpus) -> dict[str, int]:
    """How many references each reviewer has screened."""
    return {name: len(frame) for name, frame in _screenings(corpus).items()}


def screening_table(corpus: Corpus) -> pd.DataFrame:
    """One row per reference: each reviewer's decision, ``agreement``, ``final``, ``reason``.

    ``final`` is ``incluse`` if every reviewer includes, ``exclue`` if every reviewer
    excludes, ``non examinée`` if nobody has screened it yet and ``à discuter`` otherwise
    (disagreement, or a reviewer who has not decided yet). ``agreement`` is true when every
    reviewer has decided the same way. ``reason`` is the exclusion reason of an excluded
    reference (the one given most often, the reasons of all reviewers if they all differ).
    """
    refs = references(corpus)
    screenings = _screenings(corpus)
    table = refs[["key", "title"]].copy()
    for reviewer, frame in screenings.items():
        table[reviewer] = table["key"].map(dict(zip(frame["key"], frame["decision"]))).fillna("")
    reasons = {r: dict(zip(f["key"], f["reason"])) for r, f in screenings.items()}
    agreement, final, final_reason = [], [], []
    for _, row in table.iterrows():
        decisions = [row[r] for r in screenings]
        given = [d for d in decisions if d]
        agree = bool(decisions) and all(given) and len(given) == len(decisions) and len(set(given)) == 1
        agreement.append(agree)
        if not given:
            final.append(FINAL_PENDING)
        elif agree and given[0] == "inclure":
            final.append(FINAL_INCLUDED)
        elif agree:
            final.append(FINAL_EXCLUDED)
        else:
            final.append(FINAL_DISCUSS)
        if final[-1] == FINAL_EXCLUDED:
            given_reasons = [reasons[r].get(row["key"], "") for r in screenings]
            counts = pd.Series([g for g in given_reasons if g]).value_counts()
            if not counts.empty and counts.iloc[0] > 1 or len(counts) == 1:
                final_reason.append(sorted(counts[counts == counts.iloc[0]].index)[0])
            else:
                final_reason.append(" ; ".join(sorted(counts.index)))
        else:
            final_reason.append("")
    table["agreement"] = agreement
    table["final"] = final
    table["reason"] = final_reason
    return table


# --------------------------------------------------------------------------- PRISMA


def prisma_counts(corpus: Corpus) -> dict:
    """The counts of the PRISMA flow, recomputed from the literature folder.

    Keys: ``identified`` (references per import file), ``identified_total``,
    ``duplicates`` (removed), ``unique`` (references kept), ``screened`` (screened by at
    least one reviewer), ``not_screened``, ``excluded``, ``exclusion_reasons`` (reason →
    count), ``included`` and ``to_discuss``.
    """
    identified = {p.name: len(_entries_from_file(p, p.read_bytes())) for p in _import_files(corpus)}
    total = sum(identified.values())
    table = screening_table(corpus)
    unique = len(table)
    final = table["final"]
    excluded = table[final == FINAL_EXCLUDED]
    return {
        "identified": identified,
        "identified_total": total,
        "duplicates": total - unique,
        "unique": unique,
        "screened": int((final != FINAL_PENDING).sum()),
        "not_screened": int((final == FINAL_PENDING).sum()),
        "excluded": len(excluded),
        "exclusion_reasons": {str(k): int(v) for k, v in excluded["reason"].value_counts().sort_index().items()},
        "included": int((final == FINAL_INCLUDED).sum()),
        "to_discuss": int((final == FINAL_DISCUSS).sum()),
    }


def prisma_figure(counts: dict) -> Figure:
    """The PRISMA flow diagram (French labels) as a ``matplotlib.figure.Figure`` for print."""
    figure = Figure(figsize=(8.27, 7.5), dpi=200)
    ax = figure.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 100)
    ax.axis("off")

    def box(x, y, w, h, text, color):
        ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.6",
                                    linewidth=1.2, edgecolor="#333333", facecolor=color))
        ax.text(x, y, text, ha="center", va="center", fontsize=9, wrap=True)

    def arrow(start, end):
        ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=14, linewidth=1.2,
                                     color="#333333", shrinkA=0, shrinkB=0))

    per_file = "\n".join(f"{name} : {n}" for name, n in counts.get("identified", {}).items())
    identified = f"Références identifiées\n(n = {counts.get('identified_total', 0)})"
    if per_file:
        identified += "\n" + per_file
    reasons = counts.get("exclusion_reasons", {})
    excluded = f"Exclues (motifs)\n(n = {counts.get('excluded', 0)})"
    if reasons:
        excluded += "\n" + "\n".join(f"{reason} : {n}" for reason, n in reasons.items())
    left, right = 30, 76
    top_h = 4 + 2.6 * identified.count("\n")
    excl_h = 4 + 2.6 * excluded.count("\n")
    box(left, 86, 36, top_h, identified, "#dbe9f6")
    box(right, 86, 30, 8, f"Doublons retirés\n(n = {counts.get('duplicates', 0)})", "#f2f2f2")
    box(left, 50, 36, 8, f"Références examinées\n(n = {counts.get('screened', 0)})", "#dbe9f6")
    box(right, 50, 30, excl_h, excluded, "#fbe3d6")
    box(16, 14, 22, 8, f"Incluses\n(n = {counts.get('included', 0)})", "#d9f0d3")
    box(48, 14, 22, 8, f"À discuter\n(n = {counts.get('to_discuss', 0)})", "#fff2cc")
    arrow((left + 18.6, 86), (right - 15.6, 86))
    arrow((left, 86 - top_h / 2 - 0.6), (left, 54.6))
    arrow((left + 18.6, 50), (right - 15.6, 50))
    arrow((left, 45.4), (16, 18.6))
    arrow((left, 45.4), (48, 18.6))
    ax.text(50, 99, "Revue de littérature : diagramme de flux (PRISMA)", ha="center", va="top",
            fontsize=12, fontweight="bold")
    note = f"après retrait des doublons : {counts.get('unique', 0)}"
    if counts.get("not_screened"):
        note += f"\nnon encore examinées : {counts['not_screened']}"
    ax.text(left + 2, (86 - top_h / 2 + 54) / 2, note, ha="left", va="center", fontsize=8,
            style="italic", color="#555555")
    return figure


# --------------------------------------------------------------------------- corpus


def include_in_corpus(corpus: Corpus, keys: list[str] | None = None, private: bool = False) -> pd.DataFrame:
    """Ingest the included references (or ``keys``) as corpus documents, genre littérature.

    Their title, authors, year, abstract and notes become a text that can be coded like the
    rest. The references are written to a small temporary ``.bib`` and ingested with
    :func:`analysis.corpus.ingest.ingest`; calling again adds nothing already there. Returns one
    row per reference: ``key``, ``doc_id`` and ``status`` (``added`` or ``unchanged``).
    """
    from .ingest import IngestOptions, ingest

    library = _library(corpus)
    if keys is None:
        table = screening_table(corpus)
        chosen = set(table.loc[table["final"] == FINAL_INCLUDED, "key"])
    else:
        chosen = set(keys)
        unknown = sorted(chosen - {e["key"] for e in library})
        if unknown:
            raise AtelierError(f"référence(s) inconnue(s) : {', '.join(unknown)}")
    entries = [e for e in library if e["key"] in chosen]
    columns = ["key", "doc_id", "status"]
    if not entries:
        return pd.DataFrame(columns=columns, dtype=str)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / INCLUDED_BIB_NAME
        path.write_bytes(_bibtex(entries))
        report = ingest(corpus, [(path, IngestOptions(genre="littérature", private=private))])
    if report.failed:
        raise report.failed[0]
    documents = corpus.documents()
    by_key = dict(zip(documents.get("citation_key", pd.Series(dtype=str)), documents["doc_id"]))
    added = {row["citation_key"] for row in report.added}
    rows = [{"key": e["key"], "doc_id": by_key.get(e["key"], ""),
             "status": "added" if e["key"] in added else "unchanged"} for e in entries]
    return pd.DataFrame(rows, columns=columns)
