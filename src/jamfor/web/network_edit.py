"""Editors and admins manage networks on the website: `/natverk/ny` and `/natverk/<id>/redigera`.

The rules (who may manage which network, closing instead of deleting, the audit trail, 409 for
a stale form) are `jamfor.store.networks`'. The forms carry the session's CSRF token; members
are given one per line, by name or municipality code. This router is registered before the
network pages, whose `/natverk/{ident:path}` would otherwise take these paths.
"""

from __future__ import annotations

from typing import Final
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from jamfor.accounts import AccessDenied, User
from jamfor.errors import JamforError, NotFoundError
from jamfor.model import Group
from jamfor.render.text import Lang
from jamfor.store.networks import (
    CLOSED,
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
    },
}


def _may_create(user: User) -> None:
    if user.disabled or not (user.role == "admin" or (user.role == "editor" and user.areas)):
        raise AccessDenied(f"{user.username} may not create networks: editors and admins do")


def _text_problem(field: str, text: str, limit: int, words: dict[str, str]) -> str | None:
    if len(text) > limit:
        return words["too_long"].format(field=field, max=limit)
    if any((ord(c) < 32 or 0x7F <= ord(c) < 0xA0) and c not in "\n\r\t" for c in text):
        return words["control"].format(field=field)
    return None


def _shown(text: str) -> str:
    return "".join(c for c in text[:MAX_MEMBERS_TEXT] if c.isprintable() or c in "\n\t")


def _form_page(
    request: Request,
    lang: Lang,
    *,
    user: User,
    area_names: list[str],
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
    action = (
        f"/natverk/{quote(group.id, safe='')}/redigera{suffix}"
        if group is not None
        else f"/natverk/ny{suffix}"
    )
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
            "action": action,
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


def _area_names(access: StoreAccess, user: User) -> list[str]:
    with access.using() as store:
        return sorted(store.area(a).title for a in user.areas)


def _network(access: StoreAccess, ident: str, request: Request) -> Group:
    with access.using() as store:
        try:
            return managed_network(store, ident)
        except NotFoundError as exc:
            raise WebError("no_page", value=request.url.path, detail=str(exc)) from exc


@router.get("/natverk/ny", response_class=HTMLResponse)
def new_network_form(
    request: Request, lang: str = "sv", access: StoreAccess = Depends(store_access)
) -> HTMLResponse:
    language = check_ui_lang(lang)
    require_writable(request)
    user = require_user(request)
    _may_create(user)
    names = _area_names(access, user)
    members = "\n".join(names) if user.role == "editor" else ""
    return _form_page(
        request,
        language,
        user=user,
        area_names=names,
        group=None,
        title="",
        members=members,
        closed=False,
        version="",
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
    words = WORDS[language]
    require_writable(request)
    user = check_csrf(request, csrf).user
    _may_create(user)
    problems = [
        p
        for p in (
            _text_problem(words["name"], title, 200, words),
            _text_problem(words["members"], members, MAX_MEMBERS_TEXT, words),
        )
        if p
    ]
    group = None
    if not problems:
        with access.using() as store:
            try:
                group = create_user_network(store, title, members.splitlines(), actor=user, via="web")
            except AUTH_ERROR_TYPES:
                raise
            except JamforError as exc:  # an unknown member, a name taken: shown on the form
                problems = [str(exc)]
    if group is None:
        return _form_page(
            request,
            language,
            user=user,
            area_names=_area_names(access, user),
            group=None,
            title=_shown(title[:400]),
            members=_shown(members),
            closed=False,
            version="",
            problems=problems,
            status=400,
        )
    suffix = "?lang=en" if language == "en" else ""
    return RedirectResponse(f"/natverk/{quote(group.id, safe='')}{suffix}", status_code=303, headers=NO_STORE)


@router.get("/natverk/{ident}/redigera", response_class=HTMLResponse)
def edit_network_form(
    request: Request, ident: str, lang: str = "sv", access: StoreAccess = Depends(store_access)
) -> HTMLResponse:
    language = check_ui_lang(lang)
    require_writable(request)
    user = require_user(request)
    group = _network(access, ident, request)
    if not may_manage(user, group):
        raise AccessDenied(f"{user.username} may not manage network {group.id}")
    return _form_page(
        request,
        language,
        user=user,
        area_names=_area_names(access, user),
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
    words = WORDS[language]
    require_writable(request)
    user = check_csrf(request, csrf).user
    group = _network(access, ident, request)
    if not may_manage(user, group):
        raise AccessDenied(f"{user.username} may not manage network {group.id}")
    problems = [
        p
        for p in (
            _text_problem(words["name"], title, 200, words),
            _text_problem(words["members"], members, MAX_MEMBERS_TEXT, words),
        )
        if p
    ]
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
    if problems:
        return _form_page(
            request,
            language,
            user=user,
            area_names=_area_names(access, user),
            group=group,
            title=_shown(title[:400]),
            members=_shown(members),
            closed=bool(closed),
            version=version,
            problems=problems,
            status=400,
        )
    suffix = "?lang=en" if language == "en" else ""
    return RedirectResponse(f"/natverk/{quote(group.id, safe='')}{suffix}", status_code=303, headers=NO_STORE)
