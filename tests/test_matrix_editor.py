"""The matrix editor's kernel side: edits written atomically in the same layout, bad values refused."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pandas as pd
import pytest

from analysis import fsio
from analysis.prospective.cib_files import read_cross_impact
from analysis.errors import AtelierError
from analysis.prospective.exercise import Exercise
from analysis.widgets.matrix_editor import MatrixEditor
from conftest import REPO

SHIPPED = REPO / "scenarios" / "avenir-politiques-locales-ess"


@pytest.fixture
def exercise(tmp_path) -> Path:
    folder = tmp_path / "exercice"
    shutil.copytree(SHIPPED, folder)
    return folder


def send(widget: MatrixEditor, **content) -> None:
    widget._on_message(widget, content, [])


def rows_of(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def cell(widget: MatrixEditor, row: str, column: str) -> tuple[int, int]:
    return ([r["code"] for r in widget.rows].index(row), [c["code"] for c in widget.columns].index(column))


def test_valid_edit_rewrites_the_file_atomically_in_the_same_layout(exercise, monkeypatch):
    path = exercise / "influence.csv"
    before = path.read_bytes()
    writes = []
    real = fsio.atomic_write_bytes
    monkeypatch.setattr("analysis.widgets.matrix_editor.atomic_write_bytes",
                        lambda target, data: (writes.append(target), real(target, data)))
    widget = MatrixEditor(exercise, "influence")
    i, j = cell(widget, "CP", "PTCE")
    send(widget, action="set", row=i, column=j, value="3")
    assert widget.error == "" and "enregistré" in widget.message
    assert writes == [path]
    assert not list(exercise.glob(".influence.csv.*"))  # no temporary file left behind
    old, new = before.decode().splitlines(keepends=True), path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert len(old) == len(new) and [n for n, (a, b) in enumerate(zip(old, new)) if a != b] == [1]
    assert new[1] == "CP,,1,3,0,0,0,1,0,0,0,0,0,0,0,0,0,0\n"
    assert rows_of(path)[0] == rows_of(SHIPPED / "influence.csv")[0]  # header kept
    assert rows_of(path)[5][5] == ""  # blank diagonal kept
    assert Exercise.open(exercise).influence().loc["CP", "PTCE"] == 3
    assert widget.cells[i][j] == "3"


def test_reason_is_saved_in_the_sidecar(exercise):
    widget = MatrixEditor(exercise, "influence")
    i, j = cell(widget, "ETA", "BUD")
    send(widget, action="set", row=i, column=j, value="2", reason="L’État fixe les dotations, débat du 12 mars")
    send(widget, action="note", row=i, column=j, reason="Finalement : consensus")
    notes = rows_of(exercise / "notes" / "influence.csv")
    assert notes[0] == ["row", "column", "value", "reason", "timestamp"]
    assert notes[1][:4] == ["ETA", "BUD", "2", "L’État fixe les dotations, débat du 12 mars"]
    assert notes[2][:4] == ["ETA", "BUD", "2", "Finalement : consensus"] and notes[2][4].startswith("20")
    assert widget.reasons[f"{i}:{j}"] == "Finalement : consensus"


def test_undo_restores_the_file_byte_for_byte(exercise):
    path = exercise / "influence.csv"
    before = path.read_bytes()
    widget = MatrixEditor(exercise, "influence")
    send(widget, action="set", row=0, column=1, value="3")
    send(widget, action="set", row=4, column=7, value="P")
    assert widget.undo_depth == 2
    send(widget, action="undo")
    assert path.read_bytes() != before and widget.cells[4][7] == "0"
    send(widget, action="undo")
    assert path.read_bytes() == before
    assert widget.cells[0][1] == "1" and widget.undo_depth == 0
    send(widget, action="undo")
    assert widget.message == "Rien à annuler" and path.read_bytes() == before


@pytest.mark.parametrize("value", ["5", "-1", "X", "2.5", ""])
def test_off_scale_value_is_refused_in_french_and_nothing_is_written(exercise, value):
    path = exercise / "influence.csv"
    before = path.read_bytes()
    widget = MatrixEditor(exercise, "influence")
    send(widget, action="set", row=0, column=1, value=value, reason="ne doit pas être noté")
    assert "refusée" in widget.error and "Rien n’a été enregistré" in widget.error and "0 à 3 ou P" in widget.error
    assert path.read_bytes() == before
    assert not (exercise / "notes").exists()
    assert widget.cells[0][1] == "1"


def test_diagonal_cannot_be_filled(exercise):
    before = (exercise / "influence.csv").read_bytes()
    widget = MatrixEditor(exercise, "influence")
    send(widget, action="set", row=2, column=2, value="1")
    assert "non modifiable" in widget.error and (exercise / "influence.csv").read_bytes() == before


def test_potential_influence_is_accepted(exercise):
    widget = MatrixEditor(exercise, "influence")
    i, j = cell(widget, "FON", "CP")
    send(widget, action="set", row=i, column=j, value="p")
    assert widget.error == ""
    assert rows_of(exercise / "influence.csv")[i + 1][j + 1] == "P"
    assert widget.cells[i][j] == "P"
    assert Exercise.open(exercise).influence().loc["FON", "CP"] == "P"


def test_crossimpact_edit_keeps_the_two_header_rows_and_blank_blocks(exercise):
    path = exercise / "crossimpact.csv"
    before = rows_of(path)
    widget = MatrixEditor(exercise, "crossimpact")
    assert [g["name"] for g in widget.groups][:2] == ["Transition écologique", "Finances locales"]
    assert widget.rows[0] == {"code": "A1", "label": "accélérée", "group": "Transition écologique"}
    assert widget.locked[0][0] and widget.locked[0][2] and not widget.locked[0][3]
    send(widget, action="set", row=0, column=3, value="-3")
    after = rows_of(path)
    assert after[:2] == before[:2]
    assert [r[:2] for r in after] == [r[:2] for r in before]
    assert after[2][5] == "-3" and after[2][2:5] == ["", "", ""]
    assert sum(a != b for ra, rb in zip(after, before) for a, b in zip(ra, rb)) == 1
    matrix = read_cross_impact(path)
    assert matrix.loc[("Transition écologique", "accélérée"), ("Finances locales", "desserrées")] == -3
    send(widget, action="set", row=0, column=3, value="4")
    assert "−3 à +3" in widget.error and rows_of(path) == after
    send(widget, action="set", row=0, column=1, value="1")
    assert "même descripteur" in widget.error


def test_plane_summary_updates_after_an_edit(exercise):
    widget = MatrixEditor(exercise, "influence")
    summary = widget.summary
    assert summary["kind"] == "plane" and len(summary["points"]) == 17
    members = {q["name"]: q["members"] for q in summary["quadrants"]}
    assert "POP" in members["autonome"]
    revision = widget.revision
    i = [r["code"] for r in widget.rows].index("POP")
    for j, column in enumerate(widget.columns):
        if column["code"] != "POP":
            send(widget, action="set", row=i, column=j, value="3")
    assert widget.revision > revision
    members = {q["name"]: q["members"] for q in widget.summary["quadrants"]}
    assert "POP" in members["déterminante"] + members["relais"]


def test_every_view_of_the_plane_colours_its_quadrants_alike(exercise):
    """The matrix editor, the presentation and the book draw the plane with micmac's one palette."""
    from matplotlib.colors import to_hex

    from analysis.prospective.micmac import QUADRANT_COLOURS, plane, validate_influence
    from analysis.publication.tables import influence_plane_figure
    from analysis.widgets.presentation import build_presentation

    assert MatrixEditor(exercise, "influence").summary["colours"] == QUADRANT_COLOURS
    computed = plane(validate_influence(pd.read_csv(exercise / "influence.csv", index_col=0)))
    assert computed.power > 1 and set(computed.table["quadrant"]) <= set(QUADRANT_COLOURS)
    html = Path(build_presentation(exercise, exercise / "presentation.html")["path"]).read_text(encoding="utf-8")
    figure = influence_plane_figure(computed)
    drawn = {to_hex(c).upper() for collection in figure.axes[0].collections for c in collection.get_facecolors()}
    for quadrant in set(computed.table["quadrant"]):
        assert QUADRANT_COLOURS[quadrant] in html and QUADRANT_COLOURS[quadrant] in drawn


def test_scenario_summary_updates_after_an_edit(exercise):
    widget = MatrixEditor(exercise, "crossimpact")
    assert widget.summary["kind"] == "scenarios" and widget.summary["count"] == 3
    first = [v["code"] for v in widget.summary["scenarios"][0]["variants"]]
    assert first == ["A1", "B1", "C1", "D1", "E1", "F1"]
    i, j = cell(widget, "C1", "D1")
    send(widget, action="set", row=i, column=j, value="-3")
    assert widget.error == ""
    scores = {"".join(v["code"] for v in s["variants"]): s["score"] for s in widget.summary["scenarios"]}
    assert scores["A1B1C1D1E1F1"] == 25 - 6  # C1 now pushes D1 down by 3 instead of up by 3
    assert [v["code"] for v in widget.summary["scenarios"][0]["variants"]] != first


def test_ratings_edit_writes_the_participant_file(exercise):
    path = exercise / "ratings" / "participant-b.csv"
    group = (exercise / "influence.csv").read_bytes()
    widget = MatrixEditor(exercise, "influence", participant="participant-b")
    assert widget.file_name == "ratings/participant-b.csv"
    i, j = cell(widget, "CP", "SCIC")
    send(widget, action="set", row=i, column=j, value="3", reason="vu du terrain")
    assert rows_of(path)[1][2] == "3"
    assert (exercise / "influence.csv").read_bytes() == group
    assert rows_of(exercise / "notes" / "ratings-participant-b.csv")[1][:3] == ["CP", "SCIC", "3"]
    assert Exercise.open(exercise).ratings()["participant-b"].loc["CP", "SCIC"] == 3


def test_new_participant_gets_a_blank_copy_of_the_group_matrix(exercise):
    widget = MatrixEditor(exercise, "influence", participant="nouvelle")
    path = exercise / "ratings" / "nouvelle.csv"
    assert path.exists() and rows_of(path)[0] == rows_of(exercise / "influence.csv")[0]
    assert all(v in ("", "0") for row in rows_of(path)[1:] for v in row[1:])
    assert widget.cells[0][1] == "0"


def test_other_tables_open_with_their_scales(exercise):
    actors = MatrixEditor(exercise, "actor_influence")
    send(actors, action="set", row=0, column=1, value="4")
    assert actors.error == "" and rows_of(exercise / "actor_influence.csv")[1][2] == "4"
    assert actors.summary["kind"] == "plane"
    positions = MatrixEditor(exercise, "positions")
    assert not any(any(row) for row in positions.locked)
    send(positions, action="set", row=0, column=0, value="-4")
    assert positions.error == "" and rows_of(exercise / "positions.csv")[1][1] == "-4"
    send(positions, action="set", row=0, column=0, value="-5")
    assert "refusée" in positions.error


def test_xlsx_table_is_edited_in_its_workbook(exercise):
    import openpyxl
    import pandas as pd

    from analysis.prospective.exercise import Exercise

    csv_path = exercise / "influence.csv"
    expected = Exercise.open(exercise).influence()
    pd.read_csv(csv_path, dtype=str, keep_default_na=False).to_excel(exercise / "influence.xlsx", index=False)
    csv_path.unlink()
    widget = MatrixEditor(exercise, "influence")
    assert widget.error == "" and widget.cells[0][1] == str(int(expected.iloc[0, 1]))
    new = "3" if widget.cells[0][1] != "3" else "2"
    send(widget, action="set", row=0, column=1, value=new)
    assert widget.error == "" and widget.cells[0][1] == new
    sheet = openpyxl.load_workbook(exercise / "influence.xlsx").worksheets[0]
    assert sheet.cell(2, 3).value == int(new)  # a number, in the same place
    changed = Exercise.open(exercise).influence()
    assert changed.iloc[0, 1] == int(new) and changed.drop(columns=changed.columns[1]).equals(
        expected.drop(columns=expected.columns[1]))
    # a new participant gets a blank copy of the group workbook
    participant = MatrixEditor(exercise, "influence", participant="nouveau")
    assert participant.error == "" and (exercise / "ratings" / "nouveau.xlsx").exists()


def test_broken_or_formula_workbooks_are_refused_in_french(exercise):
    import openpyxl

    (exercise / "influence.csv").unlink()
    (exercise / "influence.xlsx").write_bytes(b"PK")
    widget = MatrixEditor(exercise, "influence")
    assert "ce n’est pas un classeur XLSX" in widget.error and widget.cells == []
    book = openpyxl.Workbook()
    book.active.append(["code", "A", "B"])
    book.active.append(["A", "", "=1+1"])
    book.active.append(["B", "1", ""])
    book.save(exercise / "influence.xlsx")
    widget = MatrixEditor(exercise, "influence")
    assert "formule" in widget.error


def test_semicolon_crlf_and_bom_are_kept(exercise):
    path = exercise / "influence.csv"
    text = path.read_text(encoding="utf-8").replace(",", ";").replace("\n", "\r\n")
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    before = path.read_bytes()
    widget = MatrixEditor(exercise, "influence")
    send(widget, action="set", row=0, column=1, value="2")
    after = path.read_bytes()
    assert after.startswith(b"\xef\xbb\xbfcode;CP;") and after.count(b"\r\n") == before.count(b"\r\n")
    assert after.replace(b"CP;;2;", b"CP;;1;", 1) == before
    send(widget, action="undo")
    assert path.read_bytes() == before


def test_a_windows_1252_table_is_edited_in_its_own_encoding(exercise):
    """French Excel's plain « CSV » is Windows-1252: read as every exercise table, written back alike."""
    path = exercise / "crossimpact.csv"
    text = path.read_text(encoding="utf-8")
    assert "é" in text
    path.write_bytes(text.encode("cp1252"))
    widget = MatrixEditor(exercise, "crossimpact")
    assert widget.error == ""
    row, column = next((i, j) for i, values in enumerate(widget.cells) for j, value in enumerate(values)
                       if value == "0")
    send(widget, action="set", row=row, column=column, value="1")
    assert widget.error == ""
    written = path.read_bytes().decode("cp1252")
    assert written.count("\n") == text.count("\n") and "é" in written and written != text


def test_external_changes_are_shown_on_sync(exercise):
    widget = MatrixEditor(exercise, "influence")
    path = exercise / "influence.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("CP,,1,", "CP,,2,", 1), encoding="utf-8")
    send(widget, action="sync")
    assert widget.cells[0][1] == "2"


def test_unknown_table_is_refused():
    with pytest.raises(AtelierError, match="inconnu"):
        MatrixEditor(SHIPPED, "levers")
