"""Measure sets: which KPIs a report shows, grouped in perspectives or areas, as YAML data files.

A measure set is a list of measures, each naming a KPI and the perspective (KKiK's
"perspektiv", from 2018 its "område") it belongs to, with optional overrides of the KPI's
curated presentation (polarity, decimals, colour grading, unit), a year offset (the data year
is the report year plus the offset) and a comment. jamfor ships KKiK's five-perspective set
(2015–2017), the partly known KKiK 2020 set and Kungsbacka's own "Bitt" indicators, and users
can write and load their own sets. The format is described in docs/measure-sets.md.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Final

import yaml

from jamfor.errors import NotFoundError, Problem, ValidationError
from jamfor.model import POLARITIES, ImportSummary, Kpi, Polarity
from jamfor.store import Store

SET_KEYS: Final = ("id", "title", "description", "source", "era", "perspectives", "measures")
REQUIRED_SET_KEYS: Final = ("id", "title", "perspectives", "measures")
MEASURE_KEYS: Final = (
    "kpi",
    "title",
    "perspective",
    "polarity",
    "decimals",
    "year_offset",
    "colour_graded",
    "unit",
    "comment",
)
MAX_DECIMALS: Final = 6
_TEXT_NAME = "<text>"


@dataclass(frozen=True)
class Measure:
    """One row of a report: a KPI in a perspective, with optional overrides of its curation.

    `None` in polarity, decimals, colour_graded or unit means "take the KPI's curated value".
    The data year shown under a report year is `report_year + year_offset`.
    """

    kpi: str
    title: str | None
    perspective: str
    polarity: Polarity | None = None
    decimals: int | None = None
    year_offset: int = 0
    colour_graded: bool | None = None
    unit: str | None = None
    comment: str | None = None

    def data_year(self, report_year: int) -> int:
        """The data year to show under `report_year` (e.g. 2016 for sjukpenningtal in KKiK 2017)."""
        return report_year + self.year_offset

    def resolved(self, kpi: Kpi) -> Measure:
        """This measure with every unset field filled from the KPI's catalogue entry and curation."""
        return Measure(
            kpi=self.kpi,
            title=self.title if self.title is not None else kpi.title,
            perspective=self.perspective,
            polarity=self.polarity if self.polarity is not None else kpi.polarity,
            decimals=self.decimals if self.decimals is not None else kpi.decimals,
            year_offset=self.year_offset,
            colour_graded=self.colour_graded if self.colour_graded is not None else kpi.colour_graded,
            unit=self.unit if self.unit is not None else kpi.unit,
            comment=self.comment,
        )


@dataclass(frozen=True)
class MeasureSet:
    """A named list of measures in declared perspectives (in report order)."""

    id: str
    title: str
    description: str | None
    source: str | None
    era: str | None
    perspectives: list[str] = field(default_factory=list)
    measures: list[Measure] = field(default_factory=list)

    def kpi_ids(self) -> list[str]:
        return [m.kpi for m in self.measures]

    def measure(self, kpi: str) -> Measure:
        for m in self.measures:
            if m.kpi == kpi:
                return m
        raise NotFoundError(f"measure set {self.id!r} has no measure for KPI {kpi!r}")

    def by_perspective(self) -> list[tuple[str, list[Measure]]]:
        """(perspective, its measures in file order) for each declared perspective, in order."""
        return [(p, [m for m in self.measures if m.perspective == p]) for p in self.perspectives]


# -- YAML with line numbers -----------------------------------------------------------------------


class _Located(dict[Any, Any]):
    """A YAML mapping that remembers the line of itself and of each key (1-based)."""

    line: int
    key_lines: dict[Any, int]
    duplicates: list[tuple[Any, int]]


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> Iterator[_Located]:
    loader.flatten_mapping(node)
    data = _Located()
    data.line = node.start_mark.line + 1
    data.key_lines = {}
    data.duplicates = []
    yield data
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str | int | float | bool) and key is not None:
            key = str(key)
        line = key_node.start_mark.line + 1
        if key in data:
            data.duplicates.append((key, line))
        data[key] = loader.construct_object(value_node, deep=True)
        data.key_lines[key] = line


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


# -- validation -------------------------------------------------------------------------------------


class _Checker:
    def __init__(self, name: str) -> None:
        self.name = name
        self.problems: list[Problem] = []

    def add(self, line: int | None, field_name: str | None, reason: str) -> None:
        self.problems.append(Problem(self.name, line, field_name, reason))


def _key_line(mapping: _Located, key: str) -> int:
    return mapping.key_lines.get(key, mapping.line)


def _unknown_keys(check: _Checker, mapping: _Located, allowed: tuple[str, ...], what: str) -> None:
    for key in mapping:
        if key not in allowed:
            check.add(
                _key_line(mapping, key),
                str(key),
                f"unknown key in {what}; allowed keys are {', '.join(allowed)}",
            )
    for key, line in mapping.duplicates:
        check.add(line, str(key), f"key appears twice in {what}")


def _optional_text(check: _Checker, mapping: _Located, key: str, where: str) -> str | None:
    value = mapping.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        check.add(_key_line(mapping, key), key, f"{where}must be text")
        return None
    text = str(value).strip()
    return text or None


def _parse_measure(
    check: _Checker, item: Any, index: int, line: int | None, perspectives: list[str]
) -> Measure | None:
    where = f"measures[{index}]"
    if not isinstance(item, _Located):
        check.add(line, where, "must be a mapping with at least 'kpi' and 'perspective'")
        return None
    start = len(check.problems)
    _unknown_keys(check, item, MEASURE_KEYS, f"measure {index + 1}")

    kpi = item.get("kpi")
    label = f"measure {index + 1}: "
    if kpi is None or (isinstance(kpi, str) and not kpi.strip()):
        check.add(item.line, "kpi", f"{label}'kpi' is missing")
        kpi_id = ""
    elif not isinstance(kpi, str):
        check.add(_key_line(item, "kpi"), "kpi", f"{label}'kpi' must be text, not {kpi!r}")
        kpi_id = ""
    else:
        kpi_id = kpi.strip()
        label = f"measure {kpi_id}: "

    perspective = item.get("perspective")
    if perspective is None:
        check.add(item.line, "perspective", f"{label}'perspective' is missing")
    elif not isinstance(perspective, str) or perspective.strip() not in perspectives:
        check.add(
            _key_line(item, "perspective"),
            "perspective",
            f"{label}{perspective!r} is not one of the declared perspectives ({', '.join(perspectives)})",
        )

    polarity = item.get("polarity")
    if polarity is not None and polarity not in POLARITIES:
        check.add(
            _key_line(item, "polarity"),
            "polarity",
            f"{label}{polarity!r} is not higher, lower or none (or leave it out to use the KPI's)",
        )

    decimals = item.get("decimals")
    if decimals is not None:
        if isinstance(decimals, bool) or not isinstance(decimals, int):
            check.add(_key_line(item, "decimals"), "decimals", f"{label}{decimals!r} is not a whole number")
        elif decimals < 0:
            check.add(_key_line(item, "decimals"), "decimals", f"{label}{decimals} is negative")
        elif decimals > MAX_DECIMALS:
            check.add(
                _key_line(item, "decimals"), "decimals", f"{label}{decimals} is more than {MAX_DECIMALS}"
            )

    offset = item.get("year_offset", 0)
    if offset is None:
        offset = 0
    if isinstance(offset, bool) or not isinstance(offset, int):
        check.add(
            _key_line(item, "year_offset"),
            "year_offset",
            f"{label}{offset!r} is not a whole number of years (e.g. -1 for last year's data)",
        )

    graded = item.get("colour_graded")
    if graded is not None and not isinstance(graded, bool):
        check.add(
            _key_line(item, "colour_graded"), "colour_graded", f"{label}{graded!r} is not true or false"
        )

    title = _optional_text(check, item, "title", label)
    unit = _optional_text(check, item, "unit", label)
    comment = _optional_text(check, item, "comment", label)
    if len(check.problems) > start:
        return None
    assert isinstance(perspective, str)
    return Measure(
        kpi=kpi_id,
        title=title,
        perspective=perspective.strip(),
        polarity=polarity,
        decimals=decimals,
        year_offset=offset,
        colour_graded=graded,
        unit=unit,
        comment=comment,
    )


def parse_measure_set(text: str, name: str = _TEXT_NAME) -> MeasureSet:
    """A MeasureSet from YAML text, or ValidationError listing every problem found."""
    check = _Checker(name)
    try:
        doc = yaml.load(text, Loader=_LineLoader)  # _LineLoader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        raise ValidationError([Problem(name, line, None, f"is not valid YAML: {exc.problem}")]) from exc
    except yaml.YAMLError as exc:
        raise ValidationError([Problem(name, None, None, f"is not valid YAML: {exc}")]) from exc
    except RecursionError:
        raise ValidationError([Problem(name, None, None, "is nested too deeply to be read")]) from None
    if doc is None:
        raise ValidationError(
            [Problem(name, None, None, "is empty: a measure set needs id, title, perspectives and measures")]
        )
    if not isinstance(doc, _Located):
        raise ValidationError(
            [
                Problem(
                    name,
                    1,
                    None,
                    "is not a measure set: expected a mapping with id, title, perspectives, measures",
                )
            ]
        )

    _unknown_keys(check, doc, SET_KEYS, "the measure set")
    for key in REQUIRED_SET_KEYS:
        if key not in doc:
            check.add(None, key, f"'{key}' is missing")

    set_id = _optional_text(check, doc, "id", "")
    title = _optional_text(check, doc, "title", "")
    for key in ("id", "title"):
        if key in doc and (doc[key] is None or (isinstance(doc[key], str) and not doc[key].strip())):
            check.add(_key_line(doc, key), key, "is empty")
    description = _optional_text(check, doc, "description", "")
    source = _optional_text(check, doc, "source", "")
    era = _optional_text(check, doc, "era", "")

    perspectives: list[str] = []
    raw_perspectives = doc.get("perspectives")
    if "perspectives" in doc:
        line = _key_line(doc, "perspectives")
        if not isinstance(raw_perspectives, list) or not raw_perspectives:
            check.add(line, "perspectives", "must be a non-empty list of names, in report order")
        else:
            for p in raw_perspectives:
                if not isinstance(p, str) or not p.strip():
                    check.add(line, "perspectives", f"{p!r} is not a perspective name")
                elif p.strip() in perspectives:
                    check.add(line, "perspectives", f"{p.strip()!r} is listed twice")
                else:
                    perspectives.append(p.strip())

    measures: list[Measure] = []
    raw_measures = doc.get("measures")
    if "measures" in doc:
        line = _key_line(doc, "measures")
        if raw_measures is None or raw_measures == []:
            check.add(line, "measures", "the set is empty: list at least one measure")
        elif not isinstance(raw_measures, list):
            check.add(line, "measures", "must be a list of measures")
        else:
            first_line: dict[str, int] = {}
            for i, item in enumerate(raw_measures):
                item_line = item.line if isinstance(item, _Located) else line
                measure = _parse_measure(check, item, i, item_line, perspectives)
                raw_kpi = item.get("kpi") if isinstance(item, _Located) else None
                if isinstance(raw_kpi, str) and raw_kpi.strip():
                    kpi_id = raw_kpi.strip()
                    kpi_line = _key_line(item, "kpi")
                    if kpi_id in first_line:
                        check.add(
                            kpi_line,
                            "kpi",
                            f"duplicate KPI {kpi_id!r} in the set (first on line {first_line[kpi_id]})",
                        )
                        continue
                    first_line[kpi_id] = kpi_line
                if measure is not None:
                    measures.append(measure)

    if check.problems:
        raise ValidationError(check.problems)
    assert set_id is not None and title is not None
    return MeasureSet(
        id=set_id,
        title=title,
        description=description,
        source=source,
        era=era,
        perspectives=perspectives,
        measures=measures,
    )


def load_measure_set(path_or_text: Path | str) -> MeasureSet:
    """A measure set from a YAML file (a Path, or a str naming an existing file) or from YAML text.

    A str that is one line ending in .yaml/.yml but names no file is reported as a missing file.
    """
    if isinstance(path_or_text, Path):
        return _load_file(path_or_text)
    text = path_or_text
    if "\n" not in text and text.strip():
        candidate = Path(text.strip()).expanduser()
        if candidate.is_file() or candidate.suffix.lower() in (".yaml", ".yml"):
            return _load_file(candidate)
    return parse_measure_set(text)


def _load_file(path: Path) -> MeasureSet:
    if not path.is_file():
        raise ValidationError([Problem(str(path), None, None, "no such file")])
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            [Problem(path.name, None, None, f"is not UTF-8 text (byte {exc.start})")]
        ) from exc
    except OSError as exc:
        raise ValidationError([Problem(path.name, None, None, f"cannot be read: {exc}")]) from exc
    return parse_measure_set(text, path.name)


# -- bundled sets -----------------------------------------------------------------------------------


def bundled_measure_sets() -> dict[str, MeasureSet]:
    """The measure sets shipped in jamfor/data/measure_sets/, by id (in file-name order)."""
    folder = resources.files("jamfor") / "data" / "measure_sets"
    found: dict[str, MeasureSet] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith((".yaml", ".yml")):
            continue
        measure_set = parse_measure_set(entry.read_text(encoding="utf-8"), entry.name)
        if measure_set.id in found:
            raise ValidationError(
                [Problem(entry.name, None, "id", f"set id {measure_set.id!r} is used twice")]
            )
        found[measure_set.id] = measure_set
    return found


def find_measure_set(name_or_path: str | Path) -> MeasureSet:
    """A bundled set by id (any case) or title (any case), or a user's set from a YAML file path."""
    if isinstance(name_or_path, Path):
        return _load_file(name_or_path)
    text = name_or_path.strip()
    bundled = bundled_measure_sets()
    folded = text.casefold()
    for measure_set in bundled.values():
        if measure_set.id.casefold() == folded or measure_set.title.casefold() == folded:
            return measure_set
    path = Path(text).expanduser()
    if path.is_file() or path.suffix.lower() in (".yaml", ".yml") or "/" in text or "\\" in text:
        return _load_file(path)
    known = ", ".join(sorted(bundled))
    raise NotFoundError(
        f"no measure set {text!r}: give a bundled id ({known}), its title, or a YAML file path"
    )


def check_against_catalogue(measure_set: MeasureSet, known_kpi_ids: set[str]) -> list[Problem]:
    """One problem for each measure whose KPI the store does not know (empty when all are known)."""
    return [
        Problem(
            measure_set.id,
            None,
            "kpi",
            f"measure {m.kpi} ({m.perspective}): the store has no KPI {m.kpi!r}; import its catalogue first",
        )
        for m in measure_set.measures
        if m.kpi not in known_kpi_ids
    ]


# -- example datasets of own indicators -----------------------------------------------------------

# name -> (KPI catalogue CSV, values CSV, import source); files in jamfor/data/own/.
EXAMPLE_DATASETS: Final[dict[str, tuple[str, str, str]]] = {
    "kungsbacka-bitt": (
        "kungsbacka_bitt_kpis.csv",
        "kungsbacka_bitt_values.csv",
        "Kungsbacka kommun (årsredovisning 2014)",
    ),
}


def load_example_dataset(store: Store, name: str = "kungsbacka-bitt") -> list[ImportSummary]:
    """Import a bundled example dataset of own KPIs: its catalogue first, then its values."""
    from jamfor.sources.files import import_file

    key = name.strip().casefold()
    if key not in EXAMPLE_DATASETS:
        raise NotFoundError(f"no example dataset {name!r}; known: {', '.join(sorted(EXAMPLE_DATASETS))}")
    catalogue, values, source = EXAMPLE_DATASETS[key]
    folder = resources.files("jamfor") / "data" / "own"
    with ExitStack() as stack:
        catalogue_path = stack.enter_context(resources.as_file(folder / catalogue))
        values_path = stack.enter_context(resources.as_file(folder / values))
        return [
            import_file(store, catalogue_path, source=source),
            import_file(store, values_path, source=source),
        ]


def example_dataset_kpi_ids(name: str = "kungsbacka-bitt") -> list[str]:
    """The KPI ids of a bundled example dataset, in catalogue order."""
    catalogue = EXAMPLE_DATASETS[name.strip().casefold()][0]
    text = (resources.files("jamfor") / "data" / "own" / catalogue).read_text(encoding="utf-8-sig")
    return [row["id"] for row in csv.DictReader(io.StringIO(text))]
