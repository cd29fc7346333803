"""Renderers: one per format, chosen by name or file suffix, for every report type.

    render(report, "xlsx")                 # bytes of a workbook
    render(report, format_for("x.html"))   # str: a standalone HTML document

Text formats (table, json, csv, html) return str; xlsx and pdf return bytes. Human formats take
`lang` ("sv", the default, or "en") for their fixed labels; JSON and CSV are language-neutral.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Final, Literal

from jamfor.errors import JamforError
from jamfor.render.text import LANGS, Lang, check_lang
from jamfor.reports.compare import CompareReport
from jamfor.reports.model import KpiReport, MunicipalityReport, NetworkReport

Format = Literal["table", "json", "csv", "xlsx", "html", "pdf"]
Report = MunicipalityReport | NetworkReport | KpiReport | CompareReport

FORMATS: Final[tuple[Format, ...]] = ("table", "json", "csv", "xlsx", "html", "pdf")

SUFFIXES: Final[dict[str, Format]] = {
    ".txt": "table",
    ".json": "json",
    ".csv": "csv",
    ".xlsx": "xlsx",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
}

MEDIA_TYPES: Final[dict[Format, str]] = {
    "table": "text/plain; charset=utf-8",
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}

__all__ = ["FORMATS", "LANGS", "MEDIA_TYPES", "SUFFIXES", "Format", "Lang", "format_for", "render"]


def _unknown(what: str) -> JamforError:
    suffixes = ", ".join(SUFFIXES)
    return JamforError(
        f"unknown output format {what!r}: use one of {', '.join(FORMATS)} (or a file ending in {suffixes})"
    )


def check_format(name: str) -> Format:
    """`name` ("XLSX", "pdf") as a Format, or a JamforError listing the formats."""
    lowered = name.strip().lower()
    for fmt in FORMATS:
        if lowered == fmt:
            return fmt
    raise _unknown(name)


def format_for(path_or_name: str | PurePath) -> Format:
    """The format a format name or a file name asks for: "csv" → csv, "ronneby.xlsx" → xlsx, ".pdf" → pdf.

    A `.txt` file gets the terminal table. Anything else is a JamforError listing the formats.
    """
    if isinstance(path_or_name, str):
        name = path_or_name.strip()
        if name.lower() in FORMATS:
            return check_format(name)
        if name.startswith(".") and name.lower() in SUFFIXES:
            return SUFFIXES[name.lower()]
        path = PurePath(name)
    else:
        path = path_or_name
    suffix = path.suffix.lower()
    if suffix in SUFFIXES:
        return SUFFIXES[suffix]
    raise _unknown(str(path_or_name))


def render(report: Report, fmt: str, *, lang: str = "sv") -> str | bytes:
    """The report in format `fmt` (a name from FORMATS): str for text formats, bytes for xlsx and pdf.

    Renderer modules are imported on first use, so asking for JSON never loads openpyxl or
    WeasyPrint.
    """
    if not isinstance(report, MunicipalityReport | NetworkReport | KpiReport | CompareReport):
        raise JamforError(f"cannot render {type(report).__name__}: not a report")
    fmt = check_format(fmt)
    try:
        language = check_lang(lang)
    except ValueError as exc:
        raise JamforError(str(exc)) from exc
    if isinstance(report, CompareReport):
        from jamfor.render.compare import render_compare

        return render_compare(report, fmt, lang=language)
    if fmt == "json":
        from jamfor.render.jsonout import render_json

        return render_json(report)
    if fmt == "csv":
        from jamfor.render.csvout import render_csv

        return render_csv(report)
    if fmt == "table":
        from jamfor.render.table import render_table

        return render_table(report, lang=language)
    if fmt == "xlsx":
        from jamfor.render.xlsx import render_xlsx

        return render_xlsx(report, lang=language)
    if fmt == "html":
        from jamfor.render.html import render_document

        return render_document(report, lang=language)
    from jamfor.render.pdf import render_pdf

    return render_pdf(report, lang=language)
