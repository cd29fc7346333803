"""The network report: a group's members side by side with the country's best, worst and mean (seed 004).

Berg's network "Nornorna" compares seven Jämtland municipalities with each other and with the
best and worst result in the country and the national mean; each member's cell has its value,
its rank in the country and a colour.
"""

from __future__ import annotations

from collections.abc import Sequence

from jamfor.compute import group_mean
from jamfor.errors import JamforError
from jamfor.measuresets import MeasureSet
from jamfor.model import RIKET
from jamfor.reports.data import (
    CountryStats,
    Values,
    cell_colour,
    check_options,
    latest_report_year,
    latest_year_in_store,
    resolve_measures,
    source_lines,
)
from jamfor.reports.definitions import kpi_definitions
from jamfor.reports.model import ColourScheme, Named, NetworkCell, NetworkReport, NetworkRow
from jamfor.store import Store


def network_report(
    store: Store,
    group: str,
    *,
    measure_set: MeasureSet | None = None,
    kpis: Sequence[str] | None = None,
    year: int | None = None,
    gender: str = "T",
    colour: ColourScheme = "quartile",
) -> NetworkReport:
    """A group's members (a network, kommungrupp, county …) for one report year.

    `group` is an id or a name. `year` is a report year (default: the latest in which a member
    has a value of any measure); each measure shows its data year `year + year_offset`. Ranks
    and quartile colours are among all municipalities of the country; the "reference" colour
    scheme compares each member with the unweighted mean of all municipalities. `definitions`
    has each measure's KPI definition and source, in row order.
    """
    scheme = check_options(gender, colour)
    found = store.resolve_group(group)
    measures = resolve_measures(store, measure_set, kpis)
    member_ids = [a.id for a in found.members]
    if year is None:
        own = Values(store.values(measures.kpi_ids, None, gender, member_ids))
        latest = latest_report_year(measures.measures, own, member_ids)
        if latest is None:
            latest = latest_year_in_store(store, measures.measures)
        if latest is None:
            raise JamforError("there are no stored values for these measures; give the year to report")
        year = latest
    data_years = sorted({m.data_year(year) for m in measures.measures})
    values = Values(store.values(measures.kpi_ids, data_years, gender, None))
    names = {a.id: a.title for a in store.municipalities()}

    rows: list[NetworkRow] = []
    sources: list[str | None] = []
    for measure in measures.measures:
        data_year = measure.data_year(year)
        at = values.at(measure.kpi, data_year)
        stats = CountryStats(at, measure.polarity, measure.decimals, names)
        cells: dict[str, NetworkCell] = {}
        for member in member_ids:
            value = values.get(measure.kpi, data_year, member)
            place = stats.rank(member) if value is not None else None
            cells[member] = NetworkCell(
                value=value,
                rank=place.rank if place is not None and place.by_quality else None,
                colour=cell_colour(measure, scheme, value, place, stats.mean),
            )
            if value is not None:
                sources.append(values.source(measure.kpi, data_year, member))
        if stats.riket is not None:
            sources.append(values.source(measure.kpi, data_year, RIKET))
        network_mean, network_count = group_mean(at, member_ids)
        rows.append(
            NetworkRow(
                kpi=measure.kpi,
                title=measure.title or measure.kpi,
                perspective=measure.perspective,
                polarity=measure.polarity,
                unit=measure.unit,
                decimals=measure.decimals,
                data_year=data_year,
                members=cells,
                ranked=stats.ranked,
                best=stats.best,
                worst=stats.worst,
                mean=stats.mean,
                riket=stats.riket,
                network_mean=network_mean,
                network_count=network_count,
            )
        )
    return NetworkReport(
        group=Named(found.id, found.title),
        members=[Named(a.id, a.title) for a in found.members],
        year=year,
        gender=gender,
        colour_scheme=scheme,
        measure_set=measures.measure_set,
        perspectives=measures.perspectives,
        rows=rows,
        sources=source_lines(sources),
        definitions=kpi_definitions(store, [row.kpi for row in rows]),
    )
