"""The website's own words (page chrome, forms, navigation), in Swedish and English.

Report content has its own labels in `jamfor.render.text`; these are only what the pages add.
The error messages and the `web_*` checks that raise them live in `jamfor.web.errors`; they are
imported here too, where the pages have always found them.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jamfor.render.text import Lang
from jamfor.web.errors import (
    ERRORS,
    WebError,
    api_error_body,
    error_body,
    lookup,
    nothing_found,
    shortened,
    web_areas,
    web_colour,
    web_error,
    web_gender,
    web_kpis,
    web_measures,
    web_reference,
    web_years,
)

__all__ = [
    "ERRORS",
    "UI",
    "WebError",
    "api_error_body",
    "check_ui_lang",
    "error_body",
    "lookup",
    "nothing_found",
    "shortened",
    "web_areas",
    "web_colour",
    "web_error",
    "web_gender",
    "web_kpis",
    "web_measures",
    "web_reference",
    "web_years",
]

UI: Final[dict[Lang, dict[str, str]]] = {
    "sv": {
        "tagline": "jämför kommuners kvalitet",
        "skip": "Hoppa till innehållet",
        "nav": "Huvudmeny",
        "nav_start": "Start",
        "nav_compare": "Jämför kommuner",
        "nav_networks": "Nätverk och grupper",
        "nav_method": "Så räknar vi",
        "nav_api": "API",
        "other_lang": "In English",
        "other_lang_code": "en",
        "footer_own": "Medelvärden, placeringar, färger, trender och kommentarer är jamfors egna beräkningar, inte Koladas.",
        "downloads": "Ladda ner",
        "download_note": "Samma innehåll som sidan, med nyckeltalens definitioner och källa.",
        "choose": "Välj",
        "show": "Visa",
        "measure_set": "Måttuppsättning",
        "years": "År",
        "year": "År",
        "gender": "Kön",
        "gender_T": "Totalt",
        "gender_K": "Kvinnor",
        "gender_M": "Män",
        "reference": "Jämför med",
        "ref_mean": "Ovägt medel, alla kommuner",
        "ref_riket": "Riket",
        "ref_kommungrupp": "Kommungrupp",
        "ref_county": "Länet",
        "ref_liknande": "Liknande kommuner",
        "ref_network": "Nätverk",
        "colour": "Färgskala",
        "colour_quartile": "Kvartiler (grön, gul, röd)",
        "colour_quartile4": "Kvartiler, fyra färger",
        "colour_reference": "Mot jämförelsevärdet",
        "trend_charts": "Trend per mått",
        "trend_charts_note": "Kommunens värden de valda åren; streckad linje: jämförelsevärdet det sista året.",
        "data_table": "Tabell med samma data",
        "map": "Karta: kommunerna efter kvartil",
        "distribution": "Fördelning mellan kommunerna",
        "definition": "Definition",
        "kpi_facts": "Om nyckeltalet",
        "operating_area": "Verksamhetsområde",
        "publisher": "Huvudman",
        "kpi_source": "Källa",
        "kpi_id": "Id",
        "better": "Bättre är",
        "better_higher": "högre",
        "better_lower": "lägre",
        "better_none": "ingen riktning",
        "better_unknown": "ej bedömt",
        "unit": "Enhet",
        "periods": "År med data",
        "retired": "Utgått ur Koladas katalog",
        "search_label": "Sök kommun, nyckeltal eller måttuppsättning",
        "search_button": "Sök",
        "municipalities": "Kommuner",
        "kpis": "Nyckeltal",
        "measure_sets": "Måttuppsättningar",
        "networks": "Nätverk",
        "groups_kommungrupp": "SKR:s kommungrupper",
        "groups_county": "Län",
        "members": "Medlemmar",
        "compare_title": "Jämför kommuner över tid",
        "compare_intro": "Välj ett nyckeltal och upp till tio kommuner (namn eller kommunkod, åtskilda med komma).",
        "compare_kpi": "Nyckeltal (id)",
        "compare_areas": "Kommuner",
        "compare_chart": "Utveckling över tid",
        "not_found": "Hittades inte",
        "bad_request": "Felaktig förfrågan",
        "error_back": "Till startsidan",
        "error_search": "Sök kommun, nyckeltal eller nätverk",
        "no_data": "uppgift saknas",
        "network_pick": "Välj nätverk eller grupp",
        "kpi_pick": "Nyckeltal",
    },
    "en": {
        "tagline": "compare the quality of Swedish municipalities",
        "skip": "Skip to content",
        "nav": "Main menu",
        "nav_start": "Home",
        "nav_compare": "Compare municipalities",
        "nav_networks": "Networks and groups",
        "nav_method": "How we calculate",
        "nav_api": "API",
        "other_lang": "På svenska",
        "other_lang_code": "sv",
        "footer_own": "Means, ranks, colours, trends and comments are jamfor's own calculations, not Kolada's.",
        "downloads": "Download",
        "download_note": "The same content as the page, with the KPI definitions and source.",
        "choose": "Choose",
        "show": "Show",
        "measure_set": "Measure set",
        "years": "Years",
        "year": "Year",
        "gender": "Gender",
        "gender_T": "Total",
        "gender_K": "Women",
        "gender_M": "Men",
        "reference": "Compare with",
        "ref_mean": "Unweighted mean, all municipalities",
        "ref_riket": "Sweden (Riket)",
        "ref_kommungrupp": "Municipality group",
        "ref_county": "County",
        "ref_liknande": "Similar municipalities",
        "ref_network": "Network",
        "colour": "Colour scheme",
        "colour_quartile": "Quartiles (green, yellow, red)",
        "colour_quartile4": "Quartiles, four colours",
        "colour_reference": "Against the reference",
        "trend_charts": "Trend per measure",
        "trend_charts_note": "The municipality's values in the chosen years; dashed: the reference in the last year.",
        "data_table": "Table with the same data",
        "map": "Map: municipalities by quartile",
        "distribution": "Distribution across municipalities",
        "definition": "Definition",
        "kpi_facts": "About the KPI",
        "operating_area": "Operating area",
        "publisher": "Responsible body",
        "kpi_source": "Source",
        "kpi_id": "Id",
        "better": "Better is",
        "better_higher": "higher",
        "better_lower": "lower",
        "better_none": "no direction",
        "better_unknown": "not assessed",
        "unit": "Unit",
        "periods": "Years with data",
        "retired": "Retired from Kolada's catalogue",
        "search_label": "Search a municipality, KPI or measure set",
        "search_button": "Search",
        "municipalities": "Municipalities",
        "kpis": "KPIs",
        "measure_sets": "Measure sets",
        "networks": "Networks",
        "groups_kommungrupp": "SKR municipality groups",
        "groups_county": "Counties",
        "members": "Members",
        "compare_title": "Compare municipalities over time",
        "compare_intro": "Choose a KPI and up to ten municipalities (names or codes, separated by commas).",
        "compare_kpi": "KPI (id)",
        "compare_areas": "Municipalities",
        "compare_chart": "Over time",
        "not_found": "Not found",
        "bad_request": "Bad request",
        "error_back": "To the start page",
        "error_search": "Search a municipality, KPI or network",
        "no_data": "no data",
        "network_pick": "Choose a network or group",
        "kpi_pick": "KPI",
    },
}


def check_ui_lang(value: str | None) -> Lang:
    """The `lang` query parameter: "en" for English, anything else Swedish (the default)."""
    return "en" if (value or "").strip().lower() == "en" else "sv"


# -- times ------------------------------------------------------------------------------------

try:
    SWEDISH_TIME: tzinfo = ZoneInfo("Europe/Stockholm")
except ZoneInfoNotFoundError:  # a system without the time zone database: show UTC, and say so
    SWEDISH_TIME = UTC


def local_time(moment: datetime | None, seconds: bool = False) -> str:
    """A stored time (naive UTC, as the store writes them) as Swedish local time, for the pages:
    "2026-11-24 10:47" (CET/CEST); "–" for none. Without the time zone database, UTC marked so."""
    if moment is None:
        return "–"
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    shown = aware.astimezone(SWEDISH_TIME).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    return shown if SWEDISH_TIME is not UTC else shown + " UTC"
