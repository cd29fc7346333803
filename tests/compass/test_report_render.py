"""The Kommunkompassen report rendered: JSON contract, XLSX read back, HTML sections, PDF as pictures.

The figures shown must be the seed's: each sub-question's Uppnått and Procent and each area's
total in Huddinge's appendix (seed 003 §4, parsed by test_huddinge from its fixture copy) come
out of the HTML and the XLSX through the report's own rounding. Set JAMFOR_RENDER_CHECK_DIR to
keep the PDF's pages as PNG files to look at.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import struct
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from jamfor.cli import app
from jamfor.compute.compass import round_half_away
from jamfor.render.compass import render_compass, render_compass_fragment
from jamfor.reports.compass import CompassReport, compass_report
from jamfor.store import Store

from .test_huddinge import printed

POPPLER = shutil.which("pdftoppm") and shutil.which("pdftotext")
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdftoppm, pdftotext) not installed")


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory, duckdb_template: Path) -> Path:
    path = tmp_path_factory.mktemp("compass") / "store.duckdb"
    shutil.copy(duckdb_template, path)
    return path


@pytest.fixture(scope="module")
def reports(database: Path) -> Iterator[dict[str, CompassReport]]:
    with Store.open(str(database)) as store:
        yield {name: compass_report(store, name) for name in ("huddinge-2017", "kramfors-2013")}


@pytest.fixture(scope="module")
def huddinge_pdf(reports: dict[str, CompassReport]) -> bytes:
    pdf = render_compass(reports["huddinge-2017"], "pdf")
    assert isinstance(pdf, bytes)
    return pdf


def _cells(html: str, caption: str) -> list[list[str]]:
    """The text of each body and footer row of the table with this caption."""
    table = html.split(f">{caption}</caption>", 1)[1].split("</table>", 1)[0].split("</thead>", 1)[1]
    rows = re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)
    return [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, flags=re.S)]
        for r in rows
    ]


def test_json_contract(reports: dict[str, CompassReport]) -> None:
    data = json.loads(render_compass(reports["huddinge-2017"], "json"))
    assert {"municipality", "year", "framework", "total", "areas"} <= data.keys()
    assert (data["municipality"], data["year"], data["framework"]) == ("0126", 2017, "2016")
    assert data["total"] == pytest.approx(561.8)
    area = data["areas"][0]
    assert {"number", "name", "points", "max", "questions"} <= area.keys()
    assert (area["number"], area["name"], area["max"]) == (1, "Offentlighet och demokrati", 100)
    assert area["points"] == pytest.approx(79.15)  # unrounded: printed as 79
    assert area["questions"][0] | {"text": ""} == {
        "id": "1.1", "text": "", "points": 10.55, "max": 15, "percent": pytest.approx(100 * 10.55 / 15)
    }  # fmt: skip
    assert data["reference"]["count"] == 1 and data["no_comparison"].startswith("Huddinge har ingen tidigare")
    # An area-level evaluation: areas without questions.
    kramfors = json.loads(render_compass(reports["kramfors-2013"], "json"))
    assert [a["points"] for a in kramfors["areas"]] == [58, 56, 73, 53, 58, 45, 44, 60]
    assert all(a["questions"] == [] for a in kramfors["areas"]) and kramfors["total"] == 448


def test_html_shows_every_printed_figure_of_the_appendix(reports: dict[str, CompassReport]) -> None:
    html = render_compass_fragment(reports["huddinge-2017"])
    p = printed()
    shown: dict[str, tuple[int, int, int]] = {}
    for area in reports["huddinge-2017"].areas:
        rows = _cells(html, f"{area.number}. {area.name}")
        *questions, total = rows
        for qid, _text, achieved, qmax, percent in questions:
            shown[qid] = (int(achieved), int(qmax), int(percent.removesuffix("\u00a0%")))
        assert total == [
            "Summa",
            "",
            str(p.areas[area.number][0]),
            "100",
            f"{p.areas[area.number][2]}\u00a0%",
        ]
    assert shown == p.questions


def test_html_follows_the_seeds_structure(reports: dict[str, CompassReport]) -> None:
    html = render_compass_fragment(reports["huddinge-2017"])
    headings = [
        "1 Vad är Kommunkompassen?",
        "2 Huddinge i förhållande till Kommunkompassen: sammanfattande genomgång",
        "Utvärderingen",
        "Sammanfattning av resultat",
        "Profil jämfört med referensen",
        "3 Detaljerad genomgång av Kommunkompassens åtta områden",
        "Område 1 Offentlighet och demokrati",
        "Område 8 Kommunen som samhällsbyggare",
        "4 Översikt av poängfördelning",
    ]
    positions = [html.index(f">{h}</h") for h in headings]
    assert positions == sorted(positions)
    assert html.count(">Styrkor</h4>") == 8 and html.count(">Förbättringsområden</h4>") == 8
    assert "Information om politik på webben kring protokoll, kallelser m.m." in html
    assert "Utvärderare: Lars Strid, senior konsult (SKL); Anna Eklöf, SKL; Leif Eldås, SKL." in html
    assert 'class="jamfor-chart jamfor-radar"' in html and "Profilens värden i tabellform" in html
    summary = _cells(html, "Poäng per område")
    assert [r[1] for r in summary[:8]] == ["79", "68", "64", "73", "64", "71", "59", "83"]
    assert summary[-1] == ["Totalpoäng", "562", "800", "70\u00a0%", "562"]
    assert "Källa: SKL, Kommunkompassen: Analys av Huddinge kommun 2017" in html
    assert "Kolada" not in html.replace("inte Koladas uppgifter", "")
    english = render_compass_fragment(reports["huddinge-2017"], lang="en")
    assert "What is Kommunkompassen?" in english and "Achieved" in english and "79%" in english


def test_area_level_report_has_no_question_appendix(reports: dict[str, CompassReport]) -> None:
    html = render_compass_fragment(reports["kramfors-2013"])
    assert "4 Översikt av poängfördelning" in html
    assert "poängsatt per område (Kommunkompassen, reviderad 2010), inte per delfråga" in html
    assert "Uppnått" not in html
    # a published result without texts: one sentence instead of sixteen empty lists
    assert "har inga styrkor, förbättringsområden eller texter per område" in html and "Styrkor" not in html
    assert "58 av 100 poäng (58\u00a0%). Referensmedel: 57. 2011: 51 poäng (+7)." in html
    # The comparison with 2011: same version, so a change column.
    summary = _cells(html, "Poäng per område")
    assert summary[0] == ["1. Offentlighet och demokrati", "58", "100", "58\u00a0%", "57", "51", "+7"]
    assert summary[-1][-1] == "+89"


def test_xlsx_read_back(reports: dict[str, CompassReport]) -> None:
    content = render_compass(reports["huddinge-2017"], "xlsx")
    assert isinstance(content, bytes)
    wb = load_workbook(io.BytesIO(content))
    assert wb.sheetnames == ["Sammanfattning", "Områden", "Frågor", "Alla kommuner"]
    questions = wb["Frågor"]
    header = [c.value for c in questions[1]]
    assert header == ["Område", "Fråga", "Delfråga", "Uppnått", "Max", "Procent"]
    rows = {r[1].value: r for r in questions.iter_rows(min_row=2) if r[1].value and r[3].value is not None}
    assert len(rows) == 45
    achieved, qmax, percent = rows["1.1"][3], rows["1.1"][4], rows["1.1"][5]
    assert (achieved.value, qmax.value) == (10.55, 15) and achieved.number_format == "#,##0"
    assert percent.value == pytest.approx(10.55 / 15) and percent.number_format == "0%"
    p = printed()
    for qid, (shown, _, pct) in p.questions.items():  # Excel rounds half away from zero, as the seed
        assert round_half_away(rows[qid][3].value) == shown, qid
        assert round_half_away(rows[qid][5].value * 100) == pct, qid
    summary = wb["Sammanfattning"]
    values = [[c.value for c in r] for r in summary.iter_rows()]
    total = next(r for r in values if r[0] == "Totalpoäng")
    assert total[1] == pytest.approx(561.8) and total[2] == 800
    texts = [str(r[0]) for r in values if r[0]]
    assert any(t.startswith("Källa: SKL, Kommunkompassen") for t in texts)
    assert not any("Kolada" in t and "inte Koladas" not in t for t in texts)
    # Area-level: no Frågor sheet.
    english = render_compass(reports["kramfors-2013"], "xlsx", lang="en")
    assert isinstance(english, bytes)
    kramfors = load_workbook(io.BytesIO(english))
    assert kramfors.sheetnames == ["Summary", "Areas", "All municipalities"]


def test_pdf_is_a4_portrait_with_the_seeds_sections(huddinge_pdf: bytes, tmp_path: Path) -> None:
    assert huddinge_pdf.startswith(b"%PDF-")
    if not POPPLER:
        pytest.skip("poppler-utils (pdftoppm, pdftotext) not installed")
    path = tmp_path / "huddinge.pdf"
    path.write_bytes(huddinge_pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    for heading in (
        "Vad är Kommunkompassen?",
        "Sammanfattning av resultat",
        "Profil jämfört med referensen",
        "Område 5 Resultat och effektivitet",
        "STYRKOR",
        "FÖRBÄTTRINGSOMRÅDEN",
        "Översikt av poängfördelning",
        "Uppnått",
    ):
        assert heading in text, heading
    assert re.search(r"5\.6\s+Sker extern samverkan.*?10\s+10\s+100 %", text, flags=re.S)
    assert "Källa: Kolada" not in text
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", str(path), str(tmp_path / "page")], check=True, capture_output=True
    )
    pages = sorted(tmp_path.glob("page-*.png"))
    assert 6 <= len(pages) <= 20
    for png in pages:
        data = png.read_bytes()
        width, height = struct.unpack(">II", data[16:24])
        assert (abs(width - 331) <= 1, abs(height - 468) <= 1) == (True, True)  # A4 portrait at 40 dpi
        assert len(data) > 3000, f"{png.name} looks blank"
    keep = os.environ.get("JAMFOR_RENDER_CHECK_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        for png in pages:
            shutil.copy(png, Path(keep) / f"compass-{png.name}")


def test_cli_report(database: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    runner = CliRunner()
    result = runner.invoke(app, ["-d", str(database), "compass", "report", "Huddinge", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["id"] == "huddinge-2017"
    out = tmp_path / "h.xlsx"
    result = runner.invoke(app, ["-d", str(database), "compass", "report", "0126", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert load_workbook(out).sheetnames[0] == "Sammanfattning"
    result = runner.invoke(app, ["-d", str(database), "compass", "report", "kramfors-2013", "--lang", "en"])
    assert result.exit_code == 0 and "Points per area" in result.stdout and "+89" in result.stdout
    result = runner.invoke(app, ["-d", str(database), "compass", "report", "Huddinge", "--format", "csv"])
    assert result.exit_code != 0 and "unknown --format 'csv'" in str(result.exception)


def test_the_reports_words_exist_in_both_languages() -> None:
    from jamfor.render.compass_words import MONTHS, WORDS

    assert WORDS["sv"].keys() == WORDS["en"].keys()
    assert len(MONTHS["sv"]) == len(MONTHS["en"]) == 12
