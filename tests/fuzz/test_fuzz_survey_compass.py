"""Fuzzing the loaders that write to the store besides the observation importers: survey answers
(CSV and XLSX) and Kommunkompassen evaluations (`compass import`). A rejected file leaves every
table as it was, on both backends.
"""

from __future__ import annotations

import io
from importlib import resources
from pathlib import Path
from typing import Any

import openpyxl
from hypothesis import given
from hypothesis import strategies as st

from jamfor.compass.imports import import_evaluation
from jamfor.errors import JamforError
from jamfor.sources.survey import import_survey_file
from jamfor.sources.survey_definitions import bundled_surveys
from jamfor.store import Store

from ._support import assert_unchanged, csv_text, encoded, fuzz_settings, mutated_rows, only_ours, snapshot
from .test_fuzz_definitions import documents

SURVEY = bundled_surveys()["scb-medborgarundersokning"]
SURVEY_ROWS = [
    ["municipality", "year", "respondent", "weight", "nmi_nojd", "nmi_forvantan", "nmi_ideal"],
    ["1384", "2014", "a1", "1.0", "8", "7", "6"],
    ["1384", "2014", "a2", "0.5", "5", "5", "5"],
    ["1384", "2014", "a3", "2", "10", "9", ""],
    ["Kungsbacka", "2014", "a4", "1", "3", "", ""],
]
HUDDINGE = (resources.files("jamfor") / "data" / "compass" / "evaluations" / "huddinge-2017.yaml").read_text(
    encoding="utf-8"
)


def _check(store: Store, path: Path, call: Any) -> None:
    before = snapshot(store)
    outcome = only_ours(call, names=path.name)
    if isinstance(outcome, JamforError):
        assert_unchanged(before, snapshot(store))


@fuzz_settings()
@given(rows=mutated_rows(SURVEY_ROWS), delimiter=st.sampled_from([",", ";"]), data=st.data())
def test_survey_csv(
    store: Store, tmp_path: Path, rows: list[list[str]], delimiter: str, data: st.DataObject
) -> None:
    path = tmp_path / "svar.csv"
    path.write_bytes(data.draw(encoded(csv_text(rows, delimiter))))
    _check(store, path, lambda: import_survey_file(store, path, SURVEY))


@fuzz_settings(0.5)
@given(rows=mutated_rows(SURVEY_ROWS), numbers=st.booleans())
def test_survey_xlsx(store: Store, tmp_path: Path, rows: list[list[str]], numbers: bool) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        cells: list[Any] = ["".join(ch for ch in c if ch >= " ") for c in row]
        if numbers:
            cells = [float(c) if c.replace(".", "", 1).isdigit() else c for c in cells]
        sheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    path = tmp_path / "svar.xlsx"
    path.write_bytes(buffer.getvalue())
    _check(store, path, lambda: import_survey_file(store, path, SURVEY))


@fuzz_settings()
@given(
    data=st.data(),
    municipality=st.sampled_from(
        ["'0126'", "Huddinge", "'9999'", "'0000'", "Stockholms län", "x" * 300, "null", "[1]"]
    ),
)
def test_compass_import(store: Store, tmp_path: Path, data: st.DataObject, municipality: str) -> None:
    text = HUDDINGE.replace("municipality: '0126'", f"municipality: {municipality}")
    if data.draw(st.booleans()):
        text = data.draw(documents(text))
    path = tmp_path / "utvardering.yaml"
    path.write_text(text, encoding="utf-8")
    _check(store, path, lambda: import_evaluation(store, path))
