"""Theme methods: quality on the action plan, and speed and memory at scale.

    python benchmarks/themes_bench.py [--sizes 10000 30000 100000] [--k 8]

Quality: on the 2022 action plan, each segment belongs to one fiche-action and one axis (read
from the ``Fiche-action n°N`` headings of the text body); the agreement of each method's classes
with them is measured by NMI and ARI. Baseline in the same run: a random labelling of the same
segments with the same class sizes.

Scale: the corpus's segment × term matrix resampled (rows drawn with replacement) to each size;
each method runs in its own process, timed, with its peak memory; the growth exponent is the
slope of log(time) against log(size).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

METHODS = ("reinert", "nmf", "lda", "kmeans")
FICHE_AXIS = {1: 1, 2: 2, 3: 2, 4: 2, 5: 3, 6: 3, 7: 3, 8: 3, 9: 4, 10: 4, 11: 5, 12: 6}


def plan_labels():
    from analysis import Corpus
    from analysis.corpus.segment import units

    corpus = Corpus.open(REPO / "corpus")
    text = corpus.text("rtes-plan-actions-2022")
    segments = units("rtes-plan-actions-2022", text, "segment")
    headings = [(m.start(), int(m.group(1))) for m in re.finditer(r"^Fiche-action n°(\d+)", text, re.MULTILINE)]
    fiche = []
    for start in segments["start"]:
        before = [number for position, number in headings if position <= start]
        fiche.append(before[-1] if before else 0)
    segments = segments.assign(fiche=fiche)
    return segments[segments["fiche"] > 0].reset_index(drop=True)


def quality(k: int) -> list[dict]:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    from analysis.text.french import FrenchVectorizer
    from analysis.themes.topics import fit_model

    segments = plan_labels()
    matrix = FrenchVectorizer(min_df=2).fit_transform(segments["text"])
    axis = segments["fiche"].map(FICHE_AXIS)
    rows = []
    generator = np.random.default_rng(0)
    for method in METHODS + ("aléatoire",):
        if method == "aléatoire":
            labels = generator.permutation(rows[0]["labels"])
        else:
            labels = fit_model(matrix, method, k, random_state=0).labels
        rows.append({"method": method, "labels": labels,
                     "nmi_fiche": normalized_mutual_info_score(segments["fiche"], labels),
                     "ari_fiche": adjusted_rand_score(segments["fiche"], labels),
                     "nmi_axe": normalized_mutual_info_score(axis, labels),
                     "ari_axe": adjusted_rand_score(axis, labels)})
    print(f"quality on the action plan: {len(segments)} segments, 12 fiches, 6 axes, k={k}")
    for row in rows:
        print(f"  {row['method']:>9}: NMI fiche {row['nmi_fiche']:.3f}  ARI fiche {row['ari_fiche']:.3f}  "
              f"NMI axe {row['nmi_axe']:.3f}  ARI axe {row['ari_axe']:.3f}")
    return rows


def child(method: str, size: int, k: int) -> dict:
    from scipy import sparse

    from analysis import Corpus
    from analysis.text.french import FrenchVectorizer
    from analysis.themes.topics import fit_model

    corpus = Corpus.open(REPO / "corpus")
    texts = corpus.units("segment")["text"]
    matrix = sparse.csr_matrix(FrenchVectorizer(min_df=2).fit_transform(texts))
    rows = np.random.default_rng(size).integers(0, matrix.shape[0], size)
    resampled = matrix[rows]
    started = time.perf_counter()
    model = fit_model(resampled, method, k, random_state=0)
    return {"seconds": time.perf_counter() - started, "classes": int(len(set(model.labels) - {0})),
            "terms": int(matrix.shape[1])}


def scale(sizes: list[int], k: int) -> None:
    print(f"scale: segments resampled from the corpus, k={k}")
    for method in METHODS:
        times = []
        for size in sizes:
            process = subprocess.Popen([sys.executable, __file__, "--child", method, str(size), str(k)],
                                       stdout=subprocess.PIPE, text=True)
            output = process.stdout.read()
            _, status, usage = os.wait4(process.pid, 0)
            if os.waitstatus_to_exitcode(status) != 0:
                raise SystemExit(f"{method} at {size} failed")
            result = json.loads(output)
            times.append(result["seconds"])
            print(f"  {method:>8} {size:>7} segments: {result['seconds']:7.2f} s, peak {usage.ru_maxrss / 1024:6.0f} MB, "
                  f"{result['classes']} classes, {result['terms']} terms")
        slope = np.polyfit(np.log(sizes), np.log(times), 1)[0] if len(sizes) > 1 else float("nan")
        print(f"  {method:>8} growth exponent of time with size: {slope:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 30_000, 100_000])
    parser.add_argument("--k", type=int, default=8)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        method, size, k = args.child
        print(json.dumps(child(method, int(size), int(k))))
        return
    quality(args.k)
    scale(args.sizes, args.k)


if __name__ == "__main__":
    main()
