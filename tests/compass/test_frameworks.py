"""The bundled Kommunkompassen frameworks: structure as printed in seed 003, validation of files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from jamfor.compass import framework, frameworks
from jamfor.compass.frameworks import load_framework_file
from jamfor.compute.compass import comparable
from jamfor.errors import NotFoundError, ValidationError

FIXTURE = Path(__file__).parent / "fixtures" / "huddinge_2017_appendix.txt"
QUESTION_ROW = re.compile(r"^(\d+\.\d+)\t(.*)\t(\d+)\t(\d+)\t(\d+)\s*%$")


def test_three_versions_of_eight_areas_of_100() -> None:
    assert [f.id for f in frameworks()] == ["2010", "2016", "2020"]
    for f in frameworks():
        assert [a.number for a in f.areas] == list(range(1, 9))
        assert all(a.max == 100 for a in f.areas)
        assert f.max == 800


def test_2016_questions_match_the_seed_appendix() -> None:
    printed = {}
    for line in FIXTURE.read_text(encoding="utf-8").splitlines():
        m = QUESTION_ROW.match(line)
        if m:
            printed[m[1]] = (m[2].strip(), float(m[4]))
    fw = framework("2016")
    assert fw.level == "question"
    questions = {q.id: (q.text, q.max) for a in fw.areas for q in a.questions}
    assert questions == printed
    assert len(questions) == 45
    for area in fw.areas:
        assert sum(q.max for q in area.questions) == 100
        assert all(q.id.startswith(f"{area.number}.") for q in area.questions)
    assert fw.area(1).questions[0].text == "Finns en plan/strategi för demokratiutveckling och information?"
    assert fw.area(7).name == "Ständiga förbättringar"
    assert fw.area(8).headings[-1] == "Hållbar utveckling"


def test_2010_and_2020_are_area_level_with_their_names() -> None:
    old = framework("2010")
    assert old.level == "area" and all(not a.questions for a in old.areas)
    assert old.area(7).name == "Verksamhetsutveckling"
    new = framework("2020")
    assert new.level == "area"
    assert [a.role for a in new.areas] == [
        "Demokratiaktör",
        "Samhällsbyggare",
        "Välfärdsaktör",
        "Välfärdsaktör",
        "Välfärdsaktör",
        "Välfärdsaktör",
        "Arbetsgivare",
        "Arbetsgivare",
    ]
    assert new.area(1).name == "Samspel mellan förtroendevalda och medborgare"


def test_versions_are_not_comparable_with_each_other() -> None:
    for a in frameworks():
        for b in frameworks():
            ok, reason = comparable(a, b)
            assert ok == (a.id == b.id)
            if not ok:
                assert "kan inte jämföras" in reason and a.name in reason and b.name in reason


def test_unknown_framework_names_the_known_ones() -> None:
    with pytest.raises(NotFoundError, match=r"'2017'.*2010, 2016, 2020"):
        framework("2017")


def _write(tmp_path: Path, doc: object) -> Path:
    path = tmp_path / "framework-x.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def _doc() -> dict[str, object]:
    return {
        "id": "x",
        "name": "X",
        "level": "question",
        "comparable_with": ["x"],
        "description": "test",
        "areas": [
            {
                "number": 1,
                "name": "A",
                "max": 100,
                "questions": [{"id": "1.1", "text": "Q1", "max": 60}, {"id": "1.2", "text": "Q2", "max": 40}],
            }
        ],
    }


def test_a_valid_file_loads(tmp_path: Path) -> None:
    fw = load_framework_file(_write(tmp_path, _doc()))
    assert fw.question_ids() == ("1.1", "1.2")


def test_area_whose_questions_do_not_sum_to_100_is_rejected_naming_file_and_area(tmp_path: Path) -> None:
    doc = _doc()
    doc["areas"][0]["questions"][1]["max"] = 35  # type: ignore[index]
    path = _write(tmp_path, doc)
    with pytest.raises(ValidationError) as exc:
        load_framework_file(path)
    assert str(path) in str(exc.value)
    assert "area 1: the questions' max points sum to 95, not 100" in str(exc.value)


def test_area_max_other_than_100_and_duplicate_ids_are_rejected(tmp_path: Path) -> None:
    doc = _doc()
    doc["areas"][0]["max"] = 90  # type: ignore[index]
    doc["areas"][0]["questions"][1]["id"] = "1.1"  # type: ignore[index]
    with pytest.raises(ValidationError) as exc:
        load_framework_file(_write(tmp_path, doc))
    message = str(exc.value)
    assert "area 1: max points are 90, not 100" in message
    assert "question id '1.1' is used twice" in message


def test_area_level_framework_must_not_have_questions(tmp_path: Path) -> None:
    doc = _doc()
    doc["level"] = "area"
    with pytest.raises(ValidationError, match="an area-level framework has no questions"):
        load_framework_file(_write(tmp_path, doc))
