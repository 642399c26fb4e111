"""Property tests of the parsers: decoding, web export splitting, speaker turns."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings, strategies as st

from analysis.textio import decode_text
from analysis.corpus.readers.transcripts import speaker_turns
from analysis.text.turns import format_turns
from analysis.corpus.readers.web_export import split_web_export

WORDS = st.sampled_from([
    "économie", "sociale", "solidaire", "collectivité", "coopérative", "SCIC", "PTCE", "foncier",
    "commande", "publique", "élu·es", "territoire", "l’ESS", "d’emplois", "réseau", "2024", "Nantes",
])
SENTENCE = st.lists(WORDS, min_size=3, max_size=12).map(lambda words: " ".join(words).capitalize() + ".")
PARAGRAPHS = st.lists(SENTENCE, min_size=1, max_size=4, unique=True)


# French text as written. Some byte pairs of exotic cp1252 strings (``Â`` then ``Œ``) are also
# valid UTF-8, which no detector can tell apart; they never occur in French prose, so the
# property is stated on French words, punctuation and numbers.
FRENCH_TOKENS = st.sampled_from([
    "Économie", "œuvre", "l’ESS", "d’accès", "Œuvre", "À", "ça", "élu·es", "coopératives", "garçon",
    "Noël", "maïs", "île", "hôtel", "où", "déjà", "«", "»", "—", "–", "…", "€", "25 %", "n°3", "2024",
    "Ça", "ÉLUE", "CHÂTEAU", "Être", ",", ".", ";", ":", "!", "?", "\n", "\n\n", "(PTCE)", "\"SCIC\"",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(FRENCH_TOKENS, min_size=1, max_size=60).map(" ".join),
       st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
def test_decoding_gives_back_the_text(text, encoding):
    decoded, _ = decode_text(Path("x.txt"), text.encode(encoding))
    assert decoded == text


@st.composite
def web_pages(draw):
    count = draw(st.integers(1, 5))
    titles = draw(st.lists(SENTENCE.map(lambda s: "Titre " + s.rstrip(".")), min_size=count, max_size=count, unique=True))
    pages = []
    for title in titles:
        body = draw(PARAGRAPHS)
        summary_kind = draw(st.sampled_from(["repeat", "only", "extends"]))
        pages.append((title, body, draw(st.booleans()), summary_kind))
    return pages


def _export(pages) -> str:
    chunks = ["Réseau des collectivités Territoriales pour une Économie Sociale et Solidaire"]
    for title, body, private, summary_kind in pages:
        chunks.append(title)
        if summary_kind == "extends":  # the site's summary completes the body's first sentence
            chunks.extend([body[0].rstrip(".")] + body[1:])
        elif summary_kind == "repeat":
            chunks.extend(body)
        chunks.append("Catégorie\nType de ressource\nRessources RTES\nRessource privée\n"
                      + ("Oui" if private else "Non") + "\nRésumé")
        chunks.extend(body)
    return "\n\n".join(chunks) + "\n"


@settings(max_examples=150, deadline=None)
@given(web_pages())
def test_web_export_splits_back_into_its_pages(pages):
    documents, preamble = split_web_export(_export(pages))
    assert preamble == ["Réseau des collectivités Territoriales pour une Économie Sociale et Solidaire"]
    assert [d.title for d in documents] == [title for title, *_ in pages]
    for document, (title, body, private, _) in zip(documents, pages):
        assert document.text == title + "\n\n" + "\n\n".join(body) + "\n"
        assert document.metadata["private"] == ("true" if private else "false")


SPEAKERS = st.sampled_from(["CHERCHEUSE", "ÉLU", "Marie Dupont", "Agent 2"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["", "00:01:02", "01:15:00"]), SPEAKERS, SENTENCE), min_size=2, max_size=8))
def test_speaker_turns_round_trip(turns):
    merged = []
    for time, speaker, text in turns:
        if merged and merged[-1][1] == speaker:
            merged[-1] = (merged[-1][0], speaker, merged[-1][2] + " " + text)
        else:
            merged.append((time, speaker, text))
    formatted = format_turns(turns)
    # A single turn is too little to tell a transcript from a text with one colon.
    assert speaker_turns(formatted) == (merged if len(merged) >= 2 else None)
