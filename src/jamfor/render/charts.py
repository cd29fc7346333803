"""Server-side SVG charts: declare a chart as a frozen dataclass, render it with one function.

    chart = TrendChart("Sjukpenningtal", (Series("Ronneby", ((2021, 9.8), (2022, 10.4)), "subject"),))
    svg = to_svg(chart)                  # a self-contained, accessible <svg> element as text
    headers, rows = data_table(chart)    # the same figures as a table, shown beside the chart

Three kinds: `TrendChart` (lines over years, or a sparkline with `compact=True`),
`DistributionChart` (every municipality's value, sorted best first, quartiles marked) and
`QuartileMap` (Sweden's 290 municipalities coloured by class; drawn by `jamfor.render.geo`).
Colour never carries meaning alone: series also differ in marker and dash, map classes in
pattern, and every chart has a title, a description and a data table. `data_table` returns
plain text; the page escapes it as it escapes everything else. See docs/charts.md.
"""

from __future__ import annotations

import html
import math
import re
import zlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

from jamfor.compute.colour import quartile
from jamfor.compute.rank import competition_rank
from jamfor.compute.reference import median, unweighted_mean
from jamfor.errors import JamforError
from jamfor.model import Polarity
from jamfor.render import text
from jamfor.render.text import Lang
from jamfor.reports.data import swedish_sort_key
from jamfor.reports.model import Colour, ColourScheme

Role = Literal["subject", "reference", "peer"]
DistributionStyle = Literal["bars", "dots"]

MAX_SERIES: Final = 10

__all__ = [
    "MAX_SERIES",
    "AreaValue",
    "Chart",
    "ChartError",
    "DistributionChart",
    "QuartileMap",
    "Role",
    "Series",
    "TrendChart",
    "data_table",
    "to_svg",
]


class ChartError(JamforError):
    """A chart declaration that cannot be drawn (too many series, a bad id prefix, …)."""


# -- declarations ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    """One line of a trend chart: (year, value) points, None where the value is missing (a gap).

    `role` decides emphasis: the `subject` (the municipality the page is about) is drawn on top
    and thickest; `reference` lines (Riket, ovägt medel) and `peer` lines (other municipalities)
    follow it in the order of the style table.
    """

    label: str
    points: tuple[tuple[int, float | None], ...]
    role: Role = "peer"


@dataclass(frozen=True)
class TrendChart:
    """Up to ten series over years. `compact=True` draws a ~160×48 sparkline without text."""

    title: str
    series: tuple[Series, ...]
    unit: str | None = None
    decimals: int | None = None
    polarity: Polarity | None = None  # higher/lower adds "högre/lägre är bättre"
    lang: Lang = "sv"
    width: int | None = None  # default 640 (160 compact)
    height: int | None = None  # default 320 (48 compact)
    compact: bool = False
    show_title: bool = True  # the title also as visible text (always in <title>)
    description: str | None = None  # added to the generated <desc>
    id_prefix: str | None = None  # default: derived from the content


@dataclass(frozen=True)
class AreaValue:
    """One municipality's value in a distribution: SCB code, name, value (None: missing)."""

    id: str
    name: str
    value: float | None


@dataclass(frozen=True)
class DistributionChart:
    """Every municipality's value for one KPI and year, sorted best first, quartiles marked."""

    title: str
    values: tuple[AreaValue, ...]
    polarity: Polarity | None = None  # none/None: sorted highest first, no better or worse
    highlight: str | None = None  # area id, labelled by name
    unit: str | None = None
    decimals: int | None = None
    style: DistributionStyle = "bars"  # bars start at zero; dots use the data's range
    lang: Lang = "sv"
    width: int = 640
    height: int = 300
    show_title: bool = True
    description: str | None = None
    id_prefix: str | None = None


@dataclass(frozen=True)
class QuartileMap:
    """Sweden's municipalities coloured by class: area id ("1081") → colour of `scheme`.

    Municipalities missing from `classes` are grey ("uppgift saknas"). `values` are shown in
    each municipality's tooltip and the data table: numbers are formatted with `decimals`,
    strings shown as given. `href` makes each municipality a link: "/kommun/{id}".
    """

    title: str
    classes: Mapping[str, Colour]
    values: Mapping[str, float | str | None] = field(default_factory=dict)
    scheme: ColourScheme = "quartile"
    reference_label: str | None = None  # the reference scheme's reference: "Riket"
    decimals: int | None = None
    unit: str | None = None
    highlight: str | None = None
    href: str | None = None
    names: Mapping[str, str] = field(default_factory=dict)  # override the bundled names
    insets: bool = True  # enlarged Stockholm, Göteborg and Malmö
    lang: Lang = "sv"
    show_title: bool = True
    description: str | None = None
    id_prefix: str | None = None


Chart = TrendChart | DistributionChart | QuartileMap


def to_svg(chart: Chart) -> str:
    """The chart as a self-contained <svg> element (no scripts, fonts or external references)."""
    if isinstance(chart, TrendChart):
        return _trend_svg(chart)
    if isinstance(chart, DistributionChart):
        return _distribution_svg(chart)
    if isinstance(chart, QuartileMap):
        from jamfor.render.geo import map_svg  # geo builds on this module's helpers

        return map_svg(chart)
    raise TypeError(f"not a chart: {type(chart).__name__}")


def data_table(chart: Chart) -> tuple[list[str], list[list[str]]]:
    """The chart's figures as headers and rows of text, formatted for `chart.lang`."""
    if isinstance(chart, TrendChart):
        return _trend_table(chart)
    if isinstance(chart, DistributionChart):
        return _distribution_table(chart)
    if isinstance(chart, QuartileMap):
        from jamfor.render.geo import map_table

        return map_table(chart)
    raise TypeError(f"not a chart: {type(chart).__name__}")


# -- words -----------------------------------------------------------------------------------------

WORDS: Final[dict[Lang, dict[str, str]]] = {
    "sv": {
        "higher": "högre är bättre",
        "lower": "lägre är bättre",
        "line_chart": "Linjediagram",
        "latest": "Senaste värden",
        "no_values": "inga värden",
        "gaps": "Uppgift saknas",
        "bars": "Stapeldiagram",
        "dots": "Punktdiagram",
        "over": "över",
        "sorted_quality": "kommunerna ordnade från bäst till sämst",
        "sorted_value": "kommunerna ordnade från högst till lägst",
        "axis_quality": "Kommunerna ordnade från bäst till sämst",
        "axis_value": "Kommunerna ordnade från högst till lägst",
        "missing_for": "uppgift saknas för {n}",
        "municipality": "kommun",
        "municipalities": "kommuner",
        "best25": "Bästa 25 %",
        "middle50": "Mellersta 50 %",
        "worst25": "Sämsta 25 %",
        "high25": "Högsta 25 %",
        "low25": "Lägsta 25 %",
        "q1_value": "högsta fjärdedelen",
        "q2_value": "näst högsta fjärdedelen",
        "q3_value": "näst lägsta fjärdedelen",
        "q4_value": "lägsta fjärdedelen",
        "quartile": "Kvartil",
        "map": "Karta över Sveriges {n} kommuner",
        "highlighted": "Markerad",
        "legend": "Förklaring",
        "unit": "Enhet",
    },
    "en": {
        "higher": "higher is better",
        "lower": "lower is better",
        "line_chart": "Line chart",
        "latest": "Latest values",
        "no_values": "no values",
        "gaps": "No data",
        "bars": "Bar chart",
        "dots": "Dot chart",
        "over": "of",
        "sorted_quality": "municipalities sorted from best to worst",
        "sorted_value": "municipalities sorted from highest to lowest",
        "axis_quality": "Municipalities sorted from best to worst",
        "axis_value": "Municipalities sorted from highest to lowest",
        "missing_for": "no data for {n}",
        "municipality": "municipality",
        "municipalities": "municipalities",
        "best25": "Best 25 %",
        "middle50": "Middle 50 %",
        "worst25": "Worst 25 %",
        "high25": "Highest 25 %",
        "low25": "Lowest 25 %",
        "q1_value": "highest quarter",
        "q2_value": "second-highest quarter",
        "q3_value": "second-lowest quarter",
        "q4_value": "lowest quarter",
        "quartile": "Quartile",
        "map": "Map of Sweden's {n} municipalities",
        "highlighted": "Highlighted",
        "legend": "Key",
        "unit": "Unit",
    },
}


def word(key: str, lang: Lang) -> str:
    return WORDS[lang][key]


def count_words(n: int, lang: Lang) -> str:
    """ "1 kommun", "12 kommuner" (with the thin-space thousands of `text.number`)."""
    noun = word("municipality" if n == 1 else "municipalities", lang)
    return f"{text.number(n, 0, lang)} {noun}"


def polarity_note(polarity: Polarity | None, lang: Lang) -> str:
    """ "högre är bättre" / "lägre är bättre"; "" when no direction is better."""
    return word(polarity, lang) if polarity in ("higher", "lower") else ""


def figure(value: float | None, decimals: int | None, unit: str | None, lang: Lang) -> str:
    """A value with its unit: "12,3 %", "4 dagar"; "uppgift saknas" / "no data" when missing."""
    shown = text.number(value, decimals, lang)
    return f"{shown} {unit}" if unit and not text.is_missing(value) else shown


# -- SVG helpers (shared with jamfor.render.geo) ---------------------------------------------------

FONT: Final = "system-ui, sans-serif"
INK: Final = "#1f1f1f"  # text
MUTED: Final = "#595959"  # secondary text: 7:1 on white
GRID: Final = "#e3e3e3"
AXIS: Final = "#767676"  # 4.5:1 on white
CHAR_WIDTH: Final = 0.56  # average glyph width of a system sans-serif, in ems
_ID_PREFIX = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}\Z")


def esc(value: str) -> str:
    """Text and attribute values escaped for XML (&, <, >, " and ')."""
    return html.escape(value, quote=True)


def num(v: float) -> str:
    """A coordinate with one decimal, without "-0.0"."""
    s = f"{v:.1f}"
    if s.endswith(".0"):
        s = s[:-2]
    return "0" if s == "-0" else s


def text_width(s: str, size: float) -> float:
    """Estimated width of `s` at font size `size`: good enough to reserve room, not to measure."""
    return len(s) * size * CHAR_WIDTH


def fit(s: str, width: float, size: float) -> str:
    """`s` shortened with "…" so its estimated width fits `width`."""
    chars = max(1, int(width / (size * CHAR_WIDTH) + 1e-6))
    return s if len(s) <= chars else s[: max(1, chars - 1)].rstrip() + "…"


def wrap(s: str, width: float, size: float, max_lines: int = 3) -> list[str]:
    """Words of `s` on lines of at most `width`; the last line ends in "…" when it does not fit."""
    chars = max(4, int(width / (size * CHAR_WIDTH) + 1e-6))
    lines: list[str] = []
    line = ""
    for w in s.split():
        candidate = f"{line} {w}" if line else w
        if len(candidate) <= chars or not line:
            line = candidate
        else:
            lines.append(line)
            line = w
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], " ".join(lines[max_lines - 1 :])]
    return [fit(x, width, size) for x in lines]


def id_prefix(chart: Chart, kind: str) -> str:
    """The chart's id prefix: as declared (checked), or a stable one derived from its content."""
    if chart.id_prefix is None:
        return f"{kind}-{zlib.crc32(repr(chart).encode('utf-8')):08x}"
    if not _ID_PREFIX.match(chart.id_prefix):
        raise ChartError(
            f"id_prefix {chart.id_prefix!r} is not usable as an SVG id: start with a letter, "
            "then letters, digits, '-' or '_' (at most 64)"
        )
    return chart.id_prefix


def svg_open(
    prefix: str, kind: str, width: float, height: float, title: str, desc: str, *, role: str = "img"
) -> str:
    """The root element with its accessible name (title) and description, and a white background."""
    w, h = num(width), num(height)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{prefix}" class="jamfor-chart jamfor-{kind}" '
        f'viewBox="0 0 {w} {h}" width="100%" style="max-width:{w}px;height:auto" '
        f'role="{role}" aria-labelledby="{prefix}-title {prefix}-desc" '
        f'font-family="{FONT}" fill="{INK}">'
        f'<title id="{prefix}-title">{esc(title)}</title>'
        f'<desc id="{prefix}-desc">{esc(desc)}</desc>'
        f'<rect width="{w}" height="{h}" fill="#ffffff"/>'
    )


def svg_text(
    x: float,
    y: float,
    s: str,
    *,
    size: float = 12,
    anchor: str = "start",
    fill: str | None = None,
    weight: str | None = None,
    halo: bool = False,
) -> str:
    """A <text> element; `halo` draws a white outline under the glyphs so text reads over lines."""
    attrs = f'x="{num(x)}" y="{num(y)}" font-size="{num(size)}"'
    if anchor != "start":
        attrs += f' text-anchor="{anchor}"'
    if fill:
        attrs += f' fill="{fill}"'
    if weight:
        attrs += f' font-weight="{weight}"'
    if halo:
        attrs += ' stroke="#ffffff" stroke-width="3" stroke-linejoin="round" paint-order="stroke"'
    return f"<text {attrs}>{esc(s)}</text>"


def title_lines(
    title: str, x: float, y: float, width: float, size: float, max_lines: int = 2
) -> tuple[str, float]:
    """The visible title, wrapped; returns the SVG and the y below it."""
    out = []
    for line in wrap(title, width, size, max_lines):
        out.append(svg_text(x, y + size * 0.8, line, size=size, weight="600"))
        y += size * 1.25
    return "".join(out), y


def nice_ticks(lo: float, hi: float, target: int = 5) -> tuple[list[float], int]:
    """Round tick values covering lo..hi (about `target` of them) and the decimals they need."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        lo, hi = 0.0, 1.0
    if hi < lo:
        lo, hi = hi, lo
    if hi == lo:
        pad = abs(lo) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / max(1, target - 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw * 0.999)
    start = math.floor(lo / step + 1e-9) * step
    count = math.ceil((hi - start) / step - 1e-9)
    ticks = [round(start + i * step, 10) for i in range(count + 1)]
    decimals = 0
    while decimals < 6 and abs(step * 10**decimals - round(step * 10**decimals)) > 1e-6:
        decimals += 1
    return ticks, decimals


def spread(wanted: Sequence[float], gap: float, top: float, bottom: float) -> list[float]:
    """Label positions near `wanted` (same order) at least `gap` apart, kept within top..bottom."""
    order = sorted(range(len(wanted)), key=lambda i: wanted[i])
    ys = [min(max(wanted[i], top), bottom) for i in order]
    for i in range(1, len(ys)):
        ys[i] = max(ys[i], ys[i - 1] + gap)
    if ys and ys[-1] > bottom:
        ys[-1] = bottom
        for i in range(len(ys) - 2, -1, -1):
            ys[i] = min(ys[i], ys[i + 1] - gap)
    out = [0.0] * len(wanted)
    for rank, i in enumerate(order):
        out[i] = ys[rank]
    return out


def join_names(names: Iterable[str], lang: Lang) -> str:
    """ "A, B och C" / "A, B and C"."""
    items = list(names)
    if len(items) <= 1:
        return "".join(items)
    conj = " och " if lang == "sv" else " and "
    return ", ".join(items[:-1]) + conj + items[-1]


def sentence(s: str) -> str:
    return s[:1].upper() + s[1:] if s else s


# -- trend charts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeriesStyle:
    """How a series looks: Okabe–Ito colour, marker shape and dash pattern (all three differ)."""

    colour: str
    marker: str
    dash: str  # SVG stroke-dasharray; "" for solid


# Ten combinations, each with its own marker, so no two series depend on colour to be told apart.
# Yellow (#F0E442) is left out of the Okabe–Ito set: it is invisible on white.
SERIES_STYLES: Final[tuple[SeriesStyle, ...]] = (
    SeriesStyle("#0072B2", "circle", ""),
    SeriesStyle("#000000", "square", "7 4"),
    SeriesStyle("#D55E00", "triangle", "2 3"),
    SeriesStyle("#009E73", "diamond", "10 3 2 3"),
    SeriesStyle("#CC79A7", "triangle-down", ""),
    SeriesStyle("#E69F00", "circle-open", "7 4"),
    SeriesStyle("#56B4E9", "square-open", "2 3"),
    SeriesStyle("#0072B2", "plus", "10 3 2 3"),
    SeriesStyle("#D55E00", "cross", ""),
    SeriesStyle("#009E73", "triangle-open", "7 4"),
)

_ROLE_ORDER: Final[dict[Role, int]] = {"subject": 0, "reference": 1, "peer": 2}


def marker(shape: str, x: float, y: float, colour: str, r: float = 3.6) -> str:
    """A marker centred on (x, y): filled, open (white inside) or drawn with lines."""
    filled = f'fill="{colour}"'
    open_ = f'fill="#ffffff" stroke="{colour}" stroke-width="1.6"'
    lined = f'fill="none" stroke="{colour}" stroke-width="2"'
    xs, ys = num(x), num(y)
    if shape in ("circle", "circle-open"):
        return f'<circle cx="{xs}" cy="{ys}" r="{num(r)}" {filled if shape == "circle" else open_}/>'
    if shape in ("square", "square-open"):
        s = r * 0.88
        paint = filled if shape == "square" else open_
        return f'<rect x="{num(x - s)}" y="{num(y - s)}" width="{num(2 * s)}" height="{num(2 * s)}" {paint}/>'
    if shape in ("triangle", "triangle-open"):
        d = f"M{num(x)} {num(y - r * 1.15)}L{num(x + r * 1.1)} {num(y + r * 0.8)}L{num(x - r * 1.1)} {num(y + r * 0.8)}Z"
        return f'<path d="{d}" {filled if shape == "triangle" else open_}/>'
    if shape == "triangle-down":
        d = f"M{num(x)} {num(y + r * 1.15)}L{num(x + r * 1.1)} {num(y - r * 0.8)}L{num(x - r * 1.1)} {num(y - r * 0.8)}Z"
        return f'<path d="{d}" {filled}/>'
    if shape == "diamond":
        s = r * 1.25
        d = f"M{num(x)} {num(y - s)}L{num(x + s)} {num(y)}L{num(x)} {num(y + s)}L{num(x - s)} {num(y)}Z"
        return f'<path d="{d}" {filled}/>'
    if shape == "plus":
        s = r * 1.1
        return f'<path d="M{num(x - s)} {num(y)}H{num(x + s)}M{num(x)} {num(y - s)}V{num(y + s)}" {lined}/>'
    s = r * 0.9  # cross
    return f'<path d="M{num(x - s)} {num(y - s)}L{num(x + s)} {num(y + s)}M{num(x - s)} {num(y + s)}L{num(x + s)} {num(y - s)}" {lined}/>'


def series_styles(series: Sequence[Series]) -> list[SeriesStyle]:
    """A style per series: subjects take the first styles, then references, then peers."""
    order = sorted(range(len(series)), key=lambda i: _ROLE_ORDER[series[i].role])
    styles: list[SeriesStyle] = [SERIES_STYLES[0]] * len(series)
    for k, i in enumerate(order):
        styles[i] = SERIES_STYLES[k]
    return styles


def _check_series(chart: TrendChart) -> None:
    if len(chart.series) > MAX_SERIES:
        raise ChartError(
            f"trend chart {chart.title!r} has {len(chart.series)} series; at most {MAX_SERIES} can be told apart"
        )
    for s in chart.series:
        years = [y for y, _ in s.points]
        if len(set(years)) != len(years):
            raise ChartError(f"trend chart {chart.title!r}: series {s.label!r} has a year more than once")


def _present(v: float | None) -> float | None:
    return None if v is None or not math.isfinite(v) else v


def _trend_desc(chart: TrendChart, years: list[int]) -> str:
    lang = chart.lang
    parts: list[str] = []
    names = join_names((s.label for s in chart.series), lang)
    head = f"{word('line_chart', lang)} {text.span(years)}" if years else word("line_chart", lang)
    parts.append(f"{head}: {names}." if names else f"{head}.")
    latest: list[str] = []
    gaps: list[str] = []
    for s in chart.series:
        present = [(y, v) for y, v in sorted(s.points) if _present(v) is not None]
        if present:
            y, v = present[-1]
            latest.append(f"{s.label} {figure(v, chart.decimals, chart.unit, lang)} ({y})")
        else:
            latest.append(f"{s.label} {word('no_values', lang)}")
        missing = [y for y, v in sorted(s.points) if _present(v) is None]
        if missing and present:
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


def _segments(points: list[tuple[float, float | None]]) -> list[list[tuple[float, float]]]:
    """Runs of consecutive present points; a missing value ends a run (a gap, never a zero)."""
    runs: list[list[tuple[float, float]]] = []
    run: list[tuple[float, float]] = []
    for x, y in points:
        if y is None:
            if run:
                runs.append(run)
            run = []
        else:
            run.append((x, y))
    if run:
        runs.append(run)
    return runs


def _line_path(runs: list[list[tuple[float, float]]]) -> str:
    return "".join("M" + "L".join(f"{num(x)} {num(y)}" for x, y in run) for run in runs if len(run) > 1)


def _trend_svg(chart: TrendChart) -> str:
    _check_series(chart)
    lang = chart.lang
    prefix = id_prefix(chart, "trend")
    compact = chart.compact
    width = float(chart.width or (160 if compact else 640))
    height = float(chart.height or (48 if compact else 320))
    series = chart.series
    styles = series_styles(series)
    clean = [sorted((y, _present(v)) for y, v in s.points) for s in series]
    years = sorted({y for pts in clean for y, _ in pts})
    values = [v for pts in clean for _, v in pts if v is not None]
    desc = _trend_desc(chart, years)
    out = [svg_open(prefix, "trend", width, height, chart.title, desc)]

    # Layout: a header (title, unit, polarity), the plot, year labels below, names to the right.
    if compact:
        left, top, right, bottom = 4.0, 5.0, width - 5.0, height - 5.0
        ticks: list[float] = []
        lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
        if lo == hi:
            lo, hi = lo - 1, hi + 1
        tick_decimals = 0
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
        label_width = max((text_width(s.label, 12 * 1.08) for s in series), default=0) + 34
        right = width - 8 - min(label_width, width * 0.38)
        top = y + 8
        bottom = height - 26

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

    # Lines: peers first, the subject last (on top).
    draw_order = sorted(range(len(series)), key=lambda i: -_ROLE_ORDER[series[i].role])
    ends: dict[int, tuple[float, float]] = {}
    for i in draw_order:
        style = styles[i]
        pts = [(x_of(y), None if v is None else y_of(v)) for y, v in clean[i]]
        runs = _segments(pts)
        if not runs:
            continue
        ends[i] = runs[-1][-1]
        subject = series[i].role == "subject"
        stroke_width = (2.2 if subject else 1.4) if compact else (3 if subject else 1.8)
        dash = f' stroke-dasharray="{style.dash}"' if style.dash else ""
        d = _line_path(runs)
        group = [f'<g class="series" data-series="{i}">']
        if d:
            group.append(
                f'<path d="{d}" fill="none" stroke="{style.colour}" stroke-width="{num(stroke_width)}"'
                f'{dash} stroke-linejoin="round" stroke-linecap="round"/>'
            )
        if compact:
            # Only points a line cannot show: isolated values, and where the subject ends.
            dots = [run[0] for run in runs if len(run) == 1]
            if subject:
                dots.append(runs[-1][-1])
            group.extend(
                f'<circle cx="{num(x)}" cy="{num(y)}" r="2" fill="{style.colour}"/>' for x, y in dots
            )
        else:
            group.extend(marker(style.marker, x, y, style.colour) for run in runs for x, y in run)
        group.append("</g>")
        out.append("".join(group))

    if not compact and ends:
        # Direct labels at the line ends, each with its swatch, pushed apart so none overlap.
        labelled = sorted(ends)
        wanted = [ends[i][1] for i in labelled]
        # 15 apart when there is room; closer (and smaller) only on a short chart with many lines.
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
            dash = f' stroke-dasharray="{style.dash}"' if style.dash else ""
            out.append(
                f'<path d="M{num(sx)} {num(yy)}h22" stroke="{style.colour}" stroke-width="2"{dash} fill="none"/>'
                + marker(style.marker, sx + 11, yy, style.colour, 3.2)
            )
            weight = "600" if series[i].role == "subject" else None
            out.append(
                svg_text(sx + 26, yy + 4, fit(series[i].label, label_room, 12), size=12, weight=weight)
            )
    out.append("</svg>")
    return "".join(out)


def _trend_table(chart: TrendChart) -> tuple[list[str], list[list[str]]]:
    _check_series(chart)
    lang = chart.lang
    by_series = [dict(s.points) for s in chart.series]
    years = sorted({y for s in chart.series for y, _ in s.points})
    headers = [text.label("year", lang), *(text.with_unit(s.label, chart.unit) for s in chart.series)]
    rows = [
        [str(year), *(text.number(_present(values.get(year)), chart.decimals, lang) for values in by_series)]
        for year in years
    ]
    return headers, rows


# -- distributions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Ranked:
    area: AreaValue
    value: float
    rank: int
    quarter: int  # 1 = best (or highest) … 4


def _rank_distribution(chart: DistributionChart) -> tuple[list[_Ranked], list[AreaValue]]:
    """Present values best first (ties by Swedish name), and the areas without a value."""
    values = {a.id: _present(a.value) for a in chart.values}
    if len(values) != len(chart.values):
        twice = sorted(area for area, n in Counter(a.id for a in chart.values).items() if n > 1)
        raise ChartError(f"distribution {chart.title!r}: {', '.join(twice)} given more than once")
    ranks = competition_rank(values, chart.polarity, decimals=chart.decimals)
    ranked = [
        _Ranked(a, v, ranks[a.id].rank, quartile(ranks[a.id].rank, ranks[a.id].ranked))
        for a in chart.values
        if (v := values[a.id]) is not None
    ]
    # Ties in Swedish alphabetical order; the sort key is only worth computing for them.
    ranked.sort(
        key=lambda r: (
            r.rank,
            swedish_sort_key(r.area.name) if ranks[r.area.id].is_shared else "",
            r.area.id,
        )
    )
    missing = sorted(
        (a for a in chart.values if values[a.id] is None), key=lambda a: (swedish_sort_key(a.name), a.id)
    )
    return ranked, missing


def _quarter_words(quarter: int, polarity: Polarity | None, lang: Lang) -> str:
    if polarity in ("higher", "lower"):
        colour: Colour = ("green", "lightgreen", "orange", "red")[quarter - 1]
        return text.colour_meaning(colour, "quartile4", lang)
    return word(f"q{quarter}_value", lang)


def _distribution_desc(chart: DistributionChart, ranked: list[_Ranked], missing: list[AreaValue]) -> str:
    lang = chart.lang
    by_quality = chart.polarity in ("higher", "lower")
    present = {r.area.id: r.value for r in ranked}
    parts = [
        f"{word(chart.style, lang)} {word('over', lang)} {count_words(len(ranked), lang)}, "
        f"{word('sorted_quality' if by_quality else 'sorted_value', lang)}."
    ]
    if ranked:
        mean, mid = unweighted_mean(present), median(present)
        parts.append(
            f"{text.label('unweighted_mean', lang)} {figure(mean, chart.decimals, chart.unit, lang)}, "
            f"{text.label('median', lang).lower()} {figure(mid, chart.decimals, chart.unit, lang)}; "
            f"{text.label('minimum', lang).lower()} {figure(min(present.values()), chart.decimals, chart.unit, lang)}, "
            f"{text.label('maximum', lang).lower()} {figure(max(present.values()), chart.decimals, chart.unit, lang)}."
        )
    for r in ranked:
        if r.area.id == chart.highlight:
            parts.append(
                f"{r.area.name}: {figure(r.value, chart.decimals, chart.unit, lang)}, "
                f"{text.place(r.rank, len(ranked), lang)} ({_quarter_words(r.quarter, chart.polarity, lang)})."
            )
    for a in missing:
        if a.id == chart.highlight:
            parts.append(f"{a.name}: {text.label('missing', lang)}.")
    if missing:
        parts.append(sentence(word("missing_for", lang).format(n=count_words(len(missing), lang))) + ".")
    note = polarity_note(chart.polarity, lang)
    if note:
        parts.append(f"{sentence(note)}.")
    if chart.description:
        parts.append(chart.description)
    parts.append(text.label("same_data_below", lang))
    return " ".join(parts)


_BAND_FILL: Final[dict[int, str]] = {1: "#e3f1da", 2: "#ffffff", 3: "#ffffff", 4: "#fbe3de"}


def _distribution_svg(chart: DistributionChart) -> str:
    lang = chart.lang
    prefix = id_prefix(chart, "dist")
    ranked, missing = _rank_distribution(chart)
    width, height = float(chart.width), float(chart.height)
    by_quality = chart.polarity in ("higher", "lower")
    out = [
        svg_open(
            prefix, "distribution", width, height, chart.title, _distribution_desc(chart, ranked, missing)
        )
    ]

    y = 8.0
    if chart.show_title:
        svg_title, y = title_lines(chart.title, 8, y, width - 16, 15)
        out.append(svg_title)
    y += 4
    note = polarity_note(chart.polarity, lang)
    if chart.unit:
        out.append(svg_text(8, y + 10, chart.unit, size=12, fill=MUTED))
    if note:
        arrow = "↑ " if chart.polarity == "higher" else "↓ "
        out.append(svg_text(width - 8, y + 10, arrow + note, size=12, fill=MUTED, anchor="end"))
    if missing:
        gone = sentence(word("missing_for", lang).format(n=count_words(len(missing), lang)))
        out.append(svg_text(width / 2, y + 10, gone, size=12, fill=MUTED, anchor="middle"))
    y += 18
    highlight_row = 18.0 if chart.highlight else 0.0

    values = [r.value for r in ranked]
    if chart.style == "bars":
        ticks, tick_decimals = nice_ticks(min([0.0, *values]), max([0.0, *values]))
    else:
        ticks, tick_decimals = nice_ticks(min(values), max(values)) if values else ([0.0, 1.0], 0)
    lo, hi = ticks[0], ticks[-1]
    tick_labels = [text.number(t, tick_decimals, lang) for t in ticks]
    left = 8 + max(text_width(t, 11) for t in tick_labels) + 6
    right = width - 8 - 96  # room for the mean and median labels
    top = y + highlight_row + 6
    bottom = height - 40
    n = max(1, len(ranked))
    step = (right - left) / n

    def y_of(v: float) -> float:
        return bottom - (v - lo) / (hi - lo) * (bottom - top)

    def x_of(i: float) -> float:
        return left + (i + 0.5) * step

    # Quartile bands behind the bars, their boundaries dashed, their names below the axis.
    quarters = [[i for i, r in enumerate(ranked) if r.quarter == q] for q in (1, 2, 3, 4)]
    edges: dict[int, tuple[float, float]] = {}
    for q, members in enumerate(quarters, start=1):
        if members:
            x0, x1 = left + members[0] * step, left + (members[-1] + 1) * step
            edges[q] = (x0, x1)
            fill = _BAND_FILL[q] if by_quality else ("#f2f2f2" if q in (1, 4) else "#ffffff")
            out.append(
                f'<rect x="{num(x0)}" y="{num(top)}" width="{num(x1 - x0)}" height="{num(bottom - top)}" '
                f'fill="{fill}" data-quartile="{q}"/>'
            )
    grid = "".join(f"M{num(left)} {num(y_of(t))}H{num(right)}" for t in ticks)
    out.append(f'<path d="{grid}" stroke="{GRID}" stroke-width="1" fill="none"/>')
    for t, label in zip(ticks, tick_labels, strict=True):
        out.append(svg_text(left - 6, y_of(t) + 4, label, size=11, anchor="end", fill=MUTED))
    band_names = (
        [(1, 1, word("best25", lang)), (2, 3, word("middle50", lang)), (4, 4, word("worst25", lang))]
        if by_quality
        else [(1, 1, word("high25", lang)), (2, 3, word("middle50", lang)), (4, 4, word("low25", lang))]
    )
    for q0, q1, name in band_names:
        if q0 in edges and q1 in edges:
            x0, x1 = edges[q0][0], edges[q1][1]
            out.append(
                svg_text((x0 + x1) / 2, bottom + 14, fit(name, x1 - x0 - 4, 11), size=11, anchor="middle")
            )
    axis_words = word("axis_quality" if by_quality else "axis_value", lang)
    out.append(
        svg_text(
            (left + right) / 2,
            bottom + 31,
            f"{axis_words} (1–{len(ranked)})",
            size=11,
            anchor="middle",
            fill=MUTED,
        )
    )

    # The values: one path for all bars (or dots), the highlighted municipality drawn apart.
    base = y_of(min(max(0.0, lo), hi))
    marks = []
    highlighted: tuple[int, _Ranked] | None = None
    for i, r in enumerate(ranked):
        if r.area.id == chart.highlight:
            highlighted = (i, r)
            continue
        if chart.style == "bars":
            marks.append(f"M{num(x_of(i))} {num(base)}V{num(y_of(r.value))}")
        else:
            marks.append(f"M{num(x_of(i))} {num(y_of(r.value))}h0.01")
    # Narrow bars touch (a gap under ~1 px only makes moiré); wider ones keep a gap between them.
    bar_width = step + 0.05 if step < 4 else min(step * 0.8, 6.0)
    dot = chart.style == "dots"
    out.append(
        f'<path d="{"".join(marks)}" stroke="#8c8c8c" stroke-width="{num(3.2 if dot else bar_width)}" '
        f'stroke-linecap="{"round" if dot else "butt"}" fill="none"/>'
    )
    out.append(f'<path d="M{num(left)} {num(base)}H{num(right)}" stroke="{AXIS}" stroke-width="1"/>')
    # Quartile boundaries over the bars, so they show through them.
    cuts = "".join(f"M{num(edges[q][0])} {num(top)}V{num(bottom + 14)}" for q in (2, 3, 4) if q in edges)
    if cuts:
        out.append(f'<path d="{cuts}" stroke="{INK}" stroke-width="1" stroke-dasharray="3 3" fill="none"/>')

    # Mean and median: lines across the plot, labelled in the right margin.
    present = {r.area.id: r.value for r in ranked}
    lines = []
    if ranked:
        lines = [
            (text.label("mean", lang), unweighted_mean(present), "7 4", INK),
            (text.label("median", lang), median(present), "2 3", INK),
        ]
    drawn = [(name, v, dash, colour) for name, v, dash, colour in lines if v is not None]
    placed = spread([y_of(v) for _, v, _, _ in drawn], 15, top + 6, bottom - 2)
    for (name, v, dash, colour), ly in zip(drawn, placed, strict=True):
        yy = y_of(v)
        d = f"M{num(left)} {num(yy)}H{num(right + 4)}L{num(right + 10)} {num(ly)}"
        out.append(
            f'<path d="{d}" stroke="#ffffff" stroke-width="4" fill="none"/>'  # a halo, to read over bars
            f'<path d="{d}" stroke="{colour}" stroke-width="1.5" stroke-dasharray="{dash}" fill="none"/>'
        )
        label = f"{name} {text.number(v, chart.decimals, lang)}"
        out.append(svg_text(right + 12, ly + 4, fit(label, width - right - 20, 11), size=11))

    if highlighted is not None:
        i, r = highlighted
        xx, vy = x_of(i), y_of(r.value)
        if chart.style == "bars":
            out.append(
                f'<path d="M{num(xx)} {num(base)}V{num(vy)}" stroke="#0072B2" stroke-width="{num(max(bar_width, 3))}" class="highlight"/>'
            )
        else:
            out.append(
                f'<circle cx="{num(xx)}" cy="{num(vy)}" r="4.5" fill="#0072B2" stroke="#ffffff" class="highlight"/>'
            )
        label = f"{r.area.name} {text.number(r.value, chart.decimals, lang)} ({text.place(r.rank, len(ranked), lang)})"
        label_y = top - 8
        size = 12
        w = text_width(label, size * 1.08)  # bold
        anchor = "middle"
        lx = xx
        if xx - w / 2 < 8:
            anchor, lx = "start", max(8.0, xx - 6)
        elif xx + w / 2 > width - 8:
            anchor, lx = "end", min(width - 8, xx + 6)
        out.append(
            f'<path d="M{num(xx)} {num(label_y + 4)}V{num(min(vy, base) - 3)}" stroke="#0072B2" stroke-width="1"/>'
        )
        out.append(svg_text(lx, label_y, label, size=size, anchor=anchor, weight="600", halo=True))
    for a in missing:
        if a.id == chart.highlight:
            label = f"{a.name}: {text.label('missing', lang)}"
            out.append(svg_text(left, top - 8, label, size=12, weight="600", halo=True))
    out.append("</svg>")
    return "".join(out)


def _distribution_table(chart: DistributionChart) -> tuple[list[str], list[list[str]]]:
    lang = chart.lang
    ranked, missing = _rank_distribution(chart)
    headers = [
        text.label("place", lang),
        text.label("municipality", lang),
        text.with_unit(text.label("value", lang), chart.unit),
        word("quartile", lang),
    ]
    rows = [
        [
            str(r.rank),
            r.area.name,
            text.number(r.value, chart.decimals, lang),
            _quarter_words(r.quarter, chart.polarity, lang),
        ]
        for r in ranked
    ]
    rows += [["", a.name, text.label("missing", lang), ""] for a in missing]
    return headers, rows
