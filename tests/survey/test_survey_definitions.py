"""The bundled survey definitions are well formed, and a broken one is refused with its place."""

from __future__ import annotations

import pytest

from jamfor.sources.survey_definitions import (
    SurveyDefinitionError,
    bundled_surveys,
    parse_definition,
    result_kpis,
)


def test_bundled_surveys_keep_the_two_families_apart() -> None:
    surveys = bundled_surveys()
    index, shares = surveys["scb-medborgarundersokning"], surveys["scb-medborgarundersokning-2021"]
    assert (index.family, shares.family) == ("index", "shares")
    assert {ix.id for ix in index.indices if ix.kind == "overall"} == {"NRI", "NMI", "NII"}
    for ix in index.indices:
        assert (ix.kind == "overall" and len(ix.questions) == 3) or ix.parent in {"NRI", "NMI", "NII"}
    assert not shares.indices and all(q.options for q in shares.questions)
    assert index.kpi_prefix != shares.kpi_prefix
    ids = [r.kpi.id for s in surveys.values() for r in result_kpis(s, "x")]
    assert len(ids) == len(set(ids))  # no KPI shared between the families
    assert "SCBMU-NRI-TRYGGHET" in ids and "SCBMU-NMI-L95" in ids and "SCBMU21-PLATS_BO-1-U95" in ids
    assert all(r.kpi.origin == "survey" for s in surveys.values() for r in result_kpis(s, "x"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"family": "mixed"}, "family must be 'index'"),
        (
            {"indices": [{"id": "NMI", "title": "x", "kind": "overall", "questions": ["nope"]}]},
            "unknown: nope",
        ),
        (
            {"indices": [{"id": "F", "title": "x", "kind": "factor", "parent": "NMI", "questions": ["a"]}]},
            "parent 'NMI'",
        ),
        ({"kpi_prefix": "scb"}, "kpi_prefix"),
        (
            {
                "indices": [
                    {"id": "NMI", "title": "x", "kind": "overall", "questions": ["a"], "min_answered": 2}
                ]
            },
            "min_answered must be a whole number from 1 to 1",
        ),
    ],
)
def test_a_broken_definition_is_refused(change: dict[str, object], message: str) -> None:
    raw: dict[str, object] = {
        "id": "test",
        "title": "Test",
        "family": "index",
        "kpi_prefix": "TEST",
        "questions": [{"id": "a", "text": "A?"}],
        "indices": [{"id": "NMI", "title": "x", "kind": "overall", "questions": ["a"]}],
    }
    raw.update(change)
    with pytest.raises(SurveyDefinitionError, match=message) as caught:
        parse_definition(raw, "test.yaml")
    assert str(caught.value).startswith("test.yaml")
