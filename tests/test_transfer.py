"""`jamfor export` / `jamfor restore`: every table to Parquet and back, exact, in both directions
between DuckDB and PostgreSQL; damaged exports and non-empty targets are refused."""

from __future__ import annotations

import hashlib
import json
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from jamfor.cli import app
from jamfor.errors import JamforError
from jamfor.sources.files import import_file
from jamfor.store import Store
from jamfor.store.transfer import compare_exports, export_store, read_metadata, restore_store

from .conftest import _drop_schema, _pg_url

TRICKY = 'Nät "citat", \\N, radbrytning\noch <script>alert(1)</script>; DROP TABLE area;'


def _other(backend: str) -> str:
    return "postgres" if backend == "duckdb" else "duckdb"


@pytest.fixture
def empty_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    backend: str = request.param
    if backend == "duckdb":
        store = Store.open(str(tmp_path / "empty.duckdb"))
        try:
            yield store
        finally:
            store.close()
    else:
        schema = f"t_{uuid.uuid4().hex[:12]}"
        store = Store.open(_pg_url(schema))
        try:
            yield store
        finally:
            store.close()
            _drop_schema(schema)


def _fill(store: Store, tmp_path: Path) -> None:
    """Values with history, nulls, statuses, own KPIs, and a network with a hostile title."""
    first = tmp_path / "v1.csv"
    first.write_text(
        "kpi,area,period,gender,value,status\n"
        "N00938,1081,2020,T,8.123456789012345,\n"
        "N00938,1081,2020,K,,saknas\n"
        "N00938,1081,2021,T,0.1,\n"
        "N00938,0000,2021,T,1e-300,\n",
        encoding="utf-8",
    )
    second = tmp_path / "v2.csv"
    second.write_text(
        "kpi,area,period,gender,value,status\nN00938,1081,2021,T,0.30000000000000004,\n", encoding="utf-8"
    )
    import_file(store, first, source="Kolada")
    import_file(store, second, source=TRICKY)
    store.create_network(TRICKY, ["Ronneby", "Karlshamn"], group_id="tricky")


@pytest.mark.parametrize(
    ("store", "empty_store"), [("duckdb", "postgres"), ("postgres", "duckdb")], indirect=True
)
def test_round_trip_is_exact_in_both_directions(store: Store, empty_store: Store, tmp_path: Path) -> None:
    _fill(store, tmp_path)
    first, second = tmp_path / "first", tmp_path / "second"
    exported = export_store(store, first)
    assert {"observation", "observation_revision", "kpi", "area", "area_group", "group_member"} <= {
        t.name for t in exported.tables
    }
    assert exported.dialect == store.dialect
    restored = restore_store(empty_store, first)
    assert restored.rows == exported.rows
    export_store(empty_store, second)
    assert compare_exports(first, second) == []
    # what a user reads back is the same
    assert empty_store.history("N00938", "1081", 2021) == store.history("N00938", "1081", 2021)
    assert empty_store.observation("N00938", "1081", 2021) == store.observation("N00938", "1081", 2021)
    assert empty_store.group("tricky").title == TRICKY
    value = empty_store.observation("N00938", "1081", 2020)
    assert value is not None and value.value == 8.123456789012345
    missing = empty_store.observation("N00938", "1081", 2020, "K")
    assert missing is not None and missing.value is None and missing.status == "saknas"
    # the restored store keeps working: a new import gets a fresh batch id
    third = tmp_path / "v3.csv"
    third.write_text("kpi,area,period,gender,value,status\nN00938,1081,2022,T,9,\n", encoding="utf-8")
    import_file(empty_store, third, source="Kolada")
    assert len({b["id"] for b in empty_store.batches()}) == len(empty_store.batches())


@pytest.mark.parametrize("store", ["duckdb"], indirect=True)
@pytest.mark.parametrize("empty_store", ["duckdb", "postgres"], indirect=True)
def test_refusals_leave_the_target_untouched(store: Store, empty_store: Store, tmp_path: Path) -> None:
    export = tmp_path / "export"
    export_store(store, export)
    with pytest.raises(JamforError, match="not empty"):
        export_store(store, export)
    # a damaged file
    damaged = tmp_path / "damaged"
    shutil.copytree(export, damaged)
    (damaged / "area.parquet").write_bytes(b"not parquet")
    with pytest.raises(JamforError, match="checksum"):
        restore_store(empty_store, damaged)
    # a missing file
    (damaged / "area.parquet").unlink()
    with pytest.raises(JamforError, match="missing"):
        restore_store(empty_store, damaged)
    # not an export
    with pytest.raises(JamforError, match="no jamfor export"):
        restore_store(empty_store, tmp_path)
    # a later schema version
    later = tmp_path / "later"
    shutil.copytree(export, later)
    meta = json.loads((later / "metadata.json").read_text())
    meta["schema_version"] = 999
    (later / "metadata.json").write_text(json.dumps(meta))
    with pytest.raises(JamforError, match="schema version 999"):
        restore_store(empty_store, later)
    assert empty_store.stats().observations == 0
    # a good restore, then a second one into the now filled store is refused
    restore_store(empty_store, export)
    before = empty_store.stats()
    with pytest.raises(JamforError, match="not empty"):
        restore_store(empty_store, export)
    assert empty_store.stats() == before
    assert read_metadata(export)["dialect"] == "duckdb"


def test_cli_export_restore_compare(tmp_path: Path, duckdb_template: Path) -> None:
    source = tmp_path / "source.duckdb"
    shutil.copy(duckdb_template, source)
    runner = CliRunner()
    result = runner.invoke(app, ["--database", str(source), "export", str(tmp_path / "a")])
    assert result.exit_code == 0, result.output
    target = tmp_path / "target.duckdb"
    result = runner.invoke(app, ["--database", str(target), "restore", str(tmp_path / "a")])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["--database", str(target), "export", str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["db", "compare-exports", str(tmp_path / "a"), str(tmp_path / "b")])
    assert result.exit_code == 0 and "same rows" in result.output


def _keys_and_indexes(store: Store) -> list[tuple[str, str]]:
    """Every key and index of the store's schema, as PostgreSQL would create them again."""
    return [
        (str(a), str(b).replace(f"{store.db.query('SELECT current_schema()')[0][0]}.", ""))
        for a, b in store.db.query(
            "SELECT conrelid::regclass::text || ' ' || conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE connamespace = current_schema()::regnamespace UNION ALL "
            "SELECT tablename || ' ' || indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "ORDER BY 1"
        )
    ]


@pytest.mark.parametrize("store", ["duckdb"], indirect=True)
@pytest.mark.parametrize("empty_store", ["postgres"], indirect=True)
def test_a_postgres_restore_builds_every_key_and_index_again(
    store: Store, empty_store: Store, tmp_path: Path
) -> None:
    _fill(store, tmp_path)
    export_store(store, tmp_path / "dump")
    empty_store.migrate()
    before = _keys_and_indexes(empty_store)
    assert any("observation_pkey" in name for name, _ in before)
    restore_store(empty_store, tmp_path / "dump")
    assert _keys_and_indexes(empty_store) == before


@pytest.mark.parametrize("store", ["duckdb"], indirect=True)
@pytest.mark.parametrize("empty_store", ["postgres"], indirect=True)
def test_a_duplicate_found_when_the_key_is_rebuilt_rolls_the_restore_back(
    store: Store, empty_store: Store, tmp_path: Path
) -> None:
    _fill(store, tmp_path)
    dump = tmp_path / "dump"
    export_store(store, dump)
    # Two copies of every observation: only the rebuilt primary key can notice.
    rows = duckdb.sql(f"SELECT * FROM read_parquet('{dump / 'observation.parquet'}')")
    rows.union(rows).write_parquet(str(dump / "twice.parquet"))
    (dump / "twice.parquet").replace(dump / "observation.parquet")
    metadata = json.loads((dump / "metadata.json").read_text(encoding="utf-8"))
    for table in metadata["tables"]:
        if table["name"] == "observation":
            table["rows"] *= 2
            table["sha256"] = hashlib.sha256((dump / "observation.parquet").read_bytes()).hexdigest()
    (dump / "metadata.json").write_text(json.dumps(metadata), encoding="utf-8")
    empty_store.migrate()
    before = _keys_and_indexes(empty_store)
    with pytest.raises(Exception, match=r"duplicate key|observation_pkey"):
        restore_store(empty_store, dump)
    assert _keys_and_indexes(empty_store) == before
    assert empty_store.db.query("SELECT count(*) FROM observation")[0][0] == 0
