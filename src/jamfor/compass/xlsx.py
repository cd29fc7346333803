"""Kommunkompassen evaluations as Excel workbooks: three sheets, read back exactly.

The layout is described in docs/kommunkompassen.md; reading names the file, sheet and row of
every fault and then checks the fields as the YAML reader does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jamfor.compass.files import (
    EVALUATION_KEYS,
    TEXT_KINDS,
    evaluation_from_dict,
    evaluation_to_dict,
    question_key,
)
from jamfor.compass.model import CompassEvaluation, CompassFramework
from jamfor.errors import Problem, ValidationError

SHEET_EVALUATION = "Utvärdering"
SHEET_POINTS = "Poäng"
SHEET_TEXTS = "Texter"
POINTS_HEADER = ("area", "question", "text", "max", "points", "points_exact")
TEXTS_HEADER = ("area", "kind", "text")

# openpyxl writes a number with 16 significant digits ("%.16g"); the few floats that need 17 are
# also written as text in an "exact" column, read back only while the number cell still agrees
# with it (an evaluator who edits the number gets the edited number).


def _exact(value: Any) -> str | None:
    if isinstance(value, float) and float(f"{value:.16g}") != value:
        return repr(value)
    return None


def _unexact(value: Any, exact: Any) -> Any:
    if isinstance(exact, str) and isinstance(value, int | float) and not isinstance(value, bool):
        try:
            precise = float(exact)
        except ValueError:
            return value
        if f"{precise:.16g}" == f"{value:.16g}":
            return precise
    return value


def _append(sheet: Any, values: list[Any]) -> None:
    """A row whose texts stay texts: openpyxl would turn "=…" into a formula."""
    sheet.append(values)
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str) and cell.data_type != "s":
            cell.data_type = "s"


def write_xlsx(ev: CompassEvaluation, path: Path, framework: CompassFramework | None = None) -> None:
    """Three sheets: the evaluation's fields, the points (one row per question or area), the texts."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = SHEET_EVALUATION
    sheet.append(["field", "value", "exact"])
    doc = evaluation_to_dict(ev)
    for key in EVALUATION_KEYS[:11]:
        if key == "evaluators":
            for name in ev.evaluators:
                _append(sheet, ["evaluator", name])
        elif key == "date":
            sheet.append(["date", ev.date])
            if ev.date is not None:
                sheet.cell(sheet.max_row, 2).number_format = "yyyy-mm-dd"
        else:
            _append(sheet, [key, doc[key], _exact(doc[key])])
    sheet.column_dimensions["A"].width = 14
    sheet.column_dimensions["B"].width = 80

    points = book.create_sheet(SHEET_POINTS)
    points.append(list(POINTS_HEADER))
    rows: list[list[Any]] = []
    done: set[str] = set()
    if framework is not None:
        for area in framework.areas:
            if framework.level == "question":
                for q in area.questions:
                    rows.append([area.number, q.id, q.text, q.max, ev.question_points.get(q.id)])
                    done.add(q.id)
            else:
                rows.append([area.number, None, area.name, area.max, ev.area_points.get(area.number)])
                done.add(str(area.number))
    for qid, value in ev.question_points.items():
        if qid not in done:
            rows.append([_area_of(qid), qid, None, None, value])
    for number, value in sorted(ev.area_points.items()):
        if str(number) not in done:
            rows.append([number, None, None, None, value])
    for row in rows:
        _append(points, [*row, _exact(row[4])])
    points.column_dimensions["C"].width = 70

    texts = book.create_sheet(SHEET_TEXTS)
    texts.append(list(TEXTS_HEADER))
    for number in sorted(set(ev.strengths) | set(ev.improvements) | set(ev.area_summaries)):
        if number in ev.area_summaries:
            _append(texts, [number, "general", ev.area_summaries[number]])
        for line in ev.strengths.get(number, ()):
            _append(texts, [number, "strength", line])
        for line in ev.improvements.get(number, ()):
            _append(texts, [number, "improvement", line])
    texts.column_dimensions["C"].width = 100
    for ws in (sheet, points, texts):
        for cell in ws[1]:
            cell.font = Font(bold=True)
    book.save(path)


def _area_of(qid: str) -> int | None:
    head = qid.split(".", 1)[0]
    return int(head) if head.isdigit() else None


def read_xlsx(path: Path) -> CompassEvaluation:
    import openpyxl

    file = str(path)
    try:
        book = openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise ValidationError([Problem(file, None, None, f"not an Excel workbook: {exc}")]) from exc
    problems: list[Problem] = []
    for name in (SHEET_EVALUATION, SHEET_POINTS, SHEET_TEXTS):
        if name not in book.sheetnames:
            problems.append(Problem(file, None, None, f"sheet {name!r} is missing"))
    if problems:
        raise ValidationError(problems)
    doc: dict[str, Any] = {"evaluators": [], "question_points": {}, "area_points": {}, "areas": []}
    for i, row in enumerate(book[SHEET_EVALUATION].iter_rows(min_row=2, values_only=True), 2):
        if not row or row[0] is None:
            continue
        key = str(row[0]).strip()
        value = _unexact(row[1] if len(row) > 1 else None, row[2] if len(row) > 2 else None)
        if key == "evaluator":
            if value is not None:
                doc["evaluators"].append(value)
        elif key in EVALUATION_KEYS[:11] and key != "evaluators":
            if key == "municipality" and isinstance(value, int):
                value = f"{value:04d}"
            doc[key] = value
        else:
            problems.append(Problem(f"{file}:{SHEET_EVALUATION}", i, "field", f"unknown field {key!r}"))
    header = tuple(c for c in next(book[SHEET_POINTS].iter_rows(max_row=1, values_only=True), ()))
    if header[:5] != POINTS_HEADER[:5]:  # points_exact is optional
        problems.append(
            Problem(f"{file}:{SHEET_POINTS}", 1, None, f"the header must be {', '.join(POINTS_HEADER[:5])}")
        )
    else:
        for i, row in enumerate(book[SHEET_POINTS].iter_rows(min_row=2, values_only=True), 2):
            area, question, _text, _max, value, exact = (tuple(row) + (None,) * 6)[:6]
            value = _unexact(value, exact)
            if area is None and question is None:
                continue
            if question not in (None, ""):
                qid = question_key(question)
                if qid in doc["question_points"]:
                    problems.append(
                        Problem(f"{file}:{SHEET_POINTS}", i, "question", f"question {qid} is listed twice")
                    )
                doc["question_points"][qid] = value
            elif value is not None:
                doc["area_points"][area] = value
    header = tuple(c for c in next(book[SHEET_TEXTS].iter_rows(max_row=1, values_only=True), ()))
    if header[: len(TEXTS_HEADER)] != TEXTS_HEADER:
        problems.append(
            Problem(f"{file}:{SHEET_TEXTS}", 1, None, f"the header must be {', '.join(TEXTS_HEADER)}")
        )
    else:
        by_area: dict[Any, dict[str, Any]] = {}
        for i, row in enumerate(book[SHEET_TEXTS].iter_rows(min_row=2, values_only=True), 2):
            area, kind, text = (tuple(row) + (None,) * 3)[:3]
            if area is None and text is None:
                continue
            if kind not in TEXT_KINDS:
                problems.append(
                    Problem(
                        f"{file}:{SHEET_TEXTS}", i, "kind", f"{kind!r} is not one of {', '.join(TEXT_KINDS)}"
                    )
                )
                continue
            entry = by_area.setdefault(
                area, {"number": area, "general": None, "strengths": [], "improvements": []}
            )
            if kind == "general":
                entry["general"] = text
            else:
                entry[kind + "s"].append(text)
        doc["areas"] = list(by_area.values())
    if problems:
        raise ValidationError(problems)
    return evaluation_from_dict(doc, file)
