"""/api/v1/values: stored values a page at a time, and one value's history."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import Path, Query, Request

from jamfor.errors import JamforError, NotFoundError
from jamfor.model import GENDERS, Observation, Revision
from jamfor.reports.data import KOLADA
from jamfor.reports.options import check_choice, check_gender, parse_years
from jamfor.store import Store
from jamfor.web.api.errors import router
from jamfor.web.api.models import ObservationOut, RevisionOut, ValueHistory, ValuesPage, ValuesQuery
from jamfor.web.api.params import (
    KOLADA_LINE,
    MAX_VALUE_AREAS,
    MAX_VALUE_KPIS,
    VALUES_LIMIT,
    VALUES_MAX_LIMIT,
    Access,
    GenderParam,
    Offset,
    check_kpis_known,
    known_kpi,
    page_info,
    split_list,
)


def attribution(source: str | None) -> str | None:
    """'Källa: Kolada' only for Kolada's values; anyone else's figures are named as theirs."""
    if not source:
        return None
    return KOLADA_LINE if source == KOLADA else f"Källa: {source}"


def source_lines(sources: Sequence[str | None]) -> list[str]:
    names = {s for s in sources if s}
    lines = [KOLADA_LINE] if KOLADA in names else []
    return lines + [f"Källa: {s}" for s in sorted(names - {KOLADA})]


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
