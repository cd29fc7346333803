"""What a chart shows: the frozen dataclasses a page declares, and the error for one that cannot be drawn."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, Literal

from jamfor.errors import JamforError
from jamfor.model import Polarity
from jamfor.render.text import Lang
from jamfor.reports.model import Colour, ColourScheme

Role = Literal["subject", "reference", "peer"]
DistributionStyle = Literal["bars", "dots"]

# Subject and peer lines that can be told apart: each of the ten has its own colour, marker and dash.
MAX_SERIES: Final = 10
# Reference lines (Riket, ovägt medel) come on top, in black and grey, without taking one of the ten.
MAX_REFERENCES: Final = 3


class ChartError(JamforError):
    """A chart declaration that cannot be drawn (too many series, a bad id prefix, …)."""


@dataclass(frozen=True)
class Series:
    """One line of a trend chart: (year, value) points, None where the value is missing (a gap).

    `role` decides emphasis: the `subject` (the municipality the page is about) is drawn on top
    and thickest; `peer` lines (other municipalities, all equal) take the following styles of
    the palette; `reference` lines (Riket, ovägt medel) are black or grey with markers of
    their own, and do not count against the ten.
    """

    label: str
    points: tuple[tuple[int, float | None], ...]
    role: Role = "peer"


@dataclass(frozen=True)
class TrendChart:
    """Up to ten subject and peer series, plus up to three references, over years.

    `compact=True` draws a ~160×48 sparkline without text.
    """

    title: str
    series: tuple[Series, ...]
    unit: str | None = None
    decimals: int | None = None
    polarity: Polarity | None = None  # higher/lower adds "högre/lägre är bättre"
    lang: Lang = "sv"
    width: int | None = None  # default 640 (160 compact)
    height: int | None = None  # default 320, taller from ten series on (48 compact)
    compact: bool = False
    show_title: bool = True  # the title also as visible text (always in <title>)
    description: str | None = None  # added to the generated <desc>
    id_prefix: str | None = None  # default: derived from the content


@dataclass(frozen=True)
class AreaValue:
    """One municipality's value in a distribution: SCB code, name, value (None: missing)."""

    id: str
    name: str
    value: float | None


@dataclass(frozen=True)
class DistributionChart:
    """Every municipality's value for one KPI and year, sorted best first, quartiles marked."""

    title: str
    values: tuple[AreaValue, ...]
    polarity: Polarity | None = None  # none/None: sorted highest first, no better or worse
    highlight: str | None = None  # area id, labelled by name
    unit: str | None = None
    decimals: int | None = None
    style: DistributionStyle = "bars"  # bars start at zero; dots use the data's range
    lang: Lang = "sv"
    width: int = 640
    height: int = 300
    show_title: bool = True
    description: str | None = None
    id_prefix: str | None = None


@dataclass(frozen=True)
class QuartileMap:
    """Sweden's municipalities coloured by class: area id ("1081") → colour of `scheme`.

    Municipalities missing from `classes` are grey ("uppgift saknas"). `values` are shown in
    each municipality's tooltip and the data table: numbers are formatted with `decimals`,
    strings shown as given. `href` makes each municipality a link: "/kommun/{id}".
    """

    title: str
    classes: Mapping[str, Colour]
    values: Mapping[str, float | str | None] = field(default_factory=dict)
    scheme: ColourScheme = "quartile"
    reference_label: str | None = None  # the reference scheme's reference: "Riket"
    decimals: int | None = None
    unit: str | None = None
    highlight: str | None = None
    href: str | None = None
    names: Mapping[str, str] = field(default_factory=dict)  # override the bundled names
    insets: bool = True  # enlarged Stockholm, Göteborg and Malmö
    lang: Lang = "sv"
    show_title: bool = True
    description: str | None = None
    id_prefix: str | None = None


Chart = TrendChart | DistributionChart | QuartileMap
