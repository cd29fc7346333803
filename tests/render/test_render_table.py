"""Terminal tables: arrows, Swedish figures, colour words, and nothing wider than the terminal."""

from __future__ import annotations

import pytest

from jamfor.render.table import render_table
from jamfor.reports.model import KpiReport, MunicipalityReport, NetworkReport


def test_municipality_table(ronneby: MunicipalityReport) -> None:
    text = render_table(ronneby, width=140)
    assert text.startswith("Ronneby – KKiK 2015–2017 (fem perspektiv)")
    for perspective in ("Tillgänglighet", "Trygghet", "Effektivitet", "Samhällsutveckling"):
        assert perspective in text
    assert "↑ förbättrad" in text and "↓ försämrad" in text and "ingen trend" in text
    assert "8,2" in text and "10,0" in text and "138\u202f512" in text
    assert "grön: bland de 25 % bästa" in text and "graderas inte" in text
    assert "uppgift" in text and "saknas" in text
    assert "dataår 2014–2016" in text
    assert "Källa: Kolada" in text


def test_comments_follow_the_table(kungsbacka: MunicipalityReport) -> None:
    text = render_table(kungsbacka, width=200)
    assert "• Hur trygga känner sig invånarna i kommunen? Index 0-100: Kungsbacka har avancerat" in text
    assert "→ oförändrad" in text and "6,6" in text


@pytest.mark.parametrize("width", [80, 100, 140, 200])
def test_never_wider_than_the_terminal(
    width: int, any_report: MunicipalityReport | NetworkReport | KpiReport
) -> None:
    lines = render_table(any_report, width=width).splitlines()
    assert max(len(line) for line in lines) <= width


def test_a_network_too_wide_for_the_terminal_continues_below(nornorna: NetworkReport) -> None:
    narrow = render_table(nornorna, width=100)
    assert "Tillgänglighet (forts.)" in narrow
    wide = render_table(nornorna, width=200)
    assert "forts." not in wide
    assert "14,7" in wide and "256:e" in wide and "röd" in wide


def test_styles_for_a_real_terminal(ronneby: MunicipalityReport) -> None:
    assert "\x1b[" in render_table(ronneby, width=140, styles=True)
    assert "\x1b[" not in render_table(ronneby, width=140)


def test_english(ronneby: MunicipalityReport) -> None:
    text = render_table(ronneby, width=140, lang="en")
    assert "Measure" in text and "↑ improved" in text and "8.2" in text and "138,512" in text
    assert "no" in text and "data" in text


def test_kpi_table(kpi: KpiReport) -> None:
    text = render_table(kpi, width=140)
    assert "Rangordning 2016" in text and "Åsele" in text and "█" in text
    assert "Uppgift saknas för 53 kommuner" in text
