"""Regression tests for the faults the fuzz tests found, each reduced to its smallest input; and a
check that the fuzz tests' store snapshot does see a write (so "unchanged" means something)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from jamfor.compass.files import read_evaluation, read_yaml
from jamfor.errors import JamforError, ValidationError
from jamfor.measuresets import parse_measure_set
from jamfor.rankings import find_definition, parse_definition
from jamfor.reports.similar import parse_profile
from jamfor.sources.files import import_file
from jamfor.sources.survey_definitions import SurveyDefinitionError, load_definition
from jamfor.store import Store
from jamfor.web.app import create_app

from ._support import assert_unchanged, snapshot, time_limit

LATIN1 = "id: götene\ntitle: Götene\n".encode("latin-1")
DEEP = "x: " + "[" * 20_000 + "]" * 20_000 + "\n"


@pytest.mark.parametrize(
    ("name", "load"),
    [
        ("utvardering.yaml", read_evaluation),
        ("ranking.yaml", lambda path: find_definition(str(path))),
        ("enkat.yaml", load_definition),
    ],
)
def test_a_latin1_yaml_file_is_our_error(tmp_path: Path, name: str, load: Callable[[Path], object]) -> None:
    # Was: UnicodeDecodeError escaping from Path.read_text.
    path = tmp_path / name
    path.write_bytes(LATIN1)
    with pytest.raises(JamforError) as caught:
        load(path)
    assert name in str(caught.value)


def test_a_latin1_survey_definition_says_so(tmp_path: Path) -> None:
    path = tmp_path / "enkat.yaml"
    path.write_bytes(LATIN1)
    with pytest.raises(SurveyDefinitionError, match=r"enkat\.yaml: cannot be read"):
        load_definition(path)


@pytest.mark.parametrize(
    "parse",
    [
        lambda text: parse_measure_set(text, "djup.yaml"),
        lambda text: parse_definition(text, "djup.yaml"),
        lambda text: read_yaml(text, "djup.yaml"),
        lambda text: parse_profile(text, "djup.yaml"),
    ],
    ids=["measure-set", "ranking", "compass", "similar-profile"],
)
def test_deeply_nested_yaml_is_our_error(parse: Callable[[str], object]) -> None:
    # Was: RecursionError from the YAML composer.
    with pytest.raises(ValidationError, match=r"djup\.yaml.*nested too deeply"):
        parse(DEEP)


def test_a_deeply_nested_survey_definition_is_our_error(tmp_path: Path) -> None:
    path = tmp_path / "djup.yaml"
    path.write_text(DEEP, encoding="utf-8")
    with pytest.raises(SurveyDefinitionError, match=r"djup\.yaml"):
        load_definition(path)


@pytest.mark.parametrize(
    ("name", "raw", "reason"),
    [
        ("djup.json", b"[" * 200_000 + b"]" * 200_000, "nested too deeply"),  # was RecursionError
        (
            "stor.json",
            b'{"values": [{"kpi": "N00914", "count": 1' + b"0" * 5000 + b"}]}",
            "digits",
        ),  # was ValueError
    ],
)
def test_pathological_json_is_rejected_whole(
    store: Store, tmp_path: Path, name: str, raw: bytes, reason: str
) -> None:
    path = tmp_path / name
    path.write_bytes(raw)
    before = snapshot(store)
    with pytest.raises(ValidationError, match=re.escape(name) + ".*" + reason):
        import_file(store, path)
    assert_unchanged(before, snapshot(store))


def _laughs(levels: int) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels)]
    return "\n".join(lines)


def test_an_alias_bomb_in_an_evaluation_gives_a_short_message() -> None:
    # Was: the message quoted the whole expanded value with repr(), which for 9^8 items never ends.
    text = "id: bomb-2020\n" + _laughs(8) + "\nevaluators: *a7\n"
    with time_limit(20), pytest.raises(ValidationError) as caught:
        read_yaml(text, "bomb.yaml")
    assert len(str(caught.value)) < 5000
    assert "bomb.yaml: evaluators[1]: expected text, got [[" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("id: x\ntitle: x\n~: 1\n7: 2\n", None),  # was TypeError sorting None with str
        ("id: x\ntitle: x\nareas: 5\nmeasures: [{kpi: N00914, area: A}]\n", "areas"),  # was TypeError
        ("id: x\ntitle: x\nmeasures: 5\n", "measures"),  # was TypeError
        ("id: x\ntitle: x\ncoverage: " + "9" * 400 + "\nmeasures: [{kpi: N00914, area: A}]\n", "coverage"),
    ],
)
def test_ranking_definitions_with_odd_shapes_are_our_error(text: str, key: str | None) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_definition(text, "rank.yaml")
    assert caught.value.problems[0].file == "rank.yaml"
    assert caught.value.problems[0].column == key


def test_an_offset_beyond_64_bits_is_a_client_error(tmp_path: Path, duckdb_template: Path) -> None:
    # Was: 500 (DuckDB's conversion error, or orjson's "Integer exceeds 64-bit range").
    path = tmp_path / "api.duckdb"
    shutil.copy(duckdb_template, path)
    with TestClient(create_app(str(path))) as client:
        for url in ("/api/v1/kpis", "/api/v1/groups", "/api/v1/areas"):
            response = client.get(url, params={"offset": 2**63})
            assert 400 <= response.status_code < 500, (url, response.status_code, response.text)
        # Was: 500 (orjson could not encode the year echoed in the answer).
        response = client.get("/api/v1/values", params={"kpi": "N00914", "year": "99999999999999999999"})
        assert response.status_code == 400, response.text
        assert "a year has four digits" in response.text
        spec = client.get("/api/openapi.json").json()
    # The Kolada-compatible routes answer bad parameters with 400 (Kolada's way) and say so.
    kolada = {p: ops["get"]["responses"] for p, ops in spec["paths"].items() if p.startswith("/kolada/v3")}
    assert kolada and all("400" in responses for responses in kolada.values())


def test_the_snapshot_sees_a_write(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "good.csv"
    path.write_text("kpi,municipality,period,gender,value\nN00914,0180,2020,T,12.5\n", encoding="utf-8")
    before = snapshot(store)
    import_file(store, path)
    with pytest.raises(AssertionError, match="observation"):
        assert_unchanged(before, snapshot(store))
