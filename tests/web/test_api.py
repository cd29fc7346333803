"""The JSON API under /api/v1, on DuckDB and on PostgreSQL, with the bundled demo extract."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from jamfor.measuresets import bundled_measure_sets, load_example_dataset
from jamfor.render import render
from jamfor.reports import kpi_report, municipality_report, network_report
from jamfor.sources.files import import_file
from jamfor.sources.reference import import_demo, load_reference
from jamfor.store import Store
from jamfor.web import api
from jamfor.web.access import StoreAccess
from jamfor.web.app import create_app
from tests.conftest import _drop_schema, _pg_url

NORNORNA = ["Berg", "Härjedalen", "Krokom", "Ragunda", "Strömsund", "Åre", "Östersund"]
HOSTILE = '<script>alert("x")</script> & "Nät"'
KUNGSBACKA_SOURCE = "Kungsbacka kommun (årsredovisning 2014)"


def _seed_as_in_the_docs(store: Store, tmp: Path) -> None:
    """The database docs/api.md describes: `make db`, a network, Kungsbacka's figures, a correction."""
    store.migrate()
    load_reference(store)
    import_demo(store)
    store.create_network("Nornorna", NORNORNA)
    load_example_dataset(store)  # Kungsbacka's own figures: not Kolada's
    # A corrected own figure (62 → 61) so one value has a history.
    corrected = tmp / "rattelse.csv"
    corrected.write_text(
        "kpi,municipality,period,gender,value\nOWN-KBA-01,1384,2014,T,61\n", encoding="utf-8"
    )
    import_file(store, corrected, source=KUNGSBACKA_SOURCE)


def _seed(store: Store, tmp: Path) -> None:
    _seed_as_in_the_docs(store, tmp)
    store.create_network(HOSTILE, ["Berg", "Åre"])
    # A KPI whose title Kolada reworded.
    kpi = store.kpi("U07414")
    store.upsert_kpis([replace(kpi, title="Gammal lydelse")])
    store.upsert_kpis([kpi])


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def client(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    tmp = tmp_path_factory.mktemp(f"api-{request.param}")
    schema = None
    if request.param == "duckdb":
        url = str(tmp / "api.duckdb")
    else:
        schema = f"api_{uuid.uuid4().hex[:10]}"
        url = _pg_url(schema)
    try:
        with Store.open(url) as store:
            _seed(store, tmp)
        # The context runs the app's lifespan, which closes its store before the schema goes.
        with TestClient(create_app(url)) as test_client:
            yield test_client
    finally:
        if schema:
            _drop_schema(schema)


def get_json(client: TestClient, url: str, status: int = 200, **params: Any) -> Any:
    response = client.get(url, params=params or None)  # an empty dict would drop the URL's own query
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def all_pages(client: TestClient, url: str, **params: Any) -> list[dict[str, Any]]:
    """Follow `next` from the first page to the last, collecting the items."""
    page = get_json(client, url, **params)
    items = list(page["items"])
    while page["next"]:
        assert page["next"].startswith("/api/v1/") and len(items) < page["total"]
        page = get_json(client, page["next"])
        items += page["items"]
    assert len(items) == page["total"]
    return items


def app_store(client: TestClient) -> Any:
    """The app's own store, for building the same report the API builds."""
    access: StoreAccess = client.app.state.access  # type: ignore[attr-defined]
    return access.using()


# -- areas ------------------------------------------------------------------------------------


def test_ronneby_by_id_and_by_name(client: TestClient) -> None:
    ronneby = get_json(client, "/api/v1/areas/1081")
    assert ronneby["title"] == "Ronneby" and ronneby["kind"] == "kommun"
    assert ronneby["county"] == {"id": "lan:10", "title": "Blekinge län", "region": "0010"}
    assert ronneby["kommungrupp"]["id"] == "kg:C7" and ronneby["kommungrupp"]["code"] == "C7"
    assert get_json(client, "/api/v1/areas/Ronneby") == ronneby
    assert get_json(client, "/api/v1/areas/0000")["kind"] == "riket"


def test_unknown_and_ambiguous_areas_are_json_errors(client: TestClient) -> None:
    assert "'9999'" in get_json(client, "/api/v1/areas/9999", 404)["error"]
    assert "did you mean '0108'" in get_json(client, "/api/v1/areas/108", 404)["error"]
    error = get_json(client, "/api/v1/areas/Upp", 400)["error"]
    assert "Upplands Väsby" in error and "Uppsala" in error


def test_area_list_by_type_and_pages_concatenate(client: TestClient) -> None:
    whole = get_json(client, "/api/v1/areas", type="K", limit=1000)
    assert whole["total"] == 290 and whole["next"] is None
    assert all_pages(client, "/api/v1/areas", type="K", limit=120) == whole["items"]
    assert [a["id"] for a in get_json(client, "/api/v1/areas", type="riket")["items"]] == ["0000"]
    regions = get_json(client, "/api/v1/areas", type="L")
    assert regions["total"] == 21 and all(a["kind"] == "region" for a in regions["items"])
    found = get_json(client, "/api/v1/areas", q="ronneby")["items"]
    assert [a["id"] for a in found] == ["1081"]


# -- groups -----------------------------------------------------------------------------------


def test_groups_with_colon_ids_and_members(client: TestClient) -> None:
    c7 = get_json(client, "/api/v1/groups/kg:C7")
    assert c7["kind"] == "kommungrupp"
    assert {"id": "1081", "title": "Ronneby", "type": "K"} in c7["members"]
    blekinge = get_json(client, "/api/v1/groups/lan:10")
    assert [m["title"] for m in blekinge["members"]] == [
        "Olofström",
        "Karlskrona",
        "Ronneby",
        "Karlshamn",
        "Sölvesborg",
    ]
    nornorna = get_json(client, "/api/v1/groups/nornorna")
    assert [m["title"] for m in nornorna["members"]] == NORNORNA
    assert "'kg:X9'" in get_json(client, "/api/v1/groups/kg:X9", 404)["error"]


def test_group_list_by_kind_and_search(client: TestClient) -> None:
    networks = get_json(client, "/api/v1/groups", kind="network")["items"]
    assert {g["title"] for g in networks} == {"Nornorna", HOSTILE}  # hostile text comes back as data
    kommungrupper = get_json(client, "/api/v1/groups", kind="kommungrupp")
    assert kommungrupper["total"] == 9
    assert "'kind'" in get_json(client, "/api/v1/groups", 400, kind="gang")["error"]
    everything = all_pages(client, "/api/v1/groups", q="liknande", limit=1000)
    assert len(everything) > 1000 and len({g["id"] for g in everything}) == len(everything)


# -- KPIs -------------------------------------------------------------------------------------


def test_kpi_search_and_kkik_filter(client: TestClient) -> None:
    found = get_json(client, "/api/v1/kpis", q="sjukpenning", kkik="true")["items"]
    assert [k["id"] for k in found] == ["N00938"]
    kkik = all_pages(client, "/api/v1/kpis", kkik="true", limit=10)
    assert len(kkik) == 34 and all(k["kkik"] for k in kkik)
    assert get_json(client, "/api/v1/kpis", q="n00938")["items"][0]["id"] == "N00938"


def test_kpi_detail_with_curation_years_and_attribution(client: TestClient) -> None:
    kpi = get_json(client, "/api/v1/kpis/n00938")
    assert kpi["id"] == "N00938" and kpi["title"].startswith("Sjukpenningtalet")
    assert (kpi["polarity"], kpi["unit"], kpi["decimals"], kpi["colour_graded"]) == (
        "lower",
        "dagar",
        1,
        True,
    )
    assert kpi["periods"] == list(range(2010, 2023))
    assert kpi["retired"] is False and kpi["attribution"] == "Källa: Kolada"
    own = get_json(client, "/api/v1/kpis/OWN-KBA-01")
    assert own["origin"] == "own" and own["attribution"] is None


def test_kpi_detail_keeps_earlier_titles(client: TestClient) -> None:
    kpi = get_json(client, "/api/v1/kpis/U07414")
    assert [r["title"] for r in kpi["revisions"]][-1] == "Gammal lydelse"
    assert kpi["title"] != "Gammal lydelse"


def test_retired_kpi_is_flagged(client: TestClient) -> None:
    assert get_json(client, "/api/v1/kpis/N00663")["retired"] is True


def test_unknown_kpi_is_404_naming_it(client: TestClient) -> None:
    assert "'N99999'" in get_json(client, "/api/v1/kpis/N99999", 404)["error"]
    assert "'N99999'" in get_json(client, "/api/v1/values", 404, kpi="N00938,N99999")["error"]
    assert "'N99999'" in get_json(client, "/api/v1/reports/kpi/N99999", 404)["error"]


# -- values -----------------------------------------------------------------------------------


def test_values_pages_concatenate_to_the_full_result(client: TestClient) -> None:
    params: dict[str, Any] = {"kpi": "N00938,N11102", "area": "1081,Riket", "gender": "all"}
    whole = get_json(client, "/api/v1/values", limit=10000, **params)
    assert whole["query"]["area"] == ["1081", "0000"]
    assert whole["total"] == len(whole["items"]) > 50
    assert all_pages(client, "/api/v1/values", limit=7, **params) == whole["items"]
    with app_store(client) as store:
        stored = store.observations(["N00938", "N11102"], ["1081", "0000"], None, None)
    assert [(o["kpi"], o["area"], o["period"], o["gender"], o["value"]) for o in whole["items"]] == [
        (o.kpi, o.area, o.period, o.gender, o.value) for o in stored
    ]


def test_values_for_years_and_gender(client: TestClient) -> None:
    page = get_json(client, "/api/v1/values", kpi="N00938", area="1081", year="2020-2022")
    assert [(o["period"], o["gender"]) for o in page["items"]] == [(2020, "T"), (2021, "T"), (2022, "T")]
    assert page["items"][0]["value"] == pytest.approx(6.78918759)
    assert page["items"][0]["status"] is None and page["items"][0]["count"] is None
    women = get_json(client, "/api/v1/values", kpi="N00938", area="1081", year="2020", gender="K")
    assert [o["gender"] for o in women["items"]] == ["K"]


def test_kolada_values_carry_kolada_attribution_and_own_figures_do_not(client: TestClient) -> None:
    kolada = get_json(client, "/api/v1/values", kpi="N00938", area="1384", year="2014")
    assert kolada["sources"] == ["Källa: Kolada"]
    assert kolada["items"][0]["attribution"] == "Källa: Kolada"
    own = get_json(client, "/api/v1/values", kpi="OWN-KBA-01", area="Kungsbacka")
    assert own["items"] and all(o["source"] == KUNGSBACKA_SOURCE for o in own["items"])
    assert all(o["attribution"] == f"Källa: {KUNGSBACKA_SOURCE}" for o in own["items"])
    assert own["sources"] == [f"Källa: {KUNGSBACKA_SOURCE}"]
    assert "Kolada" not in json.dumps(own)
    mixed = get_json(client, "/api/v1/values", kpi="OWN-KBA-01,N00938", area="1384", year="2014")
    assert mixed["sources"] == ["Källa: Kolada", f"Källa: {KUNGSBACKA_SOURCE}"]
    assert {o["kpi"]: o["attribution"] for o in mixed["items"]} == {
        "N00938": "Källa: Kolada",
        "OWN-KBA-01": f"Källa: {KUNGSBACKA_SOURCE}",
    }


def test_values_request_limits(client: TestClient) -> None:
    many_kpis = ",".join(f"N{i:05d}" for i in range(api.MAX_VALUE_KPIS + 1))
    assert f"at most {api.MAX_VALUE_KPIS}" in get_json(client, "/api/v1/values", 400, kpi=many_kpis)["error"]
    many_areas = ",".join(f"{i:04d}" for i in range(1000, 1000 + api.MAX_VALUE_AREAS + 1))
    error = get_json(client, "/api/v1/values", 400, kpi="N00938", area=many_areas)["error"]
    assert f"at most {api.MAX_VALUE_AREAS}" in error
    assert "'limit'" in get_json(client, "/api/v1/values", 400, kpi="N00938", limit=10001)["error"]
    assert "'kpi'" in get_json(client, "/api/v1/values", 400)["error"]
    assert "year" in get_json(client, "/api/v1/values", 400, kpi="N00938", year="förra året")["error"]
    assert "gender" in get_json(client, "/api/v1/values", 400, kpi="N00938", gender="X")["error"]
    default = get_json(client, "/api/v1/values", kpi="N00938")
    assert default["limit"] == 1000 and len(default["items"]) == 1000 and default["next"]


def test_value_history_lists_the_replaced_value(client: TestClient) -> None:
    history = get_json(client, "/api/v1/values/OWN-KBA-01/Kungsbacka/2014/history")
    assert history["area"] == "1384"
    assert history["current"]["value"] == 61
    assert [r["value"] for r in history["revisions"]] == [62]
    assert history["revisions"][0]["attribution"] == f"Källa: {KUNGSBACKA_SOURCE}"
    unchanged = get_json(client, "/api/v1/values/N00938/1081/2020/history")
    assert unchanged["current"]["attribution"] == "Källa: Kolada" and unchanged["revisions"] == []
    assert "1990" in get_json(client, "/api/v1/values/N00938/1081/1990/history", 404)["error"]
    assert "'year'" in get_json(client, "/api/v1/values/N00938/1081/förra/history", 400)["error"]


# -- reports ----------------------------------------------------------------------------------


def same_as_renderer(response_text: str, report: Any) -> bool:
    """The API's text equals the renderer's for the same report (generated_at taken from the API)."""
    generated = datetime.fromisoformat(json.loads(response_text)["generated_at"])
    return response_text == render(replace(report, generated_at=generated), "json")


def test_municipality_report_is_the_renderers_json(client: TestClient) -> None:
    response = client.get(
        "/api/v1/reports/municipality/Ronneby",
        params={
            "set": "kkik-2015-2017",
            "years": "2015-2017",
            "reference": "group:kg:C7",
            "colour": "quartile4",
        },
    )
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    kkik = bundled_measure_sets()["kkik-2015-2017"]
    with app_store(client) as store:
        report = municipality_report(
            store,
            "1081",
            measure_set=kkik,
            years=[2015, 2016, 2017],
            colour="quartile4",
            reference="group:kg:C7",
        )
    assert same_as_renderer(response.text, report)
    data = response.json()
    assert data["municipality"] == {"id": "1081", "name": "Ronneby"}
    assert "Källa: Kolada" in data["sources"]


def test_municipality_report_for_a_kpi_list(client: TestClient) -> None:
    response = client.get("/api/v1/reports/municipality/1081", params={"kpi": "n00938,U21401", "gender": "K"})
    assert response.status_code == 200, response.text
    with app_store(client) as store:
        report = municipality_report(store, "1081", kpis=["N00938", "U21401"], gender="K")
    assert same_as_renderer(response.text, report)


def test_network_report_is_the_renderers_json(client: TestClient) -> None:
    response = client.get("/api/v1/reports/network/nornorna", params={"set": "kkik-2015-2017", "year": 2017})
    assert response.status_code == 200, response.text
    with app_store(client) as store:
        report = network_report(
            store, "nornorna", measure_set=bundled_measure_sets()["kkik-2015-2017"], year=2017
        )
    assert same_as_renderer(response.text, report)
    c7 = client.get("/api/v1/reports/network/kg:C7", params={"kpi": "N00938", "year": 2020})
    assert c7.status_code == 200 and len(c7.json()["members"]) == 51


def test_kpi_report_is_the_renderers_json(client: TestClient) -> None:
    response = client.get("/api/v1/reports/kpi/N00938", params={"year": 2020, "colour": "reference"})
    assert response.status_code == 200, response.text
    with app_store(client) as store:
        report = kpi_report(store, "N00938", year=2020, colour="reference")
    assert same_as_renderer(response.text, report)
    latest = client.get("/api/v1/reports/kpi/N00938").json()
    assert latest["year"] == 2022


@pytest.mark.parametrize(
    "name", ["/etc/passwd", "../../../../etc/passwd", "kkik.yaml", "C:\\Windows\\win.ini", "~/.ssh/id_rsa"]
)
def test_a_measure_set_from_a_url_never_opens_a_file(
    client: TestClient, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []

    def no_files(path: Any) -> Any:
        opened.append(str(path))
        raise AssertionError("a URL opened a file")

    monkeypatch.setattr("jamfor.measuresets._load_file", no_files)
    for url in ("/api/v1/reports/municipality/1081", "/api/v1/reports/network/nornorna"):
        error = get_json(client, url, 404, set=name)["error"]
        assert "no measure set" in error and "kkik-2015-2017" in error
        assert "root:" not in error
    assert opened == []


@pytest.mark.parametrize(
    ("url", "params", "status", "words"),
    [
        ("/api/v1/reports/municipality/1081", {}, 400, "set kkik-2015-2017"),
        ("/api/v1/reports/municipality/1081", {"set": "kkik-2020", "kpi": "N00938"}, 400, "not both"),
        (
            "/api/v1/reports/municipality/1081",
            {"kpi": "N00938", "years": "2017-2015"},
            400,
            "years '2017-2015'",
        ),
        ("/api/v1/reports/municipality/1081", {"kpi": "N00938", "colour": "pink"}, 400, "colour 'pink'"),
        ("/api/v1/reports/municipality/1081", {"kpi": "N00938", "gender": "X"}, 400, "gender 'X'"),
        ("/api/v1/reports/municipality/1081", {"kpi": "N00938", "reference": "group:nope"}, 404, "'nope'"),
        ("/api/v1/reports/municipality/Upp", {"kpi": "N00938"}, 400, "several areas"),
        ("/api/v1/reports/municipality/1081", {"kpi": "N99999"}, 404, "N99999"),
        ("/api/v1/reports/network/nope", {"kpi": "N00938"}, 404, "'nope'"),
        ("/api/v1/reports/network/nornorna", {"kpi": "N00938", "year": "x"}, 400, "'year'"),
        ("/api/v1/reports/kpi/N00938", {"year": 1899}, 400, "'year'"),
    ],
)
def test_bad_report_options_are_sentences_not_500s(
    client: TestClient, url: str, params: dict[str, Any], status: int, words: str
) -> None:
    assert words in get_json(client, url, status, **params)["error"]


def test_measure_sets_lists_the_bundled_sets(client: TestClient) -> None:
    sets = {s["id"]: s for s in get_json(client, "/api/v1/measure-sets")["items"]}
    assert set(sets) == set(bundled_measure_sets())
    kkik = sets["kkik-2015-2017"]
    assert kkik["perspectives"][0] == "Tillgänglighet"
    sjuk = next(m for m in kkik["measures"] if m["kpi"] == "N00938")
    assert sjuk["year_offset"] == -1


# -- hostile input, errors, OpenAPI -----------------------------------------------------------


def test_hostile_strings_are_just_data(client: TestClient) -> None:
    hostile = '<script>alert("x")</script>\'; DROP TABLE observation; --'
    assert get_json(client, "/api/v1/areas", q=hostile)["items"] == []
    assert get_json(client, "/api/v1/kpis", q=hostile)["items"] == []
    response = client.get("/api/v1/values", params={"kpi": hostile})
    assert response.status_code == 404 and response.headers["content-type"] == "application/json"
    assert (
        "no KPI with id" in response.json()["error"] and "DROP TABLE OBSERVATION" in response.json()["error"]
    )
    assert get_json(client, "/api/v1/groups", q="alert")["items"][0]["title"] == HOSTILE
    assert get_json(client, "/api/v1/stats")["observations"] == 159_647 + 55


def test_openapi_lists_every_endpoint_with_a_summary(client: TestClient) -> None:
    spec = get_json(client, "/api/openapi.json")
    ours = {route.path.replace(":path", "") for route in api.router.routes if isinstance(route, APIRoute)}
    assert len(ours) == 13
    assert ours <= set(spec["paths"])
    for path in ours:
        operation = spec["paths"][path]["get"]
        assert operation["summary"]
        assert "422" not in operation["responses"]  # bad input is a 400 with {"error": …}
    values = spec["paths"]["/api/v1/values"]["get"]
    assert {p["name"] for p in values["parameters"]} == {"kpi", "area", "year", "gender", "limit", "offset"}
    assert all(p.get("description") for p in values["parameters"])
    report = spec["paths"]["/api/v1/reports/municipality/{area}"]["get"]
    assert "set" in {p["name"] for p in report["parameters"]}
    assert spec["components"]["schemas"]["AreaOut"]["examples"][0]["title"] == "Ronneby"


# -- docs/api.md, executed ------------------------------------------------------------------------

DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"
EXAMPLE = re.compile(
    r"```sh\ncurl -s 'http://127\.0\.0\.1:8000(/api/v1/[^']*)'\n```\n\n```json\n(.*?)\n```", re.S
)
TIMESTAMPS = {"generated_at", "imported_at", "replaced_at"}


def doc_examples() -> list[tuple[str, Any]]:
    text = DOCS.read_text(encoding="utf-8")
    return [(url, json.loads(shown)) for url, shown in EXAMPLE.findall(text)]


def shown_in(shown: Any, real: Any, where: str = "") -> list[str]:
    """How `shown` (a trimmed response: keys left out, lists cut short) differs from `real`."""
    if isinstance(shown, dict):
        if not isinstance(real, dict):
            return [f"{where}: {real!r} is not an object"]
        faults = [f"{where}.{k}: not in the response" for k in shown if k not in real]
        for key, value in shown.items():
            if key in real and key not in TIMESTAMPS:
                faults += shown_in(value, real[key], f"{where}.{key}")
        return faults
    if isinstance(shown, list):
        if not isinstance(real, list) or len(shown) > len(real):
            return [f"{where}: {real!r} is not a list of at least {len(shown)}"]
        return [f for i, item in enumerate(shown) for f in shown_in(item, real[i], f"{where}[{i}]")]
    return [] if shown == real else [f"{where}: the docs say {shown!r}, the API {real!r}"]


@pytest.fixture(scope="module")
def docs_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    tmp = tmp_path_factory.mktemp("api-docs")
    with Store.open(str(tmp / "docs.duckdb")) as store:
        _seed_as_in_the_docs(store, tmp)
    with TestClient(create_app(str(tmp / "docs.duckdb"))) as test_client:
        yield test_client


def test_the_docs_show_what_the_api_answers(docs_client: TestClient) -> None:
    examples = doc_examples()
    assert len(examples) >= 20
    for url, shown in examples:
        response = docs_client.get(url)
        assert (response.status_code >= 400) == ("error" in shown), (url, response.text)
        assert shown_in(shown, response.json()) == [], url


def test_the_docs_have_an_example_for_every_endpoint() -> None:
    urls = [url.split("?")[0] for url, _ in doc_examples()]
    for route in api.router.routes:
        assert isinstance(route, APIRoute)
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(route.path.replace(":path", "")))
        assert any(re.fullmatch(pattern, url) for url in urls), f"docs/api.md has no example of {route.path}"
