"""The JSON API under /api/v1: areas, groups, KPIs, values and reports."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from jamfor.web.access import StoreAccess, store_access

router = APIRouter(prefix="/api/v1", tags=["api"])


@router.get("/stats", summary="Counts of what the store holds")
def api_stats(access: StoreAccess = Depends(store_access)) -> dict[str, int]:
    with access.using() as s:
        return s.stats().as_dict()
