"""The municipality report: one municipality's measures over the report years, set against the country.

Each row has the values per report year, the trend, the unweighted mean of all municipalities,
Riket, the median, the best and the worst, the chosen reference, the rank in the country, a
colour and a Swedish comment (seed 000 Kungsbacka, seed 002 Ronneby).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from jamfor.compute import Scheme, TrendResult, trend
from jamfor.measuresets import Measure, MeasureSet
from jamfor.model import RIKET
from jamfor.reports.comments import municipality_comment
from jamfor.reports.data import (
    CountryStats,
    Measures,
    ReferenceChoice,
    Values,
    cell_colour,
    check_options,
    check_years,
    colour_graded,
    default_years,
    latest_report_year,
    latest_year_in_store,
    resolve_measures,
    resolve_reference,
    shown,
    source_lines,
)
from jamfor.reports.model import ColourScheme, MunicipalityReport, MunicipalityRow, Named
from jamfor.store import Store

NO_TREND = TrendResult("none")


def municipality_report(
    store: Store,
    area: str,
    *,
    measure_set: MeasureSet | None = None,
    kpis: Sequence[str] | None = None,
    years: Sequence[int] | None = None,
    gender: str = "T",
    colour: ColourScheme = "quartile",
    reference: str = "mean",
) -> MunicipalityReport:
    """One municipality's report for a measure set or a list of KPI ids.

    `area` is an id or a name. `years` are report years (default: the last three ending in the
    latest year in which the municipality has a value, see `data.pick_latest`); a measure shows
    its data year `year + year_offset` under each. `colour` is "quartile", "quartile4" or
    "reference"; `reference` is "mean" (all municipalities, unweighted), "riket" or
    "group:<id or name>" (a row's `reference_count` is how many municipalities, or group
    members, the mean is over; None for Riket). Values come in one query per distinct year offset: the
    municipality's series and every area's last year (with default years, the municipality's
    series is fetched first, to find the years).
    """
    scheme = check_options(gender, colour)
    place = store.resolve_area(area)
    measures = resolve_measures(store, measure_set, kpis)
    choice = resolve_reference(store, reference)
    if years is None:
        # All of the municipality's years first: the latest with a value decides the years.
        values = Values(store.values(measures.kpi_ids, None, gender, [place.id]))
        latest = latest_report_year(measures.measures, values, [place.id])
        if latest is None:
            latest = latest_year_in_store(store, measures.measures)
        report_years = default_years(latest)
        for data_year, ids in _by_data_year(measures.measures, report_years[-1]).items():
            values.add(store.values(ids, [data_year], gender, None))
    else:
        report_years = check_years(years)
        # The municipality's series and every area's last year, in one query per year offset
        # (a measure shown a year late must not fetch the whole country twice for the others).
        values = Values()
        for offset, ids in _by_offset(measures.measures).items():
            data_years = [y + offset for y in report_years]
            values.add(store.values(ids, data_years, gender, [place.id], all_areas_in=data_years[-1:]))
    names = {a.id: a.title for a in store.municipalities()}

    rows: list[MunicipalityRow] = []
    sources: list[str | None] = []
    for measure in measures.measures:
        prepared = _Prepared(measure, report_years, values, names, choice, scheme)
        row = prepared.row(place.id)
        rows.append(row)
        sources += [row.source, *prepared.sources]
    return _report(
        Named(place.id, place.title), report_years, gender, scheme, choice, measures, rows, sources
    )


def municipality_reports_all(
    store: Store,
    *,
    measure_set: MeasureSet | None = None,
    kpis: Sequence[str] | None = None,
    years: Sequence[int] | None = None,
    gender: str = "T",
    colour: ColourScheme = "quartile",
    reference: str = "mean",
) -> list[MunicipalityReport]:
    """The municipality report of every municipality (by id), from one fetch of the values.

    The country's figures (means, ranks, best and worst, the reference) are computed once per
    measure and shared by all 290 reports. Default years: the last three ending in the latest
    year in which any area has a value (see `data.pick_latest`).
    """
    scheme = check_options(gender, colour)
    measures = resolve_measures(store, measure_set, kpis)
    choice = resolve_reference(store, reference)
    if years is None:
        report_years = default_years(latest_year_in_store(store, measures.measures))
    else:
        report_years = check_years(years)
    values = Values()
    for offset, ids in _by_offset(measures.measures).items():
        values.add(store.values(ids, [y + offset for y in report_years], gender, None))
    municipalities = store.municipalities()
    names = {a.id: a.title for a in municipalities}

    prepared = [_Prepared(m, report_years, values, names, choice, scheme) for m in measures.measures]
    for p in prepared:
        p.stats.ranks()  # rank everyone once; each report then looks its municipality up
    shared_sources = [s for p in prepared for s in p.sources]

    reports = []
    for area in municipalities:
        rows = [p.row(area.id) for p in prepared]
        sources = [row.source for row in rows] + shared_sources
        reports.append(
            _report(Named(area.id, area.title), report_years, gender, scheme, choice, measures, rows, sources)
        )
    return reports


def _by_offset(measures: Sequence[Measure]) -> dict[int, list[str]]:
    """KPI ids by year offset: each group's data years are the report years shifted alike."""
    groups: dict[int, list[str]] = {}
    for m in measures:
        groups.setdefault(m.year_offset, []).append(m.kpi)
    return groups


def _by_data_year(measures: Sequence[Measure], year: int) -> dict[int, list[str]]:
    """KPI ids by the data year shown under report year `year`."""
    return {year + offset: ids for offset, ids in _by_offset(measures).items()}


def _report(
    area: Named,
    years: list[int],
    gender: str,
    scheme: Scheme,
    choice: ReferenceChoice,
    measures: Measures,
    rows: list[MunicipalityRow],
    sources: list[str | None],
) -> MunicipalityReport:
    return MunicipalityReport(
        municipality=area,
        years=years,
        gender=gender,
        colour_scheme=scheme,
        reference=choice.reference,
        measure_set=measures.measure_set,
        perspectives=measures.perspectives,
        rows=rows,
        sources=source_lines(sources),
    )


class _Prepared:
    """One measure over the report years, ready to make any municipality's row.

    What does not depend on the municipality is done once: the country's figures for the last
    year, the reference value, the columns of values per report year and their sources.
    """

    def __init__(
        self,
        measure: Measure,
        years: list[int],
        values: Values,
        names: Mapping[str, str],
        choice: ReferenceChoice,
        scheme: Scheme,
    ) -> None:
        self.measure, self.choice, self.scheme = measure, choice, scheme
        self.last = years[-1]
        self.span = self.last - years[0] + 1  # calendar years covered, the trend's window
        self.data_years = {year: measure.data_year(year) for year in years}
        self.columns = [(year, *values.column(measure.kpi, d)) for year, d in self.data_years.items()]
        last_values, last_sources = values.column(measure.kpi, self.data_years[self.last])
        self.stats = CountryStats(last_values, measure.polarity, measure.decimals, names)
        self.reference = choice.value(self.stats, last_values)
        self.graded = colour_graded(measure)
        # Where the figures every row shows came from: Riket's, the best's and the worst's.
        self.sources: list[str | None] = []
        if self.stats.riket is not None:
            self.sources.append(last_sources.get(RIKET))
        for extreme in (self.stats.best, self.stats.worst):
            if extreme is not None:
                self.sources.append(last_sources.get(extreme.areas[0].id))

    def row(self, area: str) -> MunicipalityRow:
        measure, stats, last = self.measure, self.stats, self.last
        decimals, polarity = measure.decimals, measure.polarity
        own: dict[int, float | None] = {}
        own_sources: list[str] = []
        for year, column, sources in self.columns:
            value = column.get(area)
            if value is not None and value == value:  # NaN is "uppgift saknas" too
                own[year] = value
                source = sources.get(area)
                if source and source not in own_sources:
                    own_sources.append(source)
            else:
                own[year] = None
        value = own[last]
        if self.span >= 2:
            # Rounded as shown first, so compute need not round again: 6,6 → 6,6 is unchanged.
            rounded = {y: None if v is None else shown(v, decimals) for y, v in own.items()}
            result = trend(rounded, polarity, window=self.span, end=last)
        else:
            result = NO_TREND
        place = stats.rank(area) if value is not None else None
        reference_value, reference_count = self.reference
        row_colour = cell_colour(measure, self.scheme, value, place, reference_value)
        row = MunicipalityRow(
            kpi=measure.kpi,
            title=measure.title or measure.kpi,
            perspective=measure.perspective,
            polarity=polarity,
            unit=measure.unit,
            decimals=decimals,
            colour_graded=self.graded,
            year_offset=measure.year_offset,
            values=own,
            data_years=dict(self.data_years),
            trend=result.trend,
            direction=result.direction,
            mean=stats.mean,
            mean_count=stats.ranked,
            riket=stats.riket,
            median=stats.median,
            best=stats.best,
            worst=stats.worst,
            reference=reference_value,
            reference_count=reference_count,
            rank=place.rank if place is not None and place.by_quality else None,
            ranked=stats.ranked,
            colour=row_colour,
            comment="",
            source=", ".join(own_sources) or None,
            note=measure.comment,
        )
        row.comment = municipality_comment(
            row, scheme=self.scheme, reference=self.choice, place=place, trend=result
        )
        return row
