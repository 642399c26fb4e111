"""Inter-coder agreement: percent agreement, Cohen's kappa, Krippendorff's alpha and unitizing alpha.

Each code is judged present or absent in each unit, for each coder: a ~40-word segment
(present when one of the coder's codings of that code overlaps it) or a single character.
Only documents that every compared coder has marked as finished (``atelier done``, a ``done``
event of their log) are used: a document one coder has not finished says nothing about
agreement, while one that a coder finished without coding anything is a complete disagreement
with a coder who coded it. The documents left out are listed with the reason.
``exclude_uncoded`` leaves out the units nobody coded at all, which otherwise inflate
agreement. The statistics come from scikit-learn (``cohen_kappa_score``) and the
``krippendorff`` package. No well-kept library computes Krippendorff's alpha for unitizing, so
:func:`unitizing_alpha` implements it from Krippendorff (2004, *Content Analysis*, 2nd ed.,
pp. 251–256), and its worked example is reproduced in the tests; ATLAS.ti reports the later
refinements of the same coefficient (Krippendorff, Mathet et al. 2016), not implemented here.
:func:`coding_comparison` gives NVivo's coding comparison table.
"""

from __future__ import annotations

import itertools
import warnings

import krippendorff
import numpy as np
import pandas as pd
from sklearn.metrics import cohen_kappa_score

from .codebook import with_descendants
from .store import CodingStore

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


def unitizing_distance(begin1: int, length1: int, coded1: bool, begin2: int, length2: int, coded2: bool) -> int:
    """Krippendorff's (2004) squared distance between two segments of a continuum, one per coder.

    Two coded units that overlap: the squared differences of their beginnings plus of their
    ends. A unit inside the other coder's gap: its squared length. Anything else: 0.
    """
    shift = begin1 - begin2
    if coded1 and coded2 and -length1 < shift < length2:
        return shift ** 2 + (shift + length1 - length2) ** 2
    if coded1 and not coded2 and 0 <= shift <= length2 - length1:
        return length1 ** 2
    if coded2 and not coded1 and length2 - length1 <= shift <= 0:
        return length2 ** 2
    return 0


def _segmentation(units: pd.DataFrame, length: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One coder's units of one category, overlaps merged, and the gaps between them:
    (begins, lengths, coded) sorted by position."""
    spans = []
    for start, end in sorted(zip(units["start"], units["end"])):
        if spans and start < spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], end)
        else:
            spans.append([start, end])
    segments, position = [], 0
    for start, end in spans:
        if start > position:
            segments.append((position, start - position, False))
        segments.append((start, end - start, True))
        position = end
    if position < length:
        segments.append((position, length - position, False))
    begins, lengths, coded = (np.array(column) for column in zip(*segments)) if segments else (
        np.zeros(0, int), np.zeros(0, int), np.zeros(0, bool))
    return begins.astype(np.int64), lengths.astype(np.int64), coded.astype(bool)


def _category_disagreements(units: pd.DataFrame, coders: list[str], length: int) -> tuple[float, float]:
    """Observed and expected disagreement of one category (Krippendorff 2004, pp. 251–256)."""
    m = len(coders)
    segmentations = [_segmentation(units[units["coder"] == coder], length) for coder in coders]
    observed = 0
    for (b1, l1, c1), (b2, l2, c2) in itertools.combinations(segmentations, 2):
        shift = b1[:, None] - b2[None, :]
        both = c1[:, None] & c2[None, :] & (-l1[:, None] < shift) & (shift < l2[None, :])
        first_in_gap = c1[:, None] & ~c2[None, :] & (0 <= shift) & (shift <= l2[None, :] - l1[:, None])
        second_in_gap = ~c1[:, None] & c2[None, :] & (l2[None, :] - l1[:, None] <= shift) & (shift <= 0)
        observed += int(np.sum(np.where(both, shift ** 2 + (shift + l1[:, None] - l2[None, :]) ** 2, 0))
                        + np.sum(np.where(first_in_gap, l1[:, None] ** 2, 0))
                        + np.sum(np.where(second_in_gap, l2[None, :] ** 2, 0)))
    observed_disagreement = 2 * observed / (m * (m - 1) * length ** 2)
    unit_lengths = np.concatenate([l[c] for _, l, c in segmentations]).astype(np.float64)
    gaps = np.concatenate([l[~c] for _, l, c in segmentations]).astype(np.float64)
    n = unit_lengths.size
    within = (n - 1) * (2 * unit_lengths ** 3 - 3 * unit_lengths ** 2 + unit_lengths) / 3
    fitting = np.array([np.sum(np.maximum(gaps - u + 1, 0) * (gaps >= u)) for u in unit_lengths])
    denominator = m * length * (m * length - 1) - np.sum(unit_lengths * (unit_lengths - 1))
    expected = 2 / length * np.sum(within + unit_lengths ** 2 * fitting) / denominator if denominator else 0.0
    return observed_disagreement, float(expected)


def unitizing_alpha(units: pd.DataFrame, coders: list[str], length: int) -> pd.DataFrame:
    """Krippendorff's alpha for unitizing a continuum (Krippendorff 2004, *Content Analysis*, 2nd
    ed., pp. 251–256), per category and overall.

    ``units`` has ``coder``, ``category``, ``start`` and ``end`` (end excluded) on a continuum
    ``0…length``; a coder's overlapping units of one category are merged. For each category,
    every coder's continuum alternates that category's units and gaps; the observed
    disagreement sums :func:`unitizing_distance` over the pairs of coders and of segments, the
    expected one what chance placements of the same units would give. Overall, the observed and
    the expected disagreements are the means over the categories. Returns one row per category
    and ``(ensemble)``: ``observed``, ``expected`` and ``alpha`` (``1 - observed / expected``;
    NaN when nothing is expected to disagree).
    """
    if len(coders) < 2 or length <= 0:
        raise ValueError("il faut au moins deux codeurs et un continuum non vide")
    rows = []
    for category in sorted(units["category"].unique()):
        observed, expected = _category_disagreements(units[units["category"] == category], coders, length)
        rows.append({"category": category, "observed": observed, "expected": expected})
    table = pd.DataFrame(rows, columns=["category", "observed", "expected"])
    if len(table):
        table.loc[len(table)] = [OVERALL, table["observed"].mean(), table["expected"].mean()]
    with np.errstate(divide="ignore", invalid="ignore"):
        table["alpha"] = np.where(table["expected"] > 0, 1 - table["observed"] / table["expected"], np.nan)
    return table


def _units(corpus, documents: list[str], unit: str) -> pd.DataFrame:
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {UNITS}")
    if unit == "segment":
        segments = corpus.units("segment")
        return segments[segments["doc_id"].isin(documents)].reset_index(drop=True)
    return character_units({doc_id: corpus.text(doc_id) for doc_id in documents})


def _finished(corpus, finished: pd.DataFrame | None) -> pd.DataFrame:
    return CodingStore.of(corpus).replay().finished if finished is None else finished


def agreement(corpus, codings: pd.DataFrame, coders: list[str] | None = None, unit: str = "segment",
              exclude_uncoded: bool = False, codes: list[str] | None = None,
              finished: pd.DataFrame | None = None) -> pd.DataFrame:
    """Agreement per code and overall (the ``(ensemble)`` row pools every code's units), on the
    documents every coder has finished (``finished``: the replay's, by default).

    With more than two coders, ``percent_agreement`` and ``cohen_kappa`` are means over the
    pairs of coders; Krippendorff's alpha takes all coders at once. ``unitizing_alpha`` is
    Krippendorff's alpha for unitizing (:func:`unitizing_alpha`) on the characters of the
    documents, placed end to end, whatever ``unit`` and ``exclude_uncoded``. ``attrs`` holds the
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
    unitizing = _unitizing_by_code(corpus, chosen, coders, documents)
    table["unitizing_alpha"] = table["code"].map(unitizing).astype(float)
    table.attrs.update(unit=unit, coders=coders, exclude_uncoded=exclude_uncoded, documents=documents,
                       left_out=left_out)
    return table


def _unitizing_by_code(corpus, codings: pd.DataFrame, coders: list[str], documents: list[str]) -> dict:
    """Unitizing alpha per code and overall on the documents' characters, end to end."""
    lengths = pd.Series({doc_id: len(corpus.text(doc_id)) for doc_id in documents}, dtype="int64")
    if lengths.sum() == 0:
        return {}
    offsets = lengths.cumsum() - lengths
    coded = codings[codings["doc_id"].isin(documents)]
    shift = coded["doc_id"].map(offsets).to_numpy()
    units = pd.DataFrame({"coder": coded["coder"].to_numpy(), "category": coded["code"].to_numpy(),
                          "start": coded["start"].to_numpy() + shift, "end": coded["end"].to_numpy() + shift})
    table = unitizing_alpha(units, coders, int(lengths.sum()))
    return dict(zip(table["category"], table["alpha"]))


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
