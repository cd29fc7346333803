"""/api/v1/kpis: the KPI catalogue, with curation, years with values and earlier wordings."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query, Request
from fastapi.responses import Response

from jamfor.model import Kpi
from jamfor.web.api.encode import JsonBody
from jamfor.web.api.errors import router
from jamfor.web.api.models import KpiDetail, KpiList, KpiRevisionOut, KpiSummary
from jamfor.web.api.params import KOLADA_LINE, LIST_LIMIT, Access, Limit, Offset, Search, known_kpi, page_info

SUMMARY_FIELDS = tuple(KpiSummary.model_fields)


def kpi_summary(kpi: Kpi) -> KpiSummary:
    return KpiSummary(**{name: getattr(kpi, name) for name in SUMMARY_FIELDS})


@router.get(
    "/kpis",
    summary="Search the KPI catalogue",
    tags=["kpis"],
    response_model=KpiList,
    response_class=JsonBody,
)
def list_kpis(
    request: Request,
    access: Access,
    q: Search = "",
    kkik: Annotated[
        bool | None, Query(description="true: only KKiK measures; false: only the others.")
    ] = None,
    limit: Limit = LIST_LIMIT,
    offset: Offset = 0,
) -> Response:
    with access.using() as store:
        if q.strip():
            found = store.search_kpis(q, limit=100_000)
            if kkik is not None:
                found = [k for k in found if bool(k.kkik) == kkik]
            total, page = len(found), found[offset : offset + limit]
        else:  # the whole catalogue: one page of it from the database, not all 7,000
            total, page = store.kpi_list(kkik, limit=limit, offset=offset)
    items = [{name: getattr(k, name) for name in SUMMARY_FIELDS} for k in page]
    return JsonBody({**page_info(request, total, limit, offset), "items": items})


@router.get(
    "/kpis/{kpi_id}", summary="One KPI: metadata, curation, years with values, revisions", tags=["kpis"]
)
def get_kpi(
    access: Access, kpi_id: Annotated[str, Path(max_length=100, description="A KPI id, e.g. N00938.")]
) -> KpiDetail:
    with access.using() as store:
        kpi = known_kpi(store, kpi_id)
        periods = store.periods(kpi.id)
        history = store.kpi_history(kpi.id)
    fields = {name: getattr(kpi, name) for name in KpiDetail.model_fields if hasattr(kpi, name)}
    return KpiDetail(
        **fields,
        periods=periods,
        revisions=[KpiRevisionOut(**h) for h in history],
        attribution=KOLADA_LINE if kpi.origin == "kolada" else None,
    )
