"""The compare report: up to ten areas on one KPI over the years, checked against the raw store values
and against the KPI report of the same KPI and year (on DuckDB and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from jamfor.compute import municipality_values, trend, unweighted_mean
from jamfor.errors import JamforError, NotFoundError
from jamfor.reports import CompareReport, compare_report, kpi_report
from jamfor.reports.compare import MAX_AREAS, parse_area_list
from jamfor.store import Store

AREAS = ["1081", "Karlskrona", "0180", "0000", "Region Stockholm"]
YEARS = [2016, 2020, 2022]


@pytest.fixture
def sick(demo_store: Store) -> CompareReport:
    """Sjukpenningtal (lower is better, one decimal) for three municipalities, Riket and a region."""
    return compare_report(demo_store, "N00938", AREAS)


def _raw(store: Store, kpi: str, years: list[int], gender: str = "T") -> dict[tuple[str, int], float | None]:
    return {(area, period): value for _, area, period, value, _ in store.values([kpi], years, gender, None)}


def test_default_years_are_the_last_ten_with_data(demo_store: Store, sick: CompareReport) -> None:
    assert sick.years == demo_store.periods("N00938")[-10:] == list(range(2013, 2023))
    assert [s.area.id for s in sick.series] == ["1081", "1080", "0180", "0000", "0001"]
    assert [s.kind for s in sick.series] == ["municipality"] * 3 + ["riket", "region"]
    assert (sick.kpi, sick.polarity, sick.decimals, sick.unit) == ("N00938", "lower", 1, "dagar")
    assert sick.title.startswith("Sjukpenningtal") and sick.description
    assert sick.colour_graded is True
    assert sick.sources[0] == "Källa: Kolada"


def test_values_are_the_stored_values(demo_store: Store, sick: CompareReport) -> None:
    raw = _raw(demo_store, "N00938", sick.years)
    for series in sick.series:
        for year in sick.years:
            assert series.value(year) == raw.get((series.area.id, year)), (series.area, year)
    ronneby = sick.series[0]
    assert ronneby.value(2022) == 8.23 and ronneby.source == "Kolada"


@pytest.mark.parametrize("year", YEARS)
def test_ranks_and_colours_agree_with_the_kpi_report(
    demo_store: Store, sick: CompareReport, year: int
) -> None:
    ranking = kpi_report(demo_store, "N00938", year=year)
    rows = {r.area.id: r for r in ranking.rows}
    for series in sick.series[:3]:
        point = series.points[year]
        row = rows[series.area.id]
        assert (point.rank, point.colour, point.ranked) == (row.rank, row.colour, len(ranking.rows))
        assert point.shared == (sum(1 for r in ranking.rows if r.rank == row.rank) > 1)


@pytest.mark.parametrize("year", YEARS)
def test_country_figures_agree_with_the_kpi_report(demo_store: Store, sick: CompareReport, year: int) -> None:
    dist = kpi_report(demo_store, "N00938", year=year).distribution
    country = sick.country[year]
    assert country.mean == dist.mean and country.count == dist.count and country.missing == dist.missing
    assert country.median == dist.median and country.riket == dist.riket
    assert country.best is not None and country.worst is not None
    assert country.best.value == dist.minimum and country.worst.value == dist.maximum  # lower is better
    raw = _raw(demo_store, "N00938", [year])
    municipal = municipality_values({a: v for (a, _), v in raw.items()})
    assert country.mean == pytest.approx(unweighted_mean(municipal), rel=1e-12)
    assert country.riket == raw[("0000", year)]
    names = {a.id: a.title for a in demo_store.municipalities()}
    assert all(names[a.id] == a.name for a in country.best.areas)


def test_trend_over_the_last_three_years(sick: CompareReport) -> None:
    ronneby = sick.series[0]
    # 6,8 (2020) → 8,2 (2022) days of sick leave: lower is better, so worse.
    assert (ronneby.trend, ronneby.direction, ronneby.trend_from, ronneby.trend_to) == (
        "worsened",
        "up",
        2020,
        2022,
    )
    for series in sick.series:
        expected = trend(
            {y: series.value(y) for y in sick.years}, "lower", window=3, decimals=1, end=sick.years[-1]
        )
        assert (series.trend, series.direction) == (expected.trend, expected.direction)


def test_riket_and_regions_are_series_without_rank_or_colour(sick: CompareReport) -> None:
    riket, region = sick.series[3], sick.series[4]
    assert all(p.value is not None for p in riket.points.values())
    assert riket.trend != "none"
    for series in (riket, region):
        assert all(p.rank is None and p.colour == "none" for p in series.points.values())
    # The demo extract has no values for the regions: every year is "uppgift saknas", no trend.
    assert all(p.value is None for p in region.points.values())
    assert region.trend == "none" and region.direction is None and region.source is None


def test_a_missing_value_is_grey_without_a_rank(demo_store: Store) -> None:
    raw = _raw(demo_store, "U23401", [2016])
    without = sorted(
        a.id for a in demo_store.municipalities() if raw.get((a.id, 2016)) is None
    )  # waiting time for a care home: not every municipality reports it
    assert without
    report = compare_report(demo_store, "U23401", [without[0], "1081"], years=[2016])
    point = report.series[0].points[2016]
    assert (point.value, point.rank, point.colour) == (None, None, "grey")
    assert report.country[2016].missing == len(without)


def test_a_kpi_without_polarity_has_no_rank_and_no_colour(demo_store: Store) -> None:
    report = compare_report(demo_store, "N31807", ["1081", "Karlskrona"], years=[2021, 2022])
    assert report.polarity == "none" and not report.colour_graded
    points = [p for s in report.series for p in s.points.values()]
    assert all(p.value is not None and p.rank is None and p.colour == "none" for p in points)
    assert all(p.ranked > 0 for p in points)
    assert report.series[0].trend in ("increased", "decreased", "unchanged")


def test_a_cost_measure_is_ranked_but_not_coloured(demo_store: Store) -> None:
    report = compare_report(demo_store, "N11008", ["1081"], years=[2022])
    point = report.series[0].points[2022]
    assert not report.colour_graded and point.colour == "none"
    ranking = {r.area.id: r.rank for r in kpi_report(demo_store, "N11008", year=2022).rows}
    assert point.rank == ranking["1081"]


def test_reference_and_four_colour_schemes(demo_store: Store) -> None:
    reference = compare_report(demo_store, "N00938", ["1081", "Ånge"], years=[2016], colour="reference")
    mean = reference.country[2016].mean
    assert mean is not None
    for series in reference.series:
        value = series.value(2016)
        assert value is not None
        assert series.points[2016].colour == ("green" if round(value, 1) < round(mean, 1) else "red")
    four = compare_report(
        demo_store, "N00938", ["1081", "Ånge", "Göteborg"], years=[2016], colour="quartile4"
    )
    assert {s.points[2016].colour for s in four.series} <= {"green", "lightgreen", "orange", "red"}
    assert four.series[1].points[2016].colour == "red"  # Ånge had the highest rate in 2016


def test_gender(demo_store: Store) -> None:
    women = compare_report(demo_store, "N00938", ["1081"], years=[2020], gender="K")
    raw = _raw(demo_store, "N00938", [2020], "K")
    assert women.gender == "K" and women.series[0].value(2020) == raw[("1081", 2020)]
    assert women.series[0].value(2020) != compare_report(demo_store, "N00938", ["1081"], years=[2020]).series[
        0
    ].value(2020)


def test_years_without_data_are_missing_everywhere(demo_store: Store) -> None:
    report = compare_report(demo_store, "N00938", ["1081"], years=[1990, 1991])
    assert report.years == [1990, 1991]
    assert all(p.value is None and p.colour == "grey" for p in report.series[0].points.values())
    assert report.country[1990].count == 0 and report.country[1990].mean is None


def test_one_query_for_the_values(demo_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, ...]] = []
    original: Callable[..., Any] = demo_store.values

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(demo_store, "values", counting)
    compare_report(demo_store, "N00938", AREAS, years=list(range(2013, 2023)))
    assert len(calls) == 1


@pytest.mark.parametrize(
    ("areas", "message"),
    [
        ([], "at least one"),
        ([f"{i:04d}" for i in range(114, 114 + MAX_AREAS + 1)], "at most 10"),
        (["1081", "Ronneby"], "Ronneby (1081) is named twice"),
        (["Karlskrona", " karlskrona "], "named twice"),
    ],
)
def test_bad_area_lists_are_clear_errors(demo_store: Store, areas: list[str], message: str) -> None:
    with pytest.raises(JamforError, match=message.replace("(", r"\(").replace(")", r"\)")):
        compare_report(demo_store, "N00938", areas)


def test_unknown_kpi_and_area_are_named(demo_store: Store) -> None:
    with pytest.raises(NotFoundError, match="N99999"):
        compare_report(demo_store, "N99999", ["1081"])
    with pytest.raises(NotFoundError, match="Atlantis"):
        compare_report(demo_store, "N00938", ["1081", "Atlantis"])
    with pytest.raises(JamforError, match="gender"):
        compare_report(demo_store, "N00938", ["1081"], gender="X")


def test_ten_areas_are_allowed(demo_store: Store) -> None:
    ids = [a.id for a in demo_store.municipalities()[:MAX_AREAS]]
    report = compare_report(demo_store, "N00938", ids, years=[2022])
    assert [s.area.id for s in report.series] == ids


def test_parse_area_list() -> None:
    assert parse_area_list("1081, Karlskrona,,0180 ") == ["1081", "Karlskrona", "0180"]
    assert parse_area_list("1081,1081") == ["1081", "1081"]  # repeats are the report's to reject
