"""The definitions of the measures in a report, from the KPI catalogue (no computation)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from jamfor.model import Kpi
from jamfor.reports.model import KpiDefinition
from jamfor.store import Store

KOLADA_SOURCE = "Kolada"
OWN_SOURCE = "Egen uppgift"


def kpi_definitions(store: Store, kpi_ids: Sequence[str]) -> list[KpiDefinition]:
    """One definition per distinct KPI id, in the order given; unknown ids are left out.

    Kolada's KPIs have the source "Kolada"; our own KPIs never do (their catalogue name, or
    "Egen uppgift" when they have none).
    """
    order = list(dict.fromkeys(kpi_ids))
    found = {k.id: k for k in store.kpis(order)} if order else {}
    return definitions_from(found[k] for k in order if k in found)


def definitions_from(kpis: Iterable[Kpi]) -> list[KpiDefinition]:
    """The definitions of catalogue entries already read, in the order given (see `kpi_definitions`)."""
    out: list[KpiDefinition] = []
    for kpi in kpis:
        source = KOLADA_SOURCE if kpi.origin == "kolada" else (kpi.catalogue or OWN_SOURCE)
        out.append(KpiDefinition(kpi.id, kpi.title, kpi.description, kpi.unit, source))
    return out
