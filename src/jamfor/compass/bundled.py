"""The bundled real evaluations: Huddinge 2017 (seed 003) and published area scores of others.

`data/compass/evaluations/*.yaml` hold question-level evaluations in the file format;
`data/compass/reference_scores.csv` (a copy of shared/data/domain/
kommunkompassen_reference_scores.csv) holds published results per area or total only, which
become area-level evaluations: Grästorp 2014 and Kramfors 2011/2013 with a profile, Örebro 2013
and Höganäs 2020 with a total only. `jamfor db init` loads them all; loading again changes
nothing unless the bundled data changed.
"""

from __future__ import annotations

import csv
import io
from importlib import resources
from typing import Any

from jamfor.compass.files import read_yaml
from jamfor.compass.frameworks import framework
from jamfor.compass.model import CompassEvaluation
from jamfor.errors import Problem, ValidationError

REFERENCE_FILE = "reference_scores.csv"
# The CSV's version labels and the framework ids they mean.
VERSIONS = {"2010-form": "2010", "2016-revision": "2016", "2020-revision": "2020"}
# Units of a score in the CSV: per area points of 100, percent of the area's max, or a total.
AREA_UNITS = ("points_of_100", "percent_of_max")
TOTAL_UNITS = ("points_of_800", "points_max_not_stated_in_source")
ORIGIN = "bundled"


def _dir() -> Any:
    return resources.files("jamfor") / "data" / "compass"


def _municipality_ids() -> dict[str, str]:
    text = (resources.files("jamfor") / "data" / "kolada" / "municipalities_v3_2026-03.csv").read_text(
        encoding="utf-8-sig"
    )
    return {r["title"]: r["id"] for r in csv.DictReader(io.StringIO(text)) if r["type"] == "K"}


def _slug(name: str) -> str:
    table = str.maketrans({"å": "a", "ä": "a", "ö": "o", "Å": "a", "Ä": "a", "Ö": "o", "é": "e"})
    return "-".join(name.translate(table).lower().split())


def reference_evaluations(
    text: str | None = None, file: str = f"data/compass/{REFERENCE_FILE}"
) -> list[CompassEvaluation]:
    """The published results of the reference CSV as area-level (or total-only) evaluations."""
    if text is None:
        text = (_dir() / REFERENCE_FILE).read_text(encoding="utf-8-sig")
    ids = _municipality_ids()
    problems: list[Problem] = []
    grouped: dict[tuple[str, int, str], dict[str, Any]] = {}
    for line, row in enumerate(csv.DictReader(io.StringIO(text)), 2):
        name = row["kommun"].strip()
        version = VERSIONS.get(row["version"].strip())
        if version is None:
            problems.append(Problem(file, line, "version", f"unknown version {row['version']!r}"))
            continue
        if name not in ids:
            problems.append(Problem(file, line, "kommun", f"{name!r} is not a municipality"))
            continue
        try:
            year = int(row["year"])
            value = float(row["score"])
        except ValueError:
            problems.append(
                Problem(file, line, "score", f"{row['score']!r} or year {row['year']!r} is not a number")
            )
            continue
        entry = grouped.setdefault(
            (name, year, version), {"areas": {}, "total": None, "sources": [], "notes": []}
        )
        if row["source_url"] not in entry["sources"]:
            entry["sources"].append(row["source_url"])
        unit = row["unit"].strip()
        area = row["area_no"].strip()
        if area == "total":
            if unit not in TOTAL_UNITS:
                problems.append(Problem(file, line, "unit", f"{unit!r} is not a unit of a total"))
                continue
            entry["total"] = value
            if unit == "points_max_not_stated_in_source":
                entry["notes"].append("maxpoäng anges inte i källan")
            label = row["area_name_as_published"].strip()
            if label not in ("Totalt", "Totalpoäng"):
                entry["notes"].append(label)
        elif area.isdigit():
            if unit not in AREA_UNITS:
                problems.append(Problem(file, line, "unit", f"{unit!r} is not a unit of an area score"))
                continue
            area_max = framework(version).area(int(area)).max
            entry["areas"][int(area)] = value if unit == "points_of_100" else value * area_max / 100
        else:
            problems.append(Problem(file, line, "area_no", f"{area!r} is neither an area number nor 'total'"))
    if problems:
        raise ValidationError(problems)
    out = []
    for (name, year, version), entry in grouped.items():
        source = " ".join(entry["sources"])
        if entry["notes"]:
            source += " (" + "; ".join(entry["notes"]) + ")"
        out.append(
            CompassEvaluation(
                id=f"{_slug(name)}-{year}",
                municipality=ids[name],
                year=year,
                date=None,
                framework=version,
                evaluators=(),
                method=None,
                interviews=None,
                question_points={},
                area_points=dict(sorted(entry["areas"].items())),
                strengths={},
                improvements={},
                summary=None,
                source=source,
                published_total=entry["total"],
            )
        )
    return sorted(out, key=lambda e: e.id)


def question_evaluations() -> list[CompassEvaluation]:
    """The bundled evaluation files (Huddinge 2017)."""
    folder = _dir() / "evaluations"
    found = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            found.append(
                read_yaml(entry.read_text(encoding="utf-8"), f"data/compass/evaluations/{entry.name}")
            )
    return found


def bundled_evaluations() -> list[CompassEvaluation]:
    return question_evaluations() + reference_evaluations()


def load_bundled_evaluations(store: Any) -> int:
    """Store the bundled evaluations (all or none); returns how many were new or changed."""
    from jamfor.store.compass import save_evaluations

    return save_evaluations(store, [(ev, ORIGIN) for ev in bundled_evaluations()])
