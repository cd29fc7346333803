"""The bundled Kommunkompassen frameworks (data/compass/framework-*.yaml), loaded and validated.

Each area's points must add up to 100: for a question-level framework the sub-questions' max
points sum to the area's max, which is 100; an area-level framework has no sub-questions.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from jamfor.compass.model import CompassArea, CompassFramework, CompassQuestion
from jamfor.errors import NotFoundError, Problem, ValidationError

AREA_MAX = 100.0
_EPS = 1e-9
_FRAMEWORK_KEYS = {"id", "name", "level", "comparable_with", "description", "source", "areas"}
_AREA_KEYS = {"number", "name", "max", "role", "headings", "questions"}
_QUESTION_KEYS = {"id", "text", "max"}


def _data_dir() -> Any:
    return resources.files("jamfor") / "data" / "compass"


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def parse_framework(doc: Any, file: str) -> CompassFramework:
    """A framework from its parsed YAML; every fault found is reported at once, naming the file."""
    problems: list[Problem] = []

    def fail(reason: str) -> None:
        problems.append(Problem(file, None, None, reason))

    if not isinstance(doc, dict):
        raise ValidationError([Problem(file, None, None, "a framework file must be a mapping")])
    for key in sorted(set(doc) - _FRAMEWORK_KEYS):
        fail(f"unknown key {key!r}")
    fid = str(doc.get("id") or "")
    if not fid:
        fail("'id' is missing")
    level = doc.get("level")
    if level not in ("question", "area"):
        fail(f"'level' must be 'question' or 'area', not {level!r}")
    comparable = doc.get("comparable_with") or [fid]
    if not isinstance(comparable, list):
        fail("'comparable_with' must be a list of framework ids")
        comparable = [fid]
    comparable = [str(c) for c in comparable]
    if fid not in comparable:
        fail(f"'comparable_with' must include the framework itself ({fid!r})")
    raw_areas = doc.get("areas")
    if not isinstance(raw_areas, list) or not raw_areas:
        fail("'areas' must be a non-empty list")
        raw_areas = []
    areas: list[CompassArea] = []
    seen_areas: set[int] = set()
    seen_questions: set[str] = set()
    for index, raw in enumerate(raw_areas, 1):
        if not isinstance(raw, dict):
            fail(f"area #{index} must be a mapping")
            continue
        number = raw.get("number")
        label = f"area {number}" if number is not None else f"area #{index}"
        for key in sorted(set(raw) - _AREA_KEYS):
            fail(f"{label}: unknown key {key!r}")
        if not isinstance(number, int) or isinstance(number, bool) or number < 1:
            fail(f"{label}: 'number' must be a positive whole number, not {number!r}")
            continue
        if number in seen_areas:
            fail(f"{label}: the area number is used twice")
        seen_areas.add(number)
        area_max = _number(raw.get("max"))
        if area_max is None:
            fail(f"{label}: 'max' must be a number, not {raw.get('max')!r}")
            continue
        if abs(area_max - AREA_MAX) > _EPS:
            fail(f"{label}: max points are {area_max:g}, not {AREA_MAX:g}")
        questions: list[CompassQuestion] = []
        for qraw in raw.get("questions") or []:
            if not isinstance(qraw, dict):
                fail(f"{label}: a question must be a mapping")
                continue
            qid = str(qraw.get("id") or "")
            for key in sorted(set(qraw) - _QUESTION_KEYS):
                fail(f"{label}: question {qid}: unknown key {key!r}")
            if not qid:
                fail(f"{label}: a question has no 'id'")
                continue
            if qid in seen_questions:
                fail(f"{label}: question id {qid!r} is used twice")
            seen_questions.add(qid)
            if qid.split(".", 1)[0] != str(number):
                fail(f"{label}: question id {qid!r} does not start with the area number")
            qmax = _number(qraw.get("max"))
            if qmax is None or qmax <= 0:
                fail(f"{label}: question {qid}: 'max' must be a positive number, not {qraw.get('max')!r}")
                continue
            text = qraw.get("text")
            if not isinstance(text, str) or not text.strip():
                fail(f"{label}: question {qid}: 'text' is missing")
                continue
            questions.append(CompassQuestion(qid, text.strip(), qmax))
        if level == "question":
            total = sum(q.max for q in questions)
            if not questions:
                fail(f"{label}: a question-level framework needs the area's questions")
            elif abs(total - area_max) > _EPS:
                fail(f"{label}: the questions' max points sum to {total:g}, not {area_max:g}")
        elif level == "area" and questions:
            fail(f"{label}: an area-level framework has no questions")
        headings = raw.get("headings") or []
        role = raw.get("role")
        areas.append(
            CompassArea(
                number=number,
                name=str(raw.get("name") or "").strip(),
                max=area_max,
                questions=tuple(questions),
                role=str(role) if role is not None else None,
                headings=tuple(str(h) for h in headings),
            )
        )
        if not areas[-1].name:
            fail(f"{label}: 'name' is missing")
    numbers = sorted(seen_areas)
    if numbers and numbers != list(range(1, len(numbers) + 1)):
        fail(f"areas must be numbered 1..{len(numbers)}, found {numbers}")
    if problems:
        raise ValidationError(problems)
    return CompassFramework(
        id=fid,
        name=str(doc.get("name") or fid),
        level="question" if level == "question" else "area",
        areas=tuple(sorted(areas, key=lambda a: a.number)),
        comparable_with=tuple(comparable),
        description=" ".join(str(doc.get("description") or "").split()),
    )


def load_framework_file(path: Path) -> CompassFramework:
    """A framework from a YAML file of the bundled format (for checking a new version)."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ValidationError([Problem(str(path), None, None, f"not valid YAML: {exc}")]) from exc
    return parse_framework(doc, str(path))


@functools.cache
def _bundled() -> dict[str, CompassFramework]:
    found: dict[str, CompassFramework] = {}
    for entry in sorted(_data_dir().iterdir(), key=lambda e: e.name):
        name = entry.name
        if name.startswith("framework-") and name.endswith(".yaml"):
            fw = parse_framework(yaml.safe_load(entry.read_text(encoding="utf-8")), f"data/compass/{name}")
            if fw.id in found:
                raise ValidationError(
                    [Problem(f"data/compass/{name}", None, None, f"framework id {fw.id!r} is used twice")]
                )
            found[fw.id] = fw
    return found


def frameworks() -> list[CompassFramework]:
    """The bundled frameworks, oldest first."""
    return [fw for _, fw in sorted(_bundled().items())]


def framework(framework_id: str) -> CompassFramework:
    """A bundled framework by id ("2010", "2016", "2020")."""
    found = _bundled().get(str(framework_id).strip())
    if found is None:
        known = ", ".join(sorted(_bundled()))
        raise NotFoundError(f"no Kommunkompassen framework {framework_id!r}; known versions: {known}")
    return found
