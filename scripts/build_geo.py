"""Build the bundled map geometry of Sweden (municipalities, county borders) as SVG path data.

Reads ``swedish_municipalities.geojson`` of okfse/sweden-geojson (``../shared/data/geo/``),
projects it with a spherical transverse Mercator on 15° E (the central meridian of SWEREF 99 TM,
so the map looks like the maps Swedes know: north up, true proportions), rounds every vertex to a
whole unit of a 760 × 1420 viewBox (one unit ≈ 1.1 km), drops the vertices rounding makes
redundant and writes one gzip JSON file that ``jamfor.render.charts.geometry`` reads. Small, densely packed
municipalities around Stockholm, Göteborg and Malmö are also written at a larger scale for the
map's insets.

County borders and the outline are taken from the municipalities' own shared segments, so they
lie exactly on the municipality borders; ``swedish_regions.geojson`` is simplified differently
and would not line up, so it is not used.

The output is byte-for-byte reproducible (sorted keys, gzip with ``mtime=0`` and no file name).

Usage (from the repository root, with any Python 3.11)::

    python scripts/build_geo.py
    python scripts/build_geo.py --source ../shared/data/geo --out src/jamfor/data/geo/sweden.json.gz
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import itertools
import json
import math
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = Path("../shared/data/geo")
DEFAULT_OUT = Path("src/jamfor/data/geo/sweden.json.gz")
MUNICIPALITIES_FILE = "swedish_municipalities.geojson"
SOURCE_REPOSITORY = "https://github.com/okfse/sweden-geojson"
SOURCE_COMMIT = "ff67bcb030d7d09032ae5f443d27130f05fdf1e0"  # as recorded in shared/data/geo/SOURCES.md

CENTRAL_MERIDIAN = 15.0  # degrees east, as SWEREF 99 TM
MAP_HEIGHT = 1400  # viewBox units from the southernmost to the northernmost point
PADDING = 10  # viewBox units around the country


@dataclass(frozen=True)
class Inset:
    """An enlarged copy of a small area, drawn in a box east of the coast where it hides no land."""

    key: str
    name: str
    lon_lat_box: tuple[float, float, float, float]  # west, south, east, north: what the inset shows
    zoom: float  # inset units per main-map unit
    at: tuple[int, int]  # top-left corner of the inset box on the main map


# The boxes sit in a column east of the coast, over the Baltic and Finland, where they cover no
# Swedish land; the column above them (east of Västerbotten) is left free for the legend.
MAP_WIDTH = 760  # viewBox units: the country (~614) and that column
INSETS: tuple[Inset, ...] = (
    Inset("stockholm", "Stockholm", (17.55, 59.13, 18.55, 59.58), 4.5, (490, 820)),
    Inset("goteborg", "Göteborg", (11.55, 57.55, 12.20, 57.85), 4.0, (490, 1076)),
    Inset("malmo", "Malmö", (12.80, 55.38, 13.35, 55.80), 4.0, (490, 1236)),
)

Point = tuple[float, float]  # projected
Lonlat = tuple[float, float]  # as in the source


def resolve(path: Path) -> Path:
    """Relative paths are taken from the repository root, so the script runs from anywhere."""
    return path if path.is_absolute() else (REPO_ROOT / path)


def transverse_mercator(lon: float, lat: float) -> Point:
    """Spherical transverse Mercator on CENTRAL_MERIDIAN: (easting, northing) in Earth radii."""
    lam = math.radians(lon - CENTRAL_MERIDIAN)
    phi = math.radians(lat)
    b = math.cos(phi) * math.sin(lam)
    return 0.5 * math.log((1 + b) / (1 - b)), math.atan2(math.tan(phi), math.cos(lam))


def polygons(geometry: dict[str, Any]) -> list[list[list[list[float]]]]:
    """The polygons of a GeoJSON Polygon or MultiPolygon, each a list of rings."""
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiPolygon":
        return list(geometry["coordinates"])
    raise ValueError(f"unexpected geometry type {geometry['type']!r}")


def rings_of(geometry: dict[str, Any]) -> list[list[Point]]:
    """Every ring (outer boundaries and holes) projected, without the closing repeat."""
    out: list[list[Point]] = []
    for polygon in polygons(geometry):
        for ring in polygon:
            points = [transverse_mercator(lon, lat) for lon, lat in ring]
            if len(points) > 1 and points[0] == points[-1]:
                points.pop()
            out.append(points)
    return out


@dataclass(frozen=True)
class Frame:
    """Projected coordinates → viewBox units: x grows east, y grows south."""

    west: float
    north: float
    scale: float
    offset_x: float = PADDING
    offset_y: float = PADDING

    def place(self, p: Point) -> tuple[int, int]:
        return (
            round(self.offset_x + (p[0] - self.west) * self.scale),
            round(self.offset_y + (self.north - p[1]) * self.scale),
        )


def clean_ring(points: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Drop repeated and collinear vertices (rounding makes many); neighbours share the rest."""
    ring: list[tuple[int, int]] = []
    for p in points:
        if not ring or ring[-1] != p:
            ring.append(p)
    while len(ring) > 1 and ring[0] == ring[-1]:
        ring.pop()
    changed = True
    while changed and len(ring) > 3:
        changed = False
        kept: list[tuple[int, int]] = []
        n = len(ring)
        for i, b in enumerate(ring):
            a = kept[-1] if kept else ring[i - 1]
            c = ring[(i + 1) % n]
            cross = (b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0])
            dot = (b[0] - a[0]) * (c[0] - b[0]) + (b[1] - a[1]) * (c[1] - b[1])
            if cross == 0 and dot > 0:
                changed = True
                continue
            kept.append(b)
        ring = kept
    return ring


def ring_area(ring: Sequence[tuple[int, int]]) -> float:
    return abs(sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(ring, [*ring[1:], ring[0]], strict=True))) / 2


def path_data(rings: Sequence[Sequence[tuple[int, int]]]) -> str:
    """SVG path data, relative moves after the first point of each ring: "M12 40l3-2 0 5z"."""
    parts: list[str] = []
    for ring in rings:
        x0, y0 = ring[0]
        steps: list[str] = []
        px, py = x0, y0
        for x, y in ring[1:]:
            steps.append(_pair(x - px, y - py))
            px, py = x, y
        parts.append(f"M{x0} {y0}l{_join(steps)}z" if steps else f"M{x0} {y0}z")
    return "".join(parts)


def _pair(dx: int, dy: int) -> str:
    return f"{dx}{dy}" if dy < 0 else f"{dx} {dy}"


def _join(steps: list[str]) -> str:
    # A minus sign separates numbers on its own, so "3-2" needs no space before the "-".
    out = steps[0] if steps else ""
    for s in steps[1:]:
        out += s if s.startswith("-") else " " + s
    return out


def shapes(rings: list[list[Point]], frame: Frame) -> list[list[tuple[int, int]]]:
    """The rings in viewBox units; rings too small to show vanish, but an area always keeps one."""
    placed = [clean_ring(frame.place(p) for p in ring) for ring in rings]
    kept = [r for r in placed if len(r) >= 3 and ring_area(r) > 0]
    if not kept:
        # Keep the largest ring as a triangle-or-more, however small, so every area can be drawn.
        best = max(placed, key=len)
        kept = [best] if len(best) >= 2 else []
    return kept


def edge_owners(features: list[dict[str, Any]]) -> dict[tuple[Lonlat, Lonlat], list[str]]:
    """Every border segment (in source coordinates) → the counties of the municipalities it bounds.

    The source is topologically clean (mapshaper): a segment between two municipalities appears
    in both, once each, so a segment with one owner is coast or national border.
    """
    owners: dict[tuple[Lonlat, Lonlat], list[str]] = defaultdict(list)
    for feature in features:
        county = feature["properties"]["lan_code"]
        for polygon in polygons(feature["geometry"]):
            for ring in polygon:
                for a, b in itertools.pairwise(ring):
                    pa, pb = (a[0], a[1]), (b[0], b[1])
                    if pa != pb:
                        owners[min(pa, pb), max(pa, pb)].append(county)
    return owners


def chains(segments: Iterable[tuple[Lonlat, Lonlat]]) -> list[list[Lonlat]]:
    """Join segments into as few polylines as possible (a path per polyline draws smoothly)."""
    neighbours: dict[Lonlat, list[Lonlat]] = defaultdict(list)
    for a, b in segments:
        neighbours[a].append(b)
        neighbours[b].append(a)
    used: set[tuple[Lonlat, Lonlat]] = set()
    lines: list[list[Lonlat]] = []

    def walk(start: Lonlat) -> list[Lonlat]:
        line = [start]
        here = start
        while True:
            step = next((n for n in neighbours[here] if (min(here, n), max(here, n)) not in used), None)
            if step is None:
                return line
            used.add((min(here, step), max(here, step)))
            line.append(step)
            here = step

    # Ends and junctions first, so lines run between them; what is left are closed loops.
    starts = sorted(p for p, ns in neighbours.items() if len(ns) != 2)
    for start in [*starts, *sorted(neighbours)]:
        while any((min(start, n), max(start, n)) not in used for n in neighbours[start]):
            lines.append(walk(start))
    return lines


def line_data(lines: Iterable[list[Lonlat]], frame: Frame) -> str:
    """Open polylines as SVG path data in viewBox units, repeated vertices dropped."""
    parts: list[str] = []
    for line in lines:
        placed: list[tuple[int, int]] = []
        for lon, lat in line:
            p = frame.place(transverse_mercator(lon, lat))
            if not placed or placed[-1] != p:
                placed.append(p)
        if len(placed) < 2:
            continue
        x0, y0 = placed[0]
        steps = [_pair(b[0] - a[0], b[1] - a[1]) for a, b in itertools.pairwise(placed)]
        parts.append(f"M{x0} {y0}l{_join(steps)}")
    return "".join(parts)


def build(source: Path) -> dict[str, Any]:
    raw = (source / MUNICIPALITIES_FILE).read_bytes()
    features = json.loads(raw.decode("utf-8"))["features"]
    if len(features) != 290:
        raise SystemExit(
            f"{source / MUNICIPALITIES_FILE}: expected 290 municipalities, found {len(features)}"
        )

    projected = {f["properties"]["id"]: rings_of(f["geometry"]) for f in features}
    xs = [p[0] for rings in projected.values() for ring in rings for p in ring]
    ys = [p[1] for rings in projected.values() for ring in rings for p in ring]
    scale = MAP_HEIGHT / (max(ys) - min(ys))
    frame = Frame(min(xs), max(ys), scale)
    height = MAP_HEIGHT + 2 * PADDING

    out_municipalities: dict[str, Any] = {}
    for feature in features:
        props = feature["properties"]
        lat, lon = props["geo_point_2d"]
        rings = shapes(projected[props["id"]], frame)
        xs_i = [x for ring in rings for x, _ in ring]
        ys_i = [y for ring in rings for _, y in ring]
        out_municipalities[props["id"]] = {
            "name": props["kom_namn"],
            "county": props["lan_code"],
            "d": path_data(rings),
            "point": list(frame.place(transverse_mercator(lon, lat))),
            "box": [min(xs_i), min(ys_i), max(xs_i) - min(xs_i), max(ys_i) - min(ys_i)],
        }

    # County borders and the outline come from the municipalities' own segments, so they lie
    # exactly on the municipality borders (the regions file is simplified differently).
    owners = edge_owners(features)
    county_borders = [e for e, c in owners.items() if len(c) == 2 and c[0] != c[1]]
    outline = [e for e, c in owners.items() if len(c) == 1]

    out_insets: list[dict[str, Any]] = []
    right = max(MAP_WIDTH, round((max(xs) - min(xs)) * scale) + 2 * PADDING)
    for inset in INSETS:
        west, south, east, north = inset.lon_lat_box
        corners = [transverse_mercator(lon, lat) for lon in (west, east) for lat in (south, north)]
        box_west, box_east = min(c[0] for c in corners), max(c[0] for c in corners)
        box_south, box_north = min(c[1] for c in corners), max(c[1] for c in corners)
        zoomed = Frame(box_west, box_north, scale * inset.zoom, 0, 0)
        members = {
            area: path_data(shapes(rings, zoomed))
            for area, rings in sorted(projected.items())
            if any(box_west <= x <= box_east and box_south <= y <= box_north for r in rings for x, y in r)
        }
        top_left = frame.place((box_west, box_north))
        bottom_right = frame.place((box_east, box_south))
        size = (
            round((box_east - box_west) * scale * inset.zoom),
            round((box_north - box_south) * scale * inset.zoom),
        )
        right = max(right, inset.at[0] + size[0] + PADDING)
        out_insets.append(
            {
                "key": inset.key,
                "name": inset.name,
                "zoom": inset.zoom,
                # What the inset enlarges, on the main map; where it is drawn and how big.
                "source": [
                    top_left[0],
                    top_left[1],
                    bottom_right[0] - top_left[0],
                    bottom_right[1] - top_left[1],
                ],
                "box": [inset.at[0], inset.at[1], size[0], size[1]],
                "municipalities": members,
                "county_borders": line_data(
                    chains(e for e in county_borders if _inside(e, inset.lon_lat_box, margin=0.3)), zoomed
                ),
                "outline": line_data(
                    chains(e for e in outline if _inside(e, inset.lon_lat_box, margin=0.3)), zoomed
                ),
            }
        )

    return {
        "about": (
            "Municipality borders of Sweden as SVG path data, built by scripts/build_geo.py from "
            "okfse/sweden-geojson (see SOURCES.md). Simplified: for choropleths, not measurement."
        ),
        "source": {
            "repository": SOURCE_REPOSITORY,
            "commit": SOURCE_COMMIT,
            "file": MUNICIPALITIES_FILE,
            "sha256": hashlib.sha256(raw).hexdigest(),
        },
        "projection": f"spherical transverse Mercator, central meridian {CENTRAL_MERIDIAN:g}° E",
        "viewBox": [0, 0, right, height],
        "municipalities": out_municipalities,
        "county_borders": line_data(chains(county_borders), frame),
        "outline": line_data(chains(outline), frame),
        "insets": out_insets,
    }


def _inside(edge: tuple[Lonlat, Lonlat], box: tuple[float, float, float, float], margin: float) -> bool:
    west, south, east, north = box
    return any(
        west - margin <= lon <= east + margin and south - margin <= lat <= north + margin for lon, lat in edge
    )


def write(data: dict[str, Any], out: Path) -> bytes:
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    # mtime=0 and no file name: the same inputs give the same bytes.
    payload = gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(payload)
    return payload


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="folder with the GeoJSON files")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the gzip JSON file to write")
    args = parser.parse_args(argv)
    source, out = resolve(args.source), resolve(args.out)
    data = build(source)
    payload = write(data, out)
    print(f"wrote {out} ({len(payload):,} bytes gzip, viewBox {data['viewBox']})", file=sys.stderr)
    print(f"  {MUNICIPALITIES_FILE} sha256 {data['source']['sha256']}", file=sys.stderr)
    print(f"  {out.name} sha256 {hashlib.sha256(payload).hexdigest()}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
