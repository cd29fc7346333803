"""A Kolada-compatible API under /kolada/v3, serving whatever the store holds.

The routes, parameters and envelope are Kolada v3's, so Kolada clients (koladapy, rKolada, our
own sync) can read our store as they read Kolada: Kolada's figures and the municipalities' own.
Where Kolada's behaviour is not documented, the choices are ours and docs/kolada-api.md says
which. Errors are `{"detail": "<sentence>"}` with 400 (bad input) or 503 (database).
"""

from __future__ import annotations

import re
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Coroutine, Hashable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel

from jamfor.errors import DatabaseError, JamforError
from jamfor.model import Area, Kpi
from jamfor.store import Store
from jamfor.store.kolada_reads import DataPage, DataQuery, Key, KoladaValue, data_page, group_members
from jamfor.web.access import StoreAccess, store_access

PREFIX: Final = "/kolada/v3"
MAX_LIST_ITEMS: Final = 25
PER_PAGE_MAX: Final = 5000
PER_PAGE_DEFAULT: Final = 5000
KPI_FIELDS: Final = (
    "id",
    "title",
    "description",
    "is_divided_by_gender",
    "municipality_type",
    "auspice",
    "operating_area",
    "perspective",
    "prel_publication_date",
    "publication_date",
    "publ_period",
    "has_ou_data",
)


class KoladaRequestError(JamforError):
    """A request Kolada would refuse: too many ids in a list, per_page over 5000, a bad year."""


def error_response(status: int, message: str) -> JSONResponse:
    return JSONResponse({"detail": message}, status_code=status)


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for fault in exc.errors():
        loc = [str(p) for p in fault.get("loc", ())]
        name = loc[-1] if len(loc) > 1 else "request"
        given = f" (got {fault['input']!r})" if isinstance(fault.get("input"), str | int) else ""
        parts.append(f"{name}: {fault.get('msg', 'invalid')}{given}")
    return "; ".join(parts) or "invalid request"


class KoladaRoute(APIRoute):
    """A route whose errors come back in Kolada's style, `{"detail": …}`, in any app."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                return error_response(400, _validation_message(exc))
            except DatabaseError as exc:
                return error_response(503, str(exc))
            except JamforError as exc:
                return error_response(400, str(exc))

        return handle


class KoladaError(BaseModel):
    """The body of an error answer, as Kolada's: `{"detail": "…"}`."""

    detail: str


router = APIRouter(
    prefix=PREFIX,
    route_class=KoladaRoute,
    tags=["kolada"],
    responses={
        400: {"model": KoladaError, "description": "A parameter Kolada would reject (named in `detail`)."},
        503: {"model": KoladaError, "description": "The database cannot be reached."},
    },
)

Access = Annotated[StoreAccess, Depends(store_access)]
PerPage = Annotated[int, Query(ge=1, description=f"Items per page, at most {PER_PAGE_MAX} (the default).")]
PageNumber = Annotated[int, Query(ge=1, description="The page, from 1.")]
Title = Annotated[str | None, Query(max_length=500, description="Words in the title (case-insensitive).")]
FromDate = Annotated[
    str | None,
    Query(max_length=20, description="YYYY-MM-DD: only values imported, changed or deleted since then."),
]
After = Annotated[
    str | None,
    Query(
        max_length=200,
        description="Ours, not Kolada's: the last key of the previous page (kpi,municipality,period); "
        "next_url carries it so that following pages is cheap. Clients need not know it.",
    ),
]
IdList = Annotated[
    str, Path(max_length=5000, description=f"Ids, comma-separated (at most {MAX_LIST_ITEMS}).")
]
YearList = Annotated[
    str, Path(max_length=500, description=f"Years, comma-separated (at most {MAX_LIST_ITEMS}).")
]
QueryList = Annotated[
    list[str] | None,
    Query(description=f"Comma-separated or repeated (at most {MAX_LIST_ITEMS} in all)."),
]


# -- parameters -----------------------------------------------------------------------------------


def id_list(values: str | Sequence[str] | None, name: str) -> tuple[str, ...] | None:
    """'a,b' (or repeated parameters) as ('a', 'b'); None for nothing given; an error beyond 25."""
    if values is None:
        return None
    texts = [values] if isinstance(values, str) else list(values)
    items = [part.strip() for text in texts for part in text.split(",") if part.strip()]
    if not items:
        return None
    if len(items) > MAX_LIST_ITEMS:
        raise KoladaRequestError(
            f"{name}: {len(items)} items given, at most {MAX_LIST_ITEMS} are allowed in one list"
        )
    return tuple(dict.fromkeys(items))


def year_list(values: str | Sequence[str] | None, name: str = "year") -> tuple[int, ...] | None:
    items = id_list(values, name)
    if items is None:
        return None
    bad = [y for y in items if not re.fullmatch(r"\d{4}", y)]
    if bad:
        raise KoladaRequestError(f"{name}: {bad[0]!r} is not a year (four digits)")
    return tuple(int(y) for y in items)


def parse_from_date(text: str | None) -> datetime | None:
    if text is None or not text.strip():
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
            raise ValueError(text)
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise KoladaRequestError(f"from_date: {text!r} is not a date as YYYY-MM-DD") from None
    return datetime(day.year, day.month, day.day)


def parse_after(text: str | None) -> Key | None:
    if text is None or not text.strip():
        return None
    parts = text.split(",")
    if len(parts) != 3 or not re.fullmatch(r"\d{4}", parts[2]):
        raise KoladaRequestError(f"after: {text!r} is not a key kpi,municipality,period")
    return (parts[0], parts[1], int(parts[2]))


def check_per_page(per_page: int) -> None:
    if per_page > PER_PAGE_MAX:
        raise KoladaRequestError(f"per_page: {per_page} asked for, at most {PER_PAGE_MAX} are allowed")


@dataclass(frozen=True)
class PageChoice:
    """Which page of an answer: per_page items (at most 5000), page from 1."""

    per_page: int
    page: int


def page_choice(per_page: PerPage = PER_PAGE_DEFAULT, page: PageNumber = 1) -> PageChoice:
    check_per_page(per_page)
    return PageChoice(per_page, page)


@dataclass(frozen=True)
class DataOptions:
    """The parameters every data route takes besides what it selects."""

    since: datetime | None
    paging: PageChoice
    after: Key | None


def data_options(
    from_date: FromDate = None,
    per_page: PerPage = PER_PAGE_DEFAULT,
    page: PageNumber = 1,
    after: After = None,
) -> DataOptions:
    return DataOptions(parse_from_date(from_date), page_choice(per_page, page), parse_after(after))


Paging = Annotated[PageChoice, Depends(page_choice)]
Options = Annotated[DataOptions, Depends(data_options)]


# -- the envelope ---------------------------------------------------------------------------------


def _page_url(request: Request, page: int, per_page: int, after: str | None = None) -> str:
    url = request.url.remove_query_params("after").include_query_params(page=page, per_page=per_page)
    if after is not None:
        url = url.include_query_params(after=after)
    return str(url)


def envelope(
    request: Request, values: list[Any], paging: PageChoice, *, has_next: bool, after: str | None = None
) -> JSONResponse:
    """Kolada's envelope: the items, how many there are on this page, and absolute page links."""
    page, per_page = paging.page, paging.per_page
    return JSONResponse(
        {
            "values": values,
            "count": len(values),
            "next_url": _page_url(request, page + 1, per_page, after) if has_next else None,
            "previous_url": _page_url(request, page - 1, per_page) if page > 1 else None,
        }
    )


def listing(request: Request, items: Sequence[dict[str, Any]], paging: PageChoice) -> JSONResponse:
    """A metadata list (small: the store holds at most some thousands) as one page of it."""
    start = (paging.page - 1) * paging.per_page
    chunk = list(items[start : start + paging.per_page])
    return envelope(request, chunk, paging, has_next=start + paging.per_page < len(items))


def _folded(text: str) -> str:
    return " ".join(text.casefold().split())


def title_matches(title: str, search: str | None) -> bool:
    """Kolada's `title=`: the title contains the text, ignoring case and extra spaces."""
    return search is None or _folded(search) in _folded(title)


# -- shapes ---------------------------------------------------------------------------------------


def kpi_item(kpi: Kpi) -> dict[str, Any]:
    return {name: getattr(kpi, name) for name in KPI_FIELDS}


def municipality_item(area: Area) -> dict[str, Any]:
    return {"id": area.id, "title": area.title, "type": area.type}


def data_rows(values: Sequence[KoladaValue]) -> list[dict[str, Any]]:
    """Values grouped as Kolada's data rows: one per (kpi, municipality, period), genders inside."""
    rows: list[dict[str, Any]] = []
    for v in values:
        head = rows[-1] if rows else None
        if head is None or (head["kpi"], head["municipality"], head["period"]) != (v.kpi, v.area, v.period):
            rows.append({"kpi": v.kpi, "municipality": v.area, "period": v.period, "values": []})
        rows[-1]["values"].append(
            {
                "gender": v.gender,
                "value": v.value,
                "status": v.status,
                "count": v.count,
                "isdeleted": v.deleted,
            }
        )
    return rows


# -- metadata -------------------------------------------------------------------------------------


@router.get("/kpi", summary="The KPI catalogue (Kolada's and the municipalities' own)")
def list_kpis(request: Request, access: Access, paging: Paging, title: Title = None) -> Response:
    with access.using() as store:
        kpis = store.kpis()
    return listing(request, [kpi_item(k) for k in kpis if title_matches(k.title, title)], paging)


@router.get("/kpi/{ids}", summary="KPIs by id")
def get_kpis(request: Request, access: Access, ids: IdList, paging: Paging) -> Response:
    wanted = id_list(ids, "kpi") or ()
    with access.using() as store:
        kpis = store.kpis(list(wanted))
    return listing(request, [kpi_item(k) for k in kpis], paging)


@router.get("/kpi_groups", summary="KPI groups (the store holds none: an empty list)")
def list_kpi_groups(request: Request, paging: Paging, title: Title = None) -> Response:
    return listing(request, [], paging)


@router.get("/kpi_groups/{ids}", summary="KPI groups by id (the store holds none)")
def get_kpi_groups(request: Request, ids: IdList, paging: Paging) -> Response:
    id_list(ids, "kpi_groups")
    return listing(request, [], paging)


@router.get("/municipality", summary="Municipalities, regions and Riket")
def list_municipalities(
    request: Request,
    access: Access,
    paging: Paging,
    title: Title = None,
    region_type: Annotated[str | None, Query(max_length=5, description="K or L.")] = None,
    type: Annotated[
        str | None, Query(max_length=5, description="The same as region_type (koladapy).")
    ] = None,
) -> Response:
    kind = region_type or type
    if kind is not None and kind not in ("K", "L"):
        raise KoladaRequestError(f"region_type: {kind!r} is not K (municipality) or L (region)")
    with access.using() as store:
        areas = store.areas(kind)
    return listing(request, [municipality_item(a) for a in areas if title_matches(a.title, title)], paging)


@router.get("/municipality/{ids}", summary="Municipalities by id")
def get_municipalities(request: Request, access: Access, ids: IdList, paging: Paging) -> Response:
    wanted = set(id_list(ids, "municipality") or ())
    with access.using() as store:
        areas = store.areas()
    return listing(request, [municipality_item(a) for a in areas if a.id in wanted], paging)


def _group_items(store: Store, ids: Sequence[str] | None, title: str | None) -> list[dict[str, Any]]:
    groups = [g for g in store.groups() if (ids is None or g.id in ids) and title_matches(g.title, title)]
    members = group_members(store, [g.id for g in groups])
    return [
        {
            "id": g.id,
            "title": g.title,
            "members": [{"member_id": mid, "member_title": mtitle} for mid, mtitle in members.get(g.id, [])],
        }
        for g in sorted(groups, key=lambda g: g.id)
    ]


@router.get("/municipality_groups", summary="Groups of municipalities, with their members")
def list_municipality_groups(
    request: Request, access: Access, paging: Paging, title: Title = None
) -> Response:
    with access.using() as store:
        items = _group_items(store, None, title)
    return listing(request, items, paging)


@router.get("/municipality_groups/{ids}", summary="Groups of municipalities by id")
def get_municipality_groups(request: Request, access: Access, ids: IdList, paging: Paging) -> Response:
    wanted = id_list(ids, "municipality_groups") or ()
    with access.using() as store:
        items = _group_items(store, wanted, None)
    return listing(request, items, paging)


@router.get("/ou", summary="Organisational units (the store holds none: an empty list)")
def list_ous(
    request: Request,
    paging: Paging,
    title: Title = None,
    municipality: Annotated[str | None, Query(max_length=5000, description="Municipality ids.")] = None,
) -> Response:
    id_list(municipality, "municipality")
    return listing(request, [], paging)


@router.get("/ou/{ids}", summary="Organisational units by id (the store holds none)")
def get_ous(request: Request, ids: IdList, paging: Paging) -> Response:
    id_list(ids, "ou")
    return listing(request, [], paging)


# -- data -----------------------------------------------------------------------------------------


class PageStarts:
    """Where the pages of recent data queries start, so that page N + 1 asked for by number
    (koladapy counts pages itself) costs what following next_url costs.

    Keyed by the store's data version: once the data change, pages are counted afresh.
    """

    def __init__(self, size: int = 4096) -> None:
        self._starts: OrderedDict[Hashable, Key] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Key | None:
        with self._lock:
            found = self._starts.get(key)
            if found is not None:
                self._starts.move_to_end(key)
            return found

    def put(self, key: Hashable, start: Key) -> None:
        with self._lock:
            self._starts[key] = start
            self._starts.move_to_end(key)
            while len(self._starts) > self._size:
                self._starts.popitem(last=False)


_page_starts: weakref.WeakKeyDictionary[StoreAccess, PageStarts] = weakref.WeakKeyDictionary()
_page_starts_lock = threading.Lock()


def page_starts(access: StoreAccess) -> PageStarts:
    with _page_starts_lock:
        return _page_starts.setdefault(access, PageStarts())


def serve_data(
    request: Request,
    access: StoreAccess,
    options: DataOptions,
    *,
    kpis: tuple[str, ...] | None = None,
    areas: tuple[str, ...] | None = None,
    years: tuple[int, ...] | None = None,
) -> JSONResponse:
    query = DataQuery(kpis=kpis, areas=areas, years=years, since=options.since)
    paging = options.paging
    starts = page_starts(access)
    with access.using() as store:
        after, version = options.after, None
        if after is None:
            version = store.data_version()
            if paging.page > 1:
                after = starts.get((version, query, paging.per_page, paging.page))
        found: DataPage = data_page(
            store, query, limit=paging.per_page, offset=(paging.page - 1) * paging.per_page, after=after
        )
    last = found.last_key
    if version is not None and last is not None and found.has_next:
        starts.put((version, query, paging.per_page, paging.page + 1), last)
    cursor = None if last is None else f"{last[0]},{last[1]},{last[2]}"
    return envelope(request, data_rows(found.values), paging, has_next=found.has_next, after=cursor)


@router.get("/data/kpi/{kpi}/municipality/{municipality}/year/{year}", summary="Values: KPIs × areas × years")
def data_kpi_municipality_year(
    request: Request, access: Access, kpi: IdList, municipality: IdList, year: YearList, options: Options
) -> Response:
    kpis, areas, years = id_list(kpi, "kpi"), id_list(municipality, "municipality"), year_list(year)
    return serve_data(request, access, options, kpis=kpis, areas=areas, years=years)


@router.get("/data/kpi/{kpi}/year/{year}", summary="Values: KPIs × years, every area")
def data_kpi_year(
    request: Request, access: Access, kpi: IdList, year: YearList, options: Options
) -> Response:
    return serve_data(request, access, options, kpis=id_list(kpi, "kpi"), years=year_list(year))


@router.get("/data/kpi/{kpi}/municipality/{municipality}", summary="Values: KPIs × areas, every year")
def data_kpi_municipality(
    request: Request, access: Access, kpi: IdList, municipality: IdList, options: Options
) -> Response:
    kpis, areas = id_list(kpi, "kpi"), id_list(municipality, "municipality")
    return serve_data(request, access, options, kpis=kpis, areas=areas)


@router.get("/data/municipality/{municipality}/year/{year}", summary="Values: areas × years, every KPI")
def data_municipality_year(
    request: Request, access: Access, municipality: IdList, year: YearList, options: Options
) -> Response:
    areas, years = id_list(municipality, "municipality"), year_list(year)
    return serve_data(request, access, options, areas=areas, years=years)


@router.get("/data", summary="Values by query parameters")
@router.get("/data/", include_in_schema=False)
def data_query(
    request: Request,
    access: Access,
    options: Options,
    kpi_id: QueryList = None,
    municipality_id: QueryList = None,
    year: QueryList = None,
) -> Response:
    kpis = id_list(kpi_id, "kpi_id")
    areas = id_list(municipality_id, "municipality_id")
    years = year_list(year)
    if kpis is None and areas is None and years is None:
        raise KoladaRequestError("give at least one of kpi_id, municipality_id and year")
    return serve_data(request, access, options, kpis=kpis, areas=areas, years=years)


# Organisational units: the store holds none, so every answer is an honest empty page; the
# parameters are still checked as Kolada checks them.


@router.get("/oudata/kpi/{kpi}/ou/{ou}/year/{year}", summary="Unit values (none stored)")
def oudata_kpi_ou_year(
    request: Request, kpi: IdList, ou: IdList, year: YearList, options: Options
) -> Response:
    id_list(kpi, "kpi")
    id_list(ou, "ou")
    year_list(year)
    return listing(request, [], options.paging)


@router.get("/oudata/kpi/{kpi}/year/{year}", summary="Unit values (none stored)")
def oudata_kpi_year(request: Request, kpi: IdList, year: YearList, options: Options) -> Response:
    id_list(kpi, "kpi")
    year_list(year)
    return listing(request, [], options.paging)


@router.get("/oudata/kpi/{kpi}/ou/{ou}", summary="Unit values (none stored)")
def oudata_kpi_ou(request: Request, kpi: IdList, ou: IdList, options: Options) -> Response:
    id_list(kpi, "kpi")
    id_list(ou, "ou")
    return listing(request, [], options.paging)


@router.get("/oudata/ou/{ou}/year/{year}", summary="Unit values (none stored)")
def oudata_ou_year(request: Request, ou: IdList, year: YearList, options: Options) -> Response:
    id_list(ou, "ou")
    year_list(year)
    return listing(request, [], options.paging)


@router.get("/oudata", summary="Unit values by query parameters (none stored)")
@router.get("/oudata/", include_in_schema=False)
def oudata_query(
    request: Request,
    options: Options,
    kpi_id: QueryList = None,
    ou_id: QueryList = None,
    year: QueryList = None,
) -> Response:
    id_list(kpi_id, "kpi_id")
    id_list(ou_id, "ou_id")
    year_list(year)
    return listing(request, [], options.paging)
