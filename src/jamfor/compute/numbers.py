"""Rounding and comparison at the displayed precision, shared by rank, colour and trend.

A user sees 6,6 and 6,6 and expects "equal"; these helpers make the computation agree with the page.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Context, Decimal

# Wide enough for any float at any sensible number of decimals, so quantize never overflows.
_CONTEXT = Context(prec=1000, rounding=ROUND_HALF_UP)


def round_half_away(x: float, decimals: int = 0) -> float:
    """Round `x` to `decimals` places, halves away from zero, as a person reading the figure would.

    Works on the shortest decimal form of the float (its `repr`), so 2.675 rounds to 2.68 and
    -0.125 to -0.13, where the built-in `round` gives 2.67 and -0.12. Negative `decimals` round to
    tens, hundreds, …. NaN and infinities are returned unchanged; -0.0 comes back as 0.0.
    """
    if not math.isfinite(x):
        return x
    exponent = Decimal(1).scaleb(-decimals)
    rounded = Decimal(repr(x)).quantize(exponent, context=_CONTEXT)
    return float(rounded) + 0.0  # + 0.0 turns -0.0 into 0.0: "-0,0" is not a figure anyone publishes


def compare_at_precision(a: float, b: float, decimals: int | None = None) -> int:
    """-1, 0 or 1 as `a` is below, equal to or above `b` once both are rounded to `decimals`.

    With `decimals` None the values are compared exactly.
    """
    if decimals is not None:
        a, b = round_half_away(a, decimals), round_half_away(b, decimals)
    return (a > b) - (a < b)


def equal_at_precision(a: float, b: float, decimals: int | None = None) -> bool:
    """True when `a` and `b` show as the same figure with `decimals` places (exactly equal if None)."""
    return compare_at_precision(a, b, decimals) == 0


def is_missing(x: float | None) -> bool:
    """True for None and NaN: both mean "uppgift saknas" (a data frame may hold NaN for Kolada's null)."""
    return x is None or math.isnan(x)


def present_values(values: Mapping[str, float | None]) -> dict[str, float]:
    """The entries of `values` that hold a number (None and NaN left out), in their original order."""
    return {key: value for key, value in values.items() if value is not None and not math.isnan(value)}
