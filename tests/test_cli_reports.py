"""`jamfor report …`: every format from the command line, read back as a user's tool would."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from jamfor.cli import app
from jamfor.errors import JamforError
from jamfor.reports.options import parse_years
from tests.render.test_render_json import CONTRACT_ROW_KEYS
from tests.test_cli import database  # noqa: F401  (the module-scoped fixture, both backends)

runner = CliRunner()


def invoke(url: str, *args: str) -> str:
    result = runner.invoke(app, ["--database", url, *args])
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def test_municipality_json_contract(database: str) -> None:  # noqa: F811
    data = json.loads(
        invoke(
            database,
            "report",
            "municipality",
            "Ronneby",
            "--set",
            "kkik-2015-2017",
            "--years",
            "2015-2017",
            "--format",
            "json",
        )
    )
    assert data["municipality"] == {"id": "1081", "name": "Ronneby"}
    assert data["years"] == [2015, 2016, 2017]
    rows = {r["kpi"]: r for r in data["rows"]}
    assert all(set(r) >= CONTRACT_ROW_KEYS for r in data["rows"])
    home_care = rows["U21401"]  # seed 002: 12, 11, 11 caregivers, lower is better → positiv
    assert [round(home_care["values"][y]) for y in ("2015", "2016", "2017")] == [12, 11, 11]
    assert home_care["trend"] == "improved"
    assert round(home_care["mean"]) == 15
    assert 1 <= home_care["rank"] <= home_care["ranked"]
    assert home_care["colour"] in {"green", "yellow", "red", "grey", "none"}
    assert home_care["comment"]
    assert rows["N00938"]["trend"] == "worsened"  # sjukpenningtal 8,2 → 10,0


def test_kpi_list_and_reference_group(database: str) -> None:  # noqa: F811
    data = json.loads(
        invoke(
            database,
            "report",
            "municipality",
            "1081",
            "--kpi",
            "N00938,U21401",
            "--years",
            "2016-2018",
            "--reference",
            "group:kg:C7",
            "--colour",
            "reference",
            "--format",
            "json",
        )
    )
    assert [r["kpi"] for r in data["rows"]] == ["N00938", "U21401"]
    assert all(r["reference"] is not None for r in data["rows"])


@pytest.mark.parametrize("fmt", ["table", "csv", "html"])
def test_text_formats(database: str, fmt: str) -> None:  # noqa: F811
    out = invoke(
        database,
        "report",
        "municipality",
        "Ronneby",
        "--set",
        "kkik-2015-2017",
        "--years",
        "2015-2017",
        "--format",
        fmt,
    )
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(out)))
        assert {r["kpi"] for r in rows} >= {"U21401", "N00938"}
    elif fmt == "html":
        assert '<html lang="sv">' in out and "<caption" in out and "Källa: Kolada" in out
    else:
        assert "Ronneby" in out and "↓ förbättrad" in out and "5,1" in out


def test_xlsx_file(database: str, tmp_path: Path) -> None:  # noqa: F811
    target = tmp_path / "ronneby.xlsx"
    invoke(
        database,
        "report",
        "municipality",
        "Ronneby",
        "--set",
        "kkik-2015-2017",
        "--years",
        "2015-2017",
        "-o",
        str(target),
    )
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == [
        "Tillgänglighet",
        "Trygghet",
        "Delaktighet och information",
        "Effektivitet",
        "Samhällsutveckling",
        "Definitioner",  # the KPI definitions the report carries
    ]
    sheet = book["Trygghet"]
    cells = {c.value: c for row in sheet.iter_rows() for c in row if c.value is not None}
    assert "Källa: Kolada" in cells
    numbers = [c for row in sheet.iter_rows() for c in row if isinstance(c.value, float)]
    assert numbers and all(c.number_format != "General" for c in numbers)


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils is not installed")
def test_pdf_file_renders(database: str, tmp_path: Path) -> None:  # noqa: F811
    target = tmp_path / "ronneby.pdf"
    invoke(
        database,
        "report",
        "municipality",
        "Ronneby",
        "--set",
        "kkik-2015-2017",
        "--years",
        "2015-2017",
        "-o",
        str(target),
    )
    assert target.read_bytes().startswith(b"%PDF")
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(target), str(tmp_path / "page")],
        check=True,
    )
    assert (tmp_path / "page-1.png").stat().st_size > 5_000


def test_network_and_kpi_reports(database: str) -> None:  # noqa: F811
    network = json.loads(
        invoke(
            database, "report", "network", "kg:A1", "--kpi", "N00938", "--year", "2020", "--format", "json"
        )
    )
    assert network
    text = invoke(database, "report", "kpi", "N00938", "--year", "2020")
    assert "Sjukpenningtalet" in text
    data = json.loads(invoke(database, "report", "kpi", "N00938", "--year", "2020", "--format", "json"))
    assert data


def test_bad_options_are_clear_errors(database: str) -> None:  # noqa: F811
    cases = [
        (["report", "municipality", "Ronneby"], "give a measure set"),
        (["report", "municipality", "Ronneby", "--set", "kkik-2015-2017", "--kpi", "N00938"], "not both"),
        (["report", "municipality", "Ronneby", "--kpi", "N00938", "--format", "docx"], "--format 'docx'"),
        (["report", "municipality", "Ronneby", "--kpi", "N00938", "--colour", "blue"], "--colour 'blue'"),
        (["report", "municipality", "Ronneby", "--kpi", "N00938", "--gender", "X"], "--gender 'X'"),
        (["report", "municipality", "Atlantis", "--kpi", "N00938"], "Atlantis"),
        (["report", "municipality", "Ronneby", "--set", "no-such-set"], "no-such-set"),
    ]
    for args, phrase in cases:
        result = runner.invoke(app, ["--database", database, *args])
        assert isinstance(result.exception, JamforError), (args, result.exception)
        assert phrase in str(result.exception)


def test_parse_years() -> None:
    assert parse_years("2015-2017") == [2015, 2016, 2017]
    assert parse_years("2017,2015") == [2015, 2017]
    assert parse_years(None) is None
    with pytest.raises(JamforError, match="write years like"):
        parse_years("last three")
