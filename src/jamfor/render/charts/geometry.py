"""Sweden's 290 municipalities as SVG path data: the bundled geometry, read once per process.

The file (`jamfor/data/geo/sweden.json.gz`, built by `scripts/build_geo.py`, sources in
`jamfor/data/geo/SOURCES.md`) holds path data in a 760 × 1420 viewBox, the county borders, the
outline and the enlarged insets of Stockholm, Göteborg and Malmö.
"""

from __future__ import annotations

import functools
import gzip
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any, Final

GEO_FILE: Final = "sweden.json.gz"

__all__ = ["GEO_FILE", "Geometry", "Inset", "Municipality", "geometry"]


@dataclass(frozen=True)
class Municipality:
    id: str
    name: str
    county: str
    d: str  # SVG path data in viewBox units
    point: tuple[int, int]  # a point inside (the source's label point)
    box: tuple[int, int, int, int]  # x, y, width, height


@dataclass(frozen=True)
class Inset:
    key: str
    name: str
    source: tuple[int, int, int, int]  # x, y, width, height of the enlarged area on the main map
    box: tuple[int, int, int, int]  # where the inset is drawn
    paths: dict[str, str]  # municipality id → path data in the inset's own units
    county_borders: str
    outline: str


@dataclass(frozen=True)
class Geometry:
    width: int
    height: int
    municipalities: dict[str, Municipality]
    county_borders: str
    outline: str
    insets: tuple[Inset, ...]


def _quad(v: Any) -> tuple[int, int, int, int]:
    a, b, c, d = (int(x) for x in v)
    return a, b, c, d


@functools.cache
def geometry() -> Geometry:
    """The bundled geometry, read and parsed on first use (a few ms) and kept for the process."""
    raw = (resources.files("jamfor") / "data" / "geo" / GEO_FILE).read_bytes()
    data = json.loads(gzip.decompress(raw))
    _, _, width, height = _quad(data["viewBox"])
    municipalities = {
        area: Municipality(
            area, m["name"], m["county"], m["d"], (int(m["point"][0]), int(m["point"][1])), _quad(m["box"])
        )
        for area, m in sorted(data["municipalities"].items())
    }
    insets = tuple(
        Inset(
            i["key"],
            i["name"],
            _quad(i["source"]),
            _quad(i["box"]),
            dict(i["municipalities"]),
            i["county_borders"],
            i["outline"],
        )
        for i in data["insets"]
    )
    return Geometry(width, height, municipalities, data["county_borders"], data["outline"], insets)
