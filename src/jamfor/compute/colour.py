"""The two colour schemes: quartile (KKiK, Kolada) and reference (Kungsbacka's arrows).

Colours are names, not CSS: a renderer maps them to its palette and always shows words beside
them (see `labels`). `grey` means the value is missing; `none` means the measure is not
colour-graded at all (polarity `none`, or cost measures, which KKiK leaves uncoloured).
"""

from __future__ import annotations

from typing import Literal

from jamfor.compute.numbers import compare_at_precision, is_missing
from jamfor.compute.rank import Rank
from jamfor.model import Polarity

Colour = Literal["green", "lightgreen", "yellow", "orange", "red", "grey", "none"]
Comparison = Literal["better", "equal", "worse", "not_comparable", "missing", "none"]
Scheme = Literal["quartile", "quartile4", "reference"]

COLOURS: tuple[Colour, ...] = ("green", "lightgreen", "yellow", "orange", "red", "grey", "none")
SCHEMES: tuple[Scheme, ...] = ("quartile", "quartile4", "reference")


def quartile(rank: int, ranked: int) -> int:
    """Which quarter (1 = best … 4 = worst) a competition rank falls in among `ranked` areas.

    Quarter q holds the ranks with rank ≤ q·n/4 (and above the previous cut). Ties sit on the
    best rank of their group, so ties across a cut get the better quarter.
    """
    if ranked < 1 or not 1 <= rank <= ranked:
        raise ValueError(f"rank {rank} is not a place among {ranked} ranked areas")
    # Integer arithmetic: rank ≤ q·n/4  ⇔  4·rank ≤ q·n, no float edge at n/4 = 72.5.
    return next(q for q in (1, 2, 3, 4) if 4 * rank <= q * ranked)


def quartile_colour(rank: int | None, ranked: int, *, four: bool = False) -> Colour:
    """The quartile colour of a competition rank among `ranked` areas; grey when there is no rank.

    Three colours (default): green when rank ≤ n/4 (the best 25 %), red when rank > 3n/4 (the
    worst 25 %), yellow between. With n = 290: rank 72 is green (72 ≤ 72.5), 73 yellow, 217 yellow
    (≤ 217.5), 218 red. The cut is the project's choice (DOMAIN §3); note it is not symmetric
    when 4 does not divide n: 72 ranks can be green but 73 red.

    Four colours (`four=True`), one per quarter: `green` (dark green), `lightgreen`, `orange`,
    `red`.

    A single ranked area is red (rank 1 > 3·1/4): the rule compares with others and there are
    none, so reports should not colour groups that small.
    """
    if rank is None:
        return "grey"
    q = quartile(rank, ranked)
    if four:
        return ("green", "lightgreen", "orange", "red")[q - 1]
    return "green" if q == 1 else "red" if q == 4 else "yellow"


def reference_comparison(
    value: float | None, reference: float | None, polarity: Polarity | None, decimals: int | None = None
) -> Comparison:
    """How `value` compares with `reference` at the displayed precision, judged by `polarity`.

    Both are rounded half away from zero to `decimals` first (6,6 vs 6,64 with one decimal is
    `equal`). `missing` when the value is missing, `not_comparable` when only the reference is
    ("Ingen uppgift" for Riket), `none` for polarity `none` or None: no better or worse exists.
    """
    if polarity not in ("higher", "lower"):
        return "none"
    if value is None or is_missing(value):
        return "missing"
    if reference is None or is_missing(reference):
        return "not_comparable"
    sign = compare_at_precision(value, reference, decimals)
    if sign == 0:
        return "equal"
    if polarity == "lower":
        sign = -sign
    return "better" if sign > 0 else "worse"


_REFERENCE_COLOURS: dict[Comparison, Colour] = {
    "better": "green",
    "equal": "yellow",
    "not_comparable": "yellow",
    "worse": "red",
    "missing": "grey",
    "none": "none",
}


def reference_colour(
    value: float | None, reference: float | None, polarity: Polarity | None, decimals: int | None = None
) -> Colour:
    """Kungsbacka's arrow colour: green better than the reference, yellow equal at the displayed
    precision or not comparable (no reference value), red worse; grey when the value is missing,
    `none` for polarity `none`.
    """
    return _REFERENCE_COLOURS[reference_comparison(value, reference, polarity, decimals)]


def colour_for(
    polarity: Polarity | None,
    colour_graded: bool | None,
    scheme: Scheme,
    *,
    rank: Rank | None = None,
    value: float | None = None,
    reference: float | None = None,
    decimals: int | None = None,
) -> Colour:
    """The colour of one cell of a report, honouring the KPI's curation.

    `none` when the measure is not graded: polarity `none` or None (not curated), or
    `colour_graded` False (cost measures: lower is better for the trend, but KKiK leaves them
    uncoloured). `colour_graded` None counts as graded. Otherwise `quartile` and `quartile4` use
    `rank` (None: grey) and `reference` compares `value` with `reference`.
    """
    if polarity not in ("higher", "lower") or colour_graded is False:
        return "none"
    if scheme == "reference":
        return reference_colour(value, reference, polarity, decimals)
    if rank is None:
        return "grey"
    return quartile_colour(rank.rank, rank.ranked, four=scheme == "quartile4")
