"""The website (FastAPI, server-rendered pages that work without JavaScript) and the JSON API."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from jamfor.config import database_url, is_postgres
from jamfor.errors import AmbiguousNameError, JamforError, NotFoundError
from jamfor.render import text
from jamfor.render.html import stylesheet
from jamfor.store import Store
from jamfor.web import api, kolada_api, pages
from jamfor.web.access import StoreAccess
from jamfor.web.cache import DEFAULT_MAX_BYTES, CacheMiddleware, ResponseCache
from jamfor.web.downloads import split_download

# Served with every page; the site makes no request to anyone else.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def _wants_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api/") or path.startswith("/kolada/") or path.endswith(".json")


def _error_response(request: Request, message: str, status_code: int) -> Response:
    if _wants_json(request):
        return JSONResponse({"error": message}, status_code=status_code)
    _, fmt = split_download(request.url.path.rsplit("/", 1)[-1])
    if fmt is not None:
        return PlainTextResponse(message + "\n", status_code=status_code)
    return pages.error_page(request, JamforError(message), status_code)


def create_app(
    database: str,
    *,
    read_only: bool = False,
    connections: int = 4,
    cache_bytes: int = DEFAULT_MAX_BYTES,
    data_check_seconds: float | None = None,
) -> FastAPI:
    """The site on `database`.

    `read_only` opens a DuckDB file read-only, so that several processes can serve it;
    `connections` store connections let requests run in parallel (`web/access.py`);
    `cache_bytes` bounds the response cache (0: no cache, `web/cache.py`), whose data version
    is read again every `data_check_seconds`: by default never on a read-only DuckDB file
    (nothing can change it), on every request on a writable one, every second on PostgreSQL.
    """
    store = Store.open(database, read_only=read_only)
    package = resources.files("jamfor.web")
    templates = Jinja2Templates(directory=str(package / "templates"))
    templates.env.filters["n"] = lambda number: f"{number:,}".replace(",", "\u202f")
    templates.env.filters["num"] = text.number

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
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
    app.mount("/static", StaticFiles(directory=str(package / "static")), name="static")

    @app.get("/assets/report.css", include_in_schema=False)
    def report_css() -> Response:
        return Response(
            stylesheet(), media_type="text/css", headers={"Cache-Control": "public, max-age=3600"}
        )

    @app.middleware("http")
    async def security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response: Response = await call_next(request)
        if not request.url.path.startswith("/api/docs"):
            for name, value in SECURITY_HEADERS.items():
                response.headers.setdefault(name, value)
        return response

    if cache_bytes > 0:
        if data_check_seconds is None:
            data_check_seconds = 1.0 if is_postgres(database) else float("inf") if read_only else 0.0
        cache = ResponseCache(access.data_version, max_bytes=cache_bytes, check_every=data_check_seconds)
        app.state.response_cache = cache
        app.add_middleware(CacheMiddleware, cache=cache)  # outermost: hits skip all of the above

    @app.exception_handler(NotFoundError)
    def not_found(request: Request, exc: NotFoundError) -> Response:
        return _error_response(request, str(exc), 404)

    @app.exception_handler(AmbiguousNameError)
    def ambiguous(request: Request, exc: AmbiguousNameError) -> Response:
        return _error_response(request, str(exc), 400)

    @app.exception_handler(JamforError)
    def bad_request(request: Request, exc: JamforError) -> Response:
        return _error_response(request, str(exc), 400)

    @app.exception_handler(RequestValidationError)
    def invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or 'request'}: {e.get('msg', 'invalid')}"
            for e in exc.errors()
        )
        return _error_response(request, f"invalid request: {problems}", 400)

    @app.exception_handler(StarletteHTTPException)
    def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return _error_response(request, f"no page at {request.url.path}", 404)
        if _wants_json(request):
            return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code)
        return PlainTextResponse(str(exc.detail), status_code=exc.status_code)

    app.include_router(api.router)
    app.include_router(kolada_api.router)
    app.include_router(pages.router)
    return app


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
