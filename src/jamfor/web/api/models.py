"""The API's response models (pydantic), which are also its OpenAPI schemas."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


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
