"""The site in a real browser, used as a new user would: Playwright driving Debian's Chromium.

A new user searches for a municipality, reads its KKiK profile, compares it with its group and
downloads the same view as Excel; reads a KPI on the map and switches the year; sees a network's
members side by side; switches to English. Every page is also loaded with JavaScript off (the
pages need none and carry none) and must ask nothing of anyone but our server. Names that are
hostile HTML are shown as text wherever they appear, and no dialog ever opens.

Playwright never downloads a browser here: it starts /usr/bin/chromium (`.ci/run` installs it);
a missing browser fails these tests rather than skipping them. Screenshots of each page go to a
temporary directory (shown in the test output on failure).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from .live_site import (
    HOSTILE,
    HOSTILE_KPI,
    HOSTILE_NETWORK,
    NETWORK_MEMBERS,
    TEN,
    Watch,
    launch,
    new_context,
    screenshot,
    serve,
)

PAGES = {
    "start": "/",
    "municipality": "/kommun/1081?years=2015-2017",
    "kpi": "/nyckeltal/N00938?year=2020",
    "networks": "/natverk",
    "network": "/natverk/nornorna",
    "compare": f"/jamfor?kpi=N00938&areas={TEN}",
    "measure-set": "/mattuppsattning/kkik-2015-2017",
    "method": "/metod?lang=en",
    "not-found": "/nyckeltal/X99999",
}


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve(tmp_path_factory.mktemp("browser")) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = new_context(browser)
    yield ctx
    ctx.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("browser-shots")


def _page(context: BrowserContext, origin: str) -> tuple[Page, Watch]:
    page = context.new_page()
    return page, Watch(page, origin)


# -- every page, without JavaScript -------------------------------------------------------------


@pytest.mark.parametrize("name", list(PAGES))
def test_page_renders_without_javascript_and_asks_only_our_server(
    browser: Browser, origin: str, shots: Path, name: str
) -> None:
    context = new_context(browser, java_script_enabled=False)
    page, watch = _page(context, origin)
    response = page.goto(origin + PAGES[name])
    assert response is not None and response.status == (404 if name == "not-found" else 200)
    assert "default-src 'self'" in response.headers["content-security-policy"]
    # what the browser built is all a reader without JavaScript gets, and it holds no script
    html = page.content()
    assert "<script" not in html
    expect(page.locator("main h1")).to_have_count(1)
    expect(page.locator("footer.site")).to_contain_text("Källa: Kolada")
    screenshot(page, shots / f"{name}.png")
    watch.check()
    # every stylesheet arrived: the header is laid out as a bar, not as a bulleted list
    assert page.locator("header.site nav ul").evaluate("ul => getComputedStyle(ul).display") == "flex"
    context.close()


def test_report_is_in_the_page_without_javascript(browser: Browser, origin: str) -> None:
    context = new_context(browser, java_script_enabled=False)
    page, watch = _page(context, origin)
    page.goto(origin + "/kommun/1081?years=2015-2017")
    expect(page.locator("main h1")).to_have_text("Ronneby – KKiK 2015–2017 (fem perspektiv)")
    expect(page.get_by_text("18:e av 243")).to_have_count(1)  # Ronneby's place for caregivers in 2017
    assert page.locator("svg.jamfor-trend").count() >= 10
    watch.check()
    context.close()


# -- a new user: search, profile, reference, Excel ----------------------------------------------


def test_search_municipality_change_reference_and_download_xlsx(
    context: BrowserContext, origin: str, shots: Path, tmp_path: Path
) -> None:
    page, watch = _page(context, origin)
    page.goto(origin + "/")
    page.get_by_label("Sök kommun, nyckeltal eller måttuppsättning").fill("Ronneby")
    page.get_by_role("button", name="Sök").click()
    expect(page).to_have_url(re.compile(r"/\?q=Ronneby$"))
    results = page.get_by_role("table", name="Kommuner med kommunkod, län och SKR:s kommungrupp 2023")
    expect(results.locator("tbody tr")).to_have_count(1)
    screenshot(page, shots / "flow-1-search.png")

    results.get_by_role("link", name="Ronneby", exact=True).click()
    expect(page).to_have_url(origin + "/kommun/1081")
    expect(page.locator("main h1")).to_have_text("Ronneby – KKiK 2015–2017 (fem perspektiv)")
    expect(page.get_by_role("table", name="Tillgänglighet")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^\d+:[ae] av \d+$")).first).to_be_visible()  # "65:e av 222"

    reference = page.get_by_label("Jämför med")
    expect(reference).to_have_value("mean")
    kommungrupp = reference.locator("optgroup[label=Kommungrupp] option").first
    group_value = kommungrupp.get_attribute("value")
    group_name = kommungrupp.inner_text()
    assert group_value == "group:kg:C7" and group_name.startswith("C7 ")
    reference.select_option(group_value)
    page.get_by_role("button", name="Visa").click()
    expect(page).to_have_url(re.compile(r"reference=group%3Akg%3AC7"))
    expect(page.get_by_label("Jämför med")).to_have_value(group_value)
    compared = page.locator("header.jf-head .jf-facts div").filter(has_text="Jämförelse")
    expect(compared.locator("dd")).to_have_text(f"Kommungrupp {group_name}")
    expect(page.locator("table.jf-table").first.locator("thead")).to_contain_text(group_name)
    screenshot(page, shots / "flow-2-reference.png")
    measure = page.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name="Väntetid särskilt boende (dagar)")
    )
    shown_values = [int(v) for v in measure.locator("td.jf-col-year").all_inner_texts()]

    with page.expect_download() as info:
        page.get_by_role("link", name="XLSX").click()
    download = info.value
    assert download.suggested_filename.startswith(
        "jamfor-kommun-1081-"
    ) and download.suggested_filename.endswith(".xlsx")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    book = load_workbook(path)
    cells = [c.value for sheet in book for row in sheet.iter_rows() for c in row if c.value is not None]
    texts = [v for v in cells if isinstance(v, str)]
    numbers = [v for v in cells if isinstance(v, (int, float)) and not isinstance(v, bool)]
    assert any("Källa: Kolada" in t for t in texts)
    assert any(group_name in t for t in texts), "the download is not the view on the page"
    assert len(numbers) > 50, "values must be numbers, not text"
    assert not [t for t in texts if re.fullmatch(r"-?\d+,\d+", t)], "a number stored as text"
    # the same figures as the page: Ronneby's waiting days for special housing, 2020–2022
    row = next(
        r for sheet in book for r in sheet.iter_rows(values_only=True) if r[0] == "Väntetid särskilt boende"
    )
    assert [v for v in row if isinstance(v, int)][:3] == shown_values
    watch.check()


# -- a KPI: the map, a municipality from it, another year ----------------------------------------


def test_kpi_map_links_to_municipalities_and_year_switches(
    context: BrowserContext, origin: str, shots: Path
) -> None:
    page, watch = _page(context, origin)
    page.goto(origin + "/nyckeltal/N00938")
    latest = page.get_by_label("År", exact=True).input_value()
    expect(page.locator("#map-heading")).to_have_text(f"Karta: kommunerna efter kvartil {latest}")
    # each municipality's shape (some are several paths) on the main map, outside the city insets
    shapes = page.evaluate(
        """() => new Set(Array.from(document.querySelectorAll('#map path.area'))
                   .filter(p => !p.closest('.inset')).map(p => p.dataset.id)).size"""
    )
    assert shapes == 290
    expect(page.locator('#map a[href^="/kommun/"]:not([tabindex="-1"])')).to_have_count(290)
    expect(page.get_by_role("group", name=re.compile("^Sjukpenningtalet"))).to_be_visible()
    screenshot(page, shots / "flow-kpi.png")

    page.locator('#map a[href="/kommun/1081"]').first.click()
    expect(page).to_have_url(origin + "/kommun/1081")
    expect(page.locator("main h1")).to_contain_text("Ronneby")
    page.go_back()

    year = page.get_by_label("År", exact=True)
    options = year.locator("option").all_inner_texts()
    earlier = options[3]
    assert earlier != latest
    year.select_option(earlier)
    page.get_by_role("button", name="Visa").click()
    expect(page).to_have_url(re.compile(rf"/nyckeltal/N00938\?year={earlier}&"))
    expect(page.get_by_label("År", exact=True)).to_have_value(earlier)
    expect(page.locator("#map-heading")).to_have_text(f"Karta: kommunerna efter kvartil {earlier}")
    expect(page.locator("#distribution-heading")).to_have_text(f"Fördelning mellan kommunerna {earlier}")
    expect(page.locator("#map title").first).to_contain_text(earlier)
    watch.check()


# -- a network: its members side by side ---------------------------------------------------------


def test_network_page_shows_members_side_by_side(context: BrowserContext, origin: str, shots: Path) -> None:
    page, watch = _page(context, origin)
    page.goto(origin + "/natverk")
    page.get_by_role("link", name="Nornorna").click()
    expect(page).to_have_url(origin + "/natverk/nornorna")
    first_table = page.locator("table.jf-table").first
    headers = first_table.locator("thead th").all_inner_texts()
    members = [h for h in headers if h in NETWORK_MEMBERS]
    assert members == NETWORK_MEMBERS, headers  # one column each, in the network's order
    assert any("Bäst i riket" in h for h in headers) and any("Sämst i riket" in h for h in headers)
    # one row per measure, a cell per member in it
    first_row = first_table.locator("tbody tr").first
    assert first_row.locator("td").count() >= len(NETWORK_MEMBERS)
    screenshot(page, shots / "flow-network.png")
    watch.check()


# -- English --------------------------------------------------------------------------------------


def test_english_switch_keeps_the_query_and_translates_the_chrome(
    context: BrowserContext, origin: str
) -> None:
    page, watch = _page(context, origin)
    page.goto(origin + "/kommun/1081?years=2018-2020&reference=riket")
    page.get_by_role("link", name="In English").click()
    expect(page).to_have_url(origin + "/kommun/1081?years=2018-2020&reference=riket&lang=en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    nav = page.get_by_role("navigation")
    expect(nav.get_by_role("link", name="Compare municipalities")).to_be_visible()
    expect(page.get_by_label("Compare with")).to_have_value("riket")
    expect(page.get_by_label("Years")).to_have_value("2018-2020")
    expect(page.get_by_role("button", name="Show")).to_be_visible()
    expect(page.get_by_role("heading", name="Download")).to_be_visible()
    # the downloads and the forms stay in English; the way back keeps the query too
    xlsx = page.get_by_role("link", name="XLSX").get_attribute("href")
    assert xlsx == "/kommun/1081.xlsx?years=2018-2020&reference=riket&lang=en"
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"lang=en"))
    page.get_by_role("link", name="På svenska").click()
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    assert "lang=" not in page.url and "reference=riket" in page.url
    watch.check()


# -- hostile names --------------------------------------------------------------------------------

HOSTILE_PAGES = {
    "start-search": "/?q=script",
    "networks": "/natverk",
    "network": f"/natverk/{HOSTILE_NETWORK}",
    "kpi": f"/nyckeltal/{HOSTILE_KPI}",
    "municipality-kpi": f"/kommun/1081?kpi={HOSTILE_KPI},N00938",
    "municipality-reference": f"/kommun/1081?reference=group:{HOSTILE_NETWORK}",
    "compare": f"/jamfor?kpi={HOSTILE_KPI}&areas=Ronneby,Lund",
}


def test_hostile_names_are_text_everywhere(context: BrowserContext, origin: str, shots: Path) -> None:
    page, watch = _page(context, origin)  # JavaScript on: an injected script would run and be seen
    for name, path in HOSTILE_PAGES.items():
        response = page.goto(origin + path)
        assert response is not None and response.status == 200, (path, response and response.status)
        assert page.evaluate("document.scripts.length") == 0, path
        assert page.evaluate("document.querySelectorAll('[onerror], [onload], [onclick]').length") == 0
        shown = page.locator("main").inner_text()
        assert HOSTILE in shown, f"{path}: the name is not shown as text"
        screenshot(page, shots / f"hostile-{name}.png")
    # in the page title, as a link text, in the map's title and in an option, it is the same text
    page.goto(origin + f"/nyckeltal/{HOSTILE_KPI}")
    assert page.title().startswith(HOSTILE)
    assert HOSTILE in page.locator("#map title").first.text_content()  # type: ignore[operator]
    page.goto(origin + "/?q=script")
    expect(page.get_by_role("link", name=HOSTILE, exact=True)).to_have_count(2)  # the network and the KPI
    page.goto(origin + "/kommun/1081")
    expect(page.locator(f"select[name=reference] option[value='group:{HOSTILE_NETWORK}']")).to_have_text(
        HOSTILE
    )
    watch.check()
    assert watch.dialogs == []


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


@pytest.mark.parametrize(
    "path",
    [
        f"/kommun/1081.{{}}?kpi={HOSTILE_KPI}",
        f"/natverk/{HOSTILE_NETWORK}.{{}}",
        f"/nyckeltal/{HOSTILE_KPI}.{{}}",
        f"/jamfor.{{}}?kpi={HOSTILE_KPI}&areas=Ronneby,Lund",
    ],
)
def test_hostile_names_are_text_in_downloads(context: BrowserContext, origin: str, path: str) -> None:
    for fmt in ("csv", "json", "xlsx"):
        response = context.request.get(origin + path.format(fmt))
        assert response.ok, (path.format(fmt), response.status, response.text()[:200])
        if fmt == "csv":  # the KPI's own CSV is long-form, by id: its title is not in it
            assert "attachment" in response.headers["content-disposition"]
            text = response.body().decode("utf-8-sig").replace('""', '"')
            assert HOSTILE in text or ("script" not in text and path.startswith("/nyckeltal/"))
        elif fmt == "json":  # served as JSON, never as something a browser would run
            assert response.headers["content-type"].startswith("application/json")
            assert HOSTILE in _strings(response.json())
        else:
            book = load_workbook(io.BytesIO(response.body()))
            texts = [
                c.value
                for sheet in book
                for row in sheet.iter_rows()
                for c in row
                if isinstance(c.value, str)
            ]
            assert any(HOSTILE in t for t in texts)
            assert not any(t.startswith("=") for t in texts), "a name became a formula"
