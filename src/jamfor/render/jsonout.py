"""Reports as JSON: full-precision numbers, null for missing values, UTF-8 text (ensure_ascii off).

The municipality report's keys are a contract other tools rely on; new keys may be added, the
contract keys are never renamed:

    {"municipality": {"id", "name"}, "years": [...],
     "rows": [{"kpi", "title", "polarity", "values": {"<year>": number|null}, "trend", "mean",
               "riket", "reference", "rank", "ranked", "colour", "comment", ...}], ...}

`mean` and `riket` are the last report year's unweighted mean and Riket value, `ranked` the
number of municipalities ranked. `trend` is one of improved|worsened|unchanged|increased|
decreased|none. `colour` is green|yellow|red|grey|none under the three-colour schemes; the
four-colour quartile scheme (`colour_scheme` "quartile4") also uses lightgreen (second-best
quarter) and orange (second-worst quarter). Numbers are never rounded: `decimals` says how many a
person should see. The network and KPI reports follow the same conventions (see their functions).

The municipality and network reports end in `"definitions": [{"kpi", "title", "description",
"unit", "source"}]`, one per KPI in row order, from the KPI catalogue: `source` is "Kolada" for
Kolada's KPIs only, the owner's name for our own.

`render_json_all` writes every municipality's report (`reports.municipality_report_columns`) at
once, each text exactly `render_json`'s, several times faster than one report at a time;
`render_json_all_utf8` the same as UTF-8 bytes.
"""

from __future__ import annotations

import gc
import json
import math
import re
from collections.abc import Iterator
from itertools import repeat
from typing import TYPE_CHECKING, Any, Final, cast

import orjson

from jamfor.reports.model import (
    Extreme,
    KpiDefinition,
    KpiReport,
    MunicipalityReport,
    MunicipalityRow,
    Named,
    NetworkReport,
    Reference,
)

if TYPE_CHECKING:  # the report builders (and the store) are not needed to write JSON
    from jamfor.reports.municipality_batch import MeasureColumns, MunicipalityReportColumns

FORMAT_VERSION = 1


def _num(value: float | None) -> float | None:
    """The value as a JSON number, None for missing (NaN and infinities are not JSON)."""
    if value is None or not math.isfinite(value):
        return None
    return value


def _named(named: Named | None) -> dict[str, str] | None:
    return None if named is None else {"id": named.id, "name": named.name}


def _extreme(extreme: Extreme | None) -> dict[str, Any] | None:
    if extreme is None:
        return None
    return {"value": _num(extreme.value), "areas": [_named(a) for a in extreme.areas]}


def _reference(reference: Reference) -> dict[str, Any]:
    return {"kind": reference.kind, "label": reference.label, "group": _named(reference.group)}


def _definitions(definitions: list[KpiDefinition]) -> list[dict[str, str | None]]:
    """What each KPI in the report means and where it comes from ("Kolada" only for Kolada's KPIs)."""
    return [
        {"kpi": d.kpi, "title": d.title, "description": d.description, "unit": d.unit, "source": d.source}
        for d in definitions
    ]


def municipality_data(report: MunicipalityReport) -> dict[str, Any]:
    """The municipality report as JSON-ready data (the contract described in the module docstring)."""
    return _municipality_document(report, [_municipality_row(report, row) for row in report.rows])


def _municipality_row(report: MunicipalityReport, row: MunicipalityRow) -> dict[str, Any]:
    """One row's data. `render_json_all` fills the row fields that differ between municipalities
    into a template made of this: a new key reading such a field must write it as it is (_AS_IS)
    or as _num (_NUMBERS), or render_json_all writes those reports one by one."""
    return {
        "kpi": row.kpi,
        "title": row.title,
        "polarity": row.polarity,
        "values": {str(y): _num(row.values.get(y)) for y in report.years},
        "trend": row.trend,
        "mean": _num(row.mean),
        "riket": _num(row.riket),
        "reference": _num(row.reference),
        "rank": row.rank,
        "ranked": row.ranked,
        "colour": row.colour,
        "comment": row.comment,
        # Extra keys: free to grow, never renamed.
        "perspective": row.perspective,
        "unit": row.unit,
        "decimals": row.decimals,
        "colour_graded": row.colour_graded,
        "year_offset": row.year_offset,
        "data_years": {str(y): row.data_years.get(y, y + row.year_offset) for y in report.years},
        "direction": row.direction,
        "mean_count": row.mean_count,
        "reference_label": report.reference.label,
        "reference_count": row.reference_count,
        "median": _num(row.median),
        "best": _extreme(row.best),
        "worst": _extreme(row.worst),
        "source": row.source,
        "note": row.note,
    }


def _municipality_document(report: MunicipalityReport, rows: Any) -> dict[str, Any]:
    """The report's data around its rows. `render_json_all` writes this once for all reports and
    fills in the municipality, the rows and the sources: other keys must read only what every
    report of a `MunicipalityReportColumns` shares."""
    return {
        "report": "municipality",
        "format_version": FORMAT_VERSION,
        "municipality": _named(report.municipality),
        "years": list(report.years),
        "gender": report.gender,
        "colour_scheme": report.colour_scheme,
        "reference": _reference(report.reference),
        "measure_set": _named(report.measure_set),
        "perspectives": list(report.perspectives),
        "rows": rows,
        "sources": list(report.sources),
        "generated_at": report.generated_at.isoformat(timespec="seconds"),
        "definitions": _definitions(report.definitions),
    }


def network_data(report: NetworkReport) -> dict[str, Any]:
    """The network report: `members` lists the municipalities; each row has a cell per member id."""
    rows = []
    for row in report.rows:
        members = {
            member.id: {
                "value": _num(cell.value),
                "rank": cell.rank,
                "colour": cell.colour,
            }
            for member in report.members
            if (cell := row.members.get(member.id)) is not None
        }
        rows.append(
            {
                "kpi": row.kpi,
                "title": row.title,
                "perspective": row.perspective,
                "polarity": row.polarity,
                "unit": row.unit,
                "decimals": row.decimals,
                "data_year": row.data_year,
                "members": members,
                "ranked": row.ranked,
                "network_mean": _num(row.network_mean),
                "network_count": row.network_count,
                "mean": _num(row.mean),
                "riket": _num(row.riket),
                "best": _extreme(row.best),
                "worst": _extreme(row.worst),
            }
        )
    return {
        "report": "network",
        "format_version": FORMAT_VERSION,
        "network": _named(report.group),
        "members": [_named(m) for m in report.members],
        "year": report.year,
        "gender": report.gender,
        "colour_scheme": report.colour_scheme,
        "measure_set": _named(report.measure_set),
        "perspectives": list(report.perspectives),
        "rows": rows,
        "sources": list(report.sources),
        "generated_at": report.generated_at.isoformat(timespec="seconds"),
        "definitions": _definitions(report.definitions),
    }


def kpi_data(report: KpiReport) -> dict[str, Any]:
    """The KPI report: the ranking (best first), who has no value, and the distribution."""
    d = report.distribution
    return {
        "report": "kpi",
        "format_version": FORMAT_VERSION,
        "kpi": {
            "id": report.kpi,
            "title": report.title,
            "description": report.description,
            "polarity": report.polarity,
            "unit": report.unit,
            "decimals": report.decimals,
        },
        "year": report.year,
        "gender": report.gender,
        "colour_scheme": report.colour_scheme,
        "rows": [
            {
                "rank": r.rank,
                "municipality": _named(r.area),
                "value": _num(r.value),
                "colour": r.colour,
                "county": r.county,
                "kommungrupp": r.kommungrupp,
            }
            for r in report.rows
        ],
        "missing": [_named(a) for a in report.missing],
        "distribution": {
            "count": d.count,
            "missing": d.missing,
            "minimum": _num(d.minimum),
            "q1": _num(d.q1),
            "median": _num(d.median),
            "q3": _num(d.q3),
            "maximum": _num(d.maximum),
            "mean": _num(d.mean),
            "riket": _num(d.riket),
            "bins": [{"from": _num(a), "to": _num(b), "count": n} for a, b, n in d.bins],
        },
        "sources": list(report.sources),
        "generated_at": report.generated_at.isoformat(timespec="seconds"),
    }


def report_data(report: MunicipalityReport | NetworkReport | KpiReport) -> dict[str, Any]:
    """Any report as JSON-ready data."""
    if isinstance(report, MunicipalityReport):
        return municipality_data(report)
    if isinstance(report, NetworkReport):
        return network_data(report)
    return kpi_data(report)


def render_json(report: MunicipalityReport | NetworkReport | KpiReport, *, indent: int | None = 2) -> str:
    """The report as JSON text (UTF-8 characters kept, `allow_nan` off so output is strict JSON)."""
    return json.dumps(report_data(report), ensure_ascii=False, indent=indent, allow_nan=False) + "\n"


# -- every municipality's report at once ----------------------------------------------------------
#
# `municipality_report_columns` gives every municipality's report as columns: per measure, the
# row fields all reports share once, the others as lists. `render_json_all` writes each
# measure's shared part once, as pieces of a template (json.dumps of a row with placeholders in
# the own fields, cut there), encodes the own fields a column at a time, and joins each report's
# pieces once. The texts are exactly render_json's.

# Own fields a template can take, by how _municipality_row writes them: as they are, or as _num.
_AS_IS: Final = frozenset({"trend", "rank", "colour", "comment", "direction", "source", "title", "note"})
_NUMBERS: Final = frozenset({"mean", "riket", "reference", "median"})
_HOLE = re.compile(r'"\\u0000([0-9]+)\\u0000"')
_SEPARATOR: Final = "\x00"  # between a column's items: JSON text writes it as \u0000, never raw
# json.dumps's own encoder (the C one: no indent), items cut apart at _SEPARATOR.
_COLUMN_ENCODER: Final = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(_SEPARATOR, ":"))


def _hole(number: int) -> str:
    """A placeholder string; json.dumps writes it as "\\u0000<number>\\u0000", which _HOLE finds."""
    return f"\x00{number}\x00"


def _pieces(data: Any, indent: int | None, depth: int) -> tuple[list[str], list[int]]:
    """json.dumps(data) as it reads `depth` levels deep, cut at the placeholders: the pieces
    around them, and the placeholders' numbers in the order they appear."""
    text = json.dumps(data, ensure_ascii=False, indent=indent, allow_nan=False)
    if indent is not None and depth:
        text = text.replace("\n", "\n" + " " * (indent * depth))  # JSON strings hold no raw newline
    parts = _HOLE.split(text)
    return parts[0::2], [int(n) for n in parts[1::2]]


def _column(values: list[Any], *, numbers: bool, utf8: bool) -> list[Any]:
    """Each value as json.dumps writes it in a document (as `_num` first when `numbers`): the
    whole column encoded by one call of json's encoder, then cut apart (UTF-8 bytes when `utf8`)."""
    if not values:
        return []
    if utf8:
        fast = _utf8_column(values, numbers=numbers, bare=False)
        if fast is not None:
            return fast[0]
    try:
        text = _COLUMN_ENCODER.encode(values)
    except ValueError:  # NaN or an infinity: a number column writes null, render_json would raise
        if not numbers:
            raise
        text = _COLUMN_ENCODER.encode([_num(v) for v in values])
    inner = text[1:-1]
    if utf8:
        return inner.encode().split(_SEPARATOR.encode())
    return inner.split(_SEPARATOR)


# orjson writes these as json.dumps does (tests/reports/test_reports_all.py checks it): strings
# (ensure_ascii off) byte for byte, and floats too, except below 1e-4, where json.dumps writes
# "1e-05" and orjson "0.00001" or "1e-9" (_tiny finds those). NaN and infinities it writes as
# null, which _num makes them too; text with a lone surrogate it refuses (TypeError).
_SCALARS: Final = frozenset({int, float, bool, type(None)})


# One JSON string's contents: anything but a quote or a backslash, or an escape.
_JSON_STRING: Final = re.compile(rb'"((?:[^"\\]|\\.)*)"', re.DOTALL)


def _tiny(text: bytes) -> bool:
    """Whether orjson's `text` may hold a number below 1e-4 (and a few others: "10.00001")."""
    return b"e-" in text or b"0.0000" in text


def _utf8_column(values: list[Any], *, numbers: bool, bare: bool) -> tuple[list[bytes], bool] | None:
    """`_column(values, utf8=True)` by orjson (a tenth of the time), or None where its text could
    differ from json.dumps's. With `bare`, a column of strings alone may come without the quotes
    around each (the second item says so): the caller's template writes them."""
    kinds = set(map(type, values))
    try:
        if kinds <= _SCALARS:
            if float in kinds and not numbers:
                return None  # json.dumps would refuse a NaN here; leave it the chance
            text = orjson.dumps(values)
            if float in kinds and _tiny(text):
                return None
            items, bare = text[1:-1].split(b","), False
        elif kinds == {str} and bare:
            text = orjson.dumps(values)
            # Without an escaped quote, '","' occurs only between two items; with one ('\\",'
            # then the next item's '"') it would pass for a boundary: read string by string.
            items = _JSON_STRING.findall(text) if b'\\"' in text else text[2:-2].split(b'","')
        elif kinds <= {str, type(None)} and "," not in "".join(filter(None, values)):
            # No comma inside any string (JSON escapes add none): commas are item boundaries.
            items, bare = orjson.dumps(values)[1:-1].split(b","), False
        else:
            return None
    except TypeError:  # an int beyond 64 bits, a lone surrogate: json's way decides
        return None
    return (items, bare) if len(items) == len(values) else None


def _measure_parts(
    probe: MunicipalityReport,
    row: MunicipalityRow,
    measure: MeasureColumns,
    indent: int | None,
    utf8: bool,
) -> list[Any] | None:
    """One measure's row in every report, as parts: template text (the same in every report)
    and columns (a text per report), in order (UTF-8 bytes when `utf8`, else str).

    `probe` and `row` are one municipality's report and row, for the shared fields. None when a
    field differing between reports is not one a template can take.
    """
    if not set(measure.own) <= _AS_IS | _NUMBERS:
        return None
    data = _municipality_row(probe, row)
    columns: list[list[Any]] = []  # by placeholder number
    bare: set[int] = set()  # the placeholders whose items come without their quotes
    data["values"] = {}
    for year, values in zip(probe.years, measure.values, strict=True):
        data["values"][str(year)] = _hole(len(columns))
        columns.append(_column(values, numbers=True, utf8=utf8))
    for name, values in measure.own.items():
        data[name] = _hole(len(columns))
        fast = _utf8_column(values, numbers=name in _NUMBERS, bare=True) if utf8 and values else None
        if fast is None:
            columns.append(_column(values, numbers=name in _NUMBERS, utf8=utf8))
        else:
            if fast[1]:
                bare.add(len(columns))
            columns.append(fast[0])
    pieces, order = _pieces(data, indent, 2)
    if sorted(order) != list(range(len(columns))):
        return None
    for k, number in enumerate(order):
        if number in bare:  # the quotes around each item, once in the template
            pieces[k] += '"'
            pieces[k + 1] = '"' + pieces[k + 1]
    parts: list[Any] = [pieces[0]]
    for number, piece in zip(order, pieces[1:], strict=True):
        parts += [columns[number], piece]
    return [p.encode() if utf8 and isinstance(p, str) else p for p in parts]


def _joined(parts: list[Any], empty: Any) -> Iterator[Any]:
    """Each report's text, made when asked for: the parts in order, a column giving each report
    its own text."""
    merged: list[Any] = []  # neighbouring template texts made one
    for part in parts:
        if isinstance(part, list) or not merged or isinstance(merged[-1], list):
            merged.append(part)
        else:
            merged[-1] += part
    return map(empty.join, zip(*(p if isinstance(p, list) else repeat(p) for p in merged), strict=False))


def render_json_all(reports: MunicipalityReportColumns, *, indent: int | None = 2) -> list[str]:
    """Each municipality's report as JSON, the same text as `render_json(report, indent=indent)`.

    Much faster than rendering 290 reports one by one: what each measure's row shows every
    municipality is encoded once, only each municipality's own fields per row.
    """
    return list(cast(Iterator[str], _render_all(reports, indent, utf8=False)))


def render_json_all_utf8(reports: MunicipalityReportColumns, *, indent: int | None = 2) -> list[bytes]:
    """`render_json_all` as UTF-8 bytes, as written to a file or sent: `render_json(report,
    indent=indent).encode()` of each report, written as bytes from the start (half the memory of
    Python's str for text beyond Latin-1, and no encoding afterwards)."""
    return list(iter_json_all_utf8(reports, indent=indent))


def iter_json_all_utf8(reports: MunicipalityReportColumns, *, indent: int | None = 2) -> Iterator[bytes]:
    """`render_json_all_utf8` one document at a time, each made in full when it is asked for.

    The texts every document shares and each measure's column of own fields are encoded first;
    then each document is one join. A caller that writes or sends each document and lets it go
    holds one at a time: memory stays flat, and each document reuses the last one's (fresh
    memory for 290 documents of ~60 KB costs more than joining them).
    """
    return cast(Iterator[bytes], _render_all(reports, indent, utf8=True))


def _render_all(reports: MunicipalityReportColumns, indent: int | None, *, utf8: bool) -> Iterator[Any]:
    # ~15,000 new strings and lists and no reference cycles: the cyclic collector would only
    # walk them again and again (as in `reports.data.gc_paused`). Joining makes bytes alone.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _render_all_now(reports, indent, utf8=utf8)
    finally:
        if enabled:
            gc.enable()


def _render_all_now(reports: MunicipalityReportColumns, indent: int | None, *, utf8: bool) -> Iterator[Any]:
    count = len(reports.municipalities)
    if not count:
        return iter(())
    probe = reports.report(0)
    holes = [_hole(n) for n in range(3)]
    data = _municipality_document(probe, holes[1])
    data["municipality"], data["sources"] = holes[0], holes[2]
    document, order = _pieces(data, indent, 0)
    named, named_order = _pieces({"id": holes[0], "name": holes[1]}, indent, 1)
    pad = "" if indent is None else " " * indent
    separator = ", " if indent is None else ",\n" + pad * 2
    measures = [
        _measure_parts(probe, row, measure, indent, utf8)
        for row, measure in zip(probe.rows, reports.measures, strict=True)
    ]
    if order != [0, 1, 2] or named_order != [0, 1] or any(m is None for m in measures):
        texts = [render_json(r, indent=indent) for r in reports.reports()]
        return iter([t.encode() for t in texts] if utf8 else texts)
    d0, d1, d2, d3 = document
    if measures:
        d1 += "[" if indent is None else "[\n" + pad * 2
        d2 = ("]" if indent is None else "\n" + pad + "]") + d2
    else:
        d1, d2 = d1 + "[", "]" + d2
    d3 += "\n"

    def text(value: str) -> Any:
        return value.encode() if utf8 else value

    ids = _column([p.id for p in reports.municipalities], numbers=False, utf8=utf8)
    names = _column([p.name for p in reports.municipalities], numbers=False, utf8=utf8)
    encoded_sources: dict[int, Any] = {}
    sources = []
    for lines in reports.sources:  # reports mostly share one list of source lines
        found = encoded_sources.get(id(lines))
        if found is None:
            found = encoded_sources[id(lines)] = text(_pieces(list(lines), indent, 1)[0][0])
        sources.append(found)
    n0, n1, n2 = named
    parts: list[Any] = [text(d0 + n0), ids, text(n1), names, text(n2 + d1)]
    for j, measure in enumerate(measures):
        assert measure is not None
        if j:
            parts.append(text(separator))
        parts += measure
    parts += [text(d2), sources, text(d3)]
    return _joined(parts, text(""))
