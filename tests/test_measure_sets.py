"""Measure sets: the bundled YAML sets, strict validation, user sets, and Kungsbacka's example dataset."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from jamfor.errors import NotFoundError, ValidationError
from jamfor.measuresets import (
    Measure,
    bundled_measure_sets,
    check_against_catalogue,
    example_dataset_kpi_ids,
    find_measure_set,
    load_example_dataset,
    load_measure_set,
)
from jamfor.store import Store

REPO = Path(__file__).resolve().parents[1]
CURATION = REPO / "src" / "jamfor" / "data" / "kpi_curation.csv"
KKIK_SETS = ("kkik-2015-2017", "kkik-2020")


def _curation() -> dict[str, dict[str, str]]:
    with CURATION.open(encoding="utf-8") as fh:
        return {row["kpi"]: row for row in csv.DictReader(fh)}


# -- the bundled sets -----------------------------------------------------------------------------


def test_bundled_sets_load_and_validate() -> None:
    sets = bundled_measure_sets()
    assert set(sets) == {"kkik-2015-2017", "kkik-2020", "kungsbacka-bitt"}
    for set_id, ms in sets.items():
        assert ms.id == set_id
        assert ms.title and ms.description and ms.source and ms.era
        assert ms.measures
        assert len(set(ms.kpi_ids())) == len(ms.measures)
        assert {m.perspective for m in ms.measures} <= set(ms.perspectives)


def test_kkik_2015_2017_perspectives_and_ronneby_measures() -> None:
    ms = bundled_measure_sets()["kkik-2015-2017"]
    assert ms.perspectives == [
        "Tillgänglighet",
        "Trygghet",
        "Delaktighet och information",
        "Effektivitet",
        "Samhällsutveckling",
    ]
    sick = ms.measure("N00938")
    assert sick.year_offset == -1
    assert sick.data_year(2017) == 2016
    assert sick.comment and "Ronneby" in sick.comment
    # The measures of Ronneby's KKiK tables (seed 002) whose Kolada id is known.
    expected = {
        "U21401": "Trygghet",
        "N11102": "Trygghet",
        "U07451": "Samhällsutveckling",
        "U07414": "Samhällsutveckling",
        "N00938": "Samhällsutveckling",
        "U07514": "Samhällsutveckling",
    }
    for kpi, perspective in expected.items():
        assert ms.measure(kpi).perspective == perspective
    late = {"N00938", "U07451", "N11102"}  # shown one year late, as in Ronneby's table (seed 002)
    assert {m.kpi for m in ms.measures if m.year_offset == -1} == late
    assert all(m.year_offset == 0 for m in ms.measures if m.kpi not in late)
    # The §7 measures with a Kolada id that the catalogues still know.
    section7 = "U11401 U23401 U31402 U21401 N11102 U00454 U21468 U23471 N11008 N00914 N00938 U07414 U07514 U07451 N05401"
    assert set(section7.split()) <= set(ms.kpi_ids())
    assert ms.measure("N11008").colour_graded is False


def test_kkik_2020_is_the_partial_mapping() -> None:
    ms = bundled_measure_sets()["kkik-2020"]
    assert ms.perspectives == ["Barn och unga", "Stöd och omsorg", "Samhälle och miljö"]
    assert ms.description and "42 mått är 19 kända" in ms.description
    mapping = Path(__file__).resolve().parents[2] / "shared" / "data" / "domain"
    src = REPO / "src" / "jamfor" / "data" / "domain" / "kkik_2020_measures_partial_mapping.csv"
    path = src if src.is_file() else mapping / src.name
    with path.open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["kolada_id_mapped"]]
    for row in rows:
        m = ms.measure(row["kolada_id_mapped"])
        assert m.perspective == row["area_2020"]
        direction = row["direction"]
        if direction.startswith("cost"):
            assert (m.polarity, m.colour_graded) == ("lower", False)
        elif direction.startswith("none"):
            assert m.polarity == "none"
        else:
            assert m.polarity == direction.split("_")[0]


def test_kkik_polarity_and_decimals_agree_with_curation() -> None:
    curation = _curation()
    for set_id in KKIK_SETS:
        for m in bundled_measure_sets()[set_id].measures:
            row = curation.get(m.kpi)
            assert row is not None, f"{set_id}: {m.kpi} is not curated"
            if m.polarity is not None:
                assert m.polarity == row["polarity"], f"{set_id}: {m.kpi}"
            if m.decimals is not None:
                assert m.decimals == int(row["decimals"]), f"{set_id}: {m.kpi}"
            if m.colour_graded is not None:
                assert m.colour_graded == (row["colour_graded"] == "true"), f"{set_id}: {m.kpi}"


def test_kkik_kpis_are_in_the_store_with_curated_polarity(store: Store) -> None:
    known = store.kpi_ids()
    for set_id in KKIK_SETS:
        ms = bundled_measure_sets()[set_id]
        assert check_against_catalogue(ms, known) == []
        kpis = {k.id: k for k in store.kpis(ms.kpi_ids())}
        for m in ms.measures:
            resolved = m.resolved(kpis[m.kpi])
            assert resolved.polarity == kpis[m.kpi].polarity, f"{set_id}: {m.kpi}"
            assert resolved.title


def test_check_against_catalogue_names_unknown_kpis() -> None:
    ms = bundled_measure_sets()["kungsbacka-bitt"]
    problems = check_against_catalogue(ms, {"OWN-KBA-01"})
    assert len(problems) == 14
    assert "OWN-KBA-02" in str(problems[0])
    assert "import its catalogue" in str(problems[0])


# -- find and load ----------------------------------------------------------------------------------


def test_find_by_id_title_and_path(tmp_path: Path) -> None:
    assert find_measure_set("KKIK-2020").id == "kkik-2020"
    assert find_measure_set("kkik 2015–2017 (fem perspektiv)").id == "kkik-2015-2017"
    own = tmp_path / "mitt.yaml"
    own.write_text(
        "# our network's set\n"
        "id: mitt-natverk\n"
        "title: Vårt nätverk\n"
        "perspectives: [Skola, Omsorg]\n"
        "measures:\n"
        "  - kpi: N15428\n"
        "    perspective: Skola\n"
        "  - kpi: N00938\n"
        "    perspective: Omsorg\n"
        "    year_offset: -1\n"
        "    comment: Ett år efter.\n",
        encoding="utf-8",
    )
    for arg in (own, str(own)):
        ms = find_measure_set(arg)
        assert ms.id == "mitt-natverk"
        assert ms.description is None
        assert ms.measures[0] == Measure("N15428", None, "Skola")
        assert ms.measures[1].year_offset == -1
        assert ms.measures[1].data_year(2020) == 2019
    assert load_measure_set(own) == load_measure_set(own.read_text(encoding="utf-8"))
    with pytest.raises(NotFoundError, match="kkik-2020"):
        find_measure_set("no such set")
    with pytest.raises(ValidationError, match="no such file"):
        find_measure_set(str(tmp_path / "missing.yaml"))


# -- bad YAML -----------------------------------------------------------------------------------------

GOOD = """\
id: x
title: X
perspectives: [A, B]
measures:
  - kpi: N1
    perspective: A
"""

BAD = [
    (GOOD + "colour: red\n", 7, "colour", "unknown key in the measure set"),
    (GOOD + "    tren: 3\n", 7, "tren", "unknown key in measure 1"),
    (GOOD + "  - perspective: A\n", 7, "kpi", "'kpi' is missing"),
    (GOOD + "    polarity: up\n", 7, "polarity", "'up' is not higher, lower or none"),
    (GOOD + "    decimals: -1\n", 7, "decimals", "-1 is negative"),
    (GOOD + "    decimals: 1.5\n", 7, "decimals", "1.5 is not a whole number"),
    (GOOD + "    year_offset: 0.5\n", 7, "year_offset", "0.5 is not a whole number of years"),
    (GOOD + "    year_offset: last\n", 7, "year_offset", "'last' is not a whole number of years"),
    (GOOD + "    colour_graded: maybe\n", 7, "colour_graded", "'maybe' is not true or false"),
    (GOOD + "  - kpi: N1\n    perspective: B\n", 7, "kpi", "duplicate KPI 'N1' in the set (first on line 5)"),
    (GOOD.replace("perspective: A", "perspective: C"), 6, "perspective", "'C' is not one of the declared"),
    (GOOD.replace("measures:\n", "measures: []\n").split("  - kpi")[0], 4, "measures", "the set is empty"),
    (GOOD.replace("perspectives: [A, B]", "perspectives: []"), 3, "perspectives", "non-empty list"),
    (GOOD.replace("id: x\n", ""), None, "id", "'id' is missing"),
    (GOOD.replace("title: X", "title: ''"), 2, "title", "is empty"),
    (GOOD + "id: y\n", 7, "id", "key appears twice"),
]


@pytest.mark.parametrize(("text", "line", "field", "reason"), BAD)
def test_bad_yaml_is_rejected_with_location(text: str, line: int | None, field: str, reason: str) -> None:
    with pytest.raises(ValidationError) as info:
        load_measure_set(text)
    problems = info.value.problems
    assert any(p.line == line and p.column == field and reason in p.reason for p in problems), problems


def test_empty_and_broken_files_are_rejected(tmp_path: Path) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing here\n", encoding="utf-8")
    with pytest.raises(ValidationError, match=r"empty\.yaml: is empty"):
        load_measure_set(empty)
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: x\nmeasures: [\n", encoding="utf-8")
    with pytest.raises(ValidationError, match=r"broken\.yaml:\d+: is not valid YAML"):
        load_measure_set(broken)
    listing = tmp_path / "list.yaml"
    listing.write_text("- kpi: N1\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="is not a measure set"):
        load_measure_set(listing)


def test_all_problems_are_reported_at_once() -> None:
    text = GOOD + "    polarity: up\n    decimals: -2\n  - kpi: N2\n    perspective: Z\n"
    with pytest.raises(ValidationError) as info:
        load_measure_set(text)
    assert [p.column for p in info.value.problems] == ["polarity", "decimals", "perspective"]


# -- the Kungsbacka example dataset ---------------------------------------------------------------------

# Seed 000: Utfall 2012, 2013, 2014 and Riket 2014 (None = "Ingen uppgift").
KUNGSBACKA = {
    "OWN-KBA-01": (64, 63, 62, 55),
    "OWN-KBA-02": (6.6, 7, 6.6, 6.6),
    "OWN-KBA-03": (6.6, 6.8, 6.5, 6.5),
    "OWN-KBA-04": (80, 89, 94, 86),
    "OWN-KBA-05": (6.1, 6, 6.3, None),
    "OWN-KBA-06": (6.1, 6.0, 6.2, None),
    "OWN-KBA-07": (48, 45, 45, 41),
    "OWN-KBA-08": (51, 51, 69, 53),
    "OWN-KBA-09": (83, 87, 86, 78),
    "OWN-KBA-10": (629, 559, 897, None),
    "OWN-KBA-11": (5.8, 6, 6, None),
    "OWN-KBA-12": (6.3, 6.2, 6.4, None),
    "OWN-KBA-13": (59, 69, 98, 82),
    "OWN-KBA-14": (42, 42, 56, 49),
    "OWN-KBA-15": (65, 66, 67, 61),
}


def test_kungsbacka_set_matches_the_dataset() -> None:
    ms = bundled_measure_sets()["kungsbacka-bitt"]
    assert ms.kpi_ids() == example_dataset_kpi_ids() == list(KUNGSBACKA)
    assert ms.measure("OWN-KBA-01").title == "Nöjd-Medborgar-Index, NMI. Index 0-100"
    assert ms.measure("OWN-KBA-01").comment == "Bland de högsta värdena i 2014 års undersökning."
    assert all(m.comment and m.polarity == "higher" for m in ms.measures)
    assert ms.measure("OWN-KBA-10").comment.startswith("En positiv utveckling")  # type: ignore[union-attr]


def test_kungsbacka_dataset_loads_and_reads_back(store: Store) -> None:
    assert check_against_catalogue(bundled_measure_sets()["kungsbacka-bitt"], store.kpi_ids())
    summaries = load_example_dataset(store)
    assert [s.new for s in summaries] == [15, 15 * 3 + 10]
    ms = bundled_measure_sets()["kungsbacka-bitt"]
    assert check_against_catalogue(ms, store.kpi_ids()) == []

    kpis = {k.id: k for k in store.kpis(list(KUNGSBACKA))}
    assert len(kpis) == 15
    for m in ms.measures:
        kpi = kpis[m.kpi]
        assert kpi.origin == "own"
        assert kpi.title == m.title
        assert kpi.polarity == "higher" and kpi.decimals == m.decimals and kpi.unit == m.unit
        assert kpi.description and "Kungsbacka" in kpi.description

    found = store.observations(["OWN-KBA-01"], ["1384", "0000"], [2012, 2013, 2014, 2014])
    assert [(o.area, o.period, o.value) for o in found] == [
        ("0000", 2014, 55),
        ("1384", 2012, 64),
        ("1384", 2013, 63),
        ("1384", 2014, 62),
    ]
    everything = store.observations(list(KUNGSBACKA))
    assert len(everything) == 55
    assert {o.source for o in everything} == {"Kungsbacka kommun (årsredovisning 2014)"}
    for kpi_id, (v12, v13, v14, riket) in KUNGSBACKA.items():
        got = {(o.area, o.period): o.value for o in everything if o.kpi == kpi_id}
        expected = {("1384", 2012): v12, ("1384", 2013): v13, ("1384", 2014): v14}
        if riket is not None:
            expected[("0000", 2014)] = riket
        assert got == pytest.approx(expected), kpi_id

    # Loading again changes nothing.
    again = load_example_dataset(store, "Kungsbacka-Bitt")
    assert [(s.new, s.changed) for s in again] == [(0, 0), (0, 0)]
    with pytest.raises(NotFoundError):
        load_example_dataset(store, "nope")
