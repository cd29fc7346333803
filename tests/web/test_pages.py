"""The website's pages: each is a URL and a download, in Swedish with an English switch, without JavaScript."""

from __future__ import annotations

import io
import json
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from html import unescape

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from jamfor.measuresets import find_measure_set
from jamfor.render import render
from jamfor.reports import kpi_report, municipality_report, network_report
from jamfor.sources.reference import import_demo, load_reference
from jamfor.store import Store
from jamfor.web.app import create_app

from ..conftest import _drop_schema, _pg_url

HOSTILE = '<script>alert("x")</script> & "Nät"'


def _fill(store: Store) -> None:
    store.migrate()
    load_reference(store)
    import_demo(store)
    store.create_network("Nornorna", ["Ronneby", "Karlshamn", "Sölvesborg", "Olofström"])
    store.create_network(HOSTILE, ["Berg", "Åre"], group_id="hostile")


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    path = tmp_path_factory.mktemp("pages") / "pages.duckdb"
    with Store.open(str(path)) as store:
        _fill(store)
    with TestClient(create_app(str(path))) as test_client:
        yield test_client


def _no_third_party(html: str) -> None:
    for url in re.findall(r"""(?:src|href|action)=["']([^"']+)""", html):
        assert not re.match(r"(https?:)?//", url), f"third-party reference {url}"
    assert "<script" not in html.lower() or '<script src="/' in html


def _svg_ok(html: str) -> int:
    """Every inline SVG parses as XML; returns how many there are."""
    svgs = re.findall(r"<svg\b.*?</svg>", html, flags=re.S)
    for svg in svgs:
        ET.fromstring(svg)
    return len(svgs)


# -- municipality -------------------------------------------------------------------------------


def test_municipality_page_shows_the_kkik_report(client: TestClient) -> None:
    page = client.get("/kommun/1081")
    assert page.status_code == 200
    html = page.text
    assert '<html lang="sv">' in html
    assert "Ronneby" in html and "Sjukpenningtal" in html
    assert re.search(r"plats \d+ av \d+", html)
    assert "Källa: Kolada" in html
    # perspectives of the 2015–2017 set, a trend chart per measure, the reference selector
    assert "Tillgänglighet" in html and "Samhällsutveckling" in html
    assert html.count('class="jf-spark"') >= 20
    assert "Liknande kommuner" in html and "C7 Pendlingskommun" in html and "Nornorna" in html
    assert _svg_ok(html) >= 20
    _no_third_party(html)


def test_municipality_page_matches_the_report_it_downloads(client: TestClient) -> None:
    query = {"years": "2018-2020", "reference": "riket", "gender": "K", "colour": "reference"}
    data = client.get("/kommun/1081.json", params=query)
    assert data.status_code == 200 and data.headers["content-type"].startswith("application/json")
    body = data.json()
    assert body["years"] == [2018, 2019, 2020]
    assert body["gender"] == "K"
    # the same JSON as the library gives for the same report (apart from the generation time)
    with client.app.state.access.using() as store:  # type: ignore[attr-defined]
        report = municipality_report(
            store,
            "1081",
            measure_set=find_measure_set("kkik-2015-2017"),
            years=[2018, 2019, 2020],
            gender="K",
            colour="reference",
            reference="riket",
        )
    expected = json.loads(str(render(report, "json")))
    assert body["rows"] == expected["rows"] and body["reference"] == expected["reference"]
    html = client.get("/kommun/1081", params=query).text
    assert '<option value="riket" selected>' in html
    assert '<option value="K" selected>' in html


def test_municipality_downloads_in_every_format(client: TestClient) -> None:
    for suffix, kind in [(".csv", "text/csv"), (".xlsx", "spreadsheetml"), (".pdf", "application/pdf")]:
        response = client.get(f"/kommun/1081{suffix}", params={"years": "2019-2021"})
        assert response.status_code == 200, response.text
        assert kind in response.headers["content-type"]
        assert "attachment" in response.headers["content-disposition"]
        assert "jamfor-kommun-1081-2019-2021" in response.headers["content-disposition"]
    book = load_workbook(io.BytesIO(client.get("/kommun/1081.xlsx").content))
    cells = [c.value for sheet in book for row in sheet.iter_rows() for c in row]
    assert any(isinstance(v, float) for v in cells)
    assert any(isinstance(v, str) and "Källa: Kolada" in v for v in cells)
    assert client.get("/kommun/1081.pdf").content.startswith(b"%PDF")


def test_municipality_by_name_redirects_to_its_id_keeping_the_query(client: TestClient) -> None:
    response = client.get("/kommun/Ronneby.json", params={"gender": "M"}, follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "/kommun/1081.json?gender=M"


def test_english_switch_keeps_the_query(client: TestClient) -> None:
    html = client.get("/kommun/1081", params={"years": "2019-2021"}).text
    assert 'href="/kommun/1081?years=2019-2021&amp;lang=en"' in html
    english = client.get("/kommun/1081", params={"years": "2019-2021", "lang": "en"}).text
    assert '<html lang="en">' in english
    assert "Compare with" in english and "Download" in english
    assert 'href="/kommun/1081?years=2019-2021"' in english  # back to Swedish


def test_download_links_carry_the_page_query(client: TestClient) -> None:
    html = client.get("/kommun/1081", params={"reference": "riket", "colour": "quartile4"}).text
    assert 'href="/kommun/1081.xlsx?reference=riket&amp;colour=quartile4"' in html


def test_bad_options_give_a_clear_page_not_a_traceback(client: TestClient) -> None:
    page = client.get("/kommun/1081", params={"gender": "X"})
    assert page.status_code == 400
    assert "Kön ”X” finns inte. Välj T (totalt), K (kvinnor) eller M (män)." in unescape(page.text)
    assert "Traceback" not in page.text
    assert client.get("/kommun/9999").status_code == 404
    assert client.get("/kommun/0000").status_code == 404  # Riket is not a municipality
    error = client.get("/kommun/1081.json", params={"years": "20x"}).json()
    assert error["error"].startswith("years") and error["code"] == "bad_years"
    assert error["message"].startswith("”20x” går inte att läsa som år")
    # a measure-set name from a URL never opens a file on the server
    response = client.get("/kommun/1081", params={"set": "/etc/passwd"})
    assert response.status_code == 404 and "root:" not in response.text
    assert client.get("/nyckeltal/N00938", params={"year": "abc"}).status_code == 400


def test_hostile_strings_are_escaped(client: TestClient) -> None:
    page = client.get("/", params={"q": HOSTILE})
    assert "<script>alert" not in page.text
    network = client.get("/natverk/hostile")
    assert network.status_code == 200
    assert "<script>alert" not in network.text and "&lt;script&gt;" in network.text
    error = client.get("/kommun/" + "%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    assert error.status_code == 404 and "<script>alert(1)" not in error.text


# -- KPI ----------------------------------------------------------------------------------------


def test_kpi_page_ranks_maps_and_describes(client: TestClient) -> None:
    page = client.get("/nyckeltal/N00938", params={"year": 2020})
    assert page.status_code == 200
    html = page.text
    assert "Sjukpenningtal" in html and "Antal utbetalda dagar med sjukpenning" in html
    assert html.count("<path") >= 290  # the map
    assert 'href="/kommun/1081"' in html  # the map and ranking link to the municipalities
    assert _svg_ok(html) >= 2
    assert "Tabell med samma data" in html
    # the year selector offers the years with data and marks the chosen one
    assert '<option value="2020" selected>' in html and '<option value="2012"' in html


def test_kpi_page_default_year_is_the_latest_and_downloads_match(client: TestClient) -> None:
    html = client.get("/nyckeltal/n00938").text
    latest = max(int(y) for y in re.findall(r'<option value="(\d{4})"', html))
    assert f'<option value="{latest}" selected>' in html
    data = client.get("/nyckeltal/N00938.json", params={"year": 2020}).json()
    with client.app.state.access.using() as store:  # type: ignore[attr-defined]
        expected = json.loads(str(render(kpi_report(store, "N00938", year=2020), "json")))
    for key in ("kpi", "year", "rows", "distribution", "sources"):
        assert data[key] == expected[key]
    csv = client.get("/nyckeltal/N00938.csv", params={"year": 2020}).text
    assert "1081" in csv


def test_unknown_kpi_is_a_404_naming_it(client: TestClient) -> None:
    page = client.get("/nyckeltal/X99999")
    assert page.status_code == 404 and "X99999" in page.text


# -- networks, compare, method, measure sets ------------------------------------------------------


def test_network_page_sets_members_side_by_side(client: TestClient) -> None:
    index = client.get("/natverk").text
    assert "Nornorna" in index and "C7 Pendlingskommun" in index
    page = client.get("/natverk/nornorna", params={"year": 2020})
    assert page.status_code == 200
    for name in ("Ronneby", "Karlshamn", "Sölvesborg", "Olofström"):
        assert name in page.text
    assert client.get("/natverk/kg:C7").status_code == 200
    data = client.get("/natverk/nornorna.json", params={"year": 2020}).json()
    with client.app.state.access.using() as store:  # type: ignore[attr-defined]
        expected = json.loads(
            str(
                render(
                    network_report(
                        store, "nornorna", measure_set=find_measure_set("kkik-2015-2017"), year=2020
                    ),
                    "json",
                )
            )
        )
    assert data["rows"] == expected["rows"]
    assert client.get("/natverk/Nornorna", follow_redirects=False).headers["location"] == "/natverk/nornorna"


def test_compare_page_draws_ten_municipalities(client: TestClient) -> None:
    assert "Jämför kommuner över tid" in client.get("/jamfor").text
    names = "Ronneby,Karlskrona,Karlshamn,Sölvesborg,Olofström,Växjö,Kalmar,Lund,Malmö,Umeå"
    page = client.get("/jamfor", params={"kpi": "N00938", "areas": names, "years": "2013-2022"})
    assert page.status_code == 200, page.text
    for name in names.split(","):
        assert name in page.text
    assert _svg_ok(page.text) >= 1
    data = client.get("/jamfor.json", params={"kpi": "N00938", "areas": "1081,1080"}).json()
    assert data["kpi"]["id"] == "N00938"
    too_many = client.get("/jamfor", params={"kpi": "N00938", "areas": names + ",Kiruna"})
    assert too_many.status_code == 400
    assert client.get("/jamfor.xlsx", params={"kpi": "N00938", "areas": "1081"}).status_code == 200


def test_method_page_explains_in_plain_swedish(client: TestClient) -> None:
    page = client.get("/metod").text
    for words in ("Ovägt medel", "Kvartiler", "Trender", "Placering", "uppgift saknas"):
        assert words in page
    assert "Unweighted mean" in client.get("/metod", params={"lang": "en"}).text


def test_start_page_finds_measure_sets_and_links_pages(client: TestClient) -> None:
    page = client.get("/", params={"q": "kkik"}).text
    assert "/mattuppsattning/kkik-2015-2017" in page
    assert 'href="/kommun/1081"' in client.get("/", params={"q": "ronneby"}).text
    set_page = client.get("/mattuppsattning/kkik-2015-2017")
    assert set_page.status_code == 200 and "/nyckeltal/N00938" in set_page.text
    chosen = client.get("/kommun", params={"kommun": "1081", "set": "kkik-2020"}, follow_redirects=False)
    assert chosen.headers["location"] == "/kommun/1081?set=kkik-2020"


def test_every_page_is_free_of_third_party_requests(client: TestClient) -> None:
    for path in ["/", "/kommun/1081", "/nyckeltal/N00938", "/natverk/nornorna", "/jamfor", "/metod"]:
        response = client.get(path)
        assert response.status_code == 200
        _no_third_party(response.text)
        assert "default-src 'self'" in response.headers["content-security-policy"]


# -- PostgreSQL ----------------------------------------------------------------------------------


def test_pages_work_on_postgresql() -> None:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    url = _pg_url(schema)
    try:
        with Store.open(url) as store:
            _fill(store)
        with TestClient(create_app(url)) as pg_client:
            assert pg_client.get("/kommun/1081").status_code == 200
            assert pg_client.get("/nyckeltal/N00938", params={"year": 2020}).status_code == 200
            assert pg_client.get("/natverk/nornorna.json").status_code == 200
    finally:
        _drop_schema(schema)


def test_a_measure_set_opens_on_its_own_years(client: TestClient) -> None:
    # KKiK 2015–2017 opens on 2015–2017 (seed 002: Ronneby, 18:e av 243 for caregivers in 2017)
    html = client.get("/kommun/1081").text
    assert '<option value="2015-2017" selected>' in html
    assert "18:e av 243" in html
    assert client.get("/kommun/1081.json", params={"set": "kkik-2020"}).json()["years"] == [2018, 2019, 2020]
    # a KPI list has no era: the latest three years with data
    assert client.get("/kommun/1081.json", params={"kpi": "N00938"}).json()["years"] == [2020, 2021, 2022]
    assert client.get("/natverk/nornorna.json").json()["year"] == 2017
