"""The Kommunkompassen pages: /kompass and /kompass/<evaluation>, their downloads, and axe on both.

The evaluations come with the reference data (`jamfor db init`); the history page, read straight
after an edit, must never come from the response cache.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from playwright.sync_api import Browser, BrowserContext, sync_playwright

import jamfor.store.compass as compass_store
from jamfor.store import accounts as A
from jamfor.store.compass_edit import content_version, edit_evaluation
from jamfor.web.app import create_app

from .live_site import AXE, Watch, launch, new_context, screenshot, serve
from .test_accessibility import _axe, _tables_have_headers_and_captions, _undecided
from .writable import reference_store_url


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, duckdb_template: Path) -> Iterator[TestClient]:
    with (
        reference_store_url("duckdb", tmp_path_factory, duckdb_template, "kompass") as path,
        TestClient(create_app(path)) as test_client,
    ):
        yield test_client


def _footer(html: str) -> str:
    return html.split('<footer class="site">', 1)[1]


def test_overview_lists_evaluations_by_version(client: TestClient) -> None:
    response = client.get("/kompass")
    assert response.status_code == 200
    html = response.text
    assert "<h1>Kommunkompassen</h1>" in html
    order = [
        html.index(f">{name}</h2>")
        for name in ("Kommunkompassen, reviderad 2010", "Kommunkompassen, reviderad 2016")
    ]
    assert order == sorted(order)
    assert '<a href="/kompass/huddinge-2017">Huddinge</a>' in html
    assert '<a href="/kompass/kramfors-2013">Kramfors</a>' in html
    # Örebro published only a total: listed, but there is no report to link to.
    assert re.search(r"<th scope=\"row\">Örebro</th>\s*<td>2013</td>\s*<td class=\"jf-num\">615</td>", html)
    assert 'href="/kompass" aria-current="page">Kommunkompassen</a>' in html
    assert "Källa: Kolada" not in html and "Kommunkompassen (SKR)" in _footer(html)
    english = client.get("/kompass?lang=en").text
    assert "results of different versions cannot be compared" in english
    assert '<a href="/kompass/huddinge-2017?lang=en">Huddinge</a>' in english
    data = client.get("/kompass.json").json()
    by_id = {f["id"]: f for f in data["frameworks"]}
    assert [e["id"] for e in by_id["2010"]["evaluations"]] == [
        "orebro-2013",
        "grastorp-2014",
        "kramfors-2013",
        "kramfors-2011",
    ]
    assert by_id["2016"]["evaluations"][0]["total"] == pytest.approx(561.8)


def test_report_page(client: TestClient) -> None:
    response = client.get("/kompass/huddinge-2017")
    assert response.status_code == 200
    html = response.text
    assert "<title>Kommunkompassen: Huddinge 2017 – jamfor</title>" in html
    assert html.count("<h1") == 1 and ">Kommunkompassen: Huddinge 2017</h1>" in html
    svgs = re.findall(r"<svg\b.*?</svg>", html, flags=re.S)
    assert len(svgs) == 1 and 'role="img"' in svgs[0]
    ET.fromstring(svgs[0])
    assert ">Profilens värden i tabellform</caption>" in html
    assert ">Område 7 Ständiga förbättringar</h3>" in html and ">Uppnått</th>" in html
    for suffix in ("json", "xlsx", "pdf"):
        assert f'href="/kompass/huddinge-2017.{suffix}" download' in html
    assert ".csv" not in html
    assert "Källa: Kolada" not in html
    assert response.headers["cache-control"] == "no-store"  # the response cache cannot see evaluations change
    english = client.get("/kompass/huddinge-2017?lang=en").text
    assert "What is Kommunkompassen?" in english and 'href="/kompass/huddinge-2017.pdf?lang=en"' in english


def test_a_municipality_means_its_latest_evaluation(client: TestClient) -> None:
    response = client.get("/kompass/Huddinge", follow_redirects=False)
    assert response.status_code == 307 and response.headers["location"] == "/kompass/huddinge-2017"
    response = client.get("/kompass/Kramfors.json?lang=en", follow_redirects=False)
    assert response.headers["location"] == "/kompass/kramfors-2013.json?lang=en"
    assert client.get("/kompass/0126").url.path == "/kompass/huddinge-2017"


def test_downloads(client: TestClient) -> None:
    data = client.get("/kompass/huddinge-2017.json").json()
    assert (data["municipality"], data["year"], data["framework"]) == ("0126", 2017, "2016")
    assert data["areas"][4]["points"] == pytest.approx(64.45)
    assert [q["id"] for q in data["areas"][4]["questions"]] == ["5.1", "5.2", "5.3", "5.4", "5.5", "5.6"]
    xlsx = client.get("/kompass/huddinge-2017.xlsx")
    assert xlsx.headers["content-disposition"].startswith(
        'attachment; filename="jamfor-kompass-huddinge-2017.xlsx"'
    )
    assert load_workbook(io.BytesIO(xlsx.content)).sheetnames == [
        "Sammanfattning",
        "Områden",
        "Frågor",
        "Alla kommuner",
    ]
    pdf = client.get("/kompass/kramfors-2013.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert pdf.headers["content-type"] == "application/pdf"


def test_errors(client: TestClient) -> None:
    response = client.get("/kompass/Ronneby")
    assert (
        response.status_code == 404 and "Det finns ingen sida på adressen /kompass/Ronneby" in response.text
    )
    response = client.get("/kompass/Ronneby.json")
    assert response.status_code == 404
    assert "Ronneby (1081) has no Kommunkompassen evaluation" in response.json()["error"]
    response = client.get("/kompass/huddinge-2017.csv")
    assert response.status_code == 404  # no CSV of this report
    assert client.get("/kompass/orebro-2013").status_code == 400
    response = client.get("/kompass/orebro-2013.json")
    assert response.status_code == 400 and "only a published total" in response.json()["error"]


def test_history_is_never_served_from_the_response_cache(client: TestClient) -> None:
    """The audit trail shows an edit at once, to every visitor: `Store.data_version`, which keys
    the response cache, does not cover the evaluations, so these pages must never be kept."""
    history = "/kompass/kramfors-2011/historik"
    for path in (history, "/kompass/kramfors-2011", "/kompass/kramfors-2011.json"):
        first, second = client.get(path), client.get(path)
        for response in (first, second):
            assert response.status_code == 200, path
            assert response.headers["cache-control"] == "no-store", path
            assert response.headers.get("x-cache") != "hit", path
            assert "etag" not in response.headers, path
    assert "cache-edit" not in client.get(history).text
    summary = "Sammanfattning ändrad under testet"
    with client.app.state.access.using() as store:  # type: ignore[attr-defined]
        user = A.add_user(store, "cache-edit", "correct horse battery staple", role="admin")
        current = compass_store.evaluation(store, "kramfors-2011")
        edited = replace(current, summary=summary)
        edit_evaluation(store, edited, version=content_version(current), actor=user, via="web")
    page = client.get(history)
    assert page.headers.get("x-cache") != "hit"
    assert "cache-edit" in page.text and summary in page.text
    assert client.get("/kompass/kramfors-2011.json").json()["summary"] == summary


# -- axe ----------------------------------------------------------------------------------------------

PAGES = {
    "kompass": "/kompass",
    "kompass-huddinge": "/kompass/huddinge-2017",
    "kompass-kramfors-en": "/kompass/kramfors-2013?lang=en",
}


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve(tmp_path_factory.mktemp("kompass-a11y")) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert AXE.exists(), f"{AXE} is missing: run `make npm` (npm ci) first"
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = new_context(browser, bypass_csp=True)
    yield ctx
    ctx.close()


@pytest.mark.parametrize("name", list(PAGES))
def test_axe_finds_nothing(context: BrowserContext, origin: str, tmp_path: Path, name: str) -> None:
    page = context.new_page()
    watch = Watch(page, origin)
    response = page.goto(origin + PAGES[name])
    assert response is not None and response.status == 200
    _tables_have_headers_and_captions(page)
    result = _axe(page)
    violations = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:5]]} {v['nodes'][0]['html']!r}"
        for v in result["violations"]
    ]
    assert violations == [], "\n".join(violations)
    assert _undecided(page, result["incomplete"]) == []
    screenshot(page, tmp_path / f"{name}.png")
    watch.check()
    page.close()
