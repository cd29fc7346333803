"""/api/v1/areas and /api/v1/groups: municipalities, regions, Riket and the groups they form."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Path, Query, Request
from fastapi.responses import Response

from jamfor.model import RIKET, Area, Group
from jamfor.store import Store
from jamfor.web.api.encode import JsonBody
from jamfor.web.api.errors import router
from jamfor.web.api.models import (
    AreaList,
    AreaOut,
    GroupDetail,
    GroupList,
    GroupMember,
)
from jamfor.web.api.params import LIST_LIMIT, LIST_MAX_LIMIT, Access, Limit, Offset, Search, page_info


class AreaNames:
    """The county and kommungrupp groups, to describe areas by name."""

    def __init__(self, store: Store) -> None:
        self.counties = {"00" + g.id.removeprefix("lan:"): g for g in store.groups("county")}
        self.kommungrupper = {g.id.removeprefix("kg:"): g for g in store.groups("kommungrupp")}

    def area(self, area: Area) -> AreaOut:
        return AreaOut.model_validate(self.plain(area))

    def plain(self, area: Area) -> dict[str, Any]:
        """An `AreaOut` as plain data, key for key, for the fast list."""
        county = self.counties.get(area.county_id or "")
        kg = self.kommungrupper.get(area.kommungrupp or "")
        return {
            "id": area.id,
            "title": area.title,
            "type": area.type,
            "kind": kind_of(area),
            "county": None
            if county is None
            else {"id": county.id, "title": county.title, "region": area.county_id or ""},
            "kommungrupp": None
            if kg is None
            else {"id": kg.id, "code": area.kommungrupp or "", "title": kg.title},
        }


def kind_of(area: Area) -> Literal["kommun", "region", "riket"]:
    return "riket" if area.id == RIKET else "kommun" if area.is_municipality else "region"


@router.get(
    "/areas",
    summary="Municipalities, regions and Riket",
    tags=["areas"],
    response_model=AreaList,
    response_class=JsonBody,
)
def list_areas(
    request: Request,
    access: Access,
    type: Annotated[
        Literal["K", "L", "riket"] | None,
        Query(description="K: municipalities, L: the 21 regions, riket: the whole country (0000)."),
    ] = None,
    q: Search = "",
    limit: Limit = LIST_LIMIT,
    offset: Offset = 0,
) -> Response:
    with access.using() as store:
        found = store.search_areas(q, limit=LIST_MAX_LIMIT) if q.strip() else store.areas()
        names = AreaNames(store)
    if type is not None:
        kind = {"K": "kommun", "L": "region", "riket": "riket"}[type]
        found = [a for a in found if kind_of(a) == kind]
    items = [names.plain(a) for a in found[offset : offset + limit]]
    return JsonBody({**page_info(request, len(found), limit, offset), "items": items})


@router.get("/areas/{area_id}", summary="One municipality, region or Riket", tags=["areas"])
def get_area(
    access: Access,
    area_id: Annotated[str, Path(max_length=200, description="An area id (1081) or name (Ronneby).")],
) -> AreaOut:
    with access.using() as store:
        area = store.resolve_area(area_id)
        return AreaNames(store).area(area)


@router.get(
    "/groups",
    summary="Groups of areas: kommungrupper, counties, Kolada groups, networks",
    tags=["groups"],
    response_model=GroupList,
    response_class=JsonBody,
)
def list_groups(
    request: Request,
    access: Access,
    kind: Annotated[
        Literal["kommungrupp", "county", "kolada", "liknande", "network"] | None,
        Query(description="Only groups of this kind."),
    ] = None,
    q: Search = "",
    limit: Limit = LIST_LIMIT,
    offset: Offset = 0,
) -> Response:
    with access.using() as store:
        found = store.groups(kind, q.strip() or None)
    items = [
        {"id": g.id, "title": g.title, "kind": g.kind, "source": g.source}
        for g in found[offset : offset + limit]
    ]
    return JsonBody({**page_info(request, len(found), limit, offset), "items": items})


@router.get("/groups/{group_id:path}", summary="One group with its members", tags=["groups"])
def get_group(
    access: Access,
    group_id: Annotated[str, Path(description="A group id (kg:C7, lan:10, G2328) or its exact title.")],
) -> GroupDetail:
    with access.using() as store:
        group: Group = store.resolve_group(group_id)
    return GroupDetail(
        id=group.id,
        title=group.title,
        kind=group.kind,
        source=group.source,
        members=[GroupMember(id=a.id, title=a.title, type=a.type) for a in group.members],
    )
