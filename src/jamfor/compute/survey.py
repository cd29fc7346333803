"""Citizen-survey indices (SCB's medborgarundersökning): betygsindex, confidence intervals, bands,
significant changes, and the post-2021 shares per answer option. Pure functions, no I/O.

The rules (docs/surveys.md has them in prose):

- A respondent's score on an index is the mean of the index's questions they answered, on the
  0–100 scale: (mean − 1) × 100 / 9. A respondent who answered fewer than `min_answered` of the
  questions (default: half of them, rounded up) is left out of that index.
- The index is the weighted mean of the scores (weight 1 when none is given); that equals
  (weighted mean answer − 1) × 100 / 9.
- Its 95 % confidence interval is index ± 1.96 × SE with SE² = v / (n_eff − 1), where v is the
  weighted variance Σw(y − ȳ)² / Σw and n_eff = (Σw)² / Σw² the effective sample size (for equal
  weights n_eff = n and SE² is the sample variance over n). Clipped to 0–100.
- Bands: under 40 "inte godkänt", 40 to under 55 "godkänt", 55 to under 75 "nöjd", 75 and above
  "mycket nöjd".
- A change between two years is significant when |difference| > 1.96 × √(SE₁² + SE₂²): a
  two-sided two-sample z test at 5 % for independent samples.
- Shares: the weighted share of each option among those who answered the question, with a Wilson
  score interval computed on the effective sample size.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal

Family = Literal["index", "shares"]
IndexKind = Literal["overall", "factor"]
Band = Literal["inte godkänt", "godkänt", "nöjd", "mycket nöjd"]

Z95: Final = 1.959963984540054
SCALE_MIN, SCALE_MAX = 1, 10
BAND_LIMITS: Final[tuple[tuple[float, Band], ...]] = (
    (75.0, "mycket nöjd"),
    (55.0, "nöjd"),
    (40.0, "godkänt"),
)
BANDS: Final[tuple[Band, ...]] = ("inte godkänt", "godkänt", "nöjd", "mycket nöjd")


# -- definitions (read from data/surveys/*.yaml by jamfor.sources.survey_definitions) ------------


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    text_en: str | None = None
    options: tuple[AnswerOption, ...] = ()  # the share family only


@dataclass(frozen=True)
class AnswerOption:
    code: int
    label: str
    label_en: str | None = None


@dataclass(frozen=True)
class IndexDefinition:
    """An index built from questions; `min_answered` is the fewest a respondent must answer."""

    id: str
    title: str
    kind: IndexKind
    questions: tuple[str, ...]
    title_en: str | None = None
    parent: str | None = None
    min_answered: int | None = None

    @property
    def required_answers(self) -> int:
        return self.min_answered if self.min_answered is not None else math.ceil(len(self.questions) / 2)


@dataclass(frozen=True)
class SurveyDefinition:
    """A survey: its questions and either indices (family "index") or options (family "shares")."""

    id: str
    title: str
    family: Family
    kpi_prefix: str
    questions: tuple[Question, ...]
    indices: tuple[IndexDefinition, ...] = ()
    title_en: str | None = None
    era: str | None = None
    scale_min: int = SCALE_MIN
    scale_max: int = SCALE_MAX

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)

    def answer_range(self, question_id: str) -> tuple[int, int]:
        """The valid answers to a question: 1–10 for an index question, the option codes otherwise."""
        if self.family == "index":
            return self.scale_min, self.scale_max
        codes = [o.code for o in self.question(question_id).options]
        return min(codes), max(codes)


# -- the index family --------------------------------------------------------------------------


def betygsindex(mean_answer: float, low: int = SCALE_MIN, high: int = SCALE_MAX) -> float:
    """A mean answer on the low–high scale as 0–100: (mean − 1) × 100 / 9 on SCB's 1–10 scale."""
    return (mean_answer - low) * 100.0 / (high - low)


def band(index: float | None) -> Band | None:
    """SCB's bands: < 40 inte godkänt, 40–55 godkänt, ≥ 55 nöjd, ≥ 75 mycket nöjd."""
    if index is None or math.isnan(index):
        return None
    for limit, name in BAND_LIMITS:
        if index >= limit:
            return name
    return "inte godkänt"


def respondent_score(
    answers: Mapping[str, int | None], index: IndexDefinition, low: int = SCALE_MIN, high: int = SCALE_MAX
) -> float | None:
    """The respondent's betygsindex on `index`: the mean of the questions they answered, or None
    when they answered fewer than the index requires."""
    given = [a for a in (answers.get(q) for q in index.questions) if a is not None]
    if not given or len(given) < index.required_answers:
        return None
    return betygsindex(sum(given) / len(given), low, high)


@dataclass(frozen=True)
class IndexResult:
    """An index with its 95 % interval; None values when no respondent qualified."""

    value: float | None
    lower: float | None
    upper: float | None
    standard_error: float | None
    respondents: int  # those who qualified
    excluded: int  # those who answered too few of the questions
    effective_n: float

    @property
    def band(self) -> Band | None:
        return band(self.value)


def effective_sample_size(weights: Sequence[float]) -> float:
    """Kish's effective sample size (Σw)² / Σw²; n for equal weights."""
    total = math.fsum(weights)
    squares = math.fsum(w * w for w in weights)
    return total * total / squares if squares > 0 else 0.0


def weighted_index(
    scores: Sequence[float], weights: Sequence[float] | None = None, *, excluded: int = 0
) -> IndexResult:
    """The weighted mean of respondent scores (0–100) with its 95 % confidence interval."""
    if weights is None:
        weights = [1.0] * len(scores)
    if len(weights) != len(scores):
        raise ValueError("scores and weights differ in length")
    if any(w <= 0 or not math.isfinite(w) for w in weights):
        raise ValueError("weights must be positive numbers")
    n = len(scores)
    if n == 0:
        return IndexResult(None, None, None, None, 0, excluded, 0.0)
    total = math.fsum(weights)
    mean = math.fsum(w * y for w, y in zip(weights, scores, strict=True)) / total
    n_eff = effective_sample_size(weights)
    if n < 2 or n_eff <= 1:
        return IndexResult(mean, None, None, None, n, excluded, n_eff)
    variance = math.fsum(w * (y - mean) ** 2 for w, y in zip(weights, scores, strict=True)) / total
    se = math.sqrt(variance / (n_eff - 1))
    lower = max(0.0, mean - Z95 * se)
    upper = min(100.0, mean + Z95 * se)
    return IndexResult(mean, lower, upper, se, n, excluded, n_eff)


@dataclass(frozen=True)
class Respondent:
    """One respondent's answers (question id → answer; missing or None = blank) and weight."""

    answers: Mapping[str, int | None]
    weight: float = 1.0


def index_result(
    respondents: Sequence[Respondent], index: IndexDefinition, low: int = SCALE_MIN, high: int = SCALE_MAX
) -> IndexResult:
    """`index` over `respondents`: scores per respondent, then the weighted index and interval."""
    scores: list[float] = []
    weights: list[float] = []
    excluded = 0
    for r in respondents:
        score = respondent_score(r.answers, index, low, high)
        if score is None:
            excluded += 1
        else:
            scores.append(score)
            weights.append(r.weight)
    return weighted_index(scores, weights, excluded=excluded)


@dataclass(frozen=True)
class Change:
    """The change of an index between two years and whether it is statistically significant."""

    difference: float
    standard_error: float
    z: float
    significant: bool

    @property
    def direction(self) -> Literal["up", "down", "none"]:
        if not self.significant:
            return "none"
        return "up" if self.difference > 0 else "down"


def change_test(earlier: IndexResult, later: IndexResult) -> Change | None:
    """Two-sided two-sample z test at 5 % on two independent years' indices; None without SEs."""
    if (
        earlier.value is None
        or later.value is None
        or earlier.standard_error is None
        or later.standard_error is None
    ):
        return None
    difference = later.value - earlier.value
    se = math.sqrt(earlier.standard_error**2 + later.standard_error**2)
    if se == 0:
        return Change(difference, 0.0, math.inf if difference else 0.0, difference != 0)
    z = difference / se
    return Change(difference, se, z, abs(z) > Z95)


# -- the share family --------------------------------------------------------------------------


@dataclass(frozen=True)
class ShareResult:
    """The share (%) of respondents choosing an option, with its 95 % Wilson interval."""

    code: int
    share: float | None
    lower: float | None
    upper: float | None
    respondents: int  # who answered the question
    effective_n: float


def wilson_interval(share: float, n_eff: float, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion (0–1) on an effective sample size."""
    if n_eff <= 0:
        return 0.0, 1.0
    z2 = z * z
    denominator = 1 + z2 / n_eff
    centre = (share + z2 / (2 * n_eff)) / denominator
    half = z / denominator * math.sqrt(max(0.0, share * (1 - share) / n_eff + z2 / (4 * n_eff * n_eff)))
    return max(0.0, centre - half), min(1.0, centre + half)


def option_shares(respondents: Sequence[Respondent], question: Question) -> list[ShareResult]:
    """Per answer option of `question`: the weighted share (%) among those who answered it."""
    answered = [(r.answers.get(question.id), r.weight) for r in respondents]
    given = [(a, w) for a, w in answered if a is not None]
    n = len(given)
    if n == 0:
        return [ShareResult(o.code, None, None, None, 0, 0.0) for o in question.options]
    weights = [w for _, w in given]
    total = math.fsum(weights)
    n_eff = effective_sample_size(weights)
    results = []
    for option in question.options:
        share = math.fsum(w for a, w in given if a == option.code) / total
        lower, upper = wilson_interval(share, n_eff)
        results.append(ShareResult(option.code, 100 * share, 100 * lower, 100 * upper, n, n_eff))
    return results


# -- a municipality-year -----------------------------------------------------------------------


@dataclass(frozen=True)
class YearResults:
    """All results of a survey for one municipality and year."""

    respondents: int
    indices: Mapping[str, IndexResult]  # index family: index id → result
    shares: Mapping[str, Sequence[ShareResult]]  # share family: question id → one per option


def year_results(survey: SurveyDefinition, respondents: Sequence[Respondent]) -> YearResults:
    """Every index (index family) or every question's option shares (share family)."""
    if survey.family == "index":
        indices = {
            ix.id: index_result(respondents, ix, survey.scale_min, survey.scale_max) for ix in survey.indices
        }
        return YearResults(len(respondents), indices, {})
    shares = {q.id: option_shares(respondents, q) for q in survey.questions}
    return YearResults(len(respondents), {}, shares)
