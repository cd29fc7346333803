"""Store.values, the reports' one query: raw tuples, the same on both backends."""

from __future__ import annotations

from jamfor.store import Store


def test_values_filters_and_returns_raw_tuples(demo_store: Store) -> None:
    rows = demo_store.values(["N00938", "U21401"], [2016, 2017], "T", ["1081", "0000"])
    assert sorted(rows) == [
        ("N00938", "0000", 2016, 10.84115114, "Kolada"),
        ("N00938", "0000", 2017, 10.0605341, "Kolada"),
        ("N00938", "1081", 2016, 9.99729712, "Kolada"),
        ("N00938", "1081", 2017, 9.94788633, "Kolada"),
        ("U21401", "1081", 2016, 11.0, "Kolada"),
        ("U21401", "1081", 2017, 11.0, "Kolada"),
    ]
    every = demo_store.observations(["N00938"], None, [2017])
    assert sorted(demo_store.values(["N00938"], [2017])) == sorted(
        (o.kpi, o.area, o.period, o.value, o.source) for o in every
    )
    women = demo_store.values(["N00938"], [2017], "K", ["1081"])
    assert len(women) == 1 and women[0][3] != 9.94788633
    assert demo_store.values([], [2017]) == []
    assert demo_store.values(["N00938"], []) == []
    assert demo_store.values(["N00938"], [2017], "T", []) == []


def test_values_with_every_area_in_some_periods(demo_store: Store) -> None:
    rows = demo_store.values(["N00938"], [2015, 2016, 2017], "T", ["1081"], all_areas_in=[2017])
    ronneby = sorted(r[2] for r in rows if r[1] == "1081")
    assert ronneby == [2015, 2016, 2017]
    others = {r[2] for r in rows if r[1] != "1081"}
    assert others == {2017}
    assert len([r for r in rows if r[2] == 2017]) == len(demo_store.values(["N00938"], [2017]))
