"""The prospective commands on the shipped exercise, and their refusals of bad input."""

from __future__ import annotations

import shutil

from analysis.cli.main import main
from analysis.widgets.presentation import VIEWS
from conftest import REPO

SHIPPED = REPO / "scenarios" / "avenir-politiques-locales-ess"
NOTICE = "Valeurs illustratives"


def run(capsys, *args):
    status = main([str(a) for a in args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_micmac_ranks_the_variables_and_says_the_values_are_illustrative(capsys):
    status, out, _ = run(capsys, "micmac", SHIPPED)
    assert status == 0 and NOTICE in out
    assert "puissance" in out and "déterminante" in out and "Politique nationale de l’ESS" in out


def test_mactor_and_aggregate(capsys):
    status, out, _ = run(capsys, "mactor", SHIPPED)
    assert status == 0 and NOTICE in out and "r*" in out and "Mobiliser les fonds européens" in out
    for english in ("r_star", "objective", "side", "actors", "weighted", "actor_a", "convergence_intensity"):
        assert english not in out
    status, out, _ = run(capsys, "aggregate", SHIPPED)
    assert status == 0 and "4 participant(s)" in out and "consensus" in out


def test_delphi_comparison(capsys, tmp_path):
    folder = tmp_path / "exercice"
    shutil.copytree(SHIPPED, folder)
    shutil.copytree(folder / "ratings", folder / "tour2")
    path = folder / "tour2" / "participant-a.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("INT,0,", "INT,3,", 1), encoding="utf-8")
    status, out, _ = run(capsys, "aggregate", folder, "--compare", "tour2")
    assert status == 0 and "Deuxième tour" in out


def test_bad_matrix_exits_2_naming_the_file_and_cell(capsys, tmp_path):
    folder = tmp_path / "exercice"
    shutil.copytree(SHIPPED, folder)
    path = folder / "influence.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("TEC,2,", "TEC,7,", 1), encoding="utf-8")
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    status, _, err = run(capsys, "micmac", folder)
    assert status == 2 and "influence.csv" in err and "colonne CP" in err and "hors de l’échelle" in err
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before
    status, _, err = run(capsys, "micmac", tmp_path / "absent")
    assert status == 2 and "introuvable" in err


def test_cib_lists_consistent_scenarios_and_what_remains_possible(capsys):
    crossimpact = SHIPPED / "crossimpact.csv"
    status, out, _ = run(capsys, "cib", crossimpact)
    assert status == 0 and NOTICE in out and "3 scénario(s)" in out and "729" in out
    status, out, _ = run(capsys, "cib", crossimpact, "--fix", "Climat politique=populiste", "--max-inconsistency", "1")
    assert status == 0 and "Climat politique = populiste" in out and "reste possible" in out
    status, out, err = run(capsys, "cib", crossimpact, "--format", "csv")
    rows = out.strip().splitlines()
    assert status == 0 and rows[0].endswith("inconsistency,total_impact_score") and len(rows) == 4
    assert NOTICE in err


def test_cib_refuses_a_bad_grid_and_an_unknown_variant(capsys, tmp_path):
    grid = tmp_path / "crossimpact.csv"
    grid.write_text((SHIPPED / "crossimpact.csv").read_text(encoding="utf-8").replace(
        "Transition écologique,accélérée,,,,0,0,0,1", "Transition écologique,accélérée,,,,0,0,0,9", 1), encoding="utf-8")
    status, _, err = run(capsys, "cib", grid)
    assert status == 2 and "crossimpact.csv" in err and "ligne 3" in err
    status, _, err = run(capsys, "cib", SHIPPED / "crossimpact.csv", "--fix", "Climat politique=inconnu")
    assert status == 2 and "inconnu" in err


def test_present_writes_one_self_contained_file(capsys, tmp_path):
    out = tmp_path / "atelier.html"
    status, stdout, _ = run(capsys, "present", SHIPPED, "--out", out)
    assert status == 0 and f"{len(VIEWS)} vue(s) sur {len(VIEWS)}" in stdout and NOTICE in stdout
    html = out.read_text(encoding="utf-8")
    assert "<script src" not in html and "<link " not in html and 'lang="fr"' in html
