"""The Kolada v3 client against a small Kolada on httpx.MockTransport: routes, paging to the
end, lists of at most 25, retries with backoff and Retry-After, a polite rate, and the fewest
requests the API's limits allow. Nothing here sleeps or touches the network."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode

import httpx
import pytest

from jamfor.sources.kolada import (
    MAX_IDS,
    ClientStats,
    KoladaClient,
    KoladaError,
    Listing,
    RateLimiter,
    RetryPolicy,
    chunks,
    data_listing,
    minimum_requests,
)

BASE = "https://kolada.test/v3"

# (kpi, area, period, gender, value, status, count, isdeleted)
Row = tuple[str, str, int, str, float | None, str | None, int | None, bool]
Fault = Callable[[httpx.Request], httpx.Response | None]


@dataclass
class FakeClock:
    """Time that passes only when the code under test sleeps."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class MiniKolada:
    """Kolada API v3 as a MockTransport handler, over rows held in memory.

    It keeps Kolada's rules: lists of at most 25 (400 otherwise), per_page at most 5000,
    `count` = items on the page, `next_url` to the next page or null. `faults` are consulted
    in order before each request; one that returns a response replaces the real answer.
    """

    def __init__(
        self,
        rows: Iterable[Row] = (),
        *,
        kpis: Sequence[dict[str, Any]] = (),
        areas: Sequence[dict[str, Any]] = (),
        base: str = BASE,
    ) -> None:
        self.base = base
        self.kpi_rows = list(kpis)
        self.area_rows = list(areas)
        self.requests: list[httpx.Request] = []
        self.faults: list[Fault] = []
        self.changed_since: dict[str, set[tuple[str, str, int, str]]] = {}
        self.set_rows(rows)

    def set_rows(self, rows: Iterable[Row]) -> None:
        self._found: dict[Any, list[dict[str, Any]] | None] = {}
        self.items: dict[tuple[str, str, int], list[dict[str, Any]]] = {}
        for kpi, area, period, gender, value, status, count, deleted in sorted(rows):
            cell = {"gender": gender, "value": value, "status": status, "count": count, "isdeleted": deleted}
            self.items.setdefault((kpi, area, period), []).append(cell)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def client(self, **kwargs: Any) -> KoladaClient:
        kwargs.setdefault("rate", None)
        kwargs.setdefault("sleep", lambda s: None)
        return KoladaClient(self.base, transport=self.transport(), **kwargs)

    # -- serving ----------------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        for fault in list(self.faults):
            answer = fault(request)
            if answer is not None:
                return answer
        path = unquote(request.url.path)
        assert path.startswith("/v3/"), path
        parts = path[len("/v3/") :].strip("/").split("/")
        params = dict(parse_qsl(request.url.query.decode()))
        for value in [*parts, *params.values()]:
            if value.count(",") >= MAX_IDS:
                return httpx.Response(400, json={"detail": "at most 25 items in a list"})
        per_page = int(params.get("per_page", "100"))
        if per_page > 5000:
            return httpx.Response(400, json={"detail": "per_page must be at most 5000"})
        root, rest = parts[0], parts[1:]
        if root in ("data", "oudata"):
            found = self._data(rest, params)
            if found is None:
                return httpx.Response(400, json={"detail": "bad data route"})
            return self._page(request, found, per_page, params)
        tables = {
            "kpi": self.kpi_rows,
            "municipality": self.area_rows,
            "kpi_groups": [],
            "municipality_groups": [],
            "ou": [],
        }
        if root not in tables:
            return httpx.Response(404, json={"detail": "no such route"})
        rows = tables[root]
        if rest:
            ids = rest[0].split(",")
            rows = [r for r in rows if r["id"] in ids]
        if "title" in params:
            rows = [r for r in rows if params["title"].lower() in r["title"].lower()]
        if "region_type" in params:
            rows = [r for r in rows if r.get("type") == params["region_type"]]
        return self._page(request, rows, per_page, params)

    def _data(self, rest: list[str], params: dict[str, str]) -> list[dict[str, Any]] | None:
        key = (tuple(rest), tuple(sorted((k, v) for k, v in params.items() if k not in ("page", "per_page"))))
        if key not in self._found:
            self._found[key] = self._select(rest, params)
        return self._found[key]

    def _select(self, rest: list[str], params: dict[str, str]) -> list[dict[str, Any]] | None:
        wanted: dict[str, set[str]] = {}
        if rest:
            if len(rest) % 2 or len(rest) < 4:
                return None
            for name, ids in zip(rest[::2], rest[1::2], strict=True):
                wanted[{"ou": "municipality"}.get(name, name)] = set(ids.split(","))
        names = (
            ("kpi_id", "kpi"),
            ("municipality_id", "municipality"),
            ("ou_id", "municipality"),
            ("year", "year"),
        )
        for name, key in names:
            if name in params:
                wanted[key] = set(params[name].split(","))
        since = params.get("from_date")
        found = []
        for (kpi, area, period), cells in self.items.items():
            if "kpi" in wanted and kpi not in wanted["kpi"]:
                continue
            if "municipality" in wanted and area not in wanted["municipality"]:
                continue
            if "year" in wanted and str(period) not in wanted["year"]:
                continue
            if since is not None:
                changed = self.changed_since.get(since, set())
                cells = [c for c in cells if (kpi, area, period, c["gender"]) in changed]
            elif any(c["isdeleted"] for c in cells):
                cells = [c for c in cells if not c["isdeleted"]]
            if cells:
                found.append({"kpi": kpi, "municipality": area, "period": period, "values": cells})
        return found

    def _page(
        self, request: httpx.Request, rows: list[dict[str, Any]], per_page: int, params: dict[str, str]
    ) -> httpx.Response:
        page = int(params.get("page", "1"))
        chunk = rows[(page - 1) * per_page : page * per_page]
        next_url = None
        if page * per_page < len(rows):
            query = urlencode({**params, "page": str(page + 1)}, safe=",")
            next_url = f"{request.url.scheme}://{request.url.host}{request.url.path}?{query}"
        body = {"values": chunk, "count": len(chunk), "next_url": next_url, "previous_url": None}
        return httpx.Response(200, json=body)

    # -- what the client did ----------------------------------------------------------------

    def paths(self) -> list[str]:
        return [unquote(str(r.url).replace(self.base, "")) for r in self.requests]

    def items_for(self, listing: Listing) -> int:
        """How many items a listing has in all (ground truth for the fewest requests)."""
        params = dict(listing.params)
        rest = listing.path.strip("/").split("/")[1:]
        found = self._data(rest, params)
        assert found is not None
        return len(found)


def _rows(kpis: int, areas: int, years: Sequence[int], genders: str = "T") -> list[Row]:
    return [
        (f"N{k:05d}", f"{a:04d}", y, g, float(k + a + y), None, None, False)
        for k in range(kpis)
        for a in range(areas)
        for y in years
        for g in genders
    ]


def once(answer: Callable[[httpx.Request], httpx.Response], times: int = 1) -> Fault:
    """A fault that replaces the next `times` answers."""
    left = [times]

    def fault(request: httpx.Request) -> httpx.Response | None:
        if left[0] <= 0:
            return None
        left[0] -= 1
        return answer(request)

    return fault


# -- building requests ------------------------------------------------------------------------------


def test_chunks_are_at_most_25_without_repeats() -> None:
    ids = [f"N{i:05d}" for i in range(60)] + ["N00001"]
    cut = chunks(ids)
    assert [len(c) for c in cut] == [25, 25, 10]
    assert [i for c in cut for i in c] == ids[:60]


def test_minimum_requests_is_one_per_page_and_one_for_an_empty_listing() -> None:
    assert minimum_requests([0, 1, 5000, 5001, 12_000]) == 1 + 1 + 1 + 2 + 3
    assert minimum_requests([250], per_page=100) == 3


def test_data_listing_query_and_path_forms() -> None:
    query = data_listing(["N00001", "N00002"], ["1081"], [2020, 2021], from_date="2024-01-31")
    assert query.url(BASE, 5000) == (
        f"{BASE}/data?kpi_id=N00001,N00002&municipality_id=1081&year=2020,2021"
        "&from_date=2024-01-31&per_page=5000"
    )
    path = data_listing(["N00001"], None, [2020], form="path")
    assert path.url(BASE, 5000) == f"{BASE}/data/kpi/N00001/year/2020?per_page=5000"
    full = data_listing(["N00001"], ["0180", "1081"], [2020], form="path")
    assert full.path == "/data/kpi/N00001/municipality/0180,1081/year/2020"
    ou = data_listing(["N15030"], ["V15E144001301"], None, ou=True)
    assert ou.path == "/oudata" and ou.params == (("kpi_id", "N15030"), ("ou_id", "V15E144001301"))
    with pytest.raises(ValueError, match="two of"):
        data_listing(["N00001"], form="path")
    with pytest.raises(ValueError, match="at most 25"):
        data_listing([f"N{i:05d}" for i in range(26)])


# -- paging ----------------------------------------------------------------------------------------


def test_paging_follows_next_url_to_the_end_with_the_fewest_requests() -> None:
    kolada = MiniKolada(_rows(3, 41, range(2000, 2100)))  # 12,300 items
    with kolada.client() as client:
        items = list(client.data(["N00000", "N00001", "N00002"]))
    assert len(items) == 12_300
    assert len({(i["kpi"], i["municipality"], i["period"]) for i in items}) == 12_300
    assert len(kolada.requests) == 3 == minimum_requests([12_300])
    assert all("per_page=5000" in str(r.url) for r in kolada.requests)
    assert client.stats.pages == 3 and client.stats.items == 12_300


def test_long_lists_go_in_chunks_of_25_and_no_request_is_wasted() -> None:
    kolada = MiniKolada(_rows(60, 30, [2020, 2021]))
    kpis = [f"N{k:05d}" for k in range(60)]
    areas = [f"{a:04d}" for a in range(30)]
    with kolada.client() as client:
        listings = client.data_listings(kpis, areas, [2020, 2021])
        items = list(client.items(listings))
    assert len(listings) == 3 * 2  # 60 KPIs → 3 lists, 30 areas → 2 lists
    assert len(items) == 60 * 30 * 2
    least = minimum_requests(kolada.items_for(listing) for listing in listings)
    assert len(kolada.requests) == least == 6
    for request in kolada.requests:
        for value in dict(parse_qsl(request.url.query.decode())).values():
            assert value.count(",") < MAX_IDS


def test_an_empty_list_asks_for_nothing() -> None:
    kolada = MiniKolada(_rows(1, 1, [2020]))
    with kolada.client() as client:
        assert list(client.data([], None, [2020])) == []
    assert kolada.requests == []


def test_a_relative_next_url_is_followed() -> None:
    def answer(request: httpx.Request) -> httpx.Response | None:
        if "page=2" in str(request.url):
            return httpx.Response(200, json={"values": [{"id": "b"}], "count": 1, "next_url": None})
        return httpx.Response(200, json={"values": [{"id": "a"}], "count": 1, "next_url": "kpi?page=2"})

    kolada = MiniKolada()
    kolada.faults.append(answer)
    with kolada.client() as client:
        assert [k["id"] for k in client.kpis()] == ["a", "b"]
    assert str(kolada.requests[1].url) == f"{BASE}/kpi?page=2"


def test_a_next_url_that_loops_is_an_error_not_an_endless_sync() -> None:
    kolada = MiniKolada()
    kolada.faults.append(
        lambda r: httpx.Response(200, json={"values": [], "count": 0, "next_url": str(r.url)})
    )
    with kolada.client() as client, pytest.raises(KoladaError, match="already read"):
        client.kpis()
    assert len(kolada.requests) == 1


# -- metadata routes ---------------------------------------------------------------------------------


def test_metadata_routes() -> None:
    kpis = [{"id": f"N{i:05d}", "title": f"Nyckeltal {i}"} for i in range(30)]
    areas = [
        {"id": "0000", "title": "Riket", "type": "L"},
        {"id": "0010", "title": "Region Blekinge", "type": "L"},
        {"id": "1081", "title": "Ronneby", "type": "K"},
    ]
    kolada = MiniKolada(kpis=kpis, areas=areas)
    with kolada.client() as client:
        assert len(client.kpis()) == 30
        assert [k["id"] for k in client.kpis(["N00003", "N00029"])] == ["N00003", "N00029"]
        assert len(client.kpis([k["id"] for k in kpis])) == 30  # two lists: 25 + 5
        assert [k["id"] for k in client.kpis(title="nyckeltal 2")][:2] == ["N00002", "N00020"]
        assert [a["id"] for a in client.municipalities(region_type="K")] == ["1081"]
        assert [a["id"] for a in client.municipalities(["0000", "1081"])] == ["0000", "1081"]
        assert client.municipalities(title="ronneby")[0]["id"] == "1081"
        assert client.kpi_groups() == [] and client.municipality_groups(title="x") == []
        assert client.ous(municipality=[f"{i:04d}" for i in range(30)]) == []
    assert kolada.paths() == [
        "/kpi?per_page=5000",
        "/kpi/N00003,N00029?per_page=5000",
        "/kpi/" + ",".join(k["id"] for k in kpis[:25]) + "?per_page=5000",
        "/kpi/" + ",".join(k["id"] for k in kpis[25:]) + "?per_page=5000",
        "/kpi?title=nyckeltal+2&per_page=5000",
        "/municipality?region_type=K&per_page=5000",
        "/municipality/0000,1081?per_page=5000",
        "/municipality?title=ronneby&per_page=5000",
        "/kpi_groups?per_page=5000",
        "/municipality_groups?title=x&per_page=5000",
        "/ou?municipality=" + ",".join(f"{i:04d}" for i in range(25)) + "&per_page=5000",
        "/ou?municipality=" + ",".join(f"{i:04d}" for i in range(25, 30)) + "&per_page=5000",
    ]


def test_data_path_form_and_ou_data() -> None:
    kolada = MiniKolada(_rows(2, 3, [2019, 2020], "TKM"))
    with kolada.client() as client:
        items = list(client.data(["N00001"], ["0002"], [2020], form="path"))
        ou_items = list(client.ou_data(["N00001"], ["0002"], None))
    assert items == [
        {
            "kpi": "N00001",
            "municipality": "0002",
            "period": 2020,
            "values": [
                {"gender": g, "value": 2023.0, "status": None, "count": None, "isdeleted": False}
                for g in "KMT"
            ],
        }
    ]
    assert len(ou_items) == 2
    assert kolada.paths() == [
        "/data/kpi/N00001/municipality/0002/year/2020?per_page=5000",
        "/oudata?kpi_id=N00001&ou_id=0002&per_page=5000",
    ]


# -- faults: retries, backoff, Retry-After -------------------------------------------------------------


def _status(code: int, headers: dict[str, str] | None = None) -> Callable[[httpx.Request], httpx.Response]:
    return lambda r: httpx.Response(code, headers=headers or {}, json={"detail": "busy"})


def test_5xx_is_retried_with_exponential_backoff() -> None:
    clock = FakeClock()
    kolada = MiniKolada(kpis=[{"id": "N00001", "title": "x"}])
    kolada.faults.append(once(_status(503), 3))
    retries: list[tuple[str, str, float]] = []
    with kolada.client(sleep=clock.sleep, clock=clock, on_retry=lambda *a: retries.append(a)) as client:
        assert client.kpis() == [{"id": "N00001", "title": "x"}]
    assert clock.sleeps == [0.5, 1.0, 2.0]
    assert client.stats.requests == 4 and client.stats.retries == 3
    assert "503" in retries[0][1]


def test_backoff_is_capped() -> None:
    policy = RetryPolicy(attempts=10, backoff=0.5, cap=5.0)
    assert [policy.delay(n) for n in range(1, 7)] == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0]


def test_429_honours_retry_after_in_seconds_and_as_a_date() -> None:
    clock = FakeClock()
    kolada = MiniKolada(kpis=[{"id": "N00001", "title": "x"}])
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    kolada.faults.append(once(_status(429, {"Retry-After": "7"})))
    with kolada.client(sleep=clock.sleep, clock=clock) as client:
        client.kpis()
    kolada.faults[:] = [once(_status(429, {"Retry-After": later}))]
    with kolada.client(sleep=clock.sleep, clock=clock) as client:
        client.kpis()
    assert clock.sleeps[0] == 7.0
    assert 25 < clock.sleeps[1] <= 30


def test_timeouts_broken_connections_and_unreadable_bodies_are_retried() -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    def reset(request: httpx.Request) -> httpx.Response:
        raise httpx.RemoteProtocolError("peer closed connection", request=request)

    kolada = MiniKolada(kpis=[{"id": "N00001", "title": "x"}])
    kolada.faults += [
        once(timeout),
        once(reset),
        once(lambda r: httpx.Response(200, content=b'{"values": [{"id": "N0')),  # cut short
        once(lambda r: httpx.Response(200, json={"values": [], "count": 3, "next_url": None})),
        once(lambda r: httpx.Response(200, json=["not", "an", "envelope"])),
    ]
    clock = FakeClock()
    with kolada.client(sleep=clock.sleep, clock=clock) as client:
        assert client.kpis() == [{"id": "N00001", "title": "x"}]
    assert client.stats.retries == 5 and len(kolada.requests) == 6


def test_giving_up_names_the_address_and_the_last_problem() -> None:
    kolada = MiniKolada()
    kolada.faults.append(_status(502))
    clock = FakeClock()
    with (
        kolada.client(sleep=clock.sleep, clock=clock, retry=RetryPolicy(attempts=4)) as client,
        pytest.raises(KoladaError) as caught,
    ):
        list(client.data(["N00001"], None, [2020]))
    assert len(kolada.requests) == 4
    assert caught.value.url == f"{BASE}/data?kpi_id=N00001&year=2020&per_page=5000"
    assert str(caught.value).startswith(caught.value.url)
    assert "after 4 attempts" in str(caught.value) and "502" in str(caught.value)


def test_a_client_error_is_not_retried() -> None:
    kolada = MiniKolada()
    with kolada.client() as client, pytest.raises(KoladaError, match=r"404.*no such route"):
        client.get_page(f"{BASE}/nonsense")
    assert len(kolada.requests) == 1


# -- politeness --------------------------------------------------------------------------------------


def test_rate_limit_spaces_requests_without_real_sleeping() -> None:
    clock = FakeClock()
    kolada = MiniKolada(kpis=[{"id": "N00001", "title": "x"}])
    times: list[float] = []

    def seen(request: httpx.Request) -> None:
        times.append(clock.now)

    kolada.faults.append(lambda r: seen(r))  # type: ignore[func-returns-value]
    with kolada.client(rate=5.0, sleep=clock.sleep, clock=clock) as client:
        for _ in range(11):
            client.kpis()
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert all(math.isclose(g, 0.2) for g in gaps)
    assert math.isclose(times[-1] - times[0], 2.0)


def test_token_bucket_lets_an_idle_client_go_at_once_and_can_be_switched_off() -> None:
    clock = FakeClock()
    bucket = RateLimiter(2.0, clock=clock, sleep=clock.sleep)
    assert bucket.acquire() == 0.0
    assert bucket.acquire() == 0.5
    clock.now += 10  # idle: the bucket refills, but only to its burst size
    assert bucket.acquire() == 0.0
    assert bucket.acquire() == 0.5
    off = RateLimiter(None, clock=clock, sleep=clock.sleep)
    assert [off.acquire() for _ in range(100)] == [0.0] * 100
    with pytest.raises(ValueError):
        RateLimiter(0)


def test_on_page_reports_progress() -> None:
    kolada = MiniKolada(_rows(1, 30, range(2000, 2010)))
    seen: list[tuple[int, int]] = []

    def on_page(page: Any, stats: ClientStats) -> None:
        seen.append((stats.requests, stats.items))

    with kolada.client(per_page=100, on_page=on_page) as client:
        list(client.data(["N00000"]))
    assert seen == [(1, 100), (2, 200), (3, 300)]


def test_prefetch_asks_for_no_page_more_and_waits_when_the_caller_stops() -> None:
    kolada = MiniKolada(_rows(1, 30, range(2000, 2010)))  # 300 items
    with kolada.client(per_page=100) as client:
        pages = client.pages(data_listing(["N00000"]))
        first = next(pages)
        pages.close()  # the caller stops after the first page
        assert len(first.values) == 100
        assert len(kolada.requests) == 2  # the first and the one announced, no more
    for prefetch in (True, False):
        kolada.requests.clear()
        with kolada.client(per_page=100, prefetch=prefetch) as client:
            assert len(list(client.data(["N00000"]))) == 300
        assert len(kolada.requests) == 3
