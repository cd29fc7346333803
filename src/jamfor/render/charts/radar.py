"""Radar (profile) charts: a few series over the same axes, e.g. Kommunkompassen's eight areas.

    chart = RadarChart(
        "Profil",
        ("Offentlighet och demokrati", …),           # one label per axis, clockwise from the top
        (RadarSeries("Huddinge 2017", (79.05, …), "subject"),
         RadarSeries("Medel, 6 utvärderingar", (70.2, …), "reference")),
        max=100,
    )
    svg, (headers, rows) = radar_svg(chart), radar_table(chart)

The subject is solid blue with filled circles and a light fill; references are black or dark grey
with dash patterns and open markers of their own, so the series differ in more than colour. A
missing value is no point on its axis (the outline breaks there) and is named under the chart;
it is never drawn as zero.
"""

from __future__ import annotations

import math
import re
import zlib
from dataclasses import dataclass
from typing import Final, Literal

from jamfor.render import text
from jamfor.render.charts.declarations import ChartError
from jamfor.render.charts.svg import (
    AXIS,
    GRID,
    MUTED,
    fit,
    nice_ticks,
    num,
    present,
    svg_open,
    svg_text,
    title_lines,
    wrap,
)
from jamfor.render.charts.trend import REFERENCE_STYLES, SERIES_STYLES, SeriesStyle, marker
from jamfor.render.charts.words import figure, join_names
from jamfor.render.text import Lang

__all__ = ["MAX_RADAR_SERIES", "RadarChart", "RadarRole", "RadarSeries", "radar_svg", "radar_table"]

RadarRole = Literal["subject", "reference"]
# One subject and up to three references (the trend charts' reference styles): more would not read.
MAX_RADAR_SERIES: Final = 4
_ID_PREFIX = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}\Z")
_SUBJECT_FILL: Final = "#0072B2"

_WORDS: Final[dict[Lang, dict[str, str]]] = {
    "sv": {
        "radar": "Radardiagram (profil) med {n} axlar, skala {lo}–{hi}",
        "axis": "Område",
        "missing": "Uppgift saknas",
    },
    "en": {
        "radar": "Radar chart (profile) with {n} axes, scale {lo}–{hi}",
        "axis": "Area",
        "missing": "No data",
    },
}


@dataclass(frozen=True)
class RadarSeries:
    """One outline: a value per axis (None where it is missing), and its role."""

    label: str
    values: tuple[float | None, ...]
    role: RadarRole = "subject"


@dataclass(frozen=True)
class RadarChart:
    """Axes (3 or more) with a common scale 0..`max`, and one to four series over them.

    `axes` are the axis labels, drawn clockwise from the top. `decimals` says how figures are
    shown (tooltips, description, table); the values themselves stay at full precision.
    """

    title: str
    axes: tuple[str, ...]
    series: tuple[RadarSeries, ...]
    max: float = 100.0
    unit: str | None = None
    decimals: int | None = 0
    lang: Lang = "sv"
    width: int = 640
    height: int = 480
    show_title: bool = True
    description: str | None = None
    id_prefix: str | None = None


def _check(chart: RadarChart) -> None:
    if len(chart.axes) < 3:
        raise ChartError(f"radar chart {chart.title!r} needs at least 3 axes, not {len(chart.axes)}")
    if not chart.series:
        raise ChartError(f"radar chart {chart.title!r} has no series")
    if len(chart.series) > MAX_RADAR_SERIES:
        raise ChartError(
            f"radar chart {chart.title!r} has {len(chart.series)} series; at most {MAX_RADAR_SERIES} "
            "can be told apart"
        )
    if sum(1 for s in chart.series if s.role == "subject") > 1:
        raise ChartError(f"radar chart {chart.title!r} has more than one subject series")
    if not (math.isfinite(chart.max) and chart.max > 0):
        raise ChartError(f"radar chart {chart.title!r}: max must be a positive number, not {chart.max!r}")
    for s in chart.series:
        if len(s.values) != len(chart.axes):
            raise ChartError(
                f"radar chart {chart.title!r}: series {s.label!r} has {len(s.values)} values "
                f"for {len(chart.axes)} axes"
            )


def _prefix(chart: RadarChart) -> str:
    if chart.id_prefix is None:
        return f"radar-{zlib.crc32(repr(chart).encode('utf-8')):08x}"
    if not _ID_PREFIX.match(chart.id_prefix):
        raise ChartError(
            f"id_prefix {chart.id_prefix!r} is not usable as an SVG id: start with a letter, "
            "then letters, digits, '-' or '_' (at most 64)"
        )
    return chart.id_prefix


def _styles(chart: RadarChart) -> list[SeriesStyle]:
    styles = []
    references = iter(REFERENCE_STYLES)
    for s in chart.series:
        styles.append(SERIES_STYLES[0] if s.role == "subject" else next(references))
    return styles


def _desc(chart: RadarChart) -> str:
    lang = chart.lang
    w = _WORDS[lang]
    parts = [
        w["radar"].format(
            n=len(chart.axes), lo=text.number(0, 0, lang), hi=text.number(chart.max, chart.decimals, lang)
        )
        + (f" ({chart.unit})." if chart.unit else ".")
    ]
    for s in chart.series:
        figures = "; ".join(
            f"{axis} {figure(present(v), chart.decimals, None, lang)}"
            for axis, v in zip(chart.axes, s.values, strict=True)
        )
        parts.append(f"{s.label}: {figures}.")
    if chart.description:
        parts.append(chart.description)
    parts.append(text.label("same_data_below", lang))
    return " ".join(parts)


def radar_svg(chart: RadarChart) -> str:
    """The chart as a self-contained <svg> element."""
    _check(chart)
    lang = chart.lang
    prefix = _prefix(chart)
    width, height = float(chart.width), float(chart.height)
    styles = _styles(chart)
    n = len(chart.axes)
    out = [svg_open(prefix, "radar", width, height, chart.title, _desc(chart))]

    y = 8.0
    if chart.show_title:
        svg_title, y = title_lines(chart.title, 8, y, width - 16, 15)
        out.append(svg_title)
    if chart.unit:
        out.append(svg_text(8, y + 14, chart.unit, size=12, fill=MUTED))
        y += 18
    absent = [s.label for s in chart.series if all(present(v) is None for v in s.values)]
    gaps = [
        f"{s.label} ({join_names((a for a, v in zip(chart.axes, s.values, strict=True) if present(v) is None), lang)})"
        for s in chart.series
        if s.label not in absent and any(present(v) is None for v in s.values)
    ]
    legend_rows = len(chart.series)
    bottom_room = 12 + 20 * legend_rows + (18 if absent or gaps else 0)
    label_size = 12.0
    label_width = min(150.0, width * 0.24)
    label_lines = 3
    # The plot: a circle that leaves room for the wrapped axis labels on all sides.
    top = y + 8 + label_lines * label_size * 1.2
    plot_bottom = height - bottom_room - label_lines * label_size * 1.2 - 4
    radius = max(40.0, min((plot_bottom - top) / 2, (width - 2 * label_width - 24) / 2))
    cx, cy = width / 2, top + (plot_bottom - top) / 2

    def angle(i: int) -> float:
        return -math.pi / 2 + 2 * math.pi * i / n

    def point(i: int, value: float) -> tuple[float, float]:
        r = radius * max(0.0, min(value, chart.max)) / chart.max
        return cx + r * math.cos(angle(i)), cy + r * math.sin(angle(i))

    # Rings at round values of the scale, spokes, and the scale's labels along the first spoke.
    ticks, tick_decimals = nice_ticks(0.0, chart.max)
    ticks = [t for t in ticks if 0 < t <= chart.max]
    if not ticks or ticks[-1] != chart.max:
        ticks.append(chart.max)
    rings = []
    for t in ticks:
        pts = [point(i, t) for i in range(n)]
        rings.append("M" + "L".join(f"{num(x)} {num(yy)}" for x, yy in pts) + "Z")
    out.append(f'<path d="{"".join(rings)}" stroke="{GRID}" stroke-width="1" fill="none"/>')
    spokes = "".join(
        f"M{num(cx)} {num(cy)}L{num(point(i, chart.max)[0])} {num(point(i, chart.max)[1])}" for i in range(n)
    )
    out.append(f'<path d="{spokes}" stroke="{AXIS}" stroke-width="1" fill="none"/>')
    for t in ticks:
        _, ty = point(0, t)
        out.append(
            svg_text(cx + 7, ty + 11, text.number(t, tick_decimals, lang), size=10, fill=MUTED, halo=True)
        )

    # Axis labels, wrapped, placed outside the outer ring and anchored away from the centre.
    for i, axis in enumerate(chart.axes):
        a = angle(i)
        lx = cx + (radius + 10) * math.cos(a)
        ly = cy + (radius + 10) * math.sin(a)
        c = math.cos(a)
        anchor = "middle" if abs(c) < 0.2 else ("start" if c > 0 else "end")
        lines = wrap(axis, label_width, label_size, label_lines)
        block = len(lines) * label_size * 1.2
        sin = math.sin(a)
        if sin < -0.2:  # above the centre: the block ends at the ring
            y0 = ly - block + label_size * 0.9
        elif sin > 0.2:  # below: it starts there
            y0 = ly + label_size * 0.9
        else:
            y0 = ly - block / 2 + label_size * 0.9
        for k, line in enumerate(lines):
            out.append(svg_text(lx, y0 + k * label_size * 1.2, line, size=label_size, anchor=anchor))

    # The series: references first, the subject on top.
    order = sorted(range(len(chart.series)), key=lambda k: chart.series[k].role == "subject")
    for k in order:
        s, style = chart.series[k], styles[k]
        subject = s.role == "subject"
        values = [present(v) for v in s.values]
        group = [f'<g class="series" data-series="{k}" data-role="{s.role}">']
        if all(v is not None for v in values):
            pts = [point(i, v) for i, v in enumerate(values) if v is not None]
            d = "M" + "L".join(f"{num(x)} {num(yy)}" for x, yy in pts) + "Z"
            if subject:
                group.append(f'<path d="{d}" fill="{_SUBJECT_FILL}" fill-opacity="0.12" stroke="none"/>')
        else:  # the outline between neighbouring axes that both have a value
            d = ""
            for i in range(n):
                j = (i + 1) % n
                vi, vj = values[i], values[j]
                if vi is not None and vj is not None:
                    (x0, y0), (x1, y1) = point(i, vi), point(j, vj)
                    d += f"M{num(x0)} {num(y0)}L{num(x1)} {num(y1)}"
        if d:
            dash = f' stroke-dasharray="{style.dash}"' if style.dash else ""
            group.append(
                f'<path d="{d}" fill="none" stroke="{style.colour}" stroke-width="{"2.6" if subject else "1.8"}"'
                f'{dash} stroke-linejoin="round"/>'
            )
        for i, v in enumerate(values):
            if v is None:
                continue
            x, yy = point(i, v)
            tip = f"{s.label}, {chart.axes[i]}: {figure(v, chart.decimals, chart.unit, lang)}"
            group.append(marker(style.marker, x, yy, style.colour, 4.0 if subject else 3.6, tip=tip))
        group.append("</g>")
        out.append("".join(group))

    # The legend: a swatch of each series' line and marker, its name; then what is missing.
    ly = height - bottom_room + 16
    for k, s in enumerate(chart.series):
        style = styles[k]
        dash = f' stroke-dasharray="{style.dash}"' if style.dash else ""
        yy = ly + 20 * k
        out.append(
            f'<path d="M16 {num(yy)}h28" stroke="{style.colour}" stroke-width="2"{dash} fill="none"/>'
            + marker(style.marker, 30, yy, style.colour, 3.4)
        )
        weight = "600" if s.role == "subject" else None
        out.append(svg_text(52, yy + 4, fit(s.label, width - 60, 12), size=12, weight=weight))
    if absent or gaps:
        missing = _WORDS[lang]["missing"] + ": " + "; ".join([*absent, *gaps])
        out.append(svg_text(16, ly + 20 * legend_rows + 2, fit(missing, width - 24, 12), size=12, fill=MUTED))
    out.append("</svg>")
    return "".join(out)


def radar_table(chart: RadarChart) -> tuple[list[str], list[list[str]]]:
    """Headers and rows: an axis per row, a column per series, figures as shown."""
    _check(chart)
    lang = chart.lang
    headers = [_WORDS[lang]["axis"], *(text.with_unit(s.label, chart.unit) for s in chart.series)]
    rows = [
        [axis, *(text.number(present(s.values[i]), chart.decimals, lang) for s in chart.series)]
        for i, axis in enumerate(chart.axes)
    ]
    return headers, rows
