"""Similar municipalities: the N nearest by a weighted Euclidean distance on standardised structural values.

The method, step by step (docs/similar-municipalities.md says the same for users):

1. **Values.** Each profile measure is a Kolada KPI, optionally divided by another (inhabitants
   per km² = N01951 / N02993) and optionally log-transformed (population spans 2,400 to 980,000;
   on a log scale a doubling counts the same everywhere). A log of a value <= 0, or a division by
   zero, is a missing value. Each measure uses one year for every municipality: the latest year
   (<= the year asked for) in which at least half the municipalities have a value.
2. **Standardising.** z = (x - mean) / sd per measure over the municipalities that have a value
   (population sd, ddof = 0). A measure with fewer than two values or no spread carries no
   information and is left out.
3. **Distance.** d(f, m) = sqrt( sum_k w_k (z_fk - z_mk)^2 / sum_k w_k ), the sums over the
   measures both f and m have. Dividing by the weights actually used is the renormalisation:
   d is a weighted root-mean-square difference in standard deviations, comparable between pairs
   compared on different measures.
4. **Missing values.** A measure the focus lacks is dropped for that focus. A candidate is
   compared on the measures both have, but only if those carry at least `min_coverage` (default
   75 %) of the weight the focus has; otherwise it is skipped (and listed as skipped), so a
   municipality missing a heavily weighted measure is never called similar on the rest alone.
5. **Contributions.** Measure k contributes c_k = w_k (z_fk - z_mk)^2 / (W d) with W the weight
   used, so the contributions add up to d exactly (each measure's share of d^2, times d).
6. **Order.** Nearest first; equal distances (compared after rounding to 12 significant
   digits, so that floating-point noise cannot decide) in ascending area id.

Everything is numpy on whole matrices: the lists of all 290 municipalities are one computation.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from jamfor.errors import JamforError

Transform = Literal["none", "log"]
FloatArray = npt.NDArray[np.float64]

DEFAULT_N = 7
DEFAULT_MIN_COVERAGE = 0.75
# A measure's year must have values for at least this share of the municipalities.
YEAR_MIN_SHARE = 0.5


@dataclass(frozen=True)
class ProfileMeasure:
    """One structural measure of a profile: a KPI, optionally per another KPI, log or not, weighted."""

    kpi: str
    weight: float = 1.0
    per: str | None = None
    transform: Transform = "none"
    label_sv: str | None = None
    label_en: str | None = None
    why: str = ""

    @property
    def key(self) -> str:
        """The column name: 'N01951', 'N01951/N02993', 'log N01951'."""
        base = f"{self.kpi}/{self.per}" if self.per else self.kpi
        return f"log {base}" if self.transform == "log" else base

    @property
    def kpi_ids(self) -> tuple[str, ...]:
        return (self.kpi, self.per) if self.per else (self.kpi,)


@dataclass(frozen=True)
class SimilarityProfile:
    """A named set of weighted structural measures, e.g. "övergripande"; read from YAML."""

    id: str
    title_sv: str
    title_en: str
    measures: tuple[ProfileMeasure, ...]
    rka_area: str | None = None
    description: str = ""
    min_coverage: float = DEFAULT_MIN_COVERAGE

    @property
    def kpi_ids(self) -> list[str]:
        seen: dict[str, None] = {}
        for measure in self.measures:
            for kpi in measure.kpi_ids:
                seen.setdefault(kpi, None)
        return list(seen)

    @property
    def weights(self) -> FloatArray:
        return np.array([m.weight for m in self.measures], dtype=np.float64)


@dataclass(frozen=True)
class StructuralMatrix:
    """Municipalities (rows, ascending id) × profile measures (columns); NaN where there is no value."""

    areas: tuple[str, ...]
    keys: tuple[str, ...]
    values: FloatArray
    years: tuple[int | None, ...]  # the data year each column uses; None: no year had enough values

    def index(self, area: str) -> int:
        try:
            return self.areas.index(area)
        except ValueError:
            raise JamforError(f"{area} is not among the municipalities compared") from None


@dataclass(frozen=True)
class Neighbour:
    """A similar municipality: its distance, the weight share compared, each measure's contribution."""

    area: str
    distance: float
    coverage: float
    contributions: tuple[float | None, ...]  # per column; None where not compared


@dataclass(frozen=True)
class SimilarList:
    """The N nearest municipalities to `focus`, nearest first."""

    focus: str
    neighbours: tuple[Neighbour, ...]
    used: tuple[bool, ...]  # per column: the focus has a value and the measure has spread
    focus_coverage: float  # the share of the profile's weight the focus has values for
    skipped: tuple[str, ...]  # candidates left out for too little coverage, ascending id


def choose_years(
    raw: Mapping[str, Mapping[int, Mapping[str, float]]],
    measures: Sequence[ProfileMeasure],
    areas: Sequence[str],
    year: int | None = None,
) -> tuple[int | None, ...]:
    """Per measure, the latest year (<= `year`) with values for at least half of `areas`.

    `raw` is kpi -> year -> area -> value.
    """
    chosen: list[int | None] = []
    needed = max(1, math.ceil(YEAR_MIN_SHARE * len(areas)))
    wanted = set(areas)
    for measure in measures:
        by_year = raw.get(measure.kpi, {})
        found = None
        for candidate in sorted(by_year, reverse=True):
            if year is not None and candidate > year:
                continue
            present = wanted.intersection(by_year[candidate])
            if measure.per:
                present &= set(raw.get(measure.per, {}).get(candidate, {}))
            if len(present) >= needed:
                found = candidate
                break
        chosen.append(found)
    return tuple(chosen)


def build_matrix(
    rows: Iterable[tuple[str, str, int, float | None]],
    measures: Sequence[ProfileMeasure],
    areas: Sequence[str],
    year: int | None = None,
) -> StructuralMatrix:
    """The matrix of `measures` for `areas` from (kpi, area, period, value) rows.

    Rows of other areas or KPIs are ignored; a null value is missing; ratios and logs as the
    module docstring says.
    """
    order = tuple(sorted(set(areas)))
    wanted = set(order)
    kpis = {k for m in measures for k in m.kpi_ids}
    raw: dict[str, dict[int, dict[str, float]]] = {}
    for kpi, area, period, value in rows:
        if value is None or kpi not in kpis or area not in wanted:
            continue
        raw.setdefault(kpi, {}).setdefault(int(period), {})[area] = float(value)
    years = choose_years(raw, measures, order, year)
    position = {area: i for i, area in enumerate(order)}
    values = np.full((len(order), len(measures)), np.nan, dtype=np.float64)
    for column, (measure, chosen) in enumerate(zip(measures, years, strict=True)):
        if chosen is None:
            continue
        numerator = _column(raw.get(measure.kpi, {}).get(chosen, {}), position, len(order))
        if measure.per:
            denominator = _column(raw.get(measure.per, {}).get(chosen, {}), position, len(order))
            with np.errstate(divide="ignore", invalid="ignore"):
                numerator = np.where(denominator != 0, numerator / denominator, np.nan)
        if measure.transform == "log":
            with np.errstate(divide="ignore", invalid="ignore"):
                numerator = np.where(numerator > 0, np.log(numerator), np.nan)
        values[:, column] = numerator
    return StructuralMatrix(order, tuple(m.key for m in measures), values, years)


def _column(found: Mapping[str, float], position: Mapping[str, int], size: int) -> FloatArray:
    column = np.full(size, np.nan, dtype=np.float64)
    if found:
        index = np.fromiter((position[a] for a in found), dtype=np.int64, count=len(found))
        column[index] = np.fromiter(found.values(), dtype=np.float64, count=len(found))
    return column


def standardise(values: FloatArray) -> FloatArray:
    """Column-wise z-scores over the non-missing values (ddof = 0); NaN stays NaN.

    A column with fewer than two values or no spread becomes all NaN: it cannot tell
    municipalities apart.
    """
    present = ~np.isnan(values)
    counts = present.sum(axis=0)
    safe = np.where(present, values, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = safe.sum(axis=0) / counts
        spread = np.sqrt(np.where(present, (values - mean) ** 2, 0.0).sum(axis=0) / counts)
        z = (values - mean) / spread
    useless = (counts < 2) | ~(spread > 1e-12 * np.maximum(1.0, np.abs(mean)))
    z[:, useless] = np.nan
    return np.asarray(z, dtype=np.float64)


def _check_weights(weights: FloatArray, columns: int) -> None:
    if weights.shape != (columns,):
        raise JamforError(f"{weights.shape[0]} weights for {columns} measures")
    if not np.all(np.isfinite(weights)) or np.any(weights < 0) or not weights.sum() > 0:
        raise JamforError("weights must be non-negative numbers, at least one of them above 0")


def distances(
    z: FloatArray, weights: FloatArray, focus: npt.NDArray[np.int64]
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """For focus rows `focus` against every row of `z`: (distance, coverage, contributions, focus weight).

    distance and coverage are (F, A); contributions (F, A, K), NaN where a measure was not
    compared; focus weight (F,) is the weight of the measures each focus has. Pairs compared on
    nothing have distance inf and coverage 0.
    """
    _check_weights(weights, z.shape[1])
    present = ~np.isnan(z)
    zf = z[focus]  # (F, K)
    both = present[focus][:, None, :] & present[None, :, :]  # (F, A, K)
    diff2 = np.where(both, (np.nan_to_num(zf)[:, None, :] - np.nan_to_num(z)[None, :, :]) ** 2, 0.0)
    weighted = diff2 * weights  # (F, A, K)
    used_weight = (both * weights).sum(axis=2)  # (F, A)
    focus_weight = (present[focus] * weights).sum(axis=1)  # (F,)
    with np.errstate(invalid="ignore", divide="ignore"):
        squared = weighted.sum(axis=2) / used_weight
        distance = np.where(used_weight > 0, np.sqrt(squared), np.inf)
        coverage = np.where(focus_weight[:, None] > 0, used_weight / focus_weight[:, None], 0.0)
        denominator = (used_weight * distance)[:, :, None]
        contributions = np.where(both, np.where(denominator > 0, weighted / denominator, 0.0), np.nan)
    return distance, coverage, contributions, focus_weight


def _pick(
    focus_row: int,
    distance: FloatArray,
    coverage: FloatArray,
    contributions: FloatArray,
    areas: Sequence[str],
    n: int,
    min_coverage: float,
) -> tuple[tuple[Neighbour, ...], tuple[str, ...]]:
    eligible = coverage >= min_coverage - 1e-12
    eligible[focus_row] = False
    eligible &= np.isfinite(distance)
    candidates = np.flatnonzero(coverage > 0)
    skipped = tuple(areas[int(i)] for i in candidates if i != focus_row and not eligible[i])
    # Rows are in ascending id, so a stable sort on the rounded distance breaks ties by id.
    key = np.where(eligible, _round_significant(distance), np.inf)
    order = np.argsort(key, kind="stable")[: min(n, int(eligible.sum()))]
    neighbours = tuple(
        Neighbour(
            area=areas[int(i)],
            distance=float(distance[i]),
            coverage=float(coverage[i]),
            contributions=tuple(None if math.isnan(c) else float(c) for c in contributions[i]),
        )
        for i in order
    )
    return neighbours, skipped


def _round_significant(values: FloatArray, digits: int = 12) -> FloatArray:
    finite = np.isfinite(values) & (values != 0)
    magnitude = np.zeros_like(values)
    magnitude[finite] = np.floor(np.log10(np.abs(values[finite])))
    scale = 10.0 ** (digits - 1 - magnitude)
    return np.where(finite, np.round(values * scale) / scale, values)


def similar_lists(
    matrix: StructuralMatrix,
    weights: FloatArray | Sequence[float],
    focus: Sequence[str] | None = None,
    *,
    n: int = DEFAULT_N,
    min_coverage: float = DEFAULT_MIN_COVERAGE,
) -> dict[str, SimilarList]:
    """The `n` most similar municipalities for each of `focus` (default: every row of the matrix)."""
    if n < 1:
        raise JamforError(f"the number of similar municipalities must be at least 1, not {n}")
    if not 0 < min_coverage <= 1:
        raise JamforError(f"min_coverage must be above 0 and at most 1, not {min_coverage}")
    w = np.asarray(weights, dtype=np.float64)
    z = standardise(matrix.values)
    spread = ~np.all(np.isnan(z), axis=0)
    total = float(w.sum())
    rows = np.arange(len(matrix.areas)) if focus is None else np.array([matrix.index(a) for a in focus])
    rows = rows.astype(np.int64)
    distance, coverage, contributions, focus_weight = distances(z, w, rows)
    present = ~np.isnan(z)
    found = {}
    for f, row in enumerate(rows):
        neighbours, skipped = _pick(
            int(row), distance[f], coverage[f], contributions[f], matrix.areas, n, min_coverage
        )
        found[matrix.areas[row]] = SimilarList(
            focus=matrix.areas[row],
            neighbours=neighbours,
            used=tuple(bool(x) for x in present[row] & spread),
            focus_coverage=float(focus_weight[f] / total) if total > 0 else 0.0,
            skipped=skipped,
        )
    return found


def similar_to(
    focus: str,
    matrix: StructuralMatrix,
    weights: FloatArray | Sequence[float],
    *,
    n: int = DEFAULT_N,
    min_coverage: float = DEFAULT_MIN_COVERAGE,
) -> SimilarList:
    """The `n` municipalities most similar to `focus`, nearest first."""
    return similar_lists(matrix, weights, [focus], n=n, min_coverage=min_coverage)[focus]


def overlap(ours: Iterable[str], theirs: Iterable[str]) -> int:
    """How many municipalities two lists have in common."""
    return len(set(ours) & set(theirs))
