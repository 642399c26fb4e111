"""Themes of the corpus: segments clustered by a method, profiled, set against codes and time.

``run_themes`` is the whole chain on the corpus: ~40-word segments, the French vectorizer,
one method (Reinert, NMF, LDA or k-means), then DataFrames a researcher reads: the segments
with their theme, the characteristic terms of each theme, its characteristic segments, theme
shares by year and by genre, and the dialogue with the researchers' codes (theme × code
association, agreement of themes with code families, and suggested segments for a code,
which are only shown: a researcher who accepts one writes it under their own name).
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from ..corpus.store import Corpus, publishable
from ..coding.queries import current_codings, rejected_suggestions, segment_presence
from .reinert import characteristic_segments, class_profiles, signed_yates_chi2
from ..text.french import FrenchVectorizer
from .topics import ThemeModel, fit_model


PERSON_NAME_COLUMNS = ["doc_id", "start", "end", "name"]


@dataclass
class Themes:
    """The result of :func:`run_themes`; every table is a DataFrame."""

    method: str
    k: int
    segments: pd.DataFrame
    profiles: pd.DataFrame
    characteristic: pd.DataFrame
    matrix: sparse.csr_matrix = field(repr=False)
    feature_names: np.ndarray = field(repr=False)
    model: ThemeModel = field(repr=False)
    forms: dict = field(default_factory=dict, repr=False)
    person_names: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PERSON_NAME_COLUMNS),
                                       repr=False)

    @property
    def sizes(self) -> pd.DataFrame:
        counts = self.segments["theme"].value_counts().sort_index()
        classified = counts.drop(0, errors="ignore")
        return pd.DataFrame({"theme": classified.index, "segments": classified.values,
                             "share": classified.values / max(1, len(self.segments))})

    def labels_of_themes(self, n: int = 4) -> dict[int, str]:
        """A short name per theme: its first characteristic terms."""
        top = self.profiles[self.profiles["chi2"] > 0].groupby("theme").head(n)
        return {theme: ", ".join(group["form"]) for theme, group in top.groupby("theme")}

    def tree(self) -> pd.DataFrame | None:
        return getattr(self.model.estimator, "tree_", None)


def person_names_of(corpus: Corpus, doc_ids) -> pd.DataFrame:
    """Names of persons found in the texts of ``doc_ids`` (doc_id, start, end, name).

    Cached in ``derived/person-names/`` by text hash and detector version, like the units: the
    spaCy model is loaded only when a text has not been read yet (a book rebuilt after one new
    document reads one text, not all of them).
    """
    from ..fsio import atomic_write_bytes
    from ..text.person_names import detector_version, person_name_spans

    hashes = corpus.documents(include_replaced=True).drop_duplicates("doc_id").set_index("doc_id")["text_sha256"]
    cache_dir = corpus.derived_dir / "person-names" / detector_version()
    tables = []
    for doc_id in doc_ids:
        cached = cache_dir / f"{doc_id}-{hashes[doc_id][:16]}.pkl"
        if cached.exists():
            table = pd.read_pickle(cached)
        else:
            table = person_name_spans(corpus.text(doc_id))
            atomic_write_bytes(cached, pickle.dumps(table))
        tables.append(table.assign(doc_id=doc_id))
    tables = [table for table in tables if not table.empty]
    if not tables:
        return pd.DataFrame(columns=PERSON_NAME_COLUMNS)
    return pd.concat(tables, ignore_index=True)[PERSON_NAME_COLUMNS]


def texts_without_person_names(corpus: Corpus, segments: pd.DataFrame, names: pd.DataFrame) -> pd.Series:
    """The segments' texts with the names of persons replaced by spaces (offsets unchanged)."""
    from ..text.person_names import blank_spans

    blanked = {}
    for doc_id in segments["doc_id"].unique():
        spans = names[names["doc_id"] == doc_id]
        blanked[doc_id] = blank_spans(corpus.text(doc_id), zip(spans["start"], spans["end"]))
    return pd.Series([blanked[row.doc_id][row.start:row.end] for row in segments.itertuples(index=False)],
                     index=segments.index)


def _segment_options(method: str, segments: pd.DataFrame) -> dict:
    """What a method needs to know of the segments besides their terms: the double Reinert
    classification groups each document's segments into larger units."""
    return {"doc_ids": segments["doc_id"].to_numpy()} if method == "reinert-double" else {}


def compare_numbers_of_themes(themes: Themes, ks, random_state: int = 0) -> pd.DataFrame:
    """:func:`analysis.themes.topics.choose_k` (coherence and stability for each k) on the segments of
    ``themes``, with its method and what that method needs of the segments."""
    from .topics import choose_k

    return choose_k(themes.matrix, themes.method, ks, random_state=random_state,
                    **_segment_options(themes.method, themes.segments))


def run_themes(corpus: Corpus, method: str = "reinert", k: int = 8, segment_size: int = 40,
               random_state: int = 0, min_df: int = 3, include_private: bool = True,
               vectorizer: FrenchVectorizer | None = None, exclude_person_names: bool = True,
               keyness: str = "segments", **options) -> Themes:
    """Cluster the corpus's segments into themes and profile them.

    ``keyness`` says what the characteristic terms are counted in: ``"segments"`` containing
    them (IRaMuTeQ, the default) or ``"tokens"`` (their occurrences, as rainette's
    ``rainette_stats``); see :func:`analysis.themes.reinert.class_profiles`.

    With ``exclude_person_names`` (the default), names of persons (:mod:`analysis.text.person_names`)
    are blanked out of the texts given to the vectorizer, so no theme is made of people's names;
    the segments' offsets and texts in the results are those of the corpus.
    """
    segments = corpus.units("segment", segment_size)
    documents = corpus.documents()
    if not include_private:
        documents = documents[publishable(documents)]
    attributes = documents[["doc_id", "title", "genre", "year", "private"]]
    segments = segments.merge(attributes, on="doc_id", how="inner").reset_index(drop=True)
    vectorizer = vectorizer or FrenchVectorizer(min_df=min_df)
    if exclude_person_names:
        person_names = person_names_of(corpus, segments["doc_id"].unique())
        texts = texts_without_person_names(corpus, segments, person_names)
    else:
        person_names = pd.DataFrame(columns=PERSON_NAME_COLUMNS)
        texts = segments["text"]
    matrix = sparse.csr_matrix(vectorizer.fit_transform(texts))
    names = np.asarray(vectorizer.get_feature_names_out())
    model = fit_model(matrix, method, k, random_state, **{**_segment_options(method, segments), **options})
    segments = segments.assign(theme=model.labels)
    profiles = class_profiles(matrix, model.labels, names, unit=keyness)
    forms = dict(getattr(vectorizer, "forms_", {}))
    profiles = profiles.rename(columns={"class": "theme"}).assign(
        form=lambda t: t["term"].map(lambda term: forms.get(term, term).replace("_", " ")))
    characteristic = characteristic_segments(matrix, model.labels, profiles.rename(columns={"theme": "class"}))
    characteristic = characteristic.rename(columns={"class": "theme"})
    characteristic = characteristic.assign(
        doc_id=segments.loc[characteristic["segment"], "doc_id"].to_numpy(),
        text=segments.loc[characteristic["segment"], "text"].to_numpy(),
    )
    return Themes(method, k, segments, profiles, characteristic, matrix, names, model, forms, person_names)


def class_terms(themes: Themes, n: int = 10) -> pd.DataFrame:
    """One row per class: its size, share and ``n`` most characteristic forms with their chi-squared."""
    top = themes.profiles[themes.profiles["chi2"] > 0].groupby("theme").head(n)
    terms = top.groupby("theme").apply(
        lambda group: ", ".join(f"{form} ({chi2:.0f})" for form, chi2 in zip(group["form"], group["chi2"])),
        include_groups=False)
    sizes = themes.sizes
    return pd.DataFrame({"theme": sizes["theme"], "segments": sizes["segments"], "share": sizes["share"],
                         "terms": sizes["theme"].map(terms).fillna("")})


def top_forms(themes: Themes, n: int = 10) -> set[str]:
    """Every form among the ``n`` most characteristic ones of some class."""
    top = themes.profiles[themes.profiles["chi2"] > 0].groupby("theme").head(n)
    return set(top["form"])


def person_name_words(themes: Themes) -> set[str]:
    """The words (lower case) of the names of persons blanked out before the classification."""
    return {word.lower() for name in themes.person_names["name"] for word in name.split()}


def names_among_top_forms(themes: Themes, n: int = 10) -> set[str]:
    """Forms among the ``n`` most characteristic of a class that are words of a person's name found."""
    words = person_name_words(themes)
    return {form for form in top_forms(themes, n) if set(form.lower().split()) & words}


def characteristic_passages(themes: Themes, n: int = 3) -> pd.DataFrame:
    """The ``n`` most characteristic segments of each class, with their place in the corpus."""
    chosen = themes.characteristic.groupby("theme").head(n)
    placed = themes.segments.loc[chosen["segment"], ["doc_id", "start", "end"]].reset_index(drop=True)
    return pd.concat([chosen[["theme", "score"]].reset_index(drop=True), placed], axis=1)


def shares_by(themes: Themes, attribute: str) -> pd.DataFrame:
    """Share of each theme among the classified segments of each value of ``attribute`` (year, genre…)."""
    classified = themes.segments[themes.segments["theme"] > 0]
    table = pd.crosstab(classified[attribute].replace("", "(non renseigné)"), classified["theme"], normalize="index")
    return table.rename_axis(index=attribute, columns="theme")


def theme_code_association(themes: Themes, codings: pd.DataFrame) -> pd.DataFrame:
    """Theme × code: segments sharing both, and the signed chi-squared of their association."""
    presence = segment_presence(codings, themes.segments)
    rows = []
    for code in presence.columns:
        coded = presence[code].to_numpy()
        for theme in sorted(set(themes.segments["theme"]) - {0}):
            member = themes.segments["theme"].to_numpy() == theme
            both = int(np.sum(member & coded))
            chi2 = signed_yates_chi2(both, member.sum(), coded.sum(), len(member))
            rows.append({"theme": theme, "code": code, "segments": both, "chi2": float(chi2)})
    return pd.DataFrame(rows, columns=["theme", "code", "segments", "chi2"])


def agreement_with_codes(themes: Themes, codings: pd.DataFrame, level: int = 1) -> pd.DataFrame:
    """How far themes match the code families researchers used (NMI and ARI).

    Each coded segment takes the code family (the code path cut at ``level``) that covers most of
    it; segments without a coding or without a theme are left out.
    """
    family = codings.assign(code=codings["code"].str.split("/").str[:level].str.join("/"))
    presence = segment_presence(family, themes.segments)
    coded = presence.any(axis=1) & (themes.segments["theme"] > 0)
    dominant = presence[coded].idxmax(axis=1)
    labels = themes.segments.loc[coded, "theme"]
    return pd.DataFrame([{
        "segments": int(coded.sum()), "families": int(dominant.nunique()),
        "nmi": normalized_mutual_info_score(dominant, labels) if coded.any() else np.nan,
        "ari": adjusted_rand_score(dominant, labels) if coded.any() else np.nan,
    }])


def suggest_segments(themes: Themes, codings: pd.DataFrame, code: str, n: int = 10,
                     random_state: int = 0, rejected: pd.DataFrame | None = None) -> pd.DataFrame:
    """Uncoded segments a classifier trained on the researchers' coding of ``code`` proposes.

    Positives are segments coded with ``code`` (or a sub-code), negatives segments coded with
    other codes only and the segments a coder rejected for ``code`` (``rejected``: ``doc_id``,
    ``start``, ``end``, ``code``, as :attr:`analysis.coding.store.Replay.rejections`), which are never
    proposed again. Nothing is written: see :func:`analysis.coding.store.accept_suggestion`.
    """
    presence = segment_presence(codings, themes.segments)
    matching = [c for c in presence.columns if c == code or c.startswith(code + "/")]
    if not matching:
        raise ValueError(f"aucun segment codé « {code} » pour apprendre")
    positive = presence[matching].any(axis=1).to_numpy()
    refused = np.zeros(len(themes.segments), dtype=bool)
    if rejected is not None and len(rejected):
        spans = set(zip(*(rejected.loc[rejected["code"] == code, column] for column in ("doc_id", "start", "end"))))
        refused = np.array([span in spans for span in zip(themes.segments["doc_id"], themes.segments["start"],
                                                           themes.segments["end"])], dtype=bool) & ~positive
    coded = presence.any(axis=1).to_numpy() | refused
    negative = coded & ~positive
    if positive.sum() < 2 or negative.sum() < 2:
        raise ValueError(f"il faut au moins deux segments codés « {code} » et deux segments codés autrement")
    training = positive | negative
    classifier = LogisticRegression(max_iter=1000, class_weight="balanced", random_state=random_state)
    classifier.fit(themes.matrix[training], positive[training])
    candidates = np.flatnonzero(~coded)
    if len(candidates) == 0:
        return pd.DataFrame(columns=["doc_id", "start", "end", "text", "code", "probability"])
    probability = classifier.predict_proba(themes.matrix[candidates])[:, 1]
    order = np.argsort(-probability, kind="stable")[:n]
    chosen = themes.segments.iloc[candidates[order]]
    return chosen[["doc_id", "start", "end", "text"]].assign(code=code, probability=probability[order]).reset_index(drop=True)


def suggestions_for(corpus: Corpus, code: str, n: int = 10, method: str = "nmf", k: int = 8,
                    random_state: int = 0) -> pd.DataFrame:
    """:func:`suggest_segments` for ``code`` on the corpus as it is: the segments of a ``method``
    run, every coder's codings, and the suggestions the coders rejected."""
    themes = run_themes(corpus, method, k, random_state=random_state)
    return suggest_segments(themes, current_codings(corpus), code, n, random_state, rejected_suggestions(corpus))


__all__ = ["Themes", "run_themes", "person_names_of", "class_terms", "top_forms", "characteristic_passages",
           "person_name_words", "names_among_top_forms", "shares_by", "theme_code_association", "agreement_with_codes",
           "suggest_segments", "suggestions_for"]
