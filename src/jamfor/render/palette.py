"""The report colours as hex values: strong swatches and light fills that dark text stays readable on.

Hues follow ColorBrewer's RdYlGn scale (#1a9850 green … #d73027 red). Red and green are hard to
tell apart for many readers, which is why no renderer shows a colour without its words; the
fills are light enough for black text to keep a contrast ratio above 7:1.
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
