"""The compare report as an Excel workbook, in the style of `xlsx` (real numbers, number formats, fills).

Sheet "Jämförelse": the areas × years table (values, then places), the trend, and the country's
figures per year below. Sheet "Per år": a row per area and year (value, place, of, colour), for
filtering and pivot tables. Both end with the source lines.
"""

from __future__ import annotations

from openpyxl import Workbook

from jamfor.render import text
from jamfor.render.compare_view import (
    compare_facts,
    compare_notes,
    extreme_labels,
    ranks_by_quality,
    reference_label,
)
from jamfor.render.text import Lang, label
from jamfor.render.view import sources_lines
from jamfor.render.xlsx import _BOLD, Col, _save, _Sheet, number_format, sheet_title
from jamfor.reports.compare import CompareReport
from jamfor.reports.model import Colour, Extreme

_LABELS: dict[Lang, dict[str, str]] = {
    "sv": {
        "area_id": "Kod",
        "arrow": "Pil",
        "trend_years": "Trendens år",
        "places": "Plats bland kommunerna",
        "of": "Av",
        "shared": "Delad plats",
        "yes": "ja",
        "who": "kommun",
    },
    "en": {
        "area_id": "Code",
        "arrow": "Arrow",
        "trend_years": "Trend years",
        "places": "Rank among the municipalities",
        "of": "Of",
        "shared": "Tied",
        "yes": "yes",
        "who": "municipality",
    },
}


def _xl(key: str, lang: Lang) -> str:
    return _LABELS[lang][key]


def _num(value: float | None) -> float | None:
    return None if text.is_missing(value) else value


def _extreme_value(extreme: Extreme | None) -> float | None:
    return None if extreme is None else _num(extreme.value)


def _extreme_names(extreme: Extreme | None) -> str:
    return "" if extreme is None else ", ".join(a.name for a in extreme.areas)


def compare_xlsx(report: CompareReport, lang: Lang = "sv") -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    years = report.years
    fmt = number_format(report.decimals)
    title = text.with_unit(report.title, report.unit)
    facts = compare_facts(report, lang)
    if report.description:
        facts.append((label("description", lang), report.description))
    lines = sources_lines(report.sources, lang)
    generated = f"{label('generated', lang)} {text.timestamp(report.generated_at)}"
    first_year = 2  # 0-based column of the first year

    # -- the wide sheet ------------------------------------------------------------------------
    sheet = _Sheet(wb.create_sheet(sheet_title(label("compare_sheet_wide", lang), used)))
    ws = sheet.ws
    sheet.title(title, facts)
    lead = [Col(label("compare_area", lang), 28, wrap=True), Col(_xl("area_id", lang), 8)]
    value_cols = [*lead, *(Col(str(y), 11, fmt) for y in years)]
    columns = [
        *value_cols,
        Col(label("trend", lang), 14),
        Col(_xl("arrow", lang), 6, center=True),
        Col(_xl("trend_years", lang), 12),
    ]
    sheet.header(columns)
    for s in report.series:
        values: list[object] = [s.area.name, s.area.id, *(_num(s.value(y)) for y in years)]
        fills: dict[int, Colour] = {
            first_year + i: s.points[y].colour for i, y in enumerate(years) if y in s.points
        }
        trend_years = f"{s.trend_from}–{s.trend_to}" if s.trend_from is not None else ""
        values += [text.trend_word(s.trend, lang), text.arrow(s.direction), trend_years]
        sheet.values(columns, values, fills)

    if ranks_by_quality(report) and any(p.rank is not None for s in report.series for p in s.points.values()):
        sheet.row += 1
        ws.cell(sheet.row, 1, _xl("places", lang)).font = _BOLD
        sheet.row += 1
        rank_cols = [*lead, *(Col(str(y), 11, "0") for y in years)]
        for s in report.series:
            if s.kind != "municipality":
                continue
            ranks: list[object] = [s.points[y].rank if y in s.points else None for y in years]
            fills = {first_year + i: s.points[y].colour for i, y in enumerate(years) if y in s.points}
            sheet.values(rank_cols, [s.area.name, s.area.id, *ranks], fills)

    sheet.row += 1
    ws.cell(sheet.row, 1, label("compare_country", lang)).font = _BOLD
    sheet.row += 1
    count_cols = [*lead, *(Col(str(y), 11, "0") for y in years)]
    name_cols = [*lead, *(Col(str(y), 11, wrap=True) for y in years)]
    best, worst = extreme_labels(report, lang)
    who = f" ({_xl('who', lang)})"
    country = [report.country.get(y) for y in years]
    rows: list[tuple[str, str | None, list[object], list[Col]]] = [
        (
            label("unweighted_mean", lang),
            None,
            [None if c is None else _num(c.mean) for c in country],
            value_cols,
        ),
        (label("with_value", lang), None, [None if c is None else c.count for c in country], count_cols),
        (label("median", lang), None, [None if c is None else _num(c.median) for c in country], value_cols),
        (label("riket", lang), "0000", [None if c is None else _num(c.riket) for c in country], value_cols),
        (best, None, [None if c is None else _extreme_value(c.best) for c in country], value_cols),
        (best + who, None, [None if c is None else _extreme_names(c.best) for c in country], name_cols),
        (worst, None, [None if c is None else _extreme_value(c.worst) for c in country], value_cols),
        (worst + who, None, [None if c is None else _extreme_names(c.worst) for c in country], name_cols),
    ]
    if any(c is not None and c.missing for c in country):
        rows.append(
            (
                label("compare_missing_count", lang),
                None,
                [None if c is None else c.missing for c in country],
                count_cols,
            )
        )
    for name, code, row_values, cols in rows:
        sheet.values(cols, [name, code or "", *row_values], {})
    sheet.row += 1
    if report.colour_graded:
        legend = "; ".join(
            text.colour_words(c, report.colour_scheme, lang, reference_label=reference_label(lang))
            for c in text.SCHEME_COLOURS[report.colour_scheme]
        )
        ws.cell(sheet.row, 1, f"{label('colour_legend', lang)}: {legend}")
        sheet.row += 1
    for note in compare_notes(report, lang):
        ws.cell(sheet.row, 1, note)
        sheet.row += 1
    sheet.footer(lines, generated)
    sheet.page_setup()

    # -- the long sheet ------------------------------------------------------------------------
    long = _Sheet(wb.create_sheet(sheet_title(label("compare_sheet_long", lang), used)))
    long.title(title, facts[:3])
    long_cols = [
        Col(label("compare_area", lang), 28),
        Col(_xl("area_id", lang), 8),
        Col(label("year", lang), 8, "0"),
        Col(label("value", lang), 12, fmt),
        Col(label("place", lang), 8, "0"),
        Col(_xl("of", lang), 8, "0"),
        Col(_xl("shared", lang), 10),
        Col(label("colour", lang), 30, wrap=True),
    ]
    long.header(long_cols)
    for s in report.series:
        for y in years:
            p = s.points.get(y)
            if p is None:
                continue
            value = _num(p.value)
            if value is None:
                words = label("missing", lang)
            elif p.colour == "none":
                words = ""
            else:
                words = text.colour_words(
                    p.colour, report.colour_scheme, lang, reference_label=reference_label(lang)
                )
            long.values(
                long_cols,
                [
                    s.area.name,
                    s.area.id,
                    y,
                    value,
                    p.rank,
                    p.ranked if p.rank is not None else None,
                    _xl("yes", lang) if p.shared else "",
                    words,
                ],
                {3: p.colour, 7: p.colour},
            )
    long.footer(lines, generated)
    long.page_setup()
    return _save(wb)
