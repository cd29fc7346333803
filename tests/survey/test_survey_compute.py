"""Survey indices, intervals, bands, change tests and shares against hand-computed cases, and the
interval's coverage on a large synthetic sample."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from jamfor.compute.survey import (
    AnswerOption,
    IndexDefinition,
    IndexResult,
    Question,
    Respondent,
    band,
    betygsindex,
    change_test,
    effective_sample_size,
    index_result,
    option_shares,
    respondent_score,
    weighted_index,
    wilson_interval,
)
from jamfor.sources.survey_definitions import bundled_surveys
from jamfor.sources.synthetic_survey import synthetic_respondents

NMI = IndexDefinition("NMI", "Nöjd-Medborgar-Index", "overall", ("q1", "q2", "q3"))


def test_betygsindex_maps_the_scale_to_0_100() -> None:
    assert betygsindex(1) == 0
    assert betygsindex(10) == 100
    assert betygsindex(5.5) == 50
    assert betygsindex(7) == pytest.approx(600 / 9)  # 66.67


@pytest.mark.parametrize(
    ("index", "expected"),
    [
        (0, "inte godkänt"),
        (39.99, "inte godkänt"),
        (40, "godkänt"),
        (54.99, "godkänt"),
        (55, "nöjd"),
        (74.99, "nöjd"),
        (75, "mycket nöjd"),
        (100, "mycket nöjd"),
        (None, None),
    ],
)
def test_bands(index: float | None, expected: str | None) -> None:
    assert band(index) == expected


def test_bands_of_kungsbackas_published_indices() -> None:
    """Seed 000: Kungsbacka's NMI 64/63/62 (2012–2014) and trygghet 65–67 are "nöjd"; its NII 45
    and Riket's NII 41 (2014) are between 40 and 55; Riket's NMI 55 is just "nöjd"."""
    assert {band(v) for v in (64, 63, 62, 65, 66, 67)} == {"nöjd"}
    assert band(45) == band(41) == "godkänt"
    assert band(55) == "nöjd"


def test_respondent_score_is_the_mean_of_answered_questions_with_at_least_half() -> None:
    assert respondent_score({"q1": 8, "q2": 7, "q3": 6}, NMI) == pytest.approx(600 / 9)
    assert respondent_score({"q1": 10, "q2": 9}, NMI) == pytest.approx(850 / 9)  # 9.5 → 94.4
    assert respondent_score({"q1": 3}, NMI) is None  # 1 of 3 < ceil(3/2) = 2
    assert respondent_score({}, NMI) is None
    one = IndexDefinition("X", "x", "factor", ("q1", "q2", "q3"), min_answered=1)
    assert respondent_score({"q3": 4}, one) == pytest.approx(300 / 9)
    two = IndexDefinition("Y", "y", "factor", ("a", "b"))
    assert two.required_answers == 1


def test_hand_computed_unweighted_index_and_interval() -> None:
    respondents = [
        Respondent({"q1": 8, "q2": 7, "q3": 6}),  # mean 7 → 66.67
        Respondent({"q1": 5, "q2": 5, "q3": 5}),  # 5 → 44.44
        Respondent({"q1": 10, "q2": 9, "q3": None}),  # 9.5 → 94.44
        Respondent({"q1": 3}),  # too few answers: left out
    ]
    result = index_result(respondents, NMI)
    # mean of 600/9, 400/9, 850/9 = 1850/27; deviations −50/27, −650/27, 700/27
    assert result.value == pytest.approx(1850 / 27)  # 68.52
    se = math.sqrt(915000 / 729 / 2 / 3)  # sample variance / n = 14.46
    assert result.standard_error == pytest.approx(se)
    assert result.lower == pytest.approx(1850 / 27 - 1.959964 * se, abs=1e-4)  # 40.17
    assert result.upper == pytest.approx(1850 / 27 + 1.959964 * se, abs=1e-4)  # 96.87
    assert (result.respondents, result.excluded, result.effective_n) == (3, 1, 3.0)
    assert result.band == "nöjd"


def test_hand_computed_weighted_index_uses_the_effective_sample_size() -> None:
    result = weighted_index([20, 40, 60], [1, 2, 1])
    assert result.value == pytest.approx(40)  # (20 + 80 + 60) / 4
    assert result.effective_n == pytest.approx(16 / 6)  # (Σw)² / Σw²
    # weighted variance (400 + 0 + 400) / 4 = 200; SE² = 200 / (n_eff − 1) = 120
    assert result.standard_error == pytest.approx(math.sqrt(120))
    assert result.lower == pytest.approx(18.5297, abs=1e-3)
    assert result.upper == pytest.approx(61.4703, abs=1e-3)


def test_equal_weights_change_nothing_and_bad_weights_are_refused() -> None:
    plain = weighted_index([10, 50, 70, 90])
    scaled = weighted_index([10, 50, 70, 90], [2.5] * 4)
    assert scaled.value == pytest.approx(plain.value)
    assert scaled.standard_error == pytest.approx(plain.standard_error)
    assert effective_sample_size([2.5] * 4) == pytest.approx(4)
    with pytest.raises(ValueError, match="positive"):
        weighted_index([10, 20], [1, -1])


def test_interval_is_clipped_and_missing_for_one_respondent() -> None:
    wide = weighted_index([0, 100])
    assert wide.lower == 0 and wide.upper == 100
    single = weighted_index([55.0])
    assert single.value == 55 and single.lower is None and single.standard_error is None
    empty = weighted_index([])
    assert empty.value is None and empty.band is None


def test_change_test_is_a_two_sample_z_test_at_5_percent() -> None:
    earlier = IndexResult(50.0, 46.1, 53.9, 2.0, 300, 0, 300.0)
    up = change_test(earlier, replace(earlier, value=56.0, standard_error=1.5))
    assert up is not None
    assert up.difference == pytest.approx(6) and up.standard_error == pytest.approx(2.5)
    assert up.z == pytest.approx(2.4) and up.significant and up.direction == "up"
    small = change_test(earlier, replace(earlier, value=54.0, standard_error=1.5))
    assert small is not None and small.z == pytest.approx(1.6) and not small.significant
    assert small.direction == "none"
    down = change_test(earlier, replace(earlier, value=44.0, standard_error=1.5))
    assert down is not None and down.direction == "down"
    assert change_test(earlier, replace(earlier, value=None)) is None


def test_hand_computed_shares_with_wilson_intervals() -> None:
    question = Question("q", "Hur?", options=(AnswerOption(1, "Bra"), AnswerOption(2, "Dålig")))
    respondents = [Respondent({"q": 1}), Respondent({"q": 1}), Respondent({"q": 2}), Respondent({"q": None})]
    good, bad = option_shares(respondents, question)
    assert good.share == pytest.approx(200 / 3) and bad.share == pytest.approx(100 / 3)
    assert good.respondents == 3  # the blank is not counted
    # Wilson, p = 2/3, n = 3: centre (p + z²/2n)/(1 + z²/n), half-width z/(1 + z²/n)·√(p(1−p)/n + z²/4n²)
    assert good.lower == pytest.approx(20.766, abs=1e-3) and good.upper == pytest.approx(93.851, abs=1e-3)
    assert wilson_interval(0.0, 100)[0] == pytest.approx(0.0, abs=1e-12)
    weighted = option_shares([Respondent({"q": 1}, 3.0), Respondent({"q": 2}, 1.0)], question)
    assert weighted[0].share == pytest.approx(75) and weighted[0].effective_n == pytest.approx(1.6)


# -- coverage ---------------------------------------------------------------------------------------


def _coverage(weighted: bool) -> float:
    """The share of 400 seeded draws of ~300 respondents whose 95 % interval holds the true NMI."""
    survey = bundled_surveys()["scb-medborgarundersokning"]
    nmi = next(ix for ix in survey.indices if ix.id == "NMI")
    population = synthetic_respondents(survey, 200_000, np.random.default_rng(7), only=["NMI"])
    truth = index_result(population, nmi).value
    assert truth is not None
    rng = np.random.default_rng(11)
    covered = 0
    for _ in range(400):
        if weighted:  # age groups sampled unequally, weights correct for it
            sample = synthetic_respondents(survey, 300, rng, weighted=True, only=["NMI"])
        else:
            sample = [population[i] for i in rng.choice(len(population), 300, replace=False)]
        result = index_result(sample, nmi)
        assert result.lower is not None and result.upper is not None
        covered += result.lower <= truth <= result.upper
    return covered / 400


def test_interval_covers_the_true_index_in_about_95_percent_of_draws() -> None:
    coverage = _coverage(weighted=False)
    assert 0.92 <= coverage <= 0.98, coverage


def test_weighted_interval_covers_the_true_index_in_about_95_percent_of_draws() -> None:
    coverage = _coverage(weighted=True)
    assert 0.92 <= coverage <= 0.98, coverage
