"""The quality ranking as a report: every municipality's place, its interval and its breakdown.

Reads the values of the definition's measures for one year (plus the development window) and
hands them to `jamfor.compute.ranking`; nothing is computed here. The figures are ours (a
ranking jamfor computes from Kolada's values) and carry that attribution.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from jamfor.compute.ranking import (
    Contribution,
    Development,
    MeasureData,
    Standing,
    better_is_lower,
    development,
    rank_municipalities,
)
from jamfor.errors import JamforError, NotFoundError
from jamfor.rankings import RankingDefinition
from jamfor.reports.definitions import kpi_definitions
from jamfor.reports.model import KpiDefinition, Named
from jamfor.store import Store

SOURCE_LINES = (
    "Källa: Kolada (värdena)",
    "Rangordning, betyg och intervall: beräknade av jamfor, inte publicerade av Kolada eller SKR",
)


@dataclass(frozen=True)
class RankingMeasureInfo:
    kpi: str
    title: str
    area: str
    weight: float
    polarity: str
    data_year: int
    ranked: int  # municipalities with a value
    share: float  # its weight in the total of a municipality with every value


@dataclass(frozen=True)
class RankingRow:
    municipality: Named
    kommungrupp: str | None
    standing: Standing


@dataclass(frozen=True)
class DevelopmentRow:
    municipality: Named
    result: Development


@dataclass
class RankingReport:
    definition: RankingDefinition
    year: int
    method: str
    lower_is_better: bool
    areas: list[str]
    area_weights: dict[str, float]
    measures: list[RankingMeasureInfo]
    left_out: list[str]  # measures of the definition not used, with the reason
    rows: list[RankingRow]  # ranked first, by place (and group), then the unranked by name
    development_years: list[int]
    development: list[DevelopmentRow]  # qualified, by place
    definitions: list[KpiDefinition]
    sources: list[str] = field(default_factory=lambda: list(SOURCE_LINES))
    generated_at: datetime = field(default_factory=datetime.now)

    def row(self, municipality_id: str) -> RankingRow:
        for row in self.rows:
            if row.municipality.id == municipality_id:
                return row
        raise NotFoundError(f"municipality {municipality_id} is not in this ranking")


@dataclass
class RankingExplanation:
    """One municipality's place, measure by measure (the breakdown page)."""

    report: RankingReport
    row: RankingRow
    contributions: list[tuple[RankingMeasureInfo, Contribution]]


def latest_year(store: Store, definition: RankingDefinition) -> int:
    """The latest year in which at least `coverage` of the measures, and every area with any data, have values.

    Without such a year, the latest year with any value.
    """
    years_of = [set(store.periods(m.kpi)) for m in definition.measures]
    every = set().union(*years_of) if years_of else set()
    if not every:
        raise NotFoundError(f"no values stored for any measure of the ranking {definition.id!r}")
    need = definition.coverage * len(definition.measures)
    areas_with_data = {m.area for m, found in zip(definition.measures, years_of, strict=True) if found}

    def enough(year: int) -> bool:
        have = [
            m for m, found in zip(definition.measures, years_of, strict=True) if year + m.year_offset in found
        ]
        return len(have) >= need - 1e-9 and {m.area for m in have} == areas_with_data

    covered = [y for y in every if enough(y)]
    return max(covered) if covered else max(every)


def ranking_report(store: Store, definition: RankingDefinition, *, year: int | None = None) -> RankingReport:
    """All municipalities ranked by `definition` for `year` (default: the latest with values)."""
    catalogue = {k.id: k for k in store.kpis([m.kpi for m in definition.measures])}
    used, left_out = definition.resolved(catalogue)
    if not used:
        raise JamforError(f"the ranking {definition.id!r} has no usable measure: {'; '.join(left_out)}")
    if year is None:
        year = latest_year(store, definition)
    window = list(range(year - definition.development_years + 1, year + 1))
    periods = sorted({y + m.year_offset for m, _ in used for y in window})
    municipalities = store.municipalities()
    ids = [a.id for a in municipalities]
    values: dict[str, dict[int, dict[str, float | None]]] = defaultdict(lambda: defaultdict(dict))
    for kpi, area, period, value, _source in store.values([m.kpi for m, _ in used], periods, "T", ids):
        values[kpi][int(period)][area] = value
    measures = [
        MeasureData(m.kpi, m.area, m.weight, direction, values[m.kpi][year + m.year_offset])
        for m, direction in used
    ]
    kept = [x for x in measures if any(v is not None for v in x.values.values())]
    for x in measures:
        if x not in kept:
            left_out.append(f"{x.kpi}: no values for {year}")
    if not kept:
        raise NotFoundError(f"no values for any measure of the ranking {definition.id!r} in {year}")
    groups = (
        {a.id: a.kommungrupp or "" for a in municipalities} if definition.within == "kommungrupp" else None
    )
    standings = rank_municipalities(
        ids,
        kept,
        method=definition.method,
        area_weights=definition.area_weights,
        coverage=definition.coverage,
        groups=groups,
        bootstrap=definition.bootstrap_samples,
        seed=definition.bootstrap_seed,
    )
    names = {a.id: Named(a.id, a.title) for a in municipalities}
    kommungrupp = {a.id: a.kommungrupp for a in municipalities}
    rows = [RankingRow(names[s.area], kommungrupp[s.area], s) for s in standings]
    rows.sort(
        key=lambda r: (
            not r.standing.ranked,
            r.standing.group or "",
            r.standing.place or 0,
            r.municipality.name,
        )
    )
    by_kpi = {m.kpi: (m, d) for m, d in used}
    infos = [
        RankingMeasureInfo(
            kpi=x.kpi,
            title=catalogue[x.kpi].title,
            area=x.area,
            weight=x.weight,
            polarity=x.polarity,
            data_year=year + by_kpi[x.kpi][0].year_offset,
            ranked=sum(1 for v in x.values.values() if v is not None),
            share=_full_share(x, kept, definition.area_weights),
        )
        for x in kept
    ]
    series = [
        (
            x.polarity,
            {a: {y: values[x.kpi][y + by_kpi[x.kpi][0].year_offset].get(a) for y in window} for a in ids},
        )
        for x in kept
    ]
    developed = development(ids, series, window, coverage=definition.coverage)
    dev_rows = sorted(
        (DevelopmentRow(names[d.area], d) for d in developed if d.place is not None),
        key=lambda r: (r.result.place or 0, r.municipality.name),
    )
    areas = list(dict.fromkeys(x.area for x in kept))
    return RankingReport(
        definition=definition,
        year=year,
        method=definition.method,
        lower_is_better=better_is_lower(definition.method),
        areas=areas,
        area_weights={a: definition.area_weights[a] for a in areas},
        measures=infos,
        left_out=left_out,
        rows=rows,
        development_years=window,
        development=dev_rows,
        definitions=kpi_definitions(store, [x.kpi for x in kept]),
    )


def _full_share(measure: MeasureData, kept: list[MeasureData], area_weights: dict[str, float]) -> float:
    """A measure's weight in the total when every measure has a value."""
    areas = {x.area for x in kept}
    area_total = sum(area_weights[a] for a in areas)
    in_area = sum(x.weight for x in kept if x.area == measure.area)
    if area_total <= 0 or in_area <= 0:
        return 0.0
    return area_weights[measure.area] / area_total * measure.weight / in_area


def explain(report: RankingReport, municipality_id: str) -> RankingExplanation:
    """The breakdown of one municipality's total, measure by measure (adds up to the total)."""
    row = report.row(municipality_id)
    infos = {m.kpi: m for m in report.measures}
    return RankingExplanation(
        report=report,
        row=row,
        contributions=[(infos[c.kpi], c) for c in row.standing.contributions],
    )
