"""Reports as Excel workbooks (openpyxl): real numbers with number formats, colour fills with words.

A sheet per perspective (municipality and network reports) or a ranking and a distribution sheet
(KPI report), and last a "Definitioner" sheet ("Definitions" in English): each KPI's id, title,
definition, unit and source ("Kolada" only for Kolada's KPIs). Each sheet starts with the
report's title and facts, has a frozen header, and ends with the source lines. Values are stored at full precision; the number format shows the
measure's decimals. Format codes are stored in Excel's invariant notation (`#,##0.0`), which a
Swedish Excel displays as "12 345,6".
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from jamfor.render import palette, text
from jamfor.render.csvout import DEFINITION_LABELS, definitions_of
from jamfor.render.text import Lang, label
from jamfor.render.view import network_facts, report_title, sources_lines
from jamfor.reports.model import (
    Colour,
    Extreme,
    KpiReport,
    MunicipalityReport,
    NetworkReport,
)

MAX_SHEET_TITLE = 31
_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_MUTED = Font(italic=True, color="FF595959")
_HEADER_FILL = PatternFill(fill_type="solid", start_color="FFEEF2F3", end_color="FFEEF2F3")
_HEADER_BORDER = Border(bottom=Side(style="medium", color="FF7A8A8F"))
_WRAP = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")
_CENTER = Alignment(horizontal="center", vertical="top")

_XLSX_LABELS: dict[Lang, dict[str, str]] = {
    "sv": {
        "arrow": "Pil",
        "ranked": "Rangordnade",
        "kpi_id": "Nyckeltal (id)",
        "area_id": "Kommunkod",
        "from": "Från",
        "to": "Till",
    },
    "en": {
        "arrow": "Arrow",
        "ranked": "Ranked",
        "kpi_id": "KPI (id)",
        "area_id": "Code",
        "from": "From",
        "to": "To",
    },
}


def _xl(key: str, lang: Lang) -> str:
    return _XLSX_LABELS[lang][key]


def sheet_title(name: str, used: set[str]) -> str:
    """A valid, unique sheet name: no []:*?/\\ characters, at most 31 characters."""
    base = _FORBIDDEN.sub("-", name).strip("' ") or "Blad"
    base = base[:MAX_SHEET_TITLE]
    title, n = base, 2
    while title.lower() in used:
        suffix = f" ({n})"
        title = base[: MAX_SHEET_TITLE - len(suffix)] + suffix
        n += 1
    used.add(title.lower())
    return title


def number_format(decimals: int | None) -> str:
    """The Excel number format for `decimals`: '#,##0', '#,##0.0', …; 'General' when unknown."""
    if decimals is None:
        return "General"
    if decimals <= 0:
        return "#,##0"
    return "#,##0." + "0" * decimals


def fill(colour: Colour) -> PatternFill | None:
    """The light fill of a colour; None for `none` (cost measures and descriptive measures stay white)."""
    hex_colour = palette.FILL[colour]
    if not hex_colour:
        return None
    argb = "FF" + hex_colour.lstrip("#").upper()
    return PatternFill(fill_type="solid", start_color=argb, end_color=argb)


@dataclass(frozen=True)
class Col:
    heading: str
    width: float
    number_format: str | None = None
    wrap: bool = False
    center: bool = False


def _num(value: float | None) -> float | None:
    return None if text.is_missing(value) else value


class _Sheet:
    """A worksheet being written top to bottom."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.row = 1

    def title(self, title: str, facts: Sequence[tuple[str, str]]) -> None:
        self.ws.cell(self.row, 1, title).font = _TITLE
        self.row += 1
        for name, value in facts:
            self.ws.cell(self.row, 1, name).font = _BOLD
            self.ws.cell(self.row, 2, value)
            self.row += 1
        self.row += 1

    def header(self, columns: Sequence[Col]) -> None:
        for i, col in enumerate(columns, start=1):
            cell = self.ws.cell(self.row, i, col.heading)
            cell.font = _BOLD
            cell.fill = _HEADER_FILL
            cell.border = _HEADER_BORDER
            cell.alignment = Alignment(wrap_text=True, vertical="bottom")
            self.ws.column_dimensions[get_column_letter(i)].width = col.width
        self.ws.freeze_panes = self.ws.cell(self.row + 1, 2)
        self.ws.print_title_rows = f"{self.row}:{self.row}"
        self.row += 1

    def values(self, columns: Sequence[Col], values: Sequence[object], fills: dict[int, Colour]) -> None:
        for i, (col, value) in enumerate(zip(columns, values, strict=True), start=1):
            cell = self.ws.cell(self.row, i, value)
            if col.number_format and isinstance(value, (int, float)):
                cell.number_format = col.number_format
            cell.alignment = _WRAP if col.wrap else _CENTER if col.center else _TOP
            colour = fills.get(i - 1)
            if colour is not None and (pattern := fill(colour)) is not None:
                cell.fill = pattern
        self.row += 1

    def footer(self, lines: Sequence[str], generated: str) -> None:
        self.row += 1
        for line in lines:
            self.ws.cell(self.row, 1, line)
            self.row += 1
        self.ws.cell(self.row, 1, generated).font = _MUTED
        self.row += 1

    def page_setup(self) -> None:
        self.ws.page_setup.orientation = "landscape"
        self.ws.page_setup.paperSize = self.ws.PAPERSIZE_A4
        self.ws.page_setup.fitToWidth = 1
        self.ws.page_setup.fitToHeight = 0
        self.ws.sheet_properties.pageSetUpPr.fitToPage = True


def _extreme_value(extreme: Extreme | None) -> float | None:
    return None if extreme is None else _num(extreme.value)


def _extreme_names(extreme: Extreme | None) -> str:
    return "" if extreme is None else ", ".join(a.name for a in extreme.areas)


def _perspectives(declared: list[str], present: list[str]) -> list[str]:
    seen = set(present)
    ordered = [p for p in declared if p in seen]
    return ordered + [p for p in dict.fromkeys(present) if p not in ordered]


def _save(wb: Any) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def municipality_xlsx(report: MunicipalityReport, lang: Lang = "sv") -> bytes:
    """A sheet per perspective: measure, unit, arrow, trend, the years, references, place, colour, comment."""
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    years = report.years
    last = years[-1] if years else None
    suffix = f" {last}" if last is not None else ""
    ref = report.reference
    show_reference = ref.kind == "group"
    title = report_title(report)
    facts = [
        (label("municipality", lang), f"{report.municipality.name} ({report.municipality.id})"),
        (label("years", lang), text.span(years)),
        (label("reference", lang), ref.label),
        (label("colour_scheme", lang), text.scheme_text(report.colour_scheme, lang, ref.label)),
        (label("gender", lang), text.gender_text(report.gender, lang)),
    ]
    if report.measure_set is not None:
        facts.append((label("measure_set", lang), report.measure_set.name))
    lines = sources_lines(report.sources, lang)
    generated = f"{label('generated', lang)} {text.timestamp(report.generated_at)}"

    for perspective in _perspectives(report.perspectives, [r.perspective for r in report.rows]):
        ws = wb.create_sheet(sheet_title(perspective, used))
        sheet = _Sheet(ws)
        sheet.title(f"{title}: {perspective}", facts)
        rows = [r for r in report.rows if r.perspective == perspective]
        for row in rows:
            fmt = number_format(row.decimals)
            best, worst = label("best", lang), label("worst", lang)
            who = f" ({label('municipality', lang).lower()})"
            entries: list[tuple[str, Col, object]] = [
                ("measure", Col(label("measure", lang), 48, wrap=True), row.title),
                ("unit", Col(label("unit", lang), 12, wrap=True), row.unit or ""),
                ("arrow", Col(_xl("arrow", lang), 6, center=True), text.arrow(row.direction)),
                ("trend", Col(label("trend", lang), 13), text.trend_word(row.trend, lang)),
                *((f"year:{y}", Col(str(y), 10, fmt), _num(row.values.get(y))) for y in years),
                ("mean", Col(label("mean", lang) + suffix, 11, fmt), _num(row.mean)),
                ("riket", Col(label("riket", lang) + suffix, 11, fmt), _num(row.riket)),
            ]
            if show_reference:
                entries.append(("reference", Col(ref.label, 14, fmt), _num(row.reference)))
            entries += [
                ("median", Col(label("median", lang) + suffix, 11, fmt), _num(row.median)),
                ("best", Col(best, 11, fmt), _extreme_value(row.best)),
                ("best_names", Col(best + who, 18, wrap=True), _extreme_names(row.best)),
                ("worst", Col(worst, 11, fmt), _extreme_value(row.worst)),
                ("worst_names", Col(worst + who, 18, wrap=True), _extreme_names(row.worst)),
                ("place", Col(label("place", lang) + suffix, 8, "0"), row.rank),
                ("ranked", Col(_xl("ranked", lang), 11, "0"), row.ranked),
                (
                    "colour",
                    Col(label("colour", lang), 30, wrap=True),
                    text.colour_words(
                        row.colour,
                        report.colour_scheme,
                        lang,
                        reference_label=ref.label,
                        has_reference=not text.is_missing(row.reference),
                    ),
                ),
                ("comment", Col(label("comment", lang), 60, wrap=True), row.comment),
                (
                    "data_years",
                    Col(label("data_years", lang).capitalize(), 14),
                    text.span(row.data_years.get(y, y + row.year_offset) for y in years),
                ),
                ("kpi", Col(_xl("kpi_id", lang), 14), row.kpi),
            ]
            keys = [key for key, _, _ in entries]
            columns = [col for _, col, _ in entries]
            if row is rows[0]:
                sheet.header(columns)
            # The colour shows on the arrow (as in Kungsbacka's report), on the last year's value
            # and on the colour's words, which say what it means.
            coloured = [k for k in ("arrow", f"year:{last}", "colour") if k in keys]
            sheet.values(columns, [v for _, _, v in entries], {keys.index(k): row.colour for k in coloured})
        sheet.footer(lines, generated)
        sheet.page_setup()
    definitions_sheet(wb, report, lang, used)
    return _save(wb)


def network_xlsx(report: NetworkReport, lang: Lang = "sv") -> bytes:
    """A sheet per perspective: a row per measure, three columns (value, place, colour) per member."""
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    facts = network_facts(report, lang)
    lines = sources_lines(report.sources, lang)
    generated = f"{label('generated', lang)} {text.timestamp(report.generated_at)}"
    title = f"{report.group.name} {report.year}"
    lead = 3  # measure, unit, data year

    for perspective in _perspectives(report.perspectives, [r.perspective for r in report.rows]):
        ws = wb.create_sheet(sheet_title(perspective, used))
        sheet = _Sheet(ws)
        sheet.title(f"{title}: {perspective}", facts)
        # A row of member names above the per-member columns.
        for i, member in enumerate(report.members):
            first = lead + 1 + 3 * i
            cell = ws.cell(sheet.row, first, member.name)
            cell.font = _BOLD
            cell.alignment = Alignment(horizontal="center")
            ws.merge_cells(start_row=sheet.row, start_column=first, end_row=sheet.row, end_column=first + 2)
        sheet.row += 1
        rows = [r for r in report.rows if r.perspective == perspective]
        for row in rows:
            fmt = number_format(row.decimals)
            columns = [
                Col(label("measure", lang), 44, wrap=True),
                Col(label("unit", lang), 10, wrap=True),
                Col(label("data_years", lang).capitalize(), 9, "0"),
            ]
            for _member in report.members:
                columns += [
                    Col(label("value", lang), 11, fmt),
                    Col(label("place", lang), 7, "0"),
                    Col(label("colour", lang), 9),
                ]
            columns += [
                Col(label("network_mean", lang), 12, fmt),
                Col(label("mean", lang), 11, fmt),
                Col(label("riket", lang), 11, fmt),
                Col(label("best", lang), 11, fmt),
                Col(label("best", lang) + f" ({label('municipality', lang).lower()})", 18, wrap=True),
                Col(label("worst", lang), 11, fmt),
                Col(label("worst", lang) + f" ({label('municipality', lang).lower()})", 18, wrap=True),
                Col(_xl("ranked", lang), 11, "0"),
                Col(_xl("kpi_id", lang), 14),
            ]
            if row is rows[0]:
                sheet.header(columns)
            values: list[object] = [row.title, row.unit or "", row.data_year]
            fills: dict[int, Colour] = {}
            for i, member in enumerate(report.members):
                cell_data = row.members.get(member.id)
                colour: Colour = "grey" if cell_data is None else cell_data.colour
                value = None if cell_data is None else _num(cell_data.value)
                rank = None if cell_data is None else cell_data.rank
                words = text.colour_name(colour, lang) if value is not None else label("missing", lang)
                values += [value, rank, words]
                fills[lead + 3 * i] = colour
                fills[lead + 3 * i + 2] = colour
            values += [
                _num(row.network_mean),
                _num(row.mean),
                _num(row.riket),
                _extreme_value(row.best),
                _extreme_names(row.best),
                _extreme_value(row.worst),
                _extreme_names(row.worst),
                row.ranked,
                row.kpi,
            ]
            sheet.values(columns, values, fills)
        # Both header rows (member names and value/place/colour) repeat on printed pages.
        ws.print_title_rows = f"{sheet.row - len(rows) - 2}:{sheet.row - len(rows) - 1}"
        sheet.row += 1
        legend = "; ".join(
            text.colour_words(c, report.colour_scheme, lang, reference_label=label("riket", lang))
            for c in text.SCHEME_COLOURS[report.colour_scheme]
        )
        ws.cell(sheet.row, 1, f"{label('colour_legend', lang)}: {legend}")
        sheet.row += 1
        ws.cell(sheet.row, 1, label("place_note", lang))
        sheet.row += 1
        sheet.footer(lines, generated)
        sheet.page_setup()
    definitions_sheet(wb, report, lang, used)
    return _save(wb)


def kpi_xlsx(report: KpiReport, lang: Lang = "sv") -> bytes:
    """Two sheets: the ranking (best first, then those without a value) and the distribution."""
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    fmt = number_format(report.decimals)
    facts = [
        (label("kpi", lang), report.kpi),
        (label("year", lang), str(report.year)),
        (label("gender", lang), text.gender_text(report.gender, lang)),
        (label("unit", lang), report.unit or ""),
        (label("polarity", lang), text.polarity_text(report.polarity, lang)),
        (label("colour_scheme", lang), text.scheme_text(report.colour_scheme, lang, label("riket", lang))),
    ]
    if report.description:
        facts.append((label("description", lang), report.description))
    lines = sources_lines(report.sources, lang)
    generated = f"{label('generated', lang)} {text.timestamp(report.generated_at)}"
    title = text.with_unit(report.title, report.unit)

    sheet = _Sheet(wb.create_sheet(sheet_title(label("ranking", lang), used)))
    sheet.title(title, facts)
    columns = [
        Col(label("place", lang), 8, "0"),
        Col(label("municipality", lang), 22),
        Col(_xl("area_id", lang), 11),
        Col(label("value", lang), 12, fmt),
        Col(label("colour", lang), 30, wrap=True),
        Col(label("county", lang), 22),
        Col(label("kommungrupp", lang), 36, wrap=True),
    ]
    sheet.header(columns)
    for r in report.rows:
        words = text.colour_words(r.colour, report.colour_scheme, lang, reference_label=label("riket", lang))
        values: list[object] = [
            r.rank,
            r.area.name,
            r.area.id,
            _num(r.value),
            words,
            r.county or "",
            r.kommungrupp or "",
        ]
        sheet.values(columns, values, {3: r.colour, 4: r.colour})
    for area in report.missing:
        sheet.values(columns, [None, area.name, area.id, None, label("missing", lang), "", ""], {4: "grey"})
    sheet.footer(lines, generated)
    sheet.page_setup()

    d = report.distribution
    dist = _Sheet(wb.create_sheet(sheet_title(label("distribution", lang), used)))
    dist.title(title, facts[:3])
    summary_cols = [Col("", 26), Col(label("value", lang), 14, fmt)]
    dist.header(summary_cols)
    summary: list[tuple[str, float | None, str]] = [
        ("with_value", d.count, "0"),
        ("without_value", d.missing, "0"),
        ("minimum", _num(d.minimum), fmt),
        ("q1", _num(d.q1), fmt),
        ("median", _num(d.median), fmt),
        ("q3", _num(d.q3), fmt),
        ("maximum", _num(d.maximum), fmt),
        ("unweighted_mean", _num(d.mean), fmt),
        ("riket", _num(d.riket), fmt),
    ]
    for key, value, cell_format in summary:
        dist.values([Col("", 26), Col("", 14, cell_format)], [label(key, lang), value], {})
    dist.row += 1
    ws = dist.ws
    ws.cell(dist.row, 1, label("histogram", lang)).font = _BOLD
    dist.row += 1
    bin_format = number_format(report.decimals if report.decimals is not None else 2)
    bin_cols = [Col("", 26, bin_format), Col("", 14, bin_format), Col("", 14, "0")]
    for i, heading in enumerate((_xl("from", lang), _xl("to", lang))):
        ws.cell(dist.row, i + 1, heading).font = _BOLD
    ws.cell(dist.row, 3, label("count", lang)).font = _BOLD
    ws.column_dimensions["C"].width = 16
    dist.row += 1
    for start, end, count in d.bins:
        dist.values(bin_cols, [_num(start), _num(end), count], {})
    dist.footer(lines, generated)
    dist.page_setup()
    definitions_sheet(wb, report, lang, used)
    return _save(wb)


def definitions_sheet(
    wb: Any, report: MunicipalityReport | NetworkReport | KpiReport, lang: Lang, used: set[str]
) -> None:
    """The last sheet: a row per KPI with its id, title, definition, unit and source."""
    words = DEFINITION_LABELS[lang]
    sheet = _Sheet(wb.create_sheet(sheet_title(words["sheet"], used)))
    sheet.title(words["heading"], [])
    columns = [
        Col(words["kpi_id"], 14),
        Col(words["title"], 44, wrap=True),
        Col(words["description"], 90, wrap=True),
        Col(words["unit"], 14, wrap=True),
        Col(words["source"], 22, wrap=True),
    ]
    sheet.header(columns)
    for d in definitions_of(report):
        values = [
            d.kpi,
            d.title,
            d.description or words["missing"],
            d.unit or "",
            d.source or words["missing"],
        ]
        sheet.values(columns, values, {})
    sheet.footer(
        sources_lines(report.sources, lang),
        f"{label('generated', lang)} {text.timestamp(report.generated_at)}",
    )
    sheet.page_setup()


def render_xlsx(report: MunicipalityReport | NetworkReport | KpiReport, *, lang: Lang = "sv") -> bytes:
    """Any report as the bytes of an .xlsx workbook."""
    if isinstance(report, MunicipalityReport):
        return municipality_xlsx(report, lang)
    if isinstance(report, NetworkReport):
        return network_xlsx(report, lang)
    return kpi_xlsx(report, lang)
