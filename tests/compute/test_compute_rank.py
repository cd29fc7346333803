"""Competition ranking: best = 1, ties share the best place, polarity decides what is best."""

from __future__ import annotations

from jamfor.compute import Rank, competition_rank, place_label


def test_three_at_100_share_first_place_and_the_next_is_fourth() -> None:
    ranks = competition_rank({"a": 100.0, "b": 100.0, "c": 100.0, "d": 99.0, "e": 98.0}, "higher")
    assert [ranks[k].rank for k in "abcde"] == [1, 1, 1, 4, 5]
    assert ranks["a"] == Rank(rank=1, ranked=5, shared_by=3, level=1)
    assert ranks["d"] == Rank(rank=4, ranked=5, shared_by=1, level=2)


def test_kungsbacka_17th_place_behind_three_at_100() -> None:
    # Bitt 2014: "Tre kommuner har 100 procent. Kungsbacka ligger på 17:e plats i riket."
    values: dict[str, float | None] = {f"m{i}": 100.0 for i in range(3)}
    values |= {f"n{i}": 95.0 + i * 0.25 for i in range(13)}  # 13 municipalities between 95 and 98
    values |= {"1384": 94.0, "x": 80.0, "y": None}
    ranks = competition_rank(values, "higher")
    assert ranks["1384"].rank == 17
    assert place_label(ranks["1384"]) == "17:e plats av 18"
    assert "y" not in ranks


def test_delad_andraplats() -> None:
    # One municipality ahead, two sharing the next value: both are 2nd, the one after is 4th.
    ranks = competition_rank({"a": 100.0, "1384": 98.0, "b": 98.0, "c": 90.0}, "higher")
    assert (ranks["1384"].rank, ranks["b"].rank, ranks["c"].rank) == (2, 2, 4)
    assert place_label(ranks["1384"]) == "delad 2:a plats av 4"


def test_kungsbacka_e_post_level() -> None:
    # Bitt 2014, e-post: "De kommuner som har bättre resultat har alla 100 procent och vi ligger på
    # delad andraplats": the second-best value (level 2), while the competition rank counts all ahead.
    ranks = competition_rank(
        {"a": 100.0, "b": 100.0, "c": 100.0, "1384": 98.0, "d": 98.0, "e": 82.0}, "higher"
    )
    assert ranks["1384"] == Rank(rank=4, ranked=6, shared_by=2, level=2)


def test_lower_is_better() -> None:
    ranks = competition_rank({"1081": 8.2, "1384": 6.5, "2380": 12.1}, "lower")
    assert [ranks[k].rank for k in ("1384", "1081", "2380")] == [1, 2, 3]


def test_no_polarity_orders_by_value_but_is_not_a_quality_rank() -> None:
    ranks = competition_rank({"a": 1.0, "b": 3.0, "c": 2.0}, "none")
    assert [ranks[k].rank for k in "bca"] == [1, 2, 3]
    assert not any(r.by_quality for r in ranks.values())
    assert competition_rank({"a": 1.0, "b": 3.0}, None) == competition_rank({"a": 1.0, "b": 3.0}, "none")


def test_ties_at_displayed_precision() -> None:
    values: dict[str, float | None] = {"a": 6.64, "b": 6.6, "c": 6.66}
    assert competition_rank(values, "higher", decimals=1)["a"].rank == 2  # 6,6 and 6,6 share
    assert competition_rank(values, "higher", decimals=1)["b"].rank == 2
    assert competition_rank(values, "higher")["b"].rank == 3


def test_only_areas_with_a_value_are_ranked() -> None:
    assert competition_rank({"a": None, "b": None}, "higher") == {}
    ranks = competition_rank({"a": 1.0, "b": None, "c": 2.0}, "higher")
    assert set(ranks) == {"a", "c"} and all(r.ranked == 2 for r in ranks.values())
