"""The compare report in every format, from the demo extract, and `jamfor report compare` on the CLI.

The renderers do not depend on the database, so this module builds its reports from one DuckDB
copy of the demo extract. Golden files (compare_*.txt, compare_*.json) are regenerated with
`JAMFOR_UPDATE_GOLDEN=1 pytest tests/render`; read the diff before committing it.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from jamfor.cli import app
from jamfor.errors import JamforError
from jamfor.render import FORMATS, render
from jamfor.render.charts import to_svg
from jamfor.render.compare import (
    CSV_HEADER,
    compare_data,
    render_compare_document,
    render_compare_fragment,
    render_compare_table,
)
from jamfor.render.compare_view import PAGE_YEARS, compare_chart, compare_view
from jamfor.render.text import LABELS
from jamfor.reports import CompareReport, compare_report
from jamfor.reports.model import Extreme, Named
from jamfor.sources.reference import import_demo
from jamfor.store import Store
from tests.render.reports import GENERATED, HOSTILE

GOLDEN = Path(__file__).parent / "golden"
AREAS = ["1081", "Karlskrona", "0180", "0000", "Region Stockholm"]
runner = CliRunner()


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory: pytest.TempPathFactory, duckdb_template: Path) -> Path:
    path = tmp_path_factory.mktemp("compare") / "demo.duckdb"
    shutil.copy(duckdb_template, path)
    with Store.open(str(path)) as store:
        import_demo(store)
    return path


@pytest.fixture(scope="module")
def store(demo_path: Path) -> Iterator[Store]:
    with Store.open(str(demo_path)) as opened:
        yield opened


@pytest.fixture(scope="module")
def report(store: Store) -> CompareReport:
    """Sjukpenningtal 2018–2022: three municipalities, Riket and a region without values."""
    built = compare_report(store, "N00938", AREAS, years=range(2018, 2023))
    built.generated_at = GENERATED
    return built


@pytest.fixture(scope="module")
def pdf(report: CompareReport) -> bytes:
    content = render(report, "pdf")
    assert isinstance(content, bytes)
    return content


def _golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("JAMFOR_UPDATE_GOLDEN"):
        path.write_text(actual, encoding="utf-8")
    if not path.exists():
        pytest.fail(f"{path} is missing: run with JAMFOR_UPDATE_GOLDEN=1 to create it")
    assert actual == path.read_text(encoding="utf-8")


# -- every format ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "lang"), [(fmt, lang) for fmt in FORMATS for lang in ("sv", "en") if (fmt, lang) != ("pdf", "en")]
)
def test_every_format_renders(report: CompareReport, fmt: str, lang: str) -> None:
    content = render(report, fmt, lang=lang)
    assert isinstance(content, bytes if fmt in ("xlsx", "pdf") else str)
    assert content


def test_golden_table_and_json(report: CompareReport) -> None:
    _golden("compare_n00938.txt", render_compare_table(report, width=120))
    content = render(report, "json")
    assert isinstance(content, str)
    _golden("compare_n00938.json", content)


# -- JSON and CSV -----------------------------------------------------------------------------------


def test_json_is_complete_and_ordered(report: CompareReport) -> None:
    content = render(report, "json")
    assert isinstance(content, str)
    data = json.loads(content)
    assert list(data) == [
        "report",
        "format_version",
        "kpi",
        "years",
        "gender",
        "colour_scheme",
        "trend_window",
        "series",
        "country",
        "sources",
        "generated_at",
    ]
    assert data["report"] == "compare" and data["years"] == [2018, 2019, 2020, 2021, 2022]
    assert (
        data["kpi"]["id"] == "N00938" and data["kpi"]["polarity"] == "lower" and data["kpi"]["decimals"] == 1
    )
    ronneby = data["series"][0]
    assert ronneby["area"] == {"id": "1081", "name": "Ronneby"} and ronneby["kind"] == "municipality"
    point = ronneby["points"]["2022"]
    assert list(point) == ["value", "rank", "ranked", "shared", "colour"]
    assert point["value"] == report.series[0].value(2022) and point["ranked"] == 290
    assert ronneby["trend"] == "worsened" and ronneby["trend_years"] == [2020, 2022]
    region = data["series"][4]
    assert region["points"]["2020"]["value"] is None and region["trend"] == "none"
    country = data["country"]["2022"]
    assert country["mean"] == report.country[2022].mean and country["count"] == 290
    assert country["best"]["areas"] == [{"id": "0162", "name": "Danderyd"}]
    assert data["sources"][0] == "Källa: Kolada"
    assert compare_data(report) == data


def test_csv_long_rows_for_areas_and_the_country(report: CompareReport) -> None:
    content = render(report, "csv")
    assert isinstance(content, str)
    rows = list(csv.DictReader(io.StringIO(content)))
    assert tuple(rows[0]) == CSV_HEADER
    areas = [r for r in rows if r["row_type"] == "area"]
    assert len(areas) == len(report.series) * len(report.years)
    ronneby_2022 = next(r for r in areas if r["area_id"] == "1081" and r["year"] == "2022")
    point = report.series[0].points[2022]
    assert float(ronneby_2022["value"]) == point.value
    assert int(ronneby_2022["rank"]) == point.rank and ronneby_2022["ranked"] == "290"
    assert ronneby_2022["colour"] == point.colour and ronneby_2022["trend"] == "worsened"
    missing = next(r for r in areas if r["area_id"] == "0001" and r["year"] == "2022")
    assert missing["value"] == "" and missing["rank"] == ""
    for kind in ("mean", "median", "riket", "best", "worst"):
        assert [r["year"] for r in rows if r["row_type"] == kind] == [str(y) for y in report.years]
    mean_2022 = next(r for r in rows if r["row_type"] == "mean" and r["year"] == "2022")
    assert float(mean_2022["value"]) == report.country[2022].mean and mean_2022["count"] == "290"
    best_2022 = next(r for r in rows if r["row_type"] == "best" and r["year"] == "2022")
    assert (best_2022["area_id"], best_2022["area_name"]) == ("0162", "Danderyd")


# -- terminal -------------------------------------------------------------------------------------------


def test_terminal_table_in_swedish_and_english(report: CompareReport) -> None:
    sv = render_compare_table(report, width=140)
    assert "Sjukpenningtal" in sv and "8,2" in sv and "24:e av 290" in sv and "↑ försämrad" in sv
    assert "uppgift" in sv and "saknas" in sv  # a missing figure, on two lines to keep columns narrow
    assert "Ovägt medel" in sv and "Bäst i riket" in sv and "Danderyd" in sv and "Källa: Kolada" in sv
    en = render_compare_table(report, lang="en", width=140)
    assert "8.2" in en and "24th of 290" in en and "↑ worsened" in en and "Unweighted mean" in en


# -- HTML -------------------------------------------------------------------------------------------------


def test_html_document_and_fragment(report: CompareReport) -> None:
    document = render_compare_document(report)
    assert document.startswith("<!doctype html>") and '<html lang="sv">' in document
    assert '<section class="jf-report jf-report-compare"' in document
    assert "<caption" in document and "Värde, plats och färg per år" in document
    assert "24:e av 290" in document and "uppgift saknas" in document and "Källa: Kolada" in document
    assert 'class="jf-col-year jf-num jf-fill-green"' in document  # colour fill with the word "grön"
    assert "grön" in document and TREND_SVG in document
    assert "https://" not in document  # nothing fetched from outside (the SVG namespace is http://)
    assert "http://" not in document.replace('xmlns="http://www.w3.org/2000/svg"', "")
    fragment = render_compare_fragment(report)
    assert fragment.lstrip().startswith("<section") and "<html" not in fragment and "<style" not in fragment
    assert TREND_SVG in fragment and "<figcaption>Värdena över tid (dagar). Samma uppgifter" in fragment
    assert "<svg" not in render_compare_fragment(report, chart=False)
    english = render_compare_fragment(report, lang="en")
    assert 'lang="en"' in english and "24th of 290" in english and "no data" in english


def test_every_label_of_the_compare_report_in_both_languages() -> None:
    keys = {k for k in LABELS["sv"] if k.startswith("compare_")}
    assert keys and keys == {k for k in LABELS["en"] if k.startswith("compare_")}


def test_hostile_names_are_escaped(report: CompareReport) -> None:
    hostile = replace(
        report, title=HOSTILE, description=HOSTILE, series=list(report.series), country=dict(report.country)
    )
    hostile.series[0] = replace(hostile.series[0], area=Named("1081", HOSTILE))
    hostile.country[2022] = replace(hostile.country[2022], best=Extreme((Named("0162", HOSTILE),), 4.6))
    for html in (render_compare_document(hostile), render_compare_fragment(hostile)):
        assert "<script>" not in html
        assert "&lt;script&gt;" in html
    assert report.series[0].area.name == "Ronneby"  # the shared fixture is untouched


TREND_SVG = 'class="jamfor-chart jamfor-trend"'
SVG = "{http://www.w3.org/2000/svg}"


def _chart(html: str) -> ET.Element:
    """The compare chart in a page: the one `charts.TrendChart` SVG, parsed."""
    found = re.findall(r"<svg xmlns=[^>]*jamfor-trend.*?</svg>", html, flags=re.S)
    assert len(found) == 1
    return ET.fromstring(found[0])


def _lines(root: ET.Element, report: CompareReport) -> dict[str, ET.Element]:
    """The drawn lines by name (a line's group is numbered by its series in `compare_chart`)."""
    chart = compare_chart(report)
    assert chart is not None
    return {
        chart.series[int(g.attrib["data-series"])].label: g
        for g in root.iter(f"{SVG}g")
        if g.attrib.get("class") == "series"
    }


def _look(group: ET.Element) -> tuple[str, str, str, bool, tuple[int, ...]]:
    """A line's colour and dash, and its marker's element, whether it is open, and its outline."""
    line, marker = group[0], group[1]
    numbers = [float(n) for n in re.findall(r"-?[\d.]+", marker.attrib.get("d", ""))]
    outline = tuple(round(b - a) for a, b in zip(numbers, numbers[2:], strict=False))
    is_open = marker.attrib["fill"] in ("#ffffff", "none")
    return line.attrib["stroke"], line.attrib.get("stroke-dasharray", ""), marker.tag, is_open, outline


def _texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def test_compare_chart_is_the_shared_trend_chart(report: CompareReport) -> None:
    chart = compare_chart(report)
    assert chart is not None
    # The areas are equals (peers); the country's mean and Riket (asked for here) are references.
    assert [(s.label, s.role) for s in chart.series] == [
        ("Ronneby", "peer"),
        ("Karlskrona", "peer"),
        ("Stockholm", "peer"),
        ("Region Stockholm", "peer"),
        ("Medel, alla kommuner", "reference"),
        ("Riket", "reference"),
    ]
    assert chart.unit == "dagar" and chart.decimals == 1 and chart.polarity == "lower"
    assert to_svg(chart) in render_compare_fragment(report)
    # Riket not asked for: the chart draws the published figure all the same.
    two = replace(report, series=report.series[:2])
    chart_of_two = compare_chart(two)
    assert chart_of_two is not None
    assert [(s.label, s.role) for s in chart_of_two.series] == [
        ("Ronneby", "peer"),
        ("Karlskrona", "peer"),
        ("Medel, alla kommuner", "reference"),
        ("Riket", "reference"),
    ]
    assert chart_of_two.series[3].points[-1] == (2022, report.country[2022].riket)


def test_chart_draws_a_line_per_area_with_gaps_labels_and_distinct_markers(report: CompareReport) -> None:
    series = list(report.series)
    series[0] = replace(series[0], points={y: p for y, p in series[0].points.items() if y != 2020})
    gappy = replace(report, series=series)
    root = _chart(render_compare_fragment(gappy))
    lines = _lines(root, gappy)
    # Region Stockholm has no value in any year: no line, and said so under the chart.
    assert set(lines) == {"Ronneby", "Karlskrona", "Stockholm", "Medel, alla kommuner", "Riket"}
    shown = _texts(root)
    assert "Uppgift saknas: Region Stockholm" in shown
    # Every line is named at its end; Riket, asked for as an area, only once.
    assert all(shown.count(name) == 1 for name in lines)
    # A missing year is a gap: two runs, a marker per value (its tooltip the value), none for 2020.
    ronneby = lines["Ronneby"]
    assert ronneby[0].attrib["d"].count("M") == 2
    assert ["".join(m.itertext()) for m in ronneby[1:]] == [
        "Ronneby 2018: 8,8 dagar",
        "Ronneby 2019: 7,9 dagar",
        "Ronneby 2021: 7,4 dagar",
        "Ronneby 2022: 8,2 dagar",
    ]
    # No two lines look alike, and the marker alone tells any two apart.
    looks = [_look(g) for g in lines.values()]
    assert len(set(looks)) == len({look[2:] for look in looks}) == len(lines)
    # The references are black and grey, colours no area uses.
    reference_colours = {lines[name][0].attrib["stroke"] for name in ("Medel, alla kommuner", "Riket")}
    area_colours = {lines[name][0].attrib["stroke"] for name in ("Ronneby", "Karlskrona", "Stockholm")}
    assert reference_colours == {"#000000", "#595959"} and not reference_colours & area_colours
    english = _texts(_chart(render_compare_fragment(report, lang="en")))
    assert "Mean, all municipalities" in english and "No data: Region Stockholm" in english


def test_ten_areas_and_both_references_fit_in_one_chart(store: Store) -> None:
    names = [
        "Ronneby",
        "Karlskrona",
        "Karlshamn",
        "Sölvesborg",
        "Olofström",
        "Växjö",
        "Kalmar",
        "Lund",
        "Malmö",
        "Umeå",
    ]
    ten = compare_report(store, "N00938", names, years=range(2013, 2023))
    root = _chart(render_compare_document(ten))
    lines = _lines(root, ten)
    assert set(lines) == {*names, "Medel, alla kommuner", "Riket"}
    looks = [_look(g) for g in lines.values()]
    assert len(set(looks)) == len({look[2:] for look in looks}) == 12
    assert set(_texts(root)) >= set(lines)
    assert float(root.attrib["viewBox"].split()[3]) > 320  # more room for twelve lines and names


# -- XLSX ---------------------------------------------------------------------------------------------------


def test_xlsx_numbers_formats_fills_and_sources(report: CompareReport) -> None:
    content = render(report, "xlsx")
    assert isinstance(content, bytes)
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["Jämförelse", "Per år"]
    wide = book["Jämförelse"]
    cells = {c.value: c for row in wide.iter_rows() for c in row if isinstance(c.value, str)}
    assert "Källa: Kolada" in cells
    header = next(row for row in wide.iter_rows() if row[0].value == "Kommun eller område")
    years = {c.value: c.column for c in header if c.value and str(c.value).isdigit()}
    assert list(years) == ["2018", "2019", "2020", "2021", "2022"]
    ronneby = next(row for row in wide.iter_rows() if row[0].value == "Ronneby")
    value = ronneby[years["2022"] - 1]
    assert value.value == report.series[0].value(2022) and value.number_format == "#,##0.0"
    assert value.fill.start_color.rgb == "FFB7E1A1"  # green: among the best 25 %
    region = next(row for row in wide.iter_rows() if row[0].value == "Region Stockholm")
    assert region[years["2022"] - 1].value is None
    places = [row for row in wide.iter_rows() if row[0].value == "Ronneby"][1]  # the places block
    assert places[years["2022"] - 1].value == report.series[0].points[2022].rank
    assert places[years["2022"] - 1].number_format == "0"
    mean = next(row for row in wide.iter_rows() if row[0].value == "Ovägt medel")
    assert mean[years["2022"] - 1].value == report.country[2022].mean
    assert mean[years["2022"] - 1].number_format == "#,##0.0"
    best_names = next(row for row in wide.iter_rows() if row[0].value == "Bäst i riket (kommun)")
    assert best_names[years["2022"] - 1].value == "Danderyd"
    numbers = [c for row in wide.iter_rows() for c in row if isinstance(c.value, float)]
    assert numbers and all(c.number_format != "General" for c in numbers)
    long = book["Per år"]
    rows = [r for r in long.iter_rows(values_only=True) if r[1] in {"1081", "1080", "0180", "0000", "0001"}]
    assert len(rows) == len(report.series) * len(report.years)
    assert ("Ronneby", "1081", 2022, report.series[0].value(2022), 24, 290) == rows[4][:6]
    english = openpyxl.load_workbook(io.BytesIO(render(report, "xlsx", lang="en")))  # type: ignore[arg-type]
    assert english.sheetnames == ["Comparison", "Per year"]


# -- PDF ----------------------------------------------------------------------------------------------------


def test_pdf(pdf: bytes, tmp_path: Path) -> None:
    assert pdf.startswith(b"%PDF-")
    if not (shutil.which("pdftotext") and shutil.which("pdftoppm")):
        pytest.skip("poppler-utils is not installed")
    path = tmp_path / "compare.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    )
    assert "Sjukpenningtal" in text.stdout and "Ronneby" in text.stdout and "Källa: Kolada" in text.stdout
    assert "24:e av 290" in text.stdout
    assert "Medel, alla kommuner" in text.stdout  # the chart's line labels are text in the PDF
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(path), str(tmp_path / "p")], check=True
    )
    assert (tmp_path / "p-1.png").stat().st_size > 5_000


# -- CLI ------------------------------------------------------------------------------------------------------


def _cli(demo_path: Path, *args: str) -> str:
    result = runner.invoke(app, ["--database", str(demo_path), "report", "compare", *args])
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def test_cli_formats(demo_path: Path, tmp_path: Path) -> None:
    table = _cli(demo_path, "n00938", "--areas", "1081,Karlskrona,0180", "--years", "2020-2022")
    assert "Ronneby" in table and "Karlskrona" in table and "2020" in table and "Källa: Kolada" in table
    data = json.loads(
        _cli(
            demo_path,
            "N00938",
            "--areas",
            "Ronneby,0000",
            "--gender",
            "K",
            "--colour",
            "quartile4",
            "-f",
            "json",
        )
    )
    assert data["gender"] == "K" and data["colour_scheme"] == "quartile4" and len(data["years"]) == 10
    assert [s["area"]["id"] for s in data["series"]] == ["1081", "0000"]
    english = _cli(demo_path, "N00938", "--areas", "1081", "--years", "2022", "--lang", "en", "-f", "html")
    assert '<html lang="en">' in english
    target = tmp_path / "jamforelse.xlsx"
    _cli(demo_path, "N00938", "--areas", "1081,Karlskrona", "-o", str(target))
    assert openpyxl.load_workbook(target).sheetnames == ["Jämförelse", "Per år"]


@pytest.mark.parametrize(
    ("args", "phrase"),
    [
        (["N00938", "--areas", ",".join(f"{i:04d}" for i in range(114, 125))], "at most 10"),
        (["N00938", "--areas", "1081,Ronneby"], "named twice"),
        (["N99999", "--areas", "1081"], "N99999"),
        (["N00938", "--areas", "Atlantis"], "Atlantis"),
        (["N00938", "--areas", "1081", "--years", "soon"], "write years like"),
        (["N00938", "--areas", "1081", "--colour", "blue"], "--colour 'blue'"),
    ],
)
def test_cli_errors_are_sentences(demo_path: Path, args: list[str], phrase: str) -> None:
    result = runner.invoke(app, ["--database", str(demo_path), "report", "compare", *args])
    assert isinstance(result.exception, JamforError), result.exception
    assert phrase in str(result.exception)


def test_many_years_are_split_over_tables_in_the_document(store: Store) -> None:
    long = compare_report(store, "N00938", ["1081", "0180"], years=range(2010, 2023))
    view = compare_view(long, max_years=PAGE_YEARS)
    assert [len(t.values.columns) for t in view.tables] == [1 + 7, 1 + 6 + 1]  # the trend goes last
    assert [t.values.caption[-11:] for t in view.tables] == ["(2010–2016)", "(2017–2022)"]
    assert all(len(t.country.columns) == len(t.values.columns) - (i == 1) for i, t in enumerate(view.tables))
    assert len(compare_view(long).tables) == 1
    assert render_compare_document(long).count("<table") == 2
    assert render_compare_fragment(long).count("<table") == 1
