"""The survey pages: `/undersokning` (what the indices are, which municipalities have results) and
`/undersokning/<municipality>` (indices by year with interval, band and significance, a chart with
its data table, the post-2021 shares), the latter also as `.json`, `.csv` and `.xlsx`.

The source line is the answers' source (e.g. "SCB:s medborgarundersökning (syntetisk)"), never
Kolada; the words the pages add are here (`SURVEY_UI`), the report's in `jamfor.render.survey`.
"""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from jamfor.errors import NotFoundError
from jamfor.render import MEDIA_TYPES
from jamfor.render.text import Lang
from jamfor.web.access import StoreAccess, store_access
from jamfor.web.downloads import file_stem, split_download
from jamfor.web.i18n import check_ui_lang
from jamfor.web.pages import data_version, page

router = APIRouter(include_in_schema=False)

# Downloads this page offers (no PDF: the survey report has no print layout).
SURVEY_DOWNLOADS: Final = (".json", ".csv", ".xlsx")

SURVEY_UI: Final[dict[Lang, dict[str, str]]] = {
    "sv": {
        "title": "Medborgarundersökningen",
        "intro": (
            "SCB:s medborgarundersökning frågar invånarna vad de tycker om kommunen som plats att bo på, "
            "om kommunens verksamheter och om sitt inflytande. Svaren på en skala 1–10 blir ett betygsindex "
            "0–100: (medelvärdet − 1) × 100 / 9. Nöjd-Region-Index (NRI), Nöjd-Medborgar-Index (NMI) och "
            "Nöjd-Inflytande-Index (NII) bygger på tre frågor var; faktorerna, till exempel trygghet, på sina egna frågor."
        ),
        "bands": (
            "Under 40 är inte godkänt, 40 till under 55 godkänt, från 55 nöjd och från 75 mycket nöjd. "
            "Varje index har ett 95-procentigt konfidensintervall, och en förändring mellan två år "
            "räknas bara som förändring när den är statistiskt säkerställd (5 %)."
        ),
        "shares_intro": (
            "Från 2021 redovisas i stället andelen som valt varje svarsalternativ. De resultaten går inte att "
            "jämföra med indexen före 2021 och visas för sig."
        ),
        "computed": "Indexen räknar jamfor fram ur de enskilda svaren; de är jamfors beräkningar, inte Koladas.",
        "municipalities": "Kommuner med resultat",
        "municipality": "Kommun",
        "surveys": "Undersökningar",
        "years": "År",
        "none": "Databasen har inga undersökningssvar ännu. Importera med jamfor survey import.",
        "page_title": "Medborgarundersökning",
        "indices": "Index per år",
        "overall": "Helhetsindex",
        "factors": "Faktorer",
        "shares": "Andel per svarsalternativ, från 2021",
        "chart_heading": "Helhetsindex över tid",
        "data_table": "Tabell med samma data",
        "method": "Så räknas det",
        "back": "Alla kommuner med resultat",
        "downloads": "Ladda ner",
        "download_note": "Samma innehåll som sidan, med källa.",
        "no_results": "Det finns inga undersökningsresultat för kommunen.",
        "as_kpis": "Helhetsindexen som nyckeltal i kommunens rapport, bredvid andra mått",
    },
    "en": {
        "title": "The citizen survey",
        "intro": (
            "Statistics Sweden's citizen survey asks residents about their municipality as a place to live, "
            "about its services and about their influence. Answers on a 1–10 scale become a score 0–100: "
            "(mean − 1) × 100 / 9. The regional (NRI), citizen (NMI) and influence (NII) satisfaction indices "
            "come from three questions each; the factors, such as safety, from their own questions."
        ),
        "bands": (
            "Below 40 is not passed, 40 to below 55 passed, from 55 satisfied and from 75 very satisfied. "
            "Each index has a 95% confidence interval, and a change between two years only counts as a "
            "change when it is statistically significant (5%)."
        ),
        "shares_intro": (
            "From 2021 the results are the share choosing each answer option instead. They cannot be "
            "compared with the indices before 2021 and are shown apart."
        ),
        "computed": "jamfor computes the indices from the individual answers; they are jamfor's figures, not Kolada's.",
        "municipalities": "Municipalities with results",
        "municipality": "Municipality",
        "surveys": "Surveys",
        "years": "Years",
        "none": "The database holds no survey answers yet. Import some with jamfor survey import.",
        "page_title": "Citizen survey",
        "indices": "Indices by year",
        "overall": "Overall indices",
        "factors": "Factors",
        "shares": "Share per answer option, from 2021",
        "chart_heading": "Overall indices over time",
        "data_table": "Table with the same data",
        "method": "How it is computed",
        "back": "All municipalities with results",
        "downloads": "Download",
        "download_note": "The same content as the page, with its source.",
        "no_results": "There are no survey results for this municipality.",
        "as_kpis": "The overall indices as KPIs in the municipality's report, beside other measures",
    },
}


def _links(request: Request, path: str) -> list[tuple[str, str]]:
    query = request.url.query
    return [(s.lstrip(".").upper(), f"{path}{s}" + (f"?{query}" if query else "")) for s in SURVEY_DOWNLOADS]


@router.get("/undersokning", response_class=HTMLResponse)
def survey_overview(
    request: Request, lang: str = "sv", access: StoreAccess = Depends(store_access)
) -> HTMLResponse:
    from jamfor.render.survey import words as report_words
    from jamfor.reports.survey import municipalities_with_results
    from jamfor.sources.survey_definitions import bundled_surveys
    from jamfor.sources.synthetic_survey import SYNTHETIC
    from jamfor.store.surveys import holdings

    language = check_ui_lang(lang)
    with access.using(data_version(request)) as store:
        found = municipalities_with_results(store)
        sources = {h.source for h in holdings(store)}
    titles = {
        s.id: (s.title_en or s.title) if language == "en" else s.title for s in bundled_surveys().values()
    }
    rows = [
        {
            "id": area.id,
            "title": area.title,
            "surveys": ", ".join(titles.get(s, s) for s in surveys),
            "years": ", ".join(str(y) for y in years),
        }
        for area, surveys, years in found
    ]
    words = SURVEY_UI[language]
    return page(
        request,
        "survey_overview.j2",
        language,
        {
            "title": words["title"],
            "s": words,
            "rows": rows,
            "synthetic": report_words(language)["synthetic"]
            if any(SYNTHETIC in x for x in sources)
            else None,
            "source": "Källa: " + (", ".join(sorted(sources)) or "–"),
        },
    )


@router.get("/undersokning/{ident}")
def survey_municipality(
    request: Request,
    ident: str,
    years: str | None = Query(None, max_length=100),
    lang: str = "sv",
    access: StoreAccess = Depends(store_access),
) -> Response:
    from jamfor.render.charts import data_table, to_svg
    from jamfor.render.survey import (
        band_word,
        change_words,
        index_title,
        interval_text,
        overall_chart,
        render_survey,
        share_title,
        source_line,
    )
    from jamfor.render.survey import (
        words as report_words,
    )
    from jamfor.render.text import number
    from jamfor.reports.options import parse_years
    from jamfor.reports.survey import survey_report

    language = check_ui_lang(lang)
    name, fmt = split_download(ident)
    if fmt == "pdf":
        raise NotFoundError("the survey page has no PDF; download .json, .csv or .xlsx")
    chosen_years = parse_years(years, option="years")
    with access.using(data_version(request)) as store:
        area = store.resolve_area(name)
        if area.id != name:
            query = request.url.query
            target = f"/undersokning/{quote(area.id)}{ident[len(name) :]}" + (f"?{query}" if query else "")
            return RedirectResponse(target, status_code=307)
        report = survey_report(store, area.id, years=chosen_years)
        overall = [r.kpi for r in report.index_rows if r.kind == "overall"]
        # after `jamfor survey compute` the indices are own KPIs: link to them in the municipality report
        as_kpis = bool(overall) and bool(store.observations(overall, [area.id]))
    if fmt is not None:
        content = render_survey(report, fmt, language)
        headers = {}
        if fmt in ("csv", "xlsx"):
            stem = file_stem("jamfor-undersokning", area.id)
            headers["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
        return Response(content, media_type=MEDIA_TYPES[fmt], headers=headers)
    chart = overall_chart(report, language)
    chart_svg = Markup(to_svg(chart)) if chart is not None else None
    chart_table = data_table(chart) if chart is not None else None
    index_rows: list[dict[str, Any]] = []
    for row in report.index_rows:
        index_rows.append(
            {
                "title": index_title(row, language),
                "kind": row.kind,
                "kpi": row.kpi,
                "years": [
                    {
                        "year": c.year,
                        "value": number(c.value, 0, language),
                        "interval": interval_text(c.lower, c.upper, language),
                        "band": band_word(c.band, language),
                        "band_key": (c.band or "").replace(" ", "-").replace("ö", "o").replace("ä", "a"),
                        "respondents": c.respondents,
                        "change": change_words(c.change, c.previous_year, language),
                        "direction": c.change.direction if c.change is not None else "none",
                    }
                    for c in row.years
                ],
            }
        )
    share_rows = []
    for share in report.share_rows:
        question, label = share_title(share, language)
        share_rows.append(
            {
                "question": question,
                "label": label,
                "years": [
                    {
                        "year": y.year,
                        "share": number(y.share, 0, language),
                        "interval": interval_text(y.lower, y.upper, language),
                        "respondents": y.respondents,
                    }
                    for y in share.years
                ],
            }
        )
    words = SURVEY_UI[language]
    return page(
        request,
        "survey_municipality.j2",
        language,
        {
            "title": f"{words['page_title']}: {area.title}",
            "s": words,
            "r": report_words(language),
            "area": area,
            "report": report,
            "synthetic": report.synthetic,
            "index_rows": index_rows,
            "share_rows": share_rows,
            "chart_svg": chart_svg,
            "chart_table": chart_table,
            "survey_source": source_line(report, language),
            "source": "Källa: " + ("; ".join(report.sources) or "–"),
            "downloads": _links(request, f"/undersokning/{area.id}"),
            "kpi_href": f"/kommun/{area.id}?kpi={','.join(overall)}"
            + ("&lang=en" if language == "en" else "")
            if as_kpis
            else None,
        },
    )
