"""The `QuartileMap`: Sweden's 290 municipalities as an SVG choropleth, with insets and a legend.

Each class has a fill that differs in lightness from the others and its own marks (dots, lines,
hatching), so the map reads without colour. The geometry comes from `charts.geometry`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from jamfor.compute.colour import COLOURS
from jamfor.compute.reference import is_municipality_id
from jamfor.render import text
from jamfor.render.charts.declarations import ChartError, QuartileMap
from jamfor.render.charts.geometry import Geometry, Inset, Municipality, geometry
from jamfor.render.charts.svg import AXIS, INK, MUTED, esc, fit, id_prefix, num, svg_open, svg_text, wrap
from jamfor.render.charts.words import count_words, figure, sentence, word
from jamfor.reports.data import swedish_sort_key
from jamfor.reports.model import Colour

__all__ = ["FILL", "map_svg", "map_table"]

# Fills by lightness (CIELAB L*): green 44, red 55, lightgreen 72, orange 80, yellow 90, grey 91.
# The graded classes of a scheme differ by at least 8 L* from each other; grey ("uppgift saknas")
# is as light as yellow and is told apart by its cross-hatching and its lack of hue.
FILL: Final[dict[Colour, str]] = {
    "green": "#1b7837",
    "lightgreen": "#7fbf7b",
    "yellow": "#fee08b",
    "orange": "#fdb863",
    "red": "#d6604d",
    "grey": "#e6e6e6",
    "none": "#ffffff",
}

# The marks drawn over each fill, as a 6 × 6 tile with nothing between them; yellow and `none` are
# plain, which is a mark too. Each mark sets its own fill and stroke rather than inheriting them.
_MARKS: Final[dict[Colour, str]] = {
    "green": '<circle cx="3" cy="3" r="1.2" fill="#ffffff" fill-opacity="0.85" stroke="none"/>',
    "lightgreen": '<path d="M0 3H6" stroke="#0b3d16" stroke-opacity="0.55" stroke-width="1" fill="none"/>',
    "yellow": "",
    "orange": '<path d="M3 0V6" stroke="#6b3a00" stroke-opacity="0.55" stroke-width="1" fill="none"/>',
    "red": (
        '<path d="M0 6L6 0M-1.5 1.5L1.5-1.5M4.5 7.5L7.5 4.5" stroke="#ffffff" '
        'stroke-opacity="0.8" stroke-width="1.1" fill="none"/>'
    ),
    "grey": '<path d="M0 0L6 6M6 0L0 6" stroke="#8c8c8c" stroke-width="0.7" fill="none"/>',
    "none": "",
}

# Legend and order of classes for each scheme, best first; `none` is added when it occurs.
_SCHEME_CLASSES: Final = text.SCHEME_COLOURS


@dataclass(frozen=True)
class _Area:
    id: str
    name: str
    colour: Colour
    tooltip: str
    href: str | None


def _classes(chart: QuartileMap) -> dict[str, Colour]:
    """Every municipality's class; grey where `classes` has none. Unknown municipality ids fail."""
    known = geometry().municipalities
    unknown = sorted(a for a in chart.classes if a not in known and is_municipality_id(a))
    if unknown:
        raise ChartError(
            f"map {chart.title!r}: {', '.join(unknown[:5])} {'is not a' if len(unknown) == 1 else 'are not'} "
            "Swedish municipality code(s) in the bundled map"
        )
    strange = sorted({str(c) for c in chart.classes.values() if c not in COLOURS})
    if strange:
        raise ChartError(
            f"map {chart.title!r}: unknown class {', '.join(map(repr, strange))}; use one of {', '.join(COLOURS)}"
        )
    return {area: chart.classes.get(area, "grey") for area in known}


def _legend_order(chart: QuartileMap, classes: dict[str, Colour]) -> list[Colour]:
    order = list(_SCHEME_CLASSES[chart.scheme])
    present = set(classes.values())
    order += [c for c in COLOURS if c in present and c not in order]
    return order


def _value_text(chart: QuartileMap, area: str, *, unit: bool = True) -> str | None:
    v = chart.values.get(area)
    if isinstance(v, str):
        return v or None
    if v is None or text.is_missing(v):
        return None
    return figure(v, chart.decimals, chart.unit if unit else None, chart.lang)


def _areas(chart: QuartileMap) -> tuple[list[_Area], dict[Colour, str]]:
    geo = geometry()
    classes = _classes(chart)
    meanings = {
        c: text.colour_meaning(c, chart.scheme, chart.lang, reference_label=chart.reference_label)
        for c in COLOURS
    }
    missing = text.label("missing", chart.lang)
    areas = []
    for area, m in geo.municipalities.items():
        name = chart.names.get(area) or m.name
        colour = classes[area]
        value = _value_text(chart, area)
        meaning = meanings[colour]
        if value is None:
            tooltip = f"{name}: {meaning or missing}"
        else:
            tooltip = f"{name}: {value} ({meaning})" if meaning else f"{name}: {value}"
        href = chart.href.replace("{id}", area) if chart.href else None
        areas.append(_Area(area, name, colour, tooltip, href))
    return areas, meanings


def _patterns(prefix: str, colours: list[Colour]) -> str:
    """A pattern of marks only (transparent between them) for each class that has marks."""
    return "".join(
        f'<pattern id="{prefix}-p-{c}" width="6" height="6" patternUnits="userSpaceOnUse">{_MARKS[c]}</pattern>'
        for c in colours
        if _MARKS[c]
    )


def _area_path(a: _Area, d: str, path_id: str, *, main: bool, highlighted: bool = False) -> str:
    cls = "area highlight" if highlighted else "area"
    path = f'<path id="{path_id}" data-id="{a.id}" class="{cls} c-{a.colour}" d="{d}"><title>{esc(a.tooltip)}</title></path>'
    if a.href is None:
        return path
    # Inset copies are for the eye: the keyboard and screen readers meet each municipality once.
    hidden = "" if main else ' tabindex="-1"'
    return f'<a href="{esc(a.href)}" aria-label="{esc(a.tooltip)}"{hidden}>{path}</a>'


def _layers(
    prefix: str,
    order: list[Colour],
    areas: list[tuple[_Area, str, str]],
    *,
    main: bool,
    highlight: _Area | None,
    stroke_width: float,
) -> str:
    """The areas filled by class, then each class's marks over them.

    Fill and marks are two layers (the marks reuse the paths with <use>) rather than one
    pattern with an opaque background: PDF viewers that draw pattern tiles one by one
    (poppler) would show the seams between opaque tiles as a white grid.
    """
    fills = [
        f'<g class="areas" stroke="#ffffff" stroke-width="{num(stroke_width)}" stroke-linejoin="round" fill-rule="evenodd">'
    ]
    marks = ['<g class="marks" stroke="none" fill-rule="evenodd" pointer-events="none" aria-hidden="true">']
    for c in order:
        members = [(a, d, path_id) for a, d, path_id in areas if a.colour == c]
        if not members:
            continue
        fills.append(f'<g class="class-{c}" fill="{FILL[c]}">')
        fills.extend(
            _area_path(a, d, path_id, main=main, highlighted=a is highlight) for a, d, path_id in members
        )
        fills.append("</g>")
        if _MARKS[c]:
            uses = "".join(f'<use href="#{path_id}"/>' for _, _, path_id in members)
            marks.append(f'<g fill="url(#{prefix}-p-{c})">{uses}</g>')
    return "".join(fills) + "</g>" + "".join(marks) + "</g>"


def map_svg(chart: QuartileMap) -> str:
    """The map as SVG; see `jamfor.render.charts.QuartileMap`."""
    geo = geometry()
    lang = chart.lang
    prefix = id_prefix(chart, "map")
    areas, meanings = _areas(chart)
    classes = {a.id: a.colour for a in areas}
    order = _legend_order(chart, classes)
    counts = {c: sum(1 for a in areas if a.colour == c) for c in order}
    by_id = {a.id: a for a in areas}
    highlight = by_id.get(chart.highlight) if chart.highlight else None

    desc_parts = [
        f"{word('map', lang).format(n=len(areas))}, {text.scheme_text(chart.scheme, lang, chart.reference_label)}."
    ]
    desc_parts.append(
        "; ".join(
            f"{sentence(meanings[c]) if i == 0 else meanings[c]}: {count_words(counts[c], lang)}"
            for i, c in enumerate(order)
        )
        + "."
    )
    if highlight is not None:
        desc_parts.append(f"{word('highlighted', lang)}: {highlight.tooltip}.")
    if chart.description:
        desc_parts.append(chart.description)
    desc_parts.append(text.label("same_data_below", lang))
    role = "group" if chart.href else "img"  # role=img would hide the links from assistive technology
    out = [svg_open(prefix, "map", geo.width, geo.height, chart.title, " ".join(desc_parts), role=role)]

    defs = [_patterns(prefix, order)]
    if chart.insets:
        defs += [
            f'<clipPath id="{prefix}-clip-{i.key}"><rect width="{i.box[2]}" height="{i.box[3]}"/></clipPath>'
            for i in geo.insets
        ]
    out.append(f"<defs>{''.join(defs)}</defs>")
    if chart.href:
        # A focused municipality turns black: a ring alone is lost on the smallest shapes.
        out.append(
            f"<style>#{prefix} a:hover path{{stroke:#000000;stroke-width:2}}"
            f"#{prefix} a:focus path{{fill:#0b0c0c;stroke:#000000;stroke-width:3}}</style>"
        )

    # Municipalities, then county borders and the outline on top (they never take the pointer).
    main = [(a, geo.municipalities[a.id].d, f"{prefix}-m{a.id}") for a in areas]
    out.append('<g class="municipalities">')
    out.append(_layers(prefix, order, main, main=True, highlight=highlight, stroke_width=0.6))
    out.append("</g>")
    out.append(
        f'<path class="county-borders" d="{geo.county_borders}" fill="none" stroke="#3a3a3a" stroke-width="1" '
        'stroke-linejoin="round" pointer-events="none"/>'
        f'<path class="outline" d="{geo.outline}" fill="none" stroke="#6b6b6b" stroke-width="0.7" '
        'stroke-linejoin="round" pointer-events="none"/>'
    )

    if chart.insets:
        for inset in geo.insets:
            out.append(_inset(prefix, inset, by_id, order, highlight))

    if highlight is not None:
        out.append(_highlight(geo.municipalities[highlight.id], highlight.name))

    out.append(_title_and_legend(chart, prefix, geo, order, counts, meanings, highlight))
    out.append("</svg>")
    return "".join(out)


_RING_BELOW: Final = 24  # municipalities smaller than this (in viewBox units) also get a ring


def _highlight(m: Municipality, name: str) -> str:
    """A black outline on a white halo; a ring around small municipalities; the name beside it."""
    x, y, w, h = m.box
    parts = [
        f'<g class="highlight" data-id="{m.id}" pointer-events="none">',
        f'<path d="{m.d}" fill="none" stroke="#ffffff" stroke-width="5" stroke-linejoin="round"/>',
        f'<path d="{m.d}" fill="none" stroke="#000000" stroke-width="2.2" stroke-linejoin="round"/>',
    ]
    cx, cy = x + w / 2, y + h / 2
    reach = max(w, h) / 2
    if max(w, h) < _RING_BELOW:
        reach += 8
        parts.append(
            f'<circle cx="{num(cx)}" cy="{num(cy)}" r="{num(reach)}" fill="none" stroke="#ffffff" stroke-width="5"/>'
            f'<circle cx="{num(cx)}" cy="{num(cy)}" r="{num(reach)}" fill="none" stroke="#000000" stroke-width="2.5"/>'
        )
    # The name goes on the side with more room: west of eastern municipalities, east of the others.
    east = cx > 330
    gap = (reach if max(w, h) < _RING_BELOW else w / 2) + 6
    parts.append(
        svg_text(
            cx - gap if east else cx + gap,
            cy + 6,
            name,
            size=20,
            weight="700",
            anchor="end" if east else "start",
            halo=True,
        )
    )
    parts.append("</g>")
    return "".join(parts)


def _inset(
    prefix: str, inset: Inset, by_id: dict[str, _Area], order: list[Colour], highlight: _Area | None
) -> str:
    x, y, w, h = inset.box
    sx, sy, sw, sh = inset.source
    parts = [
        f'<g class="inset" data-inset="{inset.key}">',
        f'<rect x="{sx}" y="{sy}" width="{sw}" height="{sh}" fill="none" stroke="{INK}" stroke-width="1" pointer-events="none"/>',
        svg_text(x, y - 6, inset.name, size=16, weight="600"),
        f'<g transform="translate({x} {y})" clip-path="url(#{prefix}-clip-{inset.key})">',
        f'<rect width="{w}" height="{h}" fill="#ffffff"/>',
    ]
    members = [(by_id[area], d, f"{prefix}-{inset.key}-{area}") for area, d in inset.paths.items()]
    parts.append(_layers(prefix, order, members, main=False, highlight=None, stroke_width=0.8))
    parts.append(
        f'<path d="{inset.county_borders}" fill="none" stroke="#3a3a3a" stroke-width="1.2" pointer-events="none"/>'
        f'<path d="{inset.outline}" fill="none" stroke="#6b6b6b" stroke-width="0.8" pointer-events="none"/>'
    )
    if highlight is not None and highlight.id in inset.paths:
        parts.append(
            f'<path d="{inset.paths[highlight.id]}" fill="none" stroke="#000000" stroke-width="2.5" '
            'fill-rule="evenodd" pointer-events="none"/>'
        )
    parts.append("</g>")
    parts.append(
        f'<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="none" stroke="{AXIS}" stroke-width="1"/>'
    )
    parts.append("</g>")
    return "".join(parts)


_TITLE_WIDTH: Final = 270.0  # the free corner north-west of the border (Norway's side)
_LEGEND_X: Final = 490.0  # the free column east of the coast, above the insets
_LEGEND_Y: Final = 580.0


def _title_and_legend(
    chart: QuartileMap,
    prefix: str,
    geo: Geometry,
    order: list[Colour],
    counts: dict[Colour, int],
    meanings: dict[Colour, str],
    highlight: _Area | None,
) -> str:
    lang = chart.lang
    out: list[str] = []
    if chart.show_title:
        y = 12.0
        for line in wrap(chart.title, _TITLE_WIDTH, 22, max_lines=4):
            out.append(svg_text(12, y + 19, line, size=22, weight="600"))
            y += 27
    # Sizes in viewBox units: the map is usually shown at 450–760 px wide, so 16 is 10–16 px.
    size, line_height = 16.0, 19.0
    right = geo.width - 10.0
    x = _LEGEND_X
    y = _LEGEND_Y
    out.append(f'<g class="legend" data-total="{sum(counts.values())}">')
    out.append(svg_text(x, y, text.label("colour_legend", lang), size=18, weight="600"))
    y += 12
    text_x = x + 36
    for c in order:
        lines = wrap(sentence(meanings[c] or c), right - text_x - 40, size, max_lines=2)
        out.append(
            f'<g class="legend-item" data-class="{c}" data-count="{counts[c]}">'
            f'<rect x="{x}" y="{y + 3}" width="28" height="20" fill="{FILL[c]}" stroke="{MUTED}" stroke-width="0.8"/>'
            + (
                f'<rect x="{x}" y="{y + 3}" width="28" height="20" fill="url(#{prefix}-p-{c})"/>'
                if _MARKS[c]
                else ""
            )
        )
        for k, line in enumerate(lines):
            out.append(svg_text(text_x, y + 18 + k * line_height, line, size=size))
        count = text.number(counts[c], 0, lang)
        out.append(svg_text(right, y + 18, count, size=size, anchor="end", weight="600"))
        out.append("</g>")
        y += 10 + line_height * len(lines)
    total = count_words(sum(counts.values()), lang)
    out.append(svg_text(right, y + 14, total, size=14, anchor="end", fill=MUTED))
    y += 24
    if highlight is not None:
        y += 6
        out.append(
            f'<circle cx="{x + 14}" cy="{y + 11}" r="10" fill="none" stroke="#000000" stroke-width="2.5"/>'
        )
        label = f"{word('highlighted', lang)}: {highlight.name}"
        out.append(svg_text(text_x, y + 17, fit(label, right - text_x, size), size=size))
    out.append("</g>")
    return "".join(out)


def map_table(chart: QuartileMap) -> tuple[list[str], list[list[str]]]:
    """One row per municipality in Swedish alphabetical order: name, value (if any), colour in words."""
    lang = chart.lang
    areas, _ = _areas(chart)
    with_values = bool(chart.values)
    headers = [text.label("municipality", lang)]
    if with_values:
        headers.append(text.with_unit(text.label("value", lang), chart.unit))
    headers.append(text.label("colour", lang))
    words = {
        c: text.colour_words(c, chart.scheme, lang, reference_label=chart.reference_label) for c in COLOURS
    }
    missing = text.label("missing", lang)
    rows = []
    for a in sorted(areas, key=lambda a: (swedish_sort_key(a.name), a.id)):
        row = [a.name]
        if with_values:
            row.append(_value_text(chart, a.id, unit=False) or missing)
        row.append(words[a.colour])
        rows.append(row)
    return headers, rows
