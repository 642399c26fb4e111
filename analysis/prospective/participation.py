"""Participation: individual ratings of a matrix aggregated cell by cell, and Delphi rounds.

Each participant rates the same matrix. For each cell the group's answer is the median; the
interquartile range says how far the group is from agreeing; the share agreeing is the share
of participants within one point of the median. A cell is a consensus when that share reaches
``consensus_share`` (two thirds by default) and the interquartile range is at most 1.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _numeric(matrix: pd.DataFrame, potential_as: int) -> pd.DataFrame:
    return matrix.replace("P", potential_as).astype("int64")


def aggregate_ratings(ratings: dict[str, pd.DataFrame], consensus_share: float = 2 / 3,
                      potential_as: int = 3) -> pd.DataFrame:
    """One row per cell: median, quartiles, interquartile range, share agreeing, consensus."""
    if not ratings:
        raise ValueError("no ratings")
    names = sorted(ratings)
    first = ratings[names[0]]
    stack = np.stack([_numeric(ratings[n].loc[first.index, first.columns], potential_as).to_numpy() for n in names])
    median = np.median(stack, axis=0)
    q1, q3 = np.percentile(stack, 25, axis=0), np.percentile(stack, 75, axis=0)
    agreeing = (np.abs(stack - median) <= 1).mean(axis=0)
    rows = []
    for i, source in enumerate(first.index):
        for j, target in enumerate(first.columns):
            if source == target:
                continue
            rows.append({"source": source, "target": target, "median": median[i, j], "q1": q1[i, j], "q3": q3[i, j],
                         "iqr": q3[i, j] - q1[i, j], "share_agreeing": agreeing[i, j],
                         "min": stack[:, i, j].min(), "max": stack[:, i, j].max(), "participants": len(names)})
    table = pd.DataFrame(rows)
    table["consensus"] = (table["share_agreeing"] >= consensus_share) & (table["iqr"] <= 1)
    return table


def aggregate_answers(answers: dict[str, dict[tuple[str, str], float]], consensus_share: float = 2 / 3) -> pd.DataFrame:
    """:func:`aggregate_ratings` for answers item by item (``{participant: {(source, target): number}}``):
    each item summarised over the participants who answered it."""
    rows = []
    for item in dict.fromkeys(item for given in answers.values() for item in given):
        values = np.array([given[item] for given in answers.values() if item in given], dtype=float)
        median, (q1, q3) = float(np.median(values)), np.percentile(values, [25, 75])
        rows.append({"source": item[0], "target": item[1], "median": median, "q1": q1, "q3": q3, "iqr": q3 - q1,
                     "share_agreeing": float((np.abs(values - median) <= 1).mean()), "min": values.min(),
                     "max": values.max(), "participants": len(values)})
    table = pd.DataFrame(rows, columns=["source", "target", "median", "q1", "q3", "iqr", "share_agreeing", "min", "max",
                                        "participants"])
    table["consensus"] = (table["share_agreeing"] >= consensus_share) & (table["iqr"] <= 1)
    return table


def group_matrix(aggregated: pd.DataFrame) -> pd.DataFrame:
    """The matrix of medians, rounded to the scale, for the structural analysis."""
    matrix = aggregated.pivot(index="source", columns="target", values="median")
    labels = list(dict.fromkeys(list(aggregated["source"]) + list(aggregated["target"])))
    matrix = matrix.reindex(index=labels, columns=labels).fillna(0)
    return np.floor(matrix + 0.5).astype("int64")


def disagreements(aggregated: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The cells where the group disagrees most: widest spread first."""
    open_cells = aggregated[~aggregated["consensus"]]
    return open_cells.sort_values(["iqr", "share_agreeing", "max"], ascending=[False, True, False]).head(n)


def compare_rounds(first: pd.DataFrame, second: pd.DataFrame) -> pd.DataFrame:
    """Two Delphi rounds side by side: how medians moved and whether the group converged."""
    merged = first.merge(second, on=["source", "target"], suffixes=("_1", "_2"))
    merged["median_change"] = merged["median_2"] - merged["median_1"]
    merged["iqr_change"] = merged["iqr_2"] - merged["iqr_1"]
    merged["converged"] = merged["iqr_change"] < 0
    columns = ["source", "target", "median_1", "median_2", "median_change", "iqr_1", "iqr_2", "iqr_change",
               "consensus_1", "consensus_2", "converged"]
    return merged[columns]
