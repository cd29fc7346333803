"""The per-data-version table of every KPI's years (`StoreAccess.periods_of`): after values are
entered it is extended by what the entries added, without reading every observation again;
after an import it is read whole. Either way it equals `Store.periods_by_kpi` of the moment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from jamfor.sources.files import import_file
from jamfor.store import Store
from jamfor.store import accounts as A
from jamfor.store.entry import ValueChange, write_values
from jamfor.web.access import StoreAccess

from .writable import PASSWORD

KPI = "N00938"


def _import(store: Store, tmp_path: Path, name: str, rows: list[str]) -> None:
    path = tmp_path / name
    path.write_text("kpi,municipality,period,gender,value\n" + "\n".join(rows) + "\n", encoding="utf-8")
    import_file(store, path)


class Counting:
    """Counts the whole-table reads an access makes."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.scans = 0
        original = Store.periods_by_kpi

        def counted(store: Store) -> Any:
            self.scans += 1
            return original(store)

        monkeypatch.setattr(Store, "periods_by_kpi", counted)


def test_entries_extend_the_table_and_imports_reread_it(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _import(
        store, tmp_path, "a.csv", [f"{KPI},1081,2020,T,1.5", f"{KPI},1082,2021,T,2.5", "N15027,1081,2019,T,3"]
    )
    editor = A.add_user(store, "ed", PASSWORD, role="editor", areas=["1081"])
    counting = Counting(monkeypatch)
    access = StoreAccess(store)

    def periods(kpis: list[str]) -> list[int]:
        return access.periods_of(store, kpis, store.data_version())

    assert periods([KPI]) == [2020, 2021] and counting.scans == 1
    assert periods([KPI, "N15027"]) == [2019, 2020, 2021] and counting.scans == 1  # same version

    # An entry of a new year and a changed value: extended from the audit trail, no scan.
    write_values(
        store,
        [ValueChange(KPI, "1081", 2023, value=4.0), ValueChange(KPI, "1081", 2020, value=1.75)],
        actor=editor,
        via="web",
        source="test",
    )
    assert periods([KPI]) == [2020, 2021, 2023] and counting.scans == 1
    write_values(
        store,
        [ValueChange("U09800", "1081", 2018, value=None, status="x")],
        actor=editor,
        via="api",
        source="t",
    )
    assert periods(["U09800"]) == [2018] and counting.scans == 1
    assert access._periods is not None and access._periods[1] == store.periods_by_kpi()
    counting.scans -= 1  # (that check's own read)

    # An import (another kind of batch): read whole again.
    _import(store, tmp_path, "b.csv", [f"{KPI},1083,2024,T,9"])
    assert periods([KPI]) == [2020, 2021, 2023, 2024] and counting.scans == 2
    assert access._periods is not None and access._periods[1] == store.periods_by_kpi()


def test_the_mark_refuses_to_extend_across_anything_but_entries(store: Store, tmp_path: Path) -> None:
    mark = store.periods_mark()
    assert store.periods_added_since(mark) == (mark, set())
    _import(store, tmp_path, "a.csv", [f"{KPI},1081,2020,T,1.5"])
    assert store.periods_added_since(mark) is None  # an import since
    after = store.periods_mark()
    assert after[1] > mark[1]
    assert store.periods_added_since((after[0] + 1, after[1], after[2])) is None  # another schema version
    assert store.periods_added_since((after[0], after[1] + 5, after[2])) is None  # a store that went back
