"""Trend charts: lines over years, each named at its end, or a sparkline (`TrendChart(compact=True)`).

Subject and peer series take the ten palette styles in turn; reference series (Riket, ovägt
medel) have black and grey styles of their own, so a page can show ten municipalities and
still draw the country beside them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from jamfor.render import palette, text
from jamfor.render.charts.declarations import MAX_REFERENCES, MAX_SERIES, ChartError, Role, Series, TrendChart
from jamfor.render.charts.svg import (
    AXIS,
    GRID,
    MUTED,
    esc,
    fit,
    id_prefix,
    nice_ticks,
    num,
    present,
    spread,
    svg_open,
    svg_text,
    text_width,
    title_lines,
)
from jamfor.render.charts.words import figure, join_names, polarity_note, sentence, word

__all__ = [
    "REFERENCE_STYLES",
    "SERIES_STYLES",
    "SeriesStyle",
    "marker",
    "series_styles",
    "trend_svg",
    "trend_table",
]


@dataclass(frozen=True)
class SeriesStyle:
    """How a series looks: colour, marker shape and dash pattern (all three differ between styles)."""

    colour: str
    marker: str
    dash: str  # SVG stroke-dasharray; "" for solid


# Ten styles for the subject and the peers, each with its own marker, so no two depend on colour to
# be told apart. Five line colours (`palette.LINE`: at least 3:1 on white, told apart in the common
# colour-vision deficiencies), each used twice with another marker and dash; black and grey are
# the references' colours.
_LINE = palette.LINE
SERIES_STYLES: Final[tuple[SeriesStyle, ...]] = (
    SeriesStyle(_LINE["blue"], "circle", ""),
    SeriesStyle(_LINE["vermillion"], "square", "7 4"),
    SeriesStyle(_LINE["green"], "triangle", "2 3"),
    SeriesStyle(_LINE["purple"], "diamond", "10 3 2 3"),
    SeriesStyle(_LINE["brown"], "triangle-down", ""),
    SeriesStyle(_LINE["blue"], "circle-open", "7 4"),
    SeriesStyle(_LINE["vermillion"], "square-open", "2 3"),
    SeriesStyle(_LINE["green"], "plus", "10 3 2 3"),
    SeriesStyle(_LINE["purple"], "cross", ""),
    SeriesStyle(_LINE["brown"], "triangle-open", "7 4"),
)

# The references': black and dark grey (7:1 on white), dash patterns and markers no series uses.
REFERENCE_STYLES: Final[tuple[SeriesStyle, ...]] = (
    SeriesStyle(palette.REFERENCE_LINE["black"], "diamond-open", "12 3 3 3"),
    SeriesStyle(palette.REFERENCE_LINE["grey"], "triangle-down-open", "1.5 2.5"),
    SeriesStyle(palette.REFERENCE_LINE["black"], "asterisk", ""),
)

_ROLE_ORDER: Final[dict[Role, int]] = {"subject": 0, "reference": 1, "peer": 2}
_WIDTH, _HEIGHT, _TALL_FROM = 640, 320, 10  # from ten series on the lines and labels get more room


def marker(shape: str, x: float, y: float, colour: str, r: float = 3.6, tip: str | None = None) -> str:
    """A marker centred on (x, y): filled, open (white inside, "-open") or drawn with lines.

    `tip` becomes the marker's tooltip (a <title>).
    """
    base = shape.removesuffix("-open")
    paint = (
        f'fill="#ffffff" stroke="{colour}" stroke-width="1.6"'
        if shape.endswith("-open")
        else f'fill="{colour}"'
    )
    xs, ys = num(x), num(y)
    if base == "circle":
        tag, attrs = "circle", f'cx="{xs}" cy="{ys}" r="{num(r)}"'
    elif base == "square":
        s = r * 0.88
        tag, attrs = "rect", f'x="{num(x - s)}" y="{num(y - s)}" width="{num(2 * s)}" height="{num(2 * s)}"'
    elif base in ("triangle", "triangle-down"):
        k = 1 if base == "triangle" else -1  # the apex up or down
        d = (
            f"M{num(x)} {num(y - k * r * 1.15)}L{num(x + r * 1.1)} {num(y + k * r * 0.8)}"
            f"L{num(x - r * 1.1)} {num(y + k * r * 0.8)}Z"
        )
        tag, attrs = "path", f'd="{d}"'
    elif base == "diamond":
        s = r * 1.25
        d = f"M{num(x)} {num(y - s)}L{num(x + s)} {num(y)}L{num(x)} {num(y + s)}L{num(x - s)} {num(y)}Z"
        tag, attrs = "path", f'd="{d}"'
    else:  # drawn with lines: plus, cross, asterisk (both)
        s, c = r * 1.1, r * 0.9
        plus = f"M{num(x - s)} {num(y)}H{num(x + s)}M{num(x)} {num(y - s)}V{num(y + s)}"
        cross = f"M{num(x - c)} {num(y - c)}L{num(x + c)} {num(y + c)}M{num(x - c)} {num(y + c)}L{num(x + c)} {num(y - c)}"
        d = {"plus": plus, "cross": cross}.get(base, plus + cross)
        width = "1.6" if base == "asterisk" else "2"
        tag, paint = "path", f'fill="none" stroke="{colour}" stroke-width="{width}"'
        attrs = f'd="{d}"'
    end = f"><title>{esc(tip)}</title></{tag}>" if tip else "/>"
    return f"<{tag} {attrs} {paint}{end}"


def series_styles(series: Sequence[Series]) -> list[SeriesStyle]:
    """A style per series: subjects take the first palette styles, then peers; references their own."""
    styles: list[SeriesStyle] = [SERIES_STYLES[0]] * len(series)
    ranked = sorted(
        (i for i, s in enumerate(series) if s.role != "reference"), key=lambda i: _ROLE_ORDER[series[i].role]
    )
    for k, i in enumerate(ranked):
        styles[i] = SERIES_STYLES[k]
    for k, i in enumerate(i for i, s in enumerate(series) if s.role == "reference"):
        styles[i] = REFERENCE_STYLES[k]
    return styles


def check_series(chart: TrendChart) -> None:
    references = sum(1 for s in chart.series if s.role == "reference")
    lines = len(chart.series) - references
    if lines > MAX_SERIES:
        raise ChartError(
            f"trend chart {chart.title!r} has {lines} series besides the references; "
            f"at most {MAX_SERIES} can be told apart"
        )
    if references > MAX_REFERENCES:
        raise ChartError(
            f"trend chart {chart.title!r} has {references} reference series; at most {MAX_REFERENCES} "
            "have styles of their own"
        )
    for s in chart.series:
        years = [y for y, _ in s.points]
        if len(set(years)) != len(years):
            raise ChartError(f"trend chart {chart.title!r}: series {s.label!r} has a year more than once")


def _trend_desc(chart: TrendChart, years: list[int]) -> str:
    lang = chart.lang
    parts: list[str] = []
    names = join_names((s.label for s in chart.series), lang)
    head = f"{word('line_chart', lang)} {text.span(years)}" if years else word("line_chart", lang)
    parts.append(f"{head}: {names}." if names else f"{head}.")
    latest: list[str] = []
    gaps: list[str] = []
    for s in chart.series:
        shown = [(y, v) for y, v in sorted(s.points) if present(v) is not None]
        if shown:
            y, v = shown[-1]
            latest.append(f"{s.label} {figure(v, chart.decimals, chart.unit, lang)} ({y})")
        else:
            latest.append(f"{s.label} {word('no_values', lang)}")
        missing = [y for y, v in sorted(s.points) if present(v) is None]
        if missing and shown:
            gaps.append(f"{s.label} {text.span(missing)}")
    if latest:
        parts.append(f"{word('latest', lang)}: {'; '.join(latest)}.")
    note = polarity_note(chart.polarity, lang)
    if note:
        parts.append(f"{sentence(note)}.")
    if gaps:
        parts.append(f"{word('gaps', lang)}: {'; '.join(gaps)}.")
    if chart.description:
        parts.append(chart.description)
    parts.append(text.label("same_data_below", lang))
    return " ".join(parts)


def _segments(
    points: list[tuple[float, float | None, int, float | None]],
) -> list[list[tuple[float, float, int, float]]]:
    """Runs of consecutive present points (x, y, year, value); a missing value ends a run: a gap."""
    runs: list[list[tuple[float, float, int, float]]] = []
    run: list[tuple[float, float, int, float]] = []
    for x, y, year, value in points:
        if y is None or value is None:
            if run:
                runs.append(run)
            run = []
        else:
            run.append((x, y, year, value))
    if run:
        runs.append(run)
    return runs


def _line_path(runs: list[list[tuple[float, float, int, float]]]) -> str:
    return "".join("M" + "L".join(f"{num(x)} {num(y)}" for x, y, _, _ in run) for run in runs if len(run) > 1)


def _dash(style: SeriesStyle) -> str:
    # Butt ends for dashed lines, so the pattern shows as declared; round ends for solid ones.
    return f' stroke-dasharray="{style.dash}"' if style.dash else ' stroke-linecap="round"'


def trend_svg(chart: TrendChart) -> str:
    check_series(chart)
    lang = chart.lang
    prefix = id_prefix(chart, "trend")
    compact = chart.compact
    series = chart.series
    width = float(chart.width or (160 if compact else _WIDTH))
    tall = len(series) >= _TALL_FROM
    default_height = 48 if compact else _HEIGHT + (80 + 20 * (len(series) - _TALL_FROM) if tall else 0)
    height = float(chart.height or default_height)
    styles = series_styles(series)
    clean = [sorted((y, present(v)) for y, v in s.points) for s in series]
    years = sorted({y for pts in clean for y, _ in pts})
    values = [v for pts in clean for _, v in pts if v is not None]
    # Series without a single value draw nothing: they are named under the chart instead.
    absent = {i for i, pts in enumerate(clean) if all(v is None for _, v in pts)}
    desc = _trend_desc(chart, years)
    out = [svg_open(prefix, "trend", width, height, chart.title, desc)]

    # Layout: a header (title, unit, polarity), the plot, year labels below, names to the right.
    if compact:
        left, top, right, bottom = 4.0, 5.0, width - 5.0, height - 5.0
        ticks: list[float] = []
        lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
        if lo == hi:
            lo, hi = lo - 1, hi + 1
    else:
        y = 8.0
        if chart.show_title:
            svg_title, y = title_lines(chart.title, 8, y, width - 16, 15)
            out.append(svg_title)
        y += 4
        unit_line = chart.unit or ""
        note = polarity_note(chart.polarity, lang)
        if unit_line or note:
            if unit_line:
                out.append(svg_text(8, y + 10, unit_line, size=12, fill=MUTED))
            if note:
                arrow = "↑ " if chart.polarity == "higher" else "↓ "
                out.append(svg_text(width - 8, y + 10, arrow + note, size=12, fill=MUTED, anchor="end"))
            y += 18
        ticks, tick_decimals = nice_ticks(min(values), max(values)) if values else ([0.0, 1.0], 0)
        lo, hi = ticks[0], ticks[-1]
        tick_labels = [text.number(t, tick_decimals, lang) for t in ticks]
        left = 8 + max(text_width(t, 11) for t in tick_labels) + 6
        # A label is a gap, a 22-wide swatch, a gap and the name (bold for the subject: wider).
        named = [s.label for i, s in enumerate(series) if i not in absent]
        label_width = max((text_width(name, 12 * 1.08) for name in named), default=0) + 34
        right = width - 8 - min(label_width, width * 0.38)
        top = y + 8
        bottom = height - 26 - (18 if absent else 0)

    def x_of(year: float) -> float:
        if len(years) < 2:
            return (left + right) / 2
        return left + (year - years[0]) / (years[-1] - years[0]) * (right - left)

    def y_of(v: float) -> float:
        return bottom - (v - lo) / (hi - lo) * (bottom - top)

    if not compact:
        # Grid, y labels and the years.
        grid = "".join(f"M{num(left)} {num(y_of(t))}H{num(right)}" for t in ticks)
        out.append(f'<path d="{grid}" stroke="{GRID}" stroke-width="1" fill="none"/>')
        for t, label in zip(ticks, tick_labels, strict=True):
            out.append(svg_text(left - 6, y_of(t) + 4, label, size=11, anchor="end", fill=MUTED))
        out.append(f'<path d="M{num(left)} {num(bottom)}H{num(right)}" stroke="{AXIS}" stroke-width="1"/>')
        every = max(1, math.ceil(len(years) * 34 / max(1.0, right - left)))
        for i, year in enumerate(reversed(years)):  # the latest year always gets its label
            if i % every == 0:
                xx = x_of(year)
                out.append(f'<path d="M{num(xx)} {num(bottom)}v4" stroke="{AXIS}"/>')
                out.append(svg_text(xx, bottom + 16, str(year), size=11, anchor="middle", fill=MUTED))
        if absent:
            gone = f"{word('gaps', lang)}: {join_names((series[i].label for i in sorted(absent)), lang)}"
            out.append(svg_text(8, height - 8, fit(gone, width - 16, 12), size=12, fill=MUTED))

    # Lines: peers first, then the references over them, the subject last (on top).
    draw_order = sorted(range(len(series)), key=lambda i: -_ROLE_ORDER[series[i].role])
    ends: dict[int, tuple[float, float]] = {}
    for i in draw_order:
        style = styles[i]
        s = series[i]
        pts = [(x_of(y), None if v is None else y_of(v), y, v) for y, v in clean[i]]
        runs = _segments(pts)
        if not runs:
            continue
        ends[i] = runs[-1][-1][:2]
        subject = s.role == "subject"
        stroke_width = (2.2 if subject else 1.4) if compact else (3 if subject else 1.8)
        d = _line_path(runs)
        group = [f'<g class="series" data-series="{i}" data-role="{s.role}">']
        if d:
            group.append(
                f'<path d="{d}" fill="none" stroke="{style.colour}" stroke-width="{num(stroke_width)}"'
                f'{_dash(style)} stroke-linejoin="round"/>'
            )
        if compact:
            # Only points a line cannot show: isolated values, and where the subject ends.
            dots = [run[0][:2] for run in runs if len(run) == 1]
            if subject:
                dots.append(runs[-1][-1][:2])
            group.extend(
                f'<circle cx="{num(x)}" cy="{num(y)}" r="2" fill="{style.colour}"/>' for x, y in dots
            )
        else:
            group.extend(
                marker(
                    style.marker,
                    x,
                    y,
                    style.colour,
                    tip=f"{s.label} {year}: {figure(v, chart.decimals, chart.unit, lang)}",
                )
                for run in runs
                for x, y, year, v in run
            )
        group.append("</g>")
        out.append("".join(group))

    if not compact and ends:
        out.append(_end_labels(chart, styles, ends, width, right, top, bottom))
    out.append("</svg>")
    return "".join(out)


def _end_labels(
    chart: TrendChart,
    styles: list[SeriesStyle],
    ends: dict[int, tuple[float, float]],
    width: float,
    right: float,
    top: float,
    bottom: float,
) -> str:
    """Direct labels at the line ends, each with its swatch, pushed apart so none overlap."""
    out = []
    labelled = sorted(ends)
    wanted = [ends[i][1] for i in labelled]
    # 15 apart when there is room; closer only on a short chart with many lines.
    gap = min(15.0, (bottom - top) / max(1, len(labelled)))
    placed = spread(wanted, gap, top + 4, bottom - 2)
    label_room = (width - 8 - (right + 34)) / 1.08
    for i, yy in zip(labelled, placed, strict=True):
        style = styles[i]
        ex, ey = ends[i]
        sx = right + 8
        if abs(yy - ey) > 2 or ex < right - 1:
            out.append(
                f'<path d="M{num(ex + 5)} {num(ey)}L{num(sx - 2)} {num(yy)}" stroke="#b0b0b0" stroke-width="0.8" fill="none"/>'
            )
        out.append(
            f'<path d="M{num(sx)} {num(yy)}h22" stroke="{style.colour}" stroke-width="2"{_dash(style)} fill="none"/>'
            + marker(style.marker, sx + 11, yy, style.colour, 3.2)
        )
        weight = "600" if chart.series[i].role == "subject" else None
        out.append(
            svg_text(sx + 26, yy + 4, fit(chart.series[i].label, label_room, 12), size=12, weight=weight)
        )
    return "".join(out)


def trend_table(chart: TrendChart) -> tuple[list[str], list[list[str]]]:
    check_series(chart)
    lang = chart.lang
    by_series = [dict(s.points) for s in chart.series]
    years = sorted({y for s in chart.series for y, _ in s.points})
    headers = [text.label("year", lang), *(text.with_unit(s.label, chart.unit) for s in chart.series)]
    rows = [
        [str(year), *(text.number(present(values.get(year)), chart.decimals, lang) for values in by_series)]
        for year in years
    ]
    return headers, rows
