"""Export a whole store to Parquet files and restore it into an empty store, on either backend.

`export_store(store, DIR)` writes one Parquet file per table — observations and their history,
the catalogue and its revisions, areas, groups and members, import batches, sync state, and
whatever later migrations add (Kommunkompassen evaluations, surveys, …) — plus `metadata.json`:
the format, the schema version, the dialect it came from, and per table its columns, row count
and the SHA-256 of its file. `restore_store(store, DIR)` checks all of that, migrates the target
to the same schema version, refuses a target that holds any data, loads every table in one
transaction (all or nothing), checks the row counts and moves the id sequences past the largest
restored id.

The values travel exactly: DuckDB writes its tables straight to Parquet; PostgreSQL streams
each table as CSV (COPY … TO STDOUT, doubles in their shortest exact form, which PostgreSQL ≥ 12
prints by default) into an in-memory DuckDB that types the columns and writes the Parquet file.
Restoring into PostgreSQL runs the other way (Parquet → CSV → COPY FROM STDIN). The
`schema_migration` table is not exported: each dialect keeps its own list of applied migrations,
and the metadata records the version instead.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import duckdb

from jamfor.errors import JamforError
from jamfor.store.migrate import current_version
from jamfor.store.repository import Store

FORMAT: Final = "jamfor-export/1"
METADATA: Final = "metadata.json"
SKIPPED: Final = frozenset({"schema_migration"})
# Sequences and the (table, column) whose values they hand out.
SEQUENCES: Final = {
    "import_batch_id": ("import_batch", "id"),
    "sync_run_id": ("sync_run", "id"),
    "app_user_id": ("app_user", "id"),
    "api_token_id": ("api_token", "id"),
    "audit_event_id": ("audit_event", "id"),
}
NULL: Final = "\\N"

# information_schema.columns.data_type → the DuckDB type a PostgreSQL CSV column is read as.
_PG_TYPES: Final = {
    "text": "VARCHAR",
    "character varying": "VARCHAR",
    "character": "VARCHAR",
    '"char"': "VARCHAR",
    "char": "VARCHAR",
    "integer": "INTEGER",
    "smallint": "SMALLINT",
    "bigint": "BIGINT",
    "double precision": "DOUBLE",
    "real": "FLOAT",
    "numeric": "DECIMAL(38, 10)",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp without time zone": "TIMESTAMP",
    "timestamp with time zone": "TIMESTAMPTZ",
    "json": "VARCHAR",
    "jsonb": "VARCHAR",
}

Progress = Callable[[str, int], None]


def _noop(table: str, rows: int) -> None:
    return None


@dataclass(frozen=True)
class TableFile:
    name: str
    rows: int
    columns: list[tuple[str, str]]  # (name, DuckDB type of the Parquet column)
    sha256: str


@dataclass(frozen=True)
class TransferSummary:
    directory: Path
    schema_version: int
    dialect: str
    tables: list[TableFile]

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)


def data_tables(store: Store) -> list[str]:
    """The store's tables, by name, without the migration bookkeeping."""
    rows = store.db.query(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
    )
    return [str(r[0]) for r in rows if str(r[0]) not in SKIPPED]


def _columns(store: Store, table: str) -> list[tuple[str, str]]:
    rows = store.db.query(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
        [table],
    )
    return [(str(r[0]), str(r[1])) for r in rows]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _duck_type(store: Store, table: str, column: str, data_type: str) -> str:
    if store.dialect == "duckdb":
        return data_type.upper()
    found = _PG_TYPES.get(data_type.lower())
    if found is None:
        raise JamforError(
            f"cannot export column {table}.{column}: PostgreSQL type {data_type} is not supported"
        )
    return found


def export_store(store: Store, directory: Path, progress: Progress = _noop) -> TransferSummary:
    """Write every table of `store` to `directory` (created; must be empty) with its metadata."""
    if directory.exists() and any(directory.iterdir()):
        raise JamforError(f"{directory} is not empty: export into a new or empty directory")
    directory.mkdir(parents=True, exist_ok=True)
    version = current_version(store.db)
    tables: list[TableFile] = []
    with tempfile.TemporaryDirectory(prefix="jamfor-export-") as tmp:
        for table in data_tables(store):
            columns = [(name, _duck_type(store, table, name, kind)) for name, kind in _columns(store, table)]
            target = directory / f"{table}.parquet"
            rows = _export_table(store, table, columns, target, Path(tmp))
            tables.append(TableFile(table, rows, columns, _sha256(target)))
            progress(table, rows)
    metadata = {
        "format": FORMAT,
        "schema_version": version,
        "dialect": store.dialect,
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "tables": [
            {"name": t.name, "rows": t.rows, "columns": [list(c) for c in t.columns], "sha256": t.sha256}
            for t in tables
        ],
    }
    (directory / METADATA).write_text(
        json.dumps(metadata, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return TransferSummary(directory, version, store.dialect, tables)


def _export_table(store: Store, table: str, columns: list[tuple[str, str]], target: Path, tmp: Path) -> int:
    names = ", ".join(_quote(c) for c, _ in columns)
    if store.dialect == "duckdb":
        con: duckdb.DuckDBPyConnection = store.db.con  # type: ignore[attr-defined]
        con.execute(f"COPY (SELECT {names} FROM {_quote(table)}) TO {_literal(str(target))} (FORMAT parquet)")
        return int(store.db.query(f"SELECT count(*) FROM {_quote(table)}")[0][0])
    csv_path = tmp / f"{table}.csv"
    pg = store.db.con  # type: ignore[attr-defined]
    with (
        pg.cursor() as cur,
        cur.copy(f"COPY (SELECT {names} FROM {_quote(table)}) TO STDOUT (FORMAT csv, NULL '{NULL}')") as copy,
        csv_path.open("wb") as fh,
    ):
        for chunk in copy:
            fh.write(chunk)
    spec = "{" + ", ".join(f"{_literal(c)}: {_literal(t)}" for c, t in columns) + "}"
    local = duckdb.connect()
    try:
        local.execute(
            f"COPY (SELECT * FROM read_csv({_literal(str(csv_path))}, columns = {spec}, header = false, "
            f"nullstr = {_literal(NULL)}, allow_quoted_nulls = false, quote = '\"', escape = '\"', "
            f"auto_detect = false)) TO {_literal(str(target))} (FORMAT parquet)"
        )
        found = local.execute(f"SELECT count(*) FROM read_parquet({_literal(str(target))})").fetchone()
    finally:
        local.close()
    csv_path.unlink()
    return int(found[0]) if found else 0


def read_metadata(directory: Path) -> dict[str, Any]:
    """The export's metadata, checked against the files beside it."""
    path = directory / METADATA
    if not path.is_file():
        raise JamforError(f"{directory} holds no jamfor export ({METADATA} is missing)")
    try:
        metadata = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise JamforError(f"{path}: not a readable export description: {exc}") from None
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        raise JamforError(f"{path}: not a {FORMAT} export")
    for table in metadata.get("tables", []):
        file = directory / f"{table['name']}.parquet"
        if not file.is_file():
            raise JamforError(f"{file} is missing from the export")
        if _sha256(file) != table["sha256"]:
            raise JamforError(f"{file} does not match its checksum in {METADATA}: the export is damaged")
    return metadata


def _has_data(store: Store, tables: list[str]) -> list[str]:
    return [t for t in tables if store.db.query(f"SELECT 1 FROM {_quote(t)} LIMIT 1")]


def restore_store(store: Store, directory: Path, progress: Progress = _noop) -> TransferSummary:
    """Load an export into an empty store (migrated here to the export's schema version)."""
    metadata = read_metadata(directory)
    version = int(metadata["schema_version"])
    store.migrate()
    ours = current_version(store.db)
    if ours != version:
        raise JamforError(
            f"the export has schema version {version} and this jamfor has {ours}: "
            "restore with the jamfor version that made the export, then upgrade with 'jamfor db migrate'"
        )
    present = set(data_tables(store))
    wanted = [t["name"] for t in metadata["tables"]]
    unknown = [t for t in wanted if t not in present]
    if unknown:
        raise JamforError(f"the export has tables this store does not: {', '.join(unknown)}")
    busy = _has_data(store, sorted(present))
    if busy:
        raise JamforError(
            f"the target store is not empty (rows in {', '.join(busy)}): restore into a new database"
        )
    tables: list[TableFile] = []
    order = _load_order(wanted)
    by_name = {t["name"]: t for t in metadata["tables"]}
    with tempfile.TemporaryDirectory(prefix="jamfor-restore-") as tmp, store.db.transaction():
        for name in order:
            entry = by_name[name]
            columns = [(str(c), str(t)) for c, t in entry["columns"]]
            ours_cols = {c for c, _ in _columns(store, name)}
            missing = [c for c, _ in columns if c not in ours_cols]
            if missing:
                raise JamforError(f"table {name}: the store has no columns {', '.join(missing)}")
            _restore_table(store, name, columns, directory / f"{name}.parquet", Path(tmp))
            count = int(store.db.query(f"SELECT count(*) FROM {_quote(name)}")[0][0])
            if count != int(entry["rows"]):
                raise JamforError(f"table {name}: {count} rows restored, the export has {entry['rows']}")
            tables.append(TableFile(name, count, columns, entry["sha256"]))
            progress(name, count)
        _advance_sequences(store)
    return TransferSummary(directory, version, str(metadata["dialect"]), tables)


def _load_order(tables: list[str]) -> list[str]:
    """Parents before children for the foreign keys the schema has (areas and groups first)."""
    first = ["area", "area_group", "kpi", "import_batch"]
    return [t for t in first if t in tables] + [t for t in tables if t not in first]


def _restore_table(store: Store, table: str, columns: list[tuple[str, str]], source: Path, tmp: Path) -> None:
    names = ", ".join(_quote(c) for c, _ in columns)
    if store.dialect == "duckdb":
        store.db.execute(
            f"INSERT INTO {_quote(table)} ({names}) SELECT {names} FROM read_parquet({_literal(str(source))})"
        )
        return
    csv_path = tmp / f"{table}.csv"
    local = duckdb.connect()
    try:
        local.execute(
            f"COPY (SELECT {names} FROM read_parquet({_literal(str(source))})) TO {_literal(str(csv_path))} "
            f"(FORMAT csv, HEADER false, NULLSTR {_literal(NULL)}, QUOTE '\"', ESCAPE '\"', "
            "FORCE_QUOTE *, TIMESTAMPFORMAT '%Y-%m-%d %H:%M:%S.%f')"
        )
    finally:
        local.close()
    with _keys_rebuilt_after(store, table):
        store.db.copy_csv(_quote(table), [_quote(c) for c, _ in columns], csv_path, null=NULL)  # type: ignore[attr-defined]
    csv_path.unlink()


@contextmanager
def _keys_rebuilt_after(store: Store, table: str) -> Iterator[None]:
    """PostgreSQL: load an empty table without its keys and indexes, then build them once.

    Building a B-tree over 7.4 million sorted rows is much cheaper than keeping it up to date
    row by row. Only keys no foreign key refers to are dropped; all of it happens in the
    restore's transaction, so a duplicate fails the rebuild and the whole restore rolls back.
    """
    relation = _quote(table)
    referenced = store.db.query(
        "SELECT count(*) FROM pg_constraint WHERE confrelid = to_regclass(?)", [relation]
    )[0][0]
    if referenced:
        yield
        return
    keys = store.db.query(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = to_regclass(?) AND contype IN ('p', 'u') ORDER BY conname",
        [relation],
    )
    indexes = store.db.query(
        "SELECT pg_get_indexdef(i.indexrelid), c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE i.indrelid = to_regclass(?) "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) ORDER BY c.relname",
        [relation],
    )
    for _definition, name in indexes:
        store.db.execute(f"DROP INDEX {_quote(str(name))}")
    for name, _definition in keys:
        store.db.execute(f"ALTER TABLE {relation} DROP CONSTRAINT {_quote(str(name))}")
    yield
    for name, definition in keys:
        store.db.execute(f"ALTER TABLE {relation} ADD CONSTRAINT {_quote(str(name))} {definition}")
    for definition, _name in indexes:
        store.db.execute(str(definition))


def _advance_sequences(store: Store) -> None:
    present = set(data_tables(store))
    for sequence, (table, column) in SEQUENCES.items():
        if table not in present:
            continue
        top = store.db.query(f"SELECT max({_quote(column)}) FROM {_quote(table)}")[0][0]
        if top is None:
            continue
        following = int(top) + 1
        if store.dialect == "postgres":
            store.db.query(f"SELECT setval('{sequence}', {following}, false)")
        else:
            store.db.execute(f"DROP SEQUENCE {sequence}")
            store.db.execute(f"CREATE SEQUENCE {sequence} START {following}")


def compare_exports(first: Path, second: Path) -> list[str]:
    """The differences between two exports' contents (empty when every table holds the same rows).

    Rows are compared as multisets per table (EXCEPT ALL both ways), by column name, so the row
    order and the dialect each export came from do not matter.
    """
    a, b = read_metadata(first), read_metadata(second)
    tables_a = {t["name"]: t for t in a["tables"]}
    tables_b = {t["name"]: t for t in b["tables"]}
    problems = [f"table {t} only in {first}" for t in sorted(set(tables_a) - set(tables_b))]
    problems += [f"table {t} only in {second}" for t in sorted(set(tables_b) - set(tables_a))]
    local = duckdb.connect()
    try:
        for name in sorted(set(tables_a) & set(tables_b)):
            cols_a = [c for c, _ in tables_a[name]["columns"]]
            cols_b = {c for c, _ in tables_b[name]["columns"]}
            if set(cols_a) != cols_b:
                problems.append(f"table {name}: columns differ")
                continue
            names = ", ".join(_quote(c) for c in cols_a)
            pa = _literal(str(first / f"{name}.parquet"))
            pb = _literal(str(second / f"{name}.parquet"))
            for x, y, label in ((pa, pb, "first"), (pb, pa, "second")):
                found = local.execute(
                    f"SELECT count(*) FROM (SELECT {names} FROM read_parquet({x}) "
                    f"EXCEPT ALL SELECT {names} FROM read_parquet({y}))"
                ).fetchone()
                extra = int(found[0]) if found else 0
                if extra:
                    problems.append(f"table {name}: {extra} rows only in the {label} export")
    finally:
        local.close()
    return problems
