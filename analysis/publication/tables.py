"""Tables and figures for the book; documents that may not be published are left out by default."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from .render import Element, bullets, emphasis, figure_label, heading, join, paragraph, strong
from ..coding.codebook import load_codebook, with_descendants
from ..errors import InputError
from ..prospective.exercise import SCALES
from ..prospective.micmac import QUADRANT_COLOURS, Plane

INVENTORY_LABELS = {
    "title": "Titre", "genre": "Genre", "year": "Année", "organisation": "Organisation",
    "words": "Mots", "doc_id": "Identifiant",
}


def public_inventory(inventory: pd.DataFrame, names: dict[str, str] | None = None) -> pd.DataFrame:
    """The inventory of the documents that may be published (its ``publishable`` column, from
    :meth:`~analysis.corpus.store.Corpus.inventory`), with French column names; titles and
    organisations masked and pseudonymised with ``names`` (:func:`~analysis.publication.privacy.protected_names`)."""
    from .privacy import published_text

    public = inventory[inventory["publishable"]]
    table = public[list(INVENTORY_LABELS)].sort_values(["year", "title"])
    for column in ("title", "organisation"):
        table[column] = [published_text(str(value), names or {}) for value in table[column]]
    return table.rename(columns=INVENTORY_LABELS).reset_index(drop=True)


def corpus_summary(inventory: pd.DataFrame) -> Element:
    """One French paragraph: how many documents, words, genres and years; the documents that may
    not be published (private, or consent internal or withdrawn) only counted."""
    private = int((~inventory["publishable"]).sum())
    years = sorted(y for y in inventory["year"] if y)
    span = f"de {years[0]} à {years[-1]}" if years else "sans date"
    words = f"{inventory['words'].sum():,}".replace(",", "\u202f")
    return paragraph(
        "Le corpus compte ", strong(f"{len(inventory)} documents"),
        f" ({words} mots, {inventory['genre'].nunique()} genres), datés {span}. {private} document(s) privé(s) "
        "ou non publiable(s) sont comptés ici mais ne sont pas décrits dans ce livre.")


def corpus_evidence(table: pd.DataFrame, path, codebook_path, codings: pd.DataFrame, key: str = "code") -> pd.DataFrame:
    """Each row of an exercise's table (variables, named scenarios) with the codes of its
    ``evidence`` (codebook paths separated by « ; ») and the number of coded extracts that support
    it (its codes and their sub-codes); a code the codebook lacks is an error naming the line of
    the table's file ``path``."""
    labels = dict(zip(*(load_codebook(codebook_path)[column] for column in ("path", "label"))))
    rows = []
    for number, row in enumerate(table.to_dict("records"), start=2):
        codes = [code.strip() for code in str(row.get("evidence", "")).split(";") if code.strip()]
        unknown = [code for code in codes if code not in labels]
        if unknown:
            raise InputError(path, f"preuve « {unknown[0]} » absente du livre de codes "
                                   "(corpus/codebook.yaml)", f"ligne {number}, colonne evidence")
        supporting = {c for code in codes for c in with_descendants(code, labels)}
        rows.append({key: row[key], "evidence": " ; ".join(labels[c] for c in codes),
                     "extracts": int(codings["code"].isin(supporting).sum())})
    return pd.DataFrame(rows, columns=[key, "evidence", "extracts"])


def levers_html(levers: pd.DataFrame, robust: pd.Series | None = None) -> Element:
    """The levers of each scenario: stake, coalition, instruments, scales and local capacity, and
    where the wind-tunnelling has assessed it (``robust``: stake → robustness), its robustness."""
    from ..prospective.strategy import ROBUSTNESS_TEXT

    robust = pd.Series(dtype=str) if robust is None else robust
    sections = []
    for scenario, rows in levers.groupby("scenario", sort=False):
        items = [(strong(row.stake), f" — coalition : {row.coalition} ; instruments : {row.instruments} ; "
                  f"échelles : {row.scale.replace(';', ', ')} ; ", emphasis(row.local_capacity),
                  f" ; {ROBUSTNESS_TEXT[robust[row.stake]]}" if row.stake in robust.index else "")
                 for row in rows.itertuples()]
        sections += [heading(3, scenario), bullets(items)]
    return join(sections)


def windtunnel_table(windtunnel: pd.DataFrame) -> pd.DataFrame:
    """The wind-tunnelling as the book shows it: each lever, whether it works in each scenario, its robustness."""
    from ..prospective.exercise import LEVER_WORKS
    from ..prospective.strategy import ROBUSTNESS_TEXT, robustness

    shown = windtunnel.apply(lambda column: column.map(lambda v: "à évaluer" if pd.isna(v) else LEVER_WORKS[int(v)]))
    shown["Robustesse"] = robustness(windtunnel)["robustness"].map(ROBUSTNESS_TEXT)
    return shown.rename_axis("Levier").reset_index()


def levers_by_scale(levers: pd.DataFrame) -> pd.DataFrame:
    """How many levers act at each scale (a lever may name several), by local capacity."""
    scales = levers.assign(scale=levers["scale"].str.split(";")).explode("scale")
    return pd.crosstab(pd.Categorical(scales["scale"], categories=SCALES, ordered=True), scales["local_capacity"]
                       ).rename_axis(index="Échelle", columns="Capacité locale")


def genre_year_figure(inventory: pd.DataFrame) -> Figure:
    """Documents per year, stacked by genre (French labels)."""
    counts = pd.crosstab(inventory["year"].replace("", "sans date"), inventory["genre"])
    figure = Figure(figsize=(8, 4), layout="constrained")
    axes = figure.subplots()
    counts.plot.bar(stacked=True, ax=axes, colormap="tab20", width=0.7)
    axes.set_xlabel("Année")
    axes.set_ylabel("Nombre de documents")
    axes.set_title("Documents du corpus par année et par genre")
    axes.legend(title="Genre", frameon=False, bbox_to_anchor=(1.01, 1), loc="upper left")
    axes.tick_params(axis="x", rotation=0)
    return figure


def influence_plane_figure(plane: Plane) -> Figure:
    """The indirect influence/dependence plane of a structural analysis (:func:`analysis.prospective.micmac.plane`),
    quadrants coloured (French labels)."""
    table, power = plane.table, plane.power
    figure = Figure(figsize=(8, 6), layout="constrained")
    axes = figure.subplots()
    x, y = table["dependence_norm"] * 100, table["influence_norm"] * 100
    axes.axvline(x.mean(), color="#9aa5b1", linestyle="--", linewidth=1)
    axes.axhline(y.mean(), color="#9aa5b1", linestyle="--", linewidth=1)
    for code, row in table.iterrows():
        colour = QUADRANT_COLOURS.get(row["quadrant"], "#333333")
        axes.scatter(row["dependence_norm"] * 100, row["influence_norm"] * 100, color=colour, s=40, zorder=3)
        axes.annotate(figure_label(code), (row["dependence_norm"] * 100, row["influence_norm"] * 100), xytext=(4, 3),
                      textcoords="offset points", fontsize=9, color=colour, fontweight="bold")
    for quadrant, colour in QUADRANT_COLOURS.items():
        if quadrant in set(table["quadrant"]):
            axes.scatter([], [], color=colour, label=quadrant.capitalize())
    axes.legend(title="Quadrant", frameon=False, loc="lower left")
    axes.set_xlabel("Dépendance indirecte (% du total)")
    axes.set_ylabel("Influence indirecte (% du total)")
    axes.set_title(f"Plan influence / dépendance indirectes (matrice à la puissance {power})")
    return figure


def research_state(documents: pd.DataFrame, codings: pd.DataFrame, prisma: dict, rounds: pd.DataFrame) -> pd.DataFrame:
    """Where the research stands, for the home page: each step, what is done, how to go on.

    ``documents`` is the corpus's inventory (with ``publishable``), ``codings`` the current
    codings, ``prisma`` :func:`~analysis.corpus.literature.prisma_counts`, ``rounds`` the live
    workshops' rounds of every exercise (:func:`~analysis.prospective.workshop.held_rounds`).
    """
    public = int(documents["publishable"].sum())
    coded = (f"{len(codings)} codages par {codings['coder'].nunique()} codeur(s) sur {codings['doc_id'].nunique()} "
             "document(s)") if not codings.empty else "aucun codage pour l’instant"
    screened = (f"{prisma['screened']} référence(s) examinée(s) sur {prisma['unique']}, {prisma['included']} retenue(s)"
                if prisma["screened"] else f"aucune des {prisma['unique']} références n’est encore examinée")
    closed = rounds[rounds["closed"]]
    held = (f"{len(closed)} tour(s) clos, jusqu’à {int(closed['participants'].max())} participant(s)" if not closed.empty
            else "aucun tour clos : les valeurs des scénarios sont illustratives")
    return pd.DataFrame([
        ("Corpus", f"{len(documents)} documents, dont {public} publics", "atelier ingest"),
        ("Codage", coded, "l’annotateur (notebooks/02-coder) ou atelier code"),
        ("Revue de littérature", screened, "notebooks/01-corpus (examen des références)"),
        ("Ateliers de prospective", held, "atelier live scenarios/<exercice>"),
    ], columns=["Étape", "Où en est la recherche", "Pour avancer"])
