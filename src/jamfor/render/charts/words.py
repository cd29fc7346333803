"""The charts' own words in Swedish and English, and the sentences built from them (descriptions, notes)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from jamfor.model import Polarity
from jamfor.render import text
from jamfor.render.text import Lang

WORDS: Final[dict[Lang, dict[str, str]]] = {
    "sv": {
        "higher": "högre är bättre",
        "lower": "lägre är bättre",
        "line_chart": "Linjediagram",
        "latest": "Senaste värden",
        "no_values": "inga värden",
        "gaps": "Uppgift saknas",
        "bars": "Stapeldiagram",
        "dots": "Punktdiagram",
        "over": "över",
        "sorted_quality": "kommunerna ordnade från bäst till sämst",
        "sorted_value": "kommunerna ordnade från högst till lägst",
        "axis_quality": "Kommunerna ordnade från bäst till sämst",
        "axis_value": "Kommunerna ordnade från högst till lägst",
        "missing_for": "uppgift saknas för {n}",
        "municipality": "kommun",
        "municipalities": "kommuner",
        "best25": "Bästa 25 %",
        "middle50": "Mellersta 50 %",
        "worst25": "Sämsta 25 %",
        "high25": "Högsta 25 %",
        "low25": "Lägsta 25 %",
        "q1_value": "högsta fjärdedelen",
        "q2_value": "näst högsta fjärdedelen",
        "q3_value": "näst lägsta fjärdedelen",
        "q4_value": "lägsta fjärdedelen",
        "quartile": "Kvartil",
        "map": "Karta över Sveriges {n} kommuner",
        "highlighted": "Markerad",
        "legend": "Förklaring",
        "unit": "Enhet",
    },
    "en": {
        "higher": "higher is better",
        "lower": "lower is better",
        "line_chart": "Line chart",
        "latest": "Latest values",
        "no_values": "no values",
        "gaps": "No data",
        "bars": "Bar chart",
        "dots": "Dot chart",
        "over": "of",
        "sorted_quality": "municipalities sorted from best to worst",
        "sorted_value": "municipalities sorted from highest to lowest",
        "axis_quality": "Municipalities sorted from best to worst",
        "axis_value": "Municipalities sorted from highest to lowest",
        "missing_for": "no data for {n}",
        "municipality": "municipality",
        "municipalities": "municipalities",
        "best25": "Best 25 %",
        "middle50": "Middle 50 %",
        "worst25": "Worst 25 %",
        "high25": "Highest 25 %",
        "low25": "Lowest 25 %",
        "q1_value": "highest quarter",
        "q2_value": "second-highest quarter",
        "q3_value": "second-lowest quarter",
        "q4_value": "lowest quarter",
        "quartile": "Quartile",
        "map": "Map of Sweden's {n} municipalities",
        "highlighted": "Highlighted",
        "legend": "Key",
        "unit": "Unit",
    },
}


def word(key: str, lang: Lang) -> str:
    return WORDS[lang][key]


def count_words(n: int, lang: Lang) -> str:
    """ "1 kommun", "12 kommuner" (with the thin-space thousands of `text.number`)."""
    noun = word("municipality" if n == 1 else "municipalities", lang)
    return f"{text.number(n, 0, lang)} {noun}"


def polarity_note(polarity: Polarity | None, lang: Lang) -> str:
    """ "högre är bättre" / "lägre är bättre"; "" when no direction is better."""
    return word(polarity, lang) if polarity in ("higher", "lower") else ""


def figure(value: float | None, decimals: int | None, unit: str | None, lang: Lang) -> str:
    """A value with its unit: "12,3 %", "4 dagar"; "uppgift saknas" / "no data" when missing."""
    shown = text.number(value, decimals, lang)
    return f"{shown} {unit}" if unit and not text.is_missing(value) else shown


def join_names(names: Iterable[str], lang: Lang) -> str:
    """ "A, B och C" / "A, B and C"."""
    items = list(names)
    if len(items) <= 1:
        return "".join(items)
    conj = " och " if lang == "sv" else " and "
    return ", ".join(items[:-1]) + conj + items[-1]


def sentence(s: str) -> str:
    return s[:1].upper() + s[1:] if s else s
