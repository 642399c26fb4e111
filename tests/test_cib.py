"""Consistent scenarios (CIB, GMA): a field worked out by hand, the pruned search against brute
force on random fields, spreadsheets, ScenarioWizard files, and a field of 2.4·10^8 scenarios."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.prospective.cib import (
    brute_force_consistent,
    compatible_configurations,
    consistent_scenarios,
    descriptors_table,
    evaluate,
    impact_balances,
    possible_variants,
    _field,
    _start_domain,
)
from analysis.prospective.cib_files import read_cross_impact, read_scw, write_scw
from analysis.prospective.cib_search import Search
from analysis.errors import InputError

REPO = Path(__file__).resolve().parent.parent
EXERCISE = REPO / "scenarios" / "avenir-politiques-locales-ess"

# ---------------------------------------------------------------------------------------------
# A small field worked out by hand. Rows impact columns.
#
#             a1  a2 | b1  b2 | c1  c2
#   A  a1      .   . |  2  -2 |  1  -1
#      a2      .   . | -1   1 | -2   2
#   B  b1      3  -3 |  .   . |  1   0
#      b2     -1   1 |  .   . |  0   1
#   C  c1      0   0 |  1  -1 |  .   .
#      c2     -2   2 |  0   0 |  .   .

LABELS = [("A", "a1"), ("A", "a2"), ("B", "b1"), ("B", "b2"), ("C", "c1"), ("C", "c2")]
HAND = [
    [0, 0, 2, -2, 1, -1],
    [0, 0, -1, 1, -2, 2],
    [3, -3, 0, 0, 1, 0],
    [-1, 1, 0, 0, 0, 1],
    [0, 0, 1, -1, 0, 0],
    [-2, 2, 0, 0, 0, 0],
]


def matrix_of(labels, values) -> pd.DataFrame:
    index = pd.MultiIndex.from_tuples(labels, names=["descriptor", "variant"])
    return pd.DataFrame(np.asarray(values, dtype=np.int64), index=index, columns=index.copy())


@pytest.fixture
def hand() -> pd.DataFrame:
    return matrix_of(LABELS, HAND)


def scenario_rows(frame: pd.DataFrame) -> list[tuple]:
    return [tuple(row) for row in frame.itertuples(index=False)]


def test_balances_by_hand(hand):
    # scenario a1 b2 c1: A receives b2 (-1, 1) and c1 (0, 0); B receives a1 (2, -2) and
    # c1 (1, -1); C receives a1 (1, -1) and b2 (0, 1)
    table = impact_balances(hand, {"A": "a1", "B": "b2", "C": "c1"})
    assert table["balance"].tolist() == [-1, 1, 3, -3, 1, 0]
    assert table["chosen"].tolist() == [True, False, False, True, True, False]
    # A is 2 behind a2, B is 6 behind b1, C is at its best: inconsistency 6;
    # score = -1 (a1) - 3 (b2) + 1 (c1)
    result = evaluate(hand, {"A": "a1", "B": "b2", "C": "c1"})
    assert result["consistent"] is False
    assert result["inconsistency"] == 6
    assert result["total_impact_score"] == -3
    assert result["descriptor_inconsistency"] == {"A": 2, "B": 6, "C": 0}


def test_consistent_scenarios_by_hand(hand):
    # a1 b1 c1: A (3, -3), B (3, -3), C (2, -1): every chosen variant leads; score 3 + 3 + 2
    # a2 b2 c2: A (-3, 3), B (-1, 1), C (-2, 3): every chosen variant leads; score 3 + 1 + 3
    # a2 b1 c2: A (1, -1) a2 is 2 behind, B (-1, 1) b1 is 2 behind, C (-1, 2); score -1 - 1 + 2
    # a1 b1 c2: C (2, -1) c2 is 3 behind; score 1 + 2 - 1
    # the four others are 5 or 6 behind somewhere
    assert scenario_rows(consistent_scenarios(hand)) == [("a1", "b1", "c1", 0, 8), ("a2", "b2", "c2", 0, 7)]
    assert scenario_rows(consistent_scenarios(hand, max_inconsistency=2)) == [
        ("a1", "b1", "c1", 0, 8), ("a2", "b2", "c2", 0, 7), ("a2", "b1", "c2", 2, 0)]
    assert scenario_rows(consistent_scenarios(hand, max_inconsistency=3))[-1] == ("a1", "b1", "c2", 3, 2)
    assert len(consistent_scenarios(hand, max_inconsistency=6)) == 8
    assert list(consistent_scenarios(hand).columns) == ["A", "B", "C", "inconsistency", "total_impact_score"]


def test_fixed_descriptors_by_hand(hand):
    assert scenario_rows(consistent_scenarios(hand, fixed={"A": "a2"})) == [("a2", "b2", "c2", 0, 7)]
    assert consistent_scenarios(hand, fixed={"A": "a1", "B": "b2"}).empty
    table = possible_variants(hand, {"C": "c2"}, max_inconsistency=2)
    # with c2: a2 b2 c2 (0) and a2 b1 c2 (2)
    assert table["scenarios"].tolist() == [0, 2, 1, 1, 0, 2]
    assert table["possible"].tolist() == [False, True, True, True, False, True]
    assert table["share"].tolist() == [0.0, 1.0, 0.5, 0.5, 0.0, 1.0]


def test_bad_scenarios_and_fixed_values(hand):
    with pytest.raises(ValueError, match="variante inconnue"):
        evaluate(hand, {"A": "a9", "B": "b1", "C": "c1"})
    with pytest.raises(ValueError, match="ne donne pas de variante au descripteur « C »"):
        evaluate(hand, {"A": "a1", "B": "b1"})
    with pytest.raises(ValueError, match="descripteur fixé inconnu"):
        consistent_scenarios(hand, fixed={"Z": "z"})
    with pytest.raises(ValueError, match="entier positif"):
        consistent_scenarios(hand, max_inconsistency=-1)


def test_matrix_checks(hand):
    blank = hand.astype(float)
    blank.iloc[0, 1] = np.nan  # same descriptor: ignored
    assert scenario_rows(consistent_scenarios(blank)) == scenario_rows(consistent_scenarios(hand))
    blank.iloc[0, 2] = np.nan
    with pytest.raises(ValueError, match="case vide"):
        consistent_scenarios(blank)
    single = matrix_of(LABELS[:5], np.zeros((5, 5)))
    with pytest.raises(ValueError, match="« C » n’a qu’une variante"):
        consistent_scenarios(single)


def test_brute_force_refuses_huge_fields():
    labels = [(f"D{d}", f"v{v}") for d in range(12) for v in range(5)]
    with pytest.raises(ValueError, match="trop pour"):
        brute_force_consistent(matrix_of(labels, np.zeros((60, 60))))


# ---------------------------------------------------------------------------------------------
# random fields: the pruned search equals brute force


@st.composite
def fields(draw, values=st.integers(-3, 3)):
    sizes = draw(st.lists(st.integers(2, 4), min_size=2, max_size=6))
    labels = [(f"D{d}", f"v{v}") for d, k in enumerate(sizes) for v in range(k)]
    total = len(labels)
    cells = draw(st.lists(values, min_size=total * total, max_size=total * total))
    return matrix_of(labels, np.array(cells).reshape(total, total)), sizes


@st.composite
def fixings(draw, sizes):
    chosen = draw(st.lists(st.integers(0, len(sizes) - 1), unique=True, max_size=len(sizes) - 1))
    return {f"D{d}": f"v{draw(st.integers(0, sizes[d] - 1))}" for d in chosen}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), st.integers(0, 2))
def test_pruned_search_equals_brute_force(data, threshold):
    matrix, sizes = data.draw(fields())
    fixed = data.draw(fixings(sizes))
    expected = brute_force_consistent(matrix, threshold)
    for descriptor, variant in fixed.items():
        expected = expected[expected[descriptor] == variant]
    found = consistent_scenarios(matrix, threshold, fixed=fixed)
    pd.testing.assert_frame_equal(found, expected.reset_index(drop=True))
    for row in found.head(5).itertuples(index=False):
        result = evaluate(matrix, dict(zip(found.columns[:len(sizes)], row)))
        assert (result["inconsistency"], result["total_impact_score"]) == tuple(row[-2:])


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_possible_variants_counts(data):
    matrix, sizes = data.draw(fields())
    fixed = data.draw(fixings(sizes))
    scenarios = consistent_scenarios(matrix, 1, fixed=fixed)
    table = possible_variants(matrix, fixed, max_inconsistency=1)
    for row in table.itertuples(index=False):
        assert row.scenarios == int((scenarios[row.descriptor] == row.variant).sum())
        assert row.possible == (row.scenarios > 0)


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_gma_equals_brute_force(data):
    matrix, sizes = data.draw(fields(values=st.sampled_from([0, 1, 1, 1])))
    fixed = data.draw(fixings(sizes))
    values, owner = matrix.to_numpy(), np.repeat(np.arange(len(sizes)), sizes)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    expected = []
    for combo in itertools.product(*(range(k) for k in sizes)):
        flat = starts + np.array(combo)
        if all(values[a, b] and values[b, a] for a, b in itertools.combinations(flat, 2)
               if owner[a] != owner[b]) and all(f"v{combo[int(d[1:])]}" == v for d, v in fixed.items()):
            expected.append(tuple(f"v{c}" for c in combo))
    assert scenario_rows(compatible_configurations(matrix, fixed=fixed)) == expected


def test_gma_one_triangle_is_enough():
    # X=x1 rules out Y=y2; only the lower triangle is filled in
    labels = [("X", "x1"), ("X", "x2"), ("Y", "y1"), ("Y", "y2")]
    lower = np.full((4, 4), np.nan)
    lower[2, :2] = [1, 1]
    lower[3, :2] = [0, 1]
    compat = pd.DataFrame(lower, index=pd.MultiIndex.from_tuples(labels), columns=pd.MultiIndex.from_tuples(labels))
    assert scenario_rows(compatible_configurations(compat)) == [("x1", "y1"), ("x2", "y1"), ("x2", "y2")]
    assert scenario_rows(compatible_configurations(compat, fixed={"Y": "y2"})) == [("x2", "y2")]


# ---------------------------------------------------------------------------------------------
# a field of 12 descriptors × 5 variants = 2.4·10^8 scenarios, like a real matrix: mostly
# empty, small impacts


def realistic_field(n: int, k: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    total = n * k
    values = rng.choice([-3, -2, -1, 1, 2, 3], p=[0.05, 0.15, 0.3, 0.3, 0.15, 0.05], size=(total, total))
    values *= rng.random((total, total)) < 0.3
    labels = [(f"D{d}", f"v{v}") for d in range(n) for v in range(k)]
    return matrix_of(labels, values)


def test_large_field_is_enumerated_by_the_pruned_search():
    matrix = realistic_field(12, 5, seed=7)
    found = consistent_scenarios(matrix, max_inconsistency=1)
    assert len(found) > 0
    assert not found.duplicated(subset=[f"D{d}" for d in range(12)]).any()
    for row in found.itertuples(index=False):
        result = evaluate(matrix, {f"D{d}": row[d] for d in range(12)})
        assert result["inconsistency"] <= 1
        assert (result["inconsistency"], result["total_impact_score"]) == (row.inconsistency, row.total_impact_score)
    # fixing the first descriptor to each of its variants splits the same set of scenarios
    parts = pd.concat([consistent_scenarios(matrix, 1, fixed={"D0": f"v{v}"}) for v in range(5)])
    assert sorted(scenario_rows(parts)) == sorted(scenario_rows(found))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), st.integers(0, 2))
def test_search_variants_agree(data, threshold):
    """Propagation or the plain bound, one thread or several parts: the same scenarios."""
    matrix, sizes = data.draw(fields())
    field = _field(matrix)
    domain = _start_domain(field, {})
    results = []
    for propagate, workers in [(True, 1), (True, 2), (False, 1), (False, 2)]:
        search = Search(field.impacts, field.starts, field.sizes, domain, threshold, propagate, workers)
        results.append(sorted((tuple(c), int(i), int(s)) for chunk in search.steps(nodes_per_step=7)
                              for c, i, s in zip(*chunk)))
        assert search.finished and search.explored_share == 1.0
    assert all(found == results[0] for found in results)


def test_propagation_visits_far_fewer_nodes_than_the_plain_bound():
    field = _field(realistic_field(14, 4, seed=3))
    domain = _start_domain(field, {})
    nodes = {}
    for propagate in (True, False):
        search = Search(field.impacts, field.starts, field.sizes, domain, 0, propagate, workers=1)
        for _ in search.steps():
            pass
        nodes[propagate] = search.nodes
    assert nodes[True] * 5 < nodes[False]


def zero_field(n: int, k: int) -> pd.DataFrame:
    return matrix_of([(f"D{d}", f"v{v}") for d in range(n) for v in range(k)], np.zeros((n * k, n * k)))


def test_an_under_constrained_field_stops_at_the_cap():
    found = consistent_scenarios(zero_field(30, 5))  # 9·10^20 configurations, all consistent
    assert len(found) == 10_000 and not found.attrs["complete"]
    assert 0 < found.attrs["explored_share"] < 1e-10
    assert not found.duplicated().any() and (found["inconsistency"] == 0).all()
    small = consistent_scenarios(zero_field(3, 2), max_scenarios=8)
    assert len(small) == 8 and small.attrs["complete"] and small.attrs["explored_share"] == 1.0
    assert len(consistent_scenarios(zero_field(3, 2), max_scenarios=5)) == 5
    with pytest.raises(ValueError, match="entier positif"):
        consistent_scenarios(zero_field(3, 2), max_scenarios=0)


def test_cli_cap_and_progress(atelier, tmp_path, monkeypatch):
    import analysis.prospective.cib

    path = tmp_path / "vide.scw"
    write_scw(descriptors_table(zero_field(12, 3)), zero_field(12, 3), path)
    monkeypatch.setattr(analysis.prospective.cib, "PROGRESS_DELAY", 0)
    status, out, err = atelier("cib", path, "--max-scenarios", "50")
    assert status == 0 and out.startswith("50 scénario(s)")
    assert "50 scénarios trouvés" in err and "plafond --max-scenarios (50)" in err and "sous-contraint" in err
    assert "exploration du champ" in err
    with pytest.raises(SystemExit) as stopped:
        atelier("cib", path, "--max-scenarios", "0")
    assert stopped.value.code == 2


def test_impacts_beyond_the_limit_are_refused():
    matrix = zero_field(2, 2)
    matrix.iloc[0, 2] = 2 ** 62
    with pytest.raises(ValueError, match="un entier entre"):
        consistent_scenarios(matrix)


# ---------------------------------------------------------------------------------------------
# spreadsheets

GRID = [
    ["", "", "A", "", "B", "", "C", ""],
    ["", "", "a1", "a2", "b1", "b2", "c1", "c2"],
    ["A", "a1", "", "", 2, -2, 1, -1],
    ["", "a2", "", "", -1, 1, -2, 2],
    ["B", "b1", 3, -3, "", "", 1, 0],
    ["", "b2", -1, 1, "", "", 0, 1],
    ["C", "c1", 0, 0, 1, -1, "", ""],
    ["", "c2", -2, 2, 0, 0, "", ""],
]


def write_csv(path: Path, grid, delimiter=",") -> Path:
    path.write_text("\n".join(delimiter.join(str(c) for c in row) for row in grid) + "\n", encoding="utf-8")
    return path


def write_xlsx(path: Path, grid, merge=True) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in grid:
        sheet.append([None if c == "" else c for c in row])
    if merge:  # descriptor names over their variants, as facilitators lay them out
        for first, last in (("C1", "D1"), ("E1", "F1"), ("G1", "H1"), ("A3", "A4"), ("A5", "A6"), ("A7", "A8")):
            sheet.merge_cells(f"{first}:{last}")
    book.save(path)
    return path


def test_read_csv_with_blank_descriptor_cells(tmp_path, hand):
    matrix = read_cross_impact(write_csv(tmp_path / "impacts.csv", GRID))
    pd.testing.assert_frame_equal(matrix, hand)
    semicolons = read_cross_impact(write_csv(tmp_path / "points-virgules.csv", GRID, ";"))
    pd.testing.assert_frame_equal(semicolons, hand)


def test_read_xlsx_with_merged_descriptor_cells(tmp_path, hand):
    matrix = read_cross_impact(write_xlsx(tmp_path / "impacts.xlsx", GRID))
    pd.testing.assert_frame_equal(matrix, hand)
    assert scenario_rows(consistent_scenarios(matrix)) == scenario_rows(consistent_scenarios(hand))


def test_read_with_descriptors_table_reorders(tmp_path, hand):
    table = pd.DataFrame({"descriptor": ["C", "", "A", "", "B", ""],
                          "variant": ["c1", "c2", "a1", "a2", "b1", "b2"]})
    matrix = read_cross_impact(write_csv(tmp_path / "impacts.csv", GRID), descriptors=table)
    assert descriptors_table(matrix)["descriptor"].tolist() == ["C", "C", "A", "A", "B", "B"]
    assert matrix.loc[("B", "b1"), ("A", "a1")] == 3


def test_read_the_exercise_matrix():
    descriptors = pd.read_csv(EXERCISE / "descriptors.csv")
    matrix = read_cross_impact(EXERCISE / "crossimpact.csv", descriptors=descriptors)
    assert matrix.shape == (18, 18)
    assert len(consistent_scenarios(matrix)) > 0


def test_read_gma_grid(tmp_path):
    grid = [["", "", "X", "", "Y", ""], ["", "", "x1", "x2", "y1", "y2"],
            ["X", "x1", "", "", "", ""], ["", "x2", "", "", "", ""],
            ["Y", "y1", 1, 1, "", ""], ["", "y2", 0, 1, "", ""]]
    compat = read_cross_impact(write_csv(tmp_path / "gma.csv", grid), kind="gma")
    assert compat.loc[("X", "x1"), ("Y", "y2")] == 0
    assert scenario_rows(compatible_configurations(compat)) == [("x1", "y1"), ("x2", "y1"), ("x2", "y2")]
    grid[4][2] = 2
    with pytest.raises(InputError, match="hors de l’échelle 0 à \\+1") as error:
        read_cross_impact(write_csv(tmp_path / "gma.csv", grid), kind="gma")
    assert error.value.where == "ligne 5, colonne C"


def changed(grid, row, column, value):
    copy = [list(r) for r in grid]
    copy[row][column] = value
    return copy


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
@pytest.mark.parametrize(("grid", "reason", "where"), [
    (changed(GRID, 1, 5, "b9"), "la colonne « B : b9 » ne correspond à aucune ligne", "ligne 2, colonne F"),
    (changed(GRID, 5, 1, "b9"), "la colonne « B : b2 » ne correspond à aucune ligne", "ligne 2, colonne F"),
    (changed(GRID, 4, 6, 5), "valeur 5 hors de l’échelle -3 à +3", "ligne 5, colonne G"),
    (changed(GRID, 4, 6, "beaucoup"), "valeur « beaucoup » : un entier de -3 à +3", "ligne 5, colonne G"),
    (changed(GRID, 4, 6, 1.5), "valeur « 1.5 »", "ligne 5, colonne G"),
    (changed(GRID, 6, 3, ""), "case vide : impact de « C : c1 » sur « A : a2 »", "ligne 7, colonne D"),
    (changed(changed(GRID, 7, 1, "c1"), 1, 7, "c1"), "variante en double « C : c1 »", "ligne 2, colonne H"),
])
def test_bad_grids_name_the_cell(tmp_path, suffix, grid, reason, where):
    path = tmp_path / f"impacts.{suffix}"
    write_csv(path, grid) if suffix == "csv" else write_xlsx(path, grid, merge=False)
    with pytest.raises(InputError) as error:
        read_cross_impact(path)
    assert reason in error.value.reason
    assert error.value.where == where
    assert str(path) in str(error.value)


def test_descriptor_with_one_variant(tmp_path):
    grid = [["", "", "A", "", "B"], ["", "", "a1", "a2", "b1"],
            ["A", "a1", "", "", 1], ["", "a2", "", "", -1], ["B", "b1", 1, 0, ""]]
    with pytest.raises(InputError, match="« B » n’a qu’une variante") as error:
        read_cross_impact(write_csv(tmp_path / "impacts.csv", grid))
    assert error.value.where == "ligne 1, colonne E"


def test_descriptors_table_mismatch(tmp_path):
    table = pd.DataFrame({"descriptor": ["A", "A", "B", "B", "C", "C", "C"],
                          "variant": ["a1", "a2", "b1", "b2", "c1", "c2", "c3"]})
    with pytest.raises(InputError, match="« C : c3 » du tableau des descripteurs manque") as error:
        read_cross_impact(write_csv(tmp_path / "impacts.csv", GRID), descriptors=table)
    assert error.value.where == "descripteur « C », variante « c3 »"
    with pytest.raises(InputError, match="« C : c2 » n’est pas dans le tableau") as error:
        read_cross_impact(write_csv(tmp_path / "impacts.csv", GRID), descriptors=table.iloc[:5])
    assert error.value.where == "ligne 8, colonne B"


def test_unreadable_files(tmp_path):
    broken = tmp_path / "abime.xlsx"
    broken.write_bytes(b"ceci n'est pas un classeur")
    with pytest.raises(InputError, match="ce n’est pas un classeur XLSX"):
        read_cross_impact(broken)
    with pytest.raises(InputError, match="introuvable"):
        read_cross_impact(tmp_path / "absent.csv")
    with pytest.raises(InputError, match="non pris en charge"):
        read_cross_impact(tmp_path / "impacts.ods")


# ---------------------------------------------------------------------------------------------
# ScenarioWizard files

# the layout of a project file written by ScenarioWizard 4 (see analysis/cib.py), with the
# hand-worked field
SCW = """$ ScenarioWizard 4.0
main.scw
&A
 -a1
 -a2
&B
 -b1
 -b2
&C
 -c1
 -c2
#
&
 
 
&
 
 
&
 
 
#
#
FFFFFF
FFFFFF
FFFFFF
FFFFFF
FFFFFF
FFFFFF
#
#
 0 , 0 , 2 ,-2 , 1 ,-1 
 0 , 0 ,-1 , 1 ,-2 , 2 
 3 ,-3 , 0 , 0 , 1 , 0 
-1 , 1 , 0 , 0 , 0 , 1 
 0 , 0 , 1 ,-1 , 0 , 0 
-2 , 2 , 0 , 0 , 0 , 0 
#
# 0-0
""
#
#
"""


def test_read_scw(tmp_path, hand):
    path = tmp_path / "main.scw"
    path.write_text(SCW, encoding="cp1252")
    descriptors, matrix = read_scw(path)
    assert descriptors["variant"].tolist() == ["a1", "a2", "b1", "b2", "c1", "c2"]
    pd.testing.assert_frame_equal(matrix, hand)


def test_written_scw_has_the_scenariowizard_layout(tmp_path, hand):
    path = tmp_path / "main.scw"
    write_scw(descriptors_table(hand), hand, path)
    lines = path.read_bytes().decode("cp1252").splitlines()
    assert lines[:4] == ["$ ScenarioWizard 4.0", "main.scw", "&A", " -a1"]
    assert lines[lines.index("FFFFFF") - 2:lines.index("FFFFFF")] == ["#", "#"]
    assert " 3 ,-3 , 0 , 0 , 1 , 0 " in lines


@pytest.mark.parametrize(("text", "reason", "where"), [
    (SCW.replace(" 3 ,-3 ,", " 3 ,x ,"), "valeur « x » : un entier entre", "ligne 34, valeur 2"),
    (SCW.replace("-1 , 1 , 0 , 0 , 0 , 1 \n", ""), "la matrice a 5 lignes pour 6 variantes", "ligne 36"),
    (SCW.replace(" 0 , 0 , 1 ,-1 , 0 , 0 ", " 0 , 0 , 1 ,-1 , 0 "), "5 valeurs sur la ligne pour 6 variantes",
     "ligne 36"),
    (SCW.split("FFFFFF")[0], "la matrice d’impacts croisés est absente", None),
    (SCW.replace("&C\n -c1\n -c2\n", "&C\n -c1\n"), "le descripteur « C » n’a qu’une variante", None),
    ("<projet>pas un fichier ScenarioWizard</projet>\n", "aucun descripteur", None),
    (SCW.replace("&A\n", ""), "variante avant tout descripteur", "ligne 3"),
])
def test_malformed_scw(tmp_path, text, reason, where):
    path = tmp_path / "abime.scw"
    path.write_text(text, encoding="cp1252")
    with pytest.raises(InputError) as error:
        read_scw(path)
    assert reason in error.value.reason
    assert error.value.where == where


def test_binary_scw(tmp_path):
    path = tmp_path / "binaire.scw"
    path.write_bytes(b"\x00\x01\x02PK")
    with pytest.raises(InputError, match="fichier binaire"):
        read_scw(path)


def test_write_scw_refuses_what_it_cannot_write(tmp_path, hand):
    table = descriptors_table(hand)
    table.loc[0, "variant"] = "a1 "
    renamed = hand.rename(index={"a1": "a1 "}, columns={"a1": "a1 "})
    with pytest.raises(ValueError, match="entouré d’espaces"):
        write_scw(table, renamed, tmp_path / "x.scw")
    table.loc[0, "variant"] = "a1 ☃"
    renamed = hand.rename(index={"a1": "a1 ☃"}, columns={"a1": "a1 ☃"})
    with pytest.raises(ValueError, match="Windows-1252"):
        write_scw(table, renamed, tmp_path / "x.scw")


NAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéèàçôÉ0123456789 ’'()-/.,", min_size=1, max_size=12).map(
    str.strip).filter(bool)


@st.composite
def named_fields(draw):
    descriptors = draw(st.lists(NAMES, min_size=2, max_size=5, unique=True))
    labels = []
    for descriptor in descriptors:
        variants = draw(st.lists(NAMES, min_size=2, max_size=4, unique=True))
        labels += [(descriptor, variant) for variant in variants]
    total = len(labels)
    values = np.array(draw(st.lists(st.integers(-3, 3), min_size=total * total, max_size=total * total)))
    owner = pd.factorize(pd.Index([d for d, _ in labels]))[0]
    values = np.where(owner[:, None] == owner[None, :], 0, values.reshape(total, total))
    return pd.DataFrame(labels, columns=["descriptor", "variant"]), matrix_of(labels, values)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(named_fields())
def test_scw_round_trip(tmp_path, field):
    descriptors, matrix = field
    path = tmp_path / "aller-retour.scw"
    write_scw(descriptors, matrix, path)
    read_descriptors, read_matrix = read_scw(path)
    pd.testing.assert_frame_equal(read_descriptors, descriptors)
    pd.testing.assert_frame_equal(read_matrix, matrix)


# ------------------------------------------------ ScenarioWizard's published solution lists

SCENARIOWIZARD = Path(__file__).parent / "data" / "scenariowizard"
_SOLUTION = re.compile(r'^"(?P<variants>[\d ]+)",(?:[^,]*,){3}(?P<score>-?\d+),')


def _solution_list(path: Path) -> dict[tuple[int, ...], int]:
    """ScenarioWizard's consistent scenarios (variant numbers from 1) and their total impact scores."""
    solutions = {}
    for line in path.read_text(encoding="latin-1").splitlines():
        match = _SOLUTION.match(line.strip())
        if match:
            solutions[tuple(int(v) for v in match["variants"].split())] = int(match["score"])
    return solutions


@pytest.mark.parametrize("name, count", [
    ("CIB_global", 4), ("CIB_natl_regional", 16), ("CIB_nested", 20), ("CIB_nested_simplified_standardized", 15),
])
def test_scenariowizard_solution_lists_are_reproduced(name, count):
    from analysis.prospective.cib import within_descriptor_impacts

    descriptors, matrix = read_scw(SCENARIOWIZARD / f"{name}.scw")
    expected = _solution_list(SCENARIOWIZARD / f"{name}.sl")
    variants = descriptors.groupby("descriptor", sort=False)["variant"].apply(list)
    found = {
        tuple(variants[d].index(row[d]) + 1 for d in variants.index): int(row["total_impact_score"])
        for _, row in consistent_scenarios(matrix).iterrows()
    }
    assert len(expected) == count and found == expected
    if name in ("CIB_natl_regional", "CIB_nested_simplified_standardized"):
        assert not within_descriptor_impacts(matrix).empty  # the cells that ScenarioWizard counts


def test_impacts_within_a_descriptor_are_announced_and_can_be_ignored(atelier):
    from analysis.prospective.cib import without_within_descriptor_impacts

    path = SCENARIOWIZARD / "CIB_natl_regional.scw"
    status, out, _ = atelier("cib", path)
    assert status == 0 and "16 scénario(s)" in out and "comme dans ScenarioWizard" in out
    status, out, _ = atelier("cib", path, "--ignorer-blocs-internes")
    ignored = consistent_scenarios(without_within_descriptor_impacts(read_scw(path)[1]))
    assert status == 0 and f"{len(ignored)} scénario(s)" in out and "ignorés" in out and len(ignored) != 16


def test_fixed_descriptors_are_parsed_and_the_field_counted():
    from analysis.prospective.cib import configurations, parse_fixed

    assert parse_fixed(["Climat politique = populiste", "Échelle=région"]) == {
        "Climat politique": "populiste", "Échelle": "région"}
    with pytest.raises(ValueError, match="attendu DESCRIPTEUR=VARIANTE"):
        parse_fixed(["populiste"])
    matrix = read_cross_impact(EXERCISE / "crossimpact.csv")
    sizes = matrix.index.get_level_values(0).value_counts()
    assert configurations(matrix) == int(np.prod(sizes)) and configurations(matrix) > len(sizes)
