"""The Kommunkompassen pages: `/kompass` (every evaluation, by framework version) and
`/kompass/<evaluation>` (the report), read-only until accounts exist.

The same path with `.json`, `.xlsx` or `.pdf` returns the report in that format, as the other
pages do. `/kompass/<municipality>` (a name or an id) redirects to its latest evaluation. The
evaluations are the evaluators' (or published) results, so these pages name that source and
never "Källa: Kolada".
"""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

import jamfor.store.compass as compass_store
from jamfor.compass.frameworks import frameworks
from jamfor.errors import JamforError, NotFoundError
from jamfor.render.compass import compass_css, render_compass, render_compass_fragment
from jamfor.render.text import Lang
from jamfor.reports.compass import compass_report, resolve_evaluation
from jamfor.store import Store
from jamfor.web.access import StoreAccess, store_access
from jamfor.web.downloads import file_stem, split_download
from jamfor.web.errors import WebError
from jamfor.web.i18n import UI, check_ui_lang
from jamfor.web.pages import data_version, page

router = APIRouter(include_in_schema=False)

# `Store.data_version`, which keys the response cache (web/cache.py), does not cover the
# evaluations' tables, so a cached page could outlive `jamfor compass import`: these pages are
# marked no-store and never cached.
NO_STORE: Final = {"Cache-Control": "no-store"}

PATH: Final = "/kompass"
# The report's downloads (no CSV: the report is not one table).
DOWNLOADS: Final[dict[str, str]] = {".json": "json", ".xlsx": "xlsx", ".pdf": "pdf"}
MEDIA: Final[dict[str, str]] = {
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}

WORDS: Final[dict[Lang, dict[str, str]]] = {
    "sv": {
        "title": "Kommunkompassen",
        "intro": (
            "Kommunkompassen är SKR:s utvärdering av hur en kommun leds och arbetar, i åtta områden om "
            "100 poäng vardera. Här finns utvärderingarna i jamfor, ordnade efter version av "
            "Kommunkompassen: resultat av olika versioner går inte att jämföra."
        ),
        "read_only": "Utvärderingarna skapas med kommandot jamfor compass; utvärderarna ändrar sina på webbplatsen.",
        "all_link": "Alla utvärderingar",
        "none": "Inga utvärderingar enligt den här versionen ännu.",
        "municipality": "Kommun",
        "year": "År",
        "total": "Totalpoäng",
        "level": "Poängsatt per",
        "level_question": "delfråga",
        "level_area": "område",
        "caption": "Utvärderingar enligt {name}",
        "source": "Källa: utvärderingar enligt Kommunkompassen (SKR) och publicerade resultat",
        "footer_own": "Poängen är utvärderarnas bedömningar, inte Koladas uppgifter.",
        "downloads_note": "Samma rapport som sidan: JSON med oavrundade poäng, Excel och PDF.",
    },
    "en": {
        "title": "Kommunkompassen",
        "intro": (
            "Kommunkompassen (the Municipal Compass) is SKR's evaluation of how a municipality is led "
            "and works, in eight areas of 100 points each. These are the evaluations in jamfor, by "
            "version of Kommunkompassen: results of different versions cannot be compared."
        ),
        "read_only": "The evaluations are created with the jamfor compass command; evaluators edit theirs on the website.",
        "all_link": "All evaluations",
        "none": "No evaluations of this version yet.",
        "municipality": "Municipality",
        "year": "Year",
        "total": "Total",
        "level": "Scored per",
        "level_question": "sub-question",
        "level_area": "area",
        "caption": "Evaluations with {name}",
        "source": "Source: Kommunkompassen evaluations (SKR) and published results",
        "footer_own": "The points are the evaluators' assessments, not Kolada's data.",
        "downloads_note": "The same report as the page: JSON with unrounded points, Excel and PDF.",
    },
}


def _own_source(lang: Lang) -> dict[str, Any]:
    """The footer's source line and note for pages of evaluations (they are not Kolada's)."""
    words = WORDS[lang]
    return {"source": words["source"], "ui": UI[lang] | {"footer_own": words["footer_own"]}}


def _downloads(request: Request, path: str) -> list[tuple[str, str]]:
    query = request.url.query
    return [
        (suffix.lstrip(".").upper(), f"{path}{suffix}" + (f"?{query}" if query else ""))
        for suffix in DOWNLOADS
    ]


def _edit_href(request: Request, evaluation_id: str, lang: Lang) -> str | None:
    """The evaluator's form, for a logged-in user who may edit this evaluation on a writable site."""
    from jamfor.accounts import can_edit_evaluation
    from jamfor.web.auth import current_user, is_read_only

    user = current_user(request)
    if user is None or is_read_only(request) or not can_edit_evaluation(user, evaluation_id):
        return None
    return f"{PATH}/{quote(evaluation_id, safe='')}/redigera" + ("?lang=en" if lang == "en" else "")


def _best_first(row: dict[str, Any]) -> tuple[bool, float, str, int]:
    total = row["total"]
    return (total is None, -(total or 0.0), str(row["municipality"]), int(row["year"]))


def overview(store: Store) -> list[dict[str, Any]]:
    """Every framework version with its evaluations (municipality, year, total), best total first."""
    from jamfor.compute.compass import score

    names = {a.id: a.title for a in store.areas()}
    out = []
    for fw in frameworks():
        rows = []
        for ev in compass_store.evaluations(store, framework=fw.id):
            try:
                total: float | None = score(fw, ev).total
            except JamforError:  # an evaluation still being filled in has no total yet
                total = None
            rows.append(
                {
                    "id": ev.id,
                    "municipality": names.get(ev.municipality, ev.municipality),
                    "municipality_id": ev.municipality,
                    "year": ev.year,
                    "total": total,
                    "has_report": bool(ev.question_points or ev.area_points),
                }
            )
        rows.sort(key=_best_first)
        out.append({"id": fw.id, "name": fw.name, "level": fw.level, "max": fw.max, "evaluations": rows})
    return out


@router.get(PATH)
@router.get(PATH + ".json")
def compass_list_page(
    request: Request, lang: str = "sv", access: StoreAccess = Depends(store_access)
) -> Response:
    language = check_ui_lang(lang)
    with access.using(data_version(request)) as store:
        data = overview(store)
    if request.url.path.endswith(".json"):
        import json

        return Response(
            json.dumps({"frameworks": data}, ensure_ascii=False), media_type=MEDIA["json"], headers=NO_STORE
        )
    response = page(
        request,
        "compass_list.html.j2",
        language,
        {"title": WORDS[language]["title"], "w": WORDS[language], "frameworks": data} | _own_source(language),
    )
    response.headers.update(NO_STORE)
    return response


@router.get(PATH + "/{ident}")
def compass_report_page(
    request: Request,
    ident: str,
    reference: str | None = Query(None, max_length=400),
    lang: str = "sv",
    access: StoreAccess = Depends(store_access),
) -> Response:
    language = check_ui_lang(lang)
    name, fmt = split_download(ident)
    if fmt is not None and f".{fmt}" not in DOWNLOADS:
        raise WebError(
            "no_page",
            value=request.url.path,
            detail=f"a Kommunkompassen report comes as {', '.join(s.lstrip('.') for s in DOWNLOADS)}, not {fmt}",
        )
    with access.using(data_version(request)) as store:
        try:
            evaluation = resolve_evaluation(store, name)
        except NotFoundError as exc:  # the page names the address; JSON keeps the library's sentence
            raise WebError("no_page", value=request.url.path, detail=str(exc)) from exc
        if evaluation.id != name:
            query = request.url.query
            target = f"{PATH}/{quote(evaluation.id, safe='')}{ident[len(name) :]}"
            return RedirectResponse(target + (f"?{query}" if query else ""), status_code=307)
        report = compass_report(store, evaluation.id, reference=reference)
    if fmt is not None:
        content = render_compass(report, fmt, lang=language)
        headers = dict(NO_STORE)
        if fmt != "json":
            file = f"{file_stem('jamfor-kompass', report.id)}.{fmt}"
            headers["Content-Disposition"] = (
                f"attachment; filename=\"{file}\"; filename*=UTF-8''{quote(file)}"
            )
        return Response(content, media_type=MEDIA[fmt], headers=headers)
    fragment = Markup(render_compass_fragment(report, lang=language, inline_css=False))
    response = page(
        request,
        "compass.html.j2",
        language,
        {
            "title": f"Kommunkompassen: {report.municipality.name} {report.year}",
            "w": WORDS[language],
            "fragment": fragment,
            "css": Markup(compass_css()),
            "downloads": _downloads(request, f"{PATH}/{quote(report.id, safe='')}"),
            "history_href": f"{PATH}/{quote(report.id, safe='')}/historik"
            + ("?lang=en" if language == "en" else ""),
            "edit_href": _edit_href(request, report.id, language),
        }
        | _own_source(language),
    )
    response.headers.update(NO_STORE)
    return response
