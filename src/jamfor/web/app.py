"""The website (FastAPI, server-rendered). This first version lists municipalities and KPIs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractContextManager, asynccontextmanager
from importlib import resources
from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from jamfor.store import Store
from jamfor.web import api
from jamfor.web.access import StoreAccess

SOURCE_LINE = "Källa: Kolada"


def create_app(database: str) -> FastAPI:
    store = Store.open(database)
    access = StoreAccess(store)
    package = resources.files("jamfor.web")
    templates = Jinja2Templates(directory=str(package / "templates"))
    templates.env.filters["n"] = lambda number: f"{number:,}".replace(",", "\u202f")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        store.close()

    app = FastAPI(
        title="jamfor",
        description="Jämför kommuners kvalitet",
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    app.state.access = access
    app.mount("/static", StaticFiles(directory=str(package / "static")), name="static")

    def using() -> AbstractContextManager[Store]:
        return access.using()

    def start_data(q: str) -> dict[str, Any]:
        with using() as s:
            municipalities = s.search_areas(q, limit=400) if q else s.municipalities()
            municipalities = [a for a in municipalities if a.type == "K"]
            kpis = s.search_kpis(q, limit=100) if q else [k for k in s.kpis() if k.kkik]
            counties = {"00" + g.id.removeprefix("lan:"): g.title for g in s.groups("county")}
            stats = s.stats()
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
            "stats": stats.as_dict(),
            "source": SOURCE_LINE,
        }

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index(request: Request, q: str = Query("", max_length=200)) -> HTMLResponse:
        return templates.TemplateResponse(request, "index.html", start_data(q.strip()))

    @app.get("/index.json", summary="The start page's content as JSON")
    def index_json(q: str = Query("", max_length=200)) -> JSONResponse:
        return JSONResponse(start_data(q.strip()))

    app.include_router(api.router)

    return app
