"""Actors' strategies (MACTOR) worked out by hand on three actors and three objectives."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.errors import AtelierError
from analysis.prospective.mactor import (actor_pairs, balance_of_power, coalitions, convergences, divergences, midi,
                             mobilisation, validate_mid, validate_positions, weighted_positions)

ACTORS = ["A", "B", "C"]
OBJECTIVES = ["O1", "O2", "O3"]


@pytest.fixture
def mid() -> pd.DataFrame:
    #      A  B  C
    return pd.DataFrame([[0, 3, 2],   # A
                         [1, 0, 4],   # B
                         [0, 2, 0]],  # C
                        index=ACTORS, columns=ACTORS)


@pytest.fixture
def positions() -> pd.DataFrame:
    #      O1  O2  O3
    return pd.DataFrame([[3, -2, 0],   # A
                         [2, 1, -4],   # B
                         [-1, 4, 2]],  # C
                        index=ACTORS, columns=OBJECTIVES)


# ri* by hand (see test_balance_of_power_by_hand): 195/79, 36/79, 6/79
R_STAR = np.array([195, 36, 6]) / 79


# --- validation --------------------------------------------------------------------------------

def test_mid_must_be_square(mid):
    with pytest.raises(AtelierError, match=r"n’est pas carrée \(3 lignes, 2 colonnes\).*« C »"):
        validate_mid(mid.drop(columns="C"))


def test_mid_labels_must_match(mid):
    with pytest.raises(AtelierError, match="lignes sans colonne : « B » ; colonnes sans ligne : « X »"):
        validate_mid(mid.rename(columns={"B": "X"}))


def test_mid_value_off_scale_is_named(mid):
    mid.loc["C", "A"] = 5
    expected = r"valeur « 5 » hors de l’échelle \(0, 1, 2, 3, 4\) à la ligne « C », colonne « A »"
    with pytest.raises(AtelierError, match=expected):
        validate_mid(mid)


def test_mid_empty_cell_and_diagonal(mid):
    mid = mid.astype(object)
    mid.loc["A", "A"] = None  # an empty diagonal reads as 0
    assert validate_mid(mid).loc["A", "A"] == 0
    mid.loc["B", "B"] = 1
    with pytest.raises(AtelierError,
                       match="diagonale doit être nulle, valeur « 1 » à la ligne « B », colonne « B »"):
        validate_mid(mid)
    mid.loc["B", "B"] = 0
    mid.loc["B", "C"] = ""
    with pytest.raises(AtelierError, match="case vide à la ligne « B », colonne « C »"):
        validate_mid(mid)


def test_unknown_actor_in_mid(mid):
    with pytest.raises(AtelierError, match="acteurs inconnus : « C »"):
        validate_mid(mid, actors=["A", "B"])


def test_position_minus_five_is_named(positions):
    positions.loc["B", "O3"] = -5
    expected = r"valeur « -5 » hors de l’échelle \(-4, .*, 4\) à la ligne « B », colonne « O3 »"
    with pytest.raises(AtelierError, match=expected):
        validate_positions(positions)


def test_position_empty_cell_is_named(positions):
    positions = positions.astype(object)
    positions.loc["C", "O2"] = np.nan
    with pytest.raises(AtelierError, match="case vide à la ligne « C », colonne « O2 »"):
        validate_positions(positions)


def test_positions_read_from_strings_and_checked_against_known_codes(positions):
    as_text = positions.astype(str)
    assert validate_positions(as_text).equals(validate_positions(positions))
    with pytest.raises(AtelierError, match="objectifs inconnus : « O3 »"):
        validate_positions(positions, objectives=["O1", "O2"])
    with pytest.raises(AtelierError, match="objectifs en double : « O1 »"):
        validate_positions(positions.rename(columns={"O2": "O1"}))


def test_positions_and_mid_must_list_the_same_actors(mid, positions):
    expected = "acteurs absents de la MID : « D » ; acteurs de la MID sans positions : « C »"
    with pytest.raises(AtelierError, match=expected):
        weighted_positions(positions.rename(index={"C": "D"}), mid)


# --- MIDI and balance of power ------------------------------------------------------------------

def test_midi_by_hand(mid):
    # MIDI[A, B] = 3 + min(MID[A, C], MID[C, B]) = 3 + min(2, 2) = 5
    # MIDI[A, C] = 2 + min(MID[A, B], MID[B, C]) = 2 + min(3, 4) = 5
    # MIDI[B, A] = 1 + min(4, 0) = 1        MIDI[B, C] = 4 + min(1, 2) = 5
    # MIDI[C, A] = 0 + min(2, 1) = 1        MIDI[C, B] = 2 + min(0, 3) = 2
    # Feedback: MIDI[A, A] = min(3, 1) + min(2, 0) = 1, MIDI[B, B] = 1 + 2 = 3, MIDI[C, C] = 0 + 2 = 2
    assert midi(mid).to_numpy().tolist() == [[1, 5, 5], [1, 3, 5], [1, 2, 2]]


def test_balance_of_power_by_hand(mid):
    table = balance_of_power(mid)
    assert table["influence"].tolist() == [10, 6, 3]  # Ii, ΣIi = 19
    assert table["dependence"].tolist() == [2, 7, 10]
    assert table["feedback"].tolist() == [1, 3, 2]
    # ri = ((Ii − MIDIii) / ΣIi) · Ii / (Ii + Di)
    assert table["r"].tolist() == pytest.approx([9 / 19 * 10 / 12, 3 / 19 * 6 / 13, 1 / 19 * 3 / 13])
    # Σri = 237/494, ri* = 3 ri / Σri
    assert table["r_star"].to_numpy() == pytest.approx(R_STAR)
    assert table["r_star"].sum() == pytest.approx(3)


@settings(max_examples=100, deadline=None)
@given(st.integers(2, 7).flatmap(lambda n: st.lists(st.integers(0, 4), min_size=n * n, max_size=n * n)))
def test_r_star_sums_to_the_number_of_actors(cells):
    n = int(round(len(cells) ** 0.5))
    values = np.array(cells).reshape(n, n)
    np.fill_diagonal(values, 0)
    codes = [f"a{i}" for i in range(n)]
    table = balance_of_power(pd.DataFrame(values, index=codes, columns=codes))
    assert table["r_star"].sum() == pytest.approx(n)
    assert (table["r"] >= 0).all()


def test_without_any_influence_every_actor_weighs_one():
    zero = pd.DataFrame(0, index=ACTORS, columns=ACTORS)
    assert balance_of_power(zero)["r_star"].tolist() == [1, 1, 1]


# --- positions, convergences, mobilisation --------------------------------------------------------

def test_weighted_positions_3mao(mid, positions):
    weighted = weighted_positions(positions, mid)
    assert weighted.to_numpy() == pytest.approx(positions.to_numpy() * R_STAR[:, None])
    assert weighted.loc["A", "O1"] == pytest.approx(585 / 79)


def test_positions_are_put_in_mid_order(mid, positions):
    assert weighted_positions(positions.loc[["C", "A", "B"]], mid).equals(weighted_positions(positions, mid))


def test_convergences_and_divergences_by_hand(mid, positions):
    # A–B agree on O1 (+3, +2), disagree on O2 (−2, +1), A is neutral on O3.
    # A–C disagree on O1 and O2. B–C agree on O2, disagree on O1 and O3.
    assert convergences(positions).to_numpy().tolist() == [[0, 1, 0], [1, 0, 1], [0, 1, 0]]
    assert divergences(positions).to_numpy().tolist() == [[0, 1, 2], [1, 0, 2], [2, 2, 0]]
    # 2CAA: A–B (3 + 2)/2; B–C (1 + 4)/2.  2DAA: A–C (3 + 1)/2 + (2 + 4)/2, B–C (2 + 1)/2 + (4 + 2)/2
    assert convergences(positions, level=2).to_numpy().tolist() == [[0, 2.5, 0], [2.5, 0, 2.5], [0, 2.5, 0]]
    assert divergences(positions, level=2).to_numpy().tolist() == [[0, 1.5, 5], [1.5, 0, 4.5], [5, 4.5, 0]]
    # 3CAA: A–B (585/79 + 72/79) / 2
    weighted = convergences(positions, mid, level=3)
    assert weighted.loc["A", "B"] == pytest.approx(657 / 158)
    assert weighted.loc["B", "C"] == pytest.approx((36 / 79 + 24 / 79) / 2)
    assert divergences(positions, mid, level=3).loc["A", "C"] == pytest.approx(
        (585 / 79 + 6 / 79) / 2 + (390 / 79 + 24 / 79) / 2)


def test_level_three_needs_the_mid(positions):
    with pytest.raises(AtelierError, match="3MAO"):
        convergences(positions, level=3)
    with pytest.raises(AtelierError, match="niveau"):
        convergences(positions, level=4)


def test_actor_pairs_table(mid, positions):
    pairs = actor_pairs(positions, mid).set_index(["actor_a", "actor_b"])
    assert pairs.loc[("B", "C")].to_dict() == pytest.approx({
        "convergences": 1, "divergences": 2, "convergence_intensity": 2.5, "divergence_intensity": 4.5,
        "weighted_convergence": 30 / 79, "weighted_divergence": (72 / 79 + 6 / 79) / 2 + (144 / 79 + 12 / 79) / 2})
    assert "weighted_convergence" not in actor_pairs(positions).columns


def test_mobilisation_by_hand(mid, positions):
    table = mobilisation(positions, mid)
    assert table.index.name == "objective"
    assert table["n_for"].tolist() == [2, 2, 1]
    assert table["for"].tolist() == [5, 5, 2]
    assert table["against"].tolist() == [-1, -2, -4]
    assert table["mobilisation"].tolist() == [6, 7, 6]
    assert table["weighted_for"].tolist() == pytest.approx([657 / 79, 60 / 79, 12 / 79])
    assert table["weighted_against"].tolist() == pytest.approx([-6 / 79, -390 / 79, -144 / 79])
    assert "weighted_for" not in mobilisation(positions).columns


def test_coalitions(mid, positions):
    groups, pairs = coalitions(positions, mid)
    # Two actors on the same side: A and B for O1, B and C for O2 (B weighs more than C)
    assert groups[["objective", "side", "actors", "size", "intensity"]].values.tolist() == [
        ["O1", "for", ("A", "B"), 2, 5], ["O2", "for", ("B", "C"), 2, 5]]
    assert groups["weighted_intensity"].tolist() == pytest.approx([657 / 79, 60 / 79])
    # Pairs by 3CAA: A–B (4.16), B–C (0.38), A–C (0)
    assert pairs[["actor_a", "actor_b"]].values.tolist() == [["A", "B"], ["B", "C"], ["A", "C"]]
    alone = coalitions(positions, min_size=1, top=1)
    assert len(alone.groups) == 6 and alone.groups.iloc[1][["side", "actors"]].tolist() == ["against", ("C",)]
    assert len(alone.pairs) == 1
