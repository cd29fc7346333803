"""`jamfor similar`: the list as a table, JSON and CSV, saving, profiles from files, and compare-rka."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jamfor.cli import app
from jamfor.sources.files import import_file
from jamfor.store import Store

from .conftest import STRUCTURAL

runner = CliRunner()


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory, duckdb_template: Path) -> str:
    path = tmp_path_factory.mktemp("similar-cli") / "cli.duckdb"
    shutil.copy(duckdb_template, path)
    with Store.open(str(path)) as store:
        import_file(store, STRUCTURAL, source="Kolada")
    return str(path)


def run(database: str, *args: str, code: int = 0) -> str:
    result = runner.invoke(app, ["--database", database, "similar", *args])
    assert result.exit_code == code, (result.output, result.exception)
    return result.output


def test_table_is_swedish_with_the_source_line(database: str) -> None:
    output = run(database, "Ale")
    assert "Liknande kommuner (jamfor, övergripande), Ale, 2022" in output
    assert "Håbo (0305)" in output
    assert "0,311" in output  # decimal comma
    assert "RKA: Liknande kommuner, övergripande, Ale, 2025" in output
    assert "jamfors egen beräkning (inte Koladas)" in output and "Källa: Kolada" in output


def test_json_and_csv(database: str) -> None:
    data = json.loads(run(database, "1440", "--format", "json", "-n", "3"))
    assert [s["title"] for s in data["similar"]] == ["Håbo", "Vallentuna", "Österåker"]
    assert data["group"]["id"] == "similar:overgripande:1440:2022"
    rows = list(csv.reader(io.StringIO(run(database, "Ale", "--format", "csv", "--profile", "lss"))))
    assert rows[0][:5] == ["rank", "id", "title", "distance", "coverage"]
    assert rows[0][5:] == ["contribution N28026", "contribution log N01951"]
    assert len(rows) == 8
    for row in rows[1:]:
        assert float(row[3]) == pytest.approx(float(row[5]) + float(row[6]), abs=2e-6)


def test_save_then_save_again(database: str) -> None:
    first = run(database, "Ale", "--save")
    assert "similar:overgripande:1440:2022: sparad" in first
    assert "--reference group:similar:overgripande:1440:2022" in first
    assert "similar:overgripande:1440:2022: oförändrad" in run(database, "Ale", "--save")
    listed = runner.invoke(app, ["--database", database, "group", "list", "--kind", "similar", "--json"])
    assert [g["title"] for g in json.loads(listed.output)] == [
        "Liknande kommuner (jamfor, övergripande), Ale, 2022"
    ]


def test_own_profile_file_and_its_errors(database: str, tmp_path: Path) -> None:
    own = tmp_path / "own.yaml"
    own.write_text("id: own\ntitle_sv: eget\nmeasures:\n  - kpi: N01960\n  - kpi: N01994\n", encoding="utf-8")
    data = json.loads(run(database, "Ale", "--profile", str(own), "--format", "json"))
    assert data["profile"]["source"] == "own.yaml" and len(data["similar"]) == 7
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: bad\nmeasures:\n  - kpi: N99999\n", encoding="utf-8")
    result = runner.invoke(app, ["--database", database, "similar", "Ale", "--profile", str(bad)])
    assert result.exit_code != 0
    assert "bad.yaml:3: column 'kpi': unknown KPI id 'N99999'" in str(result.exception)


def test_compare_rka(database: str) -> None:
    output = run(database, "compare-rka", "--profile", "lss", "--examples", "2")
    assert "vs RKA 'Liknande kommuner LSS' (2024): 289 municipalities" in output
    assert "mean overlap 2.92 of 7" in output
    data = json.loads(run(database, "compare-rka", "--profile", "overgripande", "--json"))
    assert data[0]["municipalities"] == 290 and sum(data[0]["distribution"].values()) == 290
