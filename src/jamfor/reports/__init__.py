"""Report definitions: inputs → rows of data (no formatting; see jamfor.render).

`municipality_report` (one municipality against the country), `municipality_reports_all` (all
290 from one fetch), `network_report` (a group's members side by side), `kpi_report` (one
KPI, every municipality ranked) and `compare_report` (up to ten areas on one KPI over the
years). The data they return is described in `jamfor.reports.model` (the compare report's in
`jamfor.reports.compare`).
"""

from jamfor.reports.compare import ComparePoint, CompareReport, CompareSeries, CountryYear, compare_report
from jamfor.reports.kpi import kpi_report
from jamfor.reports.model import (
    Distribution,
    Extreme,
    KpiRankRow,
    KpiReport,
    MunicipalityReport,
    MunicipalityRow,
    Named,
    NetworkCell,
    NetworkReport,
    NetworkRow,
    Reference,
)
from jamfor.reports.municipality import municipality_report, municipality_reports_all
from jamfor.reports.network import network_report

__all__ = [
    "ComparePoint",
    "CompareReport",
    "CompareSeries",
    "CountryYear",
    "Distribution",
    "Extreme",
    "KpiRankRow",
    "KpiReport",
    "MunicipalityReport",
    "MunicipalityRow",
    "Named",
    "NetworkCell",
    "NetworkReport",
    "NetworkRow",
    "Reference",
    "compare_report",
    "kpi_report",
    "municipality_report",
    "municipality_reports_all",
    "network_report",
]
