"""Swedish words and arrows for trends, colours and places, so colour never carries meaning alone."""

from __future__ import annotations

from jamfor.compute.colour import Colour, Comparison
from jamfor.compute.numbers import round_half_away
from jamfor.compute.rank import Rank
from jamfor.compute.trend import Direction, Trend

MISSING = "uppgift saknas"

TREND_LABELS: dict[Trend, str] = {
    "improved": "förbättrad",
    "worsened": "försämrad",
    "unchanged": "oförändrad",
    "increased": "ökande",
    "decreased": "minskande",
    "none": "ingen trend",
}

# The arrow shows which way the value moved, not whether that is good: a falling sick-leave
# rate is ↓ and improved. Goodness is carried by the colour and the trend word.
ARROWS: dict[Direction, str] = {"up": "↑", "down": "↓", "flat": "→"}

QUARTILE_LABELS: dict[Colour, str] = {
    "green": "bland de 25 % bästa",
    "yellow": "mellersta 50 %",
    "red": "bland de 25 % sämsta",
    "grey": MISSING,
    "none": "",
}

QUARTILE4_LABELS: dict[Colour, str] = {
    "green": "bland de 25 % bästa",
    "lightgreen": "näst bästa fjärdedelen",
    "orange": "näst sämsta fjärdedelen",
    "red": "bland de 25 % sämsta",
    "grey": MISSING,
    "none": "",
}

COMPARISON_WORDS: dict[Comparison, str] = {
    "better": "bättre än",
    "equal": "i nivå med",
    "worse": "sämre än",
    "not_comparable": "kan inte jämföras med",
    "missing": MISSING,
    "none": "",
}


def trend_label(trend: Trend) -> str:
    """The Swedish word for a trend: improved → "förbättrad", none → "ingen trend"."""
    return TREND_LABELS[trend]


def arrow(direction: Direction | None) -> str:
    """↑, ↓ or → for the direction the value moved; an empty string when there is no trend."""
    return "" if direction is None else ARROWS[direction]


def quartile_label(colour: Colour, *, four: bool = False) -> str:
    """What a quartile colour means in words: green → "bland de 25 % bästa", grey → "uppgift saknas".

    Empty for `none` (not graded). Raises KeyError for a colour the scheme does not use.
    """
    return (QUARTILE4_LABELS if four else QUARTILE_LABELS)[colour]


def comparison_label(comparison: Comparison, reference_name: str = "jämförelsevärdet") -> str:
    """A reference comparison in words: better → "bättre än rikssnittet" with reference_name "rikssnittet"."""
    if comparison in ("missing", "none"):
        return COMPARISON_WORDS[comparison]
    return f"{COMPARISON_WORDS[comparison]} {reference_name}"


def ordinal(n: int) -> str:
    """A Swedish ordinal as municipalities write it: 1:a, 2:a, 3:e, 17:e, 21:a, 111:e."""
    suffix = "a" if n % 10 in (1, 2) and n % 100 not in (11, 12) else "e"
    return f"{n}:{suffix}"


def place_label(rank: Rank) -> str:
    """A rank in words: "17:e plats av 290", "delad 2:a plats av 290"."""
    shared = "delad " if rank.is_shared else ""
    return f"{shared}{ordinal(rank.rank)} plats av {rank.ranked}"


def swedish_number(value: float | None, decimals: int | None = None, *, missing: str = MISSING) -> str:
    """A number as Swedish text: decimal comma, thin space between thousands ("12 345,6").

    Rounded half away from zero to `decimals` (default: as many as needed, at most 2).
    """
    if value is None or value != value:
        return missing
    if decimals is None:
        text = f"{round_half_away(value, 2):,.2f}".rstrip("0").rstrip(".")
    else:
        text = f"{round_half_away(value, decimals):,.{decimals}f}"
    if text in ("-0", "-0.0", "-0.00"):
        text = text[1:]
    return text.replace(",", "\u202f").replace(".", ",").replace("-", "\u2212")
