"""Report definitions: inputs → rows of data (no formatting; see jamfor.render).

`municipality_report` (one municipality against the country), `municipality_reports_all` (all
290 from one fetch), `network_report` (a group's members side by side) and `kpi_report` (one
KPI, every municipality ranked). The data they return is described in `jamfor.reports.model`.
"""

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
    "kpi_report",
    "municipality_report",
    "municipality_reports_all",
    "network_report",
]
