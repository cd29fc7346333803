"""Soak benchmark: the website under mixed read/write load for 10 minutes, on the full dump.

One run, all on loopback:

1. *Setup.* A PostgreSQL schema holding the full Kolada dump (`--database`, default schema
   `soak_full` in the test database; built from the dump once, then reused and brought up to
   date). `--writers` editors are made (or reused) with the store's account functions, each
   with a fresh API token. Each editor reports for one municipality; editors 1 and 2 share
   one, 3 and 4 another, so their writes overlap on purpose.
2. *Load.* `jamfor serve` (`--workers` processes on PostgreSQL; `--writable`, one process, for a
   DuckDB file) and, for `--duration` seconds, an asyncio HTTP/1.1 client:
   - `--connections` keep-alive connections reading, in one fixed shuffled cycle, every
     municipality page (`/kommun/{id}`), KPI pages and KPI JSON (`/nyckeltal/{id}[.json]?year=`)
     of 10 KKiK KPIs in 5 years, and `/api/v1/values?kpi=K&year=Y` for the same pairs;
   - `--writers` editors, each opening a connection per write, sending `PUT /api/v1/values`
     with `Authorization: Bearer jf_…`: one or two of their municipality's values (non-KKiK
     KPIs, 2022), each with `expected` = the value the editor last saw, then pausing about
     `--write-pause` seconds (default 5: with 6 editors about one write a second, so the
     response cache, emptied by every change of the data, seldom serves a read). A 409 (someone else changed it first) is the correct answer,
     counted apart from errors; the editor then re-reads the value
     (`GET /api/v1/values/{kpi}/{area}/{year}/history`) and carries on.
   Errors are 5xx answers, unexpected 4xx, timeouts (`REQUEST_TIMEOUT`) and connection errors.
   The RSS of the server's process tree is sampled every `--sample-seconds` (PostgreSQL's own
   processes are not included).
3. *Checks.* After the run: every accepted write is in the audit trail (actor, value, old and
   new), nothing else was written under the editors' names, and per value the accepted writes
   form one chain from the value before the run (each one's `expected` is the previous one's
   value; written values are unique), whose end is the value stored: no update was lost.

Targets (issue #9): 0 errors; RSS growth from the end of the first minute to the end <= 10 %;
p99 latencies recorded; every accepted write audited; no lost update.

    .venv/bin/python bench/soak.py                       # 10 min; updates docs/benchmarks.md
    .venv/bin/python bench/soak.py --duration 20 --no-write   # a smoke run
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
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_here = str(Path(__file__).resolve().parent)
if _here not in sys.path:
    sys.path.insert(0, _here)  # for _serve, when this file is loaded by path (tests/test_bench_scripts.py)

from _serve import (  # noqa: E402
    BIN,
    CLK_TCK,
    DOC,
    DUMP,
    FAILURES,
    REPO,
    REQUEST_TIMEOUT,
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

DEFAULT_DATABASE = "postgresql://127.0.0.1:5432/test?schema=soak_full"
START, END = "<!-- bench:soak:start -->", "<!-- bench:soak:end -->"
WRITE_YEAR = 2022
KEYS_PER_AREA = 4
# Editors 1+2 and 3+4 share a municipality (overlapping writes); the others have one each.
WRITE_AREAS = ["1081", "1081", "0180", "0180", "1280", "2584", "0114", "1480"]
TARGET_GROWTH = 0.10
FIRST_MINUTE = 60.0
PASSWORD = "soak-benchmark-password"
CLASSES = {
    "kommun": "municipality page",
    "kpi": "KPI page",
    "kpi_json": "KPI JSON",
    "api_values": "`/api/v1/values`",
    "write": "write (`PUT /api/v1/values`)",
    "reread": "re-read after a 409 (history API)",
}

# -- the machine and the server's processes ---------------------------------------------------------


def postgres_cpu() -> float:
    """CPU seconds used so far by every PostgreSQL process on the machine (other sessions' included)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                head, _, rest = (entry / "stat").read_text().rpartition(")")
                if head.endswith("(postgres"):
                    fields = rest.split()
                    total += (int(fields[11]) + int(fields[12])) / CLK_TCK
    return total


def serve(database: str, workers: int, writable: bool, log: Path) -> Server:
    """`jamfor serve` on `database`, started and answering (`_serve.start_server`)."""
    argv = [str(BIN / "jamfor"), "--database", database, "serve", "--port", "{port}"]
    argv += ["--workers", str(workers)]
    if writable:
        argv.append("--writable")
    return start_server("jamfor serve", argv, "/static/site.css", log)


# -- data and accounts ------------------------------------------------------------------------------


def prepare_store(database: str, rebuild: bool) -> int:
    """Make sure `database` holds the full dump (built once); the number of observations."""
    from jamfor.sources.files import import_file
    from jamfor.sources.reference import load_reference

    with Store.open(database) as store:
        if rebuild and store.dialect == "postgres":
            raise SystemExit("--rebuild: drop the schema yourself (DROP SCHEMA … CASCADE), then run again")
        store.migrate()
        rows = store.stats().observations
        if rows == 0:
            print(f"{database}: building from {DUMP.name} …", flush=True)
            load_reference(store)
            import_file(store, DUMP, source="Kolada")
            rows = store.stats().observations
        elif rows < 7_000_000:
            raise SystemExit(f"{database} holds {rows:,} observations, not the full dump: use another schema")
        return rows


Key = tuple[str, str, int, str]


def choose_write_keys(store: Store, area: str) -> list[Key]:
    """Values of `area` in WRITE_YEAR of KPIs outside KKiK (no measure set closes them), bench-only SQL."""
    rows = store.db.query(
        "SELECT o.kpi FROM observation o JOIN kpi k ON k.id = o.kpi WHERE o.area = ? AND o.period = ? "
        "AND o.gender = 'T' AND o.value IS NOT NULL AND k.kkik IS NULL ORDER BY o.kpi LIMIT ?",
        [area, WRITE_YEAR, KEYS_PER_AREA],
    )
    if len(rows) < KEYS_PER_AREA:
        raise SystemExit(
            f"municipality {area} has fewer than {KEYS_PER_AREA} values in {WRITE_YEAR} to write"
        )
    return [(r[0], area, WRITE_YEAR, "T") for r in rows]


@dataclass
class Editor:
    name: str
    area: str
    token: str
    keys: list[Key]


def prepare_editors(database: str, count: int) -> tuple[list[Editor], dict[Key, float], int]:
    """The editors with fresh tokens, the values before the run, and the last audit event id."""
    from jamfor.errors import NotFoundError
    from jamfor.store.accounts import add_user, create_token, revoke_tokens, set_role, user
    from jamfor.store.entry import closed_periods

    if count > len(WRITE_AREAS):
        raise SystemExit(f"--writers: at most {len(WRITE_AREAS)}")
    editors, initial = [], {}
    with Store.open(database) as store:
        if closed_periods(store):
            raise SystemExit(f"{database} has closed reporting periods: reopen them (`jamfor period reopen`)")
        keys_by_area = {area: choose_write_keys(store, area) for area in dict.fromkeys(WRITE_AREAS[:count])}
        for i, area in enumerate(WRITE_AREAS[:count], 1):
            name = f"soak-editor-{i}"
            try:
                user(store, name)
                set_role(store, name, "editor", areas=[area], actor="bench-soak", via="cli")
            except NotFoundError:
                add_user(store, name, PASSWORD, role="editor", areas=[area], actor="bench-soak", via="cli")
            revoke_tokens(store, name, actor="bench-soak")
            token = create_token(store, name, "soak benchmark", actor="bench-soak")
            editors.append(Editor(name, area, token, keys_by_area[area]))
        for keys in keys_by_area.values():
            for key in keys:
                found = store.observation(*key)
                assert found is not None and found.value is not None
                initial[key] = float(found.value)
        last_event = int(store.db.query("SELECT coalesce(max(id), 0) FROM audit_event")[0][0])
    return editors, initial, last_event


# -- the asyncio client -----------------------------------------------------------------------------


@dataclass
class Accepted:
    """One value of an accepted write."""

    editor: str
    key: Key
    expected: float
    value: float
    batch_id: int | None


@dataclass
class Outcome:
    samples: list[Sample] = field(default_factory=list)
    accepted: list[Accepted] = field(default_factory=list)
    uncertain: list[Accepted] = field(default_factory=list)  # no answer: written or not
    unexpected: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0


async def run_load(
    port: int,
    urls: Sequence[tuple[str, str]],
    editors: Sequence[Editor],
    initial: dict[Key, float],
    connections: int,
    seconds: float,
    write_pause: float,
    seed: int,
) -> Outcome:
    out = Outcome()
    t0 = time.perf_counter()
    deadline = t0 + seconds
    position = 0
    # Written values are counter + 0.25: exact in binary, and unique, also against the values before
    # the run (earlier runs wrote such values too), so that accepted writes chain unambiguously.
    counter = int(max(initial.values(), default=0.0)) + 1

    async def timed(
        conn: Connection,
        cls: str,
        method: str,
        path: str,
        headers: dict[str, str] | None = None,
        body: bytes = b"",
    ) -> tuple[int, bytes]:
        start = time.perf_counter()
        try:
            status, hit, content = await conn.request(method, path, headers, body)
        except FAILURES as exc:
            conn.close()
            out.unexpected[f"{cls}: {type(exc).__name__}"] += 1
            out.samples.append(Sample(cls, time.perf_counter() - start, 0, None, start - t0))
            return 0, b""
        out.samples.append(Sample(cls, time.perf_counter() - start, status, hit, start - t0))
        return status, content

    async def reader() -> None:
        nonlocal position
        conn = Connection(port, "jamfor-soak")
        while time.perf_counter() < deadline:
            cls, path = urls[position % len(urls)]
            position += 1
            status, _ = await timed(conn, cls, "GET", path)
            if status not in (0, 200):
                out.unexpected[f"{cls} {status}"] += 1
        conn.close()

    async def writer(editor: Editor, rng: random.Random) -> None:
        nonlocal counter
        conn = Connection(port, "jamfor-soak")
        seen = {key: initial[key] for key in editor.keys}
        auth = {"Authorization": f"Bearer {editor.token}", "Content-Type": "application/json"}
        await asyncio.sleep(rng.uniform(0, write_pause))
        while time.perf_counter() < deadline:
            chosen = rng.sample(editor.keys, rng.choice((1, 1, 2)))
            values = {}
            for key in chosen:
                counter += 1
                values[key] = counter + 0.25
            body = json.dumps(
                [
                    {
                        "kpi": k[0],
                        "area": k[1],
                        "period": k[2],
                        "gender": k[3],
                        "value": v,
                        "expected": seen[k],
                    }
                    for k, v in values.items()
                ]
            ).encode()
            status, content = await timed(conn, "write", "PUT", "/api/v1/values", auth, body)
            if status == 200:
                batch_id = json.loads(content)["batch_id"]
                for key, value in values.items():
                    out.accepted.append(Accepted(editor.name, key, seen[key], value, batch_id))
                    seen[key] = value
            elif status == 409:
                for key in chosen:
                    kpi, area, period, gender = key
                    path = f"/api/v1/values/{kpi}/{area}/{period}/history?gender={gender}"
                    got, content = await timed(conn, "reread", "GET", path)
                    if got == 200:
                        seen[key] = float(json.loads(content)["current"]["value"])
                    elif got != 0:
                        out.unexpected[f"reread {got}"] += 1
            elif status == 0:
                for key, value in values.items():
                    out.uncertain.append(Accepted(editor.name, key, seen[key], value, None))
            else:
                out.unexpected[f"write {status}: {content[:200].decode(errors='replace')}"] += 1
            # The server closes idle keep-alive connections after 5 s (uvicorn): a request sent on one
            # as it closes would fail on our side, so an editor opens a fresh connection per write.
            conn.close()
            await asyncio.sleep(rng.uniform(0.5, 1.5) * write_pause)
        conn.close()

    rng = random.Random(seed)
    tasks = [reader() for _ in range(connections)]
    tasks += [writer(e, random.Random(rng.random())) for e in editors]
    await asyncio.gather(*tasks)
    out.seconds = time.perf_counter() - t0
    return out


# -- checks -----------------------------------------------------------------------------------------


@dataclass
class Checks:
    accepted: int
    audited: int
    missing_in_audit: list[str]
    unacknowledged: list[str]
    phantom: list[str]  # audited, yet no request for it was accepted or went unanswered
    chains_ok: int
    values: int
    lost: list[str]


def check_writes(
    store: Store, editors: Sequence[str], initial: dict[Key, float], out: Outcome, since: int
) -> Checks:
    """Every accepted write audited; per value, accepted writes chain from the start to what is stored."""
    from jamfor.store.entry import value_key

    events = store.db.query(
        "SELECT actor, entity_key, old_value, new_value FROM audit_event WHERE id > ? AND action = 'set-value' "
        "AND actor = ANY(?)",
        [since, list(editors)],
    )
    stored = {key: store.observation(*key) for key in initial}
    audit = Counter((str(a), str(k), float(o), float(n)) for a, k, o, n in events)
    wanted = Counter((w.editor, value_key(*w.key), w.expected, w.value) for w in out.accepted)
    missing = [f"{e} {k}: {o!r} -> {n!r}" for (e, k, o, n), c in (wanted - audit).items() for _ in range(c)]
    extra = [f"{e} {k}: {o!r} -> {n!r}" for (e, k, o, n), c in (audit - wanted).items() for _ in range(c)]
    unanswered = Counter((w.editor, value_key(*w.key), w.expected, w.value) for w in out.uncertain)
    phantom = [
        f"{e} {k}: {o!r} -> {n!r}"
        for (e, k, o, n), c in (audit - wanted - unanswered).items()
        for _ in range(c)
    ]
    by_key: dict[Key, dict[float, Accepted]] = defaultdict(dict)
    lost = []
    for w in out.accepted:
        if w.expected in by_key[w.key]:
            lost.append(f"{value_key(*w.key)}: two accepted writes expected {w.expected!r}")
        by_key[w.key][w.expected] = w
    chains_ok = 0
    maybe: dict[Key, dict[float, Accepted]] = defaultdict(dict)
    for w in out.uncertain:
        maybe[w.key][w.expected] = w
    for key, start in initial.items():
        chain, current, last = dict(by_key.get(key, {})), start, None
        while current in chain or current in maybe[key]:
            # A write that got no answer may have been made: it may sit in the chain (checked by batch below).
            last = chain.pop(current) if current in chain else maybe[key].pop(current)
            current = last.value
        now = stored[key]
        now_value = None if now is None else now.value
        problems = []
        if chain:
            problems.append(f"{len(chain)} accepted writes off the chain")
        if now_value != current:
            problems.append(f"stored {now_value!r}, last accepted {current!r}")
        if (
            last is not None
            and last.batch_id is not None
            and now is not None
            and now.batch_id != last.batch_id
        ):
            problems.append(f"stored batch {now.batch_id}, last accepted batch {last.batch_id}")
        if problems:
            lost.append(f"{value_key(*key)}: " + "; ".join(problems))
        else:
            chains_ok += 1
    return Checks(
        len(out.accepted), sum(audit.values()), missing, extra, phantom, chains_ok, len(initial), lost
    )


# -- statistics and the report ----------------------------------------------------------------------


def ms(seconds: float) -> str:
    return "–" if seconds != seconds else f"{seconds * 1000:,.1f}"


def is_error(sample: Sample) -> bool:
    return (
        sample.status == 0 or sample.status >= 500 or (400 <= sample.status != 409 and sample.status != 200)
    )


@dataclass
class ClassRow:
    cls: str
    requests: int
    errors: int
    conflicts: int
    p50: float
    p95: float
    p99: float
    hits: float | None


def class_rows(samples: Sequence[Sample]) -> list[ClassRow]:
    rows = []
    for cls in CLASSES:
        mine = [s for s in samples if s.cls == cls]
        if not mine:
            continue
        times = [s.seconds for s in mine]
        marked = [s.hit for s in mine if s.hit is not None]
        rows.append(
            ClassRow(
                cls,
                len(mine),
                sum(1 for s in mine if s.status != 409 and is_error(s)),
                sum(1 for s in mine if s.status == 409),
                percentile(times, 50),
                percentile(times, 95),
                percentile(times, 99),
                sum(marked) / len(marked) if marked else None,
            )
        )
    return rows


def memory_growth(
    samples: Sequence[tuple[float, float]], duration: float
) -> tuple[float, float, float, float]:
    """(seconds of the baseline sample, baseline MiB, end MiB, growth): baseline at the end of the first minute."""
    mark = min(FIRST_MINUTE, duration / 3)
    base_t, base = next(((t, m) for t, m in samples if t >= mark), samples[-1])
    end = samples[-1][1]
    return base_t, base, end, (end - base) / base if base else float("nan")


def render(
    args: argparse.Namespace,
    rows_in_store: int,
    urls_count: int,
    kpis: Sequence[str],
    editors: Sequence[Editor],
    out: Outcome,
    rss: Sequence[tuple[float, float]],
    checks: Checks,
    cores: tuple[float, float, float, float],
) -> str:
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    rows = class_rows(out.samples)
    reads = [r for r in rows if r.cls not in ("write", "reread")]
    total = sum(r.requests for r in rows)
    errors = sum(r.errors for r in rows)
    conflicts = sum(r.conflicts for r in rows)
    writes = next((r for r in rows if r.cls == "write"), None)
    base_t, base, end, growth = memory_growth(rss, out.seconds)
    peak = max(m for _, m in rss)
    mark_label = "end of the first minute" if out.seconds >= 3 * FIRST_MINUTE else "a third of the run"
    shared = sorted({e.area for e in editors if sum(1 for o in editors if o.area == e.area) > 1})
    command = ".venv/bin/python bench/soak.py" + "".join(
        f" --{k.replace('_', '-')} {v:g}"
        for k, v in (
            ("duration", args.duration),
            ("workers", args.workers),
            ("connections", args.connections),
            ("writers", args.writers),
            ("write_pause", args.write_pause),
        )
        if v != DEFAULTS[k]
    )
    database = re.sub(r"//[^@/]*@", "//", args.database)  # never a password in the report
    if args.database != DEFAULT_DATABASE:
        command += f" --database '{database}'"
    if database.startswith(("postgresql://", "postgres://")):
        store_text, serve_text = f"PostgreSQL `{database}`", f"`jamfor serve --workers {args.workers}`"
    else:
        store_text, serve_text = f"DuckDB file `{database}`", "`jamfor serve --writable` (one process)"
    server, client, pg, other = cores
    lines = [
        START,
        "## Soak: mixed read/write load (`bench/soak.py`)",
        "",
        f"Run {when}, `{command}`, on {machine}. Store: {store_text} with the full dump "
        f"({rows_in_store:,} observations), {serve_text} (response cache 128 MiB "
        f"per process, 4 database connections each), on loopback for {out.seconds:.0f} s. Reads: "
        f"{args.connections} keep-alive connections cycling through {urls_count:,} URLs (all municipality "
        f"pages; KPI pages, KPI JSON and `/api/v1/values?kpi=K&year=Y` for {len(kpis)} KKiK KPIs × "
        f"{len(YEARS)} years, {YEARS[0]}–{YEARS[-1]}). Writes: {len(editors)} editors with API tokens "
        f"(`PUT /api/v1/values`, 1–2 of their municipality's {WRITE_YEAR} values per request, each with "
        f"`expected`, a pause of ~{args.write_pause:g} s between requests); editors share municipalities "
        f"{', '.join(shared) or '–'} so that their writes collide. A 409 is the correct answer to a "
        f"collision and is counted apart from errors (5xx, other unexpected status, timeouts over "
        f"{REQUEST_TIMEOUT:.0f} s, connection errors). Every write empties the response caches (the data "
        f"version changes), so reads are mostly built afresh. CPU during the run, in cores of this shared "
        f"machine: server {server:.2f}, load generator {client:.2f}, PostgreSQL {pg:.2f} (all its "
        f"processes, other sessions' queries included), everything else {other:.2f}.",
        "",
        f"{total:,} requests ({total / out.seconds:,.0f}/s), **{errors} errors**, {conflicts} conflicts (409).",
        "",
        "| Class | Requests | Errors | 409 | p50 ms | p95 ms | p99 ms | from the cache |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        hits = "–" if r.hits is None else f"{r.hits:.0%}"
        lines.append(
            f"| {CLASSES[r.cls]} | {r.requests:,} | {r.errors} | {r.conflicts} | {ms(r.p50)} | {ms(r.p95)} "
            f"| {ms(r.p99)} | {hits} |"
        )
    all_reads = [s.seconds for s in out.samples if s.cls in {r.cls for r in reads}]
    lines += [
        "",
        f"All reads: p50 {ms(percentile(all_reads, 50))} ms, p95 {ms(percentile(all_reads, 95))} ms, "
        f"p99 {ms(percentile(all_reads, 99))} ms.",
        "",
        f"Server memory (RSS of the process tree, every {args.sample_seconds:g} s; PostgreSQL's processes "
        f"not included): {base:,.0f} MiB at {base_t:.0f} s ({mark_label}), {end:,.0f} MiB at "
        f"the end, peak {peak:,.0f} MiB: growth **{growth:+.1%}** (target ≤ {TARGET_GROWTH:.0%}).",
        "",
    ]
    lines.append(
        f"Writes: {writes.requests if writes else 0:,} requests, {checks.accepted:,} values accepted, "
        f"{conflicts} refused with 409. Audit trail: {checks.audited:,} `set-value` events by the editors "
        f"during the run; accepted but not audited: **{len(checks.missing_in_audit)}**; audited but not "
        f"acknowledged to a client: {len(checks.unacknowledged)} ({len(out.uncertain)} values were sent in requests "
        f"that got no answer), not sent by anyone: **{len(checks.phantom)}**. Per value, the accepted writes form one "
        f"chain from the value before the run to the value stored after it for {checks.chains_ok} of "
        f"{checks.values} values: lost updates **{len(checks.lost)}**."
    )
    verdicts = [
        ("errors", "0", str(errors), errors == 0),
        (
            f"memory growth, {mark_label} → end",
            f"≤ {TARGET_GROWTH:.0%}",
            f"{growth:+.1%}",
            growth <= TARGET_GROWTH,
        ),
        (
            "accepted writes in the audit trail",
            "all",
            f"{checks.accepted - len(checks.missing_in_audit):,} of {checks.accepted:,}",
            not checks.missing_in_audit,
        ),
        ("audit events nobody sent", "0", str(len(checks.phantom)), not checks.phantom),
        ("lost updates", "0", str(len(checks.lost)), not checks.lost),
    ]
    lines += ["", "| Target | Wanted | Measured | |", "|---|---|---|---|"]
    lines += [
        f"| {name} | {want} | {got} | {'met' if ok else 'missed'} |" for name, want, got, ok in verdicts
    ]
    if out.unexpected:
        lines += [
            "",
            "Unexpected answers: " + "; ".join(f"{k} ×{v}" for k, v in out.unexpected.most_common(10)) + ".",
        ]
    problems = checks.lost + checks.missing_in_audit + checks.phantom
    if problems:
        lines += ["", "Problems: " + "; ".join(problems[:10]) + "."]
    lines.append(END)
    return "\n".join(lines)


# -- main -------------------------------------------------------------------------------------------

DEFAULTS: dict[str, Any] = {
    "duration": 600.0,
    "workers": 2,
    "connections": 8,
    "writers": 6,
    "write_pause": 5.0,
}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="bench/soak.py",
        description="The website under mixed read/write load on the full dump (issue #9, soak).",
    )
    p.add_argument(
        "--database",
        default=DEFAULT_DATABASE,
        help="PostgreSQL URL (a schema holding the full dump; built once) or a DuckDB file",
    )
    p.add_argument(
        "--duration", type=float, default=DEFAULTS["duration"], help="seconds of load (default 600)"
    )
    p.add_argument(
        "--workers", type=int, default=DEFAULTS["workers"], help="server processes (PostgreSQL; DuckDB: 1)"
    )
    p.add_argument("--connections", type=int, default=DEFAULTS["connections"], help="reading connections")
    p.add_argument(
        "--writers",
        type=int,
        default=DEFAULTS["writers"],
        help=f"editors writing (at most {len(WRITE_AREAS)})",
    )
    p.add_argument(
        "--write-pause",
        type=float,
        default=DEFAULTS["write_pause"],
        help="mean seconds between an editor's writes",
    )
    p.add_argument("--sample-seconds", type=float, default=2.0, help="seconds between RSS samples")
    p.add_argument("--seed", type=int, default=9, help="random seed of the URL order and the writes")
    p.add_argument("--rebuild", action="store_true", help="(DuckDB) rebuild the store from the dump")
    p.add_argument(
        "--no-write", action="store_true", help="print the section, leave docs/benchmarks.md alone"
    )
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.duration <= 0 or args.connections < 1 or args.workers < 1 or args.writers < 0:
        raise SystemExit("--duration, --connections and --workers must be positive, --writers at least 0")
    postgres = args.database.startswith(("postgresql://", "postgres://"))
    if not postgres:
        path = Path(args.database)
        if args.rebuild and path.exists():
            path.unlink()
        args.workers = 1
    rows_in_store = prepare_store(args.database, args.rebuild)
    with Store.open(args.database) as store:
        kpis = choose_kpis(store)
        municipalities = [a.id for a in store.municipalities()]
    editors, initial, last_event = prepare_editors(args.database, args.writers)
    urls = [("kommun", f"/kommun/{m}") for m in municipalities]
    for kpi in kpis:
        for year in YEARS:
            urls += [
                ("kpi", f"/nyckeltal/{kpi}?year={year}"),
                ("kpi_json", f"/nyckeltal/{kpi}.json?year={year}"),
                ("api_values", f"/api/v1/values?kpi={kpi}&year={year}"),
            ]
    random.Random(args.seed).shuffle(urls)
    with tempfile.TemporaryDirectory(prefix="jamfor-soak-") as tmp:
        server = serve(args.database, args.workers, not postgres, Path(tmp) / "serve.log")
        try:
            print(
                f"soak: {args.duration:g} s, {args.workers} server process(es), {args.connections} readers, "
                f"{len(editors)} writers, {len(urls)} URLs …",
                flush=True,
            )
            busy, own, pg, t0 = machine_busy(), own_cpu(children=False), postgres_cpu(), time.monotonic()
            srv = tree_cpu(process_tree(server.proc.pid), reaped=True)
            with RssSampler(server.proc.pid, args.sample_seconds) as sampler:
                out = asyncio.run(
                    run_load(
                        server.port,
                        urls,
                        editors,
                        initial,
                        args.connections,
                        args.duration,
                        args.write_pause,
                        args.seed,
                    )
                )
            seconds = time.monotonic() - t0
            server_cores = (tree_cpu(process_tree(server.proc.pid), reaped=True) - srv) / seconds
            client_cores = (own_cpu(children=False) - own) / seconds
            pg_cores = (postgres_cpu() - pg) / seconds
            other = max(0.0, (machine_busy() - busy) / seconds - server_cores - client_cores - pg_cores)
        finally:
            server.stop()
        log_tail = server.log.read_text(errors="replace")[-2000:]
    with Store.open(args.database) as store:
        checks = check_writes(store, [e.name for e in editors], initial, out, last_event)
    text = render(
        args,
        rows_in_store,
        len(urls),
        kpis,
        editors,
        out,
        sampler.samples,
        checks,
        (server_cores, client_cores, pg_cores, other),
    )
    print(text)
    if any(is_error(s) and s.status != 409 for s in out.samples):
        print(f"server log (tail):\n{log_tail}", file=sys.stderr)
    if not args.no_write:
        write_section(text, START, END)
        print(f"wrote {DOC.relative_to(REPO)}")
    return 1 if checks.lost or checks.missing_in_audit or checks.phantom else 0


if __name__ == "__main__":
    sys.exit(main())
