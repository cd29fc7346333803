"""Ranking definitions as data: which measures, in which areas, weighted how, normalised how.

A definition is a YAML file (bundled ones in `jamfor/data/rankings/`; users may pass their own):

    id: kvalitet-kkik
    title: Kvalitetsrankning efter KKiK-måtten
    description: …
    method: grades            # mean_rank | grades | zscore (see jamfor.compute.ranking)
    coverage: 0.6             # share of measures a municipality needs a value for
    within: country           # country | kommungrupp
    measure_set: kkik-2015-2017   # take the measures from a measure set …
    areas:                    # … with these area weights (default 1 for areas not listed)
      - {name: Kvalitet, weight: 2}
    measures:                 # … and/or list measures explicitly
      - {kpi: N15428, area: Kvalitet, weight: 1, polarity: higher}
    development_years: 4      # window of "bästa utvecklingskommun"
    bootstrap: {samples: 500, seed: 2025}

Measures taken from a measure set are those with a direction (polarity higher or lower) that
are colour-graded: cost and volume measures say nothing about quality and are left out, as
KKiK leaves them uncoloured. Everything is validated with the file and the key named.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Final

import yaml

from jamfor.compute.ranking import METHODS, Direction, Method
from jamfor.errors import NotFoundError, Problem, ValidationError
from jamfor.measuresets import find_measure_set
from jamfor.model import Kpi

WITHIN: Final = ("country", "kommungrupp")
_KEYS: Final = (
    "id",
    "title",
    "description",
    "method",
    "coverage",
    "within",
    "measure_set",
    "areas",
    "measures",
    "development_years",
    "bootstrap",
)


@dataclass(frozen=True)
class RankingMeasure:
    kpi: str
    area: str
    weight: float = 1.0
    polarity: Direction | None = None  # None: the KPI's curated polarity
    year_offset: int = 0


@dataclass(frozen=True)
class RankingDefinition:
    id: str
    title: str
    description: str | None
    method: Method
    coverage: float
    within: str
    measure_set: str | None
    area_weights: dict[str, float]
    measures: tuple[RankingMeasure, ...]
    development_years: int
    bootstrap_samples: int
    bootstrap_seed: int
    origin: str  # the file it came from

    @property
    def areas(self) -> list[str]:
        return list(dict.fromkeys(m.area for m in self.measures))

    def resolved(self, catalogue: dict[str, Kpi]) -> tuple[list[tuple[RankingMeasure, Direction]], list[str]]:
        """(measure, direction) for measures whose direction is known, and the ids left out (why)."""
        kept: list[tuple[RankingMeasure, Direction]] = []
        dropped: list[str] = []
        for m in self.measures:
            kpi = catalogue.get(m.kpi)
            if kpi is None:
                dropped.append(f"{m.kpi}: the store has no such KPI")
                continue
            direction = m.polarity or kpi.polarity
            if direction not in ("higher", "lower"):
                dropped.append(f"{m.kpi}: no direction (polarity {direction or 'not curated'})")
                continue
            kept.append((m, direction))
        return kept, dropped


def _fail(origin: str, reason: str, key: str | None = None) -> ValidationError:
    return ValidationError([Problem(origin, None, key, reason)])


def _number(origin: str, value: Any, key: str, *, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(origin, f"must be a number, not {value!r}", key)
    try:
        number = float(value)
    except OverflowError:
        raise _fail(origin, f"must be between {low:g} and {high:g}", key) from None
    if not low <= number <= high:
        raise _fail(origin, f"must be between {low:g} and {high:g}, not {number:g}", key)
    return number


def parse_definition(text: str, origin: str = "<text>") -> RankingDefinition:
    """A validated definition from YAML text; errors name `origin` and the key."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise _fail(origin, f"not valid YAML: {exc}") from None
    except RecursionError:
        raise _fail(origin, "is nested too deeply to be read") from None
    if not isinstance(data, dict):
        raise _fail(origin, "a ranking definition is a mapping with id, title, method and measures")
    unknown = sorted(str(key) for key in set(data) - set(_KEYS))
    if unknown:
        raise _fail(origin, f"unknown keys {', '.join(unknown)}; known: {', '.join(_KEYS)}")
    for key in ("id", "title"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise _fail(origin, "is required and must be text", key)
    method = data.get("method", "grades")
    if method not in METHODS:
        raise _fail(origin, f"must be one of {', '.join(METHODS)}, not {method!r}", "method")
    coverage = _number(origin, data.get("coverage", 0.6), "coverage", low=0.01, high=1.0)
    within = data.get("within", "country")
    if within not in WITHIN:
        raise _fail(origin, f"must be one of {', '.join(WITHIN)}, not {within!r}", "within")
    for key in ("areas", "measures"):
        if not isinstance(data.get(key) or [], list):
            raise _fail(origin, "must be a list", key)
    weights: dict[str, float] = {}
    for index, item in enumerate(data.get("areas") or []):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise _fail(origin, f"item {index + 1} must have a name and a weight", "areas")
        weights[item["name"]] = _number(
            origin, item.get("weight", 1), f"areas[{item['name']}].weight", low=0.0, high=1000.0
        )
    measures: list[RankingMeasure] = []
    set_name = data.get("measure_set")
    if set_name is not None:
        if not isinstance(set_name, str):
            raise _fail(origin, "must be the id or title of a measure set", "measure_set")
        try:
            measure_set = find_measure_set(set_name)
        except NotFoundError as exc:
            raise _fail(origin, str(exc), "measure_set") from None
        for m in measure_set.measures:
            if m.colour_graded is False or m.polarity == "none":
                continue
            polarity: Direction | None = m.polarity if m.polarity in ("higher", "lower") else None
            measures.append(RankingMeasure(m.kpi, m.perspective, 1.0, polarity, m.year_offset))
    for index, item in enumerate(data.get("measures") or []):
        where = f"measures[{index + 1}]"
        if not isinstance(item, dict):
            raise _fail(origin, "must be a mapping with kpi and area", where)
        kpi, area = item.get("kpi"), item.get("area")
        if not isinstance(kpi, str) or not isinstance(area, str) or not kpi.strip() or not area.strip():
            raise _fail(origin, "needs a kpi id and an area name", where)
        polarity_value = item.get("polarity")
        if polarity_value not in (None, "higher", "lower"):
            raise _fail(origin, f"polarity must be higher or lower, not {polarity_value!r}", where)
        measures.append(
            RankingMeasure(
                kpi.strip().upper(),
                area.strip(),
                _number(origin, item.get("weight", 1), f"{where}.weight", low=0.0, high=1000.0),
                polarity_value,
                int(_number(origin, item.get("year_offset", 0), f"{where}.year_offset", low=-10, high=10)),
            )
        )
    if not measures:
        raise _fail(origin, "a ranking needs at least one measure (measure_set or measures)")
    seen: set[str] = set()
    for listed in measures:
        if listed.kpi in seen:
            raise _fail(origin, f"KPI {listed.kpi} is listed twice", "measures")
        seen.add(listed.kpi)
    areas = list(dict.fromkeys(x.area for x in measures))
    stray = sorted(set(weights) - set(areas))
    if stray:
        raise _fail(origin, f"weights for areas without measures: {', '.join(stray)}", "areas")
    area_weights = {a: weights.get(a, 1.0) for a in areas}
    if sum(area_weights.values()) <= 0:
        raise _fail(origin, "at least one area needs a weight above 0", "areas")
    years = int(_number(origin, data.get("development_years", 4), "development_years", low=2, high=10))
    boot = data.get("bootstrap") or {}
    if not isinstance(boot, dict):
        raise _fail(origin, "must be a mapping with samples and seed", "bootstrap")
    samples = int(_number(origin, boot.get("samples", 500), "bootstrap.samples", low=0, high=10000))
    seed = int(_number(origin, boot.get("seed", 0), "bootstrap.seed", low=0, high=2**32 - 1))
    description = data.get("description")
    return RankingDefinition(
        id=data["id"].strip(),
        title=data["title"].strip(),
        description=description.strip() if isinstance(description, str) else None,
        method=method,
        coverage=coverage,
        within=within,
        measure_set=set_name,
        area_weights=area_weights,
        measures=tuple(measures),
        development_years=years,
        bootstrap_samples=samples,
        bootstrap_seed=seed,
        origin=origin,
    )


def bundled_definitions() -> dict[str, RankingDefinition]:
    folder = resources.files("jamfor") / "data" / "rankings"
    found: dict[str, RankingDefinition] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            definition = parse_definition(
                entry.read_text(encoding="utf-8"), f"jamfor/data/rankings/{entry.name}"
            )
            found[definition.id] = definition
    return found


DEFAULT_DEFINITION: Final = "kvalitet-kkik"


def find_definition(name: str | None, *, allow_files: bool = True) -> RankingDefinition:
    """A bundled definition by id (default `kvalitet-kkik`), or a YAML file when `allow_files`."""
    bundled = bundled_definitions()
    key = (name or DEFAULT_DEFINITION).strip()
    if key in bundled:
        return bundled[key]
    if allow_files and (key.endswith((".yaml", ".yml")) or "/" in key):
        path = Path(key)
        if not path.is_file():
            raise NotFoundError(f"no ranking definition file {key!r}")
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise _fail(str(path), f"is not UTF-8 text (byte {exc.start})") from None
        return parse_definition(text, str(path))
    raise NotFoundError(f"no ranking {key!r}; bundled: {', '.join(sorted(bundled))}")
