"""Topic models and clusterings of segments, and how to choose their number.

Reinert (simple, or double on two unit sizes as rainette2), NMF and LDA (scikit-learn) and
k-means all answer the same way: a label per segment (1..k, 0 when a segment has no
term the model knows) and the weight of each term in each theme. Choosing k relies on topic
coherence (NPMI of each theme's top terms, computed on segment co-occurrence) and on stability
(adjusted Rand index between fits on bootstrap resamples), all as DataFrames.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.cluster import KMeans
from sklearn.decomposition import NMF, LatentDirichletAllocation
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.metrics import adjusted_rand_score
from sklearn.preprocessing import normalize

METHODS = ("reinert", "reinert-double", "nmf", "lda", "kmeans")


@dataclass
class ThemeModel:
    """What a method found: ``labels`` (1..k, 0 unclassified) and ``weights`` (k × terms)."""

    method: str
    labels: np.ndarray
    weights: np.ndarray
    estimator: object


def _binary(X) -> sparse.csr_matrix:
    matrix = sparse.csr_matrix(X, dtype=np.float64)
    matrix.data[:] = 1.0
    return matrix


def fit_model(X, method: str, k: int, random_state: int = 0, **options) -> ThemeModel:
    """Fit one method on a segment × term count matrix ``X``."""
    if method not in METHODS:
        raise ValueError(f"méthode inconnue : « {method} » (choisir parmi {', '.join(METHODS)})")
    X = sparse.csr_matrix(X)
    empty = np.asarray(X.sum(axis=1)).ravel() == 0
    if method in ("reinert", "reinert-double"):
        from .reinert import DoubleReinert, Reinert

        doc_ids = options.pop("doc_ids", None)
        if method == "reinert":
            estimator = Reinert(n_clusters=k, random_state=random_state, **options).fit(X, doc_ids=doc_ids)
        else:
            if doc_ids is None:
                raise ValueError("la double classification demande le document de chaque segment (doc_ids)")
            estimator = DoubleReinert(n_clusters=k, random_state=random_state, **options).fit(X, doc_ids=doc_ids)
        labels = estimator.labels_
        weights = _class_term_means(_binary(X), labels, estimator.n_clusters_)
        return ThemeModel(method, labels, weights, estimator)
    if method == "nmf":
        tfidf = TfidfTransformer().fit_transform(X)
        estimator = NMF(n_components=k, init="nndsvda", random_state=random_state, max_iter=400, **options)
        mixture = estimator.fit_transform(tfidf)
        weights = estimator.components_
    elif method == "lda":
        estimator = LatentDirichletAllocation(n_components=k, random_state=random_state, learning_method="batch",
                                              **options)
        mixture = estimator.fit_transform(X)
        weights = estimator.components_
    else:
        tfidf = normalize(TfidfTransformer().fit_transform(X))
        estimator = KMeans(n_clusters=k, n_init=10, random_state=random_state, **options)
        mixture = np.eye(k)[estimator.fit_predict(tfidf)]
        weights = estimator.cluster_centers_
    labels = np.asarray(mixture).argmax(axis=1) + 1
    labels[empty] = 0
    return ThemeModel(method, labels, np.asarray(weights), estimator)


def _class_term_means(binary: sparse.csr_matrix, labels: np.ndarray, k: int) -> np.ndarray:
    """Share of each class's segments holding each term."""
    rows = []
    for label in range(1, k + 1):
        members = binary[labels == label]
        rows.append(np.asarray(members.mean(axis=0)).ravel() if members.shape[0] else np.zeros(binary.shape[1]))
    return np.vstack(rows) if rows else np.zeros((0, binary.shape[1]))


def npmi_coherence(X, model: ThemeModel, n: int = 10) -> pd.Series:
    """Mean normalised pointwise mutual information of each theme's top ``n`` terms.

    Probabilities are shares of segments holding a term or a pair of terms; a pair that never
    occurs together scores -1, a pair always together 1.
    """
    binary = _binary(X).tocsc()
    total = binary.shape[0]
    scores = {}
    for theme, weights in enumerate(model.weights, start=1):
        top = np.argsort(-weights, kind="stable")[:n]
        columns = binary[:, top]
        together = (columns.T @ columns).toarray() / total
        alone = np.diag(together)
        values = []
        for i in range(len(top)):
            for j in range(i + 1, len(top)):
                joint = together[i, j]
                if joint == 0 or alone[i] == 0 or alone[j] == 0:
                    values.append(-1.0)
                elif joint == 1:
                    values.append(1.0)
                else:
                    values.append(np.log(joint / (alone[i] * alone[j])) / -np.log(joint))
        scores[theme] = float(np.mean(values)) if values else np.nan
    return pd.Series(scores, name="npmi").rename_axis("theme")


def stability(X, method: str, k: int, n_resamples: int = 10, random_state: int = 0, **options) -> pd.DataFrame:
    """Adjusted Rand index between a fit on all segments and fits on bootstrap resamples.

    Each resample draws as many segments as there are, with replacement; the labels it gives the
    segments it drew are compared with the labels of the full fit for the same segments.
    """
    X = sparse.csr_matrix(X)
    reference = fit_model(X, method, k, random_state, **options).labels
    generator = np.random.default_rng(random_state)
    rows = []
    for resample in range(n_resamples):
        drawn = np.unique(generator.integers(0, X.shape[0], X.shape[0]))
        subset = {**options, "doc_ids": np.asarray(options["doc_ids"])[drawn]} if "doc_ids" in options else options
        labels = fit_model(X[drawn], method, k, random_state + resample + 1, **subset).labels
        rows.append({"resample": resample + 1, "segments": len(drawn),
                     "ari": adjusted_rand_score(reference[drawn], labels)})
    return pd.DataFrame(rows)


def choose_k(X, method: str, ks, n_resamples: int = 5, random_state: int = 0, n_terms: int = 10,
             **options) -> pd.DataFrame:
    """Coherence and stability for each candidate number of themes."""
    rows = []
    for k in ks:
        model = fit_model(X, method, k, random_state, **options)
        runs = stability(X, method, k, n_resamples, random_state, **options)
        found = len(set(model.labels) - {0})
        rows.append({"k": k, "themes_found": found, "npmi": npmi_coherence(X, model, n_terms).mean(),
                     "stability_ari": runs["ari"].mean(), "stability_ari_sd": runs["ari"].std()})
    return pd.DataFrame(rows)
