"""The Kommunkompassen report as an Excel workbook: Sammanfattning, Områden, Frågor, Alla kommuner.

Points are real numbers at full precision with a number format that shows whole points;
percentages are fractions with a percent format, so Excel shows "70 %" and computes with 0.7048.
Each sheet ends with the source line (the evaluation, never Kolada) and the rounding note.
"""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from jamfor.render import text
from jamfor.render.compass import comparison_sentence, facts, reference_sentence, source_line
from jamfor.render.compass_words import word
from jamfor.render.text import Lang
from jamfor.reports.compass import CompassReport

WHOLE = "#,##0"
PERCENT = "0%"
_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_NOTE = Font(italic=True)
_WRAP = Alignment(wrap_text=True, vertical="top")


def _put(ws: Any, row: int, col: int, value: float | None, number_format: str, *, bold: bool = False) -> None:
    cell = ws.cell(row, col, value)
    cell.number_format = number_format
    if bold:
        cell.font = _BOLD


def _header(ws: Any, row: int, headings: list[str]) -> None:
    for col, heading in enumerate(headings, start=1):
        ws.cell(row, col, heading).font = _BOLD


def _widths(ws: Any, widths: dict[str, float]) -> None:
    for col, width in widths.items():
        ws.column_dimensions[col].width = width


def _finish(ws: Any, row: int, report: CompassReport, lang: Lang) -> None:
    ws.cell(row + 1, 1, source_line(report, lang)).font = _NOTE
    ws.cell(row + 2, 1, word("source_note", lang)).font = _NOTE
    ws.cell(row + 3, 1, f"{word('generated', lang)}: {text.timestamp(report.generated)}")


def _fraction(percent: float) -> float:
    return percent / 100.0


def compass_xlsx(report: CompassReport, lang: Lang = "sv") -> bytes:
    """The workbook's bytes. The Frågor sheet only for question-level evaluations."""
    wb = Workbook()
    sc = report.score

    # Sammanfattning: the facts, the summary, the areas against the reference mean, the total.
    ws = wb.active
    ws.title = word("sheet_summary", lang)
    ws.cell(1, 1, word("title", lang).format(name=report.municipality.name, year=report.year)).font = _TITLE
    row = 3
    for name, shown in facts(report, lang)[:-1]:  # the total comes in the table below
        ws.cell(row, 1, name).font = _BOLD
        ws.cell(row, 2, shown)
        row += 1
    if report.evaluation.summary:
        ws.cell(row, 1, word("results", lang)).font = _BOLD
        ws.cell(row, 2, report.evaluation.summary).alignment = _WRAP
        row += 1
    row += 1
    _header(
        ws,
        row,
        [word(k, lang) for k in ("area", "points", "max", "percent", "reference_mean")],
    )
    for a in report.areas:
        row += 1
        ws.cell(row, 1, f"{a.number}. {a.name}")
        _put(ws, row, 2, a.points, WHOLE)
        _put(ws, row, 3, a.max, WHOLE)
        _put(ws, row, 4, _fraction(a.percent), PERCENT)
        _put(ws, row, 5, a.reference, WHOLE)
    row += 1
    ws.cell(row, 1, word("total", lang)).font = _BOLD
    _put(ws, row, 2, sc.total, WHOLE, bold=True)
    _put(ws, row, 3, sc.max, WHOLE, bold=True)
    _put(ws, row, 4, sc.total / sc.max, PERCENT, bold=True)
    _put(ws, row, 5, report.reference.total, WHOLE, bold=True)
    row += 2
    ws.cell(row, 1, reference_sentence(report, lang))
    ws.cell(row + 1, 1, comparison_sentence(report, lang))
    _finish(ws, row + 2, report, lang)
    _widths(ws, {"A": 48, "B": 40, "C": 12, "D": 12, "E": 16})

    # Områden: an area per row, with Styrkor and Förbättringsområden.
    ws = wb.create_sheet(word("sheet_areas", lang))
    _header(
        ws,
        1,
        [
            word(k, lang)
            for k in (
                "area",
                "role",
                "points",
                "max",
                "percent",
                "reference_mean",
                "strengths",
                "improvements",
            )
        ],
    )
    row = 1
    for a in report.areas:
        row += 1
        ws.cell(row, 1, f"{a.number}. {a.name}").alignment = _WRAP
        ws.cell(row, 2, a.role)
        _put(ws, row, 3, a.points, WHOLE)
        _put(ws, row, 4, a.max, WHOLE)
        _put(ws, row, 5, _fraction(a.percent), PERCENT)
        _put(ws, row, 6, a.reference, WHOLE)
        ws.cell(row, 7, "\n".join(a.strengths)).alignment = _WRAP
        ws.cell(row, 8, "\n".join(a.improvements)).alignment = _WRAP
    _finish(ws, row + 1, report, lang)
    ws.freeze_panes = "B2"
    _widths(ws, {"A": 36, "B": 18, "C": 10, "D": 8, "E": 10, "F": 14, "G": 60, "H": 60})

    # Frågor: Uppnått, Max and Procent per sub-question (question-level evaluations only).
    if any(a.questions for a in report.areas):
        ws = wb.create_sheet(word("sheet_questions", lang))
        _header(
            ws,
            1,
            [word(k, lang) for k in ("area", "question", "question_text", "achieved", "max", "percent")],
        )
        row = 1
        for a in report.areas:
            for q in a.questions:
                row += 1
                ws.cell(row, 1, a.number)
                ws.cell(row, 2, q.id)
                ws.cell(row, 3, q.text).alignment = _WRAP
                _put(ws, row, 4, q.points, WHOLE)
                _put(ws, row, 5, q.max, WHOLE)
                _put(ws, row, 6, _fraction(q.percent), PERCENT)
        _finish(ws, row + 1, report, lang)
        ws.freeze_panes = "D2"
        _widths(ws, {"A": 8, "B": 8, "C": 70, "D": 10, "E": 8, "F": 10})

    # Alla kommuner: every evaluation of the same version, its total and area points.
    ws = wb.create_sheet(word("sheet_municipalities", lang))
    _header(
        ws,
        1,
        [
            *(word(k, lang) for k in ("municipality", "municipality_id", "year", "evaluation_id", "total")),
            *(f"{word('area', lang)} {a.number}" for a in report.areas),
        ],
    )
    row = 1
    for r in report.table:
        row += 1
        ws.cell(row, 1, r.municipality.name)
        ws.cell(row, 2, r.municipality.id)
        ws.cell(row, 3, r.year)
        ws.cell(row, 4, r.id)
        for col, points in enumerate((r.total, *r.areas), start=5):
            _put(ws, row, col, points, WHOLE)
    _finish(ws, row + 1, report, lang)
    _widths(ws, {"A": 20, "B": 11, "C": 8, "D": 18, "E": 10})

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
