"""Reports as PDF: the standalone HTML document printed by WeasyPrint (A4 landscape unless the
report's print CSS says otherwise), pages numbered.

WeasyPrint is imported only when a PDF is asked for, so the other formats work without it; when
it or its system libraries (Pango) are missing the user gets a JamforError saying what to install.
"""

from __future__ import annotations

import importlib
import logging
from types import ModuleType

from jamfor.errors import JamforError
from jamfor.render.html import render_document
from jamfor.render.text import Lang
from jamfor.reports.model import KpiReport, MunicipalityReport, NetworkReport

INSTALL_HINT = (
    "PDF output needs WeasyPrint and the Pango text library: install them with "
    "`pip install weasyprint` and, on Debian/Ubuntu, `apt-get install libpango-1.0-0 libpangoft2-1.0-0` "
    "(see https://doc.courtbouillon.org/weasyprint/stable/first_steps.html)."
)


def _import_weasyprint() -> ModuleType:
    # Imported by name: WeasyPrint ships no type information and is only needed for PDFs.
    return importlib.import_module("weasyprint")


def _weasyprint() -> ModuleType:
    try:
        return _import_weasyprint()
    except ImportError as exc:
        raise JamforError(f"{INSTALL_HINT} ({exc})") from exc
    except OSError as exc:  # WeasyPrint is installed but cannot load Pango or its fonts.
        raise JamforError(f"{INSTALL_HINT} The system libraries failed to load: {exc}") from exc


def _offline_fetcher() -> object | None:
    """A URL fetcher that refuses everything but data: URLs: a report never makes outside requests."""
    try:
        urls = importlib.import_module("weasyprint.urls")
        fetcher: object = urls.URLFetcher(allowed_protocols=("data",))
    except (ImportError, AttributeError, TypeError):  # older WeasyPrint: its default fetcher
        return None
    return fetcher


def render_pdf(report: MunicipalityReport | NetworkReport | KpiReport, *, lang: Lang = "sv") -> bytes:
    """The report as PDF bytes (A4 landscape, page numbers, the same content as the HTML)."""
    return print_pdf(render_document(report, lang=lang))


def print_pdf(document: str) -> bytes:
    """A standalone HTML document (`html.standalone_document`) printed by WeasyPrint, which may
    fetch nothing but data: URLs. Every report's PDF is made here."""
    weasyprint = _weasyprint()
    # WeasyPrint logs every CSS rule it does not support (screen-only niceties); keep the CLI quiet.
    logger = logging.getLogger("weasyprint")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        pdf = weasyprint.HTML(string=document, url_fetcher=_offline_fetcher()).write_pdf()
    finally:
        logger.setLevel(level)
    if not isinstance(pdf, bytes):
        raise JamforError("WeasyPrint returned no PDF data")
    return pdf
