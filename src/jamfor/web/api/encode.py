"""JSON answers written straight to bytes, for the API's long lists.

FastAPI would validate a returned model against its `response_model`, turn it into plain data
with `jsonable_encoder` and encode that with the standard library: for a page of a thousand
values most of a request's time. The list routes build the plain data themselves, in the shape
their model declares (the route keeps the model for the OpenAPI description, and
`tests/web/test_api_fast.py` holds the two together), and return it as `JsonBody`, which orjson
encodes in one pass.
"""

from __future__ import annotations

import math
from typing import Any

import orjson
from fastapi.responses import JSONResponse


class JsonBody(JSONResponse):
    """An `application/json` response of plain data (dicts, lists, str, int, float, None), encoded once.

    Non-ASCII text is written as UTF-8, as Starlette's `JSONResponse` writes it. A subclass of
    it, so that a route with `response_class=JsonBody` keeps its `response_model` in OpenAPI.
    """

    def render(self, content: Any) -> bytes:
        if isinstance(content, bytes):
            return content
        return orjson.dumps(content)


def finite(value: float | None) -> float | None:
    """A number as pydantic writes it to JSON: infinities and NaN as null (orjson would write null too)."""
    if value is None or math.isfinite(value):
        return value
    return None
