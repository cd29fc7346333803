"""References: ovägt medel, group means with count, median, Riket, best and worst with names."""

from __future__ import annotations

import math

from jamfor.compute import (
    AreaValue,
    best_and_worst,
    group_mean,
    is_municipality_id,
    median,
    municipality_values,
    riket,
    unweighted_mean,
)

NAMES = {"0000": "Riket", "1081": "Ronneby", "1384": "Kungsbacka", "2361": "Härjedalen", "2380": "Östersund"}


def test_unweighted_mean_ignores_missing_values() -> None:
    assert unweighted_mean({"1081": 8.0, "1384": 10.0, "2361": None, "2380": math.nan}) == 9.0
    assert unweighted_mean({"1081": None}) is None
    assert unweighted_mean({}) is None


def test_each_municipality_counts_once() -> None:
    # Riket weighs Stockholm by its inhabitants; ovägt medel does not.
    assert unweighted_mean({"0180": 30.0, "2361": 10.0, "2380": 20.0}) == 20.0


def test_group_mean_reports_how_many_contributed() -> None:
    values = {"1081": 10.0, "1384": 20.0, "2361": None, "2380": 40.0}
    nornorna = ["2361", "2380", "2326"]  # 2326 Berg has no value at all
    assert group_mean(values, nornorna) == (40.0, 1)
    assert group_mean(values, ["1081", "1384", "2380"]) == (70.0 / 3, 3)
    assert group_mean(values, ["2361"]) == (None, 0)


def test_median() -> None:
    assert median({"a": 3.0, "b": 1.0, "c": 2.0, "d": None}) == 2.0
    assert median({"a": 3.0, "b": 1.0, "c": 2.0, "d": 10.0}) == 2.5
    assert median({}) is None


def test_riket_is_area_0000_as_published() -> None:
    assert riket({"0000": 10.84, "1081": 10.0}) == 10.84
    assert riket({"1081": 10.0}) is None
    assert riket({"0000": math.nan}) is None


def test_municipality_values_drop_riket_and_regions() -> None:
    values = {"0000": 1.0, "0001": 2.0, "0025": 3.0, "0114": 4.0, "2584": 5.0}
    assert municipality_values(values) == {"0114": 4.0, "2584": 5.0}
    assert not is_municipality_id("114")  # ids are strings with their leading zero


def test_best_and_worst_follow_polarity_and_keep_ties() -> None:
    values = {"1081": 100.0, "1384": 94.0, "2361": 100.0, "2380": 50.0, "0000": None}
    higher = best_and_worst(values, "higher", NAMES)
    assert higher.best == [AreaValue("1081", "Ronneby", 100.0), AreaValue("2361", "Härjedalen", 100.0)]
    assert higher.worst == [AreaValue("2380", "Östersund", 50.0)]
    lower = best_and_worst(values, "lower", NAMES)
    assert lower.best == higher.worst and lower.worst == higher.best
    assert lower.highest == higher.highest and lower.lowest == higher.lowest


def test_best_and_worst_without_polarity_are_highest_and_lowest() -> None:
    result = best_and_worst({"1081": 3.0, "1384": 7.0}, "none", NAMES)
    assert not result.by_quality
    assert result.highest == [AreaValue("1384", "Kungsbacka", 7.0)]
    assert result.lowest == [AreaValue("1081", "Ronneby", 3.0)]


def test_best_and_worst_name_unknown_areas_by_id_and_handle_no_values() -> None:
    assert best_and_worst({"9999": 1.0}, "higher", NAMES).best == [AreaValue("9999", "9999", 1.0)]
    empty = best_and_worst({"1081": None}, "higher", NAMES)
    assert empty.best == [] and empty.worst == []


def test_mean_of_equal_values_is_that_value() -> None:
    # fsum([0.1] * 3) / 3 is 0.10000000000000002 in floats; a mean outside its values would show as
    # "better than the best" at some precision, so the mean is kept within the extremes.
    assert unweighted_mean({"a": 0.1, "b": 0.1, "c": 0.1}) == 0.1
