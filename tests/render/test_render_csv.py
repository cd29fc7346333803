"""CSV: machine-friendly (UTF-8 without BOM, comma, decimal point, full precision), parses back."""

from __future__ import annotations

import csv
import io

from jamfor.render import render
from jamfor.reports.model import KpiReport, MunicipalityReport, NetworkReport


def _rows(report: MunicipalityReport | NetworkReport | KpiReport) -> list[dict[str, str]]:
    content = render(report, "csv")
    assert isinstance(content, str)
    assert not content.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(content)))


def test_municipality_csv_parses_back(ronneby: MunicipalityReport) -> None:
    rows = _rows(ronneby)
    assert len(rows) == len(ronneby.rows)
    sick = next(r for r in rows if r["kpi"] == "N00938")
    assert [float(sick[f"value_{y}"]) for y in (2015, 2016, 2017)] == [8.2, 9.6, 10.0]
    assert sick["data_year_2017"] == "2016"
    assert sick["trend"] == "worsened" and sick["colour"] == "green"
    assert float(sick["mean"]) == 12.1 and sick["rank"] == "52" and sick["ranked"] == "290"
    assert sick["best_areas"] == "0162"
    safe = next(r for r in rows if r["kpi"] == "U15461")
    assert safe["value_2015"] == "" and safe["riket"] == ""


def test_full_precision_and_decimal_point(ronneby: MunicipalityReport) -> None:
    ronneby.rows[0].values[2017] = 93.456789012345
    cost = next(r for r in _rows(ronneby) if r["kpi"] == "N11008")
    assert cost["value_2015"] == "138512.4"  # no thousands separator, no decimal comma
    first = _rows(ronneby)[0]
    assert float(first["value_2017"]) == 93.456789012345


def test_comma_delimited_header(kungsbacka: MunicipalityReport) -> None:
    content = render(kungsbacka, "csv")
    assert isinstance(content, str)
    header = content.splitlines()[0]
    assert header.startswith("municipality_id,municipality_name,perspective,kpi,title,")
    # A comment with commas survives quoting.
    rows = _rows(kungsbacka)
    assert rows[2]["comment"].startswith("Utfallet är i nivå med övriga riket. Över 80 procent")


def test_network_csv_has_a_row_per_measure_and_member(nornorna: NetworkReport) -> None:
    rows = _rows(nornorna)
    assert len(rows) == len(nornorna.rows) * len(nornorna.members)
    krokom = next(r for r in rows if r["kpi"] == "U23401" and r["member_name"] == "Krokom")
    assert krokom["value"] == "" and krokom["colour"] == "grey"
    berg = next(r for r in rows if r["kpi"] == "N00938" and r["member_id"] == "2326")
    assert float(berg["value"]) == 14.70511604 and berg["rank"] == "256"


def test_kpi_csv_lists_every_municipality(kpi: KpiReport) -> None:
    rows = _rows(kpi)
    assert len(rows) == 290
    assert rows[0]["rank"] == "1"
    missing = [r for r in rows if r["value"] == ""]
    assert len(missing) == len(kpi.missing) and all(r["rank"] == "" for r in missing)
