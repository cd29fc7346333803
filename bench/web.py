"""Benchmark: the website under load on the full Kolada dump (7.4M values), and Datasette on the same values.

One run, all on loopback:

1. *Setup.* Copies the DuckDB store (--database; built from the dump if missing; the original is
   never modified) and brings the copy's schema up to date. Exports its `observation` table to
   SQLite for Datasette (--sqlite, kept for later runs) with an index on (kpi, period, gender),
   the filter of the compared query.
2. *Mixed load.* `jamfor serve` in a fresh process (so the response cache starts empty), then an
   asyncio HTTP/1.1 client with --connections (32) keep-alive connections for --duration (60 s),
   cycling in a fixed shuffled order through every municipality page (`/kommun/{id}`, all 290),
   the KPI pages of 10 KKiK KPIs in 5 years (`/nyckeltal/{id}?year=`) and the same KPI reports as
   JSON (`/nyckeltal/{id}.json?year=`). Latency per class of page, for the whole run and split by
   the `X-Cache` header into *built* (a miss: the cold first pass) and *from the cache* (a hit).
   The RSS of the server's process tree is sampled every 0.25 s. Then `wrk` for --wrk-seconds per
   class on the warm server, as a cross-check with a client written in C.
3. *Datasette.* "One KPI, all municipalities, one year" as JSON for the same 50 (KPI, year)
   pairs: ours `/api/v1/values?kpi=K&year=Y` (total T; the closest equivalent: a page of stored
   rows with a total count) against Datasette's table JSON
   `/jamfor/observation.json?kpi=K&period=Y&gender=T&_size=max` (also rows plus a filtered
   count), `datasette serve -i` (immutable) with `suggest_facets off` (it would otherwise run
   extra queries the compared query does not need). `wrk`, --connections connections,
   --compare-seconds per server, --rounds interleaved rounds after one warm-up pass each; ours
   with the response cache (as served) and with it off.

Targets (issue): 0 errors; municipality page p95 <= 100 ms; KPI JSON p95 <= 50 ms; server memory
<= 1.5 GiB; ours >= Datasette's throughput.

    .venv/bin/python bench/web.py                       # ~7 min; updates docs/benchmarks.md
    .venv/bin/python bench/web.py --workers 1,2         # the mixed load for 1 and for 2 processes
    .venv/bin/python bench/web.py --duration 20 --compare-seconds 5 --rounds 1 --no-write
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

_here = str(Path(__file__).resolve().parent)
if _here not in sys.path:
    sys.path.insert(0, _here)  # for _serve, when this file is loaded by path (tests/test_bench_scripts.py)

from _serve import (  # noqa: E402
    BIN,
    DOC,
    DUMP,
    FAILURES,
    REPO,
    YEARS,
    Connection,
    RssSampler,
    Sample,
    Server,
    choose_kpis,
    machine_busy,
    own_cpu,
    percentile,
    process_tree,
    start_server,
    tree_cpu,
    write_section,
)
from jamfor.store import Store  # noqa: E402

DEFAULT_STORE = Path(tempfile.gettempdir()) / "jamfor-reports-bench" / "full.duckdb"
DEFAULT_SQLITE = Path(tempfile.gettempdir()) / "jamfor-bench-web" / "jamfor.sqlite"
START, END = "<!-- bench:web:start -->", "<!-- bench:web:end -->"
TARGET_KOMMUN_P95_MS = 100.0
TARGET_KPI_JSON_P95_MS = 50.0
TARGET_RSS_MIB = 1.5 * 1024
WRK_TIMEOUT = "30s"
QUIET_CORES = 0.25
MAX_WAIT = 30.0
RSS_EVERY = 0.25  # seconds between RSS samples
CLASSES = {"kommun": "municipality page", "kpi": "KPI page", "kpi_json": "KPI JSON"}

# -- the machine ------------------------------------------------------------------------------------


class Load:
    """CPU used during a block: by the servers measured, by this client (and wrk), by everyone else."""

    def __init__(self, servers: Sequence[Server]) -> None:
        self.servers = servers

    def __enter__(self) -> Load:
        self.pids = [p for s in self.servers for p in process_tree(s.proc.pid)]
        self.t0, self.busy, self.own, self.server = (
            time.monotonic(),
            machine_busy(),
            own_cpu(),
            tree_cpu(self.pids),
        )
        return self

    def __exit__(self, *exc: object) -> None:
        seconds = max(time.monotonic() - self.t0, 1e-9)
        self.server_cores = (tree_cpu(self.pids) - self.server) / seconds
        self.client_cores = (own_cpu() - self.own) / seconds
        total = (machine_busy() - self.busy) / seconds
        self.other_cores = max(0.0, total - self.server_cores - self.client_cores)


def wait_quiet(max_wait: float) -> float:
    """Wait (up to `max_wait` s) until other processes use under QUIET_CORES; return the last load."""
    deadline = time.monotonic() + max_wait
    while True:
        busy, own, t0 = machine_busy(), own_cpu(), time.monotonic()
        time.sleep(1.0)
        load = max(0.0, (machine_busy() - busy) - (own_cpu() - own)) / (time.monotonic() - t0)
        if load < QUIET_CORES or time.monotonic() >= deadline:
            return load


# -- servers ----------------------------------------------------------------------------------------


def jamfor_server(name: str, database: Path, workers: int, cache_mb: int, log_dir: Path) -> Server:
    argv = [str(BIN / "jamfor"), "--database", str(database), "serve", "--port", "{port}"]
    argv += ["--workers", str(workers), "--cache-mb", str(cache_mb)]
    return start_server(name, argv, "/static/site.css", _log(log_dir, name))


def datasette_server(sqlite: Path, log_dir: Path) -> Server:
    argv = [str(BIN / "datasette"), "serve", "-i", str(sqlite), "-h", "127.0.0.1", "-p", "{port}"]
    argv += ["--setting", "suggest_facets", "off"]
    return start_server("Datasette", argv, "/-/versions.json", _log(log_dir, "Datasette"))


def _log(log_dir: Path, name: str) -> Path:
    return log_dir / f"{name.replace(' ', '-')}.log"


# -- the asyncio client -----------------------------------------------------------------------------


async def _load(
    host: str, urls: Sequence[tuple[str, str]], connections: int, seconds: float | None, once: bool
) -> tuple[list[Sample], float]:
    """Requests from `connections` keep-alive connections, cycling through `urls` in order.

    With `once`, each URL is asked once; else until `seconds` have passed. Returns the samples
    and the wall time.
    """
    samples: list[Sample] = []
    position = 0
    t0 = time.perf_counter()
    deadline = None if seconds is None else t0 + seconds
    port = int(host.rsplit(":", 1)[1])

    def next_url() -> tuple[str, str] | None:
        nonlocal position
        if (once and position >= len(urls)) or (deadline is not None and time.perf_counter() >= deadline):
            return None
        item = urls[position % len(urls)]
        position += 1
        return item

    async def connection() -> None:
        conn = Connection(port, "jamfor-bench")
        while (item := next_url()) is not None:
            cls, path = item
            start = time.perf_counter()
            try:
                status, hit, _ = await conn.request("GET", path)
            except FAILURES:
                samples.append(Sample(cls, time.perf_counter() - start, 0, None, start - t0))
                conn.close()
                continue
            samples.append(Sample(cls, time.perf_counter() - start, status, hit, start - t0))
        conn.close()

    await asyncio.gather(*(connection() for _ in range(connections)))
    return samples, time.perf_counter() - t0


def load(
    host: str,
    urls: Sequence[tuple[str, str]],
    connections: int,
    seconds: float | None = None,
    once: bool = False,
) -> tuple[list[Sample], float]:
    return asyncio.run(_load(host, urls, connections, seconds, once))


# -- wrk --------------------------------------------------------------------------------------------

WRK_SCRIPT = r"""
-- Cycles through the paths in the file given after "--"; each thread starts elsewhere in the list.
local paths, idx, counter = {}, 0, 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end
function init(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  idx = (tonumber(tid) or 0) * math.floor(#paths / 2)
end
function request()
  idx = idx % #paths + 1
  return wrk.format("GET", paths[idx])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK-RESULT {"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, ' ..
    '"write": %d, "status": %d, "timeout": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


@dataclass
class WrkResult:
    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    bytes: int
    other_cores: float = 0.0
    server_cores: float = 0.0
    client_cores: float = 0.0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


def run_wrk(
    server: Server, paths: Sequence[str], seconds: float, connections: int, work: Path, threads: int = 2
) -> WrkResult:
    script = work / "cycle.lua"
    script.write_text(WRK_SCRIPT)
    listing = work / "paths.txt"
    listing.write_text("".join(p + "\n" for p in paths))
    argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", f"--timeout={WRK_TIMEOUT}"]
    argv += ["-s", str(script), f"http://{server.host}", "--", str(listing)]
    with Load([server]) as used:
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRK-RESULT ")), None)
    if done.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    r = json.loads(line.removeprefix("WRK-RESULT "))
    return WrkResult(
        requests=r["requests"],
        seconds=r["duration_us"] / 1e6,
        errors=r["connect"] + r["read"] + r["write"] + r["status"] + r["timeout"],
        p50_ms=r["p50_us"] / 1000,
        p95_ms=r["p95_us"] / 1000,
        p99_ms=r["p99_us"] / 1000,
        bytes=r["bytes"],
        other_cores=used.other_cores,
        server_cores=used.server_cores,
        client_cores=used.client_cores,
    )


# -- data -------------------------------------------------------------------------------------------


def open_source_store(path: Path, keep: list[tempfile.TemporaryDirectory[str]]) -> Path:
    """`path` if it holds the dump; else a store built from the dump in a temporary directory."""
    if path.exists():
        return path
    from jamfor.sources.files import import_file
    from jamfor.sources.reference import load_reference

    tmp = tempfile.TemporaryDirectory(prefix="jamfor-bench-web-build-")
    keep.append(tmp)
    built = Path(tmp.name) / "full.duckdb"
    print(f"{path} is missing: building {built} from {DUMP.name} …", flush=True)
    with Store.open(str(built)) as store:
        store.migrate()
        load_reference(store)
        import_file(store, DUMP, source="Kolada")
    return built


def export_sqlite(store: Store, path: Path) -> tuple[int, float | None]:
    """The observation table as SQLite at `path` (reused when it holds as many rows); (rows, seconds)."""
    rows = store.stats().observations
    if path.exists():
        with contextlib.closing(sqlite3.connect(path)) as lite:
            try:
                have = lite.execute("SELECT count(*) FROM observation").fetchone()[0]
                indexed = lite.execute(
                    "SELECT count(*) FROM sqlite_master WHERE name = 'observation_kpi_period_gender'"
                ).fetchone()[0]
            except sqlite3.Error:
                have, indexed = -1, 0
        if have == rows and indexed:
            return rows, None
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    print(f"exporting {rows:,} observations to {path} …", flush=True)
    t0 = time.perf_counter()
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    with contextlib.closing(sqlite3.connect(partial)) as lite:
        lite.execute("PRAGMA journal_mode = OFF")
        lite.execute("PRAGMA synchronous = OFF")
        lite.execute(
            "CREATE TABLE observation (kpi TEXT NOT NULL, area TEXT NOT NULL, period INTEGER NOT NULL, "
            "gender TEXT NOT NULL, value REAL, status TEXT, count INTEGER, source TEXT NOT NULL, "
            "batch_id INTEGER NOT NULL, imported_at TEXT NOT NULL)"
        )
        # Bench-only SQL: the whole table, in the store's order.
        cursor = store.db.con.execute(  # type: ignore[attr-defined]
            "SELECT kpi, area, period, gender, value, status, count, source, batch_id, "
            "CAST(imported_at AS VARCHAR) FROM observation"
        )
        while batch := cursor.fetchmany(200_000):
            lite.executemany("INSERT INTO observation VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", batch)
        lite.execute("CREATE INDEX observation_kpi_period_gender ON observation (kpi, period, gender)")
        lite.commit()
        lite.execute("ANALYZE")
        lite.commit()
    partial.rename(path)
    return rows, time.perf_counter() - t0


# -- statistics -------------------------------------------------------------------------------------


@dataclass
class ClassStats:
    requests: int = 0
    errors: int = 0
    all_ms: list[float] = field(default_factory=list)
    built_ms: list[float] = field(default_factory=list)
    cached_ms: list[float] = field(default_factory=list)


def by_class(samples: Sequence[Sample]) -> dict[str, ClassStats]:
    stats = {cls: ClassStats() for cls in CLASSES}
    for s in samples:
        c = stats[s.cls]
        c.requests += 1
        ms = s.seconds * 1000
        c.all_ms.append(ms)
        if s.status != 200:
            c.errors += 1
        elif s.hit:
            c.cached_ms.append(ms)
        else:
            c.built_ms.append(ms)
    return stats


def fmt_ms(values: Sequence[float], q: float) -> str:
    return f"{percentile(values, q):,.1f}" if values else "–"


# -- the benchmark ----------------------------------------------------------------------------------


@dataclass
class MixedRun:
    workers: int
    seconds: float
    samples: list[Sample]
    first_pass_s: float | None
    rss_peak_mib: float
    rss_idle_mib: float
    load: Load
    wrk: dict[str, WrkResult]
    wrk_rss_peak_mib: float


def mixed_run(
    database: Path,
    workers: int,
    urls: list[tuple[str, str]],
    args: argparse.Namespace,
    work: Path,
) -> MixedRun:
    wait_quiet(args.max_wait)
    server = jamfor_server(f"jamfor {workers}w", database, workers, args.cache_mb, work)
    try:
        idle = server.rss_mib()
        print(
            f"mixed load on {server.name}: {len(urls)} URLs, {args.connections} connections, {args.duration:g} s",
            flush=True,
        )
        with RssSampler(server.proc.pid, RSS_EVERY) as rss, Load([server]) as used:
            samples, seconds = load(server.host, urls, args.connections, seconds=args.duration)
        first_pass = _first_pass_time(samples, len(urls))
        wrk_results: dict[str, WrkResult] = {}
        with RssSampler(server.proc.pid, RSS_EVERY) as wrk_rss:
            for cls in CLASSES:
                paths = [p for c, p in urls if c == cls]
                wait_quiet(args.max_wait)
                wrk_results[cls] = run_wrk(server, paths, args.wrk_seconds, args.connections, work)
                r = wrk_results[cls]
                print(
                    f"  wrk {cls}: {r.rps:,.0f} req/s, p95 {r.p95_ms:.1f} ms, errors {r.errors}, "
                    f"other load {r.other_cores:.2f}",
                    flush=True,
                )
        return MixedRun(
            workers, seconds, samples, first_pass, rss.peak, idle, used, wrk_results, wrk_rss.peak
        )
    finally:
        server.stop()


def _first_pass_time(samples: Sequence[Sample], n_urls: int) -> float | None:
    """When the first `n_urls` requests (one per URL) had all been answered, from the start."""
    first = sorted(samples, key=lambda s: s.at)[:n_urls]
    if len(first) < n_urls:
        return None
    return max(s.at + s.seconds for s in first)


@dataclass
class Comparison:
    rounds: dict[str, list[WrkResult]]
    rows_checked: str


def compare_with_datasette(
    database: Path, sqlite: Path, pairs: list[tuple[str, int]], args: argparse.Namespace, work: Path
) -> Comparison:
    ours_paths = [f"/api/v1/values?kpi={k}&year={y}" for k, y in pairs]
    theirs_paths = [f"/jamfor/observation.json?kpi={k}&period={y}&gender=T&_size=max" for k, y in pairs]
    starts: dict[str, tuple[Callable[[], Server], list[str]]] = {
        "jamfor (response cache)": (
            lambda: jamfor_server("jamfor cached", database, 1, args.cache_mb, work),
            ours_paths,
        ),
        "jamfor (no cache)": (lambda: jamfor_server("jamfor uncached", database, 1, 0, work), ours_paths),
        "Datasette": (lambda: datasette_server(sqlite, work), theirs_paths),
    }
    servers: dict[str, tuple[Server, list[str]]] = {}
    try:
        for name, (start, paths) in starts.items():
            servers[name] = (start(), paths)
        checked = check_same_rows(servers, pairs[:5])
        for name, (server, paths) in servers.items():  # one warm-up pass each: caches, page cache
            samples, _ = load(server.host, [("x", p) for p in paths], args.connections, once=True)
            bad = [s for s in samples if s.status != 200]
            if bad:
                raise SystemExit(f"{name}: {len(bad)} of {len(samples)} warm-up requests failed")
        rounds: dict[str, list[WrkResult]] = {name: [] for name in servers}
        for r in range(args.rounds):
            order = list(servers) if r % 2 == 0 else list(reversed(servers))
            for name in order:
                server, paths = servers[name]
                wait_quiet(args.max_wait)
                result = run_wrk(server, paths, args.compare_seconds, args.connections, work)
                rounds[name].append(result)
                print(
                    f"  round {r + 1} {name}: {result.rps:,.0f} req/s, p95 {result.p95_ms:.1f} ms, "
                    f"errors {result.errors}, other load {result.other_cores:.2f}",
                    flush=True,
                )
        return Comparison(rounds, checked)
    finally:
        for server, _ in servers.values():
            server.stop()


def check_same_rows(servers: dict[str, tuple[Server, list[str]]], pairs: list[tuple[str, int]]) -> str:
    """Both answer the same rows: same (area, value) sets for a few (KPI, year) pairs."""
    ours = next(s for name, (s, _) in servers.items() if name.startswith("jamfor"))
    theirs = servers["Datasette"][0]
    total = 0
    for kpi, year in pairs:
        with urllib.request.urlopen(f"http://{ours.host}/api/v1/values?kpi={kpi}&year={year}") as a:
            mine = json.load(a)
        url = f"http://{theirs.host}/jamfor/observation.json?kpi={kpi}&period={year}&gender=T&_size=max&_shape=objects"
        with urllib.request.urlopen(url) as b:
            other = json.load(b)
        left = sorted((i["area"], i["value"]) for i in mine["items"])
        right = sorted((i["area"], i["value"]) for i in other["rows"])
        if left != right or mine["total"] != len(left):
            raise SystemExit(f"the two servers disagree on {kpi} {year}: {len(left)} vs {len(right)} rows")
        total += len(left)
    return f"the same {total:,} (area, value) rows for {len(pairs)} (KPI, year) pairs"


def machine_info() -> dict[str, str]:
    import duckdb

    info = {
        "cores (nproc)": str(os.cpu_count()),
        "Python": platform.python_version(),
        "DuckDB": duckdb.__version__,
        "SQLite": sqlite3.sqlite_version,
    }
    for name in ("uvicorn", "fastapi", "orjson", "datasette"):
        with contextlib.suppress(Exception):
            from importlib.metadata import version

            info[name] = version(name)
    with contextlib.suppress(Exception):
        info["wrk"] = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split()[1]
    return info


def write_doc(section: str) -> None:
    write_section(f"{START}\n{section.rstrip()}\n{END}", START, END)


def verdict(ok: bool) -> str:
    return "**met**" if ok else "**missed**"


NOTES = """
How to read this (the mechanism; the figures are above):

- *Cache.* `jamfor serve` keeps whole responses per URL and data version (`web/cache.py`,
  128 MiB by default, least recently used out first) with a weak ETag, and answers a matching
  If-None-Match with 304. A read-only DuckDB file cannot change under the server, so its
  data version is read once; on PostgreSQL it is read again every second. A new import empties
  the cache, and the next requests are a cold pass again.
- *Warm-up.* Before it takes its first request, each process builds one municipality page and
  one KPI page and throws them away (`warm_up_pages` in `web/app.py`; not cached): the measure
  sets, templates, map geometry and the shared answers below are then read once, before the
  load starts, instead of by the first 32 requests at once.
- *Cold pass.* A page not in the cache is built: the report, the HTML and its SVG charts. At
  most two are built at a time (the rest queue; hits go past them), on 4 store connections
  (`web/access.py`). The answers every page asks alike (catalogue, areas, groups, the KPIs'
  years, every area's values of the report years) are kept per data version and shared: a
  municipality page's own series is taken from the shared values of every area, so after the
  first one a municipality page asks the database nothing. A KPI page reads its KPI's year
  and spends most of its time writing the HTML of its three 290-row tables (the ranking, and
  the data tables of the map and the distribution chart). Under 32 connections the cold pass
  is 32 requests waiting for builds at every moment, so a built request's latency is its
  place in that queue, well above its own build time; the whole-run figures include them.
- *Processes.* Each process has its own cache and its own shared answers, so with
  `--workers 2` every page is built once per process (the cold pass is twice the work) and
  the memory doubles. Each process listens on a socket of its own on the port (SO_REUSEPORT,
  `web/workers.py`) and the kernel spreads new connections over them; with one shared socket
  the process that woke first took every connection waiting, so that 32 connections opened
  at once could all land in one process. On this 2-core machine one process (the default)
  is the better setting.
- *A shared machine.* When other work uses the cores (the *other* figures), every latency is
  longer and every rate lower than on a quiet machine, and the rounds of the comparison
  differ; the CPU per request depends on it less than the rate does.
- *Datasette.* Without the response cache every `/api/v1/values` request asks DuckDB: one
  query for the page (only the columns shown, the KPIs, years and areas as IN lists, which
  DuckDB checks against each row group's min/max, so that it reads one or two row groups of
  the table's 66 for these KPIs), a count only when the page is full, and the catalogue only
  for a KPI without a value on the page. The JSON is written by orjson from the rows, not
  through pydantic models (the route still declares its model for OpenAPI, and
  `tests/web/test_api_fast.py` holds the two together). Datasette answers from SQLite's
  (kpi, period, gender) index but spends more CPU in Python per request; the DuckDB part of
  ours runs outside the GIL.
"""


def report(
    runs: list[MixedRun],
    comparison: Comparison | None,
    args: argparse.Namespace,
    n_urls: dict[str, int],
    kpis: list[str],
    rows: int,
) -> str:
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "## Website under load (`bench/web.py`)",
        "",
        f"Run {when}, `.venv/bin/python bench/web.py "
        + " ".join(sys.argv[1:])
        + f"`, on the full dump ({rows:,} observations, DuckDB file opened read-only by `jamfor serve`, "
        f"--connections 4 per process, response cache {args.cache_mb} MiB per process). Load on loopback, "
        f"{args.connections} keep-alive connections. URLs: all {n_urls['kommun']} municipality pages "
        f"(`/kommun/{{id}}`, default view), the KPI pages of {len(kpis)} KKiK KPIs with values in each of "
        f"{len(YEARS)} years "
        f"(`/nyckeltal/{{id}}?year=`, {YEARS[0]}–{YEARS[-1]}: {', '.join(kpis)}) and the same reports as "
        "JSON (`/nyckeltal/{id}.json?year=`), mixed in one fixed shuffled cycle. *Built* are requests the "
        "server rendered (`X-Cache: miss`: the first pass over each URL, and requests coalesced "
        "with it count as hits); *from the cache* the rest. *Other load* is CPU that neither the "
        f"server nor the load generator used, in cores of this {os.cpu_count()}-core shared machine.",
        "",
    ]
    for run in runs:
        stats = by_class(run.samples)
        total = len(run.samples)
        errors = sum(c.errors for c in stats.values())
        lines += [
            f"### Mixed load, {run.workers} server process{'es' if run.workers > 1 else ''}, "
            f"{run.seconds:.0f} s (asyncio client)",
            "",
            f"{total:,} requests ({total / run.seconds:,.0f}/s), {errors} errors; "
            + (
                f"every URL had been answered once after {run.first_pass_s:.1f} s (the cold pass)"
                if run.first_pass_s is not None
                else "the run ended before every URL had been asked once"
            )
            + f". Server RSS: {run.rss_idle_mib:,.0f} MiB "
            f"idle, peak {run.rss_peak_mib:,.0f} MiB. CPU: server {run.load.server_cores:.2f}, client "
            f"{run.load.client_cores:.2f}, other {run.load.other_cores:.2f} cores.",
            "",
            "| Class | Requests | Errors | p50 ms | p95 ms | p99 ms | built: n, p50 / p95 ms | from the cache: p50 / p95 ms |",
            "|---|---:|---:|---:|---:|---:|---|---|",
        ]
        for cls, label in CLASSES.items():
            c = stats[cls]
            lines.append(
                f"| {label} | {c.requests:,} | {c.errors} | {fmt_ms(c.all_ms, 50)} | {fmt_ms(c.all_ms, 95)} | "
                f"{fmt_ms(c.all_ms, 99)} | {len(c.built_ms)}: {fmt_ms(c.built_ms, 50)} / "
                f"{fmt_ms(c.built_ms, 95)} | {fmt_ms(c.cached_ms, 50)} / {fmt_ms(c.cached_ms, 95)} |"
            )
        lines += [
            "",
            f"Then `wrk` on the warm server, {args.wrk_seconds:g} s per class (peak RSS "
            f"{run.wrk_rss_peak_mib:,.0f} MiB):",
            "",
            "| Class | Requests/s | Errors | p50 ms | p95 ms | p99 ms | CPU server / wrk / other |",
            "|---|---:|---:|---:|---:|---:|---|",
        ]
        for cls, label in CLASSES.items():
            r = run.wrk[cls]
            lines.append(
                f"| {label} | {r.rps:,.0f} | {r.errors} | {r.p50_ms:.1f} | {r.p95_ms:.1f} | {r.p99_ms:.1f} | "
                f"{r.server_cores:.2f} / {r.client_cores:.2f} / {r.other_cores:.2f} |"
            )
        lines.append("")
    if comparison is not None:
        names = list(comparison.rounds)
        med = {n: statistics.median(r.rps for r in comparison.rounds[n]) for n in names}
        lines += [
            "### One KPI, all municipalities, one year, as JSON: jamfor and Datasette",
            "",
            f"The same {len(kpis) * len(YEARS)} (KPI, year) pairs. jamfor: `/api/v1/values?kpi=K&year=Y` "
            "(gender T by default; rows and a total count, one page). Datasette "
            "`datasette serve -i` (immutable) with `suggest_facets off`, over an SQLite copy of the "
            "`observation` table with an index on (kpi, period, gender): "
            "`/jamfor/observation.json?kpi=K&period=Y&gender=T&_size=max` (rows and the filtered count). "
            f"Check: {comparison.rows_checked}. Each server single-process, one warm-up pass, then "
            f"`wrk` {args.connections} connections × {args.compare_seconds:g} s, {args.rounds} interleaved "
            "rounds; the median decides. *Server CPU per request* is the CPU time of the server's "
            "processes (all threads) over the requests answered: on a shared machine it depends less "
            "on the other load than the rate does.",
            "",
            "| Server | Requests/s (median) | Rounds | p95 ms (median) | Errors | Ratio jamfor ÷ Datasette "
            "| Server CPU ms per request (median) | Other load |",
            "|---|---:|---|---:|---:|---:|---:|---|",
        ]
        for name in names:
            rs = comparison.rounds[name]
            ratio = f"{med[name] / med['Datasette']:.2f}" if name != "Datasette" else ""
            lines.append(
                f"| {name} | {med[name]:,.0f} | {', '.join(f'{r.rps:,.0f}' for r in rs)} | "
                f"{statistics.median(r.p95_ms for r in rs):.1f} | {sum(r.errors for r in rs)} | {ratio} | "
                f"{statistics.median(1000 * r.server_cores / max(r.rps, 1e-9) for r in rs):.2f} | "
                f"{statistics.median(r.other_cores for r in rs):.2f} |"
            )
        lines.append("")
    # targets
    lines += ["### Targets", "", "| Target | Measured | Result |", "|---|---|---|"]
    for run in runs:
        stats = by_class(run.samples)
        errors = sum(c.errors for c in stats.values()) + sum(r.errors for r in run.wrk.values())
        k, j = stats["kommun"], stats["kpi_json"]
        tag = f"{run.workers} process{'es' if run.workers > 1 else ''}"
        lines += [
            f"| 0 errors ({tag}) | {errors} | {verdict(errors == 0)} |",
            f"| municipality page p95 ≤ {TARGET_KOMMUN_P95_MS:.0f} ms, whole {run.seconds:.0f} s run incl. "
            f"the cold pass ({tag}) | {percentile(k.all_ms, 95):,.1f} ms | "
            f"{verdict(percentile(k.all_ms, 95) <= TARGET_KOMMUN_P95_MS)} |",
            f"| … from the cache (after the first pass) | {fmt_ms(k.cached_ms, 95)} ms | "
            f"{verdict(bool(k.cached_ms) and percentile(k.cached_ms, 95) <= TARGET_KOMMUN_P95_MS)} |",
            f"| … built (the cold pass alone) | {fmt_ms(k.built_ms, 95)} ms | "
            f"{verdict(bool(k.built_ms) and percentile(k.built_ms, 95) <= TARGET_KOMMUN_P95_MS)} |",
            f"| KPI JSON p95 ≤ {TARGET_KPI_JSON_P95_MS:.0f} ms, whole run ({tag}) | "
            f"{percentile(j.all_ms, 95):,.1f} ms | {verdict(percentile(j.all_ms, 95) <= TARGET_KPI_JSON_P95_MS)} |",
            f"| … from the cache | {fmt_ms(j.cached_ms, 95)} ms | "
            f"{verdict(bool(j.cached_ms) and percentile(j.cached_ms, 95) <= TARGET_KPI_JSON_P95_MS)} |",
            f"| … built | {fmt_ms(j.built_ms, 95)} ms | "
            f"{verdict(bool(j.built_ms) and percentile(j.built_ms, 95) <= TARGET_KPI_JSON_P95_MS)} |",
            f"| server memory ≤ 1.5 GiB ({tag}, peak RSS of the process tree) | "
            f"{max(run.rss_peak_mib, run.wrk_rss_peak_mib):,.0f} MiB | "
            f"{verdict(max(run.rss_peak_mib, run.wrk_rss_peak_mib) <= TARGET_RSS_MIB)} |",
        ]
    if comparison is not None:
        med = {n: statistics.median(r.rps for r in comparison.rounds[n]) for n in comparison.rounds}
        for name in comparison.rounds:
            if name != "Datasette":
                ratio = med[name] / med["Datasette"]
                lines.append(
                    f"| throughput ≥ Datasette's: {name} | {ratio:.2f} × | {verdict(ratio >= 1.0)} |"
                )
    lines += ["", *NOTES.strip().splitlines()]
    lines += ["", "Machine: " + ", ".join(f"{k} {v}" for k, v in machine_info().items()) + "."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database", type=Path, default=DEFAULT_STORE, help="DuckDB file with the full dump (copied)"
    )
    parser.add_argument(
        "--sqlite", type=Path, default=DEFAULT_SQLITE, help="SQLite copy for Datasette (made if missing)"
    )
    parser.add_argument("--workers", default="1", help="server processes for the mixed load, e.g. 1 or 1,2")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of mixed load")
    parser.add_argument("--wrk-seconds", type=float, default=15.0, help="seconds of wrk per class, warm")
    parser.add_argument(
        "--compare-seconds", type=float, default=15.0, help="seconds of wrk per server and round"
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="interleaved rounds of the Datasette comparison"
    )
    parser.add_argument("--cache-mb", type=int, default=128, help="jamfor's response cache per process (MiB)")
    parser.add_argument(
        "--max-wait", type=float, default=MAX_WAIT, help="seconds to wait for a quiet machine"
    )
    parser.add_argument("--no-datasette", action="store_true", help="skip the comparison with Datasette")
    parser.add_argument("--no-write", action="store_true", help=f"do not update {DOC.relative_to(REPO)}")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")

    temps: list[tempfile.TemporaryDirectory[str]] = []
    try:
        source = open_source_store(args.database, temps)
        work_dir = tempfile.TemporaryDirectory(prefix="jamfor-bench-web-")
        temps.append(work_dir)
        work = Path(work_dir.name)
        database = work / "full.duckdb"
        shutil.copyfile(source, database)
        with Store.open(str(database)) as store:
            store.migrate()  # the copy only: the source file is never written
            rows = store.stats().observations
            kpis = choose_kpis(store)
            municipalities = [a.id for a in store.municipalities() if a.type == "K"]
            sqlite_rows, export_seconds = (
                (0, None) if args.no_datasette else export_sqlite(store, args.sqlite)
            )
        if export_seconds is not None:
            print(f"exported {sqlite_rows:,} rows in {export_seconds:.0f} s", flush=True)
        urls = [("kommun", f"/kommun/{a}") for a in municipalities]
        urls += [("kpi", f"/nyckeltal/{k}?year={y}") for k in kpis for y in YEARS]
        urls += [("kpi_json", f"/nyckeltal/{k}.json?year={y}") for k in kpis for y in YEARS]
        random.Random(20261124).shuffle(urls)
        n_urls = {cls: sum(1 for c, _ in urls if c == cls) for cls in CLASSES}

        runs = []
        for workers in [int(w) for w in args.workers.split(",")]:
            run = mixed_run(database, workers, urls, args, work)
            runs.append(run)
            stats = by_class(run.samples)
            for cls, c in stats.items():
                print(
                    f"  {cls}: {c.requests} requests, {c.errors} errors, p95 {fmt_ms(c.all_ms, 95)} ms "
                    f"(built {len(c.built_ms)}: p95 {fmt_ms(c.built_ms, 95)}; cached p95 {fmt_ms(c.cached_ms, 95)})",
                    flush=True,
                )
            print(
                f"  first pass {run.first_pass_s} s; RSS peak {run.rss_peak_mib:.0f} MiB; "
                f"other load {run.load.other_cores:.2f}",
                flush=True,
            )
        comparison = None
        if not args.no_datasette:
            pairs = [(k, y) for k in kpis for y in YEARS]
            comparison = compare_with_datasette(database, args.sqlite, pairs, args, work)
        section = report(runs, comparison, args, n_urls, kpis, rows)
        print(section)
        if not args.no_write:
            write_doc(section)
            print(f"wrote {DOC.relative_to(REPO)}")
    finally:
        for tmp in temps:
            tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
