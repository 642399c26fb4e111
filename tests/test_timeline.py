"""The timeline: French date parsing, dated events of the seed corpus, the chapter's HTML."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.figure import Figure

from analysis import Corpus
from analysis.corpus.segment import paragraph_spans
from analysis.publication.timeline import (
    EVENT_COLUMNS, KINDS, dated_events, event_axes, events_html, find_dates, format_date_fr, guess_kind,
    parse_date, timeline_figure,
)

REPO = Path(__file__).resolve().parent.parent
SEED_CORPUS = REPO / "corpus"


@pytest.mark.parametrize(("text", "iso"), [
    ("présentée le 30.11.21 à l’occasion d’une visio", "2021-11-30"),
    ("- **4 mai 2022** : journée de travail prospectif", "2022-05-04"),
    ("envoi aux adhérents en janvier 2022 (440 exemplaires)", "2022-01"),
    ("- **du 1er au 3 juin 2022** : rencontres RIUESS à Bordeaux", "2022-06-01"),
    ("une rencontre du club le 20 juin 2024 en visioconférence", "2024-06-20"),
    ("Retour sur le séminaire du CA du RTES, les 15 et 16 février 2024 à Lille", "2024-02-15"),
    ("une étude publiée en 2017", "2017"),
    ("Rencontre de Strasbourg 06/05/22, conférence", "2022-05-06"),
    ("organisé les 7 & 8.10.21 à l’Hermitage", "2021-10-07"),
    ("les 5&6.05.2022 à Strasbourg", "2022-05-05"),
    ("Journées Nationales les 9 et 10.09.21 à Nantes", "2021-09-09"),
    ("du 30 novembre au 2 décembre 2022", "2022-11-30"),
    ("le 1er mars 2023", "2023-03-01"),
    ("vendredi 16 février 2024", "2024-02-16"),
    ("la commission existe depuis 2014 au RTES", "2014"),
    ("- **fin 2022 :** Publication", "2022"),
    ("Fin novembre 2022, bilan", "2022-11"),
    ("le 3 février 2020", "2020-02-03"),
])
def test_parse_date_french_forms(text, iso):
    assert parse_date(text) == iso


@pytest.mark.parametrize("text", [
    "une subvention de 12 000 €",
    "au 12 rue de la Roquette, 75011 Paris",
    "Ressources du site 2024/2025",
    "Plan d'actions 2022 du RTES",
    "Réalisations 2021 :",
    "imprimée en 1000 exemplaires",
    "en 2024/2025",
    "un budget de 2022 euros",
    "séminaire prospectif le 16 février en visio",
    "ateliers prospectifs du 16/02",
    "de 10h30 à 12h",
    "version 3.5",
])
def test_parse_date_ignores_non_dates(text):
    assert parse_date(text) is None, find_dates(text)


def test_find_dates_spans_and_order():
    text = "Séminaire les 15 et 16 février 2024, puis rencontre le 30.11.21 et en 2017."
    mentions = find_dates(text)
    assert [m.iso for m in mentions] == ["2024-02-15", "2021-11-30", "2017"]
    for mention in mentions:
        assert text[mention.start:mention.end] == mention.text


def test_format_date_fr():
    assert format_date_fr("2021-11-30") == "30 novembre 2021"
    assert format_date_fr("2022-06-01") == "1er juin 2022"
    assert format_date_fr("2022-01") == "janvier 2022"
    assert format_date_fr("2017") == "2017"


def test_guess_kind():
    assert guess_kind("Publication «Les vingt ans du RTES» présentée le 30.11.21") == "publication"
    assert guess_kind("16 février 2022 : séminaire prospectif") == "événement"
    assert guess_kind("Fête des 20 ans du RTES le 4 mai 2022") == "événement"
    assert guess_kind("Audition par le Sénat") == "événement"
    assert guess_kind("Adhésion de la métropole en 2019") == "action"


@pytest.fixture(scope="module")
def seed_events() -> pd.DataFrame:
    return dated_events(Corpus.open(SEED_CORPUS))


def test_seed_events_columns_and_count(seed_events):
    assert list(seed_events.columns) == EVENT_COLUMNS
    assert len(seed_events) >= 20
    assert set(seed_events["kind"]) <= set(KINDS)
    assert seed_events["sentence"].is_unique
    # the plan repeats « Autres contributeurs : … en 2022 », once with a final period: one entry
    assert seed_events["sentence"].str.startswith("Autres contributeurs : Laurent Dubost").sum() == 1


def test_seed_events_spans_match_texts(seed_events):
    corpus = Corpus.open(SEED_CORPUS)
    texts = {doc_id: corpus.text(doc_id) for doc_id in seed_events["doc_id"].unique()}
    titles = corpus.documents().set_index("doc_id")["title"]
    for row in seed_events.itertuples():
        assert texts[row.doc_id][row.start:row.end] == row.sentence
        assert row.title == titles[row.doc_id]
        assert row.date_text in row.sentence
        assert parse_date(row.sentence) == row.date


def test_seed_events_leave_private_documents_out(seed_events):
    corpus = Corpus.open(SEED_CORPUS)
    documents = corpus.documents()
    private = set(documents.loc[documents["private"] == "true", "doc_id"])
    assert len(private) == 2
    assert not set(seed_events["doc_id"]) & private
    with_private = dated_events(corpus, include_private=True)
    assert set(with_private["doc_id"]) & private


def test_seed_events_dates_are_plausible(seed_events):
    iso = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
    assert all(iso.match(d) for d in seed_events["date"])
    assert seed_events["year"].between(2000, 2026).all()
    assert (seed_events["date"].str[:4].astype(int) == seed_events["year"]).all()
    assert list(seed_events["date"]) == sorted(seed_events["date"])


def test_seed_events_find_the_twenty_years_publication(seed_events):
    rows = seed_events[(seed_events["date"] == "2021-11-30")
                       & seed_events["sentence"].str.contains("vingt ans du RTES")]
    assert len(rows) == 1
    row = rows.iloc[0]
    assert row["doc_id"] == "rtes-plan-actions-2022"
    assert row["kind"] == "publication"


def test_timeline_figure(seed_events):
    figure = timeline_figure(seed_events)
    assert isinstance(figure, Figure)
    axes = figure.axes[0]
    assert axes.get_xlabel() == "Année"
    labels = {text.get_text() for text in axes.get_legend().get_texts()}
    assert labels <= {"Publication", "Événement", "Action"}
    assert isinstance(timeline_figure(seed_events.iloc[0:0]), Figure)


def _planted_corpus(root: Path) -> Corpus:
    root.mkdir()
    (root / "texts").mkdir()
    docs = {
        "planted": ("Document <planté>", "false",
                    "Titre\n\nLe 4 mai 2022, atelier <script>alert('x')</script> avec "
                    "contact@ville.fr à Lille.\n\nSans date ici."),
        "secret": ("Notes privées", "true", "Réunion confidentielle le 3 juin 2022 à Paris."),
    }
    rows = []
    for doc_id, (title, private, text) in docs.items():
        data = text.encode("utf-8")
        (root / "texts" / f"{doc_id}.txt").write_bytes(data)
        rows.append({"doc_id": doc_id, "title": title, "source": f"{doc_id}.txt",
                     "text_sha256": hashlib.sha256(data).hexdigest(), "genre": "note",
                     "year": "2022", "private": private})
    pd.DataFrame(rows).to_csv(root / "documents.csv", index=False)
    return Corpus.open(root)


def test_events_html_escapes_and_gives_provenance(tmp_path):
    corpus = _planted_corpus(tmp_path / "corpus")
    events = dated_events(corpus)
    assert list(events["doc_id"]) == ["planted"]
    row = events.iloc[0]
    assert corpus.text("planted")[row["start"]:row["end"]] == row["sentence"]
    page = str(events_html(events, corpus))
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "<planté>" not in page and "Document &lt;planté&gt;" in page
    assert "contact@ville.fr" not in page and "[courriel masqué]" in page
    assert "<code>planted</code>" in page
    assert f"caractères {row['start']}–{row['end']}" in page
    paragraph = max(start for start, _ in paragraph_spans(corpus.text("planted")) if start <= row["start"])
    assert f'href="documents.html#t-planted-{paragraph}"' in page
    assert '<time datetime="2022-05-04">4 mai 2022</time>' in page
    assert "<td>Événement</td>" in page


def test_events_html_drops_private_rows(tmp_path):
    corpus = _planted_corpus(tmp_path / "corpus")
    everything = dated_events(corpus, include_private=True)
    assert set(everything["doc_id"]) == {"planted", "secret"}
    page = str(events_html(everything, corpus))
    assert "confidentielle" not in page and "Notes privées" not in page
    assert "Aucune mention" in str(events_html(everything.iloc[0:0], corpus))


def _two_documents(root: Path) -> Corpus:
    root.mkdir()
    (root / "texts").mkdir()
    texts = {"plan": "Le 12 mars 2023, forum régional de l’ESS à Lille.\n\nLe 12 mars 2023, vote du budget.",
             "bilan": "Retour sur le forum régional de l’ESS à Lille, 12 mars 2023 : trois cents élus."}
    rows = []
    for year, (doc_id, text) in zip(("2023", "2024"), texts.items()):
        (root / "texts" / f"{doc_id}.txt").write_text(text, encoding="utf-8")
        rows.append({"doc_id": doc_id, "title": doc_id.capitalize(), "source": f"{doc_id}.txt", "genre": "note",
                     "text_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(), "year": year, "private": "false"})
    pd.DataFrame(rows).to_csv(root / "documents.csv", index=False)
    return Corpus.open(root)


def test_an_event_mentioned_in_several_documents_is_one_row_with_all_its_sources(tmp_path):
    corpus = _two_documents(tmp_path / "corpus")
    events = dated_events(corpus)
    assert len(events) == 2, "the forum once, the vote apart"
    forum = events[events["sentence"].str.contains("forum")].iloc[0]
    bilan = corpus.text("bilan")
    assert forum["doc_id"] == "plan" and [source[0] for source in forum["sources"]] == ["plan", "bilan"]
    assert forum["sources"][1] == ("bilan", 0, len(bilan))
    page = str(events_html(events, corpus))
    assert "<h3>2023</h3>" in page and page.count("<tr><td>") == 2
    assert "Aussi dans : " in page and "<code>bilan</code>" in page


def test_events_are_grouped_by_the_axes_of_the_codings_that_overlap_them(tmp_path):
    corpus = _two_documents(tmp_path / "corpus")
    events = dated_events(corpus)
    codebook = pd.DataFrame({"path": ["evenements", "evenements/forums", "budget"],
                             "label": ["Événements du réseau", "Forums", "Budgets"]})
    codings = pd.DataFrame({"doc_id": ["bilan"], "start": [10], "end": [20], "code": ["evenements/forums"]})
    axes = event_axes(events, codings, codebook)
    forum = events["sentence"].str.contains("forum")
    assert axes[forum].tolist() == [["Événements du réseau"]] and axes[~forum].tolist() == [[]]
    page = str(events_html(events, corpus, axes=axes))
    assert page.index("<h4>Événements du réseau</h4>") < page.index("<h4>Sans codage</h4>")
    assert "vote du budget" in page.split("<h4>Sans codage</h4>")[1]


def test_every_seed_quotation_names_its_doc_id(seed_events):
    corpus = Corpus.open(SEED_CORPUS)
    page = str(events_html(seed_events, corpus))
    rows = re.findall(r"<tr><td>.*?</tr>", page)
    assert len(rows) == len(seed_events)
    for html_row, doc_id in zip(rows, seed_events["doc_id"]):
        assert f"<code>{doc_id}</code>" in html_row
