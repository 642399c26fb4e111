"""The coding logs: replay, undo and redo, concurrent writers, torn lines, re-anchoring."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from analysis import Corpus
from analysis.coding.anchoring import anchored_codings, reanchor
from analysis.coding.store import CodingStore
from analysis.errors import AtelierError
from conftest import REPO


@pytest.fixture
def store(tmp_path) -> CodingStore:
    return CodingStore(tmp_path / "codings")


def _lines(store: CodingStore, coder: str) -> list[dict]:
    return [json.loads(line) for line in store.path(coder).read_text(encoding="utf-8").splitlines()]


def test_replay_applies_add_update_memo_remove(store):
    first = store.add("marie", "plan", "h1", 10, 20, "leviers", "0123456789")
    second = store.add("marie", "plan", "h1", 30, 35, "acteurs/elus", "élus!")
    store.update("marie", first["coding"], code="leviers/commande-publique")
    store.memo("marie", "coding", first["coding"], "à discuter en réunion")
    store.memo("marie", "document", "plan", "document central")
    store.remove("marie", second["coding"])
    replay = store.replay()
    assert replay.problems == []
    [coding] = replay.codings.to_dict("records")
    assert (coding["code"], coding["memo"], coding["start"], coding["end"]) == (
        "leviers/commande-publique", "à discuter en réunion", 10, 20)
    assert replay.memos[["target", "ref", "coder", "memo"]].values.tolist() == [
        ["document", "plan", "marie", "document central"]]
    assert [e["event"] for e in _lines(store, "marie")] == ["add", "add", "update", "memo", "memo", "remove"]


def test_undo_and_redo_append_inverse_events(store):
    added = store.add("paul", "d", "h", 0, 4, "a", "abcd")
    store.update("paul", added["coding"], code="b")
    store.remove("paul", added["coding"])
    assert store.replay().codings.empty
    store.undo("paul")  # the removal
    assert store.replay().codings["code"].tolist() == ["b"]
    store.undo("paul")  # the update
    assert store.replay().codings["code"].tolist() == ["a"]
    store.redo("paul")  # the update again
    assert store.replay().codings["code"].tolist() == ["b"]
    store.undo("paul")
    store.undo("paul")  # the addition
    assert store.replay().codings.empty
    assert store.undo("paul") is None
    store.redo("paul")
    assert store.replay().codings["code"].tolist() == ["a"]
    events = _lines(store, "paul")
    assert len(events) == 9, "every step is kept in the log"
    assert sum("undoes" in e for e in events) == 4 and sum("redoes" in e for e in events) == 2


def test_a_new_action_clears_redo(store):
    added = store.add("paul", "d", "h", 0, 4, "a", "abcd")
    store.update("paul", added["coding"], code="b")
    store.undo("paul")
    store.update("paul", added["coding"], memo="nouvelle action")
    assert store.redo("paul") is None
    assert store.replay().codings["code"].tolist() == ["a"]


def test_coders_only_change_their_own_codings(store):
    added = store.add("marie", "d", "h", 0, 4, "a", "abcd")
    with pytest.raises(AtelierError, match="ses propres codages"):
        store.remove("paul", added["coding"])
    with pytest.raises(AtelierError, match="nom de codeur invalide"):
        store.add("Marie Curie", "d", "h", 0, 4, "a", "abcd")


WRITER = """
import sys
from pathlib import Path
from analysis.coding.store import CodingStore
store = CodingStore(Path(sys.argv[1]))
for n in range(int(sys.argv[3])):
    store.add("commun", "doc", "h", n, n + 1, sys.argv[2], "x")
"""


def test_concurrent_writers_lose_nothing(store):
    processes = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(store.directory), f"code-{k}", "150"], cwd=REPO)
        for k in range(4)
    ]
    assert [p.wait(timeout=120) for p in processes] == [0, 0, 0, 0]
    events = _lines(store, "commun")
    assert len(events) == 600
    replay = store.replay()
    assert replay.problems == [] and len(replay.codings) == 600
    assert replay.codings.groupby("code").size().tolist() == [150] * 4


def test_torn_last_line_is_reported_then_set_aside(store):
    for n in range(3):
        store.add("marie", "d", "h", n, n + 1, "a", "x")
    path = store.path("marie")
    intact = path.read_bytes()
    path.write_bytes(intact + b'{"event": "add", "id": "tor')
    events, problems = store.events("marie")
    assert len(events) == 3
    assert len(problems) == 1 and problems[0].line == 4 and "incomplète" in problems[0].message
    store.add("marie", "d", "h", 9, 10, "a", "y")
    assert path.read_bytes().startswith(intact)
    assert store.events("marie")[1] == [] and len(store.events("marie")[0]) == 4
    assert (store.directory / "marie.torn.jsonl").read_bytes() == b'{"event": "add", "id": "tor\n'
    assert store.coders() == ["marie"]


def test_unreadable_middle_line_is_reported_with_its_number(store):
    store.add("marie", "d", "h", 0, 1, "a", "x")
    path = store.path("marie")
    path.write_bytes(path.read_bytes() + b"pas du json\n")
    store.add("marie", "d", "h", 1, 2, "a", "y")
    replay = store.replay()
    assert len(replay.codings) == 2
    assert [(p.line, "illisible" in p.message) for p in replay.problems] == [(2, True)]


def test_reanchor_follows_moved_and_unchanged_lines():
    old = "Titre\nLa commande publique responsable.\nLes SCIC 🌱 associent.\nFin.\n"
    new = "Titre\nUn paragraphe ajouté au début.\nLa commande publique responsable.\nLes SCIC 🌱 associent des élus.\nFin.\n"
    start = old.index("commande publique")
    assert reanchor(old, new, start, start + 17) == (new.index("commande publique"), new.index("commande publique") + 17)
    scic = old.index("SCIC 🌱")
    span = reanchor(old, new, scic, scic + 6)
    assert new[span[0]:span[1]] == "SCIC 🌱"
    gone = old.index("Fin")
    assert reanchor(old, new.replace("Fin.", "Conclusion."), gone, gone + 3) is None


def test_codings_are_reanchored_on_a_new_version(atelier, corpus_dir, tmp_path):
    source = tmp_path / "entretien-note.txt"
    source.write_text("Le foncier est un levier.\n\nLa SCIC réunit la commune.\n\nUne phrase supprimée ensuite.\n",
                      encoding="utf-8")
    atelier("ingest", source)
    corpus = Corpus.open(corpus_dir)
    text = corpus.text("entretien-note")
    for snippet, code in (("SCIC réunit la commune", "scic"), ("phrase supprimée", "autre"), ("foncier", "foncier")):
        start = text.index(snippet)
        status, _, err = atelier("code", "entretien-note", start, start + len(snippet), code, "--coder", "marie")
        assert status == 0, err
    source.write_text("Introduction ajoutée.\n\nLe foncier est un levier majeur.\n\nLa SCIC réunit la commune.\n",
                      encoding="utf-8")
    atelier("ingest", source)
    placed = anchored_codings(corpus, CodingStore.of(corpus).replay().codings).set_index("code")
    new_text = corpus.text("entretien-note-v2")
    assert placed.loc["scic", "status"] == "réancré" and placed.loc["scic", "doc_id"] == "entretien-note-v2"
    assert new_text[placed.loc["scic", "start"]:placed.loc["scic", "end"]] == "SCIC réunit la commune"
    assert placed.loc["foncier", "status"] == "réancré"
    assert new_text[placed.loc["foncier", "start"]:placed.loc["foncier", "end"]] == "foncier"
    assert placed.loc["autre", "status"] == "non replacé"
    status, out, _ = atelier("codings", "--check")
    assert status == 2 and "2 réancré(s)" in out and "1 à revoir" in out


def test_a_coding_whose_text_no_longer_matches_is_reported(atelier, corpus_dir, tmp_path):
    source = tmp_path / "note.txt"
    source.write_text("Un texte sur les PTCE.\n", encoding="utf-8")
    atelier("ingest", source)
    atelier("code", "note", 17, 21, "ptce", "--coder", "paul")
    log = corpus_dir / "codings" / "paul.jsonl"
    log.write_text(log.read_text(encoding="utf-8").replace('"text": "PTCE"', '"text": "SCIC"'), encoding="utf-8")
    placed = anchored_codings(Corpus.open(corpus_dir), CodingStore.of(Corpus.open(corpus_dir)).replay().codings)
    assert placed["status"].tolist() == ["texte différent"]


def test_cli_code_validates_span_and_code(atelier, corpus_dir, tmp_path):
    source = tmp_path / "note.txt"
    source.write_text("Les élus et la commande publique.\n", encoding="utf-8")
    atelier("ingest", source)
    (corpus_dir / "codebook.yaml").write_text(
        "codes:\n  - path: leviers\n    label: Leviers\n    colour: '#1b9e77'\n"
        "  - path: leviers/commande-publique\n    label: Commande publique\n    colour: '#1b9e77'\n",
        encoding="utf-8")
    status, _, err = atelier("code", "note", 10, 500, "leviers", "--coder", "marie")
    assert status == 2 and "positions invalides" in err
    status, _, err = atelier("code", "note", 0, 3, "leviers/commande", "--coder", "marie")
    assert status == 2 and "code inconnu" in err and "leviers/commande-publique" in err
    assert not (corpus_dir / "codings").exists()
    start = len("Les élus et la ")
    status, out, _ = atelier("code", "note", start, start + 17, "leviers/commande-publique", "--coder", "marie")
    assert status == 0 and "« commande publique »" in out
    status, out, _ = atelier("codings", "--code", "leviers")
    assert "commande publique" in out and "1 codage(s)" in out
    assert atelier("undo", "--coder", "marie")[0] == 0
    assert "0 codage(s)" in atelier("codings")[1]
    assert "rétabli" in atelier("redo", "--coder", "marie")[1]
    status, out, _ = atelier("codebook")
    assert "commande-publique — Commande publique (1)" in out


def test_every_writer_of_a_corpus_goes_through_one_check(atelier, corpus_dir, tmp_path):
    """``CodingStore.of(corpus)`` refuses what the CLI refuses, whoever writes: an accepted
    suggestion with a code the codebook lacks, a passage recorded from an older text, a recode."""
    import pandas as pd

    from analysis.coding.store import accept_suggestion

    source = tmp_path / "note.txt"
    source.write_text("Les élus et la commande publique.\n", encoding="utf-8")
    atelier("ingest", source)
    (corpus_dir / "codebook.yaml").write_text(
        "codes:\n  - path: leviers\n    label: Leviers\n    colour: '#1b9e77'\n", encoding="utf-8")
    corpus = Corpus.open(corpus_dir)
    store = CodingStore.of(corpus)
    sha = corpus.document("note")["text_sha256"]
    with pytest.raises(AtelierError, match="code inconnu : « acteurs »"):
        accept_suggestion(corpus, "paul", pd.Series({"doc_id": "note", "start": 4, "end": 8, "code": "acteurs"}))
    with pytest.raises(AtelierError, match="ne correspond plus au texte"):
        store.add("paul", "note", sha, 4, 8, "leviers", "ELUS")
    with pytest.raises(AtelierError, match="positions invalides"):
        store.add("paul", "note", sha, 4, 400, "leviers", "élus")
    assert not (corpus_dir / "codings").exists()
    added = accept_suggestion(corpus, "paul", pd.Series({"doc_id": "note", "start": 4, "end": 8, "code": "leviers"}))
    assert added["text"] == "élus" and added["text_sha256"] == sha
    with pytest.raises(AtelierError, match="code inconnu"):
        store.update("paul", added["coding"], code="acteurs")
    assert [c.code for c in store.replay().codings.itertuples()] == ["leviers"]
    # a bare store only keeps the logs: codes from elsewhere (merged logs, imports) are kept as they are
    CodingStore(corpus_dir / "codings").add("paul", "note", sha, 0, 3, "acteurs", "Les")
    assert sorted(store.replay().codings["code"]) == ["acteurs", "leviers"]
