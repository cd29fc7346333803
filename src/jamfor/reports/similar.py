"""Similar municipalities as a report: profiles from YAML, values from the store, groups to save, RKA compared.

The method is `jamfor.compute.similar`; this module reads what it needs and shapes the result
into rows for the CLI, the website and the downloads.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from jamfor.compute.similar import (
    DEFAULT_MIN_COVERAGE,
    DEFAULT_N,
    ProfileMeasure,
    SimilarityProfile,
    SimilarList,
    StructuralMatrix,
    build_matrix,
    overlap,
    similar_lists,
)
from jamfor.errors import JamforError, NotFoundError, Problem, ValidationError
from jamfor.measuresets import _LineLoader, _Located
from jamfor.model import Area, Group
from jamfor.store import Store

GROUP_KIND = "similar"
GROUP_SOURCE = "jamfor"
RKA_KIND = "liknande"
DEFAULT_PROFILE = "overgripande"
SOURCE_NOTE = {
    "sv": "Urval och avstånd: jamfors egen beräkning (inte Koladas). Underliggande värden: Källa: Kolada.",
    "en": "Selection and distances: jamfor's own computation (not Kolada's). Underlying values: Källa: Kolada.",
}
PROFILE_KEYS = ("id", "title_sv", "title_en", "rka_area", "description", "min_coverage", "measures")
MEASURE_KEYS = ("kpi", "weight", "per", "transform", "label_sv", "label_en", "why")
_KPI_ID = re.compile(r"^[A-Z]\d{5}$")
_PROFILE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


# -- profiles -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadedProfile:
    """A profile with where it came from: file name and the line of each measure, for error messages."""

    profile: SimilarityProfile
    source: str
    lines: tuple[int | None, ...] = ()


def parse_profile(text: str, name: str = "<profile>") -> LoadedProfile:
    """A profile from YAML text; every problem found is reported at once, with file and line."""
    problems: list[Problem] = []

    def add(line: int | None, column: str | None, reason: str) -> None:
        problems.append(Problem(name, line, column, reason))

    try:
        doc = yaml.load(text, Loader=_LineLoader)  # a SafeLoader that records lines
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ValidationError([Problem(name, line, None, f"is not valid YAML: {exc}")]) from exc
    except RecursionError:
        raise ValidationError([Problem(name, None, None, "is nested too deeply to be read")]) from None
    if not isinstance(doc, _Located):
        raise ValidationError([Problem(name, None, None, "must be a YAML mapping with 'id' and 'measures'")])

    def line_of(mapping: _Located, key: str) -> int:
        return mapping.key_lines.get(key, mapping.line)

    for key in doc:
        if key not in PROFILE_KEYS:
            add(line_of(doc, key), str(key), "unknown key; allowed keys are " + ", ".join(PROFILE_KEYS))
    profile_id = doc.get("id")
    if not isinstance(profile_id, str) or not _PROFILE_ID.match(profile_id):
        add(
            line_of(doc, "id"),
            "id",
            f"{profile_id!r} is not a profile id (lower-case letters, digits, - and _, at most 40)",
        )
        profile_id = ""
    texts: dict[str, str] = {}
    for key in ("title_sv", "title_en", "rka_area", "description"):
        value = doc.get(key)
        if value is not None and not isinstance(value, str):
            add(line_of(doc, key), key, "must be text")
        texts[key] = value.strip() if isinstance(value, str) else ""
    coverage = doc.get("min_coverage", DEFAULT_MIN_COVERAGE)
    if isinstance(coverage, bool) or not isinstance(coverage, int | float) or not 0 < coverage <= 1:
        add(
            line_of(doc, "min_coverage"),
            "min_coverage",
            f"{coverage!r} is not a number above 0 and at most 1",
        )
        coverage = DEFAULT_MIN_COVERAGE
    items = doc.get("measures")
    measures: list[ProfileMeasure] = []
    lines: list[int | None] = []
    if not isinstance(items, list) or not items:
        add(line_of(doc, "measures"), "measures", "must be a non-empty list of measures")
        items = []
    for index, item in enumerate(items, 1):
        where = f"measures[{index}]"
        if not isinstance(item, _Located):
            add(line_of(doc, "measures"), where, "must be a mapping with at least 'kpi'")
            continue
        before = len(problems)
        for key in item:
            if key not in MEASURE_KEYS:
                add(
                    line_of(item, key),
                    str(key),
                    f"unknown key in measure {index}; allowed: " + ", ".join(MEASURE_KEYS),
                )
        kpi = item.get("kpi")
        if not isinstance(kpi, str) or not _KPI_ID.match(kpi.strip()):
            add(line_of(item, "kpi"), "kpi", f"measure {index}: {kpi!r} is not a Kolada KPI id like N01951")
        per = item.get("per")
        if per is not None and (not isinstance(per, str) or not _KPI_ID.match(per.strip())):
            add(line_of(item, "per"), "per", f"measure {index}: {per!r} is not a Kolada KPI id like N02993")
        weight = item.get("weight", 1)
        if (
            isinstance(weight, bool)
            or not isinstance(weight, int | float)
            or not (math.isfinite(weight) and weight > 0)
        ):
            add(line_of(item, "weight"), "weight", f"measure {index}: {weight!r} is not a number above 0")
        transform = item.get("transform", "none")
        if transform not in ("none", "log"):
            add(
                line_of(item, "transform"),
                "transform",
                f"measure {index}: {transform!r} is not 'none' or 'log'",
            )
        labels = {}
        for key in ("label_sv", "label_en", "why"):
            value = item.get(key)
            if value is not None and not isinstance(value, str):
                add(line_of(item, key), key, f"measure {index}: must be text")
            labels[key] = value.strip() if isinstance(value, str) else None
        if len(problems) > before:
            continue
        measure = ProfileMeasure(
            kpi=str(kpi).strip(),
            weight=float(weight),
            per=per.strip() if isinstance(per, str) else None,
            transform="log" if transform == "log" else "none",
            label_sv=labels["label_sv"],
            label_en=labels["label_en"],
            why=labels["why"] or "",
        )
        if measure.key in {m.key for m in measures}:
            add(item.line, "kpi", f"measure {index}: {measure.key} is listed twice")
            continue
        measures.append(measure)
        lines.append(item.line)
    if problems:
        raise ValidationError(problems)
    profile = SimilarityProfile(
        id=str(profile_id),
        title_sv=texts["title_sv"] or str(profile_id),
        title_en=texts["title_en"] or texts["title_sv"] or str(profile_id),
        measures=tuple(measures),
        rka_area=texts["rka_area"] or None,
        description=texts["description"],
        min_coverage=float(coverage),
    )
    return LoadedProfile(profile, name, tuple(lines))


def bundled_profiles() -> dict[str, LoadedProfile]:
    """The profiles shipped in jamfor/data/similar/, by id."""
    folder = resources.files("jamfor") / "data" / "similar"
    found: dict[str, LoadedProfile] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith((".yaml", ".yml")):
            loaded = parse_profile(entry.read_text(encoding="utf-8"), entry.name)
            found[loaded.profile.id] = loaded
    return found


def find_profile(name_or_path: str | Path | None) -> LoadedProfile:
    """A bundled profile by id or Swedish/English title, or a user's profile from a YAML file."""
    if name_or_path is None:
        name_or_path = DEFAULT_PROFILE
    text = str(name_or_path).strip()
    bundled = bundled_profiles()
    folded = text.casefold()
    for loaded in bundled.values():
        p = loaded.profile
        if folded in (p.id, p.title_sv.casefold(), p.title_en.casefold()):
            return loaded
    path = Path(text).expanduser()
    if isinstance(name_or_path, Path) or path.is_file() or path.suffix.lower() in (".yaml", ".yml"):
        if not path.is_file():
            raise ValidationError([Problem(str(path), None, None, "no such file")])
        try:
            return parse_profile(path.read_text(encoding="utf-8-sig"), path.name)
        except UnicodeDecodeError as exc:
            raise ValidationError([Problem(path.name, None, None, "is not UTF-8 text")]) from exc
    known = ", ".join(sorted(bundled))
    raise NotFoundError(f"no similarity profile {text!r}: give a bundled one ({known}) or a YAML file")


def check_profile_kpis(loaded: LoadedProfile, store: Store) -> None:
    """Every KPI a profile names must be in the store's catalogue; one error lists all that are not."""
    known = store.kpi_ids()
    problems = []
    for measure, line in zip(loaded.profile.measures, loaded.lines or [None] * 999, strict=False):
        for column, kpi in (("kpi", measure.kpi), ("per", measure.per)):
            if kpi is not None and kpi not in known:
                problems.append(
                    Problem(loaded.source, line, column, f"unknown KPI id {kpi!r}: not in the catalogue")
                )
    if problems:
        raise ValidationError(problems)


# -- values ---------------------------------------------------------------------------------------


def profile_matrix(store: Store, loaded: LoadedProfile, year: int | None = None) -> StructuralMatrix:
    """The profile's measures for all municipalities, from one query."""
    check_profile_kpis(loaded, store)
    municipalities = [a.id for a in store.municipalities() if a.type == "K"]
    periods = None if year is None else list(range(1990, year + 1))
    rows = store.values(loaded.profile.kpi_ids, periods, "T")
    matrix = build_matrix(
        ((k, a, p, v) for k, a, p, v, _ in rows), loaded.profile.measures, municipalities, year
    )
    missing = [m.key for m, y in zip(loaded.profile.measures, matrix.years, strict=True) if y is None]
    if len(missing) == len(loaded.profile.measures):
        where = f" up to {year}" if year is not None else ""
        raise JamforError(
            f"no values{where} for any measure of profile {loaded.profile.id!r} "
            f"({', '.join(loaded.profile.kpi_ids)}): import them first (jamfor import / jamfor sync)"
        )
    return matrix


# -- the report -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeasureInfo:
    key: str
    label: str
    weight: float
    year: int | None
    used: bool
    focus_value: float | None
    why: str


@dataclass(frozen=True)
class SimilarRow:
    rank: int
    area: Area
    distance: float
    coverage: float
    contributions: tuple[float | None, ...]
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class SimilarReport:
    """The similar municipalities of one focus under one profile: data, not formatting."""

    profile: SimilarityProfile
    profile_source: str
    focus: Area
    year: int
    n: int
    measures: tuple[MeasureInfo, ...]
    rows: tuple[SimilarRow, ...]
    skipped: tuple[Area, ...]
    focus_coverage: float
    rka_group: Group | None = None
    lang: str = "sv"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def group_id(self) -> str:
        return group_id(self.profile.id, self.focus.id, self.year)

    @property
    def group_title(self) -> str:
        return f"Liknande kommuner (jamfor, {self.profile.title_sv}), {self.focus.title}, {self.year}"

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (figures unrounded; the source line says whose they are)."""
        return {
            "focus": {"id": self.focus.id, "title": self.focus.title},
            "profile": {
                "id": self.profile.id,
                "title_sv": self.profile.title_sv,
                "title_en": self.profile.title_en,
                "source": self.profile_source,
                "rka_area": self.profile.rka_area,
                "min_coverage": self.profile.min_coverage,
            },
            "year": self.year,
            "n": self.n,
            "group": {"id": self.group_id, "title": self.group_title, "kind": GROUP_KIND},
            "method": "weighted Euclidean distance on z-scores, weights renormalised over the measures compared",
            "measures": [
                {
                    "key": m.key,
                    "label": m.label,
                    "weight": m.weight,
                    "year": m.year,
                    "used": m.used,
                    "focus_value": m.focus_value,
                }
                for m in self.measures
            ],
            "similar": [
                {
                    "rank": r.rank,
                    "id": r.area.id,
                    "title": r.area.title,
                    "distance": r.distance,
                    "coverage": r.coverage,
                    "contributions": dict(zip((m.key for m in self.measures), r.contributions, strict=True)),
                    "values": dict(zip((m.key for m in self.measures), r.values, strict=True)),
                }
                for r in self.rows
            ],
            "skipped": [{"id": a.id, "title": a.title} for a in self.skipped],
            "rka_group": None
            if self.rka_group is None
            else {"id": self.rka_group.id, "title": self.rka_group.title, "source": "Kolada"},
            "source": SOURCE_NOTE["en"],
        }

    def csv_rows(self) -> list[list[str]]:
        """A header and one row per similar municipality: distance, then each measure's contribution."""
        header = [
            "rank",
            "id",
            "title",
            "distance",
            "coverage",
            *(f"contribution {m.key}" for m in self.measures),
        ]
        body = [
            [
                str(r.rank),
                r.area.id,
                r.area.title,
                repr(round(r.distance, 6)),
                repr(round(r.coverage, 4)),
                *("" if c is None else repr(round(c, 6)) for c in r.contributions),
            ]
            for r in self.rows
        ]
        return [header, *body]


def group_id(profile_id: str, focus_id: str, year: int) -> str:
    """'similar:overgripande:1440:2022': the same profile, focus and year always give the same id."""
    return f"{GROUP_KIND}:{profile_id}:{focus_id}:{year}"


def _labels(store: Store, profile: SimilarityProfile, lang: str) -> list[str]:
    titles = {k.id: k.title for k in store.kpis(profile.kpi_ids)}
    found = []
    for m in profile.measures:
        own = m.label_en if lang == "en" else m.label_sv
        if own:
            found.append(own)
            continue
        label = titles.get(m.kpi, m.kpi)
        if m.per:
            label += f" / {titles.get(m.per, m.per)}"
        if m.transform == "log":
            label += " (logaritm)" if lang == "sv" else " (logarithm)"
        found.append(label)
    return found


def _report(
    store: Store,
    loaded: LoadedProfile,
    matrix: StructuralMatrix,
    found: SimilarList,
    year: int | None,
    n: int,
    lang: str,
    areas: dict[str, Area],
) -> SimilarReport:
    profile = loaded.profile
    focus_row = matrix.index(found.focus)
    report_year = year if year is not None else max(y for y in matrix.years if y is not None)
    labels = _labels(store, profile, lang)

    def raw(row: int) -> tuple[float | None, ...]:
        return tuple(None if math.isnan(v) else float(v) for v in matrix.values[row])

    focus_values = raw(focus_row)
    measures = tuple(
        MeasureInfo(
            key=m.key,
            label=labels[i],
            weight=m.weight,
            year=matrix.years[i],
            used=found.used[i],
            focus_value=focus_values[i],
            why=m.why,
        )
        for i, m in enumerate(profile.measures)
    )
    rows = tuple(
        SimilarRow(
            rank=rank,
            area=areas[nb.area],
            distance=nb.distance,
            coverage=nb.coverage,
            contributions=nb.contributions,
            values=raw(matrix.index(nb.area)),
        )
        for rank, nb in enumerate(found.neighbours, 1)
    )
    return SimilarReport(
        profile=profile,
        profile_source=loaded.source,
        focus=areas[found.focus],
        year=report_year,
        n=n,
        measures=measures,
        rows=rows,
        skipped=tuple(areas[a] for a in found.skipped),
        focus_coverage=found.focus_coverage,
        rka_group=rka_group_for(store, profile.rka_area, areas[found.focus]),
        lang=lang,
    )


def similar_report(
    store: Store,
    municipality: str,
    profile: str | Path | LoadedProfile | None = None,
    *,
    year: int | None = None,
    n: int = DEFAULT_N,
    lang: str = "sv",
) -> SimilarReport:
    """The `n` municipalities most similar to `municipality` (id or name) under `profile`."""
    loaded = profile if isinstance(profile, LoadedProfile) else find_profile(profile)
    focus = store.resolve_area(municipality)
    if focus.type != "K":
        raise JamforError(
            f"{focus.title} ({focus.id}) is not a municipality; similar lists are for municipalities"
        )
    if year is not None and not 1990 <= year <= 2100:
        raise JamforError(f"year {year} is out of range")
    matrix = profile_matrix(store, loaded, year)
    min_coverage = loaded.profile.min_coverage
    found = similar_lists(matrix, loaded.profile.weights, [focus.id], n=n, min_coverage=min_coverage)[
        focus.id
    ]
    if found.focus_coverage < min_coverage:
        raise JamforError(
            f"{focus.title} has values for only {found.focus_coverage:.0%} of the weight of profile "
            f"{loaded.profile.id!r} (at least {min_coverage:.0%} needed)"
        )
    areas = {a.id: a for a in store.municipalities()}
    return _report(store, loaded, matrix, found, year, n, lang, areas)


# -- groups ---------------------------------------------------------------------------------------


def save_similar_group(store: Store, report: SimilarReport) -> tuple[Group, bool]:
    """Store the list as a group of kind 'similar' (members without the focus, as RKA's groups).

    Returns the group and whether anything was written: saving the same list again writes nothing.
    """
    gid = report.group_id
    members = [r.area.id for r in report.rows]
    try:
        existing: Group | None = store.group(gid)
    except NotFoundError:
        existing = None
    if (
        existing is not None
        and existing.title == report.group_title
        and existing.kind == GROUP_KIND
        and existing.source == GROUP_SOURCE
        and [a.id for a in existing.members] == members
    ):
        return existing, False
    store.upsert_groups([(gid, report.group_title, GROUP_KIND, GROUP_SOURCE, members)])
    return store.group(gid), True


# -- RKA's groups ---------------------------------------------------------------------------------

# "Liknande kommuner grundskola, Ale, 2024"; the general area is written "Liknande kommuner, övergripande, Ale, 2025".
_RKA_TITLE = re.compile(r"^Liknande kommuner,? (?P<area>[^,]+), (?P<focus>[^,]+), (?P<year>\d{4})$")


def rka_groups(store: Store, area: str) -> dict[str, Group]:
    """RKA's "Liknande kommuner <area>, <kommun>, <år>" groups in the store, by focus title: the latest year each."""
    found: dict[str, tuple[int, Group]] = {}
    for group in store.groups(RKA_KIND, f" {area},"):
        match = _RKA_TITLE.match(group.title)
        if not match or match["area"] != area:
            continue
        year = int(match["year"])
        focus = match["focus"]
        if focus not in found or found[focus][0] < year:
            found[focus] = (year, group)
    return {focus: group for focus, (_, group) in found.items()}


def rka_group_for(store: Store, area: str | None, focus: Area) -> Group | None:
    """RKA's group for `focus` in `area` (latest year), or None."""
    if not area:
        return None
    candidates = []
    for group in store.groups(RKA_KIND, f" {area}, {focus.title},"):
        match = _RKA_TITLE.match(group.title)
        if match and match["area"] == area and match["focus"] == focus.title:
            candidates.append((int(match["year"]), group))
    return max(candidates, key=lambda c: c[0])[1] if candidates else None


@dataclass(frozen=True)
class RkaComparison:
    """How many of our N are among RKA's 7, for every municipality both have a list for."""

    profile: SimilarityProfile
    area: str
    year: int
    rka_year: int | None
    overlaps: dict[str, int]  # focus id -> members in common
    ours: dict[str, tuple[str, ...]]
    theirs: dict[str, tuple[str, ...]]
    names: dict[str, str]
    n: int
    kommungrupp: dict[str, str | None] = field(default_factory=dict)

    @property
    def mean(self) -> float:
        return sum(self.overlaps.values()) / len(self.overlaps) if self.overlaps else math.nan

    @property
    def distribution(self) -> dict[int, int]:
        counts = Counter(self.overlaps.values())
        return {k: counts.get(k, 0) for k in range(self.n + 1)}

    @property
    def chance(self) -> float:
        """The mean overlap two random lists of 7 out of the other 289 would have."""
        others = len(self.names) - 1
        return self.n * 7 / others if others > 0 else math.nan

    @property
    def kommungrupp_baseline(self) -> float:
        """The mean overlap had we drawn our 7 at random from the focus's own SKR kommungrupp.

        A stronger yardstick than `chance`: the kommungrupp already sorts by size and commuting.
        """
        expected = []
        for focus in self.overlaps:
            group = self.kommungrupp.get(focus)
            peers = {a for a, g in self.kommungrupp.items() if g is not None and g == group and a != focus}
            if not peers:
                continue
            drawn = min(self.n, len(peers))
            expected.append(drawn / len(peers) * len(peers & set(self.theirs[focus])))
        return sum(expected) / len(expected) if expected else math.nan

    def as_dict(self) -> dict[str, Any]:
        return {
            "profile": self.profile.id,
            "rka_area": self.area,
            "year": self.year,
            "rka_year": self.rka_year,
            "municipalities": len(self.overlaps),
            "mean_overlap": self.mean,
            "chance_overlap": self.chance,
            "kommungrupp_baseline": self.kommungrupp_baseline,
            "distribution": self.distribution,
            "overlaps": [
                {
                    "id": focus,
                    "title": self.names[focus],
                    "overlap": count,
                    "ours": list(self.ours[focus]),
                    "rka": list(self.theirs[focus]),
                }
                for focus, count in sorted(self.overlaps.items())
            ],
        }


def compare_with_rka(
    store: Store,
    profile: str | Path | LoadedProfile | None = None,
    *,
    year: int | None = None,
    n: int = DEFAULT_N,
) -> RkaComparison:
    """Our lists for all 290 municipalities against RKA's groups of the area the profile mirrors."""
    loaded = profile if isinstance(profile, LoadedProfile) else find_profile(profile)
    area = loaded.profile.rka_area
    if not area:
        raise JamforError(f"profile {loaded.profile.id!r} names no RKA area to compare with (rka_area)")
    matrix = profile_matrix(store, loaded, year)
    lists = similar_lists(matrix, loaded.profile.weights, n=n, min_coverage=loaded.profile.min_coverage)
    municipalities = [a for a in store.municipalities() if a.type == "K"]
    names = {a.id: a.title for a in municipalities}
    by_title = {title: aid for aid, title in names.items()}
    groups = rka_groups(store, area)
    if not groups:
        raise NotFoundError(f"no RKA groups 'Liknande kommuner {area}, …' in the store (run jamfor db init)")
    overlaps: dict[str, int] = {}
    ours: dict[str, tuple[str, ...]] = {}
    theirs: dict[str, tuple[str, ...]] = {}
    rka_years = set()
    for focus_title, summary in sorted(groups.items()):
        focus = by_title.get(focus_title)
        if focus is None or focus not in lists or not lists[focus].neighbours:
            continue
        group = store.group(summary.id)
        match = _RKA_TITLE.match(group.title)
        if match:
            rka_years.add(int(match["year"]))
        theirs[focus] = tuple(a.id for a in group.members)
        ours[focus] = tuple(nb.area for nb in lists[focus].neighbours)
        overlaps[focus] = overlap(ours[focus], theirs[focus])
    return RkaComparison(
        profile=loaded.profile,
        area=area,
        year=year if year is not None else max(y for y in matrix.years if y is not None),
        rka_year=max(rka_years) if rka_years else None,
        overlaps=overlaps,
        ours=ours,
        theirs=theirs,
        names=names,
        n=n,
        kommungrupp={a.id: a.kommungrupp for a in municipalities},
    )


def measure_table(loaded: LoadedProfile, store: Store) -> list[tuple[str, str, float, str]]:
    """(key, label, weight, why) per measure: for docs and the CLI."""
    labels = _labels(store, loaded.profile, "sv")
    return [(m.key, labels[i], m.weight, m.why) for i, m in enumerate(loaded.profile.measures)]


__all__: Sequence[str] = (
    "GROUP_KIND",
    "LoadedProfile",
    "RkaComparison",
    "SimilarReport",
    "bundled_profiles",
    "compare_with_rka",
    "find_profile",
    "group_id",
    "parse_profile",
    "save_similar_group",
    "similar_report",
)
