"""Kommunkompassen scoring: per-question percent, area points and the total out of 800.

Points are kept unrounded: an area's points are the sum of its questions' unrounded points and
the total the sum of the areas'. Rounding (half away from zero, as the published reports do)
happens only when a figure is shown. Area-level evaluations (older published results) are
scored from their area points; a total-only result has a total and no area profile.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from jamfor.compass.model import CompassEvaluation, CompassFramework
from jamfor.errors import Problem, ValidationError


def round_half_away(x: float, ndigits: int = 0) -> float:
    """`x` rounded to `ndigits` decimals, halves away from zero, on its shortest decimal form.

    Python's round() rounds halves to even and sees binary values (round(2.675, 2) == 2.67);
    reports round 22.5 to 23 and 2.675 to 2.68, so this works on Decimal(str(x)).
    """
    if not math.isfinite(x):
        return x
    quantum = Decimal(1).scaleb(-ndigits)
    return float(Decimal(str(x)).quantize(quantum, rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class QuestionScore:
    id: str
    text: str
    points: float
    max: float
    percent: float  # 0..100, unrounded


@dataclass(frozen=True)
class AreaScore:
    number: int
    name: str
    points: float
    max: float
    percent: float  # 0..100, unrounded
    questions: tuple[QuestionScore, ...]


@dataclass(frozen=True)
class CompassScore:
    framework: str
    total: float
    max: float
    areas: tuple[AreaScore, ...]  # empty for a total-only result
    level: Literal["question", "area"]


def _number_ok(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def evaluation_problems(
    framework: CompassFramework, evaluation: CompassEvaluation, *, complete: bool, where: str | None = None
) -> list[Problem]:
    """Everything wrong with an evaluation against its framework, each naming what and where.

    With `complete`, every question (or area) must have a score: scoring needs that; an
    evaluation being filled in may be stored with scores missing.
    """
    file = where or evaluation.id
    problems: list[Problem] = []

    def fail(reason: str) -> None:
        problems.append(Problem(file, None, None, reason))

    if evaluation.framework != framework.id:
        fail(f"the evaluation uses framework {evaluation.framework!r}, not {framework.id!r}")
        return problems
    area_max = {a.number: a.max for a in framework.areas}
    if framework.level == "question":
        if evaluation.area_points:
            numbers = ", ".join(str(n) for n in sorted(evaluation.area_points))
            fail(
                f"area-level scores (areas {numbers}) given for framework {framework.id}, "
                "which is scored per question"
            )
        if evaluation.published_total is not None:
            fail(
                f"a published total is only for area-level results; framework {framework.id} is scored per question"
            )
        qmax = {q.id: q.max for a in framework.areas for q in a.questions}
        for qid, points in evaluation.question_points.items():
            if qid not in qmax:
                fail(f"question {qid}: no such question in framework {framework.id}")
            elif not _number_ok(points):
                fail(f"question {qid}: points {points!r} is not a number")
            elif points < 0:
                fail(f"question {qid}: points {points:g} is below 0")
            elif points > qmax[qid] + 1e-9:
                fail(f"question {qid}: points {points:g} is above the max {qmax[qid]:g}")
        if complete:
            missing = [q for q in qmax if q not in evaluation.question_points]
            if missing:
                fail("no score for question " + ", ".join(missing))
    else:
        if evaluation.question_points:
            ids = ", ".join(sorted(evaluation.question_points))
            fail(f"question scores ({ids}) given for framework {framework.id}, which is scored per area")
        for number, points in evaluation.area_points.items():
            if number not in area_max:
                fail(f"area {number}: no such area in framework {framework.id}")
            elif not _number_ok(points):
                fail(f"area {number}: points {points!r} is not a number")
            elif points < 0:
                fail(f"area {number}: points {points:g} is below 0")
            elif points > area_max[number] + 1e-9:
                fail(f"area {number}: points {points:g} is above the max {area_max[number]:g}")
        total = evaluation.published_total
        if total is not None:
            if not _number_ok(total):
                fail(f"total: {total!r} is not a number")
            elif not 0 <= total <= framework.max + 1e-9:
                fail(f"total: {total:g} is outside 0..{framework.max:g}")
        if complete:
            missing_areas = [n for n in area_max if n not in evaluation.area_points]
            if total is None and missing_areas:
                fail("no score for area " + ", ".join(str(n) for n in missing_areas))
            elif evaluation.area_points and missing_areas:
                fail(
                    "no score for area "
                    + ", ".join(str(n) for n in missing_areas)
                    + " (give every area, or only a total)"
                )
    for label, texts in (("strengths", evaluation.strengths), ("improvements", evaluation.improvements)):
        for number in texts:
            if number not in area_max:
                fail(f"{label}: no area {number} in framework {framework.id}")
    for number in evaluation.area_summaries:
        if number not in area_max:
            fail(f"area texts: no area {number} in framework {framework.id}")
    return problems


def score(framework: CompassFramework, evaluation: CompassEvaluation) -> CompassScore:
    """The evaluation's points per question and area and its total, unrounded.

    Raises ValidationError naming the question or area when the evaluation does not fit the
    framework (another version, unknown ids, points outside 0..max, scores missing).
    """
    problems = evaluation_problems(framework, evaluation, complete=True)
    if problems:
        raise ValidationError(problems)
    areas: list[AreaScore] = []
    if framework.level == "question":
        for area in framework.areas:
            questions = tuple(
                QuestionScore(
                    id=q.id,
                    text=q.text,
                    points=float(evaluation.question_points[q.id]),
                    max=q.max,
                    percent=100.0 * float(evaluation.question_points[q.id]) / q.max,
                )
                for q in area.questions
            )
            points = math.fsum(q.points for q in questions)
            areas.append(
                AreaScore(area.number, area.name, points, area.max, 100.0 * points / area.max, questions)
            )
        total = math.fsum(q.points for a in areas for q in a.questions)
    else:
        for area in framework.areas:
            if area.number in evaluation.area_points:
                points = float(evaluation.area_points[area.number])
                areas.append(
                    AreaScore(area.number, area.name, points, area.max, 100.0 * points / area.max, ())
                )
        if evaluation.published_total is not None:
            total = float(evaluation.published_total)
        else:
            total = math.fsum(a.points for a in areas)
    return CompassScore(
        framework=framework.id, total=total, max=framework.max, areas=tuple(areas), level=framework.level
    )


def profile_mean(scores: Sequence[CompassScore]) -> tuple[float | None, ...]:
    """Mean points per area over the scores (index = area number - 1); None where none has it.

    All scores must be of one framework: results of different versions are not comparable.
    Total-only results have no profile and add nothing.
    """
    if not scores:
        return ()
    ids = sorted({s.framework for s in scores})
    if len(ids) > 1:
        raise ValidationError(
            [
                Problem(
                    "profile", None, None, "cannot average results of different frameworks: " + ", ".join(ids)
                )
            ]
        )
    size = max([a.number for s in scores for a in s.areas] + [8])
    sums = [0.0] * size
    counts = [0] * size
    for s in scores:
        for a in s.areas:
            sums[a.number - 1] += a.points
            counts[a.number - 1] += 1
    return tuple(sums[i] / counts[i] if counts[i] else None for i in range(size))


def comparable(a: CompassFramework, b: CompassFramework) -> tuple[bool, str]:
    """Whether results of the two frameworks may be compared; when not, the reason in Swedish."""
    if a.id == b.id or (b.id in a.comparable_with and a.id in b.comparable_with):
        return True, ""
    return False, (
        f"{a.name} och {b.name} är olika versioner av Kommunkompassen med olika frågor och "
        "poängsättning; resultaten kan inte jämföras."
    )
