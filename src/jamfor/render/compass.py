"""The Kommunkompassen report in every format: JSON, terminal table, HTML (fragment and document), PDF, XLSX.

The HTML follows the published reports (seed 003, Huddinge 2017): what Kommunkompassen is, the
evaluation, the summary with total and area scores, the profile against the reference mean (a
`charts.RadarChart` with its table), a section per area with Styrkor and Förbättringsområden,
and the appendix of points per sub-question. Points and percentages stay unrounded in the
report and in JSON and XLSX; they are rounded half away from zero only when shown as text.
Evaluations are jamfor's data or published evaluations, never Kolada's, and say so.
"""

from __future__ import annotations

import io
import json
import shutil
from dataclasses import dataclass
from functools import cache
from typing import Any, Final

from markupsafe import Markup

from jamfor.errors import JamforError
from jamfor.render import text
from jamfor.render.charts import RadarChart, RadarSeries, data_table, to_svg
from jamfor.render.compass_words import MONTHS, WORDS, word
from jamfor.render.html import _environment, safe_id, standalone_document
from jamfor.render.pdf import print_pdf
from jamfor.render.text import Lang
from jamfor.reports.compass import CompassReport, EvaluationRow

FORMAT_VERSION: Final = 1
COMPASS_FORMATS: Final = ("table", "json", "html", "pdf", "xlsx")


def points(value: float | None, lang: Lang) -> str:
    """Points as shown: whole points, half away from zero ("79"); "uppgift saknas" when missing."""
    return text.number(value, 0, lang)


def percent(value: float | None, lang: Lang) -> str:
    """A percentage as shown: "70 %" (Swedish) / "70%" (English)."""
    if text.is_missing(value):
        return text.label("missing", lang)
    return text.number(value, 0, lang) + ("\u00a0%" if lang == "sv" else "%")


def signed(value: float | None, lang: Lang) -> str:
    """A change in points with its sign: "+3", "−2", "0"."""
    if text.is_missing(value) or value is None:
        return text.label("missing", lang)
    shown = text.number(value, 0, lang)
    if shown in ("0", "-0"):
        return "0"
    return ("+" + shown) if value > 0 else shown.replace("-", "−")


def evaluations_count(n: int, lang: Lang) -> str:
    return word("evaluation_1", lang) if n == 1 else word("evaluation_n", lang).format(n=n)


def when(report: CompassReport, lang: Lang) -> str:
    d = report.evaluation.date
    if d is None:
        return ("år " if lang == "sv" else "in ") + str(report.year)
    return (
        (f"i {MONTHS[lang][d.month - 1]} {d.year}")
        if lang == "sv"
        else f"in {MONTHS[lang][d.month - 1]} {d.year}"
    )


# -- JSON -------------------------------------------------------------------------------------------


def _row_data(row: EvaluationRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "municipality": row.municipality.id,
        "municipality_name": row.municipality.name,
        "year": row.year,
        "framework": row.framework,
        "total": row.total,
        "areas": list(row.areas),
    }


def compass_data(report: CompassReport) -> dict[str, Any]:
    """The report as JSON-ready data. Points are unrounded (as stored and summed); null when missing.

    The contract of issue #6: municipality, year, framework, total, areas[] with number, name,
    points, max and questions[] with id, points, max. The rest is additive.
    """
    ev = report.evaluation
    ref = report.reference
    earlier = report.earlier
    return {
        "format_version": FORMAT_VERSION,
        "report": "compass",
        "id": ev.id,
        "municipality": report.municipality.id,
        "municipality_name": report.municipality.name,
        "year": ev.year,
        "date": ev.date.isoformat() if ev.date else None,
        "framework": report.framework.id,
        "framework_name": report.framework.name,
        "level": report.score.level,
        "total": report.score.total,
        "max": report.score.max,
        "evaluators": list(ev.evaluators),
        "method": ev.method,
        "interviews": ev.interviews,
        "summary": ev.summary,
        "source": ev.source,
        "areas": [
            {
                "number": a.number,
                "name": a.name,
                "role": a.role,
                "points": a.points,
                "max": a.max,
                "percent": a.percent,
                "reference": a.reference,
                "earlier": a.earlier,
                "strengths": list(a.strengths),
                "improvements": list(a.improvements),
                "questions": [
                    {"id": q.id, "text": q.text, "points": q.points, "max": q.max, "percent": q.percent}
                    for q in a.questions
                ],
            }
            for a in report.areas
        ],
        "reference": {
            "kind": ref.kind,
            "framework": ref.framework,
            "count": ref.count,
            "includes_subject": ref.includes_subject,
            "evaluations": [r.id for r in ref.evaluations],
            "areas": list(ref.areas),
            "counts": list(ref.counts),
            "total": ref.total,
        },
        "earlier": None
        if earlier is None
        else {
            "id": earlier.evaluation.id,
            "year": earlier.evaluation.year,
            "framework": earlier.evaluation.framework,
            "comparable": earlier.comparable,
            "reason": earlier.reason,
            "changes": list(earlier.changes),
            "total_change": earlier.total_change,
        },
        "no_comparison": report.no_comparison_reason,
        "evaluated_municipalities": [_row_data(r) for r in report.table],
        "generated": report.generated.isoformat(timespec="seconds"),
    }


def render_compass_json(report: CompassReport, *, indent: int | None = 2) -> str:
    return json.dumps(compass_data(report), ensure_ascii=False, indent=indent) + "\n"


# -- the radar profile ------------------------------------------------------------------------------


def compass_radar(report: CompassReport, lang: Lang = "sv", *, show_title: bool = False) -> RadarChart:
    """The evaluation's profile against the reference mean, as a chart declaration."""
    name = f"{report.municipality.name} {report.year}"
    mean = word("mean_label", lang).format(count=evaluations_count(report.reference.count, lang))
    return RadarChart(
        word("profile_title", lang).format(name=report.municipality.name, year=report.year),
        tuple(f"{a.number}. {a.name}" for a in report.areas),
        (
            RadarSeries(name, tuple(a.points for a in report.areas), "subject"),
            RadarSeries(mean, tuple(a.reference for a in report.areas), "reference"),
        ),
        max=max((a.max for a in report.areas), default=100.0),
        unit=word("points", lang).lower(),
        decimals=0,
        lang=lang,
        show_title=show_title,
        id_prefix=f"radar-{safe_id(report.id)}",
    )


# -- the view: every figure and sentence as shown -------------------------------------------------


@dataclass(frozen=True)
class Table:
    caption: str
    headers: list[str]
    numeric: list[bool]
    rows: list[list[str]]
    foot: list[str] | None = None


def reference_sentence(report: CompassReport, lang: Lang) -> str:
    ref = report.reference
    count = evaluations_count(ref.count, lang)
    if ref.kind == "framework":
        own = (
            word("reference_own", lang).format(name=report.municipality.name, year=report.year)
            if ref.includes_subject
            else ""
        )
        out = word("reference_framework", lang).format(count=count, framework=ref.framework_name, own=own)
    else:
        names = ", ".join(f"{r.municipality.name} {r.year}" for r in ref.evaluations)
        out = word("reference_list", lang).format(count=count, names=names)
    if ref.count == 1 and ref.includes_subject:
        return out + " " + word("reference_only_self", lang)
    fewer = [(i + 1, c) for i, c in enumerate(ref.counts) if c < ref.count]
    if fewer and len(fewer) == len(ref.counts) and len(set(ref.counts)) == 1:
        out += " " + word("reference_counts_all", lang).format(n=ref.counts[0])
    elif fewer:
        out += " " + word("reference_counts", lang).format(
            areas=", ".join(str(n) for n, _ in fewer), counts=", ".join(str(c) for _, c in fewer)
        )
    if ref.count < 5:
        out += " " + word("reference_few", lang)
    return out


def comparison_sentence(report: CompassReport, lang: Lang) -> str:
    """Why there is no comparison with an earlier evaluation, or what the comparison shows."""
    earlier = report.earlier
    name = report.municipality.name
    if earlier is not None and earlier.comparable:
        key = "comparison_ok" if earlier.total_change is not None else "comparison_ok_no_total"
        return word(key, lang).format(
            name=name,
            year=earlier.evaluation.year,
            framework=earlier.framework_name,
            change=signed(earlier.total_change, lang),
        )
    if lang == "sv":
        return report.no_comparison_reason or ""
    if earlier is None:
        return (
            f"{name} has no earlier evaluation in the database, so the report shows no comparison over time."
        )
    return (
        f"{name} was also evaluated in {earlier.evaluation.year} with {earlier.framework_name}, but that "
        f"version cannot be compared with {report.framework.name}, so the report shows no comparison."
    )


def summary_table(report: CompassReport, lang: Lang) -> Table:
    comparable = report.earlier is not None and report.earlier.comparable
    headers = [word("area", lang), word("points", lang), word("max", lang), word("percent", lang)]
    headers.append(word("reference_mean", lang))
    if comparable and report.earlier is not None:
        headers += [word("earlier", lang).format(year=report.earlier.evaluation.year), word("change", lang)]
    rows = []
    for i, a in enumerate(report.areas):
        row = [f"{a.number}. {a.name}", points(a.points, lang), points(a.max, lang), percent(a.percent, lang)]
        row.append(points(a.reference, lang))
        if comparable and report.earlier is not None:
            row += [points(a.earlier, lang), signed(report.earlier.changes[i], lang)]
        rows.append(row)
    sc = report.score
    foot = [
        word("total", lang),
        points(sc.total, lang),
        points(sc.max, lang),
        percent(100 * sc.total / sc.max, lang),
    ]
    foot.append(points(report.reference.total, lang))
    if comparable and report.earlier is not None:
        foot += [points(report.earlier.evaluation.total, lang), signed(report.earlier.total_change, lang)]
    return Table(word("summary_caption", lang), headers, [False] + [True] * (len(headers) - 1), rows, foot)


def municipalities_table(report: CompassReport, lang: Lang) -> Table:
    headers = [word("municipality", lang), word("year", lang), word("total", lang)]
    headers += [str(a.number) for a in report.areas]
    rows = [
        [r.municipality.name, str(r.year), points(r.total, lang), *(points(v, lang) for v in r.areas)]
        for r in report.table
    ]
    return Table(
        word("all_caption", lang).format(framework=report.framework.name),
        headers,
        [False] + [True] * (len(headers) - 1),
        rows,
    )


def question_tables(report: CompassReport, lang: Lang) -> list[Table]:
    tables = []
    for a in report.areas:
        if not a.questions:
            continue
        rows = [
            [q.id, q.text, points(q.points, lang), points(q.max, lang), percent(q.percent, lang)]
            for q in a.questions
        ]
        tables.append(
            Table(
                f"{a.number}. {a.name}",
                [
                    word("question", lang),
                    word("question_text", lang),
                    word("achieved", lang),
                    word("max", lang),
                    word("percent", lang),
                ],
                [False, False, True, True, True],
                rows,
                [
                    word("sum", lang),
                    "",
                    points(a.points, lang),
                    points(a.max, lang),
                    percent(a.percent, lang),
                ],
            )
        )
    return tables


def facts(report: CompassReport, lang: Lang) -> list[tuple[str, str]]:
    ev = report.evaluation
    out = [(word("version", lang), report.framework.name)]
    out.append((word("date", lang), ev.date.isoformat()) if ev.date else (word("year", lang), str(ev.year)))
    if ev.evaluators:
        out.append((word("evaluators", lang), "; ".join(ev.evaluators)))
    if ev.interviews is not None:
        out.append((word("interviews", lang), word("interviews_n", lang).format(n=ev.interviews)))
    out.append(
        (
            word("total", lang),
            word("total_of", lang).format(
                points=points(report.score.total, lang), max=points(report.score.max, lang)
            ),
        )
    )
    return out


def _area_score(report: CompassReport, index: int, lang: Lang) -> str:
    """ "58 av 100 poäng (58 %). Referensmedel: 57. 2011: 51 poäng (+7)." (the last part only when comparable)."""
    a = report.areas[index]
    out = word("area_score", lang).format(
        points=points(a.points, lang),
        max=points(a.max, lang),
        percent=percent(a.percent, lang),
        reference=points(a.reference, lang),
    )
    earlier = report.earlier
    if earlier is not None and earlier.comparable and a.earlier is not None:
        out += word("area_earlier", lang).format(
            year=earlier.evaluation.year,
            points=points(a.earlier, lang),
            change=signed(earlier.changes[index], lang),
        )
    return out


def _who(report: CompassReport, lang: Lang) -> str:
    """ "Utvärderare: A; B. Intervjuer: 30 intervjuade." (what the evaluation record holds of it)."""
    ev = report.evaluation
    parts = []
    if ev.evaluators:
        parts.append(f"{word('evaluators', lang)}: {'; '.join(ev.evaluators)}.")
    if ev.interviews is not None:
        parts.append(f"{word('interviews', lang)}: {word('interviews_n', lang).format(n=ev.interviews)}.")
    return " ".join(parts)


def source_line(report: CompassReport, lang: Lang) -> str:
    """The report's source: the published evaluation, or our own record of it; never Kolada."""
    src = report.evaluation.source
    return f"{word('source', lang)}: {src}" if src else f"{word('source', lang)}: {word('source_own', lang)}"


# -- HTML and PDF -----------------------------------------------------------------------------------


@cache
def compass_css() -> str:
    """The report's own CSS, added to `report.css` (inlined in the fragment: the page needs no extra file)."""
    return _environment().get_template("compass.css.j2").render()


def render_compass_fragment(report: CompassReport, *, lang: Lang = "sv", inline_css: bool = True) -> str:
    """The report's `<section>` for a page (with `html.stylesheet()` served or inlined).

    `inline_css` puts the report's own CSS (`compass_css()`) in a `<style>` inside the section;
    a page that puts it in its `<head>` passes False. Everything from the evaluation is escaped
    by Jinja2's autoescaping.
    """
    chart = compass_radar(report, lang)
    headers, rows = data_table(chart)
    anchor = f"jf-kk-{safe_id(report.id)}"
    template = _environment().get_template("compass.html.j2")
    return template.render(
        r=report,
        w=WORDS[lang],
        lang=lang,
        anchor=anchor,
        title=word("title", lang).format(name=report.municipality.name, year=report.year),
        facts=facts(report, lang),
        when=when(report, lang),
        summary=summary_table(report, lang),
        who=_who(report, lang),
        has_texts=any(a.strengths or a.improvements or a.summary for a in report.areas),
        results_sentence=word("results_text", lang).format(
            name=report.municipality.name,
            total=points(report.score.total, lang),
            max=points(report.score.max, lang),
        ),
        radar_caption=word("radar_caption", lang).format(
            name=report.municipality.name, year=report.year, max=points(chart.max, lang)
        ),
        radar_svg=Markup(to_svg(chart)),
        radar_table=Table(word("profile_table", lang), headers, [False] + [True] * (len(headers) - 1), rows),
        reference_sentence=reference_sentence(report, lang),
        comparison=comparison_sentence(report, lang),
        municipalities=municipalities_table(report, lang),
        questions=question_tables(report, lang),
        area_scores=[_area_score(report, i, lang) for i in range(len(report.areas))],
        source=source_line(report, lang),
        generated=text.timestamp(report.generated),
        css=Markup(compass_css()) if inline_css else None,
    )


PRINT_CSS: Final = """\
@page { size: A4 portrait; margin: 16mm 15mm 18mm; }
"""


def render_compass_document(report: CompassReport, *, lang: Lang = "sv", print_css: str = "") -> str:
    """A complete standalone HTML document, its CSS inlined, no outside resources (the PDF's source)."""
    return standalone_document(
        render_compass_fragment(report, lang=lang),
        lang=lang,
        title=word("title", lang).format(name=report.municipality.name, year=report.year),
        print_css=PRINT_CSS + "\n" + print_css,
    )


def render_compass_pdf(report: CompassReport, *, lang: Lang = "sv") -> bytes:
    """The report as PDF bytes (A4 portrait): the standalone document printed by WeasyPrint (`pdf.print_pdf`)."""
    return print_pdf(render_compass_document(report, lang=lang))


# -- terminal table ---------------------------------------------------------------------------------


def render_compass_table(report: CompassReport, *, lang: Lang = "sv", width: int | None = None) -> str:
    """The summary for a terminal: facts, points per area against the reference, the comparison."""
    from rich.console import Console
    from rich.table import Table as RichTable

    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width or shutil.get_terminal_size((120, 40)).columns,
        force_terminal=False,
        color_system=None,
    )
    console.print(word("title", lang).format(name=report.municipality.name, year=report.year), style="bold")
    for name, value in facts(report, lang):
        console.print(f"{name}: {value}")
    summary = summary_table(report, lang)
    table = RichTable(title=summary.caption, title_justify="left")
    for heading, numeric in zip(summary.headers, summary.numeric, strict=True):
        table.add_column(heading, justify="right" if numeric else "left")
    for row in summary.rows:
        table.add_row(*row)
    if summary.foot:
        table.add_section()
        table.add_row(*summary.foot)
    console.print(table)
    console.print(reference_sentence(report, lang))
    console.print(comparison_sentence(report, lang))
    console.print(source_line(report, lang))
    return buffer.getvalue()


# -- dispatch ---------------------------------------------------------------------------------------


def render_compass(report: CompassReport, fmt: str, *, lang: Lang = "sv") -> str | bytes:
    """The report in `fmt`: table, json, html, pdf or xlsx (str for text, bytes for pdf and xlsx)."""
    if fmt == "json":
        return render_compass_json(report)
    if fmt == "table":
        return render_compass_table(report, lang=lang)
    if fmt == "html":
        return render_compass_document(report, lang=lang)
    if fmt == "pdf":
        return render_compass_pdf(report, lang=lang)
    if fmt == "xlsx":
        from jamfor.render.compass_xlsx import compass_xlsx

        return compass_xlsx(report, lang)
    raise JamforError(
        f"unknown output format {fmt!r} for a Kommunkompassen report: use one of {', '.join(COMPASS_FORMATS)}"
    )


__all__ = [
    "COMPASS_FORMATS",
    "WORDS",
    "compass_css",
    "compass_data",
    "compass_radar",
    "render_compass",
    "render_compass_document",
    "render_compass_fragment",
    "render_compass_json",
    "render_compass_pdf",
    "render_compass_table",
]
