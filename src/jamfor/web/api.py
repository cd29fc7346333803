"""The JSON API under /api/v1: areas, groups, KPIs, values with their history, reports and measure sets.

Every answer is JSON; every user error is `{"error": "<sentence>"}` with 400 (bad input) or 404
(an unknown id or name), turned out by the route class below, so the router needs nothing from
the app. Reports are the exact text of `jamfor.render.render(report, "json")`.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from datetime import datetime
from typing import Annotated, Any, Final, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field

from jamfor.errors import DatabaseError, JamforError, NotFoundError
from jamfor.measuresets import MeasureSet, bundled_measure_sets
from jamfor.model import GENDERS, RIKET, Area, Group, Kpi, Observation, Revision
from jamfor.render import render
from jamfor.reports import kpi_report, municipality_report, network_report
from jamfor.reports.data import KOLADA
from jamfor.reports.options import check_choice, check_colour, check_gender, measures_from, parse_years
from jamfor.store import Store
from jamfor.web.access import StoreAccess, store_access

MAX_VALUE_KPIS: Final = 20
MAX_VALUE_AREAS: Final = 100
VALUES_LIMIT: Final = 1000
VALUES_MAX_LIMIT: Final = 10_000
LIST_LIMIT: Final = 100
LIST_MAX_LIMIT: Final = 1000
KOLADA_LINE: Final = "Källa: Kolada"


# -- errors as JSON, for every route of this router ---------------------------------------------


def error_response(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _shortened(value: str | int, most: int = 80) -> str | int:
    """A user's input as echoed in an error: an overlong string is cut, not repeated whole."""
    return value if isinstance(value, int) or len(value) <= most else value[:most] + "…"


def _validation_message(exc: RequestValidationError) -> str:
    """FastAPI's validation errors as one sentence per fault, naming the parameter."""
    parts = []
    for fault in exc.errors():
        loc = [str(p) for p in fault.get("loc", ())]
        where = {"query": "query parameter", "path": "path parameter"}.get(loc[0], loc[0]) if loc else ""
        name = loc[-1] if len(loc) > 1 else ""
        given = f" (got {_shortened(fault['input'])!r})" if isinstance(fault.get("input"), str | int) else ""
        parts.append(f"{where} {name!r}: {fault.get('msg', 'invalid')}{given}".strip())
    return "; ".join(parts) or "invalid request"


class JsonErrorsRoute(APIRoute):
    """A route whose user errors (ours and FastAPI's validation) come back as `{"error": …}`.

    Route-level, so the router works in any app without exception handlers on the app.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                return error_response(400, _validation_message(exc))
            except NotFoundError as exc:
                return error_response(404, str(exc))
            except DatabaseError as exc:
                return error_response(503, str(exc))
            except JamforError as exc:  # AmbiguousNameError, ValidationError and the rest: bad input
                return error_response(400, str(exc))

        return handle


class ApiError(BaseModel):
    """A user error: one sentence saying what was wrong."""

    error: str = Field(examples=["no KPI with id 'N99999'"])


router = APIRouter(
    prefix="/api/v1",
    route_class=JsonErrorsRoute,
    responses={
        "4XX": {
            "model": ApiError,
            "description": "400 for bad input, 404 for an unknown id or name; the body says what was wrong.",
        }
    },
)

Access = Annotated[StoreAccess, Depends(store_access)]


# -- response models ------------------------------------------------------------------------------


class PageInfo(BaseModel):
    total: int = Field(description="How many items match, over all pages.")
    limit: int
    offset: int
    next: str | None = Field(description="The URL of the next page (relative), null on the last.")


class CountyRef(BaseModel):
    id: str = Field(description="The county's group id, usable in /groups/{id} and reference=group:<id>.")
    title: str
    region: str = Field(description="The area id of the county's region, e.g. 0010.")


class KommungruppRef(BaseModel):
    id: str = Field(description="The kommungrupp's group id.")
    code: str = Field(description="SKR's code, e.g. C7.")
    title: str


class AreaOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "1081",
                    "title": "Ronneby",
                    "type": "K",
                    "kind": "kommun",
                    "county": {"id": "lan:10", "title": "Blekinge län", "region": "0010"},
                    "kommungrupp": {
                        "id": "kg:C7",
                        "code": "C7",
                        "title": "C7 Pendlingskommun nära mindre stad/tätort",
                    },
                }
            ]
        }
    )

    id: str
    title: str
    type: str = Field(description="As in Kolada: K for a municipality, L for a region and for Riket.")
    kind: Literal["kommun", "region", "riket"]
    county: CountyRef | None
    kommungrupp: KommungruppRef | None = Field(description="SKR kommungrupp 2023 (municipalities only).")


class AreaList(PageInfo):
    items: list[AreaOut]


class GroupOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "kg:C7",
                    "title": "C7 Pendlingskommun nära mindre stad/tätort",
                    "kind": "kommungrupp",
                    "source": "SKR 2023",
                }
            ]
        }
    )

    id: str
    title: str
    kind: str = Field(description="kommungrupp, county, kolada, liknande or network.")
    source: str


class GroupMember(BaseModel):
    id: str
    title: str
    type: str


class GroupDetail(GroupOut):
    members: list[GroupMember]


class GroupList(PageInfo):
    items: list[GroupOut]


class KpiSummary(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "N00938",
                    "title": "Sjukpenningtalet, 16–64 år, dagar/registrerad försäkrad",
                    "perspective": "Övrigt",
                    "operating_area": "Arbetsmarknad",
                    "polarity": "lower",
                    "colour_graded": True,
                    "unit": "dagar",
                    "decimals": 1,
                    "kkik": "c2013;2015-2017",
                    "retired": False,
                    "origin": "kolada",
                }
            ]
        }
    )

    id: str
    title: str
    perspective: str | None
    operating_area: str | None
    polarity: str | None = Field(description="Curated: higher, lower or none (null: not curated).")
    colour_graded: bool | None = Field(description="Curated: whether reports colour the measure.")
    unit: str | None
    decimals: int | None = Field(description="Curated: how many decimals a person should see.")
    kkik: str | None = Field(description="KKiK eras the measure belongs to, ';'-separated.")
    retired: bool = Field(description="Only Kolada's older (v2) catalogue knows the KPI.")
    origin: str = Field(description="kolada, or own for a municipality's own KPI.")


class KpiList(PageInfo):
    items: list[KpiSummary]


class KpiRevisionOut(BaseModel):
    title: str | None
    description: str | None
    perspective: str | None
    operating_area: str | None
    retired: bool | None
    catalogue: str | None
    valid_until: datetime = Field(description="When a catalogue import replaced this wording.")


class KpiDetail(KpiSummary):
    description: str | None
    is_divided_by_gender: bool | None
    municipality_type: str | None
    auspice: str | None
    prel_publication_date: str | None
    publication_date: str | None
    publ_period: str | None
    has_ou_data: bool | None
    catalogue: str | None
    periods: list[int] = Field(description="The years with stored values.")
    revisions: list[KpiRevisionOut] = Field(description="Earlier titles and descriptions, oldest first.")
    attribution: str | None = Field(description="'Källa: Kolada' for Kolada's KPIs.")


class ObservationOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "kpi": "N00938",
                    "area": "1081",
                    "period": 2022,
                    "gender": "T",
                    "value": 10.8,
                    "status": None,
                    "count": None,
                    "source": "Kolada",
                    "attribution": "Källa: Kolada",
                }
            ]
        }
    )

    kpi: str
    area: str
    period: int
    gender: str
    value: float | None
    status: str | None
    count: int | None
    source: str | None = Field(description="Where the value came from, as imported.")
    attribution: str | None = Field(
        description="'Källa: Kolada' for Kolada's values, 'Källa: <source>' for anyone else's."
    )


class ValuesQuery(BaseModel):
    kpi: list[str]
    area: list[str] | None = Field(description="Area ids (names resolved); null for all areas.")
    year: list[int] | None
    gender: str


class ValuesPage(PageInfo):
    query: ValuesQuery
    items: list[ObservationOut]
    sources: list[str] = Field(description="The attribution lines for the values on this page.")


class RevisionOut(BaseModel):
    value: float | None
    status: str | None
    count: int | None
    source: str | None
    attribution: str | None
    batch_id: int | None
    imported_at: datetime | None
    replaced_at: datetime
    replaced_by: int = Field(description="The import batch that replaced this value.")


class ValueHistory(BaseModel):
    kpi: str
    area: str
    period: int
    gender: str
    current: ObservationOut | None = Field(description="The value stored now (null if none).")
    revisions: list[RevisionOut] = Field(description="Earlier values, oldest first.")


class MeasureOut(BaseModel):
    kpi: str
    title: str | None
    perspective: str
    polarity: str | None
    decimals: int | None
    year_offset: int
    colour_graded: bool | None
    unit: str | None
    comment: str | None


class MeasureSetOut(BaseModel):
    id: str
    title: str
    description: str | None
    source: str | None
    era: str | None
    perspectives: list[str]
    measures: list[MeasureOut]


class MeasureSetList(BaseModel):
    items: list[MeasureSetOut]


# The reports' JSON (jamfor.render.jsonout), described for OpenAPI; more keys may be added.


class NamedRef(BaseModel):
    id: str
    name: str


class ReportBase(BaseModel):
    model_config = ConfigDict(extra="allow")

    report: str
    format_version: int
    gender: str
    colour_scheme: str
    sources: list[str] = Field(description="'Källa: Kolada' and any other source, then jamfor's own part.")
    generated_at: str


class MunicipalityRowDoc(BaseModel):
    model_config = ConfigDict(extra="allow")

    kpi: str
    title: str
    polarity: str | None
    values: dict[str, float | None] = Field(description="Value per report year.")
    trend: str
    mean: float | None
    riket: float | None
    reference: float | None
    rank: int | None
    ranked: int
    colour: str
    comment: str


class MunicipalityReportDoc(ReportBase):
    municipality: NamedRef
    years: list[int]
    reference: dict[str, Any]
    measure_set: NamedRef | None
    perspectives: list[str]
    rows: list[MunicipalityRowDoc]


class NetworkReportDoc(ReportBase):
    network: NamedRef
    members: list[NamedRef]
    year: int
    measure_set: NamedRef | None
    perspectives: list[str]
    rows: list[dict[str, Any]] = Field(description="Per KPI: members {id: {value, rank, colour}}, mean, …")


class KpiReportDoc(ReportBase):
    kpi: dict[str, Any]
    year: int
    rows: list[dict[str, Any]] = Field(description="Ranked, best first: rank, municipality, value, colour.")
    missing: list[NamedRef]
    distribution: dict[str, Any]


# -- parameters -----------------------------------------------------------------------------------

Limit = Annotated[
    int, Query(ge=1, le=LIST_MAX_LIMIT, description=f"Items per page (at most {LIST_MAX_LIMIT}).")
]
Offset = Annotated[int, Query(ge=0, description="How many items to skip.")]
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


# -- helpers --------------------------------------------------------------------------------------


def attribution(source: str | None) -> str | None:
    """'Källa: Kolada' only for Kolada's values; anyone else's figures are named as theirs."""
    if not source:
        return None
    return KOLADA_LINE if source == KOLADA else f"Källa: {source}"


def source_lines(sources: Sequence[str | None]) -> list[str]:
    names = {s for s in sources if s}
    lines = [KOLADA_LINE] if KOLADA in names else []
    return lines + [f"Källa: {s}" for s in sorted(names - {KOLADA})]


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


class AreaNames:
    """The county and kommungrupp groups, to describe areas by name."""

    def __init__(self, store: Store) -> None:
        self.counties = {"00" + g.id.removeprefix("lan:"): g for g in store.groups("county")}
        self.kommungrupper = {g.id.removeprefix("kg:"): g for g in store.groups("kommungrupp")}

    def area(self, area: Area) -> AreaOut:
        county = self.counties.get(area.county_id or "")
        kg = self.kommungrupper.get(area.kommungrupp or "")
        kind: Literal["kommun", "region", "riket"] = (
            "riket" if area.id == RIKET else "kommun" if area.is_municipality else "region"
        )
        return AreaOut(
            id=area.id,
            title=area.title,
            type=area.type,
            kind=kind,
            county=None
            if county is None
            else CountyRef(id=county.id, title=county.title, region=area.county_id or ""),
            kommungrupp=None
            if kg is None
            else KommungruppRef(id=kg.id, code=area.kommungrupp or "", title=kg.title),
        )


def kpi_summary(kpi: Kpi) -> KpiSummary:
    return KpiSummary(**{name: getattr(kpi, name) for name in KpiSummary.model_fields})


def observation_out(o: Observation) -> ObservationOut:
    return ObservationOut(
        kpi=o.kpi,
        area=o.area,
        period=o.period,
        gender=o.gender,
        value=o.value,
        status=o.status,
        count=o.count,
        source=o.source,
        attribution=attribution(o.source),
    )


def revision_out(r: Revision) -> RevisionOut:
    return RevisionOut(
        value=r.value,
        status=r.status,
        count=r.count,
        source=r.source,
        attribution=attribution(r.source),
        batch_id=r.batch_id,
        imported_at=r.imported_at,
        replaced_at=r.replaced_at,
        replaced_by=r.replaced_by,
    )


def measure_set_out(m: MeasureSet) -> MeasureSetOut:
    return MeasureSetOut(
        id=m.id,
        title=m.title,
        description=m.description,
        source=m.source,
        era=m.era,
        perspectives=list(m.perspectives),
        measures=[
            MeasureOut(**{name: getattr(x, name) for name in MeasureOut.model_fields}) for x in m.measures
        ],
    )


def known_kpi(store: Store, kpi_id: str) -> Kpi:
    """The KPI with this id (any case), or a NotFoundError that names it."""
    found = store.kpis([kpi_id.strip().upper()])
    if not found:
        raise NotFoundError(f"no KPI with id {kpi_id.strip()!r}")
    return found[0]


def check_kpis_known(store: Store, ids: Sequence[str]) -> None:
    known = {k.id for k in store.kpis(ids)}
    unknown = [k for k in ids if k not in known]
    if len(unknown) == 1:
        raise NotFoundError(f"no KPI with id {unknown[0]!r}")
    if unknown:
        raise NotFoundError("no KPIs with the ids " + ", ".join(repr(k) for k in unknown))


def observation_page(
    store: Store,
    kpis: Sequence[str],
    areas: Sequence[str] | None,
    years: Sequence[int] | None,
    gender: str | None,
    limit: int,
    offset: int,
) -> tuple[int, list[Observation]]:
    """(how many match, one page of them) in the store's order: kpi, area, period, gender."""
    return store.observation_page(kpis, areas, years, gender, limit=limit, offset=offset)


def json_report(text: str | bytes) -> Response:
    """The renderer's JSON as it is: serialised once, by the renderer."""
    return Response(content=text, media_type="application/json")


# -- endpoints ------------------------------------------------------------------------------------


@router.get("/stats", summary="Counts of what the store holds", tags=["meta"])
def api_stats(access: Access) -> dict[str, int]:
    with access.using() as s:
        return s.stats().as_dict()


@router.get("/areas", summary="Municipalities, regions and Riket", tags=["areas"])
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
) -> AreaList:
    with access.using() as store:
        found = store.search_areas(q, limit=LIST_MAX_LIMIT) if q.strip() else store.areas()
        names = AreaNames(store)
    areas = [names.area(a) for a in found]
    if type is not None:
        kind = {"K": "kommun", "L": "region", "riket": "riket"}[type]
        areas = [a for a in areas if a.kind == kind]
    return AreaList(items=areas[offset : offset + limit], **page_info(request, len(areas), limit, offset))


@router.get("/areas/{area_id}", summary="One municipality, region or Riket", tags=["areas"])
def get_area(
    access: Access,
    area_id: Annotated[str, Path(max_length=200, description="An area id (1081) or name (Ronneby).")],
) -> AreaOut:
    with access.using() as store:
        area = store.resolve_area(area_id)
        return AreaNames(store).area(area)


@router.get(
    "/groups", summary="Groups of areas: kommungrupper, counties, Kolada groups, networks", tags=["groups"]
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
) -> GroupList:
    with access.using() as store:
        found = store.groups(kind, q.strip() or None)
    items = [GroupOut(id=g.id, title=g.title, kind=g.kind, source=g.source) for g in found]
    return GroupList(items=items[offset : offset + limit], **page_info(request, len(items), limit, offset))


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


@router.get("/kpis", summary="Search the KPI catalogue", tags=["kpis"])
def list_kpis(
    request: Request,
    access: Access,
    q: Search = "",
    kkik: Annotated[
        bool | None, Query(description="true: only KKiK measures; false: only the others.")
    ] = None,
    limit: Limit = LIST_LIMIT,
    offset: Offset = 0,
) -> KpiList:
    with access.using() as store:
        found = store.search_kpis(q, limit=100_000) if q.strip() else store.kpis()
    if kkik is not None:
        found = [k for k in found if bool(k.kkik) == kkik]
    items = [kpi_summary(k) for k in found[offset : offset + limit]]
    return KpiList(items=items, **page_info(request, len(found), limit, offset))


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


@router.get("/values", summary="Stored values (observations), a page at a time", tags=["values"])
def list_values(
    request: Request,
    access: Access,
    kpi: Annotated[
        str,
        Query(
            max_length=2000,
            description=f"KPI ids, comma-separated (at most {MAX_VALUE_KPIS}).",
            examples=["N00938,N11102"],
        ),
    ],
    area: Annotated[
        str | None,
        Query(
            max_length=5000,
            description=(
                f"Area ids or names, comma-separated (at most {MAX_VALUE_AREAS}); all areas if left out."
            ),
            examples=["1081,0000"],
        ),
    ] = None,
    year: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Years: 2020-2022 or 2020,2022; all if left out.",
            examples=["2020-2022"],
        ),
    ] = None,
    gender: Annotated[str, Query(max_length=10, description="T (total), K (women), M (men) or all.")] = "T",
    limit: Annotated[
        int, Query(ge=1, le=VALUES_MAX_LIMIT, description=f"Values per page (at most {VALUES_MAX_LIMIT}).")
    ] = VALUES_LIMIT,
    offset: Offset = 0,
) -> ValuesPage:
    kpi_ids = [k.upper() for k in split_list(kpi, "kpi", MAX_VALUE_KPIS) or []]
    if not kpi_ids:
        raise JamforError("kpi: give at least one KPI id, e.g. kpi=N00938")
    area_names = split_list(area, "area", MAX_VALUE_AREAS)
    years = parse_years(year, option="year")
    chosen_gender = None if check_choice("gender", gender, (*GENDERS, "all")) == "all" else gender
    with access.using() as store:
        check_kpis_known(store, kpi_ids)
        area_ids = (
            None if area_names is None else list(dict.fromkeys(store.resolve_area(a).id for a in area_names))
        )
        total, page = observation_page(store, kpi_ids, area_ids, years, chosen_gender, limit, offset)
    items = [observation_out(o) for o in page]
    return ValuesPage(
        query=ValuesQuery(kpi=kpi_ids, area=area_ids, year=years, gender=gender),
        items=items,
        sources=source_lines([o.source for o in page]),
        **page_info(request, total, limit, offset),
    )


@router.get(
    "/values/{kpi_id}/{area_id}/{year}/history",
    summary="One value now and its earlier versions",
    tags=["values"],
)
def value_history(
    access: Access,
    kpi_id: Annotated[str, Path(max_length=100, description="A KPI id.")],
    area_id: Annotated[str, Path(max_length=200, description="An area id or name.")],
    year: Annotated[int, Path(ge=1900, le=2200, description="The data year.")],
    gender: GenderParam = "T",
) -> ValueHistory:
    chosen = check_gender(gender, option="gender")
    with access.using() as store:
        kpi = known_kpi(store, kpi_id)
        area = store.resolve_area(area_id)
        current = store.observation(kpi.id, area.id, year, chosen)
        revisions = store.history(kpi.id, area.id, year, chosen)
    if current is None and not revisions:
        raise NotFoundError(f"no value of {kpi.id} for {area.id} {area.title} in {year} (gender {chosen})")
    return ValueHistory(
        kpi=kpi.id,
        area=area.id,
        period=year,
        gender=chosen,
        current=None if current is None else observation_out(current),
        revisions=[revision_out(r) for r in revisions],
    )


def _report_responses(model: type[BaseModel]) -> dict[int | str, dict[str, Any]]:
    return {
        200: {"model": model, "description": "The report, exactly as `jamfor report … -f json` writes it."}
    }


@router.get(
    "/reports/municipality/{area}",
    summary="A municipality's report (as `jamfor report municipality -f json`)",
    tags=["reports"],
    response_class=Response,
    responses=_report_responses(MunicipalityReportDoc),
)
def report_municipality(
    access: Access,
    area: Annotated[str, Path(max_length=200, description="A municipality id (1081) or name (Ronneby).")],
    set_name: SetParam = None,
    kpi: KpiListParam = None,
    years: Annotated[
        str | None,
        Query(
            max_length=200, description="Report years, e.g. 2015-2017 (default: the last three with data)."
        ),
    ] = None,
    gender: GenderParam = "T",
    colour: ColourParam = "quartile",
    reference: Annotated[
        str, Query(max_length=300, description="mean (ovägt medel), riket, or group:<id or name>.")
    ] = "mean",
) -> Response:
    measure_set, kpis = measures_from(set_name, kpi, allow_files=False, set_option="set", kpi_option="kpi")
    report_years = parse_years(years, option="years")
    chosen_gender = check_gender(gender, option="gender")
    scheme = check_colour(colour, option="colour")
    with access.using() as store:
        report = municipality_report(
            store,
            area,
            measure_set=measure_set,
            kpis=kpis,
            years=report_years,
            gender=chosen_gender,
            colour=scheme,
            reference=reference,
        )
    return json_report(render(report, "json"))


@router.get(
    "/reports/network/{group:path}",
    summary="A group's members side by side (as `jamfor report network -f json`)",
    tags=["reports"],
    response_class=Response,
    responses=_report_responses(NetworkReportDoc),
)
def report_network(
    access: Access,
    group: Annotated[str, Path(description="A group id (nornorna, kg:C7, lan:23) or its exact title.")],
    set_name: SetParam = None,
    kpi: KpiListParam = None,
    year: Annotated[
        int | None, Query(ge=1900, le=2200, description="Report year (default: the latest with data).")
    ] = None,
    gender: GenderParam = "T",
    colour: ColourParam = "quartile",
) -> Response:
    measure_set, kpis = measures_from(set_name, kpi, allow_files=False, set_option="set", kpi_option="kpi")
    chosen_gender = check_gender(gender, option="gender")
    scheme = check_colour(colour, option="colour")
    with access.using() as store:
        report = network_report(
            store, group, measure_set=measure_set, kpis=kpis, year=year, gender=chosen_gender, colour=scheme
        )
    return json_report(render(report, "json"))


@router.get(
    "/reports/kpi/{kpi_id}",
    summary="Every municipality ranked for one KPI (as `jamfor report kpi -f json`)",
    tags=["reports"],
    response_class=Response,
    responses=_report_responses(KpiReportDoc),
)
def report_kpi(
    access: Access,
    kpi_id: Annotated[str, Path(max_length=100, description="A KPI id, e.g. N00938.")],
    year: Annotated[
        int | None, Query(ge=1900, le=2200, description="The data year (default: the latest stored).")
    ] = None,
    gender: GenderParam = "T",
    colour: ColourParam = "quartile",
) -> Response:
    chosen_gender = check_gender(gender, option="gender")
    scheme = check_colour(colour, option="colour")
    with access.using() as store:
        kpi = known_kpi(store, kpi_id)
        report = kpi_report(store, kpi.id, year=year, gender=chosen_gender, colour=scheme)
    return json_report(render(report, "json"))


@router.get("/measure-sets", summary="The bundled measure sets and their measures", tags=["reports"])
def list_measure_sets() -> MeasureSetList:
    return MeasureSetList(items=[measure_set_out(m) for m in bundled_measure_sets().values()])
