"""Importing the other formats: the long layout as .xlsx, Kolada v3 JSON (data and KPI shapes),
and KPI catalogues as CSV.

The tests share one store per backend; each uses KPIs of its own and compares before and after.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from jamfor.model import Kpi
from jamfor.sources.files import import_file
from jamfor.store import Store

try:  # tests/ is a package in this repository; fall back to the rootdir-less layout
    from tests.conftest import BACKENDS, _new_store
except ImportError:  # pragma: no cover
    from conftest import BACKENDS, _new_store  # type: ignore[no-redef]


@pytest.fixture(scope="module", params=BACKENDS)
def shared(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, duckdb_template: Path
) -> Iterator[Store]:
    gen = _new_store(request.param, tmp_path_factory.mktemp(f"formats-{request.param}"), duckdb_template)
    yield next(gen)
    next(gen, None)


def _xlsx(path: Path, rows: list[list[Any]], sheet_title: str = "Data") -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = sheet_title
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def _values(
    store: Store, kpi: str
) -> dict[tuple[str, int, str], tuple[float | None, str | None, int | None]]:
    return {
        (o.area, o.period, o.gender): (o.value, o.status, o.count)
        for o in store.observations([kpi], gender=None)
    }


# -- XLSX ----------------------------------------------------------------------------------------------

XLSX_HEADER = ["kpi", "municipality", "period", "gender", "value", "status", "count"]


def test_xlsx_is_imported_like_the_csv_layout(shared: Store, tmp_path: Path) -> None:
    rows = [
        XLSX_HEADER,
        ["N00938", "1081", 2020, "T", 10.5, None, None],
        ["N00938", "0114", 2020, "T", "12,5", "prel", None],  # text cell with a decimal comma
        ["N00938", 1081, 2021.0, "K", 8, None, 3],  # numbers as Excel stores them
        ["N00938", "2361", 2020, "M", None, "Uppgift saknas", None],  # an empty value
        ["N00938", "0000", 2020, "T", 1 / 3, None, 290.0],
    ]
    path = _xlsx(tmp_path / "values.xlsx", rows)
    before = shared.stats()

    summary = import_file(shared, path, source="Excel")

    assert (summary.file, summary.kind) == ("values.xlsx", "observations-xlsx")
    assert (summary.rows, summary.new, summary.changed) == (5, 5, 0)
    assert shared.stats().observations == before.observations + 5
    assert _values(shared, "N00938") == {
        ("1081", 2020, "T"): (10.5, None, None),
        ("0114", 2020, "T"): (12.5, "prel", None),
        ("1081", 2021, "K"): (8.0, None, 3),
        ("2361", 2020, "M"): (None, "Uppgift saknas", None),
        ("0000", 2020, "T"): (1 / 3, None, 290),  # full precision
    }
    obs = shared.observation("N00938", "1081", 2020)
    assert obs is not None and obs.source == "Excel"

    # The same workbook again changes nothing.
    stats = shared.stats()
    again = import_file(shared, path)
    assert (again.new, again.changed, again.unchanged) == (0, 0, 5)
    assert shared.stats() == stats

    # One changed cell is one revision, and the old value stays readable.
    rows[1][4] = 11.0
    changed = import_file(shared, _xlsx(tmp_path / "values2.xlsx", rows))
    assert (changed.new, changed.changed, changed.unchanged) == (0, 1, 4)
    assert shared.stats().revisions == stats.revisions + 1
    assert [r.value for r in shared.history("N00938", "1081", 2020)] == [10.5]


def test_xlsx_blank_rows_and_trailing_empty_header_cells_are_ignored(shared: Store, tmp_path: Path) -> None:
    rows = [
        ["KPI", "Municipality", "Year", "Gender", "Value", None, None],
        ["N11102", "1081", 2020, "T", 5.2],
        [],
        [None, None, None, None, None],
        ["N11102", "0114", 2020, "T", 4.9],
    ]
    summary = import_file(shared, _xlsx(tmp_path / "blank_rows.xlsx", rows))
    assert summary.new == 2
    assert _values(shared, "N11102") == {
        ("1081", 2020, "T"): (5.2, None, None),
        ("0114", 2020, "T"): (4.9, None, None),
    }


# -- Kolada v3 JSON: data ----------------------------------------------------------------------------


def _cell(
    gender: str, value: Any, status: str | None = None, count: int | None = None, deleted: bool = False
) -> dict[str, Any]:
    return {"gender": gender, "value": value, "status": status, "count": count, "isdeleted": deleted}


def _data_response(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"values": items, "count": len(items), "next_url": None, "previous_url": None}


def _u07451_response(ronneby_total: float = 72.0) -> dict[str, Any]:
    return _data_response(
        [
            {
                "kpi": "U07451",
                "municipality": "1081",
                "period": 2017,
                "values": [_cell("T", ronneby_total), _cell("K", 70), _cell("M", 74.5, status="")],
            },
            {
                "kpi": "U07451",
                "municipality": "0114",  # an item without values adds nothing
                "period": 2017,
                "values": [],
            },
            {
                "kpi": "U07451",
                "municipality": "0000",
                "period": "2017",
                "values": [
                    _cell("T", 73.1, count=250),
                    _cell("K", None, status="Saknas"),
                    _cell("M", 1, deleted=True),
                ],
            },
        ]
    )


def test_json_v3_data_response_is_imported(shared: Store, tmp_path: Path) -> None:
    path = tmp_path / "data.json"
    path.write_text(json.dumps(_u07451_response()), encoding="utf-8")
    before = shared.stats()

    summary = import_file(shared, path)

    assert (summary.file, summary.kind) == ("data.json", "observations-json")
    assert (summary.rows, summary.new) == (5, 5)
    assert any("isdeleted" in note for note in summary.notes)
    assert shared.stats().observations == before.observations + 5
    assert _values(shared, "U07451") == {
        ("1081", 2017, "T"): (72.0, None, None),
        ("1081", 2017, "K"): (70.0, None, None),
        ("1081", 2017, "M"): (74.5, None, None),
        ("0000", 2017, "T"): (73.1, None, 250),
        ("0000", 2017, "K"): (None, "Saknas", None),
    }
    obs = shared.observation("U07451", "1081", 2017)
    assert obs is not None and obs.source == "Kolada"

    stats = shared.stats()
    again = import_file(shared, path)
    assert (again.new, again.changed, again.unchanged) == (0, 0, 5)
    assert shared.stats() == stats

    revised = tmp_path / "revised.json.gz"
    revised.write_bytes(gzip.compress(json.dumps(_u07451_response(ronneby_total=71.5)).encode()))
    changed = import_file(shared, revised)
    assert (changed.new, changed.changed, changed.unchanged) == (0, 1, 4)
    assert [r.value for r in shared.history("U07451", "1081", 2017)] == [72.0]
    now = shared.observation("U07451", "1081", 2017)
    assert now is not None and now.value == 71.5


def test_json_with_a_bom_is_read(shared: Store, tmp_path: Path) -> None:
    doc = _data_response(
        [{"kpi": "N31807", "municipality": "0180", "period": 2019, "values": [_cell("T", 1.25)]}]
    )
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(doc).encode())
    assert import_file(shared, path).new == 1
    assert _values(shared, "N31807") == {("0180", 2019, "T"): (1.25, None, None)}


# -- KPI catalogues -----------------------------------------------------------------------------------


def _kpi_row(kpi_id: str, title: str, **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": kpi_id,
        "title": title,
        "description": f"Beskrivning av {kpi_id}",
        "is_divided_by_gender": True,
        "municipality_type": "K",
        "auspice": "X",
        "operating_area": "Arbetsmarknad",
        "perspective": "Övrigt",
        "prel_publication_date": None,
        "publication_date": "2027-01-17",
        "publ_period": "2026",
        "has_ou_data": False,
    }
    row.update(extra)
    return row


def test_json_v3_kpi_response_updates_the_catalogue_and_keeps_old_titles(
    shared: Store, tmp_path: Path
) -> None:
    old = shared.kpi("N05401")
    assert old.polarity is not None  # curated, and must survive a catalogue import
    doc = {
        "values": [
            _kpi_row("N05401", "Valdeltagande i kommunvalet, andel (%) (ny titel)"),
            _kpi_row("Z91001", "En ny KPI"),
        ],
        "count": 2,
        "next_url": None,
        "previous_url": None,
    }
    path = tmp_path / "kpis.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    before = shared.stats()

    summary = import_file(shared, path)

    assert (summary.kind, summary.rows, summary.new, summary.changed, summary.unchanged) == (
        "catalogue",
        2,
        1,
        1,
        0,
    )
    assert shared.stats().kpis == before.kpis + 1
    new = shared.kpi("Z91001")
    assert isinstance(new, Kpi)
    assert (new.title, new.is_divided_by_gender, new.municipality_type, new.perspective, new.retired) == (
        "En ny KPI",
        True,
        "K",
        "Övrigt",
        False,
    )
    updated = shared.kpi("N05401")
    assert updated.title == "Valdeltagande i kommunvalet, andel (%) (ny titel)"
    assert (updated.polarity, updated.colour_graded, updated.decimals, updated.unit, updated.kkik) == (
        old.polarity,
        old.colour_graded,
        old.decimals,
        old.unit,
        old.kkik,
    )
    [previous] = shared.kpi_history("N05401")
    assert previous["title"] == old.title
    assert previous["description"] == old.description
    assert shared.kpi_history("Z91001") == []

    # The new KPI can take values at once.
    data = tmp_path / "z.json"
    data.write_text(
        json.dumps(
            _data_response(
                [{"kpi": "Z91001", "municipality": "1081", "period": 2024, "values": [_cell("T", 3)]}]
            )
        ),
        encoding="utf-8",
    )
    assert import_file(shared, data).new == 1

    # Importing the same response again changes nothing.
    again = import_file(shared, path)
    assert (again.new, again.changed, again.unchanged) == (0, 0, 2)
    assert len(shared.kpi_history("N05401")) == 1


def test_catalogue_csv_import_and_title_history(shared: Store, tmp_path: Path) -> None:
    original = shared.kpi("N11102")
    header = "id,title,description,perspective,operating_area,polarity,decimals\n"
    first = tmp_path / "catalogue.csv"
    first.write_text(
        header + 'N11102,"Barn per personal, förskola (ny)",Ny beskrivning,Resurser,Förskola,,\n'
        "Z91002,Egen KPI,,Övrigt,Egen,higher,1\n",
        encoding="utf-8",
    )
    summary = import_file(shared, first)
    assert (summary.kind, summary.new, summary.changed) == ("catalogue", 1, 1)
    assert shared.kpi("N11102").title == "Barn per personal, förskola (ny)"
    assert shared.kpi("N11102").polarity == original.polarity  # curation kept when the file has none
    own = shared.kpi("Z91002")
    assert (own.title, own.polarity, own.decimals, own.perspective) == ("Egen KPI", "higher", 1, "Övrigt")
    assert [h["title"] for h in shared.kpi_history("N11102")] == [original.title]
    stats = shared.stats()

    # The same file again: nothing new, nothing changed, no more history.
    again = import_file(shared, first)
    assert (again.new, again.changed, again.unchanged) == (0, 0, 2)
    assert shared.stats() == stats
    assert len(shared.kpi_history("N11102")) == 1

    # A cp1252, semicolon-separated catalogue with a second new title: history grows, oldest first.
    second = tmp_path / "catalogue_sv.csv"
    second.write_bytes(
        (
            header.replace(",", ";")
            + "N11102;Barn per årsarbetare i förskolan;Ny beskrivning;Resurser;Förskola;;\n"
        ).encode("cp1252")
    )
    assert import_file(shared, second).changed == 1
    assert shared.kpi("N11102").title == "Barn per årsarbetare i förskolan"
    assert [h["title"] for h in shared.kpi_history("N11102")] == [
        original.title,
        "Barn per personal, förskola (ny)",
    ]


def test_real_v3_catalogue_json_imports_and_reimports_without_changes(
    shared: Store, shared_data: Path, tmp_path: Path
) -> None:
    source = shared_data / "kolada" / "kpi_catalogue_v3_2026-03.json"
    path = tmp_path / source.name
    path.write_bytes(source.read_bytes())
    kpis_before = shared.stats().kpis
    first = import_file(shared, path)
    assert (first.kind, first.rows, first.new) == ("catalogue", 6099, 0)
    assert shared.stats().kpis == kpis_before
    n00938 = shared.kpi("N00938")
    assert (n00938.polarity, n00938.colour_graded, n00938.decimals) == ("lower", True, 1)
    assert shared.kpi("N00663").retired is True  # only in v2: not in this file, still retired
    again = import_file(shared, path)
    assert (again.new, again.changed, again.unchanged) == (0, 0, 6099)
