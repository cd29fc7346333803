"""The distance, the standardisation, the missing-value rule and the order, on hand-computed cases."""

from __future__ import annotations

import itertools
import math
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jamfor.compute.similar import (
    ProfileMeasure,
    StructuralMatrix,
    build_matrix,
    similar_lists,
    similar_to,
    standardise,
)
from jamfor.errors import JamforError

NAN = math.nan


def matrix(values: list[list[float]], areas: str = "ABCDE") -> StructuralMatrix:
    array = np.array(values, dtype=np.float64)
    keys = tuple(f"K{i}" for i in range(array.shape[1]))
    return StructuralMatrix(tuple(areas[: array.shape[0]]), keys, array, (2022,) * array.shape[1])


# A (0,0), B (1,0), C (2,2), D (3,2): column 1 has mean 1.5 and sd sqrt(1.25), column 2 mean 1, sd 1.
FOUR = [[0, 0], [1, 0], [2, 2], [3, 2]]


def test_z_scores_use_the_population_sd_over_present_values() -> None:
    z = standardise(np.array([[0, 0], [1, NAN], [2, 2], [3, 2]], dtype=np.float64))
    assert z[:, 0] == pytest.approx(
        [-1.5 / math.sqrt(1.25), -0.5 / math.sqrt(1.25), 0.5 / math.sqrt(1.25), 1.5 / math.sqrt(1.25)]
    )
    # column 2 over its three values 0, 2, 2: mean 4/3, sd sqrt(8/9)
    sd = math.sqrt(8 / 9)
    assert z[0, 1] == pytest.approx(-4 / 3 / sd)
    assert math.isnan(z[1, 1])
    assert z[2, 1] == pytest.approx(2 / 3 / sd)


def test_a_measure_without_spread_is_left_out() -> None:
    z = standardise(np.array([[5, 1], [5, 2], [5, 3]], dtype=np.float64))
    assert np.isnan(z[:, 0]).all()
    assert not np.isnan(z[:, 1]).any()


def test_distances_by_hand_with_equal_weights() -> None:
    found = similar_to("A", matrix(FOUR), [1, 1], n=3)
    assert [nb.area for nb in found.neighbours] == ["B", "C", "D"]
    # z differences A-B: (0.8944, 0); A-C: (1.7889, 2); A-D: (2.6833, 2); d = sqrt(sum / 2)
    assert [nb.distance for nb in found.neighbours] == pytest.approx(
        [math.sqrt(0.4), math.sqrt(3.6), math.sqrt(5.6)]
    )


def test_weights_count_and_are_renormalised() -> None:
    found = similar_to("A", matrix(FOUR), [3, 1], n=3)
    c = next(nb for nb in found.neighbours if nb.area == "C")
    assert c.distance == pytest.approx(math.sqrt((3 * 3.2 + 1 * 4) / 4))
    # doubling every weight changes nothing: only the ratios matter
    again = similar_to("A", matrix(FOUR), [6, 2], n=3)
    assert [nb.distance for nb in again.neighbours] == pytest.approx([nb.distance for nb in found.neighbours])


def test_contributions_are_each_measures_share_and_add_up_to_the_distance() -> None:
    found = similar_to("A", matrix(FOUR), [1, 1], n=3)
    c = next(nb for nb in found.neighbours if nb.area == "C")
    assert c.contributions == pytest.approx((3.2 / (2 * math.sqrt(3.6)), 4 / (2 * math.sqrt(3.6))))
    assert sum(c.contributions) == pytest.approx(c.distance)  # type: ignore[arg-type]


# E lacks measure 1: A (0,0) B (1,0) C (2,2) D (3,2) E (-,0); E is like A and B on measure 2.
FIVE = [[0, 0], [1, 0], [2, 2], [3, 2], [NAN, 0]]


def test_a_candidate_missing_a_heavy_measure_is_skipped() -> None:
    found = similar_to("A", matrix(FIVE), [3, 1], n=4)
    assert "E" not in [nb.area for nb in found.neighbours]
    assert found.skipped == ("E",)  # it has only 25 % of the weight, under the 75 % rule


def test_a_candidate_missing_a_light_measure_is_compared_on_the_rest() -> None:
    found = similar_to("A", matrix(FIVE), [1, 3], n=4)
    e = found.neighbours[0]
    assert e.area == "E" and e.distance == 0 and e.coverage == pytest.approx(0.75)
    assert e.contributions[0] is None and e.contributions[1] == 0
    assert found.skipped == ()
    # a stricter rule leaves it out
    strict = similar_to("A", matrix(FIVE), [1, 3], n=4, min_coverage=0.8)
    assert strict.skipped == ("E",)


def test_a_measure_the_focus_lacks_is_dropped_and_ties_go_by_id() -> None:
    found = similar_to("E", matrix(FIVE), [3, 1], n=4)
    assert found.used == (False, True)
    assert found.focus_coverage == pytest.approx(0.25)
    # compared on measure 2 alone, A and B are both at distance 0: ascending id
    assert [nb.area for nb in found.neighbours] == ["A", "B", "C", "D"]
    assert [nb.distance for nb in found.neighbours][:2] == [0, 0]
    assert all(nb.coverage == 1 for nb in found.neighbours)


def test_ties_do_not_depend_on_row_order() -> None:
    measures = [ProfileMeasure("N1"), ProfileMeasure("N2")]
    values = {"0114": (1, 1), "0115": (5, 5), "0117": (5, 5), "0120": (5, 5), "0123": (9, 2)}
    rows = [
        (kpi, area, 2022, float(v[i])) for area, v in values.items() for i, kpi in enumerate(["N1", "N2"])
    ]
    orders = set()
    for seed in range(5):
        random.Random(seed).shuffle(rows)
        built = build_matrix(rows, measures, list(values))
        orders.add(tuple(nb.area for nb in similar_to("0114", built, [1, 1], n=4).neighbours))
    assert orders == {("0115", "0117", "0120", "0123")}


def test_build_matrix_takes_ratios_logs_and_the_latest_year_with_enough_values() -> None:
    measures = [ProfileMeasure("P", per="A", transform="log"), ProfileMeasure("Q")]
    rows = [
        ("P", "1", 2021, 100.0),
        ("A", "1", 2021, 10.0),
        ("P", "2", 2021, 1000.0),
        ("A", "2", 2021, 10.0),
        ("P", "1", 2022, 50.0),  # 2022 has only one of three: not enough, 2021 is used
        ("A", "1", 2022, 10.0),
        ("Q", "1", 2022, -3.0),
        ("Q", "2", 2022, None),
        ("Q", "2", 2021, 4.0),
        ("Q", "3", 2022, 7.0),
        ("X", "1", 2022, 1.0),  # not in the profile
    ]
    built = build_matrix(rows, measures, ["2", "3", "1"])
    assert built.areas == ("1", "2", "3")
    assert built.years == (2021, 2022)
    assert built.values[:2, 0] == pytest.approx([math.log(10), math.log(100)])
    assert math.isnan(built.values[2, 0])
    assert built.values[0, 1] == -3 and math.isnan(built.values[1, 1]) and built.values[2, 1] == 7
    # up to 2021: Q has one value of three that year, too few; nothing before it
    assert build_matrix(rows, measures, ["1", "2", "3"], year=2021).years == (2021, None)
    assert build_matrix(rows, measures, ["1", "2", "3"], year=2020).years == (None, None)


def test_log_of_zero_and_division_by_zero_are_missing() -> None:
    measures = [ProfileMeasure("P", transform="log"), ProfileMeasure("P", per="A")]
    rows = [("P", "1", 2022, 0.0), ("A", "1", 2022, 0.0), ("P", "2", 2022, 2.0), ("A", "2", 2022, 1.0)]
    built = build_matrix(rows, measures, ["1", "2"])
    assert math.isnan(built.values[0, 0]) and math.isnan(built.values[0, 1])
    assert built.values[1, 1] == 2


def test_all_lists_at_once_equal_one_at_a_time() -> None:
    rng = np.random.default_rng(7)
    values = rng.normal(size=(40, 5))
    values[rng.random(size=values.shape) < 0.1] = np.nan
    m = StructuralMatrix(tuple(f"{i:04d}" for i in range(40)), tuple("abcde"), values, (2022,) * 5)
    weights = [2, 1, 1, 0.5, 1]
    every = similar_lists(m, weights)
    for focus in ("0000", "0017", "0039"):
        assert every[focus] == similar_to(focus, m, weights)


def test_bad_arguments_are_errors() -> None:
    with pytest.raises(JamforError, match="at least 1"):
        similar_to("A", matrix(FOUR), [1, 1], n=0)
    with pytest.raises(JamforError, match="weights"):
        similar_to("A", matrix(FOUR), [1, -1])
    with pytest.raises(JamforError, match="2 measures"):
        similar_to("A", matrix(FOUR), [1, 1, 1])
    with pytest.raises(JamforError, match="Z is not among"):
        similar_to("Z", matrix(FOUR), [1, 1])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(st.one_of(st.none(), st.floats(-1e6, 1e6)), min_size=3, max_size=3),
        min_size=3,
        max_size=12,
    ),
    st.lists(st.floats(0.1, 10), min_size=3, max_size=3),
)
def test_contributions_always_add_up_and_lists_are_sorted(
    rows: list[list[float | None]], weights: list[float]
) -> None:
    values = np.array([[NAN if v is None else v for v in row] for row in rows], dtype=np.float64)
    m = StructuralMatrix(tuple(f"{i:04d}" for i in range(len(rows))), ("a", "b", "c"), values, (2022,) * 3)
    for found in similar_lists(m, weights, min_coverage=0.5).values():
        distances = [nb.distance for nb in found.neighbours]
        # sorted, except that distances equal to 12 significant digits count as ties (ordered by id)
        assert all(a <= b * (1 + 1e-11) + 1e-300 for a, b in itertools.pairwise(distances))
        assert found.focus not in [nb.area for nb in found.neighbours]
        for nb in found.neighbours:
            assert sum(c for c in nb.contributions if c is not None) == pytest.approx(nb.distance, abs=1e-9)
            assert nb.coverage >= 0.5 - 1e-12
