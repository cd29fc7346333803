"""The API's fast lists: JSON built without pydantic must still be what the models describe.

`/api/v1/values` (and the other long lists) write their JSON straight to bytes and skip the
count query when a page is not full. These tests hold that path to the response models of the
OpenAPI description and to the slower, model-built answer over `Store.observation_page`, on
both backends and at the page edges where the count is or is not needed.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from jamfor.measuresets import load_example_dataset
from jamfor.sources.reference import import_demo, load_reference
from jamfor.store import Store
from jamfor.web.api.encode import JsonBody, finite
from jamfor.web.api.models import AreaList, GroupList, KpiList, ObservationOut, ValuesPage
from jamfor.web.api.values import attribution, source_lines
from jamfor.web.app import create_app
from tests.conftest import _drop_schema, _pg_url


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The API without the response cache (every request reaches the store), on the demo data."""
    tmp = tmp_path_factory.mktemp(f"fast-{request.param}")
    schema = None
    if request.param == "duckdb":
        url = str(tmp / "fast.duckdb")
    else:
        schema = f"fast_{uuid.uuid4().hex[:10]}"
        url = _pg_url(schema)
    try:
        with Store.open(url) as store:
            store.migrate()
            load_reference(store)
            import_demo(store)
            load_example_dataset(store)  # Kungsbacka's own figures, with their own source
        with TestClient(create_app(url, cache_bytes=0)) as client:
            yield client
    finally:
        if schema:
            _drop_schema(schema)


def _the_slow_way(
    client: TestClient,
    kpis: list[str],
    areas: list[str] | None,
    years: list[int] | None,
    params: dict[str, Any],
) -> dict[str, Any]:
    """The page as the pydantic models build it from `Store.observation_page` (the route before it was fast)."""
    limit, offset = int(params.get("limit", 1000)), int(params.get("offset", 0))
    gender = params.get("gender", "T")
    with client.app.state.access.using() as store:  # type: ignore[attr-defined]
        total, page = store.observation_page(
            kpis, areas, years, None if gender == "all" else gender, limit=limit, offset=offset
        )
    items = [
        ObservationOut(
            kpi=o.kpi,
            area=o.area,
            period=o.period,
            gender=o.gender,
            value=o.value,
            status=o.status,
            count=o.count,
            source=o.source,
            attribution=attribution(o.source),
        )
        for o in page
    ]
    return {
        "total": total,
        "items": [i.model_dump(mode="json") for i in items],
        "sources": source_lines([o.source for o in page]),
    }


CASES = [
    # (query, kpis, areas, years): a short first page, full pages, the last page, past the end
    ({"kpi": "N00938", "year": "2020"}, ["N00938"], None, [2020]),
    ({"kpi": "N00938,N11102", "area": "1081,0000", "year": "2020-2022", "limit": 4}, None, None, None),
    ({"kpi": "N00938,N11102", "area": "1081,0000", "year": "2020-2022", "limit": 6}, None, None, None),
    (
        {"kpi": "N00938,N11102", "area": "1081,0000", "year": "2020-2022", "limit": 5, "offset": 10},
        None,
        None,
        None,
    ),
    (
        {"kpi": "N00938,N11102", "area": "1081,0000", "year": "2020-2022", "limit": 6, "offset": 12},
        None,
        None,
        None,
    ),
    ({"kpi": "N00938", "area": "1081", "year": "2020-2022", "offset": 50}, None, None, None),
    ({"kpi": "N00938", "area": "1081", "year": "1990"}, None, None, None),
    ({"kpi": "OWN-KBA-01,N00938", "area": "Kungsbacka", "year": "2014", "gender": "all"}, None, None, None),
]


@pytest.mark.parametrize(
    "query", [c[0] for c in CASES], ids=lambda q: "&".join(f"{k}={v}" for k, v in q.items())
)
def test_values_are_what_the_models_would_have_written(site: TestClient, query: dict[str, Any]) -> None:
    response = site.get("/api/v1/values", params=query)
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    body = response.json()
    # The bytes are a ValuesPage, key for key and in the model's order.
    assert ValuesPage.model_validate(body).model_dump(mode="json") == body
    assert list(body) == list(ValuesPage.model_fields)
    kpis = body["query"]["kpi"]
    slow = _the_slow_way(site, kpis, body["query"]["area"], body["query"]["year"], query)
    assert body["total"] == slow["total"]
    assert body["items"] == slow["items"]
    assert body["sources"] == slow["sources"]
    limit, offset = int(query.get("limit", 1000)), int(query.get("offset", 0))
    assert body["limit"] == limit and body["offset"] == offset
    assert (body["next"] is None) == (offset + limit >= body["total"])


def test_the_pages_of_a_long_answer_add_up_without_a_count_on_the_last(site: TestClient) -> None:
    whole = site.get("/api/v1/values", params={"kpi": "N00938", "year": "2020"}).json()
    assert whole["total"] == len(whole["items"]) > 250  # every municipality, the regions, Riket
    seen: list[dict[str, Any]] = []
    url: str | None = "/api/v1/values?kpi=N00938&year=2020&limit=100"
    while url:
        page = site.get(url).json()
        assert page["total"] == whole["total"]
        seen += page["items"]
        url = page["next"]
    assert seen == whole["items"]


def test_a_short_page_costs_no_count_query_and_a_full_one_does(
    site: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    counted: list[tuple[Any, ...]] = []
    real = Store.value_count

    def counting(self: Store, *args: Any, **kwargs: Any) -> int:
        counted.append(args)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Store, "value_count", counting)
    short = site.get("/api/v1/values", params={"kpi": "N00938", "area": "1081", "year": "2020-2022"}).json()
    assert short["total"] == 3 and counted == []
    full = site.get(
        "/api/v1/values", params={"kpi": "N00938", "area": "1081", "year": "2020-2022", "limit": 3}
    )
    assert full.json()["total"] == 3 and full.json()["next"] is None and len(counted) == 1
    past = site.get("/api/v1/values", params={"kpi": "N00938", "area": "1081", "offset": 500}).json()
    assert past["items"] == [] and past["total"] > 0 and len(counted) == 2


def test_unknown_kpis_are_still_named_whatever_the_page_holds(site: TestClient) -> None:
    for kpi in ("N99999", "N00938,N99999", "N99999,N00938"):
        response = site.get("/api/v1/values", params={"kpi": kpi, "year": "2020"})
        assert response.status_code == 404 and "'N99999'" in response.json()["error"]
    both = site.get("/api/v1/values", params={"kpi": "N99998,N99999"}).json()["error"]
    assert "'N99998'" in both and "'N99999'" in both
    # A KPI in the catalogue without a value in the years asked for is an empty page, not a 404.
    empty = site.get("/api/v1/values", params={"kpi": "N00938", "year": "1990"})
    assert empty.status_code == 200 and empty.json()["items"] == [] and empty.json()["total"] == 0


@pytest.mark.parametrize(
    ("path", "model", "params"),
    [
        ("/api/v1/areas", AreaList, {"type": "K", "limit": 1000}),
        ("/api/v1/areas", AreaList, {"q": "ronneby"}),
        ("/api/v1/groups", GroupList, {"kind": "county"}),
        ("/api/v1/groups", GroupList, {"limit": 50, "offset": 100}),
        ("/api/v1/kpis", KpiList, {"limit": 1000, "offset": 2000}),
        ("/api/v1/kpis", KpiList, {"q": "sjukpenning", "kkik": "true"}),
    ],
)
def test_other_long_lists_are_what_their_models_describe(
    site: TestClient, path: str, model: Any, params: dict[str, Any]
) -> None:
    response = site.get(path, params=params)
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    body = response.json()
    assert model.model_validate(body).model_dump(mode="json") == body
    assert list(body) == list(model.model_fields)
    assert len(body["items"]) == min(body["limit"], max(0, body["total"] - body["offset"]))


def test_the_openapi_description_still_has_the_schemas(site: TestClient) -> None:
    spec = site.get("/api/openapi.json").json()
    for path, schema in [
        ("/api/v1/values", "ValuesPage"),
        ("/api/v1/areas", "AreaList"),
        ("/api/v1/groups", "GroupList"),
        ("/api/v1/kpis", "KpiList"),
    ]:
        ok = spec["paths"][path]["get"]["responses"]["200"]["content"]
        assert list(ok) == ["application/json"]
        assert ok["application/json"]["schema"] == {"$ref": f"#/components/schemas/{schema}"}
    item = spec["components"]["schemas"]["ObservationOut"]
    assert {"kpi", "area", "period", "gender", "value", "attribution"} <= set(item["properties"])


def test_json_body_writes_utf8_and_no_nan() -> None:
    body = JsonBody({"title": "Källa: Kolada", "value": finite(math.nan), "inf": finite(math.inf), "x": 1.5})
    assert body.body == '{"title":"Källa: Kolada","value":null,"inf":null,"x":1.5}'.encode()
    assert body.media_type == "application/json"
    assert finite(None) is None and finite(2.0) == 2.0


def test_the_fast_encoder_writes_numbers_and_text_as_the_docs_show() -> None:
    """Whole numbers stay floats (61.0, as pydantic wrote them) and non-ASCII is not escaped."""
    assert JsonBody([61.0, 9.27092308, "Härjedalen"]).body == '[61.0,9.27092308,"Härjedalen"]'.encode()
