"""WCAG 2.1 AA on every page type: axe-core in Debian's Chromium finds nothing, and a keyboard alone works.

WCAG 2.1 AA is the law for Swedish public-sector sites (DOS-lagen). axe-core comes from the npm
registry at the version package-lock.json pins (`make npm`, part of `make test`); it runs twice
on each page: with the WCAG 2.0/2.1 A and AA rules only, then with the rest of axe's default rule
set (its best practices and newer WCAG rules). The site sends a strict Content-Security-Policy, so the browser context
bypasses it to inject axe; the pages themselves carry no script.

What axe cannot decide ("incomplete") is judged here, not waved through: colour contrast it could
not measure (text in the SVG charts, arrow glyphs) is measured by this test instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from .live_site import AXE, TEN, Watch, launch, new_context, screenshot, serve

# Every page type, with the variants that change what is on it.
PAGE_TYPES = {
    "start": "/",
    "start-search": "/?q=ronneby",
    "start-search-nothing": "/?q=zzzz&lang=en",
    "municipality": "/kommun/1081",
    "municipality-riket-en": "/kommun/1081?reference=riket&colour=reference&lang=en",
    "kpi": "/nyckeltal/N00938",
    "kpi-tables-open": "/nyckeltal/N00938?year=2020",
    "networks": "/natverk",
    "network": "/natverk/nornorna",
    "compare-empty": "/jamfor",
    "compare-ten": f"/jamfor?kpi=N00938&areas={TEN}",
    "measure-set": "/mattuppsattning/kkik-2015-2017",
    "method": "/metod",
    "ranking": "/rankning",
    "ranking-municipality-en": "/rankning/1384?rankning=medelrank-kkik-2020&lang=en",
    "not-found": "/kommun/9999",
}
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# Backgrounds text in the charts stands on: the chart's white and the pale quartile bands.
CHART_BACKGROUNDS = ["#ffffff", "#e3f1da", "#fbe3de", "#f2f2f2"]

RUN_AXE = """
async (tags) => {
  const brief = (results) => results.map(r => ({
    id: r.id, impact: r.impact, help: r.help,
    nodes: r.nodes.map(n => ({target: n.target, html: n.html.slice(0, 200),
                              summary: n.failureSummary || ''}))}));
  const resultTypes = ['violations', 'incomplete'];
  const strict = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes});
  // the default rule set, less the rules the first run has just checked
  const rules = Object.fromEntries(axe.getRules(tags).map(r => [r.ruleId, {enabled: false}]));
  const rest = await axe.run(document, {rules, resultTypes});
  return {violations: brief(strict.violations.concat(rest.violations)),
          incomplete: brief(strict.incomplete.concat(rest.incomplete))};
}
"""

# The contrast of an element's text against what it stands on, for what axe left undecided.
CONTRAST = """
([selector, chartBackgrounds]) => {
  const el = document.querySelector(selector);
  if (!el) return null;
  const parse = (c) => {
    if (c.startsWith('#')) return [1, 3, 5].map(i => parseInt(c.slice(i, i + 2), 16)).concat([1]);
    const m = c.match(/[\\d.]+/g).map(Number); return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1];
  };
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const style = getComputedStyle(el);
  const inSvg = el instanceof SVGElement;
  const fg = parse(inSvg ? style.fill : style.color);
  let backgrounds = [];
  if (inSvg) backgrounds = chartBackgrounds.map(parse);
  else {
    for (let node = el; node; node = node.parentElement) {
      const bg = parse(getComputedStyle(node).backgroundColor);
      if (bg[3] > 0) { backgrounds = [bg]; break; }
    }
    if (!backgrounds.length) backgrounds = [parse('#ffffff')];
  }
  return Math.min(...backgrounds.map(bg => ratio(fg, bg)));
}
"""


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve(tmp_path_factory.mktemp("a11y")) as url:
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
    # bypass_csp lets the test inject axe; the pages keep their strict policy for everyone else.
    ctx = new_context(browser, bypass_csp=True)
    yield ctx
    ctx.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("a11y-shots")


def _axe(page: Page) -> dict[str, Any]:
    page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = page.evaluate(RUN_AXE, WCAG_TAGS)
    return result


def _undecided(page: Page, incomplete: list[dict[str, Any]]) -> list[str]:
    """What axe left undecided and this test cannot clear either."""
    left = []
    for rule in incomplete:
        for node in rule["nodes"]:
            where = f"{rule['id']} at {node['target']}: {node['html']!r} ({node['summary'].strip()})"
            if rule["id"] == "color-contrast" and len(node["target"]) == 1:
                contrast = page.evaluate(CONTRAST, [node["target"][0], CHART_BACKGROUNDS])
                if contrast is not None and contrast >= 4.5:
                    continue
                where += f"; measured contrast {contrast}"
            left.append(where)
    return left


def _tables_have_headers_and_captions(page: Page) -> None:
    tables = page.evaluate(
        """() => Array.from(document.querySelectorAll('table')).map(t => ({
             caption: t.caption ? t.caption.textContent.trim() : '',
             headers: t.querySelectorAll('thead th[scope=col]').length,
             html: t.outerHTML.slice(0, 120)}))"""
    )
    for table in tables:
        assert table["caption"], f"a table without a caption: {table['html']}"
        assert table["headers"], f"a table without column headers: {table['html']}"


@pytest.mark.parametrize("name", list(PAGE_TYPES))
def test_axe_finds_nothing(context: BrowserContext, origin: str, shots: Path, name: str) -> None:
    page = context.new_page()
    watch = Watch(page, origin)
    response = page.goto(origin + PAGE_TYPES[name])
    assert response is not None
    assert response.status == (404 if name == "not-found" else 200)
    if name == "kpi-tables-open":
        # the data tables under the charts, unfolded as a reader would
        for summary in page.locator("details.data-table > summary").all():
            summary.click()
        assert page.locator("details.data-table[open]").count() == 2
    _tables_have_headers_and_captions(page)
    result = _axe(page)
    violations = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:5]]} {v['nodes'][0]['html']!r}"
        for v in result["violations"]
    ]
    assert violations == [], "\n".join(violations)
    assert _undecided(page, result["incomplete"]) == []
    screenshot(page, shots / f"{name}.png")
    watch.check()
    page.close()


# -- the keyboard alone -----------------------------------------------------------------------------

# Where the focus is, and whether it shows: a ring at least 2px wide that stands out 3:1 from white.
FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const lum = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number).map(v => {
    v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); })
    .reduce((sum, v, i) => sum + [0.2126, 0.7152, 0.0722][i] * v, 0);
  const ringContrast = 1.05 / (lum(style.outlineColor) + 0.05);
  const box = el.getBoundingClientRect();
  return {tag: el.tagName.toLowerCase(), name: el.getAttribute('name') || '', cls: el.getAttribute('class') || '',
          href: el.getAttribute('href') || '', text: (el.textContent || '').trim().slice(0, 60),
          inMain: !!el.closest('main'), inSvg: !!el.closest('svg'),
          ring: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2 && ringContrast >= 3,
          visible: box.width > 0 && box.height > 0 && box.right > 0 && box.bottom > 0
                   && box.left < innerWidth};
}"""


def _tab(page: Page) -> dict[str, Any]:
    page.keyboard.press("Tab")
    focused: dict[str, Any] = page.evaluate(FOCUSED)
    return focused


def _tab_to(page: Page, want: Any, limit: int = 60) -> list[dict[str, Any]]:
    """Tab until `want(focused)`; every stop on the way must show where the focus is."""
    stops = []
    for _ in range(limit):
        focused = _tab(page)
        stops.append(focused)
        if focused["tag"] != "body" and not focused["inSvg"]:
            assert focused["visible"] and focused["ring"], f"focus is not visible on {focused}"
        if want(focused):
            return stops
    raise AssertionError(
        f"not reached in {limit} tabs: {[(s['tag'], s['name'] or s['text']) for s in stops]}"
    )


def test_keyboard_alone_changes_the_reference(context: BrowserContext, origin: str, shots: Path) -> None:
    page = context.new_page()
    watch = Watch(page, origin)
    page.goto(origin + "/kommun/1081")
    first = _tab(page)
    assert first["cls"] == "skip" and first["href"] == "#main" and first["visible"] and first["ring"]
    screenshot(page, shots / "keyboard-skip-link.png", max_height=300)
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")
    # from the skip link's target, the next stop is in the main content: the report's options
    stops = _tab_to(page, lambda f: f["name"] == "reference")
    assert stops[0]["inMain"]
    assert [s["name"] for s in stops] == ["set", "years", "reference"]
    before = page.locator("select[name=reference]").input_value()
    for _ in range(10):  # down the list to the municipality group (kommungrupp)
        page.keyboard.press("ArrowDown")
        if page.locator("select[name=reference]").input_value().startswith("group:kg:"):
            break
    chosen = page.locator("select[name=reference]").input_value()
    assert chosen != before and chosen.startswith("group:kg:")
    stops = _tab_to(page, lambda f: f["tag"] == "button")
    assert [s["name"] for s in stops] == ["gender", "colour", ""]
    screenshot(page, shots / "keyboard-submit.png", max_height=900)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "reference=group%3Akg%3AC7" in page.url
    assert "C7 Pendlingskommun" in page.locator(".jf-facts").first.inner_text()
    # the downloads are reachable too, after the report's scroll regions
    stops = _tab_to(page, lambda f: f["href"].startswith("/kommun/1081.xlsx"), limit=40)
    assert any(s["cls"] == "jf-scroll" for s in stops)
    watch.check()


def test_keyboard_on_the_kpi_page_can_skip_the_map(context: BrowserContext, origin: str) -> None:
    page = context.new_page()
    watch = Watch(page, origin)
    page.goto(origin + "/nyckeltal/N00938")
    stops = _tab_to(page, lambda f: f["cls"] == "skip-block")
    assert {"year", "gender", "colour"} <= {s["name"] for s in stops}
    # the map's municipalities are links, reachable one by one (the insets' copies are not)...
    into_map = _tab(page)
    assert into_map["inSvg"] and into_map["href"].startswith("/kommun/")
    # the focused municipality turns black, so even the smallest shape shows where the focus is
    fill = page.evaluate("getComputedStyle(document.activeElement.querySelector('path')).fill")
    assert fill == "rgb(11, 12, 12)"
    reachable = page.evaluate(
        "() => Array.from(document.querySelectorAll('#map a')).filter(a => a.tabIndex >= 0).length"
    )
    assert reachable == 290
    # ... and the link before them skips all 290 at once.
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(FOCUSED)["cls"] == "skip-block"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "distribution-heading"
    after = _tab(page)
    assert after["tag"] == "summary" and not after["inSvg"]
    page.keyboard.press("Enter")  # a summary opens its table from the keyboard
    assert page.locator("details.data-table").nth(1).get_attribute("open") is not None
    watch.check()
