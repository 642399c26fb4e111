"""The privacy gate on a real book: a copy of the seed corpus with every kind of secret planted,
built once. Each secret is either masked in the output or makes ``atelier privacy-check`` fail."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from analysis import Corpus
from analysis.cli.main import main
from analysis.corpus.store import publishable
from analysis.publication.detectors import fold
from analysis.corpus.ingest import IngestOptions, ingest
from analysis.publication.privacy import (
    EMAIL_MASK, KIND_EMAIL, KIND_NAME, KIND_PASSAGE, KIND_PHONE, KIND_TITLE, PHONE_MASK, check_build,
    scan_build, search_index_text, visible_text,
)
from conftest import build_book, copy_seed_corpus

OBFUSCATED_EMAILS = [
    "jeanne.martin [at] example [dot] org", "contact(at)mairie-exemple(dot)fr", "paul arobase ville-test point fr",
    "ｓｅｃｒｅｔａｒｉａｔ．ｃｏｍｉｔｅ＠ａｓｓｏ－ｔｅｓｔ．ｆｒ", "j . roux @ asso-test . org",
]
PHONES = ["(+33) 6 11 22 33 44", "06/55/44/33/22", "tél. 6 77 88 99 00", "+33 (0) 1 40 50 60 70"]
SPLIT_PHONE = "01 23 45\n67 89"
NAMES_WRITTEN = ["Mme LEFEVRE", "H. Lefèvre", "LEFÈVRE Hélène", "Hé<b>lène</b> Lefèvre", "Lenou"]
#: What must never be read in the book, folded (case, accents, invisible characters ignored).
SECRETS = [
    "jeanne.martin", "mairie-exemple", "ville-test", "secretariat.comite", "roux", "11 22 33 44", "55 44 33 22",
    "77 88 99 00", "40 50 60 70", "45 67 89", "lefevre", "helene", "lenou", "taillandier",
]
WITHDRAWN_SENTENCE = ("Le 9 octobre 2022, nous avons fermé la ressourcerie du quartier des Tanneurs après "
                      "trois ans de travail avec les bénévoles.")
INTERNAL_TITLE = "Atelier interne sur les tensions du collectif"
PRIVATE_SENTENCES = [
    f"Au conseil numéro {n}, la trésorière a signalé un découvert de la régie {word} que personne n’a expliqué."
    for n, word in enumerate(["Ambre", "Basalte", "Cobalt", "Dolomie", "Émeraude", "Feldspath", "Grenat", "Hématite",
                              "Iolite", "Jaspe", "Kyanite", "Lapis", "Malachite", "Néphrite", "Onyx", "Pyrite",
                              "Quartz", "Rubis", "Saphir", "Topaze", "Unakite", "Variscite", "Wulfénite", "Zircon"])
]


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def gate_book(tmp_path_factory):
    """(built HTML folder, corpus): the seed corpus plus every kind of secret, built once."""
    root = tmp_path_factory.mktemp("gate")
    corpus_dir = root / "corpus"
    copy_seed_corpus(corpus_dir)
    corpus = Corpus.open(corpus_dir)
    _write(corpus_dir / "persons.csv", "name,variants,pseudonym,why\n"
           "Hélène Lefèvre,Lenou,Élue H,élue nommée dans les comptes rendus\n")
    contacts = _write(root / "compte-rendu-contacts.txt",
                      "Compte rendu du comité des contacts\n\n"
                      f"Le 5 avril 2023, {NAMES_WRITTEN[0]} a écrit à {OBFUSCATED_EMAILS[0]} pour le comité.\n\n"
                      + "\n\n".join(f"Écrire à {address} ou appeler le {phone}, dit {name}."
                                    for address, phone, name in zip(OBFUSCATED_EMAILS[1:], PHONES, NAMES_WRITTEN[1:]))
                      + f"\n\nStandard de la maison des associations : {SPLIT_PHONE} aux heures d’ouverture.\n")
    interview = _write(root / "entretien-elue-c.txt",
                       "[00:00:05] CHERCHEUSE : Quand la régie a-t-elle ouvert ?\n\n"
                       "[00:00:09] ROSE TAILLANDIER : Le 2 juin 2021, avec Hélène Lefèvre, nous avons ouvert la régie.\n")
    withdrawn = _write(root / "entretien-retire.txt",
                       "[00:00:03] ENQUÊTEUR : Que s’est-il passé ?\n\n"
                       f"[00:00:07] MARC VIDAL : {WITHDRAWN_SENTENCE}\n")
    internal = _write(root / "atelier-interne.txt",
                      f"{INTERNAL_TITLE}\n\nLe 12 janvier 2024, le collectif a débattu de la gouvernance "
                      "de la coopérative et des départs récents.\n")
    private = _write(root / "note-privee-longue.txt",
                     "Notes du conseil de la régie\n\n" + "\n\n".join(PRIVATE_SENTENCES) + "\n")
    report = ingest(corpus, [
        (contacts, IngestOptions(genre="compte rendu", attrs={"title": "Comité des contacts avec Hé\u00adlène Lefèvre"})),
        (interview, IngestOptions(attrs={"private": "false", "pseudonym": "Élue C", "consent": "pseudonym"})),
        (withdrawn, IngestOptions(attrs={"private": "false", "pseudonym": "Élu D", "consent": "pseudonyme"})),
        (internal, IngestOptions(genre="atelier", attrs={"consent": "interne"})),
        (private, IngestOptions(private=True)),
    ], progress=False)
    assert report.ok, report.failed
    documents = corpus.documents()
    assert publishable(documents).set_axis(documents["doc_id"])["entretien-retire"]
    # Consent is withdrawn after ingestion, with the command researchers use, before the build.
    assert main(["--corpus", str(corpus_dir), "consent", "entretien-retire", "withdrawn", "--date", "2025-02-01"]) == 0
    return build_book(root / "out", corpus_dir), corpus


def _readable_text(built: Path) -> str:
    """Everything a reader gets from the HTML book, folded."""
    parts = []
    for path in built.rglob("*"):
        relative = path.relative_to(built).as_posix()
        if not path.is_file() or relative.startswith("_static/"):
            continue
        if path.suffix == ".html":
            parts.append(visible_text(path.read_text(encoding="utf-8")))
        elif path.name == "searchindex.js":
            parts.append(search_index_text(path.read_text(encoding="utf-8")))
        elif relative.startswith("_sources/"):
            parts.append(path.read_text(encoding="utf-8"))
    return fold("\n".join(parts)).text


def test_the_planted_book_passes_the_gate(gate_book, capsys):
    built, corpus = gate_book
    assert check_build(built, corpus).empty
    assert main(["--corpus", str(corpus.root), "privacy-check", str(built)]) == 0
    assert "aucune donnée privée trouvée" in capsys.readouterr().out


def _holds(readable: str, secret: str) -> bool:
    """Whether the folded ``secret`` is in ``readable`` as whole words."""
    return re.search(rf"(?<![^\W_]){re.escape(fold(secret).text)}(?![^\W_])", readable) is not None


def test_every_planted_secret_is_masked_in_the_book(gate_book):
    built, _ = gate_book
    readable = _readable_text(built)
    for secret in SECRETS:
        assert not _holds(readable, secret), secret
    annex = visible_text((built / "book" / "documents.html").read_text(encoding="utf-8"))
    # five addresses, four phones and the one split across a line, all masked where they were
    assert annex.count(EMAIL_MASK) >= len(OBFUSCATED_EMAILS)
    assert annex.count(PHONE_MASK) >= len(PHONES) + 1
    assert "Comité des contacts avec Élue H" in annex
    assert "[00:00:09] Élue C : Le 2 juin 2021, avec Élue H, nous avons ouvert la régie." in annex
    timeline = visible_text((built / "book" / "timeline.html").read_text(encoding="utf-8"))
    assert f"Le 5 avril 2023, Mme Élue H a écrit à {EMAIL_MASK} pour le comité." in timeline


def test_documents_that_are_not_publishable_are_absent(gate_book):
    built, corpus = gate_book
    readable = _readable_text(built)
    assert not _holds(readable, "ressourcerie du quartier des Tanneurs")  # consent withdrawn
    assert not _holds(readable, "MARC VIDAL")
    assert not _holds(readable, INTERNAL_TITLE) and not _holds(readable, "gouvernance de la coopérative")
    for sentence in PRIVATE_SENTENCES:
        assert not _holds(readable, sentence[:60].rsplit(" ", 1)[0])
    documents = corpus.documents().set_index("doc_id")
    assert (documents.loc["entretien-retire", "consent"], documents.loc["entretien-retire", "consent_date"]) == (
        "withdrawn", "2025-02-01")
    corpus_page = visible_text((built / "book" / "corpus.html").read_text(encoding="utf-8"))
    # the two private pages of the seed corpus, the withdrawn and internal documents, the private note
    assert "5 document(s) privé(s) ou non publiable(s)" in corpus_page


def _leaking_copy(built: Path, target: Path, leaks: dict[str, str]) -> Path:
    """A copy of the built book with one page per leak, each a chapter with the leak added."""
    shutil.copytree(built, target)
    chapter = (built / "book" / "timeline.html").read_text(encoding="utf-8")
    for name, leak in leaks.items():
        page = chapter.replace("</main>", f"<section>{leak}</section></main>", 1)
        assert page != chapter
        (target / "book" / f"fuite-{name}.html").write_text(page, encoding="utf-8")
    return target


def test_every_kind_of_leak_makes_the_check_fail_with_masked_lines(gate_book, tmp_path, capsys):
    built, corpus = gate_book
    leaks = {
        "courriel-obfusque": "<p>Écrire à contact (arobase) mairie-exemple (point) fr.</p>",
        "courriel-pleine-chasse": "<p>ｓｅｃｒｅｔａｒｉａｔ．ｃｏｍｉｔｅ＠ａｓｓｏ－ｔｅｓｔ．ｆｒ</p>",
        "telephone-cellule": "<table><tr><td>Standard</td><td>06 11 22<br>33 44</td></tr></table>",
        "telephone-international": "<p>Appeler le (+33) 6 11 22 33 44.</p>",
        "nom-balises": "<p>Selon Hé<b>lène</b> Le<i>fè</i>vre, la régie avance.</p>",
        "nom-invisible": "<p>Selon Hél&#8203;ène Le&shy;fèvre, la régie avance.</p>",
        "nom-civilite": "<p>Selon Mme LEFEVRE, la régie avance.</p>",
        "nom-svg": "<svg width='10' height='10'><text x='1' y='5'>H. Lefèvre</text></svg>",
        "nom-attribut": "<img alt='Portrait de Rose Taillandier' src='../_static/x.png'>",
        "passage-prive": f"<blockquote>{PRIVATE_SENTENCES[17]}</blockquote>",
        "passage-retire": f"<p>{WITHDRAWN_SENTENCE}</p>",
        "titre-interne": f"<h2>{INTERNAL_TITLE}</h2>",
    }
    expected = {
        "courriel-obfusque": KIND_EMAIL, "courriel-pleine-chasse": KIND_EMAIL, "telephone-cellule": KIND_PHONE,
        "telephone-international": KIND_PHONE, "nom-balises": KIND_NAME, "nom-invisible": KIND_NAME,
        "nom-civilite": KIND_NAME, "nom-svg": KIND_NAME, "nom-attribut": KIND_NAME,
        "passage-prive": KIND_PASSAGE, "passage-retire": KIND_PASSAGE, "titre-interne": KIND_TITLE,
    }
    site = _leaking_copy(built, tmp_path / "site", leaks)
    index_path = site / "searchindex.js"
    index = json.loads(re.search(r"\{.*\}", index_path.read_text(encoding="utf-8"), re.S).group(0))
    index["alltitles"]["Entretien avec H. Lefèvre"] = [[0, None]]  # a section title, kept whole in the index
    index_path.write_text(f"Search.setIndex({json.dumps(index)})", encoding="utf-8")

    findings = scan_build(site, corpus)
    found = set(zip(findings["file"], findings["kind"]))
    for name, kind in expected.items():
        assert (f"book/fuite-{name}.html", kind) in found, name
    assert ("searchindex.js", KIND_NAME) in found
    assert {file for file, _ in found} == {f"book/fuite-{name}.html" for name in leaks} | {"searchindex.js"}

    assert main(["--corpus", str(corpus.root), "privacy-check", str(site)]) == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("  - ")]
    assert len(lines) >= len(leaks) + 1
    assert "  - book/fuite-nom-civilite.html : nom réel « LE***** »" in lines
    withdrawn_line = list(corpus.documents(include_replaced=True)["doc_id"]).index("entretien-retire") + 2
    assert any(line.startswith("  - book/fuite-passage-retire.html : passage privé « L*** 9*** oc***** ")
               and line.endswith(f"(documents.csv, ligne {withdrawn_line})") for line in lines)
    for secret in ("Lefèvre", "LEFEVRE", "Taillandier", "mairie-exemple", "11 22", "ressourcerie", INTERNAL_TITLE,
                   "Rubis", "trésorière"):
        assert secret not in err, secret
    assert "Traceback" not in err
