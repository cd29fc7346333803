"""Kommunkompassen evaluations as files: YAML and XLSX (jamfor.compass.xlsx), both ways, exactly.

`export` followed by `read_evaluation` gives back an equal evaluation (floats keep every digit:
YAML and XLSX both store the shortest repr). The formats are described in
docs/kommunkompassen.md. Reading checks the file's structure and types and names the file and
key of every fault; checks against the framework and the municipality list happen when the
evaluation is stored (jamfor.store.compass.save_evaluation).
"""

from __future__ import annotations

import math
import re
import reprlib
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from jamfor.compass.model import CompassEvaluation, CompassFramework
from jamfor.errors import Problem, ValidationError

ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")
EVALUATION_KEYS = (
    "id",
    "municipality",
    "year",
    "date",
    "framework",
    "evaluators",
    "method",
    "interviews",
    "source",
    "summary",
    "total",
    "question_points",
    "area_points",
    "areas",
)
AREA_KEYS = ("number", "name", "general", "strengths", "improvements")
TEXT_KINDS = ("general", "strength", "improvement")


# -- evaluation <-> plain data ---------------------------------------------------------------------


def evaluation_to_dict(ev: CompassEvaluation) -> dict[str, Any]:
    """The evaluation as plain data (JSON- and YAML-safe), in the file format's key order."""
    numbers = sorted(set(ev.strengths) | set(ev.improvements) | set(ev.area_summaries))
    return {
        "id": ev.id,
        "municipality": ev.municipality,
        "year": ev.year,
        "date": ev.date.isoformat() if ev.date else None,
        "framework": ev.framework,
        "evaluators": list(ev.evaluators),
        "method": ev.method,
        "interviews": ev.interviews,
        "source": ev.source,
        "summary": ev.summary,
        "total": ev.published_total,
        "question_points": {q: float(p) for q, p in ev.question_points.items()},
        "area_points": {int(n): float(p) for n, p in sorted(ev.area_points.items())},
        "areas": [
            {
                "number": n,
                "general": ev.area_summaries.get(n),
                "strengths": list(ev.strengths.get(n, ())),
                "improvements": list(ev.improvements.get(n, ())),
            }
            for n in numbers
        ],
    }


_REPR = reprlib.Repr()
_REPR.maxlevel = 2  # a value quoted in a message stays short, even an expanded YAML alias bomb
_REPR.maxstring = 60


def _short(value: Any) -> str:
    return _REPR.repr(value)


class _Reader:
    """Collects the problems of one file while turning its values into typed fields."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def fail(self, where: str, reason: str) -> None:
        self.problems.append(Problem(self.file, None, None, f"{where}: {reason}"))

    def text(self, where: str, value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.fail(where, f"expected text, got {_short(value)}")
            return None
        text = str(value).strip()
        return text or None

    def integer(self, where: str, value: Any) -> int | None:
        if value is None or value == "":
            return None
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and re.fullmatch(r"\s*\d+\s*", value):
            return int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(where, f"{_short(value)} is not a whole number")
            return None
        return value

    def number(self, where: str, value: Any) -> float | None:
        """A score: a finite number; None for "not scored yet"."""
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                value = float(value.strip().replace(",", "."))
            except ValueError:
                self.fail(where, f"{_short(value)} is not a number")
                return None
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            self.fail(where, f"{_short(value)} is not a number")
            return None
        return float(value)

    def lines(self, where: str, value: Any) -> tuple[str, ...]:
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.fail(where, f"expected a list of texts, got {_short(value)}")
            return ()
        out = []
        for i, item in enumerate(value, 1):
            text = self.text(f"{where}[{i}]", item)
            if text:
                out.append(text)
        return tuple(out)


def question_key(key: Any) -> str:
    # An unquoted 1.1 in YAML is a float; "1.10" would be lost that way, so files quote ids.
    return repr(key) if isinstance(key, float) else str(key).strip()


def evaluation_from_dict(doc: Any, file: str) -> CompassEvaluation:
    """An evaluation from plain data (a parsed YAML file, a stored JSON snapshot)."""
    r = _Reader(file)
    if not isinstance(doc, Mapping):
        raise ValidationError([Problem(file, None, None, "an evaluation file must be a mapping of keys")])
    for key in doc:
        if key not in EVALUATION_KEYS and key != "municipality_name":
            r.fail(str(key), "unknown key (known: " + ", ".join(EVALUATION_KEYS) + ")")
    ev_id = r.text("id", doc.get("id"))
    if ev_id is None:
        r.fail("id", "missing")
    elif not ID_RE.match(ev_id):
        r.fail("id", f"{ev_id!r} is not a slug (lower-case letters, digits and '-', e.g. huddinge-2017)")
    municipality = doc.get("municipality")
    if isinstance(municipality, int) and not isinstance(municipality, bool):
        r.fail("municipality", f'{municipality} must be quoted text, e.g. "0126" (leading zeros matter)')
        municipality = None
    municipality = r.text("municipality", municipality)
    if municipality is None:
        r.fail("municipality", "missing")
    year = r.integer("year", doc.get("year"))
    if year is None:
        r.fail("year", "missing")
    elif not 1990 <= year <= 2100:
        r.fail("year", f"{year} is not a plausible year")
    raw_date = doc.get("date")
    when: date | None = None
    if isinstance(raw_date, datetime):
        when = raw_date.date()
    elif isinstance(raw_date, date):
        when = raw_date
    elif isinstance(raw_date, str) and raw_date.strip():
        try:
            when = date.fromisoformat(raw_date.strip())
        except ValueError:
            r.fail("date", f"{_short(raw_date)} is not a date (YYYY-MM-DD)")
    elif raw_date not in (None, ""):
        r.fail("date", f"{_short(raw_date)} is not a date (YYYY-MM-DD)")
    framework = r.text("framework", doc.get("framework"))
    if framework is None:
        r.fail("framework", "missing")
    question_points: dict[str, float] = {}
    raw_q = doc.get("question_points") or {}
    if not isinstance(raw_q, Mapping):
        r.fail("question_points", "expected a mapping of question id to points")
        raw_q = {}
    for key, value in raw_q.items():
        qid = question_key(key)
        points = r.number(f"question {qid}", value)
        if points is not None:
            question_points[qid] = points
    area_points: dict[int, float] = {}
    raw_a = doc.get("area_points") or {}
    if not isinstance(raw_a, Mapping):
        r.fail("area_points", "expected a mapping of area number to points")
        raw_a = {}
    for key, value in raw_a.items():
        number = r.integer(f"area_points {key}", key)
        points = r.number(f"area {key}", value)
        if number is not None and points is not None:
            area_points[number] = points
    strengths: dict[int, tuple[str, ...]] = {}
    improvements: dict[int, tuple[str, ...]] = {}
    summaries: dict[int, str] = {}
    raw_areas = doc.get("areas") or []
    if not isinstance(raw_areas, list):
        r.fail("areas", "expected a list of areas with their texts")
        raw_areas = []
    for i, item in enumerate(raw_areas, 1):
        if not isinstance(item, Mapping):
            r.fail(f"areas[{i}]", "expected a mapping")
            continue
        for key in item:
            if key not in AREA_KEYS:
                r.fail(f"areas[{i}].{key}", "unknown key (known: " + ", ".join(AREA_KEYS) + ")")
        number = r.integer(f"areas[{i}].number", item.get("number"))
        if number is None:
            r.fail(f"areas[{i}]", "'number' is missing")
            continue
        if number in strengths:
            r.fail(f"areas[{i}]", f"area {number} is listed twice")
            continue
        general = r.text(f"area {number} general", item.get("general"))
        if general:
            summaries[number] = general
        strengths[number] = r.lines(f"area {number} strengths", item.get("strengths"))
        improvements[number] = r.lines(f"area {number} improvements", item.get("improvements"))
    evaluators = r.lines("evaluators", doc.get("evaluators"))
    interviews = r.integer("interviews", doc.get("interviews"))
    if interviews is not None and interviews < 0:
        r.fail("interviews", f"{interviews} is below 0")
    total = r.number("total", doc.get("total"))
    if r.problems:
        raise ValidationError(r.problems)
    assert ev_id is not None and municipality is not None and year is not None and framework is not None
    return CompassEvaluation(
        id=ev_id,
        municipality=municipality,
        year=year,
        date=when,
        framework=framework,
        evaluators=evaluators,
        method=r.text("method", doc.get("method")),
        interviews=interviews,
        question_points=question_points,
        area_points=area_points,
        strengths={n: t for n, t in strengths.items() if t},
        improvements={n: t for n, t in improvements.items() if t},
        summary=r.text("summary", doc.get("summary")),
        source=r.text("source", doc.get("source")),
        published_total=total,
        area_summaries=summaries,
    )


# -- YAML --------------------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def _dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)


def _scalar(value: Any) -> str:
    return (
        yaml.dump(value, Dumper=_Dumper, default_flow_style=True, width=10_000)
        .strip()
        .removesuffix("...")
        .strip()
    )


def to_yaml(
    ev: CompassEvaluation, framework: CompassFramework | None = None, *, municipality_name: str | None = None
) -> str:
    """The evaluation as YAML; with its framework, every question is listed with its text and max.

    Questions without a score are written as `null` (not scored yet), so the same function
    writes the template `jamfor compass new` hands to the evaluators.
    """
    doc = evaluation_to_dict(ev)
    head = {k: doc[k] for k in EVALUATION_KEYS[:11]}
    out = [
        "# Kommunkompassen evaluation (jamfor). Points are unrounded; null = not scored yet.",
        "# The format is described in docs/kommunkompassen.md.",
    ]
    text = _dump(head)
    if municipality_name:
        text = text.replace(
            f"municipality: {_scalar(ev.municipality)}\n",
            f"municipality: {_scalar(ev.municipality)}  # {municipality_name}\n",
            1,
        )
    out.append(text.rstrip("\n"))
    known: list[str] = []
    if framework is not None and framework.level == "question":
        out.append("question_points:")
        for area in framework.areas:
            out.append(f"  # {area.number} {area.name} (max {area.max:g})")
            for q in area.questions:
                value = ev.question_points.get(q.id)
                known.append(q.id)
                out.append(
                    f"  {_scalar(q.id)}: {_scalar(None if value is None else float(value))}"
                    f"  # max {q.max:g}: {q.text}"
                )
        extra = {q: p for q, p in doc["question_points"].items() if q not in known}
        for qid, value in extra.items():
            out.append(f"  {_scalar(qid)}: {_scalar(value)}")
    elif doc["question_points"]:
        out.append(_dump({"question_points": doc["question_points"]}).rstrip("\n"))
    else:
        out.append("question_points: {}")
    if framework is not None and framework.level == "area":
        out.append("area_points:")
        for area in framework.areas:
            value = ev.area_points.get(area.number)
            out.append(f"  {area.number}: {_scalar(None if value is None else float(value))}  # {area.name}")
        for number, value in doc["area_points"].items():
            if number not in {a.number for a in framework.areas}:
                out.append(f"  {number}: {_scalar(value)}")
    elif doc["area_points"]:
        out.append(_dump({"area_points": doc["area_points"]}).rstrip("\n"))
    else:
        out.append("area_points: {}")
    areas = doc["areas"]
    if framework is not None and not areas:
        areas = [
            {"number": a.number, "general": None, "strengths": [], "improvements": []}
            for a in framework.areas
        ]
    out.append(_dump({"areas": areas}).rstrip("\n") if areas else "areas: []")
    return "\n".join(out) + "\n"


def read_yaml(text: str, file: str) -> CompassEvaluation:
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValidationError([Problem(file, None, None, f"not valid YAML: {exc}")]) from exc
    except RecursionError:
        raise ValidationError([Problem(file, None, None, "is nested too deeply to be read")]) from None
    return evaluation_from_dict(doc, file)


# -- by suffix ---------------------------------------------------------------------------------------


def read_evaluation(path: Path) -> CompassEvaluation:
    """An evaluation from a .yaml/.yml or .xlsx file."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise ValidationError([Problem(str(path), None, None, "no such file")])
    if suffix in (".yaml", ".yml"):
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise ValidationError(
                [Problem(str(path), None, None, f"is not UTF-8 text (byte {exc.start})")]
            ) from exc
        return read_yaml(text, str(path))
    if suffix == ".xlsx":
        from jamfor.compass.xlsx import read_xlsx

        return read_xlsx(path)
    raise ValidationError([Problem(str(path), None, None, "give a .yaml, .yml or .xlsx file")])


def write_evaluation(
    ev: CompassEvaluation,
    path: Path,
    framework: CompassFramework | None = None,
    *,
    municipality_name: str | None = None,
) -> None:
    """Write the evaluation as YAML or XLSX, chosen by the file's suffix."""
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        path.write_text(to_yaml(ev, framework, municipality_name=municipality_name), encoding="utf-8")
    elif suffix == ".xlsx":
        from jamfor.compass.xlsx import write_xlsx

        write_xlsx(ev, path, framework)
    else:
        raise ValidationError([Problem(str(path), None, None, "give a .yaml, .yml or .xlsx file name")])
