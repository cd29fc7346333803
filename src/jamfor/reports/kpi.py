"""The KPI report: every municipality ranked for one KPI and year, best first, with the distribution.

Ties share a rank (competition ranking at the displayed precision); for a KPI without polarity
the order is by value, highest first, and carries no colour. Municipalities without a value
are listed apart ("uppgift saknas").
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from jamfor.errors import JamforError
from jamfor.measuresets import Measure
from jamfor.model import RIKET
from jamfor.reports.data import (
    DEFAULT_PERSPECTIVE,
    CountryStats,
    Values,
    cell_colour,
    check_options,
    source_lines,
    swedish_sort_key,
)
from jamfor.reports.model import ColourScheme, Distribution, KpiRankRow, KpiReport, Named
from jamfor.store import Store

HISTOGRAM_BINS = 10


def kpi_report(
    store: Store,
    kpi: str,
    *,
    year: int | None = None,
    gender: str = "T",
    colour: ColourScheme = "quartile",
) -> KpiReport:
    """All municipalities for one KPI in one (data) year, best first (default year: the latest stored).

    The "reference" colour scheme compares each municipality with the unweighted mean of all.
    """
    scheme = check_options(gender, colour)
    found = store.kpi(kpi)
    measure = Measure(
        kpi=found.id, title=None, perspective=found.perspective or DEFAULT_PERSPECTIVE
    ).resolved(found)
    if year is None:
        periods = store.periods(found.id)
        if not periods:
            raise JamforError(f"there are no stored values for KPI {found.id}; import them or give a year")
        year = periods[-1]
    values = Values(store.values([found.id], [year], gender, None))
    at = values.at(found.id, year)
    areas = store.areas()
    municipalities = [a for a in areas if a.is_municipality]
    names = {a.id: a.title for a in municipalities}
    county_names = {a.id: a.title for a in areas if not a.is_municipality}
    stats = CountryStats(at, measure.polarity, measure.decimals, names)
    ranks = stats.ranks()

    rows: list[KpiRankRow] = []
    missing: list[Named] = []
    for area in municipalities:
        place = ranks.get(area.id)
        if place is None:
            missing.append(Named(area.id, area.title))
            continue
        value = stats.present[area.id]
        rows.append(
            KpiRankRow(
                rank=place.rank,
                area=Named(area.id, area.title),
                value=value,
                colour=cell_colour(measure, scheme, value, place, stats.mean),
                county=county_names.get(area.county_id) if area.county_id else None,
                kommungrupp=area.kommungrupp,
            )
        )
    rows.sort(key=lambda r: (r.rank, swedish_sort_key(r.area.name), r.area.id))
    missing.sort(key=lambda n: (swedish_sort_key(n.name), n.id))
    sources = [values.source(found.id, year, a) for a in stats.present]
    if stats.riket is not None:
        sources.append(values.source(found.id, year, RIKET))
    return KpiReport(
        kpi=found.id,
        title=measure.title or found.id,
        description=found.description,
        polarity=measure.polarity,
        unit=measure.unit,
        decimals=measure.decimals,
        year=year,
        gender=gender,
        colour_scheme=scheme,
        rows=rows,
        missing=missing,
        distribution=distribution(list(stats.present.values()), len(missing), stats.mean, stats.riket),
        sources=source_lines(sources),
    )


def distribution(
    values: Sequence[float], missing: int, mean: float | None, riket: float | None, bins: int = HISTOGRAM_BINS
) -> Distribution:
    """Count, quartiles (inclusive method: the median is the middle one), extremes and a histogram.

    The histogram has `bins` bins of equal width from the minimum to the maximum, the last one
    closed on the right; one bin when every value is the same.
    """
    if not values:
        return Distribution(0, missing, None, None, None, None, None, mean, riket, [])
    ordered = sorted(values)
    low, high = ordered[0], ordered[-1]
    if len(ordered) >= 2:
        q1, _, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    else:
        q1 = q3 = low
    return Distribution(
        count=len(ordered),
        missing=missing,
        minimum=low,
        q1=q1,
        median=float(statistics.median(ordered)),
        q3=q3,
        maximum=high,
        mean=mean,
        riket=riket,
        bins=histogram(ordered, bins),
    )


def histogram(values: Sequence[float], bins: int = HISTOGRAM_BINS) -> list[tuple[float, float, int]]:
    """(from, to, count) for `bins` equal-width bins covering the values; empty for no values."""
    if not values:
        return []
    low, high = min(values), max(values)
    if low == high or bins < 2:
        return [(low, high, len(values))]
    width = (high - low) / bins
    counts = [0] * bins
    for value in values:
        counts[min(int((value - low) / width), bins - 1)] += 1
    edges = [low + i * width for i in range(bins)] + [high]
    return [(edges[i], edges[i + 1], counts[i]) for i in range(bins)]
