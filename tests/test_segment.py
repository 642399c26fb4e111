"""Paragraphs, sentences and segments: offsets that give back exactly their text."""

from __future__ import annotations

import string

from hypothesis import given, settings, strategies as st

from analysis.corpus.clean import clean
from analysis.corpus.segment import UNITS, paragraph_spans, sentence_spans, units

ALPHABET = string.ascii_letters + "éèêàçôûœÉÀ’'«»—–…😀🌱 .,;:!?\n\r\t-"


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=600), st.sampled_from(UNITS), st.integers(3, 60))
def test_offsets_round_trip_on_random_french_text(raw, unit, size):
    for text in (raw, clean(raw)[0]):
        table = units("d", text, unit, size)
        for start, end, piece in zip(table["start"], table["end"], table["text"]):
            assert text[start:end] == piece
            assert piece == piece.strip() and piece
        assert list(table["start"]) == sorted(table["start"])
        assert all(a <= b for a, b in zip(table["end"], table["start"][1:]))


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=400))
def test_segments_cover_every_word_of_each_paragraph(text):
    table = units("d", text, "segment", 5)
    covered = "".join(table["text"]).replace(" ", "").replace("\n", "").replace("\t", "").replace("\r", "")
    expected = "".join(text[s:e] for s, e in paragraph_spans(text))
    assert covered == expected.replace(" ", "").replace("\n", "").replace("\t", "").replace("\r", "")


def test_segments_are_about_forty_words_and_cut_at_punctuation():
    sentence = "La collectivité soutient les coopératives du territoire avec des moyens dédiés. "
    paragraph = (sentence * 30).strip()
    table = units("d", paragraph, "segment", 40)
    assert len(table) > 5
    assert all(piece.endswith(".") for piece in table["text"])
    assert table["n_words"].between(20, 60).all()


def test_sentences_respect_french_abbreviations():
    text = "M. Dupont a présenté le PTCE. Voir p. 12 et l’art. 3. Mme Martin répond ! Fin."
    pieces = [text[s:e] for s, e in sentence_spans(text, 0, len(text))]
    assert pieces == ["M. Dupont a présenté le PTCE.", "Voir p. 12 et l’art. 3.", "Mme Martin répond !", "Fin."]


def test_units_on_the_seed_action_plan():
    from conftest import SEED_CORPUS

    text = (SEED_CORPUS / "texts" / "rtes-plan-actions-2022.txt").read_text(encoding="utf-8")
    for unit in UNITS:
        table = units("rtes-plan-actions-2022", text, unit)
        assert all(text[s:e] == t for s, e, t in zip(table["start"], table["end"], table["text"]))
    segments = units("p", text, "segment")
    assert segments["n_words"].median() >= 20
    assert segments["n_words"].max() <= 60
