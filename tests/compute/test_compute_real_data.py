"""The seeds' "Medel" against the real Kolada values in the bundled demo extract."""

from __future__ import annotations

import csv
import gzip
import io
from functools import cache
from importlib import resources

from jamfor.compute import municipality_values, riket, round_half_away, trend, unweighted_mean

RONNEBY = "1081"


@cache
def _demo() -> dict[tuple[str, int], dict[str, float | None]]:
    raw = (resources.files("jamfor") / "data" / "demo" / "kolada_kkik_2010-2022.csv.gz").read_bytes()
    table: dict[tuple[str, int], dict[str, float | None]] = {}
    for row in csv.DictReader(io.StringIO(gzip.decompress(raw).decode("utf-8"))):
        if row["gender"] == "T" and row["kpi"] in ("N00938", "U07451", "U21401"):
            table.setdefault((row["kpi"], int(row["period"])), {})[row["municipality"]] = float(row["value"])
    return table


def _shown(value: float | None, decimals: int) -> float:
    assert value is not None
    return round_half_away(value, decimals)


def test_ronneby_medel_is_the_unweighted_mean_of_municipalities() -> None:
    # KKiK 2017 shows data year 2016 for sjukpenningtal and företagarnas omdöme.
    assert _shown(unweighted_mean(municipality_values(_demo()["N00938", 2016])), 1) == 12.1
    assert _shown(unweighted_mean(municipality_values(_demo()["U07451", 2016])), 0) == 72
    assert _shown(unweighted_mean(municipality_values(_demo()["U21401", 2017])), 0) == 15


def test_riket_is_not_the_unweighted_mean() -> None:
    values = _demo()["N00938", 2016]
    assert _shown(riket(values), 1) == 10.8  # weighted by the insured, as published
    assert unweighted_mean(values) != unweighted_mean(municipality_values(values))  # regions must go


def test_ronneby_sjukpenningtal_trend_from_real_data() -> None:
    series = {year: _demo()["N00938", year].get(RONNEBY) for year in range(2010, 2017)}
    result = trend(series, "lower", decimals=1)
    assert (result.trend, result.first_year, result.last_year) == ("worsened", 2014, 2016)
