"""Each reader on small files the tests write themselves."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.errors import InputError
from analysis.corpus.readers import read_source
from fixtures import BIB, RIS, SRT, VTT, write_docx, write_encrypted_pdf, write_odt, write_pdf, write_scanned_pdf

FRENCH = "L’économie sociale et solidaire crée des emplois non délocalisables à Besançon."


def read(path: Path):
    return read_source(path, path.read_bytes())


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16"])
def test_text_encodings_are_detected(tmp_path, encoding):
    text = FRENCH.replace("’", "'") if encoding == "latin-1" else FRENCH
    path = tmp_path / "note.txt"
    path.write_bytes(text.encode(encoding))
    _, documents = read(path)
    assert documents[0].text == text


def test_cp1252_only_characters_are_read_as_cp1252(tmp_path):
    path = tmp_path / "note.txt"
    path.write_bytes("Œuvre « collective » – l’ESS…".encode("cp1252"))
    _, documents = read(path)
    assert documents[0].text == "Œuvre « collective » – l’ESS…"
    assert documents[0].metadata["encoding"] == "cp1252"


def test_broken_utf8_is_refused_with_its_offset(tmp_path):
    path = tmp_path / "note.txt"
    data = "Économie sociale et solidaire, coopération".encode("utf-8") + b" \xff fin"
    path.write_bytes(data)
    with pytest.raises(InputError) as error:
        read(path)
    assert "UTF-8 endommagé" in error.value.reason
    bad_offset = data.index(b"\xff")
    assert error.value.where == f"octet {bad_offset}"


def test_bytes_neither_utf8_nor_cp1252_are_refused(tmp_path):
    path = tmp_path / "note.txt"
    path.write_bytes(b"caf\xe9 \x81 du coin")
    with pytest.raises(InputError, match="indécodables") as error:
        read(path)
    assert error.value.where == "octet 5"


def test_html_keeps_visible_text_and_headings_and_drops_scripts(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(
        "<html><head><title>Les PTCE</title><style>p{color:red}</style></head><body>"
        "<nav><ul><li>Accueil</li></ul></nav><h1>Pôles territoriaux</h1>"
        "<p>Un PTCE <b>regroupe</b> des acteurs.<br>Deuxième ligne.</p>"
        "<script>alert('intrusion')</script><h2>Exemples</h2><table><tr><td>Lille</td><td>2014</td></tr></table>"
        "</body></html>",
        encoding="utf-8",
    )
    _, [document] = read(path)
    assert document.title == "Les PTCE"
    assert document.text == (
        "- Accueil\n\n# Pôles territoriaux\n\nUn PTCE regroupe des acteurs.\n\nDeuxième ligne.\n\n"
        "## Exemples\n\nLille | 2014\n"
    )
    assert "intrusion" not in document.text and "color" not in document.text


def test_docx_paragraphs_headings_lists_tables_and_properties(tmp_path):
    _, [document] = read(write_docx(tmp_path / "diagnostic.docx"))
    assert document.title == "Diagnostic ESS de la commune"
    assert document.metadata["author"] == "Service développement économique"
    assert document.text == (
        "# Diagnostic de l’économie sociale et solidaire\n\n"
        "La commune soutient les SCIC et la commande publique responsable.\n\n"
        "## Les leviers\n\n- Marchés réservés\n\n- Clauses sociales\n\n"
        "Instrument | Budget\n\nSubvention | 12 000 €\n"
    )


def test_word_transcript_keeps_speakers_and_timestamps(tmp_path):
    _, [document] = read(write_docx(tmp_path / "entretien.docx", transcript=True))
    assert document.metadata["genre"] == "entretien"
    assert document.metadata["speakers"] == "ENQUÊTRICE; ÉLUE"
    assert "[00:00:12] ÉLUE : Je suis adjointe à l’économie sociale et solidaire." in document.text
    assert document.text.startswith("ENQUÊTRICE : Pouvez-vous présenter votre rôle ?\n\n")


def test_odt_headings_lists_tables_and_metadata(tmp_path):
    _, [document] = read(write_odt(tmp_path / "atelier.odt"))
    assert document.title == "Compte rendu d’atelier"
    assert document.metadata["author"] == "Équipe de recherche"
    assert document.text == (
        "# Atelier prospectif\n\nLes élus ont débattu du foncier et des tiers-lieux.\n\n"
        "- Transition écologique\n\n- Fractures territoriales\n\nÉchelle | Région\n"
    )


def test_pdf_text_layer_with_page_breaks(tmp_path):
    path = write_pdf(tmp_path / "rapport.pdf", [["Rapport d’activité", "Les coopératives"], ["Page deux é"]])
    fmt, [document] = read(path)
    assert fmt == "pdf"
    assert document.text.count("\f") == 1
    assert "Les coopératives" in document.text and "Page deux é" in document.text


def test_encrypted_pdf_is_refused(tmp_path):
    with pytest.raises(InputError, match="chiffré"):
        read(write_encrypted_pdf(tmp_path / "secret.pdf"))


def test_pdf_without_text_layer_is_refused(tmp_path):
    with pytest.raises(InputError, match="sans couche texte"):
        read(write_scanned_pdf(tmp_path / "scan.pdf"))


def test_vtt_voices_become_speaker_turns(tmp_path):
    path = tmp_path / "entretien.vtt"
    path.write_text(VTT, encoding="utf-8")
    _, [document] = read(path)
    assert document.text == (
        "[00:00:01] Enquêtrice : Comment la métropole soutient-elle l’ESS ?\n\n"
        "[00:00:04] Marie Dupont : Par la commande publique responsable. Et par un appel à projets annuel 🌱.\n"
    )
    assert document.metadata["speakers"] == "Enquêtrice; Marie Dupont"


def test_srt_speaker_prefixes_become_turns(tmp_path):
    path = tmp_path / "entretien.srt"
    path.write_text(SRT, encoding="utf-8")
    _, [document] = read(path)
    assert document.text == (
        "[00:00:01] ENQUÊTEUR : Quel est votre rôle ?\n\n[00:00:03] ÉLU : Je suis vice-président à l’ESS.\n"
    )


def test_plain_transcript_with_timestamps(tmp_path):
    path = tmp_path / "entretien.txt"
    path.write_text(
        "[00:01:02] CHERCHEUR : Parlez-moi du PTCE.\n[00:01:10] DIRECTRICE : Il est né en 2014.\n"
        "Il réunit vingt structures.\n[00:02:00] CHERCHEUR : Merci.\n",
        encoding="utf-8",
    )
    _, [document] = read(path)
    assert document.text == (
        "[00:01:02] CHERCHEUR : Parlez-moi du PTCE.\n\n"
        "[00:01:10] DIRECTRICE : Il est né en 2014. Il réunit vingt structures.\n\n"
        "[00:02:00] CHERCHEUR : Merci.\n"
    )
    assert document.metadata["genre"] == "entretien"


def test_ordinary_text_with_a_colon_is_not_a_transcript(tmp_path):
    path = tmp_path / "plan.txt"
    path.write_text("Objectifs : soutenir les SCIC.\n\nLe réseau agit depuis vingt ans.\n\n"
                    "Il réunit des collectivités.\n", encoding="utf-8")
    _, [document] = read(path)
    assert "genre" not in document.metadata


def test_bibtex_one_document_per_reference_with_latex_decoded(tmp_path):
    path = tmp_path / "zotero.bib"
    path.write_text(BIB, encoding="utf-8")
    _, documents = read(path)
    assert [d.doc_id_hint for d in documents] == ["laville2021", "dupont2019"]
    first = documents[0]
    assert first.title == "Vingt ans de politiques publiques d'économie sociale et solidaire"
    assert first.metadata["author"] == "Laville, Jean-Louis; Fraisse, Laurent"
    assert first.metadata["date"] == "2021"
    assert "Résumé : Une étude des politiques locales de l'ESS." in first.text
    assert "Note : Présentée au Forum national de l'ESS" in first.text
    assert documents[1].metadata["journal"] == "Revue de l'ESS"


def test_malformed_bibtex_names_the_line(tmp_path):
    path = tmp_path / "zotero.bib"
    path.write_text(BIB + "\n@article{broken,\n  title = {Sans fin\n", encoding="utf-8")
    with pytest.raises(InputError, match="BibTeX mal formée") as error:
        read(path)
    assert error.value.where == f"ligne {BIB.count(chr(10)) + 2}"


def test_ris_references(tmp_path):
    path = tmp_path / "zotero.ris"
    path.write_text(RIS, encoding="utf-8")
    _, documents = read(path)
    assert [d.title for d in documents] == ["La commande publique responsable", "Les SCIC et les collectivités"]
    assert "Résumé : Un article sur les clauses sociales." in documents[0].text
    assert "Note : Lu en atelier" in documents[0].text
    assert documents[1].metadata["author"] == "Durand, Léa"


@pytest.mark.parametrize("content, where", [
    ("TI  - Sans type\nER  - \n", "ligne 1"),
    ("TY  - JOUR\nTI  - Jamais terminée\n", "ligne 1"),
    ("n'importe quoi\n", "ligne 1"),
])
def test_malformed_ris_names_the_line(tmp_path, content, where):
    path = tmp_path / "zotero.ris"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as error:
        read(path)
    assert error.value.where == where


def test_unknown_extension_and_empty_and_binary_files(tmp_path):
    unknown = tmp_path / "tableau.xyz"
    unknown.write_text("x")
    with pytest.raises(InputError, match="extension inconnue"):
        read(unknown)
    blank = tmp_path / "vide.txt"
    blank.write_text("  \n")
    with pytest.raises(InputError, match="fichier vide"):
        read(blank)
    binary = tmp_path / "image.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(InputError, match="binaire"):
        read(binary)


@pytest.mark.parametrize("name, data", [
    ("casse.docx", b"PK\x03\x04 not really a zip"),
    ("casse.odt", b"plain text pretending"),
])
def test_corrupted_office_files_are_refused(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(InputError, match="corrompu"):
        read(path)
