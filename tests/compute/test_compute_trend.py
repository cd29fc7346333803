"""Trends over a window: which years are compared and what counts as unchanged."""

from __future__ import annotations

import math

import pytest

from jamfor.compute import TrendResult, trend, trend_label


def test_default_window_is_the_last_three_years() -> None:
    values = {2013: 1.0, 2014: 50.0, 2015: 10.0, 2016: 11.0, 2017: 12.0}
    assert trend(values, "higher") == TrendResult("improved", 2015, 2017, "up")
    assert trend(values, "higher", window=5) == TrendResult("improved", 2013, 2017, "up")


def test_end_picks_the_window() -> None:
    values = {2013: 1.0, 2014: 50.0, 2015: 10.0, 2016: 11.0, 2017: 12.0}
    assert trend(values, "higher", end=2015) == TrendResult("improved", 2013, 2015, "up")
    assert trend(values, "higher", end=2014, window=2) == TrendResult("improved", 2013, 2014, "up")


def test_first_and_last_available_values_in_the_window() -> None:
    values: dict[int, float | None] = {2015: None, 2016: 85.0, 2017: 93.0}
    assert trend(values, "higher") == TrendResult("improved", 2016, 2017, "up")
    values = {2015: 84.0, 2016: 85.0, 2017: None}
    assert trend(values, "higher") == TrendResult("improved", 2015, 2016, "up")
    assert trend({2015: 84.0, 2016: math.nan, 2017: 80.0}, "higher").trend == "worsened"


def test_gap_years_count_as_calendar_years() -> None:
    # The window 2015–2017 holds only 2017 when 2015 and 2016 are absent: no trend.
    assert trend({2012: 1.0, 2017: 2.0}, "higher") == TrendResult("none")


def test_fewer_than_two_values_is_no_trend() -> None:
    assert trend({}, "higher") == TrendResult("none", None, None, None)
    assert trend({2017: 5.0}, "higher").trend == "none"
    assert trend({2016: None, 2017: 5.0}, "lower").trend == "none"
    assert trend_label(trend({2017: 5.0}, "higher").trend) == "ingen trend"


def test_unchanged_at_displayed_precision() -> None:
    assert trend({2012: 6.6, 2013: 7.0, 2014: 6.64}, "higher", decimals=1).trend == "unchanged"
    assert trend({2012: 6.6, 2013: 7.0, 2014: 6.64}, "higher").trend == "improved"  # exact: 6.64 > 6.6
    assert trend({2015: 11.0, 2017: 11.0}, "lower").direction == "flat"


def test_without_polarity() -> None:
    assert trend({2015: 629, 2016: 559, 2017: 897}, "none").trend == "increased"
    assert trend({2015: 897, 2016: 559, 2017: 629}, "none").trend == "decreased"
    assert trend({2015: 5.0, 2017: 5.0}, "none").trend == "unchanged"
    assert trend({2015: 5.0, 2017: 6.0}, None).trend == "increased"


def test_cost_measure_gets_a_trend() -> None:
    # Kostnad förskola: not colour-graded, but rising costs are a worsening.
    costs = {2015: 132_000.0, 2016: 138_500.0, 2017: 141_200.0}
    assert trend(costs, "lower") == TrendResult("worsened", 2015, 2017, "up")


def test_window_must_hold_two_years() -> None:
    with pytest.raises(ValueError, match="at least two years"):
        trend({2017: 1.0}, "higher", window=1)
