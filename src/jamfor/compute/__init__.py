"""Pure computations for reports: references, ranks, colours, trends and their Swedish words.

No I/O: every function takes values keyed by area id (or by year) and returns plain data.
"""

from jamfor.compute.colour import (
    COLOURS,
    SCHEMES,
    Colour,
    Comparison,
    Scheme,
    colour_for,
    quartile,
    quartile_colour,
    reference_colour,
    reference_comparison,
)
from jamfor.compute.labels import (
    MISSING,
    arrow,
    comparison_label,
    ordinal,
    place_label,
    quartile_label,
    swedish_number,
    trend_label,
)
from jamfor.compute.numbers import compare_at_precision, equal_at_precision, round_half_away
from jamfor.compute.rank import Rank, competition_rank
from jamfor.compute.reference import (
    AreaValue,
    BestAndWorst,
    best_and_worst,
    group_mean,
    is_municipality_id,
    median,
    municipality_values,
    riket,
    unweighted_mean,
)
from jamfor.compute.trend import DEFAULT_WINDOW, TRENDS, Direction, Trend, TrendResult, trend

__all__ = [
    "COLOURS",
    "DEFAULT_WINDOW",
    "MISSING",
    "SCHEMES",
    "TRENDS",
    "AreaValue",
    "BestAndWorst",
    "Colour",
    "Comparison",
    "Direction",
    "Rank",
    "Scheme",
    "Trend",
    "TrendResult",
    "arrow",
    "best_and_worst",
    "colour_for",
    "compare_at_precision",
    "comparison_label",
    "competition_rank",
    "equal_at_precision",
    "group_mean",
    "is_municipality_id",
    "median",
    "municipality_values",
    "ordinal",
    "place_label",
    "quartile",
    "quartile_colour",
    "quartile_label",
    "reference_colour",
    "reference_comparison",
    "riket",
    "round_half_away",
    "swedish_number",
    "trend",
    "trend_label",
    "unweighted_mean",
]
