"""/api/v1/values: stored values a page at a time, and one value's history."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import Path, Query, Request
from fastapi.responses import Response

from jamfor.errors import JamforError, NotFoundError
from jamfor.model import GENDERS, Observation, Revision
from jamfor.reports.data import KOLADA
from jamfor.reports.options import check_choice, check_gender, parse_years
from jamfor.web.api.encode import JsonBody, finite
from jamfor.web.api.errors import router
from jamfor.web.api.models import ObservationOut, RevisionOut, ValueHistory, ValuesPage
from jamfor.web.api.params import (
    KOLADA_LINE,
    MAX_VALUE_AREAS,
    MAX_VALUE_KPIS,
    VALUES_LIMIT,
    VALUES_MAX_LIMIT,
    Access,
    GenderParam,
    Offset,
    known_kpi,
    page_info,
    report_unknown_kpis,
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


@router.get(
    "/values",
    summary="Stored values (observations), a page at a time",
    tags=["values"],
    response_model=ValuesPage,
    response_class=JsonBody,
)
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
) -> Response:
    kpi_ids = [k.upper() for k in split_list(kpi, "kpi", MAX_VALUE_KPIS) or []]
    if not kpi_ids:
        raise JamforError("kpi: give at least one KPI id, e.g. kpi=N00938")
    area_names = split_list(area, "area", MAX_VALUE_AREAS)
    years = parse_years(year, option="year")
    chosen_gender = None if check_choice("gender", gender, (*GENDERS, "all")) == "all" else gender
    with access.using() as store:
        area_ids = (
            None if area_names is None else list(dict.fromkeys(store.resolve_area(a).id for a in area_names))
        )
        rows = store.value_rows(kpi_ids, area_ids, years, chosen_gender, limit=limit, offset=offset)
        # Imports take values of catalogued KPIs only, so a KPI with a value here is known;
        # the catalogue is asked about the others (all of them for an empty page).
        seen = {row[0] for row in rows}
        unseen = [k for k in kpi_ids if k not in seen]
        if unseen:
            report_unknown_kpis(unseen, store.known_kpi_ids(unseen))
        # The count is a second query; a page that is not full says it without one.
        if (rows and len(rows) < limit) or (not rows and offset == 0):
            total = offset + len(rows)
        else:
            total = store.value_count(kpi_ids, area_ids, years, chosen_gender)
    return JsonBody(values_page(request, rows, total, kpi_ids, area_ids, years, gender, limit, offset))


def values_page(
    request: Request,
    rows: Sequence[tuple[str, str, int, str, float | None, str | None, int | None, str | None]],
    total: int,
    kpis: list[str],
    areas: list[str] | None,
    years: list[int] | None,
    gender: str,
    limit: int,
    offset: int,
) -> dict[str, Any]:
    """A `ValuesPage` as plain data, key for key (`test_api_fast` holds the two together)."""
    attributions: dict[str | None, str | None] = {}
    items = []
    for kpi, area, period, sex, value, status, count, source in rows:
        if source not in attributions:
            attributions[source] = attribution(source)
        items.append(
            {
                "kpi": kpi,
                "area": area,
                "period": period,
                "gender": sex,
                "value": finite(value),
                "status": status,
                "count": count,
                "source": source,
                "attribution": attributions[source],
            }
        )
    return {
        **page_info(request, total, limit, offset),
        "query": {"kpi": kpis, "area": areas, "year": years, "gender": gender},
        "items": items,
        "sources": source_lines(list(attributions)),
    }


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
