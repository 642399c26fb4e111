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
