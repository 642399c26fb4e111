"""Coding logs at scale: append latency, replay, agreement, REFI-QDA export and import.

    python benchmarks/codings_bench.py [--events 100000] [--segments 10000]

Baselines measured in the same run: ``pandas.read_json(lines=True)`` of the same log for the
replay (the least any reading of the log must do), and a bare ``write`` of the same lines
without lock or fsync for the appends.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis import Corpus  # noqa: E402
from analysis.coding.agreement import agreement  # noqa: E402
from analysis.corpus.ingest import IngestOptions, ingest  # noqa: E402
from analysis.coding.queries import current_codings  # noqa: E402
from analysis.coding.store import CodingStore

CODES = [f"famille-{f}/code-{c}" for f in range(4) for c in range(5)]
WORDS = ("la collectivité soutient les coopératives du territoire avec des moyens dédiés et des élus "
         "engagés pour la transition écologique").split()


def bench_appends(scratch: Path, events: int) -> dict:
    corpus = Corpus.open(scratch / "corpus-appends")
    store = CodingStore.of(corpus)
    latencies = []
    for n in range(events):
        started = time.perf_counter()
        store.add("marie", "doc", "h", n, n + 40, CODES[n % len(CODES)], "un extrait codé de quarante caractères…")
        latencies.append(time.perf_counter() - started)
    lines = store.path("marie").read_bytes().splitlines(keepends=True)
    started = time.perf_counter()
    with open(scratch / "bare.jsonl", "wb") as handle:
        for line in lines:
            handle.write(line)
    bare = time.perf_counter() - started
    started = time.perf_counter()
    replay = store.replay()
    replay_seconds = time.perf_counter() - started
    assert len(replay.codings) == events
    started = time.perf_counter()
    frame = pd.read_json(store.path("marie"), lines=True)
    read_json_seconds = time.perf_counter() - started
    assert len(frame) == events
    return {
        "events": events, "append_median_ms": statistics.median(latencies) * 1e3,
        "append_p99_ms": sorted(latencies)[int(0.99 * len(latencies))] * 1e3,
        "append_total_s": sum(latencies), "bare_write_total_s": bare,
        "replay_s": replay_seconds, "read_json_s": read_json_seconds,
        "log_mb": os.path.getsize(store.path("marie")) / 1e6,
    }


def corpus_with_segments(scratch: Path, segments: int) -> Corpus:
    """Documents of 40-word paragraphs: one segment each, 100 per document."""
    corpus = Corpus.open(scratch / "corpus-agreement")
    files = []
    rng = random.Random(1)
    for d in range(segments // 100):
        paragraphs = [" ".join(rng.choice(WORDS) for _ in range(39)) + "." for _ in range(100)]
        path = scratch / f"doc-{d:04d}.txt"
        path.write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
        files.append((path, IngestOptions()))
    assert ingest(corpus, files, progress=False).ok
    return corpus


def code_randomly(corpus: Corpus, coders: list[str], share: float) -> None:
    rng = random.Random(2)
    segments = corpus.units("segment")
    hashes = dict(zip(corpus.documents()["doc_id"], corpus.documents()["text_sha256"]))
    texts = {doc: corpus.text(doc) for doc in hashes}
    store = CodingStore(corpus.root / "codings")  # the setup, valid by construction: not what is measured
    for segment in segments.itertuples():
        if rng.random() > share:
            continue
        code = rng.choice(CODES)
        for coder in coders:
            chosen = code if rng.random() < 0.8 else rng.choice(CODES)
            start = segment.start + 3
            store.add(coder, segment.doc_id, hashes[segment.doc_id], start, start + 20, chosen,
                      texts[segment.doc_id][start:start + 20])


def bench_agreement(scratch: Path, segments: int) -> dict:
    corpus = corpus_with_segments(scratch, segments)
    code_randomly(corpus, ["a", "b"], share=0.5)
    codings = current_codings(corpus)
    started = time.perf_counter()
    table = agreement(corpus, codings, unit="segment")
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    excluded = agreement(corpus, codings, unit="segment", exclude_uncoded=True)
    excluded_seconds = time.perf_counter() - started
    return {"segments": len(corpus.units("segment")), "codings": len(codings),
            "agreement_s": seconds, "agreement_excluded_s": excluded_seconds,
            "kappa": table.iloc[-1]["cohen_kappa"], "kappa_excluded": excluded.iloc[-1]["cohen_kappa"],
            "corpus": corpus}


def bench_refi(scratch: Path, corpus: Corpus) -> dict:
    from analysis.coding.refi_qda import export_project, import_project

    archive = scratch / "projet.qdpx"
    started = time.perf_counter()
    export_project(corpus, archive, tool="nvivo")
    export_seconds = time.perf_counter() - started
    target = Corpus.open(scratch / "corpus-import")
    started = time.perf_counter()
    summary = import_project(target, archive, positions="auto")
    import_seconds = time.perf_counter() - started
    return {"export_s": export_seconds, "import_s": import_seconds, "archive_mb": archive.stat().st_size / 1e6,
            "imported_codings": summary["codings"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--segments", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        appends = bench_appends(scratch, args.events)
        print(f"appends: {appends['events']} events, median {appends['append_median_ms']:.3f} ms, "
              f"p99 {appends['append_p99_ms']:.3f} ms, total {appends['append_total_s']:.1f} s "
              f"(bare writes without lock or fsync: {appends['bare_write_total_s']:.2f} s); log {appends['log_mb']:.1f} MB")
        print(f"replay: {appends['replay_s']:.2f} s; pandas.read_json(lines=True): {appends['read_json_s']:.2f} s; "
              f"ratio {appends['replay_s'] / appends['read_json_s']:.1f}")
        result = bench_agreement(scratch, args.segments)
        print(f"agreement: {result['segments']} segments, {result['codings']} codings, 2 coders, "
              f"{len(CODES)} codes: {result['agreement_s']:.2f} s (excluding uncoded: "
              f"{result['agreement_excluded_s']:.2f} s); overall kappa {result['kappa']:.3f} "
              f"({result['kappa_excluded']:.3f} without uncoded segments)")
        refi = bench_refi(scratch, result["corpus"])
        print(f"REFI-QDA: export {refi['export_s']:.2f} s ({refi['archive_mb']:.1f} MB), import "
              f"{refi['import_s']:.2f} s ({refi['imported_codings']} codings)")


if __name__ == "__main__":
    main()
