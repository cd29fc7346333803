"""`jamfor sync kolada`: a Kolada (here a small one on httpx.MockTransport, built from the demo
extract) synced into a store on DuckDB and on PostgreSQL. Round trip row for row, resume after
a failure, nothing half-imported, deletions as revisions, the fewest requests, clear errors."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from dataclasses import asdict
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from jamfor.cli import app
from jamfor.errors import JamforError
from jamfor.sources.fake_kolada import (
    Fault,
    FaultPlan,
    LiveServer,
    build_fake_store,
    change_values,
    delete_values,
    fake_kolada_app,
    rate_limited,
    serve_in_thread,
    server_error,
    slow,
    truncated,
    vanishing_page,
)
from jamfor.sources.kolada import KoladaClient, RetryPolicy, minimum_requests
from jamfor.sources.kolada_values import DELETED
from jamfor.sources.reference import demo_path, import_demo
from jamfor.sources.sync import Batch, SyncError, SyncProgress, SyncScope, plan_batches, sync_kolada
from jamfor.store import Store, sync_state
from tests.test_kolada_client import MiniKolada, Row

COLUMNS = "kpi, area, period, gender, value, status, count"
KKIK = ("N00938", "N11102", "N31807", "U07414", "U07451")


def _observations(store: Store, kpis: tuple[str, ...] | None = None) -> list[tuple[Any, ...]]:
    sql = f"SELECT {COLUMNS} FROM observation"
    params: list[Any] = []
    if kpis is not None:
        sql += " WHERE kpi = ANY(?)"
        params.append(list(kpis))
    return sorted(tuple(r) for r in store.db.query(sql, params))


@pytest.fixture(scope="module")
def server_a(tmp_path_factory: pytest.TempPathFactory, duckdb_template: Path) -> dict[str, Any]:
    """Store A: the reference data and the demo extract; its rows, catalogue and areas."""
    path = tmp_path_factory.mktemp("server-a") / "a.duckdb"
    shutil.copy(duckdb_template, path)
    with Store.open(str(path)) as a:
        import_demo(a)
        rows = _observations(a)
        kpis = [{k: v for k, v in asdict(kpi).items() if v is not None} for kpi in a.kpis()]
        areas = [{"id": x.id, "title": x.title, "type": x.type} for x in a.areas()]
    return {"rows": rows, "kpis": kpis, "areas": areas}


def _kolada(server_a: dict[str, Any], rows: list[Row] | None = None) -> MiniKolada:
    if rows is None:
        rows = [(*r, False) for r in server_a["rows"]]  # type: ignore[misc]
    return MiniKolada(rows, kpis=server_a["kpis"], areas=server_a["areas"])


def _ground_truth(kolada: MiniKolada, batches: list[Batch], since: date | None = None) -> int:
    return minimum_requests(kolada.items_for(b.listing(since)) for b in batches)


# -- the round trip ----------------------------------------------------------------------------------


def test_round_trip_of_the_demo_extract(store: Store, server_a: dict[str, Any]) -> None:
    kolada = _kolada(server_a)
    assert store.stats().observations == 0
    with kolada.client() as client:
        summary = sync_kolada(store, client, SyncScope())

    assert _observations(store) == server_a["rows"]
    assert (summary.rows, summary.new, summary.changed, summary.deleted) == (159_647, 159_647, 0, 0)
    # /kpi (6,928 entries: 2 pages), /municipality (1), then 13 batches of 25 areas.
    batches = plan_batches(SyncScope(), [a["id"] for a in server_a["areas"]])
    assert len(batches) == summary.batches == 13
    least = 2 + 1 + _ground_truth(kolada, batches)
    assert summary.requests == len(kolada.requests) == summary.minimum_requests == least
    assert (summary.kpis_new, summary.kpis_changed, summary.areas_new) == (0, 0, 0)
    obs = store.observation("N00938", "1081", 2020)
    assert obs is not None and obs.source == "Kolada"
    assert store.batches(1)[0]["kind"] == "kolada-sync"

    # Again: everything unchanged, nothing written, a new run (the first one finished).
    batch_count = len(store.batches(100))
    with kolada.client() as client:
        again = sync_kolada(store, client, SyncScope())
    assert (again.new, again.changed, again.unchanged, again.resumed) == (0, 0, 159_647, False)
    assert again.run_id != summary.run_id
    assert len(store.batches(100)) == batch_count
    assert [r["status"] for r in sync_state.runs(store)] == ["finished", "finished"]


# -- resume and atomic batches ------------------------------------------------------------------------


def test_a_failing_batch_stops_the_sync_and_a_rerun_resumes_it(
    store: Store, server_a: dict[str, Any]
) -> None:
    kolada = _kolada(server_a)
    scope = SyncScope(kpis=KKIK, areas=tuple(a["id"] for a in server_a["areas"][:60]))
    batches = plan_batches(scope)
    assert [len(b.areas or ()) for b in batches] == [25, 25, 10]
    broken = batches[1]
    assert broken.areas is not None

    def fault(request: httpx.Request) -> httpx.Response | None:
        url = str(request.url)
        # The first page of the batch arrives; its second page never does.
        if f"municipality_id={broken.areas[0]}," in url and "page=2" in url:  # type: ignore[index]
            return httpx.Response(503)
        return None

    kolada.faults.append(fault)
    with (
        kolada.client(per_page=100, retry=RetryPolicy(attempts=3)) as client,
        pytest.raises(SyncError) as caught,
    ):
        sync_kolada(store, client, scope)
    message = str(caught.value)
    assert "batch 2 of 3" in message
    assert f"municipality_id={broken.areas[0]}," in message and "page=2" in message
    assert "after 3 attempts" in message and "503" in message
    assert "run the same command again to resume" in message
    assert sync_state.runs(store)[0]["status"] == "failed"
    assert sync_state.runs(store)[0]["batches"] == 1
    # Batch 1 is in; nothing of batch 2, although its first page had arrived.
    areas = {r[1] for r in _observations(store)}
    assert areas and areas <= set(batches[0].areas or ())

    kolada.faults.clear()
    kolada.requests.clear()
    with kolada.client(per_page=100) as client:
        summary = sync_kolada(store, client, scope)
    assert summary.resumed and summary.batches_skipped == 1 and summary.batches_done == 2
    expected = [r for r in server_a["rows"] if r[0] in KKIK and r[1] in set(scope.areas or ())]
    assert _observations(store) == expected
    first = batches[0].areas[0]  # type: ignore[index]
    assert not any(f"municipality_id={first}," in str(r.url) for r in kolada.requests)
    assert sync_state.runs(store)[0]["status"] == "finished"
    assert sync_state.runs(store)[0]["rows_total"] == len(expected)


def test_an_interrupted_sync_resumes(store: Store, server_a: dict[str, Any]) -> None:
    kolada = _kolada(server_a)
    areas = tuple(a["id"] for a in server_a["areas"])
    scope = SyncScope(kpis=KKIK, areas=areas, years=(2019, 2020, 2021))

    def interrupt(progress: SyncProgress) -> None:
        if progress.phase == "importing" and progress.batch == 3:
            raise KeyboardInterrupt

    with kolada.client() as client, pytest.raises(KeyboardInterrupt):
        sync_kolada(store, client, scope, on_progress=interrupt)
    run = sync_state.runs(store)[0]
    assert (run["status"], run["message"], run["batches"]) == ("failed", "interrupted", 2)
    with kolada.client() as client:
        summary = sync_kolada(store, client, scope)
    assert (summary.resumed, summary.batches_skipped, summary.batches_done) == (True, 2, 11)
    expected = [r for r in server_a["rows"] if r[0] in KKIK and r[2] in (2019, 2020, 2021)]
    assert _observations(store) == expected


def test_fresh_starts_over_instead_of_resuming(store: Store, server_a: dict[str, Any]) -> None:
    kolada = _kolada(server_a)
    kolada.faults.append(lambda r: httpx.Response(500) if "U07451" in str(r.url) else None)
    scope = SyncScope(kpis=("N00938", "U07451"), years=(2020,))
    with kolada.client(retry=RetryPolicy(attempts=1)) as client, pytest.raises(SyncError):
        sync_kolada(store, client, scope)
    kolada.faults.clear()
    with kolada.client() as client:
        summary = sync_kolada(store, client, scope, fresh=True)
    assert not summary.resumed and summary.batches_skipped == 0
    assert [r["status"] for r in sync_state.runs(store)] == ["finished", "failed"]


# -- from_date, isdeleted -----------------------------------------------------------------------------


def test_since_records_deleted_values_as_revisions(store: Store, server_a: dict[str, Any]) -> None:
    rows = [(*r, False) for r in server_a["rows"] if r[0] == "N00938"]
    kolada = _kolada(server_a, rows)  # type: ignore[arg-type]
    with kolada.client() as client:
        sync_kolada(store, client, SyncScope(kpis=("N00938",)))
    before = {r[:4]: r for r in _observations(store)}
    gone, revised = ("N00938", "1081", 2020, "T"), ("N00938", "0114", 2020, "T")
    assert gone in before and revised in before

    # Kolada deletes one value, revises another and publishes a new one.
    new = ("N00938", "1081", 2023, "T", 42.0, None, None, False)
    changed: list[Row] = [
        (*gone, None, None, None, True),
        (*revised, 99.5, None, None, False),
        new,
    ]
    keep = [r for r in rows if r[:4] not in (gone, revised)]
    kolada.set_rows(keep + changed)
    kolada.changed_since["2024-06-01"] = {r[:4] for r in changed}  # type: ignore[misc]
    kolada.requests.clear()
    with kolada.client() as client:
        summary = sync_kolada(store, client, SyncScope(kpis=("N00938",), since=date(2024, 6, 1)))

    assert "from_date=2024-06-01" in str(kolada.requests[-1].url)
    assert (summary.rows, summary.new, summary.changed, summary.deleted) == (3, 1, 1, 1)
    now = store.observation(*gone)
    assert now is not None and now.value is None and now.status == DELETED
    assert [h.value for h in store.history(*gone)] == [before[gone][4]]
    assert [h.value for h in store.history(*revised)] == [before[revised][4]]
    assert store.observation("N00938", "1081", 2023) is not None

    # The same changes again: nothing to do, and a deletion is not counted twice.
    with kolada.client() as client:
        again = sync_kolada(store, client, SyncScope(kpis=("N00938",), since=date(2024, 6, 1)))
    assert (again.new, again.changed, again.deleted, again.unchanged) == (0, 0, 0, 3)
    assert len(store.history(*gone)) == 1


def test_deleting_what_the_store_never_had_writes_nothing(store: Store, server_a: dict[str, Any]) -> None:
    deleted: Row = ("N00938", "1081", 2020, "T", None, None, None, True)
    kolada = _kolada(server_a, [deleted])
    kolada.changed_since["2024-06-01"] = {deleted[:4]}  # type: ignore[arg-type]
    with kolada.client() as client:
        summary = sync_kolada(store, client, SyncScope(kpis=("N00938",), since=date(2024, 6, 1)))
    assert (summary.rows, summary.deleted, summary.deletions_unknown) == (1, 0, 1)
    assert store.stats().observations == 0


# -- bad answers ------------------------------------------------------------------------------------


def test_bad_values_fail_the_batch_naming_the_page_and_the_item(
    store: Store, server_a: dict[str, Any]
) -> None:
    rows: list[Any] = [(*r, False) for r in server_a["rows"] if r[0] == "N00938" and r[2] == 2020]
    rows[7] = (*rows[7][:4], "12,5 %", None, None, False)
    kolada = _kolada(server_a, rows)
    with kolada.client() as client, pytest.raises(SyncError) as caught:
        sync_kolada(store, client, SyncScope(kpis=("N00938",), years=(2020,)))
    message = str(caught.value)
    assert "/data?kpi_id=N00938&year=2020&per_page=5000" in message
    assert "values[" in message and "'12,5 %' is not a number (leave out the unit)" in message
    assert store.stats().observations == 0


def test_values_that_were_not_asked_for_are_refused(store: Store, server_a: dict[str, Any]) -> None:
    kolada = _kolada(server_a)
    stray = {"kpi": "N11102", "municipality": "1081", "period": 2020, "values": []}
    kolada.faults.append(
        lambda r: (
            httpx.Response(200, json={"values": [stray], "count": 1, "next_url": None})
            if "/data" in str(r.url)
            else None
        )
    )
    with kolada.client() as client, pytest.raises(SyncError, match="KPIs that were not asked for: N11102"):
        sync_kolada(store, client, SyncScope(kpis=("N00938",)))


def test_new_kpis_and_areas_get_their_catalogue_entries(store: Store, server_a: dict[str, Any]) -> None:
    kpis = [*server_a["kpis"], {"id": "N99999", "title": "Nytt nyckeltal", "municipality_type": "K"}]
    areas = [*server_a["areas"], {"id": "2599", "title": "Nykommun", "type": "K"}]
    rows: list[Row] = [
        ("N99999", "1081", 2024, "T", 1.5, None, None, False),
        ("N99999", "2599", 2024, "T", 2.5, None, None, False),
    ]
    kolada = MiniKolada(rows, kpis=kpis, areas=areas)
    with kolada.client() as client:
        summary = sync_kolada(store, client, SyncScope(kpis=("N99999",)))
    assert (summary.kpis_new, summary.areas_new, summary.new) == (1, 1, 2)
    assert store.kpi("N99999").title == "Nytt nyckeltal"
    assert store.kpi("N99999").catalogue == "kolada-v3-api"
    assert store.area("2599").title == "Nykommun"
    assert "/municipality/2599?per_page=5000" in kolada.paths()


# -- request economy and progress ----------------------------------------------------------------------


def test_a_sync_makes_the_fewest_requests_the_limits_allow(store: Store, server_a: dict[str, Any]) -> None:
    kolada = _kolada(server_a)
    kpis = tuple(sorted({r[0] for r in server_a["rows"]}))[:30]
    scope = SyncScope(kpis=kpis, years=tuple(range(2010, 2023)))
    with kolada.client(per_page=1000) as client:
        summary = sync_kolada(store, client, scope)
    batches = plan_batches(scope)
    assert len(batches) == 2
    catalogue = 2  # /kpi/{25 ids}, /kpi/{5 ids}
    least = catalogue + minimum_requests((kolada.items_for(b.listing(None)) for b in batches), per_page=1000)
    assert summary.requests == len(kolada.requests) == least == summary.minimum_requests
    assert least > catalogue + 2  # several pages per batch
    assert summary.rows == len([r for r in server_a["rows"] if r[0] in kpis])


def test_progress_tells_requests_rows_and_rate(store: Store, server_a: dict[str, Any]) -> None:
    kolada = _kolada(server_a)
    seen: list[SyncProgress] = []
    with kolada.client(per_page=500) as client:
        summary = sync_kolada(store, client, SyncScope(kpis=KKIK[:2]), on_progress=seen.append)
    phases = [p.phase for p in seen]
    assert phases[0] == "catalogue" and phases[-1] == "done" and "importing" in phases
    fetching = [p for p in seen if p.phase == "fetching"]
    assert [p.requests for p in fetching] == sorted(p.requests for p in fetching)
    assert [p.rows for p in fetching] == sorted(p.rows for p in fetching)
    assert seen[-1].rows == summary.rows and seen[-1].requests == summary.requests
    assert seen[-1].rows_per_second > 0


def test_plan_is_stable_and_cuts_lists_at_25() -> None:
    scope = SyncScope(kpis=tuple(f"N{i:05d}" for i in range(30, 0, -1)), years=(2021, 2020))
    batches = plan_batches(scope)
    assert [len(b.kpis or ()) for b in batches] == [25, 5]
    assert batches[0].kpis and batches[0].kpis[0] == "N00001"
    assert batches[0].key == f"kpi={','.join(f'N{i:05d}' for i in range(1, 26))};area=*;year=2020,2021"
    assert plan_batches(scope) == batches
    every = plan_batches(SyncScope(), [f"{i:04d}" for i in range(312)])
    assert len(every) == 13 and every[0].kpis is None
    assert SyncScope(kpis=("B", "A")).params() == SyncScope(kpis=("A", "B", "A")).params()


# -- the command line, over real HTTP -------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    kolada: MiniKolada

    def do_GET(self) -> None:
        host = self.headers.get("Host", "127.0.0.1")
        request = httpx.Request("GET", f"http://{host}{self.path}")
        response = self.kolada.handle(request)
        body = response.content
        self.send_response(response.status_code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def http_kolada(server_a: dict[str, Any]) -> Iterator[tuple[str, MiniKolada]]:
    kolada = _kolada(server_a)
    handler = type("Handler", (_Handler,), {"kolada": kolada})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    kolada.base = f"http://127.0.0.1:{server.server_address[1]}/v3"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield kolada.base, kolada
    finally:
        server.shutdown()
        server.server_close()


def _cli_store(tmp_path: Path, duckdb_template: Path) -> str:
    path = tmp_path / "cli.duckdb"
    shutil.copy(duckdb_template, path)
    return str(path)


def test_cli_syncs_and_prints_a_summary(
    http_kolada: tuple[str, MiniKolada], tmp_path: Path, duckdb_template: Path
) -> None:
    base, kolada = http_kolada
    database = _cli_store(tmp_path, duckdb_template)
    runner = CliRunner()
    args = ["--database", database, "sync", "kolada", "--base-url", base, "--rate", "0"]
    result = runner.invoke(
        app, [*args, "--set", "kkik-2015-2017", "--years", "2016-2017", "-m", "Ronneby,0114"]
    )
    assert result.exit_code == 0, (result.output, result.exception)
    assert "rows:" in result.output and "new, 0 changed, 0 unchanged, 0 deleted" in result.output
    assert "requests:" in result.output and "fewest possible" in result.output
    assert all("municipality_id=0114,1081" in str(r.url) for r in kolada.requests if "/data" in str(r.url))

    result = runner.invoke(app, [*args, "--kpi", "N00938", "--json"])
    assert result.exit_code == 0, result.output
    import json

    summary = json.loads(result.output)
    assert summary["requests"] == summary["minimum_requests"] == 2
    assert summary["new"] > 0 and summary["rows_per_second"] > 0


def test_cli_failure_is_a_clear_error_with_a_non_zero_exit(
    http_kolada: tuple[str, MiniKolada], tmp_path: Path, duckdb_template: Path
) -> None:
    base, kolada = http_kolada
    kolada.faults.append(lambda r: httpx.Response(502) if "/data" in str(r.url) else None)
    database = _cli_store(tmp_path, duckdb_template)
    result = CliRunner().invoke(
        app,
        [
            "--database",
            database,
            "sync",
            "kolada",
            "--kpi",
            "N00938",
            "--base-url",
            base,
            "--rate",
            "0",
            "--attempts",
            "2",
        ],
    )
    assert result.exit_code != 0
    assert isinstance(result.exception, JamforError)
    assert "batch 1 of 1" in str(result.exception) and f"{base}/data?kpi_id=N00938" in str(result.exception)


def test_cli_needs_exactly_one_of_kpi_set_all(tmp_path: Path, duckdb_template: Path) -> None:
    database = _cli_store(tmp_path, duckdb_template)
    result = CliRunner().invoke(app, ["--database", database, "sync", "kolada", "--kpi", "N1", "--all"])
    assert isinstance(result.exception, JamforError) and "exactly one of" in str(result.exception)


# -- against the fake Kolada over real HTTP (jamfor.sources.fake_kolada) ----------------------------------

FAST_RETRY = RetryPolicy(attempts=4, backoff=0.01, cap=0.05)


@pytest.fixture(scope="module")
def fake_a(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, FaultPlan, list[Any]]]:
    """Server A: the fake Kolada serving a store with the demo extract, with a fault plan."""
    url = build_fake_store(tmp_path_factory.mktemp("fake-a") / "a.duckdb", values=demo_path())
    with Store.open(url) as a:
        rows = _observations(a)
    plan = FaultPlan()
    with serve_in_thread(fake_kolada_app(url, plan)) as server:
        yield server, plan, rows


@pytest.fixture
def store_b(tmp_path: Path, duckdb_template: Path) -> Iterator[Store]:
    """An empty store B on DuckDB (the fault tests are about the client and the sync)."""
    path = tmp_path / "b.duckdb"
    shutil.copy(duckdb_template, path)
    with Store.open(str(path)) as b:
        yield b


def test_round_trip_over_http_from_the_fake_kolada(
    store: Store, fake_a: tuple[LiveServer, FaultPlan, list[Any]]
) -> None:
    server, plan, rows = fake_a
    plan.clear()
    before = plan.count()
    with KoladaClient(server.kolada_url, rate=None) as client:
        summary = sync_kolada(store, client, SyncScope())
    assert _observations(store) == rows
    # The fewest requests: /kpi (6,928 entries, 2 pages), /municipality, and per batch of 25
    # areas one request per 5000 (kpi, area, period) items.
    areas = sorted({r[1] for r in rows} | {a.id for a in store.areas()})
    batches = plan_batches(SyncScope(), areas)
    items = [len({r[:3] for r in rows if r[1] in (b.areas or ())}) for b in batches]
    least = 2 + 1 + minimum_requests(items)
    assert summary.requests == plan.count() - before == least == summary.minimum_requests
    assert plan.count("/data*") - 0 >= len(batches)


def _sync_through_faults(
    store: Store, server: LiveServer, plan: FaultPlan, scope: SyncScope, **client: Any
) -> tuple[SyncError | None, int]:
    """Sync; the error it stopped with (if any) and how many requests the client retried."""
    client.setdefault("retry", FAST_RETRY)
    client.setdefault("per_page", 1000)
    client.setdefault("timeout", 2.0)
    with KoladaClient(server.kolada_url, rate=None, **client) as kolada:
        try:
            sync_kolada(store, kolada, scope)
        except SyncError as exc:
            return exc, kolada.stats.retries
        return None, kolada.stats.retries


FAULTS: dict[str, tuple[list[Fault], float | None, bool]] = {
    # name: (rules, server rate limit, survivable)
    "500 twice": ([server_error("/data*", status=500, nth=2, times=2)], None, True),
    "503 on the catalogue": ([server_error("/kpi*", status=503)], None, True),
    "503 for good": ([server_error("/data*", status=503, nth=3, times=None)], None, False),
    "429 with Retry-After": ([rate_limited("/data*", retry_after=1, nth=2)], None, True),
    "server rate limit": ([], 4.0, True),
    "slow answer": ([slow("/data*", seconds=3.0, nth=2)], None, True),
    "body cut short": ([truncated("/data*", keep_bytes=120, nth=2)], None, True),
    "connection cut": ([truncated("/data*", keep_bytes=4000, cut_connection=True, nth=3)], None, True),
    "announced page gone (404)": ([vanishing_page("/data*", page=3, after=0)], None, False),
    "announced page empty": ([vanishing_page("/data*", page=3, after=0, vanish_as="empty")], None, False),
    "retried page empty": (
        [
            Fault("truncate", "/data*", page=4, keep_bytes=300),
            vanishing_page("/data*", page=4, after=1, vanish_as="empty"),
        ],
        None,
        False,
    ),
}


@pytest.mark.parametrize("name", list(FAULTS))
def test_every_injected_fault_is_survived_or_reported(
    name: str, store_b: Store, fake_a: tuple[LiveServer, FaultPlan, list[Any]]
) -> None:
    server, plan, rows = fake_a
    rules, rate_limit, survivable = FAULTS[name]
    scope = SyncScope(kpis=KKIK)
    expected = [r for r in rows if r[0] in KKIK]
    plan.clear()
    for rule in rules:
        plan.add(rule)
    plan.rate_limit = rate_limit
    failure, retries = _sync_through_faults(store_b, server, plan, scope)
    plan.clear()
    if survivable:
        assert retries > 0, "the fault was never met"
        assert failure is None, str(failure)
        assert _observations(store_b) == expected
        return
    # Reported: a clear message with the address, and only whole batches in the store.
    assert failure is not None
    assert f"{server.kolada_url}/data?kpi_id=" in str(failure) and "run the same command again" in str(
        failure
    )
    got = _observations(store_b)
    assert set(got) <= set(expected) and len(got) < len(expected)
    # Without the fault, the same command resumes and completes.
    assert _sync_through_faults(store_b, server, plan, scope)[0] is None
    assert _observations(store_b) == expected


def test_a_rerun_refuses_an_answer_that_shrank(
    store_b: Store, fake_a: tuple[LiveServer, FaultPlan, list[Any]]
) -> None:
    server, plan, _rows = fake_a
    scope = SyncScope(kpis=KKIK)
    plan.clear()
    plan.add(server_error("/data*", status=503, nth=3, times=None))  # the batch stops at page 3
    assert _sync_through_faults(store_b, server, plan, scope)[0] is not None
    plan.clear()
    plan.add(vanishing_page("/data*", page=1, after=0, vanish_as="empty"))  # then "no data at all"
    failure, _retries = _sync_through_faults(store_b, server, plan, scope)
    plan.clear()
    assert failure is not None and "0 items arrived where the stopped attempt had already read 2000" in str(
        failure
    )
    assert store_b.stats().observations == 0


def test_since_over_http_brings_changes_and_deletions(store_b: Store, tmp_path: Path) -> None:
    month_ago = datetime.now() - timedelta(days=30)
    url = build_fake_store(tmp_path / "a.duckdb", values=demo_path(), kpis=["N00938"], imported_at=month_ago)
    app = fake_kolada_app(url)
    with serve_in_thread(app) as server:
        with KoladaClient(server.kolada_url, rate=None) as client:
            first = sync_kolada(store_b, client, SyncScope(kpis=("N00938",)))
        with app.state.access.using() as a:
            change_values(a, [("N00938", "1081", 2015, "K", 13.0), ("N00938", "1081", 2031, "T", 1.0)])
            delete_values(a, [("N00938", "1081", 2016, "T")])
            rows = _observations(a)
        with KoladaClient(server.kolada_url, rate=None) as client:
            since = sync_kolada(store_b, client, SyncScope(kpis=("N00938",), since=date.today()))
    assert first.new > 0
    assert (since.rows, since.new, since.changed, since.deleted) == (3, 1, 1, 1)
    assert _observations(store_b) == rows  # the deleted value as A holds it: no value, 'deleted'
    gone = store_b.observation("N00938", "1081", 2016)
    assert gone is not None and gone.value is None and gone.status == DELETED
    assert len(store_b.history("N00938", "1081", 2016)) == 1


def test_a_kolada_json_file_records_deletions_the_same_way(store: Store, tmp_path: Path) -> None:
    import json

    from jamfor.sources.files import import_file

    def response(cell: dict[str, Any]) -> Path:
        path = tmp_path / ("deleted.json" if cell["isdeleted"] else "value.json")
        item = {"kpi": "N00938", "municipality": "1081", "period": 2020, "values": [cell]}
        path.write_text(json.dumps({"values": [item], "count": 1, "next_url": None}), encoding="utf-8")
        return path

    import_file(store, response({"gender": "T", "value": 12.5, "isdeleted": False}))
    summary = import_file(store, response({"gender": "T", "value": None, "isdeleted": True}))
    assert (summary.changed, summary.new) == (1, 0)
    assert "1 recorded as deleted" in summary.notes[0]
    now = store.observation("N00938", "1081", 2020)
    assert now is not None and now.value is None and now.status == DELETED
    assert [h.value for h in store.history("N00938", "1081", 2020)] == [12.5]
