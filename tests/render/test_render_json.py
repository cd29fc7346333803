"""JSON: the municipality report's contract (keys and types), full precision, null for missing."""

from __future__ import annotations

import json
import math
from typing import Any

from jamfor.measuresets import example_dataset_kpi_ids, load_example_dataset
from jamfor.render import render
from jamfor.reports import municipality_report
from jamfor.reports.model import KpiDefinition, KpiReport, MunicipalityReport, NetworkReport
from jamfor.store import Store

CONTRACT_ROW_KEYS = {
    "kpi",
    "title",
    "polarity",
    "values",
    "trend",
    "mean",
    "riket",
    "reference",
    "rank",
    "ranked",
    "colour",
    "comment",
}
TRENDS = {"improved", "worsened", "unchanged", "increased", "decreased", "none"}
COLOURS = {"green", "yellow", "red", "grey", "none", "lightgreen", "orange"}


def _data(report: MunicipalityReport | NetworkReport | KpiReport) -> Any:
    content = render(report, "json")
    assert isinstance(content, str)
    return json.loads(content)


def _number_or_null(value: object) -> bool:
    return value is None or (isinstance(value, int | float) and not isinstance(value, bool))


def test_municipality_contract_keys_and_types(ronneby: MunicipalityReport) -> None:
    data = _data(ronneby)
    assert data["municipality"] == {"id": "1081", "name": "Ronneby"}
    assert data["years"] == [2015, 2016, 2017]
    assert len(data["rows"]) == len(ronneby.rows)
    for row in data["rows"]:
        assert set(row) >= CONTRACT_ROW_KEYS
        assert isinstance(row["kpi"], str) and isinstance(row["title"], str)
        assert row["polarity"] in ("higher", "lower", "none", None)
        assert set(row["values"]) == {"2015", "2016", "2017"}
        assert all(_number_or_null(v) for v in row["values"].values())
        assert row["trend"] in TRENDS
        for key in ("mean", "riket", "reference"):
            assert _number_or_null(row[key])
        assert row["rank"] is None or isinstance(row["rank"], int)
        assert isinstance(row["ranked"], int)
        assert row["colour"] in COLOURS
        assert isinstance(row["comment"], str)


def test_municipality_values_as_published(ronneby: MunicipalityReport) -> None:
    rows = {r["kpi"]: r for r in _data(ronneby)["rows"]}
    sick = rows["N00938"]
    assert sick["values"] == {"2015": 8.2, "2016": 9.6, "2017": 10.0}
    assert sick["trend"] == "worsened" and sick["direction"] == "up"
    assert sick["mean"] == 12.1 and sick["riket"] == 10.8
    assert sick["data_years"] == {"2015": 2014, "2016": 2015, "2017": 2016}
    assert sick["best"] == {"value": 5.5, "areas": [{"id": "0162", "name": "Danderyd"}]}
    carers = rows["U21401"]
    assert carers["trend"] == "improved" and carers["colour"] == "green"
    cost = rows["N11008"]
    assert cost["colour"] == "none" and cost["colour_graded"] is False


def test_missing_is_null_and_numbers_keep_full_precision(ronneby: MunicipalityReport) -> None:
    ronneby.rows[0].values[2016] = 85.123456789012
    ronneby.rows[1].values[2016] = math.nan  # a data frame's missing value
    rows = _data(ronneby)["rows"]
    assert rows[0]["values"]["2016"] == 85.123456789012
    assert rows[1]["values"]["2016"] is None
    safe = next(r for r in rows if r["kpi"] == "U15461")
    assert safe["values"]["2015"] is None and safe["riket"] is None


def test_text_stays_utf8_not_escaped(ronneby: MunicipalityReport) -> None:
    content = render(ronneby, "json")
    assert isinstance(content, str)
    assert "Tillgänglighet" in content and "\\u00e4" not in content


def test_extra_keys_describe_the_report(kungsbacka: MunicipalityReport) -> None:
    data = _data(kungsbacka)
    assert data["colour_scheme"] == "reference"
    assert data["reference"] == {"kind": "riket", "label": "Riket", "group": None}
    assert data["measure_set"]["id"] == "kungsbacka-bitt"
    assert data["generated_at"] == "2026-03-05T14:02:00"
    first = data["rows"][0]
    assert first["perspective"] == "Våra nyckeltal"
    assert first["unit"] == "index 0-100" and first["decimals"] == 0
    assert first["reference_label"] == "Riket"
    assert first["comment"] == "Bland de högsta värdena i 2014 års undersökning."


def test_network_json(nornorna: NetworkReport) -> None:
    data = _data(nornorna)
    assert data["network"]["name"] == "Nornorna (Jämtlands län)"
    assert [m["name"] for m in data["members"]][-1] == "Östersund"
    wait = data["rows"][0]
    assert wait["members"]["2326"] == {"value": 70.0, "rank": 156, "colour": "yellow"}
    assert wait["members"]["2309"] == {"value": None, "rank": None, "colour": "grey"}
    assert wait["network_count"] == 5 and wait["riket"] is None


def test_kpi_json(kpi: KpiReport) -> None:
    data = _data(kpi)
    assert data["kpi"]["id"] == "U21401"
    assert len(data["rows"]) + len(data["missing"]) == 290
    assert data["rows"][0]["rank"] == 1
    assert data["distribution"]["count"] == len(data["rows"])
    assert sum(b["count"] for b in data["distribution"]["bins"]) == len(data["rows"])


def test_definitions_are_written_for_municipality_and_network_reports(
    ronneby: MunicipalityReport, nornorna: NetworkReport
) -> None:
    kolada = KpiDefinition("N00938", "Sjukpenningtal", "Antal dagar …", "dagar", "Kolada")
    own = KpiDefinition("BITT-NKI", "Nöjd kund-index", None, None, "Kungsbacka kommun")
    expected = [
        {
            "kpi": "N00938",
            "title": "Sjukpenningtal",
            "description": "Antal dagar …",
            "unit": "dagar",
            "source": "Kolada",
        },
        {
            "kpi": "BITT-NKI",
            "title": "Nöjd kund-index",
            "description": None,
            "unit": None,
            "source": "Kungsbacka kommun",
        },
    ]
    for report in (ronneby, nornorna):
        assert _data(report)["definitions"] == []  # the key is always there
        report.definitions = [kolada, own]
        data = _data(report)
        assert data["definitions"] == expected
        assert set(data) >= {"rows", "sources", "generated_at"}  # only added to


def test_definitions_come_from_the_catalogue_and_name_our_own_source(store: Store) -> None:
    """Kungsbacka's own indicators are never labelled Kolada; Kolada's KPI is."""
    load_example_dataset(store, "kungsbacka-bitt")
    own = example_dataset_kpi_ids("kungsbacka-bitt")
    report = municipality_report(store, "1384", kpis=[*own, "N00938"], years=[2012, 2013, 2014])
    definitions = _data(report)["definitions"]
    assert [d["kpi"] for d in definitions] == [row.kpi for row in report.rows]
    catalogue = {k.id: k for k in store.kpis([d["kpi"] for d in definitions])}
    for d in definitions:
        kpi = catalogue[d["kpi"]]
        assert (d["title"], d["description"], d["unit"]) == (kpi.title, kpi.description, kpi.unit)
        assert (d["source"] == "Kolada") == (kpi.origin == "kolada")
    assert {d["source"] for d in definitions if d["kpi"] in own} and all(
        d["source"] != "Kolada" for d in definitions if d["kpi"] in own
    )
    assert next(d for d in definitions if d["kpi"] == "N00938")["source"] == "Kolada"
