"""The Kolada-compatible API under /kolada/v3, on DuckDB and on PostgreSQL.

The store holds the reference data, the bundled demo extract (Kolada's figures) and Kungsbacka's
own figures; every answer is compared with what the store says.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from jamfor.measuresets import example_dataset_kpi_ids, load_example_dataset
from jamfor.sources.fake_kolada import change_values, delete_values, fake_kolada_app
from jamfor.sources.files import import_file
from jamfor.sources.reference import import_demo, load_reference
from jamfor.store import Store
from jamfor.store.kolada_reads import backdate_imports
from jamfor.web import kolada_api
from jamfor.web.app import create_app
from tests.conftest import _drop_schema, _pg_url

V3 = "/kolada/v3"
KPIS = ["N00938", "N11102", "U07414"]
KPI_FIELDS = {
    "id",
    "title",
    "description",
    "is_divided_by_gender",
    "municipality_type",
    "auspice",
    "operating_area",
    "perspective",
    "prel_publication_date",
    "publication_date",
    "publ_period",
    "has_ou_data",
}


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def client(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The whole jamfor app (the router as app.py mounts it) over a store with Kolada's and own data."""
    tmp = tmp_path_factory.mktemp(f"kolada-{request.param}")
    schema = None
    if request.param == "duckdb":
        url = str(tmp / "kolada.duckdb")
    else:
        schema = f"kolada_{uuid.uuid4().hex[:10]}"
        url = _pg_url(schema)
    try:
        with Store.open(url) as store:
            store.migrate()
            load_reference(store)
            import_demo(store)
            load_example_dataset(store)
        with TestClient(create_app(url)) as test_client:
            yield test_client
    finally:
        if schema:
            _drop_schema(schema)


def store_of(client: TestClient) -> Store:
    store: Store = client.app.state.access.store  # type: ignore[attr-defined]
    return store


def get(client: TestClient, url: str, status: int = 200) -> Any:
    response = client.get(url)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def fetch_all(client: TestClient, url: str) -> tuple[list[Any], int]:
    """Every item of a query, following next_url; and how many pages it took."""
    items: list[Any] = []
    pages = 0
    next_url: str | None = url
    while next_url:
        body = get(client, next_url)
        assert set(body) == {"values", "count", "next_url", "previous_url"}
        assert body["count"] == len(body["values"])
        items += body["values"]
        pages += 1
        next_url = body["next_url"]
        assert next_url is None or next_url.startswith("http://testserver/kolada/v3/")
    return items, pages


def expected_rows(
    store: Store, kpis: list[str], areas: list[str] | None = None, years: list[int] | None = None
) -> list[dict[str, Any]]:
    """What the store holds, as Kolada's data rows."""
    rows: list[dict[str, Any]] = []
    order = {"T": 0, "K": 1, "M": 2}
    observations = sorted(
        store.observations(kpis, areas, years, gender=None),
        key=lambda o: (o.kpi, o.area, o.period, order[o.gender]),
    )
    for o in observations:
        if not rows or (rows[-1]["kpi"], rows[-1]["municipality"], rows[-1]["period"]) != (
            o.kpi,
            o.area,
            o.period,
        ):
            rows.append({"kpi": o.kpi, "municipality": o.area, "period": o.period, "values": []})
        rows[-1]["values"].append(
            {"gender": o.gender, "value": o.value, "status": o.status, "count": o.count, "isdeleted": False}
        )
    return rows


# -- metadata ---------------------------------------------------------------------------------------


def test_kpi_catalogue_is_the_store_s(client: TestClient) -> None:
    store = store_of(client)
    items, pages = fetch_all(client, f"{V3}/kpi?per_page=2000")
    kpis = store.kpis()
    assert pages == -(-len(kpis) // 2000)
    assert [i["id"] for i in items] == [k.id for k in kpis]
    assert all(set(i) == KPI_FIELDS for i in items)
    own = next(i for i in items if i["id"] == "OWN-KBA-01")
    assert own["title"] == store.kpi("OWN-KBA-01").title
    first = items[0]
    assert first == {f: getattr(kpis[0], f) for f in KPI_FIELDS}


def test_kpi_by_ids_and_title_search(client: TestClient) -> None:
    body = get(client, f"{V3}/kpi/N00938,U07414,N99999")
    assert [k["id"] for k in body["values"]] == ["N00938", "U07414"]
    assert body["count"] == 2 and body["next_url"] is None and body["previous_url"] is None
    found = get(client, f"{V3}/kpi?title=SJUKPENNINGTALET")["values"]
    assert "N00938" in [k["id"] for k in found]
    assert all("sjukpenningtalet" in k["title"].casefold() for k in found)


def test_municipalities_and_region_type(client: TestClient) -> None:
    store = store_of(client)
    everything, _ = fetch_all(client, f"{V3}/municipality")
    assert everything == [{"id": a.id, "title": a.title, "type": a.type} for a in store.areas()]
    kommuner = get(client, f"{V3}/municipality?region_type=K")["values"]
    assert len(kommuner) == 290 and {m["type"] for m in kommuner} == {"K"}
    assert get(client, f"{V3}/municipality?type=L")["count"] == 22  # koladapy's parameter name
    assert [m["id"] for m in get(client, f"{V3}/municipality?title=ronneby")["values"]] == ["1081"]
    assert [m["title"] for m in get(client, f"{V3}/municipality/0180,1081")["values"]] == [
        "Stockholm",
        "Ronneby",
    ]
    assert get(client, f"{V3}/municipality?region_type=X", 400)["detail"].startswith("region_type:")


def test_municipality_groups_with_members(client: TestClient) -> None:
    store = store_of(client)
    group = get(client, f"{V3}/municipality_groups/G114418")["values"][0]
    assert group["title"] == "Fyrkommunsnätverket (ovägt medel)"
    assert group["members"] == [
        {"member_id": a.id, "member_title": a.title} for a in store.group("G114418").members
    ]
    items, _ = fetch_all(client, f"{V3}/municipality_groups?per_page=1000")
    assert len(items) == len(store.groups())
    assert [g["id"] for g in items] == sorted(g["id"] for g in items)
    kg = next(g for g in items if g["id"] == "kg:C7")  # ours too: the store's SKR kommungrupper
    assert len(kg["members"]) == 51


def test_what_the_store_does_not_hold_is_an_empty_list(client: TestClient) -> None:
    empty = {"values": [], "count": 0, "next_url": None, "previous_url": None}
    for url in [
        "/kpi_groups",
        "/kpi_groups/G2KPI74586",
        "/ou?municipality=0180",
        "/ou/V15E144001301",
        "/oudata/kpi/N15033/ou/V15E144001301/year/2009",
        "/oudata/kpi/N15033/year/2009",
        "/oudata/?kpi_id=N15033&ou_id=V15E144001301",
    ]:
        assert get(client, V3 + url) == empty, url


# -- data -------------------------------------------------------------------------------------------


def test_data_routes_return_what_the_store_holds(client: TestClient) -> None:
    store = store_of(client)
    kpis = ",".join(KPIS)
    cases = [
        (f"/data/kpi/{kpis}/municipality/1081,0000/year/2015,2016", KPIS, ["1081", "0000"], [2015, 2016]),
        (f"/data/kpi/{kpis}/year/2016", KPIS, None, [2016]),
        (f"/data/kpi/{kpis}/municipality/1081", KPIS, ["1081"], None),
        ("/data/municipality/1384/year/2014", None, ["1384"], [2014]),
        (f"/data?kpi_id={kpis}&municipality_id=1081&year=2015", KPIS, ["1081"], [2015]),
        ("/data/?kpi_id=N00938&kpi_id=N11102&year=2016&year=2017", ["N00938", "N11102"], None, [2016, 2017]),
    ]
    for url, want_kpis, areas, years in cases:
        items, _ = fetch_all(client, V3 + url)
        every_kpi = want_kpis or sorted(store.kpi_ids())
        assert items == expected_rows(store, every_kpi, areas, years), url
        assert items, url


def test_own_figures_are_served_beside_kolada_s(client: TestClient) -> None:
    store = store_of(client)
    own = example_dataset_kpi_ids()
    items = get(client, f"{V3}/data/municipality/1384/year/2014")["values"]
    served_own = [i for i in items if i["kpi"] in own]
    assert served_own == expected_rows(store, own, ["1384"], [2014])
    assert len(served_own) == 15
    assert any(i["kpi"] in KPIS for i in items)  # and Kolada's, in the same answer
    one = get(client, f"{V3}/data/kpi/OWN-KBA-01/municipality/1384")["values"]
    assert [(r["period"], r["values"][0]["value"]) for r in one] == [(2012, 64.0), (2013, 63.0), (2014, 62.0)]


SMALL = "/data/kpi/N00938,U07414,N11102/municipality/0000,1081,1082,1083/year/2013,2014,2015,2016,2017"
LARGE = "/data/kpi/N00938,U07414/year/2016,2017"


@pytest.mark.parametrize(("query", "per_page"), [(SMALL, 1), (SMALL, 7), (LARGE, 100), (LARGE, 1000)])
def test_pages_put_together_are_the_whole_answer(client: TestClient, query: str, per_page: int) -> None:
    whole = get(client, V3 + query)
    assert whole["next_url"] is None
    rows = whole["values"]
    assert len(rows) > per_page
    url = f"{V3}{query}?per_page={per_page}"
    followed, pages = fetch_all(client, url)
    assert followed == rows
    assert pages == -(-len(rows) // per_page)
    # The same pages by number: last to first (each page found by counting the rows before
    # it), then first to last as clients that count pages themselves (koladapy) ask for them
    # (each page starting where the one before ended).
    for order in (range(pages, 0, -1), range(1, pages + 1)):
        numbered: dict[int, list[Any]] = {}
        for page in order:
            body = get(client, f"{url}&page={page}")
            assert body["count"] <= per_page
            assert (body["next_url"] is None) == (page == pages)
            assert (body["previous_url"] is None) == (page == 1)
            numbered[page] = body["values"]
        assert [row for page in sorted(numbered) for row in numbered[page]] == rows
    beyond = get(client, f"{url}&page={pages + 1}")
    assert beyond["values"] == [] and beyond["next_url"] is None


def test_page_links_keep_the_query(client: TestClient) -> None:
    body = get(client, f"{V3}/data?kpi_id=N00938&year=2016&per_page=10&page=2")
    assert body["next_url"].startswith("http://testserver/kolada/v3/data?")
    for part in ["kpi_id=N00938", "year=2016", "per_page=10", "page=3"]:
        assert part in body["next_url"] and part.replace("page=3", "page=1") in body["previous_url"]
    assert "after=" not in body["previous_url"]


def test_more_than_25_items_in_a_list_is_refused(client: TestClient) -> None:
    ids = [f"N{n:05d}" for n in range(26)]
    for url in [
        f"/kpi/{','.join(ids)}",
        f"/data/kpi/{','.join(ids)}/year/2016",
        f"/data/municipality/{','.join(a.id for a in store_of(client).areas()[:26])}/year/2016",
        f"/data/kpi/N00938/year/{','.join(str(y) for y in range(1990, 2016))}",
        "/data?" + "&".join(f"kpi_id={i}" for i in ids) + "&year=2016",
        f"/municipality_groups/{','.join(ids)}",
    ]:
        detail = get(client, V3 + url, 400)["detail"]
        assert "26 items given, at most 25" in detail, url
    assert get(client, f"{V3}/kpi/{','.join(ids[:25])}")["count"] >= 0


def test_per_page_and_page_limits(client: TestClient) -> None:
    assert get(client, f"{V3}/kpi?per_page=5001", 400) == {
        "detail": "per_page: 5001 asked for, at most 5000 are allowed"
    }
    get(client, f"{V3}/data/kpi/N00938/year/2016?per_page=5001", 400)
    assert get(client, f"{V3}/kpi?per_page=5000")["count"] == 5000
    assert "page" in get(client, f"{V3}/kpi?page=0", 400)["detail"]
    assert "per_page" in get(client, f"{V3}/kpi?per_page=many", 400)["detail"]


def test_bad_parameters_are_refused_in_kolada_s_style(client: TestClient) -> None:
    assert "year" in get(client, f"{V3}/data/kpi/N00938/year/20x6", 400)["detail"]
    assert "from_date" in get(client, f"{V3}/data/kpi/N00938/year/2016?from_date=2016-1-1", 400)["detail"]
    assert "at least one" in get(client, f"{V3}/data?from_date=2016-01-01", 400)["detail"]
    assert "after" in get(client, f"{V3}/data/kpi/N00938/year/2016?after=x", 400)["detail"]


# -- from_date and deleted values (each test on a fresh store) ----------------------------------------


def _values_csv(tmp: Path, lines: list[str]) -> Path:
    path = tmp / f"values-{uuid.uuid4().hex[:6]}.csv"
    path.write_text("kpi,municipality,period,gender,value\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_from_date_returns_what_changed_and_what_was_deleted(store: Store, tmp_path: Path) -> None:
    import_file(
        store,
        _values_csv(
            tmp_path,
            [
                "N00938,1081,2015,T,10.5",
                "N00938,1081,2015,K,12.5",
                "N00938,1081,2016,T,11.0",
                "N00938,1082,2016,T,9.0",
                "N11102,1081,2016,T,5.2",
            ],
        ),
    )
    month_ago = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=30)
    backdate_imports(store, month_ago)
    today = datetime.now(UTC).date().isoformat()
    client = TestClient(fake_kolada_app(store))
    url = f"{V3}/data/kpi/N00938,N11102/municipality/1081,1082?from_date={today}"
    assert get(client, url)["values"] == []
    since_then = get(
        client, f"{V3}/data/kpi/N00938,N11102/municipality/1081,1082?from_date={month_ago.date()}"
    )
    assert since_then["count"] == 4

    change_values(store, [("N00938", "1081", 2015, "K", 13.0)])
    delete_values(store, [("N00938", "1081", 2016, "T")])
    # The other way the store can hold a deletion: the value is gone, its history stays.
    change_values(store, [("N11102", "1081", 2016, "T", 5.4)])
    store.db.execute("DELETE FROM observation WHERE kpi = 'N11102' AND area = '1081' AND period = 2016")

    assert get(client, url)["values"] == [
        {
            "kpi": "N00938",
            "municipality": "1081",
            "period": 2015,
            "values": [{"gender": "K", "value": 13.0, "status": None, "count": None, "isdeleted": False}],
        },
        {
            "kpi": "N00938",
            "municipality": "1081",
            "period": 2016,
            "values": [{"gender": "T", "value": None, "status": "deleted", "count": None, "isdeleted": True}],
        },
        {
            "kpi": "N11102",
            "municipality": "1081",
            "period": 2016,
            "values": [{"gender": "T", "value": 5.2, "status": None, "count": None, "isdeleted": True}],
        },
    ]
    # Pages of a from_date query fit together too.
    followed, pages = fetch_all(client, url + "&per_page=1")
    assert pages == 3 and followed == get(client, url)["values"]
    # Without from_date, deleted values are not served at all.
    current = get(client, f"{V3}/data/kpi/N00938,N11102/municipality/1081,1082")["values"]
    assert [(r["kpi"], r["municipality"], r["period"]) for r in current] == [
        ("N00938", "1081", 2015),
        ("N00938", "1082", 2016),
    ]
    assert [v["gender"] for v in current[0]["values"]] == ["T", "K"]


# -- docs/kolada-api.md, executed -----------------------------------------------------------------

DOCS = Path(__file__).resolve().parents[2] / "docs" / "kolada-api.md"
EXAMPLE = re.compile(
    r"```sh\ncurl -s 'http://127\.0\.0\.1:8000(/kolada/v3/[^']*)'\n```\n\n```json\n(.*?)\n```", re.S
)


def doc_examples() -> list[tuple[str, Any]]:
    return [(url, json.loads(shown)) for url, shown in EXAMPLE.findall(DOCS.read_text(encoding="utf-8"))]


def shown_in(shown: Any, real: Any, where: str = "") -> list[str]:
    """How `shown` (a trimmed response: keys left out, lists cut short) differs from `real`."""
    if isinstance(shown, dict):
        if not isinstance(real, dict):
            return [f"{where}: {real!r} is not an object"]
        faults = [f"{where}.{k}: not in the response" for k in shown if k not in real]
        return faults + [
            f for k, v in shown.items() if k in real for f in shown_in(v, real[k], f"{where}.{k}")
        ]
    if isinstance(shown, list):
        if not isinstance(real, list) or len(shown) > len(real):
            return [f"{where}: {real!r} is not a list of at least {len(shown)}"]
        return [f for i, item in enumerate(shown) for f in shown_in(item, real[i], f"{where}[{i}]")]
    return [] if shown == real else [f"{where}: the docs say {shown!r}, the API {real!r}"]


@pytest.fixture(scope="module")
def docs_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    path = tmp_path_factory.mktemp("kolada-docs") / "docs.duckdb"
    with Store.open(str(path)) as store:
        store.migrate()
        load_reference(store)
        import_demo(store)
        load_example_dataset(store)
    with TestClient(create_app(str(path)), base_url="http://127.0.0.1:8000") as test_client:
        yield test_client


def test_the_docs_show_what_the_api_answers(docs_client: TestClient) -> None:
    examples = doc_examples()
    assert len(examples) >= 15
    for url, shown in examples:
        response = docs_client.get(url)
        assert (response.status_code >= 400) == ("detail" in shown), (url, response.text)
        assert shown_in(shown, response.json()) == [], url


def test_the_docs_have_an_example_for_every_route() -> None:
    urls = [url.split("?")[0] for url, _ in doc_examples()]
    for route in kolada_api.router.routes:
        assert isinstance(route, APIRoute)
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(route.path))
        if (
            route.path.startswith(f"{V3}/oudata")
            and route.path != f"{V3}/oudata/kpi/{{kpi}}/ou/{{ou}}/year/{{year}}"
        ):
            continue  # the five unit routes are one row of the table, and all empty
        if route.path.endswith("/"):
            continue
        assert any(re.fullmatch(pattern, url) for url in urls), (
            f"docs/kolada-api.md has no example of {route.path}"
        )


def test_numbered_pages_follow_changed_data(store: Store, tmp_path: Path) -> None:
    import_file(store, _values_csv(tmp_path, ["N00938,1082,2016,T,9.0", "N00938,1083,2016,T,8.0"]))
    client = TestClient(fake_kolada_app(store))
    url = f"{V3}/data/kpi/N00938/year/2016?per_page=1"
    assert get(client, url)["values"][0]["municipality"] == "1082"
    assert get(client, url + "&page=2")["values"][0]["municipality"] == "1083"
    # A value that sorts first arrives: page 2 is now what page 1 was.
    import_file(store, _values_csv(tmp_path, ["N00938,1081,2016,T,10.0"]))
    assert [get(client, f"{url}&page={p}")["values"][0]["municipality"] for p in (1, 2, 3)] == [
        "1081",
        "1082",
        "1083",
    ]
