"""The first page: municipalities and KPIs, searchable, the same content as JSON."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from jamfor.sources.reference import import_demo, load_reference
from jamfor.store import Store
from jamfor.web.app import create_app


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    path = tmp_path_factory.mktemp("web") / "web.duckdb"
    with Store.open(str(path)) as store:
        store.migrate()
        load_reference(store)
        import_demo(store)
        store.create_network('<script>alert("x")</script> & "Nät"', ["Berg", "Åre"])
    return TestClient(create_app(str(path)))


def test_start_page_lists_municipalities_and_kpis(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert '<html lang="sv">' in page.text
    assert "Ronneby" in page.text and "Östersund" in page.text
    assert "Sjukpenningtalet" in page.text
    assert "Källa: Kolada" in page.text
    assert page.text.count("<caption>") == 2


def test_search_filters_both_lists(client: TestClient) -> None:
    page = client.get("/", params={"q": "ronneby"})
    assert "Ronneby" in page.text and "Östersund" not in page.text
    assert "Blekinge län" in page.text
    data = client.get("/index.json", params={"q": "sjukpenning"}).json()
    assert data["municipalities"] == []
    assert "N00938" in [k["id"] for k in data["kpis"]]


def test_hostile_query_is_escaped(client: TestClient) -> None:
    page = client.get("/", params={"q": '<script>alert("x")</script>'})
    assert page.status_code == 200
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;" in page.text


def test_stats_api(client: TestClient) -> None:
    stats = client.get("/api/v1/stats").json()
    assert stats["observations"] == 159_647
    assert client.get("/api/openapi.json").status_code == 200


def test_static_assets_are_ours(client: TestClient) -> None:
    page = client.get("/").text
    assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page
    assert client.get("/static/site.css").status_code == 200


def test_unused_path_gives_404(client: TestClient, tmp_path: Path) -> None:
    assert client.get("/nope").status_code == 404
