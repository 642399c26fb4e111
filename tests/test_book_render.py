"""The rendering helper escapes every value by construction; the book's inputs are what chapters read."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd
import pytest
from docutils import nodes
from hypothesis import given, settings, strategies as st

from analysis.publication.book_inputs import RECORD_ENV, code_fingerprint, fingerprint, input_roots
from analysis.publication.book_latex import tree_to_nodes
from analysis.publication.render import (
    MIME_TYPE, Element, bullets, code, element, figure_label, join, link, paragraph, strong, table,
)

PAYLOAD = '<img src=x onerror=alert(1)> **gras** {sub}`x` $x$ & "guillemets"'
TEXT = st.text(st.characters(blacklist_characters="\r\x00", blacklist_categories=("Cs",)))


def test_values_are_text_and_elements_are_kept():
    anchor = link('x" onclick="alert(1)', "<b>")
    assert str(anchor) == '<a href="x&#34; onclick=&#34;alert(1)">&lt;b&gt;</a>'
    assert str(paragraph("Titre : ", anchor)) == f"<p>Titre : {anchor}</p>"
    assert str(join(["<script>", element("br")])) == "&lt;script&gt;<br />"
    summary = paragraph(strong(3), " codes") + "<i>"
    assert isinstance(summary, Element) and str(summary) == "<p><strong>3</strong> codes</p>&lt;i&gt;"
    assert summary.text() == "3 codes<i>" and summary._repr_html_() == str(summary)
    assert summary._repr_mimebundle_() == {MIME_TYPE: summary.to_json()}


def test_only_the_elements_and_attributes_of_the_book_can_be_built():
    with pytest.raises(ValueError, match="élément inconnu"):
        element("script", "alert(1)")
    with pytest.raises(ValueError, match="attribut inconnu"):
        element("p", "x", onclick="alert(1)")


def test_table_shows_headers_cells_and_index_and_formats_numbers():
    frame = pd.DataFrame({"<th>": [PAYLOAD, element("q", "ok")], "n": [1.234, float("nan")]},
                         index=pd.Index(["<i>a</i>", "b"], name="ligne"))
    rendered = str(table(frame, index=True))
    assert "<img" not in rendered and "&lt;img src=x onerror=alert(1)&gt;" in rendered
    assert "<th>&lt;th&gt;</th>" in rendered and '<th scope="row">&lt;i&gt;a&lt;/i&gt;</th>' in rendered
    assert "<q>ok</q>" in rendered and "<td>1.23</td>" in rendered and "<td>—</td>" in rendered
    assert "<th>ligne</th>" in rendered


@settings(deadline=None)
@given(TEXT)
def test_any_text_in_a_table_is_shown_as_text_in_html_and_in_the_pdf(text):
    from bs4 import BeautifulSoup

    tree = table(pd.DataFrame({"colonne": [text]}))
    soup = BeautifulSoup(str(tree), "html.parser")
    assert [element.name for element in soup.find_all(True)] == ["table", "thead", "tr", "th", "tbody", "tr", "td"]
    assert soup.td.get_text() == text or not text.strip()  # BeautifulSoup collapses a blank cell
    (docutils_table,) = tree_to_nodes(tree, "book/corpus")
    entries = [entry.astext() for entry in docutils_table.findall(nodes.entry)]
    assert entries == ["colonne", " ".join(text.split("\n")) if text.strip() else ""]
    assert not list(docutils_table.findall(nodes.raw))


@given(st.recursive(TEXT, lambda children: st.builds(
    lambda tag, kids: Element(tag, kids), st.sampled_from(["", "p", "strong", "em", "q", "li", "td"]),
    st.lists(children, max_size=4)), max_leaves=12))
def test_a_tree_survives_its_json_form(tree):
    tree = Element("", [tree])
    again = Element.from_json(json.loads(json.dumps(tree.to_json())))
    assert str(again) == str(tree) and again.to_json() == tree.to_json()


def test_the_pdf_form_keeps_structure_links_and_quotation_marks():
    tree = join([
        element("h3", "Classe 1", style="color:red"),
        bullets([(strong(PAYLOAD), " (", code("a/b"), ") : ", element("q", "citation"), " — ",
                  link("documents.html#t-doc-0", "Titre", class_="provenance"))]),
        paragraph(link("https://rtes.fr", "site"), " ", link("javascript:alert(1)", "piège"), id="p-1"),
    ], "\n")
    rubric, listing, target, last = tree_to_nodes(tree, "book/themes")
    assert isinstance(rubric, nodes.rubric) and rubric.astext() == "Classe 1"
    item = listing.next_node(nodes.list_item)
    assert item.next_node(nodes.strong).astext() == PAYLOAD
    assert item.next_node(nodes.literal).astext() == "a/b"
    assert "«\u00a0citation\u00a0»" in item.astext()
    assert item.next_node(nodes.reference)["refuri"] == "%book/documents#t-doc-0"
    assert target["ids"] == ["p-1"] and isinstance(last, nodes.paragraph)
    assert [ref["refuri"] for ref in last.findall(nodes.reference)] == ["https://rtes.fr"]
    assert "piège" in last.astext()


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
