"""The ranking's arithmetic on small cases worked out by hand, and its invariants."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jamfor.compute.ranking import (
    MeasureData,
    competition_places,
    development,
    normalise,
    rank_municipalities,
)

A, B, C, D = "a", "b", "c", "d"


def test_competition_places_share_ties() -> None:
    assert competition_places({A: 3.0, B: 1.0, C: 3.0, D: 2.0}, lower_is_better=False) == {
        A: 1,
        C: 1,
        D: 3,
        B: 4,
    }
    assert competition_places({A: 3.0, B: 1.0, C: 3.0, D: 2.0}, lower_is_better=True) == {
        B: 1,
        D: 2,
        A: 3,
        C: 3,
    }


def test_mean_rank_imputes_the_median_rank() -> None:
    values = np.array([10.0, 30.0, np.nan, 20.0])
    present = ~np.isnan(values)
    scores = normalise(values, present, "higher", "mean_rank")
    # ranks: 30 → 1, 20 → 2, 10 → 3; the missing one gets the median of (3, 1, 2) = 2
    assert scores.tolist() == [3.0, 1.0, 2.0, 2.0]
    lower = normalise(values, present, "lower", "mean_rank")
    assert lower.tolist() == [1.0, 3.0, 2.0, 2.0]


def test_grades_put_the_mean_at_3_5_and_stay_within_1_and_6() -> None:
    values = np.array([0.0, 10.0, 20.0, 30.0, 40.0])
    scores = normalise(values, np.ones(5, dtype=bool), "higher", "grades")
    assert scores[2] == pytest.approx(3.5)  # 20 is the mean
    assert scores[4] == pytest.approx(6.0) and scores[0] == pytest.approx(1.0)  # beyond the percentiles
    # 30 is above the mean: 3.5 + 2.5 × (30 − 20) / (p97.5 − 20); p97.5 of 0..40 = 39
    assert scores[3] == pytest.approx(3.5 + 2.5 * 10 / 19)
    flipped = normalise(values, np.ones(5, dtype=bool), "lower", "grades")
    assert flipped[0] == pytest.approx(6.0) and flipped[4] == pytest.approx(1.0)


def test_zscore_is_signed_and_clipped() -> None:
    values = np.array([1.0, 2.0, 3.0, np.nan])
    present = ~np.isnan(values)
    z = normalise(values, present, "lower", "zscore")
    sd = float(np.std([1.0, 2.0, 3.0]))
    assert z[0] == pytest.approx(1 / sd) and z[2] == pytest.approx(-1 / sd) and math.isnan(z[3])


def _measure(kpi: str, area: str, values: dict[str, float | None], weight: float = 1.0) -> MeasureData:
    return MeasureData(kpi, area, weight, "higher", values)


def test_totals_weights_and_contributions_by_hand() -> None:
    # Two areas weighted 2:1; area X has two measures (weights 1 and 3), area Y one.
    measures = [
        _measure("k1", "X", {A: 1.0, B: 2.0, C: 3.0}),
        _measure("k2", "X", {A: 3.0, B: 2.0, C: 1.0}, weight=3),
        _measure("k3", "Y", {A: 2.0, B: None, C: 1.0}),
    ]
    standings = rank_municipalities(
        [A, B, C], measures, method="mean_rank", area_weights={"X": 2, "Y": 1}, coverage=0.6
    )
    a, b, c = standings
    # ranks (1 = best, higher values better): k1 A3 B2 C1; k2 A1 B2 C3; k3 A1 C2, B imputed median 1.5
    # A: X = (3×1 + 1×3)/4 = 1.5; Y = 1 → (2×1.5 + 1×1)/3 = 4/3
    assert a.total == pytest.approx(4 / 3)
    assert a.area_scores == {"X": pytest.approx(1.5), "Y": pytest.approx(1.0)}
    # B: X = 2; Y = 1.5 (imputed) → (4 + 1.5)/3
    assert b.total == pytest.approx(5.5 / 3)
    assert [x.imputed for x in b.contributions] == [False, False, True]
    # C: X = (1×1 + 3×3)/4 = 2.5; Y = 2 → 7/3
    assert c.total == pytest.approx(7 / 3)
    assert [s.place for s in standings] == [1, 2, 3]
    for s in standings:
        assert sum(x.contribution for x in s.contributions) == pytest.approx(s.total)
        assert sum(x.share for x in s.contributions) == pytest.approx(1.0)
    # shares: area X 2/3 split 1:3, area Y 1/3
    assert [x.share for x in a.contributions] == pytest.approx([2 / 3 / 4, 2 / 3 * 3 / 4, 1 / 3])


def test_coverage_leaves_sparse_municipalities_unranked() -> None:
    measures = [
        _measure("k1", "X", {A: 1.0, B: 2.0, C: None}),
        _measure("k2", "X", {A: 1.0, B: 2.0, C: None}),
        _measure("k3", "X", {A: 1.0, B: 2.0, C: 5.0}),
    ]
    standings = rank_municipalities([A, B, C], measures, method="grades", area_weights={"X": 1}, coverage=0.6)
    assert [s.ranked for s in standings] == [True, True, False]
    assert standings[2].place is None and standings[2].covered == 1
    assert standings[0].places_of == 2


def test_grades_leave_missing_values_out_and_renormalise_areas() -> None:
    measures = [
        _measure("k1", "X", {A: 1.0, B: 2.0, C: 3.0}),
        _measure("k2", "Y", {A: None, B: 2.0, C: 3.0}),
    ]
    standings = rank_municipalities(
        [A, B, C], measures, method="grades", area_weights={"X": 1, "Y": 1}, coverage=0.5
    )
    a = standings[0]
    assert a.area_scores["Y"] is None
    assert a.total == pytest.approx(a.area_scores["X"])  # Y left out, X weighs all
    assert a.contributions[1].share == 0 and a.contributions[1].contribution == 0


def test_ranking_within_groups() -> None:
    measures = [_measure("k1", "X", {A: 4.0, B: 3.0, C: 2.0, D: 1.0})]
    standings = rank_municipalities(
        [A, B, C, D],
        measures,
        method="zscore",
        area_weights={"X": 1},
        groups={A: "g1", B: "g2", C: "g1", D: "g2"},
    )
    assert [(s.group, s.place, s.places_of) for s in standings] == [
        ("g1", 1, 2),
        ("g2", 1, 2),
        ("g1", 2, 2),
        ("g2", 2, 2),
    ]


def test_bootstrap_interval_contains_the_place_and_is_reproducible() -> None:
    rng = np.random.default_rng(7)
    areas = [f"m{i:02d}" for i in range(30)]
    measures = [
        MeasureData(f"k{j}", "X" if j < 4 else "Y", 1.0, "higher", {a: float(rng.normal()) for a in areas})
        for j in range(8)
    ]
    first = rank_municipalities(
        areas, measures, method="grades", area_weights={"X": 1, "Y": 1}, bootstrap=200, seed=3
    )
    again = rank_municipalities(
        areas, measures, method="grades", area_weights={"X": 1, "Y": 1}, bootstrap=200, seed=3
    )
    assert [s.interval for s in first] == [s.interval for s in again]
    for s in first:
        assert s.interval is not None and s.place is not None
        low, high = s.interval
        assert 1 <= low <= high <= len(areas)
    # one measure that decides everything: no uncertainty at all
    single = rank_municipalities(
        areas, measures[:1], method="grades", area_weights={"X": 1}, bootstrap=50, seed=1
    )
    assert all(s.interval == (s.place, s.place) for s in single)


def test_development_counts_improving_steps() -> None:
    years = [2019, 2020, 2021]
    series = [
        ("higher", {A: {2019: 1.0, 2020: 2.0, 2021: 3.0}, B: {2019: 3.0, 2020: 2.0, 2021: 2.5}}),
        ("lower", {A: {2019: 5.0, 2020: 4.0, 2021: 4.0}, B: {2019: 5.0, 2020: 6.0, 2021: None}}),
    ]
    results = development([A, B], series, years, coverage=0.5)
    a, b = results
    assert (a.improved, a.worsened, a.steps) == (3, 0, 4)  # the 4 → 4 step is unchanged
    assert a.consistency == pytest.approx(0.75)
    assert (b.improved, b.worsened, b.steps) == (1, 2, 3)
    assert a.place == 1 and b.place == 2


values_strategy = st.lists(
    st.one_of(st.none(), st.floats(min_value=-1e3, max_value=1e3, allow_nan=False)), min_size=6, max_size=6
)


@settings(max_examples=60, deadline=None)
@given(st.lists(values_strategy, min_size=1, max_size=5), st.sampled_from(["mean_rank", "grades", "zscore"]))
def test_properties_contributions_add_up_and_places_are_valid(
    columns: list[list[float | None]], method: str
) -> None:
    areas = [f"m{i}" for i in range(6)]
    measures = [
        MeasureData(
            f"k{j}",
            "X" if j % 2 else "Y",
            1.0 + j,
            "higher" if j % 3 else "lower",
            dict(zip(areas, col, strict=True)),
        )
        for j, col in enumerate(columns)
    ]
    present_areas = {m.area for m in measures}
    standings = rank_municipalities(
        areas,
        measures,
        method=method,
        area_weights={a: 1.0 for a in present_areas},
        coverage=0.5,  # type: ignore[arg-type]
    )
    ranked = [s for s in standings if s.ranked]
    for s in standings:
        if s.total is not None:
            assert sum(x.contribution for x in s.contributions) == pytest.approx(s.total, abs=1e-9)
    for s in ranked:
        assert s.place is not None and 1 <= s.place <= len(ranked)
    if method == "grades":
        assert all(1.0 <= s.total <= 6.0 for s in ranked if s.total is not None)
