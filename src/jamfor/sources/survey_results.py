"""`jamfor survey compute`: a survey's stored answers → indices (or shares) → own KPIs.

Each result is an observation of an own KPI (origin "survey", see `survey_definitions.result_kpis`)
with its 95 % interval bounds as two companion KPIs (ids ending in -L95 and -U95) and the number
of respondents behind it in the observation's `count`. The values go through the ordinary import
(`Store.import_csv`), so a recomputation that changes a value keeps the old one as history, and
one that changes nothing writes nothing. The source of every value is the source the answers were
imported with (e.g. "SCB:s medborgarundersökning (syntetisk)"), never Kolada.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from jamfor.compute.survey import Respondent, SurveyDefinition, YearResults, year_results
from jamfor.errors import JamforError
from jamfor.model import ImportSummary
from jamfor.sources.survey_definitions import index_kpi_id, result_kpis, share_kpi_id
from jamfor.store.ingest import CsvSource
from jamfor.store.repository import Store
from jamfor.store.surveys import StoredResponse, responses

COLUMNS = ("kpi", "area", "period", "gender", "value", "status", "count")


def group_respondents(stored: Sequence[StoredResponse]) -> dict[tuple[str, int], list[Respondent]]:
    """Stored answers as respondents per (municipality, year); weight 1 where none was given."""
    grouped: dict[tuple[str, int], list[Respondent]] = {}
    for r in stored:
        grouped.setdefault((r.area, r.period), []).append(
            Respondent(r.answers, 1.0 if r.weight is None else r.weight)
        )
    return grouped


def computed_results(
    store: Store, survey: SurveyDefinition, areas: Sequence[str] | None = None
) -> tuple[dict[tuple[str, int], YearResults], dict[tuple[str, int], str]]:
    """Results per (municipality, year) from the stored answers, and the source of each."""
    stored = responses(store, survey.id, areas=areas)
    sources = {(r.area, r.period): r.source for r in stored}
    results = {key: year_results(survey, group) for key, group in group_respondents(stored).items()}
    return results, sources


def observation_rows(
    survey: SurveyDefinition, results: dict[tuple[str, int], YearResults]
) -> list[tuple[str, str, int, str, float | None, str | None, int]]:
    """(kpi, area, period, gender, value, status, count) for every result and interval bound."""
    rows: list[tuple[str, str, int, str, float | None, str | None, int]] = []
    for (area, period), found in sorted(results.items()):
        for index_id, result in found.indices.items():
            if result.value is None:
                continue
            for part, value in (("value", result.value), ("lower", result.lower), ("upper", result.upper)):
                if value is not None:
                    rows.append(
                        (
                            index_kpi_id(survey, index_id, part),
                            area,
                            period,
                            "T",
                            value,
                            None,
                            result.respondents,
                        )
                    )
        for question_id, shares in found.shares.items():
            for share in shares:
                if share.share is None:
                    continue
                for part, value in (("value", share.share), ("lower", share.lower), ("upper", share.upper)):
                    if value is not None:
                        rows.append(
                            (
                                share_kpi_id(survey, question_id, share.code, part),
                                area,
                                period,
                                "T",
                                value,
                                None,
                                share.respondents,
                            )
                        )
    return rows


@dataclass
class ComputeSummary:
    survey: str
    municipality_years: int = 0
    values: int = 0
    sources: list[str] = field(default_factory=list)
    imports: list[ImportSummary] = field(default_factory=list)

    @property
    def new(self) -> int:
        return sum(s.new for s in self.imports)

    @property
    def changed(self) -> int:
        return sum(s.changed for s in self.imports)


def compute_and_store(
    store: Store, survey: SurveyDefinition, areas: Sequence[str] | None = None
) -> ComputeSummary:
    """Compute `survey` from its stored answers and store the results as own KPIs, by source."""
    results, sources = computed_results(store, survey, areas)
    summary = ComputeSummary(survey.id, municipality_years=len(results))
    if not results:
        return summary
    by_source: dict[str, dict[tuple[str, int], YearResults]] = {}
    for key, found in results.items():
        by_source.setdefault(sources[key], {})[key] = found
    summary.sources = sorted(by_source)
    for source, part in sorted(by_source.items()):
        if "kolada" in source.casefold():  # pragma: no cover - the importer refuses such sources
            raise JamforError(f"survey results cannot carry the source {source!r}")
        catalogue = source if len(by_source) == 1 else survey.title
        store.upsert_kpis([r.kpi for r in result_kpis(survey, catalogue)], keep_curated=False)
        rows = observation_rows(survey, part)
        summary.values += len(rows)
        with tempfile.TemporaryDirectory(prefix="jamfor-survey-") as tmp:
            path = Path(tmp) / f"{survey.id}.csv"
            with path.open("w", encoding="utf-8", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(COLUMNS)
                for kpi, area, period, gender, value, status, count in rows:
                    writer.writerow(
                        (kpi, area, period, gender, "" if value is None else repr(value), status or "", count)
                    )
            summary.imports.append(
                store.import_csv(
                    CsvSource(path, ",", COLUMNS),
                    file_name=f"{survey.id} (computed)",
                    sha256="",
                    source=source,
                    kind="survey-results",
                )
            )
    return summary
