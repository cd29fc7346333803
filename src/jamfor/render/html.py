"""Reports as HTML: a standalone document with its CSS inlined, or the report's section for a page.

`render_document` gives a complete `<html lang="sv">` page that makes no outside requests (the
PDF is printed from it); `render_fragment` gives just the `<section>` so the website can place the
same report in its own layout (with `stylesheet()` served or inlined). Everything from a report is
escaped by Jinja2's autoescaping, so a hostile title shows as text.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from jamfor.render import palette
from jamfor.render.csvout import DEFINITION_LABELS, definitions_of
from jamfor.render.text import LABELS, Lang
from jamfor.render.view import PAGE_MEMBERS, Bar, View, view_of
from jamfor.reports.model import KpiDefinition, KpiReport, MunicipalityReport, NetworkReport

Report = MunicipalityReport | NetworkReport | KpiReport
Part = Literal["all", "head", "body"]

# The histogram's drawing area, in SVG user units (it scales to the width of the page).
_SVG_WIDTH = 640
_SVG_HEIGHT = 220
_PLOT_TOP = 18
_PLOT_BOTTOM = 186
_PLOT_LEFT = 8
_PLOT_RIGHT = 632


@dataclass(frozen=True)
class SvgBar:
    x: float
    y: float
    width: float
    height: float
    count: int
    interval: str


@dataclass(frozen=True)
class SvgTick:
    x: float
    text: str
    anchor: str


@dataclass(frozen=True)
class Histogram:
    width: int
    height: int
    baseline: float
    bars: list[SvgBar]
    ticks: list[SvgTick]


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("jamfor.render", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["palette"] = palette
    return env


@cache
def stylesheet() -> str:
    """The reports' CSS (screen and print), for a page that shows fragments."""
    return (resources.files("jamfor.render") / "templates" / "report.css").read_text(encoding="utf-8")


def histogram(bars: list[Bar]) -> Histogram | None:
    """Bars of equal-width bins scaled to the SVG, with the first, middle and last bin edges as ticks."""
    if not bars:
        return None
    most = max(b.count for b in bars) or 1
    step = (_PLOT_RIGHT - _PLOT_LEFT) / len(bars)
    span = _PLOT_BOTTOM - _PLOT_TOP
    svg_bars = []
    for i, bar in enumerate(bars):
        height = span * bar.count / most
        svg_bars.append(
            SvgBar(
                x=round(_PLOT_LEFT + i * step + 1, 2),
                y=round(_PLOT_BOTTOM - height, 2),
                width=round(step - 2, 2),
                height=round(height, 2),
                count=bar.count,
                interval=bar.interval,
            )
        )
    first, last = bars[0].interval.split("–")[0], bars[-1].interval.split("–")[-1]
    ticks = [SvgTick(_PLOT_LEFT, first, "start"), SvgTick(_PLOT_RIGHT, last, "end")]
    if len(bars) >= 4:
        middle = len(bars) // 2
        ticks.insert(1, SvgTick(_PLOT_LEFT + middle * step, bars[middle].interval.split("–")[0], "middle"))
    return Histogram(_SVG_WIDTH, _SVG_HEIGHT, _PLOT_BOTTOM, svg_bars, ticks)


def _fragment_of(
    view: View, *, anchor: str, part: Part = "all", definitions: list[KpiDefinition] | None = None
) -> Markup:
    template = _environment().get_template("report.html.j2")
    return Markup(
        template.render(
            view=view,
            labels=LABELS[view.lang],
            histogram=histogram(view.bars),
            anchor=anchor,
            part=part,
            definitions=definitions or [],
            definition_labels=DEFINITION_LABELS[view.lang],
        )
    )


def _anchor(report: Report) -> str:
    """An id prefix for the report's elements, unique per report on a page that shows several."""
    if isinstance(report, MunicipalityReport):
        return f"jf-m{report.municipality.id}"
    if isinstance(report, NetworkReport):
        return f"jf-n{report.group.id}"
    return f"jf-k{report.kpi}"


def render_fragment(
    report: Report,
    *,
    lang: Lang = "sv",
    max_members: int | None = PAGE_MEMBERS,
    charts: bool = False,
    part: Part = "all",
) -> str:
    """The report's `<section>`: heading, facts, tables, legend and sources, without `<html>` or CSS.

    A network with more than `max_members` members gets several tables per perspective; a page
    that scrolls its tables sideways can pass None for one table each. `charts` adds a small trend
    chart per measure of a municipality report. `part` "head" gives only the heading and facts (a
    `<header>` with the report's `<h1>`), "body" the rest, so a page can put its own controls
    between them; "all" gives both in one `<section>`. The body ends with the KPIs' definitions and
    sources ("Definitioner och källor").
    """
    view = view_of(report, lang, max_members=max_members, charts=charts and part != "head")
    anchor = safe_id(_anchor(report))
    return str(_fragment_of(view, anchor=anchor, part=part, definitions=definitions_of(report)))


def render_fragment_parts(
    report: Report, *, lang: Lang = "sv", max_members: int | None = PAGE_MEMBERS, charts: bool = False
) -> tuple[str, str]:
    """`render_fragment`'s "head" and "body", from one view of the report: a page showing both
    (the website's) lays the report out once instead of twice."""
    view = view_of(report, lang, max_members=max_members, charts=charts)
    anchor = safe_id(_anchor(report))
    head = _fragment_of(view, anchor=anchor, part="head")
    return str(head), str(_fragment_of(view, anchor=anchor, part="body", definitions=definitions_of(report)))


def render_document(
    report: Report, *, lang: Lang = "sv", print_css: str = "", max_members: int | None = PAGE_MEMBERS
) -> str:
    """A complete standalone HTML document for the report, its CSS inlined, no outside resources.

    `print_css` adds CSS rules after the report's own (e.g. another page size for the PDF).
    """
    view = view_of(report, lang, max_members=max_members)
    fragment = _fragment_of(view, anchor=safe_id(_anchor(report)), definitions=definitions_of(report))
    return standalone_document(fragment, lang=view.lang, title=view.title, print_css=print_css)


@dataclass(frozen=True)
class DocumentHead:
    """What `document.html.j2` reads of a report besides its section: language and title."""

    lang: Lang
    title: str


def standalone_document(fragment: str, *, lang: Lang, title: str, print_css: str = "") -> str:
    """A report's section (any report's: `render_fragment`, the compare and Kommunkompassen
    reports') as a complete HTML document: `report.css` inlined, the pages numbered at the
    bottom right when printed, `print_css` after both; no outside resources (the PDFs' source).
    """
    return (
        _environment()
        .get_template("document.html.j2")
        .render(
            view=DocumentHead(lang, title),
            labels=LABELS[lang],
            fragment=Markup(fragment),
            css=Markup(stylesheet()),
            print_css=Markup(print_css),
        )
    )


def safe_id(text: str) -> str:
    """`text` as an HTML id (prefix): ASCII letters, digits, "-" and "_", anything else "-"."""
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "-" for c in text) or "x"
