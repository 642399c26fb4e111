"""Blind coding rounds: the annotator hides the others' codings while a round is open; closing it
measures the agreement and lists the disagreements; bad requests change nothing."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import Corpus
from analysis.cli.main import main
from analysis.coding.rounds import blind, close_round, open_round, rounds
from analysis.coding.store import CodingStore, code_span
from analysis.errors import AtelierError
from analysis.widgets.annotator import Annotator
from conftest import copy_seed_corpus, snapshot

DOC = "rtes-plan-actions-2022"
CODE = "plan-actions/axe-1-vingt-ans"


@pytest.fixture
def corpus(tmp_path) -> Corpus:
    return Corpus.open(copy_seed_corpus(tmp_path / "corpus"))


def test_an_open_round_hides_the_other_coders_until_it_is_closed(corpus):
    code_span(corpus, "marie", DOC, 0, 20, CODE)
    code_span(corpus, "paul", DOC, 0, 20, CODE)
    code_span(corpus, "paul", DOC, 300, 340, "leviers")
    open_round(corpus, "tour-1", [DOC], ["marie", "paul"])
    assert blind(corpus, "marie", DOC) == "tour-1" and blind(corpus, "lea", DOC) == ""
    widget = Annotator(DOC, coder="marie", corpus=corpus)
    assert {c["coder"] for c in widget.codings} == {"marie"} and widget.coders == ["marie"]
    assert "aveugle « tour-1 »" in widget.message
    with pytest.raises(AtelierError, match="pas encore marqué terminé : rtes-plan-actions-2022 \\(marie\\)"):
        close_round(corpus, "tour-1")
    for coder in ("marie", "paul"):
        CodingStore.of(corpus).mark_done(coder, DOC)
    table, differences = close_round(corpus, "tour-1")
    assert set(table["code"]) >= {CODE, "(ensemble)"}
    assert differences[["code", "coded_by", "not_coded_by"]].drop_duplicates().values.tolist() == [["leviers", "paul", "marie"]]
    saved = pd.read_csv(corpus.root / "rounds" / "tour-1-desaccords.csv")
    assert len(saved) == len(differences)
    assert rounds(corpus).set_index("name").at["tour-1", "closed"]
    widget._refresh(force=True)
    assert {c["coder"] for c in widget.codings} == {"marie", "paul"}


def test_bad_rounds_are_refused_in_french_and_nothing_is_written(corpus, capsys):
    before = snapshot(corpus.root)
    for args, message in (
            (["open", "Tour 1", "--docs", DOC, "--coders", "a", "b"], "nom de tour invalide"),
            (["open", "t", "--docs", "inconnu", "--coders", "a", "b"], "documents inconnus : inconnu"),
            (["open", "t", "--docs", DOC, "--coders", "a"], "au moins deux codeurs"),
            (["close", "absent"], "tour de codage inconnu")):
        assert main(["--corpus", str(corpus.root), "round", *args]) == 2
        error = capsys.readouterr().err
        assert message in error and "Traceback" not in error
    assert snapshot(corpus.root) == before
    assert main(["--corpus", str(corpus.root), "round", "open", "t", "--docs", DOC, "--coders", "a", "b"]) == 0
    assert main(["--corpus", str(corpus.root), "round"]) == 0
    assert "t : ouvert ; 1 document(s) ; codeurs : a, b" in capsys.readouterr().out
    assert main(["--corpus", str(corpus.root), "round", "open", "t", "--docs", DOC, "--coders", "a", "b"]) == 2
    assert "existe déjà" in capsys.readouterr().err
