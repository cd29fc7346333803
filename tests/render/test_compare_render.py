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
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from jamfor.cli import app
from jamfor.errors import JamforError
from jamfor.render import FORMATS, render
from jamfor.render.compare import (
    CSV_HEADER,
    compare_data,
    render_compare_document,
    render_compare_fragment,
    render_compare_table,
)
from jamfor.render.compare_chart import line_chart, nice_ticks
from jamfor.render.compare_view import PAGE_YEARS, compare_view
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
    assert "grön" in document and "<svg viewBox" in document
    assert "http://" not in document and "https://" not in document  # nothing fetched from outside
    fragment = render_compare_fragment(report)
    assert fragment.lstrip().startswith("<section") and "<html" not in fragment and "<style" not in fragment
    assert "<svg viewBox" not in render_compare_fragment(report, chart=False)
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


def test_line_chart(report: CompareReport) -> None:
    chart = line_chart(report)
    assert chart is not None
    names = [line.name for line in chart.lines]
    assert names == [
        "Ronneby",
        "Karlskrona",
        "Stockholm",
        "Riket",
        "Region Stockholm",
        "Medel, alla kommuner",
    ]
    assert len({(line.colour, line.icon) for line in chart.lines}) == len(chart.lines)
    ronneby = chart.lines[0]
    assert len(ronneby.points) == 5 and ronneby.path.startswith("M") and ronneby.path.count("M") == 1
    assert ronneby.points[-1].text == "Ronneby 2022: 8,2"
    region = chart.lines[4]
    assert region.points == [] and region.legend == "Region Stockholm (uppgift saknas)"
    assert chart.lines[-1].dash  # the country's mean is dashed
    ys = [p.y for line in chart.lines for p in line.points]
    assert all(chart.top <= y <= chart.bottom for y in ys)
    assert [t.text for t in chart.x_ticks] == ["2018", "2019", "2020", "2021", "2022"]


def test_nice_ticks() -> None:
    assert nice_ticks(4.3, 18.1) == ([0.0, 5.0, 10.0, 15.0, 20.0], 0)
    assert nice_ticks(0.2, 1.1) == ([0.2, 0.4, 0.6, 0.8, 1.0, 1.2], 1)
    ticks, decimals = nice_ticks(125711, 181541)
    assert ticks[0] <= 125711 and ticks[-1] >= 181541 and decimals == 0
    assert nice_ticks(5.0, 5.0)[0][0] < 5.0 < nice_ticks(5.0, 5.0)[0][-1]


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
