"""The one palette of the workbench, for the book's figures, the widgets and the workshop.

Okabe and Ito's eight colours stay distinct for readers with the common colour-vision
deficiencies; :data:`CATEGORICAL` orders them (then ColorBrewer's Dark2 for more than eight) for
anything counted in categories: themes' classes, coders, kinds of dated mentions, quadrants.
"""

from __future__ import annotations

BLUE = "#0072B2"
VERMILLION = "#D55E00"
BLUISH_GREEN = "#009E73"
REDDISH_PURPLE = "#CC79A7"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
YELLOW = "#F0E442"
BLACK = "#000000"
GREY = "#666666"

CATEGORICAL = [BLUE, VERMILLION, BLUISH_GREEN, REDDISH_PURPLE, ORANGE, SKY_BLUE, "#8C6D00", BLACK,
               "#1B9E77", "#D95F02", "#7570B3", "#E7298A", "#66A61E", "#A6761D", GREY, "#E6AB02"]


def categorical(index: int) -> str:
    """The colour of the category at ``index`` (from 0), cycling past the end of the palette."""
    return CATEGORICAL[index % len(CATEGORICAL)]


#: The backgrounds text is read on in the book (pydata-sphinx-theme's page and table rows, the
#: least contrasted of each mode): :func:`text_colour` reaches its contrast on them.
BOOK_BACKGROUNDS = {"light": "#F3F4F5", "dark": "#29313D"}


def _luminance(colour: str) -> float:
    """WCAG 2 relative luminance of ``#RRGGBB``."""
    channels = [int(colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2 contrast ratio of two ``#RRGGBB`` colours (1 to 21)."""
    light, dark = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def text_colour(colour: str, mode: str = "light", ratio: float = 4.5) -> str:
    """The text variant of a palette colour: ``colour`` mixed with black (``mode="light"``) or
    white (``"dark"``), as little as reaches ``ratio`` against the book's background in that mode
    (WCAG 2 AA: 4.5 for text). The hue stays, so a label keeps the colour of its class."""
    background = BOOK_BACKGROUNDS[mode]
    target = 0 if mode == "light" else 255
    channels = [int(colour.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4)]
    for step in range(101):
        mixed = "#" + "".join(f"{round(c + (target - c) * step / 100):02X}" for c in channels)
        if contrast_ratio(mixed, background) >= ratio:
            return mixed
    return "#000000" if mode == "light" else "#FFFFFF"
