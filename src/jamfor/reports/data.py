"""What every report builder shares: resolved measures, fetched values, the country's figures per measure.

Builders fetch values with `Store.values` (one query, raw tuples; the reports of every
municipality with `fetch_columns`, one query handing over a column per KPI and year) and compute
everything else here with the pure functions of `jamfor.compute`. Where a report of 40 measures needed it, a fast path
stands in for a compute function (rounding as shown, one area's rank, mean and median of sorted
values) and returns exactly what compute returns; tests/reports/test_report_internals.py checks it.
"""

from __future__ import annotations

import bisect
import gc
import math
import statistics
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import repeat
from operator import itemgetter, mul, sub, truediv
from typing import Final, cast

from jamfor.compute import (
    SCHEMES,
    Colour,
    Rank,
    Scheme,
    best_and_worst,
    colour_for,
    group_mean,
    riket,
    round_half_away,
    swedish_number,
)
from jamfor.compute.reference import AreaValue
from jamfor.errors import JamforError, NotFoundError
from jamfor.measuresets import Measure, MeasureSet
from jamfor.model import GENDERS, Kpi, Polarity
from jamfor.reports.definitions import definitions_from
from jamfor.reports.model import Extreme, KpiDefinition, Named, Reference
from jamfor.store import Store
from jamfor.store.report_data import ValueColumn, value_columns

DEFAULT_YEARS: Final = 3
DEFAULT_PERSPECTIVE: Final = "Nyckeltal"
KOLADA: Final = "Kolada"
COMPUTED_BY_US: Final = "Medelvärden, rangordning, färger och trender: beräknade av jamfor."
# Quartiles of fewer areas say nothing (one area alone would be "the worst 25 %").
MIN_QUARTILE_RANKED: Final = 4

ValueRow = tuple[str, str, int, float | None, str | None]


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off for a block that makes many objects and no cycles.

    Building every municipality's report makes ~100,000 short-lived objects; the collector would
    run dozens of times over them for nothing (reference counting frees them). Cycles made
    meanwhile are collected once the block ends.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


# -- arguments -----------------------------------------------------------------------------------


def check_options(gender: str, colour: str) -> Scheme:
    """The colour scheme, after checking it and the gender; JamforError names what is wrong."""
    if gender not in GENDERS:
        raise JamforError(f"gender must be T (totalt), K (kvinnor) or M (män), not {gender!r}")
    for scheme in SCHEMES:
        if colour == scheme:
            return scheme
    raise JamforError(f"colour must be one of {', '.join(SCHEMES)}, not {colour!r}")


def check_years(years: Sequence[int]) -> list[int]:
    """The report years sorted, without repeats; at least one."""
    unique = sorted({int(y) for y in years})
    if not unique:
        raise JamforError("a report needs at least one year")
    return unique


@dataclass(frozen=True)
class Measures:
    """The measures of a report, each filled in from its KPI, with the set they came from."""

    measures: list[Measure]  # resolved, in report order (grouped by perspective)
    perspectives: list[str]
    measure_set: Named | None
    catalogue: Mapping[str, Kpi] = field(default_factory=dict)  # each measure's KPI, as read

    @property
    def kpi_ids(self) -> list[str]:
        return [m.kpi for m in self.measures]

    def definitions(self) -> list[KpiDefinition]:
        """Each measure's KPI definition, in report order, from the catalogue entries already read."""
        return definitions_from(
            self.catalogue[kpi] for kpi in dict.fromkeys(self.kpi_ids) if kpi in self.catalogue
        )


def resolve_measures(store: Store, measure_set: MeasureSet | None, kpis: Sequence[str] | None) -> Measures:
    """The measures of a measure set or of a plain KPI list (exactly one must be given).

    A KPI list takes each KPI's curated fields and its Kolada perspective ("Nyckeltal" when it has
    none). Unknown KPI ids raise NotFoundError naming all of them.
    """
    if (measure_set is None) == (kpis is None):
        raise JamforError("give either a measure set or a list of KPI ids")
    if measure_set is not None:
        wanted = measure_set.kpi_ids()
        found = _kpis(store, wanted, f"the measure set {measure_set.id!r}")
        resolved = [m.resolved(found[m.kpi]) for m in measure_set.measures]
        declared = list(measure_set.perspectives)
        named: Named | None = Named(measure_set.id, measure_set.title)
    else:
        assert kpis is not None
        wanted = [k.strip() for k in kpis]
        if not wanted:
            raise JamforError("the KPI list is empty: name at least one KPI id")
        repeated = sorted({k for k in wanted if wanted.count(k) > 1})
        if repeated:
            raise JamforError(f"the KPI list names {', '.join(repeated)} more than once")
        found = _kpis(store, wanted, "the KPI list")
        resolved = [
            Measure(kpi=k, title=None, perspective=found[k].perspective or DEFAULT_PERSPECTIVE).resolved(
                found[k]
            )
            for k in wanted
        ]
        declared = list(dict.fromkeys(m.perspective for m in resolved))
        named = None
    perspectives = [p for p in declared if any(m.perspective == p for m in resolved)]
    ordered = [m for p in perspectives for m in resolved if m.perspective == p]
    return Measures(ordered, perspectives, named, found)


def _kpis(store: Store, ids: Sequence[str], where: str) -> dict[str, Kpi]:
    found = {k.id: k for k in store.kpis(list(ids))}
    unknown = [k for k in ids if k not in found]
    if unknown:
        listed = ", ".join(repr(k) for k in unknown)
        raise NotFoundError(
            f"{where} names KPI {listed}, which the store does not know "
            "(check the id or import the catalogue first; 'jamfor kpi search' finds ids)"
        )
    return found


def colour_graded(measure: Measure) -> bool:
    """Whether the measure gets a quality colour: it has a polarity and is not a cost."""
    return measure.polarity in ("higher", "lower") and measure.colour_graded is not False


def cell_colour(
    measure: Measure, scheme: Scheme, value: float | None, place: Rank | None, reference: float | None
) -> Colour:
    """The colour of one value by `compute.colour_for`, except where a quartile means nothing.

    `none` for a value without a place among the municipalities (a region, Riket) and when
    fewer than MIN_QUARTILE_RANKED municipalities have a value.
    """
    quartile = colour_graded(measure) and scheme != "reference" and value is not None
    if quartile and (place is None or place.ranked < MIN_QUARTILE_RANKED):
        return "none"
    return colour_for(
        measure.polarity,
        measure.colour_graded,
        scheme,
        rank=place,
        value=value,
        reference=reference,
        decimals=measure.decimals,
    )


# -- references ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReferenceChoice:
    """The reference a report compares with, with what a comment calls it.

    `phrase` names it in a sentence ("rikssnittet"), `missing_in` says whose value is missing
    ("riket"). `members` is the group's members for a group reference.
    """

    reference: Reference
    phrase: str
    missing_in: str
    members: frozenset[str] | None = None

    def value(
        self, stats: CountryStats, values: Mapping[str, float | None]
    ) -> tuple[float | None, int | None]:
        """The reference's value for one measure and data year, and how many members had a value."""
        kind = self.reference.kind
        if kind == "riket":
            return stats.riket, None
        if kind == "mean":
            return stats.mean, stats.ranked
        assert self.members is not None
        return group_mean(values, self.members)


def resolve_reference(store: Store, reference: str) -> ReferenceChoice:
    """ "mean" (all municipalities, unweighted), "riket" (0000 as published) or "group:<id or name>"."""
    text = reference.strip()
    key = text.casefold()
    if key == "mean":
        return ReferenceChoice(
            Reference("mean", "Ovägt medel, alla kommuner"), "snittet för alla kommuner", "kommunerna"
        )
    if key == "riket":
        return ReferenceChoice(Reference("riket", "Riket"), "rikssnittet", "riket")
    if key.startswith("group:"):
        group = store.resolve_group(text[len("group:") :].strip())
        if group.kind == "kommungrupp":
            label = f"Kommungrupp {group.title}"
            phrase = f"snittet för kommungrupp {group.title}"
        elif group.kind == "network":
            label = f"Nätverket {group.title}"
            phrase = f"snittet för nätverket {group.title}"
        else:
            label = group.title
            phrase = f"snittet för {group.title}"
        return ReferenceChoice(
            Reference("group", label, Named(group.id, group.title)),
            phrase,
            label[0].lower() + label[1:] if group.kind in ("kommungrupp", "network") else label,
            frozenset(a.id for a in group.members),
        )
    raise JamforError(f"reference must be 'mean', 'riket' or 'group:<id or name>', not {reference!r}")


# -- values ----------------------------------------------------------------------------------------


class Values:
    """Fetched values by (kpi, period), then by area, with the source of each."""

    def __init__(self, rows: Iterable[ValueRow] = ()) -> None:
        self._values: dict[tuple[str, int], dict[str, float | None]] = {}
        self._sources: dict[tuple[str, int], dict[str, str | None]] = {}
        self.distinct_sources: set[str | None] = set()  # every source any fetched value has
        self.nan_free = True  # no value is NaN (add_columns' never are)
        self.add(rows)

    def add(self, rows: Iterable[ValueRow]) -> None:
        rows = rows if isinstance(rows, list) else list(rows)
        self.distinct_sources.update(map(itemgetter(4), rows))
        self.nan_free = False
        values, sources = self._values, self._sources
        last_kpi: str | None = None
        by_period: dict[int, tuple[dict[str, float | None], dict[str, str | None]]] = {}
        for kpi, area, period, value, source in rows:
            # Rows come in storage order, a KPI's rows mostly together: look its periods up by int.
            if kpi != last_kpi:
                last_kpi, by_period = kpi, {}
            pair = by_period.get(period)
            if pair is None:
                key = (kpi, period)
                if key not in values:
                    values[key], sources[key] = {}, {}
                pair = by_period[period] = (values[key], sources[key])
            pair[0][area] = value
            pair[1][area] = source

    def at(self, kpi: str, period: int) -> dict[str, float | None]:
        """Every fetched area's value of `kpi` in `period` (None: stored as missing)."""
        return self._values.get((kpi, period), {})

    def column(self, kpi: str, period: int) -> tuple[dict[str, float | None], dict[str, str | None]]:
        """Every fetched area's value of `kpi` in `period`, and each value's source."""
        key = (kpi, period)
        return self._values.get(key, {}), self._sources.get(key, {})

    def get(self, kpi: str, period: int, area: str) -> float | None:
        value = self._values.get((kpi, period), {}).get(area)
        return None if value is None or math.isnan(value) else value

    def source(self, kpi: str, period: int, area: str) -> str | None:
        return self._sources.get((kpi, period), {}).get(area)

    def series(self) -> Iterable[tuple[str, int]]:
        """The (kpi, period) pairs fetched."""
        return self._values.keys()

    def add_columns(self, columns: Iterable[ValueColumn], common_source: str = KOLADA) -> None:
        """Columns of `store.report_data.value_columns(…, common_source)`: as `add` of the same
        values from `Store.values` (whose NaN are None here already)."""
        values, sources = self._values, self._sources
        for column in columns:
            key = (column.kpi, column.period)
            # Most values come from the common source: one dict of it, the others written over.
            named: dict[str, str | None] = dict.fromkeys(column.values, common_source)
            named.update(column.sources)
            if len(column.sources) < len(column.values):
                self.distinct_sources.add(common_source)
            self.distinct_sources.update(column.sources.values())
            if key in values:
                values[key].update(column.values)
                sources[key].update(named)
            else:  # the column's dict taken over, not copied
                values[key], sources[key] = column.values, named


def fetch_columns(
    store: Store, measures: Sequence[Measure], years: Sequence[int], gender: str
) -> list[ValueColumn]:
    """Every area's values of the measures in the report years (each shifted by its measure's
    year offset), in one query: see `store.report_data.value_columns`."""
    pairs = [(m.kpi, m.data_year(year)) for m in measures for year in years]
    return value_columns(store, pairs, gender, KOLADA)


def latest_report_year(
    measures: Sequence[Measure], values: Values, areas: Iterable[str] | None = None
) -> int | None:
    """The latest report year with a value (for `areas`, or any area); see `pick_latest`."""
    offsets = {m.kpi: m.year_offset for m in measures}
    wanted = None if areas is None else set(areas)
    latest: dict[str, int] = {}
    for kpi, period in values.series():
        offset = offsets.get(kpi)
        if offset is None or (kpi in latest and period - offset <= latest[kpi]):
            continue
        at = values.at(kpi, period)
        areas_with_value = (a for a, v in at.items() if v is not None and not math.isnan(v))
        if any(wanted is None or a in wanted for a in areas_with_value):
            latest[kpi] = period - offset
    return pick_latest(measures, latest)


def latest_year_in_store(store: Store, measures: Sequence[Measure]) -> int | None:
    """The latest report year with a stored value, in any area; see `pick_latest`."""
    latest = {m.kpi: max(periods) - m.year_offset for m in measures if (periods := store.periods(m.kpi))}
    return pick_latest(measures, latest)


def pick_latest(measures: Sequence[Measure], latest: Mapping[str, int]) -> int | None:
    """The report year to end on, from each measure's latest report year with data.

    The latest over the measures shown without a lag (year_offset 0) when any of them has data,
    else over all: a measure shown one year late (sjukpenningtal in KKiK) must not pull the
    report into a year whose other figures are not out yet.
    """
    current = [latest[m.kpi] for m in measures if m.year_offset == 0 and m.kpi in latest]
    if current:
        return max(current)
    return max(latest.values()) if latest else None


def default_years(latest: int | None, count: int = DEFAULT_YEARS) -> list[int]:
    if latest is None:
        raise JamforError("there are no stored values for these measures; give the years to report")
    return list(range(latest - count + 1, latest + 1))


_SWEDISH_ORDER: Final = str.maketrans({"å": "z\u0001", "ä": "z\u0002", "ö": "z\u0003", "é": "e", "ü": "y"})


def swedish_sort_key(name: str) -> str:
    """Sort names in Swedish alphabetical order: … x, y, z, å, ä, ö ("Åre" after "Ystad")."""
    return name.casefold().translate(_SWEDISH_ORDER)


def source_lines(sources: Iterable[str | None]) -> list[str]:
    """ "Källa: Kolada" when any value shown came from Kolada, other sources by name, then ours."""
    names = {s for s in sources if s}
    lines = ["Källa: Kolada"] if KOLADA in names else []
    lines += [f"Källa: {s}" for s in sorted(names - {KOLADA})]
    lines.append(COMPUTED_BY_US)
    return lines


# -- the country's figures for one measure and data year -----------------------------------------

# 10**d is exact as a float up to d = 22; the fast path needs it exact.
_SCALES: Final = tuple(10.0**d for d in range(16))
# Below this, y = value·10**d carries a float error under 1e-6, so only a y within 1e-6 of a
# half can round differently from the decimal value; those go the exact (Decimal) way.
_FAST_LIMIT: Final = 1e9
_HALF_MARGIN: Final = 1e-6


def shown(value: float, decimals: int | None) -> float:
    """`value` as shown with `decimals` places: the same float as `compute.round_half_away`, faster.

    Rounding thousands of values with Decimal is the slowest part of a report, so values not
    near a half are rounded in floats, where the result provably agrees (k / 10**d is the
    nearest double to the decimal k·10**-d, as Decimal's float() is).
    """
    if decimals is None:
        return value
    if 0 <= decimals < len(_SCALES):
        scale = _SCALES[decimals]
        scaled = value * scale
        magnitude = abs(scaled)
        if magnitude < _FAST_LIMIT:
            whole = math.floor(magnitude)
            fraction = magnitude - whole
            if abs(fraction - 0.5) > _HALF_MARGIN:
                rounded = (whole + 1 if fraction > 0.5 else whole) / scale
                return (-rounded if scaled < 0 else rounded) + 0.0
    return round_half_away(value, decimals)


def shown_list(values: Iterable[float], decimals: int | None) -> list[float]:
    """`shown` of many values (the same floats), a column at a time: ranks round hundreds.

    Rounding in floats agrees with `shown` wherever the scaled value is not within _HALF_MARGIN
    of a half (see `shown`); only those few values, and columns beyond _FAST_LIMIT or not
    finite, take `round_half_away`. Each step maps a builtin over the column, so no Python code
    runs per value.
    """
    if decimals is None:
        return list(values)
    values = values if isinstance(values, list) else list(values)
    if not values:
        return []
    if not 0 <= decimals < len(_SCALES):
        return [round_half_away(v, decimals) for v in values]
    scale = _SCALES[decimals]
    scaled = list(map(mul, values, repeat(scale)))
    if not all(map(math.isfinite, scaled)) or max(map(abs, scaled)) >= _FAST_LIMIT:
        return [shown(v, decimals) for v in values]
    # k / 10**d is the float of the decimal k·10**-d (see `shown`), 0 for -0.0 too; k is the
    # nearest whole number to the scaled value, right unless that lies within _HALF_MARGIN of a half.
    whole = list(map(round, scaled))
    out = list(map(truediv, whole, repeat(scale)))
    gaps = list(map(abs, map(sub, scaled, whole)))
    if max(gaps) >= 0.5 - _HALF_MARGIN:
        for i in [i for i, gap in enumerate(gaps) if gap >= 0.5 - _HALF_MARGIN]:
            out[i] = round_half_away(values[i], decimals)
    return out


def swedish_texts(
    values: Sequence[float | None], decimals: int | None, rounded: Sequence[float | None] | None = None
) -> list[str | None]:
    """`compute.swedish_number(v, decimals)` of each value present (None stays None), faster.

    Rounded as shown by `shown_list` instead of one Decimal each (or `rounded`, the values
    already rounded so: `shown_column(values, 2 if decimals is None else decimals)`) and
    formatted alike, the separators swapped in one go: the comments of 290 reports write
    thousands of numbers.
    """
    places = 2 if decimals is None else decimals
    present = [v for v in values if v is not None]
    if not present:
        return [None] * len(values)
    if not 0 <= places < len(_SCALES) or not all(map(math.isfinite, present)):
        return [None if v is None else swedish_number(v, decimals) for v in values]
    figures = shown_list(present, places) if rounded is None else [r for r in rounded if r is not None]
    # shown never gives -0.0, so no "-0" needs its sign dropped.
    texts = "\x00".join(map(format, figures, repeat(f",.{places}f")))
    if decimals is None:
        # rstrip("0").rstrip(".") of each "x.dd", by three replacements of the whole text: whole
        # numbers marked first (\x01), so that the last zero of "120" is not taken for a decimal.
        texts = (
            (texts + "\x00").replace(".00\x00", "\x01").replace("0\x00", "\x00").replace("\x01", "\x00")[:-1]
        )
    swapped = texts.replace(",", "\u202f").replace(".", ",").replace("-", "\u2212").split("\x00")
    if len(present) == len(values):
        return list(swapped)
    found = iter(swapped)
    return [None if v is None else next(found) for v in values]


def shown_column(values: Sequence[float | None], decimals: int | None) -> list[float | None]:
    """`shown` of each value, None kept in place (a column of values in area order)."""
    if decimals is None:
        return list(values)
    if None not in values:
        return list(shown_list(cast(Sequence[float], values), decimals))
    rounded = iter(shown_list([v for v in values if v is not None], decimals))
    return [None if v is None else next(rounded) for v in values]


def present_column(
    values: Mapping[str, float | None], areas: Iterable[str], *, nan_free: bool = False
) -> list[float | None]:
    """The values of `areas` in that order, None where there is none (missing, NaN or not fetched).

    `nan_free`: the values are known to hold no NaN (see `Values.nan_free`), nothing to check.
    """
    column = list(map(values.get, areas))
    # filter(None, …) leaves out None and zeros, keeps NaN: rare, it means missing too.
    if not nan_free and any(map(math.isnan, cast(Iterator[float], filter(None, column)))):
        return [None if v is None or v != v else v for v in column]
    return column


def mean_of_sorted(ordered: Sequence[float]) -> float | None:
    """`compute.unweighted_mean` of values already filtered and sorted (the same float)."""
    if not ordered:
        return None
    return min(max(math.fsum(ordered) / len(ordered), ordered[0]), ordered[-1])


def median_of_sorted(ordered: Sequence[float]) -> float | None:
    """`compute.median` of values already filtered and sorted (the same float)."""
    return float(statistics.median(ordered)) if ordered else None


def _extreme(areas: list[AreaValue]) -> Extreme | None:
    if not areas:
        return None
    return Extreme(tuple(Named(a.area, a.name) for a in areas), areas[0].value)


class CountryStats:
    """One measure in one data year across the country: the figures every row compares with.

    Means, median, best and worst are over the municipalities with a value (Riket and the
    regions left out); Riket is area 0000 as published. Ranks are competition ranks at the
    displayed precision (6,6 and 6,64 share a place), as `compute.competition_rank` gives them.
    `names` holds every municipality (type K) by id: it also says which areas are municipalities.
    """

    def __init__(
        self,
        values: Mapping[str, float | None],
        polarity: Polarity | None,
        decimals: int | None,
        names: Mapping[str, str],
    ) -> None:
        self.polarity = polarity
        self.decimals = decimals
        # compute.municipality_values + present_values in one pass, by the store's type K list.
        self.present: dict[str, float] = {
            area: value
            for area, value in values.items()
            if area in names and value is not None and value == value
        }
        self.ranked = len(self.present)
        # Sorted once: the mean, median, extremes and the single-area rank all read this.
        self._ordered = sorted(self.present.values())
        self.mean = mean_of_sorted(self._ordered)
        self.median = median_of_sorted(self._ordered)
        self.riket = riket(values)
        self.best: Extreme | None = None
        self.worst: Extreme | None = None
        if self._ordered:
            low, high = self._ordered[0], self._ordered[-1]
            # Only the areas at either end can be best or worst; compute picks and orders them.
            ends = {area: value for area, value in self.present.items() if value in (high, low)}
            extremes = best_and_worst(ends, polarity, names)
            self.best, self.worst = _extreme(extremes.best), _extreme(extremes.worst)
        self._ranks: dict[str, Rank] | None = None
        self._shown: dict[str, float] = {}

    def ranks(self) -> dict[str, Rank]:
        """Every municipality's rank (polarity none: by value, highest first)."""
        if self._ranks is None:
            # compute.competition_rank of the values as shown, without its per-value key function:
            # each distinct figure, best first, gets 1 + the number of areas ahead of it.
            figures = shown_list(self.present.values(), self.decimals)
            self._shown = dict(zip(self.present, figures, strict=True))
            counts = Counter(figures)
            by_quality = self.polarity in ("higher", "lower")
            place_of: dict[float, Rank] = {}
            ahead = 0
            for level, figure in enumerate(sorted(counts, reverse=self.polarity != "lower"), start=1):
                count = counts[figure]
                place_of[figure] = Rank(ahead + 1, self.ranked, count, level, by_quality)
                ahead += count
            self._ranks = dict(zip(self.present, map(place_of.__getitem__, figures), strict=True))
        return self._ranks

    def shown_values(self) -> dict[str, float]:
        """Each municipality's value as shown (rounded to the measure's decimals), as ranked."""
        self.ranks()
        return self._shown

    def rank(self, area: str) -> Rank | None:
        """One municipality's rank, the same as `ranks()[area]`, without ranking them all.

        Rounding is monotone, so the values shown above (or below) this one are a run of the
        sorted values, found by bisection; only that run is rounded, to count its distinct
        figures (the rank's level).
        """
        if self._ranks is not None:
            return self._ranks.get(area)
        value = self.present.get(area)
        if value is None:
            return None
        ordered, decimals = self._ordered, self.decimals
        mine = shown(value, decimals)

        def key(v: float) -> float:
            return shown(v, decimals)

        below = bisect.bisect_left(ordered, mine, key=key)
        above = bisect.bisect_right(ordered, mine, key=key, lo=below)
        ahead = ordered[:below] if self.polarity == "lower" else ordered[above:]
        return Rank(
            rank=len(ahead) + 1,
            ranked=self.ranked,
            shared_by=above - below,
            level=len(set(shown_list(ahead, decimals))) + 1,
            by_quality=self.polarity in ("higher", "lower"),
        )
