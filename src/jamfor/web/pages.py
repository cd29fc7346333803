"""The website's pages: start, municipality, KPI, network, compare and method.

Each page builds its report with `jamfor.reports` and shows it with `jamfor.render` (the same
HTML fragment the standalone report and the PDF use); nothing is computed here. The same path
with `.json`, `.csv`, `.xlsx` or `.pdf` returns the report in that format (see `downloads`).
Query parameters (`year`/`years`, `gender`, `reference`, `colour`, `set`/`kpi`, `lang`) select
what is shown and survive in links, forms and downloads.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from functools import cache, lru_cache
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from jamfor.measuresets import MeasureSet, bundled_measure_sets
from jamfor.model import Area, Group, Polarity
from jamfor.render.html import render_fragment_parts
from jamfor.render.text import Lang
from jamfor.reports import kpi_report, municipality_report, network_report
from jamfor.reports.options import measures_from
from jamfor.store import Store
from jamfor.web.access import MemoStore, StoreAccess, store_access
from jamfor.web.downloads import download_links, download_response, file_stem, split_download, unknown_suffix
from jamfor.web.i18n import (
    UI,
    WebError,
    check_ui_lang,
    lookup,
    nothing_found,
    web_areas,
    web_colour,
    web_gender,
    web_kpis,
    web_measures,
    web_reference,
    web_years,
)

SOURCE_LINE = "Källa: Kolada"
DEFAULT_SET = "kkik-2015-2017"
# Group kinds offered as references on a municipality page, in this order.
REFERENCE_KINDS = ("kommungrupp", "county", "liknande", "network")

router = APIRouter(include_in_schema=False)


def templates(request: Request) -> Jinja2Templates:
    found: Jinja2Templates = request.app.state.templates
    return found


def page(
    request: Request, name: str, lang: Lang, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    """A page from `name` with what every page needs: words, language links, the source line."""
    other: Lang = "en" if lang == "sv" else "sv"
    params = dict(request.query_params)
    if other == "sv":
        params.pop("lang", None)
    else:
        params["lang"] = "en"
    base = {
        "lang": lang,
        "ui": UI[lang],
        "lang_href": request.url.path + (f"?{urlencode(params)}" if params else ""),
        "lang_suffix": "?lang=en" if lang == "en" else "",
        "lang_param": "&lang=en" if lang == "en" else "",
        "source": SOURCE_LINE,
        "path": request.url.path,
        "user": _visitor(request),
    }
    return templates(request).TemplateResponse(request, name, base | context, status_code=status_code)


def _visitor(request: Request) -> Any:
    """The logged-in user for the menu (their name instead of "Logga in"), or None.

    Only a request with a session cookie is looked up; such requests pass the response cache
    (`web/cache.py`), so no visitor's name is ever kept in it."""
    if not request.cookies:
        return None
    from jamfor.web.auth import current_user  # auth builds its pages with `page`

    return current_user(request)


@cache
def _bundled_sets() -> tuple[MeasureSet, ...]:
    """The bundled measure sets, read once per process: they ship with the code and cannot change."""
    return tuple(bundled_measure_sets().values())


@lru_cache(maxsize=256)
def _cached_measures(
    set_name: str | None, kpi: str | None
) -> tuple[MeasureSet | None, tuple[str, ...] | None]:
    measure_set, kpis = measures_from(set_name, kpi, allow_files=False, set_option="set", kpi_option="kpi")
    return measure_set, None if kpis is None else tuple(kpis)


def page_measures(set_name: str | None, kpi: str | None) -> tuple[MeasureSet | None, list[str] | None]:
    """`measures_from` for the pages' `set`/`kpi` options, without parsing the bundled YAML per request;
    its errors worded for the web."""
    measure_set, kpis = web_measures(_cached_measures, set_name, kpi)
    return measure_set, None if kpis is None else list(kpis)


def data_version(request: Request) -> Hashable:
    """The data version the response cache read for this request (`web.cache`); None without a cache."""
    return getattr(request.state, "data_version", None)


def periods_of(request: Request, access: StoreAccess, store: Store, kpis: list[str]) -> list[int]:
    """The years with values of any of `kpis`; from a per-data-version table when the cache knows the version."""
    version = data_version(request)
    if version is None:
        return store.periods_of(kpis)
    return access.periods_of(store, kpis, version)


def _redirect_to_id(request: Request, prefix: str, ident: str, suffix: str) -> RedirectResponse:
    query = request.url.query
    return RedirectResponse(f"{prefix}/{ident}{suffix}" + (f"?{query}" if query else ""), status_code=307)


# -- start --------------------------------------------------------------------------------------


def start_data(store: Store, q: str) -> dict[str, Any]:
    municipalities = store.search_areas(q, limit=400) if q else store.municipalities()
    municipalities = [a for a in municipalities if a.type == "K"]
    kpis = store.search_kpis(q, limit=100) if q else [k for k in store.kpis() if k.kkik]
    counties = {"00" + g.id.removeprefix("lan:"): g.title for g in store.groups("county")}
    folded = q.casefold()
    sets = [
        {"id": s.id, "title": s.title, "measures": len(s.measures)}
        for s in _bundled_sets()
        if not q or folded in s.id.casefold() or folded in s.title.casefold()
    ]
    networks = [{"id": g.id, "title": g.title} for g in store.groups("network", q or None)]
    return {
        "q": q,
        "municipalities": [
            {
                "id": a.id,
                "title": a.title,
                "county": counties.get(a.county_id or "", ""),
                "kommungrupp": a.kommungrupp,
            }
            for a in municipalities
        ],
        "kpis": [
            {"id": k.id, "title": k.title, "polarity": k.polarity, "unit": k.unit, "retired": k.retired}
            for k in kpis
        ],
        "measure_sets": sets,
        "networks": networks,
        "stats": store.stats().as_dict(),
        "source": SOURCE_LINE,
    }


@router.get("/", response_class=HTMLResponse)
def start_page(
    request: Request,
    q: str = Query("", max_length=200),
    lang: str = "sv",
    access: StoreAccess = Depends(store_access),
) -> HTMLResponse:
    with access.using(data_version(request)) as store:
        data = start_data(store, q.strip())
    return page(request, "index.html", check_ui_lang(lang), data)


@router.get("/index.json")
def start_json(
    q: str = Query("", max_length=200), access: StoreAccess = Depends(store_access)
) -> dict[str, Any]:
    with access.using() as store:
        return start_data(store, q.strip())


# -- municipality --------------------------------------------------------------------------------


def reference_options(store: Store, area: Area, lang: Lang) -> list[tuple[str, str, str]]:
    """(group label, value, text) for the reference selector of a municipality's page."""
    ui = UI[lang]
    options = [("", "mean", ui["ref_mean"]), ("", "riket", ui["ref_riket"])]
    containing = store.groups_containing(area.id, ["kommungrupp", "county", "network"])
    # Kolada's "Liknande kommuner …, Ronneby, 2024" are defined *for* a municipality and list
    # its peers without it, so they are found by name, not membership.
    needle = f", {area.title},"
    if isinstance(store, MemoStore):  # every page asks: all of them once per data version
        liknande = [g for g in store.groups("liknande") if needle in g.title]
    else:
        liknande = [g for g in store.groups("liknande", needle) if needle in g.title]
    # Lists saved with `jamfor similar … --save` (kind "similar", id similar:<profile>:<focus>:<year>) join RKA's.
    liknande += [g for g in store.groups("similar") if g.id.split(":")[2:3] == [area.id]]
    by_kind: dict[str, list[Group]] = {}
    for group in [*containing, *liknande]:
        by_kind.setdefault("liknande" if group.kind == "similar" else group.kind, []).append(group)
    for kind in REFERENCE_KINDS:
        for group in by_kind.get(kind, []):
            options.append((ui[f"ref_{kind}"], f"group:{group.id}", group.title))
    return options


def year_windows(periods: list[int], size: int = 3) -> list[tuple[str, str]]:
    """('2020-2022', '2020–2022') for each window of `size` years ending in a year with data, latest first."""
    if not periods:
        return []
    first = min(periods)
    return [
        (f"{end - size + 1}-{end}", f"{end - size + 1}–{end}")
        for end in sorted(set(periods), reverse=True)
        if end - size + 1 >= first
    ]


@router.get("/kommun")
def municipality_choice(request: Request, kommun: str = Query(..., max_length=200)) -> RedirectResponse:
    """The target of the measure-set page's form: /kommun?kommun=1081&set=… → /kommun/1081?set=…."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "kommun"]
    query = urlencode(params)
    return RedirectResponse(f"/kommun/{quote(kommun.strip(), safe='')}" + (f"?{query}" if query else ""), 303)


@router.get("/kommun/{ident}")
def municipality_page(
    request: Request,
    ident: str,
    set_name: str | None = Query(None, alias="set", max_length=200),
    kpi: str | None = Query(None, max_length=2000),
    years: str | None = Query(None, max_length=100),
    gender: str = "T",
    colour: str = "quartile",
    reference: str = Query("mean", max_length=300),
    lang: str = "sv",
    access: StoreAccess = Depends(store_access),
) -> Response:
    language = check_ui_lang(lang)
    name, fmt = split_download(ident)
    if not set_name and not kpi:
        set_name = DEFAULT_SET
    measure_set, kpis = page_measures(set_name, kpi)
    report_years = web_years(years) or era_years(measure_set)
    chosen_gender, chosen_colour = web_gender(gender), web_colour(colour)
    with access.using(data_version(request)) as store:
        with lookup("unknown_municipality", name, "ambiguous_municipality", suffix=unknown_suffix(name)):
            area = store.resolve_area(name)
        if area.id != name:
            return _redirect_to_id(request, "/kommun", area.id, ident[len(name) :])
        if area.type != "K":
            raise WebError("not_municipality", value=f"{area.title} ({area.id})")
        web_kpis(store, kpis)
        web_reference(store, reference)
        with nothing_found(area.title):
            report = municipality_report(
                store,
                area.id,
                measure_set=measure_set,
                kpis=kpis,
                years=report_years,
                gender=chosen_gender,
                colour=chosen_colour,
                reference=reference,
            )
        if fmt is not None:
            stem = file_stem(
                "jamfor-kommun", area.id, f"{report.years[0]}-{report.years[-1]}" if report.years else ""
            )
            return download_response(report, fmt, language, stem)
        options = reference_options(store, area, language)
        periods = periods_of(request, access, store, [row.kpi for row in report.rows])
    head, fragment = map(Markup, render_fragment_parts(report, lang=language, charts=True))
    return page(
        request,
        "municipality.html",
        language,
        {
            "title": report.municipality.name,
            "area": area,
            "report": report,
            "head": head,
            "fragment": fragment,
            "sets": list(_bundled_sets()),
            "chosen_set": measure_set.id if measure_set else "",
            "kpi": kpi or "",
            "windows": year_windows(periods),
            "chosen_years": f"{report.years[0]}-{report.years[-1]}" if report.years else "",
            "gender": report.gender,
            "colour": report.colour_scheme,
            "reference": reference,
            "references": options,
            "downloads": download_links(request, f"/kommun/{area.id}"),
        },
    )


def era_years(measure_set: MeasureSet | None, size: int = 3) -> list[int] | None:
    """The report years a measure set is made for, from its era ("2015–2017" → 2015–2017; "2020" →
    2018–2020): a page's default, so that KKiK 2015–2017 opens on 2015–2017, not on years for
    which its measures were no longer reported. None when the set names no era."""
    if measure_set is None or not measure_set.era:
        return None
    found = [int(y) for y in re.findall(r"\b(\d{4})\b", measure_set.era)]
    if not found:
        return None
    first, last = min(found), max(found)
    first = min(first, last - size + 1)
    return list(range(first, last + 1))


def _era_end(measure_set: MeasureSet | None) -> int | None:
    years = era_years(measure_set)
    return years[-1] if years else None


# -- KPI ----------------------------------------------------------------------------------------


@router.get("/nyckeltal/{ident}")
def kpi_page(
    request: Request,
    ident: str,
    year: int | None = Query(None, ge=1950, le=2100),
    gender: str = "T",
    colour: str = "quartile",
    lang: str = "sv",
    access: StoreAccess = Depends(store_access),
) -> Response:
    from jamfor.render.charts import AreaValue, DistributionChart, QuartileMap, data_table, to_svg

    language = check_ui_lang(lang)
    name, fmt = split_download(ident)
    kpi_id = name.strip().upper()
    chosen_gender, chosen_colour = web_gender(gender), web_colour(colour)
    with access.using(data_version(request)) as store:
        with lookup("unknown_kpi", name.strip(), suffix=unknown_suffix(name)):
            kpi = store.kpi(kpi_id)
        periods = periods_of(request, access, store, [kpi.id])
        if year is None:
            if not periods:
                raise WebError("no_data", value=f"{kpi.title} ({kpi.id})")
            year = periods[-1]
        elif periods and year not in periods:  # the year selector offers only years with values
            raise WebError("no_data", value=f"{kpi.title} ({kpi.id}) {year}")
        with nothing_found(f"{kpi.title} ({kpi.id}) {year}"):
            report = kpi_report(store, kpi.id, year=year, gender=chosen_gender, colour=chosen_colour)
        if fmt is not None:
            return download_response(report, fmt, language, file_stem("jamfor-nyckeltal", kpi.id, str(year)))
        names = {a.id: a.title for a in store.municipalities()}
    title = f"{kpi.title} {year}"
    quartile_map = QuartileMap(
        title=title,
        classes={row.area.id: row.colour for row in report.rows} | {a.id: "grey" for a in report.missing},
        values={row.area.id: row.value for row in report.rows},
        scheme=report.colour_scheme,
        decimals=report.decimals,
        unit=report.unit,
        href="/kommun/{id}" + ("?lang=en" if language == "en" else ""),
        names=names,
        lang=language,
        show_title=False,
        id_prefix="map",
    )
    distribution = DistributionChart(
        title=title,
        values=tuple(AreaValue(row.area.id, row.area.name, row.value) for row in report.rows)
        + tuple(AreaValue(a.id, a.name, None) for a in report.missing),
        polarity=_polarity(report.polarity),
        unit=report.unit,
        decimals=report.decimals,
        lang=language,
        show_title=False,
        id_prefix="dist",
    )
    head, fragment = render_fragment_parts(report, lang=language)
    return page(
        request,
        "kpi.html",
        language,
        {
            "title": kpi.title,
            "kpi": kpi,
            "report": report,
            "year": year,
            "periods": sorted(periods, reverse=True),
            "gender": report.gender,
            "colour": report.colour_scheme,
            "head": Markup(head),
            "fragment": Markup(fragment),
            "map_svg": Markup(to_svg(quartile_map)),
            "map_table": data_table(quartile_map),
            "distribution_svg": Markup(to_svg(distribution)),
            "distribution_table": data_table(distribution),
            "downloads": download_links(request, f"/nyckeltal/{kpi.id}"),
        },
    )


def _polarity(value: str | None) -> Polarity | None:
    return value if value in ("higher", "lower", "none") else None  # type: ignore[return-value]


# -- networks -----------------------------------------------------------------------------------


@router.get("/natverk", response_class=HTMLResponse)
def networks_page(
    request: Request, lang: str = "sv", access: StoreAccess = Depends(store_access)
) -> HTMLResponse:
    language = check_ui_lang(lang)
    with access.using(data_version(request)) as store:
        groups = {kind: store.groups(kind) for kind in ("network", "kommungrupp", "county")}
    return page(request, "networks.html", language, {"title": UI[language]["nav_networks"], "groups": groups})


@router.get("/natverk/{ident:path}")
def network_page(
    request: Request,
    ident: str,
    set_name: str | None = Query(None, alias="set", max_length=200),
    kpi: str | None = Query(None, max_length=2000),
    year: int | None = Query(None, ge=1950, le=2100),
    gender: str = "T",
    colour: str = "quartile",
    lang: str = "sv",
    access: StoreAccess = Depends(store_access),
) -> Response:
    language = check_ui_lang(lang)
    name, fmt = split_download(ident)
    if not set_name and not kpi:
        set_name = DEFAULT_SET
    measure_set, kpis = page_measures(set_name, kpi)
    chosen_gender, chosen_colour = web_gender(gender), web_colour(colour)
    with access.using(data_version(request)) as store:
        with lookup("unknown_group", name, "ambiguous_group", suffix=unknown_suffix(name)):
            group = store.resolve_group(name)
        if group.id != name:
            return _redirect_to_id(request, "/natverk", group.id, ident[len(name) :])
        web_kpis(store, kpis)
        with nothing_found(group.title):
            report = network_report(
                store,
                group.id,
                measure_set=measure_set,
                kpis=kpis,
                year=year if year is not None else _era_end(measure_set),
                gender=chosen_gender,
                colour=chosen_colour,
            )
        if fmt is not None:
            return download_response(
                report, fmt, language, file_stem("jamfor-natverk", group.id, str(report.year))
            )
        periods = periods_of(request, access, store, [row.kpi for row in report.rows])[::-1]
    head, fragment = render_fragment_parts(report, lang=language, max_members=None)
    return page(
        request,
        "network.html",
        language,
        {
            "title": group.title,
            "group": group,
            "report": report,
            "head": Markup(head),
            "fragment": Markup(fragment),
            "sets": list(_bundled_sets()),
            "chosen_set": measure_set.id if measure_set else "",
            "kpi": kpi or "",
            "periods": periods,
            "year": report.year,
            "gender": report.gender,
            "colour": report.colour_scheme,
            "downloads": download_links(request, f"/natverk/{group.id}"),
        },
    )


# -- method -------------------------------------------------------------------------------------


@router.get("/metod", response_class=HTMLResponse)
def method_page(request: Request, lang: str = "sv") -> HTMLResponse:
    language = check_ui_lang(lang)
    return page(request, "method.html", language, {"title": UI[language]["nav_method"]})


def error_page(request: Request, error: WebError) -> HTMLResponse:
    """The page for an error a visitor caused: what was wrong and what to do, in the page's language."""
    language = check_ui_lang(request.query_params.get("lang"))
    status_code = error.status_code
    heading = UI[language]["not_found" if status_code == 404 else "bad_request"]
    context = {"title": heading, "message": error.message(language), "code": error.code}
    return page(request, "error.html", language, context, status_code=status_code)


# -- measure sets -------------------------------------------------------------------------------


@router.get("/mattuppsattning/{ident}", response_class=HTMLResponse)
def measure_set_page(
    request: Request, ident: str, lang: str = "sv", access: StoreAccess = Depends(store_access)
) -> HTMLResponse:
    language = check_ui_lang(lang)
    measure_set, _ = web_measures(_cached_measures, ident, None)  # a bundled set by id or title, never a file
    assert measure_set is not None
    with access.using(data_version(request)) as store:
        known = {k.id: k for k in store.kpis([m.kpi for m in measure_set.measures])}
        municipalities = store.municipalities()
    return page(
        request,
        "measure_set.html",
        language,
        {
            "title": measure_set.title,
            "measure_set": measure_set,
            "known": known,
            "municipalities": [(a.id, a.title) for a in municipalities if a.type == "K"],
        },
    )


# -- compare ------------------------------------------------------------------------------------

COMPARE_PATH = "/jamfor"


@router.get(COMPARE_PATH)
@router.get(COMPARE_PATH + "{suffix}")
def compare_page(
    request: Request,
    suffix: str = "",
    kpi: str = Query("", max_length=40),
    areas: str = Query("", max_length=1000),
    years: str | None = Query(None, max_length=100),
    gender: str = "T",
    colour: str = "quartile",
    lang: str = "sv",
    access: StoreAccess = Depends(store_access),
) -> Response:
    from jamfor.render.compare import render_compare_fragment
    from jamfor.reports.compare import MAX_AREAS, compare_report, parse_area_list

    language = check_ui_lang(lang)
    _, fmt = split_download("x" + suffix)
    if suffix and fmt is None:
        wrong = unknown_suffix("x" + suffix)
        raise WebError("bad_format", value=wrong) if wrong else WebError("no_page", value=request.url.path)
    context: dict[str, Any] = {
        "title": UI[language]["compare_title"],
        "kpi": kpi.strip().upper(),
        "areas": areas,
        "years": years or "",
        "gender": gender,
        "colour": colour,
    }
    with access.using(data_version(request)) as store:
        context["kkik_kpis"] = [(k.id, f"{k.title} ({k.id})") for k in store.kpis() if k.kkik]
        context["municipality_names"] = [a.title for a in store.municipalities() if a.type == "K"]
        if not kpi.strip() or not areas.strip():
            if fmt is not None:
                raise WebError("compare_incomplete")
            return page(request, "compare.html", language, context)
        chosen_years = web_years(years)
        chosen_gender, chosen_colour = web_gender(gender), web_colour(colour)
        with lookup("unknown_kpi", kpi.strip()):
            store.kpi(kpi.strip().upper())
        web_areas(store, parse_area_list(areas), MAX_AREAS)
        with nothing_found(kpi.strip().upper()):
            report = compare_report(
                store,
                kpi.strip().upper(),
                parse_area_list(areas),
                years=chosen_years,
                gender=chosen_gender,
                colour=chosen_colour,
            )
    if fmt is not None:
        ids = "-".join(s.area.id for s in report.series)
        return download_response(report, fmt, language, file_stem("jamfor-jamfor", report.kpi, ids))
    context |= {
        "report": report,
        "fragment": Markup(render_compare_fragment(report, lang=language)),
        "downloads": download_links(request, COMPARE_PATH),
    }
    return page(request, "compare.html", language, context)
