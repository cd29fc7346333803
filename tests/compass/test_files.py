"""Evaluation files: YAML and XLSX round trips are exact; bad files are rejected naming what."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jamfor.compass import framework
from jamfor.compass.bundled import bundled_evaluations
from jamfor.compass.files import read_evaluation, read_yaml, to_yaml, write_evaluation
from jamfor.compass.model import CompassEvaluation
from jamfor.errors import ValidationError

BUNDLED = {e.id: e for e in bundled_evaluations()}
FW2016 = framework("2016")


@pytest.mark.parametrize("suffix", [".yaml", ".xlsx"])
@pytest.mark.parametrize("ev_id", sorted(BUNDLED))
def test_round_trip_of_every_bundled_evaluation(tmp_path: Path, suffix: str, ev_id: str) -> None:
    ev = BUNDLED[ev_id]
    path = tmp_path / f"{ev_id}{suffix}"
    write_evaluation(ev, path, framework(ev.framework), municipality_name="X")
    assert read_evaluation(path) == ev
    # and again, without the framework's question list
    write_evaluation(ev, path)
    assert read_evaluation(path) == ev


def test_bundled_yaml_is_in_the_export_format() -> None:
    text = (
        Path(__file__).resolve().parents[2] / "src/jamfor/data/compass/evaluations/huddinge-2017.yaml"
    ).read_text(encoding="utf-8")
    exported = to_yaml(BUNDLED["huddinge-2017"], FW2016, municipality_name="Huddinge")
    body = lambda t: "\n".join(line for line in t.splitlines() if not line.startswith("#"))  # noqa: E731
    assert body(text) == body(exported)


awkward_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=40
).filter(lambda s: s.strip() == s and s.strip() != "")


@st.composite
def evaluations(draw: st.DrawFn) -> CompassEvaluation:
    ids = FW2016.question_ids()
    chosen = draw(st.lists(st.sampled_from(ids), unique=True, max_size=len(ids)))
    points = {q: draw(st.floats(min_value=0, max_value=10, allow_nan=False)) for q in chosen}
    area_texts = draw(
        st.dictionaries(st.integers(1, 8), st.lists(awkward_text, min_size=1, max_size=3), max_size=3)
    )
    return CompassEvaluation(
        id="prov-2024",
        municipality="1081",
        year=2024,
        date=draw(st.none() | st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 1, 1))),
        framework="2016",
        evaluators=tuple(draw(st.lists(awkward_text, max_size=3))),
        method=draw(st.none() | awkward_text),
        interviews=draw(st.none() | st.integers(0, 200)),
        question_points={q: points[q] for q in ids if q in points},
        area_points={},
        strengths={n: tuple(t) for n, t in sorted(area_texts.items())},
        improvements={},
        summary=draw(st.none() | awkward_text),
        source=None,
        area_summaries={n: t[0] + "\n\nmer" for n, t in sorted(area_texts.items())},
    )


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(evaluations())
def test_round_trip_is_exact_for_any_points_and_texts(tmp_path: Path, ev: CompassEvaluation) -> None:
    for suffix in (".yaml", ".xlsx"):
        path = tmp_path / f"e{suffix}"
        write_evaluation(ev, path, FW2016)
        assert read_evaluation(path) == ev, suffix


def test_template_of_new_evaluation_lists_every_question_unscored() -> None:
    ev = replace(
        BUNDLED["huddinge-2017"], question_points={}, strengths={}, improvements={}, area_summaries={}
    )
    text = to_yaml(ev, FW2016)
    assert "'5.3': null  # max 20: Arbetar kommunen med utveckling uppföljning och kontroll?" in text
    assert read_yaml(text, "t.yaml").question_points == {}
    filled = text.replace("'5.3': null", "'5.3': 12.5")
    assert read_yaml(filled, "t.yaml").question_points == {"5.3": 12.5}


def _reject(text: str) -> str:
    with pytest.raises(ValidationError) as exc:
        read_yaml(text, "bad.yaml")
    return str(exc.value)


GOOD = "id: prov-2024\nmunicipality: '1081'\nyear: 2024\nframework: '2016'\n"


def test_structural_faults_name_file_and_key() -> None:
    assert "bad.yaml: question 1.1: 'tolv' is not a number" in _reject(
        GOOD + "question_points: {'1.1': tolv}\n"
    )
    assert "bad.yaml: municipality: 1081 must be quoted text" in _reject(GOOD.replace("'1081'", "1081"))
    assert "bad.yaml: colour: unknown key" in _reject(GOOD + "colour: red\n")
    assert "bad.yaml: id: 'Prov 2024' is not a slug" in _reject(GOOD.replace("prov-2024", "Prov 2024"))
    assert "bad.yaml: date: '2024-13-01' is not a date" in _reject(GOOD + "date: '2024-13-01'\n")
    assert "not valid YAML" in _reject("id: [\n")


def test_decimal_comma_and_unquoted_ids_are_read() -> None:
    ev = read_yaml(GOOD + "question_points:\n  1.1: '10,5'\n  1.2: 7\n", "ok.yaml")
    assert ev.question_points == {"1.1": 10.5, "1.2": 7.0}


def test_unknown_suffix_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match=r"give a \.yaml, \.yml or \.xlsx file"):
        path = tmp_path / "e.csv"
        path.write_text("x")
        read_evaluation(path)
    with pytest.raises(ValidationError, match="no such file"):
        read_evaluation(tmp_path / "missing.yaml")


def test_xlsx_with_a_bad_cell_names_sheet_and_row(tmp_path: Path) -> None:
    import openpyxl

    path = tmp_path / "e.xlsx"
    write_evaluation(BUNDLED["huddinge-2017"], path, FW2016)
    book = openpyxl.load_workbook(path)
    book["Poäng"]["E4"] = "mycket"
    book["Texter"]["B2"] = "styrka"
    book.save(path)
    with pytest.raises(ValidationError) as exc:
        read_evaluation(path)
    message = str(exc.value)
    assert f"{path}:Texter:2: column 'kind': 'styrka' is not one of general, strength, improvement" in message
    book["Texter"]["B2"] = "general"
    book.save(path)
    with pytest.raises(ValidationError, match=r"question 1\.3: 'mycket' is not a number"):
        read_evaluation(path)


def test_xlsx_keeps_17_digit_points_and_honours_an_edited_number(tmp_path: Path) -> None:
    import openpyxl

    ev = replace(BUNDLED["huddinge-2017"], question_points={"1.1": 1.6677091781992606, "1.2": 10.55})
    path = tmp_path / "e.xlsx"
    write_evaluation(ev, path, FW2016)
    assert read_evaluation(path).question_points == {"1.1": 1.6677091781992606, "1.2": 10.55}
    book = openpyxl.load_workbook(path)
    assert book["Poäng"]["F2"].value == "1.6677091781992606"  # the exact text beside the number
    book["Poäng"]["E2"] = 2.25  # an evaluator changes the score in Excel
    book.save(path)
    assert read_evaluation(path).question_points["1.1"] == 2.25


def test_the_yaml_example_in_the_docs_is_valid() -> None:
    from jamfor.compute.compass import evaluation_problems

    doc = (Path(__file__).resolve().parents[2] / "docs" / "kommunkompassen.md").read_text(encoding="utf-8")
    block = doc.split("```yaml\n", 1)[1].split("```", 1)[0]
    ev = read_yaml(block, "docs/kommunkompassen.md")
    assert ev.question_points == {"1.1": 10.55}
    assert ev.date == date(2024, 3, 14) and ev.strengths == {1: ("Öppna nämndsmöten",)}
    assert evaluation_problems(FW2016, ev, complete=False) == []


def test_xlsx_texts_that_look_like_formulas_stay_texts(tmp_path: Path) -> None:
    ev = replace(
        BUNDLED["huddinge-2017"], evaluators=("=0", "=SUM(A1:A3)"), strengths={1: ('=HYPERLINK("http://x")',)}
    )
    path = tmp_path / "e.xlsx"
    write_evaluation(ev, path, FW2016)
    assert read_evaluation(path) == ev
