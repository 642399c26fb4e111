"""OCR throughput: pages per minute of a scanned PDF read by ``atelier ingest`` on this machine.

The scan is made here: French text drawn at 300 dpi on A4 pages (Pillow, DejaVu Serif 12 pt),
saved as a PDF without a text layer, as the tests do. Three measurements in the same run:

- *baseline*: drawing the PDF's pages at 300 dpi (pypdfium2), the work every OCR'd page needs
  before Tesseract, and what a PDF with a text layer costs instead (text extraction, pypdf);
- *OCR*: the PDF reader on the scan (drawing and Tesseract, French model);
- *ingest*: ``atelier ingest`` of the scan into a new corpus (OCR, cleaning with the French
  dictionary, writes), in its own process as a user runs it.

    python benchmarks/ocr_bench.py [--pages 6]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

PARAGRAPHS = [
    "Le Réseau des collectivités territoriales pour une économie solidaire accompagne depuis vingt ans "
    "les élus qui soutiennent les coopératives, les associations et les entreprises d’insertion.",
    "À l’occasion de son anniversaire, il publie une étude sur la commande publique responsable, les "
    "tiers-lieux, l’accès au foncier agricole et la coopération entre les territoires.",
    "Les collectivités mènent à la fois des politiques spécifiques et des actions transversales : appui "
    "à la structuration des réseaux, clauses sociales dans les marchés publics, soutien aux pôles "
    "territoriaux de coopération économique.",
]


def scanned_pdf(path: Path, pages: int) -> Path:
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", 50)
    images = []
    for number in range(pages):
        page = Image.new("L", (2480, 3508), 255)
        draw = ImageDraw.Draw(page)
        y = 240
        draw.text((210, y), f"Page {number + 1} : vingt ans de politiques locales de l’ESS", font=font, fill=0)
        y += 120
        while y < 3200:
            for paragraph in PARAGRAPHS:
                for line in textwrap.wrap(paragraph, 68):
                    draw.text((210, y), line, font=font, fill=0)
                    y += 62
                y += 45
        images.append(page)
    images[0].save(path, "PDF", resolution=300, save_all=True, append_images=images[1:])
    return path


def text_pdf(path: Path, pages: int) -> Path:
    """The same number of pages with a text layer (the tests' minimal PDF writer)."""
    sys.path.insert(0, str(REPO / "tests"))
    from fixtures import write_pdf

    lines = [line for paragraph in PARAGRAPHS for line in textwrap.wrap(paragraph, 68)] * 6
    return write_pdf(path, [lines for _ in range(pages)])


def per_minute(pages: int, seconds: float) -> float:
    return pages / seconds * 60


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=6)
    args = parser.parse_args()

    import pypdfium2
    from pypdf import PdfReader

    from analysis.corpus.readers.ocr import PDF_DPI, engine
    from analysis.corpus.readers.pdf import read_pdf

    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        scan = scanned_pdf(folder / "scan.pdf", args.pages)
        typed = text_pdf(folder / "saisi.pdf", args.pages)
        data = scan.read_bytes()

        start = time.perf_counter()
        document = pypdfium2.PdfDocument(data)
        for page in document:
            page.render(scale=PDF_DPI / 72, grayscale=True).to_pil()
        document.close()
        render_s = time.perf_counter() - start

        start = time.perf_counter()
        text = "".join(page.extract_text() for page in PdfReader(typed).pages)
        extract_s = time.perf_counter() - start
        assert text

        start = time.perf_counter()
        [document] = read_pdf(scan, data)
        ocr_s = time.perf_counter() - start
        assert document.metadata.get("ocr"), "the scan was not read by OCR"

        start = time.perf_counter()
        subprocess.run([str(Path(sys.executable).parent / "atelier"), "--corpus", str(folder / "corpus"),
                        "ingest", str(scan)], check=True, capture_output=True, env=os.environ)
        ingest_s = time.perf_counter() - start

    print(f"{engine()}, {args.pages} A4 pages at {PDF_DPI} dpi, {os.cpu_count()} cores, "
          f"mean word confidence {document.metadata['ocr_confidence']}")
    print(f"{'measurement':<40} {'s':>7} {'pages/min':>10}")
    for name, seconds in (
        ("baseline: draw pages at 300 dpi", render_s),
        ("baseline: text-layer PDF extraction", extract_s),
        ("OCR: PDF reader (draw + Tesseract)", ocr_s),
        ("ingest: atelier ingest (OCR + cleaning)", ingest_s),
    ):
        print(f"{name:<40} {seconds:7.2f} {per_minute(args.pages, seconds):10.1f}")
    print(f"OCR costs {ocr_s / render_s:.0f} x drawing the pages, "
          f"{ocr_s / max(extract_s, 1e-6):.0f} x extracting a text layer")


if __name__ == "__main__":
    main()
