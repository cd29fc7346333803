"""Fixtures for the renderer tests: reports built by hand (see reports.py), no database needed."""

from __future__ import annotations

import pytest

from jamfor.reports.model import KpiReport, MunicipalityReport, NetworkReport
from tests.render import reports


@pytest.fixture
def ronneby() -> MunicipalityReport:
    return reports.ronneby()


@pytest.fixture
def kungsbacka() -> MunicipalityReport:
    return reports.kungsbacka()


@pytest.fixture
def nornorna() -> NetworkReport:
    return reports.nornorna()


@pytest.fixture(scope="session")
def kpi() -> KpiReport:
    # Reads the bundled demo extract once: 290 municipalities, real values and missing ones.
    return reports.kpi_report()


@pytest.fixture(params=["municipality", "network", "kpi"])
def any_report(
    request: pytest.FixtureRequest, ronneby: MunicipalityReport, nornorna: NetworkReport, kpi: KpiReport
) -> MunicipalityReport | NetworkReport | KpiReport:
    reports_by_kind: dict[str, MunicipalityReport | NetworkReport | KpiReport] = {
        "municipality": ronneby,
        "network": nornorna,
        "kpi": kpi,
    }
    return reports_by_kind[request.param]
