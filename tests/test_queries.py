"""Queries: extracts, the code × attribute matrix, co-occurrence, keyword in context."""

from __future__ import annotations

import pytest

from analysis import Corpus
from analysis.coding.queries import code_attribute_matrix, cooccurrence, current_codings, extracts, kwic
from conftest import SEED_CORPUS


@pytest.fixture
def coded(atelier, corpus_dir, tmp_path) -> Corpus:
    texts = {
        "lille": ("Lille soutient les SCIC et la commande publique responsable.", "2019", "région"),
        "nantes": ("Nantes mobilise la commande publique. Les SCIC et le foncier aussi.", "2021", "commune"),
    }
    for doc_id, (text, year, level) in texts.items():
        path = tmp_path / f"{doc_id}.txt"
        path.write_text(text + "\n", encoding="utf-8")
        atelier("ingest", path, "--date", year, "--attr", f"level={level}")
    corpus = Corpus.open(corpus_dir)
    for doc_id in texts:
        text = corpus.text(doc_id)
        for snippet, code, coder in (("SCIC", "instruments/scic", "marie"),
                                     ("commande publique", "instruments/commande-publique", "marie"),
                                     ("la commande publique", "leviers", "paul")):
            start = text.index(snippet)
            atelier("code", doc_id, start, start + len(snippet), code, "--coder", coder)
    return corpus


def test_extracts_include_subcodes_and_context(coded):
    table = extracts(coded, current_codings(coded), "instruments", context=10)
    assert len(table) == 4
    first = table.iloc[0]
    assert (first["doc_id"], first["text"], first["before"]) == ("lille", "SCIC", "tient les ")
    assert set(table["code"]) == {"instruments/scic", "instruments/commande-publique"}
    assert extracts(coded, current_codings(coded), "instruments", include_subcodes=False).empty


def test_code_attribute_matrix_rolls_up_to_parents(coded):
    documents = coded.documents()
    matrix = code_attribute_matrix(current_codings(coded), documents, "year")
    assert matrix.loc["instruments", "2019"] == 2 and matrix.loc["instruments", "2021"] == 2
    assert matrix.loc["instruments/scic", "2021"] == 1
    by_level = code_attribute_matrix(current_codings(coded), documents, "level", count="documents")
    assert by_level.loc["leviers"].to_dict() == {"commune": 1, "région": 1}


def test_cooccurrence_by_overlap_and_by_segment(coded):
    codings = current_codings(coded)
    overlap = cooccurrence(codings)
    # "la commande publique" (paul) contains "commande publique" (marie) in both documents
    assert overlap.loc["leviers", "instruments/commande-publique"] == 2
    assert overlap.loc["leviers", "instruments/scic"] == 0
    by_segment = cooccurrence(codings, coded.units("segment", size=40))
    assert by_segment.loc["instruments/scic", "leviers"] == 2


def test_kwic_on_the_seed_corpus():
    table = kwic(Corpus.open(SEED_CORPUS), "commande publique")
    assert len(table) >= 5
    assert (table["match"].str.lower() == "commande publique").all()
    private = set(Corpus.open(SEED_CORPUS).documents().query("private == 'true'")["doc_id"])
    public_only = kwic(Corpus.open(SEED_CORPUS), "foncier", include_private=False)
    assert not set(public_only["doc_id"]) & private
