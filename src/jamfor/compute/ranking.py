"""Composite quality rankings: normalise each measure, weight by area, rank, and say how sure.

Pure functions over plain values (numpy arrays inside); no I/O. The rules, in the order they
apply (docs/ranking.md explains them for readers):

1. **Normalise** each measure over the municipalities with a value, polarity-aware, by one of
   three methods:

   - `mean_rank` (Aftonbladet's method): the competition rank, 1 = best; a missing value gets
     the median of the measure's ranks. Lower scores are better.
   - `grades` (Kommunebarometeret's method): a grade from 1 to 6 where 3.5 is the unweighted
     national mean; the 97.5th percentile in the good direction (and anything better) gets 6,
     the 2.5th percentile in the bad direction (and anything worse) gets 1, linear in between
     on each side of the mean. The percentiles keep one outlier from squeezing everyone else
     into 3–4. Missing values are left out. Higher is better.
   - `zscore`: (value − mean) / standard deviation (population), sign-flipped for measures
     where lower is better, clipped to ±3. Missing values are left out. Higher is better.

2. **Combine**: a municipality's area score is the weighted mean of its measure scores in that
   area; its total is the weighted mean of its area scores (areas without any value are left
   out and the other weights renormalised). Every measure's *contribution* is its share of
   the total: area weight share × measure weight share × score, so the contributions add up to
   the total exactly.

3. **Coverage**: only municipalities with an actual value (not imputed) for at least
   `coverage` (default 60 %) of the measures are ranked.

4. **Place**: competition rank on the total ("1224"), in the whole country or within each
   group (kommungrupp).

5. **Uncertainty**: a bootstrap over the measures (resample the measure list with replacement,
   recompute every total and place) gives each municipality an interval of places (the 2.5th
   and 97.5th percentiles of its places over the samples).

6. **Development** ("bästa utvecklingskommun"): over a window of years, each measure's
   year-on-year changes count as improvements when they go in the good direction. Consistency
   is the share of improving steps among all steps with two values; ties are broken by the
   mean standardised improvement (change ÷ the measure's standard deviation in the last year).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Final, Literal

import numpy as np
import numpy.typing as npt

Method = Literal["mean_rank", "grades", "zscore"]
METHODS: Final[tuple[Method, ...]] = ("mean_rank", "grades", "zscore")
Direction = Literal["higher", "lower"]

GRADE_MIN: Final = 1.0
GRADE_MAX: Final = 6.0
GRADE_MEAN: Final = 3.5
GRADE_PERCENTILE: Final = 2.5
Z_CLIP: Final = 3.0

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class MeasureData:
    """One measure's input: its area, weight, good direction and values by municipality."""

    kpi: str
    area: str
    weight: float
    polarity: Direction
    values: Mapping[str, float | None]


@dataclass(frozen=True)
class Contribution:
    """What one measure adds to one municipality's total."""

    kpi: str
    area: str
    value: float | None  # the municipality's value (None: missing)
    measure_rank: int | None  # its competition rank in this measure (None: missing)
    ranked: int  # municipalities with a value for this measure
    score: float | None  # normalised score (imputed for a missing value under mean_rank)
    imputed: bool
    share: float  # the weight share of the measure in the total (0 when left out)
    contribution: float  # share × score


@dataclass(frozen=True)
class Standing:
    """One municipality's result."""

    area: str  # municipality id
    total: float | None
    area_scores: dict[str, float | None]
    covered: int  # measures with an actual value
    measures: int
    ranked: bool  # coverage met
    place: int | None
    places_of: int  # how many were ranked in its comparison set
    interval: tuple[int, int] | None  # bootstrap interval of places
    group: str | None  # the group it was ranked within (None: the whole country)
    contributions: tuple[Contribution, ...]


@dataclass(frozen=True)
class Development:
    """One municipality's consistency of improvement over a window of years."""

    area: str
    improved: int
    worsened: int
    steps: int
    consistency: float | None  # improved ÷ steps
    mean_change: float | None  # mean standardised improvement per step
    place: int | None
    qualified: bool


def better_is_lower(method: Method) -> bool:
    """True for methods whose totals are better when lower (mean rank)."""
    return method == "mean_rank"


def competition_places(scores: Mapping[str, float], *, lower_is_better: bool) -> dict[str, int]:
    """1 + the number of strictly better scores ("1224"); exact ties share a place."""
    ordered = sorted(scores.values(), reverse=not lower_is_better)
    places: dict[str, int] = {}
    for key, value in scores.items():
        better = _count_better(ordered, value, lower_is_better)
        places[key] = better + 1
    return places


def _count_better(ordered: Sequence[float], value: float, lower_is_better: bool) -> int:
    count = 0
    for other in ordered:
        if (other < value) if lower_is_better else (other > value):
            count += 1
        else:
            break
    return count


def _ranks(values: Floats, present: npt.NDArray[np.bool_], polarity: Direction) -> Floats:
    """Competition ranks of the present values (1 = best), NaN elsewhere."""
    out = np.full(values.shape, np.nan)
    idx = np.flatnonzero(present)
    if idx.size == 0:
        return out
    keys = values[idx] if polarity == "lower" else -values[idx]
    sorted_keys = np.sort(keys)
    out[idx] = np.searchsorted(sorted_keys, keys, side="left") + 1
    return out


def normalise(values: Floats, present: npt.NDArray[np.bool_], polarity: Direction, method: Method) -> Floats:
    """One measure's scores by `method` (see the module docs); NaN where not scored."""
    ranks = _ranks(values, present, polarity)
    if method == "mean_rank":
        if not present.any():
            return ranks
        median = float(np.median(ranks[present]))
        return np.where(present, ranks, median)
    out = np.full(values.shape, np.nan)
    if not present.any():
        return out
    sign = 1.0 if polarity == "higher" else -1.0
    signed = sign * values[present]
    mean = float(np.mean(signed))
    if method == "zscore":
        sd = float(np.std(signed))
        out[present] = 0.0 if sd == 0 else np.clip((signed - mean) / sd, -Z_CLIP, Z_CLIP)
        return out
    top = float(np.percentile(signed, 100 - GRADE_PERCENTILE))
    bottom = float(np.percentile(signed, GRADE_PERCENTILE))
    grades = np.full(signed.shape, GRADE_MEAN)
    above = signed > mean
    below = signed < mean
    if top > mean:
        grades[above] = GRADE_MEAN + (GRADE_MAX - GRADE_MEAN) * (signed[above] - mean) / (top - mean)
    if bottom < mean:
        grades[below] = GRADE_MEAN - (GRADE_MEAN - GRADE_MIN) * (mean - signed[below]) / (mean - bottom)
    out[present] = np.clip(grades, GRADE_MIN, GRADE_MAX)
    return out


def _combine(
    scores: Floats,
    scored: npt.NDArray[np.bool_],
    weights: Floats,
    area_index: npt.NDArray[np.int64],
    area_weights: Floats,
) -> tuple[Floats, Floats, Floats]:
    """Totals, area scores and measure shares for a (municipalities × measures) score matrix.

    Returns (total per municipality, area score matrix (municipalities × areas), share matrix
    (municipalities × measures), NaN/0 where nothing was scored).
    """
    n_areas = area_weights.size
    w = np.where(scored, weights[np.newaxis, :], 0.0)
    filled = np.where(scored, scores, 0.0)
    onehot = np.zeros((weights.size, n_areas))
    onehot[np.arange(weights.size), area_index] = 1.0
    area_w = w @ onehot  # municipalities × areas: measure weight present per area
    area_sum = (w * filled) @ onehot
    with np.errstate(invalid="ignore", divide="ignore"):
        area_scores = np.where(area_w > 0, area_sum / area_w, np.nan)
    has_area = area_w > 0
    aw = np.where(has_area, area_weights[np.newaxis, :], 0.0)
    aw_total = aw.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        area_share = np.where(aw_total[:, np.newaxis] > 0, aw / aw_total[:, np.newaxis], 0.0)
        measure_share_in_area = np.where(w > 0, w / (area_w @ onehot.T), 0.0)
    shares = measure_share_in_area * (area_share @ onehot.T)
    totals = np.where(aw_total > 0, (shares * filled).sum(axis=1), np.nan)
    return totals, area_scores, shares


def _places(
    totals: Floats, eligible: npt.NDArray[np.bool_], groups: Sequence[str | None], lower_is_better: bool
) -> tuple[list[int | None], dict[str | None, int]]:
    places: list[int | None] = [None] * totals.size
    counts: dict[str | None, int] = {}
    for group in dict.fromkeys(groups):
        members = [i for i, g in enumerate(groups) if g == group and eligible[i]]
        counts[group] = len(members)
        found = competition_places(
            {str(i): float(totals[i]) for i in members}, lower_is_better=lower_is_better
        )
        for key, place in found.items():
            places[int(key)] = place
    return places, counts


def rank_municipalities(
    municipalities: Sequence[str],
    measures: Sequence[MeasureData],
    *,
    method: Method,
    area_weights: Mapping[str, float],
    coverage: float = 0.6,
    groups: Mapping[str, str] | None = None,
    bootstrap: int = 0,
    seed: int = 0,
    confidence: float = 0.95,
) -> list[Standing]:
    """Each municipality's total, place, interval and breakdown, in `municipalities` order.

    `groups` (municipality → group id) ranks within each group instead of the whole country;
    a municipality without a group is ranked among the others without one.
    """
    if method not in METHODS:
        raise ValueError(f"unknown ranking method {method!r}: use one of {', '.join(METHODS)}")
    if not 0 < coverage <= 1:
        raise ValueError(f"coverage must be a share between 0 and 1, not {coverage}")
    area_names = list(dict.fromkeys(m.area for m in measures))
    missing_weights = [a for a in area_names if a not in area_weights]
    if missing_weights:
        raise ValueError(f"no weight for the areas {', '.join(missing_weights)}")
    n, k = len(municipalities), len(measures)
    values = np.full((n, k), np.nan)
    for j, measure in enumerate(measures):
        for i, area in enumerate(municipalities):
            v = measure.values.get(area)
            if v is not None and not math.isnan(v):
                values[i, j] = v
    present = ~np.isnan(values)
    scores = np.full((n, k), np.nan)
    ranks = np.full((n, k), np.nan)
    for j, measure in enumerate(measures):
        scores[:, j] = normalise(values[:, j], present[:, j], measure.polarity, method)
        ranks[:, j] = _ranks(values[:, j], present[:, j], measure.polarity)
    scored = ~np.isnan(scores)
    weights = np.array([m.weight for m in measures], dtype=float)
    area_index = np.array([area_names.index(m.area) for m in measures], dtype=np.int64)
    aweights = np.array([float(area_weights[a]) for a in area_names])
    totals, area_scores, shares = _combine(scores, scored, weights, area_index, aweights)
    covered = present.sum(axis=1)
    eligible = (covered >= coverage * k - 1e-9) & ~np.isnan(totals) if k else np.zeros(n, dtype=bool)
    group_of: list[str | None] = [groups.get(a) if groups else None for a in municipalities]
    lower = better_is_lower(method)
    places, counts = _places(totals, eligible, group_of, lower)
    intervals = _bootstrap_intervals(
        scores, scored, weights, area_index, aweights, eligible, group_of, lower, bootstrap, seed, confidence
    )
    ranked_per_measure = present.sum(axis=0)
    out: list[Standing] = []
    for i, area in enumerate(municipalities):
        contributions = tuple(
            Contribution(
                kpi=m.kpi,
                area=m.area,
                value=None if not present[i, j] else float(values[i, j]),
                measure_rank=None if not present[i, j] else int(ranks[i, j]),
                ranked=int(ranked_per_measure[j]),
                score=None if not scored[i, j] else float(scores[i, j]),
                imputed=bool(scored[i, j] and not present[i, j]),
                share=float(shares[i, j]),
                contribution=float(shares[i, j] * scores[i, j]) if scored[i, j] else 0.0,
            )
            for j, m in enumerate(measures)
        )
        out.append(
            Standing(
                area=area,
                total=None if math.isnan(totals[i]) else float(totals[i]),
                area_scores={
                    a: None if math.isnan(area_scores[i, x]) else float(area_scores[i, x])
                    for x, a in enumerate(area_names)
                },
                covered=int(covered[i]),
                measures=k,
                ranked=bool(eligible[i]),
                place=places[i],
                places_of=counts[group_of[i]],
                interval=intervals[i],
                group=group_of[i],
                contributions=contributions,
            )
        )
    return out


def _bootstrap_intervals(
    scores: Floats,
    scored: npt.NDArray[np.bool_],
    weights: Floats,
    area_index: npt.NDArray[np.int64],
    area_weights: Floats,
    eligible: npt.NDArray[np.bool_],
    groups: Sequence[str | None],
    lower_is_better: bool,
    samples: int,
    seed: int,
    confidence: float,
) -> list[tuple[int, int] | None]:
    n, k = scores.shape
    if samples <= 0 or k == 0:
        return [None] * n
    rng = np.random.default_rng(seed)
    group_ids = list(dict.fromkeys(groups))
    group_index = np.array([group_ids.index(g) for g in groups])
    all_places = np.zeros((samples, n))
    for b in range(samples):
        counts = np.bincount(rng.integers(0, k, size=k), minlength=k).astype(float)
        totals, _, _ = _combine(scores, scored, weights * counts, area_index, area_weights)
        keys = np.where(np.isnan(totals), np.inf, totals if lower_is_better else -totals)
        for g in range(len(group_ids)):
            members = np.flatnonzero((group_index == g) & eligible)
            if members.size == 0:
                continue
            sorted_keys = np.sort(keys[members])
            all_places[b, members] = np.searchsorted(sorted_keys, keys[members], side="left") + 1
    tail = (1 - confidence) / 2 * 100
    low = np.percentile(all_places, tail, axis=0, method="lower")
    high = np.percentile(all_places, 100 - tail, axis=0, method="higher")
    return [(int(low[i]), int(high[i])) if eligible[i] else None for i in range(n)]


def development(
    municipalities: Sequence[str],
    series: Sequence[tuple[Direction, Mapping[str, Mapping[int, float | None]]]],
    years: Sequence[int],
    *,
    coverage: float = 0.6,
) -> list[Development]:
    """Consistency of improvement over `years` (consecutive pairs), in `municipalities` order.

    `series` holds, per measure, its good direction and values by municipality and year. A
    municipality qualifies when it has at least `coverage` of all possible steps; qualified
    ones are placed by consistency, then by mean standardised change (both higher first).
    """
    ordered_years = sorted(years)
    pairs = list(pairwise(ordered_years))
    possible = len(pairs) * len(series)
    spreads: list[float] = []
    for _, by_area in series:
        last = [
            v
            for a in municipalities
            if (v := by_area.get(a, {}).get(ordered_years[-1])) is not None and not math.isnan(v)
        ]
        spreads.append(float(np.std(last)) if len(last) > 1 else 0.0)
    results: list[tuple[str, int, int, int, float | None, float | None, bool]] = []
    for area in municipalities:
        improved = worsened = steps = 0
        changes: list[float] = []
        for (direction, by_area), spread in zip(series, spreads, strict=True):
            own = by_area.get(area, {})
            for y0, y1 in pairs:
                v0, v1 = own.get(y0), own.get(y1)
                if v0 is None or v1 is None or math.isnan(v0) or math.isnan(v1):
                    continue
                steps += 1
                change = (v1 - v0) if direction == "higher" else (v0 - v1)
                if change > 0:
                    improved += 1
                elif change < 0:
                    worsened += 1
                if spread > 0:
                    changes.append(change / spread)
        qualified = possible > 0 and steps >= coverage * possible - 1e-9
        consistency = improved / steps if steps else None
        mean_change = float(np.mean(changes)) if changes else (0.0 if steps else None)
        results.append((area, improved, worsened, steps, consistency, mean_change, qualified))
    keyed = {r[0]: (-(r[4] or 0.0), -(r[5] or 0.0)) for r in results if r[6] and r[4] is not None}
    order = sorted(keyed.values())
    places = {area: order.index(key) + 1 for area, key in keyed.items()}
    return [
        Development(
            area=r[0],
            improved=r[1],
            worsened=r[2],
            steps=r[3],
            consistency=r[4],
            mean_change=r[5],
            place=places.get(r[0]),
            qualified=r[6],
        )
        for r in results
    ]
