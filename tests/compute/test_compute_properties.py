"""Invariants of ranks, means and colours, checked on generated data (Hypothesis)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given
from hypothesis import strategies as st

from jamfor.compute import (
    Colour,
    best_and_worst,
    competition_rank,
    group_mean,
    median,
    quartile_colour,
    reference_colour,
    round_half_away,
    trend,
    unweighted_mean,
)
from jamfor.model import Polarity

AREA_IDS = st.from_regex(r"[0-2][0-9]{3}", fullmatch=True)
VALUES = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)
# Few distinct values, so ties are common.
TIED_VALUES = st.sampled_from([0.0, 1.0, 2.5, 2.5000001, 100.0])
MAYBE = st.one_of(st.none(), VALUES, TIED_VALUES)
VALUE_MAPS = st.dictionaries(AREA_IDS, MAYBE, max_size=60)
POLARITIES = st.sampled_from(["higher", "lower", "none"])
DECIMALS = st.one_of(st.none(), st.integers(min_value=0, max_value=3))
FLIP: dict[Polarity, Polarity] = {"higher": "lower", "lower": "higher"}
SWAP: dict[Colour, Colour] = {"green": "red", "red": "green", "lightgreen": "orange", "orange": "lightgreen"}


def _distinct_values(draw: st.DrawFn) -> dict[str, float | None]:
    numbers = draw(
        st.lists(st.integers(min_value=-10_000, max_value=10_000), unique=True, min_size=2, max_size=80)
    )
    return {f"{i:04d}": n / 10 for i, n in enumerate(numbers, start=114)}


distinct_value_maps = st.composite(_distinct_values)


@given(VALUE_MAPS, POLARITIES, DECIMALS)
def test_rank_is_between_1_and_ranked(
    values: dict[str, float | None], polarity: Polarity, decimals: int | None
) -> None:
    ranks = competition_rank(values, polarity, decimals=decimals)
    present = {a for a, v in values.items() if v is not None}
    assert set(ranks) == present
    for r in ranks.values():
        assert r.ranked == len(present)
        assert 1 <= r.rank <= r.ranked
        assert r.rank + r.shared_by - 1 <= r.ranked
        assert 1 <= r.level <= r.rank


@given(VALUE_MAPS, POLARITIES, DECIMALS)
def test_ties_share_a_rank_and_better_values_rank_higher(
    values: dict[str, float | None], polarity: Polarity, decimals: int | None
) -> None:
    """Competition ranking: rank = 1 + the number of areas strictly better at the displayed precision."""
    ranks = competition_rank(values, polarity, decimals=decimals)
    sign = -1 if polarity == "lower" else 1

    def shown(area: str) -> float:
        value = values[area]
        assert value is not None
        return sign * (value if decimals is None else round_half_away(value, decimals))

    for a, ra in ranks.items():
        better = [b for b in ranks if shown(b) > shown(a)]
        tied = [b for b in ranks if shown(b) == shown(a)]
        assert ra.rank == 1 + len(better)
        assert ra.shared_by == len(tied)
        assert all(ranks[b].rank == ra.rank for b in tied)


@given(VALUE_MAPS, st.sampled_from(["higher", "lower"]))
def test_flipping_polarity_reverses_the_rank_order(
    values: dict[str, float | None], polarity: Polarity
) -> None:
    """For every pair: a ahead of b ⇔ b ahead of a after the flip; ties stay ties. Exactly,
    rank_flipped = ranked + 2 − rank − shared_by (the tie group's places mirrored)."""
    ranks = competition_rank(values, polarity)
    flipped = competition_rank(values, FLIP[polarity])
    for a in ranks:
        assert flipped[a].rank == ranks[a].ranked + 2 - ranks[a].rank - ranks[a].shared_by
        for b in ranks:
            assert (ranks[a].rank < ranks[b].rank) == (flipped[a].rank > flipped[b].rank)


@given(VALUE_MAPS, POLARITIES, st.sets(AREA_IDS, max_size=30))
def test_means_lie_between_worst_and_best(
    values: dict[str, float | None], polarity: Polarity, members: set[str]
) -> None:
    mean = unweighted_mean(values)
    extremes = best_and_worst(values, polarity, {})
    if mean is None:
        assert extremes.best == [] and median(values) is None
        return
    low, high = extremes.lowest[0].value, extremes.highest[0].value
    assert low <= mean <= high
    middle = median(values)
    assert middle is not None and low <= middle <= high
    worst, best = extremes.worst[0].value, extremes.best[0].value
    assert min(worst, best) <= mean <= max(worst, best)
    group, count = group_mean(values, members)
    assert count == sum(1 for m in members if values.get(m) is not None)
    assert (group is None) == (count == 0)
    if group is not None:
        assert low <= group <= high


@given(distinct_value_maps(), st.sampled_from(["higher", "lower"]), st.booleans())
def test_flipping_polarity_swaps_green_and_red_without_ties(
    values: dict[str, float | None], polarity: Polarity, four: bool
) -> None:
    """The precise property, for n ≥ 2 values with no ties (ranks 1…n, flipped rank = n + 1 − rank):

    - every area green under one polarity is red under the other;
    - no area red under one polarity is red under the other;
    - when 4 divides n the colours swap exactly (green ↔ red, lightgreen ↔ orange, yellow stays).

    When 4 does not divide n the cut is not symmetric (n = 290: 72 green places, 73 red), so one
    red area can come back yellow (or orange) rather than green. A single area (n = 1) is red
    under both polarities, see `test_a_lone_area_is_red`.
    """
    ranks = competition_rank(values, polarity)
    flipped = competition_rank(values, FLIP[polarity])
    n = len(ranks)
    for area in ranks:
        before = quartile_colour(ranks[area].rank, n, four=four)
        after = quartile_colour(flipped[area].rank, n, four=four)
        if before == "green":
            assert after == "red"
        if before == "red":
            assert after != "red"
        if n % 4 == 0:
            assert after == SWAP.get(before, before)


@given(st.one_of(st.none(), VALUES), st.one_of(st.none(), VALUES), DECIMALS)
def test_flipping_polarity_swaps_reference_colours(
    value: float | None, reference: float | None, decimals: int | None
) -> None:
    higher = reference_colour(value, reference, "higher", decimals)
    lower = reference_colour(value, reference, "lower", decimals)
    assert lower == SWAP.get(higher, higher)


@given(
    st.dictionaries(st.integers(2000, 2025), MAYBE, max_size=10),
    st.sampled_from(["higher", "lower"]),
    DECIMALS,
)
def test_flipping_polarity_swaps_improved_and_worsened(
    values: dict[int, float | None], polarity: Polarity, decimals: int | None
) -> None:
    result = trend(values, polarity, decimals=decimals)
    flipped = trend(values, FLIP[polarity], decimals=decimals)
    swap = {"improved": "worsened", "worsened": "improved"}
    assert flipped.trend == swap.get(result.trend, result.trend)
    assert flipped.direction == result.direction  # the arrow shows the value, not the judgement
    neutral = trend(values, "none", decimals=decimals)
    assert neutral.direction == result.direction


@given(st.decimals(min_value=-10_000, max_value=10_000, places=4, allow_nan=False), st.integers(0, 3))
def test_round_half_away_rounds_the_written_figure(written: Decimal, decimals: int) -> None:
    """The float parsed from a written figure rounds as the written figure does, halves away from zero."""
    x = float(written)
    expected = float(Decimal(repr(x)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))
    assert round_half_away(x, decimals) == expected
    assert round_half_away(-x, decimals) == -round_half_away(x, decimals)
    assert abs(round_half_away(x, decimals) - x) <= 0.5 * 10**-decimals + 1e-9
