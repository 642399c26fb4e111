"""OCR of scans: images (PNG, JPEG, TIFF) and the pages of a PDF that have no text layer.

Tesseract (Debian's ``tesseract-ocr`` with its French model ``tesseract-ocr-fra``, installed by
``make ocr``) reads each page through pytesseract; PDF pages are first drawn at 300 dpi by
pypdfium2. Pages are read side by side, one single-threaded Tesseract per core. One Tesseract run
per page gives the words with their confidence: the text is rebuilt
from them (lines, and a blank line between paragraphs) and the mean confidence of the words is
kept for the document (``ocr_confidence``, 0 to 100), with the engine and its version (``ocr``).
A progress bar counts the pages on standard error (when it is a terminal).

Errors name the file and are French :class:`InputError` (exit status 2, corpus unchanged): an
image that cannot be read, Tesseract or its French model missing, a page too long to read.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import sys
import warnings
from collections.abc import Iterable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from ...errors import InputError
from .base import ReadDocument, first_line_title

LANGUAGE = "fra"
#: Resolution at which the pages of a PDF are drawn for Tesseract (its models expect ~300 dpi).
PDF_DPI = 300
#: Seconds Tesseract may spend on one page before the file is refused.
PAGE_TIMEOUT_S = 300
#: Larger images are refused (a decompression bomb, or not a page): about A0 at 300 dpi.
MAX_PIXELS = 150_000_000
INSTALL_HINT = "installez-le avec « make ocr » (paquets Debian tesseract-ocr et tesseract-ocr-fra)"


@dataclass
class OcrResult:
    """The text read on some pages, and the confidence of each word (0 to 100)."""

    pages: dict[int, str] = field(default_factory=dict)
    confidences: list[float] = field(default_factory=list)

    @property
    def mean_confidence(self) -> float | None:
        return sum(self.confidences) / len(self.confidences) if self.confidences else None

    def metadata(self) -> dict[str, str]:
        """The ``ocr`` and ``ocr_confidence`` columns of the document."""
        mean = self.mean_confidence
        return {"ocr": engine(), "ocr_confidence": f"{mean:.1f}" if mean is not None else ""}


def _pytesseract():
    try:
        import pytesseract
    except ImportError:  # pragma: no cover - a dependency of the package
        return None
    return pytesseract


@functools.lru_cache(maxsize=1)
def _engine() -> str | None:
    pytesseract = _pytesseract()
    if pytesseract is None:
        return None
    try:
        version = pytesseract.get_tesseract_version()
        languages = pytesseract.get_languages()
    except (pytesseract.TesseractNotFoundError, OSError, RuntimeError):
        return None
    if LANGUAGE not in languages:
        return ""
    return f"tesseract {version}"


def engine() -> str:
    """``tesseract 5.3.0``: the engine that reads the scans, and its version."""
    return _engine() or ""


def check_engine(path: Path) -> str:
    """The engine, or an :class:`InputError` on ``path`` saying what is missing."""
    found = _engine()
    if found is None:
        raise InputError(path, f"OCR nécessaire mais Tesseract est absent : {INSTALL_HINT}")
    if found == "":
        raise InputError(path, f"OCR nécessaire mais le modèle français de Tesseract est absent : {INSTALL_HINT}")
    return found


def _prepared(image):
    """A page as Tesseract reads it best: grey levels, transparency on white."""
    from PIL import Image

    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        image = image.convert("RGBA")
        background = Image.new("RGBA", image.size, "white")
        image = Image.alpha_composite(background, image)
    return image if image.mode in ("L", "1") else image.convert("L")


def _is_blank(image) -> bool:
    low, high = image.convert("L").getextrema()
    return high - low < 16


def read_page(path: Path, image, page: int) -> tuple[str, list[float]]:
    """The text of one page image (numbered ``page`` from 0) and its words' confidences."""
    pytesseract = _pytesseract()
    image = _prepared(image)
    if _is_blank(image):
        return "", []
    dpi = image.info.get("dpi")
    config = "--psm 3" + ("" if dpi and dpi[0] >= 70 else f" --dpi {PDF_DPI}")
    try:
        data = pytesseract.image_to_data(image, lang=LANGUAGE, config=config, timeout=PAGE_TIMEOUT_S,
                                         output_type=pytesseract.Output.DICT)
    except (pytesseract.TesseractNotFoundError, FileNotFoundError):
        raise InputError(path, f"OCR nécessaire mais Tesseract est absent : {INSTALL_HINT}") from None
    except (RuntimeError, OSError) as error:  # pytesseract's timeout, and TesseractError (a RuntimeError)
        if "timeout" in str(error).lower():
            raise InputError(path, f"OCR trop long (plus de {PAGE_TIMEOUT_S} s)", f"page {page + 1}") from None
        raise InputError(path, f"l’OCR a échoué ({error})", f"page {page + 1}") from None
    confidences: list[float] = []
    return _text_of(data, confidences), confidences


@contextlib.contextmanager
def _one_thread_per_tesseract():
    """Tesseract's OpenMP threads fight each other and the pages read side by side (five times
    slower on two busy cores, measured): one thread per Tesseract, one Tesseract per core. The
    variable is set only while pages are read, and a value the user set is kept."""
    if "OMP_THREAD_LIMIT" in os.environ:
        yield
        return
    os.environ["OMP_THREAD_LIMIT"] = "1"
    try:
        yield
    finally:
        os.environ.pop("OMP_THREAD_LIMIT", None)


def read_pages(path: Path, images: Iterable[tuple[int, object]], total: int) -> OcrResult:
    """OCR of ``(page number, image)`` pairs, on every core at once, with a progress bar. Images are
    drawn as they are needed: at most two per core wait in memory."""
    result = OcrResult()
    found: dict[int, list[float]] = {}
    workers = max(1, min(os.cpu_count() or 1, total))

    def collect(futures) -> None:
        for future in futures:
            number, text, confidences = future.result()
            result.pages[number] = text
            found[number] = confidences
            bar.update()

    def task(image, number):
        text, confidences = read_page(path, image, number)
        return number, text, confidences

    with _one_thread_per_tesseract(), _progress(path, total) as bar, ThreadPoolExecutor(workers) as pool:
        pending = set()
        try:
            for number, image in images:
                pending.add(pool.submit(task, image, number))
                if len(pending) >= 2 * workers:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    collect(done)
            collect(wait(pending)[0])
        except BaseException:
            for future in pending:
                future.cancel()
            raise
    result.confidences = [confidence for number in sorted(found) for confidence in found[number]]
    return result


def _text_of(data: dict[str, list], confidences: list[float]) -> str:
    """Tesseract's words put back in lines, with a blank line between paragraphs."""
    paragraphs: list[list[str]] = []
    lines: dict[tuple[int, int, int], list[str]] = {}
    order: list[tuple[int, int, int]] = []
    for level, block, paragraph, line, text, confidence in zip(
        data["level"], data["block_num"], data["par_num"], data["line_num"], data["text"], data["conf"],
    ):
        word = str(text).strip()
        if int(level) != 5 or not word:
            continue
        key = (int(block), int(paragraph), int(line))
        if key not in lines:
            lines[key] = []
            order.append(key)
        lines[key].append(word)
        if float(confidence) >= 0:
            confidences.append(float(confidence))
    current = None
    for key in order:
        if key[:2] != current:
            paragraphs.append([])
            current = key[:2]
        paragraphs[-1].append(" ".join(lines[key]))
    return "\n\n".join("\n".join(paragraph) for paragraph in paragraphs)


def _progress(path: Path, total: int):
    return tqdm(total=total, desc=f"OCR {path.name}", unit="page", file=sys.stderr, disable=None, leave=False)


def read_image(path: Path, data: bytes) -> list[ReadDocument]:
    """A scanned page (PNG, JPEG) or several (the frames of a TIFF), read by OCR."""
    from PIL import Image, ImageSequence, UnidentifiedImageError

    frames = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # « Corrupt EXIF data »: the error, if any, follows
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.width * image.height > MAX_PIXELS:
                raise InputError(path, f"image trop grande ({image.width} × {image.height} pixels)")
            for frame in ImageSequence.Iterator(image):
                if frame.width * frame.height > MAX_PIXELS:
                    raise InputError(path, f"image trop grande ({frame.width} × {frame.height} pixels)")
                frame.load()
                copy = frame.copy()
                copy.info["dpi"] = frame.info.get("dpi") or image.info.get("dpi")
                frames.append(copy)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InputError(path, "image trop grande (plus de pixels qu’une page numérisée)") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
        raise InputError(path, f"image corrompue ou illisible ({error})") from None
    if not frames:
        raise InputError(path, "image sans aucune page")
    if not all(_is_blank(frame) for frame in frames):
        check_engine(path)
    result = read_pages(path, enumerate(frames), len(frames))
    text = "\f".join(result.pages[n] for n in range(len(frames)))
    if not text.strip():
        raise InputError(path, f"l’OCR n’a lu aucun texte sur l’image ({len(frames)} page(s))")
    return [ReadDocument(text=text, title=first_line_title(text, path.stem), metadata=result.metadata())]


def ocr_pdf_pages(path: Path, data: bytes, pages: list[int]) -> OcrResult:
    """OCR of the pages numbered ``pages`` (from 0) of a PDF, drawn at :data:`PDF_DPI`."""
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as error:
        raise InputError(path, f"fichier PDF corrompu ou illisible ({error})") from None

    def drawn():
        for number in pages:
            page = document[number]
            width, height = page.get_size()
            if width * height * (PDF_DPI / 72) ** 2 > MAX_PIXELS:
                raise InputError(path, f"page trop grande pour l’OCR ({width / 72 * 2.54:.0f} × "
                                 f"{height / 72 * 2.54:.0f} cm)", f"page {number + 1}")
            image = page.render(scale=PDF_DPI / 72, grayscale=True).to_pil()
            page.close()
            image.info["dpi"] = (PDF_DPI, PDF_DPI)
            if not _is_blank(image):
                check_engine(path)
            yield number, image

    try:
        return read_pages(path, drawn(), len(pages))
    except pypdfium2.PdfiumError as error:
        raise InputError(path, f"fichier PDF corrompu ou illisible ({error})") from None
    finally:
        document.close()
