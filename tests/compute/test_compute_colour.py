"""Quartile and reference colours, and which measures get no colour at all."""

from __future__ import annotations

import pytest

from jamfor.compute import (
    Rank,
    colour_for,
    competition_rank,
    quartile,
    quartile_colour,
    reference_colour,
    reference_comparison,
)


@pytest.mark.parametrize(
    ("rank", "colour"),
    [
        (1, "green"),
        (72, "green"),
        (73, "yellow"),
        (145, "yellow"),
        (217, "yellow"),
        (218, "red"),
        (290, "red"),
    ],
)
def test_quartile_boundaries_among_290(rank: int, colour: str) -> None:
    # n/4 = 72.5 and 3n/4 = 217.5: rank 72 is green, 217 is still yellow.
    assert quartile_colour(rank, 290) == colour


@pytest.mark.parametrize(
    ("rank", "colour"),
    [(72, "green"), (73, "lightgreen"), (145, "lightgreen"), (146, "orange"), (217, "orange"), (218, "red")],
)
def test_four_colours_among_290(rank: int, colour: str) -> None:
    assert quartile_colour(rank, 290, four=True) == colour


def test_quartile_numbers() -> None:
    assert [quartile(r, 8) for r in range(1, 9)] == [1, 1, 2, 2, 3, 3, 4, 4]
    with pytest.raises(ValueError, match="rank 9 is not a place among 8"):
        quartile(9, 8)


def test_missing_value_is_grey() -> None:
    assert quartile_colour(None, 290) == "grey"
    assert quartile_colour(None, 290, four=True) == "grey"


def test_ties_across_the_cut_get_the_better_colour() -> None:
    # Among 8, the best quarter is ranks 1–2. Three areas tied for 2nd are all green.
    ranks = competition_rank(
        {"a": 9.0, "b": 8.0, "c": 8.0, "d": 8.0, "e": 5.0, "f": 4.0, "g": 3.0, "h": 2.0}, "higher"
    )
    colours = {area: quartile_colour(r.rank, r.ranked) for area, r in ranks.items()}
    assert colours == {"a": "green", "b": "green", "c": "green", "d": "green"} | {
        "e": "yellow",
        "f": "yellow",
        "g": "red",
        "h": "red",
    }


def test_reference_colour_at_displayed_precision() -> None:
    assert reference_colour(6.6, 6.64, "higher", 1) == "yellow"  # 6,6 vs 6,6: equal
    assert reference_colour(6.6, 6.66, "higher", 1) == "red"  # 6,6 vs 6,7
    assert reference_colour(6.6, 6.64, "higher") == "red"  # exact when no decimals are given
    assert reference_colour(62, 55, "higher", 0) == "green"


def test_reference_colour_lower_is_better() -> None:
    assert reference_colour(8.2, 12.1, "lower", 1) == "green"  # Ronneby's sick-leave below the mean
    assert reference_colour(12.2, 12.1, "lower", 1) == "red"


def test_reference_colour_without_reference_or_value() -> None:
    assert reference_colour(6.3, None, "higher", 1) == "yellow"  # "Ingen uppgift": not comparable
    assert reference_comparison(6.3, None, "higher", 1) == "not_comparable"
    assert reference_colour(None, 6.6, "higher", 1) == "grey"
    assert reference_colour(None, None, "higher", 1) == "grey"
    assert reference_colour(6.3, 6.0, "none", 1) == "none"
    assert reference_colour(6.3, 6.0, None, 1) == "none"


def test_cost_measures_are_not_coloured() -> None:
    # Kostnad förskola (N11008): lower is better for the trend, but KKiK leaves the row uncoloured.
    rank = Rank(1, 290)
    assert colour_for("lower", False, "quartile", rank=rank) == "none"
    assert colour_for("lower", False, "reference", value=120_000, reference=150_000) == "none"
    assert colour_for("lower", True, "quartile", rank=rank) == "green"


def test_colour_for_chooses_the_scheme() -> None:
    assert colour_for("higher", True, "quartile", rank=Rank(73, 290)) == "yellow"
    assert colour_for("higher", True, "quartile4", rank=Rank(73, 290)) == "lightgreen"
    assert colour_for("higher", True, "quartile", rank=None) == "grey"
    assert colour_for("higher", None, "reference", value=62, reference=55, decimals=0) == "green"
    assert colour_for("none", True, "quartile", rank=Rank(1, 290)) == "none"
    assert colour_for(None, True, "reference", value=1, reference=2) == "none"


def test_a_lone_area_is_red() -> None:
    # The rule taken literally (rank 1 > 3·1/4): with one ranked area there is no green, and among
    # two or three the last is red while none is green. Reports should not quartile-colour tiny groups.
    assert quartile_colour(1, 1) == "red"
    assert [quartile_colour(r, 3) for r in (1, 2, 3)] == ["yellow", "yellow", "red"]
