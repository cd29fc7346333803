"""XLSX: a sheet per perspective, real numbers with number formats, fills with words, sources."""

from __future__ import annotations

import io
from typing import Any

import openpyxl

from jamfor.render import render
from jamfor.render.xlsx import number_format, sheet_title
from jamfor.reports.model import KpiReport, MunicipalityReport, NetworkReport


def _workbook(report: MunicipalityReport | NetworkReport | KpiReport) -> Any:
    content = render(report, "xlsx")
    assert isinstance(content, bytes)
    return openpyxl.load_workbook(io.BytesIO(content))


def _header_row(ws: Any, first: str) -> int:
    return int(next(c.row for c in ws["A"] if c.value == first))


def _columns(ws: Any, row: int) -> dict[str, int]:
    return {c.value: c.column for c in ws[row] if c.value is not None}


def _data_row(ws: Any, title: str) -> int:
    return int(next(c.row for c in ws["A"] if c.value == title))


def _filled(cell: Any) -> bool:
    return cell.fill is not None and cell.fill.fill_type == "solid"


def test_a_sheet_per_perspective(ronneby: MunicipalityReport) -> None:
    wb = _workbook(ronneby)
    assert wb.sheetnames == [
        "Tillgänglighet",
        "Trygghet",
        "Effektivitet",
        "Samhällsutveckling",
        "Definitioner",
    ]


def test_numbers_are_numbers_with_the_measures_decimals(ronneby: MunicipalityReport) -> None:
    ws = _workbook(ronneby)["Trygghet"]
    header = _header_row(ws, "Mått")
    cols = _columns(ws, header)
    staff = _data_row(ws, "Antal barn per personal i kommunens förskolor (planerad)")
    cell = ws.cell(staff, cols["2017"])
    assert cell.value == 5.1 and isinstance(cell.value, float)
    assert cell.number_format == "#,##0.0"
    carers = ws.cell(_data_row(ws, ronneby.rows[4].title), cols["2015"])
    assert carers.value == 12 and carers.number_format == "#,##0"
    assert ws.cell(staff, cols["Plats 2017"]).value == 120
    assert ws.cell(staff, cols["Rangordnade"]).value == 290
    # Missing values are empty cells, not the text "uppgift saknas".
    safe = _data_row(ws, "Hur trygga är eleverna i skolan?")
    assert ws.cell(safe, cols["2015"]).value is None


def test_colour_fills_with_words_and_arrows(ronneby: MunicipalityReport) -> None:
    ws = _workbook(ronneby)["Tillgänglighet"]
    cols = _columns(ws, _header_row(ws, "Mått"))
    email = _data_row(ws, ronneby.rows[0].title)
    for name in ("Pil", "2017", "Färg"):
        assert _filled(ws.cell(email, cols[name])), name
    assert ws.cell(email, cols["Pil"]).value == "↑"
    assert ws.cell(email, cols["Trend"]).value == "förbättrad"
    assert ws.cell(email, cols["Färg"]).value == "grön: bland de 25 % bästa"
    assert ws.cell(email, cols["2017"]).fill.fgColor.rgb == "FFB7E1A1"
    phone = _data_row(ws, ronneby.rows[1].title)
    assert ws.cell(phone, cols["2017"]).fill.fgColor.rgb != ws.cell(email, cols["2017"]).fill.fgColor.rgb


def test_cost_rows_are_not_coloured(ronneby: MunicipalityReport) -> None:
    ws = _workbook(ronneby)["Effektivitet"]
    cols = _columns(ws, _header_row(ws, "Mått"))
    cost = _data_row(ws, "Kostnad förskola, kr/inskrivet barn")
    assert not any(_filled(c) for c in ws[cost])
    assert ws.cell(cost, cols["Färg"]).value == "graderas inte"
    assert ws.cell(cost, cols["2015"]).value == 138512.4


def test_header_rows_frozen_and_sources_at_the_bottom(kungsbacka: MunicipalityReport) -> None:
    ws = _workbook(kungsbacka)["Våra nyckeltal"]
    assert ws["A1"].value == "Kungsbacka – värdegrunden Bitt: Våra nyckeltal"
    header = _header_row(ws, "Mått")
    assert ws.freeze_panes == f"B{header + 1}"
    facts = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(2, header)}
    assert facts["Kommun"] == "Kungsbacka (1384)" and facts["År"] == "2012–2014"
    assert facts["Jämförelse"] == "Riket"
    texts = [c.value for c in ws["A"] if isinstance(c.value, str)]
    assert texts[-3] == "Källa: Kungsbacka kommun, årsredovisning 2014 (egna nyckeltal)"
    assert texts[-2].startswith("Medel, placeringar, färger och trender är beräknade av jamfor")
    assert ws.column_dimensions["A"].width >= 40


def test_network_workbook(nornorna: NetworkReport) -> None:
    wb = _workbook(nornorna)
    assert wb.sheetnames == [
        "Tillgänglighet",
        "Trygghet",
        "Effektivitet",
        "Samhällsutveckling",
        "Definitioner",
    ]
    ws = wb["Samhällsutveckling"]
    header = _header_row(ws, "Mått")
    members = [c.value for c in ws[header - 1] if c.value]
    assert members == [m.name for m in nornorna.members]
    sick = _data_row(ws, "Sjukpenningtal")
    berg_value, berg_place, berg_colour = (ws.cell(sick, 4 + i) for i in range(3))
    assert berg_value.value == 14.70511604 and berg_value.number_format == "#,##0.0"
    assert berg_place.value == 256 and berg_colour.value == "röd" and _filled(berg_value)
    cost = _data_row(wb["Effektivitet"], "Kostnad förskola, kr/inskrivet barn")
    assert not any(_filled(c) for c in wb["Effektivitet"][cost])
    assert any(c.value == "Källa: Kolada" for c in ws["A"])


def test_kpi_workbook(kpi: KpiReport) -> None:
    wb = _workbook(kpi)
    assert wb.sheetnames == ["Rangordning", "Fördelning", "Definitioner"]
    ws = wb["Rangordning"]
    cols = _columns(ws, _header_row(ws, "Plats"))
    first = _header_row(ws, "Plats") + 1
    assert ws.cell(first, cols["Kommun"]).value == "Åsele"
    assert ws.cell(first, cols["Kommunkod"]).value == "2463"  # a code keeps its leading zeros as text
    assert ws.cell(first, cols["Värde"]).value == 4 and _filled(ws.cell(first, cols["Värde"]))
    names = [c.value for c in ws["B"]]
    assert all(a.name in names for a in kpi.missing)
    dist = wb["Fördelning"]
    labels = {c.value: dist.cell(c.row, 2).value for c in dist["A"] if c.value}
    assert labels["Kommuner med värde"] == kpi.distribution.count
    assert labels["Median"] == kpi.distribution.median


def test_english_labels(ronneby: MunicipalityReport) -> None:
    content = render(ronneby, "xlsx", lang="en")
    assert isinstance(content, bytes)
    ws = openpyxl.load_workbook(io.BytesIO(content))["Trygghet"]
    cols = _columns(ws, _header_row(ws, "Measure"))
    assert {"Trend", "Mean 2017", "Sweden 2017", "Rank 2017", "Colour", "Comment"} <= set(cols)


def test_sheet_titles_are_valid_and_unique() -> None:
    used: set[str] = set()
    assert sheet_title("Kostnad/effektivitet [kr]: *?", used) == "Kostnad-effektivitet -kr-- --"
    long = "Delaktighet och information om kommunens verksamhet"
    first = sheet_title(long, used)
    second = sheet_title(long, used)
    assert len(first) == 31 and len(second) <= 31 and first != second


def test_number_formats() -> None:
    assert number_format(0) == "#,##0"
    assert number_format(2) == "#,##0.00"
    assert number_format(None) == "General"


def test_four_colour_quartiles_fill_in_their_own_colours(ronneby: MunicipalityReport) -> None:
    ronneby.colour_scheme = "quartile4"
    ronneby.rows[0].colour = "lightgreen"
    ronneby.rows[1].colour = "orange"
    ws = _workbook(ronneby)["Tillgänglighet"]
    cols = _columns(ws, _header_row(ws, "Mått"))
    light = _data_row(ws, ronneby.rows[0].title)
    orange = _data_row(ws, ronneby.rows[1].title)
    assert ws.cell(light, cols["2017"]).fill.fgColor.rgb == "FFE3F4C6"
    assert ws.cell(orange, cols["2017"]).fill.fgColor.rgb == "FFFDD0A2"
    assert ws.cell(orange, cols["Färg"]).value == "orange: näst sämsta fjärdedelen"
