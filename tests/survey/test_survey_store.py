"""Survey answers in the store, on DuckDB and PostgreSQL: the importer's errors (nothing stored),
re-imports, and the computed indices as own KPIs with their source and history."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from jamfor.errors import ValidationError
from jamfor.reports.survey import survey_report
from jamfor.sources.survey import import_survey_file
from jamfor.sources.survey_definitions import bundled_surveys, index_kpi_id
from jamfor.sources.survey_results import compute_and_store
from jamfor.sources.synthetic_survey import (
    SyntheticSettings,
    generate_survey,
    synthetic_source,
    write_survey_file,
)
from jamfor.store import Store
from jamfor.store.surveys import holdings

SURVEY = bundled_surveys()["scb-medborgarundersokning"]
SHARES = bundled_surveys()["scb-medborgarundersokning-2021"]
HEADER = "municipality,year,respondent,weight,nmi_nojd,nmi_forvantan,nmi_ideal\n"
GOOD = [
    "1384,2014,a1,1.0,8,7,6",
    "1384,2014,a2,0.5,5,5,5",
    "1384,2014,a3,2,10,9,",
    "1384,2014,a4,1,3,,",
]


def _write(tmp_path: Path, lines: list[str], name: str = "svar.csv", header: str = HEADER) -> Path:
    path = tmp_path / name
    path.write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("line", "column", "reason"),
    [
        ("1384,2014,b1,1,11,7,6", "nmi_nojd", "11 is not an answer: use a whole number from 1 to 10"),
        ('1384,2014,b1,1,"7,5",7,6', "nmi_nojd", "'7,5' is not an answer"),
        ("1384,2014,b1,-1,7,7,6", "weight", "'-1': a weight must be a positive number"),
        ("9999,2014,b1,1,7,7,6", "municipality", "unknown municipality '9999'"),
        ("180,2014,b1,1,7,7,6", "municipality", "did you mean '0180'?"),
        (
            "1384,2014,a1,1,7,7,6",
            "respondent",
            "duplicate respondent 'a1' in 1384 2014: already given on line 2",
        ),
        ("1384,14,b1,1,7,7,6", "year", "'14' is not a year"),
    ],
)
def test_a_bad_row_rejects_the_whole_file(
    store: Store, tmp_path: Path, line: str, column: str, reason: str
) -> None:
    path = _write(tmp_path, [*GOOD, line])
    with pytest.raises(ValidationError) as caught:
        import_survey_file(store, path, SURVEY)
    problem = caught.value.problems[0]
    assert (problem.file, problem.line, problem.column) == ("svar.csv", 6, column)
    assert reason in problem.reason
    assert f"svar.csv:6: column '{column}'" in str(caught.value)
    assert holdings(store) == []  # nothing half-stored


def test_header_faults_are_named(store: Store, tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD, header="municipality,year,nmi_nojd,colour\n")
    with pytest.raises(ValidationError) as caught:
        import_survey_file(store, path, SURVEY)
    text = str(caught.value)
    assert "svar.csv:1: column 'colour': unknown column" in text
    assert "column 'respondent' is missing" in text


def test_xlsx_errors_name_the_row(store: Store, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["municipality", "year", "respondent", "nmi_nojd", "nmi_forvantan", "nmi_ideal"])
    sheet.append(["1384", 2014, "x1", 7, 8, 9])
    sheet.append(["1384", 2014, "x2", 7.5, 8, 9])
    path = tmp_path / "svar.xlsx"
    book.save(path)
    with pytest.raises(ValidationError, match=r"svar.xlsx:3: column 'nmi_nojd': '7.5' is not an answer"):
        import_survey_file(store, path, SURVEY)
    assert holdings(store) == []


def test_a_file_of_the_other_family_gets_a_hint(store: Store, tmp_path: Path) -> None:
    path = _write(tmp_path, ["1384,2022,s1,2"], header="municipality,year,respondent,trygg_kvall\n")
    with pytest.raises(ValidationError, match="import with --survey scb-medborgarundersokning-2021"):
        import_survey_file(store, path, SURVEY)


def test_share_answers_must_be_option_codes(store: Store, tmp_path: Path) -> None:
    path = _write(tmp_path, ["1384,2022,s1,7"], header="municipality,year,respondent,trygg_kvall\n")
    with pytest.raises(ValidationError, match="one of the option codes 1, 2, 3, 4, 5"):
        import_survey_file(store, path, SHARES)


def test_import_compute_and_report(store: Store, tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD)
    result = import_survey_file(store, path, SURVEY, source="Kungsbacka kommun, egen enkät")
    assert result.replaced == [("1384", 2014)] and result.batch_id is not None
    again = import_survey_file(store, path, SURVEY, source="Kungsbacka kommun, egen enkät")
    assert again.replaced == [] and again.unchanged == [("1384", 2014)]  # the same file changes nothing

    summary = compute_and_store(store, SURVEY)
    kpi = index_kpi_id(SURVEY, "NMI")
    stored = store.observation(kpi, "1384", 2014)
    assert stored is not None
    # scores 66.67 (w 1), 44.44 (w 0.5), 94.44 (w 2); the fourth answered too few
    assert stored.value == pytest.approx((600 / 9 * 1 + 400 / 9 * 0.5 + 850 / 9 * 2) / 3.5)
    assert stored.count == 3
    assert stored.source == "Kungsbacka kommun, egen enkät"
    lower = store.observation(index_kpi_id(SURVEY, "NMI", "lower"), "1384", 2014)
    assert lower is not None and lower.value is not None and stored.value is not None
    assert lower.value < stored.value
    definition = store.kpi(kpi)
    assert definition.origin == "survey" and definition.catalogue == "Kungsbacka kommun, egen enkät"
    assert "Kolada" not in (definition.catalogue or "")
    assert summary.new > 0
    assert compute_and_store(store, SURVEY).new == 0  # recomputing changes nothing

    # a corrected file replaces the municipality-year; the old index is kept as history
    import_survey_file(
        store,
        _write(tmp_path, [*GOOD[:3], "1384,2014,a4,1,9,9,9"]),
        SURVEY,
        source="Kungsbacka kommun, egen enkät",
    )
    assert compute_and_store(store, SURVEY).changed > 0
    history = store.history(kpi, "1384", 2014)
    assert [h.value for h in history] == [pytest.approx(stored.value)]

    report = survey_report(store, "Kungsbacka")
    nmi = next(r for r in report.index_rows if r.index == "NMI")
    assert nmi.years[0].respondents == 4 and nmi.years[0].band is not None
    assert not report.synthetic


@pytest.mark.parametrize("weighted", [True, False])
def test_synthetic_survey_round_trip(store: Store, tmp_path: Path, weighted: bool) -> None:
    rows = generate_survey(
        SURVEY, ["1384", "1081"], [2018, 2020], SyntheticSettings(respondents=120, weighted=weighted, seed=5)
    )
    assert all((r.weight is not None) == weighted for r in rows)
    path = tmp_path / ("syntetisk.xlsx" if weighted else "syntetisk.csv")
    write_survey_file(path, SURVEY, rows, source=synthetic_source(SURVEY))
    result = import_survey_file(store, path, SURVEY)
    assert result.respondents == len(rows) and len(result.replaced) == 4
    assert {h.source for h in holdings(store)} == {"SCB:s medborgarundersökning (syntetisk)"}
    compute_and_store(store, SURVEY)
    nmi = store.observation(index_kpi_id(SURVEY, "NMI"), "1081", 2020)
    assert nmi is not None and nmi.source == "SCB:s medborgarundersökning (syntetisk)"
    assert 20 < (nmi.value or 0) < 90
    report = survey_report(store, "1081")
    assert report.synthetic
    change = next(r for r in report.index_rows if r.index == "NMI").years[1]
    assert change.previous_year == 2018 and change.change is not None


def test_kolada_is_refused_as_a_survey_source(store: Store, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="not Kolada's"):
        import_survey_file(store, _write(tmp_path, GOOD), SURVEY, source="Kolada")
    assert holdings(store) == []
