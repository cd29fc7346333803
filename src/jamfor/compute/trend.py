"""Trends over a window of years: improved / worsened / unchanged, judged by the KPI's polarity."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from jamfor.compute.numbers import compare_at_precision
from jamfor.model import Polarity

Trend = Literal["improved", "worsened", "unchanged", "increased", "decreased", "none"]
Direction = Literal["up", "down", "flat"]

TRENDS: tuple[Trend, ...] = ("improved", "worsened", "unchanged", "increased", "decreased", "none")
DEFAULT_WINDOW = 3


@dataclass(frozen=True)
class TrendResult:
    """A trend and what it was computed from.

    `direction` is how the value moved (the arrow: up, down, flat) whatever the polarity;
    `trend` says whether that is better or worse. `first_year` and `last_year` are the years
    compared, so a report can say "2015–2017"; all three are None when there is no trend.
    """

    trend: Trend
    first_year: int | None = None
    last_year: int | None = None
    direction: Direction | None = None


NO_TREND = TrendResult("none")


def trend(
    values_by_year: Mapping[int, float | None],
    polarity: Polarity | None,
    *,
    window: int = DEFAULT_WINDOW,
    decimals: int | None = None,
    end: int | None = None,
) -> TrendResult:
    """The trend over the `window` calendar years ending at `end` (default: the latest year given).

    Compares the last year in the window that has a value with the first year in it that has
    one; fewer than two such years is no trend (`none`). With `decimals` the two values are
    compared at the displayed precision (6,6 → 6,6 is unchanged). Polarity `higher`: up is
    improved; `lower` (also cost measures, which are not colour-graded but do get a trend): down
    is improved; `none` or None: increased / decreased / unchanged.

    Ronneby's KKiK 2015–2017: e-post 84, 85, 93 (higher) → improved; vårdare 12, 11, 11 (lower)
    → improved; sjukpenningtal 8,2, 9,6, 10,0 (lower) → worsened.
    """
    if window < 2:
        raise ValueError(f"a trend compares at least two years, but the window is {window}")
    if not values_by_year:
        return NO_TREND
    last = max(values_by_year) if end is None else end
    in_window = {
        year: value
        for year, value in values_by_year.items()
        if last - window < year <= last and value is not None and not math.isnan(value)
    }
    if len(in_window) < 2:
        return NO_TREND
    first_year, last_year = min(in_window), max(in_window)
    sign = compare_at_precision(in_window[last_year], in_window[first_year], decimals)
    direction: Direction = "up" if sign > 0 else "down" if sign < 0 else "flat"
    return TrendResult(_judge(direction, polarity), first_year, last_year, direction)


def _judge(direction: Direction, polarity: Polarity | None) -> Trend:
    if direction == "flat":
        return "unchanged"
    if polarity == "higher":
        return "improved" if direction == "up" else "worsened"
    if polarity == "lower":
        return "improved" if direction == "down" else "worsened"
    return "increased" if direction == "up" else "decreased"
