"""All 290 reports at once: the same reports, and the same JSON, as one municipality at a time.

`municipality_reports_all` and `municipality_report_columns` compute a column of rows per
measure and fast paths for comments, trends and numbers; `render_json_all` writes the JSON of
every report from those columns. Each must agree exactly with the one-at-a-time path
(`municipality_report`, `render_json`), which the golden files pin down.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from typer.testing import CliRunner

from jamfor.cli import app
from jamfor.compute import Scheme, round_half_away, swedish_number
from jamfor.measuresets import Measure, MeasureSet, find_measure_set
from jamfor.render import render
from jamfor.render.jsonout import (
    _utf8_column,
    iter_json_all_utf8,
    render_json,
    render_json_all,
    render_json_all_utf8,
)
from jamfor.reports import municipality_report, municipality_reports_all
from jamfor.reports.data import (
    ReferenceChoice,
    Values,
    fetch_columns,
    present_column,
    shown_column,
    shown_list,
    swedish_texts,
)
from jamfor.reports.definitions import kpi_definitions
from jamfor.reports.model import MunicipalityReport, Named, Reference
from jamfor.reports.municipality import municipality_report_columns
from jamfor.reports.municipality_batch import PreparedMeasure
from jamfor.sources.files import import_file
from jamfor.sources.reference import load_reference
from jamfor.store import Store
from jamfor.store.report_data import AREA_SEPARATOR, value_columns
from tests.conftest import SHARED

KKIK = "kkik-2015-2017"
RONNEBY = "1081"
AREAS = (RONNEBY, "0114", "0180", "2584", "1384")
# Descriptive (polarity none), costs (lower, not colour-graded) and graded measures of the demo.
runner = CliRunner()
MIXED = ["N09805", "N31807", "U09800", "N11008", "N15027", "N00938", "U21401", "N15428"]


def _assert_same(single: MunicipalityReport, other: MunicipalityReport) -> None:
    assert [dataclasses.asdict(r) for r in single.rows] == [dataclasses.asdict(r) for r in other.rows]
    assert single.sources == other.sources
    assert (single.municipality, single.years, single.reference) == (
        other.municipality,
        other.years,
        other.reference,
    )
    single.generated_at = other.generated_at
    assert render_json(single) == render_json(other)


def _with_missing(reports: list[MunicipalityReport]) -> list[str]:
    """Municipalities with a missing value in the last year and with a gap in the series."""
    last = [r for r in reports if any(row.values[r.years[-1]] is None for row in r.rows)]
    gap = [
        r
        for r in reports
        if any(None in row.values.values() and row.values[r.years[-1]] is not None for row in r.rows)
    ]
    assert last and gap
    return [last[0].municipality.id, gap[-1].municipality.id]


@pytest.mark.parametrize(
    "options",
    [{}, {"colour": "reference", "reference": "group:kg:C7"}],
    ids=["quartile-mean", "reference-group"],
)
def test_every_report_equals_its_single_report(demo_store: Store, options: dict[str, Any]) -> None:
    """All 290, each against `municipality_report` of the same municipality."""
    kkik = find_measure_set(KKIK)
    everyone = municipality_reports_all(demo_store, measure_set=kkik, years=[2015, 2016, 2017], **options)
    assert [r.municipality.id for r in everyone] == [a.id for a in demo_store.municipalities()]
    assert len(everyone) == 290
    for report in everyone:
        single = municipality_report(
            demo_store, report.municipality.id, measure_set=kkik, years=[2015, 2016, 2017], **options
        )
        _assert_same(single, report)


@pytest.mark.parametrize(
    "options",
    [{"gender": "K"}, {"colour": "reference"}, {"colour": "quartile4", "reference": "riket"}],
    ids=["women", "reference-mean", "quartile4-riket"],
)
def test_all_reports_equal_single_reports(demo_store: Store, options: dict[str, Any]) -> None:
    """Other options, on a sample: named municipalities and ones with missing values."""
    kkik = find_measure_set(KKIK)
    everyone = municipality_reports_all(demo_store, measure_set=kkik, years=[2015, 2016, 2017], **options)
    assert len(everyone) == 290
    by_id = {r.municipality.id: r for r in everyone}
    for area in (*AREAS, *_with_missing(everyone)):
        single = municipality_report(demo_store, area, measure_set=kkik, years=[2015, 2016, 2017], **options)
        _assert_same(single, by_id[area])


def test_every_report_carries_the_definitions_read_once(demo_store: Store) -> None:
    kkik = find_measure_set(KKIK)
    reads: list[list[str]] = []
    catalogue = demo_store.kpis

    def counted(ids: Any = None) -> Any:
        reads.append(list(ids or []))
        return catalogue(ids)

    demo_store.kpis = counted  # type: ignore[method-assign]
    try:
        columns = municipality_report_columns(demo_store, measure_set=kkik, years=[2016, 2017])
    finally:
        del demo_store.kpis
    assert len(reads) == 1  # one catalogue read for all 290 reports
    reports = columns.reports()
    expected = kpi_definitions(demo_store, [row.kpi for row in reports[0].rows])
    assert expected and all(d.source == "Kolada" for d in expected)
    assert all(report.definitions == expected for report in reports)
    documents = [json.loads(text) for text in render_json_all(columns, indent=None)]
    assert all(doc["definitions"] == documents[0]["definitions"] for doc in documents)
    assert [d["kpi"] for d in documents[0]["definitions"]] == [row.kpi for row in reports[0].rows]
    assert documents[0]["definitions"][0] == dataclasses.asdict(expected[0])


@pytest.mark.parametrize("years", [[2020, 2021, 2022], [2022], [2018, 2022], [2012, 2013, 2014, 2015, 2016]])
def test_descriptive_and_cost_measures_and_other_years(demo_store: Store, years: list[int]) -> None:
    everyone = municipality_reports_all(demo_store, kpis=MIXED, years=years)
    by_id = {r.municipality.id: r for r in everyone}
    described = [
        r for r in everyone if "Värdet har" in r.rows[0].comment or "oförändrat" in r.rows[0].comment
    ]
    assert described or len(years) == 1
    for area in (*AREAS, *(r.municipality.id for r in described[:3])):
        _assert_same(municipality_report(demo_store, area, kpis=MIXED, years=years), by_id[area])


def test_measure_overrides(demo_store: Store) -> None:
    """A higher-is-better measure left uncoloured, a lagged one, other decimals, no polarity."""
    measures = [
        Measure(kpi="N15428", title="Ungraded", perspective="A", colour_graded=False),
        Measure(kpi="N00938", title=None, perspective="A", year_offset=-1, decimals=2),
        Measure(kpi="U21401", title=None, perspective="B", polarity="none", decimals=1, unit="st"),
        Measure(kpi="N05401", title=None, perspective="B", decimals=0, comment="En not"),
    ]
    custom = MeasureSet("custom", "Custom", None, None, None, ["A", "B"], measures)
    everyone = municipality_reports_all(demo_store, measure_set=custom, years=[2019, 2020, 2021])
    by_id = {r.municipality.id: r for r in everyone}
    assert "högst värde = plats 1" in by_id[RONNEBY].rows[0].comment
    for area in (*AREAS, *_with_missing(everyone)):
        _assert_same(
            municipality_report(demo_store, area, measure_set=custom, years=[2019, 2020, 2021]), by_id[area]
        )


def test_default_years_are_the_latest_with_any_value(demo_store: Store) -> None:
    everyone = municipality_reports_all(demo_store, kpis=MIXED)
    assert everyone[0].years == [2020, 2021, 2022]
    single = municipality_report(demo_store, RONNEBY, kpis=MIXED)
    assert single.years == everyone[0].years
    _assert_same(single, next(r for r in everyone if r.municipality.id == RONNEBY))


@pytest.mark.parametrize("indent", [None, 2])
def test_json_of_all_is_render_json_of_each(demo_store: Store, indent: int | None) -> None:
    for options in ({}, {"colour": "reference", "gender": "K"}):
        columns = municipality_report_columns(demo_store, kpis=MIXED, years=[2020, 2021, 2022], **options)
        reports = columns.reports()
        expected = [render_json(r, indent=indent) for r in reports]
        assert render_json_all(columns, indent=indent) == expected
        assert render_json_all_utf8(columns, indent=indent) == [text.encode() for text in expected]
        documents = iter_json_all_utf8(columns, indent=indent)
        assert next(documents) == expected[0].encode()  # made one at a time, when asked for
        assert list(documents) == [text.encode() for text in expected[1:]]
    if indent == 2:  # what the CLI and the site write
        assert render_json_all(columns) == [render(r, "json") for r in reports]


def test_json_of_all_when_a_shared_field_differs_between_reports(demo_store: Store) -> None:
    columns = municipality_report_columns(demo_store, measure_set=find_measure_set(KKIK), years=[2016, 2017])
    first = columns.measures[0]
    first.own["best"] = [None, *[first.shared["best"]] * (len(columns.municipalities) - 1)]
    del first.shared["best"]
    second = columns.measures[1]
    second.own["mean"] = [0.0, -0.0, *[second.shared["mean"]] * (len(columns.municipalities) - 2)]
    del second.shared["mean"]
    reports = columns.reports()
    assert reports[0].rows[0].best is None and reports[1].rows[1].mean == 0.0
    expected = [render_json(r, indent=None) for r in reports]
    assert render_json_all(columns, indent=None) == expected
    assert render_json_all_utf8(columns, indent=None) == [text.encode() for text in expected]
    assert render_json_all_utf8(columns) == [render_json(r).encode() for r in reports]


def _csv(path: Path, rows: list[tuple[str, str, int, str]]) -> Path:
    path.write_text(
        "kpi,municipality,period,gender,value\n" + "".join(f"{k},{a},{p},T,{v}\n" for k, a, p, v in rows),
        encoding="utf-8",
    )
    return path


def test_missing_values_and_own_sources(store: Store, tmp_path: Path) -> None:
    areas = [a.id for a in store.municipalities()][:12]
    values = [12.25, 0.0, 7.5, 1234.5, -3.75, 99.0, 12.25, 40.125, 2.675, 1e-05, 6.65, 100.0]
    rows = [("N00938", a, 2021, str(v)) for a, v in zip(areas, values, strict=True)]
    rows += [("N00938", a, 2022, str(v + 1)) for a, v in zip(areas[2:], values[2:], strict=True)]
    rows += [("N00938", areas[5], 2020, "")]  # stored as missing
    rows += [
        ("N09805", a, y, str(v * y / 2000)) for a, v in zip(areas, values, strict=True) for y in (2020, 2022)
    ]
    rows += [("N00938", "0000", 2022, "10.5")]
    import_file(store, _csv(tmp_path / "kolada.csv", rows), source="Kolada")
    own = [("N00938", areas[3], 2022, "8.5"), ("N09805", areas[4], 2021, "3.5")]
    import_file(store, _csv(tmp_path / "own.csv", own), source="Egen enkät")
    # A data frame's NaN for missing, stored as such: missing in every report too.
    store.db.execute(
        "UPDATE observation SET value = 'NaN' WHERE kpi = 'N00938' AND area = ? AND period = 2022", [areas[6]]
    )
    everyone = municipality_reports_all(store, kpis=["N00938", "N09805"], years=[2020, 2021, 2022])
    by_id = {r.municipality.id: r for r in everyone}
    assert by_id[areas[3]].rows[0].source == "Kolada, Egen enkät"
    assert any("Egen enkät" in line for line in by_id[areas[3]].sources)
    assert by_id[areas[6]].rows[0].values[2022] is None and by_id[areas[6]].rows[0].rank is None
    for area in (*areas, [a.id for a in store.municipalities()][-1]):
        _assert_same(
            municipality_report(store, area, kpis=["N00938", "N09805"], years=[2020, 2021, 2022]), by_id[area]
        )
    columns = municipality_report_columns(store, kpis=["N00938", "N09805"], years=[2020, 2021, 2022])
    assert render_json_all(columns, indent=None) == [render_json(r, indent=None) for r in columns.reports()]
    for years in ([2020, 2021, 2022], [2020, 2022], [2022]):
        measures = [
            Measure(kpi="N09805", title=None, perspective="A"),
            Measure(kpi="N00938", title=None, perspective="A", year_offset=-1),
            Measure(kpi="N00938", title=None, perspective="A"),
            Measure(kpi="U21401", title=None, perspective="A"),
        ]
        periods = sorted({m.data_year(y) for m in measures for y in years})
        plain, columns = Values(store.values(["N09805", "N00938", "U21401"], periods, "T", None)), Values()
        columns.add_columns(fetch_columns(store, measures, years, "T"))
        assert columns.distinct_sources == plain.distinct_sources == {"Kolada", "Egen enkät"}
        wanted = {(m.kpi, m.data_year(y)) for m in measures for y in years}
        assert sorted(columns.series()) == sorted(key for key in plain.series() if key in wanted)
        for kpi, period in columns.series():
            nan_as_none = {
                a: None if v is None or math.isnan(v) else v for a, v in plain.at(kpi, period).items()
            }
            assert columns.column(kpi, period) == (nan_as_none, plain.column(kpi, period)[1])


def test_value_columns_read_again_what_the_separator_would_cut(store: Store, tmp_path: Path) -> None:
    """A source name holding the separator: that column is read a row per value, the same values."""
    areas = [a.id for a in store.municipalities()][:3]
    rows = [("N00938", a, 2022, str(i + 0.5)) for i, a in enumerate(areas)]
    import_file(store, _csv(tmp_path / "kolada.csv", rows), source="Kolada")
    odd = f"Enkät{AREA_SEPARATOR}2022"
    import_file(store, _csv(tmp_path / "own.csv", [("N00938", areas[1], 2022, "7.25")]), source=odd)
    import_file(store, _csv(tmp_path / "u.csv", [("U21401", areas[0], 2022, "1")]), source="Egen")
    (n00938,) = value_columns(store, [("N00938", 2022)], "T", "Kolada")
    assert n00938.values == {areas[0]: 0.5, areas[1]: 7.25, areas[2]: 2.5}
    assert n00938.sources == {areas[1]: odd}
    columns = value_columns(store, [("U21401", 2022), ("U21401", 2021), ("N00938", 2021)], "T", "Kolada")
    assert [(c.kpi, c.period, c.values, c.sources) for c in columns] == [
        ("U21401", 2022, {areas[0]: 1.0}, {areas[0]: "Egen"})
    ]


# Columns as the reports have them, and the values where orjson and json.dumps write numbers apart.
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(),
    st.floats(min_value=-1e-3, max_value=1e-3),
    st.sampled_from([1e-4, 9.99e-05, 1e-05, 10.00001, -0.0, 1e16, 9999999999999998.0, 5e-324]),
)
TEXTS = st.one_of(
    st.none(),
    st.text(),
    st.sampled_from(['a","b', '\\",', "\ud800", "\x00\x1f\x7f\u2028", "Kolada, Egen enkät", ""]),
)


@given(st.lists(st.one_of(SCALARS, TEXTS), min_size=1, max_size=12), st.booleans(), st.booleans())
@example(['",', ""], False, True)  # an escaped quote before a comma once passed for a boundary
def test_orjson_columns_are_what_json_dumps_writes(values: list[Any], numbers: bool, bare: bool) -> None:
    """A column written by orjson (when `_utf8_column` takes it) is json.dumps of each item."""
    fast = _utf8_column(values, numbers=numbers, bare=bare)
    if fast is None:
        return  # json's encoder writes it (the other tests check that way)
    items, unquoted = fast
    assert not unquoted or all(isinstance(v, str) for v in values)
    expected = []
    for v in values:
        number = numbers and isinstance(v, float) and not math.isfinite(v)
        text = json.dumps(None if number else v, ensure_ascii=False, allow_nan=False).encode()
        expected.append(text[1:-1] if unquoted else text)
    assert items == expected


def test_orjson_takes_the_usual_columns() -> None:
    """The fast way is taken for what reports hold (else the test above checks nothing much)."""
    assert _utf8_column([1.5, None, 123456.25, 0.0001, -3.0], numbers=True, bare=False) is not None
    assert _utf8_column([12, None, 3], numbers=False, bare=False) is not None
    assert _utf8_column(['Plats 3 av 290, "delad".', "Å"], numbers=False, bare=True) is not None
    assert _utf8_column(["Kolada", None], numbers=False, bare=True) is not None
    assert _utf8_column([1e-05], numbers=True, bare=False) is None  # json.dumps: 1e-05
    assert _utf8_column(["Kolada, Egen", None], numbers=False, bare=True) is None


NUMBERS = st.one_of(
    st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False),
    st.builds(lambda k, d: k / 10**d, st.integers(-(10**7), 10**7), st.integers(0, 4)),
    st.sampled_from([0.0, -0.0, 0.5, 2.5, 2.675, -0.125, 6.65, 1234.5, -0.004, 999.995]),
)


@given(st.lists(st.one_of(st.none(), NUMBERS), max_size=30), st.one_of(st.none(), st.integers(0, 4)))
def test_swedish_texts_are_swedish_numbers(values: list[float | None], decimals: int | None) -> None:
    expected = [None if v is None else swedish_number(v, decimals) for v in values]
    assert swedish_texts(values, decimals) == expected
    rounded = shown_column(values, 2 if decimals is None else decimals)
    assert swedish_texts(values, decimals, rounded) == expected


def test_present_column_treats_nan_as_missing() -> None:
    values = {"0114": 1.5, "0115": math.nan, "0117": None, "0120": 0.0}
    assert present_column(values, ["0120", "0115", "0117", "0114", "0125"]) == [0.0, None, None, 1.5, None]
    assert present_column({"0114": 0.0}, ["0114"]) == [0.0]


# Halves and near-halves where rounding is delicate, and values beyond the fast path's range.
DELICATE = st.one_of(
    st.builds(
        lambda k, d, e: k / 10**d + e,
        st.integers(-(10**7), 10**7),
        st.integers(0, 5),
        st.sampled_from([0.0, 1e-9, -1e-9, 5e-7, -5e-7, 2e-6]),
    ),
    st.sampled_from([1e9 + 0.5, -1e9 - 0.5, 1e15, math.inf, -math.inf, 5e-324, -0.0, 0.49999999999999994]),
)


@given(
    st.lists(st.one_of(NUMBERS, DELICATE), max_size=40), st.one_of(st.none(), st.integers(0, 5), st.just(17))
)
def test_shown_list_is_round_half_away_of_each(values: list[float], decimals: int | None) -> None:
    expected = values if decimals is None else [round_half_away(v, decimals) for v in values]
    assert shown_list(values, decimals) == expected
    assert shown_list(iter(values), decimals) == expected


def test_cli_writes_every_report(demo_store: Store, tmp_path: Path) -> None:
    """`jamfor report municipality --all -o DIR`: 290 files, each the single report's JSON."""
    base = ["--database", demo_store.db.url, "report", "municipality"]
    options = ["--set", KKIK, "--years", "2015-2017", "--reference", "riket"]
    folder = tmp_path / "rapporter"
    result = runner.invoke(app, [*base, "--all", *options, "-o", str(folder)])
    assert result.exit_code == 0, (result.output, result.exception)
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"{a.id}.json" for a in demo_store.municipalities()
    )
    for area in AREAS:
        one = runner.invoke(app, [*base, area, *options, "--format", "json"])
        assert one.exit_code == 0, (one.output, one.exception)
        written = json.loads((folder / f"{area}.json").read_text(encoding="utf-8"))
        single = json.loads(one.stdout)
        assert written.pop("generated_at") and single.pop("generated_at")
        assert written == single
    csv_folder = tmp_path / "csv"
    result = runner.invoke(
        app, [*base, "--all", "--kpi", "N00938,U21401", "-f", "csv", "-o", str(csv_folder)]
    )
    assert result.exit_code == 0, (result.output, result.exception)
    assert len(list(csv_folder.glob("*.csv"))) == 290
    assert "Ronneby" in (csv_folder / "1081.csv").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Ronneby", "--all", "--kpi", "N00938", "-o", "x"], "not both"),
        (["--kpi", "N00938"], "or give --all"),
        (["--all", "--kpi", "N00938"], "give the folder with -o"),
        (["--all", "--kpi", "N00938", "-f", "table", "-o", "x"], "--format 'table'"),
    ],
)
def test_cli_all_says_what_is_wrong(args: list[str], message: str, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["--database", str(tmp_path / "none.duckdb"), "report", "municipality", *args]
    )
    assert result.exit_code != 0
    assert message in f"{result.output}{result.exception}"
    assert not (tmp_path / "x").exists()


@pytest.fixture(scope="module")
def full_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The whole 7.4M-value Kolada dump in DuckDB (about 15 s to build)."""
    dump = SHARED / "data" / "kolada" / "kolada_values_2024-08_long.csv.gz"
    if not dump.exists():
        pytest.skip(f"{dump} is not here")
    with Store.open(str(tmp_path_factory.mktemp("full") / "full.duckdb")) as store:
        store.migrate()
        load_reference(store)
        import_file(store, dump, source="Kolada")
        yield store


@pytest.mark.slow
@pytest.mark.parametrize("years", [[2020, 2021, 2022], [2015, 2016, 2017]])
def test_full_dump_sample_equals_single_reports(full_store: Store, years: list[int]) -> None:
    kkik = find_measure_set(KKIK)
    columns = municipality_report_columns(full_store, measure_set=kkik, years=years)
    everyone = columns.reports()
    assert render_json_all_utf8(columns) == [render_json(r).encode() for r in everyone]
    sample = {*AREAS, *_with_missing(everyone), *(r.municipality.id for r in everyone[::12])}
    by_id = {r.municipality.id: r for r in everyone}
    for area in sorted(sample):
        _assert_same(municipality_report(full_store, area, measure_set=kkik, years=years), by_id[area])


# -- one measure's rows, a column at a time, against one row at a time (no store) ----------------

PROPERTY_AREAS = [f"{i:04d}" for i in range(114, 140)]
FIGURES = st.one_of(
    st.none(),
    st.sampled_from([0.0, 1.0, 2.5, 2.55, 2.45, 6.65, 100.0, -3.75, 1234.5]),  # ties and halves
    st.builds(lambda k, d: k / 10**d, st.integers(-(10**5), 10**5), st.integers(0, 3)),
)
MEASURES = st.builds(
    Measure,
    kpi=st.just("N00001"),
    title=st.sampled_from([None, "Mått"]),
    perspective=st.just("P"),
    polarity=st.sampled_from(["higher", "lower", "none", None]),
    decimals=st.sampled_from([None, 0, 1, 2]),
    year_offset=st.sampled_from([0, -1]),
    colour_graded=st.sampled_from([None, True, False]),
    unit=st.sampled_from([None, "%", "kr"]),
    comment=st.sampled_from([None, "En not"]),
)
CHOICES = {
    "mean": ReferenceChoice(Reference("mean", "Ovägt medel, alla kommuner"), "snittet", "kommunerna"),
    "riket": ReferenceChoice(Reference("riket", "Riket"), "rikssnittet", "riket"),
    "group": ReferenceChoice(
        Reference("group", "Nätverket N", Named("n", "N")),
        "snittet för N",
        "nätverket N",
        frozenset(PROPERTY_AREAS[:5]),
    ),
}


@given(
    MEASURES,
    st.sampled_from([[2020], [2020, 2021], [2019, 2020, 2021], [2018, 2021]]),
    st.lists(
        st.lists(FIGURES, min_size=len(PROPERTY_AREAS), max_size=len(PROPERTY_AREAS)), min_size=4, max_size=4
    ),
    st.one_of(st.none(), FIGURES),
    st.sampled_from(["quartile", "quartile4", "reference"]),
    st.sampled_from(sorted(CHOICES)),
)
def test_a_measure_in_every_row_is_each_row(
    measure: Measure,
    years: list[int],
    table: list[list[float | None]],
    riket: float | None,
    scheme: Scheme,
    choice: str,
) -> None:
    """`PreparedMeasure.every_row` (columns, shared trend and comment cases) equals `PreparedMeasure.row` per area."""
    rows = [
        (measure.kpi, area, year + offset, value, "Kolada")
        for offset in (0, measure.year_offset)
        for year, column in zip((2018, 2019, 2020, 2021), table, strict=True)
        for area, value in zip(PROPERTY_AREAS, column, strict=True)
    ]
    rows += [(measure.kpi, "0000", year + measure.year_offset, riket, "Kolada") for year in years]
    names = {area: f"Kommun {area}" for area in PROPERTY_AREAS}
    columns = PreparedMeasure(measure, years, Values(rows), names, CHOICES[choice], scheme).every_row(
        PROPERTY_AREAS
    )
    single = PreparedMeasure(measure, years, Values(rows), names, CHOICES[choice], scheme)
    for index, area in enumerate(PROPERTY_AREAS):
        assert dataclasses.asdict(columns.row(index)) == dataclasses.asdict(single.row(area))
