"""The compare report in every format: JSON, CSV, terminal table, HTML (fragment and document), PDF.

The layout people read is in `compare_view` (with the chart's declaration, a `charts.TrendChart`),
the spreadsheet in `compare_xlsx`, the HTML section in `templates/compare.html.j2`.
`render_compare` is what `jamfor.render.render` calls; the website embeds
`render_compare_fragment`, the compare report's counterpart of `html.render_fragment`, styled by
the same `report.css` (`html.stylesheet()`).
"""

from __future__ import annotations

import csv
import io
import json
import math
import shutil
from typing import Any

from markupsafe import Markup
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from jamfor.errors import JamforError
from jamfor.render import palette, text
from jamfor.render.charts import TrendChart, to_svg
from jamfor.render.compare_view import PAGE_YEARS, CompareView, compare_chart, compare_view
from jamfor.render.html import _environment, safe_id, standalone_document
from jamfor.render.pdf import print_pdf
from jamfor.render.table import DEFAULT_WIDTH, section_tables
from jamfor.render.text import LABELS, Lang, label
from jamfor.reports.compare import CompareReport
from jamfor.reports.model import Extreme, Named

FORMAT_VERSION = 1


# -- JSON -------------------------------------------------------------------------------------------


def _num(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else value


def _named(named: Named) -> dict[str, str]:
    return {"id": named.id, "name": named.name}


def _extreme(extreme: Extreme | None) -> dict[str, Any] | None:
    if extreme is None:
        return None
    return {"value": _num(extreme.value), "areas": [_named(a) for a in extreme.areas]}


def compare_data(report: CompareReport) -> dict[str, Any]:
    """The compare report as JSON-ready data, keyed like the other reports' JSON (see `jsonout`).

    Years are string keys ("2020"), numbers full precision, null for missing. A point's `rank`
    is among the `ranked` municipalities with a value that year (null for regions, Riket, a
    missing value and a KPI without polarity); `shared` is true when another municipality holds
    the same place.
    """
    series = []
    for s in report.series:
        points = {}
        for y in report.years:
            p = s.points.get(y)
            points[str(y)] = (
                {"value": None, "rank": None, "ranked": 0, "shared": False, "colour": "none"}
                if p is None
                else {
                    "value": _num(p.value),
                    "rank": p.rank,
                    "ranked": p.ranked,
                    "shared": p.shared,
                    "colour": p.colour,
                }
            )
        series.append(
            {
                "area": _named(s.area),
                "kind": s.kind,
                "points": points,
                "trend": s.trend,
                "direction": s.direction,
                "trend_years": None if s.trend_from is None else [s.trend_from, s.trend_to],
                "source": s.source,
            }
        )
    country = {
        str(y): {
            "mean": _num(c.mean),
            "count": c.count,
            "missing": c.missing,
            "median": _num(c.median),
            "riket": _num(c.riket),
            "best": _extreme(c.best),
            "worst": _extreme(c.worst),
        }
        for y, c in ((y, report.country[y]) for y in report.years if y in report.country)
    }
    return {
        "report": "compare",
        "format_version": FORMAT_VERSION,
        "kpi": {
            "id": report.kpi,
            "title": report.title,
            "description": report.description,
            "polarity": report.polarity,
            "unit": report.unit,
            "decimals": report.decimals,
            "colour_graded": report.colour_graded,
        },
        "years": list(report.years),
        "gender": report.gender,
        "colour_scheme": report.colour_scheme,
        "trend_window": report.trend_window,
        "series": series,
        "country": country,
        "sources": list(report.sources),
        "generated_at": report.generated_at.isoformat(timespec="seconds"),
    }


def render_compare_json(report: CompareReport, *, indent: int | None = 2) -> str:
    return json.dumps(compare_data(report), ensure_ascii=False, indent=indent, allow_nan=False) + "\n"


# -- CSV ---------------------------------------------------------------------------------------------

CSV_HEADER = (
    "kpi",
    "title",
    "unit",
    "polarity",
    "decimals",
    "gender",
    "colour_scheme",
    "row_type",
    "area_id",
    "area_name",
    "area_kind",
    "year",
    "value",
    "rank",
    "ranked",
    "shared",
    "colour",
    "count",
    "trend",
    "direction",
    "source",
)


def _field(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ""
    return str(value)


def compare_csv(report: CompareReport) -> str:
    """Long format: a row per area and year (`row_type` area), then per year the country's figures.

    The country's rows have `row_type` mean (with `count`, municipalities with a value), median,
    riket, best and worst (the municipalities holding the extreme in `area_id`/`area_name`, "|"
    between ties). Same conventions as `csvout`: UTF-8, comma, decimal point, full precision.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    lead = [
        report.kpi,
        report.title,
        report.unit,
        report.polarity,
        report.decimals,
        report.gender,
        report.colour_scheme,
    ]

    def write(row: list[object]) -> None:
        writer.writerow([_field(v) for v in [*lead, *row]])

    for s in report.series:
        for y in report.years:
            p = s.points.get(y)
            write(
                [
                    "area",
                    s.area.id,
                    s.area.name,
                    s.kind,
                    y,
                    None if p is None else p.value,
                    None if p is None else p.rank,
                    None if p is None else p.ranked,
                    None if p is None else p.shared,
                    "none" if p is None else p.colour,
                    None,
                    s.trend,
                    s.direction,
                    s.source,
                ]
            )
    for y in report.years:
        c = report.country.get(y)
        if c is None:
            continue
        write(["mean", None, None, None, y, c.mean, None, None, None, None, c.count, None, None, None])
        write(["median", None, None, None, y, c.median, None, None, None, None, c.count, None, None, None])
        write(["riket", "0000", None, "riket", y, c.riket, None, None, None, None, None, None, None, None])
        for kind, extreme in (("best", c.best), ("worst", c.worst)):
            ids = "" if extreme is None else "|".join(a.id for a in extreme.areas)
            names = "" if extreme is None else "|".join(a.name for a in extreme.areas)
            value = None if extreme is None else extreme.value
            write([kind, ids, names, None, y, value, None, None, None, None, None, None, None, None])
    return out.getvalue()


# -- terminal ------------------------------------------------------------------------------------------


def compare_renderables(view: CompareView, width: int) -> list[RenderableType]:
    """The view as Rich objects, laid out like `table.renderables`: heading, facts, tables, legend, sources."""
    out: list[RenderableType] = [Text(view.title, style="bold underline")]
    if view.description:
        out.append(Text(view.description, style="italic"))
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold")
    facts.add_column()
    for name, value in view.facts:
        facts.add_row(name, value)
    out += [facts, Text("")]
    for table in view.tables:
        out += section_tables(table.values, width, view.lang)
        out += section_tables(table.country, width, view.lang)
    if view.colours:
        legend = Text(label("colour_legend", view.lang) + ": ", style="bold")
        for i, (colour, words) in enumerate(view.colours):
            legend.append(("; " if i else "") + "■ ", style=palette.TERMINAL[colour])
            legend.append(words)
        out.append(legend)
    out += [Text(note, style="bright_black") for note in view.notes]
    out.append(Text(""))
    out += [Text(line) for line in view.sources]
    out.append(Text(f"{label('generated', view.lang)} {view.generated}", style="bright_black"))
    return out


def render_compare_table(
    report: CompareReport, *, lang: Lang = "sv", width: int | None = None, styles: bool = False
) -> str:
    """The report as terminal text (see `table.render_table`: same widths, styles and padding)."""
    if width is None:
        width = max(100, shutil.get_terminal_size((DEFAULT_WIDTH, 40)).columns)
    console = Console(
        record=True,
        width=width,
        file=io.StringIO(),
        force_terminal=styles,
        color_system="truecolor" if styles else None,
        legacy_windows=False,
    )
    console.print(Group(*compare_renderables(compare_view(report, lang), width)))
    content = console.export_text(styles=styles)
    if styles:
        return content
    return "\n".join(line.rstrip() for line in content.splitlines()) + "\n"


# -- HTML and PDF ---------------------------------------------------------------------------------------

# On paper a table moves whole to the next page when it does not fit below the chart, kept compact
# so ten areas and the country's rows fit on one page of A4 landscape.
PRINT_CSS = """\
@media print {
  .jf-report-compare .jf-chart { max-width: 170mm; }
  .jf-report-compare .jf-scroll { break-inside: avoid; }
  .jf-report-compare .jf-table-compare th, .jf-report-compare .jf-table-compare td { padding-top: 1.5pt; padding-bottom: 1.5pt; }
  .jf-report-compare .jf-table-compare .jf-sub { line-height: 1.2; }
}
"""


def _anchor(report: CompareReport) -> str:
    return safe_id(f"jf-c{report.kpi}-" + "-".join(s.area.id for s in report.series))


def _fragment(view: CompareView, chart: TrendChart | None, anchor: str) -> Markup:
    template = _environment().get_template("compare.html.j2")
    return Markup(
        template.render(
            view=view,
            chart_svg=None if chart is None else Markup(to_svg(chart)),
            chart_caption=text.with_unit(
                label("compare_chart", view.lang), None if chart is None else chart.unit
            ),
            labels=LABELS[view.lang],
            anchor=anchor,
        )
    )


def render_compare_fragment(
    report: CompareReport, *, lang: Lang = "sv", chart: bool = True, max_years: int | None = None
) -> str:
    """The compare report's `<section>` for a page (with `html.stylesheet()` served or inlined).

    `chart` False leaves out the line chart (for a page that draws its own); the table holds the
    same figures either way. One table of every year, which a page scrolls sideways when needed;
    `max_years` splits it into tables of at most that many years. Everything from the report is
    escaped by Jinja2's autoescaping.
    """
    view = compare_view(report, lang, max_years=max_years)
    return str(_fragment(view, compare_chart(report, lang) if chart else None, _anchor(report)))


def render_compare_document(report: CompareReport, *, lang: Lang = "sv", print_css: str = "") -> str:
    """A complete standalone HTML document, its CSS inlined, no outside resources (the PDF's source).

    More than PAGE_YEARS years are split over tables that each fit the width of an A4 page.
    """
    view = compare_view(report, lang, max_years=PAGE_YEARS)
    fragment = _fragment(view, compare_chart(report, lang), _anchor(report))
    return standalone_document(fragment, lang=lang, title=view.title, print_css=PRINT_CSS + "\n" + print_css)


def render_compare_pdf(report: CompareReport, *, lang: Lang = "sv") -> bytes:
    """The report as PDF bytes: the standalone document printed by WeasyPrint (`pdf.print_pdf`)."""
    return print_pdf(render_compare_document(report, lang=lang))


# -- dispatch ---------------------------------------------------------------------------------------------


def render_compare(report: CompareReport, fmt: str, *, lang: Lang = "sv") -> str | bytes:
    """The compare report in `fmt` (a name from `jamfor.render.FORMATS`, already checked)."""
    if fmt == "json":
        return render_compare_json(report)
    if fmt == "csv":
        return compare_csv(report)
    if fmt == "table":
        return render_compare_table(report, lang=lang)
    if fmt == "xlsx":
        from jamfor.render.compare_xlsx import compare_xlsx

        return compare_xlsx(report, lang)
    if fmt == "html":
        return render_compare_document(report, lang=lang)
    if fmt == "pdf":
        return render_compare_pdf(report, lang=lang)
    raise JamforError(f"unknown output format {fmt!r}")


__all__ = [
    "CompareView",
    "compare_csv",
    "compare_data",
    "compare_view",
    "render_compare",
    "render_compare_document",
    "render_compare_fragment",
    "render_compare_json",
    "render_compare_pdf",
    "render_compare_table",
]
