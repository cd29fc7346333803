"""Example tables from the seeds: Ronneby's KKiK trends (002) and Kungsbacka's Bitt arrows (000)."""

from __future__ import annotations

import pytest

from jamfor.compute import arrow, reference_colour, trend, trend_label
from jamfor.model import Polarity

# Ronneby, KKiK 2015–2017: (measure, polarity, values 2015–2017, the published trend column).
RONNEBY = [
    (
        "Andel som får svar på en enkel fråga via e-post inom två arbetsdagar",
        "higher",
        (84, 85, 93),
        "positiv",
    ),
    ("Andel som får direkt svar på en enkel fråga via telefon", "higher", (48, 56, 41), "negativ"),
    ("Antal olika vårdare hos en äldre med hemtjänst under 14 dagar", "lower", (12, 11, 11), "positiv"),
    ("Antal barn per personal i kommunens förskolor (planerad)", "lower", (5.3, 5.3, 5.1), "positiv"),
    ("Företagarnas sammanfattande omdöme om företagsklimatet", "higher", (64, 70, 75), "positiv"),
    ("Sjukpenningtal bland kommunens invånare", "lower", (8.2, 9.6, 10.0), "negativ"),
    ("Kommunorganisationens andel miljöbilar av totala antalet bilar", "higher", (49, 48, 48), "negativ"),
    ("Andel inköpta ekologiska livsmedel", "higher", (30, 28, 29), "negativ"),
]
RONNEBY_WORDS = {"positiv": "improved", "negativ": "worsened"}


@pytest.mark.parametrize(
    ("measure", "polarity", "values", "published"), RONNEBY, ids=[r[0][:40] for r in RONNEBY]
)
def test_ronneby_trend_column(
    measure: str, polarity: Polarity, values: tuple[float, float, float], published: str
) -> None:
    result = trend(dict(zip((2015, 2016, 2017), values, strict=True)), polarity)
    assert result.trend == RONNEBY_WORDS[published]
    assert (result.first_year, result.last_year) == (2015, 2017)


def test_ronneby_trend_words() -> None:
    vardare = trend({2015: 12, 2016: 11, 2017: 11}, "lower")
    assert trend_label(vardare.trend) == "förbättrad"
    assert arrow(vardare.direction) == "↓"  # fewer caregivers: the value fell, which is good
    sjukpenning = trend({2015: 8.2, 2016: 9.6, 2017: 10.0}, "lower", decimals=1)
    assert trend_label(sjukpenning.trend) == "försämrad"
    assert arrow(sjukpenning.direction) == "↑"


# Kungsbacka, Bitt 2014: (measure, decimals, outcome 2012–2014, Riket 2014 or None for
# "Ingen uppgift", arrow direction, arrow colour). Every measure is higher-is-better; the
# count of submitted opinions is treated so too, as Kungsbacka calls its rise "en positiv utveckling".
KUNGSBACKA = [
    ("Nöjd-Medborgar-Index, NMI", 0, (64, 63, 62), 55, "down", "green"),
    ("Nöjdhet med bemötandet vid kontakt med kommunen", 1, (6.6, 7, 6.6), 6.6, "flat", "yellow"),
    ("Nöjdhet med servicen vid kontakt med kommunen", 1, (6.6, 6.8, 6.5), 6.5, "down", "yellow"),
    (
        "Andel som uppfattar att de får ett gott bemötande vid telefonkontakt",
        0,
        (80, 89, 94),
        86,
        "up",
        "green",
    ),
    (
        "Möjlighet till information om verksamheten genom personliga möten",
        1,
        (6.1, 6, 6.3),
        None,
        "up",
        "yellow",
    ),
    ("Möjlighet att framföra synpunkter genom personliga möten", 1, (6.1, 6.0, 6.2), None, "up", "yellow"),
    (
        "Hur invånarna upplever att de har inflytande över kommunens verksamhet",
        0,
        (48, 45, 45),
        41,
        "down",
        "green",
    ),
    (
        "Hur väl kommunen möjliggör för invånarna att delta i kommunens utveckling",
        0,
        (51, 51, 69),
        53,
        "up",
        "green",
    ),
    ("Hur god kommunens webbinformation är till invånarna", 0, (83, 87, 86), 78, "up", "green"),
    ("Antal inlämnade synpunkter", 0, (629, 559, 897), None, "up", "yellow"),
    ("Information om vår tillgänglighet", 1, (5.8, 6, 6), None, "up", "yellow"),
    ("Efterfrågestyrda öppettider", 1, (6.3, 6.2, 6.4), None, "up", "yellow"),
    ("Andel som får svar via e-post inom två arbetsdagar", 0, (59, 69, 98), 82, "up", "green"),
    ("Andel som får kontakt med handläggare via telefon", 0, (42, 42, 56), 49, "up", "green"),
    ("Hur trygga känner sig invånarna i kommunen?", 0, (65, 66, 67), 61, "up", "green"),
]


@pytest.mark.parametrize(
    ("measure", "decimals", "values", "riket", "direction", "colour"),
    KUNGSBACKA,
    ids=[r[0][:40] for r in KUNGSBACKA],
)
def test_kungsbacka_arrows(
    measure: str,
    decimals: int,
    values: tuple[float, float, float],
    riket: float | None,
    direction: str,
    colour: str,
) -> None:
    result = trend(dict(zip((2012, 2013, 2014), values, strict=True)), "higher", decimals=decimals)
    assert result.direction == direction
    assert reference_colour(values[-1], riket, "higher", decimals) == colour


def test_kungsbacka_arrow_symbols() -> None:
    nmi = trend({2012: 64, 2013: 63, 2014: 62}, "higher")
    bemotande = trend({2012: 6.6, 2013: 7, 2014: 6.6}, "higher", decimals=1)
    telefon = trend({2012: 80, 2013: 89, 2014: 94}, "higher")
    assert [arrow(t.direction) for t in (nmi, bemotande, telefon)] == ["↓", "→", "↑"]
    assert [trend_label(t.trend) for t in (nmi, bemotande, telefon)] == [
        "försämrad",
        "oförändrad",
        "förbättrad",
    ]
