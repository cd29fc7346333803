"""The fast first import into PostgreSQL, and what must hold when it fails.

A first import into an empty `observation` drops the primary key, streams DuckDB's sorted rows
through a named pipe into COPY and builds the key again, all in the import's transaction.
These tests make it fail at every stage (a bad row late in the file, a duplicate key found
only when the key is rebuilt, the server refusing a row mid-stream, the producer dying
mid-stream) and check that the error is the usual clear one, that nothing is written, that
the key and the table's defaults are back, and that no thread, pipe or temporary file is left.
"""

from __future__ import annotations

import csv
import os
import tempfile
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from jamfor.errors import DatabaseError, ValidationError
from jamfor.sources.files import import_file
from jamfor.store import Store, backend, ingest
from jamfor.store.migrate import _migrations, _statements, latest_version

from .conftest import SHARED, _drop_schema, _new_store, _pg_url

SUBSET = SHARED / "data" / "kolada" / "kolada_values_2024-08_kkik2013_subset_2015-2022.csv"
HEADER = "kpi,municipality,period,gender,value"
PKEY = "PRIMARY KEY (kpi, area, period, gender)"


@pytest.fixture
def pg_store(tmp_path: Path, duckdb_template: Path) -> Iterator[Store]:
    yield from _new_store("postgres", tmp_path, duckdb_template)


@pytest.fixture
def real_rows() -> list[str]:
    """The first 6,000 data lines of a real Kolada extract (several KPIs, all areas)."""
    if not SUBSET.is_file():
        pytest.skip("shared/data is not beside the repository")
    with SUBSET.open(encoding="utf-8") as fh:
        assert next(fh).strip() == HEADER
        return [next(fh).rstrip("\n") for _ in range(6000)]


@pytest.fixture
def watched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private temporary directory (for the FIFO) and small KPI ranges (many pipe opens)."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    monkeypatch.setattr(ingest, "CHUNK_ROWS", 700)
    yield tmp
    assert list(tmp.iterdir()) == [], "a temporary file or pipe was left behind"
    assert [t.name for t in threading.enumerate() if t.name.startswith("jamfor-copy")] == []


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text(HEADER + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def _key_and_defaults(store: Store) -> tuple[list[str], list[str]]:
    """observation's primary key definition(s) and the columns that have a default."""
    keys = store.db.query(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = 'observation'::regclass AND contype = 'p'"
    )
    defaults = store.db.query(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = 'observation' AND column_default IS NOT NULL"
    )
    return [str(r[0]) for r in keys], [str(r[0]) for r in defaults]


def _assert_untouched(store: Store, before: object) -> None:
    assert store.stats() == before
    assert store.batches() == []
    if store.dialect == "postgres":
        assert _key_and_defaults(store) == ([PKEY], [])


def test_first_import_streams_all_rows_and_rebuilds_the_key(
    pg_store: Store, real_rows: list[str], tmp_path: Path, watched: Path
) -> None:
    source = _write(tmp_path / "first.csv", real_rows)
    summary = import_file(pg_store, source)
    assert (summary.rows, summary.new, summary.changed) == (6000, 6000, 0)
    assert _key_and_defaults(pg_store) == ([PKEY], [])
    stored = pg_store.db.query(
        "SELECT kpi, area, period, gender, value, source, batch_id FROM observation "
        "ORDER BY kpi, area, period, gender"
    )
    expected = sorted(
        (kpi, area, int(period), gender, float(value) if value else None, "Kolada", summary.batch_id)
        for kpi, area, period, gender, value in csv.reader(real_rows)
    )
    assert stored == expected
    assert {type(r[2]) for r in stored} == {int} and {r[3] for r in stored} <= {"T", "K", "M"}
    [(imported_at,)] = pg_store.db.query("SELECT DISTINCT imported_at FROM observation")
    assert imported_at == pg_store.batches()[0]["imported_at"]

    again = import_file(pg_store, source)  # the merge path: nothing changes
    assert (again.new, again.changed, again.unchanged, again.batch_id) == (0, 0, 6000, None)

    kpi, area, period, gender, value = real_rows[4321].split(",")
    changed = _write(tmp_path / "changed.csv", [f"{kpi},{area},{period},{gender},{float(value) + 1}"])
    third = import_file(pg_store, changed, source="test")
    assert (third.new, third.changed) == (0, 1)
    assert [r.value for r in pg_store.history(kpi, area, int(period), gender)] == [float(value)]
    current = pg_store.observation(kpi, area, int(period), gender)
    assert current is not None and current.value == float(value) + 1


def test_a_duplicate_key_late_in_a_first_import_is_named_and_nothing_is_written(
    store: Store, real_rows: list[str], tmp_path: Path, watched: Path
) -> None:
    kpi, area, period, gender, _ = real_rows[17].split(",")
    bad = _write(tmp_path / "late_duplicate.csv", [*real_rows, f"{kpi},{area},{period},{gender},1.5"])
    before = store.stats()
    with pytest.raises(ValidationError) as caught:
        import_file(store, bad)
    [problem] = caught.value.problems
    assert problem.file == "late_duplicate.csv" and problem.line == 6002
    assert "duplicate row" in problem.reason and f"{kpi}, {area}, {period}, {gender}" in problem.reason
    assert "line 19" in problem.reason
    _assert_untouched(store, before)


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        ("N00914,1081,2021,X,1.0", "gender", "'X'"),
        ("N00914,1081,20x1,T,1.0", "period", "'20x1' is not a year"),
        ("N00914,1081,2021,T,12abc", "value", "'12abc' is not a number"),
        ("Z99999,1081,2021,T,1.0", "kpi", "Z99999"),
        ("N00914,9999,2021,T,1.0", "municipality", "9999"),
    ],
)
def test_a_bad_row_late_in_a_first_import_is_named_and_nothing_is_written(
    store: Store,
    real_rows: list[str],
    tmp_path: Path,
    watched: Path,
    row: str,
    column: str,
    reason: str,
) -> None:
    bad = _write(tmp_path / "late_fault.csv", [*real_rows, row])
    before = store.stats()
    with pytest.raises(ValidationError) as caught:
        import_file(store, bad)
    [problem] = caught.value.problems
    assert (problem.file, problem.line, problem.column) == ("late_fault.csv", 6002, column)
    assert reason in problem.reason
    _assert_untouched(store, before)


def test_the_server_refusing_a_row_mid_stream_rolls_back_everything(
    pg_store: Store, real_rows: list[str], tmp_path: Path, watched: Path
) -> None:
    # A constraint jamfor does not have stands in for any server-side failure during the COPY:
    # it fails at the last KPI's rows, while DuckDB is still producing.
    last_kpi = real_rows[-1].split(",")[0]
    pg_store.db.execute(f"ALTER TABLE observation ADD CONSTRAINT test_refuse CHECK (kpi <> '{last_kpi}')")
    before = pg_store.stats()
    with pytest.raises(DatabaseError, match=r"refused.csv: the database refused the import and nothing"):
        import_file(pg_store, _write(tmp_path / "refused.csv", real_rows))
    _assert_untouched(pg_store, before)
    checks = pg_store.db.query(
        "SELECT conname FROM pg_constraint WHERE conrelid = 'observation'::regclass AND contype = 'c' "
        "ORDER BY conname"
    )
    assert checks == [("observation_gender_check",), ("test_refuse",)]


def test_the_producer_dying_mid_stream_rolls_back_everything(
    pg_store: Store, real_rows: list[str], tmp_path: Path, watched: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # DuckDB fails while sorting the last KPI range, after earlier ranges reached the server.
    last_kpi = real_rows[-1].split(",")[0]
    monkeypatch.setattr(
        ingest,
        "KEY_ORDER",
        f"ORDER BY kpi, area, period, gender, "
        f"CASE WHEN kpi = '{last_kpi}' THEN error('producer died (simulated)') ELSE 0 END",
    )
    before = pg_store.stats()
    with pytest.raises(DatabaseError, match=r"producer died \(simulated\)") as caught:
        import_file(pg_store, _write(tmp_path / "dying.csv", real_rows))
    assert "dying.csv: the database refused the import and nothing was written" in str(caught.value)
    _assert_untouched(pg_store, before)


@pytest.mark.parametrize("mkfifo", [True, False], ids=["named-pipe", "temporary-file"])
def test_without_proc_fd_a_named_pipe_or_a_temporary_file_carries_the_rows(
    pg_store: Store,
    real_rows: list[str],
    tmp_path: Path,
    watched: Path,
    monkeypatch: pytest.MonkeyPatch,
    mkfifo: bool,
) -> None:
    """Off Linux there is no /proc/self/fd: a named pipe, and without one a plain file."""
    monkeypatch.setattr(backend, "PROC_FD", tmp_path / "no-proc-fd")
    if not mkfifo:

        def refuse(*_: object, **__: object) -> None:
            raise OSError("named pipes are not supported here (simulated)")

        monkeypatch.setattr(os, "mkfifo", refuse)
    summary = import_file(pg_store, _write(tmp_path / "other_os.csv", real_rows))
    assert (summary.rows, summary.new) == (6000, 6000)
    assert pg_store.stats().observations == 6000
    assert _key_and_defaults(pg_store) == ([PKEY], [])
    # The producer failing on this path too leaves nothing behind.
    monkeypatch.setattr(ingest, "KEY_ORDER", "ORDER BY kpi, area, period, gender, error('boom (simulated)')")
    second = _write(tmp_path / "other_os_2.csv", real_rows)
    pg_store.db.execute("DELETE FROM observation")
    with pytest.raises(DatabaseError, match=r"boom \(simulated\)"):
        import_file(pg_store, second)
    assert _key_and_defaults(pg_store) == ([PKEY], [])


def test_a_store_with_values_takes_the_merge_path_and_keeps_its_key(
    pg_store: Store, real_rows: list[str], tmp_path: Path, watched: Path
) -> None:
    import_file(pg_store, _write(tmp_path / "part.csv", real_rows[:100]))
    kpi, area, period, gender, _ = real_rows[5].split(",")
    rest = _write(tmp_path / "rest.csv", [*real_rows[100:], f"{kpi},{area},{period},{gender},2.0"])
    with pytest.raises(ValidationError):  # duplicate inside the file: checked before any write
        import_file(pg_store, _write(tmp_path / "dup.csv", [*real_rows[100:], real_rows[200]]))
    summary = import_file(pg_store, rest)
    assert (summary.new, summary.changed) == (5900, 1)
    assert pg_store.stats().observations == 6000 and pg_store.stats().revisions == 1
    assert _key_and_defaults(pg_store) == ([PKEY], [])


def test_key_types_migration_applies_to_a_schema_1_database() -> None:
    """An existing PostgreSQL store at schema 1, with values and a revision, migrates to the latest."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    store = Store.open(_pg_url(schema))
    try:
        db = store.db
        db.execute(
            "CREATE TABLE schema_migration (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
            "applied_at TIMESTAMP NOT NULL)"
        )
        [(_version, name, script)] = [m for m in _migrations("postgres") if m[0] == 1]
        for statement in _statements(script):
            db.execute(statement)
        db.execute("INSERT INTO schema_migration VALUES (1, ?, now())", [name])
        row = "'N00914', '1081', 2021, ?, ?, NULL, NULL, 'Kolada', 1, '2024-01-01'"
        db.execute(f"INSERT INTO observation VALUES ({row})", ["K", 2.5])
        db.execute(f"INSERT INTO observation VALUES ({row})", ["T", 3.5])
        db.execute(f"INSERT INTO observation_revision VALUES ({row}, '2024-02-01', 2)", ["T", 3.0])
        applied = store.migrate()
        assert "0006_key_types.sql" in applied and store.schema_version() == latest_version("postgres")
        store.ensure_schema()
        types = db.query(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND column_name IN ('period', 'gender') "
            "AND table_name IN ('observation', 'observation_revision') ORDER BY 1, 2"
        )
        assert types == [
            ("observation", "gender", '"char"'),
            ("observation", "period", "smallint"),
            ("observation_revision", "gender", '"char"'),
            ("observation_revision", "period", "smallint"),
        ]
        assert db.query("SELECT period, gender, value FROM observation ORDER BY gender") == [
            (2021, "K", 2.5),
            (2021, "T", 3.5),
        ]
        assert [r.value for r in store.history("N00914", "1081", 2021, "T")] == [3.0]
        with pytest.raises(Exception, match="observation_gender_check"):
            db.execute(f"INSERT INTO observation VALUES ({row})", ["X", 1.0])
    finally:
        store.close()
        _drop_schema(schema)


def test_both_dialects_are_at_the_same_schema_version(tmp_path: Path) -> None:
    # `jamfor export` / `restore` move a store between dialects only at the same version.
    assert latest_version("duckdb") == latest_version("postgres")
    with Store.open(str(tmp_path / "fresh.duckdb")) as store:
        assert "0006_key_types.sql" in store.migrate()
        store.ensure_schema()
