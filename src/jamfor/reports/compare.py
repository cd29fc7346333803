"""The compare report: up to ten municipalities (or regions, Riket) on one KPI over the years.

Each area gets its series of values, and a municipality its place among all municipalities and
its colour per year; each year gets the country's figures (unweighted mean, median, Riket as
published, best and worst). Ranks, colours and means are those of the KPI report for the same
year: both come from `data.CountryStats`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final, Literal

from jamfor.compute import DEFAULT_WINDOW, trend
from jamfor.errors import JamforError
from jamfor.measuresets import Measure
from jamfor.model import RIKET, Area, Polarity
from jamfor.reports.data import (
    DEFAULT_PERSPECTIVE,
    CountryStats,
    Values,
    cell_colour,
    check_options,
    check_years,
    colour_graded,
    source_lines,
)
from jamfor.reports.model import Colour, ColourScheme, Extreme, Named, Trend
from jamfor.store import Store

MAX_AREAS: Final = 10
DEFAULT_COMPARE_YEARS: Final = 10

AreaKind = Literal["municipality", "region", "riket"]


@dataclass(frozen=True)
class ComparePoint:
    """One area's value in one year, with its place among the municipalities and its colour.

    `rank` is the competition rank among the `ranked` municipalities with a value (1 = best);
    None for a missing value, for a region or Riket, and for a KPI without polarity. `shared`
    says another municipality holds the same place. `colour` is `none` where the KPI is not
    colour-graded (no polarity, cost measures) and for regions and Riket; `grey` for a missing
    value of a graded KPI.
    """

    value: float | None
    rank: int | None
    ranked: int
    shared: bool
    colour: Colour


@dataclass
class CompareSeries:
    """One area over the report years, with its trend over the last `CompareReport.trend_window` years."""

    area: Named
    kind: AreaKind
    points: dict[int, ComparePoint]  # report year → point (every year of the report)
    trend: Trend
    direction: Literal["up", "down", "flat"] | None
    trend_from: int | None  # the years the trend compares; None without a trend
    trend_to: int | None
    source: str | None  # where the area's values came from ("Kolada", an own source, …)

    def value(self, year: int) -> float | None:
        point = self.points.get(year)
        return None if point is None else point.value


@dataclass(frozen=True)
class CountryYear:
    """The country's figures for one year, over the municipalities with a value."""

    year: int
    mean: float | None  # unweighted ("Alla kommuner, ovägt medel")
    count: int  # municipalities with a value: the mean's count and every rank's "av"
    missing: int  # municipalities without one
    median: float | None
    riket: float | None  # 0000 as published (weighted)
    best: Extreme | None
    worst: Extreme | None


@dataclass
class CompareReport:
    kpi: str
    title: str
    description: str | None
    polarity: Polarity | None
    unit: str | None
    decimals: int | None
    colour_graded: bool
    years: list[int]
    gender: str
    colour_scheme: ColourScheme
    series: list[CompareSeries]  # in the order asked for
    country: dict[int, CountryYear]  # report year → the country's figures
    sources: list[str]
    trend_window: int = DEFAULT_WINDOW
    generated_at: datetime = field(default_factory=datetime.now)


def parse_area_list(text: str) -> list[str]:
    """'1081, Karlskrona,0180' as ['1081', 'Karlskrona', '0180'] (order kept; empty parts dropped).

    Repeats are kept, so `compare_report` can say which area was named twice.
    """
    return [part.strip() for part in text.split(",") if part.strip()]


def compare_report(
    store: Store,
    kpi: str,
    areas: Sequence[str],
    *,
    years: Sequence[int] | None = None,
    gender: str = "T",
    colour: ColourScheme = "quartile",
) -> CompareReport:
    """One KPI for 1–10 areas (ids or names) over the years, set against the whole country.

    `years` default to the last ten years with stored values of the KPI. Municipalities get a
    place and a colour per year among all municipalities; regions and Riket (0000) are shown
    as series without either. The "reference" colour scheme compares each value with the
    year's unweighted mean of all municipalities. Values come in one query for every area and
    year (the country's figures need them all).
    """
    scheme = check_options(gender, colour)
    found = store.kpi(kpi)
    places = _resolve_areas(store, areas)
    measure = Measure(
        kpi=found.id, title=None, perspective=found.perspective or DEFAULT_PERSPECTIVE
    ).resolved(found)
    if years is None:
        periods = store.periods(found.id)
        if not periods:
            raise JamforError(f"there are no stored values for KPI {found.id}; import them or give the years")
        report_years = periods[-DEFAULT_COMPARE_YEARS:]
    else:
        report_years = check_years(years)

    values = Values(store.values([found.id], report_years, gender, None))
    municipalities = store.municipalities()
    names = {a.id: a.title for a in municipalities}
    stats = {
        y: CountryStats(values.at(found.id, y), measure.polarity, measure.decimals, names)
        for y in report_years
    }

    series = [_series(place, measure, scheme, report_years, values, stats) for place in places]
    country = {
        y: CountryYear(
            year=y,
            mean=s.mean,
            count=s.ranked,
            missing=len(municipalities) - s.ranked,
            median=s.median,
            riket=s.riket,
            best=s.best,
            worst=s.worst,
        )
        for y, s in stats.items()
    }
    # Every municipality's value goes into the mean, median and ranks, Riket's is shown.
    sources: list[str | None] = []
    for y, s in stats.items():
        sources += [values.source(found.id, y, a) for a in s.present]
        sources += [
            values.source(found.id, y, p.id) for p in places if values.get(found.id, y, p.id) is not None
        ]
        if s.riket is not None:
            sources.append(values.source(found.id, y, RIKET))
    return CompareReport(
        kpi=found.id,
        title=measure.title or found.id,
        description=found.description,
        polarity=measure.polarity,
        unit=measure.unit,
        decimals=measure.decimals,
        colour_graded=colour_graded(measure),
        years=report_years,
        gender=gender,
        colour_scheme=scheme,
        series=series,
        country=country,
        sources=source_lines(sources),
    )


def _resolve_areas(store: Store, areas: Sequence[str]) -> list[Area]:
    """The areas asked for, in order; JamforError for none, more than MAX_AREAS or one named twice."""
    wanted = [a.strip() for a in areas if a.strip()]
    if not wanted:
        raise JamforError("name at least one municipality, region or Riket to compare (an id or a name)")
    if len(wanted) > MAX_AREAS:
        raise JamforError(
            f"{len(wanted)} areas given: a comparison shows at most {MAX_AREAS} (ids or names, comma-separated)"
        )
    places: list[Area] = []
    asked: dict[str, str] = {}
    for text in wanted:
        place = store.resolve_area(text)
        if place.id in asked:
            raise JamforError(
                f"{place.title} ({place.id}) is named twice ({asked[place.id]!r} and {text!r}); name each area once"
            )
        asked[place.id] = text
        places.append(place)
    return places


def _kind(place: Area) -> AreaKind:
    if place.id == RIKET:
        return "riket"
    return "municipality" if place.is_municipality else "region"


def _series(
    place: Area,
    measure: Measure,
    scheme: ColourScheme,
    years: list[int],
    values: Values,
    stats: dict[int, CountryStats],
) -> CompareSeries:
    kind = _kind(place)
    points: dict[int, ComparePoint] = {}
    own_sources: list[str] = []
    for year in years:
        value = values.get(measure.kpi, year, place.id)
        year_stats = stats[year]
        if kind == "municipality":
            rank = year_stats.rank(place.id) if value is not None else None
            colour = cell_colour(measure, scheme, value, rank, year_stats.mean)
        else:
            rank, colour = None, "none"
        quality = rank is not None and rank.by_quality
        points[year] = ComparePoint(
            value=value,
            rank=rank.rank if quality and rank is not None else None,
            ranked=year_stats.ranked,
            shared=quality and rank is not None and rank.is_shared,
            colour=colour,
        )
        source = values.source(measure.kpi, year, place.id) if value is not None else None
        if source and source not in own_sources:
            own_sources.append(source)
    result = trend(
        {y: p.value for y, p in points.items()},
        measure.polarity,
        window=DEFAULT_WINDOW,
        decimals=measure.decimals,
        end=years[-1],
    )
    return CompareSeries(
        area=Named(place.id, place.title),
        kind=kind,
        points=points,
        trend=result.trend,
        direction=result.direction,
        trend_from=result.first_year,
        trend_to=result.last_year,
        source=", ".join(own_sources) or None,
    )
