"""Hostile or unusual inputs get a French error (exit 2) and leave the corpus as it was."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

import analysis.corpus.ingest
from analysis.cli.main import main

REPO = Path(__file__).resolve().parent.parent


def test_an_unexpected_failure_is_a_french_message_naming_the_file(corpus_dir, tmp_path, monkeypatch, capsys):
    source = tmp_path / "note.html"
    source.write_text("<p>Une note.</p>", encoding="utf-8")

    def broken_reader(path, data):
        raise RuntimeError("lecteur cassé")

    monkeypatch.setattr(analysis.corpus.ingest, "read_source", broken_reader)
    monkeypatch.delenv("ATELIER_TRACEBACK")
    assert main(["--corpus", str(corpus_dir), "ingest", str(source)]) == 2
    err = capsys.readouterr().err
    assert f"erreur inattendue en traitant {source}" in err and "RuntimeError : lecteur cassé" in err
    assert "Traceback" not in err and "ATELIER_TRACEBACK=1" in err
    assert not (corpus_dir / "documents.csv").exists()


def test_a_reader_that_leaves_early_is_no_error():
    atelier = Path(sys.executable).parent / "atelier"
    pipeline = subprocess.run(f"'{atelier}' --corpus '{REPO / 'corpus'}' kwic la | head -n 2",
                              shell=True, capture_output=True, text=True, timeout=300)
    assert len(pipeline.stdout.splitlines()) == 2
    assert "Traceback" not in pipeline.stderr and "BrokenPipe" not in pipeline.stderr, pipeline.stderr


# ---------------------------------------------------------------------------------------------
# archives that expand beyond reason


def _inflated(tmp_path: Path, suffix: str, member: str, megabytes: int) -> Path:
    """A real office file whose text part is padded to ``megabytes`` once expanded."""
    import zipfile

    import docx

    base = tmp_path / f"base{suffix}"
    if suffix == ".docx":
        docx.Document().save(base)
    else:
        from odf.opendocument import OpenDocumentText
        OpenDocumentText().save(str(base))
    paragraph = b"<w:p><w:r><w:t>bla</w:t></w:r></w:p>" if suffix == ".docx" else b"<text:p>bla</text:p>"
    bomb = tmp_path / f"bombe{suffix}"
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            data = source.read(entry)
            if entry.filename == member:
                data = data.replace(b"</", paragraph * (megabytes * 1024 * 1024 // len(paragraph)) + b"</", 1)
            target.writestr(entry, data)
    return bomb


@pytest.mark.parametrize("suffix, member", [(".docx", "word/document.xml"), (".odt", "content.xml")])
def test_an_office_file_that_expands_too_much_is_refused_at_once(atelier, corpus_dir, tmp_path, suffix, member):
    bomb = _inflated(tmp_path, suffix, member, 30)
    assert bomb.stat().st_size < 1024 * 1024
    started = time.perf_counter()
    status, _, err = atelier("ingest", bomb)
    assert time.perf_counter() - started < 1.0
    assert status == 2 and "Mo de texte XML une fois décompressé (limite 20 Mo" in err and str(bomb) in err
    assert not (corpus_dir / "documents.csv").exists()


def test_an_archive_of_too_many_entries_is_refused(atelier, corpus_dir, tmp_path):
    import zipfile

    crowded = tmp_path / "foule.docx"
    with zipfile.ZipFile(crowded, "w") as archive:
        for number in range(10_001):
            archive.writestr(f"word/media/{number}.bin", b"")
    status, _, err = atelier("ingest", crowded)
    assert status == 2 and "10001 fichiers dans l’archive (limite 10000)" in err


# ---------------------------------------------------------------------------------------------
# scenario tables saved by spreadsheets

SHIPPED = REPO / "scenarios" / "avenir-politiques-locales-ess"


@pytest.fixture
def exercise_copy(tmp_path):
    import shutil

    folder = tmp_path / "exercice"
    shutil.copytree(SHIPPED, folder)
    return folder


@pytest.mark.parametrize("encoding, separator", [("utf-8-sig", ";"), ("cp1252", ";"), ("cp1252", "\t")])
def test_tables_saved_by_french_excel_are_read(exercise_copy, encoding, separator):
    import pandas as pd

    from analysis.prospective.exercise import Exercise

    expected = Exercise.open(exercise_copy).variables()
    table = pd.read_csv(exercise_copy / "variables.csv", dtype=str, keep_default_na=False)
    (exercise_copy / "variables.csv").write_bytes(
        table.to_csv(index=False, sep=separator, lineterminator="\r\n").encode(encoding))
    assert Exercise.open(exercise_copy).variables().equals(expected)
    cross = exercise_copy / "crossimpact.csv"
    grid = cross.read_text(encoding="utf-8").replace(",", ";")
    cross.write_bytes(grid.encode(encoding))
    from analysis.prospective.cib_files import read_cross_impact
    assert read_cross_impact(cross).equals(read_cross_impact(SHIPPED / "crossimpact.csv"))


def test_a_table_with_a_broken_row_names_the_line(exercise_copy):
    from analysis.errors import InputError
    from analysis.prospective.exercise import Exercise

    path = exercise_copy / "variables.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] += ",une cellule de trop,et une autre"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"\(ligne 4\) : 7 cellules au lieu de 5"):
        Exercise.open(exercise_copy).variables()


def test_a_workbook_with_formulas_never_computed_says_so(exercise_copy):
    import openpyxl

    from analysis.errors import InputError
    from analysis.prospective.exercise import Exercise

    (exercise_copy / "variables.csv").unlink()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["code", "name", "definition", "family", "evidence"])
    sheet.append(["CP", "=A2&\" responsable\"", "définition", "instrument", ""])
    book.save(exercise_copy / "variables.xlsx")  # openpyxl writes formulas without their values
    with pytest.raises(InputError, match="case B2 .* formule sans valeur calculée"):
        Exercise.open(exercise_copy).variables()


# ---------------------------------------------------------------------------------------------
# formulas in what the workbench writes for spreadsheets


def test_cells_a_spreadsheet_would_run_are_neutralised():
    import pandas as pd

    from analysis.fsio import spreadsheet_safe, spreadsheet_safe_cell

    assert [spreadsheet_safe_cell(v) for v in ["=HYPERLINK(\"x\")", "+1+1", "-rm", "@SUM(A1)", "\tx", "-2", "+3",
                                               "1.5", "texte", 3, "'=déjà"]] == [
        "'=HYPERLINK(\"x\")", "'+1+1", "'-rm", "'@SUM(A1)", "'\tx", "-2", "+3", "1.5", "texte", 3, "'=déjà"]
    table = spreadsheet_safe(pd.DataFrame({"=titre": ["=1+1", "sûr"], "n": [-2, 4]}))
    assert table.columns.tolist() == ["'=titre", "n"] and table["'=titre"].tolist() == ["'=1+1", "sûr"]


def test_a_hostile_title_is_neutralised_in_documents_csv_and_corpus_csv(atelier, corpus_dir, tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<html><head><title>=HYPERLINK(\"http://x\",\"clic\")</title></head>"
                    "<body><p>Un texte de page assez long pour être gardé.</p></body></html>", encoding="utf-8")
    assert atelier("ingest", page)[0] == 0
    stored = (corpus_dir / "documents.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in stored and ",=HYPERLINK" not in stored
    status, out, _ = atelier("corpus", "--csv")
    assert status == 0 and "'=HYPERLINK" in out and ",=HYPERLINK" not in out


def test_cib_csv_output_keeps_numbers_and_neutralises_labels(atelier, tmp_path):
    import numpy as np
    import pandas as pd

    from analysis.prospective.cib_files import write_scw
    from analysis.prospective.cib import descriptors_table

    labels = [("=D1", "=a"), ("=D1", "b"), ("D2", "c"), ("D2", "d")]
    index = pd.MultiIndex.from_tuples(labels)
    matrix = pd.DataFrame(np.array([[0, 0, 2, -2], [0, 0, -1, 1], [1, -1, 0, 0], [-1, 1, 0, 0]]),
                          index=index, columns=index)
    path = tmp_path / "champ.scw"
    write_scw(descriptors_table(matrix), matrix, path)
    status, out, _ = atelier("cib", path, "--format", "csv")
    header, *rows = out.splitlines()
    assert status == 0 and header.startswith("'=D1,D2,")
    assert all(row.startswith("'=a,") or not row.startswith("=") for row in rows)


# ---------------------------------------------------------------------------------------------
# readers


def test_an_aes_pdf_with_an_empty_password_is_read(atelier, corpus_dir, tmp_path):
    from fixtures import write_encrypted_pdf

    pdf = write_encrypted_pdf(tmp_path / "ouvert.pdf", user_password="", algorithm="AES-256",
                              text="Rapport public chiffre sans mot de passe")
    status, out, err = atelier("ingest", pdf)
    assert status == 0, err
    assert "Rapport public" in (corpus_dir / "texts" / "ouvert.txt").read_text(encoding="utf-8")
    locked = write_encrypted_pdf(tmp_path / "ferme.pdf", algorithm="AES-256")
    status, _, err = atelier("ingest", locked)
    assert status == 2 and "PDF chiffré par un mot de passe" in err


def test_html_nested_thousands_of_levels_deep_is_read_and_its_author_kept(atelier, corpus_dir, tmp_path):
    deep = tmp_path / "profond.html"
    deep.write_text("<html><head><meta name=\"author\" content=\"Réseau des collectivités\"></head><body>"
                    + "<div>" * 5000 + "Un texte tout au fond de la page." + "</div>" * 5000 + "</body></html>",
                    encoding="utf-8")
    status, _, err = atelier("ingest", deep)
    assert status == 0, err
    assert (corpus_dir / "texts" / "profond.txt").read_text(encoding="utf-8") == "Un texte tout au fond de la page.\n"
    assert "Réseau des collectivités" in (corpus_dir / "documents.csv").read_text(encoding="utf-8")


def test_a_scenariowizard_integer_beyond_64_bits_is_named(atelier, tmp_path):
    source = (REPO / "tests" / "data" / "scenariowizard" / "CIB_global.scw").read_text(encoding="cp1252")
    lines = source.split("\n")
    lines[43] = lines[43].replace(" 1 ,", f" {2 ** 70} ,", 1)
    path = tmp_path / "enorme.scw"
    path.write_text("\n".join(lines), encoding="cp1252")
    status, _, err = atelier("cib", path)
    assert status == 2 and "(ligne 44, valeur 4)" in err and "un entier entre −1\u202f000\u202f000 et 1\u202f000\u202f000" in err


# ---------------------------------------------------------------------------------------------
# files from outside the repository


def test_a_symbolic_link_in_the_inbox_is_refused(atelier, corpus_dir, tmp_path):
    outside = tmp_path / "ailleurs.txt"
    outside.write_text("Un fichier personnel hors du dépôt, assez long.\n", encoding="utf-8")
    inbox = corpus_dir / "inbox"
    inbox.mkdir(parents=True)
    (inbox / "lien.txt").symlink_to(outside)
    status, _, err = atelier("ingest")
    assert status == 2 and "lien symbolique refusé dans inbox/" in err and str(outside) in err
    assert not (corpus_dir / "documents.csv").exists()


def test_a_manifest_path_leaving_its_folder_is_refused(atelier, corpus_dir, tmp_path):
    (tmp_path / "secret.txt").write_text("Un secret hors du dossier du manifeste.\n", encoding="utf-8")
    folder = tmp_path / "lot"
    folder.mkdir()
    (folder / "ici.txt").write_text("Un document du lot, assez long.\n", encoding="utf-8")
    (folder / "lien.txt").symlink_to(tmp_path / "secret.txt")
    for entry in ("../secret.txt", "lien.txt", str(tmp_path / "secret.txt")):
        (folder / "manifest.csv").write_text(f"fichier\nici.txt\n{entry}\n", encoding="utf-8")
        status, _, err = atelier("ingest", "--manifest", folder / "manifest.csv")
        assert status == 2 and "(ligne 3)" in err and "mène hors du dossier du manifeste" in err, entry
    assert not (corpus_dir / "documents.csv").exists()


def test_a_symbolic_link_on_the_command_line_is_resolved_and_named(atelier, corpus_dir, tmp_path):
    real = tmp_path / "vrai.txt"
    real.write_text("Le vrai fichier, assez long pour un document.\n", encoding="utf-8")
    (tmp_path / "raccourci.txt").symlink_to(real)
    status, out, _ = atelier("ingest", tmp_path / "raccourci.txt")
    assert status == 0 and f"lien symbolique : {tmp_path / 'raccourci.txt'} → {real}" in out
    assert (corpus_dir / "texts" / "vrai.txt").exists()


# ---------------------------------------------------------------------------------------------
# coding logs


def test_incomplete_events_are_set_aside_with_their_line_and_the_rest_replayed(atelier, corpus_dir, tmp_path):
    source = tmp_path / "court.txt"
    source.write_text("Un texte court à coder pour le test.\n", encoding="utf-8")
    atelier("ingest", source)
    assert atelier("code", "court", 0, 9, "theme", "--coder", "marie")[0] == 0
    log = corpus_dir / "codings" / "marie.jsonl"
    good = log.read_text(encoding="utf-8")
    bad = ['{"event":"add","id":"e1"}', '{"event":"memo","id":"e2","coder":"marie","target":"document",'
           '"ref":"court","memo":"sans date"}', good.strip().replace('"start": 0', '"start": "abc"'),
           '{"event":"remove","id":"e3","ts":"2026-01-01T00:00:00+00:00","coder":"marie","coding":"inconnu"}']
    log.write_text(good + "\n".join(bad) + "\n", encoding="utf-8")
    for command in (["codings"], ["codings", "--check"], ["agreement", "--coders", "marie", "paul"]):
        status, out, err = atelier(*command)
        assert status in (0, 2) and "Traceback" not in err, command
    status, out, err = atelier("codings", "--check")
    report = out + err
    assert "ligne 2" in report and "champ « ts » manquant" in report
    assert "ligne 3" in report and "ligne 4" in report and "un entier est attendu" in report
    assert "ligne 5" in report and "codage absent" in report
    # undo skips the removal that changed nothing and cancels the real coding
    assert atelier("undo", "--coder", "marie")[0] == 0
    assert atelier("codings")[1].count("theme") == 0


def test_a_coder_name_with_a_trailing_newline_or_the_torn_suffix_is_refused(atelier, corpus_dir, tmp_path):
    source = tmp_path / "court.txt"
    source.write_text("Un texte court à coder pour le test.\n", encoding="utf-8")
    atelier("ingest", source)
    for name in ("marie\n", "marie.torn"):
        status, _, err = atelier("code", "court", 0, 9, "theme", "--coder", name)
        assert status == 2 and "nom de codeur invalide" in err
    status, _, err = atelier("ingest", source, "--doc-id", "evil\n")
    assert status == 2 and "identifiant de document invalide" in err
    assert not list((corpus_dir / "texts").glob("evil*"))


@pytest.mark.parametrize("broken, message, line", [
    ("00:00:0x.000 --> 00:00:08.000", "sous-titre 2 : horodatage illisible « 00:00:0x.000 --> 00:00:08.000 »", 6),
    ("00:00:09.000 --> 00:00:07.000", "sous-titre 2 : la fin (00:00:07.000) précède le début (00:00:09.000)", 6),
    ("00:00:05.000 00:00:08.000", "sous-titre 2 sans horodatage", 6),
])
def test_a_subtitle_cue_with_a_broken_timing_is_named_not_lost(atelier, corpus_dir, tmp_path, broken, message, line):
    vtt = tmp_path / "entretien.vtt"
    vtt.write_text(f"WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Marie>Bonjour à tous.\n\n{broken}\n"
                   "<v Paul>Une réponse.\n\n00:00:09.000 --> 00:00:12.000\n<v Marie>Merci.\n", encoding="utf-8")
    status, _, err = atelier("ingest", vtt)
    assert status == 2 and f"(ligne {line}) : {message}" in err
    assert not (corpus_dir / "documents.csv").exists()


def test_the_same_file_twice_is_taken_once_and_computed_columns_are_not_settable(atelier, corpus_dir, tmp_path):
    source = tmp_path / "note.txt"
    source.write_text("Une note assez longue pour un document.\n", encoding="utf-8")
    status, out, _ = atelier("ingest", source, source)
    assert status == 0 and f"donné plusieurs fois dans la commande : {source} (pris une fois)" in out
    assert "1 document(s) ajouté(s)" in out
    other = tmp_path / "autre.txt"
    other.write_text("Une autre note assez longue pour un document.\n", encoding="utf-8")
    for attr in ("speakers=", "text_sha256=x", "replaces=note"):
        status, _, err = atelier("ingest", other, "--attr", attr)
        assert status == 2 and "est calculé par l’atelier et ne peut pas être fixé" in err


def test_written_files_follow_the_umask(atelier, corpus_dir, tmp_path):
    import os
    import stat

    source = tmp_path / "note.txt"
    source.write_text("Une note assez longue pour un document.\n", encoding="utf-8")
    previous = os.umask(0o022)
    try:
        atelier("ingest", source)
    finally:
        os.umask(previous)
    for path in (corpus_dir / "documents.csv", corpus_dir / "texts" / "note.txt"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path


def test_texts_left_by_an_interrupted_ingestion_are_removed(atelier, corpus_dir, tmp_path):
    source = tmp_path / "note.txt"
    source.write_text("Une note assez longue pour un document.\n", encoding="utf-8")
    atelier("ingest", source)
    orphan = corpus_dir / "texts" / "rapport.txt"
    orphan.write_text("Le texte d’une ingestion tuée avant d’écrire documents.csv.\n", encoding="utf-8")
    status, out, _ = atelier("corpus", "--check")
    assert status == 0 and f"texte orphelin retiré (laissé par une ingestion interrompue) : {orphan}" in out
    assert not orphan.exists() and (corpus_dir / "texts" / "note.txt").exists()
    orphan.write_text("Un autre texte orphelin.\n", encoding="utf-8")
    rapport = tmp_path / "rapport.txt"
    rapport.write_text("Le vrai rapport, différent du texte orphelin.\n", encoding="utf-8")
    status, out, err = atelier("ingest", rapport)
    assert status == 0, err
    assert "texte orphelin retiré" in out
    assert (corpus_dir / "texts" / "rapport.txt").read_text(encoding="utf-8") == "Le vrai rapport, différent du texte orphelin.\n"


def test_a_file_with_the_same_name_is_not_a_new_version_unless_said(atelier, corpus_dir, tmp_path):
    import pandas as pd

    for folder, words in (("d1", "Le rapport du premier dossier."), ("d2", "Un autre rapport, sans lien.")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "rapport.txt").write_text(words + "\n", encoding="utf-8")
    assert atelier("ingest", tmp_path / "d1" / "rapport.txt")[0] == 0
    status, out, _ = atelier("ingest", tmp_path / "d2" / "rapport.txt")
    assert status == 0 and "ce document devient « rapport-2 »" in out and "--new-version-of rapport" in out
    table = pd.read_csv(corpus_dir / "documents.csv", dtype=str, keep_default_na=False)
    assert table["doc_id"].tolist() == ["rapport", "rapport-2"] and (table["replaces"] == "").all()
    # the same path again is a new version; so is any file named explicitly
    (tmp_path / "d1" / "rapport.txt").write_text("Le rapport du premier dossier, revu.\n", encoding="utf-8")
    status, out, _ = atelier("ingest", tmp_path / "d1" / "rapport.txt")
    assert status == 0 and "rapport-v2" in out and "remplaçant rapport" in out
    (tmp_path / "revu.txt").write_text("Un autre rapport, revu.\n", encoding="utf-8")
    status, out, _ = atelier("ingest", tmp_path / "revu.txt", "--new-version-of", "rapport-2")
    assert status == 0 and "rapport-2-v2" in out and "remplaçant rapport-2" in out
    status, _, err = atelier("ingest", tmp_path / "revu.txt", "--new-version-of", "inconnu")
    assert status == 2 and "document inconnu « inconnu »" in err


# ---------------------------------------------------------------------------------------------
# REFI-QDA

QDC = '<?xml version="1.0" encoding="utf-8"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="test">' \
      '<Codes>{}</Codes></CodeBook>'


def _code(number: int, inner: str = "") -> str:
    return f'<Code guid="{number:08d}-0000-4000-8000-000000000000" name="code {number}" isCodable="true">{inner}</Code>'


def test_codes_nested_thousands_of_levels_are_refused(atelier, corpus_dir, tmp_path):
    nested = ""
    for number in range(3000, 0, -1):
        nested = _code(number, nested)
    path = tmp_path / "profond.qdc"
    path.write_text(QDC.format(nested), encoding="utf-8")
    status, _, err = atelier("import", path)
    assert status == 2 and "éléments imbriqués sur plus de 200 niveaux" in err
    assert not (corpus_dir / "codebook.yaml").exists()


def test_duplicate_guids_are_reported(atelier, corpus_dir, tmp_path):
    path = tmp_path / "double.qdc"
    twin = _code(1).replace("code 1", "jumeau")
    path.write_text(QDC.format(_code(1) + twin), encoding="utf-8")
    status, _, err = atelier("import", path)
    assert status == 2 and "GUID en double « 00000001-0000-4000-8000-000000000000 »" in err
    assert "Code « code 1 » et Code « jumeau »" in err
    assert not (corpus_dir / "codebook.yaml").exists()


@pytest.mark.parametrize("args, expected", [
    (["code"], "arguments obligatoires manquants : DOC_ID, START, END, CODE, --coder"),
    (["nope"], "argument COMMANDE : choix invalide : 'nope' (choisir parmi 'ingest',"),
    (["ingest", "--max-size", "x"], "argument --max-size : valeur invalide (float) : 'x'"),
    (["corpus", "--nope"], "arguments non reconnus : --nope"),
])
def test_command_line_mistakes_are_explained_in_french(capsys, args, expected):
    import argparse
    import gettext

    with pytest.raises(SystemExit) as exit_status:
        main(args)
    err = capsys.readouterr().err
    assert exit_status.value.code == 2 and err.startswith("usage : atelier") and expected in err
    assert "error:" not in err and "usage:" not in err
    assert argparse._ is gettext.gettext  # argparse stays as it is for every other library


def test_help_is_in_french(capsys):
    with pytest.raises(SystemExit):
        main(["themes", "--help"])
    out = capsys.readouterr().out
    assert out.startswith("usage : atelier themes") and "options:" in out and "afficher cette aide et quitter" in out
