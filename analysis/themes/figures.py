"""Figures of the themes, with French labels, for screens and print (matplotlib).

The dendrogram follows what IRaMuTeQ users expect: the tree of successive splits, each final
class with its size and its most characteristic terms in its colour.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..palette import categorical
from .pipeline import Themes, shares_by
from .reinert.ca import correspondence_analysis



METHOD_NAMES = {"reinert": "Reinert", "reinert-double": "double Reinert", "nmf": "NMF", "lda": "LDA",
                "kmeans": "k-moyennes"}


def french_percent(value: float) -> str:
    """French percentage: decimal comma, narrow no-break space before the sign."""
    return f"{value:.1f}".replace(".", ",") + "\u202f%"


def theme_colour(theme: int) -> str:
    return categorical(theme - 1)


def _tree_layout(tree: pd.DataFrame) -> tuple[dict, dict, list[int]]:
    """Depth and vertical position of every node of a split tree, and its leaves top to bottom."""
    children = {row.parent: (row.left, row.right) for row in tree.itertuples()}
    root = int(tree.iloc[0]["parent"])
    depth, leaves, stack = {root: 0}, [], [root]
    while stack:
        node = stack.pop()
        if node in children:
            for child in reversed(children[node]):
                depth[child] = depth[node] + 1
                stack.append(child)
        else:
            leaves.append(node)
    height = {leaf: len(leaves) - i for i, leaf in enumerate(leaves)}
    for row in reversed(list(tree.itertuples())):
        height[row.parent] = (height[row.left] + height[row.right]) / 2
    return depth, height, leaves


def dendrogram_figure(themes: Themes, n_terms: int = 6) -> Figure:
    """The tree of splits (Reinert) with, for each class, its size and characteristic terms."""
    sizes = themes.sizes.set_index("theme")
    terms = themes.profiles[themes.profiles["chi2"] > 0].groupby("theme").head(n_terms)
    names = {theme: ", ".join(group["form"]) for theme, group in terms.groupby("theme")}
    tree = themes.tree()
    figure = Figure(figsize=(10, 0.8 * len(sizes) + 1.2), layout="constrained")
    axes = figure.subplots()
    if tree is not None and len(tree):
        label_of = {node: label for label, node in themes.model.estimator.class_nodes_["node"].items()}
        depth, height, leaves = _tree_layout(tree)
        x_leaves = max(depth.values()) + 1
        for row in tree.itertuples():
            x = depth[row.parent]
            axes.plot([x, x], [height[row.left], height[row.right]], color="#4a5561", linewidth=1.2)
            for child in (row.left, row.right):
                x_child = x_leaves if child in label_of else depth[child]
                axes.plot([x, x_child], [height[child]] * 2, color="#4a5561", linewidth=1.2)
        rows = [(label_of[leaf], height[leaf]) for leaf in leaves if leaf in label_of]
        x_text = x_leaves + 0.15
    else:
        rows = [(theme, len(sizes) - i) for i, theme in enumerate(sizes.index)]
        x_text = 0.05
    for theme, y in rows:
        share = sizes.loc[theme, "share"] * 100
        axes.text(x_text, y, f"Classe {theme} — {sizes.loc[theme, 'segments']} segments ({french_percent(share)})",
                  va="bottom", ha="left", fontsize=10, fontweight="bold", color=theme_colour(theme))
        axes.text(x_text, y, names.get(theme, ""), va="top", ha="left", fontsize=9, color=theme_colour(theme))
    axes.set_xlim(-0.2, x_text + 6)
    axes.set_ylim(0.3, len(rows) + 0.8)
    axes.axis("off")
    method = METHOD_NAMES.get(themes.method, themes.method)
    axes.set_title(f"Classification des segments ({method}, {len(rows)} classes)", loc="left")
    return figure


def term_profiles_figure(themes: Themes, n_terms: int = 10) -> Figure:
    """Each class's most characteristic terms, by chi-squared."""
    classes = list(themes.sizes["theme"])
    columns = min(3, max(1, len(classes)))
    rows = int(np.ceil(len(classes) / columns)) or 1
    figure = Figure(figsize=(4.2 * columns, 3.2 * rows), layout="constrained")
    grid = figure.subplots(rows, columns, squeeze=False)
    for axes, theme in zip(grid.flat, classes):
        top = themes.profiles[(themes.profiles["theme"] == theme) & (themes.profiles["chi2"] > 0)].head(n_terms)
        axes.barh(top["form"][::-1], top["chi2"][::-1], color=theme_colour(theme))
        axes.set_title(f"Classe {theme}", fontsize=10, color=theme_colour(theme), loc="left")
        axes.set_xlabel("χ² d’association")
        axes.tick_params(axis="y", labelsize=8)
    for axes in list(grid.flat)[len(classes):]:
        axes.axis("off")
    figure.suptitle("Profils des classes : formes caractéristiques")
    return figure


def theme_share_heatmap(themes: Themes, attribute: str, title: str, colour_label: str) -> Figure:
    """Share of each theme among the segments of each value of ``attribute`` (rows) by theme (columns)."""
    shares = shares_by(themes, attribute)
    width = max(len(str(value)) for value in shares.index) if len(shares) else 4
    figure = Figure(figsize=(1.0 * shares.shape[1] + max(3, 1.2 + 0.09 * width), 0.5 * shares.shape[0] + 2),
                    layout="constrained")
    axes = figure.subplots()
    image = axes.imshow(shares.to_numpy(), cmap="Blues", vmin=0, aspect="auto")
    names = themes.labels_of_themes(3)
    axes.set_xticks(range(shares.shape[1]), [f"Classe {t} : {names.get(t, '')}" for t in shares.columns], rotation=45, ha="right")
    axes.set_yticks(range(shares.shape[0]), shares.index)
    for (row, column), value in np.ndenumerate(shares.to_numpy()):
        axes.text(column, row, f"{100 * value:.0f} %", ha="center", va="center", fontsize=10,
                  color="white" if value > 0.5 else "#1d2329")
    figure.colorbar(image, ax=axes, label=colour_label)
    axes.set_title(title)
    return figure


def theme_year_heatmap(themes: Themes) -> Figure:
    """Share of each theme by year (rows: years; columns: themes)."""
    return theme_share_heatmap(themes, "year", "Évolution des thèmes dans le temps", "Part des segments de l’année")


def theme_genre_heatmap(themes: Themes) -> Figure:
    """Share of each theme by genre of document (rows: genres; columns: themes)."""
    return theme_share_heatmap(themes, "genre", "Les thèmes selon le genre des documents", "Part des segments du genre")


def ca_plane_figure(themes: Themes, n_terms: int = 8) -> Figure:
    """Correspondence analysis of the class × term table: the classes and their terms on axes 1 and 2."""
    top = themes.profiles[themes.profiles["chi2"] > 0].groupby("theme").head(n_terms)
    terms = list(dict.fromkeys(top["term"]))
    index = {term: i for i, term in enumerate(themes.feature_names)}
    classes = list(themes.sizes["theme"])
    table = np.vstack([
        np.asarray(themes.matrix[themes.segments["theme"].to_numpy() == theme][:, [index[t] for t in terms]].sum(axis=0)).ravel()
        for theme in classes
    ]).astype(float)
    figure = Figure(figsize=(9, 7), layout="constrained")
    axes = figure.subplots()
    if table.shape[0] < 3 or table.sum() == 0:
        axes.text(0.5, 0.5, "Trop peu de classes pour un plan factoriel", ha="center", va="center")
        axes.axis("off")
        return figure
    class_xy, term_xy, inertia = correspondence_analysis(table)
    owner = top.drop_duplicates("term").set_index("term")["theme"]
    forms = top.drop_duplicates("term").set_index("term")["form"]
    axes.scatter(term_xy[:, 0], term_xy[:, 1], s=6, color=[theme_colour(owner[t]) for t in terms], alpha=0.6)
    for term, (x, y) in zip(terms, term_xy):
        axes.annotate(forms[term], (x, y), xytext=(0, 3), textcoords="offset points", color=theme_colour(owner[term]),
                      fontsize=8, ha="center", va="bottom")
    for theme, (x, y) in zip(classes, class_xy):
        axes.scatter([x], [y], s=90, color=theme_colour(theme), edgecolor="white", zorder=3)
        axes.annotate(f"Classe {theme}", (x, y), xytext=(4, 4), textcoords="offset points", fontweight="bold",
                      color=theme_colour(theme))
    axes.margins(0.12)
    axes.axhline(0, color="#c9d1d9", linewidth=0.8)
    axes.axvline(0, color="#c9d1d9", linewidth=0.8)
    axes.set_xlabel(f"Axe 1 ({french_percent(100 * inertia[0])} de l’inertie)")
    axes.set_ylabel(f"Axe 2 ({french_percent(100 * inertia[1])} de l’inertie)")
    axes.set_title("Analyse factorielle des correspondances : classes et formes caractéristiques")
    return figure


FIGURES = {
    "dendrogramme": dendrogram_figure,
    "profils": term_profiles_figure,
    "themes-par-annee": theme_year_heatmap,
    "themes-par-genre": theme_genre_heatmap,
    "plan-factoriel": ca_plane_figure,
}
