"""Auto-coding with preview: keyword (accents and case ignored, stems), regex, speaker, attributes,
extents; written as the coder's codings marked « auto », never twice, nothing written on bad input."""

from __future__ import annotations

import pytest

from analysis import Corpus
from analysis.cli.main import main
from analysis.coding.autocode import autocode, find_passages
from analysis.coding.store import CodingStore
from analysis.corpus.ingest import IngestOptions, ingest
from analysis.errors import AtelierError
from conftest import copy_seed_corpus, snapshot

INTERVIEW = ("[00:00:05] CHERCHEUSE : Qu’avez-vous fait pour l’économie sociale ?\n\n"
             "[00:00:09] ÉLUE : Nous avons lancé une coopérative. Puis deux COOPERATIVES de plus.\n\n"
             "[00:00:20] CHERCHEUSE : Merci.\n\n"
             "[00:00:25] Élue : La commande publique a suivi.\n")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Corpus:
    root = tmp_path_factory.mktemp("autocode")
    corpus = Corpus.open(copy_seed_corpus(root / "corpus"))
    (root / "entretien.txt").write_text(INTERVIEW, encoding="utf-8")
    report = ingest(corpus, [(root / "entretien.txt", IngestOptions(genre="entretien", doc_id="entretien-elue"))],
                    progress=False)
    assert report.ok, report.failed
    return corpus


def test_keywords_ignore_accents_and_case_and_stems_find_other_forms(corpus):
    found = find_passages(corpus, keyword="Economie sociale", where={"doc_id": "entretien-elue"})
    assert found["text"].tolist() == ["économie sociale"]
    exact = find_passages(corpus, keyword="cooperative", where={"genre": "entretien"})
    assert exact["text"].tolist() == ["coopérative"]
    stems = find_passages(corpus, keyword="coopératives", stems=True, where={"genre": "entretien"})
    assert stems["text"].tolist() == ["coopérative", "COOPERATIVES"]
    text = corpus.text("entretien-elue")
    assert all(text[row.start:row.end] == row.text for row in stems.itertuples())


def test_extents_take_the_sentence_paragraph_or_turn_around_a_match(corpus):
    where = {"doc_id": "entretien-elue"}
    sentences = find_passages(corpus, keyword="coopérative", stems=True, where=where, extent="sentence")
    assert [t.removeprefix("[00:00:09] ÉLUE : ") for t in sentences["text"]] == [
        "Nous avons lancé une coopérative.", "Puis deux COOPERATIVES de plus."]
    turn = find_passages(corpus, keyword="coopérative", where=where, extent="turn")
    assert turn["text"].tolist() == ["Nous avons lancé une coopérative. Puis deux COOPERATIVES de plus."]
    paragraph = find_passages(corpus, keyword="coopérative", where=where, extent="paragraph")
    assert paragraph["text"].iloc[0].startswith("[00:00:09] ÉLUE : Nous")


def test_a_speaker_gives_every_turn_without_its_label(corpus):
    turns = find_passages(corpus, speaker="élue")
    assert turns["text"].tolist() == ["Nous avons lancé une coopérative. Puis deux COOPERATIVES de plus.",
                                      "La commande publique a suivi."]


def test_regex_and_attributes_alone(corpus):
    found = find_passages(corpus, regex=r"\bRTES\b", where={"year": "2022"})
    assert len(found) > 3 and set(found["text"]) == {"RTES"}
    documents = find_passages(corpus, where={"genre": "entretien"})
    assert documents[["doc_id", "start"]].values.tolist() == [["entretien-elue", 0]]
    for bad, message in (({"regex": "("}, "expression régulière invalide"), ({"where": {"couleur": "x"}}, "attribut inconnu"),
                         ({}, "rien à chercher"), ({"keyword": "a", "speaker": "b"}, "une seule recherche")):
        with pytest.raises(AtelierError, match=message):
            find_passages(corpus, **bad)


def test_autocoding_writes_marked_codings_once(corpus):
    passages = find_passages(corpus, keyword="commande publique")
    first = autocode(corpus, "robot", "leviers/commande-publique", passages.iloc[1:], "mot-clé « commande publique »")
    again = autocode(corpus, "robot", "leviers/commande-publique", passages, "mot-clé « commande publique »")
    assert len(first) == len(passages) - 1 and len(again) == 1
    codings = CodingStore.of(corpus).replay(["robot"]).codings
    assert len(codings) == len(passages) and set(codings["auto"]) == {"mot-clé « commande publique »"}
    assert CodingStore.of(corpus).undo("robot")["event"] == "remove"


def test_the_cli_previews_then_codes_and_refuses_bad_input_without_writing(corpus, capsys):
    def atelier(*args: str) -> tuple[int, str]:
        status = main(["--corpus", str(corpus.root), "autocode", *args])
        captured = capsys.readouterr()
        return status, captured.out + captured.err

    status, preview = atelier("--speaker", "ÉLUE")
    assert status == 0 and "2 passage(s) trouvé(s)" in preview and "La commande publique a suivi." in preview
    before = snapshot(corpus.root)
    for args, message in ((("--speaker", "ÉLUE", "--code", "inconnu", "--coder", "lea"), "code inconnu"),
                          (("--speaker", "ÉLUE", "--code", "leviers", "--coder", "lea", "--skip", "3"), "numéro de passage"),
                          (("--speaker", "ÉLUE", "--code", "leviers"), "--coder est obligatoire"),
                          (("--where", "genre"), "condition invalide")):
        status, shown = atelier(*args)
        assert status == 2 and message in shown and "Traceback" not in shown
    assert snapshot(corpus.root) == before
    status, shown = atelier("--speaker", "ÉLUE", "--code", "acteurs", "--coder", "lea", "--skip", "1")
    assert status == 0 and "1 codage(s) « acteurs » écrits pour lea ; 1 écarté(s)" in shown
    assert CodingStore.of(corpus).replay(["lea"]).codings["text"].tolist() == ["La commande publique a suivi."]
