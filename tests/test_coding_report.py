"""The coding chapter's tables on a copy of the seed corpus coded by two researchers."""

from __future__ import annotations

import re

import pytest

from analysis import Corpus
from analysis.coding.codebook import load_codebook
from analysis.publication.coding_report import (
    ORIGIN_EXAMPLE, agreement_table, coder_table, codings_by_family_figure, family_table, key_extracts,
    key_extracts_html, locate_examples,
)
from analysis.coding.queries import current_codings
from analysis.publication.quotations import Quoter
from conftest import SEED_CORPUS, copy_seed_corpus
from analysis.coding.store import CodingStore

PLAN = "rtes-plan-actions-2022"
PRIVATE = "retour-sur-le-seminaire-du-ca-du-rtes-les-15-et"
SCIC = "plan-actions/axe-3-cooperation-economique/scic"


@pytest.fixture(scope="module")
def coded(tmp_path_factory) -> Corpus:
    """Alice and Bruno code the same passages of the plan, Bruno one more, and Alice a private page."""
    root = tmp_path_factory.mktemp("coded") / "corpus"
    copy_seed_corpus(root)
    corpus = Corpus.open(root)
    codes = list(load_codebook(corpus.codebook_path)["path"])
    assert SCIC in codes
    text, sha = corpus.text(PLAN), corpus.document(PLAN)["text_sha256"]
    scic = text.index("Fiche action n°6 SCIC")
    for coder in ("alice", "bruno"):
        CodingStore.of(corpus).add(coder, PLAN, sha, scic, scic + 21, SCIC, text[scic:scic + 21])
    CodingStore.of(corpus).add("bruno", PLAN, sha, 0, 200, SCIC, text[:200])
    private_sha = corpus.document(PRIVATE)["text_sha256"]
    CodingStore.of(corpus).add("alice", PRIVATE, private_sha, 0, 40, SCIC, corpus.text(PRIVATE)[:40])
    for coder in ("alice", "bruno"):
        CodingStore.of(corpus).mark_done(coder, PLAN)
    CodingStore.of(corpus).mark_done("alice", PRIVATE)
    return corpus


def test_codebook_examples_are_all_found_in_the_seed_corpus():
    corpus = Corpus.open(SEED_CORPUS)
    codebook = load_codebook(corpus.codebook_path)
    found = locate_examples(corpus, codebook, list(corpus.documents()["doc_id"]))
    assert len(found) == len(codebook)
    for row in found.itertuples():
        example = codebook.set_index("path").at[row.code, "example"]
        assert " ".join(corpus.text(row.doc_id)[row.start:row.end].split()).replace("’", "'") == \
            " ".join(example.split()).replace("’", "'")


def test_tables_count_codings_per_family_and_coder(coded):
    codebook = load_codebook(coded.codebook_path)
    codings = current_codings(coded)
    families = family_table(codebook, codings).set_index("Famille")
    assert families["Codes"].sum() == len(codebook)
    assert families.loc["Axes du plan d’actions du RTES", "Codages"] == 4
    coders = coder_table(codings, {PLAN}).set_index("Codeur")
    assert coders.loc["alice", "Documents codés"] == 2 and coders.loc["alice", "dont publics"] == 1
    assert coders.loc["bruno", "Codages"] == 2
    assert len(codings_by_family_figure(codebook, codings).axes[0].patches) >= 2


def test_agreement_compares_the_coders_on_their_common_documents(coded):
    codebook = load_codebook(coded.codebook_path)
    table = agreement_table(coded, current_codings(coded), codebook)
    assert table.attrs["coders"] == ["alice", "bruno"] and table.attrs["documents"] == [PLAN]
    overall = table.iloc[-1]
    assert overall["Libellé"] == "Tous les codes"
    assert 0 < overall["Accord (%)"] < 100 and overall["Segments codés"] >= 2
    assert agreement_table(Corpus.open(SEED_CORPUS), current_codings(Corpus.open(SEED_CORPUS)), codebook).empty


def test_key_extracts_prefer_codings_and_never_quote_private_documents(coded):
    codebook = load_codebook(coded.codebook_path)
    codings = current_codings(coded)
    documents = coded.documents()
    public = list(documents.loc[documents["private"] != "true", "doc_id"])
    extracts = key_extracts(coded, codebook, codings, public, per_code=2)
    scic = extracts[extracts["code"] == SCIC]
    assert list(scic["origin"]) == ["codage de bruno", "codage de alice"]
    assert list(scic["end"] - scic["start"]) == [200, 21]
    assert PRIVATE not in set(extracts["doc_id"])
    others = extracts[extracts["code"] != SCIC]
    assert (others["origin"] == ORIGIN_EXAMPLE).all() and not others.empty
    page = str(key_extracts_html(extracts, codebook, Quoter(coded)))
    assert page.count('<q class="corpus-quote">') == len(extracts)
    assert re.search(rf'href="documents\.html#t-{PLAN}-\d+"', page)


def test_quoter_refuses_private_documents(coded):
    from analysis.errors import AtelierError

    with pytest.raises(AtelierError, match="privé"):
        Quoter(coded).quotation(PRIVATE, 0, 10)
