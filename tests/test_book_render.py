"""The rendering helper escapes every value by construction; the book's inputs are what chapters read."""

from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd
from hypothesis import given, strategies as st

from analysis.publication.book_inputs import RECORD_ENV, code_fingerprint, fingerprint, input_roots
from analysis.publication.render import Html, figure_label, html, join, paragraph, table


def test_html_escapes_values_and_keeps_fragments():
    link = html('<a href="{}">{}</a>', 'x" onclick="alert(1)', "<b>")
    assert link == '<a href="x&#34; onclick=&#34;alert(1)">&lt;b&gt;</a>'
    assert paragraph("Titre : {}", link) == f"<p>Titre : {link}</p>"
    assert join(["<script>", html("<br>")]) == "&lt;script&gt;<br>"
    assert isinstance(paragraph("{}", 1) + "<i>", Html) and (paragraph("{}", 1) + "<i>").endswith("&lt;i&gt;")
    assert link._repr_html_() == str(link)


def test_table_escapes_headers_cells_and_index_and_formats_numbers():
    frame = pd.DataFrame({"<th>": ["<img src=x onerror=alert(1)>", html("<q>{}</q>", "ok")], "n": [1.234, float("nan")]},
                         index=pd.Index(["<i>a</i>", "b"], name="ligne"))
    rendered = table(frame, index=True)
    assert "<img" not in rendered and "&lt;img src=x onerror=alert(1)&gt;" in rendered
    assert "<th>&lt;th&gt;</th>" in rendered and '<th scope="row">&lt;i&gt;a&lt;/i&gt;</th>' in rendered
    assert "<q>ok</q>" in rendered and "<td>1.23</td>" in rendered and "<td>—</td>" in rendered
    assert "<th>ligne</th>" in rendered


@given(st.text(st.characters(blacklist_characters="\r\x00", blacklist_categories=("Cs",))))
def test_any_text_in_a_table_is_shown_as_text(text):
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(table(pd.DataFrame({"colonne": [text]})), "html.parser")
    assert [element.name for element in soup.find_all(True)] == ["table", "thead", "tr", "th", "tbody", "tr", "td"]
    assert soup.td.get_text() == text


def test_figure_labels_are_literal_and_short():
    label = figure_label("Coût $x$ " * 30)
    plain = label.replace("\\$", "$")
    assert "\\$x\\$" in label and len(plain) <= 84 and all(len(line) <= 28 for line in plain.splitlines())


def test_input_roots_are_top_level_corpus_entries_and_exercise_folders(tmp_path):
    corpus, scenarios = tmp_path / "corpus", tmp_path / "scenarios"
    reads = [corpus / "texts" / "a.txt", corpus / "documents.csv", corpus / "derived" / "units" / "x.pkl",
             corpus / "codings", scenarios / "atelier" / "influence.csv", tmp_path / "ailleurs.txt"]
    assert input_roots(map(str, reads), [corpus], scenarios) == sorted(
        [str(corpus / "codings"), str(corpus / "documents.csv"), str(corpus / "texts"), str(scenarios / "atelier")])


def test_fingerprint_follows_content_new_files_and_absent_inputs(tmp_path):
    texts = tmp_path / "texts"
    texts.mkdir()
    (texts / "a.txt").write_text("un", encoding="utf-8")
    roots = [str(texts), str(tmp_path / "codings")]
    first = fingerprint(roots, "code")
    assert fingerprint(roots, "code") == first and fingerprint(roots, "autre code") != first
    (texts / "a.txt").write_text("deux", encoding="utf-8")
    second = fingerprint(roots, "code")
    (tmp_path / "codings").mkdir()
    (tmp_path / "codings" / "marie.jsonl").write_text("{}\n", encoding="utf-8")
    third = fingerprint(roots, "code")
    assert len({first, second, third}) == 3
    assert len(code_fingerprint()) == 64


def test_a_kernel_records_what_it_reads_even_when_it_is_absent(tmp_path):
    record = tmp_path / "reads"
    data = tmp_path / "donnees.csv"
    data.write_text("a\n", encoding="utf-8")
    script = (f"import analysis, os\nopen({str(data)!r}).read()\n"
              f"try:\n    os.listdir({str(tmp_path / 'absent')!r})\nexcept FileNotFoundError:\n    pass\n"
              f"open({str(tmp_path / 'sortie.txt')!r}, 'w').write('x')\n")
    subprocess.run([sys.executable, "-c", script], check=True, env={**os.environ, RECORD_ENV: str(record)})
    lines = record.read_text(encoding="utf-8").splitlines()
    assert str(data) in lines and str(tmp_path / "absent") in lines
    assert str(tmp_path / "sortie.txt") not in lines and not any("site-packages" in line for line in lines)
