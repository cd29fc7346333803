"""PUT /api/v1/values: scripted writes of a municipality's own values, with an API token.

The request names the token in `Authorization: Bearer jf_…` (`jamfor user token NAME --label …`);
a session cookie is not enough, so no CSRF token is needed. The values go through
`jamfor.store.entry.write_values` with `via="api"`: the same permissions, row checks (the
importers' messages), closed periods, all-or-nothing write and audit trail as the website.
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import Body, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from jamfor.store.entry import parse_changes, write_values
from jamfor.web.api.errors import ApiError, router
from jamfor.web.auth import AUTH_ERROR_TYPES, auth_error_response, bearer_user, require_writable

MAX_WRITE_VALUES: Final = 10_000


class ValueWrite(BaseModel):
    """One value to write."""

    kpi: str = Field(max_length=50, examples=["U00405"])
    area: str = Field(max_length=50, examples=["1081"], description="The municipality's code.")
    period: int | str = Field(examples=[2023], description="The year, four digits.")
    gender: str = Field("T", max_length=5, examples=["T"], description="T (total), K (women) or M (men).")
    value: float | str | None = Field(
        examples=[12.5], description='A number, or a text such as "12,5" (decimal comma or point, no unit).'
    )
    expected: float | None = Field(
        None,
        examples=[11.0],
        description="The value you last read (null: there was none). When given and the stored value is "
        "another, nothing is written and the answer is 409. Leave it out to write whatever is stored.",
    )


class WriteResult(BaseModel):
    """What the write did."""

    new: int = Field(description="Values that did not exist before.")
    changed: int = Field(description="Values that had another value before (kept as revisions).")
    unchanged: int = Field(description="Values that were already as given.")
    batch_id: int | None = Field(description="The batch the changes were written in (null if none).")


def _text(value: float | int | str | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        return repr(value)
    return str(value)


@router.put(
    "/values",
    response_model=WriteResult,
    summary="Write values (API token)",
    responses={
        401: {"model": ApiError, "description": "No token, or an unknown, revoked or disabled user's token."},
        403: {
            "model": ApiError,
            "description": "The token's user may not change a value, or its period is closed.",
        },
        409: {
            "model": ApiError,
            "description": "A value is not the `expected` one any more; nothing was written.",
        },
        503: {"model": ApiError, "description": "The site is read-only."},
    },
)
def put_values(
    request: Request,
    values: Annotated[list[ValueWrite], Body(max_length=MAX_WRITE_VALUES)],
) -> Response:
    """Write a municipality's own values, all or nothing.

    Send `Authorization: Bearer jf_…` with a token made by `jamfor user token NAME --label …`.
    An editor may write values of their own municipalities, an admin any; a closed reporting
    period locks its values for everyone but admins. Each value is checked like an imported
    row (the same messages, 400 with every problem); each change keeps the old value as a
    revision and is recorded in the audit trail (who, when, old and new value, source
    "API: <user>"). With `expected`, a value someone else has changed since is not
    overwritten: the whole request is refused with 409.
    """
    try:
        require_writable(request)
        user = bearer_user(request)
        rows = []
        for item in values:
            row: dict[str, str | None] = {
                "kpi": item.kpi,
                "area": item.area,
                "period": _text(item.period),
                "gender": item.gender,
                "value": _text(item.value),
            }
            if "expected" in item.model_fields_set:
                row["expected"] = _text(item.expected) or ""
            rows.append(row)
        access = request.app.state.access
        with access.using() as store:
            changes = parse_changes(store, rows, "request body")
            summary = write_values(store, changes, actor=user, via="api", source=f"API: {user.username}")
    except AUTH_ERROR_TYPES as exc:
        return auth_error_response(request, exc)
    body = WriteResult(
        new=summary.new, changed=summary.changed, unchanged=summary.unchanged, batch_id=summary.batch_id
    )
    return JSONResponse(body.model_dump(), headers={"Cache-Control": "no-store"})
