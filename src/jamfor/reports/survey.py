"""A municipality's citizen-survey results: indices by year with their interval, band and whether
the change from the previous survey year is significant; for the post-2021 family, the share per
answer option with its interval. Rows only; `jamfor.render.survey` formats them.

The two families are separate sections and are never put on one scale (DOMAIN.md §5).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from jamfor.compute.survey import Band, Change, IndexResult, SurveyDefinition, change_test
from jamfor.errors import NotFoundError
from jamfor.model import Area
from jamfor.sources.survey_definitions import bundled_surveys, index_kpi_id, share_kpi_id, survey_definition
from jamfor.sources.survey_results import computed_results
from jamfor.store.repository import Store


@dataclass(frozen=True)
class IndexYear:
    year: int
    value: float | None
    lower: float | None
    upper: float | None
    standard_error: float | None
    respondents: int
    excluded: int
    effective_n: float
    band: Band | None
    change: Change | None  # from the previous year with a value in this report
    previous_year: int | None


@dataclass(frozen=True)
class IndexRow:
    survey: str
    index: str
    title: str
    title_en: str | None
    kind: str
    parent: str | None
    kpi: str
    years: tuple[IndexYear, ...]


@dataclass(frozen=True)
class ShareYear:
    year: int
    share: float | None
    lower: float | None
    upper: float | None
    respondents: int


@dataclass(frozen=True)
class ShareRow:
    survey: str
    question: str
    text: str
    text_en: str | None
    option: int
    label: str
    label_en: str | None
    kpi: str
    years: tuple[ShareYear, ...]


@dataclass(frozen=True)
class SurveyInfo:
    id: str
    title: str
    title_en: str | None
    family: str
    years: tuple[int, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class SurveyReport:
    """What the store's answers say for one municipality, per survey family."""

    municipality: Area
    surveys: tuple[SurveyInfo, ...]
    index_rows: tuple[IndexRow, ...]
    share_rows: tuple[ShareRow, ...]

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(sorted({s for info in self.surveys for s in info.sources}))

    @property
    def synthetic(self) -> bool:
        return any("syntetisk" in s for s in self.sources)


def _index_rows(survey: SurveyDefinition, results: dict[int, dict[str, IndexResult]]) -> list[IndexRow]:
    rows = []
    for ix in survey.indices:
        years: list[IndexYear] = []
        previous: tuple[int, IndexResult] | None = None
        for year in sorted(results):
            result = results[year][ix.id]
            change = None
            previous_year = None
            if previous is not None and result.value is not None:
                previous_year = previous[0]
                change = change_test(previous[1], result)
            years.append(
                IndexYear(
                    year,
                    result.value,
                    result.lower,
                    result.upper,
                    result.standard_error,
                    result.respondents,
                    result.excluded,
                    result.effective_n,
                    result.band,
                    change,
                    previous_year,
                )
            )
            if result.value is not None:
                previous = (year, result)
        rows.append(
            IndexRow(
                survey.id,
                ix.id,
                ix.title,
                ix.title_en,
                ix.kind,
                ix.parent,
                index_kpi_id(survey, ix.id),
                tuple(years),
            )
        )
    return rows


def survey_report(
    store: Store, municipality: str, *, survey: str | None = None, years: Sequence[int] | None = None
) -> SurveyReport:
    """The survey results of `municipality` (id or name) from the stored answers of every bundled
    survey (or `survey`, an id or a definition file), optionally only some years."""
    area = store.resolve_area(municipality)
    if area.type != "K":
        raise NotFoundError(f"{area.title} ({area.id}) is not a municipality")
    surveys = [survey_definition(survey)] if survey else list(bundled_surveys().values())
    infos: list[SurveyInfo] = []
    index_rows: list[IndexRow] = []
    share_rows: list[ShareRow] = []
    for definition in surveys:
        results, sources = computed_results(store, definition, [area.id])
        by_year = {
            period: found for (_, period), found in results.items() if years is None or period in years
        }
        if not by_year:
            continue
        infos.append(
            SurveyInfo(
                definition.id,
                definition.title,
                definition.title_en,
                definition.family,
                tuple(sorted(by_year)),
                tuple(sorted({sources[(area.id, y)] for y in by_year})),
            )
        )
        if definition.family == "index":
            index_rows += _index_rows(definition, {y: dict(f.indices) for y, f in by_year.items()})
        else:
            for q in definition.questions:
                for option in q.options:
                    cells = []
                    for year in sorted(by_year):
                        share = next(s for s in by_year[year].shares[q.id] if s.code == option.code)
                        cells.append(
                            ShareYear(year, share.share, share.lower, share.upper, share.respondents)
                        )
                    share_rows.append(
                        ShareRow(
                            definition.id,
                            q.id,
                            q.text,
                            q.text_en,
                            option.code,
                            option.label,
                            option.label_en,
                            share_kpi_id(definition, q.id, option.code),
                            tuple(cells),
                        )
                    )
    if survey and not infos:
        raise NotFoundError(
            f"no answers of {survey} for {area.title} ({area.id}); import some with 'jamfor survey import'"
        )
    return SurveyReport(area, tuple(infos), tuple(index_rows), tuple(share_rows))


def municipalities_with_results(store: Store) -> list[tuple[Area, tuple[str, ...], tuple[int, ...]]]:
    """(municipality, survey ids, years) for every municipality the store has survey answers for."""
    from jamfor.store.surveys import holdings

    found: dict[str, tuple[set[str], set[int]]] = {}
    for h in holdings(store):
        entry = found.setdefault(h.area, (set(), set()))
        entry[0].add(h.survey)
        entry[1].add(h.period)
    areas = {a.id: a for a in store.municipalities()}
    return [
        (areas[a], tuple(sorted(s)), tuple(sorted(y)))
        for a, (s, y) in sorted(
            found.items(), key=lambda item: areas[item[0]].title if item[0] in areas else item[0]
        )
        if a in areas
    ]
