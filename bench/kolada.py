"""Benchmark: the Kolada client's request economy and the sync's speed against the fake Kolada.

Server A is the fake Kolada (`jamfor.sources.fake_kolada`, rate limit off, no faults) over a
store holding the full 7.4M-value dump (or, with --quick, the bundled demo extract). It runs
in a child process, so that the server and the client each have a core of their own.

For each query set the script counts the requests the client makes and compares them with the
fewest that Kolada's limits allow, computed from A's own data: one request per page of at most
5000 items for each listing (every list at most 25 long), and one for an empty listing. The
target is a ratio of 1.00. It also times the client alone (fetch and parse, no store) and the
sync into an empty store B, in rows (values) per second.

With --round-trip it then checks the 'done when' of the issue: `sync --all` from A into an empty
B gives observations equal to A's, row for row (kpi, area, period, gender, value, status, count).

    .venv/bin/python bench/kolada.py --round-trip            # full dump, B on DuckDB and PostgreSQL
    .venv/bin/python bench/kolada.py --quick --no-write      # the demo extract, quickly
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import math
import os
import platform
import shlex
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from jamfor.sources.fake_kolada import build_fake_store, fake_kolada_app  # noqa: E402
from jamfor.sources.kolada import KoladaClient, Listing, chunks  # noqa: E402
from jamfor.sources.reference import demo_path, load_reference  # noqa: E402
from jamfor.sources.sync import SyncScope, plan_batches, sync_kolada  # noqa: E402
from jamfor.store import Store  # noqa: E402
from jamfor.web.kolada_api import PREFIX  # noqa: E402

DOC = REPO / "docs" / "benchmarks.md"
SECTION = ("<!-- bench:kolada:start -->", "<!-- bench:kolada:end -->")
DEFAULT_PG = os.environ.get("JAMFOR_TEST_POSTGRES", "postgresql://127.0.0.1:5432/test")
PER_PAGE = 5000
COLUMNS = "kpi, area, period, gender, value, status, count"
LIVE = "(status IS NULL OR status <> 'deleted')"


# -- server A ---------------------------------------------------------------------------------------


def build_a(workdir: Path, quick: bool, reuse: bool) -> Path:
    path = workdir / ("a-demo.duckdb" if quick else "a-full.duckdb")
    if reuse and path.exists():
        print(f"reusing {path}")
        return path
    path.unlink(missing_ok=True)
    started = time.perf_counter()
    build_fake_store(path, values=demo_path() if quick else None)
    print(f"built A ({path.name}) in {time.perf_counter() - started:.1f} s")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serve(a_path: Path) -> Iterator[str]:
    """Server A in a child process; yields its Kolada base URL."""
    port = free_port()
    child = subprocess.Popen([sys.executable, __file__, "--serve", str(a_path), "--port", str(port)])
    base = f"http://127.0.0.1:{port}{PREFIX}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/municipality?per_page=1", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if child.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("server A did not start")
            time.sleep(0.2)
        yield base
    finally:
        child.terminate()
        child.wait(timeout=30)


def run_server(path: str, port: int) -> int:
    import uvicorn

    uvicorn.run(fake_kolada_app(path), host="127.0.0.1", port=port, log_level="warning", http="h11")
    return 0


# -- query sets and the fewest requests -------------------------------------------------------------


@dataclass
class QuerySet:
    name: str
    scope: SyncScope
    metadata: list[Listing] = field(default_factory=list)
    data: list[Listing] = field(default_factory=list)
    minimum: int = 0
    items: int = 0


def query_sets(a: Store, quick: bool) -> list[QuerySet]:
    """The query sets measured, each with its listings in the order the sync makes them."""
    areas = [r[0] for r in a.db.query("SELECT id FROM area ORDER BY id")]
    with_data = [r[0] for r in a.db.query("SELECT DISTINCT kpi FROM observation ORDER BY kpi")]
    from jamfor.measuresets import find_measure_set

    kkik = sorted(set(find_measure_set("kkik-2020").kpi_ids()))
    sets = [
        QuerySet("`--all`: every KPI, area and year", SyncScope()),
        QuerySet("`--set kkik-2020`: its KPIs, every area and year", SyncScope(kpis=tuple(kkik))),
        QuerySet(
            "60 KPIs × 30 municipalities × 2015–2022",
            SyncScope(
                kpis=tuple(with_data[:: max(1, len(with_data) // 60)][:60]),
                areas=tuple(a for a in areas if len(a) == 4 and not a.startswith("00"))[:30],
                years=tuple(range(2015, 2023)),
            ),
        ),
    ]
    for qs in sets:
        scope = qs.scope
        qs.metadata = (
            [Listing("/kpi"), Listing("/municipality")]
            if scope.kpis is None
            else [Listing(f"/kpi/{','.join(c)}") for c in chunks(sorted(set(scope.kpis)))]
        )
        qs.data = [b.listing(None) for b in plan_batches(scope, areas)]
        kpi_count = int(a.db.query("SELECT count(*) FROM kpi")[0][0])
        qs.minimum = sum(
            max(1, math.ceil((kpi_count if m.path == "/kpi" else len(areas)) / PER_PAGE))
            if m.path in ("/kpi", "/municipality")
            else 1
            for m in qs.metadata
        )
        for batch in plan_batches(scope, areas):
            n = items_in(a, batch.kpis, batch.areas, batch.years)
            qs.items += n
            qs.minimum += max(1, math.ceil(n / PER_PAGE))
    return sets


def items_in(
    a: Store, kpis: Sequence[str] | None, areas: Sequence[str] | None, years: Sequence[int] | None
) -> int:
    """Kolada data rows (kpi, area, period) that a listing returns: A's ground truth."""
    where, params = [LIVE], []
    for column, values in (("kpi", kpis), ("area", areas), ("period", years)):
        if values is not None:
            where.append(f"{column} = ANY(?)")
            params.append(list(values))
    sql = f"SELECT count(*) FROM (SELECT DISTINCT kpi, area, period FROM observation WHERE {' AND '.join(where)})"
    return int(a.db.query(sql, params)[0][0])


# -- measurements -----------------------------------------------------------------------------------


@dataclass
class Fetch:
    requests: int
    items: int
    rows: int
    seconds: float
    load: float = 0.0


def load_during(started_load: float) -> float:
    """The machine's load (1-minute average, in cores) around a measurement: the larger of the
    values at its start and end, since the average lags."""
    return max(started_load, os.getloadavg()[0])


def fetch_only(base: str, qs: QuerySet) -> Fetch:
    """The client alone: every page of the query set fetched and parsed, nothing stored."""
    rows = 0
    started = time.perf_counter()
    with KoladaClient(base, rate=None) as client:
        for listing in qs.metadata:
            for _ in client.pages(listing):
                pass
        items = 0
        for listing in qs.data:
            for page in client.pages(listing):
                items += len(page.values)
                rows += sum(len(item["values"]) for item in page.values)
        return Fetch(client.stats.requests, items, rows, time.perf_counter() - started)


@dataclass
class SyncRun:
    backend: str
    requests: int
    minimum_seen: int
    rows: int
    seconds: float
    fetch_seconds: float
    import_seconds: float
    load: float
    equal: bool | None = None
    detail: str = ""


@contextlib.contextmanager
def empty_store(backend: str, workdir: Path, pg_base: str) -> Iterator[tuple[Store, str]]:
    if backend == "duckdb":
        path = workdir / "b.duckdb"
        path.unlink(missing_ok=True)
        url = str(path)
        with Store.open(url) as b:
            b.migrate()
            load_reference(b)
            yield b, url
        path.unlink(missing_ok=True)
        return
    schema = f"bench_kolada_{uuid.uuid4().hex[:8]}"
    url = f"{pg_base}{'&' if '?' in pg_base else '?'}schema={schema}"
    try:
        with Store.open(url) as b:
            b.migrate()
            load_reference(b)
            yield b, url
    finally:
        import psycopg

        from jamfor.store.backend import split_schema

        with psycopg.connect(split_schema(pg_base)[0], autocommit=True) as con:
            con.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def snapshot(a_path: Path, workdir: Path) -> Path:
    """A's observations as a Parquet file, to compare with B while A is being served."""
    out = workdir / "a_observations.parquet"
    con = duckdb.connect(str(a_path), read_only=True)
    con.execute(f"COPY (SELECT {COLUMNS} FROM observation) TO '{out}' (FORMAT parquet)")
    con.close()
    return out


def export_duckdb(b: Store, workdir: Path) -> Path:
    out = workdir / "b_observations.parquet"
    b.db.query(f"COPY (SELECT {COLUMNS} FROM observation) TO '{out}' (FORMAT parquet)")
    return out


def compare(a_rows: Path, b: Store, workdir: Path) -> tuple[bool, str]:
    """Whether B's observations equal A's row for row; with the counts either way."""
    con = duckdb.connect()
    con.execute(f"CREATE VIEW a_rows AS SELECT * FROM read_parquet('{a_rows}')")
    if b.dialect == "duckdb":
        b_rows = "b_rows"
        con.execute(f"CREATE TABLE b_rows AS SELECT * FROM read_parquet('{export_duckdb(b, workdir)}')")
    else:
        dump = workdir / "b_observations.csv"
        with dump.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(COLUMNS.split(", "))
            for row in b.db.query(f"SELECT {COLUMNS} FROM observation"):
                writer.writerow(["" if v is None else repr(v) if isinstance(v, float) else v for v in row])
        con.execute(
            f"CREATE TABLE b_rows AS SELECT kpi, area, period::INTEGER AS period, gender, "
            f"value::DOUBLE AS value, nullif(status, '') AS status, count::INTEGER AS count "
            f"FROM read_csv('{dump}', all_varchar = true)"
        )
        b_rows = "b_rows"
    a_count = con.execute("SELECT count(*) FROM a_rows").fetchone()[0]  # type: ignore[index]
    b_count = con.execute(f"SELECT count(*) FROM {b_rows}").fetchone()[0]  # type: ignore[index]
    only_a = con.execute(
        f"SELECT count(*) FROM (SELECT {COLUMNS} FROM a_rows EXCEPT ALL SELECT {COLUMNS} FROM {b_rows})"
    ).fetchone()[0]  # type: ignore[index]
    only_b = con.execute(
        f"SELECT count(*) FROM (SELECT {COLUMNS} FROM {b_rows} EXCEPT ALL SELECT {COLUMNS} FROM a_rows)"
    ).fetchone()[0]  # type: ignore[index]
    con.close()
    for leftover in ("b_observations.csv", "b_observations.parquet"):
        (workdir / leftover).unlink(missing_ok=True)
    equal = only_a == 0 and only_b == 0 and a_count == b_count
    return equal, f"A {a_count:,} rows, B {b_count:,}; only in A {only_a:,}, only in B {only_b:,}"


# -- report -------------------------------------------------------------------------------------------


def markdown(
    sets: list[tuple[QuerySet, Fetch]], syncs: list[SyncRun], command: str, when: str, source: str
) -> str:
    lines = [
        SECTION[0],
        "## Kolada sync: request economy and speed (`bench/kolada.py`)",
        "",
        f"Measured {when} with `{command}` on {platform.machine()}, Python {platform.python_version()}, "
        f"against the fake Kolada (`jamfor.sources.fake_kolada`, rate limit off, no faults) serving {source}, "
        "in a child process. *Fewest* is what Kolada's limits allow for the query set, computed from the "
        "server's own data: per listing (every list at most 25 ids) one request per 5000 items (a data item "
        "is one kpi × area × year, its genders inside), one for an empty listing, plus the catalogue "
        "requests. Rows are values (one per gender). *Client* fetches and parses every page and stores "
        "nothing; *sync* is `sync_kolada` into an empty store (reference data loaded beforehand).",
        "",
        "*Load* is the machine's 1-minute load average around the measurement (2 cores; other "
        "people's work included), which the rates depend on.",
        "",
        "| query set | listings | items | requests | fewest | ratio | client rows/s | requests/s | load |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for qs, f in sets:
        lines.append(
            f"| {qs.name} | {len(qs.data)} | {f.items:,} | {f.requests:,} | {qs.minimum:,} | "
            f"{f.requests / qs.minimum:.2f} | {f.rows / f.seconds:,.0f} | {f.requests / f.seconds:.1f} | "
            f"{f.load:.1f} |"
        )
    if syncs:
        lines += [
            "",
            "| `sync --all` into an empty store | requests | fewest | ratio | rows | time (fetch + import) "
            "| rows/s | load | B = A row for row |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        fewest = sets[0][0].minimum
        for s in syncs:
            equal = "—" if s.equal is None else ("yes" if s.equal else "**NO**")
            lines.append(
                f"| {s.backend} | {s.requests:,} | {fewest:,} | {s.requests / fewest:.2f} | {s.rows:,} | "
                f"{s.seconds:.0f} s ({s.fetch_seconds:.0f} + {s.import_seconds:.0f}) | "
                f"{s.rows / s.seconds:,.0f} | {s.load:.1f} | {equal} ({s.detail}) |"
            )
    lines += [
        "",
        "`--all` goes by area (13 listings of 25 areas with every KPI and year) rather than by KPI "
        "(lists of 25 over the 6,928-entry catalogue: 278 listings, 1,088 requests for the full dump), "
        "because most catalogue KPIs have no values and each of their lists would cost a request. "
        "The absolute floor, ignoring the 25-item lists, would be ⌈4,549,673 items / 5000⌉ = 910.",
        SECTION[1],
    ]
    return "\n".join(lines) + "\n"


def write_section(section: str) -> None:
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n"
    start, end = SECTION
    if start in text and end in text:
        head, rest = text.split(start, 1)
        _, tail = rest.split(end, 1)
        text = head + section.rstrip("\n") + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section
    DOC.write_text(text, encoding="utf-8")


# -- main -----------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="the demo extract instead of the full dump")
    p.add_argument("--round-trip", action="store_true", help="sync --all into empty stores and compare")
    p.add_argument("--backends", default="duckdb,postgres", help="B's backends for --round-trip")
    p.add_argument("--postgres", default=DEFAULT_PG, help="PostgreSQL for B")
    p.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "jamfor-bench-kolada")
    p.add_argument("--reuse", action="store_true", help="reuse server A's store from an earlier run")
    p.add_argument("--no-write", action="store_true", help="do not update docs/benchmarks.md")
    p.add_argument("--serve", help=argparse.SUPPRESS)
    p.add_argument("--port", type=int, help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.serve:
        return run_server(args.serve, args.port)
    command = shlex.join([".venv/bin/python", "bench/kolada.py", *(sys.argv[1:] if argv is None else argv)])
    when = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    args.workdir.mkdir(parents=True, exist_ok=True)
    a_path = build_a(args.workdir, args.quick, args.reuse)
    a_rows = snapshot(a_path, args.workdir) if args.round_trip else None
    with Store.open(str(a_path), read_only=True) as a:
        sets = query_sets(a, args.quick)
        values = int(a.db.query(f"SELECT count(*) FROM observation WHERE {LIVE}")[0][0])
    source = (
        f"the demo extract ({values:,} values)"
        if args.quick
        else f"the full dump `kolada_values_2024-08_long.csv.gz` ({values:,} values)"
    )
    measured: list[tuple[QuerySet, Fetch]] = []
    syncs: list[SyncRun] = []
    failed = False
    with serve(a_path) as base:
        for qs in sets:
            load = os.getloadavg()[0]
            f = fetch_only(base, qs)
            f.load = load_during(load)
            measured.append((qs, f))
            ratio = f.requests / qs.minimum
            failed |= ratio > 1.0
            print(
                f"{qs.name}: {f.requests} requests, fewest {qs.minimum} (ratio {ratio:.2f}); "
                f"{f.items:,} items, {f.rows:,} rows in {f.seconds:.1f} s = {f.rows / f.seconds:,.0f} rows/s"
            )
        if args.round_trip:
            for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
                with empty_store(backend, args.workdir, args.postgres) as (b, _url):
                    load = os.getloadavg()[0]
                    started = time.perf_counter()
                    with KoladaClient(base, rate=None) as client:
                        summary = sync_kolada(b, client, SyncScope())
                    seconds = time.perf_counter() - started
                    run = SyncRun(
                        backend,
                        summary.requests,
                        summary.minimum_requests,
                        summary.rows,
                        seconds,
                        summary.fetch_seconds,
                        summary.import_seconds,
                        load_during(load),
                    )
                    print(
                        f"sync --all into {backend}: {summary.requests} requests (fewest {sets[0].minimum}), "
                        f"{summary.rows:,} rows in {seconds:.1f} s = {summary.rows / seconds:,.0f} rows/s "
                        f"(fetch {summary.fetch_seconds:.0f} s, import {summary.import_seconds:.0f} s); "
                        f"{summary.new:,} new"
                    )
                    assert a_rows is not None
                    run.equal, run.detail = compare(a_rows, b, args.workdir)
                    print(f"  round trip: {'equal' if run.equal else 'DIFFERENT'} ({run.detail})")
                    failed |= not run.equal or summary.requests > sets[0].minimum
                    syncs.append(run)
    if not args.no_write:
        write_section(markdown(measured, syncs, command, when, source))
        print(f"wrote {DOC.relative_to(REPO)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
