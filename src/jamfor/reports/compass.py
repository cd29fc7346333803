"""The Kommunkompassen report: one evaluation with its scores, the reference profile and the comparisons.

    report = compass_report(store, "huddinge-2017")     # an evaluation id
    report = compass_report(store, "Huddinge")          # a municipality: its latest evaluation

The report is plain data (no formatting): the evaluation's facts, its `CompassScore`, the mean
profile of a reference set (by default every evaluation of the same framework version), the
comparison with the municipality's earlier evaluation only when the two versions are comparable,
a section per area (score, Styrkor, Förbättringsområden) and a table of every municipality
evaluated with the same version. Scores stay unrounded; renderers round them when shown.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal

import jamfor.store.compass as compass_store
from jamfor.compass.frameworks import framework as load_framework
from jamfor.compass.model import CompassEvaluation, CompassFramework
from jamfor.compute.compass import CompassScore, QuestionScore, comparable, score
from jamfor.errors import JamforError, NotFoundError, ValidationError
from jamfor.reports.model import Named
from jamfor.store import Store

__all__ = [
    "AreaSection",
    "CompassReport",
    "EarlierComparison",
    "EvaluationRow",
    "ReferenceProfile",
    "compass_report",
    "resolve_evaluation",
]

ReferenceKind = Literal["framework", "list"]


@dataclass(frozen=True)
class EvaluationRow:
    """One evaluation in a table or a reference set: who, when, which version, and its points.

    `areas` holds the points per area (index = area number - 1), None where the evaluation has
    none (a published result that gives only its total). `total` is the sum of the area points,
    or the published total when the areas are not known.
    """

    id: str
    municipality: Named
    year: int
    framework: str
    total: float | None
    areas: tuple[float | None, ...]


@dataclass(frozen=True)
class ReferenceProfile:
    """The mean points per area of a reference set, and what the set is.

    `kind` "framework": every evaluation of `framework` (the default, with the evaluation itself);
    "list": the evaluations the user named. `counts` says how many evaluations each area's mean
    is taken over (a total-only result has no areas).
    """

    kind: ReferenceKind
    framework: str
    framework_name: str
    evaluations: tuple[EvaluationRow, ...]
    areas: tuple[float | None, ...]
    counts: tuple[int, ...]
    total: float | None
    includes_subject: bool

    @property
    def count(self) -> int:
        return len(self.evaluations)


@dataclass(frozen=True)
class EarlierComparison:
    """The municipality's previous evaluation and whether it may be compared with this one.

    `comparable` False: `reason` says why in Swedish (from `compute.compass.comparable`) and the
    report shows no comparison. True: `changes` are this evaluation's area points minus the
    earlier one's (None where either is missing).
    """

    evaluation: EvaluationRow
    framework_name: str
    comparable: bool
    reason: str | None
    changes: tuple[float | None, ...]
    total_change: float | None


@dataclass(frozen=True)
class AreaSection:
    """One area of the evaluation: its score, the reference mean, and the evaluators' words."""

    number: int
    name: str
    role: str | None
    points: float
    max: float
    percent: float
    questions: tuple[QuestionScore, ...]
    reference: float | None
    earlier: float | None  # only when the earlier evaluation is comparable
    strengths: tuple[str, ...]
    improvements: tuple[str, ...]
    summary: str | None  # the area's general text ("Allmänt"), when the evaluation has one


@dataclass(frozen=True)
class CompassReport:
    """Everything the Kommunkompassen report shows, unrounded and unformatted."""

    evaluation: CompassEvaluation
    municipality: Named
    framework: CompassFramework
    score: CompassScore
    reference: ReferenceProfile
    earlier: EarlierComparison | None
    areas: tuple[AreaSection, ...]
    table: tuple[EvaluationRow, ...]
    generated: datetime

    @property
    def id(self) -> str:
        return self.evaluation.id

    @property
    def year(self) -> int:
        return self.evaluation.year

    @property
    def level(self) -> str:
        return self.score.level

    @property
    def no_comparison_reason(self) -> str | None:
        """The Swedish sentence saying why there is no comparison with an earlier evaluation (None: there is one)."""
        name = self.municipality.name
        if self.earlier is None:
            return f"{name} har ingen tidigare utvärdering i databasen, så rapporten visar ingen jämförelse över tid."
        if self.earlier.comparable:
            return None
        reason = (self.earlier.reason or "").strip().rstrip(".")
        sentence = (
            f"{name} utvärderades även {self.earlier.evaluation.year} enligt {self.earlier.framework_name}, "
            f"men den versionen går inte att jämföra med {self.framework.name}"
        )
        return f"{sentence}: {reason}." if reason else f"{sentence}, så rapporten visar ingen jämförelse."


def resolve_evaluation(store: Store, evaluation_or_municipality: str) -> CompassEvaluation:
    """An evaluation by its id ("huddinge-2017"), or a municipality's latest by name or id ("Huddinge", "0126")."""
    key = evaluation_or_municipality.strip()
    if not key:
        raise JamforError("give an evaluation id (e.g. huddinge-2017) or a municipality's name or id")
    try:
        return compass_store.evaluation(store, key)
    except NotFoundError as by_id:
        try:
            area = store.resolve_area(key)
        except NotFoundError:
            raise NotFoundError(
                f"{key!r} is neither a Kommunkompassen evaluation nor a municipality "
                f"({by_id}); see 'jamfor compass list'"
            ) from None
        try:
            return compass_store.latest_for(store, area.id)
        except NotFoundError:
            raise NotFoundError(
                f"{area.title} ({area.id}) has no Kommunkompassen evaluation; see 'jamfor compass list'"
            ) from None


def _names(store: Store) -> dict[str, str]:
    """Area id → name, in one query (evaluations name municipalities by id)."""
    return {a.id: a.title for a in store.areas()}


def _area_values(framework: CompassFramework, sc: CompassScore | None) -> tuple[float | None, ...]:
    found = {} if sc is None else {a.number: a.points for a in sc.areas}
    return tuple(found.get(a.number) for a in framework.areas)


def _scored(framework: CompassFramework, ev: CompassEvaluation) -> CompassScore | None:
    """Another evaluation's score for the tables and the reference, or None when it cannot be scored
    yet (an evaluation still being filled in): it is then left out rather than failing the report."""
    try:
        return score(framework, ev)
    except ValidationError:
        return None


def _row(
    framework: CompassFramework, ev: CompassEvaluation, sc: CompassScore | None, names: dict[str, str]
) -> EvaluationRow:
    areas = _area_values(framework, sc)
    if sc is not None and all(v is not None for v in areas):
        total: float | None = sc.total
    else:
        total = ev.published_total
    return EvaluationRow(
        ev.id,
        Named(ev.municipality, names.get(ev.municipality, ev.municipality)),
        ev.year,
        ev.framework,
        total,
        areas,
    )


def _order(ev: CompassEvaluation) -> tuple[int, date, str]:
    return (ev.year, ev.date or date(ev.year, 1, 1), ev.id)


def _reference(
    store: Store,
    framework: CompassFramework,
    reference: str | None,
    frameworks: dict[str, CompassFramework],
    stored: list[CompassEvaluation],
) -> tuple[ReferenceKind, CompassFramework, list[CompassEvaluation]]:
    """The reference set a `reference` option names: None/"" → every evaluation of the same version;
    "version:2010" (or "framework:2010") → every evaluation of that version, which must be
    comparable; otherwise a comma-separated list of evaluation ids or municipalities (their latest)."""
    text = (reference or "").strip()
    if not text or text.lower() in ("version", "framework", "samma"):
        return "framework", framework, [e for e in stored if e.framework == framework.id]
    prefix, _, rest = text.partition(":")
    if prefix.strip().lower() in ("version", "framework") and rest.strip():
        other = frameworks.setdefault(rest.strip(), load_framework(rest.strip()))
        ok, why = comparable(framework, other)
        if not ok:
            raise JamforError(
                f"reference {text!r}: {other.name} cannot be compared with {framework.name}: {why}"
            )
        return "framework", other, [e for e in stored if e.framework == other.id]
    chosen: list[CompassEvaluation] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        ev = resolve_evaluation(store, part)
        other = frameworks.setdefault(ev.framework, load_framework(ev.framework))
        ok, why = comparable(framework, other)
        if not ok:
            raise JamforError(
                f"reference {part!r}: the evaluation {ev.id} uses {other.name}, which cannot be "
                f"compared with {framework.name}: {why}"
            )
        if ev.id not in {c.id for c in chosen}:
            chosen.append(ev)
    if not chosen:
        raise JamforError(f"reference {text!r} names no evaluation")
    return "list", framework, chosen


def compass_report(
    store: Store, evaluation_or_municipality: str, *, reference: str | None = None
) -> CompassReport:
    """The report of an evaluation (by id) or of a municipality's latest evaluation (by name or id).

    `reference` chooses the reference set whose mean profile is shown beside the evaluation: by
    default every evaluation of the same framework version (this one included); "version:<id>"
    for another comparable version; or a comma-separated list of evaluations or municipalities.
    Raises NotFoundError for an unknown evaluation or municipality, JamforError for a reference
    set that cannot be compared.
    """
    ev = resolve_evaluation(store, evaluation_or_municipality)
    fw = load_framework(ev.framework)
    frameworks = {fw.id: fw}
    sc = score(fw, ev)  # raises ValidationError naming what does not fit
    if not sc.areas:
        raise JamforError(
            f"the evaluation {ev.id} has no area or question points (only a published total), so there "
            "is no report to show; it appears in the table of evaluated municipalities"
        )

    # The reference profile.
    # Every stored evaluation, read once: the reference set, the history and the table come from it.
    stored = compass_store.evaluations(store)
    kind, ref_fw, ref_evs = _reference(store, fw, reference, frameworks, stored)
    names = _names(store)
    ref_scores = [
        (r, _scored(frameworks.setdefault(r.framework, load_framework(r.framework)), r)) for r in ref_evs
    ]
    ref_rows = tuple(_row(frameworks[r.framework], r, s, names) for r, s in ref_scores)
    # The mean per area over the evaluations that have the area (a total-only result has none).
    # Computed here rather than with compute.compass.profile_mean, which refuses a set mixing
    # framework ids, while a chosen set may hold different but comparable versions.
    per_area = [[v for row in ref_rows if (v := row.areas[i]) is not None] for i in range(len(fw.areas))]
    means = tuple(math.fsum(v) / len(v) if v else None for v in per_area)
    counts = tuple(len(v) for v in per_area)
    totals = [row.total for row in ref_rows if row.total is not None]
    profile = ReferenceProfile(
        kind=kind,
        framework=ref_fw.id,
        framework_name=ref_fw.name,
        evaluations=tuple(sorted(ref_rows, key=lambda r: (r.municipality.name, r.year, r.id))),
        areas=means,
        counts=counts,
        total=sum(totals) / len(totals) if totals else None,
        includes_subject=any(r.id == ev.id for r in ref_evs),
    )

    # The municipality's previous evaluation, compared only when the versions allow it.
    history = [e for e in stored if e.municipality == ev.municipality]
    before = [h for h in history if h.id != ev.id and _order(h) < _order(ev)]
    earlier: EarlierComparison | None = None
    own = _area_values(fw, sc)
    if before:
        prev = max(before, key=_order)
        prev_fw = frameworks.setdefault(prev.framework, load_framework(prev.framework))
        ok, why = comparable(fw, prev_fw)
        prev_score = _scored(prev_fw, prev) if ok else None
        prev_row = _row(prev_fw, prev, prev_score, names)
        changes: tuple[float | None, ...] = tuple(None for _ in fw.areas)
        total_change = None
        if ok:
            changes = tuple(
                None if a is None or b is None else a - b for a, b in zip(own, prev_row.areas, strict=False)
            )
            if prev_row.total is not None:
                total_change = sc.total - prev_row.total
        earlier = EarlierComparison(prev_row, prev_fw.name, ok, None if ok else why, changes, total_change)

    areas = []
    for i, area_score in enumerate(sc.areas):
        fw_area = fw.area(area_score.number)
        earlier_points = None
        if earlier is not None and earlier.comparable and i < len(earlier.evaluation.areas):
            earlier_points = earlier.evaluation.areas[i]
        areas.append(
            AreaSection(
                number=area_score.number,
                name=area_score.name,
                role=fw_area.role,
                points=area_score.points,
                max=area_score.max,
                percent=area_score.percent,
                questions=area_score.questions,
                reference=profile.areas[i] if i < len(profile.areas) else None,
                earlier=earlier_points,
                strengths=tuple(ev.strengths.get(area_score.number, ())),
                improvements=tuple(ev.improvements.get(area_score.number, ())),
                summary=ev.area_summaries.get(area_score.number),
            )
        )

    # Every municipality evaluated with the same version, best total first.
    same = [e for e in stored if e.framework == fw.id]
    table_rows = [_row(fw, other, sc if other.id == ev.id else _scored(fw, other), names) for other in same]
    table_rows.sort(key=lambda r: (r.total is None, -(r.total or 0.0), r.municipality.name, r.year))

    return CompassReport(
        evaluation=ev,
        municipality=Named(ev.municipality, names.get(ev.municipality, ev.municipality)),
        framework=fw,
        score=sc,
        reference=profile,
        earlier=earlier,
        areas=tuple(areas),
        table=tuple(table_rows),
        generated=datetime.now(UTC),
    )
