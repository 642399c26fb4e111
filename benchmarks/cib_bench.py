"""Consistent scenarios at scale: domain propagation against the plain bound, in the same run.

    python benchmarks/cib_bench.py [--time-limit 60] [--seeds 1] [--workers N]
                                   [--case 20x4:0.3 ...] [--no-baseline]

Random fields shaped like real cross-impact matrices (a share of the cells filled, impacts
mostly ±1 or ±2, rarely ±3; seeded), 16 × 4, 20 × 4 and 24 × 4 descriptors × variants with
20 % of the cells filled, 30 × 5 with 10 %, and the all-zero 30 × 5 grid (every configuration
consistent: the search stops at the 10 000-scenario cap). For each: time, nodes of the search
tree and peak memory of the search (numpy allocations, traced) with domain propagation (the
default) and with the plain bound (``propagate=False``: bounds over the full domains, only the
placed descriptors checked); a search still running after ``--time-limit`` seconds is stopped and
reported with the share of the field it had settled. Ratios are plain over propagated (time and
nodes), or, when a run was stopped, the share settled per second, propagated over plain.
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis.prospective.cib import MAX_SCENARIOS, _field, _start_domain  # noqa: E402
from analysis.prospective.cib_search import Search  # noqa: E402

# (descriptors, variants, share of filled cells); density 0 is the all-zero grid
CASES = [(16, 4, 0.2), (20, 4, 0.2), (24, 4, 0.2), (30, 5, 0.1), (30, 5, 0.0)]


def random_field(descriptors: int, variants: int, seed: int, density: float = 0.3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    total = descriptors * variants
    values = rng.choice([-3, -2, -1, 1, 2, 3], p=[0.05, 0.15, 0.3, 0.3, 0.15, 0.05], size=(total, total))
    values *= rng.random((total, total)) < density
    labels = [(f"D{d}", f"v{v}") for d in range(descriptors) for v in range(variants)]
    index = pd.MultiIndex.from_tuples(labels, names=["descriptor", "variant"])
    return pd.DataFrame(values, index=index, columns=index.copy())


def run(matrix: pd.DataFrame, propagate: bool, time_limit: float, workers: int | None) -> dict:
    """One search, stopped at the cap or the time limit: what it found and what it cost."""
    field = _field(matrix)
    tracemalloc.start()
    started = time.perf_counter()
    search = Search(field.impacts, field.starts, field.sizes, _start_domain(field, {}), 0, propagate, workers)
    found = 0
    steps = search.steps(nodes_per_step=50_000)
    for chunk in steps:
        found += len(chunk[0])
        if found >= MAX_SCENARIOS or time.perf_counter() - started > time_limit:
            break
    steps.close()
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"seconds": seconds, "nodes": search.nodes, "found": min(found, MAX_SCENARIOS),
            "finished": search.finished, "share": search.explored_share, "peak": peak}


def describe(result: dict) -> str:
    state = "done" if result["finished"] else ("cap" if result["found"] >= MAX_SCENARIOS
                                                else f"{result['share']:.1e}")
    return (f"{result['seconds']:8.2f} {result['nodes']:>11,} {result['peak'] / 2 ** 20:7.1f} "
            f"{result['found']:>6} {state:>8}")


def case(text: str) -> tuple[int, int, float]:
    shape, _, density = text.partition(":")
    descriptors, _, variants = shape.partition("x")
    return int(descriptors), int(variants), float(density or 0.2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--workers", type=int, default=None, help="threads (default: one per core)")
    parser.add_argument("--case", action="append", type=case, metavar="DxV:DENSITY",
                        help="field to measure instead of the default cases (repeatable)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the plain bound")
    args = parser.parse_args(argv)

    run(random_field(6, 3, 0, 0.3), True, 60, args.workers)  # load the compiled search once
    print("times in seconds, peak memory in MiB; state: done, cap (10 000 scenarios), or the share "
          "settled when the time limit stopped it")
    columns = f"{'seconds':>8} {'nodes':>11} {'MiB':>7} {'found':>6} {'state':>8}"
    header = f"{'field':>7} {'density':>7} {'seed':>4} | propagation: {columns} | plain bound: {columns} | ratios"
    print(header)
    print("-" * len(header))
    for descriptors, variants, density in args.case or CASES:
        for seed in range(args.seeds if density else 1):
            matrix = random_field(descriptors, variants, seed, density)
            propagated = run(matrix, True, args.time_limit, args.workers)
            if args.no_baseline:
                print(f"{descriptors:>3}x{variants:<3} {density:>7.1f} {seed:>4} | {'':13}{describe(propagated)}",
                      flush=True)
                continue
            plain = run(matrix, False, args.time_limit, args.workers)
            if plain["finished"] and propagated["finished"] or density == 0:
                ratios = (f"time {plain['seconds'] / propagated['seconds']:.1f}, "
                          f"nodes {plain['nodes'] / max(propagated['nodes'], 1):.1f}")
            else:  # stopped: compare the shares of the field settled per second
                rate = (propagated["share"] / propagated["seconds"]) / (plain["share"] / plain["seconds"])
                ratios = f"settled per second {rate:.0f}"
            print(f"{descriptors:>3}x{variants:<3} {density:>7.1f} {seed:>4} | {'':13}{describe(propagated)} | "
                  f"{'':13}{describe(plain)} | {ratios}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
