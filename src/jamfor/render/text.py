"""The words and figures every renderer shows, in Swedish (default) or English.

Swedish text comes from `jamfor.compute.labels` (one source of the Swedish words and of number
formatting); this module adds the English equivalents and the fixed headings of the reports.
Comments written by municipalities stay as the report has them, whatever the language.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime
from typing import Final, Literal

from jamfor.compute import labels
from jamfor.compute.colour import Comparison
from jamfor.reports.model import Colour, ColourScheme, Extreme, Trend

Lang = Literal["sv", "en"]
LANGS: Final[tuple[Lang, ...]] = ("sv", "en")

# Fixed labels of the reports. Keys are English identifiers; every key exists in both languages
# (tests/render check this), so a missing translation fails a test rather than a page.
LABELS: Final[dict[Lang, dict[str, str]]] = {
    "sv": {
        "missing": labels.MISSING,
        "measure": "Mått",
        "trend": "Trend",
        "mean": "Medel",
        "riket": "Riket",
        "place": "Plats",
        "colour": "Färg",
        "comment": "Kommentar",
        "value": "Värde",
        "municipality": "Kommun",
        "municipality_report": "Kommunrapport",
        "network": "Nätverk",
        "network_report": "Nätverksrapport",
        "network_mean": "Nätverkets medel",
        "members": "Medlemmar",
        "best": "Bäst i riket",
        "worst": "Sämst i riket",
        "median": "Median",
        "county": "Län",
        "kommungrupp": "Kommungrupp",
        "kpi": "Nyckeltal",
        "kpi_report": "Nyckeltalsrapport",
        "years": "År",
        "year": "År",
        "reference": "Jämförelse",
        "colour_scheme": "Färgskala",
        "gender": "Kön",
        "measure_set": "Måttuppsättning",
        "generated": "Skapad",
        "unit": "Enhet",
        "polarity": "Bättre är",
        "description": "Beskrivning",
        "data_years": "dataår",
        "ranking": "Rangordning",
        "distribution": "Fördelning",
        "histogram": "Antal kommuner per värdeintervall",
        "same_data_below": "Samma uppgifter finns i tabellen intill.",
        "statistic": "Uppgift",
        "interval": "Intervall",
        "count": "Antal kommuner",
        "with_value": "Kommuner med värde",
        "without_value": "Kommuner utan värde",
        "minimum": "Lägsta",
        "q1": "Nedre kvartil",
        "q3": "Övre kvartil",
        "maximum": "Högsta",
        "unweighted_mean": "Ovägt medel",
        "missing_list": "Uppgift saknas för",
        "legend": "Så läser du tabellen",
        "colour_legend": "Färgerna",
        "arrow_note": (
            "Pilen visar åt vilket håll värdet har rört sig (↑ upp, ↓ ned, → oförändrat); ordet "
            "bredvid säger om det är en förbättring eller en försämring."
        ),
        "mean_note": "Medel är det ovägda medelvärdet av alla kommuner som har ett värde.",
        "riket_note": "Riket är värdet för hela landet som det publicerats (vägt).",
        "network_mean_note": "Nätverkets medel är det ovägda medelvärdet av de medlemmar som har ett värde.",
        "place_note": "Plats är placeringen bland de kommuner som har ett värde (1 = bäst).",
        "own_figures": "Medel, placeringar, färger och trender är beräknade av jamfor, inte av Kolada.",
        "not_graded": "graderas inte",
        "others": "till",
        "municipalities": "kommuner",
        "ranked_count": "kommuner med värde",
        "of": "av",
        "sheet_overview": "Översikt",
        "page": "Sida",
        "report_for": "för",
        "continued": "forts.",
        "references": "jämförelsevärden",
        # The compare report (jamfor.render.compare).
        "compare_report": "Jämförelse över tid",
        "compare_area": "Kommun eller område",
        "compare_areas": "Jämförs",
        "compare_values": "Värde, plats och färg per år",
        "compare_values_ranked": "Värde och plats per år",
        "compare_values_only": "Värde per år",
        "compare_country": "Hela landet per år",
        "compare_chart": "Värdena över tid",
        "compare_chart_mean": "Medel, alla kommuner",
        "compare_same_data": "Samma uppgifter finns i tabellen nedan.",
        "compare_shared": "delad",
        "compare_mean_reference": "medlet för alla kommuner",
        "compare_trend_note": (
            "Trenden jämför det senaste värdet med det första under rapportens sista tre år, "
            "avrundade som de visas."
        ),
        "compare_rank_note": (
            "Plats är placeringen bland alla kommuner som har ett värde det året (1 = bäst; delad när "
            "flera har samma avrundade värde). Län och riket får ingen plats eller färg."
        ),
        "compare_no_polarity": (
            "Nyckeltalet har ingen riktning (högre är varken bättre eller sämre): ingen plats och ingen färg."
        ),
        "compare_not_graded": "Kostnadsmått och beskrivande mått färgläggs inte.",
        "compare_sheet_wide": "Jämförelse",
        "compare_sheet_long": "Per år",
        "compare_missing_count": "Kommuner utan värde",
    },
    "en": {
        "missing": "no data",
        "measure": "Measure",
        "trend": "Trend",
        "mean": "Mean",
        "riket": "Sweden",
        "place": "Rank",
        "colour": "Colour",
        "comment": "Comment",
        "value": "Value",
        "municipality": "Municipality",
        "municipality_report": "Municipality report",
        "network": "Network",
        "network_report": "Network report",
        "network_mean": "Network mean",
        "members": "Members",
        "best": "Best in Sweden",
        "worst": "Worst in Sweden",
        "median": "Median",
        "county": "County",
        "kommungrupp": "Kommungrupp",
        "kpi": "KPI",
        "kpi_report": "KPI report",
        "years": "Years",
        "year": "Year",
        "reference": "Compared with",
        "colour_scheme": "Colour scheme",
        "gender": "Gender",
        "measure_set": "Measure set",
        "generated": "Generated",
        "unit": "Unit",
        "polarity": "Better is",
        "description": "Description",
        "data_years": "data years",
        "ranking": "Ranking",
        "distribution": "Distribution",
        "histogram": "Municipalities per value interval",
        "same_data_below": "The table beside it holds the same figures.",
        "statistic": "Statistic",
        "interval": "Interval",
        "count": "Municipalities",
        "with_value": "Municipalities with a value",
        "without_value": "Municipalities without a value",
        "minimum": "Lowest",
        "q1": "Lower quartile",
        "q3": "Upper quartile",
        "maximum": "Highest",
        "unweighted_mean": "Unweighted mean",
        "missing_list": "No data for",
        "legend": "How to read the table",
        "colour_legend": "The colours",
        "arrow_note": (
            "The arrow shows which way the value moved (↑ up, ↓ down, → unchanged); the word "
            "beside it says whether that is an improvement or a deterioration."
        ),
        "mean_note": "Mean is the unweighted mean of all municipalities that have a value.",
        "riket_note": "Sweden is the national value as published (weighted).",
        "network_mean_note": "Network mean is the unweighted mean of the members that have a value.",
        "place_note": "Rank is the place among the municipalities that have a value (1 = best).",
        "own_figures": "Means, ranks, colours and trends are computed by jamfor, not by Kolada.",
        "not_graded": "not graded",
        "others": "more",
        "municipalities": "municipalities",
        "ranked_count": "municipalities with a value",
        "of": "of",
        "sheet_overview": "Overview",
        "page": "Page",
        "report_for": "for",
        "continued": "cont.",
        "references": "references",
        # The compare report (jamfor.render.compare).
        "compare_report": "Comparison over time",
        "compare_area": "Municipality or area",
        "compare_areas": "Compared",
        "compare_values": "Value, rank and colour per year",
        "compare_values_ranked": "Value and rank per year",
        "compare_values_only": "Value per year",
        "compare_country": "The whole country per year",
        "compare_chart": "The values over time",
        "compare_chart_mean": "Mean, all municipalities",
        "compare_same_data": "The table below holds the same figures.",
        "compare_shared": "tied",
        "compare_mean_reference": "the mean of all municipalities",
        "compare_trend_note": (
            "The trend compares the latest value with the first within the report's last three years, "
            "rounded as shown."
        ),
        "compare_rank_note": (
            "Rank is the place among all municipalities with a value that year (1 = best; tied when "
            "several have the same rounded value). Regions and Sweden get no rank or colour."
        ),
        "compare_no_polarity": (
            "The KPI has no direction (higher is neither better nor worse): no rank and no colour."
        ),
        "compare_not_graded": "Cost measures and descriptive measures are not coloured.",
        "compare_sheet_wide": "Comparison",
        "compare_sheet_long": "Per year",
        "compare_missing_count": "Municipalities without a value",
    },
}

_TRENDS_EN: Final[dict[Trend, str]] = {
    "improved": "improved",
    "worsened": "worsened",
    "unchanged": "unchanged",
    "increased": "increasing",
    "decreased": "decreasing",
    "none": "no trend",
}

# What the arrow means, for readers who do not see it (screen readers, text alternatives).
_DIRECTION_WORDS: Final[dict[Lang, dict[str, str]]] = {
    "sv": {"up": "värdet har ökat", "down": "värdet har minskat", "flat": "värdet är oförändrat"},
    "en": {"up": "the value rose", "down": "the value fell", "flat": "the value is unchanged"},
}

COLOUR_NAMES: Final[dict[Lang, dict[Colour, str]]] = {
    "sv": {
        "green": "grön",
        "lightgreen": "ljusgrön",
        "yellow": "gul",
        "orange": "orange",
        "red": "röd",
        "grey": "grå",
        "none": "",
    },
    "en": {
        "green": "green",
        "lightgreen": "light green",
        "yellow": "yellow",
        "orange": "orange",
        "red": "red",
        "grey": "grey",
        "none": "",
    },
}

_QUARTILE_EN: Final[dict[Colour, str]] = {
    "green": "among the best 25 %",
    "lightgreen": "second-best quarter",
    "yellow": "middle 50 %",
    "orange": "second-worst quarter",
    "red": "among the worst 25 %",
    "grey": "no data",
    "none": "",
}

_COMPARISON_EN: Final[dict[Comparison, str]] = {
    "better": "better than",
    "equal": "level with",
    "worse": "worse than",
    "not_comparable": "not comparable with",
}

_POLARITY: Final[dict[Lang, dict[str, str]]] = {
    "sv": {"higher": "högre", "lower": "lägre", "none": "varken högre eller lägre"},
    "en": {"higher": "higher", "lower": "lower", "none": "neither higher nor lower"},
}

_GENDERS: Final[dict[Lang, dict[str, str]]] = {
    "sv": {"T": "totalt", "K": "kvinnor", "M": "män"},
    "en": {"T": "total", "K": "women", "M": "men"},
}

_SCHEMES: Final[dict[Lang, dict[ColourScheme, str]]] = {
    "sv": {
        "quartile": "kvartiler, tre färger (grön, gul, röd)",
        "quartile4": "kvartiler, fyra färger",
        "reference": "jämfört med {reference}",
    },
    "en": {
        "quartile": "quartiles, three colours (green, yellow, red)",
        "quartile4": "quartiles, four colours",
        "reference": "compared with {reference}",
    },
}

# Colours each scheme uses, best first, for legends.
SCHEME_COLOURS: Final[dict[ColourScheme, tuple[Colour, ...]]] = {
    "quartile": ("green", "yellow", "red", "grey"),
    "quartile4": ("green", "lightgreen", "orange", "red", "grey"),
    "reference": ("green", "yellow", "red", "grey"),
}


def label(key: str, lang: Lang = "sv") -> str:
    """A fixed label ("mean" → "Medel" / "Mean")."""
    return LABELS[lang][key]


def check_lang(lang: str) -> Lang:
    """`lang` as a Lang, or ValueError naming the languages there are."""
    if lang == "sv":
        return "sv"
    if lang == "en":
        return "en"
    raise ValueError(f"unknown language {lang!r}: use one of {', '.join(LANGS)}")


def is_missing(value: float | None) -> bool:
    """None, NaN and infinities: nothing a report can show as a figure."""
    return value is None or not math.isfinite(value)


def number(value: float | None, decimals: int | None = None, lang: Lang = "sv") -> str:
    """A figure for people: Swedish "12 345,6" (thin space, decimal comma), English "12,345.6".

    Missing values are "uppgift saknas" / "no data". Rounding is `labels.swedish_number`'s (half
    away from zero); English only swaps the separators.
    """
    if is_missing(value):
        return label("missing", lang)
    text = labels.swedish_number(value, decimals)
    if lang == "en":
        text = text.replace(",", ".").replace("\u202f", ",")
    return text


def trend_word(trend: Trend, lang: Lang = "sv") -> str:
    """The trend in words: "förbättrad" / "improved"; "ingen trend" / "no trend" for none."""
    return labels.trend_label(trend) if lang == "sv" else _TRENDS_EN[trend]


def arrow(direction: str | None) -> str:
    """↑, ↓ or → for the direction the value moved; "" when there is no trend."""
    if direction == "up":
        return labels.arrow("up")
    if direction == "down":
        return labels.arrow("down")
    if direction == "flat":
        return labels.arrow("flat")
    return ""


def direction_words(direction: str | None, lang: Lang = "sv") -> str:
    """The arrow in words, its text alternative; "" when there is no arrow."""
    return "" if direction is None else _DIRECTION_WORDS[lang].get(direction, "")


def colour_name(colour: Colour, lang: Lang = "sv") -> str:
    """The colour's name: "grön", "gul", … ("" for `none`, a measure that is not colour-graded)."""
    return COLOUR_NAMES[lang][colour]


def colour_meaning(
    colour: Colour,
    scheme: ColourScheme,
    lang: Lang = "sv",
    *,
    reference_label: str | None = None,
    has_reference: bool = True,
) -> str:
    """What a colour means under `scheme`, in words: green → "bland de 25 % bästa" or "bättre än Riket".

    Under the reference scheme yellow means equal or, without a reference value, not comparable:
    `has_reference` tells which. Grey is "uppgift saknas"; `none` is "graderas inte".
    """
    if colour == "none":
        return label("not_graded", lang)
    if colour == "grey":
        return label("missing", lang)
    if scheme == "reference":
        comparison: Comparison
        if colour == "green":
            comparison = "better"
        elif colour == "red":
            comparison = "worse"
        else:
            comparison = "equal" if has_reference else "not_comparable"
        name = reference_label or ("jämförelsevärdet" if lang == "sv" else "the reference")
        if lang == "sv":
            return labels.comparison_label(comparison, name)
        return f"{_COMPARISON_EN[comparison]} {name}"
    if lang == "en":
        return _QUARTILE_EN[colour]
    four = scheme == "quartile4"
    try:
        return labels.quartile_label(colour, four=four)
    except KeyError:  # a colour of the other quartile scheme: still say what it means
        return labels.quartile_label(colour, four=not four)


def colour_words(
    colour: Colour,
    scheme: ColourScheme,
    lang: Lang = "sv",
    *,
    reference_label: str | None = None,
    has_reference: bool = True,
) -> str:
    """The colour's name and meaning: "grön: bland de 25 % bästa"; "graderas inte" for `none`."""
    meaning = colour_meaning(
        colour, scheme, lang, reference_label=reference_label, has_reference=has_reference
    )
    if colour in ("none", "grey"):
        return meaning
    return f"{colour_name(colour, lang)}: {meaning}"


def ordinal(n: int, lang: Lang = "sv") -> str:
    """1:a, 2:a, 3:e, 17:e (Swedish); 1st, 2nd, 3rd, 17th (English)."""
    if lang == "sv":
        return labels.ordinal(n)
    suffix = "th" if n % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def place(rank: int | None, ranked: int, lang: Lang = "sv") -> str:
    """A place among the ranked: "17:e av 290" / "17th of 290"; "uppgift saknas" without a rank."""
    if rank is None:
        return label("missing", lang)
    return f"{ordinal(rank, lang)} {label('of', lang)} {ranked}"


def polarity_text(polarity: str | None, lang: Lang = "sv") -> str:
    """Which values are better: "högre" / "lägre" / …; "" when the polarity is not curated."""
    return "" if polarity is None else _POLARITY[lang].get(polarity, polarity)


def gender_text(gender: str, lang: Lang = "sv") -> str:
    """The gender in words: "totalt", "kvinnor", "män" for T, K, M (other codes as they are)."""
    return _GENDERS[lang].get(gender, gender)


def scheme_text(scheme: ColourScheme, lang: Lang = "sv", reference_label: str | None = None) -> str:
    """The colour scheme in words, naming the reference for the reference scheme."""
    return _SCHEMES[lang][scheme].format(reference=reference_label or "")


def span(years: Iterable[int]) -> str:
    """Years as a span: "2015–2017" when consecutive, "2015, 2017" otherwise, "2017" for one."""
    ordered = sorted(set(years))
    if not ordered:
        return ""
    if len(ordered) > 1 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{ordered[0]}–{ordered[-1]}"
    return ", ".join(str(y) for y in ordered)


def with_unit(title: str, unit: str | None) -> str:
    """The title with its unit in brackets, unless the title already ends with it."""
    if not unit or title.rstrip(". ").lower().endswith(unit.lower()):
        return title
    return f"{title} ({unit})"


def extreme_names(extreme: Extreme | None, lang: Lang = "sv", *, names: int = 2) -> str:
    """Who holds a best/worst value: "Åre, Krokom", or "3 kommuner" when more than `names` share it."""
    if extreme is None:
        return ""
    areas = [a.name for a in extreme.areas]
    if len(areas) <= names:
        return ", ".join(areas)
    return f"{len(areas)} {label('municipalities', lang)}"


def extreme_text(extreme: Extreme | None, decimals: int | None, lang: Lang = "sv", *, names: int = 2) -> str:
    """A best/worst value with who holds it: "100 (Åre, Krokom)", "100 (3 kommuner)"."""
    if extreme is None:
        return label("missing", lang)
    value = number(extreme.value, decimals, lang)
    who = extreme_names(extreme, lang, names=names)
    return f"{value} ({who})" if who else value


def timestamp(moment: datetime) -> str:
    """A report's creation time as "2026-03-05 14:02" (the same in both languages)."""
    return moment.strftime("%Y-%m-%d %H:%M")
