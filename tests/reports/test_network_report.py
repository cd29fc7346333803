"""The network report (seed 004): Berg's "Nornorna" beside the country's best, worst and mean."""

from __future__ import annotations

import pytest

from jamfor.errors import NotFoundError
from jamfor.measuresets import find_measure_set
from jamfor.reports import network_report
from jamfor.sources.reference import import_demo
from jamfor.store import Store

NORNORNA = ["Berg", "Härjedalen", "Krokom", "Ragunda", "Strömsund", "Åre", "Östersund"]


def test_nornorna_members_side_by_side_with_the_country(store: Store) -> None:
    import_demo(store)
    network = store.create_network("Nornorna", NORNORNA)
    report = network_report(store, "Nornorna", measure_set=find_measure_set("kkik-2015-2017"), year=2016)
    assert report.group.id == network.id
    assert [m.name for m in report.members] == NORNORNA
    assert report.year == 2016
    assert report.sources[0] == "Källa: Kolada"
    names = {a.title for a in store.municipalities()}
    member_ids = [m.id for m in report.members]
    with_values = [row for row in report.rows if row.network_count]
    assert len(with_values) >= 10
    for row in with_values:
        assert list(row.members) == member_ids
        assert row.best is not None and row.worst is not None and row.mean is not None
        assert {a.name for a in row.best.areas} <= names and {a.name for a in row.worst.areas} <= names
        low, high = sorted((row.best.value, row.worst.value))
        assert low <= row.mean <= high
        present = [c.value for c in row.members.values() if c.value is not None]
        assert row.network_count == len(present)
        assert row.network_mean == pytest.approx(sum(present) / len(present))
        for cell in row.members.values():
            if cell.value is None:
                assert cell.rank is None and cell.colour in ("grey", "none")
            elif row.polarity in ("higher", "lower"):
                assert cell.rank is not None and 1 <= cell.rank <= row.ranked
    sick = next(r for r in report.rows if r.kpi == "N00938")
    assert sick.data_year == 2015  # shown a year late
    assert sick.riket is not None
    cost = next(r for r in report.rows if r.kpi == "N11008")
    assert {c.colour for c in cost.members.values()} == {"none"}

    latest = network_report(store, network.id, kpis=["N00938", "U21401"])
    assert latest.year == 2022 and latest.measure_set is None


def test_unknown_network_is_not_found(demo_store: Store) -> None:
    with pytest.raises(NotFoundError):
        network_report(demo_store, "Ingen sådan grupp", kpis=["N00938"], year=2017)


def test_a_kommungrupp_as_network(demo_store: Store) -> None:
    report = network_report(demo_store, "kg:A1", kpis=["N00938"], year=2017, colour="quartile4")
    assert len(report.members) == 3  # the three storstäder
    row = report.rows[0]
    assert row.network_count == 3 and row.ranked == 290
    assert {c.colour for c in row.members.values()} <= {"green", "lightgreen", "orange", "red"}
