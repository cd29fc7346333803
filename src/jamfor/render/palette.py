"""The report colours as hex values: strong swatches and light fills that dark text stays readable on.

Hues follow ColorBrewer's RdYlGn scale (#1a9850 green … #d73027 red). Red and green are hard to
tell apart for many readers, which is why no renderer shows a colour without its words; the
fills are light enough for black text to keep a contrast ratio above 7:1.

`LINE` and `REFERENCE_LINE` are the colours of chart lines and markers: each has a contrast of at
least 3:1 against the white chart background (WCAG 2.1, 1.4.11 non-text contrast), and they stay
apart for readers with protanopia, deuteranopia or tritanopia (tests/render/test_charts.py).
"""

from __future__ import annotations

from typing import Final

from jamfor.reports.model import Colour

SWATCH: Final[dict[Colour, str]] = {
    "green": "#1a9850",
    "lightgreen": "#91cf60",
    "yellow": "#fee08b",
    "orange": "#fc8d59",
    "red": "#d73027",
    "grey": "#bdbdbd",
    "none": "",
}

FILL: Final[dict[Colour, str]] = {
    "green": "#b7e1a1",
    "lightgreen": "#e3f4c6",
    "yellow": "#fff1a8",
    "orange": "#fdd0a2",
    "red": "#f4b6ae",
    "grey": "#e4e4e4",
    "none": "",
}

# Rich styles for the terminal: the colour word is printed in its colour.
TERMINAL: Final[dict[Colour, str]] = {
    "green": "bold green",
    "lightgreen": "green",
    "yellow": "yellow",
    "orange": "dark_orange",
    "red": "bold red",
    "grey": "bright_black",
    "none": "",
}

# Lines and markers of chart series (docs/charts.md). Okabe–Ito's blue, vermillion and bluish green
# (5.2, 3.9 and 3.4:1 on white); its orange (2.2:1), sky blue (2.3:1) and reddish purple (3.1:1)
# are too light for lines on white, so a purple and a brown take their place (5.3 and 7.3:1).
# Every pair stays at least 17 CIELAB units apart, and from the references' black and grey, in
# simulated protanopia, deuteranopia and tritanopia as well as in normal vision.
LINE: Final[dict[str, str]] = {
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "green": "#009E73",
    "purple": "#A020F0",
    "brown": "#8C4020",
}

# Reference lines (Riket, ovägt medel): black and dark grey (21 and 7:1), never a series colour.
REFERENCE_LINE: Final[dict[str, str]] = {"black": "#000000", "grey": "#595959"}
