"""Structural analysis (MICMAC) worked out by hand on four variables, and checked against Perron."""

from __future__ import annotations

import io
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from analysis.errors import AtelierError
from analysis.prospective.micmac import (AUTONOMOUS, DETERMINANT, REGULATING, RELAY, RESULT, IndirectWarning, direct,
                             indirect, influence_graph, quadrants, rank_shifts, validate_influence)

CODES = ["A", "B", "C", "D"]
#         A  B  C  D        influence
ROWS = [[0, 3, 3, 1],     # 7  A acts strongly on B and C
        [1, 0, 3, 0],     # 4
        [0, 1, 0, 0],     # 1
        [0, 1, 0, 0]]     # 1
# dependence: 1  5  6  1    total 13


def frame(rows, codes=None) -> pd.DataFrame:
    codes = codes or CODES[:len(rows)]
    return pd.DataFrame(rows, index=codes, columns=codes)


@pytest.fixture
def workshop() -> pd.DataFrame:
    return frame(ROWS)


# --- validation --------------------------------------------------------------------------------

def test_spreadsheet_strings_are_read_and_potential_counts_as_three_or_zero():
    m = pd.DataFrame([["", "3", "P"], ["1", None, " p "], [0, 2.0, np.nan]],
                     index=["X", "Y", "Z"], columns=["X", "Y", "Z"])
    assert validate_influence(m).to_numpy().tolist() == [[0, 3, 0], [1, 0, 0], [0, 2, 0]]
    assert validate_influence(m, potential=True).to_numpy().tolist() == [[0, 3, 3], [1, 0, 3], [0, 2, 0]]


def test_matrix_read_from_a_csv_file():
    text = "code,A,B,C\nA,,3,P\nB,1,,2\nC,0,1,\n"  # empty diagonal, as a spreadsheet leaves it
    matrix = validate_influence(pd.read_csv(io.StringIO(text), index_col=0), potential=True)
    assert matrix.to_numpy().tolist() == [[0, 3, 3], [1, 0, 2], [0, 1, 0]]
    assert matrix.index.name == matrix.columns.name == "variable"


def test_columns_in_another_order_are_put_in_row_order(workshop):
    shuffled = workshop[["D", "B", "A", "C"]]
    assert validate_influence(shuffled).equals(validate_influence(workshop))
    assert list(validate_influence(shuffled).columns) == CODES


def test_non_square_matrix_is_refused(workshop):
    expected = r"n’est pas carrée \(4 lignes, 3 colonnes\).*lignes sans colonne : « D »"
    with pytest.raises(AtelierError, match=expected):
        validate_influence(workshop.drop(columns="D"))


def test_row_and_column_labels_that_differ_are_named(workshop):
    renamed = workshop.rename(columns={"C": "E"})
    with pytest.raises(AtelierError, match="lignes sans colonne : « C » ; colonnes sans ligne : « E »"):
        validate_influence(renamed)


def test_repeated_labels_are_refused(workshop):
    repeated = workshop.rename(index={"D": "A"}, columns={"D": "A"})
    with pytest.raises(AtelierError, match="lignes en double : « A »"):
        validate_influence(repeated)


def test_unknown_variables_are_named(workshop):
    with pytest.raises(AtelierError, match="variables inconnues : « D »"):
        validate_influence(workshop, variables=["A", "B", "C", "E"])
    validate_influence(workshop, variables=CODES + ["E"])  # a variable left out of the matrix is fine


def test_value_four_is_off_the_scale_and_named_by_row_and_column(workshop):
    workshop.loc["B", "C"] = 4
    with pytest.raises(AtelierError) as error:
        validate_influence(workshop)
    expected = "valeur « 4 » hors de l’échelle (0, 1, 2, 3 ou P) à la ligne « B », colonne « C »"
    assert expected in str(error.value)


@pytest.mark.parametrize("value", ["x", -1, 1.5, "Q", True])
def test_other_bad_values_are_refused(workshop, value):
    workshop = workshop.astype(object)
    workshop.loc["C", "A"] = value
    with pytest.raises(AtelierError, match="ligne « C », colonne « A »"):
        validate_influence(workshop)


def test_empty_cell_is_named_but_an_empty_diagonal_reads_as_zero(workshop):
    workshop = workshop.astype(object)
    workshop.loc["A", "A"] = ""
    workshop.loc["B", "B"] = None
    assert validate_influence(workshop).to_numpy().tolist() == ROWS
    workshop.loc["D", "B"] = None
    with pytest.raises(AtelierError, match="case vide à la ligne « D », colonne « B »"):
        validate_influence(workshop)


def test_every_faulty_cell_is_listed(workshop):
    workshop = workshop.astype(object)
    workshop.loc["A", "B"], workshop.loc["C", "D"] = 7, ""
    expected = "ligne « A », colonne « B ».* ; case vide à la ligne « C », colonne « D »"
    with pytest.raises(AtelierError, match=expected):
        validate_influence(workshop)


@pytest.mark.parametrize("value", [2, "P"])
def test_non_zero_diagonal_is_refused(workshop, value):
    workshop = workshop.astype(object)
    workshop.loc["C", "C"] = value
    expected = f"diagonale doit être nulle, valeur « {value} » à la ligne « C », colonne « C »"
    with pytest.raises(AtelierError, match=expected):
        validate_influence(workshop)


# --- direct and indirect -----------------------------------------------------------------------

def test_direct_sums_ranks_and_shares_by_hand(workshop):
    table = direct(workshop)
    assert table.index.name == "variable"
    assert table["influence"].tolist() == [7, 4, 1, 1]
    assert table["dependence"].tolist() == [1, 5, 6, 1]
    assert table["influence_rank"].tolist() == [1, 2, 3, 3]  # C and D tie and share rank 3
    assert table["dependence_rank"].tolist() == [3, 2, 1, 3]
    assert table["influence_norm"].tolist() == pytest.approx([7 / 13, 4 / 13, 1 / 13, 1 / 13])
    assert table["dependence_norm"].sum() == pytest.approx(1)


def test_potential_influence_counts_only_when_asked(workshop):
    workshop = workshop.astype(object)
    workshop.loc["D", "A"] = "P"
    assert direct(workshop).loc["D", "influence"] == 1
    assert direct(workshop, potential=True).loc["D", "influence"] == 4
    assert direct(workshop, potential=True).loc["A", "dependence"] == 4


def test_indirect_second_power_by_hand(workshop):
    # M² row A = 3·(row B) + 3·(row C) + 1·(row D) = [3, 0, 9, 0] + [0, 3, 0, 0] + [0, 1, 0, 0]
    # M² = [[3, 4, 9, 0], [0, 6, 3, 1], [1, 0, 3, 0], [1, 0, 3, 0]]
    table, power = indirect(workshop, power=2)
    assert power == 2
    assert table["influence"].tolist() == [16, 10, 4, 4]
    assert table["dependence"].tolist() == [5, 10, 18, 1]
    assert table["influence_norm"].tolist() == pytest.approx([16 / 34, 10 / 34, 4 / 34, 4 / 34])
    assert table["dependence_rank"].tolist() == [3, 2, 1, 4]  # D falls from a tie at 3 to last
    square = np.linalg.matrix_power(np.array(ROWS), 2)
    assert square.tolist() == [[3, 4, 9, 0], [0, 6, 3, 1], [1, 0, 3, 0], [1, 0, 3, 0]]


def test_stable_power_by_hand(workshop):
    # Influence, dependence per power:
    #   M¹ [7, 4, 1, 1]       [1, 5, 6, 1]        ranks [1, 2, 3, 3] [3, 2, 1, 3]
    #   M² [16, 10, 4, 4]     [5, 10, 18, 1]      ranks [1, 2, 3, 3] [3, 2, 1, 4]  changed
    #   M³ [46, 28, 10, 10]   [10, 34, 45, 5]     ranks unchanged
    #   M⁴ [124, 76, 28, 28]  [34, 80, 132, 10]   ranks unchanged: stable over two powers
    table, power = indirect(workshop)
    assert power == 4
    assert table["influence"].tolist() == [124, 76, 28, 28]
    assert table["dependence"].tolist() == [34, 80, 132, 10]
    assert indirect(workshop, power=3)[0]["influence"].tolist() == [46, 28, 10, 10]
    assert indirect(workshop, power=3)[0]["dependence"].tolist() == [10, 34, 45, 5]
    assert indirect(workshop, stable_for=1)[1] == 3


def test_rankings_that_keep_alternating_give_a_warning():
    # A → B (3), B → A (1): odd powers rank A first, even powers tie them; no limit.
    with pytest.warns(IndirectWarning, match="pas stabilisé après 12 puissances"):
        table, power = indirect(frame([[0, 3], [1, 0]]), max_power=12)
    assert power == 12
    assert table["influence"].tolist() == [3 ** 6, 3 ** 6]


def test_influences_without_a_circuit_use_the_last_non_zero_power():
    chain = frame([[0, 2, 0], [0, 0, 3], [0, 0, 0]])  # A → B → C: M² = A→C (6), M³ = 0
    with pytest.warns(IndirectWarning, match="puissance 3 de la matrice est nulle"):
        table, power = indirect(chain)
    assert power == 2
    assert table["influence"].tolist() == [6, 0, 0]
    assert table["dependence"].tolist() == [0, 0, 6]


@pytest.mark.parametrize("option", [{"max_power": 0}, {"power": 101}, {"stable_for": 0}])
def test_bad_power_options_are_refused(workshop, option):
    with pytest.raises(AtelierError):
        indirect(workshop, **option)


def _is_primitive(matrix: np.ndarray) -> bool:
    n = len(matrix)
    pattern = (matrix > 0).astype(float)
    return bool((np.linalg.matrix_power(pattern, n * n - 2 * n + 2) > 0).all())  # Wielandt's bound


def _perron(matrix: np.ndarray) -> np.ndarray:
    values, vectors = np.linalg.eig(matrix)
    vector = np.abs(vectors[:, np.argmax(values.real)].real)
    return vector / vector.max()


@st.composite
def primitive_matrices(draw) -> np.ndarray:
    n = draw(st.integers(3, 6))
    cells = draw(st.lists(st.sampled_from([0, 1, 2, 3]), min_size=n * n, max_size=n * n))
    matrix = np.array(cells, dtype=float).reshape(n, n)
    np.fill_diagonal(matrix, 0)
    assume(_is_primitive(matrix))
    return matrix


@settings(max_examples=300, deadline=None)
@given(primitive_matrices())
def test_indirect_ranking_agrees_with_perron_eigenvectors(matrix):
    codes = [f"V{i}" for i in range(len(matrix))]
    with warnings.catch_warnings():
        warnings.simplefilter("error", IndirectWarning)
        try:
            table, _ = indirect(frame(matrix.tolist(), codes))
        except IndirectWarning:  # slowly mixing matrices that do not settle within 30 powers
            assume(False)
    right, left = _perron(matrix), _perron(matrix.T)
    for vector, ranks in ((right, table["influence_rank"].to_numpy()), (left, table["dependence_rank"].to_numpy())):
        for a in range(len(vector)):
            for b in range(len(vector)):
                if vector[a] > vector[b] * (1 + 1e-3):  # a clear order in the limit is the order found
                    assert ranks[a] < ranks[b]


def test_perron_agreement_on_the_workshop_matrix(workshop):
    table, _ = indirect(workshop)
    values = np.array(ROWS, dtype=float)
    assert np.argsort(-_perron(values))[:2].tolist() == [0, 1]  # A then B act most in the limit
    assert table["influence_rank"].tolist() == [1, 2, 3, 3]
    # Left vector: C, B, A, D
    assert np.argsort(-_perron(values.T)).tolist() == [2, 1, 0, 3]
    assert table["dependence_rank"].tolist() == [3, 2, 1, 4]


# --- plane, shifts, graph ----------------------------------------------------------------------

def test_quadrants_by_hand(workshop):
    # Mean share 1/4 on both axes: A (7/13, 1/13), B (4/13, 5/13), C (1/13, 6/13), D (1/13, 1/13)
    plane = quadrants(direct(workshop))
    assert plane["quadrant"].tolist() == [DETERMINANT, RELAY, RESULT, AUTONOMOUS]
    assert plane["quadrant"].tolist() == ["déterminante", "relais", "résultat", "autonome"]
    assert "influence_rank" in plane  # the table is kept, one column added


def test_regulating_band_around_the_centre():
    table = pd.DataFrame({"influence_norm": [0.5, 0.26, 0.14, 0.10],
                          "dependence_norm": [0.1, 0.24, 0.5, 0.16]}, index=CODES)
    assert quadrants(table)["quadrant"].tolist() == [DETERMINANT, DETERMINANT, RESULT, AUTONOMOUS]
    # B is within 10 % of the means (0.25, 0.25) on both axes
    assert quadrants(table, regulating=0.1)["quadrant"].tolist() == [DETERMINANT, REGULATING, RESULT, AUTONOMOUS]


def test_rank_shifts_by_hand(workshop):
    shifts = rank_shifts(direct(workshop), indirect(workshop)[0])
    assert shifts.index.name == "variable"
    assert shifts.loc["D"].to_dict() == {
        "influence_rank_direct": 3, "influence_rank_indirect": 3, "influence_shift": 0,
        "dependence_rank_direct": 3, "dependence_rank_indirect": 4, "dependence_shift": -1}
    assert shifts["dependence_shift"].tolist() == [0, 0, 0, -1]


def test_rank_shifts_need_the_same_variables(workshop):
    with pytest.raises(AtelierError, match="absentes du classement indirect : « D »"):
        rank_shifts(direct(workshop), indirect(workshop)[0].drop(index="D"))


def test_graph_keeps_edges_above_the_threshold(workshop):
    strong = influence_graph(workshop, threshold=2)
    assert set(strong.nodes) == set(CODES)  # D stays, isolated
    assert sorted(strong.edges(data="weight")) == [("A", "B", 3.0), ("A", "C", 3.0), ("B", "C", 3.0)]
    assert strong.number_of_edges() == 3
    assert influence_graph(workshop, threshold=1).number_of_edges() == 7


def test_graph_marks_potential_edges(workshop):
    workshop = workshop.astype(object)
    workshop.loc["D", "A"] = "P"
    assert not influence_graph(workshop, 1).has_edge("D", "A")
    graph = influence_graph(workshop, 3, potential=True)
    assert graph.edges["D", "A"] == {"weight": 3.0, "potential": True}
    assert graph.edges["A", "B"]["potential"] is False


def test_indirect_graph_is_rescaled_to_the_direct_scale(workshop):
    graph = influence_graph(workshop, threshold=1, indirect=True)
    assert graph.graph["power"] == 4
    fourth = np.linalg.matrix_power(np.array(ROWS, dtype=float), 4)
    np.fill_diagonal(fourth, 0)
    scaled = fourth * 3 / fourth.max()
    expected = {(CODES[i], CODES[j]) for i, j in zip(*np.nonzero(scaled >= 1))}
    assert set(graph.edges) == expected
    assert max(w for *_, w in graph.edges(data="weight")) == pytest.approx(3)
    assert not any(a == b for a, b in graph.edges)


@pytest.mark.parametrize("threshold", [0, -1, "2"])
def test_graph_threshold_must_be_positive(workshop, threshold):
    with pytest.raises(AtelierError, match="seuil"):
        influence_graph(workshop, threshold)
