"""Every page is a URL and a download: `/kommun/1081` is the page, `/kommun/1081.xlsx` the same report.

A path segment may end in one of the download suffixes; the page's query string (year, gender,
reference, colour, language) applies to the download as well, so a shared link gives the same
content in any format.
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import Response

from jamfor.render import MEDIA_TYPES, Format, render
from jamfor.render.text import Lang

DOWNLOADS: Final[dict[str, Format]] = {".json": "json", ".csv": "csv", ".xlsx": "xlsx", ".pdf": "pdf"}


def split_download(segment: str) -> tuple[str, Format | None]:
    """'1081.xlsx' → ('1081', 'xlsx'); '1081' → ('1081', None)."""
    lowered = segment.lower()
    for suffix, fmt in DOWNLOADS.items():
        if lowered.endswith(suffix) and len(segment) > len(suffix):
            return segment[: -len(suffix)], fmt
    return segment, None


_SUFFIX = re.compile(r"\.[A-Za-z][A-Za-z0-9]{1,4}$")


def unknown_suffix(segment: str) -> str | None:
    """The file suffix `segment` ends in when it is not one we offer ("1081.txt" → ".txt"), else None.

    Asked only after the segment's name was not found, so a name with a dot in it still works.
    """
    found = _SUFFIX.search(segment)
    if found is None or found.group(0).lower() in DOWNLOADS:
        return None
    return found.group(0)


def download_links(request: Request, path: str) -> list[tuple[str, str]]:
    """(label, href) for each download format of the page at `path`, with the page's query string."""
    query = request.url.query
    return [
        (suffix.lstrip(".").upper(), f"{path}{suffix}" + (f"?{query}" if query else ""))
        for suffix in DOWNLOADS
    ]


def file_stem(*parts: str) -> str:
    """A safe, readable file name stem: 'jamfor-kommun-1081-2020-2022'."""
    text = "-".join(p for p in parts if p)
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "jamfor"


def download_response(report: object, fmt: Format, lang: Lang, stem: str) -> Response:
    """The report rendered as `fmt`, with its media type; files to keep are sent as attachments."""
    content = render(report, fmt, lang=lang)  # type: ignore[arg-type]
    headers = {}
    if fmt in ("xlsx", "pdf", "csv"):
        name = f"{stem}.{fmt}"
        headers["Content-Disposition"] = f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"
    return Response(content, media_type=MEDIA_TYPES[fmt], headers=headers)
