"""Labels in both languages and the figures and words every renderer shares."""

from __future__ import annotations

import pytest

from jamfor.render.text import (
    LABELS,
    colour_words,
    extreme_text,
    number,
    ordinal,
    place,
    span,
    with_unit,
)
from jamfor.reports.model import Extreme, Named


def test_both_languages_have_every_label() -> None:
    assert set(LABELS["sv"]) == set(LABELS["en"])
    assert LABELS["sv"]["missing"] == "uppgift saknas" and LABELS["en"]["missing"] == "no data"


@pytest.mark.parametrize(
    ("value", "decimals", "sv", "en"),
    [
        (12345.64, 1, "12\u202f345,6", "12,345.6"),
        (10.0, 1, "10,0", "10.0"),
        (-2.5, 0, "\u22123", "\u22123"),
        (None, 0, "uppgift saknas", "no data"),
        (float("nan"), 1, "uppgift saknas", "no data"),
    ],
)
def test_numbers(value: float | None, decimals: int, sv: str, en: str) -> None:
    assert number(value, decimals) == sv
    assert number(value, decimals, "en") == en


def test_places() -> None:
    assert place(17, 290) == "17:e av 290"
    assert place(2, 290) == "2:a av 290"
    assert place(None, 290) == "uppgift saknas"
    assert [ordinal(n, "en") for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "111th",
    ]  # fmt: skip


def test_colour_words_per_scheme() -> None:
    assert colour_words("green", "quartile") == "grön: bland de 25 % bästa"
    assert colour_words("lightgreen", "quartile4") == "ljusgrön: näst bästa fjärdedelen"
    assert colour_words("yellow", "reference", reference_label="Riket") == "gul: i nivå med Riket"
    assert (
        colour_words("yellow", "reference", reference_label="Riket", has_reference=False)
        == "gul: kan inte jämföras med Riket"
    )
    assert colour_words("red", "reference", "en", reference_label="Sweden") == "red: worse than Sweden"
    assert colour_words("grey", "quartile") == "uppgift saknas"
    assert colour_words("none", "quartile") == "graderas inte"


def test_small_helpers() -> None:
    assert span([2017, 2015, 2016]) == "2015–2017"
    assert span([2014, 2016]) == "2014, 2016"
    assert with_unit("Sjukpenningtal", "dagar") == "Sjukpenningtal (dagar)"
    assert with_unit("Nöjd-Medborgar-Index, NMI. Index 0-100", "index 0-100").endswith("0-100")
    three = Extreme((Named("1", "A"), Named("2", "B"), Named("3", "C")), 100.0)
    assert extreme_text(three, 0) == "100 (3 kommuner)"
    assert extreme_text(None, 0) == "uppgift saknas"
