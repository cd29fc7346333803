"""The quality ranking on the website: `/rankning` (all municipalities) and
`/rankning/<municipality>` (its place measure by measure). `.json`, `.csv` and (for the whole
ranking) `.xlsx` give the same content as files. The report is built by `jamfor.reports.ranking`;
nothing is computed here.
"""

from __future__ import annotations

from typing import Any, Final

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from fastapi.responses import Response as PlainResponse

from jamfor.errors import JamforError, NotFoundError
from jamfor.rankings import DEFAULT_DEFINITION, bundled_definitions, find_definition
from jamfor.render.ranking import (
    WORDS,
    interval_text,
    method_text,
    ranking_csv,
    ranking_json,
    ranking_xlsx,
)
from jamfor.render.text import Lang, number
from jamfor.reports.ranking import RankingExplanation, RankingReport, explain, ranking_report
from jamfor.web.access import StoreAccess, store_access
from jamfor.web.downloads import file_stem, split_download
from jamfor.web.i18n import check_ui_lang
from jamfor.web.pages import data_version, page

router = APIRouter(include_in_schema=False)

MEDIA: Final = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

TEXT: Final[dict[str, dict[Lang, str]]] = {
    "page_title": {"sv": "Kvalitetsrankning", "en": "Quality ranking"},
    "intro": {
        "sv": "En datadriven rangordning av alla kommuner efter en definition som visas i sin helhet "
        "nedan: vilka mått, hur de vägs och hur de normeras. Intervallet anger vilka placeringar som "
        "är rimliga om urvalet av mått hade varit ett annat (bootstrap över måtten, 95 %). "
        "Rangordningen är beräknad av jamfor från Koladas värden; den är inte publicerad av Kolada eller SKR.",
        "en": "A data-driven ranking of all municipalities by a definition shown in full below: which "
        "measures, how they are weighted and how they are normalised. The interval shows the places "
        "that are plausible had the choice of measures been different (a bootstrap over the measures, "
        "95%). jamfor computed the ranking from Kolada's values; neither Kolada nor SKR published it.",
    },
    "definition": {"sv": "Rangordning", "en": "Ranking"},
    "year": {"sv": "År", "en": "Year"},
    "show": {"sv": "Visa", "en": "Show"},
    "how": {"sv": "Så är rangordningen gjord", "en": "How the ranking is made"},
    "coverage": {
        "sv": "En kommun rangordnas när den har värden för minst {share} % av måtten.",
        "en": "A municipality is ranked when it has values for at least {share}% of the measures.",
    },
    "within": {
        "sv": "Kommunerna rangordnas inom sin kommungrupp (SKR 2023).",
        "en": "Municipalities are ranked within their municipality group (SKR 2023).",
    },
    "left_out": {"sv": "Mått som inte ingår i år", "en": "Measures not included this year"},
    "places": {"sv": "Placeringar", "en": "Places"},
    "development_intro": {
        "sv": "Den mest jämna förbättringen {start}–{end}: andelen av alla årsvisa förändringar i måtten "
        "som gick åt rätt håll.",
        "en": "The most consistent improvement {start}–{end}: the share of all year-on-year changes in "
        "the measures that went the right way.",
    },
    "breakdown": {"sv": "Placeringen mått för mått", "en": "The place measure by measure"},
    "breakdown_note": {
        "sv": "Varje måtts bidrag är dess poäng gånger dess vikt i totalen; bidragen summeras till kommunens poäng.",
        "en": "Each measure's contribution is its score times its weight in the total; the contributions "
        "add up to the municipality's score.",
    },
    "summary": {
        "sv": "{name} har plats {place} av {of}{group} med poängen {score}. Rimliga placeringar: {interval}.",
        "en": "{name} is in place {place} of {of}{group} with the score {score}. Plausible places: {interval}.",
    },
    "not_ranked": {
        "sv": "{name} rangordnas inte: värden finns för {covered} av {measures} mått, och minst {share} % krävs.",
        "en": "{name} is not ranked: it has values for {covered} of {measures} measures, and {share}% are needed.",
    },
    "in_group": {"sv": " i kommungrupp {group}", "en": " in municipality group {group}"},
    "all": {"sv": "Hela rangordningen", "en": "The whole ranking"},
    "downloads": {"sv": "Ladda ner", "en": "Download"},
    "download_note": {
        "sv": "Samma innehåll som sidan, med full precision.",
        "en": "The same content as the page, at full precision.",
    },
    "sum": {"sv": "Summa", "en": "Sum"},
    "area_scores": {"sv": "Poäng per område", "en": "Score per area"},
}


def _text(key: str, lang: Lang) -> str:
    return TEXT[key][lang]


def _definition(name: str | None) -> Any:
    return find_definition(name, allow_files=False)


def _download(content: str | bytes, fmt: str, stem: str) -> Response:
    headers = {}
    if fmt in ("csv", "xlsx"):
        headers["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    return PlainResponse(content, media_type=MEDIA[fmt], headers=headers)


def _report(request: Request, access: StoreAccess, name: str | None, year: int | None) -> RankingReport:
    definition = _definition(name)
    with access.using(data_version(request)) as store:
        return ranking_report(store, definition, year=year)


def _links(request: Request, path: str, formats: tuple[str, ...]) -> list[tuple[str, str]]:
    query = request.url.query
    return [(fmt.upper(), f"{path}.{fmt}" + (f"?{query}" if query else "")) for fmt in formats]


def _words(lang: Lang) -> dict[str, str]:
    return {key: value[lang] for key, value in WORDS.items()} | {
        key: value[lang] for key, value in TEXT.items()
    }


def _years(report: RankingReport) -> list[int]:
    return list(range(report.year, report.year - 8, -1))


@router.get("/rankning")
@router.get("/rankning{suffix}")
def ranking_page(
    request: Request,
    suffix: str = "",
    rankning: str | None = Query(None, max_length=100),
    year: int | None = Query(None, ge=1950, le=2100),
    lang: str = "sv",
    access: StoreAccess = Depends(store_access),
) -> Response:
    language = check_ui_lang(lang)
    fmt: str | None = None
    if suffix:
        _, found = split_download("x" + suffix)
        if found not in MEDIA:
            raise NotFoundError(f"no page /rankning{suffix}")
        fmt = found
    report = _report(request, access, rankning, year)
    stem = file_stem("jamfor-rankning", report.definition.id, str(report.year))
    if fmt == "json":
        return _download(ranking_json(report) + "\n", fmt, stem)
    if fmt == "csv":
        return _download(ranking_csv(report), fmt, stem)
    if fmt == "xlsx":
        return _download(ranking_xlsx(report, language), fmt, stem)
    return page(
        request,
        "ranking.html",
        language,
        {
            "title": _text("page_title", language),
            "report": report,
            "w": _words(language),
            "method": method_text(report.method, language),
            "definitions": list(bundled_definitions().values()),
            "chosen": report.definition.id,
            "is_default": report.definition.id == DEFAULT_DEFINITION,
            "years": _years(report),
            "coverage_text": _text("coverage", language).format(
                share=number(report.definition.coverage * 100, 0)
            ),
            "num": lambda v, d=3: number(v, d, language),
            "interval": interval_text,
            "downloads": _links(request, "/rankning", ("json", "csv", "xlsx")),
        },
    )


@router.get("/rankning/{ident}")
def ranking_municipality_page(
    request: Request,
    ident: str,
    rankning: str | None = Query(None, max_length=100),
    year: int | None = Query(None, ge=1950, le=2100),
    lang: str = "sv",
    access: StoreAccess = Depends(store_access),
) -> Response:
    language = check_ui_lang(lang)
    name, fmt = split_download(ident)
    if fmt is not None and fmt not in ("json", "csv"):
        raise JamforError(f"the breakdown is available as .json or .csv, not .{fmt}")
    definition = _definition(rankning)
    with access.using(data_version(request)) as store:
        area = store.resolve_area(name)
        if not area.is_municipality:
            raise NotFoundError(f"{area.title} is not a municipality; the ranking covers municipalities")
        report = ranking_report(store, definition, year=year)
    explanation: RankingExplanation = explain(report, area.id)
    stem = file_stem("jamfor-rankning", definition.id, area.id, str(report.year))
    if fmt == "json":
        return _download(ranking_json(explanation) + "\n", fmt, stem)
    if fmt == "csv":
        return _download(ranking_csv(explanation), fmt, stem)
    s = explanation.row.standing
    group = _text("in_group", language).format(group=s.group) if s.group else ""
    if s.ranked:
        summary = _text("summary", language).format(
            name=area.title,
            place=s.place,
            of=s.places_of,
            group=group,
            score=number(s.total, 3, language),
            interval=interval_text(explanation.row) or "–",
        )
    else:
        summary = _text("not_ranked", language).format(
            name=area.title,
            covered=s.covered,
            measures=s.measures,
            share=number(definition.coverage * 100, 0, language),
        )
    return page(
        request,
        "ranking_municipality.html",
        language,
        {
            "title": f"{_text('page_title', language)}: {area.title}",
            "area": area,
            "report": report,
            "explanation": explanation,
            "summary": summary,
            "w": _words(language),
            "method": method_text(report.method, language),
            "num": lambda v, d=3: number(v, d, language),
            "total": sum(c.contribution for _, c in explanation.contributions),
            "query": request.url.query,
            "downloads": _links(request, f"/rankning/{area.id}", ("json", "csv")),
        },
    )
