"""The website (FastAPI, server-rendered pages that work without JavaScript) and the JSON API."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from typing import Final
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.formparsers import MultiPartException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jamfor.config import database_url, is_postgres
from jamfor.errors import JamforError
from jamfor.render import text
from jamfor.render.html import stylesheet
from jamfor.render.text import Lang
from jamfor.store import Store
from jamfor.web import api, kolada_api, pages, ranking_pages
from jamfor.web.access import StoreAccess
from jamfor.web.admin_pages import router as admin_router
from jamfor.web.auth import AUTH_ERROR_TYPES, NO_STORE, auth_error_response, user_context
from jamfor.web.auth import router as auth_router
from jamfor.web.cache import DEFAULT_MAX_BYTES, WARM_UP, CacheMiddleware, ResponseCache
from jamfor.web.compass_edit import router as compass_edit_router
from jamfor.web.compass_pages import router as compass_router
from jamfor.web.downloads import split_download
from jamfor.web.entry_pages import router as entry_router
from jamfor.web.i18n import WebError, check_ui_lang, error_body, local_time, web_error
from jamfor.web.network_edit import network_links
from jamfor.web.network_edit import router as network_edit_router
from jamfor.web.similar_pages import router as similar_router
from jamfor.web.survey_pages import router as survey_router

logger = logging.getLogger(__name__)

# Served with every page; the site makes no request to anyone else.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


class SecurityHeaders:
    """ASGI middleware adding `SECURITY_HEADERS` to every answer but the API docs' (which load
    their own scripts), unless the answer sets the header itself.

    Plain ASGI rather than `@app.middleware("http")`, whose wrapper runs every request and
    streams every body through an extra task and queue: a millisecond a request.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path", "").startswith("/api/docs"):
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {bytes(k).lower() for k, _ in headers}
                headers += [(k, v) for k, v in _SECURITY_HEADERS if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


_SECURITY_HEADERS = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]


def _wants_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api/") or path.startswith("/kolada/") or path.endswith(".json")


def _error_response(request: Request, error: WebError) -> Response:
    """The error in the request's language (`lang=en`: English; else Swedish): a page, plain text
    for a download, or JSON (`error`, `code` and `message`) under /api and for `.json` paths."""
    lang = check_ui_lang(request.query_params.get("lang"))
    if _wants_json(request):
        return JSONResponse(error_body(error, lang), status_code=error.status_code)
    _, fmt = split_download(request.url.path.rsplit("/", 1)[-1])
    if fmt is not None:
        return PlainTextResponse(error.message(lang) + "\n", status_code=error.status_code)
    return pages.error_page(request, error)


def _validation_error(exc: RequestValidationError) -> WebError:
    """FastAPI's refusal of a query parameter, worded for the web: a bad year, or which parameter."""
    english = "; ".join(
        f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or 'request'}: {e.get('msg', 'invalid')}"
        for e in exc.errors()
    )
    for fault in exc.errors():
        loc = [str(p) for p in fault.get("loc", ())]
        name = loc[-1] if len(loc) > 1 else ""
        given = fault.get("input")
        if name == "year":
            return WebError("bad_year", value=given if isinstance(given, str | int) else "", detail=english)
        if name:
            return WebError("bad_parameter", value=name, detail=f"invalid request: {english}")
    return WebError("bad_request", detail=f"invalid request: {english}")


# Starlette refuses a form it will not read (`Request.form`: a text field over `max_part_size`,
# 1 MiB unless a route sets more, too many fields or files, or a broken body) with an
# HTTPException whose English sentence is the library's; `form_refused` answers it instead.
# 400 like every other refused form field (413 would name the size more exactly, but the forms'
# tests, e.g. test_entry.py's hostile 1 MB strings, take 400/403/404 for a refused field).
FORM_ERRORS: Final[dict[str, tuple[int, dict[Lang, str], dict[Lang, str]]]] = {
    # kind: (status, heading, sentence)
    "form_too_large": (
        400,
        {"sv": "Formuläret är för stort", "en": "The form is too large"},
        {
            "sv": "Det du skickade är för stort: ett textfält i ett formulär får vara högst {size}. "
            "Inget sparades. Korta texten, eller dela upp innehållet, och skicka igen.",
            "en": "What you sent is too large: a text field of a form may hold at most {size}. Nothing was "
            "saved. Shorten the text, or split the content, and send it again.",
        },
    ),
    "form_too_many": (
        400,
        {"sv": "Formuläret har för många fält", "en": "The form has too many fields"},
        {
            "sv": "Formuläret du skickade har fler fält eller filer än webbplatsen tar emot. Inget sparades. "
            "Skicka färre uppgifter åt gången.",
            "en": "The form you sent has more fields or files than the site takes. Nothing was saved. Send "
            "fewer at a time.",
        },
    ),
    "form_unreadable": (
        400,
        {"sv": "Formuläret gick inte att läsa", "en": "The form could not be read"},
        {
            "sv": "Det du skickade gick inte att läsa som ett formulär. Inget sparades. Ladda om sidan och "
            "skicka igen.",
            "en": "What you sent could not be read as a form. Nothing was saved. Reload the page and send it "
            "again.",
        },
    ),
}


def form_error_kind(exc: MultiPartException) -> str:
    """Which of FORM_ERRORS Starlette's refusal is (by its sentence: it has no types of its own)."""
    message = exc.message.lower()
    if "maximum size" in message:
        return "form_too_large"
    if "too many" in message:
        return "form_too_many"
    return "form_unreadable"


def _size_text(exc: MultiPartException) -> str:
    found = re.search(r"(\d+)\s*KB", exc.message)
    if found is None:
        return "1 MB"
    kib = int(found.group(1))
    if kib % 1024 == 0:
        return f"{kib // 1024} MB"
    return f"{kib} kB"


def _form_back(request: Request) -> str | None:
    """The page the form came from, when the browser names one on this site (Referer)."""
    referer = urlsplit(request.headers.get("referer", ""))
    if (
        referer.netloc != request.url.netloc
        or not referer.path.startswith("/")
        or referer.path.startswith("//")
    ):
        return None
    back = referer.path + (f"?{referer.query}" if referer.query else "")
    return back if len(back) <= 2000 and back.isprintable() else None


def form_refused(request: Request, exc: MultiPartException) -> Response:
    """A form Starlette would not read (too large, too many fields, unreadable), answered with 400 in
    the request's language: a page with the login's navigation, or JSON for API paths."""
    lang = check_ui_lang(request.query_params.get("lang"))
    kind = form_error_kind(exc)
    status, heading, sentence = FORM_ERRORS[kind]
    message = sentence[lang].format(size=_size_text(exc))
    if _wants_json(request):
        body = {"error": exc.message, "code": kind, "message": message, "lang": lang}
        return JSONResponse(body, status_code=status, headers=NO_STORE)
    context = {"title": heading[lang], "message": message, "code": kind, "back": _form_back(request)}
    response = pages.page(
        request, "entry_error.html", lang, context | user_context(request), status_code=status
    )
    response.headers.update(NO_STORE)
    return response


def create_app(
    database: str,
    *,
    read_only: bool = False,
    connections: int = 4,
    cache_bytes: int = DEFAULT_MAX_BYTES,
    data_check_seconds: float | None = None,
    warm_up: bool | None = None,
) -> FastAPI:
    """The site on `database`.

    `read_only` opens a DuckDB file read-only, so that several processes can serve it;
    `connections` store connections let requests run in parallel (`web/access.py`);
    `cache_bytes` bounds the response cache (0: no cache, `web/cache.py`), whose data version
    is read again every `data_check_seconds`: by default never on a read-only DuckDB file
    (nothing can change it), on every request on a writable one, every second on PostgreSQL.
    `warm_up` (default: on a read-only file, i.e. under `jamfor serve`) builds a municipality
    page and a KPI page before the first request is taken (`warm_up_pages`).
    """
    store = Store.open(database, read_only=read_only)
    package = resources.files("jamfor.web")
    templates = Jinja2Templates(directory=str(package / "templates"))
    templates.env.filters["n"] = lambda number: f"{number:,}".replace(",", "\u202f")
    templates.env.filters["num"] = text.number
    templates.env.filters["local_time"] = local_time  # stored UTC times as Swedish time
    templates.env.globals["network_links"] = network_links  # the network pages' editing links

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if warm_up if warm_up is not None else read_only:
            await warm_up_pages(app)
        yield
        access.close()

    app = FastAPI(
        title="jamfor",
        description="Jämför kommuners kvalitet: Kolada-data, KKiK-jämförelser och rapporter.",
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.access = access = StoreAccess(store, connections)
    app.state.templates = templates
    app.state.read_only = read_only  # write routes answer 503 on a read-only store (`web/auth.py`)
    app.mount("/static", StaticFiles(directory=str(package / "static")), name="static")

    @app.get("/assets/report.css", include_in_schema=False)
    def report_css() -> Response:
        return Response(
            stylesheet(), media_type="text/css", headers={"Cache-Control": "public, max-age=3600"}
        )

    app.add_middleware(SecurityHeaders)

    if cache_bytes > 0:
        if data_check_seconds is None:
            data_check_seconds = 1.0 if is_postgres(database) else float("inf") if read_only else 0.0
        cache = ResponseCache(access.data_version, max_bytes=cache_bytes, check_every=data_check_seconds)
        app.state.response_cache = cache
        app.add_middleware(CacheMiddleware, cache=cache)  # outermost: hits skip all of the above

    @app.exception_handler(JamforError)
    def user_error(request: Request, exc: JamforError) -> Response:
        # The pages raise WebErrors; what else reaches here (NotFoundError 404, the rest 400) is
        # shown in general words, its own sentence kept only in JSON bodies.
        return _error_response(request, web_error(exc))

    for kind in AUTH_ERROR_TYPES:  # 401, 403, 409, 503 with their sentences (`web/auth.py`)
        app.add_exception_handler(kind, auth_error_response)

    @app.exception_handler(RequestValidationError)
    def invalid(request: Request, exc: RequestValidationError) -> Response:
        return _error_response(request, _validation_error(exc))

    @app.exception_handler(StarletteHTTPException)
    def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return _error_response(request, WebError("no_page", value=request.url.path))
        if isinstance(exc.__context__, MultiPartException):  # raised by Starlette reading a form
            return form_refused(request, exc.__context__)
        if _wants_json(request):
            return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code)
        return PlainTextResponse(str(exc.detail), status_code=exc.status_code)

    app.include_router(api.router)
    app.include_router(kolada_api.router)
    app.include_router(similar_router)
    app.include_router(network_edit_router)  # before pages.router, whose /natverk/{ident:path} takes all
    app.include_router(pages.router)
    app.include_router(survey_router)
    app.include_router(compass_router)
    app.include_router(ranking_pages.router)
    app.include_router(auth_router)
    app.include_router(entry_router)
    app.include_router(compass_edit_router)
    app.include_router(admin_router)
    return app


async def warm_up_pages(app: FastAPI) -> None:
    """Build the default municipality page of the first municipality and the page of the
    default measure set's first KPI, and throw them away.

    This reads what every page needs once per process (the bundled measure sets, the Jinja
    templates, the map's geometry, the catalogue, areas, groups and years, and every area's
    values of the default years, which `web/access.py` keeps per data version), so that the
    first visitors after a start do not each wait a second or two for it. The requests pass
    the response cache without being kept (`web.cache.WARM_UP`). A page that cannot be built
    is left for its first visitor to see the error. The first KPI of the default measure set
    that has values gives the KPI page.
    """
    try:
        access: StoreAccess = app.state.access
        with access.using() as store:
            first = next((a.id for a in store.municipalities() if a.type == "K"), None)
        measure_set, _ = pages.page_measures(pages.DEFAULT_SET, None)
    except Exception:
        logger.warning("no warm-up: the store could not be read", exc_info=True)
        return
    kpis = [m.kpi for m in measure_set.measures] if measure_set else []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def build(path: str) -> int:
        status = 0

        async def discard(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": [(b"host", b"localhost")],
            "client": None,
            "server": None,
            WARM_UP: True,
        }
        try:
            await app(scope, receive, discard)
        except Exception:
            logger.warning("warm-up: %s could not be built", path, exc_info=True)
        return status

    if first is not None:
        await build(f"/kommun/{first}")
    for kpi in kpis[:5]:  # the first KPI with values (a 404 builds less)
        if await build(f"/nyckeltal/{kpi}") == 200:
            break


def app_from_environment() -> FastAPI:
    """`create_app` with settings from the environment: for `uvicorn --factory` and `jamfor serve --workers`.

    JAMFOR_DATABASE (as everywhere), JAMFOR_WEB_READ_ONLY=1, JAMFOR_WEB_CONNECTIONS (4),
    JAMFOR_WEB_CACHE_MB (128; 0 turns the cache off).
    """
    return create_app(
        database_url(),
        read_only=os.environ.get("JAMFOR_WEB_READ_ONLY", "") == "1",
        connections=int(os.environ.get("JAMFOR_WEB_CONNECTIONS", "4")),
        cache_bytes=int(float(os.environ.get("JAMFOR_WEB_CACHE_MB", "128")) * 2**20),
    )
