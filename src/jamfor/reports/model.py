"""What a report contains: plain data, no formatting. Renderers in `jamfor.render` format it.

Values are floats at full precision; `decimals` says how many a renderer shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Colour = Literal["green", "lightgreen", "yellow", "orange", "red", "grey", "none"]
Trend = Literal["improved", "worsened", "unchanged", "increased", "decreased", "none"]
ColourScheme = Literal["quartile", "quartile4", "reference"]


@dataclass(frozen=True)
class Named:
    """An area (or group) by id and name."""

    id: str
    name: str


@dataclass(frozen=True)
class KpiDefinition:
    """What a measure in a report means: its definition from the KPI catalogue and its source.

    `source` is "Kolada" for Kolada's KPIs and the owner's name for our own KPIs; a renderer
    prints it as it is and never labels our own figures as Kolada's.
    """

    kpi: str
    title: str
    description: str | None
    unit: str | None
    source: str


@dataclass(frozen=True)
class Extreme:
    """The best or worst municipalities for a measure and year (ties included)."""

    areas: tuple[Named, ...]
    value: float


@dataclass(frozen=True)
class Reference:
    """The reference a report compares with: what it is and its value per year."""

    kind: Literal["mean", "riket", "group"]
    label: str  # "Ovägt medel, alla kommuner", "Riket", "Kommungrupp C7 …"
    group: Named | None = None


@dataclass
class MunicipalityRow:
    """One measure of a municipality report."""

    kpi: str
    title: str
    perspective: str
    polarity: str | None  # higher | lower | none | None (not curated)
    unit: str | None
    decimals: int | None
    colour_graded: bool
    year_offset: int
    values: dict[int, float | None]  # report year → value of the data year (report year + offset)
    data_years: dict[int, int]  # report year → data year
    trend: Trend
    direction: Literal["up", "down", "flat"] | None
    mean: float | None  # unweighted mean of all municipalities, last report year
    mean_count: int
    riket: float | None  # Riket (0000) as published, last report year
    median: float | None
    best: Extreme | None
    worst: Extreme | None
    reference: float | None  # the chosen reference's value for the last report year
    reference_count: int | None  # members with a value, for a group reference
    rank: int | None
    ranked: int
    colour: Colour
    comment: str
    source: str | None  # where the municipality's values came from ("Kolada", own …)
    note: str | None = None  # the measure set's comment


@dataclass
class MunicipalityReport:
    municipality: Named
    years: list[int]
    gender: str
    colour_scheme: ColourScheme
    reference: Reference
    measure_set: Named | None  # None for a plain KPI list
    perspectives: list[str]  # display order
    rows: list[MunicipalityRow]
    sources: list[str]  # e.g. ["Källa: Kolada"], own sources named separately
    generated_at: datetime = field(default_factory=datetime.now)
    definitions: list[KpiDefinition] = field(default_factory=list)  # one per row's KPI, row order


@dataclass
class NetworkCell:
    value: float | None
    rank: int | None
    colour: Colour


@dataclass
class NetworkRow:
    kpi: str
    title: str
    perspective: str
    polarity: str | None
    unit: str | None
    decimals: int | None
    data_year: int
    members: dict[str, NetworkCell]  # member id → cell
    ranked: int
    best: Extreme | None
    worst: Extreme | None
    mean: float | None
    riket: float | None
    network_mean: float | None
    network_count: int


@dataclass
class NetworkReport:
    group: Named
    members: list[Named]
    year: int
    gender: str
    colour_scheme: ColourScheme
    measure_set: Named | None
    perspectives: list[str]
    rows: list[NetworkRow]
    sources: list[str]
    generated_at: datetime = field(default_factory=datetime.now)
    definitions: list[KpiDefinition] = field(default_factory=list)  # one per row's KPI, row order


@dataclass
class KpiRankRow:
    rank: int
    area: Named
    value: float
    colour: Colour
    county: str | None
    kommungrupp: str | None


@dataclass
class Distribution:
    count: int  # municipalities with a value
    missing: int  # municipalities without one
    minimum: float | None
    q1: float | None
    median: float | None
    q3: float | None
    maximum: float | None
    mean: float | None  # unweighted
    riket: float | None
    bins: list[tuple[float, float, int]]  # (from, to, count) for a histogram


@dataclass
class KpiReport:
    kpi: str
    title: str
    description: str | None
    polarity: str | None
    unit: str | None
    decimals: int | None
    year: int
    gender: str
    colour_scheme: ColourScheme
    rows: list[KpiRankRow]  # ranked, best first
    missing: list[Named]  # municipalities without a value ("uppgift saknas")
    distribution: Distribution
    sources: list[str]
    generated_at: datetime = field(default_factory=datetime.now)
