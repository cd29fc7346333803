"""Kommunkompassen evaluations in the store, on DuckDB and PostgreSQL: bundled data, history,
rejections that write nothing."""

from __future__ import annotations

from dataclasses import replace

import pytest

from jamfor.compass import framework
from jamfor.compass.bundled import bundled_evaluations, load_bundled_evaluations
from jamfor.compass.model import CompassEvaluation
from jamfor.compute.compass import round_half_away, score
from jamfor.errors import NotFoundError, ValidationError
from jamfor.sources.reference import load_reference
from jamfor.store import Store
from jamfor.store import compass as cs

BUNDLED_IDS = [
    "grastorp-2014",
    "hoganas-2020",
    "huddinge-2017",
    "kramfors-2011",
    "kramfors-2013",
    "orebro-2013",
]


def _count(store: Store, table: str) -> int:
    return int(store.db.query(f"SELECT count(*) FROM {table}")[0][0])


def _new(**changes: object) -> CompassEvaluation:
    base = CompassEvaluation(
        id="ronneby-2024",
        municipality="1081",
        year=2024,
        date=None,
        framework="2016",
        evaluators=("Eva Utvärderare",),
        method="Dokumentstudier och 32 intervjuer.",
        interviews=32,
        question_points={"1.1": 12.25, "1.2": 15.0},
        area_points={},
        strengths={1: ("Öppna nämndsmöten", "Bra webb")},
        improvements={1: ("Fler medborgardialoger",)},
        summary="En första utvärdering.",
        source=None,
        area_summaries={1: "Allmänt om område 1.\n\nAndra stycket."},
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_db_init_loads_the_bundled_evaluations(store: Store) -> None:
    assert sorted(e.id for e in cs.evaluations(store)) == BUNDLED_IDS
    assert {e.id: e for e in cs.evaluations(store)} == {e.id: e for e in bundled_evaluations()}
    huddinge = cs.evaluation(store, "huddinge-2017")
    sc = score(framework("2016"), huddinge)
    assert [round_half_away(a.points) for a in sc.areas] == [79, 68, 64, 73, 64, 71, 59, 83]
    kramfors = cs.evaluation(store, "kramfors-2011")
    assert kramfors.municipality == "2282" and kramfors.framework == "2010"
    assert kramfors.area_points[6] == 27 and kramfors.published_total == 359
    orebro = cs.evaluation(store, "orebro-2013")
    assert orebro.area_points == {} and orebro.published_total == 615
    assert "grastorp.se" in (orebro.source or "")


def test_loading_again_changes_nothing(store: Store) -> None:
    before = [_count(store, t) for t in ("compass_evaluation", "compass_points", "compass_text")]
    assert load_bundled_evaluations(store) == 0
    result = load_reference(store)
    assert result["compass_evaluations"] == 0
    assert [_count(store, t) for t in ("compass_evaluation", "compass_points", "compass_text")] == before
    assert _count(store, "compass_evaluation_revision") == 0
    assert len(cs.evaluation_history(store, "huddinge-2017")) == 1


def test_save_read_update_and_history(store: Store) -> None:
    first = _new()
    assert cs.save_evaluation(store, first, source="ronneby.yaml") == "ronneby-2024"
    assert cs.evaluation(store, "ronneby-2024") == first
    # saving the same again is no new version
    assert cs.save_changed(store, first, source="ronneby.yaml") is False
    second = replace(first, question_points={**first.question_points, "1.3": 20.125}, strengths={})
    assert cs.save_changed(store, second, source="ronneby-v2.xlsx") is True
    assert cs.evaluation(store, "ronneby-2024") == second
    history = cs.evaluation_history(store, "ronneby-2024")
    assert [ev for _, ev in history] == [first, second]
    assert history[0][0] <= history[1][0]
    versions = cs.evaluation_versions(store, "ronneby-2024")
    assert [(v["version"], v["origin"]) for v in versions] == [(1, "ronneby.yaml"), (2, "ronneby-v2.xlsx")]
    assert _count(store, "compass_evaluation_revision") == 1


def test_listing_filters_and_latest(store: Store) -> None:
    assert [e.id for e in cs.evaluations(store, framework="2010")] == [
        "grastorp-2014",
        "orebro-2013",
        "kramfors-2011",
        "kramfors-2013",
    ]
    assert [e.id for e in cs.evaluations(store, municipality="2282")] == ["kramfors-2011", "kramfors-2013"]
    assert cs.latest_for(store, "2282").id == "kramfors-2013"
    assert cs.latest_for(store, "Kramfors").id == "kramfors-2013"
    cs.save_evaluation(store, _new(id="kramfors-2019", municipality="2282", year=2019), source="t")
    assert cs.latest_for(store, "Kramfors kommun").id == "kramfors-2019"


def test_not_found(store: Store) -> None:
    with pytest.raises(NotFoundError, match=r"no Kommunkompassen evaluation 'nacka-2030'.*huddinge-2017"):
        cs.evaluation(store, "nacka-2030")
    with pytest.raises(NotFoundError, match="no Kommunkompassen evaluation of municipality 'Ronneby'"):
        cs.latest_for(store, "Ronneby")
    with pytest.raises(NotFoundError):
        cs.evaluation_history(store, "nacka-2030")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"question_points": {"1.1": 16.0}}, "ronneby.yaml: question 1.1: points 16 is above the max 15"),
        ({"question_points": {"2.2": -0.5}}, "ronneby.yaml: question 2.2: points -0.5 is below 0"),
        ({"question_points": {"1.9": 3.0}}, "ronneby.yaml: question 1.9: no such question in framework 2016"),
        ({"area_points": {1: 50.0}}, "area-level scores (areas 1) given for framework 2016"),
        (
            {"framework": "2010"},
            "question scores (1.1, 1.2) given for framework 2010, which is scored per area",
        ),
        ({"framework": "2017"}, "ronneby.yaml: framework: no Kommunkompassen framework '2017'"),
        ({"municipality": "9999"}, "ronneby.yaml: municipality '9999' is not a known municipality id"),
        ({"municipality": "0001"}, "municipality '0001' is not a known municipality id"),
        ({"id": "Ronneby 2024"}, "id 'Ronneby 2024' is not a slug"),
    ],
)
def test_rejected_and_nothing_stored(store: Store, changes: dict[str, object], message: str) -> None:
    tables = ("compass_evaluation", "compass_points", "compass_text", "compass_evaluation_revision")
    before = [_count(store, t) for t in tables]
    with pytest.raises(ValidationError) as exc:
        cs.save_evaluation(store, _new(**changes), source="ronneby.yaml")
    assert message in str(exc.value)
    assert [_count(store, t) for t in tables] == before


def test_a_rejected_update_keeps_the_stored_version(store: Store) -> None:
    huddinge = cs.evaluation(store, "huddinge-2017")
    bad = replace(huddinge, question_points={**huddinge.question_points, "5.6": 10.5})
    with pytest.raises(ValidationError, match=r"question 5\.6: points 10\.5 is above the max 10"):
        cs.save_evaluation(store, bad, source="huddinge.yaml")
    assert cs.evaluation(store, "huddinge-2017") == huddinge
    assert _count(store, "compass_evaluation_revision") == 0


def test_batch_save_is_all_or_none(store: Store) -> None:
    good = _new()
    bad = _new(id="ronneby-2025", year=2025, question_points={"1.1": 99.0})
    with pytest.raises(ValidationError, match=r"question 1\.1"):
        cs.save_evaluations(store, [(good, "a.yaml"), (bad, "b.yaml")])
    with pytest.raises(NotFoundError):
        cs.evaluation(store, "ronneby-2024")
