"""Golden files: Ronneby's report as JSON and as a terminal table, compared character for character.

After an intended change, regenerate with `JAMFOR_UPDATE_GOLDEN=1 pytest tests/render` and read
the diff before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from jamfor.render import render
from jamfor.render.table import render_table
from jamfor.reports.model import MunicipalityReport, NetworkReport

GOLDEN = Path(__file__).parent / "golden"


def _check(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("JAMFOR_UPDATE_GOLDEN"):
        path.write_text(actual, encoding="utf-8")
    if not path.exists():
        pytest.fail(f"{path} is missing: run with JAMFOR_UPDATE_GOLDEN=1 to create it")
    assert actual == path.read_text(encoding="utf-8")


def test_ronneby_json(ronneby: MunicipalityReport) -> None:
    content = render(ronneby, "json")
    assert isinstance(content, str)
    _check("ronneby.json", content)


def test_ronneby_table(ronneby: MunicipalityReport) -> None:
    _check("ronneby.txt", render_table(ronneby, width=120))


def test_nornorna_table(nornorna: NetworkReport) -> None:
    _check("nornorna.txt", render_table(nornorna, width=120))
