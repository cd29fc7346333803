"""Reference values a municipality is compared with: means, median, Riket, best and worst.

Every function works on the values it is given, keyed by area id. Kolada's "Alla kommuner
(ovägt medel)" is the mean over the 290 municipalities, so pass municipalities only (see
`municipality_values`); a values map straight from the store also holds Riket and the regions.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from jamfor.compute.numbers import present_values
from jamfor.model import RIKET, Polarity


def is_municipality_id(area_id: str) -> bool:
    """True for a municipality's four-digit SCB code (`0114` … `2584`), false for Riket and regions.

    Riket is `0000` and the regions are `0001`–`0025`; every municipality code starts with its
    county's two digits, which are never `00`.
    """
    return len(area_id) == 4 and area_id.isdigit() and not area_id.startswith("00")


def municipality_values(values: Mapping[str, float | None]) -> dict[str, float | None]:
    """The municipalities' entries of `values`, without Riket and the regions."""
    return {area: value for area, value in values.items() if is_municipality_id(area)}


def unweighted_mean(values: Mapping[str, float | None]) -> float | None:
    """The plain mean over the areas that have a value (Kolada's "ovägt medel"); None if none has.

    Each area counts once whatever its size, unlike Riket, which is weighted by inhabitants.
    """
    present = list(present_values(values).values())
    if not present:
        return None
    mean = math.fsum(present) / len(present)
    # The true mean lies between the extremes; clamping only removes the last bit of float error.
    return min(max(mean, min(present)), max(present))


def group_mean(values: Mapping[str, float | None], members: Iterable[str]) -> tuple[float | None, int]:
    """The unweighted mean over the `members` that have a value, and how many had one (Kolada's `count`).

    A member missing from `values` counts as having no value. This is how Kolada computes every
    group value: kommungrupper, networks, "liknande kommuner".
    """
    member_values = {area: values.get(area) for area in set(members)}
    present = present_values(member_values)
    return unweighted_mean(present), len(present)


def median(values: Mapping[str, float | None]) -> float | None:
    """The median over the areas that have a value (the mean of the middle two for an even count)."""
    present = list(present_values(values).values())
    if not present:
        return None
    return float(statistics.median(present))


def riket(values: Mapping[str, float | None]) -> float | None:
    """Riket's value as published (area `0000`): weighted by inhabitants, not a mean we compute."""
    value = values.get(RIKET)
    return None if value is None or math.isnan(value) else value


class AreaValue(NamedTuple):
    """One area's value, with its name for showing it: "Danderyd 93"."""

    area: str
    name: str
    value: float


@dataclass(frozen=True)
class BestAndWorst:
    """The areas at either end of the scale, all of them when several share the extreme value.

    For polarity `none` there is no better or worse: `best` holds the highest values and `worst`
    the lowest, and `by_quality` is False so a report says "högst"/"lägst" instead.
    """

    best: list[AreaValue]
    worst: list[AreaValue]
    polarity: Polarity

    @property
    def by_quality(self) -> bool:
        """True when best and worst are judgements (polarity higher or lower), not just high and low."""
        return self.polarity != "none"

    @property
    def highest(self) -> list[AreaValue]:
        """The areas with the highest value, whatever the polarity."""
        return self.worst if self.polarity == "lower" else self.best

    @property
    def lowest(self) -> list[AreaValue]:
        """The areas with the lowest value, whatever the polarity."""
        return self.best if self.polarity == "lower" else self.worst


def best_and_worst(
    values: Mapping[str, float | None], polarity: Polarity | None, names: Mapping[str, str]
) -> BestAndWorst:
    """The best and the worst areas by `polarity`, with ties, each list ordered by area id.

    An area missing from `names` is shown by its id. Polarity None (not curated) is treated as
    `none`: best is then the highest value and worst the lowest.
    """
    present = present_values(values)
    polarity = polarity or "none"
    if not present:
        return BestAndWorst([], [], polarity)
    high, low = max(present.values()), min(present.values())
    best_value, worst_value = (low, high) if polarity == "lower" else (high, low)

    def at(target: float) -> list[AreaValue]:
        return [
            AreaValue(area, names.get(area, area), value)
            for area, value in sorted(present.items())
            if value == target
        ]

    return BestAndWorst(at(best_value), at(worst_value), polarity)
