"""Distribution charts: every municipality's value for one KPI and year, sorted best first, quartiles marked."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Final

from jamfor.compute.colour import quartile
from jamfor.compute.rank import competition_rank
from jamfor.compute.reference import median, unweighted_mean
from jamfor.model import Polarity
from jamfor.render import palette, text
from jamfor.render.charts.declarations import AreaValue, ChartError, DistributionChart
from jamfor.render.charts.svg import (
    AXIS,
    GRID,
    INK,
    MUTED,
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
from jamfor.render.charts.words import count_words, figure, polarity_note, sentence, word
from jamfor.render.text import Lang
from jamfor.reports.data import swedish_sort_key
from jamfor.reports.model import Colour

__all__ = ["distribution_svg", "distribution_table"]


@dataclass(frozen=True)
class _Ranked:
    area: AreaValue
    value: float
    rank: int
    quarter: int  # 1 = best (or highest) … 4


def _rank_distribution(chart: DistributionChart) -> tuple[list[_Ranked], list[AreaValue]]:
    """Present values best first (ties by Swedish name), and the areas without a value."""
    values = {a.id: present(a.value) for a in chart.values}
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
# The municipalities' bars or dots (4.3:1 on white, 3.5:1 on the worst-quartile band) and the highlighted one.
MARK: Final = "#7a7a7a"
HIGHLIGHT: Final = palette.LINE["blue"]


def distribution_svg(chart: DistributionChart) -> str:
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
        f'<path d="{"".join(marks)}" stroke="{MARK}" stroke-width="{num(3.2 if dot else bar_width)}" '
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
                f'<path d="M{num(xx)} {num(base)}V{num(vy)}" stroke="{HIGHLIGHT}" stroke-width="{num(max(bar_width, 3))}" class="highlight"/>'
            )
        else:
            out.append(
                f'<circle cx="{num(xx)}" cy="{num(vy)}" r="4.5" fill="{HIGHLIGHT}" stroke="#ffffff" class="highlight"/>'
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
            f'<path d="M{num(xx)} {num(label_y + 4)}V{num(min(vy, base) - 3)}" stroke="{HIGHLIGHT}" stroke-width="1"/>'
        )
        out.append(svg_text(lx, label_y, label, size=size, anchor=anchor, weight="600", halo=True))
    for a in missing:
        if a.id == chart.highlight:
            label = f"{a.name}: {text.label('missing', lang)}"
            out.append(svg_text(left, top - 8, label, size=12, weight="600", halo=True))
    out.append("</svg>")
    return "".join(out)


def distribution_table(chart: DistributionChart) -> tuple[list[str], list[list[str]]]:
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
