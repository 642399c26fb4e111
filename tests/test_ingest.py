"""``atelier ingest`` end to end: the seed corpus, idempotence, versions, and bad input."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from analysis import Corpus
from analysis.corpus.store import sha256
from analysis.corpus.metadata import CORE_COLUMNS
from conftest import SEED_CORPUS, SEED_MANIFEST, snapshot
from fixtures import BIB, RIS, VTT, write_docx, write_encrypted_pdf, write_odt, write_pdf, write_scanned_pdf

SEED_WEB_PAGES = [
    "Kit MunicipalESS | Fiche 2 : Pourquoi mettre en place une politique de soutien à l’économie sociale et solidaire ? avec ESS France",
    "Découvrez les premières fiches du kit MunicipalESS 2026 du RTES",
    "Replay - Club des collectivités pour l'ESS en Nouvelle-Aquitaine : Fonds et programmes européens & ESS",
    "Guide \"Faciliter l'installation en agriculture durable avec l'ESS : leviers pour les collectivités\"",
    "Rapport d'activité 2024 du RTES",
    "RepèrESS \"L'accès au foncier des acteurs de l'ESS - enjeux et leviers pour les collectivités locales\"",
    "Communiqué de presse RTES - Projet de loi de finances 2025 : inacceptable !",
    "RepèrESS \"Alimentation durable & ESS, enjeux et leviers d’action des collectivités locales\"",
    "Métropoles et territoires voisins : quelles dynamiques de coopération pour répondre aux transitions environnementales et sociales ?",
    "Retour sur le séminaire du CA du RTES, les 15 et 16 février 2024 à Lille",
]


@pytest.fixture
def seed_manifest(tmp_path: Path) -> Path:
    """The seed sources and their manifest, outside any corpus."""
    inbox = tmp_path / "seed"
    inbox.mkdir()
    for name in pd.read_csv(SEED_MANIFEST)["fichier"]:
        shutil.copy(SEED_CORPUS / "sources" / name, inbox / name)
    shutil.copy(SEED_MANIFEST, inbox / "manifest.csv")
    return inbox / "manifest.csv"


def test_seed_corpus_gives_the_expected_documents(atelier, corpus_dir, seed_manifest):
    status, out, err = atelier("ingest", "--manifest", seed_manifest)
    assert status == 0, err
    assert "12 document(s) ajouté(s)" in out
    documents = Corpus.open(corpus_dir).documents()
    assert list(documents.columns[:len(CORE_COLUMNS)]) == CORE_COLUMNS
    pages = documents[documents["source"] == "rtes-ressources-site-2024-2025.txt"]
    assert list(pages["title"]) == SEED_WEB_PAGES
    assert list(pages["part"]) == [str(n) for n in range(1, 11)]
    assert set(pages[pages["private"] == "true"]["title"]) == {SEED_WEB_PAGES[5], SEED_WEB_PAGES[9]}
    plan = documents.set_index("doc_id").loc["rtes-plan-actions-2022"]
    assert (plan["genre"], plan["year"], plan["level"]) == ("plan d'action", "2022", "national")
    study = documents.set_index("doc_id").loc["rtes-etude-ess-collectivites-2017"]
    assert study["date"] == "2017-10-23" and study["genre"] == "étude"


def test_seed_ingestion_reproduces_the_committed_texts(atelier, corpus_dir, seed_manifest):
    atelier("ingest", "--manifest", seed_manifest)
    fresh = Corpus.open(corpus_dir).documents()
    shipped = Corpus.open(SEED_CORPUS).documents()
    assert list(fresh["doc_id"]) == list(shipped["doc_id"])
    assert list(fresh["text_sha256"]) == list(shipped["text_sha256"])
    for doc_id in fresh["doc_id"]:
        text = Corpus.open(corpus_dir).text(doc_id)
        assert text == unicodedata_nfc(text) and "\r" not in text
        assert text == (SEED_CORPUS / "texts" / f"{doc_id}.txt").read_text(encoding="utf-8")


def unicodedata_nfc(text: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFC", text)


def test_web_export_summary_repeating_the_body_is_kept_once():
    text = Corpus.open(SEED_CORPUS).text("rapport-d-activite-2024-du-rtes")
    assert text.count("Tels sont les principaux objectifs des actions développées") == 1
    kit = Corpus.open(SEED_CORPUS).text("decouvrez-les-premieres-fiches-du-kit")
    # The summary completes the body's first sentence: the longer form is kept, once.
    assert kit.count("présentée en avant-première au Salon des Maires") == 1
    assert "et remise à Maxime Baduel" in kit
    assert "Ressource privée" not in kit and "Type de ressource" not in kit


def test_same_file_twice_is_a_no_op(atelier, corpus_dir, tmp_path):
    path = tmp_path / "note.txt"
    path.write_text("Une note sur les SCIC et les collectivités.\n", encoding="utf-8")
    assert atelier("ingest", path)[0] == 0
    before = snapshot(corpus_dir)
    status, out, _ = atelier("ingest", path)
    assert status == 0
    assert "déjà dans le corpus" in out
    assert snapshot(corpus_dir) == before


def test_changed_source_gives_a_new_version_and_keeps_the_old_text(atelier, corpus_dir, tmp_path):
    path = tmp_path / "note.txt"
    path.write_text("Première version de la note.\n", encoding="utf-8")
    atelier("ingest", path, "--private", "--attr", "territory=Grenoble")
    old_text = (corpus_dir / "texts" / "note.txt").read_bytes()
    path.write_text("Deuxième version de la note, complétée.\n", encoding="utf-8")
    status, out, _ = atelier("ingest", path)
    assert status == 0 and "version 2 remplaçant note" in out
    corpus = Corpus.open(corpus_dir)
    assert (corpus_dir / "texts" / "note.txt").read_bytes() == old_text
    assert list(corpus.documents()["doc_id"]) == ["note-v2"]
    assert list(corpus.documents(include_replaced=True)["doc_id"]) == ["note", "note-v2"]
    assert corpus.text("note-v2") == "Deuxième version de la note, complétée.\n"
    current = corpus.document("note-v2")
    assert (current["private"], current["territory"], current["replaces"]) == ("true", "Grenoble", "note")
    assert sorted(p.name for p in (corpus_dir / "sources").iterdir()) == ["note-2.txt", "note.txt"]


def test_every_format_is_ingested_with_its_metadata(atelier, corpus_dir, tmp_path):
    files = [
        write_docx(tmp_path / "diagnostic.docx"),
        write_odt(tmp_path / "atelier.odt"),
        write_pdf(tmp_path / "rapport.pdf", [["Rapport d’activité 2019", "Les coopé-", "ratives agissent."]]),
        tmp_path / "page.html", tmp_path / "entretien.vtt", tmp_path / "zotero.bib", tmp_path / "zotero.ris",
        tmp_path / "notes.md",
    ]
    files[3].write_text("<h1>Tiers-lieux</h1><p>Un tiers-lieu à Lyon.</p>", encoding="utf-8")
    files[4].write_text(VTT, encoding="utf-8")
    files[5].write_text(BIB, encoding="utf-8")
    files[6].write_text(RIS, encoding="utf-8")
    files[7].write_bytes("# Notes\n\nLe réseau œuvre pour l’ESS.\n".encode("cp1252"))
    status, out, err = atelier("ingest", *files, "--date", "2021-05", "--attr", "territory=Lyon",
                               "--attr", "level=métropole")
    assert status == 0, err
    documents = Corpus.open(corpus_dir).documents().set_index("doc_id")
    assert set(documents.index) == {
        "diagnostic", "atelier", "rapport", "page", "entretien", "laville2021", "dupont2019",
        "martin2018-la-commande-publique", "durand2020-les-scic-et-les", "notes",
    }
    assert (documents["territory"] == "Lyon").all() and (documents["level"] == "intercommunalité").all()
    assert documents.loc["entretien", "genre"] == "entretien"
    assert documents.loc["entretien", "private"] == "true", "interviews are private by default"
    assert documents.loc["laville2021", "year"] == "2021" and documents.loc["laville2021", "genre"] == "littérature"
    assert documents.loc["diagnostic", "date"] == "2021-05"
    assert Corpus.open(corpus_dir).text("rapport") == "Rapport d’activité 2019\nLes coopératives agissent.\n"
    assert Corpus.open(corpus_dir).text("notes") == "# Notes\n\nLe réseau œuvre pour l’ESS.\n"
    report = pd.read_csv(corpus_dir / "cleaning_report.csv")
    assert ((report["doc_id"] == "rapport") & (report["rule"] == "cesures")).any()


def _bad_inputs(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "vide.txt").write_bytes(b"")
    (bad / "binaire.txt").write_bytes(b"\x00\x01\x02\x03PNG")
    (bad / "inconnu.xls").write_bytes(b"data")
    (bad / "indecodable.txt").write_bytes(b"abc \x81\x8d def")
    (bad / "casse.docx").write_bytes(b"PK\x03\x04broken")
    (bad / "casse.odt").write_bytes(b"PK\x03\x04broken")
    (bad / "mauvais.bib").write_text("@article{x,\n title = {sans fin\n", encoding="utf-8")
    (bad / "mauvais.ris").write_text("TY  - JOUR\nTI  - sans fin\n", encoding="utf-8")
    (bad / "gros.txt").write_text("mot " * 400_000, encoding="utf-8")
    write_encrypted_pdf(bad / "chiffre.pdf")
    write_scanned_pdf(bad / "scanne.pdf")
    return {
        "introuvable": (bad / "absent.txt", "fichier introuvable"),
        "dossier": (bad, "c’est un dossier"),
        "vide": (bad / "vide.txt", "fichier vide"),
        "binaire": (bad / "binaire.txt", "fichier binaire"),
        "extension": (bad / "inconnu.xls", "extension inconnue"),
        "indécodable": (bad / "indecodable.txt", "octets indécodables"),
        "docx": (bad / "casse.docx", "corrompu"),
        "odt": (bad / "casse.odt", "corrompu"),
        "bib": (bad / "mauvais.bib", "BibTeX mal formée"),
        "ris": (bad / "mauvais.ris", "ER manquant"),
        "chiffré": (bad / "chiffre.pdf", "chiffré"),
        "scanné": (bad / "scanne.pdf", "sans couche texte"),
        "taille": (bad / "gros.txt", "trop volumineux"),
    }


@pytest.mark.parametrize("case", [
    "introuvable", "dossier", "vide", "binaire", "extension", "indécodable", "docx", "odt",
    "bib", "ris", "chiffré", "scanné", "taille",
])
def test_bad_input_is_refused_in_french_and_leaves_the_corpus_unchanged(atelier, corpus_dir, tmp_path, case):
    good = tmp_path / "bonne.txt"
    good.write_text("Un texte valide sur la commande publique.\n", encoding="utf-8")
    atelier("ingest", good)
    other = tmp_path / "autre.txt"
    other.write_text("Un autre texte valide, sur les PTCE.\n", encoding="utf-8")
    before = snapshot(corpus_dir)
    path, message = _bad_inputs(tmp_path)[case]
    status, out, err = atelier("ingest", other, path, "--max-size", "1")
    assert status == 2
    assert message in err and str(path) in err
    assert "Aucun fichier n’a été ingéré" in err
    assert snapshot(corpus_dir) == before


def test_keep_going_ingests_the_good_files_and_lists_the_bad(atelier, corpus_dir, tmp_path):
    good = tmp_path / "bonne.txt"
    good.write_text("Un texte valide.\n", encoding="utf-8")
    empty = tmp_path / "vide.txt"
    empty.write_bytes(b"")
    status, out, err = atelier("ingest", "--keep-going", good, empty)
    assert status == 2
    assert f"{empty} : fichier vide" in err
    assert list(Corpus.open(corpus_dir).documents()["doc_id"]) == ["bonne"]


def test_doc_id_collision_gives_the_second_file_its_own_id(atelier, corpus_dir, tmp_path):
    first, second = tmp_path / "a" / "Rapport.txt", tmp_path / "b" / "rapport.md"
    for path in (first, second):
        path.parent.mkdir()
        path.write_text(f"Texte de {path.parent.name}.\n", encoding="utf-8")
    assert atelier("ingest", first)[0] == 0
    status, out, _ = atelier("ingest", second)
    assert status == 0 and "ce document devient « rapport-2 »" in out
    before = snapshot(corpus_dir)
    other = tmp_path / "c" / "rapport.txt"
    other.parent.mkdir()
    other.write_text("Texte de c.\n", encoding="utf-8")
    status, _, err = atelier("ingest", other, "--doc-id", "rapport")  # an explicit id is not renamed
    assert status == 2 and "déjà pris" in err and "--new-version-of rapport" in err
    assert snapshot(corpus_dir) == before
    status, _, err = atelier("ingest", first, second)
    assert status == 0  # both already in the corpus: nothing to do


def test_two_files_with_the_same_id_in_one_command_are_refused(atelier, corpus_dir, tmp_path):
    first, second = tmp_path / "a" / "note.txt", tmp_path / "b" / "note.txt"
    for path in (first, second):
        path.parent.mkdir()
        path.write_text(f"Texte {path.parent.name}.\n", encoding="utf-8")
    status, _, err = atelier("ingest", first, second)
    assert status == 2 and "en double" in err
    assert snapshot(corpus_dir) == {}


def test_invalid_metadata_is_refused(atelier, corpus_dir, tmp_path):
    path = tmp_path / "note.txt"
    path.write_text("Texte.\n", encoding="utf-8")
    for args, message in [
        (("--date", "2022-13"), "date invalide"),
        (("--genre", "roman"), "genre inconnu"),
        (("--attr", "level=galaxie"), "niveau inconnu"),
        (("--attr", "sans-egal"), "attribut invalide"),
        (("--attr", "text_sha256=x"), "calculé par l’atelier"),
    ]:
        status, _, err = atelier("ingest", path, *args)
        assert status == 2 and message in err, (args, err)
    assert snapshot(corpus_dir) == {}


def test_inbox_is_ingested_with_its_manifest_then_emptied(atelier, corpus_dir):
    inbox = corpus_dir / "inbox"
    inbox.mkdir()
    (inbox / "README.md").write_text("Déposez ici.\n", encoding="utf-8")
    (inbox / "entretien-elu.txt").write_text(
        "CHERCHEUSE : Bonjour.\n\nÉLU : Bonjour, je suis adjoint.\n\nCHERCHEUSE : Merci.\n", encoding="utf-8")
    (inbox / "plan.txt").write_text("Plan local pour l’ESS.\n", encoding="utf-8")
    (inbox / "manifest.csv").write_text(
        "fichier,genre,date,pseudonym,territory\nentretien-elu.txt,entretien,2023-02-01,Élu A,Rennes\n",
        encoding="utf-8")
    status, out, err = atelier("ingest")
    assert status == 0, err
    documents = Corpus.open(corpus_dir).documents().set_index("doc_id")
    assert documents.loc["entretien-elu", "pseudonym"] == "Élu A"
    assert documents.loc["entretien-elu", "private"] == "true"
    assert documents.loc["plan", "genre"] == "document"
    assert sorted(p.name for p in inbox.iterdir()) == ["README.md", "manifest.csv"]
    assert atelier("ingest")[1] == "Rien de nouveau à ingérer.\n"


def test_text_changed_by_hand_is_detected(atelier, corpus_dir, tmp_path):
    path = tmp_path / "note.txt"
    path.write_text("Un texte.\n", encoding="utf-8")
    atelier("ingest", path)
    (corpus_dir / "texts" / "note.txt").write_text("Un texte modifié.\n", encoding="utf-8")
    status, _, err = atelier("show", "note")
    assert status == 2 and "ne correspond plus à son empreinte" in err


def test_corpus_and_show_commands(atelier, corpus_dir, tmp_path):
    path = tmp_path / "note.txt"
    path.write_text("Les SCIC associent la collectivité. Elles durent.\n", encoding="utf-8")
    atelier("ingest", path, "--genre", "study", "--private")
    status, out, _ = atelier("corpus")
    assert status == 0 and "note" in out and "étude" in out and "1 document(s)" in out
    status, out, _ = atelier("show", "note", "--units", "sentence")
    assert status == 0 and "Elles durent." in out and "private : true" in out
    status, _, err = atelier("show", "absent")
    assert status == 2 and "document inconnu" in err


def test_texts_hash_matches_documents_csv_in_the_shipped_corpus():
    documents = Corpus.open(SEED_CORPUS).documents(include_replaced=True)
    for row in documents.itertuples():
        assert sha256((SEED_CORPUS / "texts" / f"{row.doc_id}.txt").read_bytes()) == row.text_sha256
        assert sha256((SEED_CORPUS / "sources" / row.source).read_bytes()) == row.source_sha256


def test_a_file_named_like_a_version_is_its_own_document(atelier, corpus_dir, tmp_path):
    for name in ("note.txt", "note-v2.txt"):
        (tmp_path / name).write_text(f"Texte de {name}.\n", encoding="utf-8")
    status, _, err = atelier("ingest", tmp_path / "note-v2.txt", tmp_path / "note.txt")
    assert status == 0, err
    documents = Corpus.open(corpus_dir).documents()
    assert sorted(documents["doc_id"]) == ["note", "note-v2"]
    assert set(documents["replaces"]) == {""}
