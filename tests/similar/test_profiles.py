"""Profiles as data: the bundled ones name real KPIs, and a bad profile is a clear error."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from jamfor.errors import NotFoundError, ValidationError
from jamfor.reports.similar import bundled_profiles, check_profile_kpis, find_profile, parse_profile
from jamfor.sources.reference import bundled_catalogue
from jamfor.store import Store

from .conftest import STRUCTURAL


def test_bundled_profiles_mirror_rka_areas_and_name_catalogue_kpis() -> None:
    profiles = bundled_profiles()
    assert {"overgripande", "aldreomsorg", "grundskola", "lss"} <= set(profiles)
    known = {k.id for k in bundled_catalogue()}
    rka_areas = {"övergripande", "äldreomsorg", "grundskola", "LSS"}
    for loaded in profiles.values():
        assert loaded.profile.rka_area in rka_areas
        assert set(loaded.profile.kpi_ids) <= known, loaded.profile.id
        assert all(m.why for m in loaded.profile.measures), "every measure says why it is there"


def test_the_fixture_holds_the_profiles_kpis() -> None:
    with STRUCTURAL.open(encoding="utf-8") as f:
        kpis = {row["kpi"] for row in csv.DictReader(f)}
    profiles = bundled_profiles()
    assert set(profiles["overgripande"].profile.kpi_ids) | set(profiles["lss"].profile.kpi_ids) == kpis


def test_find_profile_by_id_title_or_file(tmp_path: Path) -> None:
    assert find_profile("Övergripande").profile.id == "overgripande"
    assert find_profile("elderly care").profile.id == "aldreomsorg"
    own = tmp_path / "mine.yaml"
    own.write_text("id: mine\nmeasures:\n  - kpi: N01951\n    transform: log\n", encoding="utf-8")
    loaded = find_profile(str(own))
    assert loaded.profile.id == "mine" and loaded.source == "mine.yaml"
    assert loaded.profile.measures[0].key == "log N01951"
    with pytest.raises(NotFoundError, match="overgripande"):
        find_profile("nonsense")
    with pytest.raises(ValidationError, match="no such file"):
        find_profile(str(tmp_path / "missing.yaml"))


def test_unknown_kpi_id_is_named_with_file_and_line(store: Store) -> None:
    loaded = parse_profile(
        "id: mine\nmeasures:\n  - kpi: N01951\n  - kpi: N99999\n    weight: 2\n", "mine.yaml"
    )
    with pytest.raises(ValidationError) as caught:
        check_profile_kpis(loaded, store)
    assert str(caught.value) == "mine.yaml:4: column 'kpi': unknown KPI id 'N99999': not in the catalogue"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "id: x\nmeasures:\n  - kpi: N01951\n    weight: -1\n",
            "p.yaml:4: column 'weight': measure 1: -1 is not a number above 0",
        ),
        (
            "id: x\nmeasures:\n  - kpi: 1951\n",
            "p.yaml:3: column 'kpi': measure 1: 1951 is not a Kolada KPI id",
        ),
        (
            "id: x\nmeasures:\n  - kpi: N01951\n    transform: sqrt\n",
            "p.yaml:4: column 'transform': measure 1: 'sqrt' is not",
        ),
        (
            "id: x\nmeasures:\n  - kpi: N01951\n    colour: red\n",
            "p.yaml:4: column 'colour': unknown key in measure 1",
        ),
        (
            "id: x\nmeasures:\n  - kpi: N01951\n  - kpi: N01951\n",
            "p.yaml:4: column 'kpi': measure 2: N01951 is listed twice",
        ),
        ("id: X Y\nmeasures: []\n", "p.yaml:1: column 'id'"),
        ("id: x\nmeasures: [\n", "p.yaml"),
        ("- just a list\n", "p.yaml: must be a YAML mapping"),
    ],
)
def test_bad_profiles_are_rejected_with_the_place(text: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_profile(text, "p.yaml")
    assert message in str(caught.value)
