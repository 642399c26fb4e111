"""The exercise folder and the participants' ratings: the shipped exercise, bad input, aggregation."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from analysis.errors import InputError
from analysis.prospective.exercise import Exercise
from analysis.prospective.participation import aggregate_ratings, compare_rounds, disagreements, group_matrix
from conftest import REPO

SHIPPED = REPO / "scenarios" / "avenir-politiques-locales-ess"


@pytest.fixture
def exercise(tmp_path) -> Exercise:
    folder = tmp_path / "exercice"
    shutil.copytree(SHIPPED, folder)
    return Exercise.open(folder)


def test_the_shipped_exercise_is_complete_and_says_it_is_illustrative():
    exercise = Exercise.open(SHIPPED)
    assert exercise.illustrative
    variables = exercise.variables()
    assert {"mutation", "instrument", "niveau de collectivité", "facteur structurant"} <= set(variables["family"])
    assert {"TEC", "SAN", "FRA", "MON", "POP"} <= set(variables["code"])
    assert exercise.influence().shape == (17, 17)
    assert exercise.descriptors().groupby("descriptor").size().min() >= 2
    assert exercise.positions().shape == (8, 5)
    assert set(exercise.levers()["local_capacity"]) == {"peut agir", "nouvelle stratégie"}
    assert len(exercise.ratings()) == 4


def test_evidence_points_to_codes_of_the_codebook():
    import yaml

    paths = {c["path"] for c in yaml.safe_load((REPO / "corpus" / "codebook.yaml").read_text())["codes"]}
    assert set(Exercise.open(SHIPPED).variables()["evidence"]) <= paths


def _edit(path, old: str, new: str) -> None:
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize("edit, table, message, where", [
    (lambda f: _edit(f / "influence.csv", "TEC,2,0,1", "TEC,5,0,1"), "influence", "hors de l’échelle", "colonne CP"),
    (lambda f: _edit(f / "influence.csv", "TEC,2,0,1", "TEC,,0,1"), "influence", "case vide", "ligne 14 (TEC)"),
    (lambda f: _edit(f / "influence.csv", "code,CP", "code,XX"), "influence", "étiquettes", None),
    (lambda f: _edit(f / "variables.csv", "POP,", "POPU,"), "influence", "ne correspondent pas", None),
    (lambda f: _edit(f / "positions.csv", "ESS,4", "ESS,-5"), "positions", "hors de l’échelle", "ligne 8 (ESS)"),
    (lambda f: _edit(f / "descriptors.csv", "Finances locales,contraintes", "Autre,contraintes"),
     "descriptors", None, None),
    (lambda f: _edit(f / "levers.csv", "intercommunalité;région", "galaxie"), "levers", "échelle inconnue", "colonne scale"),
    (lambda f: _edit(f / "levers.csv", "Transition coopérative,", "Transition inconnue,"), "levers",
     "absent de scenarios.csv", "ligne 2, colonne scenario"),
    (lambda f: _edit(f / "scenarios.csv", ",accélérée,", ",fulgurante,"), "named_scenarios",
     "variante « fulgurante » inconnue pour « Transition écologique »", "ligne 2, colonne Transition écologique"),
    (lambda f: _edit(f / "scenarios.csv", ",Coopération territoriale,", ",Coopération,"), "named_scenarios",
     "colonne absente pour le descripteur « Coopération territoriale »", None),
    (lambda f: _edit(f / "scenarios.csv", "ESS de réparation sous contrainte,", "Transition coopérative,"), "named_scenarios",
     "« name » en double", "ligne 3"),
])
def test_bad_tables_are_refused_naming_file_row_and_column(exercise, edit, table, message, where):
    before = {p: p.read_bytes() for p in exercise.folder.rglob("*") if p.is_file()}
    edit(exercise.folder)
    edited = {p: p.read_bytes() for p in exercise.folder.rglob("*") if p.is_file()}
    with pytest.raises(InputError) as error:
        getattr(exercise, table)()
    if message:
        assert message in error.value.reason
    else:
        assert "une variante" in error.value.reason or "qu’une variante" in error.value.reason
    if where:
        assert where in (error.value.where or "")
    assert {p: p.read_bytes() for p in exercise.folder.rglob("*") if p.is_file()} == edited != before


def test_the_consistent_scenarios_carry_the_group_s_names_and_storylines():
    from analysis.prospective.cib import consistent_scenarios
    from analysis.prospective.cib_files import read_cross_impact

    exercise = Exercise.open(SHIPPED)
    found = consistent_scenarios(read_cross_impact(exercise.crossimpact_path()))
    assert exercise.scenario_names(found) == ["Transition coopérative", "ESS de réparation sous contrainte",
                                              "Repli et marginalisation"]
    assert set(exercise.levers()["scenario"]) == set(exercise.named_scenarios()["name"])
    assert all(len(story) > 80 for story in exercise.named_scenarios()["storyline"])
    other = found.copy()
    other.loc[0, "Climat politique"] = "populiste"  # a consistent scenario the group has not named
    assert exercise.scenario_names(other)[0] == "Scénario 1"


def test_a_table_can_be_an_xlsx_file(exercise):
    csv = exercise.folder / "influence.csv"
    pd.read_csv(csv, dtype=str, keep_default_na=False).to_excel(exercise.folder / "influence.xlsx", index=False)
    expected = exercise.influence()
    csv.unlink()
    assert exercise.influence().equals(expected)
    (exercise.folder / "influence.xlsx").write_bytes(b"PK\x03\x04 abime")
    with pytest.raises(InputError, match="ce n’est pas un classeur XLSX"):
        exercise.influence()


def _ratings(values: dict[str, list[int]]) -> dict[str, pd.DataFrame]:
    """One 2 × 2 matrix per participant, from the values of the cells A→B and B→A."""
    return {f"p{k + 1}": pd.DataFrame([[0, values["AB"][k]], [values["BA"][k], 0]], index=["A", "B"],
                                      columns=["A", "B"])
            for k in range(len(values["AB"]))}


def test_aggregation_by_hand():
    table = aggregate_ratings(_ratings({"AB": [1, 2, 3], "BA": [0, 0, 3]})).set_index(["source", "target"])
    agreed = table.loc[("A", "B")]
    assert (agreed["median"], agreed["q1"], agreed["q3"], agreed["iqr"], agreed["share_agreeing"]) == (2, 1.5, 2.5, 1, 1)
    assert agreed["consensus"]
    split = table.loc[("B", "A")]
    assert (split["median"], split["iqr"], split["share_agreeing"]) == (0, 1.5, 2 / 3)
    assert not split["consensus"]
    assert disagreements(table.reset_index())[["source", "target"]].values.tolist() == [["B", "A"]]
    assert group_matrix(table.reset_index()).loc["A", "B"] == 2


def test_delphi_rounds_compared():
    first = aggregate_ratings(_ratings({"AB": [1, 2, 3], "BA": [0, 0, 3]}))
    second = aggregate_ratings(_ratings({"AB": [2, 2, 2], "BA": [0, 1, 1]}))
    table = compare_rounds(first, second).set_index(["source", "target"])
    assert table.loc[("A", "B"), "converged"] and table.loc[("A", "B"), "median_change"] == 0
    assert table.loc[("B", "A"), "median_change"] == 1 and table.loc[("B", "A"), "consensus_2"]


def test_the_shipped_ratings_aggregate():
    table = aggregate_ratings(Exercise.open(SHIPPED).ratings())
    assert len(table) == 17 * 16 and table["participants"].eq(4).all()
    assert table["consensus"].any() and not table["consensus"].all()


def test_the_variables_evidence_is_read_checked_against_the_codebook_and_counted():
    from analysis.publication.tables import corpus_evidence

    exercise = Exercise.open(SHIPPED)
    variables = exercise.variables()
    codebook = REPO / "corpus" / "codebook.yaml"
    codings = pd.DataFrame({"code": ["leviers/commande-publique", "leviers/commande-publique", "leviers/scic", "acteurs"]})
    shown = corpus_evidence(variables, SHIPPED / "variables.csv", codebook, codings).set_index("code")
    assert shown.loc["CP", "extracts"] == 2 and shown.loc["SCIC", "extracts"] == 1
    assert shown.loc["CP", "evidence"] == "Commande publique responsable"  # the label, not the path
    assert (shown["evidence"] != "").all(), "every shipped variable points to the codebook"
    broken = variables.copy()
    broken.loc[2, "evidence"] = "leviers/inexistant"
    with pytest.raises(InputError) as error:
        corpus_evidence(broken, SHIPPED / "variables.csv", codebook, codings)
    assert "« leviers/inexistant » absente du livre de codes" in error.value.reason
    assert error.value.where == "ligne 4, colonne evidence"


def test_the_storylines_point_to_their_evidence_and_levers_to_the_windtunnel():
    from analysis.prospective.strategy import robustness
    from analysis.publication.tables import corpus_evidence, windtunnel_table

    exercise = Exercise.open(SHIPPED)
    named = exercise.named_scenarios()
    codebook = REPO / "corpus" / "codebook.yaml"
    codings = pd.DataFrame({"code": ["leviers/commande-publique", "leviers/commande-publique", "leviers/scic", "acteurs"]})
    shown = corpus_evidence(named, SHIPPED / "scenarios.csv", codebook, codings, key="name").set_index("name")
    assert (shown["evidence"] != "").all(), "every storyline points to the codebook"
    assert shown.loc["Transition coopérative", "extracts"] >= 1
    shown_windtunnel = windtunnel_table(exercise.windtunnel()).set_index("Levier")
    lever = "Garder un socle de coopération face à la polarisation"
    assert shown_windtunnel.loc[lever, "Robustesse"] == "fonctionne dans tous les scénarios"
    assert shown_windtunnel.loc["Financer la coopération dans la durée", "Repli et marginalisation"] == "ne fonctionne pas"
    assert list(robustness(exercise.windtunnel())["robustness"]).count("tous") == 1


@pytest.mark.parametrize("cell, message", [("3", "valeur « 3 » invalide"), ("oui", "valeur « oui » invalide")])
def test_a_bad_windtunnel_names_the_line_and_the_column(tmp_path, cell, message):
    folder = tmp_path / "exercice"
    shutil.copytree(SHIPPED, folder)
    path = folder / "windtunnel.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].rsplit(",", 1)[0] + f",{cell}"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        Exercise.open(folder).windtunnel()
    assert message in error.value.reason and error.value.where == "ligne 3, colonne Repli et marginalisation"
    lines[2] = "Un levier inconnu,2,2,2"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="absent de levers.csv"):
        Exercise.open(folder).windtunnel()
