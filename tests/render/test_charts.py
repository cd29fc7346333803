"""SVG charts: well-formed, accessible, escaped, and telling series and classes apart without colour."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from jamfor.render.charts import (
    MAX_REFERENCES,
    MAX_SERIES,
    AreaValue,
    ChartError,
    DistributionChart,
    QuartileMap,
    Series,
    TrendChart,
    data_table,
    to_svg,
)
from jamfor.render.charts.geometry import geometry
from jamfor.render.charts.map import FILL
from jamfor.render.charts.svg import nice_ticks
from jamfor.render.charts.trend import REFERENCE_STYLES, SERIES_STYLES
from jamfor.reports.model import Colour

NS = {"svg": "http://www.w3.org/2000/svg"}
SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>alert(1)</script> & "x"'
YEARS = tuple(range(2015, 2023))

# Real municipalities: (SCB code, name).
RONNEBY, STOCKHOLM, OSTERSUND, ARE, HABO = "1081", "0180", "2380", "2321", "0305"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def ids(root: ET.Element) -> list[str]:
    return [e.attrib["id"] for e in root.iter() if "id" in e.attrib]


def series(label: str, values: list[float | None], role: str = "peer") -> Series:
    assert role in ("subject", "reference", "peer")
    return Series(label, tuple(zip(YEARS, values, strict=True)), role)  # type: ignore[arg-type]


def ronneby_trend(**options: object) -> TrendChart:
    return TrendChart(
        "Sjukpenningtal, dagar per försäkrad",
        (
            series("Ronneby", [10.0, 9.9, 8.8, 7.9, None, 7.4, 8.2, 8.25], "subject"),
            series("Riket", [10.5, 10.8, 10.1, 9.7, 9.4, 9.3, 9.2, 9.7], "reference"),
            series("Ovägt medel", [11.7, 12.1, 11.1, 10.6, 10.3, 10.1, 10.2, 11.0], "reference"),
        ),
        unit="dagar",
        decimals=1,
        polarity="lower",
        **options,  # type: ignore[arg-type]
    )


def assert_accessible(root: ET.Element) -> None:
    """Root attributes every chart must have, and nothing that reaches outside the SVG."""
    assert root.tag == f"{SVG}svg"
    assert re.fullmatch(r"0 0 [\d.]+ [\d.]+", root.attrib["viewBox"])
    assert root.attrib["width"] == "100%"
    assert root.attrib["role"] in ("img", "group")
    assert "system-ui" in root.attrib["font-family"]
    title_id, desc_id = root.attrib["aria-labelledby"].split()
    title, desc = root.find("svg:title", NS), root.find("svg:desc", NS)
    assert title is not None and title.attrib["id"] == title_id and title.text
    assert desc is not None and desc.attrib["id"] == desc_id and desc.text
    assert root.find(".//svg:script", NS) is None
    assert root.find(".//svg:foreignObject", NS) is None


def assert_self_contained(svg: str) -> None:
    references = re.findall(r'(?:href|src)="([^"]*)"|url\(([^)]*)\)', svg)
    for attr, url in references:
        assert not (attr or url).startswith(("http", "//", "data:")), (attr, url)
    assert "@import" not in svg and "@font-face" not in svg


# -- trend charts ----------------------------------------------------------------------------------


def test_trend_chart_is_wellformed_accessible_and_self_contained() -> None:
    svg = to_svg(ronneby_trend())
    root = parse(svg)
    assert_accessible(root)
    assert_self_contained(svg)
    assert root.attrib["role"] == "img"
    shown = texts(root)
    # Direct labels at the line ends name every series; the unit and the polarity are stated.
    assert {"Ronneby", "Riket", "Ovägt medel"} <= set(shown)
    assert "dagar" in shown
    assert any("lägre är bättre" in t for t in shown)
    desc = root.find("svg:desc", NS)
    assert desc is not None and desc.text
    assert "Ronneby 8,3 dagar (2022)" in desc.text  # 8.25 rounds half away from zero
    assert "Uppgift saknas: Ronneby 2019" in desc.text


def test_missing_values_are_gaps_not_zeros() -> None:
    root = parse(to_svg(ronneby_trend()))
    subject = root.find(".//svg:g[@data-series='0']", NS)
    assert subject is not None
    line = subject.find("svg:path", NS)
    assert line is not None
    assert line.attrib["d"].count("M") == 2  # two runs: 2015–2018 and 2020–2022
    markers = [e for e in subject if e is not line]
    assert len(markers) == 7  # one per present value, none for 2019

    headers, rows = data_table(ronneby_trend())
    assert headers == ["År", "Ronneby (dagar)", "Riket (dagar)", "Ovägt medel (dagar)"]
    assert rows[4] == ["2019", "uppgift saknas", "9,4", "10,3"]


def test_an_isolated_value_still_shows() -> None:
    chart = TrendChart("Ett värde", (series("Håbo", [None, None, 5.0, None, None, None, None, None]),))
    root = parse(to_svg(chart))
    group = root.find(".//svg:g[@data-series='0']", NS)
    assert group is not None and len(group) == 1  # no line, one marker
    sparkline = parse(to_svg(TrendChart("Ett värde", chart.series, compact=True)))
    assert sparkline.find(".//svg:circle", NS) is not None


def test_trend_data_table_formats_for_the_language() -> None:
    headers, rows = data_table(ronneby_trend())
    assert rows[0] == ["2015", "10,0", "10,5", "11,7"]
    assert rows[-1] == ["2022", "8,3", "9,7", "11,0"]
    headers, rows = data_table(ronneby_trend(lang="en"))
    assert headers[0] == "Year"
    assert rows[-1] == ["2022", "8.3", "9.7", "11.0"]
    assert rows[4][1] == "no data"
    assert "lower is better" in texts(parse(to_svg(ronneby_trend(lang="en"))))[2]


def test_polarity_note_only_when_a_direction_is_better() -> None:
    line = (series("Åre", [1.0] * 8),)
    assert "högre är bättre" in to_svg(TrendChart("T", line, polarity="higher"))
    assert "lägre är bättre" in to_svg(TrendChart("T", line, polarity="lower"))
    assert "är bättre" not in to_svg(TrendChart("T", line, polarity="none"))
    assert "är bättre" not in to_svg(TrendChart("T", line, polarity=None))


def test_ten_series_differ_in_marker_and_dash_not_only_colour() -> None:
    names = [
        "Ronneby",
        "Stockholm",
        "Östersund",
        "Åre",
        "Håbo",
        "Malmö",
        "Göteborg",
        "Umeå",
        "Lund",
        "Kiruna",
    ]
    chart = TrendChart(
        "Tio kommuner",
        tuple(
            series(n, [float(i + k) for k in range(8)], "subject" if i == 0 else "peer")
            for i, n in enumerate(names)
        ),
    )
    root = parse(to_svg(chart))
    looks = set()
    shapes = set()
    for g in root.iterfind(".//svg:g[@class='series']", NS):
        line, first_marker = g[0], g[1]
        shape = _shape(first_marker)
        shapes.add(shape)
        looks.add((line.attrib["stroke"], line.attrib.get("stroke-dasharray", ""), shape))
    assert len(looks) == 10
    assert len(shapes) == 10  # the marker alone tells any two series apart, colour aside
    assert set(names) <= set(texts(root))


def _shape(e: ET.Element) -> tuple[str, bool, tuple[int, ...]]:
    """A marker without its position and colour: element, open or filled, outline as steps."""
    is_open = e.attrib.get("fill") in ("#ffffff", "none")
    if e.tag != f"{SVG}path":
        return e.tag, is_open, ()
    numbers = [float(n) for n in re.findall(r"-?[\d.]+", e.attrib["d"])]
    steps = tuple(round(b - a) for a, b in zip(numbers, numbers[2:], strict=False))
    return e.tag, is_open, steps


def test_more_than_ten_series_is_refused() -> None:
    chart = TrendChart("För många", tuple(series(f"K{i}", [1.0] * 8) for i in range(MAX_SERIES + 1)))
    with pytest.raises(ChartError, match="at most 10"):
        to_svg(chart)
    with pytest.raises(ChartError, match="at most 10"):
        data_table(chart)
    references = tuple(series(f"R{i}", [2.0] * 8, "reference") for i in range(MAX_REFERENCES + 1))
    with pytest.raises(ChartError, match="at most 3"):
        to_svg(TrendChart("För många referenser", references))


TEN = ("Ronneby", "Stockholm", "Östersund", "Åre", "Håbo", "Malmö", "Göteborg", "Umeå", "Lund", "Kiruna")


def test_references_come_on_top_of_ten_peers_without_using_up_their_styles() -> None:
    peers = tuple(series(n, [float(i + k) for k in range(8)]) for i, n in enumerate(TEN))
    references = (
        series("Ovägt medel", [5.5 + k for k in range(8)], "reference"),
        series("Riket", [4.5 + k for k in range(8)], "reference"),
    )
    chart = TrendChart("Tio kommuner och landet", peers + references)
    root = parse(to_svg(chart))
    groups = {int(g.attrib["data-series"]): g for g in root.iterfind(".//svg:g[@class='series']", NS)}
    assert sorted(groups) == list(range(12))
    looks = {
        i: (g[0].attrib["stroke"], g[0].attrib.get("stroke-dasharray", ""), _shape(g[1]))
        for i, g in groups.items()
    }
    assert len(set(looks.values())) == 12  # every line distinguishable
    assert len({shape for _, _, shape in looks.values()}) == 12  # by its marker alone, too
    peer_colours = {looks[i][0] for i in range(10)}
    assert {looks[10][0], looks[11][0]} == {"#000000", "#595959"}  # black and grey: references only
    assert not {looks[10][0], looks[11][0]} & peer_colours
    assert [g.attrib["data-role"] for g in groups.values()][-2:] == ["reference", "reference"]
    # The references are drawn after the peers, over them.
    order = [int(g.attrib["data-series"]) for g in root.iterfind(".//svg:g[@class='series']", NS)]
    assert order[-2:] == [10, 11]
    assert {*TEN, "Ovägt medel", "Riket"} <= set(texts(root))
    # Ten or more lines get a taller chart by default; a declared height is kept.
    assert root.attrib["viewBox"] == "0 0 640 440"
    assert parse(to_svg(ronneby_trend())).attrib["viewBox"] == "0 0 640 320"
    assert parse(to_svg(TrendChart("T", peers, height=300))).attrib["viewBox"] == "0 0 640 300"
    # Three references are the most: each has a style of its own.
    three = TrendChart("T", (*peers, *references, series("Länet", [3.0] * 8, "reference")))
    assert len(parse(to_svg(three)).findall(".//svg:g[@class='series']", NS)) == 13


def test_styles_differ_in_all_three_and_references_keep_to_black_and_grey() -> None:
    styles = SERIES_STYLES + REFERENCE_STYLES
    assert len({s.marker for s in styles}) == len(styles) == MAX_SERIES + MAX_REFERENCES
    assert len({(s.colour, s.dash) for s in styles}) == len(styles)
    assert {s.colour for s in REFERENCE_STYLES} <= {"#000000", "#595959"}
    assert not {s.colour for s in REFERENCE_STYLES} & {s.colour for s in SERIES_STYLES}


def test_a_series_without_values_is_named_under_the_chart() -> None:
    chart = TrendChart(
        "T",
        (series("Ronneby", [1.0] * 8, "subject"), series("Region Blekinge", [None] * 8)),
        lang="en",
    )
    root = parse(to_svg(chart))
    assert len(root.findall(".//svg:g[@class='series']", NS)) == 1
    assert "No data: Region Blekinge" in texts(root)
    assert "Region Blekinge" not in texts(root)  # no end label for a line that is not there


def test_markers_tell_their_values() -> None:
    root = parse(to_svg(ronneby_trend()))
    subject = root.find(".//svg:g[@data-series='0']", NS)
    assert subject is not None
    tips = [m.find("svg:title", NS) for m in subject[1:]]
    assert [t.text for t in tips if t is not None][-2:] == [
        "Ronneby 2021: 8,2 dagar",
        "Ronneby 2022: 8,3 dagar",
    ]


def test_nice_ticks() -> None:
    assert nice_ticks(4.3, 18.1) == ([0.0, 5.0, 10.0, 15.0, 20.0], 0)
    assert nice_ticks(0.2, 1.1) == ([0.0, 0.25, 0.5, 0.75, 1.0, 1.25], 2)
    ticks, decimals = nice_ticks(125711, 181541)
    assert ticks[0] <= 125711 and ticks[-1] >= 181541 and decimals == 0
    ticks, _ = nice_ticks(5.0, 5.0)
    assert ticks[0] < 5.0 < ticks[-1]


def test_subject_gets_the_first_style_whatever_its_position() -> None:
    chart = TrendChart(
        "T", (series("Riket", [1.0] * 8, "reference"), series("Ronneby", [2.0] * 8, "subject"))
    )
    root = parse(to_svg(chart))
    subject = root.find(".//svg:g[@data-series='1']", NS)
    assert subject is not None
    assert subject[0].attrib["stroke"] == "#0072B2"
    assert "stroke-dasharray" not in subject[0].attrib
    assert float(subject[0].attrib["stroke-width"]) > float(
        root.find(".//svg:g[@data-series='0']", NS)[0].attrib["stroke-width"]  # type: ignore[index]
    )


def test_compact_sparkline_is_small_but_still_named() -> None:
    chart = ronneby_trend(compact=True)
    svg = to_svg(chart)
    root = parse(svg)
    assert_accessible(root)
    assert root.attrib["viewBox"] == "0 0 160 48"
    assert texts(root) == []  # no axis text
    assert len(svg) < 2500
    title = root.find("svg:title", NS)
    assert title is not None and title.text == chart.title


def test_hostile_labels_come_out_escaped() -> None:
    chart = TrendChart(
        HOSTILE, (Series(HOSTILE, ((2021, 1.0), (2022, 2.0)), "subject"),), unit=HOSTILE, description=HOSTILE
    )
    svg = to_svg(chart)
    assert "<script" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;" in svg
    root = parse(svg)
    title = root.find("svg:title", NS)
    assert title is not None and title.text == HOSTILE
    assert root.find(".//svg:script", NS) is None
    headers, _ = data_table(chart)
    assert headers[1].startswith(HOSTILE)  # plain text: the page escapes tables itself


def test_id_prefixes_keep_charts_on_one_page_apart() -> None:
    a = parse(to_svg(ronneby_trend(id_prefix="a1")))
    b = parse(to_svg(ronneby_trend(id_prefix="b2")))
    assert all(i.startswith("a1") for i in ids(a))
    assert not set(ids(a)) & set(ids(b))
    # Without a prefix the ids come from the content: stable, and different for different charts.
    assert to_svg(ronneby_trend()) == to_svg(ronneby_trend())
    assert ids(parse(to_svg(ronneby_trend()))) != ids(parse(to_svg(ronneby_trend(lang="en"))))
    with pytest.raises(ChartError, match="id_prefix"):
        to_svg(ronneby_trend(id_prefix='x" onload="alert(1)'))


def test_a_year_twice_in_one_series_is_refused() -> None:
    chart = TrendChart("T", (Series("Åre", ((2020, 1.0), (2020, 2.0))),))
    with pytest.raises(ChartError, match="more than once"):
        to_svg(chart)


# -- distributions ---------------------------------------------------------------------------------


def municipality_values(count: int = 290, missing: int = 12) -> tuple[AreaValue, ...]:
    areas = list(geometry().municipalities.values())[:count]
    return tuple(
        AreaValue(m.id, m.name, None if i < missing else 5.0 + (i * 37 % 101) / 10)
        for i, m in enumerate(areas)
    )


def test_distribution_sorted_best_first_with_quartiles_mean_median_and_highlight() -> None:
    values = municipality_values()
    chart = DistributionChart(
        "Sjukpenningtal 2022", values, polarity="lower", highlight=RONNEBY, unit="dagar", decimals=1
    )
    svg = to_svg(chart)
    root = parse(svg)
    assert_accessible(root)
    assert_self_contained(svg)
    desc = root.find("svg:desc", NS)
    assert desc is not None and desc.text
    assert "Uppgift saknas för 12 kommuner" in desc.text
    assert "278 kommuner" in desc.text
    assert len(root.findall(".//svg:rect[@data-quartile]", NS)) == 4
    shown = texts(root)
    assert any(t.startswith("Medel ") for t in shown) and any(t.startswith("Median ") for t in shown)
    assert {"Bästa 25 %", "Mellersta 50 %", "Sämsta 25 %"} <= set(shown)
    assert any(t.startswith("Ronneby ") for t in shown)
    assert root.find(".//svg:path[@class='highlight']", NS) is not None

    headers, rows = data_table(chart)
    assert headers == ["Plats", "Kommun", "Värde (dagar)", "Kvartil"]
    present = [float(r[2].replace(",", ".")) for r in rows if r[0]]
    assert present == sorted(present)  # lower is better: smallest first
    assert rows[0][0] == "1" and rows[0][3] == "bland de 25 % bästa"
    assert [r[2] for r in rows[-12:]] == ["uppgift saknas"] * 12
    assert len(rows) == len(values)
    assert all("," in r[2] for r in rows if r[0])  # decimal comma


def test_distribution_without_polarity_sorts_highest_first_and_judges_nothing() -> None:
    chart = DistributionChart("Antal", municipality_values(40, 0), style="dots")
    root = parse(to_svg(chart))
    shown = texts(root)
    assert "Högsta 25 %" in shown and "Bästa 25 %" not in shown
    _, rows = data_table(chart)
    present = [float(r[2].replace(",", ".")) for r in rows]
    assert present == sorted(present, reverse=True)
    assert rows[0][3] == "högsta fjärdedelen"


def test_distribution_refuses_a_municipality_twice() -> None:
    chart = DistributionChart("D", (AreaValue(ARE, "Åre", 1.0), AreaValue(ARE, "Åre", 2.0)))
    with pytest.raises(ChartError, match=ARE):
        to_svg(chart)


def test_distribution_says_when_the_highlighted_municipality_has_no_value() -> None:
    values = (AreaValue(ARE, "Åre", None), AreaValue(HABO, "Håbo", 2.0), AreaValue(RONNEBY, "Ronneby", 3.0))
    root = parse(to_svg(DistributionChart("D", values, polarity="higher", highlight=ARE)))
    assert "Åre: uppgift saknas" in texts(root)


def test_distribution_escapes_names() -> None:
    chart = DistributionChart(
        "D", (AreaValue("9999", HOSTILE, 1.0), AreaValue(ARE, "Åre", 2.0)), highlight="9999"
    )
    svg = to_svg(chart)
    assert "<script" not in svg
    parse(svg)


# -- the map ---------------------------------------------------------------------------------------


def quartile_classes() -> dict[str, Colour]:
    """Real codes, classes by position: 72 green, 144 yellow, 72 red, 2 without a class."""
    codes = sorted(geometry().municipalities)
    colours: dict[str, Colour] = {}
    for i, code in enumerate(codes[:-2]):
        colours[code] = "green" if i < 72 else "red" if i >= 216 else "yellow"
    # Ronneby among the green ones (it is 1081, in the yellow range by position): swap with one.
    colours[RONNEBY], colours[codes[0]] = "green", colours[RONNEBY]
    return colours


def test_geometry_has_every_municipality() -> None:
    geo = geometry()
    assert len(geo.municipalities) == 290
    assert geo.municipalities[RONNEBY].name == "Ronneby"
    assert geo.municipalities[STOCKHOLM].name == "Stockholm"
    assert geo.municipalities[OSTERSUND].name == "Östersund"
    assert geo.municipalities[HABO].name == "Håbo"
    assert geometry() is geo  # read once


def test_map_has_290_municipalities_with_patterns_and_a_legend_that_adds_up() -> None:
    chart = QuartileMap(
        "Sjukpenningtal 2022",
        quartile_classes(),
        values={RONNEBY: 8.25, STOCKHOLM: "7,1 dagar"},
        decimals=1,
        highlight=OSTERSUND,
    )
    svg = to_svg(chart)
    root = parse(svg)
    assert_accessible(root)
    assert_self_contained(svg)
    main = root.find(".//svg:g[@class='municipalities']", NS)
    assert main is not None
    paths = main.findall(".//svg:path[@data-id]", NS)
    assert len(paths) == 290
    assert {p.attrib["data-id"] for p in paths} == set(geometry().municipalities)
    # Classes differ in fill lightness and in the marks drawn over the fill (yellow is plain).
    fills = {g.attrib["class"]: g.attrib["fill"] for g in main.iterfind("svg:g[@class='areas']/svg:g", NS)}
    assert fills == {
        "class-green": FILL["green"],
        "class-yellow": FILL["yellow"],
        "class-red": FILL["red"],
        "class-grey": FILL["grey"],
    }
    patterns = {
        p.attrib["id"]: ET.tostring(p[0], encoding="unicode") for p in root.iterfind(".//svg:pattern", NS)
    }
    assert len(set(patterns.values())) == len(patterns) == 3  # green, red, grey: each its own mark
    marked: dict[str, str] = {}
    marks_layer = main.find("svg:g[@class='marks']", NS)
    assert marks_layer is not None and marks_layer.attrib["aria-hidden"] == "true"
    for group in marks_layer:
        pattern = re.fullmatch(r"url\(#(.+)\)", group.attrib["fill"])
        assert pattern and pattern.group(1) in patterns
        for use in group:
            marked[use.attrib["href"].removeprefix("#")] = pattern.group(1)
    for p in paths:
        colour = p.attrib["class"].split()[-1].removeprefix("c-")
        assert (p.attrib["id"] in marked) == (colour != "yellow")
        if colour != "yellow":
            assert marked[p.attrib["id"]].endswith(f"-p-{colour}")
    items = root.findall(".//svg:g[@class='legend-item']", NS)
    counts = {i.attrib["data-class"]: int(i.attrib["data-count"]) for i in items}
    assert counts == {"green": 72, "yellow": 144, "red": 72, "grey": 2}
    assert sum(counts.values()) == 290
    highlight = root.find(".//svg:g[@class='highlight']", NS)
    assert highlight is not None and highlight.attrib["data-id"] == OSTERSUND
    assert "Östersund" in texts(highlight)
    highlighted = [p for p in paths if "highlight" in p.attrib["class"].split()]
    assert [p.attrib["data-id"] for p in highlighted] == [OSTERSUND]
    titles = {p.attrib["data-id"]: "".join(p.itertext()) for p in paths}
    assert titles[RONNEBY] == "Ronneby: 8,3 (bland de 25 % bästa)"
    assert titles[STOCKHOLM].startswith("Stockholm: 7,1 dagar (")
    assert titles[sorted(geometry().municipalities)[-1]].endswith(": uppgift saknas")


def test_map_links_each_municipality_once_when_asked() -> None:
    chart = QuartileMap("K", quartile_classes(), href="/kommun/{id}", id_prefix="karta")
    root = parse(to_svg(chart))
    main = root.find(".//svg:g[@class='municipalities']", NS)
    assert main is not None
    links = main.findall(".//svg:a", NS)
    assert len(links) == 290
    assert {a.attrib["href"] for a in links} == {f"/kommun/{i}" for i in geometry().municipalities}
    # The enlarged copies in the insets are links for the mouse only.
    inset_links = [
        a for g in root.iterfind(".//svg:g[@class='inset']", NS) for a in g.iterfind(".//svg:a", NS)
    ]
    assert inset_links and all(a.attrib["tabindex"] == "-1" for a in inset_links)
    assert root.attrib["role"] == "group"  # role=img would hide the links from screen readers
    assert all(i.startswith("karta") for i in ids(root))
    no_links = parse(to_svg(QuartileMap("K", quartile_classes())))
    assert no_links.find(".//svg:a", NS) is None and no_links.attrib["role"] == "img"


def test_map_four_colour_scheme_and_english() -> None:
    codes = sorted(geometry().municipalities)
    four: tuple[Colour, ...] = ("green", "lightgreen", "orange", "red")
    chart = QuartileMap(
        "Map", {c: four[i % 4] for i, c in enumerate(codes)}, scheme="quartile4", lang="en", insets=False
    )
    root = parse(to_svg(chart))
    counts = {
        i.attrib["data-class"]: int(i.attrib["data-count"])
        for i in root.iterfind(".//svg:g[@class='legend-item']", NS)
    }
    assert counts == {"green": 73, "lightgreen": 73, "orange": 72, "red": 72, "grey": 0}
    assert root.find(".//svg:g[@class='inset']", NS) is None
    shown = texts(root)
    assert "Among the best 25 %" in shown and "No data" in shown


def test_map_rejects_unknown_municipalities_and_ignores_riket() -> None:
    with pytest.raises(ChartError, match="9999"):
        to_svg(QuartileMap("K", {"9999": "green"}))
    with pytest.raises(ChartError, match="'blue'"):
        to_svg(QuartileMap("K", {RONNEBY: "blue"}))  # type: ignore[dict-item]
    root = parse(to_svg(QuartileMap("K", {"0000": "green", "0012": "red", RONNEBY: "green"})))
    assert len(root.findall(".//svg:g[@class='municipalities']//svg:path[@data-id]", NS)) == 290


def test_map_escapes_names_and_links() -> None:
    chart = QuartileMap(
        HOSTILE, {RONNEBY: "green"}, names={RONNEBY: HOSTILE}, href='/k/{id}?a="1"&b=<2>', highlight=RONNEBY
    )
    svg = to_svg(chart)
    assert "<script" not in svg
    root = parse(svg)
    link = root.find(f".//svg:a[@href='/k/{RONNEBY}?a=\"1\"&b=<2>']", NS)
    assert link is not None


def test_map_data_table_in_swedish_order_with_decimal_comma() -> None:
    chart = QuartileMap("K", quartile_classes(), values={RONNEBY: 12.34, ARE: None}, decimals=1, unit="%")
    headers, rows = data_table(chart)
    assert headers == ["Kommun", "Värde (%)", "Färg"]
    assert len(rows) == 290
    by_name = {r[0]: r for r in rows}
    assert by_name["Ronneby"] == ["Ronneby", "12,3", "grön: bland de 25 % bästa"]
    assert by_name["Åre"][1] == "uppgift saknas"
    names = [r[0] for r in rows]
    assert names.index("Ystad") < names.index("Åre") < names.index("Älmhult") < names.index("Östersund")


def test_the_example_in_the_docs_runs() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "charts.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", doc, flags=re.DOTALL)
    assert blocks
    for block in blocks:
        exec(compile(block, "docs/charts.md", "exec"), {})


# -- contrast (WCAG 2.1, 1.4.11 non-text contrast: 3:1 for graphics that carry meaning) -----------


def _linear(channel: int) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _rgb(colour: str) -> tuple[int, int, int]:
    h = colour.lstrip("#")
    assert re.fullmatch(r"[0-9a-fA-F]{6}", h), colour
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def _luminance(colour: str) -> float:
    r, g, b = (_linear(c) for c in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str = "#ffffff") -> float:
    """WCAG's contrast ratio, (L1 + 0.05) / (L2 + 0.05) of the relative luminances."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_contrast_ratio_matches_wcag_examples() -> None:
    assert contrast("#000000") == pytest.approx(21.0)
    assert contrast("#767676") == pytest.approx(4.54, abs=0.01)  # the lightest grey for 4.5:1 text
    assert contrast("#E69F00") < 3 and contrast("#56B4E9") < 3  # why Okabe–Ito's orange and sky blue went


def _drawn_colours(svg: str, selector: str) -> set[str]:
    """The stroke and fill colours of the elements under `selector`, white halos and 'none' left out."""
    root = parse(svg)
    found: set[str] = set()
    for group in root.findall(selector, NS):
        for element in group.iter():
            for attribute in ("stroke", "fill"):
                value = element.attrib.get(attribute, "none").lower()
                if value not in ("none", "#ffffff", "#fff", "white"):
                    found.add(value)
    return found


def test_every_series_line_and_marker_has_3_to_1_against_the_background() -> None:
    for style in SERIES_STYLES + REFERENCE_STYLES:
        assert contrast(style.colour) >= 3.0, style
    # What the charts draw, not only what the table says: ten peers and three references.
    peers = tuple(series(f"Kommun {i}", [float(i + k) for k in range(8)]) for i in range(MAX_SERIES))
    references = tuple(
        series(name, [5.0 + k for k in range(8)], "reference") for name in ("Riket", "Ovägt medel", "Länet")
    )
    drawn = _drawn_colours(to_svg(TrendChart("T", peers + references)), ".//svg:g[@class='series']")
    assert len(drawn) >= 6
    for colour in drawn:
        assert contrast(colour) >= 3.0, colour


def test_distribution_marks_have_3_to_1_against_white_and_the_quartile_bands() -> None:
    from jamfor.render.charts.distribution import _BAND_FILL, HIGHLIGHT, MARK

    for background in {"#ffffff", "#f2f2f2", *_BAND_FILL.values()}:
        assert contrast(MARK, background) >= 3.0, background
        assert contrast(HIGHLIGHT, background) >= 3.0, background
    svg = to_svg(DistributionChart("T", municipality_values(), polarity="higher", highlight=RONNEBY))
    assert MARK in svg and HIGHLIGHT in svg


# Colour-vision deficiencies simulated with Machado, Oliveira & Fernandes (2009), severity 1, applied
# to linear RGB; differences measured in CIELAB (D65).
_SIMULATIONS: dict[str, tuple[tuple[float, float, float], ...]] = {
    "normal": ((1, 0, 0), (0, 1, 0), (0, 0, 1)),
    "protanopia": (
        (0.152286, 1.052583, -0.204868),
        (0.114503, 0.786281, 0.099216),
        (-0.003882, -0.048116, 1.051998),
    ),
    "deuteranopia": (
        (0.367322, 0.860646, -0.227968),
        (0.280085, 0.672501, 0.047413),
        (-0.011820, 0.042940, 0.968881),
    ),
    "tritanopia": (
        (1.255528, -0.076749, -0.178779),
        (-0.078411, 0.930809, 0.147602),
        (0.004733, 0.691367, 0.303900),
    ),
}


def _lab(colour: str, vision: str) -> tuple[float, float, float]:
    linear = [_linear(c) for c in _rgb(colour)]
    r, g, b = (
        min(1.0, max(0.0, sum(m * c for m, c in zip(row, linear, strict=True))))
        for row in _SIMULATIONS[vision]
    )
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def test_line_colours_stay_apart_in_colour_vision_deficiencies() -> None:
    from jamfor.render.palette import LINE, REFERENCE_LINE

    colours = sorted({s.colour for s in SERIES_STYLES})
    assert colours == sorted(LINE.values())
    everything = [*colours, *REFERENCE_LINE.values()]
    for vision in _SIMULATIONS:
        labs = {c: _lab(c, vision) for c in everything}
        for i, a in enumerate(colours):
            for b in everything[i + 1 :]:
                distance = math.dist(labs[a], labs[b])
                assert distance >= 15, (vision, a, b, round(distance, 1))


def test_report_histogram_bars_and_map_outlines_have_3_to_1() -> None:
    import jamfor.render

    template = (Path(jamfor.render.__file__).parent / "templates" / "report.html.j2").read_text(
        encoding="utf-8"
    )
    bars = re.findall(r'<rect [^>]*fill="(#[0-9a-fA-F]{6})"', template)
    assert bars
    for colour in bars:
        assert contrast(colour) >= 3.0, colour
    # The map's light class fills carry their meaning with marks, the legend and the table too; the
    # shapes themselves are drawn with the country's outline and the county borders.
    svg = to_svg(QuartileMap("T", quartile_classes()))
    for name in ("outline", "county-borders"):
        found = re.search(rf'<path class="{name}" d="[^"]*" fill="none" stroke="(#[0-9a-fA-F]{{6}})"', svg)
        assert found is not None, name
        assert contrast(found.group(1)) >= 3.0, name
