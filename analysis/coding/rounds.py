"""Blind coding rounds: ``corpus/rounds/<name>.yaml``.

A round names its documents and its coders. While it is open, each coder's annotator hides the
other coders' codings on those documents (:func:`blind`), so that the agreement measured at the
end is between independent codings. Closing it (once every coder has marked every document
finished) computes the agreement on them and writes, beside the round, the agreement table and
the list of disagreements for the reconciliation meeting. Rounds are small files in git: a team
can run them on branches and merge.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

import pandas as pd
import yaml

from ..errors import AtelierError
from ..fsio import atomic_write_text, folder_names
from .agreement import agreement, disagreements
from .queries import current_codings
from .store import CodingStore, check_coder

if TYPE_CHECKING:
    from ..corpus.store import Corpus

_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
ROUND_COLUMNS = ["name", "documents", "coders", "opened", "closed"]


def _path(corpus: "Corpus", name: str):
    if not _NAME.fullmatch(name or ""):
        raise AtelierError(f"nom de tour invalide : « {name} » (minuscules, chiffres et tirets)")
    return corpus.root / "rounds" / f"{name}.yaml"


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def read_round(corpus: "Corpus", name: str) -> dict:
    path = _path(corpus, name)
    if not path.exists():
        raise AtelierError(f"tour de codage inconnu : « {name} » (voir « atelier round »)")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise AtelierError(f"{path} : YAML invalide ({error})") from None
    if not isinstance(data, dict) or not all(isinstance(data.get(key), list) for key in ("documents", "coders")):
        raise AtelierError(f"{path} : un tour a une liste « documents » et une liste « coders »")
    return {"name": name, **data}


def rounds(corpus: "Corpus") -> pd.DataFrame:
    """Every round, open (``closed`` empty) or closed."""
    names = [name.removesuffix(".yaml") for name in folder_names(corpus.root / "rounds") if name.endswith(".yaml")]
    return pd.DataFrame([read_round(corpus, name) for name in names], columns=ROUND_COLUMNS).fillna("")


def open_round(corpus: "Corpus", name: str, documents: list[str], coders: list[str]) -> dict:
    """Open a blind round on ``documents`` for ``coders`` (at least two)."""
    path = _path(corpus, name)
    if path.exists():
        raise AtelierError(f"le tour « {name} » existe déjà ({path})")
    known = set(corpus.documents()["doc_id"])
    unknown = [doc_id for doc_id in documents if doc_id not in known]
    if unknown or not documents:
        raise AtelierError(f"documents inconnus : {', '.join(unknown)}" if unknown else "un tour porte sur au moins un document")
    coders = sorted(set(map(check_coder, coders)))
    if len(coders) < 2:
        raise AtelierError("un tour de codage en aveugle réunit au moins deux codeurs")
    data = {"documents": list(dict.fromkeys(documents)), "coders": coders, "opened": _now(), "closed": None}
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    return {"name": name, **data}


def blind(corpus: "Corpus", coder: str, doc_id: str) -> str:
    """The open round that hides the other coders' codings of ``doc_id`` from ``coder`` ("" if none)."""
    table = rounds(corpus)
    for row in table[table["closed"] == ""].itertuples():
        if coder in row.coders and doc_id in row.documents:
            return row.name
    return ""


def close_round(corpus: "Corpus", name: str, unit: str = "segment") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Close the round: its agreement and disagreements, also written as
    ``rounds/<name>-accord.csv`` and ``rounds/<name>-desaccords.csv``. Refused until every coder has
    marked every document finished."""
    data = read_round(corpus, name)
    if data.get("closed"):
        raise AtelierError(f"le tour « {name} » est déjà clos ({data['closed']})")
    finished = CodingStore.of(corpus).replay(data["coders"]).finished
    done = set(zip(finished["coder"], finished["doc_id"]))
    missing = [f"{doc_id} ({coder})" for doc_id in data["documents"] for coder in data["coders"] if (coder, doc_id) not in done]
    if missing:
        raise AtelierError(f"le tour « {name} » ne peut pas être clos : pas encore marqué terminé : {', '.join(missing)} "
                           "(« atelier done DOC_ID --coder NOM »)")
    codings = current_codings(corpus, data["coders"])
    codings = codings[codings["doc_id"].isin(data["documents"])]
    finished = finished[finished["doc_id"].isin(data["documents"])]
    table = agreement(corpus, codings, data["coders"], unit, finished=finished)
    differences = disagreements(corpus, codings, data["coders"], unit, finished=finished)
    folder = corpus.root / "rounds"
    atomic_write_text(folder / f"{name}-accord.csv", table.to_csv(index=False))
    atomic_write_text(folder / f"{name}-desaccords.csv", differences.to_csv(index=False))
    data["closed"] = _now()
    atomic_write_text(_path(corpus, name), yaml.safe_dump({k: v for k, v in data.items() if k != "name"},
                                                          allow_unicode=True, sort_keys=False))
    return table, differences
