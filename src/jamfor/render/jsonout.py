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
"""

from __future__ import annotations

import json
import math
from typing import Any

from jamfor.reports.model import (
    Extreme,
    KpiReport,
    MunicipalityReport,
    Named,
    NetworkReport,
    Reference,
)

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


def municipality_data(report: MunicipalityReport) -> dict[str, Any]:
    """The municipality report as JSON-ready data (the contract described in the module docstring)."""
    rows = []
    for row in report.rows:
        rows.append(
            {
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
        )
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
