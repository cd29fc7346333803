"""Polarity-aware competition ranking: best = 1, ties share the best place ("1224")."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from jamfor.compute.numbers import present_values, round_half_away
from jamfor.model import Polarity


@dataclass(frozen=True)
class Rank:
    """An area's place among the `ranked` areas that have a value.

    `rank` is the competition rank: 1 + the number of areas strictly better, so three
    municipalities at 100 % all have rank 1 and the next has rank 4 ("17:e plats" counts every
    area ahead). `shared_by` is how many areas hold this rank (1 when alone; 2 or more is a
    "delad" place). `level` is the dense rank: which distinct value this is counting from the
    best, the sense of Kungsbacka's "delad andraplats" when all better municipalities share
    100 %. `by_quality` is False for polarity `none`, where the order is by value, highest first,
    and says nothing about better or worse.
    """

    rank: int
    ranked: int
    shared_by: int = 1
    level: int = 1
    by_quality: bool = True

    @property
    def is_shared(self) -> bool:
        """True when another area has the same rank."""
        return self.shared_by > 1


def competition_rank(
    values: Mapping[str, float | None], polarity: Polarity | None, *, decimals: int | None = None
) -> dict[str, Rank]:
    """Rank the areas that have a value; areas without one get no entry.

    Higher is better for polarity `higher`, lower for `lower`. For `none` (and None, not
    curated) areas are ordered by value, highest first, with `by_quality` False: a position,
    not a quality rank, so no colour may be derived from it. With `decimals`, values that show as
    the same figure tie (6,6 and 6,64 share a place), so the ranks agree with the page.

    Pass the municipalities only (see `reference.municipality_values`): Riket and the regions
    are not competitors.
    """
    present = present_values(values)
    ascending = polarity == "lower"

    def key(value: float) -> float:
        shown = value if decimals is None else round_half_away(value, decimals)
        return shown if ascending else -shown

    keys = {area: key(value) for area, value in present.items()}
    counts = Counter(keys.values())
    ordered_keys = sorted(counts)
    ranked = len(present)
    by_quality = polarity in ("higher", "lower")
    rank_of: dict[float, Rank] = {}
    ahead = 0
    for level, k in enumerate(ordered_keys, start=1):
        rank_of[k] = Rank(ahead + 1, ranked, counts[k], level, by_quality)
        ahead += counts[k]
    return {area: rank_of[k] for area, k in keys.items()}
