"""The fake Kolada: a store built from the real dump, served on a real socket, and every fault
a client must survive, each seen the way a client sees it."""

from __future__ import annotations

import gzip
import json
import re
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from jamfor.errors import JamforError
from jamfor.sources.fake_kolada import (
    FaultPlan,
    LiveServer,
    build_fake_store,
    fake_kolada_app,
    rate_limited,
    serve_in_thread,
    server_error,
    slow,
    truncated,
    vanishing_page,
)
from jamfor.store import Store

KPIS = ["N00938", "N00945"]
YEARS = [2018, 2019, 2020]
MONTH_AGO = datetime(2026, 1, 1)


@pytest.fixture(scope="module")
def fake_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    dump = (
        Path(__file__).resolve().parents[2]
        / "shared"
        / "data"
        / "kolada"
        / "kolada_values_2024-08_long.csv.gz"
    )
    if not dump.is_file():
        pytest.skip("shared/data is not beside the repository")
    path = tmp_path_factory.mktemp("fake-kolada") / "kolada.duckdb"
    return build_fake_store(path, kpis=KPIS, years=YEARS, imported_at=MONTH_AGO)


@pytest.fixture
def plan() -> FaultPlan:
    return FaultPlan()


@pytest.fixture
def server(fake_url: str, plan: FaultPlan) -> Iterator[LiveServer]:
    with serve_in_thread(fake_kolada_app(fake_url, plan)) as live:
        yield live


@pytest.fixture
def http(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.kolada_url, timeout=10) as client:
        yield client


def test_the_fake_store_holds_the_dump_s_values(fake_url: str) -> None:
    dump = (
        Path(__file__).resolve().parents[2]
        / "shared"
        / "data"
        / "kolada"
        / "kolada_values_2024-08_long.csv.gz"
    )
    wanted = {}
    with gzip.open(dump, "rt", encoding="utf-8") as fh:
        next(fh)
        for line in fh:
            kpi, area, period, gender, value = line.rstrip("\n").split(",")
            if kpi > KPIS[-1]:
                break
            if kpi in KPIS and int(period) in YEARS:
                wanted[(kpi, area, int(period), gender)] = float(value)
    with Store.open(fake_url, read_only=True) as store:
        held = {(o.kpi, o.area, o.period, o.gender): o for o in store.observations(KPIS, gender=None)}
        assert {k: o.value for k, o in held.items()} == wanted
        assert {o.imported_at for o in held.values()} == {MONTH_AGO}
        assert len(store.kpis()) > 6000 and len(store.municipalities()) == 290  # the reference data


def test_without_faults_it_answers_and_logs(server: LiveServer, http: httpx.Client, plan: FaultPlan) -> None:
    body = http.get("/data/kpi/N00945/municipality/0180/year/2020").json()
    assert body["count"] == 1 and body["values"][0]["values"][0]["gender"] == "T"
    assert http.get("/kpi/N00938").json()["values"][0]["id"] == "N00938"
    assert [(s.path, s.status, s.fault) for s in plan.served] == [
        ("/data/kpi/N00945/municipality/0180/year/2020", 200, None),
        ("/kpi/N00938", 200, None),
    ]
    assert plan.count("/data*") == 1 and plan.faulted() == []
    assert httpx.get(server.url + "/api/v1/stats").status_code == 404  # only /kolada/v3 is served


def test_server_error_hits_the_nth_request(http: httpx.Client, plan: FaultPlan) -> None:
    plan.add(server_error("/kpi*", status=503, nth=2))
    statuses = [http.get("/kpi/N00938").status_code for _ in range(3)]
    assert statuses == [200, 503, 200]
    assert http.get("/municipality/0180").status_code == 200  # another path: not counted
    assert [s.fault for s in plan.faulted()] == ["status 503"]


def test_rate_limited_with_retry_after(http: httpx.Client, plan: FaultPlan) -> None:
    plan.add(rate_limited("/data*", retry_after=2, times=2))
    first = http.get("/data/kpi/N00945/year/2020")
    assert first.status_code == 429 and first.headers["Retry-After"] == "2"
    assert "detail" in first.json()
    assert http.get("/data/kpi/N00945/year/2020").status_code == 429
    assert http.get("/data/kpi/N00945/year/2020").status_code == 200


def test_a_rate_limit_refuses_the_requests_over_it(http: httpx.Client, plan: FaultPlan) -> None:
    plan.rate_limit = 3
    answers = [http.get("/municipality/0180") for _ in range(6)]
    assert [a.status_code for a in answers[:3]] == [200, 200, 200]
    refused = [a for a in answers[3:] if a.status_code == 429]
    assert refused and refused[0].headers["Retry-After"] == "1"
    time.sleep(1.05)
    assert http.get("/municipality/0180").status_code == 200


def test_slow_answer_times_a_client_out(server: LiveServer, plan: FaultPlan) -> None:
    plan.add(slow("/kpi", seconds=1.5))
    with httpx.Client(base_url=server.kolada_url, timeout=0.3) as impatient:
        started = time.monotonic()
        with pytest.raises(httpx.ReadTimeout):
            impatient.get("/kpi", params={"per_page": 1})
        assert time.monotonic() - started < 1.2
    with httpx.Client(base_url=server.kolada_url, timeout=10) as patient:
        started = time.monotonic()
        assert patient.get("/kpi", params={"per_page": 1}).status_code == 200
        assert time.monotonic() - started < 1.2  # only the first answer was slow


def test_truncated_body_is_invalid_json(http: httpx.Client, plan: FaultPlan) -> None:
    plan.add(truncated("/data*", keep_bytes=40))
    response = http.get("/data/kpi/N00945/year/2020")
    assert response.status_code == 200
    assert len(response.content) == 40 and response.headers["content-length"] == "40"
    with pytest.raises(json.JSONDecodeError):
        response.json()
    assert http.get("/data/kpi/N00945/year/2020").json()["count"] > 0


def test_connection_cut_mid_body(http: httpx.Client, plan: FaultPlan) -> None:
    plan.add(truncated("/data*", keep_bytes=100, cut_connection=True))
    with pytest.raises(httpx.RemoteProtocolError):
        http.get("/data/kpi/N00945/year/2020")
    assert http.get("/data/kpi/N00945/year/2020").status_code == 200
    assert plan.faulted()[0].fault == "truncated after 100 bytes (connection cut)"


def test_page_that_disappears_after_its_first_fetch(http: httpx.Client, plan: FaultPlan) -> None:
    plan.add(vanishing_page("/data*", page=2))
    url = "/data/kpi/N00945/year/2019,2020?per_page=100"
    first = http.get(url).json()
    second = http.get(first["next_url"])
    assert second.status_code == 200 and second.json()["count"] == 100
    again = http.get(first["next_url"])
    assert again.status_code == 404
    assert http.get(url + "&page=2").status_code == 404  # by number too: the page is gone
    assert http.get(url).status_code == 200 and http.get(url + "&page=3").status_code == 200


def test_page_announced_but_empty_when_the_client_gets_there(http: httpx.Client, plan: FaultPlan) -> None:
    plan.add(vanishing_page("/data*", page=2, after=0, vanish_as="empty"))
    first = http.get("/data/kpi/N00945/year/2019,2020?per_page=100").json()
    assert first["next_url"] is not None
    gone = http.get(first["next_url"]).json()
    assert gone["values"] == [] and gone["count"] == 0 and gone["next_url"] is None
    assert "page=1" in gone["previous_url"]


def test_a_plan_as_data() -> None:
    plan = FaultPlan.from_dicts(
        [
            {"kind": "status", "path": "/data*", "status": 429, "retry_after": 5, "nth": 3},
            {"kind": "vanish", "path": "/data*", "page": 2, "nth": 2, "times": None, "vanish_as": "empty"},
        ],
        rate_limit=5,
    )
    assert plan.rate_limit == 5
    decisions = [plan.decide("/data", {"page": "2"}, now=float(i)) for i in range(4)]
    assert [d and d.describe() for d in decisions] == [
        None,
        "page 2 vanished (empty)",
        "status 429, Retry-After 5",
        "page 2 vanished (empty)",
    ]
    with pytest.raises(JamforError, match="kind"):
        FaultPlan.from_dicts([{"kind": "explode"}])
    with pytest.raises(JamforError, match="unknown field 'delay'"):
        FaultPlan.from_dicts([{"kind": "slow", "delay": 3}])


def test_the_example_in_the_docs_runs(tmp_path: Path) -> None:
    docs = (Path(__file__).resolve().parents[1] / "docs" / "kolada-api.md").read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```python\n(.*?)```", docs, re.S) if "build_fake_store(" in b]
    assert len(blocks) == 1
    exec(compile(blocks[0], "docs/kolada-api.md", "exec"), {"tmp": tmp_path})
