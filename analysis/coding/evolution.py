"""The codebook changes while coding, and codings follow.

Creating, renaming, moving, merging, splitting, editing and retiring a code are events of the coder's log
(``corpus/codings/<coder>.jsonl``, beside the codings), and each one rewrites
``corpus/codebook.yaml`` in place (its comments, order and quoting kept) so that the file always
holds the current codebook, readable and reviewable in git.

A code has a stable ``id``: the path it was created with, written in the file as ``id:`` once
the path differs. Codings record the code's id with its path, so a renamed, moved or merged code
keeps its codings without rewriting anyone's log: :func:`resolve_codes` gives every coding the
current path of its code when the logs are replayed. Codings written before ids existed carry
only a path; they are resolved with the paths codes had at the time (the repath events say which
path each code had when).

Every change is refused, with a French message and nothing written, when the result would not be
a valid codebook; changes are serialised by one lock (beside the coders' logs), so two coders (two kernels, a
CLI) changing it at once lose neither change. Undo appends the inverse change, like for codings.
"""

from __future__ import annotations

import difflib
import uuid
from typing import TYPE_CHECKING

import pandas as pd

from ..errors import AtelierError
from ..fsio import locked
from .codebook import (
    NEUTRAL_COLOUR, add_codes, edit_codes, load_codebook, remove_codes, unknown_code, with_descendants,
)
from .autocode import matching_documents, text_matches
from .code_ids import id_paths
from .store import CodingStore, check_coder

if TYPE_CHECKING:
    from ..corpus.store import Corpus

#: The fields of a code that ``edit`` may change.
EDITABLE = ("label", "definition", "include", "exclude", "example", "colour")


def _locked(corpus: "Corpus"):
    """The lock that serialises the codebook's changes (beside the coders' logs)."""
    return locked(CodingStore.of(corpus).directory / ".atelier.lock")


def _code(codebook: pd.DataFrame, path: str) -> pd.Series:
    rows = codebook[codebook["path"] == path]
    if rows.empty:
        raise unknown_code(path, codebook["path"])
    return rows.iloc[0]


def _history_ids(store: CodingStore) -> set[str]:
    return {change[0] for event in store.code_history() for change in id_paths(event)}


def _new_id(path: str, taken: set[str]) -> str:
    return path if path not in taken else f"{path}-{uuid.uuid4().hex[:6]}"


def new_code(corpus: "Corpus", coder: str, path: str, label: str, colour: str = "", definition: str = "") -> dict:
    """Create the code ``path`` (its parent must exist); its colour defaults to its parent's."""
    check_coder(coder)
    store = CodingStore.of(corpus)
    with _locked(corpus):
        codebook = load_codebook(corpus.codebook_path)
        if path in set(codebook["path"]):
            raise AtelierError(f"le code « {path} » existe déjà")
        parent = path.rpartition("/")[0]
        if parent:
            colour = colour or _code(codebook, parent)["colour"]
        code_id = _new_id(path, set(codebook["id"]) | set(codebook["path"]) | _history_ids(store))
        entry = {"path": path, "label": label, "definition": definition, "colour": colour or NEUTRAL_COLOUR,
                 **({"id": code_id} if code_id != path else {})}
        return _commit(corpus, coder, {"event": "code-new", "code_id": code_id, "entry": entry},
                       lambda: add_codes(corpus.codebook_path, pd.DataFrame([entry])))


def _repath(corpus: "Corpus", coder: str, old: str, new: str) -> dict:
    codebook = load_codebook(corpus.codebook_path)
    paths = set(codebook["path"])
    if old not in paths:
        return _record_hand_rename(corpus, coder, codebook, old, new)
    if new in paths:
        raise AtelierError(f"le code « {new} » existe déjà : pour réunir deux codes, « atelier codebook merge {old} {new} »")
    if new == old or new.startswith(old + "/"):
        raise AtelierError(f"« {new} » ne peut pas être sous « {old} » lui-même")
    moved = codebook[codebook["path"].isin(with_descendants(old, codebook["path"]))]
    changes = [[row.id, row.path, new + row.path[len(old):]] for row in moved.itertuples()]
    return _commit(corpus, coder, {"event": "code-repath", "changes": changes},
                   lambda: edit_codes(corpus.codebook_path, {old_path: {"path": new_path, "id": code_id}
                                                             for code_id, old_path, new_path in changes}))


def _record_hand_rename(corpus: "Corpus", coder: str, codebook: pd.DataFrame, old: str, new: str) -> dict:
    """``old`` is gone from the file and ``new`` is there (renamed by hand): record it, so that the
    codings still on ``old`` follow ``new``."""
    if new not in set(codebook["path"]):
        raise AtelierError(f"code inconnu : « {old} » (ni « {new} » dans le livre de codes)")
    if old not in set(orphan_codes(corpus)["code"]):
        raise AtelierError(f"code inconnu : « {old} » (aucun codage ne le porte)")
    target = _code(codebook, new)
    return _commit(corpus, coder, {"event": "code-repath", "changes": [[target["id"], old, new]]}, None)


def rename_code(corpus: "Corpus", coder: str, old: str, new: str) -> dict:
    """Rename ``old`` (with its sub-codes): ``new`` is a whole path, or a last segment under the same parent.

    When ``old`` was already renamed by hand in the file, only the event is recorded, so that
    the codings still on ``old`` follow the code now called ``new``."""
    check_coder(coder)
    if "/" not in new and "/" in old:
        new = f"{old.rpartition('/')[0]}/{new}"
    with _locked(corpus):
        return _repath(corpus, coder, old, new)


def move_code(corpus: "Corpus", coder: str, code: str, parent: str) -> dict:
    """Move ``code`` (with its sub-codes) under ``parent`` (``""``: to the top level)."""
    check_coder(coder)
    with _locked(corpus):
        if parent:
            _code(load_codebook(corpus.codebook_path), parent)
        leaf = code.rpartition("/")[2]
        return _repath(corpus, coder, code, f"{parent}/{leaf}" if parent else leaf)


def merge_codes(corpus: "Corpus", coder: str, source: str, target: str) -> dict:
    """Merge ``source`` into ``target``: every coding of ``source`` now counts for ``target``;
    ``source`` leaves the file. A code with sub-codes must have them moved first."""
    check_coder(coder)
    with _locked(corpus):
        codebook = load_codebook(corpus.codebook_path)
        merged, kept = _code(codebook, source), _code(codebook, target)
        if source == target:
            raise AtelierError("un code ne peut pas être fusionné avec lui-même")
        children = [p for p in with_descendants(source, codebook["path"]) if p != source]
        if children:
            raise AtelierError(f"« {source} » a des sous-codes ({', '.join(children[:5])}) : déplacez-les "
                               "d’abord (« atelier codebook move ») ou fusionnez-les un à un")
        return _commit(corpus, coder, {"event": "code-merge", "code_id": merged["id"], "into": kept["id"],
                                       "entry": _entry(merged)},
                       lambda: remove_codes(corpus.codebook_path, [source]))


def split_candidates(corpus: "Corpus", code: str, keyword: str = "", regex: str = "",
                     where: dict[str, str] | None = None) -> pd.DataFrame:
    """The codings (every coder's) on ``code`` itself, optionally only those whose words contain
    ``keyword`` (accents and case ignored) or match ``regex``, in documents with the attributes
    ``where``: what :func:`split_code` would move."""
    _code(load_codebook(corpus.codebook_path), code)
    codings = CodingStore.of(corpus).replay().codings
    codings = codings[codings["code"] == code]
    if keyword or regex:
        codings = codings[[text_matches(text, keyword, regex) for text in codings["text"]]]
    if where:
        codings = codings[codings["doc_id"].isin(set(matching_documents(corpus, where, latest_only=False)))]
    return codings.sort_values(["doc_id", "start", "end", "coding_id"]).reset_index(drop=True)


def split_code(corpus: "Corpus", coder: str, source: str, new: str, coding_ids: list[str], label: str = "") -> dict:
    """Split ``source``: create ``new`` (a whole path, or a last segment under the same parent; under
    ``source`` itself is allowed) with ``source``'s colour, and move the codings ``coding_ids``
    (any coder's, on ``source``) to it, without rewriting anyone's log."""
    check_coder(coder)
    if "/" not in new and "/" in source:
        new = f"{source.rpartition('/')[0]}/{new}"
    with _locked(corpus):
        codebook = load_codebook(corpus.codebook_path)
        split = _code(codebook, source)
        if new in set(codebook["path"]):
            raise AtelierError(f"le code « {new} » existe déjà : pour y déplacer des codages, chaque codeur les recode")
        parent = new.rpartition("/")[0]
        if parent:
            _code(codebook, parent)
        if not coding_ids:
            raise AtelierError(f"aucun codage de « {source} » à déplacer vers « {new} »")
        store = CodingStore.of(corpus)
        on_source = set(store.replay().codings.query("code == @source")["coding_id"])
        strangers = [coding for coding in coding_ids if coding not in on_source]
        if strangers:
            raise AtelierError(f"le codage « {strangers[0]} » n’est pas un codage de « {source} »")
        code_id = _new_id(new, set(codebook["id"]) | set(codebook["path"]) | _history_ids(store))
        entry = {"path": new, "label": label or new.rpartition("/")[2], "colour": split["colour"],
                 **({"id": code_id} if code_id != new else {})}
        return _commit(corpus, coder, {"event": "code-split", "code_id": split["id"], "into": code_id, "entry": entry,
                                       "codings": sorted(set(coding_ids))},
                       lambda: add_codes(corpus.codebook_path, pd.DataFrame([entry])))


def retire_code(corpus: "Corpus", coder: str, code: str, retired: bool = True) -> dict:
    """Retire ``code`` (its codings are kept, it is offered no more for coding), or bring it back."""
    check_coder(coder)
    with _locked(corpus):
        entry = _code(load_codebook(corpus.codebook_path), code)
        if bool(entry["retired"]) == retired:
            raise AtelierError(f"le code « {code} » est déjà {'retiré' if retired else 'en usage'}")
        return _commit(corpus, coder, {"event": "code-retire", "code_id": entry["id"], "retired": retired},
                       lambda: edit_codes(corpus.codebook_path, {code: {"retired": retired or None}}))


def edit_code(corpus: "Corpus", coder: str, code: str, **fields: str) -> dict:
    """Change the label, definition, criteria, example or colour of ``code``."""
    check_coder(coder)
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise AtelierError(f"champ non modifiable : {', '.join(sorted(unknown))} (modifiables : {', '.join(EDITABLE)})")
    with _locked(corpus):
        entry = _code(load_codebook(corpus.codebook_path), code)
        before = {name: entry[name] for name in fields}
        return _commit(corpus, coder, {"event": "code-edit", "code_id": entry["id"], "before": before,
                                       "after": dict(fields)},
                       lambda: edit_codes(corpus.codebook_path, {code: {k: v or None for k, v in fields.items()}}))


def _entry(row: pd.Series) -> dict:
    return {name: row[name] for name in ("path", "label", "definition", "include", "exclude", "example",
                                         "colour", "id") if row[name]}


def _commit(corpus: "Corpus", coder: str, event: dict, write) -> dict:
    """Write the file (checked, atomic), then the event; called under the codebook's lock."""
    if write is not None:
        write()
    return CodingStore.of(corpus).append(coder, event)


# -- undo -------------------------------------------------------------------------------------

def reverse_change(corpus: "Corpus", coder: str, event: dict, mark: dict) -> dict:
    """Apply the inverse of the codebook change ``event``; the appended event carries ``mark``
    (``undoes`` or ``redoes``)."""
    kind = event["event"]
    with _locked(corpus):
        codebook = load_codebook(corpus.codebook_path)
        paths = dict(zip(codebook["id"], codebook["path"]))

        def path_of(code_id: str) -> str:
            if code_id not in paths:
                raise AtelierError(f"le code « {code_id} » n’est plus dans le livre de codes : ce changement ne "
                                   "peut plus être annulé")
            return paths[code_id]

        if kind == "code-new":
            path = paths.get(event["code_id"])
            used = path is not None and (CodingStore.of(corpus).replay().codings["code_id"] == event["code_id"]).any()
            if path is None or used:
                raise AtelierError(f"le code « {event['entry']['path']} » est utilisé par des codages ou a changé : "
                                   "il ne peut plus être annulé (retirez-le : « atelier codebook retire »)")
            inverse = {"event": "code-delete", "code_id": event["code_id"], "entry": event["entry"]}
            return _commit(corpus, coder, {**inverse, **mark}, lambda: remove_codes(corpus.codebook_path, [path]))
        if kind == "code-delete":
            entry = event["entry"]
            return _commit(corpus, coder, {"event": "code-new", "code_id": event["code_id"], "entry": entry, **mark},
                           lambda: add_codes(corpus.codebook_path, pd.DataFrame([entry])))
        if kind == "code-repath":
            changes = [[code_id, new, old] for code_id, old, new in event["changes"]]
            present = [change for change in changes if change[1] in set(codebook["path"])]
            return _commit(corpus, coder, {"event": "code-repath", "changes": changes, **mark},
                           (lambda: edit_codes(corpus.codebook_path, {new: {"path": old, "id": code_id}
                                                                      for code_id, new, old in present}))
                           if present else None)
        if kind == "code-merge":
            entry = event["entry"]
            return _commit(corpus, coder, {"event": "code-unmerge", "code_id": event["code_id"],
                                           "into": event["into"], "entry": entry, **mark},
                           lambda: add_codes(corpus.codebook_path, pd.DataFrame([entry])))
        if kind == "code-unmerge":
            path = path_of(event["code_id"])
            return _commit(corpus, coder, {"event": "code-merge", "code_id": event["code_id"], "into": event["into"],
                                           "entry": event["entry"], **mark},
                           lambda: remove_codes(corpus.codebook_path, [path]))
        if kind == "code-split":
            path = paths.get(event["into"])
            codings = CodingStore.of(corpus).replay().codings
            others = codings[(codings["code_id"] == event["into"]) & ~codings["coding_id"].isin(event["codings"])]
            if path is None or len(others):
                raise AtelierError(f"le code « {event['entry']['path']} » a reçu d’autres codages ou a quitté le livre "
                                   "de codes : la scission ne peut plus être annulée (fusionnez-le : « atelier codebook "
                                   "merge »)")
            return _commit(corpus, coder, {**_split_fields(event), "event": "code-unsplit", **mark},
                           lambda: remove_codes(corpus.codebook_path, [path]))
        if kind == "code-unsplit":
            entry = event["entry"]
            return _commit(corpus, coder, {**_split_fields(event), "event": "code-split", **mark},
                           lambda: add_codes(corpus.codebook_path, pd.DataFrame([entry])))
        if kind == "code-retire":
            retired = not event["retired"]
            return _commit(corpus, coder, {"event": "code-retire", "code_id": event["code_id"], "retired": retired,
                                           **mark},
                           lambda: edit_codes(corpus.codebook_path, {path_of(event["code_id"]): {"retired": retired or None}}))
        fields = event["before"]
        return _commit(corpus, coder, {"event": "code-edit", "code_id": event["code_id"], "before": event["after"],
                                       "after": fields, **mark},
                       lambda: edit_codes(corpus.codebook_path, {path_of(event["code_id"]): {k: v or None for k, v in fields.items()}}))


def _split_fields(event: dict) -> dict:
    """A split's fields (what its inverse repeats)."""
    return {name: event[name] for name in ("code_id", "into", "entry", "codings")}


# -- codings on codes the codebook no longer has ---------------------------------------------

def orphan_codes(corpus: "Corpus") -> pd.DataFrame:
    """The codes that codings are on but the codebook does not have (renamed or removed by hand
    in the file): ``code``, ``codings``, ``coders`` and ``fix``, the command that fixes it (the
    closest code of the file as the new name)."""
    codings = CodingStore.of(corpus).replay().codings
    codebook = load_codebook(corpus.codebook_path)
    lost = codings[~codings["code"].isin(set(codebook["path"]))]
    rows = []
    for code, group in lost.groupby("code", sort=True):
        close = difflib.get_close_matches(code, list(codebook["path"]), n=1, cutoff=0.5)
        new = close[0] if close else "NOUVEAU-CHEMIN"
        coder = sorted(group["coder"].unique())[0]
        rows.append({"code": code, "codings": len(group), "coders": ", ".join(sorted(group["coder"].unique())),
                     "fix": f"atelier codebook rename {code} {new} --coder {coder}"})
    return pd.DataFrame(rows, columns=["code", "codings", "coders", "fix"])
