"""`/liknande/<kommun>`: the page, its downloads, the links to compare, and WCAG 2.1 AA (axe in Chromium)."""

from __future__ import annotations

import csv
import io
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient

from jamfor.reports.similar import save_similar_group, similar_report
from jamfor.sources.files import import_file
from jamfor.store import Store
from jamfor.web.app import create_app

from .conftest import STRUCTURAL


@pytest.fixture(scope="module")
def site_db(tmp_path_factory: pytest.TempPathFactory, duckdb_template: Path) -> Path:
    """The reference data and the structural values; Ale's general list saved, Botkyrka's not."""
    path = tmp_path_factory.mktemp("similar-web") / "site.duckdb"
    shutil.copy(duckdb_template, path)
    with Store.open(str(path)) as store:
        import_file(store, STRUCTURAL, source="Kolada")
        save_similar_group(store, similar_report(store, "Ale"))
    return path


@pytest.fixture(scope="module")
def client(site_db: Path) -> Iterator[TestClient]:
    with TestClient(create_app(str(site_db), read_only=True)) as test_client:
        yield test_client


def test_page_lists_the_seven_with_distances_and_contributions(client: TestClient) -> None:
    page = client.get("/liknande/1440")
    assert page.status_code == 200
    html = page.text
    assert "<h1>Liknande kommuner: Ale</h1>" in html
    assert "<caption>De 7 mest lika kommunerna (övergripande): avstånd och varje måtts bidrag" in html
    assert '<th scope="row"><a href="/kommun/0305">Håbo</a></th>' in html
    assert "<td>0,311</td>" in html
    assert '<th scope="col">Tätortsgrad (senaste mätning)</th>' in html
    assert "jamfors egen beräkning (inte Koladas)" in html
    # saved: compare on the municipality page with the saved group; and with RKA's group
    assert 'href="/kommun/1440?reference=group%3Asimilar%3Aovergripande%3A1440%3A2022"' in html
    assert 'href="/kommun/1440?reference=group%3AG37325"' in html


def test_unsaved_list_says_how_to_save_and_still_links_rka(client: TestClient) -> None:
    html = client.get("/liknande/0127?lang=en").text
    assert "<h1>Similar municipalities: Botkyrka</h1>" in html
    assert "<code>jamfor similar 0127 --profile overgripande --save</code>" in html
    assert "Compare with RKA&#39;s group Liknande kommuner, övergripande, Botkyrka, 2025" in html


def test_names_redirect_and_other_profiles(client: TestClient) -> None:
    moved = client.get("/liknande/Ale?profil=lss&n=3", follow_redirects=False)
    assert moved.status_code == 307 and moved.headers["location"] == "/liknande/1440?profil=lss&n=3"
    html = client.get("/liknande/1440?profil=lss&n=3").text
    assert "De 3 mest lika kommunerna (LSS)" in html
    assert "Liknande kommuner LSS, Ale, 2024" in html


def test_downloads_carry_the_same_list(client: TestClient) -> None:
    data = client.get("/liknande/1440.json").json()
    assert data["similar"][0]["title"] == "Håbo" and len(data["similar"]) == 7
    assert data["group"]["title"] == "Liknande kommuner (jamfor, övergripande), Ale, 2022"
    response = client.get("/liknande/1440.csv?n=3")
    assert response.headers["content-type"].startswith("text/csv")
    assert "jamfor-liknande-overgripande-1440-2022.csv" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    assert [r[2] for r in rows[1:]] == ["Håbo", "Vallentuna", "Österåker"]


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("/liknande/1440.json?profil=nonsense", 400, "no similarity profile 'nonsense'"),
        ("/liknande/1440.json?profil=..%2F..%2Fetc%2Fpasswd", 400, "no similarity profile"),
        ("/liknande/0000.json", 400, "Riket (0000) is not a municipality"),
        ("/liknande/9999.json", 404, "9999"),
        ("/liknande/1440.xlsx", 404, "finns inte"),
        ("/liknande/1440.json?year=2015", 400, "no values up to 2015"),
    ],
)
def test_bad_requests_are_clear(client: TestClient, url: str, status: int, message: str) -> None:
    response = client.get(url)
    assert response.status_code == status
    assert message in response.text
    # the page itself answers with the same status, on the site's error page
    if ".json" in url:
        page = client.get(url.replace(".json", ""))
        assert page.status_code == status and "<h1>" in page.text


# -- accessibility ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def origin(site_db: Path) -> Iterator[str]:
    from tests.web.live_site import _free_port

    config = uvicorn.Config(
        create_app(str(site_db), read_only=True), host="127.0.0.1", port=_free_port(), log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the test server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{config.port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.mark.parametrize("path", ["/liknande/1440", "/liknande/0127?profil=lss&lang=en"])
def test_axe_finds_nothing(origin: str, path: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    from tests.web.live_site import AXE, Watch, launch, new_context
    from tests.web.test_accessibility import _axe, _tables_have_headers_and_captions, _undecided

    assert AXE.exists(), f"{AXE} is missing: run `make npm` (npm ci) first"
    with sync_playwright() as playwright:
        browser = launch(playwright)
        context = new_context(browser, bypass_csp=True)
        page = context.new_page()
        watch = Watch(page, origin)
        response = page.goto(origin + path)
        assert response is not None and response.status == 200
        _tables_have_headers_and_captions(page)
        result = _axe(page)
        violations = [
            f"{v['id']} ({v['impact']}): {v['help']} {v['nodes'][0]['html']!r}" for v in result["violations"]
        ]
        assert violations == [], "\n".join(violations)
        assert _undecided(page, result["incomplete"]) == []
        watch.check()
        context.close()
        browser.close()


def test_the_saved_list_is_a_reference_on_the_municipality_page(client: TestClient) -> None:
    html = client.get("/kommun/1440?reference=group%3Asimilar%3Aovergripande%3A1440%3A2022").text
    assert (
        '<option value="group:similar:overgripande:1440:2022" selected>'
        "Liknande kommuner (jamfor, övergripande), Ale, 2022</option>"
    ) in html
    assert "<dd>Liknande kommuner (jamfor, övergripande), Ale, 2022</dd>" in html
    # offered only on the focus municipality's own page
    assert "similar:overgripande:1440" not in client.get("/kommun/0305").text
