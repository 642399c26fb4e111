"""``atelier ingest``: source files in, clean texts and metadata rows out, all or nothing.

The work is split in two phases. *Planning* reads and checks every file and decides every
write (new documents, new versions, unchanged files) without touching the corpus; any bad
file stops the command there unless ``keep_going`` is set. *Committing* writes the new
sources and texts (never over an existing file), then the cleaning report and
``documents.csv`` atomically, the latter last: until that rename, the corpus is as it was,
and the files already written are removed if anything fails.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from .clean import clean, clean_verbatim
from .store import Corpus, sha256
from ..errors import AtelierError, CorpusError, InputError, processing
from ..fsio import atomic_write_bytes, locked, spreadsheet_safe
from .metadata import (
    CONSENTS, CORE_COLUMNS, OCR_COLUMNS, PROVENANCE_COLUMNS, READER_COLUMNS, SETTABLE_COLUMNS, STANDARD_COLUMNS, canonical_consent,
    canonical_genre, canonical_level, check_doc_id, parse_bool, parse_consent_date, parse_date, slugify,
)
from .readers import ReadDocument, read_source
from ..textio import decode_text

DEFAULT_MAX_SIZE_MB = 50.0
HASH_AND_PLACE = {"doc_id", "source", "source_sha256", "text_sha256"}
MANIFEST_NAME = "manifest.csv"


@dataclass
class IngestOptions:
    """Defaults for the documents of a command; values read in a file win over them,
    except ``attrs``, which the user sets explicitly and which win over everything."""

    genre: str | None = None
    date: str | None = None
    private: bool = False
    attrs: dict[str, str] = field(default_factory=dict)
    doc_id: str | None = None
    #: The document this file is a new version of (otherwise only a file from the same path is).
    new_version_of: str | None = None
    max_size_mb: float = DEFAULT_MAX_SIZE_MB
    #: Keep the text exactly as it is (UTF-8, only CRLF→LF and NFC applied), with no format
    #: detection and no cleaning: for texts whose offsets are already known, as on import.
    verbatim: bool = False


@dataclass
class PlannedDocument:
    row: dict[str, str]
    text: str
    cleaning: dict[str, int]
    #: Each change of the word-level (OCR-noise) rules: ``(rule, before, after, context)``.
    changes: list[tuple[str, str, str, str]] = field(default_factory=list)


@dataclass
class PlannedFile:
    path: Path
    source: str
    source_bytes: bytes | None  # None when the file already lies in sources/
    documents: list[PlannedDocument]
    unchanged: list[str]


@dataclass
class IngestReport:
    added: list[dict[str, str]] = field(default_factory=list)
    unchanged: list[tuple[Path, str]] = field(default_factory=list)
    failed: list[AtelierError] = field(default_factory=list)
    #: Files whose bytes now lie in ``sources/`` (added or already there).
    stored: list[Path] = field(default_factory=list)
    #: Files given more than once in the command (taken once).
    repeated: list[Path] = field(default_factory=list)
    #: Texts no document listed, left by an interrupted ingestion and removed first.
    orphans: list[Path] = field(default_factory=list)
    #: ``(file, doc_id given, doc_id taken by an unrelated document)``: same name, other file.
    renamed: list[tuple[Path, str, str]] = field(default_factory=list)
    #: Changes of the OCR-noise cleaning rules listed for review, by document added.
    changes: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failed


def parse_attrs(pairs: list[str]) -> dict[str, str]:
    """``["territory=Nantes", "level=commune"]`` → a dict; refuses malformed pairs."""
    attrs = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            raise AtelierError(f"attribut invalide : « {pair} » (attendu : clé=valeur, clé sans espace ni accent)")
        if key in (set(CORE_COLUMNS) - SETTABLE_COLUMNS) | READER_COLUMNS:
            raise AtelierError(f"l’attribut « {key} » est calculé par l’atelier et ne peut pas être fixé")
        attrs[key] = value.strip()
    return attrs


def _metadata_row(read_metadata: dict[str, str], title: str, options: IngestOptions) -> dict[str, str]:
    values = {"genre": options.genre or "", "date": options.date or ""}
    values.update({k: v for k, v in read_metadata.items() if v})
    values.update(options.attrs)
    row = {column: "" for column in STANDARD_COLUMNS}
    row.update({k: v for k, v in values.items() if k not in ("encoding",)})
    row["title"] = values.get("title") or title
    row["genre"] = canonical_genre(row["genre"] or "document")
    if row["date"]:
        row["date"], row["year"] = parse_date(row["date"])
    if row["level"]:
        row["level"] = canonical_level(row["level"])
    if row["consent"]:
        row["consent"] = canonical_consent(row["consent"])
    if row["consent_date"]:
        row["consent_date"] = parse_consent_date(row["consent_date"])
    row["language"] = row["language"] or "fr"
    explicit_private = options.attrs.get("private")
    if explicit_private is not None:
        private = parse_bool(explicit_private)
    else:
        # Privacy by default: a document is private if the file, the command or its genre says so.
        private = (
            options.private
            or parse_bool(read_metadata.get("private", "false"))
            or row["genre"] == "entretien"
        )
    row["private"] = "true" if private else "false"
    return row


def _family(table: pd.DataFrame, base: str) -> pd.DataFrame:
    """The document ``base`` and its later versions (``base-v2``… that replace another)."""
    pattern = re.compile(rf"{re.escape(base)}-v\d+")
    versions = table["doc_id"].map(lambda d: bool(pattern.fullmatch(d))) & table["replaces"].ne("")
    return table[table["doc_id"].eq(base) | versions]


def _inherit(row: dict[str, str], previous: pd.Series) -> None:
    """A new version keeps what researchers recorded on the previous one, and its privacy."""
    for column, value in previous.items():
        if column in OCR_COLUMNS:
            continue  # how a version was read is its own
        if column not in PROVENANCE_COLUMNS and column not in HASH_AND_PLACE and not row.get(column):
            row[column] = value
    if previous.get("private") == "true":
        row["private"] = "true"


def _source_path(corpus: Corpus, path: Path) -> str:
    """Where a file was ingested from: relative to the repository when it lies inside it."""
    resolved, repository = path.resolve(), corpus.root.resolve().parent
    return resolved.relative_to(repository).as_posix() if resolved.is_relative_to(repository) else str(resolved)


def _latest(table: pd.DataFrame, family: pd.DataFrame) -> pd.Series:
    replaced = set(table["replaces"]) if "replaces" in table else set()
    current = family[~family["doc_id"].isin(replaced)]
    return (current if not current.empty else family).iloc[-1]


def _source_destination(corpus: Corpus, path: Path, data: bytes, taken: set[str]) -> tuple[str, bool]:
    """Where the source lies under ``sources/`` and whether it must be copied there."""
    sources = corpus.sources_dir.resolve()
    resolved = path.resolve()
    if resolved.parent == sources or sources in resolved.parents:
        return resolved.relative_to(sources).as_posix(), False
    stem, suffix = path.stem, path.suffix
    for n in range(1, 10_000):
        name = path.name if n == 1 else f"{stem}-{n}{suffix}"
        existing = corpus.sources_dir / name
        if name in taken:
            continue
        if not existing.exists():
            return name, True
        if sha256(existing.read_bytes()) == sha256(data):
            return name, False
    raise CorpusError(f"trop de fichiers sources nommés « {path.name} »")


def _plan_file(
    corpus: Corpus, path: Path, options: IngestOptions, table: pd.DataFrame,
    planned_ids: dict[str, Path], taken_sources: set[str], now: str, renamed: list,
) -> PlannedFile:
    if options.doc_id:
        check_doc_id(options.doc_id)
    if options.new_version_of and not (table["doc_id"] == options.new_version_of).any():
        raise InputError(path, f"--new-version-of : document inconnu « {options.new_version_of} »")
    if not path.exists():
        raise InputError(path, "fichier introuvable")
    if path.is_dir():
        raise InputError(path, "c’est un dossier : indiquez les fichiers à ingérer (par exemple dossier/*)")
    size = path.stat().st_size
    if size == 0:
        raise InputError(path, "fichier vide")
    if size > options.max_size_mb * 1024 * 1024:
        raise InputError(
            path, f"fichier trop volumineux ({size / 1024 / 1024:.1f} Mo, limite {options.max_size_mb:g} Mo ; "
            "voir --max-size)"
        )
    data = path.read_bytes()
    source_sha = sha256(data)
    known = table[table["source_sha256"] == source_sha]
    if not known.empty:
        return PlannedFile(path, known.iloc[0]["source"], None, [], list(known["doc_id"]))
    if options.verbatim:
        format_name, read_documents = "texte", [ReadDocument(text=decode_text(path, data)[0], title=path.stem)]
    else:
        format_name, read_documents = read_source(path, data)
    if options.doc_id and len(read_documents) > 1:
        raise InputError(path, f"--doc-id impossible : le fichier contient {len(read_documents)} documents")
    source, must_copy = _source_destination(corpus, path, data, taken_sources)
    source_path = _source_path(corpus, path)
    planned = PlannedFile(path, source, data if must_copy else None, [], [])
    for document in read_documents:
        changes: list[tuple[str, str, str, str]] = []
        text, cleaning = clean_verbatim(document.text) if options.verbatim else clean(document.text, changes)
        if not text.strip():
            continue
        try:
            row = _metadata_row(document.metadata, document.title, options)
        except AtelierError as error:
            raise InputError(path, str(error)) from None
        base = options.doc_id or document.doc_id_hint or slugify(
            document.title if document.part is not None else path.stem
        )
        if options.new_version_of:
            base = _versions(table, options.new_version_of)[0]
        check_doc_id(base)
        if document.part is not None and base in planned_ids and planned_ids[base] == path:
            base = f"{base}-{document.part}"
        text_sha = sha256(text.encode("utf-8"))
        family = _family(table, base) if not table.empty else table
        doc_id, version, replaces = base, 1, ""
        if not family.empty:
            latest = _latest(table, family)
            same_lineage = bool(options.new_version_of) or latest.get("source_path", "") == source_path or bool(
                document.doc_id_hint and latest.get("citation_key", "") == document.metadata.get("citation_key")
            )
            if not same_lineage:
                if options.doc_id:
                    raise InputError(
                        path,
                        f"identifiant « {base} » déjà pris par un document issu de « {latest.get('original_name') or latest['source']} » : "
                        f"choisissez un autre identifiant, ou --new-version-of {latest['doc_id']} pour en faire une nouvelle version",
                    )
                taken, number = base, 2
                while f"{taken}-{number}" in set(table["doc_id"]) | set(planned_ids):
                    number += 1
                doc_id = base = f"{taken}-{number}"
                renamed.append((path, base, latest["doc_id"]))
                family = table.iloc[0:0]
        if not family.empty:
            if latest["text_sha256"] == text_sha:
                planned.unchanged.append(latest["doc_id"])
                continue
            version = int(latest.get("version") or 1) + 1
            doc_id, replaces = f"{base}-v{version}", latest["doc_id"]
            _inherit(row, latest)
        if doc_id in planned_ids:
            raise InputError(
                path, f"identifiant « {doc_id} » en double avec « {planned_ids[doc_id]} » dans la même commande : "
                "choisissez un autre identifiant avec --doc-id"
            )
        planned_ids[doc_id] = path
        row.update({
            "doc_id": doc_id, "source": source, "source_sha256": source_sha, "text_sha256": text_sha,
            "original_name": path.name, "source_path": source_path, "part": "" if document.part is None else str(document.part),
            "format": format_name, "version": str(version), "replaces": replaces, "ingested_at": now,
        })
        planned.documents.append(PlannedDocument(row, text, cleaning, changes))
    taken_sources.add(source)
    return planned


def read_manifest(manifest: Path) -> list[tuple[Path, IngestOptions]]:
    """Rows of a manifest CSV: a ``fichier`` column (relative to the manifest) and metadata."""
    try:
        table = pd.read_csv(manifest, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as error:
        raise InputError(manifest, f"manifeste illisible ({error})") from None
    column = "fichier" if "fichier" in table.columns else "file" if "file" in table.columns else None
    if column is None:
        raise InputError(manifest, "le manifeste doit avoir une colonne « fichier »", "ligne 1")
    entries = []
    for number, row in enumerate(table.to_dict("records"), start=2):
        try:
            attrs = {k: v for k, v in row.items() if k not in (column, "genre", "date", "private") and v}
            options = IngestOptions(
                genre=row.get("genre") or None, date=row.get("date") or None,
                private=parse_bool(row.get("private", "") or "false"), attrs=parse_attrs([f"{k}={v}" for k, v in attrs.items()]),
            )
        except AtelierError as error:
            raise InputError(manifest, str(error), f"ligne {number}") from None
        path = manifest.parent / row[column]
        if not _inside(path, manifest.parent):
            raise InputError(manifest, f"« {row[column]} » mène hors du dossier du manifeste ({manifest.parent}) : "
                             "un manifeste ne liste que des fichiers de son dossier", f"ligne {number}")
        entries.append((path, options))
    return entries


def _inside(path: Path, folder: Path) -> bool:
    """Whether ``path``, links followed, is inside ``folder``."""
    return path.resolve().is_relative_to(folder.resolve())


def inbox_files(corpus: Corpus, listed: set[Path]) -> list[Path]:
    """The files waiting in ``corpus/inbox/`` (but its manifest, README and those the manifest
    lists). A symbolic link there is refused: it could bring any file of the machine into the
    corpus as a public document."""
    inbox = corpus.inbox_dir
    links = [path for path in sorted(inbox.glob("*")) if path.is_symlink()]
    if links:
        raise InputError(links[0], f"lien symbolique refusé dans inbox/ (il mène à {links[0].resolve()}) : "
                         "placez dans inbox/ le fichier lui-même")
    return [path for path in sorted(inbox.glob("*"))
            if path.is_file() and path.name not in (MANIFEST_NAME, "README.md")
            and not path.name.startswith(".") and path.resolve() not in listed]


def files_to_ingest(corpus: Corpus, paths: list[Path], manifest: Path | None,
                    defaults: IngestOptions) -> tuple[list[tuple[Path, IngestOptions]], bool]:
    """The files an ``atelier ingest`` names, each with its options, and whether they come from the inbox.

    Without paths or manifest, the files waiting in ``inbox/`` and the rows of its manifest that
    are still there. A manifest row's own metadata wins over ``defaults``; its attributes are
    added to theirs. A symbolic link given by name is followed (it is the user's own choice).
    """
    files = [(path.resolve() if path.is_symlink() else path, defaults) for path in paths]
    from_inbox = not paths and not manifest
    if from_inbox:
        inbox_manifest = corpus.inbox_dir / MANIFEST_NAME
        manifest = inbox_manifest if inbox_manifest.exists() else None
        listed = {path.resolve() for path, _ in read_manifest(manifest)} if manifest else set()
        files = [(path, defaults) for path in inbox_files(corpus, listed)]
    if manifest:
        for path, options in read_manifest(manifest):
            if from_inbox and not path.exists():
                continue  # ingested earlier, then removed from the inbox
            options.max_size_mb = defaults.max_size_mb
            options.genre = options.genre or defaults.genre
            options.date = options.date or defaults.date
            options.private = options.private or defaults.private
            options.attrs = {**defaults.attrs, **options.attrs}
            files.append((path, options))
    return files, from_inbox


def remove_orphan_texts(corpus: Corpus) -> list[Path]:
    """Delete the files of ``texts/`` that no row of ``documents.csv`` lists (left by an ingestion
    killed between writing its texts and the table) and return them. The caller holds the lock."""
    if not corpus.texts_dir.exists():
        return []
    listed = set(corpus.documents(include_replaced=True)["doc_id"]) if corpus.documents_csv.exists() else set()
    orphans = [path for path in sorted(corpus.texts_dir.glob("*.txt")) if path.stem not in listed]
    for path in orphans:
        path.unlink()
    return orphans


def ingest(
    corpus: Corpus, files: list[tuple[Path, IngestOptions]], keep_going: bool = False,
    progress: bool | None = None,
) -> IngestReport:
    """Ingest ``(path, options)`` pairs into ``corpus``; see the module docstring."""
    report = IngestReport()
    corpus.root.mkdir(parents=True, exist_ok=True)
    with locked(corpus.lock_path):
        report.orphans = remove_orphan_texts(corpus)
        table = corpus.documents(include_replaced=True)
        for column in CORE_COLUMNS:
            if column not in table.columns:
                table[column] = ""
        now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
        planned_ids: dict[str, Path] = {}
        taken_sources: set[str] = set()
        plans: list[PlannedFile] = []
        seen_sources: set[str] = set()
        quiet = len(files) < 2 if progress is None else not progress
        given: set[Path] = set()
        for path, options in tqdm(files, desc="Ingestion", unit="fichier", disable=quiet or None, file=sys.stderr):
            if path.resolve() in given:
                report.repeated.append(path)
                continue
            given.add(path.resolve())
            try:
                with processing(path):
                    plan = _plan_file(corpus, path, options, table, planned_ids, taken_sources, now, report.renamed)
            except AtelierError as error:
                report.failed.append(error)
                continue
            if plan.documents and plan.documents[0].row["source_sha256"] in seen_sources:
                report.unchanged.append((path, "identique à un autre fichier de la commande"))
            else:
                plans.extend([plan] if plan.documents else [])
                seen_sources.update(doc.row["source_sha256"] for doc in plan.documents)
                report.unchanged.extend((path, doc_id) for doc_id in plan.unchanged)
            report.stored.append(path)
        if report.failed and not keep_going:
            report.stored.clear()
            return report
        new_documents = [doc for plan in plans for doc in plan.documents]
        if new_documents:
            _commit(corpus, table, plans)
            report.added = [doc.row for doc in new_documents]
            report.changes = {doc.row["doc_id"]: len(doc.changes) for doc in new_documents if doc.changes}
    return report


def _commit(corpus: Corpus, table: pd.DataFrame, plans: list[PlannedFile]) -> None:
    written: list[Path] = []
    previous_cleaning = corpus.cleaning_csv.read_bytes() if corpus.cleaning_csv.exists() else None
    previous_changes = corpus.cleaning_changes_csv.read_bytes() if corpus.cleaning_changes_csv.exists() else None
    try:
        for plan in plans:
            if plan.source_bytes is not None and plan.documents:
                destination = corpus.sources_dir / plan.source
                atomic_write_bytes(destination, plan.source_bytes)
                written.append(destination)
            for document in plan.documents:
                destination = corpus.text_path(document.row["doc_id"])
                data = document.text.encode("utf-8")
                if destination.exists():
                    if destination.read_bytes() == data:
                        continue
                    raise CorpusError(
                        f"{destination} existe déjà avec un autre texte sans ligne dans documents.csv : "
                        "retirez ce fichier orphelin ou choisissez un autre identifiant"
                    )
                atomic_write_bytes(destination, data)
                written.append(destination)
        documents = [doc for plan in plans for doc in plan.documents]
        cleaning = pd.DataFrame(
            [{"doc_id": d.row["doc_id"], "rule": rule, "count": count}
             for d in documents for rule, count in d.cleaning.items() if count]
        , columns=["doc_id", "rule", "count"])
        if previous_cleaning is not None:
            cleaning = pd.concat([pd.read_csv(corpus.cleaning_csv, dtype={"doc_id": str, "rule": str}), cleaning])
        atomic_write_bytes(corpus.cleaning_csv, cleaning.to_csv(index=False, lineterminator="\n").encode("utf-8"))
        changes = pd.DataFrame(
            [{"doc_id": d.row["doc_id"], "rule": rule, "before": before, "after": after, "context": context}
             for d in documents for rule, before, after, context in d.changes],
            columns=["doc_id", "rule", "before", "after", "context"], dtype=str)
        if previous_changes is not None:
            changes = pd.concat([pd.read_csv(corpus.cleaning_changes_csv, dtype=str, keep_default_na=False), changes])
        if not changes.empty:
            data = spreadsheet_safe(changes).to_csv(index=False, lineterminator="\n").encode("utf-8")
            atomic_write_bytes(corpus.cleaning_changes_csv, data)
        rows = pd.DataFrame([d.row for d in documents], dtype=str)
        write_documents_table(corpus, pd.concat([table, rows], ignore_index=True))
    except BaseException:
        for path in written:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        for path, previous in ((corpus.cleaning_csv, previous_cleaning), (corpus.cleaning_changes_csv, previous_changes)):
            if previous is None:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
            else:
                atomic_write_bytes(path, previous)
        raise


def write_documents_table(corpus: Corpus, table: pd.DataFrame) -> None:
    """Write ``documents.csv`` atomically: the standard and provenance columns in their order,
    then the extra attribute columns in the order they already have. The caller holds the lock."""
    table = table.fillna("")
    for column in CORE_COLUMNS:
        if column not in table.columns:
            table[column] = ""
    extra = [c for c in table.columns if c not in CORE_COLUMNS]
    data = spreadsheet_safe(table[CORE_COLUMNS + extra]).to_csv(index=False, lineterminator="\n").encode("utf-8")
    atomic_write_bytes(corpus.documents_csv, data)


def _versions(table: pd.DataFrame, doc_id: str) -> list[str]:
    """``doc_id`` and every version of the same document: those it replaces and those that
    replace it, in the order of ``documents.csv``."""
    replaces = dict(zip(table["doc_id"], table["replaces"])) if "replaces" in table.columns else {}
    lineage, changed = {doc_id}, True
    while changed:
        changed = False
        for document, previous in replaces.items():
            linked = (document in lineage) != (previous in lineage) and previous
            if linked:
                lineage.update((document, previous))
                changed = True
    return [d for d in table["doc_id"] if d in lineage]


def set_consent(corpus: Corpus, doc_id: str, consent: str, date: str | None = None) -> list[str]:
    """Record the consent of ``doc_id`` (and of its other versions, which hold the same words):
    ``pseudonym``, ``internal`` or ``withdrawn`` (French aliases accepted), dated ``date``
    (``AAAA-MM-JJ``, today by default). Rewrites ``documents.csv`` atomically under the corpus
    lock, changing only those cells; returns the ``doc_id`` of the documents changed."""
    consent = canonical_consent(consent)
    date = parse_consent_date(date) if date else dt.date.today().isoformat()
    with locked(corpus.lock_path):
        table = corpus.documents(include_replaced=True)
        if not (table["doc_id"] == doc_id).any():
            raise CorpusError(f"document inconnu : « {doc_id} » (voir « atelier corpus »)")
        for column in ("consent", "consent_date"):
            if column not in table.columns:
                table[column] = ""
        versions = _versions(table, doc_id)
        rows = table["doc_id"].isin(versions)
        table.loc[rows, "consent"] = consent
        table.loc[rows, "consent_date"] = date
        write_documents_table(corpus, table)
    return versions


def consent_label(consent: str) -> str:
    """The French words for a stored consent value."""
    return CONSENTS[consent][0]
