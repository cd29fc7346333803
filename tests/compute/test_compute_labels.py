"""Swedish words and arrows: colour never carries the meaning alone."""

from __future__ import annotations

import pytest

from jamfor.compute import (
    COLOURS,
    TRENDS,
    Rank,
    arrow,
    comparison_label,
    ordinal,
    place_label,
    quartile_label,
    trend_label,
)


def test_trend_words() -> None:
    assert [trend_label(t) for t in TRENDS] == [
        "förbättrad",
        "försämrad",
        "oförändrad",
        "ökande",
        "minskande",
        "ingen trend",
    ]


def test_arrows_show_direction_not_goodness() -> None:
    assert (arrow("up"), arrow("down"), arrow("flat"), arrow(None)) == ("↑", "↓", "→", "")


def test_quartile_words() -> None:
    assert quartile_label("green") == "bland de 25 % bästa"
    assert quartile_label("yellow") == "mellersta 50 %"
    assert quartile_label("red") == "bland de 25 % sämsta"
    assert quartile_label("grey") == "uppgift saknas"
    assert quartile_label("lightgreen", four=True) == "näst bästa fjärdedelen"
    assert quartile_label("orange", four=True) == "näst sämsta fjärdedelen"
    with pytest.raises(KeyError):
        quartile_label("yellow", four=True)


def test_every_colour_but_none_has_words() -> None:
    labels = {**{c: quartile_label(c) for c in ("green", "yellow", "red", "grey")}}
    labels |= {c: quartile_label(c, four=True) for c in ("lightgreen", "orange")}
    assert set(labels) == set(COLOURS) - {"none"} and all(labels.values())
    assert quartile_label("none") == ""


def test_comparison_words() -> None:
    assert comparison_label("better", "rikssnittet") == "bättre än rikssnittet"
    assert comparison_label("equal", "rikssnittet") == "i nivå med rikssnittet"
    assert comparison_label("worse") == "sämre än jämförelsevärdet"
    assert comparison_label("missing") == "uppgift saknas"


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (1, "1:a"),
        (2, "2:a"),
        (3, "3:e"),
        (11, "11:e"),
        (12, "12:e"),
        (17, "17:e"),
        (21, "21:a"),
        (22, "22:a"),
        (111, "111:e"),
    ],
)
def test_swedish_ordinals(n: int, text: str) -> None:
    assert ordinal(n) == text


def test_place_label() -> None:
    assert place_label(Rank(14, 290)) == "14:e plats av 290"
    assert place_label(Rank(2, 290, shared_by=3)) == "delad 2:a plats av 290"


def test_swedish_number_uses_decimal_comma_and_thin_space() -> None:
    from jamfor.compute.labels import swedish_number

    assert swedish_number(12345.678, 1) == "12\u202f345,7"
    assert swedish_number(6.6, 1) == "6,6"
    assert swedish_number(2.675, 2) == "2,68"
    assert swedish_number(55, None) == "55"
    assert swedish_number(-0.04, 1) == "0,0"
    assert swedish_number(-1.5, 1) == "\u22121,5"
    assert swedish_number(None) == "uppgift saknas"
