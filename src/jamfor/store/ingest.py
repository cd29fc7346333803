"""Bulk loading of observations: DuckDB parses and checks a CSV, then the rows are merged
into the store so that changed values keep their old version as a revision.

DuckDB does the parsing for both backends because it reads the 7.4M-row dump about ten
times faster than Python can. Its checks only say *that* a file is bad; the importers in
`jamfor.sources.files` then explain *where*, line by line.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from jamfor.store.backend import Backend, DuckDBBackend, PostgresBackend

CANONICAL = ("kpi", "area", "period", "gender", "value", "status", "count")
MIN_YEAR, MAX_YEAR = 1950, 2100
KEY = ("kpi", "area", "period", "gender")


@dataclass(frozen=True)
class CsvSource:
    """A CSV file DuckDB can read: UTF-8 (optionally gzip), a header line, known columns."""

    path: Path
    delimiter: str
    columns: tuple[str, ...]  # canonical names in the file's order

    def read_csv_sql(self) -> str:
        cols = ", ".join(f"'{c}': 'VARCHAR'" for c in self.columns)
        path = str(self.path).replace("'", "''")
        delim = self.delimiter.replace("'", "''")
        return (
            f"read_csv('{path}', header = true, auto_detect = false, columns = {{{cols}}}, "
            f"delim = '{delim}', quote = '\"', escape = '\"', strict_mode = true, "
            f"null_padding = false, compression = 'auto')"
        )


class StagingRejected(Exception):
    """DuckDB found faults in a file; the caller explains them precisely."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def typed_select(src: CsvSource) -> str:
    """SELECT the file's rows with typed, checked columns; a malformed cell aborts the query."""
    has = set(src.columns)
    status = "nullif(status, '')" if "status" in has else "NULL"
    count = (
        "CASE WHEN count IS NULL OR count = '' THEN NULL "
        "WHEN regexp_full_match(count, '[0-9]{1,9}') THEN CAST(count AS INTEGER) "
        "ELSE error('bad count') END"
        if "count" in has
        else "NULL"
    )
    # Spaces and tabs around a number are ignored (the same rule as checks.parse_number).
    stripped = "trim(value, ' \t')"
    number = f"TRY_CAST(replace({stripped}, ',', '.') AS DOUBLE)"
    # A plain decimal-point number takes the cheap first branch; everything else (blanks,
    # decimal commas, faults) the careful one. Both give the same result for every input.
    value = (
        "CASE WHEN value IS NULL THEN NULL "
        "WHEN isfinite(TRY_CAST(value AS DOUBLE)) AND NOT contains(value, '_') THEN TRY_CAST(value AS DOUBLE) "
        f"WHEN {stripped} = '' THEN NULL "
        "WHEN contains(value, '_') THEN error('bad value') "
        f"ELSE CASE WHEN isfinite({number}) THEN {number} ELSE error('bad value') END END"
        if "value" in has
        else "NULL"
    )
    # Four digits in range, without a regular expression (it costs as much as parsing the file).
    year = "TRY_CAST(period AS INTEGER)"
    return (
        "SELECT "
        "CASE WHEN kpi IS NULL THEN error('missing kpi') ELSE kpi END AS kpi, "
        "CASE WHEN area IS NULL THEN error('missing area') ELSE area END AS area, "
        f"CASE WHEN {year} BETWEEN {MIN_YEAR} AND {MAX_YEAR} AND CAST({year} AS VARCHAR) = period "
        f"THEN {year} ELSE error('bad period') END AS period, "
        "CASE WHEN gender IN ('T', 'K', 'M') THEN gender ELSE error('bad gender') END AS gender, "
        f"{value} AS value, {status} AS status, {count} AS count "
        f"FROM {src.read_csv_sql()}"
    )


def check_staged(
    duck: duckdb.DuckDBPyConnection, relation: str, params: Sequence[object] = (), *, duplicates: bool = True
) -> int:
    """Check a typed relation against the catalogue; return its row count or raise StagingRejected.

    With `duplicates=False` the (costly) duplicate-key check is left to the caller, e.g. to the
    primary key PostgreSQL builds; a file with other faults still gets the full message.
    """
    p = list(params)
    unknown_kpi = duck.execute(
        f"SELECT count(*) FROM (SELECT DISTINCT kpi FROM {relation}) d "
        "WHERE NOT EXISTS (SELECT 1 FROM kpi k WHERE k.id = d.kpi)",
        p,
    ).fetchone()
    unknown_area = duck.execute(
        f"SELECT count(*) FROM (SELECT DISTINCT area FROM {relation}) d "
        "WHERE NOT EXISTS (SELECT 1 FROM area a WHERE a.id = d.area)",
        p,
    ).fetchone()
    if duplicates:
        total, distinct = duck.execute(
            f"SELECT count(*), count(DISTINCT hash(kpi, area, period, gender)) FROM {relation}", p
        ).fetchone() or (0, 0)
    else:
        total = distinct = (duck.execute(f"SELECT count(*) FROM {relation}", p).fetchone() or (0,))[0]
    faults = []
    if unknown_kpi and unknown_kpi[0]:
        faults.append(f"{unknown_kpi[0]} unknown KPI ids")
    if unknown_area and unknown_area[0]:
        faults.append(f"{unknown_area[0]} unknown area ids")
    if total != distinct:
        faults.append("duplicate keys")
    if total == 0:
        faults.append("no data rows")
    if faults:
        if not duplicates:
            return check_staged(duck, relation, params)  # raises, with the duplicate check too
        raise StagingRejected(", ".join(faults))
    return int(total)


@dataclass
class MergeCounts:
    rows: int = 0
    new: int = 0
    changed: int = 0

    @property
    def unchanged(self) -> int:
        return self.rows - self.new - self.changed


_CHANGED = (
    "(o.value IS DISTINCT FROM s.value OR o.status IS DISTINCT FROM s.status "
    "OR o.count IS DISTINCT FROM s.count)"
)
_JOIN = "o.kpi = s.kpi AND o.area = s.area AND o.period = s.period AND o.gender = s.gender"


def merge_staged(db: Backend, *, source: str, batch_id: int, now: datetime, rows: int) -> MergeCounts:
    """Merge the table `staged` into `observation` inside the caller's transaction."""
    changed = db.execute(
        "INSERT INTO observation_revision (kpi, area, period, gender, value, status, count, source, "
        "batch_id, imported_at, replaced_at, replaced_by) "
        "SELECT o.kpi, o.area, o.period, o.gender, o.value, o.status, o.count, o.source, o.batch_id, "
        f"o.imported_at, ?, ? FROM observation o JOIN staged s ON {_JOIN} WHERE {_CHANGED}",
        [now, batch_id],
    )
    if changed:
        db.execute(
            "UPDATE observation AS o SET value = s.value, status = s.status, count = s.count, "
            f"source = ?, batch_id = ?, imported_at = ? FROM staged s WHERE {_JOIN} AND {_CHANGED}",
            [source, batch_id, now],
        )
    new = db.execute(
        "INSERT INTO observation (kpi, area, period, gender, value, status, count, source, batch_id, "
        "imported_at) SELECT s.kpi, s.area, s.period, s.gender, s.value, s.status, s.count, ?, ?, ? "
        "FROM staged s WHERE NOT EXISTS (SELECT 1 FROM observation o WHERE " + _JOIN + ")",
        [source, batch_id, now],
    )
    return MergeCounts(rows=rows, new=new, changed=changed)


OnProgress = Callable[[float], None] | None


@contextmanager
def watch(con: duckdb.DuckDBPyConnection, on_progress: OnProgress) -> Iterator[None]:
    """Report the percentage of the DuckDB statement that runs inside the block (polled, 4/s)."""
    if on_progress is None:
        yield
        return
    report = on_progress
    con.execute("SET enable_progress_bar = true")
    con.execute("SET enable_progress_bar_print = false")
    stop = threading.Event()

    def poll() -> None:
        while not stop.wait(0.25):
            try:
                percent = con.query_progress()
            except duckdb.Error:
                continue
            if percent >= 0:
                report(min(float(percent), 100.0))

    thread = threading.Thread(target=poll, name="jamfor-import-progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _store_is_empty(db: Backend) -> bool:
    return not db.query("SELECT 1 FROM observation LIMIT 1")


def load_duckdb(
    db: DuckDBBackend,
    src: CsvSource,
    *,
    source: str,
    batch_id: int,
    now: datetime,
    on_progress: OnProgress = None,
) -> MergeCounts:
    """Stage and merge in the store's own DuckDB connection (inside the caller's transaction)."""
    con = db.con
    select = typed_select(src)
    try:
        if _store_is_empty(db):
            # Initial load: write straight into the table and check what arrived; the
            # transaction rolls it all back if a check fails.
            with watch(con, on_progress):
                con.execute(
                    "INSERT INTO observation (kpi, area, period, gender, value, status, count, source, "
                    f"batch_id, imported_at) SELECT *, ?, ?, ? FROM ({select})",
                    [source, batch_id, now],
                )
            rows = check_staged(con, "observation WHERE batch_id = ?", [batch_id])
            return MergeCounts(rows=rows, new=rows, changed=0)
        con.execute("DROP TABLE IF EXISTS staged")
        with watch(con, on_progress):
            con.execute(f"CREATE TEMP TABLE staged AS {select}")
        rows = check_staged(con, "staged")
        try:
            return merge_staged(db, source=source, batch_id=batch_id, now=now, rows=rows)
        finally:
            con.execute("DROP TABLE IF EXISTS staged")
    except duckdb.Error as exc:
        raise StagingRejected(str(exc).splitlines()[0]) from exc


KEY_ORDER = "ORDER BY kpi, area, period, gender"
# Server memory for building the observation key after a bulk load: the 7.4M-row dump needs
# about 600 MB to sort in memory; with less the sort spills to disk and takes 1.5 × as long.
KEY_BUILD_MEMORY = "1GB"


def _sent_columns(src: CsvSource) -> list[str]:
    """The staged columns worth sending: a column the file lacks is NULL, the table's default."""
    return [c for c in CANONICAL if c in KEY or c in src.columns]


CHUNK_ROWS = 500_000


def _kpi_ranges(duck: duckdb.DuckDBPyConnection, chunk_rows: int) -> list[tuple[str, str]]:
    """Consecutive KPI ranges of `staged` holding about `chunk_rows` rows each, in key order.

    The first range is smaller, so that the server gets its first rows sooner.
    """
    counts = duck.execute("SELECT kpi, count(*) FROM staged GROUP BY kpi ORDER BY kpi").fetchall()
    ranges: list[tuple[str, str]] = []
    first, rows = None, 0
    for kpi, n in counts:
        first = kpi if first is None else first
        rows += n
        if rows >= (chunk_rows if ranges else chunk_rows // 10):
            ranges.append((first, kpi))
            first, rows = None, 0
    if first is not None:
        ranges.append((first, counts[-1][0]))
    return ranges


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# PostgreSQL's text COPY format: tab-separated, \N for NULL, backslash escapes. The server
# parses it about 9 % faster than CSV.
_SPECIAL = r"[\\\t\n\r]"  # what text COPY format must escape in a value (a regular expression)


def _text_field(column: str) -> str:
    """A VARCHAR column escaped for PostgreSQL's text COPY format."""
    escaped = f"replace({column}, '\\', '\\\\')"
    for char, code in (("t", 9), ("n", 10), ("r", 13)):
        escaped = f"replace({escaped}, chr({code}), '\\{char}')"
    return escaped


def _copy_staged(
    db: PostgresBackend, duck: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str]
) -> int:
    """COPY DuckDB's checked `staged` rows in key order into a PostgreSQL table, streamed.

    Returns the number of rows the server copied. The rows go in KPI ranges of about
    CHUNK_ROWS, each sorted on its own: the server starts on the first range after a short
    sort instead of waiting for the whole table's (0.6 s for the full dump), and DuckDB sorts
    the next ranges while the server loads. Text values are escaped only where they need it:
    escaping every id costs DuckDB 60 % more, and the ids are the catalogue's (check_staged
    has made sure of that), which have no tabs or backslashes.
    """
    special = duck.execute(
        f"SELECT count(*) FROM (SELECT id FROM kpi UNION ALL SELECT id FROM area) "
        f"WHERE regexp_matches(id, '{_SPECIAL}')"
    ).fetchone()
    escape = {"status"} | ({"kpi", "area"} if special and special[0] else set())
    picks = ", ".join(_text_field(c) if c in escape else c for c in columns)
    ranges = [
        f"WHERE kpi BETWEEN {_quote(low)} AND {_quote(high)}" for low, high in _kpi_ranges(duck, CHUNK_ROWS)
    ]
    cancelled = threading.Event()

    def produce(path: Path, is_pipe: bool) -> None:
        target = _quote(str(path))
        for where in ranges if is_pipe else [""]:  # a plain file takes one COPY only
            if cancelled.is_set():  # the server's COPY failed: stop between ranges too
                raise InterruptedError("the COPY into PostgreSQL failed")
            duck.execute(
                f"COPY (SELECT {picks} FROM staged {where} {KEY_ORDER}) TO {target} "
                "(FORMAT csv, DELIMITER '\t', QUOTE '', NULLSTR '\\N', HEADER false, USE_TMP_FILE false)"
            )

    def cancel() -> None:
        cancelled.set()
        duck.interrupt()

    # One DuckDB thread keeps up with the server (which uses one core) and leaves it the other.
    duck.execute("SET threads = 1")
    try:
        return db.copy_produced(table, columns, produce, cancel=cancel)
    finally:
        duck.execute("RESET threads")


def _lock_if_empty(db: PostgresBackend) -> bool:
    """Lock `observation` against everyone (until commit) if it is empty and we may alter it.

    False (and no lock) otherwise: a role that does not own the table takes the merge path.
    """
    if not _store_is_empty(db):
        return False
    owner = db.query(
        "SELECT pg_has_role(relowner, 'USAGE') FROM pg_class WHERE oid = 'observation'::regclass"
    )
    if not (owner and owner[0][0]):
        return False
    db.execute("LOCK TABLE observation IN ACCESS EXCLUSIVE MODE")
    # Another import may have filled it while we waited for the lock.
    return _store_is_empty(db)


def _bulk_begin(db: PostgresBackend, *, source: str, batch_id: int, now: datetime) -> str:
    """Drop the key of the empty, locked `observation` and give the batch's constants as defaults.

    Returns the key's name for `_bulk_end`. This is DDL in the caller's transaction: a failure
    anywhere restores the table, key and defaults as they were.
    """
    found = db.query(
        "SELECT conname FROM pg_constraint WHERE conrelid = 'observation'::regclass AND contype = 'p'"
    )
    if not found:
        raise RuntimeError("the observation table has no primary key")
    pkey = '"' + str(found[0][0]).replace('"', '""') + '"'
    lit = db.literal
    db.execute(
        f"ALTER TABLE observation DROP CONSTRAINT {pkey}, "
        f"ALTER COLUMN source SET DEFAULT {lit(source)}, "
        f"ALTER COLUMN batch_id SET DEFAULT {lit(batch_id)}, "
        f"ALTER COLUMN imported_at SET DEFAULT {lit(now)}"
    )
    return pkey


def _bulk_end(db: PostgresBackend, duck: duckdb.DuckDBPyConnection, pkey: str) -> None:
    """Drop the defaults and build the key again; a duplicate key fails it as a rejected file."""
    db.execute(f"SET LOCAL maintenance_work_mem = '{KEY_BUILD_MEMORY}'")
    try:
        db.execute(
            f"ALTER TABLE observation ADD CONSTRAINT {pkey} PRIMARY KEY (kpi, area, period, gender), "
            "ALTER COLUMN source DROP DEFAULT, ALTER COLUMN batch_id DROP DEFAULT, "
            "ALTER COLUMN imported_at DROP DEFAULT"
        )
    except Exception as exc:
        if db.is_unique_violation(exc):
            check_staged(duck, "staged")  # raises StagingRejected("duplicate keys")
        raise


def _bulk_load_postgres(
    db: PostgresBackend,
    duck: duckdb.DuckDBPyConnection,
    *,
    rows: int,
    columns: Sequence[str],
    source: str,
    batch_id: int,
    now: datetime,
) -> MergeCounts:
    """First import into an empty, locked `observation`: COPY without the key, then build it.

    Keeping the primary key up to date row by row costs the server twice as much as COPYing
    into the bare table and building the key from the sorted rows afterwards. The constants
    `source`, `batch_id` and `imported_at` are column defaults during the COPY, so only the
    file's columns are sent and parsed (the three constants, a timestamp among them, were a
    third of the server's COPY time).
    Duplicate keys are left to the primary key: if it cannot be built, DuckDB's check names
    the fault as for any other file.
    """
    pkey = _bulk_begin(db, source=source, batch_id=batch_id, now=now)
    copied = _copy_staged(db, duck, "observation", columns)
    if copied != rows:  # pragma: no cover - a broken hand-over would show here
        raise RuntimeError(f"PostgreSQL copied {copied:,} rows of {rows:,}")
    _bulk_end(db, duck, pkey)
    return MergeCounts(rows=rows, new=rows, changed=0)


def load_postgres(
    db: PostgresBackend,
    src: CsvSource,
    *,
    source: str,
    batch_id: int,
    now: datetime,
    on_progress: OnProgress = None,
) -> MergeCounts:
    """Parse and check in a private DuckDB, then COPY into PostgreSQL (inside the caller's transaction).

    DuckDB's CSV export streams into the server's COPY through a pipe, so the two run side
    by side on two cores and no temporary file is written.
    """
    duck = duckdb.connect()
    try:
        duck.execute("SET memory_limit = '1200MB'")
        for table in ("kpi", "area"):
            ids = [r[0] for r in db.query(f"SELECT id FROM {table}")]
            duck.execute(f"CREATE TABLE {table} AS SELECT unnest(?::VARCHAR[]) AS id", [ids])
        try:
            with watch(duck, on_progress):
                duck.execute(f"CREATE TABLE staged AS {typed_select(src)}")
            rows = check_staged(duck, "staged", duplicates=False)
        except duckdb.Error as exc:
            raise StagingRejected(str(exc).splitlines()[0]) from exc
        if _lock_if_empty(db):
            return _bulk_load_postgres(
                db, duck, rows=rows, columns=_sent_columns(src), source=source, batch_id=batch_id, now=now
            )
        try:
            check_staged(duck, "staged")
        except duckdb.Error as exc:
            raise StagingRejected(str(exc).splitlines()[0]) from exc
        db.execute(
            'CREATE TEMP TABLE staged (kpi TEXT COLLATE "C", area TEXT COLLATE "C", period SMALLINT, '
            'gender "char", value DOUBLE PRECISION, status TEXT, count INTEGER) ON COMMIT DROP'
        )
        # Key order makes PostgreSQL's primary-key inserts of new rows append to the index.
        _copy_staged(db, duck, "staged", _sent_columns(src))
        duck.execute("DROP TABLE staged")
        db.execute("ANALYZE staged")
        return merge_staged(db, source=source, batch_id=batch_id, now=now, rows=rows)
    finally:
        duck.close()


def load(
    db: Backend,
    src: CsvSource,
    *,
    source: str,
    batch_id: int,
    now: datetime,
    on_progress: OnProgress = None,
) -> MergeCounts:
    """Stage, check and merge a CSV; `on_progress` gets the parse-and-check percentage."""
    if isinstance(db, DuckDBBackend):
        return load_duckdb(db, src, source=source, batch_id=batch_id, now=now, on_progress=on_progress)
    assert isinstance(db, PostgresBackend)
    return load_postgres(db, src, source=source, batch_id=batch_id, now=now, on_progress=on_progress)
