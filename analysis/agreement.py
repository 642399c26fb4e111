"""Inter-coder agreement: percent agreement, Cohen's kappa and Krippendorff's alpha.

Each code is judged present or absent in each unit, for each coder: a ~40-word segment
(present when one of the coder's codings of that code overlaps it) or a single character.
Only documents that every compared coder has marked as finished (``atelier done``, a ``done``
event of their log) are used: a document one coder has not finished says nothing about
agreement, while one that a coder finished without coding anything is a complete disagreement
with a coder who coded it. The documents left out are listed with the reason.
``exclude_uncoded`` leaves out the units nobody coded at all, which otherwise inflate agreement. The statistics come from scikit-learn
(``cohen_kappa_score``) and the ``krippendorff`` package.
"""

from __future__ import annotations

import itertools
import warnings

import krippendorff
import numpy as np
import pandas as pd
from sklearn.metrics import cohen_kappa_score

from .codebook import with_descendants

OVERALL = "(ensemble)"
UNITS = ("segment", "character")


def compared_documents(codings: pd.DataFrame, finished: pd.DataFrame,
                       coders: list[str]) -> tuple[list[str], pd.DataFrame]:
    """The documents every coder of ``coders`` has finished, and the others that some of them
    coded or finished (``doc_id``, ``reason`` in French), for the report."""
    done = finished[finished["coder"].isin(coders)].groupby("doc_id")["coder"].agg(set)
    coded = codings[codings["coder"].isin(coders)].groupby("doc_id")["coder"].agg(set)
    used, left_out = [], []
    for doc_id in sorted(set(done.index) | set(coded.index)):
        missing = [c for c in coders if c not in done.get(doc_id, set())]
        if not missing:
            used.append(doc_id)
        else:
            left_out.append({"doc_id": doc_id, "reason": f"pas encore marqué terminé par {', '.join(missing)}"})
    return used, pd.DataFrame(left_out, columns=["doc_id", "reason"])


def presence(codings: pd.DataFrame, coders: list[str], units: pd.DataFrame) -> dict[str, np.ndarray]:
    """For each code, a (coders × units) 0/1 array: does the coder apply the code to the unit?

    ``units`` has ``doc_id``, ``start`` and ``end``; a coding counts in a unit it overlaps.
    """
    codes = sorted(codings["code"].unique())
    result = {code: np.zeros((len(coders), len(units)), dtype=np.int8) for code in codes}
    positions = {doc: np.flatnonzero(units["doc_id"].to_numpy() == doc) for doc in units["doc_id"].unique()}
    starts, ends = units["start"].to_numpy(), units["end"].to_numpy()
    row_of = {coder: i for i, coder in enumerate(coders)}
    for coding in codings.itertuples():
        if coding.coder not in row_of or coding.doc_id not in positions:
            continue
        index = positions[coding.doc_id]
        hit = index[(starts[index] < coding.end) & (ends[index] > coding.start)]
        result[coding.code][row_of[coding.coder], hit] = 1
    return result


def character_units(texts: dict[str, str]) -> pd.DataFrame:
    """One unit per character of each text."""
    frames = [pd.DataFrame({"doc_id": doc_id, "start": np.arange(len(text)), "end": np.arange(1, len(text) + 1)})
              for doc_id, text in texts.items()]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["doc_id", "start", "end"])


def _statistics(matrix: np.ndarray) -> dict[str, float]:
    if not matrix.shape[1]:  # no document finished by every coder yet
        return {"percent_agreement": np.nan, "cohen_kappa": np.nan, "krippendorff_alpha": np.nan}
    pairs = list(itertools.combinations(range(matrix.shape[0]), 2))
    percent = float(np.mean([np.mean(matrix[a] == matrix[b]) for a, b in pairs]))
    with warnings.catch_warnings():
        # One value everywhere leaves kappa undefined: it is reported as NaN, not as a warning.
        warnings.simplefilter("ignore")
        kappas = [cohen_kappa_score(matrix[a], matrix[b], labels=[0, 1]) for a, b in pairs]
    kappa = float(np.mean(kappas))
    try:
        alpha = float(krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal"))
    except ValueError:  # a single value everywhere: agreement is undefined, not perfect
        alpha = np.nan
    return {"percent_agreement": percent, "cohen_kappa": kappa, "krippendorff_alpha": alpha}


def _units(corpus, documents: list[str], unit: str) -> pd.DataFrame:
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {UNITS}")
    if unit == "segment":
        segments = corpus.units("segment")
        return segments[segments["doc_id"].isin(documents)].reset_index(drop=True)
    return character_units({doc_id: corpus.text(doc_id) for doc_id in documents})


def _finished(corpus, finished: pd.DataFrame | None) -> pd.DataFrame:
    return corpus.codings.replay().finished if finished is None else finished


def agreement(corpus, codings: pd.DataFrame, coders: list[str] | None = None, unit: str = "segment",
              exclude_uncoded: bool = False, codes: list[str] | None = None,
              finished: pd.DataFrame | None = None) -> pd.DataFrame:
    """Agreement per code and overall (the ``(ensemble)`` row pools every code's units), on the
    documents every coder has finished (``finished``: the replay's, by default).

    With more than two coders, ``percent_agreement`` and ``cohen_kappa`` are means over the
    pairs of coders; Krippendorff's alpha takes all coders at once. ``attrs`` holds the
    documents used and ``left_out`` (the others, with the reason).
    """
    finished = _finished(corpus, finished)
    coders = sorted(coders or set(codings["coder"]) | set(finished["coder"]))
    if len(coders) < 2:
        raise ValueError("il faut au moins deux codeurs pour mesurer un accord")
    chosen = codings[codings["coder"].isin(coders)]
    if codes:
        chosen = chosen[chosen["code"].isin({c for code in codes for c in with_descendants(code, chosen["code"])})]
    documents, left_out = compared_documents(codings, finished, coders)
    units = _units(corpus, documents, unit)
    by_code = presence(chosen, coders, units)
    keep = np.ones(len(units), dtype=bool)
    if exclude_uncoded and by_code:
        keep = np.any([m.any(axis=0) for m in by_code.values()], axis=0)
    rows = []
    for code, matrix in by_code.items():
        kept = matrix[:, keep]
        rows.append({"code": code, "units": kept.shape[1], "coded_units": int(kept.any(axis=0).sum()),
                     **_statistics(kept)})
    pooled = np.concatenate([m[:, keep] for m in by_code.values()], axis=1) if by_code else np.zeros((len(coders), 0))
    rows.append({"code": OVERALL, "units": pooled.shape[1], "coded_units": int(pooled.any(axis=0).sum()),
                 **_statistics(pooled)})
    table = pd.DataFrame(rows)
    table.attrs.update(unit=unit, coders=coders, exclude_uncoded=exclude_uncoded, documents=documents,
                       left_out=left_out)
    return table


def pairwise_kappa(corpus, codings: pd.DataFrame, coders: list[str] | None = None, unit: str = "segment",
                   exclude_uncoded: bool = False, finished: pd.DataFrame | None = None) -> pd.DataFrame:
    """Cohen's kappa over all codes pooled, for every pair of coders (on the documents both finished)."""
    finished = _finished(corpus, finished)
    coders = sorted(coders or codings["coder"].unique())
    rows = []
    for first, second in itertools.combinations(coders, 2):
        overall = agreement(corpus, codings, [first, second], unit, exclude_uncoded, finished=finished).iloc[-1]
        rows.append({"coder_a": first, "coder_b": second, "units": overall["units"],
                     "percent_agreement": overall["percent_agreement"], "cohen_kappa": overall["cohen_kappa"]})
    return pd.DataFrame(rows)


def disagreements(corpus, codings: pd.DataFrame, coders: list[str] | None = None,
                  unit: str = "segment", finished: pd.DataFrame | None = None) -> pd.DataFrame:
    """The places where coders differ, for reconciliation: span, text, who coded it, who did not
    (on the documents every coder finished).

    With the character unit, neighbouring characters with the same disagreement form one span.
    """
    finished = _finished(corpus, finished)
    coders = sorted(coders or codings["coder"].unique())
    chosen = codings[codings["coder"].isin(coders)]
    units = _units(corpus, compared_documents(codings, finished, coders)[0], unit)
    rows = []
    for code, matrix in presence(chosen, coders, units).items():
        differs = matrix.min(axis=0) != matrix.max(axis=0)
        run = None
        for index in np.flatnonzero(differs):
            unit_row = units.iloc[index]
            who = tuple(coders[i] for i in np.flatnonzero(matrix[:, index]))
            if run and unit == "character" and run["doc_id"] == unit_row["doc_id"] \
                    and run["end"] == unit_row["start"] and run["who"] == who:
                run["end"] = int(unit_row["end"])
                continue
            if run:
                rows.append(run)
            run = {"code": code, "doc_id": unit_row["doc_id"], "start": int(unit_row["start"]),
                   "end": int(unit_row["end"]), "who": who}
        if run:
            rows.append(run)
    texts = {doc: corpus.text(doc) for doc in {r["doc_id"] for r in rows}}
    table = pd.DataFrame([
        {"code": r["code"], "doc_id": r["doc_id"], "start": r["start"], "end": r["end"],
         "text": texts[r["doc_id"]][r["start"]:r["end"]], "coded_by": ", ".join(r["who"]),
         "not_coded_by": ", ".join(c for c in coders if c not in r["who"])}
        for r in rows
    ], columns=["code", "doc_id", "start", "end", "text", "coded_by", "not_coded_by"])
    return table.sort_values(["doc_id", "start", "code"]).reset_index(drop=True)


COMPARISON_COLUMNS = [
    "code", "doc_id", "characters", "kappa", "agreement", "a_and_b", "neither", "disagreement", "a_not_b", "b_not_a",
    "a_codings", "b_codings",
]


def _spans(mask: np.ndarray) -> str:
    """The runs of a 0/1 character mask as « start–end » (end excluded), separated by commas."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return ", ".join(f"{start}–{end}" for start, end in zip(edges[::2], edges[1::2]))


def coding_comparison(corpus, codings: pd.DataFrame, coder_a: str, coder_b: str,
                      finished: pd.DataFrame | None = None) -> pd.DataFrame:
    """NVivo's coding comparison: for each code and each document both coders finished, the
    characters each coded, and agreement in characters.

    ``agreement`` (%) is the share of the document's characters on which both coders did the
    same (``a_and_b`` + ``neither``); ``disagreement`` = ``a_not_b`` + ``b_not_a``; Cohen's
    ``kappa`` on the characters, 1 when they agree everywhere (as NVivo reports it, where
    scikit-learn leaves it undefined). ``a_codings`` and ``b_codings`` list each side's coded
    spans, for the reconciliation meeting. Codes are those either coder applied (sub-codes apart).
    """
    finished = _finished(corpus, finished)
    pair = codings[codings["coder"].isin([coder_a, coder_b])]
    documents, _ = compared_documents(pair, finished, [coder_a, coder_b])
    rows = []
    for doc_id in documents:
        length = len(corpus.text(doc_id))
        here = pair[pair["doc_id"] == doc_id]
        for code in sorted(here["code"].unique()):
            masks = []
            for coder in (coder_a, coder_b):
                mask = np.zeros(length, dtype=bool)
                for coding in here[(here["coder"] == coder) & (here["code"] == code)].itertuples():
                    mask[coding.start:coding.end] = True
                masks.append(mask)
            a, b = masks
            same = a == b
            if same.all():
                kappa = 1.0
            else:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    kappa = float(cohen_kappa_score(a, b, labels=[False, True]))
            share = (lambda m: 100 * m.sum() / length) if length else (lambda m: np.nan)
            rows.append({"code": code, "doc_id": doc_id, "characters": length, "kappa": kappa,
                         "agreement": share(same), "a_and_b": share(a & b), "neither": share(~a & ~b),
                         "disagreement": share(~same), "a_not_b": share(a & ~b), "b_not_a": share(b & ~a),
                         "a_codings": _spans(a), "b_codings": _spans(b)})
    table = pd.DataFrame(rows, columns=COMPARISON_COLUMNS)
    table.attrs.update(coders=[coder_a, coder_b], documents=documents)
    return table
