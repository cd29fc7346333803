"""The survey pages: content, downloads, source line — and axe-core finds nothing on them."""

from __future__ import annotations

import csv
import io
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from jamfor.sources.reference import load_reference
from jamfor.sources.survey import import_survey_file
from jamfor.sources.survey_definitions import bundled_surveys
from jamfor.sources.survey_results import compute_and_store
from jamfor.sources.synthetic_survey import (
    SyntheticSettings,
    generate_survey,
    synthetic_source,
    write_survey_file,
)
from jamfor.store import Store
from jamfor.web.app import create_app


def build(tmp: Path) -> Path:
    """Reference data and a synthetic survey: both families, two and three municipalities."""
    path = tmp / "survey.duckdb"
    with Store.open(str(path)) as store:
        store.migrate()
        load_reference(store)
        for survey_id, areas, years in (
            ("scb-medborgarundersokning", ["1384", "1081", "0180"], [2016, 2018, 2020]),
            ("scb-medborgarundersokning-2021", ["1384", "1081"], [2021, 2023]),
        ):
            survey = bundled_surveys()[survey_id]
            rows = generate_survey(survey, areas, years, SyntheticSettings(respondents=150, seed=3))
            answers = tmp / f"{survey_id}.csv"
            write_survey_file(answers, survey, rows, source=synthetic_source(survey))
            import_survey_file(store, answers, survey)
            compute_and_store(store, survey)
    return path


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("survey-web"))


@pytest.fixture(scope="module")
def client(database: Path) -> TestClient:
    return TestClient(create_app(str(database), cache_bytes=0))


def test_overview_lists_the_municipalities_with_results(client: TestClient) -> None:
    page = client.get("/undersokning")
    assert page.status_code == 200
    assert "betygsindex" in page.text and "(medelvärdet − 1) × 100 / 9" in page.text
    for name in ("Kungsbacka", "Ronneby", "Stockholm"):
        assert name in page.text
    assert 'href="/undersokning/1384"' in page.text
    assert "SYNTETISKA DATA" in page.text
    assert "Källa: Kolada" not in page.text
    english = client.get("/undersokning?lang=en")
    assert "citizen survey" in english.text and 'href="/undersokning/1384?lang=en"' in english.text


def test_municipality_page_shows_indices_chart_shares_and_source(client: TestClient) -> None:
    page = client.get("/undersokning/1384")
    assert page.status_code == 200
    text = page.text
    assert "Nöjd-Medborgar-Index (NMI)" in text and "NRI: Trygghet" in text
    assert "SYNTETISKA DATA" in text
    assert "<svg" in text and "Tabell med samma data" in text
    assert "Andel per svarsalternativ, från 2021" in text and "Mycket bra" in text
    assert "första året" in text and "sedan 2016" in text
    assert (
        "Källa: SCB:s medborgarundersökning (från 2021) (syntetisk); SCB:s medborgarundersökning (syntetisk)"
        in text
    )
    assert "Källa: Kolada" not in text
    assert 'href="/kommun/1384?kpi=SCBMU-NRI,SCBMU-NMI,SCBMU-NII"' in text
    for suffix in (".json", ".csv", ".xlsx"):
        assert f'href="/undersokning/1384{suffix}"' in text
    english = client.get("/undersokning/1384?lang=en")
    assert "SYNTHETIC DATA" in english.text and "first year" in english.text


def test_a_name_redirects_to_the_id_and_unknown_is_404(client: TestClient) -> None:
    moved = client.get("/undersokning/Kungsbacka.json?lang=en", follow_redirects=False)
    assert moved.status_code == 307 and moved.headers["location"] == "/undersokning/1384.json?lang=en"
    assert client.get("/undersokning/9999").status_code == 404
    assert client.get("/undersokning/0000").status_code == 404  # Riket is not a municipality
    empty = client.get("/undersokning/0114")
    assert empty.status_code == 200 and "inga undersökningsresultat" in empty.text


def test_downloads_hold_the_same_figures(client: TestClient) -> None:
    data = client.get("/undersokning/1384.json").json()
    nmi = next(r for r in data["indices"] if r["index"] == "NMI")
    assert [y["year"] for y in nmi["years"]] == [2016, 2018, 2020]
    assert data["synthetic"] and data["sources"] == [
        "SCB:s medborgarundersökning (från 2021) (syntetisk)",
        "SCB:s medborgarundersökning (syntetisk)",
    ]
    shares = [r for r in data["shares"] if r["question"] == "plats_bo"]
    for year in (0, 1):
        assert sum(r["years"][year]["share"] for r in shares) == pytest.approx(100)
    got = client.get("/undersokning/1384.csv")
    assert got.headers["content-disposition"].startswith("attachment")
    records = list(csv.DictReader(io.StringIO(got.text)))
    csv_nmi = [r for r in records if r["kpi"] == "SCBMU-NMI"]
    assert [float(r["value"]) for r in csv_nmi] == pytest.approx([y["value"] for y in nmi["years"]])
    assert "(syntetisk)" in got.text.splitlines()[-1]
    book = load_workbook(io.BytesIO(client.get("/undersokning/1384.xlsx").content))
    sheet = book.worksheets[0]
    assert "SYNTETISKA DATA" in str(sheet["A2"].value)
    values = [row for row in sheet.iter_rows(min_row=5, values_only=True) if row[2] == "SCBMU-NMI"]
    assert [v[6] for v in values] == pytest.approx([y["value"] for y in nmi["years"]])
    assert json.loads(client.get("/undersokning/1384.json?lang=en").text)["indices"][0]["title"]


# -- axe-core ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def origin(database: Path) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(create_app(str(database)), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the test server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.mark.parametrize(
    "path", ["/undersokning", "/undersokning/1384", "/undersokning/1384?lang=en", "/undersokning/0114"]
)
def test_axe_finds_nothing(origin: str, path: str) -> None:
    from playwright.sync_api import sync_playwright

    from tests.web.live_site import AXE, Watch, launch, new_context
    from tests.web.test_accessibility import RUN_AXE, WCAG_TAGS, _tables_have_headers_and_captions, _undecided

    with sync_playwright() as playwright:
        browser = launch(playwright)
        context = new_context(browser, bypass_csp=True)
        page = context.new_page()
        watch = Watch(page, origin)
        response = page.goto(origin + path)
        assert response is not None and response.status == 200
        for summary in page.locator("details.data-table > summary").all():
            summary.click()  # the chart's data table, unfolded as a reader would
        _tables_have_headers_and_captions(page)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate(RUN_AXE, WCAG_TAGS)
        violations = [
            f"{v['id']}: {v['help']} {[n['target'] for n in v['nodes'][:5]]}" for v in result["violations"]
        ]
        assert violations == []
        assert _undecided(page, result["incomplete"]) == []
        watch.check()
        context.close()
        browser.close()
