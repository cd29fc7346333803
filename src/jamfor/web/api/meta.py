"""/api/v1/stats: what the store holds."""

from __future__ import annotations

from jamfor.web.api.errors import router
from jamfor.web.api.params import Access


@router.get("/stats", summary="Counts of what the store holds", tags=["meta"])
def api_stats(access: Access) -> dict[str, int]:
    with access.using() as s:
        return s.stats().as_dict()
