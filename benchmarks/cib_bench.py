"""Consistent scenarios at scale: the pruned search against brute force, in the same run.

    python benchmarks/cib_bench.py [--max-configurations 2e9] [--brute-limit 1.1e7]
                                   [--max-inconsistency 0] [--seeds 3]

Random fields shaped like real cross-impact matrices (about 30 % of the cells filled, impacts
mostly ±1 or ±2, rarely ±3), from 10^4 to 1.2·10^9 configurations (more with a larger
``--max-configurations``). For each size and seed: time of ``consistent_scenarios`` (pruned
depth-first search) and, up to ``--brute-limit`` configurations, of ``brute_force_consistent``
(numpy over the whole product) with a check that both give the same table; the ratio is
brute force time over pruned time.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis.cib import brute_force_consistent, consistent_scenarios  # noqa: E402

# (descriptors, variants): about 10^4, 10^5, 10^6, 10^7, 7·10^7, 1.2·10^9, 3·10^10, 10^12
SHAPES = [(6, 5), (7, 5), (10, 4), (10, 5), (13, 4), (13, 5), (15, 5), (20, 4)]


def random_field(descriptors: int, variants: int, seed: int, density: float = 0.3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    total = descriptors * variants
    values = rng.choice([-3, -2, -1, 1, 2, 3], p=[0.05, 0.15, 0.3, 0.3, 0.15, 0.05], size=(total, total))
    values *= rng.random((total, total)) < density
    labels = [(f"D{d}", f"v{v}") for d in range(descriptors) for v in range(variants)]
    index = pd.MultiIndex.from_tuples(labels, names=["descriptor", "variant"])
    return pd.DataFrame(values, index=index, columns=index.copy())


def timed(function, *args):
    started = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-configurations", type=float, default=2e9)
    parser.add_argument("--brute-limit", type=float, default=1.1e7)
    parser.add_argument("--max-inconsistency", type=int, default=0)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args(argv)

    print(f"max_inconsistency = {args.max_inconsistency}; times in seconds; ratio = brute force / pruned")
    header = f"{'field':>8} {'configurations':>15} {'seed':>4} {'scenarios':>9} {'pruned':>9} {'brute':>9} {'ratio':>8}"
    print(header)
    print("-" * len(header))
    for descriptors, variants in SHAPES:
        size = variants ** descriptors
        if size > args.max_configurations:
            continue
        for seed in range(args.seeds):
            matrix = random_field(descriptors, variants, seed)
            found, pruned = timed(consistent_scenarios, matrix, args.max_inconsistency)
            brute, ratio = "-", "-"
            if size <= args.brute_limit:
                expected, seconds = timed(brute_force_consistent, matrix, args.max_inconsistency)
                if not found.equals(expected):
                    print(f"DIFFERENT RESULTS for {descriptors}x{variants}, seed {seed}", file=sys.stderr)
                    return 1
                brute, ratio = f"{seconds:9.3f}", f"{seconds / pruned:8.0f}"
            print(f"{descriptors:>3}x{variants:<4} {size:>15.2e} {seed:>4} {len(found):>9} {pruned:>9.3f} "
                  f"{brute:>9} {ratio:>8}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
