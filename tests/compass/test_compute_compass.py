"""Kommunkompassen scoring: rounding, hand-computed scores, area-level results, rejections."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jamfor.compass import framework
from jamfor.compass.model import CompassEvaluation
from jamfor.compute.compass import profile_mean, round_half_away, score
from jamfor.errors import ValidationError

FW2016 = framework("2016")
FW2010 = framework("2010")
FW2020 = framework("2020")


def evaluation(**changes: object) -> CompassEvaluation:
    base = CompassEvaluation(
        id="test-2020",
        municipality="1081",
        year=2020,
        date=None,
        framework="2016",
        evaluators=(),
        method=None,
        interviews=None,
        question_points={q: 0.0 for q in FW2016.question_ids()},
        area_points={},
        strengths={},
        improvements={},
        summary=None,
        source=None,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        (22.5, 0, 23.0),
        (21.5, 0, 22.0),
        (0.5, 0, 1.0),
        (-22.5, 0, -23.0),
        (79.05, 0, 79.0),
        (64.65, 0, 65.0),
        (2.675, 2, 2.68),  # binary 2.67499999… — reports round the decimal value
        (1.005, 2, 1.01),
        (0.49999, 0, 0.0),
        (70.0, 0, 70.0),
    ],
)
def test_round_half_away(value: float, digits: int, expected: float) -> None:
    assert round_half_away(value, digits) == expected


def test_domain_example_area_1_by_hand() -> None:
    """DOMAIN.md §4: 70, 89, 85, 75, 70 % of 15, 20, 25, 30, 10 = 79.05, shown as 79."""
    points = {q: 0.0 for q in FW2016.question_ids()}
    points.update({"1.1": 10.5, "1.2": 17.8, "1.3": 21.25, "1.4": 22.5, "1.5": 7.0})
    sc = score(FW2016, evaluation(question_points=points))
    area = sc.areas[0]
    assert area.points == pytest.approx(79.05)
    assert round_half_away(area.points) == 79
    # the rounded points a table prints beside them sum to 80: rounding happens only for display
    assert sum(round_half_away(q.points) for q in area.questions) == 80
    assert [q.percent for q in area.questions] == pytest.approx([70.0, 89.0, 85.0, 75.0, 70.0])
    assert area.percent == pytest.approx(79.05)
    assert sc.total == pytest.approx(79.05)
    assert sc.max == 800 and sc.level == "question" and sc.framework == "2016"


def test_full_marks_give_800() -> None:
    points = {q.id: q.max for a in FW2016.areas for q in a.questions}
    sc = score(FW2016, evaluation(question_points=points))
    assert sc.total == 800
    assert all(a.points == 100 and a.percent == 100 for a in sc.areas)


def test_area_level_evaluation_with_published_total() -> None:
    """Kramfors 2011: the area figures are rounded percentages summing to 363; 359 is published."""
    areas = dict(enumerate([51.0, 45, 62, 34, 52, 27, 39, 53], 1))
    ev = evaluation(framework="2010", question_points={}, area_points=areas, published_total=359.0)
    sc = score(FW2010, ev)
    assert sc.level == "area"
    assert [a.points for a in sc.areas] == list(areas.values())
    assert all(a.questions == () for a in sc.areas)
    assert sc.total == 359
    assert sc.areas[6].name == "Verksamhetsutveckling"


def test_area_level_without_total_sums_the_areas() -> None:
    areas = dict(enumerate([61.0, 60, 73, 53, 70, 56, 65, 68], 1))
    sc = score(FW2010, evaluation(framework="2010", question_points={}, area_points=areas))
    assert sc.total == 506


def test_total_only_result_has_no_profile() -> None:
    ev = evaluation(framework="2020", question_points={}, published_total=611.0)
    sc = score(FW2020, ev)
    assert sc.total == 611 and sc.areas == () and sc.max == 800


def _message(fw: object, ev: CompassEvaluation) -> str:
    with pytest.raises(ValidationError) as exc:
        score(fw, ev)  # type: ignore[arg-type]
    return str(exc.value)


def test_rejections_name_the_question_and_value() -> None:
    points = dict(evaluation().question_points)
    points["1.1"] = 15.5
    assert "question 1.1: points 15.5 is above the max 15" in _message(
        FW2016, evaluation(question_points=points)
    )
    points["1.1"] = -1.0
    assert "question 1.1: points -1 is below 0" in _message(FW2016, evaluation(question_points=points))
    points["1.1"] = 1.0
    points["9.9"] = 1.0
    assert "question 9.9: no such question in framework 2016" in _message(
        FW2016, evaluation(question_points=points)
    )


def test_missing_questions_are_named() -> None:
    points = dict(evaluation().question_points)
    del points["3.2"], points["8.7"]
    assert "no score for question 3.2, 8.7" in _message(FW2016, evaluation(question_points=points))


def test_level_and_framework_mismatches_are_rejected() -> None:
    ev = evaluation(area_points={1: 50.0})
    assert "area-level scores (areas 1) given for framework 2016" in _message(FW2016, ev)
    ev = evaluation(framework="2010")
    assert "question scores" in _message(FW2010, ev) and "scored per area" in _message(FW2010, ev)
    assert "uses framework '2016', not '2010'" in _message(FW2010, evaluation())
    partial = evaluation(framework="2010", question_points={}, area_points={1: 50.0})
    assert "no score for area 2, 3, 4, 5, 6, 7, 8" in _message(FW2010, partial)
    above = evaluation(
        framework="2010", question_points={}, area_points={n: 50.0 for n in range(1, 9)} | {3: 101.0}
    )
    assert "area 3: points 101 is above the max 100" in _message(FW2010, above)
    texts = evaluation(strengths={9: ("x",)})
    assert "strengths: no area 9" in _message(FW2016, texts)


def test_profile_mean_per_area_and_skips_total_only() -> None:
    a = score(
        FW2010, evaluation(framework="2010", question_points={}, area_points={n: 40.0 for n in range(1, 9)})
    )
    b = score(
        FW2010,
        evaluation(framework="2010", question_points={}, area_points={n: 60.0 + n for n in range(1, 9)}),
    )
    total_only = score(FW2010, evaluation(framework="2010", question_points={}, published_total=600.0))
    mean = profile_mean([a, b, total_only])
    assert mean == pytest.approx([50.5, 51, 51.5, 52, 52.5, 53, 53.5, 54])
    assert profile_mean([total_only]) == (None,) * 8
    assert profile_mean([]) == ()


def test_profile_mean_refuses_mixed_versions() -> None:
    a = score(FW2010, evaluation(framework="2010", question_points={}, published_total=600.0))
    b = score(FW2016, evaluation())
    with pytest.raises(ValidationError, match="different frameworks: 2010, 2016"):
        profile_mean([a, b])


QUESTIONS = [(q.id, q.max) for a in FW2016.areas for q in a.questions]


@st.composite
def question_points(draw: st.DrawFn) -> dict[str, float]:
    return {
        qid: draw(st.floats(min_value=0, max_value=qmax, allow_nan=False, allow_infinity=False))
        for qid, qmax in QUESTIONS
    }


@given(question_points())
def test_sums_are_of_unrounded_points(points: dict[str, float]) -> None:
    sc = score(FW2016, evaluation(question_points=points))
    for area in sc.areas:
        assert area.points == pytest.approx(sum(points[q.id] for q in area.questions))
        assert 0 <= area.percent <= 100 + 1e-9
        for q in area.questions:
            assert q.points == points[q.id]
            assert 0 <= q.percent <= 100 + 1e-9
    assert sc.total == pytest.approx(sum(points.values()))
    assert 0 <= sc.total <= 800 + 1e-9


@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), st.integers(min_value=0, max_value=3))
def test_rounding_is_symmetric_and_close(x: float, digits: int) -> None:
    r = round_half_away(x, digits)
    assert round_half_away(-x, digits) == -r
    assert abs(r - x) <= 0.5 * 10**-digits + 1e-9
