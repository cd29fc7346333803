"""The CLI contract: commands, JSON keys, names for ids, clear errors — on both backends."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jamfor.cli import app
from jamfor.errors import JamforError, NotFoundError, ValidationError
from tests.conftest import _drop_schema, _pg_url

runner = CliRunner()


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database initialised with `jamfor db init` and `jamfor import --demo`."""
    if request.param == "duckdb":
        url = str(tmp_path_factory.mktemp("cli") / "cli.duckdb")
        schema = None
    else:
        schema = f"cli_{uuid.uuid4().hex[:10]}"
        url = _pg_url(schema)
    result = runner.invoke(app, ["--database", url, "db", "init"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["--database", url, "import", "--demo"])
    assert result.exit_code == 0, result.output
    assert "159\u202f647 rows" in result.output
    yield url
    if schema:
        _drop_schema(schema)


def run(database: str, *args: str) -> str:
    result = runner.invoke(app, ["--database", database, *args])
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def test_db_stats_json_keys(database: str) -> None:
    stats = json.loads(run(database, "db", "stats", "--json"))
    assert set(stats) == {"areas", "groups", "kpis", "observations", "revisions"}
    assert stats["areas"] == 312
    assert stats["kpis"] == 6928
    assert stats["observations"] == 159_647


def test_db_init_twice_changes_nothing(database: str) -> None:
    before = json.loads(run(database, "db", "stats", "--json"))
    output = run(database, "db", "init")
    assert "0 new, 0 changed" in output
    output = run(database, "import", "--demo")
    assert "0 new, 0 changed, 159\u202f647 unchanged" in output
    assert json.loads(run(database, "db", "stats", "--json")) == before


def test_kpi_search_and_show(database: str) -> None:
    assert "N00938" in run(database, "kpi", "search", "sjukpenningtal")
    shown = json.loads(run(database, "kpi", "show", "N00938", "--json"))
    assert shown["polarity"] == "lower"
    assert shown["decimals"] == 1
    assert shown["periods"][0] == 2010 and shown["periods"][-1] == 2022


def test_area_search_by_name(database: str) -> None:
    found = json.loads(run(database, "area", "search", "Ronneby", "--json"))
    assert [a["id"] for a in found] == ["1081"]


def test_group_list_and_show(database: str) -> None:
    groups = json.loads(run(database, "group", "list", "--kind", "kommungrupp", "--json"))
    assert [g["id"] for g in groups] == [
        f"kg:{c}" for c in ("A1", "A2", "B3", "B4", "B5", "C6", "C7", "C8", "C9")
    ]
    shown = json.loads(run(database, "group", "show", "kg:A1", "--json"))
    assert {m["title"] for m in shown["members"]} == {"Stockholm", "Göteborg", "Malmö"}


def test_group_create_network_by_names(database: str) -> None:
    name = f"Nornorna {uuid.uuid4().hex[:6]}"
    run(database, "group", "create", name, "--members", "Berg,Härjedalen,Krokom,Ragunda,Strömsund,Åre,2380")
    groups = json.loads(run(database, "group", "list", "--kind", "network", "--json"))
    created = next(g for g in groups if g["title"] == name)
    shown = json.loads(run(database, "group", "show", created["id"], "--json"))
    assert [m["id"] for m in shown["members"]] == ["2326", "2361", "2309", "2303", "2313", "2321", "2380"]
    again = runner.invoke(app, ["--database", database, "group", "create", name, "--members", "Berg"])
    assert isinstance(again.exception, JamforError)
    assert "exists already" in str(again.exception)


def test_history_shows_earlier_value(database: str, tmp_path: Path) -> None:
    before = run(database, "history", "N11102", "Ronneby", "2017", "--json")
    original = json.loads(before)["current"]["value"]
    changed = tmp_path / "changed.csv"
    new_value = round(original + 1, 3)
    changed.write_text(
        f"kpi;municipality;period;gender;value\nN11102;1081;2017;T;{new_value!r}".replace(".", ",")
    )
    output = run(database, "import", str(changed), "--source", "Ronneby kommun")
    assert "1 changed" in output
    data = json.loads(run(database, "history", "N11102", "1081", "2017", "--json"))
    assert data["current"]["source"] == "Ronneby kommun"
    assert data["current"]["value"] == new_value
    assert data["revisions"][-1]["value"] == original
    assert data["revisions"][-1]["source"] == "Kolada"


def test_unknown_names_are_errors(database: str) -> None:
    result = runner.invoke(app, ["--database", database, "history", "N00938", "Atlantis", "2017"])
    assert isinstance(result.exception, NotFoundError)
    result = runner.invoke(app, ["--database", database, "kpi", "show", "X99999"])
    assert isinstance(result.exception, NotFoundError)


def test_rejected_import_exit_code_and_message(database: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text('kpi,municipality,period,gender,value\nN00938,1081,2017,T,"12,5 %"\n')
    result = runner.invoke(app, ["--database", database, "import", str(bad)])
    assert result.exit_code == 2


def test_executable_prints_errors_without_traceback(database: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("kpi,municipality,period,gender,value\nN00938,114,2017,T,1\n")
    exe = Path(sys.executable).parent / "jamfor"
    env = os.environ | {"JAMFOR_DATABASE": database}
    proc = subprocess.run(
        [str(exe), "import", str(bad)], capture_output=True, text=True, env=env, check=False
    )
    assert proc.returncode == 2
    assert "bad.csv:2: column 'municipality': unknown area id '114' (did you mean '0114'?" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = subprocess.run(
        [str(exe), "kpi", "show", "NOPE"], capture_output=True, text=True, env=env, check=False
    )
    assert proc.returncode == 1
    assert "error: no KPI with id 'NOPE'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_uninitialised_database_says_so(tmp_path: Path) -> None:
    result = runner.invoke(app, ["--database", str(tmp_path / "empty.duckdb"), "db", "stats"])
    assert isinstance(result.exception, JamforError)
    assert "jamfor db init" in str(result.exception)
    assert not isinstance(result.exception, ValidationError)
