"""The files of a theme analysis: its tables (CSV, safe to open in a spreadsheet) and figures
(PNG and SVG), in ``corpus/derived/themes/<method>-k<k>-s<segment size>/``."""

from __future__ import annotations

from pathlib import Path

from ..coding.queries import current_codings
from ..corpus.store import Corpus
from ..fsio import atomic_write_bytes, spreadsheet_safe
from .figures import FIGURES
from .pipeline import Themes, agreement_with_codes, shares_by, theme_code_association


def output_folder(corpus: Corpus, method: str, k: int, segment_size: int) -> Path:
    """Where the files of one analysis go: one folder per method, number of themes and segment size."""
    return corpus.derived_dir / "themes" / f"{method}-k{k}-s{segment_size}"


def write_outputs(corpus: Corpus, themes: Themes, out_dir: Path) -> list[str]:
    """Every table (CSV) and figure (PNG and SVG) of a theme analysis, in ``out_dir``; the names written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    tables = {
        "segments": themes.segments,
        "classes": themes.sizes.assign(termes=themes.sizes["theme"].map(themes.labels_of_themes(8))),
        "profils": themes.profiles,
        "segments-caracteristiques": themes.characteristic,
        "parts-par-annee": shares_by(themes, "year").reset_index(),
        "parts-par-genre": shares_by(themes, "genre").reset_index(),
    }
    if themes.tree() is not None:
        tables["arbre"] = themes.tree()
    codings = current_codings(corpus)
    if not codings.empty:
        tables["themes-x-codes"] = theme_code_association(themes, codings)
        tables["accord-avec-les-codes"] = agreement_with_codes(themes, codings)
    written = []
    for name, table in tables.items():
        path = out_dir / f"{name}.csv"
        atomic_write_bytes(path, spreadsheet_safe(table).to_csv(index=False, lineterminator="\n").encode("utf-8"))
        written.append(path.name)
    for name, draw in FIGURES.items():
        figure = draw(themes)
        for extension in ("png", "svg"):
            figure.savefig(out_dir / f"{name}.{extension}", dpi=200)
            written.append(f"{name}.{extension}")
    return written
