"""Every download carries the KPI definitions: an XLSX sheet, CSV columns, an HTML and PDF section.

Kolada's KPIs have the source "Kolada"; our own KPIs (Kungsbacka's Bitt indicators) never do.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from jamfor.measuresets import bundled_measure_sets, example_dataset_kpi_ids, load_example_dataset
from jamfor.render import render
from jamfor.reports import kpi_report, network_report
from jamfor.reports.definitions import kpi_definitions
from jamfor.reports.model import KpiDefinition, MunicipalityReport, NetworkReport
from jamfor.store import Store
from tests.render import reports

BLEKINGE = "lan:10"  # Blekinge län: five municipalities
KUNGSBACKA_COUNTY = "lan:13"  # Hallands län
SICK_LEAVE = "N00938"  # Kolada: Sjukpenningtal
HEADINGS_SV = ["Nyckeltal (id)", "Nyckeltal", "Definition", "Enhet", "Källa"]
HEADINGS_EN = ["KPI (id)", "KPI", "Definition", "Unit", "Source"]


def _definitions_sheet(content: str | bytes, name: str) -> list[list[object]]:
    """The definitions sheet's rows under its header, checked to be the last sheet and well headed."""
    assert isinstance(content, bytes)
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.sheetnames[-1] == name
    rows = [list(r) for r in book[name].iter_rows(values_only=True)]
    header = next(i for i, r in enumerate(rows) if r[0] in (HEADINGS_SV[0], HEADINGS_EN[0]))
    assert rows[0][0] in ("Definitioner och källor", "Definitions and sources")
    body = []
    for row in rows[header + 1 :]:
        if row[1] is None:  # the footer's source lines follow a blank row
            break
        body.append(row[:5])
    return [rows[header][:5], *body]


def _csv(content: str | bytes) -> list[dict[str, str]]:
    assert isinstance(content, str)
    return list(csv.DictReader(io.StringIO(content)))


@pytest.fixture(scope="module")
def nornorna(demo_store: Store) -> NetworkReport:
    return network_report(
        demo_store, BLEKINGE, measure_set=bundled_measure_sets()["kkik-2015-2017"], year=2017
    )


@pytest.fixture
def own_and_kolada(store: Store) -> NetworkReport:
    """Halland's municipalities on Kungsbacka's own indicators and one Kolada KPI."""
    load_example_dataset(store, "kungsbacka-bitt")
    return network_report(
        store, KUNGSBACKA_COUNTY, kpis=[*example_dataset_kpi_ids("kungsbacka-bitt"), SICK_LEAVE], year=2014
    )


def test_network_report_has_a_definition_per_measure_from_the_catalogue(
    demo_store: Store, nornorna: NetworkReport
) -> None:
    assert [d.kpi for d in nornorna.definitions] == [r.kpi for r in nornorna.rows]
    catalogue = {k.id: k for k in demo_store.kpis([r.kpi for r in nornorna.rows])}
    for d in nornorna.definitions:
        assert (d.title, d.description, d.unit) == (
            catalogue[d.kpi].title,
            catalogue[d.kpi].description,
            catalogue[d.kpi].unit,
        )
        assert d.source == "Kolada"
    assert sum(1 for d in nornorna.definitions if d.description) >= len(nornorna.definitions) - 1


def test_xlsx_has_a_definitions_sheet_in_either_language(nornorna: NetworkReport) -> None:
    swedish = _definitions_sheet(render(nornorna, "xlsx"), "Definitioner")
    assert swedish[0] == HEADINGS_SV
    assert [r[0] for r in swedish[1:]] == [d.kpi for d in nornorna.definitions]
    first = nornorna.definitions[0]
    assert swedish[1] == [first.kpi, first.title, first.description, first.unit, "Kolada"]
    english = _definitions_sheet(render(nornorna, "xlsx", lang="en"), "Definitions")
    assert english[0] == HEADINGS_EN and english[1:] == swedish[1:]


def test_csv_rows_carry_their_kpi_definition_and_stay_one_table(nornorna: NetworkReport) -> None:
    rows = _csv(render(nornorna, "csv"))
    assert len(rows) == len(nornorna.rows) * len(nornorna.members)
    by_kpi = {d.kpi: d for d in nornorna.definitions}
    for row in rows:
        assert row["description"] == (by_kpi[row["kpi"]].description or "")
        assert row["kpi_source"] == "Kolada"
    assert all(row["member_id"] and row["value"] != "Kolada" for row in rows)  # no column shifted


def test_html_ends_with_definitions_and_sources(nornorna: NetworkReport) -> None:
    html = render(nornorna, "html")
    assert isinstance(html, str)
    section = html[html.index('class="jf-definitions"') : html.index('class="jf-sources"')]
    assert ">Definitioner och källor</h2>" in section
    for d in nornorna.definitions:
        assert f"({d.kpi})" in section
    assert section.count("Källa: Kolada") == len(nornorna.definitions)
    english = render(nornorna, "html", lang="en")
    assert isinstance(english, str)
    assert ">Definitions and sources</h2>" in english and "Source: Kolada" in english
    assert '<dd lang="sv">' in english  # Kolada's Swedish definitions marked as Swedish


def test_own_kpis_are_never_labelled_as_kolada(own_and_kolada: NetworkReport) -> None:
    own = set(example_dataset_kpi_ids("kungsbacka-bitt"))
    sources = {d.kpi: d.source for d in own_and_kolada.definitions}
    assert set(sources) == own | {SICK_LEAVE}
    assert sources[SICK_LEAVE] == "Kolada"
    assert all("Kolada" not in sources[k] and sources[k] for k in own)

    sheet = _definitions_sheet(render(own_and_kolada, "xlsx"), "Definitioner")
    assert {r[0]: r[4] for r in sheet[1:]} == sources
    for row in _csv(render(own_and_kolada, "csv")):
        assert row["kpi_source"] == sources[row["kpi"]]
    html = render(own_and_kolada, "html")
    assert isinstance(html, str)
    section = html[html.index('class="jf-definitions"') : html.index('class="jf-sources"')]
    entries = re.findall(r'<div class="jf-definition">(.*?)</div>', section, re.S)
    assert len(entries) == len(sources)
    for entry in entries:
        facts = re.search(r'<dd class="jf-definition-facts">(.*?)</dd>', entry, re.S)
        assert facts is not None
        if f"({SICK_LEAVE})" in entry:
            assert "Källa: Kolada" in facts.group(1)
        else:
            assert "Kolada" not in facts.group(1) and "Källa: " in facts.group(1)


def test_municipality_report_definitions_in_every_format(store: Store) -> None:
    load_example_dataset(store, "kungsbacka-bitt")
    base = reports.kungsbacka()
    report: MunicipalityReport = dataclasses.replace(
        base, definitions=kpi_definitions(store, [r.kpi for r in base.rows])
    )
    assert len(report.definitions) == len(report.rows)
    sheet = _definitions_sheet(render(report, "xlsx"), "Definitioner")
    assert [r[0] for r in sheet[1:]] == [r.kpi for r in report.rows]
    assert all(r[4] and "Kolada" not in str(r[4]) for r in sheet[1:])
    rows = _csv(render(report, "csv"))
    assert [r["description"] for r in rows] == [d.description or "" for d in report.definitions]
    html = render(report, "html")
    assert isinstance(html, str) and "Definitioner och källor" in html
    assert "Källa: Kolada" not in html[html.index('class="jf-definitions"') :]


def test_kpi_report_definition_in_its_downloads(demo_store: Store) -> None:
    report = kpi_report(demo_store, SICK_LEAVE, year=2017)
    catalogue = demo_store.kpi(SICK_LEAVE)
    expected = [SICK_LEAVE, catalogue.title, catalogue.description, catalogue.unit, "Kolada"]
    assert _definitions_sheet(render(report, "xlsx"), "Definitioner")[1:] == [expected]
    rows = _csv(render(report, "csv"))
    assert len(rows) == 290
    assert {(r["title"], r["description"], r["kpi_source"]) for r in rows} == {
        (catalogue.title, catalogue.description, "Kolada")
    }
    html = render(report, "html", lang="en")
    assert isinstance(html, str) and "Definitions and sources" in html and "Source: Kolada" in html


def test_a_definition_without_description_says_so() -> None:
    base = reports.nornorna()
    report = dataclasses.replace(
        base, definitions=[KpiDefinition(r.kpi, r.title, None, None, "Kolada") for r in base.rows]
    )
    html = render(report, "html")
    assert isinstance(html, str) and '<span class="jf-missing" lang="sv">uppgift saknas</span>' in html
    sheet = _definitions_sheet(render(report, "xlsx"), "Definitioner")
    assert all(r[2] == "uppgift saknas" for r in sheet[1:])


@pytest.mark.skipif(
    not shutil.which("pdftoppm") or not shutil.which("pdftotext"), reason="needs poppler-utils"
)
def test_pdf_has_the_definitions_section(nornorna: NetworkReport, tmp_path: Path) -> None:
    content = render(nornorna, "pdf")
    assert isinstance(content, bytes) and content.startswith(b"%PDF")
    pdf = tmp_path / "nornorna.pdf"
    pdf.write_bytes(content)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True)
    words = " ".join(text.stdout.split())
    assert "Definitioner och källor" in words
    for d in nornorna.definitions:
        assert f"({d.kpi})" in words
    # The last page, where the definitions are, as a person sees it.
    pages = int(re.search(r"Pages:\s+(\d+)", _pdfinfo(pdf)).group(1))  # type: ignore[union-attr]
    keep = Path(os.environ.get("JAMFOR_RENDER_CHECK_DIR", tmp_path))
    keep.mkdir(parents=True, exist_ok=True)
    prefix = keep / "definitions-nornorna"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", str(pages), "-l", str(pages), str(pdf), str(prefix)],
        check=True,
    )
    images = sorted(keep.glob("definitions-nornorna*.png"))
    assert images and images[-1].stat().st_size > 5000


def _pdfinfo(pdf: Path) -> str:
    if not shutil.which("pdfinfo"):
        pytest.skip("needs pdfinfo")
    return subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
