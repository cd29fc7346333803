"""/api/v1/reports and /api/v1/measure-sets: the reports, as the exact text of `render(report, "json")`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query
from fastapi.responses import Response
from pydantic import BaseModel

from jamfor.measuresets import MeasureSet, bundled_measure_sets
from jamfor.render import render
from jamfor.reports import kpi_report, municipality_report, network_report
from jamfor.reports.options import check_colour, check_gender, measures_from, parse_years
from jamfor.web.api.errors import router
from jamfor.web.api.models import (
    KpiReportDoc,
    MeasureOut,
    MeasureSetList,
    MeasureSetOut,
    MunicipalityReportDoc,
    NetworkReportDoc,
)
from jamfor.web.api.params import Access, ColourParam, GenderParam, KpiListParam, SetParam, known_kpi


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


def json_report(text: str | bytes) -> Response:
    """The renderer's JSON as it is: serialised once, by the renderer."""
    return Response(content=text, media_type="application/json")


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
