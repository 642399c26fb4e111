"""The codebook changes while coding (new, rename, move, merge, split, retire, edit) and codings follow:
replay, undo and redo of each change, concurrent changes, hand edits reported by the check."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml
from hypothesis import given, settings, strategies as st

from analysis import Corpus
from analysis.coding.code_ids import resolve_codes
from analysis.coding.codebook import known_code, load_codebook
from analysis.coding.evolution import (
    edit_code, merge_codes, move_code, new_code, orphan_codes, rename_code, retire_code, split_code,
)
from analysis.coding.store import CodingStore, code_span
from analysis.errors import AtelierError
from conftest import REPO, copy_seed_corpus, snapshot

AXIS = "plan-actions/axe-1-vingt-ans"
DOC = "rtes-plan-actions-2022"


@pytest.fixture
def corpus(tmp_path) -> Corpus:
    return Corpus.open(copy_seed_corpus(tmp_path / "corpus"))


def _codes(corpus: Corpus, coder: str | None = None) -> list[str]:
    return CodingStore.of(corpus).replay([coder] if coder else None).codings.sort_values("coding_id")["code"].tolist()


def _legacy_coding(corpus: Corpus, coder: str, code: str, start: int = 40) -> dict:
    """A coding as written before codes had ids: a path only."""
    sha, text = corpus.document(DOC)["text_sha256"], corpus.text(DOC)[start:start + 10]
    return CodingStore.of(corpus).append(coder, {"event": "add", "coding": f"legacy-{coder}-{start}", "doc_id": DOC,
                                                 "text_sha256": sha, "start": start, "end": start + 10,
                                                 "code": code, "text": text})


def test_a_renamed_code_keeps_its_codings_and_the_file_keeps_its_comments(corpus):
    before = corpus.codebook_path.read_text(encoding="utf-8")
    code_span(corpus, "marie", DOC, 0, 20, AXIS)
    _legacy_coding(corpus, "paul", AXIS)
    rename_code(corpus, "marie", AXIS, "anniversaire")
    assert _codes(corpus) == ["plan-actions/anniversaire"] * 2
    after = corpus.codebook_path.read_text(encoding="utf-8")
    changed = [line for line in after.splitlines() if line not in before.splitlines()]
    assert changed == ["  - path: plan-actions/anniversaire", "    id: plan-actions/axe-1-vingt-ans"]
    assert after.startswith(before.split("version:")[0])  # the header comment block
    with pytest.raises(AtelierError, match="code inconnu"):
        known_code(corpus.codebook_path, AXIS)
    assert CodingStore.of(corpus).undo("marie")["undoes"]
    assert corpus.codebook_path.read_text(encoding="utf-8") == before
    assert _codes(corpus) == [AXIS] * 2
    CodingStore.of(corpus).redo("marie")
    assert _codes(corpus, "paul") == ["plan-actions/anniversaire"]


def test_a_moved_code_takes_its_subcodes_and_their_codings(corpus):
    parent = "plan-actions/axe-2-territoires-fragiles"
    codebook = load_codebook(corpus.codebook_path)
    children = [p for p in codebook["path"] if p.startswith(parent + "/")]
    code_span(corpus, "marie", DOC, 0, 20, children[0])
    move_code(corpus, "marie", parent, "mutations")
    moved = set(load_codebook(corpus.codebook_path)["path"])
    assert "mutations/axe-2-territoires-fragiles" in moved and not any(p.startswith(parent) for p in moved)
    assert _codes(corpus) == [children[0].replace("plan-actions/", "mutations/")]
    move_code(corpus, "marie", "mutations/axe-2-territoires-fragiles", "")
    assert _codes(corpus) == [children[0].replace("plan-actions/", "")]
    CodingStore.of(corpus).undo("marie")
    CodingStore.of(corpus).undo("marie")
    assert _codes(corpus) == [children[0]]


def test_merged_codings_count_for_the_target_and_undo_separates_them(corpus):
    code_span(corpus, "marie", DOC, 0, 20, AXIS)
    _legacy_coding(corpus, "paul", AXIS)
    target = "plan-actions/axe-3-plaidoyer" if "plan-actions/axe-3-plaidoyer" in set(
        load_codebook(corpus.codebook_path)["path"]) else "plan-actions"
    merge_codes(corpus, "paul", AXIS, target)
    assert AXIS not in set(load_codebook(corpus.codebook_path)["path"])
    assert _codes(corpus) == [target, target]
    later = code_span(corpus, "marie", DOC, 100, 110, target)
    CodingStore.of(corpus).undo("paul")
    codings = CodingStore.of(corpus).replay().codings.set_index("coding_id")["code"]
    assert codings.drop(later["coding"]).tolist() == [AXIS, AXIS] and codings[later["coding"]] == target


def test_a_code_with_subcodes_is_not_merged_and_nothing_changes(corpus):
    before = snapshot(corpus.root)
    with pytest.raises(AtelierError, match="sous-codes"):
        merge_codes(corpus, "marie", "plan-actions", "leviers")
    with pytest.raises(AtelierError, match="existe déjà"):
        rename_code(corpus, "marie", AXIS, "plan-actions/axe-2-territoires-fragiles")
    with pytest.raises(AtelierError, match="livre de codes invalide"):
        edit_code(corpus, "marie", AXIS, colour="rouge")
    with pytest.raises(AtelierError, match="nom de codeur invalide"):
        new_code(corpus, "Marie Curie", "leviers/essai", "Essai")
    assert snapshot(corpus.root) == before


def test_a_retired_code_keeps_its_codings_but_takes_no_new_one(corpus):
    code_span(corpus, "marie", DOC, 0, 20, AXIS)
    retire_code(corpus, "marie", AXIS)
    assert _codes(corpus) == [AXIS]
    assert load_codebook(corpus.codebook_path).set_index("path").at[AXIS, "retired"]
    with pytest.raises(AtelierError, match="retiré"):
        code_span(corpus, "marie", DOC, 30, 40, AXIS)
    CodingStore.of(corpus).undo("marie")
    code_span(corpus, "marie", DOC, 30, 40, AXIS)
    assert _codes(corpus) == [AXIS, AXIS]


def test_new_and_edited_codes_and_their_undo(corpus):
    before = corpus.codebook_path.read_text(encoding="utf-8")
    new_code(corpus, "marie", "leviers/essai", "Essai <b>« guillemets »</b>")
    created = load_codebook(corpus.codebook_path).set_index("path").loc["leviers/essai"]
    leviers = load_codebook(corpus.codebook_path).set_index("path").loc["leviers"]
    assert created["label"] == "Essai <b>« guillemets »</b>" and created["colour"] == leviers["colour"]
    edit_code(corpus, "marie", "leviers/essai", label="Essai", definition="Une définition : avec deux-points")
    edited = load_codebook(corpus.codebook_path).set_index("path").loc["leviers/essai"]
    assert (edited["label"], edited["definition"]) == ("Essai", "Une définition : avec deux-points")
    CodingStore.of(corpus).undo("marie")
    assert load_codebook(corpus.codebook_path).set_index("path").at["leviers/essai", "label"].startswith("Essai <b>")
    code_span(corpus, "marie", DOC, 0, 20, "leviers/essai")
    CodingStore.of(corpus).undo("marie")  # the coding
    CodingStore.of(corpus).undo("marie")  # the code itself, now unused
    assert corpus.codebook_path.read_text(encoding="utf-8") == before


def test_a_code_in_use_cannot_be_uncreated(corpus):
    new_code(corpus, "marie", "leviers/essai", "Essai")
    code_span(corpus, "paul", DOC, 0, 20, "leviers/essai")
    with pytest.raises(AtelierError, match="utilisé par des codages"):
        CodingStore.of(corpus).undo("marie")


def test_a_path_used_again_after_a_rename_is_a_new_code(corpus):
    _legacy_coding(corpus, "paul", AXIS)
    rename_code(corpus, "marie", AXIS, "anniversaire")
    new_code(corpus, "marie", AXIS, "Nouvel axe 1")
    code_span(corpus, "marie", DOC, 0, 20, AXIS)
    codings = CodingStore.of(corpus).replay().codings.set_index("coder")
    assert codings.at["paul", "code"] == "plan-actions/anniversaire" and codings.at["marie", "code"] == AXIS
    assert codings.at["paul", "code_id"] != codings.at["marie", "code_id"]


def test_a_rename_by_hand_is_reported_with_the_command_that_fixes_it(corpus, capsys):
    from analysis.cli.main import main

    code_span(corpus, "marie", DOC, 0, 20, AXIS)
    text = corpus.codebook_path.read_text(encoding="utf-8")
    corpus.codebook_path.write_text(text.replace(f"- path: {AXIS}\n", "- path: plan-actions/axe-1-anniversaire\n"),
                                    encoding="utf-8")
    assert main(["--corpus", str(corpus.root), "codebook", "check"]) == 2
    error = capsys.readouterr().err
    fix = f"atelier codebook rename {AXIS} plan-actions/axe-1-anniversaire --coder marie"
    assert f"1 codage(s) de marie portent le code « {AXIS} »" in error and fix in error
    assert main(["--corpus", str(corpus.root), *fix.split()[1:]]) == 0
    assert main(["--corpus", str(corpus.root), "codebook", "check"]) == 0
    assert orphan_codes(corpus).empty and _codes(corpus) == ["plan-actions/axe-1-anniversaire"]


def test_the_cli_changes_the_codebook_and_refuses_bad_changes_in_french(corpus, capsys):
    from analysis.cli.main import main

    def atelier(*args: str) -> tuple[int, str]:
        try:
            status = main(["--corpus", str(corpus.root), *args])
        except SystemExit as stop:  # argparse's errors
            status = stop.code
        captured = capsys.readouterr()
        return status, captured.out + captured.err

    assert atelier("codebook", "new", "leviers/essai", "--label", "Essai", "--coder", "marie")[0] == 0
    assert atelier("codebook", "rename", "leviers/essai", "test", "--coder", "marie")[0] == 0
    assert atelier("codebook", "move", "leviers/test", "acteurs", "--coder", "marie")[0] == 0
    assert atelier("codebook", "edit", "acteurs/test", "--colour", "#123456", "--coder", "marie")[0] == 0
    assert atelier("codebook", "retire", "acteurs/test", "--coder", "marie")[0] == 0
    status, shown = atelier("codebook")
    assert status == 0 and "test — Essai (0) [retiré]" in shown
    before = snapshot(corpus.root)
    for args, message in ((("codebook", "merge", "acteurs/test", "inconnu", "--coder", "marie"), "code inconnu"),
                          (("codebook", "retire", "acteurs/test", "--coder", "marie"), "déjà retiré"),
                          (("codebook", "rename", "acteurs/test", "x", "--coder", "marie", "--bad"), "arguments non reconnus")):
        status, shown = atelier(*args)
        assert status == 2 and message in shown and "Traceback" not in shown
    assert snapshot(corpus.root) == before
    assert [event["event"] for event in CodingStore.of(corpus).code_history()] == [
        "code-new", "code-repath", "code-repath", "code-edit", "code-retire"]


_RENAME = """
import sys
from analysis import Corpus
from analysis.coding.evolution import rename_code
corpus = Corpus.open(sys.argv[1])
for code in sys.argv[3:]:
    rename_code(corpus, sys.argv[2], code, code.rpartition("/")[2] + "-renomme")
"""


def test_two_coders_changing_the_codebook_at_once_lose_neither_change(corpus):
    codes = [p for p in load_codebook(corpus.codebook_path)["path"] if p.count("/") == 1]
    mine, yours = codes[0:12:2], codes[1:12:2]
    workers = [subprocess.Popen([sys.executable, "-c", _RENAME, str(corpus.root), coder, *chosen], cwd=REPO)
               for coder, chosen in (("marie", mine), ("paul", yours))]
    assert [worker.wait(timeout=120) for worker in workers] == [0, 0]
    paths = set(load_codebook(corpus.codebook_path)["path"])
    assert all(f"{code.rpartition('/')[0]}/{code.rpartition('/')[2]}-renomme" in paths for code in mine + yours)
    assert len(CodingStore.of(corpus).code_history()) == 12
    assert yaml.safe_load(corpus.codebook_path.read_text(encoding="utf-8"))["version"] == 1


def test_a_malformed_codebook_event_is_reported_not_applied(corpus):
    store = CodingStore.of(corpus)
    code_span(corpus, "marie", DOC, 0, 20, AXIS)
    with store.path("marie").open("a", encoding="utf-8") as log:
        log.write('{"event": "code-repath", "id": "x", "ts": "2030-01-01", "coder": "marie", "changes": [["a"]]}\n')
    replay = store.replay()
    assert replay.codings["code"].tolist() == [AXIS]
    assert "changes" in str(replay.problems[0])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["rename", "code"]), st.integers(0, 2)), max_size=12))
def test_legacy_codings_follow_their_code_through_any_renames(steps):
    """Codings with a path only, written between renames, stay on the code they were written on."""
    paths = {f"c{n}": f"c{n}" for n in range(3)}  # id -> current path
    history, records, expected = [], [], []
    for time, (step, n) in enumerate(steps):
        ts = f"2026-01-01T00:00:{time:02d}"
        code_id = f"c{n}"
        if step == "rename":
            new = f"{paths[code_id]}-r{time}"
            history.append({"event": "code-repath", "id": str(time), "ts": ts, "changes": [[code_id, paths[code_id], new]]})
            paths[code_id] = new
        else:
            records.append({"code": paths[code_id], "code_ts": ts})
            expected.append(code_id)
    resolve_codes(records, history, dict(paths))
    assert [record["code_id"] for record in records] == expected
    assert [record["code"] for record in records] == [paths[code_id] for code_id in expected]


def test_a_change_whose_code_is_gone_cannot_be_undone_and_says_why(corpus):
    retire_code(corpus, "marie", AXIS)
    merge_codes(corpus, "paul", AXIS, "plan-actions")
    before = snapshot(corpus.root)
    with pytest.raises(AtelierError, match="n’est plus dans le livre de codes"):
        CodingStore.of(corpus).undo("marie")
    assert snapshot(corpus.root) == before


def test_a_split_moves_the_chosen_codings_of_every_coder_and_undo_puts_them_back(corpus):
    before = corpus.codebook_path.read_text(encoding="utf-8")
    kept = code_span(corpus, "marie", DOC, 0, 20, AXIS)
    moved = code_span(corpus, "marie", DOC, 100, 130, AXIS)
    legacy = _legacy_coding(corpus, "paul", AXIS)
    split_code(corpus, "paul", AXIS, "axe-1-bis", [moved["coding"], legacy["coding"]])
    codings = CodingStore.of(corpus).replay().codings.set_index("coding_id")["code"]
    new = "plan-actions/axe-1-bis"
    assert codings.to_dict() == {kept["coding"]: AXIS, moved["coding"]: new, legacy["coding"]: new}
    assert load_codebook(corpus.codebook_path).set_index("path").at[new, "colour"] == \
        load_codebook(corpus.codebook_path).set_index("path").at[AXIS, "colour"]
    rename_code(corpus, "marie", new, "axe-1-ter")  # the moved codings follow the new code's renames
    assert _codes(corpus, "paul") == ["plan-actions/axe-1-ter"]
    CodingStore.of(corpus).undo("marie")
    CodingStore.of(corpus).undo("paul")
    assert corpus.codebook_path.read_text(encoding="utf-8") == before
    assert _codes(corpus) == [AXIS] * 3
    CodingStore.of(corpus).redo("paul")
    assert _codes(corpus, "paul") == [new]
    code_span(corpus, "marie", DOC, 200, 210, new)  # the new code now has codings of its own
    with pytest.raises(AtelierError, match="ne peut plus être annulée"):
        CodingStore.of(corpus).undo("paul")


def test_a_coding_recoded_after_a_split_stays_where_its_coder_put_it(corpus):
    coding = code_span(corpus, "marie", DOC, 0, 20, AXIS)
    split_code(corpus, "paul", AXIS, f"{AXIS}/detail", [coding["coding"]])
    assert _codes(corpus) == [f"{AXIS}/detail"]
    CodingStore.of(corpus).update("marie", coding["coding"], code=AXIS)
    assert _codes(corpus) == [AXIS]
    with pytest.raises(AtelierError, match="n’est pas un codage de"):
        split_code(corpus, "paul", f"{AXIS}/detail", "autre", [coding["coding"]])


def test_split_in_the_cli_previews_then_moves_the_codings_with_the_word(corpus, capsys):
    from analysis.cli.main import main

    at = corpus.text(DOC).index("FRAGILES")
    code_span(corpus, "marie", DOC, 0, 20, AXIS)
    code_span(corpus, "paul", DOC, at - 20, at + 8, AXIS)
    before = snapshot(corpus.root)
    arguments = ["--corpus", str(corpus.root), "codebook", "split", AXIS, "precis", "--keyword", "fragiles",
                 "--coder", "marie"]
    assert main(arguments) == 0 and "1 codage(s)" in capsys.readouterr().out
    assert snapshot(corpus.root) == before
    assert main([*arguments, "--apply"]) == 0
    assert sorted(_codes(corpus)) == [AXIS, "plan-actions/precis"]
    assert main([*arguments, "--apply"]) == 2 and "existe déjà" in capsys.readouterr().err


def test_a_rejected_suggestion_follows_its_code_and_is_undone_like_a_coding(corpus):
    store = CodingStore.of(corpus)
    store.reject("marie", DOC, 40, 90, AXIS)
    store.reject("marie", DOC, 100, 150, AXIS)
    rename_code(corpus, "paul", AXIS, "anniversaire")  # another coder renames the code: the rejections follow
    rejections = store.replay().rejections
    assert rejections[["coder", "start", "code"]].values.tolist() == [
        ["marie", 40, "plan-actions/anniversaire"], ["marie", 100, "plan-actions/anniversaire"]]
    assert store.undo("marie")["rejected"] is False
    assert store.replay().rejections["start"].tolist() == [40]
    assert store.redo("marie")["rejected"] is True
    assert store.replay().rejections["start"].tolist() == [40, 100]
    with pytest.raises(AtelierError, match="positions invalides"):
        store.reject("marie", DOC, 10, 10_000_000, "plan-actions/anniversaire")
    with pytest.raises(AtelierError, match="code inconnu"):
        store.reject("marie", DOC, 10, 20, AXIS)
    assert len(store.events("marie")[0]) == 4 and not store.replay().problems
