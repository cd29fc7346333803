"""A fake Kolada for tests and demos: our Kolada-compatible API over a store filled from the
real files, behind a layer that injects the faults a Kolada client must survive.

    url = build_fake_store(tmp / "kolada.duckdb", kpis=["N00945", "N00938"])
    plan = FaultPlan([rate_limited("/data*", retry_after=1), truncated("/kpi*", keep_bytes=100, nth=2)])
    with serve_in_thread(fake_kolada_app(url, plan)) as server:
        ...  # a client reads server.kolada_url; plan.served lists what it asked and what it got

The faults: an HTTP error (500, 503, or 429 with Retry-After), a slow answer (for timeouts), a
body cut short (invalid JSON, or a connection that closes before Content-Length is reached), a
page of a query that disappears (404 or an empty page) after it was fetched, and a rate limit.
A plan is data (`FaultPlan.from_dicts` reads the same rules from JSON) and can change while a
client runs.
"""

from __future__ import annotations

import csv
import fnmatch
import gzip
import json
import logging
import os
import socket
import tempfile
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl

import anyio
import uvicorn
from fastapi import FastAPI
from starlette.datastructures import URL
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jamfor.errors import JamforError
from jamfor.model import ImportSummary
from jamfor.sources.files import import_file
from jamfor.sources.reference import load_reference
from jamfor.store import Store
from jamfor.store.kolada_reads import DELETED_STATUS, backdate_imports
from jamfor.web.access import StoreAccess
from jamfor.web.kolada_api import PREFIX
from jamfor.web.kolada_api import router as kolada_router

FaultKind = Literal["status", "slow", "truncate", "vanish"]
DUMP_NAME = "kolada_values_2024-08_long.csv.gz"


# -- the plan -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fault:
    """One rule: which requests it hits and what they get instead of the normal answer.

    A request matches when its path below /kolada/v3 fits the glob `path` (`*` spans slashes),
    every parameter in `query` has that value and, if `page` is set, it asks for that page (no
    `page` parameter is page 1). The rule counts its matching requests and hits number `nth`
    (from 1) and the `times - 1` after it; `times=None` hits every one from `nth` on.
    """

    kind: FaultKind
    path: str = "*"
    query: Mapping[str, str] = field(default_factory=dict)
    page: int | None = None
    nth: int = 1
    times: int | None = 1
    status: int = 500
    retry_after: int | None = None
    seconds: float = 0.0
    keep_bytes: int = 0
    cut_connection: bool = False
    vanish_as: Literal["404", "empty"] = "404"

    def matches(self, path: str, params: Mapping[str, str]) -> bool:
        if not fnmatch.fnmatchcase(path, self.path):
            return False
        if any(params.get(k) != v for k, v in self.query.items()):
            return False
        return self.page is None or _page_of(params) == self.page

    def hits(self, number: int) -> bool:
        """Whether the `number`th matching request (from 1) gets the fault."""
        return number >= self.nth and (self.times is None or number < self.nth + self.times)

    def describe(self) -> str:
        if self.kind == "status":
            after = f", Retry-After {self.retry_after}" if self.retry_after is not None else ""
            return f"status {self.status}{after}"
        if self.kind == "slow":
            return f"slow {self.seconds:g} s"
        if self.kind == "truncate":
            how = "connection cut" if self.cut_connection else "body cut"
            return f"truncated after {self.keep_bytes} bytes ({how})"
        return f"page {self.page} vanished ({self.vanish_as})"


def server_error(path: str = "*", *, status: int = 500, nth: int = 1, times: int | None = 1) -> Fault:
    """An HTTP error with a JSON body, e.g. 500 or 503."""
    return Fault("status", path, status=status, nth=nth, times=times)


def rate_limited(path: str = "*", *, retry_after: int = 1, nth: int = 1, times: int | None = 1) -> Fault:
    """429 Too Many Requests with `Retry-After: <seconds>`."""
    return Fault("status", path, status=429, retry_after=retry_after, nth=nth, times=times)


def slow(path: str = "*", *, seconds: float, nth: int = 1, times: int | None = 1) -> Fault:
    """The answer comes after `seconds` (a client with a shorter read timeout gives up)."""
    return Fault("slow", path, seconds=seconds, nth=nth, times=times)


def truncated(
    path: str = "*", *, keep_bytes: int, cut_connection: bool = False, nth: int = 1, times: int | None = 1
) -> Fault:
    """200 with only the first `keep_bytes` bytes of the JSON body.

    By default Content-Length says the short length (the client gets invalid JSON); with
    `cut_connection` it says the full length and the connection closes early (the client's HTTP
    library reports an incomplete body).
    """
    return Fault("truncate", path, keep_bytes=keep_bytes, cut_connection=cut_connection, nth=nth, times=times)


def vanishing_page(
    path: str = "/data*", *, page: int, after: int = 1, vanish_as: Literal["404", "empty"] = "404"
) -> Fault:
    """Page `page` of matching queries is served `after` times, then is gone (404 or an empty page).

    `after=0` makes a page that was announced (the page before had a next_url) missing when the
    client gets there; `after=1` makes a retry or a second sync of the page fail.
    """
    return Fault("vanish", path, page=page, nth=after + 1, times=None, vanish_as=vanish_as)


def _page_of(params: Mapping[str, str]) -> int | None:
    raw = params.get("page", "1")
    return int(raw) if raw.isdigit() else None


@dataclass(frozen=True)
class Served:
    """One request the fake Kolada answered: what was asked, the status, and the fault if any."""

    at: float
    method: str
    path: str  # below /kolada/v3
    query: str
    status: int
    fault: str | None

    @property
    def params(self) -> dict[str, str]:
        return dict(parse_qsl(self.query, keep_blank_values=True))


class FaultPlan:
    """The rules in force, an optional rate limit (requests a second), and the log of requests.

    Thread-safe: tests change and read it while the server answers in another thread.
    """

    def __init__(self, faults: Iterable[Fault] = (), *, rate_limit: float | None = None) -> None:
        self._lock = threading.Lock()
        self._rules: list[tuple[Fault, list[int]]] = [(f, [0]) for f in faults]
        self.rate_limit = rate_limit
        self._recent: deque[float] = deque()
        self.served: list[Served] = []

    @classmethod
    def from_dicts(cls, rules: Iterable[Mapping[str, Any]], *, rate_limit: float | None = None) -> FaultPlan:
        """Rules as data, e.g. from JSON: `{"kind": "status", "path": "/data*", "status": 503}`."""
        known = set(Fault.__dataclass_fields__)
        faults = []
        for number, rule in enumerate(rules, 1):
            unknown = sorted(set(rule) - known)
            if unknown:
                raise JamforError(f"fault rule {number}: unknown field {unknown[0]!r}")
            if rule.get("kind") not in ("status", "slow", "truncate", "vanish"):
                raise JamforError(
                    f"fault rule {number}: kind must be status, slow, truncate or vanish, not {rule.get('kind')!r}"
                )
            faults.append(Fault(**dict(rule)))
        return cls(faults, rate_limit=rate_limit)

    def add(self, fault: Fault) -> FaultPlan:
        """Add a rule (it counts requests from now on)."""
        with self._lock:
            self._rules.append((fault, [0]))
        return self

    def clear(self) -> None:
        """Drop every rule and the rate limit (the log stays)."""
        with self._lock:
            self._rules.clear()
            self.rate_limit = None

    def decide(self, path: str, params: Mapping[str, str], now: float | None = None) -> Fault | None:
        """The fault for this request, if any: the first rule that hits it, else the rate limit.

        Every matching rule counts the request, whether or not an earlier rule hit it.
        """
        now = time.monotonic() if now is None else now
        chosen: Fault | None = None
        with self._lock:
            for fault, counter in self._rules:
                if fault.matches(path, params):
                    counter[0] += 1
                    if chosen is None and fault.hits(counter[0]):
                        chosen = fault
            if chosen is None and self.rate_limit is not None:
                while self._recent and now - self._recent[0] >= 1.0:
                    self._recent.popleft()
                if len(self._recent) >= self.rate_limit:
                    chosen = Fault("status", status=429, retry_after=1)
                else:
                    self._recent.append(now)
        return chosen

    def record(self, served: Served) -> None:
        with self._lock:
            self.served.append(served)

    def requests(self, path: str = "*") -> list[Served]:
        """The requests answered so far whose path fits the glob, oldest first."""
        with self._lock:
            return [s for s in self.served if fnmatch.fnmatchcase(s.path, path)]

    def count(self, path: str = "*") -> int:
        return len(self.requests(path))

    def faulted(self) -> list[Served]:
        """The requests that got a fault instead of the normal answer."""
        with self._lock:
            return [s for s in self.served if s.fault is not None]


# -- the fault layer ------------------------------------------------------------------------------


class FaultInjector:
    """ASGI middleware applying a FaultPlan to requests under /kolada/v3 and logging them all."""

    def __init__(self, app: ASGIApp, plan: FaultPlan, prefix: str = PREFIX) -> None:
        self.app = app
        self.plan = plan
        self.prefix = prefix
        _quiet_cuts()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or not (path == self.prefix or path.startswith(self.prefix + "/")):
            await self.app(scope, receive, send)
            return
        below = path[len(self.prefix) :] or "/"
        query = scope.get("query_string", b"").decode("latin-1")
        params = dict(parse_qsl(query, keep_blank_values=True))
        fault = self.plan.decide(below, params)
        status = [0]
        recorded = [False]

        def record() -> None:
            if not recorded[0]:
                recorded[0] = True
                fault_text = None if fault is None else fault.describe()
                method = scope.get("method", "GET")
                self.plan.record(Served(time.time(), method, below, query, status[0], fault_text))

        async def logged(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = int(message["status"])
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                record()  # before the client can see the end of the answer
            await send(message)

        try:
            if fault is None:
                await self.app(scope, receive, logged)
            elif fault.kind == "status":
                await _json(
                    logged, fault.status, {"detail": f"fake Kolada: {fault.describe()}"}, fault.retry_after
                )
            elif fault.kind == "slow":
                await anyio.sleep(fault.seconds)
                await self.app(scope, receive, logged)
            elif fault.kind == "truncate":
                await _truncated(self.app, scope, receive, logged, fault)
            elif fault.vanish_as == "404":
                await _json(logged, 404, {"detail": "fake Kolada: this page is gone"})
            else:
                await _json(logged, 200, _empty_page(scope, params))
        finally:
            record()


async def _json(send: Send, status: int, body: Any, retry_after: int | None = None) -> None:
    data = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    if retry_after is not None:
        headers.append((b"retry-after", str(retry_after).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data, "more_body": False})


def _empty_page(scope: Scope, params: Mapping[str, str]) -> dict[str, Any]:
    page = _page_of(params) or 1
    url = URL(scope=scope)
    previous = str(url.include_query_params(page=page - 1)) if page > 1 else None
    return {"values": [], "count": 0, "next_url": None, "previous_url": previous}


async def _truncated(app: ASGIApp, scope: Scope, receive: Receive, send: Send, fault: Fault) -> None:
    start: Message | None = None
    chunks: list[bytes] = []

    async def collect(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            start = message
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, collect)
    assert start is not None
    body = b"".join(chunks)
    cut = body[: fault.keep_bytes]
    headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
    if not fault.cut_connection:
        headers.append((b"content-length", str(len(cut)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": cut, "more_body": False})
        return
    headers.append((b"content-length", str(len(body)).encode()))
    await send({**start, "headers": headers})
    await send({"type": "http.response.body", "body": cut, "more_body": True})
    # An error after the response has started makes the server close the connection.
    raise ConnectionCut(f"fake Kolada: connection cut after {len(cut)} of {len(body)} bytes")


class ConnectionCut(Exception):
    """Raised to make the server drop a connection mid-body; kept out of the server's error log."""


class _QuietCuts(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], ConnectionCut))


def _quiet_cuts() -> None:
    server_log = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _QuietCuts) for f in server_log.filters):
        server_log.addFilter(_QuietCuts())


# -- the app and a live server ----------------------------------------------------------------------


def fake_kolada_app(store: str | Store, faults: FaultPlan | None = None) -> FastAPI:
    """The Kolada-compatible API alone (under /kolada/v3) over `store`, with `faults` applied.

    `store` is a database URL (opened here, closed on shutdown) or an open Store. The plan is
    `app.state.faults` (an empty one when none is given: it still logs every request), and the
    store is reachable as `app.state.access` for tests that change data mid-sync.
    """
    owned = isinstance(store, str)
    opened = Store.open(store) if isinstance(store, str) else store
    plan = faults if faults is not None else FaultPlan()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        if owned:
            opened.close()

    app = FastAPI(
        title="fake Kolada",
        docs_url=None,
        redoc_url=None,
        openapi_url=f"{PREFIX}/openapi.json",
        lifespan=lifespan,
    )
    app.state.access = StoreAccess(opened)
    app.state.faults = plan
    app.include_router(kolada_router)
    app.add_middleware(FaultInjector, plan=plan)
    return app


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


@dataclass(frozen=True)
class LiveServer:
    """A server running in a thread of this process: its base URL and the Kolada base URL."""

    url: str
    app: ASGIApp

    @property
    def kolada_url(self) -> str:
        return self.url + PREFIX


@contextmanager
def serve_in_thread(
    app: ASGIApp, *, host: str = "127.0.0.1", port: int | None = None
) -> Iterator[LiveServer]:
    """Run `app` with uvicorn on a real socket in a daemon thread until the block ends."""
    port = port or free_port(host)
    config = uvicorn.Config(
        app, host=host, port=port, log_level="warning", http="h11", lifespan="on", timeout_graceful_shutdown=1
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"fake-kolada-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise JamforError(f"the server on {host}:{port} did not start")
        time.sleep(0.02)
    try:
        yield LiveServer(f"http://{host}:{port}", app)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


# -- the data -------------------------------------------------------------------------------------


def default_values_file() -> Path:
    """The full Kolada dump: $JAMFOR_KOLADA_DUMP, else shared/data/kolada/ beside the repository."""
    env = os.environ.get("JAMFOR_KOLADA_DUMP", "").strip()
    candidates = [Path(env)] if env else []
    candidates.append(Path(__file__).resolve().parents[4] / "shared" / "data" / "kolada" / DUMP_NAME)
    for path in candidates:
        if path.is_file():
            return path
    raise JamforError(
        f"the Kolada dump {DUMP_NAME} was not found (looked at {', '.join(str(p) for p in candidates)}); "
        "set JAMFOR_KOLADA_DUMP or pass values="
    )


def _filtered_copy(
    source: Path,
    out: Path,
    kpis: set[str] | None,
    municipalities: set[str] | None,
    years: set[int] | None,
) -> int:
    """The rows of a values CSV that pass the filters, to `out`; returns how many.

    The dump is sorted by KPI, so with a KPI filter reading stops after the last KPI wanted.
    """
    last_kpi = max(kpis) if kpis else None
    opener = gzip.open if source.suffix == ".gz" else open
    written = 0
    with (
        opener(source, "rt", encoding="utf-8-sig", newline="") as fh,
        out.open("w", encoding="utf-8", newline="") as o,
    ):
        reader = csv.reader(fh)
        header = next(reader)
        names = [h.strip().lower() for h in header]
        col = {name: names.index(name) for name in ("kpi", "municipality", "period") if name in names}
        if len(col) < 3:
            raise JamforError(f"{source.name}: expected columns kpi, municipality and period")
        writer = csv.writer(o)
        writer.writerow(header)
        previous = ""
        in_order = True
        for row in reader:
            kpi = row[col["kpi"]]
            in_order = in_order and kpi >= previous
            previous = kpi
            if last_kpi is not None and in_order and kpi > last_kpi:
                break
            if kpis is not None and kpi not in kpis:
                continue
            if municipalities is not None and row[col["municipality"]] not in municipalities:
                continue
            if years is not None and int(row[col["period"]]) not in years:
                continue
            writer.writerow(row)
            written += 1
    return written


def build_fake_store(
    path: str | Path,
    *,
    values: str | Path | None = None,
    kpis: Sequence[str] | None = None,
    municipalities: Sequence[str] | None = None,
    years: Sequence[int] | None = None,
    imported_at: datetime | None = None,
) -> str:
    """A store like Kolada's, from the real files; returns its URL for `fake_kolada_app`.

    `path` is a DuckDB file (or a PostgreSQL URL). It gets the bundled reference data (areas,
    Kolada's municipality groups, the KPI catalogue) and the values of `values` (default: the
    full 7.4M-value dump), optionally only some KPIs, municipalities and years. `imported_at`
    backdates the import, so that changes made later are all that a `from_date` of today finds.
    """
    url = str(path)
    source = Path(values) if values is not None else default_values_file()
    with Store.open(url) as store:
        store.migrate()
        load_reference(store)
        if kpis is None and municipalities is None and years is None:
            import_file(store, source, source="Kolada")
        else:
            with tempfile.TemporaryDirectory(prefix="jamfor-fake-kolada-") as tmp:
                subset = Path(tmp) / "kolada_values_subset.csv"
                rows = _filtered_copy(
                    source,
                    subset,
                    None if kpis is None else set(kpis),
                    None if municipalities is None else set(municipalities),
                    None if years is None else {int(y) for y in years},
                )
                if rows == 0:
                    raise JamforError(
                        f"{source.name}: no values match the KPIs, municipalities and years asked for"
                    )
                import_file(store, subset, source="Kolada")
        if imported_at is not None:
            backdate_imports(store, imported_at)
    return url


Change = tuple[str, str, int, str, float | None]


def change_values(store: Store, changes: Iterable[Change], *, source: str = "Kolada") -> ImportSummary:
    """Revise or add values (kpi, area, period, gender, value) as Kolada would: one import, now."""
    return _import_rows(store, [(k, a, p, g, v, "") for k, a, p, g, v in changes], source)


def delete_values(
    store: Store, keys: Iterable[tuple[str, str, int, str]], *, source: str = "Kolada"
) -> ImportSummary:
    """Mark values deleted (status 'deleted', no value): the API then shows them with isdeleted."""
    return _import_rows(store, [(k, a, p, g, None, DELETED_STATUS) for k, a, p, g in keys], source)


def _import_rows(
    store: Store, rows: Sequence[tuple[str, str, int, str, float | None, str]], source: str
) -> ImportSummary:
    with tempfile.TemporaryDirectory(prefix="jamfor-fake-kolada-") as tmp:
        path = Path(tmp) / "kolada_changes.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["kpi", "municipality", "period", "gender", "value", "status"])
            for kpi, area, period, gender, value, status in rows:
                writer.writerow(
                    [kpi, area, period, gender, "" if value is None else repr(float(value)), status]
                )
        return import_file(store, path, source=source)
