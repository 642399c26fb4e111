"""Themes on the seed corpus and on small matrices: methods, coherence, stability, codes, figures."""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from analysis import Corpus
from analysis.coding.queries import current_codings
from analysis.themes.figures import FIGURES
from analysis.themes.pipeline import (
    agreement_with_codes, run_themes, shares_by, suggest_segments, theme_code_association,
)
from analysis.themes.topics import ThemeModel, fit_model, npmi_coherence, stability
from conftest import copy_seed_corpus
from analysis.coding.store import CodingStore, accept_suggestion


@pytest.fixture(scope="module")
def seed_copy(tmp_path_factory) -> Corpus:
    root = tmp_path_factory.mktemp("themes") / "corpus"
    copy_seed_corpus(root)
    return Corpus.open(root)


def two_blocks(repeat: int = 10) -> sparse.csr_matrix:
    """Segments using terms 0–2 or terms 3–5, never both."""
    return sparse.csr_matrix(np.array([[1, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 1]] * repeat))


def test_npmi_is_one_for_terms_always_together_and_minus_one_for_never():
    matrix = sparse.csr_matrix(np.array([[1, 1, 0], [1, 1, 0], [0, 0, 1], [0, 0, 1]]))
    together = ThemeModel("test", np.array([1, 1, 2, 2]), np.array([[1.0, 0.9, 0.0]]), None)
    apart = ThemeModel("test", np.array([1, 1, 2, 2]), np.array([[1.0, 0.0, 0.9]]), None)
    assert npmi_coherence(matrix, together, n=2)[1] == pytest.approx(np.log(0.5 / 0.25) / -np.log(0.5))
    assert npmi_coherence(matrix, apart, n=2)[1] == -1.0


@pytest.mark.parametrize("method", ["reinert", "nmf", "lda", "kmeans"])
def test_each_method_separates_two_disjoint_blocks(method):
    labels = fit_model(two_blocks(), method, 2, random_state=0).labels
    assert set(labels[::2]) | set(labels[1::2]) == {1, 2}
    assert len(set(labels[::2])) == 1 and len(set(labels[1::2])) == 1 and labels[0] != labels[1]


def test_stability_is_perfect_on_separable_blocks():
    runs = stability(two_blocks(), "kmeans", 2, n_resamples=4)
    assert len(runs) == 4 and np.allclose(runs["ari"], 1.0)


@pytest.mark.parametrize("method", ["reinert", "reinert-double", "nmf", "lda", "kmeans"])
def test_each_method_runs_on_the_seed_corpus_deterministically(seed_copy, method):
    first = run_themes(seed_copy, method, k=4, random_state=3)
    second = run_themes(seed_copy, method, k=4, random_state=3)
    assert np.array_equal(first.segments["theme"], second.segments["theme"])
    assert 2 <= len(first.sizes) <= 4
    assert set(first.profiles.columns) >= {"theme", "term", "chi2", "form"}
    assert first.characteristic["text"].str.len().gt(0).all()


def test_shares_by_year_sum_to_one(seed_copy):
    shares = shares_by(run_themes(seed_copy, "nmf", k=3), "year")
    assert set(shares.index) == {"2017", "2022", "2024"}
    assert np.allclose(shares.sum(axis=1), 1.0)


def test_codes_meet_themes_and_suggestions_are_only_shown(seed_copy, capsys):
    from analysis.cli.main import main

    def atelier(*args: str) -> tuple[int, str, str]:
        status = main(["--corpus", str(seed_copy.root), *args])
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    themes = run_themes(seed_copy, "nmf", k=3)
    segments = themes.segments
    for n, segment in enumerate(segments.itertuples()):
        if "commande publique" in segment.text.lower() and n % 2 == 0 or "foncier" in segment.text.lower():
            code = "leviers/commande-publique" if "commande publique" in segment.text.lower() else "leviers/acces-foncier"
            text = seed_copy.text(segment.doc_id)
            CodingStore.of(seed_copy).add("marie", segment.doc_id, seed_copy.document(segment.doc_id)["text_sha256"],
                                  segment.start, segment.end, code, text[segment.start:segment.end])
    codings = current_codings(seed_copy)
    association = theme_code_association(themes, codings)
    assert set(association["code"]) == {"leviers/commande-publique", "leviers/acces-foncier"}
    assert association["segments"].sum() >= len(codings)
    agreement = agreement_with_codes(themes, codings, level=2)
    assert agreement.loc[0, "segments"] > 0 and 0 <= agreement.loc[0, "nmi"] <= 1
    before = len(CodingStore.of(seed_copy).events("marie")[0])
    suggestions = suggest_segments(themes, codings, "leviers/commande-publique", n=5)
    assert len(suggestions) == 5 and suggestions["probability"].is_monotonic_decreasing
    assert len(CodingStore.of(seed_copy).events("marie")[0]) == before, "suggestions are never written"
    event = accept_suggestion(seed_copy, "paul", suggestions.iloc[0])
    assert event["coder"] == "paul" and event["code"] == "leviers/commande-publique"
    status, out, _ = atelier("suggest", "leviers/commande-publique", "--n", "3", "--k", "3")
    assert status == 0 and "3 segment(s) proposé(s)" in out and "rien n’est écrit" in out
    status, _, err = atelier("suggest", "leviers/commande-publique", "--n", "3", "--k", "3", "--accept", "4", "--coder", "lea")
    assert status == 2 and "numéro de proposition" in err and not CodingStore.of(seed_copy).events("lea")[0]
    status, out, _ = atelier("suggest", "leviers/commande-publique", "--n", "3", "--k", "3", "--accept", "1,2", "--coder", "lea")
    assert status == 0 and len(CodingStore.of(seed_copy).events("lea")[0]) == 2
    status, _, err = atelier("suggest", "leviers/commande-publique", "--n", "3", "--k", "3", "--accept", "1", "--reject", "1",
                             "--coder", "lea")
    assert status == 2 and "à la fois acceptée et rejetée" in err
    status, out, _ = atelier("suggest", "leviers/commande-publique", "--n", "3", "--k", "3", "--reject", "1", "--coder", "lea")
    assert status == 0 and "1 rejetée(s)" in out
    rejected = CodingStore.of(seed_copy).replay().rejections
    assert rejected[["coder", "code"]].values.tolist() == [["lea", "leviers/commande-publique"]]
    spans = {(row.doc_id, row.start, row.end) for row in rejected.itertuples()}
    again = suggest_segments(themes, current_codings(seed_copy), "leviers/commande-publique", n=50,
                             rejected=rejected)
    assert not spans & set(zip(again["doc_id"], again["start"], again["end"])), "a rejected segment is not proposed again"
    status, _, err = atelier("suggest", "acteurs", "--k", "3")
    assert status == 2 and "pour apprendre" in err


def test_figures_are_drawn_with_french_labels(seed_copy, tmp_path):
    themes = run_themes(seed_copy, "reinert", k=4)
    for name, draw in FIGURES.items():
        figure = draw(themes)
        path = tmp_path / f"{name}.png"
        figure.savefig(path, dpi=80)
        assert path.stat().st_size > 5_000, name
        texts = " ".join([t.get_text() for axes in figure.axes for t in axes.texts + axes.get_xticklabels()]
                         + [axes.get_title(loc=loc) for axes in figure.axes for loc in ("left", "center")])
        assert "Classe" in texts, name
        if name.startswith("themes-par-"):  # the classes are named by their forms, not only numbered
            assert f"Classe 1 : {themes.labels_of_themes(3)[1]}" in texts, name


def test_cli_themes_writes_tables_and_figures(seed_copy):
    from analysis.cli.main import main

    assert main(["--corpus", str(seed_copy.root), "themes", "--method", "kmeans", "--k", "3"]) == 0
    out = seed_copy.root / "derived" / "themes" / "kmeans-k3-s40"
    assert {"classes.csv", "profils.csv", "parts-par-annee.csv", "dendrogramme.svg", "plan-factoriel.png"} <= {
        p.name for p in out.iterdir()}
    assert len(pd.read_csv(out / "classes.csv")) == 3


def test_names_are_blanked_only_in_what_is_vectorised(seed_copy):
    filtered = run_themes(seed_copy, "reinert", k=4, random_state=0)
    kept = run_themes(seed_copy, "reinert", k=4, random_state=0, exclude_person_names=False)
    assert kept.person_names.empty and len(filtered.person_names) > 100
    assert list(filtered.person_names.columns) == ["doc_id", "start", "end", "name"]
    # segments keep the corpus's offsets and texts
    pd.testing.assert_frame_equal(filtered.segments.drop(columns="theme"), kept.segments.drop(columns="theme"))
    for row in filtered.segments.itertuples():
        assert seed_copy.text(row.doc_id)[row.start:row.end] == row.text
    assert filtered.characteristic["text"].isin(filtered.segments["text"]).all()
    names = {w.lower() for n in filtered.person_names["name"] for w in n.split()}
    assert not set(filtered.feature_names) & names
    assert set(kept.feature_names) & names


def test_cli_themes_removes_names_unless_kept(seed_copy, capsys):
    from analysis.cli.main import main

    assert main(["--corpus", str(seed_copy.root), "themes", "--k", "4"]) == 0
    out = capsys.readouterr().out
    assert "mentions de noms de personnes retirées" in out
    profiles = pd.read_csv(seed_copy.root / "derived" / "themes" / "reinert-k4-s40" / "profils.csv")
    assert "federici" not in set(profiles["form"])
    assert main(["--corpus", str(seed_copy.root), "themes", "--k", "4", "--keep-names"]) == 0
    assert "Noms de personnes conservés" in capsys.readouterr().out
    profiles = pd.read_csv(seed_copy.root / "derived" / "themes" / "reinert-k4-s40" / "profils.csv")
    assert "federici" in set(profiles["form"])


def test_names_of_persons_are_read_once_per_text(seed_copy, monkeypatch):
    import analysis.text.person_names
    from analysis.themes.pipeline import person_names_of

    doc_ids = ["rtes-plan-actions-2022", "rapport-d-activite-2024-du-rtes"]
    first = person_names_of(seed_copy, doc_ids)
    assert len(list((seed_copy.derived_dir / "person-names").rglob("*.pkl"))) >= 2

    def model_called(text):
        raise AssertionError("the names of a text already read are taken from derived/")

    monkeypatch.setattr(analysis.text.person_names, "person_name_spans", model_called)
    pd.testing.assert_frame_equal(person_names_of(seed_copy, doc_ids), first)


@pytest.mark.parametrize("method", ["reinert", "reinert-double", "nmf", "lda", "kmeans"])
def test_cli_choose_k_compares_numbers_of_themes_for_every_method(seed_copy, capsys, method):
    from analysis.cli.main import main

    assert main(["--corpus", str(seed_copy.root), "themes", "--method", method, "--k", "4", "--choose-k", "3", "4"]) == 0
    out = capsys.readouterr().out
    assert "cohérence NPMI" in out and "stabilité (ARI)" in out
    assert [line.split()[0] for line in out.splitlines()[-2:]] == ["3", "4"]
