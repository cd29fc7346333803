"""A corpus of bad input files: each is rejected whole with a precise message, and nothing is written.

Every fault runs on four stores (DuckDB and PostgreSQL, each empty and seeded with values), because
the importer takes a different path into an empty store (a direct load that is rolled back) than
into one that already holds values (staging and merge). The stores are module-scoped: a rejected
file writes nothing, and each test checks exactly that, before and after.
"""

from __future__ import annotations

import gzip
import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from jamfor.errors import Problem, ValidationError
from jamfor.sources.files import import_file, import_files
from jamfor.store import Store

try:  # tests/ is a package in this repository; fall back to the rootdir-less layout
    from tests.conftest import BACKENDS, _new_store
except ImportError:  # pragma: no cover
    from conftest import BACKENDS, _new_store  # type: ignore[no-redef]

HEADER = "kpi,municipality,period,gender,value"
HEADER_FULL = "kpi,municipality,period,gender,value,status,count"
# The seeded store holds these; the bad files' good rows change the first one and add new keys,
# so a partial write would show as a changed value, a revision or a new observation.
SEED = [
    "N00938,1081,2020,T,10.5",
    "N00938,0114,2020,T,3.0",
    "N11102,1081,2020,T,5.2",
    "U07451,2361,2019,T,70",
    "N05401,0000,2018,T,87.1",
]
GOOD1 = "N00938,1081,2020,T,99.9"  # changes a seeded value (line 2 of the bad files)
GOOD2 = "N11102,0114,2021,K,4.4"  # a new key (line 4 of the bad files)
KPIS = ["N00938", "N11102", "U07451", "N05401"]
WATCHED_KPIS = [*KPIS, "Z90001", "Z90002"]


def csv_with(bad: str, header: str = HEADER) -> bytes:
    """A header, a good row (line 2), the bad row (line 3) and another good row (line 4)."""
    return f"{header}\n{GOOD1}\n{bad}\n{GOOD2}\n".encode()


def _xlsx(rows: list[list[Any]]) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        book = openpyxl.Workbook()
        sheet = book.active
        for row in rows:
            sheet.append(row)
        book.save(path)

    return write


def _json(doc: Any) -> bytes:
    return json.dumps(doc, ensure_ascii=False, indent=1).encode()


def _data_item(kpi: str, area: str, period: int, cells: list[dict[str, Any]]) -> dict[str, Any]:
    return {"kpi": kpi, "municipality": area, "period": period, "values": cells}


def _cell(gender: str, value: Any, status: str | None = None, count: int | None = None) -> dict[str, Any]:
    return {"gender": gender, "value": value, "status": status, "count": count, "isdeleted": False}


def _envelope(values: list[Any]) -> dict[str, Any]:
    return {"values": values, "count": len(values), "next_url": None, "previous_url": None}


def _truncated_gzip_small() -> bytes:
    packed = gzip.compress(f"{HEADER}\n{GOOD1}\n{GOOD2}\n".encode())
    return packed[: len(packed) // 2]


def _truncated_gzip_large() -> bytes:
    """A gzip whose header decompresses fine but whose stream ends early, far into the data."""
    from jamfor.sources.reference import bundled_areas

    rng = random.Random(7)
    lines = [HEADER]
    for area in sorted(a.id for a in bundled_areas()):
        for period in range(2000, 2010):
            for gender in "TKM":
                lines.append(f"N00938,{area},{period},{gender},{rng.random() * 100:.6f}")
    packed = gzip.compress(("\n".join(lines) + "\n").encode())
    assert len(packed) > 50_000
    return packed[:-5000]


@dataclass(frozen=True)
class Fault:
    id: str
    name: str  # the file name
    content: bytes | Callable[[Path], None]
    line: int | None
    column: str | None
    phrases: tuple[str, ...]


FAULTS = [
    # -- observations CSV: row faults ---------------------------------------------------------
    Fault(
        "unknown-kpi",
        "unknown_kpi.csv",
        csv_with("X99999,1081,2020,K,1"),
        3,
        "kpi",
        ("unknown KPI id 'X99999'",),
    ),
    Fault(
        "unknown-area",
        "unknown_area.csv",
        csv_with("N00938,9999,2020,K,1"),
        3,
        "municipality",
        ("unknown area id '9999'",),
    ),
    Fault(
        "area-lost-leading-zero",
        "leading_zero.csv",
        csv_with("N00938,114,2021,T,1"),
        3,
        "municipality",
        ("unknown area id '114'", "'0114'"),
    ),
    Fault(
        "bad-gender",
        "gender.csv",
        csv_with("N00938,1081,2020,X,1"),
        3,
        "gender",
        ("'X' is not a gender", "T (total), K (women) or M (men)"),
    ),
    Fault(
        "value-with-unit",
        "unit.csv",
        csv_with('N00938,1081,2021,T,"12,5 %"'),
        3,
        "value",
        ("'12,5 %' is not a number", "unit"),
    ),
    Fault(
        "value-thousands-separator",
        "thousands.csv",
        csv_with("N00938,1081,2021,T,1 234"),
        3,
        "value",
        ("'1 234' is not a number", "thousands separators"),
    ),
    Fault("value-nan", "nan.csv", csv_with("N00938,1081,2021,T,NaN"), 3, "value", ("'NaN' is not a number",)),
    Fault("value-inf", "inf.csv", csv_with("N00938,1081,2021,T,inf"), 3, "value", ("'inf' is not a number",)),
    Fault(
        "value-two-separators",
        "separators.csv",
        csv_with('N00938,1081,2021,T,"1,234.5"'),
        3,
        "value",
        ("'1,234.5' is not a number", "one decimal separator"),
    ),
    Fault(
        "duplicate-key",
        "duplicate.csv",
        f"{HEADER}\n{GOOD1}\n{GOOD2}\n{GOOD1[:-4]}1.0\n".encode(),
        4,
        None,
        ("duplicate row", "N00938, 1081, 2020, T", "line 2"),
    ),
    Fault(
        "period-not-a-year",
        "period_text.csv",
        csv_with("N00938,1081,2020a,T,1"),
        3,
        "period",
        ("'2020a' is not a year",),
    ),
    Fault(
        "period-out-of-range",
        "period_1850.csv",
        csv_with("N00938,1081,1850,T,1"),
        3,
        "period",
        ("year 1850 is outside 1950–2100",),
    ),
    Fault(
        "too-many-fields",
        "too_many.csv",
        csv_with("N00938,1081,2021,T,1,2"),
        3,
        None,
        ("has 6 fields, the header has 5",),
    ),
    Fault(
        "too-few-fields",
        "too_few.csv",
        csv_with("N00938,1081,2021,T"),
        3,
        None,
        ("has 4 fields, the header has 5",),
    ),
    Fault("empty-kpi-id", "empty_kpi.csv", csv_with(",1081,2021,T,1"), 3, "kpi", ("KPI id is missing",)),
    Fault(
        "empty-area-id",
        "empty_area.csv",
        csv_with("N00938,,2021,T,1"),
        3,
        "municipality",
        ("area id is missing",),
    ),
    Fault(
        "count-fraction",
        "count_fraction.csv",
        f"{HEADER_FULL}\n{GOOD1},,3\nN00938,1081,2021,T,1,,3.5\n{GOOD2},,2\n".encode(),
        3,
        "count",
        ("'3.5' is not a count", "whole number"),
    ),
    Fault(
        "count-negative",
        "count_negative.csv",
        f"{HEADER_FULL}\n{GOOD1},,3\nN00938,1081,2021,T,1,,-1\n{GOOD2},,2\n".encode(),
        3,
        "count",
        ("'-1' is not a count",),
    ),
    Fault(
        "unterminated-quote",
        "quote.csv",
        f'{HEADER}\n{GOOD1}\n"N00938,0114,2021,T,1\n'.encode(),
        3,
        None,
        ("is not valid CSV",),
    ),
    # -- observations CSV: file and header faults -------------------------------------------------
    Fault(
        "header-missing-column",
        "no_gender.csv",
        b"kpi,municipality,period,value\nN00938,1081,2020,1\n",
        1,
        None,
        ("wrong header", "column 'gender' is missing"),
    ),
    Fault(
        "header-unknown-column",
        "unknown_column.csv",
        f"{HEADER},unit\n{GOOD1},dagar\n".encode(),
        1,
        "unit",
        ("unknown column",),
    ),
    Fault(
        "header-duplicate-column",
        "twice.csv",
        f"{HEADER},value\n{GOOD1},1\n".encode(),
        1,
        "value",
        ("column 'value' appears twice",),
    ),
    Fault("empty-file", "empty.csv", b"", None, None, ("the file is empty",)),
    Fault(
        "header-only",
        "header_only.csv",
        f"{HEADER}\n".encode(),
        None,
        None,
        ("has a header but no data rows",),
    ),
    Fault(
        "gzip-truncated-early",
        "truncated_early.csv.gz",
        _truncated_gzip_small(),
        None,
        None,
        ("is not a readable gzip file",),
    ),
    Fault(
        "gzip-truncated-late",
        "truncated_late.csv.gz",
        _truncated_gzip_large(),
        None,
        None,
        ("cannot be read to the end",),
    ),
    Fault("unsupported-file-type", "report.pdf", b"%PDF-1.4\n", None, None, ("unsupported file type",)),
    # -- observations XLSX ----------------------------------------------------------------------
    Fault(
        "xlsx-bad-value",
        "bad_value.xlsx",
        _xlsx(
            [
                HEADER.split(","),
                ["N00938", "1081", 2020, "T", 99.9],
                ["N00938", "0114", 2021, "T", "12,5 %"],
                ["N11102", "0114", 2021, "K", 4.4],
            ]
        ),
        3,
        "value",
        ("'12,5 %' is not a number", "unit"),
    ),
    Fault(
        "xlsx-bad-value-after-blank-row",
        "blank_row.xlsx",
        _xlsx(
            [
                HEADER.split(","),
                ["N00938", "1081", 2020, "T", 99.9],
                [],
                [],
                ["N11102", "0114", 2021, "K", 4.4],
                ["N00938", 114, 2021, "T", 1.0],
            ]
        ),
        6,
        "municipality",
        ("unknown area id '114'", "'0114'"),
    ),
    Fault(
        "xlsx-missing-column",
        "no_value.xlsx",
        _xlsx([["kpi", "municipality", "period", "gender"], ["N00938", "1081", 2020, "T"]]),
        1,
        None,
        ("column 'value' is missing",),
    ),
    Fault(
        "xlsx-not-a-workbook",
        "not_a_workbook.xlsx",
        b"kpi,municipality\nthis is text\n",
        None,
        None,
        ("is not a readable .xlsx workbook",),
    ),
    # -- Kolada v3 JSON ---------------------------------------------------------------------------
    Fault(
        "json-truncated",
        "truncated.json",
        b'{"values": [\n {"kpi": "N00938",\n',
        3,
        None,
        ("is not valid JSON",),
    ),
    Fault(
        "json-wrong-shape",
        "shape.json",
        _json({"items": [], "count": 0}),
        None,
        None,
        ("expected an object with a 'values' list",),
    ),
    Fault(
        "json-bad-gender",
        "gender.json",
        _json(_envelope([_data_item("N00938", "1081", 2020, [_cell("T", 99.9), _cell("X", 1.0)])])),
        None,
        "values[0].values[1].gender",
        ("'X' is not a gender",),
    ),
    Fault(
        "json-unknown-area",
        "area.json",
        _json(
            _envelope(
                [
                    _data_item("N00938", "1081", 2020, [_cell("T", 99.9)]),
                    _data_item("N00938", "114", 2021, [_cell("T", 1.0)]),
                ]
            )
        ),
        None,
        "values[1].values[0].municipality",
        ("unknown area id '114'", "'0114'"),
    ),
    Fault(
        "json-bad-value",
        "value.json",
        _json(_envelope([_data_item("N00938", "1081", 2020, [_cell("T", 99.9), _cell("K", "12,5 %")])])),
        None,
        "values[0].values[1].value",
        ("'12,5 %' is not a number",),
    ),
    Fault(
        "json-row-without-values",
        "row.json",
        _json(
            _envelope(
                [
                    _data_item("N00938", "1081", 2020, [_cell("T", 99.9)]),
                    {"kpi": "N00938", "municipality": "0114", "period": 2020},
                ]
            )
        ),
        None,
        "values[1]",
        ("is not a data row",),
    ),
    Fault(
        "json-duplicate-cell",
        "duplicate.json",
        _json(
            _envelope(
                [
                    _data_item("N00938", "1081", 2020, [_cell("T", 99.9)]),
                    _data_item("N00938", "1081", 2020, [_cell("K", 1.0), _cell("T", 2.0)]),
                ]
            )
        ),
        None,
        "values[1].values[1]",
        ("duplicate row", "N00938, 1081, 2020, T", "values[0].values[0]"),
    ),
    Fault(
        "xlsx-duplicate-row",
        "duplicate.xlsx",
        _xlsx(
            [
                HEADER.split(","),
                ["N00938", "1081", 2020, "T", 99.9],
                ["N11102", "0114", 2021, "K", 4.4],
                ["N00938", "1081", 2020, "T", 1.0],
            ]
        ),
        4,
        None,
        ("duplicate row", "N00938, 1081, 2020, T", "2"),
    ),
    # -- KPI catalogues ---------------------------------------------------------------------------
    Fault(
        "catalogue-duplicate-id",
        "catalogue_dup.csv",
        b"id,title,description\nN00938,Changed title,x\nZ90001,A new KPI,\nZ90001,Again,\n",
        4,
        "id",
        ("duplicate KPI id 'Z90001'", "line 3"),
    ),
    Fault(
        "catalogue-empty-title",
        "catalogue_no_title.csv",
        b"id,title\nN00938,Changed title\nZ90001,\n",
        3,
        "title",
        ("KPI Z90001 has no title",),
    ),
    Fault(
        "catalogue-bad-polarity",
        "catalogue_polarity.csv",
        b"id,title,polarity\nN00938,Changed title,lower\nZ90001,New,better\n",
        3,
        "polarity",
        ("'better' is not higher, lower or none",),
    ),
    Fault(
        "catalogue-missing-title-column",
        "catalogue_columns.csv",
        b"id,description,perspective\nN00938,Changed,Resurser\nZ90001,New,Resurser\n",
        1,
        None,
        ("'title'",),
    ),
    Fault(
        "catalogue-json-missing-title",
        "catalogue_no_title.json",
        _json(
            {"values": [{"id": "N00938", "description": "Changed"}, {"id": "Z90001", "description": "New"}]}
        ),
        None,
        "values[0]",
        ("'title'",),
    ),
    Fault(
        "catalogue-json-duplicate-id",
        "catalogue_dup.json",
        _json({"values": [{"id": "Z90001", "title": "A"}, {"id": "Z90001", "title": "B"}]}),
        None,
        "values[1].id",
        ("duplicate KPI id 'Z90001'", "values[0]"),
    ),
]


def _snapshot(store: Store) -> dict[str, Any]:
    return {
        "stats": store.stats().as_dict(),
        "observations": store.observations(KPIS, gender=None),
        "batches": store.batches(),
        "kpis": store.kpis(WATCHED_KPIS),
        "kpi_history": store.kpi_history("N00938"),
    }


def _write(tmp: Path, fault: Fault) -> Path:
    path = tmp / fault.name
    if isinstance(fault.content, bytes):
        path.write_bytes(fault.content)
    else:
        fault.content(path)
    return path


def _seed(store: Store, tmp: Path) -> None:
    seed = tmp / "seed.csv"
    seed.write_text(HEADER + "\n" + "\n".join(SEED) + "\n", encoding="utf-8")
    summary = import_file(store, seed)
    assert summary.new == len(SEED)


STATES = [(backend, state) for backend in BACKENDS for state in ("empty", "seeded")]


@pytest.fixture(scope="module", params=STATES, ids=[f"{b}-{s}" for b, s in STATES])
def corpus_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, duckdb_template: Path
) -> Iterator[Store]:
    backend, state = request.param
    tmp = tmp_path_factory.mktemp(f"corpus-{backend}-{state}")
    gen = _new_store(backend, tmp, duckdb_template)
    store = next(gen)
    if state == "seeded":
        _seed(store, tmp)
    yield store
    next(gen, None)


def test_corpus_has_at_least_twenty_distinct_faults() -> None:
    ids = [f.id for f in FAULTS]
    assert len(set(ids)) == len(ids) >= 20
    assert len({f.name for f in FAULTS}) == len(FAULTS)


def _matching(problems: list[Problem], fault: Fault, file: str) -> list[Problem]:
    return [
        p
        for p in problems
        if p.file == file
        and p.line == fault.line
        and p.column == fault.column
        and all(phrase in p.reason for phrase in fault.phrases)
    ]


@pytest.mark.parametrize("fault", FAULTS, ids=[f.id for f in FAULTS])
def test_bad_file_is_rejected_with_its_location_and_nothing_is_written(
    corpus_store: Store, tmp_path: Path, fault: Fault
) -> None:
    path = _write(tmp_path, fault)
    before = _snapshot(corpus_store)

    with pytest.raises(ValidationError) as caught:
        import_file(corpus_store, path)

    problems = caught.value.problems
    assert problems, "a ValidationError must carry its problems"
    assert _matching(problems, fault, fault.name), (
        f"expected {fault.name}:{fault.line} column {fault.column!r} with {fault.phrases}, got:\n"
        + "\n".join(str(p) for p in problems)
    )
    # The message users see names the place in the file.
    where = fault.name + (f":{fault.line}" if fault.line is not None else "")
    assert where in str(caught.value)
    if fault.column is not None:
        assert f"column '{fault.column}'" in str(caught.value)
    assert _snapshot(corpus_store) == before


def test_missing_file_is_reported_and_nothing_is_written(corpus_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "does_not_exist.csv"
    before = _snapshot(corpus_store)
    with pytest.raises(ValidationError) as caught:
        import_file(corpus_store, path)
    [problem] = caught.value.problems
    assert problem.file == str(path)
    assert problem.line is None
    assert "no such file" in problem.reason
    assert _snapshot(corpus_store) == before


def test_every_problem_in_a_file_is_reported_at_once(corpus_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "several.csv"
    path.write_text(
        f"{HEADER}\n{GOOD1}\nX99999,1081,2020,T,1\nN00938,114,2020,T,1\nN00938,1081,2021,X,1\n{GOOD2}\n",
        encoding="utf-8",
    )
    before = _snapshot(corpus_store)
    with pytest.raises(ValidationError) as caught:
        import_file(corpus_store, path)
    located = [(p.line, p.column) for p in caught.value.problems]
    assert located == [(3, "kpi"), (4, "municipality"), (5, "gender")]
    assert _snapshot(corpus_store) == before


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12\u00a0", 12.0), ("\t", None), ("\t12,5", 12.5)],
    ids=["trailing-no-break-space", "tab-only", "leading-tab"],
)
def test_row_checks_and_the_loader_agree_on_whitespace(
    corpus_store: Store, tmp_path: Path, value: str, expected: float | None
) -> None:
    """The row checks accept these values (Python's whitespace); the loader must then either take the
    value or reject the file *with its line* — never with an unlocated "was rejected" message."""
    path = tmp_path / "whitespace.csv"
    path.write_text(f'{HEADER}\nU21468,1081,2019,T,1.0\nU21468,0114,2019,T,"{value}"\n', encoding="utf-8")
    try:
        import_file(corpus_store, path)
    except ValidationError as exc:
        assert [(p.line, p.column) for p in exc.problems] == [(3, "value")], str(exc)
    else:
        obs = corpus_store.observation("U21468", "0114", 2019)
        assert obs is not None and obs.value == expected


# -- a bad row at the end of a big file ---------------------------------------------------------------

BIG_GOOD_ROWS = 50_000


@pytest.fixture(scope="module")
def big_bad_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """50,000 valid rows (N00938, N11102 ... × 312 areas × years × T/K/M), then one bad row."""
    from jamfor.sources.reference import bundled_areas

    areas = sorted(a.id for a in bundled_areas())
    rng = random.Random(11)
    rows: list[str] = []
    for kpi in ("N00938", "N11102", "U07451", "N05401"):
        for area in areas:
            for period in range(2000, 2014):
                for gender in "TKM":
                    rows.append(f"{kpi},{area},{period},{gender},{rng.random() * 100:.3f}")
    rows = rows[:BIG_GOOD_ROWS]
    assert len(rows) == BIG_GOOD_ROWS
    path = tmp_path_factory.mktemp("big") / "big.csv"
    bad = "N00938,1081,2020,X,1.0"
    path.write_text(HEADER + "\n" + "\n".join(rows) + f"\n{bad}\nN00938,1081,2021,T,1.0\n", encoding="utf-8")
    return path


def test_error_after_fifty_thousand_rows_names_its_line_and_writes_nothing(
    corpus_store: Store, big_bad_file: Path
) -> None:
    before = _snapshot(corpus_store)
    with pytest.raises(ValidationError) as caught:
        import_file(corpus_store, big_bad_file)
    bad_line = BIG_GOOD_ROWS + 2  # the header is line 1
    assert [(p.file, p.line, p.column) for p in caught.value.problems] == [("big.csv", bad_line, "gender")]
    assert "'X' is not a gender" in caught.value.problems[0].reason
    assert f"big.csv:{bad_line}: column 'gender'" in str(caught.value)
    assert _snapshot(corpus_store) == before


def test_error_after_fifty_thousand_rows_in_a_gzip_names_its_line(
    corpus_store: Store, big_bad_file: Path, tmp_path: Path
) -> None:
    packed = tmp_path / "big.csv.gz"
    packed.write_bytes(gzip.compress(big_bad_file.read_bytes(), compresslevel=1))
    before = _snapshot(corpus_store)
    with pytest.raises(ValidationError) as caught:
        import_file(corpus_store, packed)
    assert [(p.line, p.column) for p in caught.value.problems] == [(BIG_GOOD_ROWS + 2, "gender")]
    assert _snapshot(corpus_store) == before


# -- a bad file among good ones ------------------------------------------------------------------------


def test_a_bad_file_among_good_ones_is_rejected_whole(store: Store, tmp_path: Path) -> None:
    first = tmp_path / "first.csv"
    first.write_text(f"{HEADER}\nN00938,1081,2019,T,11.0\nN00938,0114,2019,T,12.0\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text(
        f'{HEADER}\nN00938,1081,2019,T,99.0\nN00938,2361,2019,T,13.0\nN00938,1081,2020,T,"12,5 %"\n'
        "N00938,0180,2019,T,14.0\n",
        encoding="utf-8",
    )
    [summary] = import_files(store, [first])
    assert summary.new == 2
    before = _snapshot(store)

    with pytest.raises(ValidationError) as caught:
        import_files(store, [bad])
    assert [(p.file, p.line) for p in caught.value.problems] == [("bad.csv", 4)]

    # None of the bad file's good rows arrived, and the first file's values are untouched.
    assert _snapshot(store) == before
    assert store.observation("N00938", "2361", 2019) is None
    assert store.observation("N00938", "0180", 2019) is None
    kept = store.observation("N00938", "1081", 2019)
    assert kept is not None and kept.value == 11.0
    assert store.history("N00938", "1081", 2019) == []


def test_import_files_stops_at_the_bad_file_and_keeps_the_good_ones_before_it(
    store: Store, tmp_path: Path
) -> None:
    good = tmp_path / "good.csv"
    good.write_text(f"{HEADER}\nN05401,1081,2018,T,84.5\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text(f"{HEADER}\nN05401,0114,2018,T,80.0\nN05401,9999,2018,T,80.0\n", encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        import_files(store, [good, bad])
    assert caught.value.problems[0].file == "bad.csv"
    assert caught.value.problems[0].line == 3
    assert [o.area for o in store.observations(["N05401"])] == ["1081"]
