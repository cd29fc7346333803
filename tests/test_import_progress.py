"""Long imports report how far they are: phases always, a percentage while DuckDB reads."""

from __future__ import annotations

from pathlib import Path

import duckdb

from jamfor.sources.files import import_file
from jamfor.sources.reference import demo_path
from jamfor.store import Store
from jamfor.store.ingest import watch


def test_watch_reports_percentages_of_a_long_statement(shared_data: Path) -> None:
    dump = shared_data / "kolada" / "kolada_values_2024-08_long.csv.gz"
    seen: list[float] = []
    con = duckdb.connect()
    with watch(con, seen.append):
        con.execute(f"CREATE TABLE raw AS SELECT * FROM read_csv('{dump}', all_varchar = true)")
    assert seen, "a 2-second read should be polled at least once"
    assert all(0 <= p <= 100 for p in seen)


def test_import_reports_its_phases(store: Store) -> None:
    calls: list[tuple[str, str, float | None]] = []

    def record(file: str, phase: str, percent: float | None = None) -> None:
        calls.append((file, phase, percent))

    import_file(store, demo_path(), progress=record)
    phases = [phase for _, phase, _ in calls]
    assert phases[0] == "reading" and phases[-1] == "done"
    assert "checking and writing" in phases
    assert {file for file, _, _ in calls} == {demo_path().name}
    assert all(p is None or 0 <= p <= 100 for _, _, p in calls)
