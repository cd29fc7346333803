"""PDF: printed from the HTML by WeasyPrint, A4 landscape, numbered pages, Swedish text intact.

Page 1 of each report is rasterised with poppler's pdftoppm, as a person would look at it. Set
JAMFOR_RENDER_CHECK_DIR to keep the PNGs (e.g. /tmp/render-check) for a look by eye.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from jamfor.errors import JamforError
from jamfor.render import pdf as pdf_module
from jamfor.render import render
from jamfor.reports.model import KpiReport, MunicipalityReport, NetworkReport
from tests.render import reports

POPPLER = shutil.which("pdftoppm") and shutil.which("pdftotext")
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdftoppm, pdftotext) not installed")


@pytest.fixture(scope="module")
def pdfs() -> dict[str, bytes]:
    """The three report types as PDF, rendered once for the module."""
    out = {}
    for name, report in (
        ("municipality", reports.ronneby()),
        ("network", reports.nornorna()),
        ("kpi", reports.kpi_report()),
    ):
        content = render(report, "pdf")
        assert isinstance(content, bytes)
        out[name] = content
    return out


def _text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    )
    return done.stdout


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


@pytest.mark.parametrize("name", ["municipality", "network", "kpi"])
def test_a_pdf(name: str, pdfs: dict[str, bytes]) -> None:
    assert pdfs[name].startswith(b"%PDF-")
    assert b"http://" not in pdfs[name].split(b"stream")[0]  # no linked resources in the header objects


@needs_poppler
@pytest.mark.parametrize("name", ["municipality", "network", "kpi"])
def test_page_one_renders_landscape(name: str, pdfs: dict[str, bytes], tmp_path: Path) -> None:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdfs[name])
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(path), str(tmp_path / name)],
        check=True,
        capture_output=True,
    )
    [png] = sorted(tmp_path.glob(f"{name}-*.png"))
    width, height = _png_size(png.read_bytes())
    # A4 landscape (297 × 210 mm) at 60 dpi is about 702 × 496 pixels.
    assert abs(width - 702) <= 1 and abs(height - 496) <= 1
    keep = os.environ.get("JAMFOR_RENDER_CHECK_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(png, Path(keep) / f"{name}.png")


@needs_poppler
def test_municipality_pdf_text(pdfs: dict[str, bytes], tmp_path: Path) -> None:
    text = _text(pdfs["municipality"], tmp_path)
    assert "Ronneby – KKiK 2015–2017 (fem perspektiv)" in text
    assert "Tillgänglighet" in text and "Samhällsutveckling" in text
    assert "↑ förbättrad" in text and "uppgift saknas" in text
    assert "grön: bland de 25 % bästa" in text
    assert "Sida 1 av 2" in text and "Sida 2 av 2" in text
    assert "Källa: Kolada" in text


@needs_poppler
def test_network_and_kpi_pdf_text(pdfs: dict[str, bytes], tmp_path: Path) -> None:
    network = _text(pdfs["network"], tmp_path)
    assert "Härjedalen" in network and "Östersund" in network and "Åre" in network
    assert "Nätverkets" in network and "Hallstahammar" in network
    kpi = _text(pdfs["kpi"], tmp_path)
    assert "Rangordning 2016" in kpi and "Åsele" in kpi and "Örkelljunga" in kpi
    assert "Antal kommuner per värdeintervall" in kpi


def test_english_pdf(ronneby: MunicipalityReport, tmp_path: Path) -> None:
    content = render(ronneby, "pdf", lang="en")
    assert isinstance(content, bytes) and content.startswith(b"%PDF-")
    if POPPLER:
        text = _text(content, tmp_path)
        assert "Page 1 of 2" in text and "no data" in text


@pytest.mark.parametrize("failure", [ImportError("No module named 'weasyprint'"), OSError("libpango")])
def test_missing_weasyprint_says_what_to_install(
    failure: Exception, monkeypatch: pytest.MonkeyPatch, ronneby: MunicipalityReport
) -> None:
    def broken() -> object:
        raise failure

    monkeypatch.setattr(pdf_module, "_import_weasyprint", broken)
    with pytest.raises(JamforError, match=r"pip install weasyprint.*libpango"):
        render(ronneby, "pdf")


def test_other_formats_do_not_need_weasyprint(
    monkeypatch: pytest.MonkeyPatch, nornorna: NetworkReport, kpi: KpiReport
) -> None:
    def broken() -> object:
        raise ImportError("weasyprint")

    monkeypatch.setattr(pdf_module, "_import_weasyprint", broken)
    for fmt in ("table", "json", "csv", "xlsx", "html"):
        assert render(nornorna, fmt) and render(kpi, fmt)
