"""Server-side SVG charts: declare a chart as a frozen dataclass, render it with one function.

    chart = TrendChart("Sjukpenningtal", (Series("Ronneby", ((2021, 9.8), (2022, 10.4)), "subject"),))
    svg = to_svg(chart)                  # a self-contained, accessible <svg> element as text
    headers, rows = data_table(chart)    # the same figures as a table, shown beside the chart

Three kinds: `TrendChart` (lines over years, or a sparkline with `compact=True`),
`DistributionChart` (every municipality's value, sorted best first, quartiles marked) and
`QuartileMap` (Sweden's 290 municipalities coloured by class). Colour never carries meaning
alone: series also differ in marker and dash, map classes in pattern, and every chart has a
title, a description and a data table. `data_table` returns plain text; the page escapes it as
it escapes everything else. See docs/charts.md.

The package: `declarations` (what a chart shows), `svg` and `words` (shared drawing helpers and
the charts' words), one module per kind (`trend`, `distribution`, `map`) and `geometry` (the
bundled map data).
"""

from __future__ import annotations

from jamfor.render.charts.declarations import (
    MAX_REFERENCES,
    MAX_SERIES,
    AreaValue,
    Chart,
    ChartError,
    DistributionChart,
    DistributionStyle,
    QuartileMap,
    Role,
    Series,
    TrendChart,
)
from jamfor.render.charts.distribution import distribution_svg, distribution_table
from jamfor.render.charts.map import map_svg, map_table
from jamfor.render.charts.radar import MAX_RADAR_SERIES, RadarChart, RadarSeries, radar_svg, radar_table
from jamfor.render.charts.trend import trend_svg, trend_table

__all__ = [
    "MAX_RADAR_SERIES",
    "MAX_REFERENCES",
    "MAX_SERIES",
    "AreaValue",
    "Chart",
    "ChartError",
    "DistributionChart",
    "DistributionStyle",
    "QuartileMap",
    "RadarChart",
    "RadarSeries",
    "Role",
    "Series",
    "TrendChart",
    "data_table",
    "to_svg",
]


def to_svg(chart: Chart | RadarChart) -> str:
    """The chart as a self-contained <svg> element (no scripts, fonts or external references)."""
    if isinstance(chart, TrendChart):
        return trend_svg(chart)
    if isinstance(chart, DistributionChart):
        return distribution_svg(chart)
    if isinstance(chart, QuartileMap):
        return map_svg(chart)
    if isinstance(chart, RadarChart):
        return radar_svg(chart)
    raise TypeError(f"not a chart: {type(chart).__name__}")


def data_table(chart: Chart | RadarChart) -> tuple[list[str], list[list[str]]]:
    """The chart's figures as headers and rows of text, formatted for `chart.lang`."""
    if isinstance(chart, TrendChart):
        return trend_table(chart)
    if isinstance(chart, DistributionChart):
        return distribution_table(chart)
    if isinstance(chart, QuartileMap):
        return map_table(chart)
    if isinstance(chart, RadarChart):
        return radar_table(chart)
    raise TypeError(f"not a chart: {type(chart).__name__}")
