"""Editors and admins manage networks on the website: `/natverk/ny` and `/natverk/<id>/redigera`.

The rules (who may manage which network, closing instead of deleting, the audit trail, 409 for
a stale form) are `jamfor.store.networks`'. The forms carry the session's CSRF token; members
are given one per line, by name or municipality code. This router is registered before the
network pages, whose `/natverk/{ident:path}` would otherwise take these paths.

Every route asks `_authorised` for the user and the network: the one place that checks the
site is writable, the login (and on a POST the CSRF token) and the permission rule, which
`network_links` also uses to decide which links the network pages show.
"""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from jamfor.accounts import AccessDenied, User
from jamfor.errors import JamforError, NotFoundError
from jamfor.model import Group
from jamfor.render.text import Lang
from jamfor.store.networks import (
    CLOSED,
    MANAGED_KINDS,
    create_user_network,
    edit_network,
    managed_network,
    may_manage,
    network_version,
)
from jamfor.web.access import StoreAccess, store_access
from jamfor.web.auth import (
    AUTH_ERROR_TYPES,
    NO_STORE,
    check_csrf,
    current_user,
    is_read_only,
    require_user,
    require_writable,
    user_context,
)
from jamfor.web.i18n import WebError, check_ui_lang
from jamfor.web.pages import page

router = APIRouter(include_in_schema=False)

MAX_MEMBERS_TEXT: Final = 20_000

WORDS: Final[dict[Lang, dict[str, str]]] = {
    "sv": {
        "new_title": "Nytt nätverk",
        "edit_title": "Redigera nätverket",
        "intro": "Ett nätverk är en egen grupp kommuner att jämföra med. Skriv en kommun per rad, med namn eller kommunkod.",
        "editor_note": "Som redaktör kan du bara ta med dina egna kommuner: {areas}.",
        "name": "Namn",
        "members": "Medlemmar (en kommun per rad)",
        "closed": "Stängt (nätverket försvinner ur listan men finns kvar med sin historik och kan öppnas igen)",
        "create": "Skapa",
        "save": "Spara",
        "problems": "Inget sparades:",
        "too_long": "{field}: högst {max} tecken",
        "control": "{field}: innehåller otillåtna kontrolltecken",
        "back": "Till nätverket",
        "new_link": "Skapa ett nytt nätverk",
        "edit_link": "Redigera nätverket",
        "edit_one": "redigera",
    },
    "en": {
        "new_title": "New network",
        "edit_title": "Edit the network",
        "intro": "A network is your own group of municipalities to compare with. Write one municipality per line, "
        "by name or code.",
        "editor_note": "As an editor you may only include your own municipalities: {areas}.",
        "name": "Name",
        "members": "Members (one municipality per line)",
        "closed": "Closed (the network leaves the list but is kept with its history and can be reopened)",
        "create": "Create",
        "save": "Save",
        "problems": "Nothing was saved:",
        "too_long": "{field}: at most {max} characters",
        "control": "{field}: contains control characters that are not allowed",
        "back": "To the network",
        "new_link": "Create a new network",
        "edit_link": "Edit the network",
        "edit_one": "edit",
    },
}


def may_create(user: User | None) -> bool:
    """Whether `user` may create networks: admins, and editors with municipalities."""
    if user is None or user.disabled:
        return False
    return user.role == "admin" or (user.role == "editor" and bool(user.areas))


def _managed(user: User | None, group: Group) -> bool:
    """Whether `user` may edit `group`: a user-defined network (open or closed) they manage."""
    return group.source == "user" and group.kind in MANAGED_KINDS and may_manage(user, group)


def _edit_href(group: Group, suffix: str) -> str:
    return f"/natverk/{quote(group.id, safe='')}/redigera{suffix}"


def network_links(request: Request, group: Group | None = None) -> dict[str, Any]:
    """The editing links the network pages show the visitor (a Jinja global, see `web/app.py`):
    `new` (the form for a new network), `edit` (for `group`), `edit_of` (a function giving the
    link for any listed network) and `words`; None where the visitor may not. Nothing on a
    read-only site or without a login, so anonymous pages (the cached ones) show no links."""
    lang = check_ui_lang(request.query_params.get("lang"))
    suffix = "?lang=en" if lang == "en" else ""
    user = None if is_read_only(request) else current_user(request)

    def edit_of(other: Group) -> str | None:
        if user is None or other.source != "user" or other.kind not in MANAGED_KINDS:
            return None
        if not other.members and user.role == "editor":  # a list's groups come without members
            access: StoreAccess = request.app.state.access
            with access.using() as store:
                other = store.group(other.id)
        return _edit_href(other, suffix) if _managed(user, other) else None

    return {
        "new": f"/natverk/ny{suffix}" if may_create(user) else None,
        "edit": edit_of(group) if group is not None else None,
        "edit_of": edit_of,
        "words": WORDS[lang],
    }


def _authorised(
    request: Request, access: StoreAccess, ident: str | None, csrf: str | None = None
) -> tuple[User, Group | None]:
    """The user and the network (None for a new one) of a request to the forms, after every check:
    a writable site (503), a live session (401) and on a POST (`csrf` given) its CSRF token (403),
    the network managed on the website (404), and the permission to create or manage it (403)."""
    require_writable(request)
    user = require_user(request) if csrf is None else check_csrf(request, csrf).user
    if ident is None:
        if not may_create(user):
            raise AccessDenied(f"{user.username} may not create networks: editors and admins do")
        return user, None
    with access.using() as store:
        try:
            group = managed_network(store, ident)
        except NotFoundError as exc:
            raise WebError("no_page", value=request.url.path, detail=str(exc)) from exc
    if not may_manage(user, group):
        raise AccessDenied(f"{user.username} may not manage network {group.id}")
    return user, group


def _text_problem(field: str, text: str, limit: int, words: dict[str, str]) -> str | None:
    if len(text) > limit:
        return words["too_long"].format(field=field, max=limit)
    if any((ord(c) < 32 or 0x7F <= ord(c) < 0xA0) and c not in "\n\r\t" for c in text):
        return words["control"].format(field=field)
    return None


def _form_problems(title: str, members: str, words: dict[str, str]) -> list[str]:
    found = (
        _text_problem(words["name"], title, 200, words),
        _text_problem(words["members"], members, MAX_MEMBERS_TEXT, words),
    )
    return [p for p in found if p]


def _shown(text: str) -> str:
    return "".join(c for c in text[:MAX_MEMBERS_TEXT] if c.isprintable() or c in "\n\t")


def _form_page(
    request: Request,
    lang: Lang,
    access: StoreAccess,
    *,
    user: User,
    group: Group | None,
    title: str,
    members: str,
    closed: bool,
    version: str,
    problems: list[str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    words = WORDS[lang]
    suffix = "?lang=en" if lang == "en" else ""
    with access.using() as store:
        area_names = sorted(store.area(a).title for a in user.areas)
    response = page(
        request,
        "network_edit.html",
        lang,
        {
            "title": f"{words['edit_title']}: {group.title}" if group is not None else words["new_title"],
            "w": words,
            "group": group,
            "name_value": title,
            "members_value": members,
            "closed": closed,
            "version": version,
            "problems": problems or [],
            "action": _edit_href(group, suffix) if group is not None else f"/natverk/ny{suffix}",
            "editor_note": words["editor_note"].format(areas=", ".join(area_names))
            if user.role == "editor"
            else None,
            "back_href": f"/natverk/{quote(group.id, safe='')}{suffix}" if group is not None else None,
            **user_context(request),
        },
        status_code=status,
    )
    response.headers.update(NO_STORE)
    return response


def _refused_form(
    request: Request,
    lang: Lang,
    access: StoreAccess,
    *,
    user: User,
    group: Group | None,
    title: str,
    members: str,
    closed: bool,
    version: str,
    problems: list[str],
) -> HTMLResponse:
    """The form again (400) with what was sent, made printable, and the problems."""
    return _form_page(
        request,
        lang,
        access,
        user=user,
        group=group,
        title=_shown(title[:400]),
        members=_shown(members),
        closed=closed,
        version=version,
        problems=problems,
        status=400,
    )


def _saved(group: Group, lang: Lang) -> Response:
    suffix = "?lang=en" if lang == "en" else ""
    return RedirectResponse(f"/natverk/{quote(group.id, safe='')}{suffix}", status_code=303, headers=NO_STORE)


@router.get("/natverk/ny", response_class=HTMLResponse)
def new_network_form(
    request: Request, lang: str = "sv", access: StoreAccess = Depends(store_access)
) -> HTMLResponse:
    language = check_ui_lang(lang)
    user, _ = _authorised(request, access, None)
    members = ""
    if user.role == "editor":
        with access.using() as store:
            members = "\n".join(sorted(store.area(a).title for a in user.areas))
    return _form_page(
        request, language, access, user=user, group=None, title="", members=members, closed=False, version=""
    )


@router.post("/natverk/ny", response_class=HTMLResponse)
def new_network(
    request: Request,
    csrf: str = Form("", max_length=200),
    title: str = Form("", max_length=2_000_000),
    members: str = Form("", max_length=2_000_000),
    lang: str = "sv",
    access: StoreAccess = Depends(store_access),
) -> Response:
    language = check_ui_lang(lang)
    user, _ = _authorised(request, access, None, csrf)
    problems = _form_problems(title, members, WORDS[language])
    if not problems:
        with access.using() as store:
            try:
                group = create_user_network(store, title, members.splitlines(), actor=user, via="web")
            except AUTH_ERROR_TYPES:
                raise
            except JamforError as exc:  # an unknown member, a name taken: shown on the form
                problems = [str(exc)]
            else:
                return _saved(group, language)
    return _refused_form(
        request,
        language,
        access,
        user=user,
        group=None,
        title=title,
        members=members,
        closed=False,
        version="",
        problems=problems,
    )


@router.get("/natverk/{ident}/redigera", response_class=HTMLResponse)
def edit_network_form(
    request: Request, ident: str, lang: str = "sv", access: StoreAccess = Depends(store_access)
) -> HTMLResponse:
    language = check_ui_lang(lang)
    user, group = _authorised(request, access, ident)
    assert group is not None  # an ident names a network
    return _form_page(
        request,
        language,
        access,
        user=user,
        group=group,
        title=group.title,
        members="\n".join(a.title for a in group.members),
        closed=group.kind == CLOSED,
        version=network_version(group),
    )


@router.post("/natverk/{ident}/redigera", response_class=HTMLResponse)
def edit_network_submit(
    request: Request,
    ident: str,
    csrf: str = Form("", max_length=200),
    version: str = Form("", max_length=200),
    title: str = Form("", max_length=2_000_000),
    members: str = Form("", max_length=2_000_000),
    closed: str = Form("", max_length=10),
    lang: str = "sv",
    access: StoreAccess = Depends(store_access),
) -> Response:
    language = check_ui_lang(lang)
    user, group = _authorised(request, access, ident, csrf)
    assert group is not None
    problems = _form_problems(title, members, WORDS[language])
    if not problems:
        with access.using() as store:
            try:
                edit_network(
                    store,
                    group.id,
                    title=title,
                    members=members.splitlines(),
                    closed=bool(closed),
                    version=version,
                    actor=user,
                    via="web",
                )
            except AUTH_ERROR_TYPES:
                raise
            except JamforError as exc:
                problems = [str(exc)]
            else:
                return _saved(group, language)
    return _refused_form(
        request,
        language,
        access,
        user=user,
        group=group,
        title=title,
        members=members,
        closed=bool(closed),
        version=version,
        problems=problems,
    )
