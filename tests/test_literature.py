"""The literature review: imports and deduplication, screening, PRISMA flow, corpus documents."""

from __future__ import annotations

import hashlib
from pathlib import Path

import bibtexparser
import pytest
from bibtexparser.middlewares import LatexDecodingMiddleware

from analysis.corpus.store import Corpus
from analysis.errors import AtelierError, InputError
from analysis.corpus.literature import (
    import_references, include_in_corpus, prisma_counts, prisma_figure, record_screening,
    references, references_path, screening_table,
)

ZOTERO_BIB = r"""% Export Zotero
@article{dupont2020,
  author = {Dupont, Jean and Martin, Cl{\'e}mence},
  title = {L'{\'e}valuation des politiques publiques \& la participation},
  journal = {Revue fran{\c c}aise d'administration},
  year = {2020},
  doi = {10.1234/ABC.2020},
  url = {https://example.org/a_b?x=1\%20},
  abstract = {Une {\'e}tude des dispositifs participatifs {\`a} l'{\'e}chelle locale.},
  note = {Lu en s{\'e}minaire},
}

@book{martin2019,
  author = {Martin, Cl{\'e}mence},
  title = {D{\'e}mocratie d{\'e}lib{\'e}rative en r{\'e}gion},
  publisher = {Presses universitaires},
  year = {2019},
}

@article{leroy2021,
  author = {Leroy, Anne},
  title = {Les conseils de quartier : un bilan},
  journal = {Espaces et soci{\'e}t{\'e}s},
  year = {2021},
  doi = {10.5555/xyz},
}
"""

ZOTERO_RIS = """TY  - JOUR
AU  - Dupont, Jean
TI  - L'évaluation des politiques publiques et la participation
PY  - 2020
DO  - https://doi.org/10.1234/abc.2020
ER  - 

TY  - BOOK
AU  - Martin, Clémence
TI  - Démocratie délibérative en Région !
PY  - 2019
AB  - Résumé absent du premier export.
ER  - 

TY  - JOUR
AU  - Petit, Éloïse
TI  - Budget participatif et jeunesse
PY  - 2022
AB  - Les jeunes et le budget participatif à Nantes.
N1  - Cité par la mairie
ER  - 

TY  - JOUR
AU  - Leroy, Anne
TI  - Les conseils de quartier : un bilan
PY  - 2018
ER  - 
"""


def snapshot(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*")) if p.is_file() and p.name != ".atelier.lock"
    }


@pytest.fixture
def corpus(tmp_path: Path) -> Corpus:
    root = tmp_path / "corpus"
    root.mkdir()
    return Corpus(root)


@pytest.fixture
def exports(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "exports"
    folder.mkdir()
    bib, ris = folder / "zotero.bib", folder / "zotero.ris"
    bib.write_text(ZOTERO_BIB, encoding="utf-8")
    ris.write_text(ZOTERO_RIS, encoding="utf-8")
    return bib, ris


@pytest.fixture
def imported(corpus, exports) -> Corpus:
    import_references(corpus, exports[0])
    import_references(corpus, exports[1])
    return corpus


def _key(corpus: Corpus, title_start: str, year: str | None = None) -> str:
    table = references(corpus)
    rows = table[table["title"].str.startswith(title_start)]
    if year:
        rows = rows[rows["year"] == year]
    assert len(rows) == 1
    return rows.iloc[0]["key"]


def test_import_counts_and_duplicates(corpus, exports):
    first = import_references(corpus, exports[0])
    assert list(first["status"]) == ["new"] * 3
    second = import_references(corpus, exports[1])
    assert list(second["status"]) == ["duplicate", "duplicate", "new", "new"]
    # Duplicate by DOI (other title) and by normalised title + year (accents, case, punctuation).
    assert list(second["key"][:2]) == ["dupont2020", "martin2019"]
    table = references(corpus)
    assert len(table) == 5
    assert list(table.columns) == ["key", "title", "authors", "year", "type", "doi", "abstract"]
    assert len(set(table["key"])) == 5
    # Same title, another year: not a duplicate.
    assert sorted(table.loc[table["title"] == "Les conseils de quartier : un bilan", "year"]) == ["2018", "2021"]
    # The duplicate filled the abstract that the first export lacked, the key stayed.
    martin = table.set_index("key").loc["martin2019"]
    assert martin["abstract"] == "Résumé absent du premier export."
    assert sorted(p.name for p in (corpus.root / "literature" / "imports").iterdir()) == ["zotero.bib", "zotero.ris"]


def test_references_bib_round_trip(imported, exports):
    path = references_path(imported)
    text = path.read_text(encoding="utf-8")
    library = bibtexparser.parse_string(text, append_middleware=[LatexDecodingMiddleware()])
    assert not library.failed_blocks
    assert len(library.entries) == 5
    entry = {e.key: e for e in library.entries}["dupont2020"]
    fields = {name: field.value for name, field in entry.fields_dict.items()}
    assert fields["title"] == "L'évaluation des politiques publiques & la participation"
    assert fields["journal"] == "Revue française d'administration"
    assert fields["abstract"] == "Une étude des dispositifs participatifs à l'échelle locale."
    assert fields["note"] == "Lu en séminaire"
    assert fields["doi"].lower() == "10.1234/abc.2020"
    assert fields["url"] == "https://example.org/a_b?x=1%20"
    assert fields["author"] == "Dupont, Jean and Martin, Clémence"
    table = references(imported).set_index("key")
    assert table.loc["dupont2020", "authors"] == "Dupont, Jean; Martin, Clémence"
    assert table.loc["dupont2020", "type"] == "article"
    budget = _key(imported, "Budget participatif")
    assert table.loc[budget, "type"] == "article"
    assert table.loc[budget, "abstract"] == "Les jeunes et le budget participatif à Nantes."
    # Importing the same file again changes nothing: all duplicates, same bytes, no new copy.
    before = snapshot(imported.root / "literature")
    again = import_references(imported, exports[1])
    assert set(again["status"]) == {"duplicate"}
    assert snapshot(imported.root / "literature") == before


def _screen(corpus: Corpus) -> dict[str, str]:
    keys = {
        "dupont": "dupont2020", "martin": "martin2019", "leroy": "leroy2021",
        "budget": _key(corpus, "Budget participatif"),
        "conseils2018": _key(corpus, "Les conseils de quartier", "2018"),
    }
    record_screening(corpus, "alice", keys["dupont"], "exclure", "hors sujet")
    record_screening(corpus, "alice", keys["dupont"], "inclure")  # replaces the first decision
    record_screening(corpus, "bruno", keys["dupont"], "inclure")
    record_screening(corpus, "alice", keys["martin"], "exclure", "hors sujet")
    record_screening(corpus, "bruno", keys["martin"], "exclure", "hors sujet")
    record_screening(corpus, "alice", keys["leroy"], "inclure")
    record_screening(corpus, "bruno", keys["leroy"], "exclure", "pas de données")
    record_screening(corpus, "alice", keys["budget"], "exclure", "période")
    record_screening(corpus, "bruno", keys["budget"], "exclure", "période")
    return keys


def test_screening_two_reviewers(imported):
    keys = _screen(imported)
    alice = (imported.root / "literature" / "screening" / "alice.csv").read_text(encoding="utf-8")
    assert alice.splitlines()[0] == "key,decision,reason,timestamp"
    assert alice.count("dupont2020") == 1
    table = screening_table(imported).set_index("key")
    assert {"alice", "bruno", "agreement", "final", "reason"} <= set(table.columns)
    assert table.loc[keys["dupont"], ["alice", "bruno"]].tolist() == ["inclure", "inclure"]
    assert table.loc[keys["dupont"], "final"] == "incluse" and table.loc[keys["dupont"], "agreement"]
    assert table.loc[keys["martin"], "final"] == "exclue"
    assert table.loc[keys["martin"], "reason"] == "hors sujet"
    assert table.loc[keys["leroy"], "final"] == "à discuter" and not table.loc[keys["leroy"], "agreement"]
    assert table.loc[keys["conseils2018"], "final"] == "non examinée"
    assert table.loc[keys["conseils2018"], ["alice", "bruno"]].tolist() == ["", ""]


def test_prisma_counts_by_hand(imported):
    _screen(imported)
    counts = prisma_counts(imported)
    assert counts == {
        "identified": {"zotero.bib": 3, "zotero.ris": 4},
        "identified_total": 7,
        "duplicates": 2,
        "unique": 5,
        "screened": 4,
        "not_screened": 1,
        "excluded": 2,
        "exclusion_reasons": {"hors sujet": 1, "période": 1},
        "included": 1,
        "to_discuss": 1,
    }


def test_prisma_figure_draws(imported, tmp_path):
    _screen(imported)
    figure = prisma_figure(prisma_counts(imported))
    out = tmp_path / "prisma.png"
    figure.savefig(out, dpi=200)
    assert out.stat().st_size > 10_000
    texts = " ".join(t.get_text() for ax in figure.axes for t in ax.texts)
    for label in ("Références identifiées", "Doublons retirés", "Références examinées",
                  "Exclues (motifs)", "Incluses", "À discuter", "hors sujet : 1", "(n = 7)"):
        assert label in texts


def test_include_in_corpus_is_idempotent(imported):
    keys = _screen(imported)
    first = include_in_corpus(imported)
    assert list(first["status"]) == ["added"]
    documents = imported.documents()
    assert len(documents) == 1
    row = documents.iloc[0]
    assert row["genre"] == "littérature" and row["citation_key"] == keys["dupont"]
    text = imported.text(row["doc_id"])
    assert "Résumé : Une étude des dispositifs participatifs" in text
    assert "Note : Lu en séminaire" in text
    before = snapshot(imported.root)
    again = include_in_corpus(imported)
    assert list(again["status"]) == ["unchanged"]
    assert snapshot(imported.root) == before
    # A newly included reference is added; the first one is left as it is.
    record_screening(imported, "bruno", keys["leroy"], "inclure")
    third = include_in_corpus(imported).set_index("key")["status"]
    assert third[keys["dupont"]] == "unchanged" and third[keys["leroy"]] == "added"
    assert len(imported.documents()) == 2
    assert len(imported.units("paragraph")) > 0


def test_malformed_bib_writes_nothing(corpus, exports, tmp_path):
    bad = tmp_path / "casse.bib"
    bad.write_text("@article{ok,\n  title = {Bien},\n  year = {2020},\n}\n\n@article{casse,\n  title = {Sans fin\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        import_references(corpus, bad)
    assert "ligne" in str(error.value)
    assert not (corpus.root / "literature").exists()
    import_references(corpus, exports[0])
    before = snapshot(corpus.root / "literature")
    with pytest.raises(InputError):
        import_references(corpus, bad)
    bad_ris = tmp_path / "casse.ris"
    bad_ris.write_text("TY  - JOUR\nTI  - Titre\nPY  - 2020\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        import_references(corpus, bad_ris)
    assert "ER manquant" in str(error.value) and "ligne 1" in str(error.value)
    assert snapshot(corpus.root / "literature") == before


def test_bad_screening_writes_nothing(imported):
    record_screening(imported, "alice", "dupont2020", "inclure")
    before = snapshot(imported.root / "literature")
    with pytest.raises(AtelierError, match="sans motif"):
        record_screening(imported, "alice", "martin2019", "exclure")
    with pytest.raises(AtelierError, match="référence inconnue"):
        record_screening(imported, "alice", "inconnu1999", "inclure")
    with pytest.raises(AtelierError, match="décision invalide"):
        record_screening(imported, "alice", "martin2019", "peut-être")
    with pytest.raises(AtelierError, match="évaluateur invalide"):
        record_screening(imported, "../alice", "martin2019", "inclure")
    with pytest.raises(AtelierError, match="sans motif"):
        record_screening(imported, "bruno", "martin2019", "exclure", "   ")
    assert snapshot(imported.root / "literature") == before
    assert not (imported.root / "literature" / "screening" / "bruno.csv").exists()
