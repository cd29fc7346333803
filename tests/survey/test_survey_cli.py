"""`jamfor survey …`: generate, import, compute, report — and a bad file's clear error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jamfor.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = str(tmp_path_factory.mktemp("survey-cli") / "cli.duckdb")
    result = runner.invoke(app, ["--database", url, "db", "init"])
    assert result.exit_code == 0, result.output
    return url


def run(database: str, *args: str) -> str:
    result = runner.invoke(app, ["--database", database, *args])
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def test_generate_import_compute_report(database: str, tmp_path: Path) -> None:
    answers = tmp_path / "syntetisk.csv"
    output = run(
        database,
        "survey",
        "generate",
        "-m",
        "Kungsbacka,Ronneby",
        "-y",
        "2016,2018",
        "--respondents",
        "150",
        "-o",
        str(answers),
    )
    assert "synthetic respondents" in output and "(syntetisk)" in output
    lines = answers.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("municipality,year,respondent,source,nri_nojd")
    assert all(
        ",SCB:s medborgarundersökning (syntetisk)," in line for line in lines[1:]
    )  # labelled in every row

    assert "4 municipality-years written" in run(database, "survey", "import", str(answers))
    assert "0 municipality-years written, 4 unchanged" in run(database, "survey", "import", str(answers))
    computed = json.loads(run(database, "survey", "compute", "--json"))
    index = next(c for c in computed if c["survey"] == "scb-medborgarundersokning")
    assert index["municipality_years"] == 4 and index["new"] == 4 * 17 * 3
    assert index["sources"] == ["SCB:s medborgarundersökning (syntetisk)"]

    report = json.loads(run(database, "survey", "report", "Kungsbacka", "-f", "json"))
    assert report["municipality"] == {"id": "1384", "title": "Kungsbacka"} and report["synthetic"]
    nmi = next(r for r in report["indices"] if r["index"] == "NMI")
    later = nmi["years"][1]
    assert later["lower"] < later["value"] < later["upper"]
    assert later["change"]["since"] == 2016 and isinstance(later["change"]["significant"], bool)
    assert "Kolada" not in report["source"].replace("inte Koladas", "")
    table = run(database, "survey", "report", "1384")
    assert "SYNTETISKA DATA" in table and "Nöjd-Medborgar-Index (NMI)" in table and "första året" in table
    xlsx = tmp_path / "r.xlsx"
    run(database, "survey", "report", "1384", "-o", str(xlsx))
    assert xlsx.read_bytes()[:2] == b"PK"
    # the results are ordinary own KPIs: a municipality report shows them with the survey as source
    municipality = run(
        database, "report", "municipality", "Kungsbacka", "--kpi", "SCBMU-NMI", "--years", "2016-2018"
    )
    assert "Källa: SCB:s medborgarundersökning (syntetisk)" in municipality
    assert "Källa: Kolada" not in municipality


def test_a_bad_file_is_rejected_with_its_place(database: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("municipality,year,respondent,nmi_nojd\n1384,2014,r1,11\n", encoding="utf-8")
    result = runner.invoke(app, ["--database", database, "survey", "import", str(bad)])
    assert result.exit_code != 0
    assert "bad.csv:2: column 'nmi_nojd': 11 is not an answer" in str(result.exception)
