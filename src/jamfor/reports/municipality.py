"""The municipality report: one municipality's measures over the report years, set against the country.

Each row has the values per report year, the trend, the unweighted mean of all municipalities,
Riket, the median, the best and the worst, the chosen reference, the rank in the country, a
colour and a Swedish comment (seed 000 Kungsbacka, seed 002 Ronneby). Every municipality's
report at once: `municipality_reports_all` here, the columns behind it in `municipality_batch`.
"""

from __future__ import annotations

from collections.abc import Sequence

from jamfor.compute import Scheme
from jamfor.measuresets import Measure, MeasureSet
from jamfor.reports.data import (
    Measures,
    ReferenceChoice,
    Values,
    check_options,
    check_years,
    default_years,
    latest_report_year,
    latest_year_in_store,
    resolve_measures,
    resolve_reference,
    source_lines,
)
from jamfor.reports.model import ColourScheme, MunicipalityReport, MunicipalityRow, Named
from jamfor.reports.municipality_batch import (
    MeasureColumns,
    MunicipalityReportColumns,
    PreparedMeasure,
    municipality_report_columns,
)
from jamfor.store import Store

__all__ = [
    "MeasureColumns",
    "MunicipalityReportColumns",
    "municipality_report",
    "municipality_report_columns",
    "municipality_reports_all",
]


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
        prepared = PreparedMeasure(measure, report_years, values, names, choice, scheme)
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

    Each report is the one `municipality_report` gives for the same years. The country's figures
    (means, ranks, best and worst, the reference) are computed once per measure and shared by all
    290 reports (the same objects). Default years: the last three ending in the latest year in
    which any area has a value (see `data.pick_latest`).
    """
    return municipality_report_columns(
        store,
        measure_set=measure_set,
        kpis=kpis,
        years=years,
        gender=gender,
        colour=colour,
        reference=reference,
    ).reports()


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
        definitions=measures.definitions(),
    )
