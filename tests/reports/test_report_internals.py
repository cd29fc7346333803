"""The builders' fast paths give exactly what the compute functions give (Hypothesis)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from jamfor.compute import competition_rank, median, round_half_away, unweighted_mean
from jamfor.model import Polarity
from jamfor.reports.data import CountryStats, mean_of_sorted, median_of_sorted, shown, shown_list

FLOATS = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False)
# Halves and near-halves at a few decimals, where rounding is delicate.
DELICATE = st.builds(
    lambda k, d, e: k / 10**d + e,
    st.integers(-(10**6), 10**6),
    st.integers(0, 4),
    st.sampled_from([0, 1e-9, -1e-9]),
)
VALUES = st.one_of(FLOATS, DELICATE, st.sampled_from([0.5, 2.5, 2.675, -0.125, 6.65, 1e9 + 0.5, -0.0]))
DECIMALS = st.one_of(st.none(), st.integers(0, 4), st.just(20))
AREAS = [f"{i:04d}" for i in range(114, 174)]
NAMES = {a: f"Kommun {a}" for a in AREAS}
TIED = st.sampled_from([0.0, 1.0, 2.5, 2.54, 2.55, 2.45, 100.0])
MAPS = st.lists(st.one_of(st.none(), VALUES, TIED), max_size=len(AREAS)).map(
    lambda vs: dict(zip(AREAS, vs, strict=False))
)
POLARITIES = st.sampled_from(["higher", "lower", "none", None])


@given(VALUES, DECIMALS)
def test_shown_is_round_half_away(value: float, decimals: int | None) -> None:
    expected = value if decimals is None else round_half_away(value, decimals)
    assert shown(value, decimals) == expected
    assert shown_list([value], decimals) == [expected]


@given(MAPS, POLARITIES, st.one_of(st.none(), st.integers(0, 2)))
def test_single_rank_is_the_competition_rank(
    values: dict[str, float | None], polarity: Polarity | None, decimals: int | None
) -> None:
    expected = competition_rank(values, polarity, decimals=decimals)
    stats = CountryStats({**values, "0000": 1.0}, polarity, decimals, NAMES)
    assert stats.ranked == len(expected)
    for area in AREAS:
        assert stats.rank(area) == expected.get(area)
    assert stats.ranks() == expected


@given(MAPS)
def test_mean_and_median_of_sorted_are_computes(values: dict[str, float | None]) -> None:
    present = sorted(v for v in values.values() if v is not None)
    assert mean_of_sorted(present) == unweighted_mean(values)
    assert median_of_sorted(present) == median(values)
