"""Typed domain objects shared by the store, the importers, the reports and the CLI."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Gender = Literal["T", "K", "M"]
Polarity = Literal["higher", "lower", "none"]
GENDERS: tuple[Gender, ...] = ("T", "K", "M")
POLARITIES: tuple[Polarity, ...] = ("higher", "lower", "none")

RIKET = "0000"


@dataclass(frozen=True)
class Area:
    """Riket, a region (type L) or a municipality (type K)."""

    id: str
    title: str
    type: str
    county_id: str | None = None
    kommungrupp: str | None = None

    @property
    def is_municipality(self) -> bool:
        return self.type == "K"


@dataclass(frozen=True)
class Group:
    """A set of areas: a kommungrupp, a county, a Kolada group or a user-defined network."""

    id: str
    title: str
    kind: str
    source: str
    members: tuple[Area, ...] = ()


@dataclass(frozen=True)
class Kpi:
    """A KPI with Kolada's metadata and our curated presentation fields."""

    id: str
    title: str
    description: str | None = None
    is_divided_by_gender: bool | None = None
    municipality_type: str | None = None
    auspice: str | None = None
    operating_area: str | None = None
    perspective: str | None = None
    prel_publication_date: str | None = None
    publication_date: str | None = None
    publ_period: str | None = None
    has_ou_data: bool | None = None
    retired: bool = False
    origin: str = "kolada"
    catalogue: str | None = None
    polarity: Polarity | None = None
    colour_graded: bool | None = None
    unit: str | None = None
    decimals: int | None = None
    kkik: str | None = None


@dataclass(frozen=True)
class Observation:
    """One value: (kpi, area, period, gender) with where it came from."""

    kpi: str
    area: str
    period: int
    gender: str
    value: float | None
    status: str | None = None
    count: int | None = None
    source: str | None = None
    batch_id: int | None = None
    imported_at: datetime | None = None


@dataclass(frozen=True)
class Revision:
    """An earlier value of an observation, kept when a re-import changed it."""

    value: float | None
    status: str | None
    count: int | None
    source: str | None
    batch_id: int | None
    imported_at: datetime | None
    replaced_at: datetime
    replaced_by: int


@dataclass
class ImportSummary:
    """What one import did."""

    file: str
    kind: str
    rows: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    batch_id: int | None = None
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class StoreStats:
    areas: int
    groups: int
    kpis: int
    observations: int
    revisions: int

    def as_dict(self) -> dict[str, int]:
        return {
            "areas": self.areas,
            "groups": self.groups,
            "kpis": self.kpis,
            "observations": self.observations,
            "revisions": self.revisions,
        }
