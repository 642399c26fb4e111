"""Which code a coding is on, through renames, moves and merges of the codebook.

A code keeps one ``id`` for its whole life; its path may change (``code-repath`` events: renames
and moves, with the paths of its sub-codes), it may be merged into another code (``code-merge``,
undone by ``code-unmerge``), created or deleted (``code-new``, ``code-delete``). A coding records
the id of its code; one written before ids existed records only the path the code had then.
:func:`resolve_codes` gives every coding the id it is on now and that code's current path.
Pure functions: the events and the current codebook in, the codings out.
"""

from __future__ import annotations

import bisect
from typing import Iterable

#: The events of a coder's log that change the codebook (see :mod:`analysis.coding.evolution`).
CODE_EVENT_KINDS = ("code-new", "code-delete", "code-repath", "code-merge", "code-unmerge", "code-split",
                    "code-unsplit", "code-retire", "code-edit")
_PATH_EVENTS = ("code-new", "code-delete", "code-repath", "code-split", "code-unsplit")


def id_paths(event: dict) -> list[tuple[str, str, str]]:
    """The ``(id, path before, path after)`` of the codes an event names ("" where a code does not exist)."""
    kind = event["event"]
    if kind == "code-repath":
        return [tuple(change) for change in event["changes"]]
    if kind == "code-new":
        return [(event["code_id"], "", event["entry"]["path"])]
    if kind == "code-split":
        return [(event["into"], "", event["entry"]["path"])]
    if kind == "code-unsplit":
        return [(event["into"], event["entry"]["path"], "")]
    if kind == "code-delete":
        return [(event["code_id"], event["entry"]["path"], "")]
    return [(event["code_id"], event.get("entry", {}).get("path", ""), event.get("entry", {}).get("path", ""))]


class CodeIds:
    """The paths every code had over time, and the merges in force, from the codebook's events
    (in time order) and the current codebook (``{id: path}``)."""

    def __init__(self, history: Iterable[dict], current: dict[str, str]):
        history = sorted(history, key=lambda event: (event["ts"], event["id"]))
        latest: dict[str, str] = {}
        self.redirects: dict[str, str] = {}
        #: coding id -> (the code it was split from, the code it went to, when), for splits in force.
        self.moves: dict[str, tuple[str, str, str]] = {}
        for event in history:
            for code_id, _, after in id_paths(event):
                latest[code_id] = after or latest.get(code_id, "")
            if event["event"] == "code-merge":
                self.redirects[event["code_id"]] = event["into"]
            elif event["event"] == "code-unmerge":
                self.redirects.pop(event["code_id"], None)
            elif event["event"] == "code-split":
                self.moves.update({coding: (event["code_id"], event["into"], event["ts"]) for coding in event["codings"]})
            elif event["event"] == "code-unsplit":
                for coding in event["codings"]:
                    if self.moves.get(coding, ("", "", ""))[1] == event["into"]:
                        del self.moves[coding]
        #: The current path of every code ever known (a merged code keeps its last path).
        self.paths = {**{code_id: path for code_id, path in latest.items() if path}, **current}
        self._current = current
        changes = [event for event in history if event["event"] in _PATH_EVENTS]
        self._times = [event["ts"] for event in changes]
        # self._by_path[k]: path -> id once the first k path events had happened.
        mapping = dict(self.paths)
        epochs = [self._inverse(mapping)]
        for event in reversed(changes):
            for code_id, before, _ in id_paths(event):
                if before:
                    mapping[code_id] = before
                else:
                    mapping.pop(code_id, None)
            epochs.append(self._inverse(mapping))
        self._by_path = epochs[::-1]

    def _inverse(self, mapping: dict[str, str]) -> dict[str, str]:
        """path -> id; a path held by a code of the current codebook goes to it."""
        inverse = {path: code_id for code_id, path in mapping.items() if code_id not in self._current}
        inverse.update({path: code_id for code_id, path in mapping.items() if code_id in self._current})
        return inverse

    def id_at(self, path: str, ts: str) -> str:
        """The id of the code that had ``path`` at time ``ts`` ("" if none)."""
        epoch = self._by_path[bisect.bisect_right(self._times, ts)]
        return epoch.get(path) or self._by_path[-1].get(path, "")

    def final(self, code_id: str) -> str:
        """The code that ``code_id``'s codings count for now (after merges)."""
        seen = set()
        while code_id in self.redirects and code_id not in seen:
            seen.add(code_id)
            code_id = self.redirects[code_id]
        return code_id


def resolve_codes(records: Iterable[dict], history: list[dict], current: dict[str, str]) -> None:
    """Give each coding record (``code``, ``code_id``, ``code_ts``: when its code was set) the id of
    the code it is on now and that code's current path; a coding a split moved (``code-split``) is
    on the new code. A coding whose id no code has is placed by its path at the time it was written;
    a coding whose code is unknown keeps its path and no id (:func:`analysis.coding.evolution.orphan_codes` reports it)."""
    ids = CodeIds(history, current)
    for record in records:
        code_id = record.get("code_id", "")
        if code_id not in ids.paths:  # written before ids, or its code lost its id in a hand edit of the file
            code_id = ids.id_at(record["code"], record["code_ts"])
        code_id = ids.final(code_id) if code_id else ""
        source, into, split_ts = ids.moves.get(record.get("coding_id", ""), ("", "", ""))
        # a split moves the coding if it was still on the split code (not recoded since)
        if into and record["code_ts"] <= split_ts and code_id == ids.final(source):
            code_id = ids.final(into)
        record["code_id"] = code_id
        record["code"] = ids.paths.get(code_id, record["code"])
