"""Municipality reports: references, KPI lists, defaults, errors, and all 290 at once."""

from __future__ import annotations

import dataclasses
import math

import pytest

from jamfor.compute import group_mean
from jamfor.errors import JamforError, NotFoundError
from jamfor.measuresets import find_measure_set
from jamfor.reports import municipality_report, municipality_reports_all
from jamfor.store import Store

RONNEBY = "1081"
KKIK = "kkik-2015-2017"


def test_group_reference_is_the_mean_of_the_groups_members(demo_store: Store) -> None:
    report = municipality_report(
        demo_store, RONNEBY, kpis=["N00938", "U21401"], years=[2016, 2017], reference="group:kg:C7"
    )
    group = demo_store.group("kg:C7")
    assert report.reference.kind == "group"
    assert report.reference.group is not None and report.reference.group.id == "kg:C7"
    assert report.reference.label.startswith("Kommungrupp C7")
    for row in report.rows:
        observed = {o.area: o.value for o in demo_store.observations([row.kpi], None, [2017])}
        expected, count = group_mean(observed, [a.id for a in group.members])
        assert row.reference == pytest.approx(expected)
        assert row.reference_count == count
        assert 0 < count <= len(group.members) == 51
        assert row.reference != row.mean


def test_group_reference_by_name_and_reference_colours(demo_store: Store) -> None:
    title = demo_store.group("kg:C7").title
    report = municipality_report(
        demo_store, RONNEBY, kpis=["N00938"], years=[2017], reference=f"group:{title}", colour="reference"
    )
    row = report.rows[0]
    assert report.reference.group is not None and report.reference.group.id == "kg:C7"
    assert row.colour == "green"  # 9,9 sick days against the group's 11,6
    assert row.comment.startswith("Under snittet för kommungrupp C7")


def test_mean_and_riket_references(demo_store: Store) -> None:
    mean = municipality_report(demo_store, RONNEBY, kpis=["N00938"], years=[2017]).rows[0]
    riket = municipality_report(demo_store, RONNEBY, kpis=["N00938"], years=[2017], reference="riket").rows[0]
    assert mean.reference == mean.mean and mean.reference_count == mean.mean_count
    assert riket.reference == riket.riket and riket.reference_count is None
    assert mean.mean != mean.riket  # the unweighted mean is not Riket


def test_a_kpi_list_takes_the_catalogue_and_curation(demo_store: Store) -> None:
    report = municipality_report(demo_store, "Ronneby kommun", kpis=["N00938", "N31807"], years=[2016, 2017])
    assert report.measure_set is None
    sick, aid = report.rows
    catalogue = {k.id: k for k in demo_store.kpis(["N00938", "N31807"])}
    assert sick.title == catalogue["N00938"].title
    assert sick.perspective == catalogue["N00938"].perspective
    assert (sick.polarity, sick.decimals, sick.unit, sick.year_offset) == ("lower", 1, "dagar", 0)
    assert report.perspectives == list(dict.fromkeys(r.perspective for r in report.rows))
    # Polarity none: no rank, no colour, and the comment says how the value moved.
    assert (aid.polarity, aid.rank, aid.colour) == ("none", None, "none")
    assert aid.trend in ("increased", "decreased", "unchanged")
    assert aid.comment.startswith("Värdet ")
    assert aid.ranked > 0


def test_default_years_end_in_the_latest_year_without_lag(demo_store: Store) -> None:
    report = municipality_report(demo_store, RONNEBY, measure_set=find_measure_set(KKIK))
    assert report.years == [2020, 2021, 2022]  # sjukpenningtal's 2022 does not pull it to 2023
    row = next(r for r in report.rows if r.kpi == "N00938")
    assert row.data_years[2022] == 2021


def test_years_without_data_say_uppgift_saknas(demo_store: Store) -> None:
    report = municipality_report(demo_store, RONNEBY, measure_set=find_measure_set(KKIK), years=[1990, 1991])
    for row in report.rows:
        assert set(row.values.values()) == {None}
        assert row.rank is None and row.trend == "none" and row.direction is None
        assert row.colour in ("grey", "none")
        assert row.comment.startswith("Uppgift saknas för 1991"), row.comment
        assert row.mean is None and row.best is None and row.ranked == 0
    assert report.sources == ["Medelvärden, rangordning, färger och trender: beräknade av jamfor."]


def test_unknown_inputs_raise_errors_that_name_them(demo_store: Store) -> None:
    with pytest.raises(NotFoundError):
        municipality_report(demo_store, "Atlantis", kpis=["N00938"], years=[2017])
    with pytest.raises(NotFoundError):
        municipality_report(demo_store, "9999", kpis=["N00938"], years=[2017])
    with pytest.raises(JamforError, match="N99999"):
        municipality_report(demo_store, RONNEBY, kpis=["N00938", "N99999"], years=[2017])
    with pytest.raises(NotFoundError):
        municipality_report(demo_store, RONNEBY, kpis=["N00938"], years=[2017], reference="group:ingen-sådan")
    with pytest.raises(JamforError, match="reference"):
        municipality_report(demo_store, RONNEBY, kpis=["N00938"], years=[2017], reference="median")
    with pytest.raises(JamforError, match="colour"):
        municipality_report(demo_store, RONNEBY, kpis=["N00938"], years=[2017], colour="rainbow")  # type: ignore[arg-type]
    with pytest.raises(JamforError, match="gender"):
        municipality_report(demo_store, RONNEBY, kpis=["N00938"], years=[2017], gender="X")
    with pytest.raises(JamforError, match="either"):
        municipality_report(demo_store, RONNEBY, years=[2017])
    with pytest.raises(JamforError, match="more than once"):
        municipality_report(demo_store, RONNEBY, kpis=["N00938", "N00938"], years=[2017])


def test_all_reports_agree_with_single_reports(demo_store: Store) -> None:
    kkik = find_measure_set(KKIK)
    everyone = municipality_reports_all(demo_store, measure_set=kkik, years=[2015, 2016, 2017])
    assert len(everyone) == 290
    assert [r.municipality.id for r in everyone] == sorted(r.municipality.id for r in everyone)
    by_id = {r.municipality.id: r for r in everyone}
    for area in (RONNEBY, "0114", "2584", "1384"):
        single = municipality_report(demo_store, area, measure_set=kkik, years=[2015, 2016, 2017])
        other = by_id[area]
        assert [dataclasses.asdict(r) for r in single.rows] == [dataclasses.asdict(r) for r in other.rows]
        assert single.sources == other.sources


def test_ranks_lie_between_1_and_ranked_in_every_report(demo_store: Store) -> None:
    everyone = municipality_reports_all(demo_store, measure_set=find_measure_set(KKIK), years=[2016, 2017])
    for report in everyone:
        for row in report.rows:
            if row.rank is not None:
                assert 1 <= row.rank <= row.ranked
                assert row.values[2017] is not None
            if row.mean is not None:
                assert row.best is not None and row.worst is not None and row.median is not None
                low, high = sorted((row.best.value, row.worst.value))
                assert low <= row.mean <= high and low <= row.median <= high
                assert not math.isnan(row.mean)
    # Ties share the best place: per measure, the ranks given are competition ranks.
    for index in range(len(everyone[0].rows)):
        ranks = sorted(rank for r in everyone if (rank := r.rows[index].rank) is not None)
        for i, rank in enumerate(ranks):
            assert rank == i + 1 or rank == ranks[i - 1]


def test_a_region_has_values_but_no_place_among_municipalities(demo_store: Store) -> None:
    report = municipality_report(demo_store, "0010", kpis=["N00914"], years=[2016, 2017])
    assert report.municipality.id == "0010"  # Region Blekinge
    for row in report.rows:
        assert row.values[2017] is not None
        assert row.rank is None and row.ranked == 290
        assert row.colour == "none"  # not grey: the value is there, it just has no quartile
        assert not row.comment.startswith("Uppgift saknas")
