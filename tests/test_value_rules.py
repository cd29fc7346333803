"""The SQL loader and the Python checks accept and reject exactly the same cells."""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import pytest

from jamfor.sources.checks import MAX_YEAR, MIN_YEAR, parse_number
from jamfor.store.ingest import CsvSource, typed_select

VALUES = [
    "12",
    "12.5",
    "12,5",
    " 12 ",
    "\t12",
    "12\u00a0",
    "+3",
    "-0",
    "1.",
    ".5",
    ",5",
    "1e5",
    "1E-3",
    "1,5e3",
    "1_000",
    "inf",
    "-inf",
    "nan",
    "NaN",
    "Infinity",
    "0x1A",
    "12,5 %",
    "1 234",
    "1,234.5",
    "1.2.3",
    "١٢",
    "",
    " ",
    "\t",
    "e5",
    "1e",
    "--1",
    "1e500",
]
PERIODS = [
    "2020",
    "1950",
    "2100",
    "1949",
    "2101",
    "+2020",
    " 2020",
    "2020 ",
    "02020",
    "2020.0",
    "20a0",
    "٢٠٢٠",
]


def _sql(tmp_path: Path, period: str, value: str) -> tuple[object, ...] | None:
    path = tmp_path / "one.csv"
    path.write_text(f'kpi,area,period,gender,value\nN00938,1081,"{period}",T,"{value}"\n', encoding="utf-8")
    src = CsvSource(path, ",", ("kpi", "area", "period", "gender", "value"))
    try:
        return duckdb.connect().execute(typed_select(src)).fetchone()
    except duckdb.Error:
        return None


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_values_agree(tmp_path: Path, value: str) -> None:
    row = _sql(tmp_path, "2020", value)
    blank = value.strip(" \t") == ""
    python = None if blank else parse_number(value)
    python_ok = blank or (python is not None and "_" not in value)
    assert (row is not None) == python_ok
    if row is not None:
        assert row[4] == python or (row[4] is None and python is None)
        assert row[4] is None or math.isfinite(row[4])


@pytest.mark.parametrize("period", PERIODS, ids=repr)
def test_periods_agree(tmp_path: Path, period: str) -> None:
    row = _sql(tmp_path, period, "1")
    python_ok = (
        len(period) == 4 and period.isascii() and period.isdigit() and MIN_YEAR <= int(period) <= MAX_YEAR
    )
    assert (row is not None) == python_ok
