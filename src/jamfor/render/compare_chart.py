"""The compare report's line chart as SVG geometry: one line per area, the country's mean dashed.

Drawn by hand like the KPI report's histogram (no JavaScript, no outside requests, the same in the
PDF). Every line has its own colour and marker shape, so the legend reads without colour too,
and the table beside the chart holds the same figures.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from jamfor.render import text
from jamfor.render.text import Lang, label
from jamfor.reports.compare import CompareReport

WIDTH: Final = 640
HEIGHT: Final = 300
_TOP = 12
_BOTTOM = 268  # the x axis; year labels below it
_RIGHT = 628
_FONT = 12

# Ten colours dark enough for thin lines on white (Tableau 10, the light ones darkened).
SERIES_COLOURS: Final = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#9467bd",
    "#e08214",
    "#8c564b",
    "#d6619f",
    "#0f8f9c",
    "#3a3f8f",
    "#8a8b1e",
)
MARKERS: Final = ("circle", "square", "triangle", "diamond", "triangle-down")
MEAN_COLOUR: Final = "#595959"


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    marker: str  # SVG path data of the point's marker
    text: str  # "Ronneby 2020: 6,8", the point's tooltip


@dataclass(frozen=True)
class ChartLine:
    name: str
    legend: str  # the name, with "uppgift saknas" for an area without a value in any year
    colour: str
    fill: str  # the marker's fill: the line's colour, or white for a hollow marker
    dash: str  # stroke-dasharray, "" for a solid line
    path: str  # SVG path data; a missing year breaks the line
    points: list[ChartPoint]
    icon: str  # the marker at (15, 7) for a 30 × 14 legend icon


@dataclass(frozen=True)
class Tick:
    pos: float
    text: str


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    title: str
    lines: list[ChartLine]
    x_ticks: list[Tick]
    y_ticks: list[Tick]


def nice_ticks(low: float, high: float, count: int = 5) -> tuple[list[float], int]:
    """Round tick values covering low…high (about `count` intervals) and the decimals to show them with."""
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError("ticks need finite values")
    if high < low:
        low, high = high, low
    if high == low:
        pad = abs(low) * 0.1 or 1.0
        low, high = low - pad, high + pad
    raw = (high - low) / count
    magnitude = 10.0 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw * (1 - 1e-9))
    start = math.floor(low / step + 1e-9) * step
    end = math.ceil(high / step - 1e-9) * step
    n = round((end - start) / step)
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    if decimals > 0 and not math.isclose(round(step, decimals), step):
        decimals += 1  # a step of 2.5 or 0.25 needs one place more
    return [round(start + i * step, decimals + 2) + 0.0 for i in range(n + 1)], decimals


def marker_path(shape: str, x: float, y: float, size: float = 4.0) -> str:
    """SVG path data for a marker centred on (x, y)."""
    s = size
    if shape == "square":
        s *= 0.85
        return f"M{x - s:.1f} {y - s:.1f}h{2 * s:.1f}v{2 * s:.1f}h{-2 * s:.1f}Z"
    if shape == "triangle":
        s *= 1.15
        return f"M{x:.1f} {y - s:.1f}L{x + s:.1f} {y + s * 0.8:.1f}L{x - s:.1f} {y + s * 0.8:.1f}Z"
    if shape == "triangle-down":
        s *= 1.15
        return f"M{x:.1f} {y + s:.1f}L{x + s:.1f} {y - s * 0.8:.1f}L{x - s:.1f} {y - s * 0.8:.1f}Z"
    if shape == "diamond":
        s *= 1.2
        return f"M{x:.1f} {y - s:.1f}L{x + s:.1f} {y:.1f}L{x:.1f} {y + s:.1f}L{x - s:.1f} {y:.1f}Z"
    return f"M{x - s:.1f} {y:.1f}a{s:.1f} {s:.1f} 0 1 0 {2 * s:.1f} 0a{s:.1f} {s:.1f} 0 1 0 {-2 * s:.1f} 0Z"


def _path(points: Sequence[tuple[float, float] | None]) -> str:
    """Path data joining consecutive points; None (a missing year) lifts the pen."""
    parts: list[str] = []
    pen_down = False
    for point in points:
        if point is None:
            pen_down = False
            continue
        x, y = point
        parts.append(f"{'L' if pen_down else 'M'}{x:.1f} {y:.1f}")
        pen_down = True
    return "".join(parts)


def line_chart(report: CompareReport, lang: Lang = "sv") -> LineChart | None:
    """The chart of every area's values and the country's unweighted mean; None when nothing has a value."""
    years = report.years
    series_values = [[s.value(y) for y in years] for s in report.series]
    mean_values = [report.country[y].mean if y in report.country else None for y in years]
    shown = [
        v for values in [*series_values, mean_values] for v in values if v is not None and math.isfinite(v)
    ]
    if not years or not shown:
        return None
    ticks, tick_decimals = nice_ticks(min(shown), max(shown))
    low, high = ticks[0], ticks[-1]
    tick_texts = [text.number(t, tick_decimals, lang) for t in ticks]
    left = 10 + 7 * max(len(t) for t in tick_texts)
    first, last = years[0], years[-1]

    def x_of(year: int) -> float:
        if first == last:
            return (left + _RIGHT) / 2
        return left + 10 + (year - first) / (last - first) * (_RIGHT - left - 20)

    def y_of(value: float) -> float:
        return _BOTTOM - (value - low) / (high - low) * (_BOTTOM - _TOP)

    lines = []
    entries: list[tuple[str, list[float | None], str, str, str, str]] = []
    for i, (s, values) in enumerate(zip(report.series, series_values, strict=True)):
        colour = SERIES_COLOURS[i % len(SERIES_COLOURS)]
        shape = MARKERS[i % len(MARKERS)]
        hollow = (i // len(MARKERS)) % 2 == 1
        entries.append((s.area.name, values, colour, "#ffffff" if hollow else colour, "", shape))
    if any(not text.is_missing(v) for v in mean_values):
        name = label("compare_chart_mean", lang)
        entries.append((name, mean_values, MEAN_COLOUR, "#ffffff", "6 4", "none"))
    for name, values, colour, fill, dash, shape in entries:
        coords: list[tuple[float, float] | None] = [
            None if v is None or not math.isfinite(v) else (x_of(y), y_of(v))
            for y, v in zip(years, values, strict=True)
        ]
        points = [
            ChartPoint(
                round(c[0], 1),
                round(c[1], 1),
                marker_path(shape, c[0], c[1]) if shape != "none" else "",
                f"{name} {y}: {text.number(v, report.decimals, lang)}",
            )
            for y, v, c in zip(years, values, coords, strict=True)
            if c is not None
        ]
        icon = marker_path(shape, 15, 7) if shape != "none" else ""
        legend = name if points else f"{name} ({label('missing', lang)})"
        lines.append(ChartLine(name, legend, colour, fill, dash, _path(coords), points, icon))
    step = 1 if len(years) <= 12 else 2
    x_ticks = [Tick(round(x_of(y), 1), str(y)) for y in years[::-1][::step][::-1]]
    y_ticks = [Tick(round(y_of(t), 1), tt) for t, tt in zip(ticks, tick_texts, strict=True)]
    return LineChart(
        WIDTH,
        HEIGHT,
        left,
        _RIGHT,
        _TOP,
        _BOTTOM,
        text.with_unit(label("compare_chart", lang), report.unit),
        lines,
        x_ticks,
        y_ticks,
    )
