"""Time of the privacy gate (``atelier privacy-check``) on the built book: with the seed corpus,
and with the seed corpus plus a planted corpus of private interviews generated here.

    python benchmarks/privacy_scan.py [--html _build/html] [--interviews 300] [--words 6000]

Without ``--html``, the seed book is built first into a temporary folder (about 40 s). Baseline
measured in the same run: reading every HTML page of the book and taking its text with lxml
(``text_content()``), the least any scan of the pages must do. The gate does more: the visible
text with shown attributes and SVG, the search index and page sources, every shingle of every
private text, the protected names, e-mail addresses and phone numbers.
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis import Corpus  # noqa: E402
from analysis.corpus.ingest import IngestOptions, ingest  # noqa: E402
from analysis.publication.privacy import forbidden_content, scan_build  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
GIVEN_NAMES = ["Anne", "Bruno", "Chantal", "Didier", "Élise", "Fabrice", "Gaëlle", "Hugo", "Inès", "Julien",
               "Karima", "Loïc", "Maëlle", "Nadia", "Olivier", "Pascale", "Quentin", "Rachida", "Sébastien", "Thérèse"]
SURNAMES = ["Abadie", "Bellanger", "Caron", "Delmas", "Étienne", "Ferrand", "Guérin", "Hébert", "Imbert", "Jacquet",
            "Kessler", "Lemaître", "Marchand", "Nicolas", "Ollivier", "Perrin", "Quéré", "Roussel", "Saulnier", "Texier"]


def build_seed_book(out: Path) -> Path:
    subprocess.run([str(Path(sys.executable).parent / "jupyter-book"), "build", str(REPO), "--path-output", str(out),
                    "--warningiserror"], check=True, capture_output=True, cwd=REPO)
    return out / "_build" / "html"


def baseline(html_dir: Path) -> float:
    import lxml.html

    started = time.perf_counter()
    for page in html_dir.rglob("*.html"):
        lxml.html.document_fromstring(page.read_bytes()).text_content()
    return time.perf_counter() - started


def timed(function, *args):
    started = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - started, result


def write_interviews(folder: Path, count: int, words: int, seed: int = 0) -> list[Path]:
    """``count`` interview transcripts of about ``words`` words each: turns of an interviewer and
    a named interviewee, sentences of words drawn from the seed corpus's own vocabulary."""
    rng = random.Random(seed)
    vocabulary = sorted({w for path in (REPO / "corpus" / "texts").glob("*.txt")
                         for w in path.read_text(encoding="utf-8").split() if w.isalpha() and len(w) > 2})
    people = rng.sample([f"{given} {surname}".upper() for given in GIVEN_NAMES for surname in SURNAMES], count)
    paths = []
    for number, interviewee in enumerate(people):
        turns, written, seconds = [], 0, 0
        while written < words:
            speaker = "ENQUÊTRICE" if len(turns) % 2 == 0 else interviewee
            sentence = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(12, 40)))
            seconds += rng.randint(5, 60)
            turns.append(f"[{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}] {speaker} : "
                         f"{sentence[0].upper()}{sentence[1:]}.")
            written += sentence.count(" ") + 1
        path = folder / f"entretien-{number:03d}.txt"
        path.write_text("\n\n".join(turns) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, help="the built HTML book (default: build the seed book)")
    parser.add_argument("--interviews", type=int, default=300, help="at most 400 (distinct names)")
    parser.add_argument("--words", type=int, default=6000, help="words per interview")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        html_dir = args.html or build_seed_book(scratch / "book")
        pages = len(list(html_dir.rglob("*.html")))
        base = min(baseline(html_dir) for _ in range(3))
        seed = Corpus.open(REPO / "corpus")
        seed_content, content = timed(forbidden_content, seed)
        seed_scan, findings = timed(scan_build, html_dir, seed)
        assert findings.empty, findings
        print(f"book: {pages} HTML pages; baseline (read and lxml text of every page) {base:.2f} s")
        print(f"seed corpus ({len(seed.documents())} documents, {len(content.passages)} private shingles): "
              f"gate {seed_scan:.2f} s (ratio {seed_scan / base:.1f}), of which forbidden content {seed_content:.2f} s")

        planted_dir = scratch / "corpus"
        shutil.copytree(REPO / "corpus", planted_dir, ignore=shutil.ignore_patterns("derived", "codings", "inbox", ".*"))
        planted = Corpus.open(planted_dir)
        sources = scratch / "interviews"
        sources.mkdir()
        files = write_interviews(sources, args.interviews, args.words)
        ingest_seconds, report = timed(ingest, planted, [(path, IngestOptions()) for path in files], False, False)
        assert report.ok, report.failed[:3]
        megabytes = sum(path.stat().st_size for path in files) / 1e6
        planted_content, content = timed(forbidden_content, planted)
        planted_scan, findings = timed(scan_build, html_dir, planted)
        assert findings.empty, findings.head()
        print(f"planted corpus: +{args.interviews} private interviews of ~{args.words} words ({megabytes:.1f} MB, "
              f"ingested in {ingest_seconds:.1f} s), {len(content.passages)} private shingles, "
              f"{len(content.names.names)} protected names")
        print(f"gate {planted_scan:.2f} s (ratio {planted_scan / base:.1f}), of which forbidden content "
              f"{planted_content:.2f} s; x{planted_scan / seed_scan:.1f} the seed corpus's gate; no finding")
        print(f"peak memory of the process: {peak_mb():.0f} MB")


if __name__ == "__main__":
    main()
