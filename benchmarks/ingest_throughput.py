"""Ingestion and segmentation throughput on the seed corpus repeated to larger sizes.

Each measurement runs in its own process so that its peak memory (max RSS) is its own.
The baseline, measured in the same run on the same file, is the least any ingestion must do:
read the bytes, decode them and normalise them to NFC. Ratios against it say how much the
readers, cleaning rules and atomic writes cost on top; the ratio of times between sizes
says how time grows with size (10 for linear growth from 10 MB to 100 MB).

    python benchmarks/ingest_throughput.py [--sizes 1 10 100]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SEED_TEXTS = ["rtes-plan-actions-2022.txt", "rtes-etude-ess-collectivites-2017.txt"]


def make_source(directory: Path, megabytes: int) -> Path:
    """The seed texts repeated, each copy headed by its number so that no block repeats verbatim."""
    seed = "\n\n".join((REPO / "corpus" / "sources" / name).read_text(encoding="utf-8") for name in SEED_TEXTS)
    target = megabytes * 1024 * 1024
    path = directory / f"seed-{megabytes}mo.txt"
    with open(path, "w", encoding="utf-8") as handle:
        written, copy = 0, 0
        while written < target:
            chunk = f"\n\nCopie n°{copy} du corpus de référence\n\n{seed}"
            handle.write(chunk)
            written += len(chunk.encode("utf-8"))
            copy += 1
    return path


def child(task: str, path: Path, corpus_dir: Path) -> dict:
    import unicodedata

    from analysis import Corpus
    from analysis.corpus.ingest import IngestOptions, ingest

    started = time.perf_counter()
    if task == "baseline":
        unicodedata.normalize("NFC", path.read_bytes().decode("utf-8"))
    elif task == "ingest":
        report = ingest(Corpus.open(corpus_dir), [(path, IngestOptions(max_size_mb=1024))], progress=False)
        assert report.ok and report.added, report.failed
    elif task == "segment":
        units = Corpus.open(corpus_dir).units("segment")
        assert len(units) > 0
    return {"seconds": time.perf_counter() - started}


def measure(task: str, path: Path, corpus_dir: Path) -> dict:
    process = subprocess.Popen(
        [sys.executable, __file__, "--child", task, str(path), str(corpus_dir)],
        stdout=subprocess.PIPE, text=True,
    )
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{task} on {path.name} failed")
    result = json.loads(output)
    result["peak_mb"] = usage.ru_maxrss / 1024
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 100], help="source sizes in MB")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        task, path, corpus_dir = args.child
        print(json.dumps(child(task, Path(path), Path(corpus_dir))))
        return

    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        for size in args.sizes:
            source = make_source(scratch, size)
            corpus_dir = scratch / f"corpus-{size}"
            baseline = measure("baseline", source, corpus_dir)
            ingested = measure("ingest", source, corpus_dir)
            segmented = measure("segment", source, corpus_dir)
            rows.append((size, baseline, ingested, segmented))
            source.unlink()

    print(f"{'MB':>5} {'baseline s':>10} {'ingest s':>9} {'MB/s':>6} {'x base':>7} {'peak MB':>8}"
          f" {'segment s':>10} {'MB/s':>6} {'peak MB':>8}")
    for size, baseline, ingested, segmented in rows:
        print(f"{size:>5} {baseline['seconds']:>10.2f} {ingested['seconds']:>9.2f} "
              f"{size / ingested['seconds']:>6.2f} {ingested['seconds'] / baseline['seconds']:>7.1f} "
              f"{ingested['peak_mb']:>8.0f} {segmented['seconds']:>10.2f} "
              f"{size / segmented['seconds']:>6.2f} {segmented['peak_mb']:>8.0f}")
    for (small, _, ing_small, seg_small), (large, _, ing_large, seg_large) in zip(rows, rows[1:]):
        print(f"growth {small} MB -> {large} MB (x{large / small:g}): ingest time x"
              f"{ing_large['seconds'] / ing_small['seconds']:.1f}, segmentation time x"
              f"{seg_large['seconds'] / seg_small['seconds']:.1f}")


if __name__ == "__main__":
    main()
