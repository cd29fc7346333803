"""Fuzzing the observation importers (CSV, CSV.gz, XLSX, Kolada JSON) and the KPI catalogue importer.

Inputs are real rows from shared/data mutated into nearly valid files, and random bytes. The
property: an import either succeeds or raises one of our errors naming the file, within the time
limit, and a rejected import leaves every table of the store exactly as it was (both backends).
"""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path
from typing import Any

import openpyxl
from hypothesis import given
from hypothesis import strategies as st

from jamfor.errors import JamforError
from jamfor.sources.files import import_file
from jamfor.store import Store

from ._support import (
    NASTY_VALUES,
    assert_unchanged,
    csv_text,
    encoded,
    fuzz_settings,
    mutated_rows,
    only_ours,
    real_lines,
    snapshot,
)

VALUES = [line.split(",") for line in real_lines("kolada_values_2024-08_kkik2013_subset_2015-2022.csv", 12)]
CATALOGUE_LINES = real_lines("kpi_catalogue_v3_2026-03.csv", 4)


def _import_and_check(store: Store, path: Path) -> None:
    before = snapshot(store)
    outcome = only_ours(lambda: import_file(store, path), names=path.name)
    if isinstance(outcome, JamforError):
        assert_unchanged(before, snapshot(store))


@fuzz_settings()
@given(
    rows=mutated_rows(VALUES),
    delimiter=st.sampled_from([",", ";", "\t"]),
    data=st.data(),
)
def test_csv_import(
    store: Store, tmp_path: Path, rows: list[list[str]], delimiter: str, data: st.DataObject
) -> None:
    raw = data.draw(encoded(csv_text(rows, delimiter)))
    path = tmp_path / "fuzz.csv"
    path.write_bytes(raw)
    _import_and_check(store, path)


@fuzz_settings(0.5)
@given(rows=mutated_rows(VALUES), cut=st.one_of(st.none(), st.integers(0, 400)))
def test_gzip_csv_import(store: Store, tmp_path: Path, rows: list[list[str]], cut: int | None) -> None:
    packed = gzip.compress(csv_text(rows).encode())
    if cut is not None:
        packed = packed[: min(cut, len(packed) - 1)]
    path = tmp_path / "fuzz.csv.gz"
    path.write_bytes(packed)
    _import_and_check(store, path)


@fuzz_settings(0.5)
@given(raw=st.binary(max_size=2048), suffix=st.sampled_from([".csv", ".csv.gz", ".xlsx", ".json", ".tsv"]))
def test_random_bytes(store: Store, tmp_path: Path, raw: bytes, suffix: str) -> None:
    path = tmp_path / f"random{suffix}"
    path.write_bytes((b"\x1f\x8b" + raw) if suffix == ".csv.gz" else raw)
    _import_and_check(store, path)


CELL = st.one_of(
    st.none(),
    st.sampled_from(NASTY_VALUES[:-1]),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(),
    st.text(max_size=20),
)


@fuzz_settings(0.5)
@given(
    rows=mutated_rows(VALUES),
    cells=st.lists(st.tuples(st.integers(0, 12), st.integers(0, 6), CELL), max_size=4),
)
def test_xlsx_import(
    store: Store, tmp_path: Path, rows: list[list[str]], cells: list[tuple[int, int, Any]]
) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    typed: list[list[Any]] = [list(r) for r in rows]
    for r, c, value in cells:
        if r < len(typed) and typed[r]:
            typed[r][c % len(typed[r])] = value
    for row in typed:
        # openpyxl refuses control characters itself; a user's Excel cannot hold them either
        sheet.append([v if not isinstance(v, str) else "".join(ch for ch in v if ch >= " ") for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    path = tmp_path / "fuzz.xlsx"
    path.write_bytes(buffer.getvalue())
    _import_and_check(store, path)


JSON_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**30), 10**30),
    st.floats(),
    st.text(max_size=12),
    st.sampled_from(NASTY_VALUES),
)
JSON_ANY = st.recursive(
    JSON_LEAF,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12,
)


def _kolada_json(rows: list[list[str]]) -> dict[str, Any]:
    items = []
    for row in rows[1:]:
        cells = dict(zip(("kpi", "municipality", "period", "gender", "value"), row, strict=False))
        items.append(
            {
                "kpi": cells.get("kpi"),
                "municipality": cells.get("municipality"),
                "period": cells.get("period"),
                "values": [
                    {
                        "gender": cells.get("gender"),
                        "value": cells.get("value"),
                        "status": None,
                        "count": 1,
                        "isdeleted": False,
                    }
                ],
            }
        )
    return {"values": items, "count": len(items), "next_page": None}


@st.composite
def _json_paths(draw: st.DrawFn, doc: Any) -> Any:
    """The document with a few nodes replaced by arbitrary JSON (numbers stay numbers where kept)."""
    for _ in range(draw(st.integers(0, 3))):
        node = doc
        path: list[Any] = []
        while isinstance(node, dict | list) and node and draw(st.booleans()):
            key = draw(st.sampled_from(sorted(node) if isinstance(node, dict) else list(range(len(node)))))
            path.append(key)
            node = node[key]
        if not path:
            doc = draw(JSON_ANY)
            continue
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        parent[path[-1]] = draw(JSON_ANY)
    return doc


@fuzz_settings()
@given(data=st.data(), rows=mutated_rows(VALUES))
def test_json_import(store: Store, tmp_path: Path, data: st.DataObject, rows: list[list[str]]) -> None:
    doc = data.draw(_json_paths(_kolada_json(rows)))
    text = json.dumps(doc, ensure_ascii=data.draw(st.booleans()))
    raw = data.draw(
        st.sampled_from([text.encode(), text.encode()[: len(text) // 2], text.encode("latin-1", "replace")])
    )
    path = tmp_path / "fuzz.json"
    path.write_bytes(raw)
    _import_and_check(store, path)


@fuzz_settings(0.5)
@given(
    rows=mutated_rows(
        [next(iter([line.split(",")])) for line in CATALOGUE_LINES[:1]]
        + [[f"Z9{i:04d}", f"Titel {i}", "Beskrivning", "False", "K"] for i in range(4)]
    ),
    data=st.data(),
)
def test_catalogue_csv_import(
    store: Store, tmp_path: Path, rows: list[list[str]], data: st.DataObject
) -> None:
    raw = data.draw(encoded(csv_text(rows)))
    path = tmp_path / "katalog.csv"
    path.write_bytes(raw if raw.lstrip(b"\xef\xbb\xbf").lower().startswith(b"id") else b"id,title\n" + raw)
    _import_and_check(store, path)


@fuzz_settings(0.5)
@given(
    doc=st.builds(
        lambda extra: {"values": [{"id": "Z90001", "title": "A", "description": "B"}, *extra]},
        st.lists(JSON_ANY, max_size=3),
    )
)
def test_catalogue_json_import(store: Store, tmp_path: Path, doc: Any) -> None:
    path = tmp_path / "katalog.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    _import_and_check(store, path)
