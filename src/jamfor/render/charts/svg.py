"""SVG text shared by every chart: escaping, coordinates, text that fits, ids, the root element, ticks."""

from __future__ import annotations

import html
import math
import re
import zlib
from collections.abc import Sequence
from typing import Final

from jamfor.render.charts.declarations import Chart, ChartError

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


def present(v: float | None) -> float | None:
    """The value, or None when it is missing or not a finite number (drawn as a gap, never a zero)."""
    return None if v is None or not math.isfinite(v) else v
