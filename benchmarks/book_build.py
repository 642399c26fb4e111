"""Time of a full Jupyter Book build, of a rebuild with nothing changed (execution cache), and
of the PDF (LaTeX builder, same cache) when Debian's TeX is installed.

    python benchmarks/book_build.py

Baseline in the same run: the full build, which executes every notebook; the rebuild should
take a fraction of it because jupyter-cache keeps the executed notebooks.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def build(out: Path, *options: str) -> float:
    started = time.perf_counter()
    subprocess.run([str(Path(sys.executable).parent / "jupyter-book"), "build", str(REPO), "--path-output", str(out),
                    "--warningiserror", *options], check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch)
        full = build(out)
        again = build(out)
        pdf = build(out, "--builder", "pdflatex") if shutil.which("xelatex") else None
    chapters = len(list((REPO / "book").glob("*.md")))
    print(f"{chapters} chapters: full build {full:.1f} s, rebuild with nothing changed {again:.1f} s "
          f"(ratio {again / full:.2f})")
    if pdf is not None:
        print(f"PDF (LaTeX builder and xelatex, notebooks from the cache): {pdf:.1f} s "
              f"(ratio {pdf / full:.2f} of the full HTML build)")


if __name__ == "__main__":
    main()
