"""Reports as CSV for machines: UTF-8 (no BOM), comma delimiter, decimal point, full precision.

One header row, then one row per measure (municipality report), per measure and member (network
report) or per municipality (KPI report; municipalities without a value last, with empty value and
rank). Missing values are empty fields. Numbers are Python's shortest exact form (`repr`), never
rounded, so `float(field)` gives back the stored value; `decimals` says what a person should see.
People who want Swedish figures in Excel should use the XLSX format, which has real number cells.

Each row also carries its KPI's definition: `description` (the catalogue's definition) and
`kpi_source` ("Kolada" for Kolada's KPIs, the owner's name for our own), so the file stays one
plain table that any CSV reader parses. `definitions_of` gives a report's definitions to every
renderer (the KPI report's from its own fields).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from typing import Final

from jamfor.render.text import Lang
from jamfor.reports.model import Extreme, KpiDefinition, KpiReport, MunicipalityReport, NetworkReport

Field = str | int | float | bool | None

KOLADA_LINE: Final = "Källa: Kolada"

# The words around the definitions in the human formats (XLSX sheet, HTML and PDF section).
DEFINITION_LABELS: Final[dict[Lang, dict[str, str]]] = {
    "sv": {
        "heading": "Definitioner och källor",
        "sheet": "Definitioner",
        "kpi_id": "Nyckeltal (id)",
        "title": "Nyckeltal",
        "description": "Definition",
        "unit": "Enhet",
        "source": "Källa",
        "missing": "uppgift saknas",
    },
    "en": {
        "heading": "Definitions and sources",
        "sheet": "Definitions",
        "kpi_id": "KPI (id)",
        "title": "KPI",
        "description": "Definition",
        "unit": "Unit",
        "source": "Source",
        "missing": "no data",
    },
}


def definitions_of(report: MunicipalityReport | NetworkReport | KpiReport) -> list[KpiDefinition]:
    """The definitions of the report's KPIs, in row order.

    Municipality and network reports carry theirs. A KPI report has its one KPI's fields; its
    source is "Kolada" only when its values came from Kolada ("Källa: Kolada" among its sources),
    else the other sources it names; never Kolada for our own KPIs.
    """
    if not isinstance(report, KpiReport):
        return list(report.definitions)
    if KOLADA_LINE in report.sources:
        source = "Kolada"
    else:
        source = ", ".join(
            line.removeprefix("Källa: ") for line in report.sources if line.startswith("Källa: ")
        )
    return [KpiDefinition(report.kpi, report.title, report.description, report.unit, source)]


def _by_kpi(report: MunicipalityReport | NetworkReport | KpiReport) -> dict[str, KpiDefinition]:
    return {d.kpi: d for d in definitions_of(report)}


def _definition_fields(found: dict[str, KpiDefinition], kpi: str) -> tuple[str | None, str | None]:
    definition = found.get(kpi)
    return (None, None) if definition is None else (definition.description, definition.source or None)


def _field(value: Field) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ""
    return str(value)


def _extreme_value(extreme: Extreme | None) -> float | None:
    return None if extreme is None else extreme.value


def _extreme_areas(extreme: Extreme | None) -> str:
    # Ids joined with "|": a list in one field that no municipality id or name contains.
    return "" if extreme is None else "|".join(a.id for a in extreme.areas)


def _write(header: Sequence[str], rows: Iterable[Sequence[Field]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_field(v) for v in row])
    return out.getvalue()


def municipality_csv(report: MunicipalityReport) -> str:
    """A row per measure: the report's years as `value_<year>` (and `data_year_<year>`) columns."""
    years = report.years
    header = [
        "municipality_id",
        "municipality_name",
        "perspective",
        "kpi",
        "title",
        "unit",
        "polarity",
        "decimals",
        *(f"value_{y}" for y in years),
        *(f"data_year_{y}" for y in years),
        "trend",
        "direction",
        "year",
        "mean",
        "mean_count",
        "riket",
        "median",
        "best",
        "best_areas",
        "worst",
        "worst_areas",
        "reference_label",
        "reference",
        "reference_count",
        "rank",
        "ranked",
        "colour_scheme",
        "colour",
        "comment",
        "source",
        "description",
        "kpi_source",
    ]
    last = years[-1] if years else None
    found = _by_kpi(report)
    rows: list[list[Field]] = [
        [
            report.municipality.id,
            report.municipality.name,
            r.perspective,
            r.kpi,
            r.title,
            r.unit,
            r.polarity,
            r.decimals,
            *(r.values.get(y) for y in years),
            *(r.data_years.get(y, y + r.year_offset) for y in years),
            r.trend,
            r.direction,
            last,
            r.mean,
            r.mean_count,
            r.riket,
            r.median,
            _extreme_value(r.best),
            _extreme_areas(r.best),
            _extreme_value(r.worst),
            _extreme_areas(r.worst),
            report.reference.label,
            r.reference,
            r.reference_count,
            r.rank,
            r.ranked,
            report.colour_scheme,
            r.colour,
            r.comment,
            r.source,
            *_definition_fields(found, r.kpi),
        ]
        for r in report.rows
    ]
    return _write(header, rows)


def network_csv(report: NetworkReport) -> str:
    """A row per measure and member, with the measure's references repeated on each row."""
    header = [
        "network_id",
        "network_name",
        "year",
        "perspective",
        "kpi",
        "title",
        "unit",
        "polarity",
        "decimals",
        "data_year",
        "member_id",
        "member_name",
        "value",
        "rank",
        "ranked",
        "colour_scheme",
        "colour",
        "network_mean",
        "network_count",
        "mean",
        "riket",
        "best",
        "best_areas",
        "worst",
        "worst_areas",
        "description",
        "kpi_source",
    ]
    found = _by_kpi(report)
    rows: list[list[Field]] = []
    for r in report.rows:
        definition = _definition_fields(found, r.kpi)
        for m in report.members:
            cell = r.members.get(m.id)
            rows.append(
                [
                    report.group.id,
                    report.group.name,
                    report.year,
                    r.perspective,
                    r.kpi,
                    r.title,
                    r.unit,
                    r.polarity,
                    r.decimals,
                    r.data_year,
                    m.id,
                    m.name,
                    None if cell is None else cell.value,
                    None if cell is None else cell.rank,
                    r.ranked,
                    report.colour_scheme,
                    "grey" if cell is None else cell.colour,
                    r.network_mean,
                    r.network_count,
                    r.mean,
                    r.riket,
                    _extreme_value(r.best),
                    _extreme_areas(r.best),
                    _extreme_value(r.worst),
                    _extreme_areas(r.worst),
                    *definition,
                ]
            )
    return _write(header, rows)


def kpi_csv(report: KpiReport) -> str:
    """A row per municipality, best first; those without a value at the end with empty fields."""
    header = [
        "kpi",
        "year",
        "gender",
        "rank",
        "municipality_id",
        "municipality_name",
        "value",
        "colour_scheme",
        "colour",
        "county",
        "kommungrupp",
        "title",
        "unit",
        "description",
        "kpi_source",
    ]
    description, source = _definition_fields(_by_kpi(report), report.kpi)
    about: list[Field] = [report.title, report.unit, description, source]
    rows: list[list[Field]] = [
        [
            report.kpi,
            report.year,
            report.gender,
            r.rank,
            r.area.id,
            r.area.name,
            r.value,
            report.colour_scheme,
            r.colour,
            r.county,
            r.kommungrupp,
            *about,
        ]
        for r in report.rows
    ]
    for a in report.missing:
        missing: list[Field] = [report.kpi, report.year, report.gender, None, a.id, a.name, None]
        rows.append([*missing, report.colour_scheme, "grey", None, None, *about])
    return _write(header, rows)


def render_csv(report: MunicipalityReport | NetworkReport | KpiReport) -> str:
    """Any report as CSV text."""
    if isinstance(report, MunicipalityReport):
        return municipality_csv(report)
    if isinstance(report, NetworkReport):
        return network_csv(report)
    return kpi_csv(report)
