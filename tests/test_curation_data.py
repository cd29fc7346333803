"""Schema checks for the bundled KPI curation file and the demo extract of Kolada values."""

from __future__ import annotations

import csv
import gzip
import re
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "src" / "jamfor" / "data"
CURATION = DATA / "kpi_curation.csv"
DEMO = DATA / "demo" / "kolada_kkik_2010-2022.csv.gz"
SHARED = Path(__file__).resolve().parents[2] / "shared"
CATALOGUES = (
    SHARED / "data" / "kolada" / "kpi_catalogue_v3_2026-03.csv",
    SHARED / "data" / "kolada" / "kpi_catalogue_v2_2024-04.csv",
)


def _ids(text: str) -> frozenset[str]:
    return frozenset(text.split())


HEADER = ["kpi", "polarity", "colour_graded", "unit", "decimals", "kkik", "note"]
KKIK_LISTS = {"c2013", "2015-2017", "2020"}

# The Kolada KPI group "KKiK - ordinarie mått", c. 2013 (shared/data/domain/
# kkik_ordinarie_matt_group_ids_c2013.csv). 23 of these ids were retired before 2024 and are
# in neither KPI catalogue; they are the only ids allowed to be missing from both.
C2013_IDS = _ids(
    """
N00914 N00938 N05401 N11008 N11102 N15428 N15474 N15479 N17404 N21010 N23002 N31807
U00402 U00405 U00408 U00412 U00413 U00414 U00415 U00416 U00437 U00901 U07408 U07409
U07414 U07451 U07460 U09403 U09404 U11401 U11402 U11419 U15406 U15455 U17022 U21401
U21468 U23401 U23471 U31402 U33400
"""
)

# Kolada ids of the five-perspective era measures (DOMAIN.md §7).
SECTION7_IDS = _ids(
    """
N00914 N00938 N05401 N11008 N11102 U07414 U07451 U21401 U21468 U23401 U23471
U31402 U11401 U00454 U07409 U07514
"""
)

# Ids mapped to the KKiK 2020 measures (shared/data/domain/kkik_2020_measures_partial_mapping.csv).
KKIK2020_MAPPED_IDS = _ids(
    """
N11102 N11008 N15452 N15485 N15436 N15428 N15722 N15027 N17467 N17461 N17005 N09805
U09800 N09890 U30453 U31462 U31402
"""
)


@cache
def curation_rows() -> tuple[dict[str, str], ...]:
    with CURATION.open(newline="", encoding="utf-8") as f:
        return tuple(csv.DictReader(f))


def curation() -> dict[str, dict[str, str]]:
    return {row["kpi"]: row for row in curation_rows()}


@cache
def demo_rows() -> tuple[list[str], tuple[tuple[str, ...], ...]]:
    with gzip.open(DEMO, "rt", encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        return header, tuple(tuple(r) for r in reader)


@cache
def catalogue_titles() -> dict[str, str]:
    """KPI id -> title, from the v3 catalogue, falling back to the older v2 one."""
    if not all(p.is_file() for p in CATALOGUES):
        pytest.skip(f"shared KPI catalogues not found under {SHARED}")
    titles: dict[str, str] = {}
    for path in reversed(CATALOGUES):  # v2 first, v3 overrides
        with path.open(newline="", encoding="utf-8") as f:
            titles.update({row["id"]: row["title"] for row in csv.DictReader(f)})
    return titles


# --- the curation file -------------------------------------------------------------------


def test_curation_header_is_exact() -> None:
    with CURATION.open(newline="", encoding="utf-8") as f:
        assert next(csv.reader(f)) == HEADER


def test_curation_ids_are_unique_sorted_kolada_ids() -> None:
    ids = [row["kpi"] for row in curation_rows()]
    assert ids == sorted(ids)
    assert len(ids) == len(set(ids))
    bad = [i for i in ids if not re.fullmatch(r"[NU]\d{5}", i)]
    assert not bad, f"not Kolada KPI ids: {bad}"


def test_curation_field_values_are_valid() -> None:
    for row in curation_rows():
        kpi = row["kpi"]
        assert row["polarity"] in {"higher", "lower", "none"}, kpi
        assert row["colour_graded"] in {"true", "false"}, kpi
        assert re.fullmatch(r"[0-3]", row["decimals"]), f"{kpi}: decimals {row['decimals']!r}"
        lists = [x for x in row["kkik"].split(";") if x]
        assert set(lists) <= KKIK_LISTS, f"{kpi}: kkik {row['kkik']!r}"
        assert len(lists) == len(set(lists)), kpi
        assert row["note"].strip(), f"{kpi}: note is empty"
        if row["polarity"] == "none":
            assert row["colour_graded"] == "false", f"{kpi}: no polarity but colour graded"
        if row["unit"] == "":
            # Only retired ids of unknown meaning may lack a unit.
            assert kpi in C2013_IDS and row["polarity"] == "none", kpi


def test_cost_kpis_are_lower_and_not_colour_graded() -> None:
    for row in curation_rows():
        if row["unit"] == "kr":
            assert row["polarity"] == "lower", row["kpi"]
            assert row["colour_graded"] == "false", row["kpi"]


def test_kpis_titled_kostnad_are_costs() -> None:
    titles = catalogue_titles()
    for kpi, row in curation().items():
        if "Kostnad" in titles.get(kpi, ""):
            assert (row["unit"], row["polarity"], row["colour_graded"]) == ("kr", "lower", "false"), kpi


def test_known_measures_have_the_polarity_kkik_uses() -> None:
    rows = curation()
    # Ronneby (seed 002): caregivers and sickness rate lower is better, organic food higher.
    expected = {
        "U21401": ("lower", "true"),
        "N00938": ("lower", "true"),
        "U07514": ("higher", "true"),
        "N11102": ("lower", "true"),
        "U23401": ("lower", "true"),
        "U31402": ("lower", "true"),
        "U00454": ("higher", "true"),
        "N11008": ("lower", "false"),
    }
    for kpi, (polarity, graded) in expected.items():
        assert (rows[kpi]["polarity"], rows[kpi]["colour_graded"]) == (polarity, graded), kpi
    assert rows["N00938"]["decimals"] == "1"
    assert rows["N11102"]["decimals"] == "1"


def test_required_kkik_ids_are_curated() -> None:
    assert len(C2013_IDS) == 41
    ids = set(curation())
    for name, required in [
        ("c.2013 KKiK group", C2013_IDS),
        ("DOMAIN.md §7", SECTION7_IDS),
        ("KKiK 2020 mapping", KKIK2020_MAPPED_IDS),
    ]:
        missing = sorted(set(required) - ids)
        assert not missing, f"{name} ids missing from kpi_curation.csv: {missing}"


def test_kkik_list_membership_matches_sources() -> None:
    rows = curation()
    for kpi in C2013_IDS:
        assert "c2013" in rows[kpi]["kkik"].split(";"), kpi
    for kpi in KKIK2020_MAPPED_IDS:
        assert "2020" in rows[kpi]["kkik"].split(";"), kpi


def test_curated_ids_exist_in_a_kpi_catalogue() -> None:
    titles = catalogue_titles()
    unknown = sorted(k for k in curation() if k not in titles and k not in C2013_IDS)
    assert not unknown, f"ids in neither the v3 nor the v2 KPI catalogue: {unknown}"


# --- the demo extract --------------------------------------------------------------------


def test_demo_extract_is_reproducible_gzip() -> None:
    raw = DEMO.read_bytes()
    assert raw[:2] == b"\x1f\x8b", "not a gzip file"
    assert raw[4:8] == b"\x00\x00\x00\x00", "gzip mtime must be 0 for reproducible builds"
    assert len(raw) < 10_000_000


def test_demo_extract_has_the_expected_columns_and_values() -> None:
    header, rows = demo_rows()
    assert header == ["kpi", "municipality", "period", "gender", "value"]
    assert rows
    for row in rows:
        assert len(row) == 5, row
        _kpi, area, period, gender, value = row
        assert re.fullmatch(r"\d{4}", area), row
        assert 2010 <= int(period) <= 2022, row
        assert gender in {"T", "K", "M"}, row
        float(value)  # every value is a number; nulls are left out


def test_demo_extract_covers_every_area() -> None:
    _, rows = demo_rows()
    areas = {r[1] for r in rows}
    municipalities = {a for a in areas if not a.startswith("00")}
    assert "0000" in areas
    assert len(municipalities) == 290


def test_demo_extract_is_sorted_and_unique() -> None:
    _, rows = demo_rows()
    gender_order = {"T": 0, "K": 1, "M": 2}
    keys = [(k, a, p, gender_order[g]) for k, a, p, g, _ in rows]
    assert keys == sorted(keys)
    assert len(keys) == len(set(keys))


def test_demo_extract_kpis_are_curated() -> None:
    _, rows = demo_rows()
    extra = sorted({r[0] for r in rows} - set(curation()))
    assert not extra, f"KPIs in the demo extract but not in kpi_curation.csv: {extra}"
