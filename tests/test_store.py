"""The Store API on both backends: areas, names, groups, networks, the KPI catalogue, stats.

Reads use one store per backend with the bundled reference data; the few writes (a network, a
changed KPI title) each touch something of their own and compare before and after.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from jamfor.errors import AmbiguousNameError, JamforError, NotFoundError
from jamfor.model import Area, Group, Kpi, StoreStats
from jamfor.store import Store

try:  # tests/ is a package in this repository; fall back to the rootdir-less layout
    from tests.conftest import BACKENDS, _new_store
except ImportError:  # pragma: no cover
    from conftest import BACKENDS, _new_store  # type: ignore[no-redef]


@pytest.fixture(scope="module", params=BACKENDS)
def ref(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, duckdb_template: Path
) -> Iterator[Store]:
    gen = _new_store(request.param, tmp_path_factory.mktemp(f"store-{request.param}"), duckdb_template)
    yield next(gen)
    next(gen, None)


# -- areas ---------------------------------------------------------------------------------------------


def test_areas_riket_regions_and_municipalities(ref: Store) -> None:
    areas = ref.areas()
    assert len(areas) == 312
    assert all(isinstance(a, Area) and re.fullmatch(r"\d{4}", a.id) for a in areas)
    assert [a.id for a in areas] == sorted(a.id for a in areas)

    municipalities = ref.municipalities()
    assert len(municipalities) == 290
    assert all(a.type == "K" and a.is_municipality for a in municipalities)
    assert ref.areas("K") == municipalities
    assert all(a.county_id is not None and a.kommungrupp is not None for a in municipalities)

    riket = ref.area("0000")
    assert (riket.title, riket.type, riket.is_municipality) == ("Riket", "L", False)
    regions = [a for a in ref.areas("L") if a.id != "0000"]
    assert len(regions) == 21
    assert all(re.fullmatch(r"00(0[1-9]|1\d|2[0-5])", a.id) for a in regions)
    assert {a.id for a in regions} == {a.county_id for a in municipalities}


def test_area_carries_county_and_kommungrupp(ref: Store) -> None:
    assert ref.area("1081") == Area("1081", "Ronneby", "K", "0010", "C7")
    assert ref.area("0114").title == "Upplands Väsby"  # leading zero kept
    with pytest.raises(NotFoundError):
        ref.area("9999")
    with pytest.raises(NotFoundError):
        ref.area("114")


@pytest.mark.parametrize(
    ("text", "area_id"),
    [
        ("Ronneby", "1081"),
        ("ronneby kommun", "1081"),
        ("  RONNEBY  ", "1081"),
        ("1081", "1081"),
        ("0114", "0114"),
        ("Riket", "0000"),
        ("Region Skåne", "0012"),
        ("region skåne", "0012"),
        ("Gotland", "0980"),  # the municipality, not Region Gotland
        ("Östersund", "2380"),
        ("Malmö stad", "1280"),
        ("Göteborgs stad", "1480"),  # official names take the genitive: "Göteborgs stad"
        ("Stockholms stad", "0180"),
    ],
)
def test_resolve_area_by_name_or_id(ref: Store, text: str, area_id: str) -> None:
    assert ref.resolve_area(text).id == area_id


def test_resolve_area_three_digit_id_suggests_the_leading_zero(ref: Store) -> None:
    with pytest.raises(NotFoundError, match="'0114'"):
        ref.resolve_area("114")


def test_resolve_area_unknown_and_ambiguous_names(ref: Store) -> None:
    with pytest.raises(NotFoundError, match="Atlantis"):
        ref.resolve_area("Atlantis")
    with pytest.raises(NotFoundError):
        ref.resolve_area("9999")
    with pytest.raises(AmbiguousNameError, match="give the id"):
        ref.resolve_area("borg")


def test_search_areas_folds_case_and_swedish_letters(ref: Store) -> None:
    assert ref.search_areas("ÖSTERSUND")[0].id == "2380"
    assert ref.search_areas("skåne")[0].id == "0012"
    assert ref.search_areas("1081")[0].id == "1081"


# -- groups --------------------------------------------------------------------------------------------

KOMMUNGRUPPER = {"A1": 3, "A2": 43, "B3": 23, "B4": 63, "B5": 24, "C6": 27, "C7": 51, "C8": 35, "C9": 21}


def test_kommungrupper(ref: Store) -> None:
    groups = ref.groups("kommungrupp")
    assert [g.id for g in groups] == [f"kg:{code}" for code in KOMMUNGRUPPER]
    sizes = {g.id[3:]: len(ref.group(g.id).members) for g in groups}
    assert sizes == KOMMUNGRUPPER
    assert sum(sizes.values()) == 290
    a1 = ref.group("kg:A1")
    assert a1.title.startswith("A1") and a1.kind == "kommungrupp"
    assert {m.title for m in a1.members} == {"Stockholm", "Göteborg", "Malmö"}
    assert all(m.kommungrupp == "C7" for m in ref.group("kg:C7").members)
    assert "1081" in {m.id for m in ref.group("kg:C7").members}


def test_counties(ref: Store) -> None:
    counties = ref.groups("county")
    assert len(counties) == 21
    assert all(re.fullmatch(r"lan:\d\d", g.id) for g in counties)
    blekinge = ref.group("lan:10")
    assert blekinge.title == "Blekinge län"
    assert {m.id for m in blekinge.members} == {"1060", "1080", "1081", "1082", "1083"}
    assert sum(len(ref.group(g.id).members) for g in counties) == 290


def test_kolada_groups_and_the_unweighted_mean_group(ref: Store) -> None:
    alla = ref.group("G2328")
    assert isinstance(alla, Group)
    assert alla.title == "Alla kommuner (ovägt medel)"
    assert (alla.kind, alla.source) == ("kolada", "Kolada")
    assert len(alla.members) == 290 and all(m.type == "K" for m in alla.members)
    assert ref.resolve_group("G2328") == alla
    assert ref.resolve_group("alla kommuner (ovägt medel)").id == "G2328"
    kinds = Counter(g.kind for g in ref.groups())
    assert kinds["kommungrupp"] == 9 and kinds["county"] == 21
    assert kinds["kolada"] + kinds["liknande"] == 3630


def test_liknande_kommuner_groups_have_seven_members(ref: Store) -> None:
    liknande = ref.groups("liknande")
    assert len(liknande) > 3000
    assert all(g.title.startswith(("Liknande kommuner", "Liknande regioner")) for g in liknande)
    ronneby = ref.groups("liknande", text="Liknande kommuner IFO, Ronneby")
    assert ronneby, "RKA's similar-municipality group for Ronneby"
    for group in [*ronneby, *liknande[::500]]:
        members = ref.group(group.id).members
        assert len(members) == 7, group.title
        assert len({m.id for m in members}) == 7


def test_unknown_group(ref: Store) -> None:
    with pytest.raises(NotFoundError):
        ref.group("kg:Z9")
    with pytest.raises(NotFoundError):
        ref.resolve_group("no such group")


NORNORNA = ["Berg", "Härjedalen", "Krokom", "Ragunda", "Strömsund", "Åre", "Östersund"]
NORNORNA_IDS = ["2326", "2361", "2309", "2303", "2313", "2321", "2380"]


def test_create_network(ref: Store) -> None:
    before = ref.stats()
    network = ref.create_network("Nornorna", NORNORNA)

    assert (network.id, network.title, network.kind, network.source) == (
        "nornorna",
        "Nornorna",
        "network",
        "user",
    )
    assert [m.id for m in network.members] == NORNORNA_IDS  # in the order given
    assert ref.group("nornorna") == network
    assert ref.resolve_group("nornorna") == network
    assert ref.resolve_group("Nornorna") == network
    assert [g.id for g in ref.groups("network")] == ["nornorna"]
    assert ref.stats().groups == before.groups + 1

    with pytest.raises(JamforError, match="exists already"):
        ref.create_network("Nornorna", NORNORNA)
    assert ref.stats().groups == before.groups + 1
    assert ref.group("nornorna") == network


def test_groups_containing_a_municipality(ref: Store) -> None:
    ref.create_network("Jämtland test", NORNORNA, group_id="jamtland-test")
    ostersund = ref.area("2380")
    found = ref.groups_containing("2380")
    kinds = {g.kind for g in found}
    assert {"county", "kommungrupp", "network", "kolada"} <= kinds
    assert ("lan:23", "Jämtlands län") in [(g.id, g.title) for g in found]
    chosen = ref.groups_containing("2380", ["network", "kommungrupp"])
    assert chosen[0].id == f"kg:{ostersund.kommungrupp}"  # by kind, then title
    assert {g.kind for g in chosen} == {"kommungrupp", "network"}
    assert "jamtland-test" in [g.id for g in chosen]
    assert "jamtland-test" not in [g.id for g in ref.groups_containing("1081")]
    assert all(g.members == () for g in found)  # members are not fetched
    assert ref.groups_containing("9999") == []


def test_create_network_checks_its_input(ref: Store) -> None:
    before = ref.stats()
    with pytest.raises(JamforError, match="listed twice"):
        ref.create_network("Dubbel", ["Ronneby", "1081"])
    with pytest.raises(NotFoundError):
        ref.create_network("Okänd", ["Ronneby", "Atlantis"])
    with pytest.raises(JamforError):
        ref.create_network("   ", ["Ronneby"])
    with pytest.raises(JamforError):
        ref.create_network("Tom", [])
    assert ref.stats() == before
    own = ref.create_network("Blekinge väst", ["Ronneby", "Karlshamn", "0114"], group_id="bv")
    assert own.id == "bv" and [m.id for m in own.members] == ["1081", "1082", "0114"]


# -- KPI catalogue -------------------------------------------------------------------------------------


def test_catalogue_counts_and_retired_v2_kpis(ref: Store) -> None:
    kpis = ref.kpis()
    assert len(kpis) == 6928
    assert all(isinstance(k, Kpi) for k in kpis)
    by_catalogue = Counter((k.catalogue, k.retired) for k in kpis)
    assert by_catalogue == {("kolada-v3-2026-03", False): 6099, ("kolada-v2-2024-04", True): 829}
    only_v2 = ref.kpi("N00663")
    assert (only_v2.retired, only_v2.catalogue) == (True, "kolada-v2-2024-04")
    assert len(ref.kpi_ids()) == 6928


def test_curated_kpi(ref: Store) -> None:
    kpi = ref.kpi("N00938")
    assert kpi.title.startswith("Sjukpenningtal")
    assert (kpi.polarity, kpi.colour_graded, kpi.decimals) == ("lower", True, 1)
    assert kpi.retired is False
    assert ref.kpi(" N00938 ") == kpi
    assert [k.id for k in ref.kpis(["N11102", "N00938", "U07451"])] == ["N00938", "N11102", "U07451"]
    assert ref.kpis([]) == []
    with pytest.raises(NotFoundError):
        ref.kpi("N99999")


def test_search_kpis(ref: Store) -> None:
    assert ref.search_kpis("sjukpenningtal")[0].id == "N00938"
    assert ref.search_kpis("n00938")[0].id == "N00938"  # an id, in any case
    assert ref.search_kpis("valdeltagande kommunalvalet")[0].id == "N05401"
    assert ref.search_kpis("") == []
    assert len(ref.search_kpis("andel", limit=5)) == 5
    with_retired = ref.search_kpis("korruption")
    assert "N00663" in {k.id for k in with_retired}
    assert "N00663" not in {k.id for k in ref.search_kpis("korruption", include_retired=False)}


def test_catalogue_change_keeps_the_old_title(ref: Store) -> None:
    old = ref.kpi("U07451")
    before = ref.stats()
    assert ref.kpi_history("U07451") == []

    assert ref.upsert_kpis([replace(old, title="Företagsklimat, ny definition", polarity=None)]) == (0, 1)

    new = ref.kpi("U07451")
    assert new.title == "Företagsklimat, ny definition"
    assert new.polarity == old.polarity  # curated fields stay when the incoming entry has none
    [history] = ref.kpi_history("U07451")
    assert history["title"] == old.title
    assert history["description"] == old.description
    assert history["catalogue"] == old.catalogue
    assert isinstance(history["valid_until"], datetime)
    assert ref.stats() == before  # same number of KPIs

    # Writing the same entry again is no change and adds no history.
    assert ref.upsert_kpis([new]) == (0, 0)
    assert len(ref.kpi_history("U07451")) == 1


# -- stats and schema ----------------------------------------------------------------------------------


def test_stats(ref: Store) -> None:
    stats = ref.stats()
    assert isinstance(stats, StoreStats)
    assert list(stats.as_dict()) == ["areas", "groups", "kpis", "observations", "revisions"]
    assert stats.areas == 312
    assert stats.kpis >= 6928
    assert stats.groups >= 9 + 21 + 3630
    assert stats.as_dict()["areas"] == stats.areas


def test_schema_is_current(ref: Store) -> None:
    ref.ensure_schema()
    assert ref.schema_version() >= 1
    assert ref.dialect in ("duckdb", "postgres")


def test_demo_store_stats(demo_store: Store) -> None:
    stats = demo_store.stats().as_dict()
    assert set(stats) == {"areas", "groups", "kpis", "observations", "revisions"}
    assert stats["areas"] == 312
    assert stats["observations"] > 100_000
    assert stats["revisions"] == 0
    ronneby = demo_store.observations(["N00938"], ["1081"], gender="T")
    assert ronneby and all(o.source == "Kolada" for o in ronneby)
    assert {o.period for o in ronneby} <= set(range(2010, 2023))
