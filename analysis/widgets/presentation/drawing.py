"""The presentation's drawing: fonts and sizes readable from the back of a room, colours with
contrasting ink, hand-built SVG text, grids and legends."""

from __future__ import annotations

import html
import math

import pandas as pd

from ...palette import ORANGE, VERMILLION


FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif"


TEXT_PX = 24  # smallest text, in SVG user units (1 unit = 1 CSS px at 1920×1080)


CELL = 44


SCALE_COLOURS = ["#FFFFFF", "#C6DBEF", "#6BAED6", "#08519C"]  # 0..3, sequential blues


POTENTIAL_COLOUR = ORANGE


DIAGONAL_COLOUR = "#BDBDBD"


def escape(text) -> str:
    return html.escape(str(text), quote=True)


def french_number(value: float, digits: int = 1) -> str:
    """A number the French way: 1,5 ; integers without decimals."""
    value = float(value)
    if value.is_integer():
        return str(int(value))
    return f"{value:.{digits}f}".replace(".", ",")


def luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def ink(background: str) -> str:
    """Black or white text, whichever contrasts most with the background."""
    light = luminance(background)
    return "#000000" if (light + 0.05) / 0.05 >= 1.05 / (light + 0.05) else "#FFFFFF"


def mix(a: str, b: str, t: float) -> str:
    ca = [int(a[i:i + 2], 16) for i in (1, 3, 5)]
    cb = [int(b[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * t):02X}" for x, y in zip(ca, cb))


def scale_colour(value: float) -> str:
    value = min(max(float(value), 0.0), 3.0)
    low = int(math.floor(value))
    if low >= 3:
        return SCALE_COLOURS[3]
    return mix(SCALE_COLOURS[low], SCALE_COLOURS[low + 1], value - low)


def svg_open(width: float, height: float, label: str) -> str:
    return (f'<svg class="figure" xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
            f'viewBox="0 0 {width:.0f} {height:.0f}" style="width:{width / 24:.4f}rem;height:{height / 24:.4f}rem" '
            f'role="img" aria-label="{escape(label)}" font-family="{FONT}">')


def svg_text(x, y, text, size=TEXT_PX, anchor="start", fill="#000000", weight="normal", rotate=None,
          baseline="central") -> str:
    transform = f' transform="rotate({rotate} {x:.1f} {y:.1f})"' if rotate is not None else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}" '
            f'font-weight="{weight}" dominant-baseline="{baseline}"{transform}>{escape(text)}</text>')


def grid_svg(labels: list[str], cells: dict[tuple[int, int], tuple[str, str, bool]], label: str,
              cell: int = CELL, diagonal: bool = True) -> str:
    """A square grid: cells[(i, j)] = (text, background, marked); row and column labels are codes."""
    n = len(labels)
    left = max(len(code) for code in labels) * 16 + 20
    top = left
    width, height = left + n * cell + 8, top + n * cell + 8
    parts = [svg_open(width, height, label)]
    for k, code in enumerate(labels):
        parts.append(svg_text(left - 10, top + k * cell + cell / 2, code, anchor="end", weight="bold"))
        x = left + k * cell + cell / 2
        parts.append(svg_text(x, top - 10, code, anchor="start", weight="bold", rotate=-90))
    marks = []
    for i in range(n):
        for j in range(n):
            x, y = left + j * cell, top + i * cell
            if i == j and diagonal:
                parts.append(f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="{DIAGONAL_COLOUR}" '
                             f'stroke="#555" stroke-width="1"/>')
                continue
            text, background, marked = cells.get((i, j), ("", "#FFFFFF", False))
            parts.append(f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="{background}" '
                         f'stroke="#555" stroke-width="1"/>')
            if text:
                parts.append(svg_text(x + cell / 2, y + cell / 2 + 1, text, anchor="middle", fill=ink(background),
                                   weight="bold" if len(text) < 3 else "normal"))
            if marked:
                marks.append(f'<rect x="{x + 2.5}" y="{y + 2.5}" width="{cell - 5}" height="{cell - 5}" fill="none" '
                             f'stroke="{VERMILLION}" stroke-width="5"/>')
    parts.extend(marks)
    parts.append(f'<rect x="{left}" y="{top}" width="{n * cell}" height="{n * cell}" fill="none" stroke="#000" '
                 f'stroke-width="2"/>')
    parts.append("</svg>")
    return "".join(parts)


def scale_legend(halves: bool = False) -> str:
    """The colours of the 0–3 scale and of P; with ``halves``, also of the medians 0,5, 1,5 and 2,5
    (a group's median falls between two notes when as many participants gave each)."""
    items = [("", SCALE_COLOURS[0], "0 : aucune"), ("1", SCALE_COLOURS[1], "faible"),
             ("2", SCALE_COLOURS[2], "moyenne"), ("3", SCALE_COLOURS[3], "forte"),
             ("P", POTENTIAL_COLOUR, "potentielle")]
    if halves:  # no P: a median is of numbers (P counted as 3)
        half = [(french_number(value), scale_colour(value), "") for value in (0.5, 1.5, 2.5)]
        items = [items[0], half[0], items[1], half[1], items[2], half[2], items[3]]
    chips = "".join(f'<span class="swatch"><span class="chip" style="background:{c};color:{ink(c)}">{escape(t)}</span>'
                    f'{escape(name)}</span>' for t, c, name in items)
    return f'<div class="swatches">{chips}</div>'


def code_legend(variables: pd.DataFrame) -> str:
    items = "".join(f'<li><span class="code">{escape(code)}</span>{escape(name)}</li>'
                    for code, name in zip(variables["code"], variables["name"]))
    return f'<ul class="legend">{items}</ul>'
