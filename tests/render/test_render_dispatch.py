"""render(): formats by name and suffix, str or bytes per format, errors that list the formats."""

from __future__ import annotations

from pathlib import Path

import pytest

from jamfor.errors import JamforError
from jamfor.render import FORMATS, MEDIA_TYPES, format_for, render
from jamfor.reports.model import KpiReport, MunicipalityReport, NetworkReport


def test_the_six_formats() -> None:
    assert FORMATS == ("table", "json", "csv", "xlsx", "html", "pdf")
    assert set(MEDIA_TYPES) == set(FORMATS)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("json", "json"),
        ("XLSX", "xlsx"),
        ("table", "table"),
        ("ronneby.xlsx", "xlsx"),
        ("rapport.PDF", "pdf"),
        ("/tmp/out/kommun-1081.html", "html"),
        ("sida.htm", "html"),
        ("data.csv", "csv"),
        ("tabell.txt", "table"),
        (".json", "json"),
        (Path("a/b/nornorna.pdf"), "pdf"),
    ],
)
def test_format_for_names_and_suffixes(given: str | Path, expected: str) -> None:
    assert format_for(given) == expected


@pytest.mark.parametrize("given", ["docx", "rapport.docx", "rapport", "", Path("x.odt")])
def test_unknown_format_lists_the_formats(given: str | Path) -> None:
    with pytest.raises(JamforError) as error:
        format_for(given)
    message = str(error.value)
    assert all(fmt in message for fmt in FORMATS)


def test_render_rejects_an_unknown_format(ronneby: MunicipalityReport) -> None:
    with pytest.raises(JamforError, match=r"table, json, csv, xlsx, html, pdf"):
        render(ronneby, "docx")


def test_render_rejects_an_unknown_language(ronneby: MunicipalityReport) -> None:
    with pytest.raises(JamforError, match="sv, en"):
        render(ronneby, "table", lang="de")


def test_render_rejects_what_is_not_a_report() -> None:
    with pytest.raises(JamforError, match="not a report"):
        render("Ronneby", "json")  # type: ignore[arg-type]


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "pdf"])  # PDF: test_render_pdf.py
def test_text_formats_are_str_and_binary_formats_bytes(
    fmt: str, any_report: MunicipalityReport | NetworkReport | KpiReport
) -> None:
    content = render(any_report, fmt)
    if fmt == "xlsx":
        assert isinstance(content, bytes)
    else:
        assert isinstance(content, str)
    assert content
