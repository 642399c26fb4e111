"""Textual statistics as French researchers compute them in Lexico, TXM and IRaMuTeQ.

The corpus is cut into *parts* by a document attribute (year, genre, territory, level,
speaker…): a lexical table counts each form's occurrences in each part. On it:

* :func:`specificities`: the forms over- and under-represented in each part. ``"lafon"`` (the
  default, as Lexico and TXM): the hypergeometric model of Lafon (1980); a form of frequency ``F``
  in a corpus of ``T`` occurrences appears ``f`` times in a part of ``t`` occurrences; when ``f``
  is at least its expected frequency ``F t / T`` the score is ``-log10 P(X >= f)``, otherwise
  ``log10 P(X <= f)`` (negative), with ``X`` hypergeometric, as TXM's
  ``specificities.probabilities`` computes it. ``"chi2"``: the chi-squared of the 2 × 2 table
  (form / other forms × part / rest of the corpus), without continuity correction, signed by
  over- or under-representation, as IRaMuTeQ's ``AsLexico2``;
* :func:`correspondence_analysis_of_parts`: the correspondence analysis (« AFC ») of the forms ×
  parts table;
* :func:`similitudes`: the co-occurrence graph of the most frequent forms in the segments, its
  maximum spanning tree and its communities, as IRaMuTeQ's similitude analysis;
* :func:`repeated_segments`: sequences of forms repeated in the corpus (Lexico's *segments
  répétés*), never across punctuation.

Pure functions of DataFrames; :func:`parts_of_corpus` is the edge that reads the corpus (public
documents only by default, names of persons blanked as for the themes).
"""

from __future__ import annotations

import re
from collections import Counter

import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import sparse
from scipy.stats import hypergeom

from ..corpus.store import Corpus, publishable
from ..errors import AtelierError
from ..palette import categorical
from ..text.french import FRENCH_STOPWORDS, FrenchVectorizer, tokenize
from .reinert.ca import correspondence_analysis

METHODS = ("lafon", "chi2")
#: Scores beyond this are shown as this (a probability below 10⁻³⁰⁰ has no more meaning).
SCORE_CAP = 300.0
#: The Lexico/TXM threshold: a score of 2 is a probability of 1 %.
LAFON_THRESHOLD = 2.0
#: The IRaMuTeQ threshold: a chi-squared of 3.84 is p = 0.05 with one degree of freedom.
CHI2_THRESHOLD = 3.84


def parts_of_corpus(corpus: Corpus, attribute: str, include_private: bool = False, segment_size: int = 40,
                    exclude_person_names: bool = True) -> pd.DataFrame:
    """The corpus's segments with their text to count (names of persons blanked) and their part,
    the value of ``attribute`` of their document; documents without a value are left out."""
    from .pipeline import PERSON_NAME_COLUMNS, texts_without_person_names, person_names_of

    documents = corpus.documents()
    if attribute not in documents.columns:
        raise AtelierError(f"attribut « {attribute} » inconnu (attributs : {', '.join(documents.columns)})")
    if not include_private:
        documents = documents[publishable(documents)]
    documents = documents[documents[attribute].astype(str).str.strip() != ""]
    segments = corpus.units("segment", segment_size).merge(documents[["doc_id", attribute]], on="doc_id", how="inner")
    segments = segments.rename(columns={attribute: "part"}).reset_index(drop=True)
    if segments.empty:
        raise AtelierError(f"aucun document public n’a de valeur pour « {attribute} »")
    names = (person_names_of(corpus, segments["doc_id"].unique()) if exclude_person_names
             else pd.DataFrame(columns=PERSON_NAME_COLUMNS))
    return segments.assign(counted=texts_without_person_names(corpus, segments, names))


def _vectorizer(stop_words) -> FrenchVectorizer:
    return FrenchVectorizer(stem=False, stop_words=stop_words, expressions=())


def lexical_table(texts: pd.Series, parts: pd.Series, stop_words="default") -> pd.DataFrame:
    """Occurrences of each form (rows) in each part (columns, in sorted order)."""
    vectorizer = _vectorizer(stop_words)
    counts = sparse.csr_matrix(vectorizer.fit_transform(texts))
    labels = pd.Categorical(parts.astype(str))
    membership = sparse.csr_matrix((np.ones(len(labels)), (labels.codes, np.arange(len(labels)))),
                                   shape=(len(labels.categories), len(labels)))
    table = (membership @ counts).T.toarray().astype(np.int64)
    return pd.DataFrame(table, index=pd.Index(vectorizer.get_feature_names_out(), name="forme"),
                        columns=pd.Index(labels.categories, name="partie"))


def specificities(table: pd.DataFrame, method: str = "lafon") -> pd.DataFrame:
    """The specificity score of every form (rows) in every part (columns); see the module."""
    if method not in METHODS:
        raise AtelierError(f"méthode « {method} » inconnue (méthodes : {', '.join(METHODS)})")
    f = table.to_numpy(dtype=np.float64)
    F = f.sum(axis=1, keepdims=True)
    t = f.sum(axis=0, keepdims=True)
    T = f.sum()
    expected = F * t / T
    if method == "lafon":
        M, n, N = (np.broadcast_to(T, f.shape).astype(np.int64), np.broadcast_to(F, f.shape).astype(np.int64),
                   np.broadcast_to(t, f.shape).astype(np.int64))
        k = f.astype(np.int64)
        positive = f >= expected
        log_p = np.where(positive, hypergeom.logsf(k - 1, M, n, N), hypergeom.logcdf(k, M, n, N))
        scores = np.where(positive, -log_p, log_p) / np.log(10)
        scores = np.clip(np.nan_to_num(scores, nan=0.0, posinf=SCORE_CAP, neginf=-SCORE_CAP), -SCORE_CAP, SCORE_CAP)
    else:
        others_in_part = t - f
        form_elsewhere = F - f
        rest = T - F - t + f
        observed = np.stack([f, form_elsewhere, others_in_part, rest])
        rows = np.stack([F, F, T - F, T - F])
        columns = np.stack([t, T - t, t, T - t])
        expected_cells = rows * columns / T
        with np.errstate(divide="ignore", invalid="ignore"):
            chi2 = np.nansum((observed - expected_cells) ** 2 / expected_cells, axis=0)
        scores = np.sign(f - expected) * chi2
    return pd.DataFrame(scores + 0.0, index=table.index, columns=table.columns)


def specific_forms(table: pd.DataFrame, scores: pd.DataFrame, n: int = 10, threshold: float | None = None,
                   method: str = "lafon") -> pd.DataFrame:
    """For each part, its ``n`` most over-represented forms then its ``n`` most under-represented,
    beyond the method's threshold: ``part``, ``form``, ``frequency`` (in the part), ``total``
    (in the corpus), ``score``, ``sign`` (``+`` or ``-``)."""
    threshold = (LAFON_THRESHOLD if method == "lafon" else CHI2_THRESHOLD) if threshold is None else threshold
    rows = []
    totals = table.sum(axis=1)
    for part in table.columns:
        column = scores[part]
        for sign, chosen in (("+", column[column >= threshold].sort_values(ascending=False, kind="stable")),
                             ("-", column[column <= -threshold].sort_values(kind="stable"))):
            for form, score in chosen.head(n).items():
                rows.append((part, form, int(table.at[form, part]), int(totals[form]), float(score), sign))
    return pd.DataFrame(rows, columns=["part", "form", "frequency", "total", "score", "sign"])


def frequencies(table: pd.DataFrame, n: int = 20) -> pd.DataFrame:
    """The ``n`` most frequent forms: their frequency in the corpus and in each part, per
    thousand occurrences of the part (IRaMuTeQ's « effectifs relatifs »)."""
    totals = table.sum(axis=1).sort_values(ascending=False, kind="stable").head(n)
    relative = table.loc[totals.index] / table.sum(axis=0) * 1000
    return pd.concat([totals.rename("total"), relative.round(2)], axis=1)


def correspondence_analysis_of_parts(table: pd.DataFrame, n_forms: int = 40, min_frequency: int = 5) -> dict:
    """The « AFC » of the forms × parts table, on the ``n_forms`` forms of at least
    ``min_frequency`` occurrences that contribute most to its chi-squared (a rare form's large
    contribution says little): ``forms`` and ``parts`` coordinates on the first two axes, ``inertia``."""
    if table.shape[1] < 3:
        raise AtelierError(f"l’analyse factorielle demande au moins 3 parties ({table.shape[1]} ici)")
    table = table[table.sum(axis=1) >= min_frequency]
    observed = table.to_numpy(dtype=np.float64)
    expected = observed.sum(axis=1, keepdims=True) * observed.sum(axis=0, keepdims=True) / observed.sum()
    contribution = ((observed - expected) ** 2 / expected).sum(axis=1)
    kept = table.iloc[np.argsort(-contribution, kind="stable")[:n_forms]]
    kept = kept.loc[:, kept.sum(axis=0) > 0]
    rows, columns, inertia = correspondence_analysis(kept.to_numpy(dtype=np.float64))
    return {"forms": pd.DataFrame(rows[:, :2], index=kept.index, columns=["axe 1", "axe 2"]),
            "parts": pd.DataFrame(columns[:, :2], index=kept.columns, columns=["axe 1", "axe 2"]),
            "inertia": inertia}


def _place_labels(axes, points: list[tuple[float, float, str, dict]]) -> None:
    """Labels next to their points, moved apart by adjustText so that none overlaps another, with
    a thin line to their point when moved."""
    from adjustText import adjust_text

    texts = [axes.text(x, y, label, **style) for x, y, label, style in points]
    if texts:
        adjust_text(texts, ax=axes, expand=(1.1, 1.3), arrowprops={"arrowstyle": "-", "color": "#777777", "lw": 0.5})


def afc_figure(result: dict, attribute: str) -> Figure:
    """The forms (grey) and the parts (coloured, bold) on the first plane of the AFC."""
    inertia = result["inertia"]
    figure = Figure(figsize=(10, 8), layout="constrained")
    axes = figure.subplots()
    forms, parts = result["forms"], result["parts"]
    axes.scatter(forms["axe 1"], forms["axe 2"], s=8, color="#777777")
    axes.scatter(parts["axe 1"], parts["axe 2"], s=60, color=[categorical(i) for i in range(len(parts))], zorder=3)
    points = [(x, y, str(form), {"fontsize": 9, "color": "#333333"}) for form, (x, y) in forms.iterrows()]
    points += [(x, y, str(part), {"fontsize": 12, "fontweight": "bold", "color": categorical(i)})
               for i, (part, (x, y)) in enumerate(parts.iterrows())]
    axes.axhline(0, color="#cccccc", lw=0.8)
    axes.axvline(0, color="#cccccc", lw=0.8)
    _place_labels(axes, points)
    share = lambda axis: f"{100 * inertia[axis]:.1f}".replace(".", ",") + "\u202f%"  # noqa: E731
    axes.set_xlabel(f"Axe 1 ({share(0)} de l’inertie)")
    axes.set_ylabel(f"Axe 2 ({share(1)} de l’inertie)")
    axes.set_title(f"Analyse factorielle des correspondances : formes × {attribute}")
    return figure


def similitudes(texts: pd.Series, n_forms: int = 40, index: str = "cooccurrence", stop_words="default") -> dict:
    """IRaMuTeQ's similitude analysis on the segments ``texts``: the ``n_forms`` forms present in
    the most segments, their co-occurrence (segments holding both; ``index="jaccard"``: divided by
    the segments holding either), the maximum spanning tree of that graph and its communities
    (modularity, networkx). Returns ``graph`` (the tree, edges weighted by the index, nodes with
    their ``frequency`` and ``community``) and ``communities`` (lists of forms)."""
    if index not in ("cooccurrence", "jaccard"):
        raise AtelierError(f"indice « {index} » inconnu (indices : cooccurrence, jaccard)")
    vectorizer = _vectorizer(stop_words).set_params(binary=True)
    presence = sparse.csc_matrix(vectorizer.fit_transform(texts))
    names = vectorizer.get_feature_names_out()
    frequency = np.asarray(presence.sum(axis=0)).ravel()
    order = np.lexsort((names, -frequency))[:n_forms]
    chosen = presence[:, order]
    together = (chosen.T @ chosen).toarray()
    counts = np.diag(together).copy()
    graph = nx.Graph()
    for i, form in enumerate(names[order]):
        graph.add_node(str(form), frequency=int(counts[i]))
    for i in range(len(order)):
        for j in range(i + 1, len(order)):
            if together[i, j]:
                weight = together[i, j] if index == "cooccurrence" else together[i, j] / (counts[i] + counts[j] - together[i, j])
                graph.add_edge(str(names[order[i]]), str(names[order[j]]), weight=float(weight))
    tree = nx.maximum_spanning_tree(graph, weight="weight", algorithm="kruskal")
    communities = [sorted(group) for group in nx.community.greedy_modularity_communities(tree, weight="weight")] \
        if tree.number_of_edges() else [[node] for node in tree.nodes]
    for number, group in enumerate(communities, start=1):
        for form in group:
            tree.nodes[form]["community"] = number
    return {"graph": tree, "communities": communities}


def similitudes_figure(result: dict) -> Figure:
    """The maximum spanning tree: forms sized by frequency, coloured by community, edges as thick
    as their co-occurrence (Fruchterman–Reingold layout, as IRaMuTeQ)."""
    tree = result["graph"]
    figure = Figure(figsize=(11, 9), layout="constrained")
    axes = figure.subplots()
    axes.set_axis_off()
    axes.set_title("Analyse de similitudes : l’arbre maximum des cooccurrences")
    if not tree.number_of_nodes():
        return figure
    layout = nx.spring_layout(tree, weight="weight", seed=0)
    weights = np.array([data["weight"] for _, _, data in tree.edges(data=True)] or [1.0])
    widths = 0.5 + 4 * weights / weights.max()
    nx.draw_networkx_edges(tree, layout, ax=axes, width=widths, edge_color="#999999")
    nx.draw_networkx_nodes(tree, layout, ax=axes, node_size=12, node_color="#555555")
    frequency = np.array([tree.nodes[form]["frequency"] for form in tree.nodes])
    points = [(layout[form][0], layout[form][1], form,
               {"fontsize": 8 + 10 * (tree.nodes[form]["frequency"] / frequency.max()) ** 0.5,
                "color": categorical(tree.nodes[form]["community"] - 1), "ha": "center", "va": "center"})
              for form in tree.nodes]
    _place_labels(axes, points)
    return figure


_PUNCTUATION = re.compile(r"[.;:!?,()«»\"“”\[\]\n—–…/]+")


def repeated_segments(texts: pd.Series, min_length: int = 2, max_length: int = 6, min_frequency: int = 3) -> pd.DataFrame:
    """Sequences of ``min_length`` to ``max_length`` forms found at least ``min_frequency`` times,
    never across punctuation, neither starting nor ending with a function word: ``segment``,
    ``length``, ``frequency``, most frequent first."""
    counts: Counter = Counter()
    for text in texts:
        for chunk in _PUNCTUATION.split(text):
            tokens = tokenize(chunk, expressions=None, stop_words=None)
            for length in range(min_length, max_length + 1):
                for start in range(len(tokens) - length + 1):
                    gram = tokens[start:start + length]
                    if gram[0] not in FRENCH_STOPWORDS and gram[-1] not in FRENCH_STOPWORDS:
                        counts[" ".join(gram).replace("' ", "'")] += 1
    rows = [(segment, len(segment.replace("'", "' ").split()), frequency)
            for segment, frequency in counts.items() if frequency >= min_frequency]
    table = pd.DataFrame(rows, columns=["segment", "length", "frequency"])
    return table.sort_values(["frequency", "length", "segment"], ascending=[False, False, True],
                             kind="stable", ignore_index=True)


def specificities_figure(selected: pd.DataFrame, attribute: str, method: str = "lafon") -> Figure:
    """One panel per part: its specific forms as bars, over-represented to the right, under- to the left."""
    parts = list(dict.fromkeys(selected["part"]))
    columns = min(3, max(1, len(parts)))
    rows = -(-max(1, len(parts)) // columns)
    figure = Figure(figsize=(4.2 * columns, 0.25 * max(8, selected.groupby("part").size().max() if len(selected) else 8) * rows + 1.2),
                    layout="constrained")
    axes_grid = np.atleast_1d(figure.subplots(rows, columns, squeeze=False)).ravel()
    label = "indice de spécificité (Lafon)" if method == "lafon" else "χ² signé"
    for axes, part in zip(axes_grid, parts):
        rows_of_part = selected[selected["part"] == part].sort_values("score", kind="stable")
        colours = [categorical(0) if score > 0 else categorical(1) for score in rows_of_part["score"]]
        axes.barh(rows_of_part["form"], rows_of_part["score"], color=colours)
        axes.axvline(0, color="#333333", lw=0.8)
        axes.set_title(str(part), fontsize=11, fontweight="bold")
        axes.set_xlabel(label, fontsize=9)
        axes.tick_params(labelsize=9)
    for axes in axes_grid[len(parts):]:
        axes.set_axis_off()
    figure.suptitle(f"Formes spécifiques selon « {attribute} »")
    return figure


def concordances(corpus: Corpus, pattern: str, attribute: str, width: int = 50) -> pd.DataFrame:
    """Every occurrence of ``pattern`` in the public documents with its context and the value of
    ``attribute`` of its document (``part``), grouped by part."""
    from ..coding.queries import kwic

    documents = corpus.documents()
    if attribute not in documents.columns:
        raise AtelierError(f"attribut « {attribute} » inconnu (attributs : {', '.join(documents.columns)})")
    lines = kwic(corpus, pattern, width=width, include_private=False)
    lines = lines.merge(documents[["doc_id", attribute]].rename(columns={attribute: "part"}), on="doc_id")
    return lines.sort_values(["part", "doc_id", "start"], kind="stable", ignore_index=True)[
        ["part", "doc_id", "start", "left", "match", "right"]]
