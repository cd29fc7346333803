"""Pathological inputs, each run in a child process with a time and memory limit: YAML alias bombs
("billion laughs"), deeply nested YAML and JSON, megabyte strings and lines, and huge numbers of
columns. Every loader must end in one of our errors (or accept the input) within the limit; the
importers that write must leave the store unchanged when they reject.
"""

from __future__ import annotations

import gzip
import json
import os
import resource
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from jamfor.store import Store

from ._support import REPO, assert_unchanged, snapshot

CHILD_SECONDS = 120
CHILD_MEMORY = 2 << 30  # 2 GiB of address space

YAML_LOADERS = ["measure-set", "ranking", "compass", "survey-definition", "similar-profile"]


def _laughs(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]")
    return "\n".join(lines) + "\n"


def _laughs_in(key: str) -> str:
    """An alias bomb placed where each loader reads a list or mapping value."""
    body = _laughs().replace("\n", "\n  ")
    return f"id: bomb\ntitle: bomb\nx:\n  {body}\n{key}: *a8\n"


YAML_BOMBS: dict[str, Callable[[], str]] = {
    "billion-laughs": _laughs,
    "laughs-in-a-field": lambda: _laughs_in("measures"),
    "laughs-in-evaluators": lambda: _laughs_in("evaluators"),
    "laughs-in-questions": lambda: _laughs_in("questions"),
    "deep-flow-list": lambda: "x: " + "[" * 20_000 + "]" * 20_000 + "\n",
    "deep-block-mapping": lambda: "".join(" " * i + f"k{i}:\n" for i in range(3_000)),
    "megabyte-string": lambda: "id: " + "å" * 1_000_000 + "\ntitle: x\n",
    "megabyte-key": lambda: "k" * 1_000_000 + ": 1\n",
    "many-keys": lambda: "".join(f"k{i}: {i}\n" for i in range(100_000)),
}

HEADER = "kpi,municipality,period,gender,value\n"
IMPORT_BOMBS: dict[str, Callable[[], tuple[str, bytes]]] = {
    "deep-json": lambda: ("deep.json", b"[" * 200_000 + b"]" * 200_000),
    "deep-json-in-values": lambda: ("deep2.json", b'{"values": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"),
    "megabyte-csv-field": lambda: (
        "field.csv",
        (HEADER + "N00914,0180,2020,T," + "9" * 1_000_000 + "\n").encode(),
    ),
    "megabyte-quoted-field": lambda: (
        "quoted.csv",
        (HEADER + 'N00914,0180,2020,T,"' + "x" * 1_000_000 + '"\n').encode(),
    ),
    "unclosed-quote": lambda: ("unclosed.csv", (HEADER + 'N00914,0180,2020,T,"12\n' * 20_000).encode()),
    "many-columns": lambda: (
        "wide.csv",
        (",".join(f"c{i}" for i in range(50_000)) + "\n" + "1," * 49_999 + "1\n").encode(),
    ),
    "megabyte-line-no-newline": lambda: ("line.csv", b"kpi," + b"x" * 1_000_000),
    "gzip-bomb-truncated": lambda: (
        "bomb.csv.gz",
        gzip.compress((HEADER + "N00914,0180,2020,T,1\n" * 200_000).encode())[:20_000],
    ),
    "json-huge-numbers": lambda: (
        "huge.json",
        json.dumps(
            {
                "values": [
                    {
                        "kpi": "N00914",
                        "municipality": "0180",
                        "period": 2020,
                        "values": [
                            {
                                "gender": "T",
                                "value": 1e308 * 10,
                                "count": 10**400,
                                "status": None,
                                "isdeleted": False,
                            }
                        ],
                    }
                ]
            }
        )
        .replace("Infinity", "1" + "0" * 5000)
        .encode(),
    ),
    "nul-bytes": lambda: ("nul.csv", HEADER.encode() + b"N00914,0180,2020,T,1\x00\x00\n" * 10),
}


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY, CHILD_MEMORY))


def _child(loader: str, paths: list[Path], store: str | None = None) -> list[str]:
    """How the loader ended on each file ("ok" or "ours …"); fails the test on anything else."""
    joined = ",".join(str(p) for p in paths)
    args = [sys.executable, "-m", "tests.fuzz._bomb_child", loader, joined] + ([store] if store else [])
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    try:
        done = subprocess.run(
            args, capture_output=True, text=True, timeout=CHILD_SECONDS, preexec_fn=_limit, cwd=REPO, env=env
        )
        out = done.stdout
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        pytest.fail(f"{loader}: no answer within {CHILD_SECONDS} s (a hang); finished so far:\n{out}")
    lines = out.strip().splitlines()
    assert len(lines) == len(paths), (
        f"{loader}: the child died (exit {done.returncode}):\n{out}\n{done.stderr[-1500:]}"
    )
    outcomes = []
    for path, line in zip(paths, lines, strict=True):
        name, _, outcome = line.partition(": ")
        assert name == path.name, line
        assert outcome == "ok" or outcome.startswith("ours "), f"{loader} on {line}\n{done.stderr[-1500:]}"
        outcomes.append(outcome)
    return outcomes


@pytest.mark.parametrize("loader", YAML_LOADERS)
def test_yaml_bombs(tmp_path: Path, loader: str) -> None:
    paths = []
    for bomb, make in sorted(YAML_BOMBS.items()):
        path = tmp_path / f"{bomb}.yaml"
        path.write_text(make(), encoding="utf-8")
        paths.append(path)
    _child(loader, paths)


@pytest.mark.parametrize("bomb", sorted(IMPORT_BOMBS))
def test_import_bombs(tmp_path: Path, duckdb_template: Path, bomb: str) -> None:
    name, raw = IMPORT_BOMBS[bomb]()
    path = tmp_path / name
    path.write_bytes(raw)
    db = tmp_path / "store.duckdb"
    shutil.copy(duckdb_template, db)
    with Store.open(str(db)) as store:
        before = snapshot(store)
    [outcome] = _child("import", [path], str(db))
    with Store.open(str(db)) as store:
        if outcome != "ok":
            assert_unchanged(before, snapshot(store))


@pytest.mark.parametrize("bomb", ["megabyte-csv-field", "unclosed-quote", "many-columns", "nul-bytes"])
def test_survey_bombs(tmp_path: Path, duckdb_template: Path, bomb: str) -> None:
    name, raw = IMPORT_BOMBS[bomb]()
    path = tmp_path / name
    path.write_bytes(
        raw.replace(b"kpi,municipality,period,gender,value", b"municipality,year,respondent,nmi_nojd,x")
    )
    db = tmp_path / "store.duckdb"
    shutil.copy(duckdb_template, db)
    with Store.open(str(db)) as store:
        before = snapshot(store)
    [outcome] = _child("survey", [path], str(db))
    with Store.open(str(db)) as store:
        if outcome != "ok":
            assert_unchanged(before, snapshot(store))
