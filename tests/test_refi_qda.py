"""REFI-QDA interchange: schema-valid exports, exact round trips, foreign archives, hostile files."""

from __future__ import annotations

import struct
import tempfile
import unicodedata
import zipfile
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from lxml import etree

from analysis import Corpus
from analysis.coding.codebook import FIELDS, load_codebook, save_codebook
from analysis.errors import InputError
from analysis.corpus.ingest import IngestOptions, ingest
from analysis.coding.refi_qda import (
    CODEBOOK_NS, PROJECT_NS, NormalisedText, Units, export_codebook, export_project, import_codebook,
    import_project,
)
from conftest import SEED_CORPUS, snapshot
from analysis.coding.store import CodingStore

XSD = Path(__file__).resolve().parent / "schemas" / "Project-mrt2019.xsd"
NS = {"q": PROJECT_NS}
TOOLS = {"nvivo": "utf16", "maxqda": "utf16", "atlasti": "codepoints", "qualcoder": "codepoints", "taguette": "bytes"}

INTERVIEW = ("Entretien avec l’élue 🌱 sur la commande publique responsable.\n"
             "Les SCIC 🤝 coopèrent avec la métropole ; « c’est l’avenir », dit-elle.\n")
REPORT = "Rapport d’activité 2024 : le foncier, l’alimentation durable et l’ESS.\n"
CODEBOOK = [
    {"path": "leviers", "label": "Leviers d’action", "definition": "Ce que font les collectivités.", "colour": "#0072B2"},
    {"path": "leviers/commande-publique", "label": "Commande publique responsable", "definition": "Achats publics.",
     "include": "clauses sociales", "exclude": "subventions (leviers/financement)", "example": "la commande publique",
     "colour": "#4C9CC9"},
    {"path": "leviers/commande-publique/clauses", "label": "Clauses", "colour": "#88BBDD"},
    {"path": "acteurs", "label": "Acteurs", "colour": "#E69F00"},
]


# -- helpers ------------------------------------------------------------------------------------


def build_corpus(root: Path, texts: dict[str, tuple[str, IngestOptions]]) -> Corpus:
    """Ingest ``texts`` (doc_id → text, options) verbatim from files written next to ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    files = []
    for doc_id, (text, options) in texts.items():
        path = root.parent / f"{doc_id}.txt"
        path.write_bytes(text.encode("utf-8"))
        options.doc_id, options.verbatim = doc_id, True
        files.append((path, options))
    report = ingest(Corpus.open(root), files, progress=False)
    assert report.ok, report.failed
    return Corpus.open(root)


def code(corpus: Corpus, coder: str, doc_id: str, snippet: str, code_path: str, memo: str = "") -> dict:
    """Code the first occurrence of ``snippet``, with any code: a log may hold codes the codebook has not."""
    start = corpus.text(doc_id).index(snippet)
    sha = corpus.document(doc_id)["text_sha256"]
    return CodingStore(corpus.root / "codings").add(coder, doc_id, sha, start, start + len(snippet), code_path, snippet, memo)


@pytest.fixture
def project(corpus_dir: Path) -> Corpus:
    """Two documents with accents and emoji, a three-level codebook, two coders, memos of every kind."""
    corpus = build_corpus(corpus_dir, {
        "entretien-elue": (INTERVIEW, IngestOptions(genre="entretien", date="2023-05",
                                                    attrs={"territory": "Nantes", "level": "commune"})),
        "rapport-2024": (REPORT, IngestOptions(genre="rapport d'activité", attrs={"organisation": "RTES",
                                                                                  "secteur": "foncier"})),
    })
    save_codebook(corpus.codebook_path, pd.DataFrame(CODEBOOK))
    code(corpus, "alice", "entretien-elue", "commande publique", "leviers/commande-publique", memo="Premier mémo ✨")
    code(corpus, "alice", "entretien-elue", "publique responsable", "leviers/commande-publique/clauses")
    code(corpus, "bob", "entretien-elue", "🌱 sur la commande", "leviers")
    code(corpus, "bob", "entretien-elue", "SCIC 🤝 coopèrent avec la métropole", "acteurs/scic")
    code(corpus, "alice", "rapport-2024", "foncier", "leviers")
    CodingStore.of(corpus).memo("alice", "document", "entretien-elue", "Un entretien riche.")
    CodingStore.of(corpus).memo("bob", "code", "leviers", "Famille à revoir.")
    return corpus


def codings_of(corpus: Corpus) -> list[tuple]:
    table = CodingStore.of(corpus).replay().codings
    return sorted(table[["coder", "doc_id", "start", "end", "code", "text", "memo"]].itertuples(index=False, name=None))


def memos_of(corpus: Corpus) -> list[tuple]:
    return sorted(CodingStore.of(corpus).replay().memos[["target", "ref", "coder", "memo"]].itertuples(index=False, name=None))


def make_qdpx(path: Path, qde: str, files: dict[str, bytes] | None = None, qde_name: str = "project.qde") -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(qde_name, qde.encode("utf-8"))
        for name, data in (files or {}).items():
            archive.writestr(name, data)
    return path


def units(text: str, convention: str, offset: int) -> int:
    """An offset counted independently of the module under test."""
    head = text[:offset]
    return {"codepoints": len(head), "utf16": len(head.encode("utf-16-le")) // 2,
            "bytes": len(head.encode("utf-8"))}[convention]


def foreign_project(source_name: str, text_path: str, selections: list[tuple[int, int, str, str]],
                    origin: str = "", extra_sources: str = "", cases: str = "") -> str:
    """A project.qde as other tools write it: (start, end, code GUID, name) selections on one source."""
    rows = "".join(
        f'<PlainTextSelection guid="00000000-0000-4000-8000-{n:012d}" startPosition="{start}" endPosition="{end}"'
        f' creatingUser="{{AAAAAAAA-0000-4000-8000-000000000001}}"{" name=" + quoteattr(name) if name else ""}>'
        f'<Coding guid="00000000-0000-4000-9000-{n:012d}"><CodeRef targetGUID="{guid}"/></Coding>'
        "</PlainTextSelection>"
        for n, (start, end, guid, name) in enumerate(selections))
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="{PROJECT_NS}" name="Terrain" origin="{origin}">
 <Users><User guid="{{AAAAAAAA-0000-4000-8000-000000000001}}" name="Marie Dupont-Lefèvre"/></Users>
 <CodeBook><Codes>
  <Code guid="C0DE0000-0000-4000-8000-000000000001" name="Économie sociale" isCodable="false" color="#abc">
   <Code guid="C0DE0000-0000-4000-8000-000000000002" name="Coopératives" isCodable="true">
    <Description>Sociétés coopératives, SCIC, SCOP.</Description>
   </Code>
  </Code>
  <Code guid="C0DE0000-0000-4000-8000-000000000003" name="Émotions" isCodable="true" color="#F00082"/>
 </Codes></CodeBook>
 {cases}
 <Sources>
  <TextSource guid="5075CE00-0000-4000-8000-000000000001" name={quoteattr(source_name)} plainTextPath="{text_path}">
   {rows}
  </TextSource>
  {extra_sources}
 </Sources>
</Project>"""


COOP = "C0DE0000-0000-4000-8000-000000000002"
EMOTIONS = "C0DE0000-0000-4000-8000-000000000003"


def spans(raw: str, snippets: list[str], convention: str) -> list[tuple[int, int]]:
    """The positions of each snippet of ``raw`` (first occurrence) in ``convention`` units."""
    found = []
    for snippet in snippets:
        start = raw.index(snippet)
        found.append((units(raw, convention, start), units(raw, convention, start + len(snippet))))
    return found


def expected(snippet: str) -> str:
    return unicodedata.normalize("NFC", snippet.replace("\r\n", "\n"))


# -- export -------------------------------------------------------------------------------------


def test_export_is_valid_against_the_refi_qda_schema(project, tmp_path):
    summary = export_project(project, tmp_path / "projet.qdpx", tool="nvivo")
    assert summary == {**summary, "documents": 2, "codings": 5, "coders": ["alice", "bob"], "positions": "utf16"}
    with zipfile.ZipFile(tmp_path / "projet.qdpx") as archive:
        qde = archive.read("project.qde")
        names = archive.namelist()
        root = etree.fromstring(qde)
        schema = etree.XMLSchema(etree.parse(str(XSD)))
        assert schema.validate(root), schema.error_log
        assert root.tag == f"{{{PROJECT_NS}}}Project" and root.get("creationDateTime")
        assert [u.get("name") for u in root.findall("q:Users/q:User", NS)] == ["alice", "bob"]
        nested = root.findall("q:CodeBook/q:Codes/q:Code/q:Code/q:Code", NS)
        assert [c.get("name") for c in nested] == ["Clauses"]
        sources = root.findall("q:Sources/q:TextSource", NS)
        assert len(sources) == 2 and len(root.findall(".//q:PlainTextSelection", NS)) == 5
        for source in sources:
            entry = "sources/" + source.get("plainTextPath").removeprefix("internal://")
            assert entry in names
            assert archive.read(entry).decode("utf-8") == project.text(source.get("name"))
        memo_refs = root.findall(".//q:PlainTextSelection/q:NoteRef", NS)
        notes = {n.get("guid"): n.findtext("q:PlainTextContent", namespaces=NS)
                 for n in root.findall("q:Notes/q:Note", NS)}
        assert [notes[r.get("targetGUID")] for r in memo_refs] == ["Premier mémo ✨"]
        assert set(notes.values()) == {"Premier mémo ✨", "Un entretien riche.", "Famille à revoir."}
        interview = {s.get("name"): s for s in sources}["entretien-elue"]
        variables = {v.get("guid"): v.get("name") for v in root.findall("q:Variables/q:Variable", NS)}
        values = {variables[v.find("q:VariableRef", NS).get("targetGUID")]: v[1].text
                  for v in interview.findall("q:VariableValue", NS)}
        assert values["territory"] == "Nantes" and values["genre"] == "entretien" and values["private"] == "true"
        assert root.find("q:Cases", NS) is None  # attributes belong to the sources, not to unlinked cases


@pytest.mark.parametrize("tool", TOOLS)
def test_export_writes_positions_in_the_units_of_the_target_tool(project, tmp_path, tool):
    export_project(project, tmp_path / "p.qdpx", tool=tool)
    root = etree.fromstring(zipfile.ZipFile(tmp_path / "p.qdpx").read("project.qde"))
    text = project.text("entretien-elue")
    start = text.index("SCIC 🤝")  # after one emoji, with accents before it
    end = start + len("SCIC 🤝 coopèrent avec la métropole")
    selection = next(s for s in root.iter(f"{{{PROJECT_NS}}}PlainTextSelection") if s.get("name").startswith("SCIC"))
    assert (int(selection.get("startPosition")), int(selection.get("endPosition"))) == (
        units(text, TOOLS[tool], start), units(text, TOOLS[tool], end))


def test_export_is_reproducible(project, tmp_path):
    export_project(project, tmp_path / "a.qdpx", tool="atlasti")
    export_project(project, tmp_path / "b.qdpx", tool="atlasti")
    assert (tmp_path / "a.qdpx").read_bytes() == (tmp_path / "b.qdpx").read_bytes()


def test_export_can_be_limited_to_some_coders(project, tmp_path):
    summary = export_project(project, tmp_path / "bob.qdpx", coders=["bob"])
    assert (summary["coders"], summary["codings"]) == (["bob"], 2)


# -- round trips --------------------------------------------------------------------------------


@pytest.mark.parametrize("tool,positions", [(tool, None) for tool in TOOLS] + [
    ("qualcoder", "utf16"), ("nvivo", "bytes"), ("taguette", "codepoints")])
def test_export_then_import_gives_back_every_coding(project, tmp_path, tool, positions):
    archive = tmp_path / "p.qdpx"
    written = export_project(project, archive, tool=tool, positions=positions)
    fresh = Corpus.open(tmp_path / "fresh")
    summary = import_project(fresh, archive)
    assert summary["positions"] == written["positions"] == (positions or TOOLS[tool])
    assert (summary["documents"], summary["codings"], summary["coders"]) == (2, 5, ["alice", "bob"])
    assert codings_of(fresh) == codings_of(project)
    assert memos_of(fresh) == memos_of(project)
    for doc_id in ("entretien-elue", "rapport-2024"):
        assert fresh.text(doc_id) == project.text(doc_id)
    columns = ["doc_id", "title", "genre", "date", "year", "territory", "level", "organisation", "private", "secteur"]
    assert fresh.documents()[columns].equals(project.documents()[columns])
    original = load_codebook(project.codebook_path)[FIELDS]
    assert load_codebook(fresh.codebook_path)[FIELDS].sort_values("path").reset_index(drop=True).equals(
        pd.concat([original, pd.DataFrame([{"path": "acteurs/scic", "label": "scic", "colour": "#9E9E9E", "id": "acteurs/scic",
                                      "retired": False}])])
        .fillna("").sort_values("path").reset_index(drop=True))
    again = import_project(fresh, archive, positions=written["positions"])
    assert (again["documents"], again["reused_documents"], again["codings"], again["duplicates"]) == (0, 2, 0, 5)
    assert codings_of(fresh) == codings_of(project)


def test_import_into_the_same_corpus_adds_nothing(project, corpus_dir, tmp_path):
    export_project(project, tmp_path / "p.qdpx", tool="nvivo")
    before = snapshot(corpus_dir)
    summary = import_project(project, tmp_path / "p.qdpx")
    assert (summary["documents"], summary["codings"], summary["duplicates"]) == (0, 0, 5)
    assert summary["codes_added"] == 1  # acteurs/scic was used without being in the codebook
    assert {k: v for k, v in snapshot(corpus_dir).items() if k != "codebook.yaml"} == {
        k: v for k, v in before.items() if k != "codebook.yaml"}
    before = snapshot(corpus_dir)
    import_project(project, tmp_path / "p.qdpx")
    assert snapshot(corpus_dir) == before


TOKENS = st.sampled_from([
    "économie", "sociale", "l’ESS", "élu·es", "Œuvre", "coopérative", "SCIC", "2024", " ", " ", ", ", ".",
    "🌱", "🤝", "𝄞", "👩‍🌾", "«", "»", "—", "\n", "\n\n", "ça", "déjà", "是", "e\u0301",
])


@st.composite
def coded_texts(draw):
    """Texts (as files, with CRLF or not) and overlapping codings on token boundaries."""
    documents = []
    for _ in range(draw(st.integers(1, 2))):
        tokens = [f"Document {len(documents)}\n"] + draw(st.lists(TOKENS, min_size=2, max_size=30))
        bounds = [0]
        for token in tokens:
            bounds.append(bounds[-1] + len(unicodedata.normalize("NFC", token)))
        codings = []
        for _ in range(draw(st.integers(1, 5))):
            start, end = sorted(draw(st.lists(st.sampled_from(bounds), min_size=2, max_size=2, unique=True)))
            codings.append((draw(st.sampled_from(["alice", "bob"])), start, end,
                            draw(st.sampled_from(["leviers", "leviers/foncier", "acteurs"]))))
        documents.append(("".join(tokens), draw(st.booleans()), codings))
    return documents, draw(st.sampled_from(list(TOOLS)))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(coded_texts())
def test_property_round_trip_of_random_codings(case):
    documents, tool = case
    with tempfile.TemporaryDirectory() as scratch:
        texts = {}
        for n, (text, crlf, _) in enumerate(documents):
            texts[f"doc-{n}"] = (text.replace("\n", "\r\n") if crlf else text, IngestOptions())
        corpus = build_corpus(Path(scratch) / "corpus", texts)
        for n, (_, _, codings) in enumerate(documents):
            stored = corpus.text(f"doc-{n}")
            sha = corpus.document(f"doc-{n}")["text_sha256"]
            for coder, start, end, code_path in codings:
                CodingStore.of(corpus).add(coder, f"doc-{n}", sha, start, end, code_path, stored[start:end])
        export_project(corpus, Path(scratch) / "p.qdpx", tool=tool)
        fresh = Corpus.open(Path(scratch) / "fresh")
        import_project(fresh, Path(scratch) / "p.qdpx")
        assert codings_of(fresh) == codings_of(corpus)


RAW_TOKENS = st.sampled_from([
    "coopérative", "e\u0301lu", "Cafe\u0301", "SCIC", " ", "\r\n", "\n", "🙂", "𝄞", "是", "ß", "’", "a", "2024",
])


@st.composite
def foreign_archives(draw):
    """A raw text as another tool keeps it (BOM, CRLF, decomposed accents) and selections on it."""
    tokens = draw(st.lists(RAW_TOKENS, min_size=2, max_size=30).filter(lambda t: "".join(t).strip()))
    bounds = [0]
    for token in tokens:
        bounds.append(bounds[-1] + len(token))
    selections = [tuple(sorted(draw(st.lists(st.sampled_from(bounds), min_size=2, max_size=2, unique=True))))
                  for _ in range(draw(st.integers(1, 6)))]
    return "".join(tokens), selections, draw(st.sampled_from(["codepoints", "utf16", "bytes"])), draw(st.booleans())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(foreign_archives(), st.booleans())
def test_property_foreign_selections_cover_exactly_their_text(case, automatic):
    raw, selections, convention, bom = case
    rows = [(units(raw, convention, s), units(raw, convention, e), COOP, raw[s:e]) for s, e in selections]
    with tempfile.TemporaryDirectory() as scratch:
        archive = make_qdpx(Path(scratch) / "t.qdpx", foreign_project("Entretien.txt", "internal://T.txt", rows),
                            {"sources/T.txt": (b"\xef\xbb\xbf" if bom else b"") + raw.encode("utf-8")})
        corpus = Corpus.open(Path(scratch) / "corpus")
        summary = import_project(corpus, archive, positions="auto" if automatic else convention)
        imported = sorted(CodingStore.of(corpus).replay().codings["text"])
        assert imported == sorted(expected(raw[s:e]) for s, e in selections), summary
        assert corpus.text("entretien") == expected(raw)


def test_offset_helpers_agree_with_python_encodings():
    text = "a🌱é\r\ne\u0301𝄞z"
    for convention in ("codepoints", "utf16", "bytes"):
        table = Units(text, convention)
        for offset in range(len(text) + 1):
            assert table.from_codepoint(offset) == units(text, convention, offset)
            assert table.to_codepoint(units(text, convention, offset)) == offset
    assert Units(text, "utf16").to_codepoint(2) is None  # inside the surrogate pair of 🌱
    assert Units(text, "bytes").to_codepoint(2) is None  # inside the four bytes of 🌱
    normal = NormalisedText(text)
    assert normal.text == "a🌱é\né𝄞z"
    assert normal.map(4, upwards=False) == (3, True) and normal.map(4, upwards=True) == (4, True)  # inside CRLF
    assert normal.map(6, upwards=False) == (4, True) and normal.map(6, upwards=True) == (5, True)  # e|◌́
    assert normal.map(7, upwards=False) == (5, False)


COMPOSING = st.sampled_from(["a", "e", "\u0301", "\u0323", "\u0308", "\r", "\n", "\r\n", "é", "ự", "🌱",
                             "\u1100", "\u1161", "\u11a8", "가", " ", "Å", "\u212b", "\u0f73"])


@settings(max_examples=300, deadline=None)
@given(st.lists(COMPOSING, max_size=25).map("".join))
def test_property_normalised_offsets_are_exact_or_moved_outwards(raw):
    normal = NormalisedText(raw)
    lf = raw.replace("\r\n", "\n").replace("\r", "\n")
    assert normal.text == unicodedata.normalize("NFC", lf)
    previous = 0
    for offset in range(len(raw) + 1):
        down, moved_down = normal.map(offset, upwards=False)
        up, moved_up = normal.map(offset, upwards=True)
        assert previous <= down <= up <= len(normal.text)
        previous = down
        if not moved_down:
            assert down == up and not moved_up
            head = raw[:offset].replace("\r\n", "\n").replace("\r", "\n")
            assert unicodedata.normalize("NFC", head) == normal.text[:down]


# -- archives written by other tools ------------------------------------------------------------


NVIVO_TEXT = ("Entretien n°1\r\nQ : Que pensez-vous 🙂 des SCIC ?\r\n"
              "R : Les coopératives… c’est l’avenir 🚀, vraiment.\r\n")


def test_nvivo_style_archive_imports_exactly_with_utf16_detected(corpus_dir, tmp_path):
    snippets = ["des SCIC", "SCIC ?\r\nR : Les", "c’est l’avenir 🚀, vraiment.\r\n"]
    positions = spans(NVIVO_TEXT, snippets, "utf16")
    rows = [(s, e, guid, "") for (s, e), guid in zip(positions, [COOP, COOP, EMOTIONS])]
    cases = """<Variables><Variable guid="0A000000-0000-4000-8000-000000000001" name="Genre" typeOfVariable="Text"/>
      <Variable guid="0A000000-0000-4000-8000-000000000002" name="Âge" typeOfVariable="Integer"/>
      <Variable guid="0A000000-0000-4000-8000-000000000003" name="Format" typeOfVariable="Text"/></Variables>
      <Cases><Case guid="CA5E0000-0000-4000-8000-000000000001" name="Marie">
       <VariableValue><VariableRef targetGUID="0A000000-0000-4000-8000-000000000001"/><TextValue>Focus group</TextValue></VariableValue>
       <VariableValue><VariableRef targetGUID="0A000000-0000-4000-8000-000000000002"/><IntegerValue>54</IntegerValue></VariableValue>
       <VariableValue><VariableRef targetGUID="0A000000-0000-4000-8000-000000000003"/><TextValue>semi-directif</TextValue></VariableValue>
       <SourceRef targetGUID="5075CE00-0000-4000-8000-000000000001"/></Case></Cases>"""
    qde = foreign_project("Entretien Marie.docx", "internal://3F2504E0-4F89-41D3-9A0C-0305E82C3301.txt", rows,
                          origin="NVivo 14", cases=cases)
    archive = make_qdpx(tmp_path / "nvivo.qdpx", qde, {
        "Sources/3f2504e0-4f89-41d3-9a0c-0305e82c3301.txt": b"\xef\xbb\xbf" + NVIVO_TEXT.encode("utf-8")},
        qde_name="Project.qde")
    corpus = Corpus.open(corpus_dir)
    summary = import_project(corpus, archive)
    assert summary["positions"] == "utf16" and "seule convention" in summary["reason"]
    assert summary["coders"] == ["Marie-Dupont-Lefevre"]
    codings = CodingStore.of(corpus).replay().codings
    assert list(codings["text"]) == [expected(s) for s in snippets]
    assert list(codings["code"]) == ["economie-sociale/cooperatives"] * 2 + ["emotions"]
    text = corpus.text("entretien-marie")
    assert all(text[r.start:r.end] == r.text for r in codings.itertuples())
    document = corpus.document("entretien-marie")
    assert (document["title"], document["genre"], document["qda_genre"], document["age"]) == (
        "Entretien Marie.docx", "document", "Focus group", "54")  # a genre we do not know is kept aside
    assert (document["format"], document["qda_format"]) == ("texte", "semi-directif")  # ours is computed
    assert document["private"] == "true"  # privacy by default for material from elsewhere
    codebook = load_codebook(corpus.codebook_path).set_index("path")
    assert codebook.loc["economie-sociale", "colour"] == "#aabbcc"
    assert codebook.loc["economie-sociale/cooperatives", "definition"] == "Sociétés coopératives, SCIC, SCOP."
    assert codebook.loc["economie-sociale/cooperatives", "colour"] == "#9E9E9E"


def test_nvivo_archive_read_as_code_points_is_refused(corpus_dir, tmp_path):
    positions = spans(NVIVO_TEXT, ["c’est l’avenir 🚀, vraiment.\r\n"], "utf16")
    archive = make_qdpx(tmp_path / "nvivo.qdpx", foreign_project("E", "internal://T.txt", [(*positions[0], COOP, "")]),
                        {"Sources/T.txt": NVIVO_TEXT.encode("utf-8")}, qde_name="Project.qde")
    with pytest.raises(InputError, match="hors du texte"):
        import_project(Corpus.open(corpus_dir), archive, positions="codepoints")
    assert snapshot(corpus_dir) == {}


TAGUETTE_TEXT = "Atelier du 12 mai : les élu·es ont parlé de la régie agricole et du foncier.\n"


def test_taguette_style_archive_with_utf8_byte_offsets(corpus_dir, tmp_path):
    snippets = ["élu·es", "régie agricole", "foncier.\n"]
    rows = [(s, e, COOP, "") for s, e in spans(TAGUETTE_TEXT, snippets, "bytes")]
    archive = make_qdpx(tmp_path / "taguette.qdpx", foreign_project("atelier-mai", "internal://doc1.txt", rows),
                        {"sources/doc1.txt": TAGUETTE_TEXT.encode("utf-8")})
    corpus = Corpus.open(corpus_dir)
    summary = import_project(corpus, archive)
    assert summary["positions"] == "bytes"
    assert list(CodingStore.of(corpus).replay().codings["text"]) == snippets


def test_inline_plain_text_content_is_accepted(corpus_dir, tmp_path):
    qde = foreign_project("Note", "", [(4, 9, EMOTIONS, "")]).replace(
        ' plainTextPath=""', "").replace("<PlainTextSelection", "<PlainTextContent>Une joie partagée.</PlainTextContent>"
                                         "<PlainTextSelection", 1)
    corpus = Corpus.open(corpus_dir)
    import_project(corpus, make_qdpx(tmp_path / "inline.qdpx", qde))
    assert list(CodingStore.of(corpus).replay().codings["text"]) == ["joie "]


def test_notes_descriptions_and_whole_source_codings_are_imported(corpus_dir, tmp_path):
    marie = "{AAAAAAAA-0000-4000-8000-000000000001}"
    qde = foreign_project("Note d’équipe", "internal://n.txt", [(4, 9, EMOTIONS, "")])
    qde = qde.replace("<Coding ", "<Description>Passage clé</Description><Coding ", 1)
    qde = qde.replace("</PlainTextSelection>", '<NoteRef targetGUID="0E000000-0000-4000-8000-000000000001"/>'
                                               "</PlainTextSelection>", 1)
    qde = qde.replace("</TextSource>", f'<Coding guid="0F000000-0000-4000-8000-000000000001" creatingUser="{marie}">'
                      f'<CodeRef targetGUID="{COOP}"/></Coding>'
                      '<NoteRef targetGUID="0E000000-0000-4000-8000-000000000002"/></TextSource>', 1)
    notes = "".join(f'<Note guid="0E000000-0000-4000-8000-00000000000{n}" creatingUser="{marie}">'
                    f"<PlainTextContent>{text}</PlainTextContent></Note>"
                    for n, text in [(1, "À relire."), (2, "Document de synthèse."), (3, "Note libre.")])
    qde = qde.replace("</Project>", f"<Notes>{notes}</Notes></Project>")
    text = "Une joie partagée par toute l’équipe.\n"
    corpus = Corpus.open(corpus_dir)
    summary = import_project(corpus, make_qdpx(tmp_path / "n.qdpx", qde, {"sources/n.txt": text.encode()}))
    codings = CodingStore.of(corpus).replay().codings.sort_values("start")
    assert list(zip(codings["text"], codings["code"], codings["memo"])) == [
        (text, "economie-sociale/cooperatives", ""), ("joie ", "emotions", "Passage clé\n\nÀ relire.")]
    assert memos_of(corpus) == [("document", "note-d-equipe", "Marie-Dupont-Lefevre", "Document de synthèse.")]
    assert summary["notes_not_imported"] == 1 and summary["memos"] == 2


@pytest.mark.parametrize("origin,names,chosen,reason", [
    ("", "la fête", "bytes", "noms"),
    ("", "la f…", "bytes", "noms"),
    ("Taguette 1.4", "", "bytes", "outil d’origine"),
    ("", "", "codepoints", "norme"),
])
def test_ambiguous_positions_are_settled_by_names_then_origin(corpus_dir, tmp_path, origin, names, chosen, reason):
    text = "été : la fête du thé et du café\n"
    (start, end), = spans(text, ["la fête"], "bytes")  # also a valid code point span: " fête du"
    qde = foreign_project("fete", "internal://f.txt", [(start, end, COOP, names)], origin=origin)
    corpus = Corpus.open(corpus_dir)
    summary = import_project(corpus, make_qdpx(tmp_path / "f.qdpx", qde, {"sources/f.txt": text.encode()}))
    assert summary["positions"] == chosen and reason in summary["reason"]
    assert list(CodingStore.of(corpus).replay().codings["text"]) == ["la fête" if chosen == "bytes" else " fête du"]


def test_positions_that_would_split_a_crlf_rule_a_convention_out(corpus_dir, tmp_path):
    text = "🙂ab\r\ncd\r\n"
    (start, end), = spans(text, ["ab"], "utf16")  # read as code points: "b\r", ending inside CRLF
    qde = foreign_project("crlf", "internal://c.txt", [(start, end, COOP, "")])
    corpus = Corpus.open(corpus_dir)
    summary = import_project(corpus, make_qdpx(tmp_path / "c.qdpx", qde, {"sources/c.txt": text.encode()}))
    assert summary["positions"] == "utf16" and "CRLF" in summary["reason"]
    assert list(CodingStore.of(corpus).replay().codings["text"]) == ["ab"]


def test_ascii_text_prefers_code_points(corpus_dir, tmp_path):
    qde = foreign_project("plain", "internal://p.txt", [(0, 5, COOP, "")], origin="NVivo")
    archive = make_qdpx(tmp_path / "p.qdpx", qde, {"sources/p.txt": b"Hello world"})
    summary = import_project(Corpus.open(corpus_dir), archive)
    assert summary["positions"] == "codepoints" and "ASCII" in summary["reason"]


def test_colliding_document_id_gets_a_free_one(project, tmp_path):
    qde = foreign_project("Rapport 2024.txt", "internal://r.txt", [(0, 6, COOP, "")])
    summary = import_project(project, make_qdpx(tmp_path / "r.qdpx", qde, {"sources/r.txt": "Autre texte.".encode()}))
    assert summary["doc_ids"] == {"Rapport 2024.txt": "rapport-2024-2"}
    assert project.text("rapport-2024-2") == "Autre texte." and project.text("rapport-2024") == REPORT


def test_two_sources_with_the_same_text_become_one_document(corpus_dir, tmp_path):
    second = ('<TextSource guid="5075CE00-0000-4000-8000-000000000002" name="Copie" plainTextPath="internal://b.txt">'
              '<PlainTextSelection guid="00000000-0000-4000-8000-000000000099" startPosition="0" endPosition="5">'
              f'<Coding guid="00000000-0000-4000-9000-000000000099"><CodeRef targetGUID="{EMOTIONS}"/></Coding>'
              "</PlainTextSelection></TextSource>")
    qde = foreign_project("Original", "internal://a.txt", [(6, 11, COOP, "")], extra_sources=second)
    corpus = Corpus.open(corpus_dir)
    summary = import_project(corpus, make_qdpx(tmp_path / "d.qdpx", qde, {
        "sources/a.txt": "Texte commun.".encode(), "sources/b.txt": "\ufeffTexte commun.".encode()}))
    assert summary["doc_ids"] == {"Original": "original", "Copie": "original"} and summary["documents"] == 1
    assert sorted(CodingStore.of(corpus).replay().codings["text"]) == ["Texte", "commu"]


# -- hostile or broken archives -----------------------------------------------------------------


GOOD_QDE = foreign_project("s", "internal://s.txt", [(0, 4, COOP, "")])
GOOD_FILES = {"sources/s.txt": b"Texte correct."}


def forged_size(path: Path) -> Path:
    """An archive whose central directory announces a 600 MB entry (a zip bomb's header)."""
    make_qdpx(path, GOOD_QDE, GOOD_FILES)
    data = bytearray(path.read_bytes())
    entry = data.index(b"PK\x01\x02")
    data[entry + 24:entry + 28] = struct.pack("<I", 600 * 1024 * 1024)
    path.write_bytes(bytes(data))
    return path


BILLION_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE Project [<!ENTITY lol0 "lol">'
                  + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
                  + f']><Project xmlns="{PROJECT_NS}" name="&lol9;"/>')
UNKNOWN_CODE = "C0DE0000-0000-4000-8000-00000000dead"
HOSTILE = {
    "zip slip": (lambda p: make_qdpx(p, GOOD_QDE, {**GOOD_FILES, "../evil.txt": b"x"}), {}, "sort de l’archive"),
    "absolute entry": (lambda p: make_qdpx(p, GOOD_QDE, {**GOOD_FILES, "/tmp/evil.txt": b"x"}), {}, "chemin absolu"),
    "xxe": (lambda p: make_qdpx(p, '<?xml version="1.0"?><!DOCTYPE Project [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                                   f'<Project xmlns="{PROJECT_NS}" name="&x;"/>'), {}, "DTD"),
    "external dtd": (lambda p: make_qdpx(p, '<?xml version="1.0"?><!DOCTYPE Project SYSTEM "file:///etc/passwd">'
                                            f'<Project xmlns="{PROJECT_NS}" name="x"/>'), {}, "DTD"),
    "billion laughs": (lambda p: make_qdpx(p, BILLION_LAUGHS), {}, "entités"),
    "oversize entry": (lambda p: make_qdpx(p, GOOD_QDE, {**GOOD_FILES, "sources/big.txt": b"0" * (2 * 1024 * 1024)}),
                       {"max_total_mb": 1}, "Mo"),
    "forged size": (forged_size, {}, "limite 500 Mo"),
    "too many entries": (lambda p: make_qdpx(p, GOOD_QDE, {f"sources/{n}.txt": b"" for n in range(20)}),
                         {"max_entries": 10}, "entrées"),
    "duplicate entry": (lambda p: make_qdpx(p, GOOD_QDE, {**GOOD_FILES, "Project.qde": b"<Project/>"}), {},
                        "deux fois"),
    "not a zip": (lambda p: p.write_bytes(b"%PDF-1.4 pas une archive") and p, {}, "archive ZIP"),
    "malformed xml": (lambda p: make_qdpx(p, f'<Project xmlns="{PROJECT_NS}" name="x"><Sources></Project>'), {},
                      "mal formé"),
    "no project.qde": (lambda p: make_qdpx(p, GOOD_QDE, qde_name="autre.xml"), {}, "project.qde absent"),
    "selection outside text": (lambda p: make_qdpx(p, foreign_project("s", "internal://s.txt", [(3, 400, COOP, "")]),
                                                   GOOD_FILES), {}, "hors du texte"),
    "unknown code": (lambda p: make_qdpx(p, foreign_project("s", "internal://s.txt", [(0, 4, UNKNOWN_CODE, "")]),
                                         GOOD_FILES), {}, "code inconnu"),
    "missing source file": (lambda p: make_qdpx(p, GOOD_QDE), {}, "absent de sources/"),
    "not utf-8": (lambda p: make_qdpx(p, GOOD_QDE, {"sources/s.txt": b"Caf\xe9 \xff\xfe"}), {}, "UTF-8"),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_or_broken_archive_is_refused_and_the_corpus_unchanged(project, corpus_dir, tmp_path, name):
    build, options, message = HOSTILE[name]
    archive = tmp_path / "hostile.qdpx"
    build(archive)
    before = snapshot(corpus_dir)
    with pytest.raises(InputError, match=message) as error:
        import_project(project, archive, **options)
    assert "hostile.qdpx" in str(error.value)
    assert snapshot(corpus_dir) == before
    assert not (tmp_path / "evil.txt").exists()


# -- codebooks ----------------------------------------------------------------------------------


def test_codebook_round_trip_through_qdc(corpus_dir, tmp_path):
    original = load_codebook(SEED_CORPUS / "codebook.yaml")
    count = export_codebook(original, tmp_path / "livre.qdc")
    assert count == len(original)
    root = etree.parse(str(tmp_path / "livre.qdc")).getroot()
    assert root.tag == f"{{{CODEBOOK_NS}}}CodeBook"
    top = root.findall(f"{{{CODEBOOK_NS}}}Codes/{{{CODEBOOK_NS}}}Code")
    assert len(top) == (original["depth"] == 0).sum()
    corpus = Corpus.open(corpus_dir)
    assert import_codebook(corpus, tmp_path / "livre.qdc") == len(original)
    imported = load_codebook(corpus.codebook_path)[FIELDS].set_index("path").sort_index()
    assert imported.equals(original[FIELDS].set_index("path").sort_index())
    before = corpus.codebook_path.read_bytes()
    assert import_codebook(corpus, tmp_path / "livre.qdc") == 0
    assert corpus.codebook_path.read_bytes() == before


def test_foreign_qdc_with_braced_guids_and_flattened_names(project, tmp_path):
    qdc = tmp_path / "atlas.qdc"
    qdc.write_text(f"""<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="{CODEBOOK_NS}"><Codes>
 <Code guid="{{5215cc69-b628-4e02-afb9-9beeaee55808}}" name="Topics" isCodable="false"/>
 <Code guid="{{d7aa29da-519b-4946-9b90-253b6db8fd0a}}" name="Topics::Economy" isCodable="true" color="#ffff00">
  <Description>Anything about jobs or taxes</Description></Code>
 <Code guid="{{7c108712-b650-4892-ac0b-fc9a10190c3b}}" name="Leviers d’action" isCodable="true">
  <Code guid="9fa9bcb7-5b59-47a9-8c3e-f65cffdc7520" name="Régie" isCodable="true"/></Code>
</Codes></CodeBook>""", encoding="utf-8")
    before = load_codebook(project.codebook_path)
    assert import_codebook(project, qdc) == 4
    after = load_codebook(project.codebook_path).set_index("path")
    assert after.loc["topics/economy", "colour"] == "#ffff00" and after.loc["topics", "colour"] == "#9E9E9E"
    assert after.loc["topics/economy", "definition"] == "Anything about jobs or taxes"
    assert after.loc["leviers-d-action/regie", "label"] == "Régie"
    assert after.loc[list(before["path"])].reset_index()[FIELDS].equals(before[FIELDS])


def test_hostile_qdc_is_refused_and_the_codebook_unchanged(project, corpus_dir, tmp_path):
    qdc = tmp_path / "evil.qdc"
    qdc.write_text('<?xml version="1.0"?><!DOCTYPE CodeBook [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                   f'<CodeBook xmlns="{CODEBOOK_NS}"><Codes><Code guid="{{5215cc69-b628-4e02-afb9-9beeaee55808}}" '
                   'name="&x;" isCodable="true"/></Codes></CodeBook>', encoding="utf-8")
    before = snapshot(corpus_dir)
    with pytest.raises(InputError, match="DTD"):
        import_codebook(project, qdc)
    assert snapshot(corpus_dir) == before


def test_cli_export_then_import_gives_back_the_codings(atelier, corpus_dir, tmp_path):
    source = tmp_path / "note.txt"
    source.write_text("Les élus 🌱 soutiennent la SCIC du quartier.\n", encoding="utf-8")
    atelier("ingest", source)
    text = Corpus.open(corpus_dir).text("note")
    start = text.index("SCIC")
    assert atelier("code", "note", start, start + 4, "scic", "--coder", "marie")[0] == 0
    archive = tmp_path / "projet.qdpx"
    status, out, err = atelier("export", archive, "--for", "nvivo")
    assert status == 0, err
    assert "1 codage(s) de marie" in out and "positions en utf16" in out
    target = tmp_path / "autre"
    target.mkdir()
    from analysis.cli.main import main

    assert main(["--corpus", str(target), "import", str(archive)]) == 0
    [coding] = CodingStore.of(Corpus.open(target)).replay().codings.to_dict("records")
    assert (coding["coder"], coding["code"], coding["text"]) == ("marie", "scic", "SCIC")
    status, _, err = atelier("import", tmp_path / "absent.qdpx")
    assert status == 2 and "introuvable" in err


def test_codings_are_credited_to_whoever_made_the_selection(corpus_dir, tmp_path):
    """As NVivo 12 writes it: the selection carries its coder, the Coding element the project's owner."""
    text = "La SCIC du quartier coopère avec la métropole.\n"
    positions = spans(text, ["SCIC", "métropole"], "codepoints")
    owner, coder = "{AAAAAAAA-0000-4000-8000-000000000001}", "{BBBBBBBB-0000-4000-8000-000000000002}"
    qde = foreign_project("Note.txt", "internal://5075ce00-0000-4000-8000-000000000001.txt",
                          [(s, e, COOP, "") for s, e in positions])
    qde = qde.replace('<User guid="{AAAAAAAA-0000-4000-8000-000000000001}" name="Marie Dupont-Lefèvre"/>',
                      f'<User guid="{owner}" name="Marie Dupont-Lefèvre"/><User guid="{coder}" name="Paul Martin"/>')
    first = qde.index('creatingUser="{AAAAAAAA')  # the first selection is Paul's; its Coding says Marie
    qde = qde[:first] + f'creatingUser="{coder}"' + qde[first + len(f'creatingUser="{owner}"'):]
    qde = qde.replace('<Coding guid="00000000-0000-4000-9000-000000000000">',
                      f'<Coding guid="00000000-0000-4000-9000-000000000000" creatingUser="{owner}">')
    archive = make_qdpx(tmp_path / "nvivo12.qdpx", qde,
                        {"sources/5075ce00-0000-4000-8000-000000000001.txt": text.encode("utf-8")})
    corpus = Corpus.open(corpus_dir)
    summary = import_project(corpus, archive, positions="codepoints")
    codings = CodingStore.of(corpus).replay().codings.sort_values("start")
    assert list(codings["coder"]) == ["Paul-Martin", "Marie-Dupont-Lefevre"]
    assert any("attribués à l’auteur de la sélection" in w and w.startswith("1 codage") for w in summary["warnings"])


def _read_as_the_standard_says(archive_path: Path) -> dict:
    """An independent reader of a .qdpx, written from the REFI-QDA 1.5 text (not our importer):
    what a tool like QualCoder takes from it, failing where QualCoder fails (a Note without a date)."""
    with zipfile.ZipFile(archive_path) as archive:
        root = etree.fromstring(archive.read("project.qde"))
        users = {u.get("guid"): u.get("name") for u in root.findall("q:Users/q:User", NS)}
        variables = {v.get("guid"): v.get("name") for v in root.findall("q:Variables/q:Variable", NS)}
        notes = {}
        for note in root.findall("q:Notes/q:Note", NS):
            date = note.get("creationDateTime") or note.get("modifiedDateTime")
            assert date, f"note {note.get('name')} sans date"
            notes[note.get("guid")] = (users[note.get("creatingUser")], date, note.findtext("q:PlainTextContent", namespaces=NS))
        sources = {}
        for source in root.findall("q:Sources/q:TextSource", NS):
            text = archive.read("sources/" + source.get("plainTextPath").removeprefix("internal://")).decode("utf-8")
            attributes = {variables[v.find("q:VariableRef", NS).get("targetGUID")]: v[1].text
                          for v in source.findall("q:VariableValue", NS)}
            codings = [(users[s.get("creatingUser")], text[int(s.get("startPosition")):int(s.get("endPosition"))])
                       for s in source.findall("q:PlainTextSelection", NS)]
            memos = [notes[r.get("targetGUID")][2] for r in source.findall("q:NoteRef", NS)]
            sources[source.get("name")] = {"attributes": attributes, "codings": codings, "memos": memos}
        return {"sources": sources, "notes": notes}


def test_an_export_reads_whole_as_the_standard_describes_it(project, tmp_path):
    export_project(project, tmp_path / "projet.qdpx", tool="qualcoder")
    read = _read_as_the_standard_says(tmp_path / "projet.qdpx")
    assert set(read["sources"]) == {"entretien-elue", "rapport-2024"}
    interview = read["sources"]["entretien-elue"]
    assert interview["attributes"]["territory"] == "Nantes" and interview["memos"] == ["Un entretien riche."]
    assert sorted(interview["codings"]) == sorted(
        (r.coder, r.text) for r in CodingStore.of(project).replay().codings.itertuples() if r.doc_id == "entretien-elue")
    assert all(user in ("alice", "bob") and date.endswith("Z") for user, date, _ in read["notes"].values())


def test_export_can_leave_private_documents_out(project, tmp_path, atelier):
    everything = export_project(project, tmp_path / "tout.qdpx")
    assert everything["private_documents"] == 1 and everything["documents_left_out"] == 0
    public = export_project(project, tmp_path / "public.qdpx", public_only=True)
    assert public["documents"] == 1 and public["private_documents"] == 0 and public["documents_left_out"] == 1
    read = _read_as_the_standard_says(tmp_path / "public.qdpx")
    assert set(read["sources"]) == {"rapport-2024"} and "Un entretien riche." not in str(read)
    status, out, _ = atelier("export", tmp_path / "cli.qdpx")
    assert status == 0 and "1 de ces documents sont privés ou non publiables" in out


def test_importing_a_qdc_adds_codes_without_rewriting_the_codebook(corpus_dir, tmp_path):
    corpus_dir.mkdir(exist_ok=True)
    (corpus_dir / "codebook.yaml").write_bytes((SEED_CORPUS / "codebook.yaml").read_bytes())
    before = (corpus_dir / "codebook.yaml").read_text(encoding="utf-8")
    extra = pd.DataFrame([
        {"path": "terrain", "label": "Terrain « breton »", "colour": "#117733", "definition": "Ce que dit le terrain."},
        {"path": "terrain/cooperatives", "label": "Coopératives: SCIC", "colour": "#44AA99"}])
    export_codebook(extra, tmp_path / "terrain.qdc")
    corpus = Corpus.open(corpus_dir)
    assert import_codebook(corpus, tmp_path / "terrain.qdc") == 2
    after = corpus.codebook_path.read_text(encoding="utf-8")
    assert after.startswith(before) and "# Livre de codes" in after  # comments, quoting and order kept
    codebook = load_codebook(corpus.codebook_path).set_index("path")
    assert codebook.loc["terrain/cooperatives", "label"] == "Coopératives: SCIC"
    assert len(codebook) == len(load_codebook(SEED_CORPUS / "codebook.yaml")) + 2


def test_a_pdf_source_comes_in_through_its_text_representation(corpus_dir, tmp_path):
    text = "Délibération du conseil : la SCIC reçoit une subvention.\n"
    (start, end), = spans(text, ["la SCIC"], "codepoints")
    representation = (f'<Representation guid="BEEF0000-0000-4000-8000-000000000002" plainTextPath="internal://rep.txt">'
                      f'<PlainTextSelection guid="BEEF0000-0000-4000-8000-000000000003" startPosition="{start}" '
                      f'endPosition="{end}" creatingUser="{{AAAAAAAA-0000-4000-8000-000000000001}}">'
                      f'<Coding guid="BEEF0000-0000-4000-8000-000000000004"><CodeRef targetGUID="{COOP}"/></Coding>'
                      "</PlainTextSelection></Representation>")
    extra = (f'<PDFSource guid="BEEF0000-0000-4000-8000-000000000001" name="Délibération.pdf" path="internal://d.pdf">'
             '<PDFSelection guid="BEEF0000-0000-4000-8000-000000000005" page="1" firstX="1" firstY="1" secondX="9" '
             f'secondY="9"/>{representation}</PDFSource>'
             '<PictureSource guid="BEEF0000-0000-4000-8000-000000000006" name="Photo.png" path="internal://p.png"/>')
    qde = foreign_project("Note.txt", "internal://note.txt", [], extra_sources=extra)
    archive = make_qdpx(tmp_path / "pdf.qdpx", qde, {"sources/note.txt": b"Une note.\n", "sources/rep.txt": text.encode(),
                                                     "sources/d.pdf": b"%PDF-1.4", "sources/p.png": b"\x89PNG"})
    corpus = Corpus.open(corpus_dir)
    summary = import_project(corpus, archive, positions="codepoints")
    doc_id = summary["doc_ids"]["Délibération.pdf"]
    assert corpus.text(doc_id) == text
    assert list(CodingStore.of(corpus).replay().codings["text"]) == ["la SCIC"]
    assert any("Photo.png" in s for s in summary["skipped_sources"])
    assert any("Délibération.pdf : 1 sélection(s) dessinée(s)" in s for s in summary["skipped_sources"])
