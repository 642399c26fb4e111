"""The coding chapter of the book: codebook use, coders, agreement and key extracts, as DataFrames.

Everything here is computed from the corpus as it is: with no codings yet, the tables are empty
and the book says so; the key extracts then fall back on the codebook's examples, each found
again in the corpus so that it is quoted with its document and position like any other extract.
"""

from __future__ import annotations

import re

import pandas as pd
from matplotlib.figure import Figure

from ..coding.agreement import OVERALL, agreement
from ..palette import categorical
from .render import Element, bullets, code, figure_label, heading, join, strong
from ..corpus.store import Corpus
from .quotations import Quoter
from ..coding.store import CodingStore

ORIGIN_CODING = "codage"
ORIGIN_EXAMPLE = "exemple du livre de codes"


def family_of(path: str) -> str:
    return path.split("/", 1)[0]


def family_table(codebook: pd.DataFrame, codings: pd.DataFrame) -> pd.DataFrame:
    """One row per family of codes: label, number of codes, codings, documents coded."""
    families = codebook[codebook["depth"] == 0].set_index("path")
    coded = codings.assign(family=codings["code"].map(family_of))
    return pd.DataFrame({
        "Famille": families["label"],
        "Codes": codebook["path"].map(family_of).value_counts().reindex(families.index, fill_value=0),
        "Codages": coded["family"].value_counts().reindex(families.index, fill_value=0),
        "Documents codés": coded.groupby("family")["doc_id"].nunique().reindex(families.index, fill_value=0),
    }).reset_index(drop=True)


def coder_table(codings: pd.DataFrame, public_ids: set[str]) -> pd.DataFrame:
    """Per coder: codings, codes used, documents coded, of which public (coders are researchers)."""
    grouped = codings.groupby("coder")
    return pd.DataFrame({
        "Codages": grouped.size(),
        "Codes utilisés": grouped["code"].nunique(),
        "Documents codés": grouped["doc_id"].nunique(),
        "dont publics": grouped["doc_id"].agg(lambda ids: len(set(ids) & public_ids)),
    }).rename_axis("Codeur").reset_index()


def codings_by_family_figure(codebook: pd.DataFrame, codings: pd.DataFrame) -> Figure:
    """Horizontal bars: codings per family, one colour per coder (French labels)."""
    labels = codebook[codebook["depth"] == 0].set_index("path")["label"].map(figure_label)
    counts = pd.crosstab(codings["code"].map(family_of).map(labels), codings["coder"])
    figure = Figure(figsize=(8, 0.5 * max(len(counts), 3) + 1), layout="constrained")
    axes = figure.subplots()
    counts.sort_values(list(counts.columns)).plot.barh(ax=axes, stacked=True, width=0.7,
                                                       color=[categorical(i) for i in range(len(counts.columns))])
    axes.set_xlabel("Nombre de codages")
    axes.set_ylabel("")
    axes.set_title("Codages par famille de codes et par codeur")
    axes.legend(title="Codeur", frameon=False, bbox_to_anchor=(1.01, 1), loc="upper left")
    axes.spines[["top", "right"]].set_visible(False)
    return figure


def shared_coders(codings: pd.DataFrame) -> list[str]:
    """Coders who share at least one coded document with another coder."""
    documents = codings.groupby("doc_id")["coder"].nunique()
    shared = documents[documents > 1].index
    return sorted(codings.loc[codings["doc_id"].isin(shared), "coder"].unique())


def agreement_table(corpus: Corpus, codings: pd.DataFrame, codebook: pd.DataFrame) -> pd.DataFrame:
    """Agreement by segment on the documents finished by every coder who shares one, French columns.

    Empty when fewer than two coders have finished a common document.
    """
    finished = CodingStore.of(corpus).replay().finished
    coders = shared_coders(finished)
    columns = ["Code", "Libellé", "Segments", "Segments codés", "Accord (%)", "Kappa de Cohen",
               "Alpha de Krippendorff", "Alpha de découpage (caractères)"]
    if len(coders) < 2:
        return pd.DataFrame(columns=columns)
    table = agreement(corpus, codings, coders, unit="segment", exclude_uncoded=False, finished=finished)
    labels = codebook.set_index("path")["label"].to_dict()
    labels[OVERALL] = "Tous les codes"
    result = pd.DataFrame({
        "Code": table["code"], "Libellé": table["code"].map(labels).fillna(""),
        "Segments": table["units"], "Segments codés": table["coded_units"],
        "Accord (%)": (table["percent_agreement"] * 100).round(1),
        "Kappa de Cohen": table["cohen_kappa"].round(2),
        "Alpha de Krippendorff": table["krippendorff_alpha"].round(2),
        "Alpha de découpage (caractères)": table["unitizing_alpha"].round(2),
    })
    result.attrs.update(coders=coders, documents=table.attrs["documents"])
    return result


_APOSTROPHES = "'’"


def _flexible(example: str) -> re.Pattern:
    def word(token: str) -> str:
        return "".join("['’]" if char in _APOSTROPHES else re.escape(char) for char in token)

    return re.compile(r"\s+".join(word(token) for token in example.split()))


def locate_examples(corpus: Corpus, codebook: pd.DataFrame, doc_ids: list[str]) -> pd.DataFrame:
    """Where each code's example occurs in the given documents (first occurrence; whitespace and
    apostrophes may differ). Examples found nowhere are left out."""
    texts = {doc_id: corpus.text(doc_id) for doc_id in doc_ids}
    rows = []
    for entry in codebook[codebook["example"].astype(bool)].itertuples(index=False):
        pattern = _flexible(entry.example)
        for doc_id, text in texts.items():
            match = pattern.search(text)
            if match:
                rows.append({"code": entry.path, "doc_id": doc_id, "start": match.start(), "end": match.end(),
                             "origin": ORIGIN_EXAMPLE})
                break
    return pd.DataFrame(rows, columns=["code", "doc_id", "start", "end", "origin"])


def key_extracts(corpus: Corpus, codebook: pd.DataFrame, codings: pd.DataFrame, public_ids: list[str],
                 per_code: int = 2) -> pd.DataFrame:
    """Up to ``per_code`` extracts per code from public documents, codebook order.

    Codings come first (the longest ones, which carry the most context, then by position); a
    code nobody has coded yet in a public document is illustrated by its codebook example
    when that example is found in a public document.
    """
    public = codings[codings["doc_id"].isin(public_ids)]
    coded = (public.assign(length=public["end"] - public["start"])
             .sort_values(["length", "doc_id", "start"], ascending=[False, True, True])
             .drop_duplicates(["code", "doc_id", "start", "end"])
             .groupby("code").head(per_code)
             .assign(origin=lambda frame: ORIGIN_CODING + " de " + frame["coder"]))
    examples = locate_examples(corpus, codebook[~codebook["path"].isin(coded["code"])], public_ids)
    extracts = pd.concat([coded[["code", "doc_id", "start", "end", "origin"]], examples], ignore_index=True)
    order = {path: index for index, path in enumerate(codebook["path"])}
    extracts = extracts.assign(order=extracts["code"].map(order)).sort_values(["order", "start"], kind="stable")
    labels = codebook.set_index("path")["label"]
    return (extracts.assign(label=extracts["code"].map(labels)).drop(columns="order")
            [["code", "label", "doc_id", "start", "end", "origin"]].reset_index(drop=True))


def key_extracts_html(extracts: pd.DataFrame, codebook: pd.DataFrame, quoter: Quoter) -> Element:
    """The key extracts grouped by family: code label, path, origin and the linked quotation."""
    families = codebook[codebook["depth"] == 0].set_index("path")["label"]
    sections = []
    for family, rows in extracts.groupby(extracts["code"].map(family_of), sort=False):
        items = [(strong(row.label), " (", code(row.code), f", {row.origin}) : ",
                  quoter.quotation(row.doc_id, int(row.start), int(row.end))) for row in rows.itertuples()]
        sections += [heading(3, families[family]), bullets(items, class_="key-extracts")]
    return join(sections, "\n")
