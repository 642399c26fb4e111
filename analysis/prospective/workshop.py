"""A live workshop on an exercise: Delphi rounds answered by participants.

The facilitator opens a round (``ratings/<round>/``) of one kind (:mod:`.questions`: influences,
cross-impacts, actors' positions, importance and uncertainty, levers per scenario) on some of its
items (all of them, or the previous round's disagreements); each participant answers those
items, with a reason if they wish. Everything is a file of the exercise, written atomically at
each answer, so that a workshop lives in git and nothing is lost if the server stops:

- ``ratings/<round>/round.yaml``: the kind, the items opened, whether the round is closed;
- ``ratings/<round>/answers/<participant>.csv``: the participant's answers (item, value, reason);
- for an influence round, ``ratings/<round>/<participant>.csv``: the participant's whole matrix,
  in the format ``atelier aggregate`` reads: their answers on the opened cells, the reference
  elsewhere (the exercise's matrix for the first round, the group's matrix of the previous round);
- when a levers round closes, ``windtunnel.csv``: the group's lever × scenario matrix (median,
  rounded), the wind-tunnelling the levers table and the book read.

Who joined (participant ids and their device tokens), the room code and the facilitator's secret
are in ``.live/state.json``, which the exercise's ``.live/.gitignore`` keeps out of git. Participants
are numbered (``p01``, ``p02``…): no name is asked, none is written, and the group's results never
say who answered what.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from ..errors import AtelierError
from ..fsio import atomic_write_text, spreadsheet_safe
from .exercise import Exercise
from .participation import aggregate_answers, aggregate_ratings, compare_rounds, disagreements, group_matrix
from .questions import Question, question

ROUND_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
ANSWER_COLUMNS = ["source", "target", "value", "reason", "answered"]
REASON_LIMIT = 500
#: Room codes avoid letters read one for another from the back of a room (0/O, 1/I/L).
_CODE_LETTERS = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


@dataclass
class Round:
    name: str
    cells: list[tuple[str, str]]
    closed: bool = False
    kind: str = "influence"
    #: participant id → {(source, target): (value, reason)}
    answers: dict[str, dict[tuple[str, str], tuple[str, str]]] = field(default_factory=dict)


class Workshop:
    """The state of a live workshop on ``folder``, read from and written to its files."""

    def __init__(self, folder: Path | str):
        self.exercise = Exercise.open(folder)
        self.folder = self.exercise.folder
        variables = self.exercise.variables()
        self.labels = list(variables["code"])
        self._live = self.folder / ".live"
        state = self._read_state()
        self.room_code: str = state["room_code"]
        self.facilitator_key: str = state["facilitator_key"]
        self.participants: dict[str, str] = state["participants"]  # token → participant id
        self._references: dict[str, pd.DataFrame] = {}
        self._questions: dict[str, Question] = {}
        self.rounds: list[Round] = [self._read_round(name) for name in state["rounds"]]
        if not (self._live / "state.json").exists():  # the room code and secret printed stay valid after a restart
            self._write_state()

    # -- files -----------------------------------------------------------------------------

    def _read_state(self) -> dict:
        path = self._live / "state.json"
        if path.exists():
            try:
                state = json.loads(path.read_text(encoding="utf-8"))
            except (json.JSONDecodeError, UnicodeDecodeError) as error:
                raise AtelierError(f"{path} : état de l’atelier illisible ({error}) ; déplacez-le pour repartir de zéro") from None
            return state
        return {"room_code": "".join(secrets.choice(_CODE_LETTERS) for _ in range(5)),
                "facilitator_key": secrets.token_urlsafe(12), "participants": {}, "rounds": []}

    def _write_state(self) -> None:
        atomic_write_text(self._live / ".gitignore", "# secrets of the live workshop (atelier live)\n*\n")
        atomic_write_text(self._live / "state.json", json.dumps(
            {"room_code": self.room_code, "facilitator_key": self.facilitator_key, "participants": self.participants,
             "rounds": [r.name for r in self.rounds]}, ensure_ascii=False, indent=1))

    def _round_folder(self, name: str) -> Path:
        return self.folder / "ratings" / name

    def _read_round(self, name: str) -> Round:
        folder = self._round_folder(name)
        meta = yaml.safe_load((folder / "round.yaml").read_text(encoding="utf-8"))
        live = Round(name, [tuple(cell) for cell in meta["cells"]], bool(meta.get("closed")), meta.get("kind", "influence"))
        for path in sorted((folder / "answers").glob("*.csv")):
            table = pd.read_csv(path, dtype=str, keep_default_na=False)
            live.answers[path.stem] = {(r.source, r.target): (r.value, r.reason) for r in table.itertuples()}
        return live

    def _write_round(self, live: Round) -> None:
        atomic_write_text(self._round_folder(live.name) / "round.yaml", yaml.safe_dump(
            {"round": live.name, "kind": live.kind, "cells": [list(cell) for cell in live.cells], "closed": live.closed,
             "updated": _now()}, allow_unicode=True, sort_keys=False))

    # -- rounds ----------------------------------------------------------------------------

    @property
    def current(self) -> Round | None:
        return self.rounds[-1] if self.rounds else None

    def question(self, kind: str) -> Question:
        """What a round of ``kind`` asks, read from the exercise's tables once."""
        if kind not in self._questions:
            self._questions[kind] = question(self.exercise, kind)
        return self._questions[kind]

    def open_round(self, name: str, cells: list[tuple[str, str]] | None = None, kind: str = "influence") -> Round:
        """Open round ``name`` of ``kind`` on ``cells`` (default: every item); the previous round must be closed."""
        if not ROUND_NAME.fullmatch(name or ""):
            raise AtelierError(f"nom de tour invalide : « {name} » (minuscules, chiffres et tirets, ex. tour-2)")
        if any(r.name == name for r in self.rounds) or self._round_folder(name).exists():
            raise AtelierError(f"le tour « {name} » existe déjà (ratings/{name}/)")
        items = self.question(kind).items
        cells = list(items) if cells is None else cells
        unknown = [cell for cell in cells if cell not in items]
        if unknown or not cells:
            raise AtelierError(f"case inconnue : {unknown[0][0]} → {unknown[0][1]}" if unknown else "aucune case à noter")
        if self.current is not None and not self.current.closed:
            raise AtelierError(f"le tour « {self.current.name} » est encore ouvert : fermez-le d’abord")
        live = Round(name, list(dict.fromkeys(cells)), kind=kind)
        self._write_round(live)
        self.rounds.append(live)
        self._write_state()
        return live

    def last_closed(self) -> Round:
        closed = [r for r in self.rounds if r.closed and r.answers]
        if not closed:
            raise AtelierError("aucun tour fermé avec des réponses : ouvrez d’abord un tour sur toutes les cases")
        return closed[-1]

    def disagreement_cells(self, n: int = 10) -> list[tuple[str, str]]:
        """The items where the last closed round disagreed most, for the next round (of its kind)."""
        last = self.last_closed()
        table = self._opened(self.aggregate(last), last)
        return list(zip(*(disagreements(table, n)[column] for column in ("source", "target"))))

    @staticmethod
    def _opened(table: pd.DataFrame, live: Round) -> pd.DataFrame:
        opened = set(live.cells)
        return table[[(s, t) in opened for s, t in zip(table["source"], table["target"])]]

    def close_round(self) -> Round:
        live = self.current
        if live is None or live.closed:
            raise AtelierError("aucun tour ouvert")
        live.closed = True
        self._write_round(live)
        if live.kind == "leviers" and live.answers:
            self._write_windtunnel(live)
        return live

    def _write_windtunnel(self, live: Round) -> None:
        """The group's lever × scenario matrix, on the previous one where the round left items out."""
        levers = self.question("leviers")
        try:
            matrix = self.exercise.windtunnel().astype(object)
        except AtelierError:
            matrix = pd.DataFrame("", index=levers.rows, columns=levers.columns, dtype=object)
        matrix = matrix.reindex(index=levers.rows, columns=levers.columns).fillna("")
        for row in self.aggregate(live).itertuples():
            matrix.loc[row.source, row.target] = int(row.median + 0.5)
        atomic_write_text(self.folder / "windtunnel.csv", _csv(spreadsheet_safe(matrix.rename_axis("lever").reset_index())))

    # -- participants ----------------------------------------------------------------------

    def join(self) -> tuple[str, str]:
        """A new participant: their device token and their id."""
        token = secrets.token_urlsafe(16)
        participant = f"p{len(self.participants) + 1:02d}"
        self.participants[token] = participant
        self._write_state()
        return token, participant

    def participant(self, token: str) -> str:
        participant = self.participants.get(token or "")
        if participant is None:
            raise AtelierError("jeton inconnu : rejoignez l’atelier par le QR code ou le code affiché")
        return participant

    def reference(self, live: Round) -> pd.DataFrame:
        """The values of the cells a round does not open: the group's matrix of the round before, or
        the exercise's matrix."""
        if live.name not in self._references:
            index = self.rounds.index(live)
            before = [r for r in self.rounds[:index] if r.answers]
            reference = group_matrix(self.aggregate(before[-1])) if before else self.exercise.influence()
            self._references[live.name] = reference.astype(object)
        return self._references[live.name]

    def matrix(self, live: Round, participant: str) -> pd.DataFrame:
        """A participant's whole matrix in a round: their answers on the reference."""
        matrix = self.reference(live).copy()
        for (source, target), (value, _reason) in live.answers.get(participant, {}).items():
            matrix.loc[source, target] = value if value == "P" else int(value)
        return matrix

    def answer(self, token: str, source: str, target: str, value: str, reason: str = "") -> Round:
        """Record a participant's answer on an opened cell, in their files (atomically)."""
        participant = self.participant(token)
        live = self.current
        if live is None or live.closed:
            raise AtelierError("aucun tour ouvert : attendez que l’animateur ouvre le suivant")
        if (source, target) not in set(live.cells):
            raise AtelierError(f"la case {source[:60]} → {target[:60]} n’est pas ouverte dans ce tour")
        value = self.question(live.kind).check(value)
        reason = " ".join(str(reason or "").split())
        if len(reason) > REASON_LIMIT:
            raise AtelierError(f"raison trop longue ({len(reason)} caractères, {REASON_LIMIT} au plus)")
        before = live.answers.get(participant, {})
        live.answers[participant] = {**before, (source, target): (value, reason)}
        try:
            self._write_participant(live, participant)
        except BaseException:
            live.answers[participant] = before
            raise
        return live

    def _write_participant(self, live: Round, participant: str) -> None:
        folder = self._round_folder(live.name)
        rows = [{"source": s, "target": t, "value": v, "reason": r, "answered": _now()}
                for (s, t), (v, r) in sorted(live.answers[participant].items())]
        answers_table = spreadsheet_safe(pd.DataFrame(rows, columns=ANSWER_COLUMNS))  # reasons are free text
        atomic_write_text(folder / "answers" / f"{participant}.csv", _csv(answers_table))
        if live.kind != "influence":
            return
        matrix = self.matrix(live, participant)
        for label in self.labels:
            matrix.loc[label, label] = ""
        atomic_write_text(folder / f"{participant}.csv", _csv(matrix.rename_axis("code").reset_index()))

    # -- results ---------------------------------------------------------------------------

    def aggregate(self, live: Round) -> pd.DataFrame:
        """The group's answer on each item: for influences, :func:`aggregate_ratings` of the
        participants' matrices, what ``atelier aggregate`` computes from their files (the tests
        check it) without reading them again at each answer; otherwise item by item."""
        if not live.answers:
            raise AtelierError(f"aucune réponse dans le tour « {live.name} »")
        if live.kind == "influence":
            return aggregate_ratings({participant: self.matrix(live, participant) for participant in live.answers})
        number = self.question(live.kind).number
        return aggregate_answers({participant: {item: number(value) for item, (value, _) in given.items()}
                                  for participant, given in live.answers.items()})

    def _asked(self, live: Round) -> dict:
        """What a page needs to show a round's items: its kind, title, scale and sentences."""
        asked = self.question(live.kind)
        return {"kind": live.kind, "title": asked.title, "scale": [list(pair) for pair in asked.scale],
                "bounds": list(asked.bounds)}

    def summary(self) -> dict:
        """What the projector shows: how many answered each opened item and the group's answer; never who.
        Rounds whose items fill a small table (positions, levers) also give its rows and columns."""
        live = self.current
        base = {"room_code": self.room_code, "participants": len(self.participants),
                "rounds": [r.name for r in self.rounds]}
        if live is None:
            return {**base, "round": None}
        asked = self.question(live.kind)
        answered = {cell: sum(cell in a for a in live.answers.values()) for cell in live.cells}
        aggregated = self.aggregate(live) if live.answers else None
        table = aggregated.set_index(["source", "target"]) if aggregated is not None else None
        cells = []
        for cell in live.cells:
            entry = {"source": cell[0], "target": cell[1], "text": asked.items[cell], "answers": answered[cell]}
            if table is not None and answered[cell]:
                row = table.loc[cell]
                entry.update(median=float(row["median"]), q1=float(row["q1"]), q3=float(row["q3"]),
                             consensus=bool(row["consensus"]))
            cells.append(entry)
        summary = {**base, **self._asked(live), "round": live.name, "closed": live.closed,
                   "respondents": len(live.answers), "cells": cells}
        if live.kind in ("positions", "leviers"):
            summary["rows"] = [r for r in asked.rows if any(cell[0] == r for cell in live.cells)]
            summary["columns"] = [c for c in asked.columns if any(cell[1] == c for cell in live.cells)]
        previous = [r for r in self.rounds[:-1] if r.answers and r.kind == live.kind]
        if live.answers and previous:
            compared = self._opened(compare_rounds(self.aggregate(previous[-1]), aggregated), live)
            summary["convergence"] = {"previous": previous[-1].name, "cells": len(compared),
                                      "converged": int(compared["converged"].sum()),
                                      "median_changes": int((compared["median_change"] != 0).sum())}
        return summary

    def participant_view(self, token: str) -> dict:
        """A participant's page: the opened items with their own answers; once the round is closed,
        the group's median and spread beside their position."""
        participant = self.participant(token)
        live = self.current
        view = {"participant": participant, "round": None}
        if live is None:
            return view
        asked = self.question(live.kind)
        mine = live.answers.get(participant, {})
        table = self.aggregate(live).set_index(["source", "target"]) if live.closed and live.answers else None
        cells = []
        for cell in live.cells:
            value, reason = mine.get(cell, ("", ""))
            entry = {"source": cell[0], "target": cell[1], "text": asked.items[cell], "value": value, "reason": reason}
            if table is not None and cell in table.index:
                row = table.loc[cell]
                entry["group"] = {"median": float(row["median"]), "q1": float(row["q1"]), "q3": float(row["q3"])}
            cells.append(entry)
        return {**view, **self._asked(live), "round": live.name, "closed": live.closed, "cells": cells}


def _csv(table: pd.DataFrame) -> str:
    buffer = io.StringIO()
    table.to_csv(buffer, index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    return buffer.getvalue()


def held_rounds(folder: Path | str) -> pd.DataFrame:
    """The live workshop's rounds of an exercise, read without touching its state: ``round``,
    ``kind``, ``closed`` and ``participants`` (how many answered)."""
    rows = []
    for meta_path in sorted(Path(folder).glob("ratings/*/round.yaml")):
        meta = yaml.safe_load(meta_path.read_text(encoding="utf-8")) or {}
        rows.append({"round": meta_path.parent.name, "kind": meta.get("kind", "influence"),
                     "closed": bool(meta.get("closed")),
                     "participants": len(list((meta_path.parent / "answers").glob("*.csv")))})
    return pd.DataFrame(rows, columns=["round", "kind", "closed", "participants"])
