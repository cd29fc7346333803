"""The API's limits, its shared query parameters, and the helpers that check what was asked for."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Final

from fastapi import Depends, Query, Request

from jamfor.errors import JamforError, NotFoundError
from jamfor.model import Kpi
from jamfor.store import Store
from jamfor.web.access import StoreAccess, store_access

MAX_VALUE_KPIS: Final = 20
MAX_VALUE_AREAS: Final = 100
VALUES_LIMIT: Final = 1000
VALUES_MAX_LIMIT: Final = 10_000
LIST_LIMIT: Final = 100
LIST_MAX_LIMIT: Final = 1000
KOLADA_LINE: Final = "Källa: Kolada"

Access = Annotated[StoreAccess, Depends(store_access)]


# -- parameters -----------------------------------------------------------------------------------

Limit = Annotated[
    int, Query(ge=1, le=LIST_MAX_LIMIT, description=f"Items per page (at most {LIST_MAX_LIMIT}).")
]
Offset = Annotated[int, Query(ge=0, le=2**31 - 1, description="How many items to skip.")]
Search = Annotated[str, Query(max_length=200, description="Words to look for in titles, or an id.")]
GenderParam = Annotated[str, Query(max_length=10, description="T (total), K (women) or M (men).")]
ColourParam = Annotated[
    str, Query(max_length=20, description="quartile, quartile4 (four colours) or reference.")
]
SetParam = Annotated[
    str | None,
    Query(
        alias="set",
        max_length=200,
        description="A bundled measure set by id or title (see /measure-sets); never a file.",
        examples=["kkik-2015-2017"],
    ),
]
KpiListParam = Annotated[
    str | None,
    Query(max_length=2000, description="KPI ids, comma-separated (instead of set).", examples=["N00938"]),
]


# -- pages, lists and KPIs asked for --------------------------------------------------------------


def next_link(request: Request, total: int, limit: int, offset: int) -> str | None:
    if offset + limit >= total:
        return None
    url = request.url.include_query_params(offset=offset + limit, limit=limit)
    return f"{url.path}?{url.query}"


def page_info(request: Request, total: int, limit: int, offset: int) -> dict[str, Any]:
    return {
        "total": total,
        "limit": limit,
        "offset": offset,
        "next": next_link(request, total, limit, offset),
    }


def split_list(text: str | None, what: str, most: int) -> list[str] | None:
    """'a, b,a' as ['a', 'b'] (order kept); None for nothing given; a 400 beyond `most` items."""
    if text is None or not text.strip():
        return None
    items = list(dict.fromkeys(p.strip() for p in text.split(",") if p.strip()))
    if len(items) > most:
        raise JamforError(f"{what}: {len(items)} asked for, at most {most} in one request")
    return items


def known_kpi(store: Store, kpi_id: str) -> Kpi:
    """The KPI with this id (any case), or a NotFoundError that names it."""
    found = store.kpis([kpi_id.strip().upper()])
    if not found:
        raise NotFoundError(f"no KPI with id {kpi_id.strip()!r}")
    return found[0]


def report_unknown_kpis(ids: Sequence[str], known: set[str]) -> None:
    """A NotFoundError naming those of `ids` that are not `known`; nothing if all are."""
    unknown = [k for k in ids if k not in known]
    if len(unknown) == 1:
        raise NotFoundError(f"no KPI with id {unknown[0]!r}")
    if unknown:
        raise NotFoundError("no KPIs with the ids " + ", ".join(repr(k) for k in unknown))
