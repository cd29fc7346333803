"""The Kommunkompassen report's data: which evaluation, its scores, the reference, the comparisons.

Runs on both backends (the `store` fixture holds the bundled evaluations: Huddinge 2017 and the
published results of Grästorp, Örebro, Kramfors and Höganäs).
"""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from jamfor.compass.model import CompassEvaluation
from jamfor.compute.compass import round_half_away
from jamfor.errors import JamforError, NotFoundError
from jamfor.render.compass import comparison_sentence, compass_data, render_compass_fragment
from jamfor.reports.compass import compass_report, resolve_evaluation
from jamfor.store import Store
from jamfor.store.compass import evaluation, save_evaluation

# Seed 003 §4: the area totals as printed.
HUDDINGE_AREAS = [79, 68, 64, 73, 64, 71, 59, 83]


def test_latest_evaluation_by_name_or_id(store: Store) -> None:
    assert resolve_evaluation(store, "huddinge-2017").id == "huddinge-2017"
    assert resolve_evaluation(store, "Huddinge").id == "huddinge-2017"
    assert resolve_evaluation(store, "Huddinge kommun").id == "huddinge-2017"
    assert resolve_evaluation(store, "0126").id == "huddinge-2017"
    # Kramfors was evaluated in 2011 and 2013: its name means the latest.
    assert resolve_evaluation(store, "Kramfors").id == "kramfors-2013"
    assert compass_report(store, "kramfors").id == "kramfors-2013"
    assert compass_report(store, "kramfors-2011").id == "kramfors-2011"


def test_unknown_evaluation_or_municipality_is_a_clear_error(store: Store) -> None:
    with pytest.raises(NotFoundError, match=r"Ronneby \(1081\) has no Kommunkompassen evaluation"):
        compass_report(store, "Ronneby")
    with pytest.raises(
        NotFoundError, match="'nowhere-2017' is neither a Kommunkompassen evaluation nor a municipality"
    ):
        compass_report(store, "nowhere-2017")
    with pytest.raises(JamforError, match="orebro-2013 has no area or question points"):
        compass_report(store, "Örebro")  # a published total alone is no report


def test_huddinge_scores_are_unrounded_sums(store: Store) -> None:
    report = compass_report(store, "Huddinge")
    data = compass_data(report)
    assert (data["municipality"], data["year"], data["framework"]) == ("0126", 2017, "2016")
    assert data["municipality_name"] == "Huddinge"
    areas = data["areas"]
    assert [a["number"] for a in areas] == list(range(1, 9))
    for area in areas:
        assert area["max"] == 100
        assert area["points"] == pytest.approx(math.fsum(q["points"] for q in area["questions"]), abs=1e-9)
        assert sum(q["max"] for q in area["questions"]) == 100
    assert [round_half_away(a["points"]) for a in areas] == HUDDINGE_AREAS
    # Unrounded: area 1 is 79.15, not the 79 printed (nor the 80 its rounded parts add up to).
    assert areas[0]["points"] != 79 and round_half_away(areas[0]["points"]) == 79
    assert data["total"] == pytest.approx(math.fsum(a["points"] for a in areas), abs=1e-9)
    assert data["total"] != sum(HUDDINGE_AREAS)
    stored = evaluation(store, "huddinge-2017").question_points
    questions = {q["id"]: q for a in areas for q in a["questions"]}
    assert questions.keys() == stored.keys() and len(questions) == 45
    assert all(questions[qid]["points"] == stored[qid] for qid in stored)
    assert questions["1.1"]["max"] == 15 and questions["2.5"]["max"] == 20


def test_default_reference_is_every_evaluation_of_the_same_version(store: Store) -> None:
    report = compass_report(store, "kramfors-2013")
    ref = report.reference
    assert ref.kind == "framework" and ref.framework == "2010"
    assert {r.id for r in ref.evaluations} == {
        "grastorp-2014",
        "kramfors-2011",
        "kramfors-2013",
        "orebro-2013",
    }
    assert ref.count == 4 and ref.includes_subject
    # Örebro published only a total: the area means are over the other three.
    assert ref.counts == (3,) * 8
    assert ref.areas[0] == pytest.approx((61 + 51 + 58) / 3)
    assert ref.total == pytest.approx((506 + 615 + 359 + 448) / 4)
    # Huddinge is the only 2016 evaluation: its reference is itself, and the report says so.
    huddinge = compass_report(store, "huddinge-2017")
    assert huddinge.reference.count == 1 and huddinge.reference.includes_subject
    assert "bara av den här utvärderingen" in render_compass_fragment(huddinge)


def test_a_chosen_reference_set(store: Store) -> None:
    report = compass_report(store, "kramfors-2013", reference="grastorp-2014, Kramfors")
    # "Kramfors" names its latest evaluation, so the set is Grästorp 2014 and Kramfors 2013.
    assert report.reference.kind == "list"
    assert [r.id for r in report.reference.evaluations] == ["grastorp-2014", "kramfors-2013"]
    assert report.reference.areas[3] == pytest.approx((53 + 53) / 2)
    with pytest.raises(
        JamforError, match="huddinge-2017 uses Kommunkompassen, reviderad 2016, which cannot be compared"
    ):
        compass_report(store, "kramfors-2013", reference="Huddinge")
    with pytest.raises(JamforError, match="cannot be compared"):
        compass_report(store, "huddinge-2017", reference="version:2010")


def test_comparable_earlier_evaluation_shows_the_change(store: Store) -> None:
    report = compass_report(store, "kramfors-2013")
    earlier = report.earlier
    assert earlier is not None and earlier.comparable and earlier.evaluation.id == "kramfors-2011"
    assert earlier.changes[0] == pytest.approx(58 - 51)
    assert earlier.total_change == pytest.approx(448 - 359)
    assert report.no_comparison_reason is None
    assert [a.earlier for a in report.areas][:2] == [51, 45]
    assert "Kramfors utvärderades senast 2011" in comparison_sentence(report, "sv")


def test_no_comparison_when_the_versions_differ(store: Store) -> None:
    # Huddinge's first evaluation (2006, seed 003) was made with an older form. Its scores are not
    # published; this test stores a stand-in with made-up area points under the 2010 form, only
    # to have an earlier evaluation of another version.
    stand_in = replace(
        evaluation(store, "kramfors-2011"),
        id="huddinge-2006-test",
        municipality="0126",
        year=2006,
        source="test stand-in",
    )
    assert isinstance(stand_in, CompassEvaluation)
    save_evaluation(store, stand_in, source="test")
    report = compass_report(store, "Huddinge")
    assert report.id == "huddinge-2017"  # still the latest
    assert report.earlier is not None and not report.earlier.comparable
    assert report.earlier.evaluation.year == 2006
    reason = report.no_comparison_reason
    assert reason is not None
    assert reason.startswith(
        "Huddinge utvärderades även 2006 enligt Kommunkompassen, reviderad 2010, men den versionen går "
        "inte att jämföra med Kommunkompassen, reviderad 2016: "
    )
    assert all(a.earlier is None for a in report.areas)
    html = render_compass_fragment(report)
    assert "går inte att jämföra" in html and "Förändring" not in html
    assert "cannot be compared" in comparison_sentence(report, "en")
    # The report of the stand-in itself has no earlier evaluation at all.
    assert "ingen tidigare utvärdering" in (
        compass_report(store, "huddinge-2006-test").no_comparison_reason or ""
    )


def test_table_of_evaluated_municipalities(store: Store) -> None:
    report = compass_report(store, "kramfors-2011")
    rows = {r.id: r for r in report.table}
    assert set(rows) == {"grastorp-2014", "kramfors-2011", "kramfors-2013", "orebro-2013"}
    assert [r.id for r in report.table] == ["orebro-2013", "grastorp-2014", "kramfors-2013", "kramfors-2011"]
    assert rows["orebro-2013"].total == 615 and rows["orebro-2013"].areas == (None,) * 8
    assert rows["grastorp-2014"].areas[6] == 65
    assert rows["grastorp-2014"].municipality.name == "Grästorp"


def test_what_evaluators_wrote_is_shown_as_text(store: Store) -> None:
    hostile = '<script>alert("x")</script> & "Nät"'
    ev = replace(
        evaluation(store, "kramfors-2011"),
        id="kramfors-2012",
        year=2012,
        strengths={1: (hostile,)},
        improvements={2: (hostile,)},
        summary=hostile,
        source=hostile,
    )
    save_evaluation(store, ev, source="test")
    html = render_compass_fragment(compass_report(store, "kramfors-2012"))
    assert "<script>" not in html
    assert html.count("&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;Nät&#34;") >= 4
