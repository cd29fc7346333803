"""Benchmark: import the full Kolada dump into DuckDB and PostgreSQL.

Measures, in one run and interleaved so that load on the shared machine hits all alike:

* raw      - DuckDB's own `CREATE TABLE raw AS SELECT * FROM read_csv(<file>)` (the baseline);
* duckdb   - `import_file` into a fresh DuckDB store (parsing, validation and merge included);
* postgres - `import_file` into a fresh PostgreSQL schema.

Every measurement runs in a fresh child process (`python bench/import.py --worker ...`), so
its peak RSS (`ru_maxrss`) belongs to that measurement alone. In an import child the schema
and the reference data are set up first and timed separately; the import timer covers the
`import_file` call only. Once per backend a second child re-imports the same file into the
already filled store, which must report new=0 changed=0.

The machine is small and shared, so before each measurement the script waits (up to
--settle seconds) for other processes to go quiet, and it reports how much CPU other
processes used while each measurement ran.

Targets (issue): DuckDB import <= 2.0 x raw, peak RSS <= 2 GiB; PostgreSQL import <= 5 x raw.

    .venv/bin/python bench/import.py                  # full dump, --repeat 3, updates docs/benchmarks.md
    .venv/bin/python bench/import.py --profile        # ... plus a stage-by-stage profile of both imports
    .venv/bin/python bench/import.py --quick --no-write
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import os
import platform
import re
import resource
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data" / "kolada"
FULL_FILE = DATA / "kolada_values_2024-08_long.csv.gz"
QUICK_FILE = DATA / "kolada_values_2024-08_kkik2013_subset_2015-2022.csv"
FULL_ROWS = 7_387_543
DOC = REPO / "docs" / "benchmarks.md"
SECTION = ("<!-- bench:import:start -->", "<!-- bench:import:end -->")
PROFILE_SECTION = ("<!-- bench:import-profile:start -->", "<!-- bench:import-profile:end -->")
DEFAULT_PG = os.environ.get("JAMFOR_TEST_POSTGRES", "postgresql://127.0.0.1:5432/test")
RESULT_TAG = "BENCH-RESULT "
CHILD_TIMEOUT = 3600
CLK_TCK = os.sysconf("SC_CLK_TCK")
QUIET_CORES = 0.25  # other processes' load below which the machine counts as quiet

TARGET_DUCK_RATIO = 2.0
TARGET_PG_RATIO = 5.0
TARGET_RSS_KIB = 2 * 1024 * 1024
BACKENDS = ("duckdb", "postgres")

# -- CPU accounting (Linux /proc) -------------------------------------------------------------------


def _maxrss_kib() -> int:
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # KiB on Linux


def _cpu_seconds(who: int = resource.RUSAGE_SELF) -> float:
    ru = resource.getrusage(who)
    return float(ru.ru_utime + ru.ru_stime)


def proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far; 0 if it is gone or unreadable."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def machine_busy() -> float:
    """CPU seconds all processes on the machine have used since boot (all cores)."""
    try:
        first = Path("/proc/stat").read_text().splitlines()[0].split()
    except OSError:
        return 0.0
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in first[1:9])
    return (user + nice + system + irq + softirq + steal) / CLK_TCK


def postgres_cpu() -> dict[int, float]:
    """CPU seconds of every running PostgreSQL server process, by pid."""
    out: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                comm = (entry / "comm").read_text().strip()
            except OSError:
                continue
            if comm == "postgres":
                out[int(entry.name)] = proc_cpu(int(entry.name))
    return out


def wait_quiet(max_wait: float) -> float:
    """Wait until other processes use less than QUIET_CORES (1 s samples); return the last load."""
    deadline = time.monotonic() + max_wait
    load = 0.0
    while True:
        b0, t0 = machine_busy(), time.monotonic()
        time.sleep(1.0)
        load = (machine_busy() - b0) / (time.monotonic() - t0)
        if load < QUIET_CORES or time.monotonic() >= deadline:
            return load


class BackendCpu:
    """CPU of the PostgreSQL backend serving a connection (same machine), else nothing.

    A parallel index build runs part of the work in short-lived worker processes; a thread
    samples their CPU every 0.1 s while they live, so the figure includes them (less at most
    the last 0.1 s of each). Call close() when done.
    """

    def __init__(self, store: Any) -> None:
        con = getattr(store.db, "con", None)
        info = getattr(con, "info", None)
        self.pid: int | None = getattr(info, "backend_pid", None) if store.dialect == "postgres" else None
        self.workers: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if self.pid:
            self._thread = threading.Thread(target=self._sample, name="bench-pg-workers", daemon=True)
            self._thread.start()

    def _sample(self) -> None:
        tag = f"parallel worker for PID {self.pid}".encode()
        other: set[int] = set()
        while not self._stop.wait(0.1):
            for name in os.listdir("/proc"):
                if not name.isdigit() or int(name) in other:
                    continue
                pid = int(name)
                try:
                    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                except OSError:
                    continue
                if tag not in cmdline:
                    if pid not in self.workers:
                        other.add(pid)
                    continue
                cpu = proc_cpu(pid)
                if cpu:
                    self.workers[pid] = cpu

    def __call__(self) -> float:
        return proc_cpu(self.pid) + sum(self.workers.values()) if self.pid else 0.0

    def close(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()


# -- child side: measurements --------------------------------------------------------------------


def worker_raw(spec: dict[str, Any]) -> dict[str, Any]:
    import duckdb

    path = str(spec["file"]).replace("'", "''")
    con = duckdb.connect(str(spec["db"]))
    try:
        cpu0 = _cpu_seconds()
        t0 = time.perf_counter()
        con.execute(f"CREATE TABLE raw AS SELECT * FROM read_csv('{path}')")
        seconds = time.perf_counter() - t0
        cpu = _cpu_seconds() - cpu0
        row = con.execute("SELECT count(*) FROM raw").fetchone()
        rows = int(row[0]) if row else 0
    finally:
        t1 = time.perf_counter()
        con.close()
        close = time.perf_counter() - t1
    return {
        "seconds": seconds,
        "cpu": cpu,
        "server_cpu": 0.0,
        "server_cpu_total": 0.0,
        "close_seconds": close,
        "rss_kib": _maxrss_kib(),
        "rows": rows,
    }


def _import_jamfor() -> None:
    src = str(REPO / "src")
    if src not in sys.path:
        sys.path.insert(0, src)  # harmless when jamfor is installed in the venv


def worker_import(spec: dict[str, Any]) -> dict[str, Any]:
    _import_jamfor()
    from jamfor.sources.files import import_file
    from jamfor.sources.reference import load_reference
    from jamfor.store import Store

    t0 = time.perf_counter()
    store = Store.open(spec["url"])
    server = BackendCpu(store)
    try:
        store.migrate()
        if not spec["reimport"]:
            load_reference(store)
        setup = time.perf_counter() - t0
        rss_setup = _maxrss_kib()
        cpu0, scpu0 = _cpu_seconds(), server()
        t1 = time.perf_counter()
        summary = import_file(store, Path(spec["file"]), source="Kolada")
        seconds = time.perf_counter() - t1
        cpu, scpu = _cpu_seconds() - cpu0, server() - scpu0
        rss = _maxrss_kib()
        stats = store.stats()
        scpu_total = server()
    finally:
        server.close()
        t2 = time.perf_counter()
        store.close()
        close = time.perf_counter() - t2
    return {
        "seconds": seconds,
        "cpu": cpu,
        "server_cpu": scpu,
        "server_cpu_total": scpu_total,
        "close_seconds": close,
        "setup_seconds": setup,
        "rss_setup_kib": rss_setup,
        "rss_kib": rss,
        "rows": summary.rows,
        "new": summary.new,
        "changed": summary.changed,
        "unchanged": summary.unchanged,
        "observations": stats.observations,
        "revisions": stats.revisions,
    }


# -- child side: stage profile -------------------------------------------------------------------
#
# Re-enacts the steps of jamfor.store.ingest for a first import into an empty store, timing
# each one. It calls the same building blocks (typed_select, check_staged, and for PostgreSQL
# _bulk_begin, _copy_staged, _bulk_end) but spells out their order, so it must follow
# ingest.py when that changes.


class Stages:
    def __init__(self, server: Callable[[], float]) -> None:
        self.server = server
        self.rows: list[dict[str, Any]] = []

    def __call__(self, name: str, fn: Callable[[], Any], note: Callable[[Any], str] | None = None) -> Any:
        c0, s0, t0 = _cpu_seconds(), self.server(), time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - t0
        row = {
            "stage": name,
            "seconds": seconds,
            "cpu": _cpu_seconds() - c0,
            "server_cpu": self.server() - s0,
            "note": note(result) if note else "",
        }
        self.rows.append(row)
        return result


def _plain_select(columns: Sequence[str], read_csv: str) -> str:
    """The file's columns with plain casts and no per-cell checks (for comparison)."""
    casts = {
        "period": "CAST(period AS INTEGER)",
        "value": "CAST(value AS DOUBLE)",
        "count": "CAST(count AS INTEGER)",
    }
    picks = [
        casts.get(c, c) if c in columns else "NULL" for c in ("kpi", "area", "period", "gender", "value")
    ]
    return f"SELECT {', '.join(picks)} FROM {read_csv}"


def profile_duckdb(spec: dict[str, Any]) -> list[dict[str, Any]]:
    _import_jamfor()
    import duckdb

    from jamfor.sources.files import _csv_layout, sha256_of
    from jamfor.sources.reference import load_reference
    from jamfor.store import Store, ingest

    path = Path(spec["file"])
    store = Store.open(spec["url"])
    stages = Stages(lambda: 0.0)
    try:
        store.migrate()
        load_reference(store)
        con = store.db.con  # type: ignore[attr-defined]
        _, delim, cols = stages(
            "read the header, sha256 of the file", lambda: (_csv_layout(path), sha256_of(path))[0]
        )
        src = ingest.CsvSource(path, delim, tuple(cols))
        con.execute("BEGIN TRANSACTION")
        stages(
            "INSERT INTO observation SELECT typed_select(read_csv(…)) (parse + per-cell checks)",
            lambda: con.execute(
                "INSERT INTO observation (kpi, area, period, gender, value, status, count, source, batch_id, "
                f"imported_at) SELECT *, 'Kolada', 1, now()::TIMESTAMP FROM ({ingest.typed_select(src)})"
            ),
        )
        stages(
            "check_staged: unknown KPI/area ids, duplicate keys",
            lambda: ingest.check_staged(con, "observation WHERE batch_id = ?", [1]),
            lambda n: f"{n:,} rows",
        )
        stages("COMMIT", lambda: con.execute("COMMIT"))
        stages("close (checkpoint; not part of the timed import)", store.close)
        tmp = Path(spec["url"]).with_name("plain.duckdb")
        other = duckdb.connect(str(tmp))
        try:
            other.execute("SET memory_limit = '1200MB'")
            stages(
                "comparison: the same read_csv with plain CASTs, no checks (CREATE TABLE AS)",
                lambda: other.execute(f"CREATE TABLE x AS {_plain_select(cols, src.read_csv_sql())}"),
            )
            stages(
                "comparison: typed_select with the same options (CREATE TABLE AS)",
                lambda: other.execute(f"CREATE TABLE y AS {ingest.typed_select(src)}"),
            )
        finally:
            other.close()
            for p in (tmp, tmp.with_name(tmp.name + ".wal")):
                p.unlink(missing_ok=True)
    finally:
        with contextlib.suppress(Exception):
            store.close()
    return stages.rows


def profile_postgres(spec: dict[str, Any]) -> list[dict[str, Any]]:
    _import_jamfor()
    from datetime import datetime

    import duckdb

    from jamfor.sources.files import _csv_layout, sha256_of
    from jamfor.sources.reference import load_reference
    from jamfor.store import Store, ingest

    path = Path(spec["file"])
    store = Store.open(spec["url"])
    db: Any = store.db
    server = BackendCpu(store)
    stages = Stages(server)
    key = "kpi, area, period, gender"

    def wal_mark() -> tuple[str, int]:
        row = db.query("SELECT pg_current_wal_lsn()::text, (SELECT checkpoints_req FROM pg_stat_bgwriter)")[0]
        return str(row[0]), int(row[1])

    def wal_note(before: tuple[str, int]) -> str:
        lsn, ckpt = wal_mark()
        wal = float(db.query("SELECT pg_wal_lsn_diff(?::pg_lsn, ?::pg_lsn)", [lsn, before[0]])[0][0])
        return f"WAL {wal / 1e6:,.0f} MB, {ckpt - before[1]} forced checkpoints"

    def size(p: Path) -> Callable[[Any], str]:
        return lambda _: f"{p.stat().st_size / 1e6:,.0f} MB"

    def scratch(name: str, kpi: str = "", period: str = "", gender: str = "") -> None:
        """A bare copy of observation (no key) with the batch constants as defaults.

        Key column types are jamfor's unless given (kpi also sets area's type).
        """
        db.execute(f"CREATE TABLE {name} (LIKE observation INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
        alter = [
            "ALTER COLUMN source SET DEFAULT 'Kolada'",
            "ALTER COLUMN batch_id SET DEFAULT 1",
            f"ALTER COLUMN imported_at SET DEFAULT {db.literal(now)}",
        ]
        if period:
            alter.append(f"ALTER COLUMN period TYPE {period}")
        if kpi:
            alter += [f"ALTER COLUMN kpi TYPE {kpi} USING NULL", f"ALTER COLUMN area TYPE {kpi} USING NULL"]
        if gender:
            alter += [
                "DROP CONSTRAINT observation_gender_check",
                f"ALTER COLUMN gender TYPE {gender}",
                "ADD CHECK (gender IN ('T', 'K', 'M'))",
            ]
        db.execute(f"ALTER TABLE {name} " + ", ".join(alter))

    def copy_file(table: str, path: Path, fmt: str) -> None:
        sql = f"COPY {table} ({', '.join(sent)}) FROM STDIN (FORMAT {fmt})"
        with db.con.cursor() as cur, cur.copy(sql) as copy, path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                copy.write(chunk)

    def load_and_key(label: str, table: str, path: Path, fmt: str) -> list[dict[str, Any]]:
        """COPY a file into a scratch table and build the key; the two stage rows."""
        with db.transaction():
            mark = wal_mark()
            stages(
                f"alternative: {label}: COPY into a table without key",
                lambda: copy_file(table, path, fmt),
                lambda _: wal_note(mark),
            )
            db.execute(f"SET LOCAL maintenance_work_mem = '{ingest.KEY_BUILD_MEMORY}'")
            mark = wal_mark()
            stages(
                "alternative: … then ADD PRIMARY KEY",
                lambda: db.execute(f"ALTER TABLE {table} ADD PRIMARY KEY ({key})"),
                lambda _: wal_note(mark),
            )
        rows = stages.rows[-2:]
        del stages.rows[-2:]
        return rows

    def best_of(runs: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
        """Per stage, the fastest of interleaved runs, with every run's time in the note."""
        out = []
        for same in zip(*runs, strict=True):
            best = dict(min(same, key=lambda r: r["seconds"]))
            times = ", ".join(f"{r['seconds']:.2f}" for r in same)
            best["note"] = f"best of {times} s; {best['note']}"
            out.append(best)
        return out

    duck = duckdb.connect()
    try:
        store.migrate()
        load_reference(store)
        duck.execute("SET memory_limit = '1200MB'")
        workers = db.query("SHOW max_parallel_maintenance_workers")[0][0]
        _, delim, cols = stages(
            "read the header, sha256 of the file", lambda: (_csv_layout(path), sha256_of(path))[0]
        )
        src = ingest.CsvSource(path, delim, tuple(cols))
        sent = ingest._sent_columns(src)
        now = datetime.now()
        with tempfile.TemporaryDirectory(prefix="jamfor-bench-") as tmp:
            with db.transaction():
                for table in ("kpi", "area"):
                    ids = [r[0] for r in db.query(f"SELECT id FROM {table}")]
                    duck.execute(f"CREATE TABLE {table} AS SELECT unnest(?::VARCHAR[]) AS id", [ids])
                stages(
                    "DuckDB: CREATE TABLE staged AS typed_select(read_csv(…)) (in memory)",
                    lambda: duck.execute(f"CREATE TABLE staged AS {ingest.typed_select(src)}"),
                )
                stages(
                    "DuckDB: check_staged without the duplicate check (unknown ids, row count)",
                    lambda: ingest.check_staged(duck, "staged", duplicates=False),
                    lambda n: f"{n:,} rows",
                )
                pkey = stages(
                    "PostgreSQL: LOCK observation, drop its key, batch constants as column defaults",
                    lambda: (
                        ingest._lock_if_empty(db),
                        ingest._bulk_begin(db, source="Kolada", batch_id=1, now=now),
                    )[1],
                )
                mark = wal_mark()
                stages(
                    f"streamed: DuckDB sorts and writes the rows ({len(sent)} columns, text format, by KPI ranges) "
                    "into a pipe, PostgreSQL COPYs them into observation (no key)",
                    lambda: ingest._copy_staged(db, duck, "observation", sent),
                    lambda _: wal_note(mark),
                )
                mark = wal_mark()
                stages(
                    f"PostgreSQL: ADD PRIMARY KEY (maintenance_work_mem {ingest.KEY_BUILD_MEMORY}, "
                    f"max_parallel_maintenance_workers {workers}), drop the defaults",
                    lambda: ingest._bulk_end(db, duck, pkey),
                    lambda _: wal_note(mark),
                )
                commit_start = time.perf_counter()
            stages.rows.append(
                {
                    "stage": "COMMIT",
                    "seconds": time.perf_counter() - commit_start,
                    "cpu": 0.0,
                    "server_cpu": 0.0,
                    "note": "",
                }
            )
            # Alternatives and parts, each on scratch tables.
            stages(
                "alternative: DuckDB's duplicate-key check (now left to the primary key)",
                lambda: duck.execute(f"SELECT count(*), count(DISTINCT hash({key})) FROM staged").fetchall(),
            )
            stages(
                "alternative: the producer alone: the same sorted rows by KPI ranges into /dev/null",
                lambda: ingest._copy_staged(_FileSink(Path(os.devnull)), duck, "x", sent),  # type: ignore[arg-type]
            )
            text = "FORMAT csv, DELIMITER '\t', QUOTE '', NULLSTR '\\N', HEADER false"  # as ingest
            whole = Path(tmp) / "whole.txt"
            select = f"SELECT {', '.join(sent)} FROM staged ORDER BY {key}"
            stages(
                "alternative: one ORDER BY over all rows into a file (the export waited for it before)",
                lambda: duck.execute(f"COPY ({select}) TO '{whole}' ({text})"),
                size(whole),
            )
            whole_csv = Path(tmp) / "whole.csv"
            duck.execute(f"COPY ({select}) TO '{whole_csv}' (FORMAT csv, HEADER false)")
            # Integer surrogate keys: ids numbered in their text order, so the row order is the same.
            ints = Path(tmp) / "ints.txt"
            rest = ", ".join(f"s.{c}" for c in sent[4:])
            duck.execute(
                "COPY (SELECT k.n, a.n, s.period, s.gender"
                + (f", {rest}" if rest else "")
                + " FROM staged s "
                "JOIN (SELECT id, row_number() OVER (ORDER BY id) AS n FROM kpi) k ON k.id = s.kpi "
                "JOIN (SELECT id, row_number() OVER (ORDER BY id) AS n FROM area) a ON a.id = s.area "
                f"ORDER BY k.n, a.n, s.period, s.gender) TO '{ints}' ({text})"
            )
            # Key types compared on the server alone, from files. The machine's speed drifts by
            # 10-20 % within a minute, so the variants take turns and each keeps its best run.
            variants: list[tuple[str, dict[str, str], Path, str]] = [
                (
                    'the server alone, that file (text format, gender "char", period SMALLINT: as jamfor)',
                    {},
                    whole,
                    "text",
                ),
                ("CSV format instead (before)", {}, whole_csv, "csv"),
                ("period INTEGER instead (before migration 6)", {"period": "INTEGER"}, whole, "text"),
                (
                    "gender TEXT and period INTEGER instead (before migration 6)",
                    {"gender": 'TEXT COLLATE "C"', "period": "INTEGER"},
                    whole,
                    "text",
                ),
                (
                    "integer surrogate keys: kpi and area SMALLINT ids (a schema change not made)",
                    {"kpi": "SMALLINT"},
                    ints,
                    "text",
                ),
            ]
            runs: dict[str, list[list[dict[str, Any]]]] = {label: [] for label, *_ in variants}
            for _ in range(2):
                for label, types, path, fmt in variants:
                    scratch("bench_variant", **types)
                    runs[label].append(load_and_key(label, "bench_variant", path, fmt))
                    db.execute("DROP TABLE bench_variant")
            for label, *_ in variants:
                stages.rows += best_of(runs[label])
    finally:
        duck.close()
        server.close()
        store.close()
    return stages.rows


class _FileSink:
    """Stands in for PostgresBackend in `_copy_staged`: the producer writes to /dev/null."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def copy_produced(
        self, table: str, columns: Sequence[str], produce: Callable[[Path, bool], None], **_: Any
    ) -> int:
        produce(self.path, True)
        return 0


def run_worker(argument: str) -> int:
    spec = json.loads(argument)
    kind = spec["kind"]
    result: Any
    if kind == "raw":
        result = worker_raw(spec)
    elif kind == "import":
        result = worker_import(spec)
    elif kind == "profile":
        stages = (profile_duckdb if spec["backend"] == "duckdb" else profile_postgres)(spec)
        result = {"stages": stages, "rss_kib": _maxrss_kib()}
    else:
        raise SystemExit(f"unknown worker kind {kind}")
    sys.stdout.write(RESULT_TAG + json.dumps(result) + "\n")
    return 0


# -- parent side --------------------------------------------------------------------------------


class BenchError(RuntimeError):
    pass


def run_child(cmd: list[str]) -> subprocess.CompletedProcess[str]:
    """Run a worker; if we are interrupted, interrupt it too so that it can clean up after itself.

    SIGINT (not SIGKILL) lets the child's `finally` blocks run: jamfor's temporary directories,
    an open transaction. Only a child that does not stop within 30 s is killed.
    """
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    try:
        out, err = proc.communicate(timeout=CHILD_TIMEOUT)
    except BaseException:
        proc.send_signal(signal.SIGINT)
        try:
            proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
        raise
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def spawn(spec: dict[str, Any], settle: float = 0.0) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter; add how busy the rest of the machine was."""
    quiet = wait_quiet(settle) if settle > 0 else None
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(spec)]
    busy0, kids0, pg0, t0 = (
        machine_busy(),
        _cpu_seconds(resource.RUSAGE_CHILDREN),
        postgres_cpu(),
        time.monotonic(),
    )
    proc = run_child(cmd)
    wall = time.monotonic() - t0
    busy, kids, pg1 = machine_busy() - busy0, _cpu_seconds(resource.RUSAGE_CHILDREN) - kids0, postgres_cpu()
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(RESULT_TAG)]
    if proc.returncode != 0 or not lines:
        raise BenchError(
            f"worker {spec['kind']} failed (exit {proc.returncode}):\n{proc.stderr.strip()[-4000:]}"
        )
    result: dict[str, Any] = json.loads(lines[-1][len(RESULT_TAG) :])
    # Everything the machine did minus this child, its PostgreSQL backend (gone by now, so it
    # reported its own figure) and the server's long-lived processes (checkpointer, WAL writer).
    pg_aux = sum(pg1[p] - pg0[p] for p in pg1.keys() & pg0.keys())
    other = busy - kids - float(result.get("server_cpu_total", 0.0)) - pg_aux
    result["other_cores"] = max(other, 0.0) / wall if wall > 0 else 0.0
    result["quiet_before"] = quiet
    return result


def pg_conninfo(url: str) -> str:
    """The URL without our `schema=` parameter (psycopg does not know it)."""
    parts = urlsplit(url)
    rest = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "schema"]
    return urlunsplit(parts._replace(query=urlencode(rest)))


def pg_url(base: str, schema: str) -> str:
    parts = urlsplit(pg_conninfo(base))
    query = [*parse_qsl(parts.query, keep_blank_values=True), ("schema", schema)]
    return urlunsplit(parts._replace(query=urlencode(query)))


class Resources:
    """Temporary DuckDB files and PostgreSQL schemas, removed however the run ends."""

    def __init__(self, pg_base: str | None) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="jamfor-bench-"))
        self.pg_base = pg_base
        self.schemas: set[str] = set()

    def duck_file(self, label: str) -> Path:
        return self.tmp / f"{label}-{uuid.uuid4().hex[:8]}.duckdb"

    def new_schema(self) -> str:
        name = f"bench_import_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        self.schemas.add(name)
        return name

    def drop_duck(self, path: Path) -> None:
        for p in (path, path.with_name(path.name + ".wal")):
            p.unlink(missing_ok=True)

    def drop_schema(self, name: str) -> None:
        import psycopg

        assert self.pg_base is not None
        with psycopg.connect(pg_conninfo(self.pg_base), autocommit=True) as con:
            con.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        self.schemas.discard(name)

    def store(self, backend: str) -> tuple[str, Callable[[], None]]:
        """A URL for a new, empty store and the function that removes it."""
        if backend == "duckdb":
            path = self.duck_file("store")
            return str(path), lambda: self.drop_duck(path)
        assert self.pg_base is not None
        schema = self.new_schema()
        return pg_url(self.pg_base, schema), lambda: self.drop_schema(schema)

    def close(self) -> None:
        for name in sorted(self.schemas):
            try:
                self.drop_schema(name)
            except Exception as exc:
                print(f"warning: could not drop schema {name}: {exc}", file=sys.stderr)
        for p in sorted(self.tmp.glob("*")):
            with contextlib.suppress(OSError):
                p.unlink()
        with contextlib.suppress(OSError):
            self.tmp.rmdir()


@contextlib.contextmanager
def sigterm_as_exit() -> Iterator[None]:
    def handler(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


@dataclass
class Results:
    raw: list[dict[str, Any]] = field(default_factory=list)
    imports: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    reimports: dict[str, dict[str, Any]] = field(default_factory=dict)
    checks: list[tuple[str, bool]] = field(default_factory=list)
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)

    def check(self, label: str, ok: bool) -> None:
        self.checks.append((label, ok))
        if not ok:
            print(f"CHECK FAILED: {label}", file=sys.stderr)


def one_import(res: Resources, backend: str, file: Path, reimport: bool, settle: float) -> dict[str, Any]:
    """A fresh store, an import, and with `reimport` a second import into that filled store."""
    url, cleanup = res.store(backend)
    try:
        first = spawn({"kind": "import", "url": url, "file": str(file), "reimport": False}, settle)
        if reimport:
            spec = {"kind": "import", "url": url, "file": str(file), "reimport": True}
            first["reimport"] = spawn(spec, settle)
        return first
    finally:
        cleanup()


def cpu_text(r: dict[str, Any]) -> str:
    return f"{r['cpu']:.1f} + {r['server_cpu']:.1f}" if r.get("server_cpu") else f"{r['cpu']:.1f}"


def run(file: Path, repeat: int, backends: Sequence[str], res: Resources, settle: float) -> Results:
    out = Results(imports={b: [] for b in backends})
    for i in range(repeat):
        db = res.duck_file("raw")
        try:
            raw = spawn({"kind": "raw", "db": str(db), "file": str(file)}, settle)
        finally:
            res.drop_duck(db)
        out.raw.append(raw)
        tag = f"[{i + 1}/{repeat}]"
        print(
            f"{tag} raw      {raw['seconds']:7.2f} s  rss {mib(raw['rss_kib'])}  cpu {cpu_text(raw)} s  "
            f"other load {raw['other_cores']:.2f} cores",
            flush=True,
        )
        expected = FULL_ROWS if file.name == FULL_FILE.name else raw["rows"]
        if i == 0:
            out.check(f"raw: read_csv finds {expected:,} rows", raw["rows"] == expected)
        for backend in backends:
            r = one_import(res, backend, file, i == 0, settle)
            again = r.pop("reimport", None)
            out.imports[backend].append(r)
            print(
                f"{tag} {backend:<8} {r['seconds']:7.2f} s  rss {mib(r['rss_kib'])}  cpu {cpu_text(r)} s  "
                f"other load {r['other_cores']:.2f} cores  {r['seconds'] / raw['seconds']:.2f} x raw",
                flush=True,
            )
            out.check(f"{backend} run {i + 1}: rows == {expected:,}", r["rows"] == expected)
            out.check(
                f"{backend} run {i + 1}: new == rows and stats().observations == rows",
                r["new"] == r["rows"] and r["observations"] == r["rows"],
            )
            if again is not None:
                out.reimports[backend] = again
                print(
                    f"{tag} {backend:<8} re-import {again['seconds']:7.2f} s  rss {mib(again['rss_kib'])}  "
                    f"new={again['new']} changed={again['changed']} unchanged={again['unchanged']:,}",
                    flush=True,
                )
                out.check(
                    f"{backend} re-import: new == 0, changed == 0, unchanged == rows",
                    again["new"] == 0 and again["changed"] == 0 and again["unchanged"] == r["rows"],
                )
                out.check(
                    f"{backend} re-import: stats().observations unchanged, no revisions written",
                    again["observations"] == r["rows"] and again["revisions"] == 0,
                )
    return out


def run_profiles(file: Path, backends: Sequence[str], res: Resources, settle: float, out: Results) -> None:
    for backend in backends:
        url, cleanup = res.store(backend)
        try:
            print(f"profile  {backend} ...", flush=True)
            out.profiles[backend] = spawn(
                {"kind": "profile", "backend": backend, "url": url, "file": str(file)}, settle
            )
        finally:
            cleanup()
        for s in out.profiles[backend]["stages"]:
            print(
                f"  {s['seconds']:7.2f} s  cpu {s['cpu']:6.2f} + {s['server_cpu']:6.2f}  {s['stage']}  {s['note']}"
            )


# -- report ---------------------------------------------------------------------------------------


def mib(kib: float) -> str:
    return f"{kib / 1024:,.0f} MiB"


def med(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def fmt_runs(values: Sequence[float], unit: str = "s") -> str:
    return ", ".join(f"{v:.2f}" for v in values) + (f" {unit}" if unit else "")


def machine_info(pg_base: str | None, backends: Sequence[str]) -> dict[str, str]:
    import duckdb

    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = "unknown"
    with contextlib.suppress(OSError):
        m = re.search(r"MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text())
        if m:
            mem = f"{int(m.group(1)) / 1024 / 1024:.1f} GiB"
    info = {
        "cores (nproc)": str(os.cpu_count()),
        "memory": mem,
        "CPU": cpu,
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "DuckDB": duckdb.__version__,
    }
    if pg_base and "postgres" in backends:
        import psycopg

        try:
            with psycopg.connect(pg_conninfo(pg_base)) as con:
                row = con.execute("SHOW server_version").fetchone()
                info["PostgreSQL"] = f"{row[0] if row else '?'} (server on the same machine)"
                settings = []
                for name in (
                    "shared_buffers",
                    "maintenance_work_mem",
                    "max_wal_size",
                    "wal_level",
                    "synchronous_commit",
                ):
                    row = con.execute(f"SHOW {name}").fetchone()
                    settings.append(f"{name} {row[0] if row else '?'}")
                info["PostgreSQL settings"] = ", ".join(settings)
        except Exception as exc:
            info["PostgreSQL"] = f"unavailable ({exc})"
        info["psycopg"] = psycopg.__version__
    return info


def src_fingerprint() -> str:
    """A hash of the code an import runs (src is edited concurrently, so record what was measured)."""
    digest = hashlib.sha256()
    root = REPO / "src" / "jamfor"
    files = [root / "model.py", *sorted((root / "store").rglob("*")), *sorted((root / "sources").rglob("*"))]
    for p in files:
        if p.is_file() and p.suffix in (".py", ".sql"):
            digest.update(str(p.relative_to(root)).encode())
            digest.update(p.read_bytes())
    return digest.hexdigest()[:12]


@dataclass
class Verdict:
    label: str
    measured: str
    target: str
    ok: bool


def ratio_runs(r: Results, backend: str) -> list[float]:
    return [x["seconds"] / y["seconds"] for x, y in zip(r.imports[backend], r.raw, strict=True)]


def verdicts(r: Results) -> list[Verdict]:
    out: list[Verdict] = []
    if "duckdb" in r.imports:
        ratio = med(ratio_runs(r, "duckdb"))
        out.append(
            Verdict(
                "DuckDB import time",
                f"{ratio:.2f} × raw",
                f"≤ {TARGET_DUCK_RATIO} × raw",
                ratio <= TARGET_DUCK_RATIO,
            )
        )
        rss = max(x["rss_kib"] for x in r.imports["duckdb"])
        out.append(
            Verdict("DuckDB import peak RSS (max of runs)", mib(rss), "≤ 2 GiB", rss <= TARGET_RSS_KIB)
        )
    if "postgres" in r.imports:
        ratio = med(ratio_runs(r, "postgres"))
        out.append(
            Verdict(
                "PostgreSQL import time",
                f"{ratio:.2f} × raw",
                f"≤ {TARGET_PG_RATIO} × raw",
                ratio <= TARGET_PG_RATIO,
            )
        )
    passed = sum(ok for _, ok in r.checks)
    out.append(
        Verdict("Correctness checks", f"{passed}/{len(r.checks)} passed", "all", passed == len(r.checks))
    )
    return out


Row = tuple[str, str, str, str, str, str, str]


def table_rows(r: Results) -> list[Row]:
    """(measurement, median, runs, ratio to raw, peak RSS, CPU, other load)."""

    def load(runs: Sequence[dict[str, Any]]) -> str:
        values = [x["other_cores"] for x in runs]
        return f"{med(values):.2f} (max {max(values):.2f})"

    def cpu(runs: Sequence[dict[str, Any]]) -> str:
        client = med([x["cpu"] for x in runs])
        server = med([x.get("server_cpu", 0.0) for x in runs])
        return f"{client:.1f} + {server:.1f} s" if server else f"{client:.1f} s"

    raw = [x["seconds"] for x in r.raw]
    rows: list[Row] = [
        (
            "DuckDB `CREATE TABLE raw AS SELECT * FROM read_csv(…)` (raw baseline)",
            f"{med(raw):.2f} s",
            fmt_runs(raw),
            "1.00",
            mib(max(x["rss_kib"] for x in r.raw)),
            cpu(r.raw),
            load(r.raw),
        )
    ]
    names = {"duckdb": "DuckDB", "postgres": "PostgreSQL"}
    for backend, runs in r.imports.items():
        secs = [x["seconds"] for x in runs]
        rows.append(
            (
                f"{names[backend]} `import_file`, fresh store",
                f"{med(secs):.2f} s",
                fmt_runs(secs),
                f"**{med(ratio_runs(r, backend)):.2f}** (runs: {fmt_runs(ratio_runs(r, backend), '')})",
                mib(max(x["rss_kib"] for x in runs)),
                cpu(runs),
                load(runs),
            )
        )
        setup = [x["setup_seconds"] for x in runs]
        rows.append(
            (
                "  … before the timer: migrate + reference data",
                f"{med(setup):.2f} s",
                fmt_runs(setup),
                "",
                mib(max(x["rss_setup_kib"] for x in runs)),
                "",
                "",
            )
        )
        close = [x["close_seconds"] for x in runs]
        rows.append(
            ("  … after the timer: close the store", f"{med(close):.2f} s", fmt_runs(close), "", "", "", "")
        )
        again = r.reimports.get(backend)
        if again:
            rows.append(
                (
                    f"{names[backend]} re-import into the filled store (new={again['new']}, "
                    f"changed={again['changed']}, unchanged={again['unchanged']:,})",
                    f"{again['seconds']:.2f} s",
                    "1 run",
                    f"{again['seconds'] / med(raw):.2f}",
                    mib(again["rss_kib"]),
                    cpu([again]),
                    load([again]),
                )
            )
    close = [x["close_seconds"] for x in r.raw]
    rows.insert(
        1, ("  … after the timer: close (checkpoint)", f"{med(close):.2f} s", fmt_runs(close), "", "", "", "")
    )
    return rows


HEADERS = ("Measurement", "Median", "Runs", "Ratio to raw", "Peak RSS", "CPU client + server", "Other load")


def print_report(r: Results) -> None:
    print()
    rows = table_rows(r)
    w = max(len(x[0]) for x in rows)
    print(
        f"{'measurement':<{w}}  {'median':>9}  {'peak RSS':>10}  {'cpu':>14}  {'other load':>16}  ratio   [runs]"
    )
    for name, median, runs, ratio, rss, cpu, load in rows:
        print(
            f"{name:<{w}}  {median:>9}  {rss:>10}  {cpu:>14}  {load:>16}  {ratio.replace('**', '')}   [{runs}]"
        )
    print()
    for v in verdicts(r):
        print(f"{'PASS' if v.ok else 'FAIL'}  {v.label}: {v.measured} (target {v.target})")
    for label, ok in r.checks:
        if not ok:
            print(f"FAIL  {label}")


def markdown(
    r: Results,
    info: dict[str, str],
    command: str,
    file: Path,
    repeat: int,
    fingerprint: str,
    when: str,
    settle: float,
) -> str:
    lines = [
        SECTION[0],
        "## Import of the full Kolada dump (`bench/import.py`)",
        "",
        f"Measured {when} with",
        "",
        "```sh",
        command,
        "```",
        "",
        f"File `{file.name}` ({file.stat().st_size / 1e6:.1f} MB), {repeat} interleaved rounds (raw, DuckDB "
        "import, PostgreSQL import; repeat). Medians, with every run listed. Each measurement runs in a fresh "
        "Python process and its peak RSS is that process's `ru_maxrss` (the PostgreSQL server's memory is not "
        "included). The import time covers the `import_file` call only (parsing, validation, merge, commit); "
        "migrations and reference data are loaded first in the same process and shown separately. Ratios are "
        "taken per round (import ÷ raw of the same round); the median ratio decides the target. "
        "*CPU* is user + system time of the measuring process, plus, for PostgreSQL, of its server backend. "
        "*Other load* is the CPU other processes on the machine used during the measurement, in cores "
        f"(the script waits up to {settle:.0f} s for it to drop below {QUIET_CORES} before each measurement); "
        "on this 2-core machine anything near 1 means a run had half the machine. "
        f"Code measured: fingerprint {fingerprint} of `src/jamfor/{{store,sources}}` and `model.py`.",
        "",
        "| " + " | ".join(HEADERS) + " |",
        "|---|---:|---|---|---:|---:|---|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in table_rows(r)]
    lines += ["", "| Target | Measured | Target | Result |", "|---|---|---|---|"]
    lines += [
        f"| {v.label} | {v.measured} | {v.target} | **{'PASS' if v.ok else 'FAIL'}** |" for v in verdicts(r)
    ]
    lines += ["", "Checks:", ""]
    lines += [f"- {'✓' if ok else '✗ FAILED:'} {label}" for label, ok in r.checks]
    lines += ["", "Machine:", ""]
    lines += [f"- {k}: {v}" for k, v in info.items()]
    lines += ["", SECTION[1]]
    return "\n".join(lines) + "\n"


def profile_markdown(r: Results, command: str, when: str, fingerprint: str) -> str:
    names = {"duckdb": "DuckDB", "postgres": "PostgreSQL"}
    raw = med([x["seconds"] for x in r.raw])
    lines = [
        PROFILE_SECTION[0],
        "## Where the import time goes (`bench/import.py --profile`)",
        "",
        f"Measured {when} (`{command}`, code fingerprint {fingerprint}), one run per backend, first import "
        "into an empty store. The profile re-enacts the steps of `jamfor.store.ingest` with the same building "
        "blocks and times each; *alternative* rows are experiments on scratch tables, not what jamfor does. "
        f"The raw baseline of the same run was {raw:.2f} s (median). CPU is client + PostgreSQL backend.",
    ]
    for backend, prof in r.profiles.items():
        lines += [
            "",
            f"### {names[backend]}",
            "",
            "| Stage | Wall | × raw | CPU client + server | Note |",
            "|---|---:|---:|---:|---|",
        ]
        for s in prof["stages"]:
            lines.append(
                f"| {s['stage']} | {s['seconds']:.2f} s | {s['seconds'] / raw:.2f} | "
                f"{s['cpu']:.1f} + {s['server_cpu']:.1f} s | {s['note']} |"
            )
        lines += ["", f"Peak RSS of the profiling process: {mib(prof['rss_kib'])}."]
    lines += ["", PROFILE_SECTION[1]]
    return "\n".join(lines) + "\n"


INTRO = """# Benchmarks

Performance figures for jamfor, measured with the scripts in `bench/`. Each benchmark owns
one section below, delimited by `<!-- bench:NAME:start -->` / `<!-- bench:NAME:end -->`
markers; re-running a benchmark replaces only its own section, and text outside the markers
is kept. The machine is small and shared (2 cores), so figures are medians of repeated runs
and targets are stated as ratios measured in the same run.
"""


def write_section(section: str, markers: tuple[str, str], doc: Path = DOC) -> None:
    start, end = markers
    if doc.exists():
        text = doc.read_text(encoding="utf-8")
        if start in text and end in text:
            head, rest = text.split(start, 1)
            _, tail = rest.split(end, 1)
            text = head + section.rstrip("\n") + tail
        else:
            text = text.rstrip("\n") + "\n\n" + section
    else:
        doc.parent.mkdir(parents=True, exist_ok=True)
        text = INTRO + "\n" + section
    doc.write_text(text, encoding="utf-8")


# -- command line -------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--file", type=Path, default=None, help=f"CSV to import (default {FULL_FILE})")
    p.add_argument("--repeat", type=int, default=None, help="rounds of measurements (default 3)")
    p.add_argument("--backends", default="duckdb,postgres", help="comma-separated: duckdb,postgres")
    p.add_argument("--postgres", default=DEFAULT_PG, help=f"PostgreSQL URL (default {DEFAULT_PG})")
    p.add_argument("--no-write", action="store_true", help=f"print only, do not update {DOC.name}")
    p.add_argument("--quick", action="store_true", help="smoke run: the small subset file, --repeat 1")
    p.add_argument("--profile", action="store_true", help="also time the stages of each import once")
    p.add_argument(
        "--settle",
        type=float,
        default=None,
        help="seconds to wait at most for a quiet machine before each measurement (default 30)",
    )
    p.add_argument("--worker", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.file is None:
        args.file = QUICK_FILE if args.quick else FULL_FILE
    if args.repeat is None:
        args.repeat = 1 if args.quick else 3
    if args.settle is None:
        args.settle = 0.0 if args.quick else 30.0
    if args.repeat < 1:
        p.error("--repeat must be at least 1")
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    bad = [b for b in args.backends if b not in BACKENDS]
    if bad or not args.backends:
        p.error(f"--backends takes a comma-separated subset of {','.join(BACKENDS)}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        return run_worker(args.worker)
    file: Path = args.file.resolve()
    if not file.is_file():
        print(f"no such file: {file} (use --file)", file=sys.stderr)
        return 2
    command = shlex.join([".venv/bin/python", "bench/import.py", *(sys.argv[1:] if argv is None else argv)])
    pg_base = args.postgres if "postgres" in args.backends else None
    info = machine_info(pg_base, args.backends)
    fingerprint = src_fingerprint()
    when = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    print(
        f"file {file} ({file.stat().st_size / 1e6:.1f} MB), repeat {args.repeat}, "
        f"backends {','.join(args.backends)}, code fingerprint {fingerprint}",
        flush=True,
    )
    res = Resources(pg_base)
    try:
        with sigterm_as_exit():
            results = run(file, args.repeat, args.backends, res, args.settle)
            if args.profile:
                run_profiles(file, args.backends, res, args.settle, results)
    except BenchError as exc:
        print(exc, file=sys.stderr)
        return 1
    finally:
        res.close()
    print_report(results)
    sys.stdout.flush()
    end_fingerprint = src_fingerprint()
    shown = f"`{fingerprint}`"
    if end_fingerprint != fingerprint:
        print(
            "warning: the import code changed during the run; figures may mix two versions", file=sys.stderr
        )
        shown += f" (changed to `{end_fingerprint}` during the run: figures may mix two versions)"
    if not args.no_write:
        write_section(markdown(results, info, command, file, args.repeat, shown, when, args.settle), SECTION)
        if args.profile:
            write_section(profile_markdown(results, command, when, shown), PROFILE_SECTION)
        print(f"\nwrote {DOC.relative_to(REPO)}")
    return 0 if all(v.ok for v in verdicts(results)) else 1


if __name__ == "__main__":
    sys.exit(main())
