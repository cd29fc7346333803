"""The KPI report: every municipality ranked, best first, with the distribution."""

from __future__ import annotations

import pytest

from jamfor.compute import round_half_away
from jamfor.errors import NotFoundError
from jamfor.reports import kpi_report
from jamfor.reports.data import swedish_sort_key
from jamfor.reports.kpi import histogram
from jamfor.store import Store


def test_sjukpenningtal_2020_ranked_best_first(demo_store: Store) -> None:
    report = kpi_report(demo_store, "N00938", year=2020)
    assert (report.kpi, report.year, report.polarity, report.decimals) == ("N00938", 2020, "lower", 1)
    dist = report.distribution
    assert len(report.rows) + len(report.missing) == 290
    assert dist.count == len(report.rows) and dist.missing == len(report.missing)
    ranks = [r.rank for r in report.rows]
    assert ranks[0] == 1
    for i in range(1, len(ranks)):
        previous, current = report.rows[i - 1], report.rows[i]
        same = round_half_away(previous.value, 1) == round_half_away(current.value, 1)
        assert current.rank == (previous.rank if same else i + 1)  # ties share the best place
        assert round_half_away(previous.value, 1) <= round_half_away(current.value, 1)  # lower is better
    assert dist.minimum is not None and dist.maximum is not None
    assert dist.q1 is not None and dist.median is not None and dist.q3 is not None
    assert dist.minimum <= dist.q1 <= dist.median <= dist.q3 <= dist.maximum
    assert dist.minimum == report.rows[0].value and dist.maximum == max(r.value for r in report.rows)
    assert sum(count for _, _, count in dist.bins) == dist.count
    assert len(dist.bins) == 10
    assert dist.bins[0][0] == dist.minimum and dist.bins[-1][1] == dist.maximum
    assert dist.mean is not None and dist.minimum <= dist.mean <= dist.maximum
    assert dist.riket is not None and dist.riket != dist.mean
    assert report.rows[0].colour == "green" and report.rows[-1].colour == "red"
    first = report.rows[0]
    assert first.county and first.county.startswith("Region") and first.kommungrupp
    assert report.sources[0] == "Källa: Kolada"


def test_polarity_none_is_ordered_by_value_without_colour(demo_store: Store) -> None:
    report = kpi_report(demo_store, "N31807")
    assert report.year == 2022
    shown = [round_half_away(r.value, 1) for r in report.rows]
    assert shown == sorted(shown, reverse=True)  # highest first; ties (at 1 decimal) by name
    assert {r.colour for r in report.rows} == {"none"}
    assert report.missing == sorted(report.missing, key=lambda n: swedish_sort_key(n.name))


def test_names_sort_in_swedish_order() -> None:
    names = ["Örebro", "Åre", "Älmhult", "Ystad", "Alingsås", "Eda"]
    assert sorted(names, key=swedish_sort_key) == ["Alingsås", "Eda", "Ystad", "Åre", "Älmhult", "Örebro"]


def test_a_year_without_data_lists_everyone_as_missing(demo_store: Store) -> None:
    report = kpi_report(demo_store, "N00938", year=1990)
    assert report.rows == [] and len(report.missing) == 290
    assert report.distribution.count == 0 and report.distribution.bins == []
    assert report.distribution.median is None


def test_unknown_kpi_is_not_found(demo_store: Store) -> None:
    with pytest.raises(NotFoundError):
        kpi_report(demo_store, "N99999", year=2020)


def test_histogram_edges() -> None:
    assert histogram([]) == []
    assert histogram([3.0, 3.0]) == [(3.0, 3.0, 2)]
    bins = histogram([0.0, 1.0, 5.0, 10.0], 10)
    assert [c for _, _, c in bins] == [1, 1, 0, 0, 0, 1, 0, 0, 0, 1]
    assert bins[0][0] == 0.0 and bins[-1][1] == 10.0
