"""Codings as per-coder, append-only event logs: ``corpus/codings/<coder>.jsonl``.

Each line is one event, ``add``, ``remove``, ``update`` or ``memo`` (and ``done``, ``reopen``,
``reject`` for a suggested segment the coder refused, and the codebook's changes of
:mod:`analysis.coding.evolution`), with its own ``id``, a timestamp
and the coder. A coding names its code by path and by stable id; the replay gives it its code's
current path (:func:`analysis.coding.code_ids.resolve_codes`).

The current state is the replay of the events, so every change is
auditable; undo and redo append the inverse event (marked ``undoes`` or ``redoes``) rather
than erasing anything. A coder writes only their own file, so researchers never conflict in git.

Appends hold an exclusive lock, write one whole line, flush and fsync, so two kernels, a CLI
and a notebook writing the same file lose nothing. A last line torn by a crash is reported
when reading and, before the next append, moved to ``<coder>.torn.jsonl`` so that no earlier
event is lost and the log stays one event per line.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ..errors import AtelierError
from ..fsio import folder_names
from .anchoring import check_span
from .code_ids import CODE_EVENT_KINDS, resolve_codes
from .codebook import CodebookError, code_id_of, current_codes, known_code

if TYPE_CHECKING:
    from ..corpus.store import Corpus

EVENT_KINDS = ("add", "remove", "update", "memo", "done", "reopen", "reject", *CODE_EVENT_KINDS)
MEMO_TARGETS = ("document", "code", "coding")
CODING_FIELDS = ["doc_id", "text_sha256", "start", "end", "code", "code_id", "text", "memo", "auto"]
CODING_COLUMNS = ["coding_id", "coder", *CODING_FIELDS, "created", "updated"]
MEMO_COLUMNS = ["target", "ref", "coder", "memo", "updated"]
FINISHED_COLUMNS = ["coder", "doc_id", "updated"]
REJECTION_COLUMNS = ["coder", "doc_id", "start", "end", "code", "code_id", "updated"]
_CODER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")

# The one schema of the events: the fields each kind requires, and the type of every field.
_REQUIRED = {"add": ("coding", "doc_id", "text_sha256", "start", "end", "code", "text"),
             "remove": ("coding",), "update": ("coding",), "memo": ("target", "ref", "memo"),
             "done": ("doc_id",), "reopen": ("doc_id",), "reject": ("doc_id", "start", "end", "code", "rejected"),
             "code-new": ("code_id", "entry"), "code-delete": ("code_id", "entry"), "code-repath": ("changes",),
             "code-merge": ("code_id", "into", "entry"), "code-unmerge": ("code_id", "into", "entry"),
             "code-split": ("code_id", "into", "entry", "codings"), "code-unsplit": ("code_id", "into", "entry", "codings"),
             "code-retire": ("code_id", "retired"), "code-edit": ("code_id", "before", "after")}
_TYPES = {"id": str, "ts": str, "coder": str, "coding": str, "doc_id": str, "text_sha256": str, "start": int,
          "end": int, "code": str, "code_id": str, "text": str, "memo": str, "auto": str, "target": str, "ref": str,
          "undoes": str, "redoes": str, "into": str, "entry": dict, "before": dict, "after": dict,
          "changes": list, "codings": list, "retired": bool}
_EXPECTED = {int: "un entier", str: "un texte", dict: "une table", list: "une liste", bool: "true ou false"}


def event_problem(event) -> str | None:
    """What makes a parsed log line not an event (French), or ``None`` for a valid event."""
    if not isinstance(event, dict) or event.get("event") not in EVENT_KINDS:
        return "événement inconnu"
    missing = [name for name in ("id", "ts", "coder", *_REQUIRED[event["event"]]) if name not in event]
    if missing:
        return f"événement « {event['event']} » incomplet (champ « {missing[0]} » manquant)"
    for name, kind in _TYPES.items():
        value = event.get(name)
        if value is not None and (not isinstance(value, kind) or (kind is not bool and isinstance(value, bool))):
            return f"champ « {name} » : {_EXPECTED[kind]} est attendu, pas {json.dumps(value, ensure_ascii=False)}"
    if event["event"] == "code-repath" and not all(
            isinstance(change, list) and len(change) == 3 and all(isinstance(part, str) for part in change)
            for change in event["changes"]):
        return "champ « changes » : une liste de [identifiant, ancien chemin, nouveau chemin] est attendue"
    if "codings" in event and not all(isinstance(coding, str) for coding in event["codings"]):
        return "champ « codings » : une liste d’identifiants de codages est attendue"
    if "start" in event and "end" in event and not 0 <= event["start"] <= event["end"]:
        return f"positions {event['start']}–{event['end']} impossibles"
    if event["event"] == "memo" and event["target"] not in MEMO_TARGETS:
        return f"cible de mémo inconnue « {event['target']} »"
    return None


def check_coder(coder: str) -> str:
    if not _CODER.fullmatch(coder or ""):
        raise AtelierError(
            f"nom de codeur invalide : « {coder} » (lettres, chiffres, point, tiret ; sans espace ni accent)"
        )
    if coder.endswith(".torn"):  # <coder>.torn.jsonl holds the torn lines of <coder>'s log
        raise AtelierError(f"nom de codeur invalide : « {coder} » (le suffixe « .torn » est réservé)")
    return coder


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class LogProblem:
    coder: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"codings/{self.coder}.jsonl, ligne {self.line} : {self.message}"


@dataclass
class Replay:
    """The state after replaying events: current codings and memos, and what was wrong."""

    codings: pd.DataFrame
    memos: pd.DataFrame
    problems: list[LogProblem]
    #: The documents each coder has marked as finished (``done`` events not reopened since).
    finished: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=FINISHED_COLUMNS))
    #: The suggested segments each coder rejected for a code (not proposed again; counted as
    #: examples of what the code is not), on the code's current path.
    rejections: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REJECTION_COLUMNS))


@dataclass(frozen=True)
class CodingStore:
    """The coders' logs in ``directory``.

    A store opened on a corpus (:meth:`of`) checks every coding it writes against the corpus:
    :meth:`check_coding` is the one rule of a valid coding, whoever writes it (the CLI, the
    annotator, an accepted suggestion, an import). A bare store only keeps the logs.
    """

    directory: Path
    corpus: "Corpus | None" = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, corpus: "Corpus") -> "CodingStore":
        """The logs of a corpus (``corpus/codings/``), checking codings against its texts and codebook."""
        return cls(corpus.root / "codings", corpus)

    def path(self, coder: str) -> Path:
        return self.directory / f"{check_coder(coder)}.jsonl"

    def coders(self) -> list[str]:
        return [name.removesuffix(".jsonl") for name in folder_names(self.directory)
                if name.endswith(".jsonl") and not name.endswith(".torn.jsonl")]

    # -- writing ---------------------------------------------------------------------------

    def append(self, coder: str, event: dict) -> dict:
        """Append one event (``id``, ``ts`` and ``coder`` are filled in) and return it."""
        if event.get("event") not in EVENT_KINDS:
            raise ValueError(f"unknown event kind {event.get('event')!r}")
        event = {"id": uuid.uuid4().hex, "ts": _now(), "coder": check_coder(coder), **event}
        line = (json.dumps(event, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.path(coder)
        with open(path, "a+b") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                self._set_aside_torn_tail(handle, path)
                os.write(handle.fileno(), line)
                handle.flush()
                os.fsync(handle.fileno())
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        return event

    @staticmethod
    def _set_aside_torn_tail(handle, path: Path) -> None:
        size = handle.seek(0, os.SEEK_END)
        if size == 0:
            return
        handle.seek(size - 1)
        if handle.read(1) == b"\n":
            return
        handle.seek(0)
        content = handle.read()
        keep = content.rfind(b"\n") + 1
        torn = path.with_name(path.stem + ".torn.jsonl")
        with open(torn, "ab") as side:
            side.write(content[keep:] + b"\n")
            side.flush()
            os.fsync(side.fileno())
        handle.truncate(keep)
        handle.seek(0, os.SEEK_END)

    # -- reading ---------------------------------------------------------------------------

    def events(self, coder: str) -> tuple[list[dict], list[LogProblem]]:
        """The events of one coder in file order, and the lines that could not be read."""
        path = self.path(coder)
        if not path.exists():
            return [], []
        data = path.read_bytes()
        lines = data.split(b"\n")
        complete = data.endswith(b"\n")
        events, problems = [], []
        for number, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            last = number == len(lines)
            try:
                event = json.loads(raw)
                problem = event_problem(event)
                if problem:
                    raise ValueError(problem)
            except (ValueError, UnicodeDecodeError) as error:
                if last and not complete:
                    problems.append(LogProblem(coder, number, "dernière ligne incomplète (écriture interrompue) : "
                                               "mise de côté, les événements précédents sont intacts"))
                else:
                    problems.append(LogProblem(coder, number, f"ligne illisible, mise de côté ({error})"))
                continue
            event["_line"] = number
            events.append(event)
        return events, problems

    def code_history(self) -> list[dict]:
        """Every coder's changes to the codebook (:mod:`analysis.coding.evolution`)."""
        return [event for coder in self.coders() for event in self.events(coder)[0]
                if event["event"] in CODE_EVENT_KINDS]

    def replay(self, coders: list[str] | None = None) -> Replay:
        """The codings, memos and finished documents of ``coders`` (default: all), each coding on its
        code's current path; the codebook changes of every coder are read for that."""
        codings: dict[str, dict] = {}
        memos: dict[tuple[str, str, str], dict] = {}
        finished: dict[tuple[str, str], str] = {}
        rejections: dict[tuple, dict] = {}
        problems: list[LogProblem] = []
        history: list[dict] = []
        selected = coders or self.coders()
        for coder in dict.fromkeys([*selected, *self.coders()]):
            events, read_problems = self.events(coder)
            history += [event for event in events if event["event"] in CODE_EVENT_KINDS]
            if coder not in selected:
                continue
            problems += read_problems
            for event in events:
                problem = apply_event(codings, memos, event, finished, rejections)
                if problem:
                    problems.append(LogProblem(coder, event["_line"], problem))
        records = [record for record in codings.values() if record["_active"]]
        try:
            codes = current_codes(self.corpus.codebook_path) if self.corpus is not None else None
        except CodebookError:  # the codings are still shown; `atelier codebook check` lists the problems
            codes = None
        if history or codes is not None:
            resolve_codes([*records, *rejections.values()], history,
                          {} if codes is None else dict(zip(codes["id"], codes["path"])))
        active = [{k: v for k, v in r.items() if k not in ("_active", "code_ts")} for r in records]
        coding_table = pd.DataFrame(active, columns=CODING_COLUMNS).astype({"start": "int64", "end": "int64"})
        memo_table = pd.DataFrame([m for m in memos.values() if m["memo"]], columns=MEMO_COLUMNS)
        finished_table = pd.DataFrame([(coder, doc_id, ts) for (coder, doc_id), ts in finished.items()],
                                      columns=FINISHED_COLUMNS)
        rejection_table = pd.DataFrame(list(rejections.values()), columns=REJECTION_COLUMNS).astype(
            {"start": "int64", "end": "int64"})
        return Replay(coding_table, memo_table, problems, finished_table, rejection_table)

    # -- actions ---------------------------------------------------------------------------

    def check_coding(self, doc_id: str, text_sha256: str, start: int, end: int, code: str, text: str) -> str:
        """The code of a valid coding, or a French error: a span inside the document's current text,
        recorded with that text's hash and words, and a code of the codebook (any code while the
        corpus has no codebook)."""
        if self.corpus is None:
            return code
        current_sha256, snippet = check_span(self.corpus, doc_id, int(start), int(end))
        if text_sha256 != current_sha256 or text != snippet:
            raise AtelierError(f"le passage {start}–{end} de « {doc_id} » ne correspond plus au texte du corpus "
                               "(nouvelle version ?) : rouvrez le document avant de coder")
        return known_code(self.corpus.codebook_path, code)

    def add(self, coder: str, doc_id: str, text_sha256: str, start: int, end: int, code: str,
            text: str, memo: str = "", auto: str = "") -> dict:
        """Add a coding; ``auto`` names the search of an auto-coded one (:mod:`analysis.coding.autocode`)."""
        check_coder(coder)
        code = self.check_coding(doc_id, text_sha256, start, end, code, text)
        event = {"event": "add", "coding": uuid.uuid4().hex, "doc_id": doc_id, "text_sha256": text_sha256,
                 "start": int(start), "end": int(end), "code": code, **self._code_id(code), "text": text}
        if memo:
            event["memo"] = memo
        if auto:
            event["auto"] = auto
        return self.append(coder, event)

    def remove(self, coder: str, coding_id: str) -> dict:
        self._own_coding(coder, coding_id)
        return self.append(coder, {"event": "remove", "coding": coding_id})

    def update(self, coder: str, coding_id: str, **changes) -> dict:
        unknown = set(changes) - set(CODING_FIELDS)
        if unknown:
            raise ValueError(f"cannot update {sorted(unknown)}")
        if "code" in changes and self.corpus is not None:
            changes["code"] = known_code(self.corpus.codebook_path, changes["code"])
            changes.update(self._code_id(changes["code"]))
        self._own_coding(coder, coding_id)
        return self.append(coder, {"event": "update", "coding": coding_id, **changes})

    def _code_id(self, code: str) -> dict:
        """``{"code_id": …}`` for a code of the corpus's codebook (nothing for a bare store)."""
        code_id = code_id_of(self.corpus.codebook_path, code) if self.corpus is not None else None
        return {"code_id": code_id} if code_id else {}

    def reject(self, coder: str, doc_id: str, start: int, end: int, code: str, rejected: bool = True) -> dict:
        """Record that ``coder`` rejects (or, ``rejected=False``, no longer rejects) the suggestion of
        ``code`` for the span: it is not suggested again and teaches the suggestions what the code is not."""
        check_coder(coder)
        if self.corpus is not None:
            check_span(self.corpus, doc_id, int(start), int(end))
            code = known_code(self.corpus.codebook_path, code)
        return self.append(coder, {"event": "reject", "doc_id": doc_id, "start": int(start), "end": int(end),
                                   "code": code, **self._code_id(code), "rejected": bool(rejected)})

    def memo(self, coder: str, target: str, ref: str, text: str) -> dict:
        if target not in MEMO_TARGETS:
            raise AtelierError(f"cible de mémo inconnue : « {target} » ({', '.join(MEMO_TARGETS)})")
        if target == "coding":
            self._own_coding(coder, ref)
        return self.append(coder, {"event": "memo", "target": target, "ref": ref, "memo": text})

    def mark_done(self, coder: str, doc_id: str) -> dict:
        """The coder has finished coding ``doc_id``: agreement may now count it (see
        :func:`analysis.coding.agreement.agreement`); what the coder did not code there is a decision."""
        return self.append(coder, {"event": "done", "doc_id": doc_id})

    def reopen(self, coder: str, doc_id: str) -> dict:
        """The coder takes ``doc_id`` up again: it is no longer finished."""
        return self.append(coder, {"event": "reopen", "doc_id": doc_id})

    def _own_coding(self, coder: str, coding_id: str) -> None:
        codings = self.replay([coder]).codings
        if coding_id not in set(codings["coding_id"]):
            raise AtelierError(f"codage inconnu pour {coder} : « {coding_id} » (chacun ne modifie que ses propres codages)")

    def undo(self, coder: str) -> dict | None:
        """Append the inverse of the coder's last action not yet undone; ``None`` if none."""
        events, _ = self.events(coder)
        undone = {e["undoes"] for e in events if "undoes" in e}
        for index in range(len(events) - 1, -1, -1):
            event = events[index]
            if "undoes" not in event and event["id"] not in undone:
                if event["event"] in CODE_EVENT_KINDS:
                    return self._change_codebook_back(coder, event, {"undoes": event["id"]})
                inverse = inverse_event(events[:index], event)
                if inverse is not None:  # an event that changed nothing has nothing to undo
                    return self.append(coder, {**inverse, "undoes": event["id"]})
        return None

    def redo(self, coder: str) -> dict | None:
        """Re-apply the last undone action, unless a new action came after the undo."""
        events, _ = self.events(coder)
        redone = {e["redoes"] for e in events if "redoes" in e}
        for index in range(len(events) - 1, -1, -1):
            event = events[index]
            if "undoes" in event:
                if event["id"] in redone:
                    continue
                if event["event"] in CODE_EVENT_KINDS:
                    return self._change_codebook_back(coder, event, {"redoes": event["id"]})
                inverse = inverse_event(events[:index], event)
                if inverse is None:
                    continue
                inverse.pop("undoes", None)
                return self.append(coder, {**inverse, "redoes": event["id"]})
            if "redoes" not in event:
                return None
        return None

    def _change_codebook_back(self, coder: str, event: dict, mark: dict) -> dict:
        if self.corpus is None:
            raise AtelierError("un changement du livre de codes ne s’annule que sur le corpus (CodingStore.of)")
        from .evolution import reverse_change  # evolution writes through this store

        return reverse_change(self.corpus, coder, event, mark)


def apply_event(codings: dict[str, dict], memos: dict, event: dict,
                finished: dict[tuple[str, str], str] | None = None,
                rejections: dict[tuple, dict] | None = None) -> str | None:
    """Apply one event to the state; return a problem (French) if it cannot apply."""
    kind = event["event"]
    if kind in CODE_EVENT_KINDS:  # resolved after the replay (resolve_codes)
        return None
    if kind == "reject":
        if rejections is not None:
            key = _rejection_key(event)
            if event["rejected"]:
                rejections[key] = {"coder": event["coder"], "doc_id": event["doc_id"], "start": event["start"],
                                   "end": event["end"], "code": event["code"], "code_id": event.get("code_id", ""),
                                   "code_ts": event["ts"], "updated": event["ts"]}
            else:
                rejections.pop(key, None)
        return None
    if kind in ("done", "reopen"):
        if finished is not None:
            key = (event.get("coder"), event.get("doc_id"))
            if kind == "done":
                finished[key] = event["ts"]
            else:
                finished.pop(key, None)
        return None
    if kind == "memo":
        key = (event.get("target"), event.get("ref"), event.get("coder"))
        if event.get("target") == "coding":
            record = codings.get(event.get("ref"))
            if record is None:
                return f"mémo sur un codage inconnu « {event.get('ref')} »"
            record["memo"] = event.get("memo", "")
            record["updated"] = event["ts"]
        else:
            memos[key] = {"target": key[0], "ref": key[1], "coder": key[2], "memo": event.get("memo", ""),
                          "updated": event["ts"]}
        return None
    coding_id = event.get("coding")
    record = codings.get(coding_id)
    if kind == "add":
        if record is not None and record["_active"]:
            return f"codage « {coding_id} » ajouté deux fois"
        codings[coding_id] = {
            "coding_id": coding_id, "coder": event["coder"], "memo": "", "code_id": "", "auto": "",
            **{field: event[field] for field in CODING_FIELDS if field in event},
            "created": record["created"] if record else event["ts"], "updated": event["ts"], "_active": True,
            "code_ts": event["ts"],
        }
        return None
    if record is None or not record["_active"]:
        return f"{kind} d’un codage absent « {coding_id} »"
    if kind == "remove":
        record["_active"] = False
    else:
        record.update({field: event[field] for field in CODING_FIELDS if field in event})
        if "code" in event:
            record.update(code_id=event.get("code_id", ""), code_ts=event["ts"])
    record["updated"] = event["ts"]
    return None


def _rejection_key(event: dict) -> tuple:
    return event["coder"], event["doc_id"], event["start"], event["end"], event.get("code_id") or event["code"]


def _state_before(events: list[dict]) -> tuple[dict, dict, dict, dict]:
    codings: dict[str, dict] = {}
    memos: dict = {}
    finished: dict = {}
    rejections: dict = {}
    for event in events:
        apply_event(codings, memos, event, finished, rejections)
    return codings, memos, finished, rejections


def inverse_event(history: list[dict], event: dict) -> dict | None:
    """The event that cancels ``event``, given the events before it; ``None`` when ``event``
    changed nothing (it concerned a coding absent at that point)."""
    codings, memos, finished, rejections = _state_before(history)
    if event["event"] in ("remove", "update") and not codings.get(event["coding"], {}).get("_active"):
        return None
    if event["event"] == "memo" and event["target"] == "coding" and event["ref"] not in codings:
        return None
    kind = event["event"]
    if kind == "reject":
        was_rejected = _rejection_key(event) in rejections
        if was_rejected == event["rejected"]:
            return None
        return {**{k: v for k, v in event.items() if k not in ("id", "ts", "coder", "_line", "redoes")},
                "rejected": was_rejected}
    if kind in ("done", "reopen"):  # back to what the document was before
        was_finished = (event["coder"], event["doc_id"]) in finished
        return {"event": "done" if was_finished else "reopen", "doc_id": event["doc_id"]}
    if kind == "add":
        return {"event": "remove", "coding": event["coding"]}
    if kind == "remove":
        record = codings[event["coding"]]
        return {"event": "add", "coding": event["coding"], **{f: record[f] for f in CODING_FIELDS if f in record}}
    if kind == "update":
        record = codings[event["coding"]]
        return {"event": "update", "coding": event["coding"],
                **{f: record.get(f, "") for f in CODING_FIELDS if f in event}}
    previous = (
        codings[event["ref"]].get("memo", "") if event["target"] == "coding"
        else memos.get((event["target"], event["ref"], event["coder"]), {}).get("memo", "")
    )
    return {"event": "memo", "target": event["target"], "ref": event["ref"], "memo": previous}


def code_span(corpus: "Corpus", coder: str, doc_id: str, start: int, end: int, code: str, memo: str = "") -> dict:
    """Code a passage of the corpus, recording the hash and the words of the document's current text."""
    text_sha256, snippet = check_span(corpus, doc_id, int(start), int(end))
    return CodingStore.of(corpus).add(coder, doc_id, text_sha256, int(start), int(end), code, snippet, memo)


def accept_suggestion(corpus: "Corpus", coder: str, suggestion: pd.Series) -> dict:
    """Write a suggested segment (:func:`analysis.themes.pipeline.suggest_segments`) as the coder's own coding."""
    return code_span(corpus, coder, suggestion["doc_id"], suggestion["start"], suggestion["end"], suggestion["code"])
