"""The corpus as files: ``documents.csv``, ``texts/``, ``sources/``, ``derived/``.

Reading is here; writing goes through :mod:`analysis.corpus.ingest`, the only module that adds
documents. Texts never change once written: a changed source gives a new version, a new
``doc_id`` that ``replaces`` the previous one.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import AtelierError, CorpusError
from ..fsio import atomic_write_bytes
from .metadata import CORE_COLUMNS, UNPUBLISHABLE_CONSENTS, canonical_consent
from .segment import UNITS, units

PACKAGE_CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _consent_or_unknown(value: str) -> str:
    try:
        return canonical_consent(value) if value.strip() else ""
    except AtelierError:
        return "unknown"


def publishable(documents: pd.DataFrame) -> pd.Series:
    """Whether each document may be published (quoted, listed, shown) in the book: not private,
    and its consent neither ``internal`` nor ``withdrawn``.

    The one rule of publication, used by every table, quotation and check of the book. A consent
    value that is not understood counts as a refusal; a document without a ``consent`` column or
    value is decided by ``private`` alone (``true``/``false`` strings, or booleans as in
    :meth:`Corpus.inventory`).
    """
    if documents.empty:
        return pd.Series(False, index=documents.index, dtype=bool, name="publishable")
    private = documents["private"] if "private" in documents.columns else pd.Series(False, index=documents.index)
    private = private.map(lambda value: value is True or str(value).strip().lower() == "true")
    consent = documents["consent"] if "consent" in documents.columns else pd.Series("", index=documents.index)
    refused = consent.fillna("").astype(str).map(_consent_or_unknown).isin(UNPUBLISHABLE_CONSENTS | {"unknown"})
    return (~private & ~refused).astype(bool).rename("publishable")


def default_root() -> Path:
    """``$ATELIER_CORPUS``, else ``./corpus`` if it exists, else the repository's corpus."""
    if os.environ.get("ATELIER_CORPUS"):
        return Path(os.environ["ATELIER_CORPUS"])
    local = Path.cwd() / "corpus"
    return local if (local / "documents.csv").exists() else PACKAGE_CORPUS


#: The last ``documents.csv`` parsed, per path, with the hash of its bytes: an annotator checks
#: every coding against it, and parsing it took half of an action's time on the kernel.
_DOCUMENT_TABLES: dict[Path, tuple[bytes, pd.DataFrame, dict[str, pd.Series]]] = {}


def _read_documents(path: Path) -> pd.DataFrame:
    """``documents.csv`` as strings (a copy: callers may change it)."""
    return _cached_documents(path)[1].copy()


def _cached_documents(path: Path) -> tuple[bytes, pd.DataFrame, dict[str, pd.Series]]:
    """``documents.csv`` and its rows by ``doc_id``, parsed again whenever its bytes change (a hash of
    the file, not its time: a hand edit within the same clock tick is seen too)."""
    data = path.read_bytes()
    stamp = hashlib.blake2b(data, digest_size=16).digest()
    cached = _DOCUMENT_TABLES.get(path)
    if cached is None or cached[0] != stamp:
        table = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8")
        missing = [c for c in ("doc_id", "text_sha256", "source") if c not in table.columns]
        if missing:
            raise CorpusError(f"{path} : colonnes manquantes : {', '.join(missing)}")
        by_id = {row["doc_id"]: row for _, row in table.iloc[::-1].iterrows()}  # the first row of an id wins
        cached = _DOCUMENT_TABLES[path] = (stamp, table, by_id)
    return cached


@dataclass(frozen=True)
class Corpus:
    root: Path

    @classmethod
    def open(cls, root: Path | str | None = None) -> "Corpus":
        return cls(Path(root) if root is not None else default_root())

    @property
    def documents_csv(self) -> Path:
        return self.root / "documents.csv"

    @property
    def cleaning_csv(self) -> Path:
        return self.root / "cleaning_report.csv"

    @property
    def cleaning_changes_csv(self) -> Path:
        """Each change of the OCR-noise cleaning rules, for review (``doc_id,rule,before,after,context``)."""
        return self.root / "cleaning_changes.csv"

    @property
    def texts_dir(self) -> Path:
        return self.root / "texts"

    @property
    def sources_dir(self) -> Path:
        return self.root / "sources"

    @property
    def inbox_dir(self) -> Path:
        return self.root / "inbox"

    @property
    def derived_dir(self) -> Path:
        return self.root / "derived"

    @property
    def codebook_path(self) -> Path:
        return self.root / "codebook.yaml"

    @property
    def persons_csv(self) -> Path:
        """Persons who must never be named in the book (see :func:`analysis.publication.privacy.read_persons`)."""
        return self.root / "persons.csv"

    @property
    def lock_path(self) -> Path:
        return self.root / ".atelier.lock"

    def text_path(self, doc_id: str) -> Path:
        return self.texts_dir / f"{doc_id}.txt"

    def documents(self, include_replaced: bool = False) -> pd.DataFrame:
        """One row per document, every value a string (``private`` as ``true``/``false``)."""
        if not self.documents_csv.exists():
            return pd.DataFrame(columns=CORE_COLUMNS, dtype=str)
        table = _read_documents(self.documents_csv)
        if include_replaced:
            return table
        replaced = set(table.get("replaces", pd.Series(dtype=str))) - {""}
        return table[~table["doc_id"].isin(replaced)].reset_index(drop=True)

    def document(self, doc_id: str) -> pd.Series:
        row = _cached_documents(self.documents_csv)[2].get(doc_id) if self.documents_csv.exists() else None
        if row is None:
            raise CorpusError(f"document inconnu : « {doc_id} » (voir « atelier corpus »)")
        return row.copy()

    def text(self, doc_id: str) -> str:
        """The normalised text; its hash is checked against ``documents.csv``."""
        return self._checked_text(self.document(doc_id))

    def texts(self, doc_ids) -> dict[str, str]:
        """``doc_id`` → text for several documents, ``documents.csv`` read once (hashes checked)."""
        table = self.documents(include_replaced=True).drop_duplicates("doc_id").set_index("doc_id", drop=False)
        unknown = [d for d in doc_ids if d not in table.index]
        if unknown:
            raise CorpusError(f"document inconnu : « {unknown[0]} » (voir « atelier corpus »)")
        return {doc_id: self._checked_text(table.loc[doc_id]) for doc_id in doc_ids}

    def _checked_text(self, row: pd.Series) -> str:
        doc_id = row["doc_id"]
        data = self.text_path(doc_id).read_bytes()
        if sha256(data) != row["text_sha256"]:
            raise CorpusError(
                f"{self.text_path(doc_id)} : le texte ne correspond plus à son empreinte "
                "text_sha256 de documents.csv (un texte ne doit jamais être modifié)"
            )
        return data.decode("utf-8")

    def publishable_documents(self, include_replaced: bool = False) -> pd.DataFrame:
        """The documents the book may publish (:func:`publishable`)."""
        table = self.documents(include_replaced=include_replaced)
        return table[publishable(table)].reset_index(drop=True)

    def inventory(self) -> pd.DataFrame:
        """The current documents with their size: the table of ``atelier corpus``; ``private``
        and ``publishable`` (:func:`publishable`) are booleans."""
        table = self.documents()
        texts = [self.text(doc_id) for doc_id in table["doc_id"]]
        table = table.assign(
            chars=[len(t) for t in texts],
            words=[len(t.split()) for t in texts],
            private=table["private"].eq("true"),
            publishable=publishable(table),
        )
        return table

    def units(self, unit: str = "segment", size: int = 40) -> pd.DataFrame:
        """Units of every current document, cached in ``derived/`` by text hash."""
        if unit not in UNITS:
            raise CorpusError(f"unité inconnue : « {unit} » (choisir parmi {', '.join(UNITS)})")
        cache_dir = self.derived_dir / "units" / (f"{unit}-{size}" if unit == "segment" else unit)
        frames = []
        for row in self.documents().itertuples():
            cached = cache_dir / f"{row.doc_id}-{row.text_sha256[:16]}.pkl"
            if cached.exists():
                frames.append(pd.read_pickle(cached))
                continue
            frame = units(row.doc_id, self.text(row.doc_id), unit, size)
            atomic_write_bytes(cached, pickle.dumps(frame))
            frames.append(frame)
        if not frames:
            return units("", "", unit, size)
        return pd.concat(frames, ignore_index=True)
