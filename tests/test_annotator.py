"""The annotator's kernel side: offsets, actions written to the log, bad input refused."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings, strategies as st

from analysis import Corpus
from analysis.text.offsets import OffsetMap
from analysis.widgets.annotator import Annotator, Extracts, decorations
from analysis.coding.store import CodingStore

CODEBOOK = (
    "codes:\n"
    "  - path: leviers\n    label: Leviers\n    colour: '#009E73'\n"
    "  - path: leviers/commande-publique\n    label: Commande publique\n    colour: '#009E73'\n"
    "  - path: acteurs\n    label: Acteurs\n    colour: '#D55E00'\n"
)
TEXT = "# Entretien\n\n[00:00:05] ÉLUE : La commande publique 🌱 soutient l’ESS.\n\nCHERCHEUR : Merci.\n"


@pytest.fixture
def corpus(atelier, corpus_dir, tmp_path) -> Corpus:
    source = tmp_path / "entretien.txt"
    source.write_text(TEXT, encoding="utf-8")
    assert atelier("ingest", source, "--genre", "entretien")[0] == 0
    (corpus_dir / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    return Corpus.open(corpus_dir)


def utf16(text: str, codepoint: int) -> int:
    return len(text[:codepoint].encode("utf-16-le")) // 2


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="aé€🌱😀\n’ z", max_size=80), st.data())
def test_offset_map_round_trips(text, data):
    offsets = OffsetMap(text)
    point = data.draw(st.integers(0, len(text)))
    assert offsets.to_utf16(point) == utf16(text, point)
    assert offsets.to_codepoint(offsets.to_utf16(point)) == point


def test_offset_inside_a_surrogate_pair_is_refused():
    with pytest.raises(Exception, match="paire de substitution"):
        OffsetMap("a🌱b").to_codepoint(2)


def test_decorations_mark_headings_speakers_and_timestamps():
    kinds = {(TEXT[s["start"]:s["end"]], s["kind"]) for s in decorations(TEXT, is_transcript=True)}
    assert {("# Entretien", "heading"), ("[00:00:05] ", "timestamp"), ("ÉLUE : ", "speaker"),
            ("CHERCHEUR : ", "speaker")} <= kinds


def test_add_from_browser_offsets_writes_the_selected_text(corpus):
    widget = Annotator("entretien", coder="marie", corpus=corpus)
    text = corpus.text("entretien")
    start = text.index("commande publique 🌱 soutient")
    end = start + len("commande publique 🌱 soutient")
    widget._on_message(widget, {"action": "add", "start": utf16(text, start), "end": utf16(text, end),
                                "codes": ["leviers/commande-publique", "acteurs"]}, [])
    assert widget.error == ""
    events = [json.loads(l) for l in (corpus.root / "codings" / "marie.jsonl").read_text().splitlines()]
    assert [(e["code"], text[e["start"]:e["end"]]) for e in events] == [
        ("leviers/commande-publique", "commande publique 🌱 soutient"), ("acteurs", "commande publique 🌱 soutient")]
    assert [(c["start"], c["end"]) for c in widget.codings] == [(utf16(text, start), utf16(text, end))] * 2
    coding = widget.codings[0]["id"]
    widget._on_message(widget, {"action": "memo", "id": coding, "memo": "à revoir"}, [])
    widget._on_message(widget, {"action": "remove", "id": widget.codings[1]["id"]}, [])
    assert len(widget.codings) == 1 and widget.codings[0]["memo"] == "à revoir"
    widget._on_message(widget, {"action": "undo"}, [])
    assert len(widget.codings) == 2 and widget.message == "Action annulée"


def test_the_done_button_marks_the_document_finished_then_reopens_it(corpus):
    widget = Annotator("entretien", coder="marie", corpus=corpus)
    assert widget.finished is False
    widget._on_message(widget, {"action": "done"}, [])
    assert widget.finished is True and "compte dans l’accord" in widget.message
    assert CodingStore.of(corpus).replay().finished[["coder", "doc_id"]].values.tolist() == [["marie", "entretien"]]
    assert Annotator("entretien", coder="marie", corpus=corpus).finished is True  # read back from the log
    widget._on_message(widget, {"action": "done"}, [])
    assert widget.finished is False and CodingStore.of(corpus).replay().finished.empty
    widget._on_message(widget, {"action": "undo"}, [])
    assert widget.finished is True


def test_two_annotators_on_one_document_stay_consistent(corpus):
    first = Annotator("entretien", coder="marie", corpus=corpus)
    second = Annotator("entretien", coder="paul", corpus=corpus)
    second.shown_coders = ["marie", "paul"]
    first._on_message(first, {"action": "add", "start": 0, "end": 5, "codes": ["acteurs"]}, [])
    assert first._log_state == first._log_signature(), "its own write is not replayed at the next sync"
    second._on_message(second, {"action": "sync"}, [])
    assert [c["coder"] for c in second.codings] == ["marie"]
    assert second.codings[0]["mine"] is False and "marie" in second.coders
    second._on_message(second, {"action": "add", "start": 6, "end": 9, "codes": ["acteurs"]}, [])
    first._on_message(first, {"action": "add", "start": 10, "end": 12, "codes": ["acteurs"]}, [])
    first._on_message(first, {"action": "sync"}, [])  # another coder's write, then its own: both seen
    assert [c["coder"] for c in first.codings] == ["marie", "paul", "marie"]


@pytest.mark.parametrize("setup, expected", [
    (lambda c: None, "document inconnu"),
    (lambda c: (c.root / "codebook.yaml").write_text("codes:\n  - path: x\n    label: ''\n    colour: rouge\n"),
     "Livre de codes invalide"),
    (lambda c: (c.root / "texts" / "entretien.txt").write_text("modifié\n"), "empreinte"),
])
def test_bad_input_shows_a_french_message_and_writes_nothing(corpus, setup, expected):
    setup(corpus)
    doc_id = "absent" if "inconnu" in expected else "entretien"
    widget = Annotator(doc_id, coder="marie", corpus=corpus)
    assert expected in widget.error
    widget._on_message(widget, {"action": "add", "start": 0, "end": 3, "codes": ["leviers"]}, [])
    assert widget.error
    assert not (corpus.root / "codings" / "marie.jsonl").exists()


def test_invalid_coder_name_is_refused(corpus):
    widget = Annotator("entretien", coder="Marie Curie", corpus=corpus)
    assert "nom de codeur invalide" in widget.error
    widget._on_message(widget, {"action": "add", "start": 0, "end": 3, "codes": ["leviers"]}, [])
    assert "nom de codeur invalide" in widget.error
    assert not (corpus.root / "codings").exists()


def test_unknown_code_is_refused(corpus):
    widget = Annotator("entretien", coder="marie", corpus=corpus)
    revision = widget.revision
    widget._on_message(widget, {"action": "add", "start": 0, "end": 3, "codes": ["inexistant"]}, [])
    assert "code inconnu" in widget.error
    assert widget.revision > revision, "the browser drops the coding it drew before the answer"
    assert not (corpus.root / "codings" / "marie.jsonl").exists()


def _annotator_with_coding(corpus: Corpus, word: str, code: str) -> tuple[Annotator, int]:
    """An annotator on the interview with ``word`` coded ``code``; and where ``word`` starts (code points)."""
    widget = Annotator("entretien", coder="marie", corpus=corpus)
    text = corpus.text("entretien")
    start = text.index(word)
    widget._on_message(widget, {"action": "add", "start": utf16(text, start), "end": utf16(text, start + len(word)),
                                "codes": [code]}, [])
    return widget, start


def test_extracts_open_the_annotator_at_the_passage(corpus):
    widget, start = _annotator_with_coding(corpus, "soutient", "leviers/commande-publique")
    listing = Extracts("leviers", annotator=widget, corpus=corpus)
    assert [row["text"] for row in listing.rows] == ["soutient"]
    widget.show_document("entretien")
    listing._on_message(listing, {"action": "open", "doc_id": "entretien", "start": start, "end": start + 8}, [])
    text = corpus.text("entretien")
    assert widget.focus == {"start": utf16(text, start), "end": utf16(text, start + 8)}


def test_markdown_signs_are_hidden_and_emphasis_kept():
    text = "# Titre\n\nUn **point clé** et *une nuance*, mais 2 * 3 * 4 et nom_de_fichier restent.\n"
    spans = [(text[s["start"]:s["end"]], s["kind"]) for s in decorations(text, is_transcript=False)]
    assert ("# ", "markup") in spans and ("point clé", "strong") in spans and ("une nuance", "em") in spans
    assert [shown for shown, kind in spans if kind == "markup"] == ["# ", "**", "**", "*", "*"]


def test_an_in_vivo_code_is_created_from_the_selection_and_codes_it(corpus):
    widget = Annotator("entretien", coder="marie", corpus=corpus)
    text = corpus.text("entretien")
    start = text.index("soutient l’ESS")
    span = {"start": utf16(text, start), "end": utf16(text, start + len("soutient l’ESS"))}
    widget._on_message(widget, {"action": "new_code", "in_vivo": True, "parent": "leviers", **span}, [])
    assert widget.error == "" and "soutient-l-ess" in widget.message
    assert {"path": "leviers/soutient-l-ess", "label": "soutient l’ESS"}.items() <= next(
        code for code in widget.codebook if code["path"] == "leviers/soutient-l-ess").items()
    [coding] = CodingStore.of(corpus).replay().codings.to_dict("records")
    assert coding["code"] == "leviers/soutient-l-ess" and coding["text"] == "soutient l’ESS"
    widget._on_message(widget, {"action": "new_code", "in_vivo": True, "parent": "leviers", **span}, [])
    assert "existant" in widget.message and len(CodingStore.of(corpus).replay().codings) == 2
    widget._on_message(widget, {"action": "new_code", "in_vivo": True, "start": 0, "end": 0}, [])
    assert "sélectionnez les mots" in widget.error


def test_codebook_changes_from_the_annotator_move_the_highlights(corpus):
    widget, _ = _annotator_with_coding(corpus, "commande", "leviers/commande-publique")
    widget._on_message(widget, {"action": "rename_code", "code": "leviers/commande-publique", "value": "achats"}, [])
    assert widget.error == "" and [c["code"] for c in widget.codings] == ["leviers/achats"]
    widget._on_message(widget, {"action": "merge_code", "code": "leviers/achats", "value": "acteurs"}, [])
    assert [c["code"] for c in widget.codings] == ["acteurs"] and widget.codings[0]["colour"] == "#D55E00"
    widget._on_message(widget, {"action": "retire_code", "code": "acteurs"}, [])
    assert next(code for code in widget.codebook if code["path"] == "acteurs")["retired"]
    widget._on_message(widget, {"action": "undo"}, [])
    widget._on_message(widget, {"action": "undo"}, [])
    assert [c["code"] for c in widget.codings] == ["leviers/achats"]
    widget._on_message(widget, {"action": "merge_code", "code": "leviers", "value": "acteurs"}, [])
    assert "sous-codes" in widget.error
    widget._on_message(widget, {"action": "split_code", "code": "leviers/achats", "value": "marches", "keyword": "ailleurs"}, [])
    assert "aucun codage" in widget.error and [c["code"] for c in widget.codings] == ["leviers/achats"]
    widget._on_message(widget, {"action": "split_code", "code": "leviers/achats", "value": "marches", "keyword": "COMMANDE"}, [])
    assert widget.error == "" and [c["code"] for c in widget.codings] == ["leviers/marches"]


def test_a_saved_memo_reaches_the_browser_at_once(corpus):
    widget = Annotator("entretien", coder="marie", corpus=corpus)
    text = corpus.text("entretien")
    widget._on_message(widget, {"action": "add", "start": 0, "end": utf16(text, 5), "codes": ["acteurs"]}, [])
    before = widget.codings
    widget._on_message(widget, {"action": "memo", "id": before[0]["id"], "memo": "à revoir"}, [])
    assert before[0]["memo"] == "" and widget.codings[0]["memo"] == "à revoir"
    assert widget.codings_changes["upsert"][0]["memo"] == "à revoir"  # a new value, so it is synced


def _as_browser_sees(widget) -> list[dict]:
    """The codings the browser rebuilds from the full list and the changes (annotator.js, codingsOf)."""
    changes = widget.codings_changes
    replaced = set(changes.get("remove", [])) | {c["id"] for c in changes.get("upsert", [])}
    current = [c for c in widget.codings_base if c["id"] not in replaced] + changes.get("upsert", [])
    return sorted(current, key=lambda c: (c["start"], c["end"], c["id"]))


def test_an_action_sends_only_what_changed(corpus, monkeypatch):
    monkeypatch.setattr("analysis.widgets.annotator.COMPACT_AFTER", 3)
    widget = Annotator("entretien", coder="marie", corpus=corpus)
    for start in (0, 2):
        widget._on_message(widget, {"action": "add", "start": start, "end": start + 4, "codes": ["acteurs"]}, [])
    assert widget.codings_base == [] and len(widget.codings_changes["upsert"]) == 2
    widget._on_message(widget, {"action": "remove", "id": widget.codings[0]["id"]}, [])
    assert widget.codings_changes["remove"] == [] and len(widget.codings_changes["upsert"]) == 1
    assert _as_browser_sees(widget) == widget.codings
    for start in (10, 12, 14):
        widget._on_message(widget, {"action": "add", "start": start, "end": start + 4, "codes": ["acteurs"]}, [])
    assert widget.codings_changes == {} and widget.codings_base == widget.codings, "long changes: the whole list again"
    widget._on_message(widget, {"action": "remove", "id": widget.codings[0]["id"]}, [])
    assert widget.codings_changes["remove"] and _as_browser_sees(widget) == widget.codings
    assert json.loads(widget._codings_wire(widget.codings_base)) == widget.codings_base


def test_extracts_follow_new_codings_on_their_sync(corpus):
    widget = Annotator("entretien", coder="marie", corpus=corpus)
    shown = Extracts("acteurs", annotator=widget, corpus=corpus)
    assert shown.rows == [] and "Aucun extrait" in shown.error
    text = corpus.text("entretien")
    widget._on_message(widget, {"action": "add", "start": 0, "end": utf16(text, 11), "codes": ["acteurs"]}, [])
    shown._on_message(shown, {"action": "sync"}, [])
    assert [row["text"] for row in shown.rows] == ["# Entretien"] and shown.error == ""


def test_auto_coding_from_the_annotator_previews_then_codes_the_ticked_passages(corpus):
    widget = Annotator("entretien", coder="marie", corpus=corpus)
    widget._on_message(widget, {"action": "autocode_preview", "mode": "speaker", "query": "elue", "extent": "match"}, [])
    text = corpus.text("entretien")
    turn = "La commande publique 🌱 soutient l’ESS."
    assert [(p["text"], p["here"]) for p in widget.proposals] == [(turn, True)]
    start = text.index(turn)
    assert (widget.proposals[0]["start"], widget.proposals[0]["end"]) == (utf16(text, start), utf16(text, start + len(turn)))
    widget._on_message(widget, {"action": "autocode_apply", "code": "acteurs", "keep": []}, [])
    assert "cochez au moins" in widget.error
    widget._on_message(widget, {"action": "autocode_apply", "code": "acteurs", "keep": [0]}, [])
    [coding] = CodingStore.of(corpus).replay().codings.to_dict("records")
    assert coding["text"] == turn and coding["auto"] == "locuteur « elue » ; doc_id=entretien" and widget.proposals == []
    widget._on_message(widget, {"action": "autocode_preview", "mode": "regex", "query": "("}, [])
    assert "expression régulière invalide" in widget.error
    # whole documents by attribute, across the corpus
    widget._on_message(widget, {"action": "autocode_preview", "mode": "attribute", "query": "genre=entretien"}, [])
    assert [(p["doc_id"], p["text"]) for p in widget.proposals] == [("entretien", text.rstrip())] and widget.error == ""
    widget._on_message(widget, {"action": "autocode_preview", "mode": "attribute", "query": "genre"}, [])
    assert "condition invalide « genre »" in widget.error


def test_a_code_s_label_colour_and_definition_change_from_the_annotator(corpus):
    widget = Annotator("entretien", coder="marie", corpus=corpus)
    widget._on_message(widget, {"action": "edit_code", "code": "acteurs", "label": "Acteurs de l’ESS", "colour": "#0072B2"}, [])
    entry = next(c for c in widget.codebook if c["path"] == "acteurs")
    assert widget.error == "" and (entry["label"], entry["colour"]) == ("Acteurs de l’ESS", "#0072B2")
    [event] = CodingStore.of(corpus).events("marie")[0]
    assert event["event"] == "code-edit" and event["after"] == {"label": "Acteurs de l’ESS", "colour": "#0072B2"}
    widget._on_message(widget, {"action": "edit_code", "code": "acteurs"}, [])
    assert "rien à modifier" in widget.error
    widget._on_message(widget, {"action": "undo"}, [])
    assert next(c for c in widget.codebook if c["path"] == "acteurs")["label"] == "Acteurs"


def test_suggested_segments_are_proposals_the_coder_accepts_or_rejects(tmp_path):
    from analysis.coding.autocode import autocode, find_passages
    from conftest import copy_seed_corpus

    seed = Corpus.open(copy_seed_corpus(tmp_path / "corpus"))
    for keyword, code in (("commande publique", "leviers/commande-publique"), ("foncier", "leviers/acces-foncier")):
        autocode(seed, "marie", code, find_passages(seed, keyword=keyword, extent="sentence"), keyword)
    widget = Annotator("rtes-plan-actions-2022", coder="paul", corpus=seed)
    widget._on_message(widget, {"action": "autocode_preview", "mode": "suggest", "code": "leviers/inconnu"}, [])
    assert "code inconnu" in widget.error
    widget._on_message(widget, {"action": "autocode_preview", "mode": "suggest", "code": "leviers/commande-publique"}, [])
    assert widget.error == "" and len(widget.proposals) == 10 and "10 segment(s) proposé(s)" in widget.message
    first = [(p["doc_id"], p["text"]) for p in widget.proposals]
    widget._on_message(widget, {"action": "autocode_apply", "code": "acteurs", "keep": [0, 2]}, [])
    assert "proposés pour « leviers/commande-publique »" in widget.error, "a suggestion is for its own code"
    widget._on_message(widget, {"action": "autocode_apply", "code": "leviers/commande-publique", "keep": [0, 2]}, [])
    replay = CodingStore.of(seed).replay(["paul"])
    written = replay.codings
    assert len(written) == 2 and set(written["auto"]) == {"suggestion d’après les codages « leviers/commande-publique »"}
    assert len(replay.rejections) == 8 and set(replay.rejections["code"]) == {"leviers/commande-publique"}
    assert "8 rejeté(s)" in widget.message
    # the rejected segments are remembered: a new round of suggestions proposes none of them
    widget._on_message(widget, {"action": "autocode_preview", "mode": "suggest", "code": "leviers/commande-publique"}, [])
    again = {(p["doc_id"], p["text"]) for p in widget.proposals}
    assert widget.error == "" and again and not again & {first[n] for n in (1, 3, 4, 5, 6, 7, 8, 9)}
    widget._on_message(widget, {"action": "undo"}, [])  # a rejection is undone like any event
    assert len(CodingStore.of(seed).replay(["paul"]).rejections) == 7
