"""KPI definitions in reports come from the catalogue, and our own KPIs are never Kolada's."""

from __future__ import annotations

from jamfor.measuresets import example_dataset_kpi_ids, load_example_dataset
from jamfor.reports.definitions import KOLADA_SOURCE, kpi_definitions
from jamfor.store import Store


def test_definitions_in_order_without_duplicates_or_unknown_ids(demo_store: Store) -> None:
    defs = kpi_definitions(demo_store, ["N15428", "N00938", "N15428", "X99999"])
    assert [d.kpi for d in defs] == ["N15428", "N00938"]
    catalogue = demo_store.kpi("N00938")
    assert defs[1].title == catalogue.title
    assert defs[1].description == catalogue.description
    assert defs[1].description  # Kolada's KPIs carry a definition
    assert all(d.source == KOLADA_SOURCE for d in defs)


def test_own_kpis_are_not_labelled_as_kolada(store: Store) -> None:
    load_example_dataset(store, "kungsbacka-bitt")
    own = example_dataset_kpi_ids("kungsbacka-bitt")
    defs = kpi_definitions(store, own)
    assert len(defs) == len(own)
    assert all(d.source != KOLADA_SOURCE and "Kolada" not in d.source for d in defs)


def test_no_ids_no_definitions(demo_store: Store) -> None:
    assert kpi_definitions(demo_store, []) == []
