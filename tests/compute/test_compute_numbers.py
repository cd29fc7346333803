"""Rounding half away from zero and comparison at the displayed precision."""

from __future__ import annotations

import math

import pytest

from jamfor.compute.numbers import (
    compare_at_precision,
    equal_at_precision,
    is_missing,
    present_values,
    round_half_away,
)


@pytest.mark.parametrize(
    ("x", "decimals", "expected"),
    [
        (2.675, 2, 2.68),  # round() gives 2.67: the float is a hair below 2.675
        (1.005, 2, 1.01),
        (0.125, 2, 0.13),
        (-0.125, 2, -0.13),
        (2.5, 0, 3.0),  # round() gives 2: banker's rounding
        (-2.5, 0, -3.0),
        (6.64, 1, 6.6),
        (6.65, 1, 6.7),
        (72.5, 0, 73.0),
        (1234.5, -1, 1230.0),
        (1235.0, -1, 1240.0),
        (1e16, 2, 1e16),
        (5e-324, 2, 0.0),
    ],
)
def test_round_half_away(x: float, decimals: int, expected: float) -> None:
    assert round_half_away(x, decimals) == expected


def test_round_half_away_never_gives_negative_zero() -> None:
    assert math.copysign(1.0, round_half_away(-0.04, 1)) == 1.0


def test_round_half_away_leaves_non_finite_alone() -> None:
    assert math.isnan(round_half_away(math.nan, 1))
    assert round_half_away(math.inf, 1) == math.inf


def test_equal_at_displayed_precision() -> None:
    assert equal_at_precision(6.6, 6.64, 1)  # both show as 6,6
    assert not equal_at_precision(6.6, 6.65, 1)  # 6,6 vs 6,7
    assert not equal_at_precision(6.6, 6.64)  # without decimals: exact
    assert compare_at_precision(9.95, 10.0, 1) == 0
    assert compare_at_precision(9.94, 10.0, 1) == -1
    assert compare_at_precision(98, 94, 0) == 1


def test_missing_is_none_or_nan() -> None:
    assert is_missing(None) and is_missing(math.nan) and not is_missing(0.0)
    assert present_values({"0114": 1.0, "0115": None, "0117": math.nan, "0120": 0.0}) == {
        "0114": 1.0,
        "0120": 0.0,
    }
