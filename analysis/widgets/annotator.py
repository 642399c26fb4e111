"""Coding in JupyterLab: the ``Annotator`` and ``Extracts`` widgets (anywidget).

The widget shows a document with its codings as coloured highlights and a codebook panel;
every action a researcher takes in the browser is a message to the kernel, which validates
it and writes it at once to the coder's log through :class:`~analysis.coding.store.CodingStore`.
No state lives only in the notebook: the highlights are always the replay of the logs, so a
reopened notebook, a restarted kernel or a second annotator on the same document shows the
same thing (the browser asks every two seconds whether a log changed).

Offsets are code points in the kernel and UTF-16 code units in the browser; every conversion
happens here, through :class:`~analysis.text.offsets.OffsetMap`, so that ``text[start:end]`` is exactly what was selected.
"""

from __future__ import annotations

import json
import re

import anywidget
import pandas as pd
import traitlets

from ..coding.anchoring import STATUS_OK, STATUS_REANCHORED, anchored_codings, latest_versions
from ..coding.codebook import NEUTRAL_COLOUR, check_codebook, known_code, load_codebook, with_descendants
from ..coding import evolution
from ..coding.autocode import PASSAGE_COLUMNS, autocode, describe_search, find_passages, parse_conditions
from ..coding.code_ids import CODE_EVENT_KINDS
from ..coding.rounds import blind
from ..coding.store import CodingStore, check_coder
from ..text.french import fold_for_search
from ..themes.pipeline import suggestions_for
from ..corpus.store import Corpus
from ..errors import AtelierError
from ..text.offsets import OffsetMap
from ..text.turns import TURN_LABEL
from .assets import STATIC, widget_module
from ..coding.queries import current_codings, extracts

#: Changed codings sent one by one before the whole list is sent again.
COMPACT_AFTER = 200
_HEADING = re.compile(r"^(?P<marker>#{1,6} ).*$", re.MULTILINE)
_LIST_ITEM = re.compile(r"^- ", re.MULTILINE)
#: Markdown emphasis of converted documents: ``**strong**`` and ``*emphasis*`` or ``_emphasis_``, on one line.
_EMPHASIS = re.compile(r"(?P<marker>\*\*|(?<![\w*])\*(?!\*)|(?<!\w)_)(?P<inner>(?!\s)[^\n]+?(?<!\s))(?P=marker)(?!\w)")


def decorations(text: str, is_transcript: bool) -> list[dict]:
    """Typographic spans (code points): headings, list bullets, Markdown emphasis, timestamps and speakers.
    The Markdown signs themselves (``# ``, ``**``) are ``markup`` spans, which the browser hides: the
    text and its offsets stay those of the corpus."""
    spans = []
    for match in _HEADING.finditer(text):
        spans += [{"start": match.start(), "end": match.end(), "kind": "heading"},
                  {"start": match.start(), "end": match.end("marker"), "kind": "markup"}]
    for match in _EMPHASIS.finditer(text):
        kind = "strong" if match["marker"] == "**" else "em"
        spans += [{"start": match.start(), "end": match.start("inner"), "kind": "markup"},
                  {"start": match.start("inner"), "end": match.end("inner"), "kind": kind},
                  {"start": match.end("inner"), "end": match.end(), "kind": "markup"}]
    spans += [{"start": m.start(), "end": m.end(), "kind": "bullet"} for m in _LIST_ITEM.finditer(text)]
    if is_transcript:
        for match in TURN_LABEL.finditer(text):
            for group, kind in (("stamp", "timestamp"), ("label", "speaker")):
                if match[group]:
                    spans.append({"start": match.start(group), "end": match.end(group), "kind": kind})
    return spans


def files_state(corpus: Corpus, with_codebook: bool = False) -> tuple:
    """Name, size and time of the coders' logs (and of the codebook and the rounds): a widget redraws when it changes."""
    directory = CodingStore.of(corpus).directory
    files = sorted(directory.glob("*.jsonl")) if directory.exists() else []
    if with_codebook:  # and the rounds, which decide whose codings are shown
        files += [corpus.codebook_path] if corpus.codebook_path.exists() else []
        files += sorted((corpus.root / "rounds").glob("*.yaml"))
    return tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in files)


class Annotator(anywidget.AnyWidget):
    """Code a document of the corpus in the notebook.

    ``Annotator("rtes-plan-actions-2022", coder="marie")``: select text with the mouse, then
    click a code (or type in the filter and press Entrée, or press 1–9); click a highlight to
    see, change or remove its codes and write a memo; Ctrl+Z and Ctrl+Maj+Z undo and redo.
    """

    _esm = widget_module("annotator.js")
    _css = STATIC / "annotator.css"

    doc_id = traitlets.Unicode("").tag(sync=True)
    coder = traitlets.Unicode("").tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)
    text = traitlets.Unicode("").tag(sync=True)
    decorations = traitlets.List([]).tag(sync=True)
    codebook = traitlets.List([]).tag(sync=True)
    #: The codings shown, at the last full send, as one JSON string (:meth:`_codings_wire`): ipywidgets
    #: walks a synced list item by item looking for binary buffers, which was slow with 2 000 codings.
    codings_base = traitlets.List([]).tag(sync=True, to_json=lambda value, widget: widget._codings_wire(value),
                                          from_json=lambda value, _widget: json.loads(value) if isinstance(value, str) else value)
    #: What changed since (``upsert``: entries, ``remove``: ids): an action sends only this, not the
    #: whole list, whose transfer to the browser took most of an action's time.
    codings_changes = traitlets.Dict({}).tag(sync=True)
    coders = traitlets.List([]).tag(sync=True)
    shown_coders = traitlets.List([]).tag(sync=True)
    code_filter = traitlets.Unicode("").tag(sync=True)
    documents = traitlets.List([]).tag(sync=True)
    focus = traitlets.Dict({}).tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)
    message = traitlets.Unicode("").tag(sync=True)
    revision = traitlets.Int(0).tag(sync=True)
    #: Whether this coder has marked the document as finished (it then counts in the agreement).
    finished = traitlets.Bool(False).tag(sync=True)
    #: Passages an auto-coding search found, to tick and accept: doc_id, start and end (UTF-16 in this
    #: document, code points elsewhere), text, and whether it is in the document shown.
    proposals = traitlets.List([]).tag(sync=True)

    def __init__(self, doc_id: str | None = None, coder: str = "", corpus: Corpus | None = None, **kwargs):
        super().__init__(**kwargs)
        self._corpus = corpus or Corpus.open()
        self._offsets = OffsetMap("")
        self._log_state: tuple = ()
        self._colours: dict[str, str] = {}
        self._placed: dict[str, dict] = {}
        #: The entries of the last full send (codings_base), by id.
        self._sent: dict[str, dict] = {}
        self._proposals = pd.DataFrame(columns=PASSAGE_COLUMNS)
        self._search = ""
        #: The code of the suggestions shown, whose unticked ones are rejected on accepting; "" for a search.
        self._suggested_code = ""
        self.on_msg(self._on_message)
        self.coder = coder
        self.shown_coders = [coder] if coder else []
        documents = self._corpus.documents()
        self.documents = [{"doc_id": d, "title": t} for d, t in zip(documents["doc_id"], documents["title"])]
        self.show_document(doc_id or (self.documents[0]["doc_id"] if self.documents else ""))

    # -- loading ---------------------------------------------------------------------------

    def show_document(self, doc_id: str, start: int | None = None, end: int | None = None) -> None:
        """Show ``doc_id``; with ``start`` and ``end`` (code points), scroll to that passage."""
        self.error = ""
        try:
            row = self._corpus.document(doc_id)
            text = self._corpus.text(doc_id)
        except AtelierError as error:
            self.doc_id, self.title, self.text, self._placed = doc_id, "", "", {}
            self._publish(full=True)
            self.error = str(error)
            return
        self._offsets = OffsetMap(text)
        self._text_sha256 = row["text_sha256"]
        with self.hold_sync():
            self.doc_id, self.title, self.text = doc_id, row["title"], text
            self.decorations = [self._to_utf16(span) for span in decorations(text, row["genre"] == "entretien")]
            self._load_codebook()
            self._refresh(force=True)
            self.focus = self._to_utf16({"start": start, "end": end}) if start is not None else {}
        self._check_coder()

    def _check_coder(self) -> None:
        try:
            check_coder(self.coder)
        except AtelierError as error:
            self.error = str(error)

    def _load_codebook(self) -> None:
        path = self._corpus.codebook_path
        problems = check_codebook(path) if path.exists() else []
        if problems:
            self.codebook = []
            self._colours = {}
            self.error = "Livre de codes invalide : " + " ; ".join(problems[:5])
            return
        table = load_codebook(path) if path.exists() else pd.DataFrame(columns=["path", "label", "colour", "depth", "definition"])
        self._colours = dict(zip(table["path"], table["colour"]))
        self.codebook = [
            {"path": r.path, "label": r.label, "colour": r.colour, "depth": int(r.depth), "definition": r.definition,
             "retired": bool(getattr(r, "retired", False))}
            for r in table.itertuples()
        ]

    def _log_signature(self) -> tuple:
        """The state of the logs and of the codebook (a code renamed or merged elsewhere shows at once)."""
        return files_state(self._corpus, with_codebook=True)

    def _refresh(self, force: bool = False) -> None:
        """Replay the logs if any changed (another notebook, the CLI) or when ``force``d."""
        signature = self._log_signature()
        if not force and signature == self._log_state:
            return
        if not force:
            self._load_codebook()
        self._log_state = signature
        replay = CodingStore.of(self._corpus).replay()
        self.finished = bool(((replay.finished["coder"] == self.coder) & (replay.finished["doc_id"] == self.doc_id)).any())
        latest = latest_versions(self._corpus.documents(include_replaced=True))
        family = {doc_id for doc_id, newest in latest.items() if newest == self.doc_id}
        placed = anchored_codings(self._corpus, replay.codings[replay.codings["doc_id"].isin(family)])
        placed = placed[placed["status"].isin((STATUS_OK, STATUS_REANCHORED))]
        round_name = blind(self._corpus, self.coder, self.doc_id) if self.coder else ""
        if round_name:
            placed = placed[placed["coder"] == self.coder]
        if round_name and force:  # said on opening the document; later messages are the actions'
            self.message = (f"Tour de codage en aveugle « {round_name} » : les codages des autres codeurs de ce "
                            "document sont masqués jusqu’à sa clôture")
        self._placed = {
            r["coding_id"]: self._entry(r["coding_id"], r["coder"], r["code"], r["start"], r["end"], r["memo"])
            for r in placed.to_dict("records")
        }
        self._publish(full=True)

    def _note_own_writes(self) -> None:
        """Count this annotator's own writes as seen, when nothing else changed: the next sync then
        does not replay every log again (130 ms with 2 000 codings, which a quick next action waited for)."""
        now = self._log_signature()
        own = CodingStore.of(self._corpus).path(self.coder).name
        if [f for f in now if f[0] != own] == [f for f in self._log_state if f[0] != own]:
            self._log_state = now

    def _entry(self, coding_id: str, coder: str, code: str, start: int, end: int, memo: str) -> dict:
        return {**self._to_utf16({"start": int(start), "end": int(end)}), "id": coding_id, "coder": coder,
                "code": code, "memo": memo or "", "colour": self._colours.get(code, NEUTRAL_COLOUR),
                "mine": coder == self.coder}

    def _apply_own_event(self, event: dict) -> None:
        """Show at once what this annotator just wrote, without replaying every log."""
        coding_id = event.get("coding") or event.get("ref")
        kind = event["event"]
        if kind in CODE_EVENT_KINDS:  # a code renamed, merged…: its codings move with it
            self._load_codebook()
            self._refresh(force=True)
            return
        if kind in ("done", "reopen"):
            if event["doc_id"] == self.doc_id:
                self.finished = kind == "done"
        elif kind == "add" and event["doc_id"] == self.doc_id:
            self._placed[coding_id] = self._entry(coding_id, self.coder, event["code"], event["start"],
                                                  event["end"], event.get("memo", ""))
        elif kind == "remove":
            self._placed.pop(coding_id, None)
        elif coding_id in self._placed:
            entry = self._placed[coding_id]
            if kind == "memo":  # a new dict, so that the synced list differs and the browser sees the memo
                self._placed[coding_id] = {**entry, "memo": event.get("memo", "")}
            else:
                self._placed[coding_id] = self._entry(
                    coding_id, self.coder, event.get("code", entry["code"]),
                    self._offsets.to_codepoint(entry["start"]) if "start" not in event else event["start"],
                    self._offsets.to_codepoint(entry["end"]) if "end" not in event else event["end"],
                    event.get("memo", entry["memo"]))
        self._publish()

    @property
    def codings(self) -> list[dict]:
        """The codings shown, in text order (UTF-16 offsets, as the browser has them)."""
        return sorted(self._placed.values(), key=lambda c: (c["start"], c["end"], c["id"]))

    def _publish(self, full: bool = False) -> None:
        """Send the codings: the changes since the last full send, or (``full``, or when they have
        grown long) the whole list again."""
        upsert = [entry for coding_id, entry in self._placed.items() if self._sent.get(coding_id) is not entry]
        removed = [coding_id for coding_id in self._sent if coding_id not in self._placed]
        with self.hold_sync():
            self.coders = sorted({c["coder"] for c in self._placed.values()} | ({self.coder} if self.coder else set()))
            if full or len(upsert) + len(removed) > COMPACT_AFTER:
                self._sent = dict(self._placed)
                self.codings_base, self.codings_changes = self.codings, {}
            else:
                self.codings_changes = {"upsert": upsert, "remove": removed}
            self.revision += 1

    #: Each coding's JSON, kept while its entry is the same object (a changed coding is a new dict).
    _wire_cache: dict[str, tuple[dict, str]] = {}

    def _codings_wire(self, codings: list[dict]) -> str:
        """The codings as one JSON array, re-encoding only those that changed since the last send."""
        cache, parts = {}, []
        for entry in codings:
            cached = self._wire_cache.get(entry["id"])
            if cached is None or cached[0] is not entry:
                cached = (entry, json.dumps(entry, ensure_ascii=False))
            cache[entry["id"]] = cached
            parts.append(cached[1])
        self._wire_cache = cache
        return "[" + ",".join(parts) + "]"

    def _to_utf16(self, span: dict) -> dict:
        return {**span, "start": self._offsets.to_utf16(span["start"]), "end": self._offsets.to_utf16(span["end"])}

    # -- actions from the browser ----------------------------------------------------------

    def _on_message(self, _widget, content: dict, _buffers) -> None:
        action = content.get("action")
        try:
            if action == "sync":
                self._refresh()
            elif action in ("open", "next", "previous"):
                self._navigate(action, content.get("doc_id", ""))
            else:
                events = self._act(action, content)
                for event in events:
                    self._apply_own_event(event)
                if events:
                    self._note_own_writes()
                self.error = ""
        except AtelierError as error:
            with self.hold_sync():
                self.error = str(error)
                self.message = ""
                self.revision += 1  # the browser drops what it drew before the answer

    def _navigate(self, action: str, doc_id: str) -> None:
        ids = [d["doc_id"] for d in self.documents]
        if action != "open" and self.doc_id in ids:
            step = 1 if action == "next" else -1
            doc_id = ids[(ids.index(self.doc_id) + step) % len(ids)]
        self.show_document(doc_id)

    def _act(self, action: str, content: dict) -> list[dict]:
        """Validate and write one action; return the events written."""
        check_coder(self.coder)
        if self.error.startswith("Livre de codes invalide"):
            raise AtelierError(self.error + " — corrigez corpus/codebook.yaml (atelier codebook check)")
        store = CodingStore.of(self._corpus)
        if action == "add":
            start = self._offsets.to_codepoint(int(content["start"]))
            end = self._offsets.to_codepoint(int(content["end"]))
            if not content.get("codes") or not 0 <= start < end <= len(self.text):
                raise AtelierError("sélectionnez un passage du texte, puis choisissez un code")
            codes = [known_code(self._corpus.codebook_path, code) for code in content["codes"]]  # all, before any is written
            events = [store.add(self.coder, self.doc_id, self._text_sha256, start, end, code, self.text[start:end])
                      for code in codes]
            self.message = f"Codé « {', '.join(codes)} » ({end - start} caractères)"
            return events
        if action == "new_code":
            return self._new_code(content)
        if action == "autocode_preview":
            self._preview(content)
            return []
        if action == "autocode_apply":
            return self._apply_proposals(content)
        if action in CODEBOOK_ACTIONS:
            event = CODEBOOK_ACTIONS[action](self._corpus, self.coder, {"value": "", **content})
            self.message = f"Livre de codes modifié ({event['event']}) : Ctrl+Z pour annuler"
            return [event]
        if action == "remove":
            self.message = "Codage retiré (Ctrl+Z pour annuler)"
            return [store.remove(self.coder, content["id"])]
        if action == "recode":
            self.message = f"Code changé en « {content['code']} »"
            return [store.update(self.coder, content["id"], code=content["code"])]
        if action == "memo":
            self.message = "Mémo enregistré"
            return [store.memo(self.coder, "coding", content["id"], content.get("memo", ""))]
        if action == "done":
            if self.finished:
                self.message = "Document repris : il ne compte plus dans l’accord entre codeurs"
                return [store.reopen(self.coder, self.doc_id)]
            self.message = "Document marqué terminé : il compte dans l’accord entre codeurs"
            return [store.mark_done(self.coder, self.doc_id)]
        if action in ("undo", "redo"):
            event = store.undo(self.coder) if action == "undo" else store.redo(self.coder)
            if event is None:
                self.message = "Rien à annuler" if action == "undo" else "Rien à rétablir"
                return []
            self.message = "Action annulée" if action == "undo" else "Action rétablie"
            return [event]
        raise AtelierError(f"action inconnue : « {action} »")

    def _apply_proposals(self, content: dict) -> list[dict]:
        """Code the ticked proposals; the unticked suggestions of ``suggest_segments`` are rejected."""
        kept = sorted({int(i) for i in content.get("keep", []) if 0 <= int(i) < len(self._proposals)})
        code = known_code(self._corpus.codebook_path, str(content.get("code", "")))
        refused = self._proposals.drop(self._proposals.index[kept]) if self._suggested_code else self._proposals.iloc[0:0]
        if self._suggested_code and code != self._suggested_code:
            raise AtelierError(f"ces segments sont proposés pour « {self._suggested_code} » : choisissez ce code, "
                               "ou relancez l’aperçu pour le code choisi")
        if not kept and refused.empty:
            raise AtelierError("cochez au moins un passage à coder")
        coded = autocode(self._corpus, self.coder, code, self._proposals.iloc[kept], self._search)
        store = CodingStore.of(self._corpus)
        rejections = [store.reject(self.coder, r.doc_id, r.start, r.end, code) for r in refused.itertuples()]
        self.message = (f"{len(coded)} passage(s) codé(s) « {code} » ({len(kept) - len(coded)} déjà codé(s))"
                        + (f", {len(rejections)} rejeté(s) : ils ne seront plus proposés" if rejections else ""))
        self.proposals, self._proposals, self._suggested_code = [], self._proposals.iloc[0:0], ""
        return coded + rejections

    def _preview(self, content: dict) -> None:
        """Find the passages of an auto-coding search (in this document, or the whole corpus) for the panel."""
        mode, query = str(content.get("mode", "keyword")), str(content.get("query", "")).strip()
        if mode == "suggest":
            self._suggestions(str(content.get("code", "")))
            return
        if mode not in ("keyword", "stems", "regex", "speaker", "attribute") or not query:
            raise AtelierError("tapez un mot, une expression régulière, un locuteur ou des attributs (genre=entretien) à chercher")
        where = {} if content.get("everywhere") or mode == "attribute" else {"doc_id": self.doc_id}
        if mode == "attribute":  # whole documents, chosen by their attributes in documents.csv
            where = parse_conditions([part for part in query.split(",") if part.strip()])
        search = {"keyword": query if mode in ("keyword", "stems") else "", "regex": query if mode == "regex" else "",
                  "speaker": query if mode == "speaker" else "", "stems": mode == "stems",
                  "extent": "match" if mode == "attribute" else str(content.get("extent", "match")), "where": where}
        self._proposals = find_passages(self._corpus, **search)
        self._search, self._suggested_code = describe_search(**search), ""
        self._show_proposals()
        self.message = f"{len(self._proposals)} passage(s) trouvé(s) ({self._search}) : décochez ceux à écarter"

    def _suggestions(self, code: str) -> None:
        """The segments like those already coded ``code`` (``suggest_segments``), as proposals."""
        code = known_code(self._corpus.codebook_path, code)
        try:
            suggestions = suggestions_for(self._corpus, code)
        except ValueError as error:
            raise AtelierError(str(error)) from None
        self._proposals = suggestions[PASSAGE_COLUMNS]
        self._search = f"suggestion d’après les codages « {code} »"
        self._suggested_code = code
        self._show_proposals()
        self.message = (f"{len(suggestions)} segment(s) proposé(s) pour « {code} » : décochez ceux que vous rejetez "
                        "(ils ne seront plus proposés), puis codez les autres")

    def _show_proposals(self) -> None:
        self.proposals = [{**(self._to_utf16({"start": r.start, "end": r.end}) if r.doc_id == self.doc_id
                              else {"start": int(r.start), "end": int(r.end)}),
                           "doc_id": r.doc_id, "text": r.text[:300], "here": r.doc_id == self.doc_id}
                          for r in self._proposals.itertuples()]

    def _new_code(self, content: dict) -> list[dict]:
        """Create a code (under ``parent``) and code the selection with it; *in vivo*, the selected
        words are its label."""
        start = self._offsets.to_codepoint(int(content.get("start", 0)))
        end = self._offsets.to_codepoint(int(content.get("end", 0)))
        selected = " ".join(self.text[start:end].split()) if 0 <= start < end <= len(self.text) else ""
        label = (selected[:80] if content.get("in_vivo") else str(content.get("label", ""))).strip()
        if not label:
            raise AtelierError("sélectionnez les mots du code (in vivo) ou donnez son libellé")
        slug = re.sub(r"[^a-z0-9]+", "-", fold_for_search(label)).strip("-")[:60] or "code"
        parent = str(content.get("parent", ""))
        path = f"{parent}/{slug}" if parent else slug
        events = []
        if path in {code["path"] for code in self.codebook}:  # the same words again: their code
            self.message = f"Code « {path} » (existant)"
        else:
            events.append(evolution.new_code(self._corpus, self.coder, path, label))
            self.message = f"Code « {label} » créé ({path})"
        if selected:
            events.append(CodingStore.of(self._corpus).add(self.coder, self.doc_id, self._text_sha256, start, end,
                                                           path, self.text[start:end]))
        return events


#: Codebook changes the annotator's code form offers: (corpus, coder, message) -> event; the
#: message names the ``code`` and its new name, parent or target (``value``).
CODEBOOK_ACTIONS = {
    "rename_code": lambda corpus, coder, message: evolution.rename_code(corpus, coder, message["code"], message["value"]),
    "move_code": lambda corpus, coder, message: evolution.move_code(corpus, coder, message["code"], message["value"]),
    "merge_code": lambda corpus, coder, message: evolution.merge_codes(corpus, coder, message["code"], message["value"]),
    "retire_code": lambda corpus, coder, message: evolution.retire_code(corpus, coder, message["code"]),
    "edit_code": lambda corpus, coder, message: _edit(corpus, coder, message),
    "split_code": lambda corpus, coder, message: _split(corpus, coder, message["code"], message["value"],
                                                         message.get("keyword", "")),
}


def _edit(corpus: Corpus, coder: str, message: dict) -> dict:
    """Change what the form changed of the code's label, colour and definition."""
    changes = {name: str(message[name]) for name in ("label", "colour", "definition") if name in message}
    if not changes:
        raise AtelierError("rien à modifier : changez le libellé, la couleur ou la définition")
    return evolution.edit_code(corpus, coder, message["code"], **changes)


def _split(corpus: Corpus, coder: str, code: str, new: str, keyword: str = "") -> dict:
    """Split ``code`` into ``new``: its codings (every coder's) whose words contain ``keyword`` move."""
    moved = evolution.split_candidates(corpus, code, keyword=keyword.strip())
    return evolution.split_code(corpus, coder, code, new.strip(), list(moved["coding_id"]))


class Extracts(anywidget.AnyWidget):
    """The coded extracts of a code and its sub-codes, each opening its place in an annotator."""

    _esm = STATIC / "extracts.js"
    _css = STATIC / "annotator.css"

    code = traitlets.Unicode("").tag(sync=True)
    rows = traitlets.List([]).tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)

    def __init__(self, code: str, annotator: Annotator | None = None, corpus: Corpus | None = None,
                 context: int = 120, **kwargs):
        super().__init__(**kwargs)
        self._corpus = corpus or Corpus.open()
        self.annotator = annotator
        self.code = code
        self._context = context
        self.on_msg(self._on_message)
        self._log_state = files_state(self._corpus)
        self.refresh(context)

    def refresh(self, context: int = 120) -> None:
        codings = current_codings(self._corpus)
        if self.code not in set(codings["code"]) and not with_descendants(self.code, codings["code"].unique()):
            self.rows, self.error = [], f"Aucun extrait codé « {self.code} » pour l’instant."
            return
        table = extracts(self._corpus, codings, self.code, context)
        self.rows = table.drop(columns=["coding_id"]).to_dict("records")
        self.error = ""

    def _on_message(self, _widget, content: dict, _buffers) -> None:
        if content.get("action") == "sync":  # a coding added anywhere shows within two seconds
            logs = files_state(self._corpus)
            if logs != self._log_state:
                self._log_state = logs
                self.refresh(self._context)
        elif content.get("action") == "open" and self.annotator is not None:
            self.annotator.show_document(content["doc_id"], int(content["start"]), int(content["end"]))
