"""The short Swedish comment under each measure of a municipality report, in the manner of seed 000.

"Bland de 25 % bästa i riket, plats 17 av 290. Trenden är förbättrad." The comment repeats in
words what the colour and the arrow say, so colour never carries the meaning alone.
"""

from __future__ import annotations

from typing import Final

from jamfor.compute import (
    Colour,
    Rank,
    Scheme,
    TrendResult,
    compare_at_precision,
    reference_comparison,
    swedish_number,
    trend_label,
)
from jamfor.model import Polarity
from jamfor.reports.data import MIN_QUARTILE_RANKED, ReferenceChoice
from jamfor.reports.model import MunicipalityRow

QUARTILE_PHRASES: Final[dict[Colour, str]] = {
    "green": "Bland de 25 % bästa i riket",
    "lightgreen": "I den näst bästa fjärdedelen av riket",
    "yellow": "I mitten av riket",
    "orange": "I den näst sämsta fjärdedelen av riket",
    "red": "Bland de 25 % sämsta i riket",
}


def place_text(place: Rank) -> str:
    """ "plats 17 av 290", "delad plats 2 av 290"."""
    shared = "delad " if place.is_shared else ""
    return f"{shared}plats {place.rank} av {place.ranked}"


def number_text(value: float | None, decimals: int | None, unit: str | None = None) -> str:
    text = swedish_number(value, decimals)
    return f"{text} {unit}" if unit and value is not None else text


def missing_sentence(year: int, data_year: int) -> str:
    """ "Uppgift saknas för 2017." (with the data year when it differs from the report year)."""
    if data_year != year:
        return f"Uppgift saknas för {year} (dataår {data_year})."
    return f"Uppgift saknas för {year}."


def quartile_sentence(colour: Colour, place: Rank | None) -> str:
    if place is None:
        return ""
    if place.ranked < MIN_QUARTILE_RANKED:
        return f"För få kommuner med uppgift ({place.ranked}) för en jämförelse med riket."
    phrase = QUARTILE_PHRASES.get(colour)
    if phrase is None:
        return f"{place_text(place).capitalize()}."
    return f"{phrase}, {place_text(place)}."


def ungraded_sentence(row: MunicipalityRow, value: float, place: Rank | None) -> str:
    """Costs (and other ungraded measures with a polarity): the figure and its place, no judgement."""
    cost = row.polarity == "lower"
    subject = "Kostnaden" if cost else "Värdet"
    sentence = f"{subject} är {number_text(value, row.decimals, row.unit)}"
    if place is not None:
        first = "lägst kostnad" if cost else "högst värde" if row.polarity == "higher" else "lägst värde"
        sentence += f", {place_text(place)} ({first} = plats 1)"
    return sentence + "."


def reference_sentence(row: MunicipalityRow, value: float, reference: ReferenceChoice) -> str:
    """ "Över rikssnittet (55).", "I nivå med rikssnittet (6,6).", "Kan inte jämföras: …"."""
    polarity: Polarity | None = (
        "higher" if row.polarity == "higher" else "lower" if row.polarity == "lower" else None
    )
    comparison = reference_comparison(value, row.reference, polarity, row.decimals)
    if comparison == "not_comparable" or row.reference is None:
        return f"Kan inte jämföras: uppgift saknas för {reference.missing_in}."
    shown = swedish_number(row.reference, row.decimals)
    if comparison == "equal":
        return f"I nivå med {reference.phrase} ({shown})."
    above = compare_at_precision(value, row.reference, row.decimals) > 0
    sentence = f"{'Över' if above else 'Under'} {reference.phrase} ({shown})"
    if row.polarity == "lower":  # below is the good side: say so
        sentence += ", vilket är bättre" if comparison == "better" else ", vilket är sämre"
    return sentence + "."


def trend_sentence(row: MunicipalityRow, trend: TrendResult, years: list[int]) -> str:
    """ "Trenden är förbättrad.", or for measures without polarity "Värdet har ökat från 28 till 29."."""
    if trend.trend == "none" or trend.first_year is None or trend.last_year is None:
        return ""
    span = (
        ""
        if (trend.first_year, trend.last_year) == (years[0], years[-1])
        else (f" {trend.first_year}–{trend.last_year}")
    )
    if row.polarity in ("higher", "lower"):
        return f"Trenden{span} är {trend_label(trend.trend)}."
    last = number_text(row.values.get(trend.last_year), row.decimals)
    if trend.trend == "unchanged":
        return f"Värdet är oförändrat{span} ({last})."
    first = number_text(row.values.get(trend.first_year), row.decimals)
    verb = "ökat" if trend.trend == "increased" else "minskat"
    return f"Värdet har {verb}{span} från {first} till {last}."


def municipality_comment(
    row: MunicipalityRow,
    *,
    scheme: Scheme,
    reference: ReferenceChoice,
    place: Rank | None,
    trend: TrendResult,
) -> str:
    """The comment for one row: where the value stands (by the colour scheme), then the trend."""
    years = sorted(row.values)
    last = years[-1]
    value = row.values[last]
    if value is None:
        first = missing_sentence(last, row.data_years[last])
    elif row.polarity not in ("higher", "lower"):
        first = ""  # descriptive: no better or worse, only how the value moved
    elif not row.colour_graded:
        first = ungraded_sentence(row, value, place)
    elif scheme == "reference":
        first = reference_sentence(row, value, reference)
        if place is not None and place.ranked >= MIN_QUARTILE_RANKED:
            first += f" {place_text(place).capitalize()} i riket."
    else:
        first = quartile_sentence(row.colour, place)
    sentences = [first, trend_sentence(row, trend, years)]
    text = " ".join(s for s in sentences if s)
    if not text and value is not None:
        return f"Värdet är {number_text(value, row.decimals, row.unit)}."
    return text
