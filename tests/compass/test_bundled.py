"""The published results of the reference CSV become area-level or total-only evaluations."""

from __future__ import annotations

from pathlib import Path

import pytest

from jamfor.compass.bundled import REFERENCE_FILE, reference_evaluations
from jamfor.errors import ValidationError

BUNDLED_CSV = Path(__file__).resolve().parents[2] / "src" / "jamfor" / "data" / "compass" / REFERENCE_FILE
HEADER = "kommun,year,version,area_no,area_name_as_published,score,unit,source_url\n"


def test_bundled_copy_is_the_shared_file(shared_data: Path) -> None:
    shared = shared_data / "domain" / "kommunkompassen_reference_scores.csv"
    assert BUNDLED_CSV.read_bytes() == shared.read_bytes()


def test_published_results_as_evaluations() -> None:
    found = {e.id: e for e in reference_evaluations()}
    assert sorted(found) == ["grastorp-2014", "hoganas-2020", "kramfors-2011", "kramfors-2013", "orebro-2013"]
    grastorp = found["grastorp-2014"]
    assert grastorp.framework == "2010" and grastorp.municipality == "1444"
    assert list(grastorp.area_points.values()) == [61, 60, 73, 53, 70, 56, 65, 68]
    assert grastorp.published_total == 506 == sum(grastorp.area_points.values())
    kramfors = found["kramfors-2011"]
    assert list(kramfors.area_points.values()) == [51, 45, 62, 34, 52, 27, 39, 53]  # % of 100 = points
    assert kramfors.published_total == 359 and sum(kramfors.area_points.values()) == 363
    hoganas = found["hoganas-2020"]
    assert hoganas.framework == "2020" and hoganas.area_points == {} and hoganas.published_total == 611
    assert "maxpoäng anges inte i källan" in (hoganas.source or "")
    assert found["orebro-2013"].municipality == "1880"
    assert all(e.question_points == {} for e in found.values())


def test_percent_of_max_becomes_points() -> None:
    rows = HEADER + "Kramfors,2011,2010-form,3,Politisk styrning och kontroll,62.5,percent_of_max,http://x\n"
    (ev,) = reference_evaluations(rows, "t.csv")
    assert ev.area_points == {3: 62.5}


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            "Atlantis,2011,2010-form,1,A,50,points_of_100,u",
            "t.csv:2: column 'kommun': 'Atlantis' is not a municipality",
        ),
        (
            "Kramfors,2011,2012-form,1,A,50,points_of_100,u",
            "t.csv:2: column 'version': unknown version '2012-form'",
        ),
        ("Kramfors,2011,2010-form,1,A,femtio,points_of_100,u", "t.csv:2: column 'score'"),
        ("Kramfors,2011,2010-form,total,T,50,points_of_100,u", "'points_of_100' is not a unit of a total"),
        ("Kramfors,2011,2010-form,x,T,50,points_of_100,u", "'x' is neither an area number nor 'total'"),
    ],
)
def test_bad_rows_are_named(row: str, message: str) -> None:
    with pytest.raises(ValidationError) as exc:
        reference_evaluations(HEADER + row + "\n", "t.csv")
    assert message in str(exc.value)
