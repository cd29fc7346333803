"""The report on real 2022 values, saving it as a group (both backends) and the comparison with RKA."""

from __future__ import annotations

import pytest

from jamfor.errors import JamforError, ValidationError
from jamfor.reports import municipality_report
from jamfor.reports.similar import (
    compare_with_rka,
    group_id,
    parse_profile,
    save_similar_group,
    similar_report,
)
from jamfor.store import Store


def test_ale_under_the_general_profile(structural_store: Store) -> None:
    report = similar_report(structural_store, "Ale")
    assert report.focus.id == "1440" and report.year == 2022
    assert len(report.rows) == 7
    assert "1440" not in [r.area.id for r in report.rows]
    assert [r.rank for r in report.rows] == list(range(1, 8))
    distances = [r.distance for r in report.rows]
    assert distances == sorted(distances)
    for row in report.rows:
        assert sum(c for c in row.contributions if c is not None) == pytest.approx(row.distance)
    # Ale is a commuter municipality next to Göteborg: its nearest are commuter municipalities too
    assert report.rows[0].area.title == "Håbo"
    assert all(m.year == 2022 and m.used for m in report.measures)
    assert report.measures[0].focus_value == pytest.approx(10.3857, abs=1e-4)  # log(32 379 inhabitants)
    assert (
        report.rka_group is not None
        and report.rka_group.title == "Liknande kommuner, övergripande, Ale, 2025"
    )
    assert report.group_title == "Liknande kommuner (jamfor, övergripande), Ale, 2022"
    data = report.as_dict()
    assert data["similar"][0]["title"] == "Håbo" and "not Kolada's" in data["source"]


def test_saving_is_a_group_for_every_report_and_saving_again_changes_nothing(structural_store: Store) -> None:
    store = structural_store
    report = similar_report(store, "Ale")
    group, changed = save_similar_group(store, report)
    assert changed and group.id == group_id("overgripande", "1440", 2022) == "similar:overgripande:1440:2022"
    assert group.kind == "similar" and group.source == "jamfor"
    assert group.title == "Liknande kommuner (jamfor, övergripande), Ale, 2022"
    assert [a.id for a in group.members] == [r.area.id for r in report.rows]
    stamp = store.db.query("SELECT created_at FROM area_group WHERE id = ?", [group.id])
    again, changed = save_similar_group(store, similar_report(store, "1440"))
    assert not changed and again == group
    assert store.db.query("SELECT created_at FROM area_group WHERE id = ?", [group.id]) == stamp
    assert store.resolve_group(group.title).id == group.id
    # usable as a report's reference: the mean of the seven members' values
    mean = municipality_report(store, "1440", kpis=["N01994"], years=[2022], reference=f"group:{group.id}")
    values = {
        a: v for _, a, _, v, _ in store.values(["N01994"], [2022], "T", [r.area.id for r in report.rows])
    }
    assert mean.rows[0].reference == pytest.approx(sum(values.values()) / 7)
    assert mean.rows[0].reference_count == 7


def test_a_user_profile_with_an_unknown_kpi_is_a_clear_error(structural_store: Store) -> None:
    loaded = parse_profile("id: mine\nmeasures:\n  - kpi: N01951\n  - kpi: N00000\n", "mine.yaml")
    with pytest.raises(ValidationError, match=r"mine.yaml:4: column 'kpi': unknown KPI id 'N00000'"):
        similar_report(structural_store, "Ale", loaded)


def test_no_values_and_not_a_municipality_are_errors(structural_store: Store) -> None:
    with pytest.raises(JamforError, match="no values up to 2015"):
        similar_report(structural_store, "Ale", year=2015)
    with pytest.raises(JamforError, match="not a municipality"):
        similar_report(structural_store, "0000")


def test_compare_with_rka_lss(structural_store: Store) -> None:
    result = compare_with_rka(structural_store, "lss")
    assert result.area == "LSS" and result.rka_year == 2024
    assert len(result.overlaps) == 289  # RKA has no LSS group for one municipality
    assert sum(result.distribution.values()) == 289
    assert result.mean == pytest.approx(2.92, abs=0.01)
    assert result.chance == pytest.approx(49 / 289)
    assert result.overlaps["0180"] == 7  # Stockholm: the same seven as RKA
