"""The router of /api/v1, and its user errors as JSON.

Every user error is `{"error": "<sentence>"}` with 400 (bad input) or 404 (an unknown id or name),
turned out by the route class below, so the router needs nothing from the app.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field

from jamfor.errors import DatabaseError, JamforError, NotFoundError


def error_response(status: int, message: str, request: Request | None = None) -> JSONResponse:
    if request is None:
        return JSONResponse({"error": message}, status_code=status)
    # `error` as ever, plus `code` and `message` in the request's language (lang=en, else Swedish).
    from jamfor.web.i18n import api_error_body

    return JSONResponse(api_error_body(status, message, request.query_params.get("lang")), status_code=status)


def _shortened(value: str | int, most: int = 80) -> str | int:
    """A user's input as echoed in an error: an overlong string is cut, not repeated whole."""
    return value if isinstance(value, int) or len(value) <= most else value[:most] + "…"


def _validation_message(exc: RequestValidationError) -> str:
    """FastAPI's validation errors as one sentence per fault, naming the parameter."""
    parts = []
    for fault in exc.errors():
        loc = [str(p) for p in fault.get("loc", ())]
        where = {"query": "query parameter", "path": "path parameter"}.get(loc[0], loc[0]) if loc else ""
        name = loc[-1] if len(loc) > 1 else ""
        given = f" (got {_shortened(fault['input'])!r})" if isinstance(fault.get("input"), str | int) else ""
        parts.append(f"{where} {name!r}: {fault.get('msg', 'invalid')}{given}".strip())
    return "; ".join(parts) or "invalid request"


class JsonErrorsRoute(APIRoute):
    """A route whose user errors (ours and FastAPI's validation) come back as `{"error": …}`.

    Route-level, so the router works in any app without exception handlers on the app.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                return error_response(400, _validation_message(exc), request)
            except NotFoundError as exc:
                return error_response(404, str(exc), request)
            except DatabaseError as exc:
                return error_response(503, str(exc), request)
            except JamforError as exc:  # AmbiguousNameError, ValidationError and the rest: bad input
                return error_response(400, str(exc), request)

        return handle


class ApiError(BaseModel):
    """A user error: one sentence saying what was wrong."""

    error: str = Field(examples=["no KPI with id 'N99999'"])
    code: str | None = Field(None, examples=["api_not_found"], description="What kind of error it is.")
    message: str | None = Field(
        None, description="What to do, in the request's language (lang=en: English; else Swedish)."
    )
    lang: str | None = Field(None, examples=["sv"], description="The language of `message`.")


router = APIRouter(
    prefix="/api/v1",
    route_class=JsonErrorsRoute,
    responses={
        "4XX": {
            "model": ApiError,
            "description": "400 for bad input, 404 for an unknown id or name; the body says what was wrong.",
        }
    },
)
