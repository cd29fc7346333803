"""Logging in and out, the account page, and what every write route checks.

A login makes a server-side session (`jamfor.store.accounts.create_session`): the browser keeps
only a random secret in the cookie `jamfor_session` (HttpOnly, SameSite=Strict, Path=/, and
Secure over HTTPS or with JAMFOR_SECURE_COOKIES=1); the database keeps its SHA-256. Each
session has its own CSRF token, which every form carries in the hidden field `csrf` and
`check_csrf` compares in constant time. The login form itself is protected by a double-submit
token (cookie `jamfor_login` and field `login_csrf`), so that no other site can log a visitor
in under an account of its choosing.

API writes authenticate with `Authorization: Bearer jf_…` only (`bearer_user`): a cookie is
never enough for them, so they need no CSRF token.

The errors (`NotAuthenticated` 401, `AccessDenied` 403, `Conflict` 409, `ReadOnlySite` 503) are
answered by `auth_error_response`, registered on the app: a page in the request's language, or
JSON under /api/.
"""

from __future__ import annotations

import hmac
import os
import re
from typing import Any, Final
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from jamfor.accounts import (
    MAX_PASSWORD,
    MIN_PASSWORD,
    SESSION_LIFETIME,
    AccessDenied,
    NotAuthenticated,
    User,
    check_username,
    new_secret,
    password_problem,
)
from jamfor.errors import JamforError
from jamfor.render.text import Lang
from jamfor.store import accounts as account_store
from jamfor.store.accounts import Session
from jamfor.store.entry import Conflict
from jamfor.web.access import StoreAccess, store_access
from jamfor.web.i18n import check_ui_lang
from jamfor.web.pages import page

router = APIRouter(include_in_schema=False)

COOKIE: Final = "jamfor_session"
LOGIN_COOKIE: Final = "jamfor_login"
NO_STORE: Final = {"Cache-Control": "no-store"}


class ReadOnlySite(JamforError):
    """The site was started without a writable store (HTTP 503)."""


# -- the errors, in both languages --------------------------------------------------------------

AUTH_ERRORS: Final[dict[str, tuple[int, dict[Lang, str], dict[Lang, str]]]] = {
    # kind: (status, heading, sentence)
    "not_authenticated": (
        401,
        {"sv": "Inloggning krävs", "en": "Login required"},
        {
            "sv": "Du behöver logga in för att göra det här, eller så har din inloggning gått ut. "
            "Logga in och försök igen.",
            "en": "You need to log in to do this, or your login has expired. Log in and try again.",
        },
    ),
    "access_denied": (
        403,
        {"sv": "Inte tillåtet", "en": "Not allowed"},
        {
            "sv": "Ditt konto får inte göra det här. Redaktörer rapporterar bara för sina egna kommuner, "
            "och en stängd rapporteringsperiod kan bara öppnas av en administratör.",
            "en": "Your account may not do this. Editors report only for their own municipalities, and a "
            "closed reporting period can only be reopened by an admin.",
        },
    ),
    "bad_csrf": (
        403,
        {"sv": "Formuläret är för gammalt", "en": "The form is out of date"},
        {
            "sv": "Formulärets säkerhetskod stämmer inte med din inloggning (sidan kan vara för gammal "
            "eller komma från en annan webbplats). Ladda om sidan och skicka igen.",
            "en": "The form's security code does not match your login (the page may be too old or come "
            "from another site). Reload the page and send it again.",
        },
    ),
    "conflict": (
        409,
        {"sv": "Värdet har ändrats", "en": "The value has changed"},
        {
            "sv": "Någon annan har ändrat värdet sedan du läste det, så din ändring sparades inte. "
            "Ladda om sidan, se det nya värdet och gör om ändringen om den fortfarande behövs.",
            "en": "Someone else changed the value since you read it, so your change was not saved. "
            "Reload the page, look at the new value and make the change again if it is still needed.",
        },
    ),
    "read_only": (
        503,
        {"sv": "Skrivskyddad webbplats", "en": "Read-only site"},
        {
            "sv": "Den här webbplatsen är skrivskyddad: den visar data men tar inte emot inloggningar "
            "eller ändringar. Administratören kan starta den med jamfor serve --writable.",
            "en": "This site is read-only: it shows data but takes no logins or changes. The "
            "administrator can start it with jamfor serve --writable.",
        },
    ),
}


class BadCsrf(AccessDenied):
    """A form whose CSRF token is missing or not the session's (HTTP 403)."""


# The errors `auth_error_response` answers (the app registers it for each).
AUTH_ERROR_TYPES: Final = (NotAuthenticated, AccessDenied, Conflict, ReadOnlySite)


def error_kind(exc: Exception) -> str:
    if isinstance(exc, ReadOnlySite):
        return "read_only"
    if isinstance(exc, Conflict):
        return "conflict"
    if isinstance(exc, NotAuthenticated):
        return "not_authenticated"
    if isinstance(exc, BadCsrf):
        return "bad_csrf"
    return "access_denied"


def auth_error_response(request: Request, exc: Exception) -> Response:
    """The answer to an authentication, permission, conflict or read-only error: JSON under /api/
    (`error`: the library's sentence, `code`, `message` in the request's language), else a page."""
    lang = check_ui_lang(request.query_params.get("lang"))
    kind = error_kind(exc)
    status, heading, sentence = AUTH_ERRORS[kind]
    headers = dict(NO_STORE)
    if status == 401 and request.url.path.startswith("/api/"):
        headers["WWW-Authenticate"] = 'Bearer realm="jamfor"'
    if request.url.path.startswith("/api/"):
        body = {"error": str(exc), "code": kind, "message": sentence[lang], "lang": lang}
        return JSONResponse(body, status_code=status, headers=headers)
    context = {
        "title": heading[lang],
        "message": sentence[lang],
        "detail": str(exc),
        "code": kind,
        "login_href": "/logga-in?next=" + quote(request.url.path, safe="/") if status == 401 else None,
        "user": None,
    }
    response = page(request, "entry_error.html", lang, context, status_code=status)
    response.headers.update(headers)
    return response


# -- who is asking ------------------------------------------------------------------------------


def is_read_only(request: Request) -> bool:
    return bool(getattr(request.app.state, "read_only", False))


def require_writable(request: Request) -> None:
    if is_read_only(request):
        raise ReadOnlySite("the site is read-only: start it with `jamfor serve --writable` to take changes")


def current_session(request: Request) -> Session | None:
    """The live session of the request's cookie, or None (read once per request)."""
    if hasattr(request.state, "jamfor_session"):
        found: Session | None = request.state.jamfor_session
        return found
    secret = request.cookies.get(COOKIE)
    found = None
    if secret and len(secret) <= 200:
        access: StoreAccess = request.app.state.access
        with access.using() as store:
            try:
                found = account_store.session(store, secret)
            except NotAuthenticated:
                found = None
    request.state.jamfor_session = found
    return found


def current_user(request: Request) -> User | None:
    """FastAPI dependency: the logged-in user, or None."""
    found = current_session(request)
    return found.user if found is not None else None


def require_user(request: Request) -> User:
    """FastAPI dependency: the logged-in user; NotAuthenticated (401) without a live session."""
    found = current_user(request)
    if found is None:
        raise NotAuthenticated("not logged in, or the session has ended: log in")
    return found


def check_csrf(request: Request, form_token: str | None) -> Session:
    """The request's session if `form_token` is its CSRF token; NotAuthenticated without a live
    session, BadCsrf (403) for a missing or wrong token."""
    found = current_session(request)
    if found is None:
        raise NotAuthenticated("not logged in, or the session has ended: log in")
    given = (form_token or "").encode("utf-8", errors="replace")
    if not hmac.compare_digest(given, found.csrf_token.encode("utf-8")):
        raise BadCsrf("the form's CSRF token is missing or wrong: reload the page")
    return found


_BEARER = re.compile(r"Bearer\s+(jf_[A-Za-z0-9_-]{20,100})", re.IGNORECASE)


def bearer_user(request: Request) -> User:
    """The user of the request's `Authorization: Bearer jf_…` token; NotAuthenticated otherwise
    (a session cookie does not count: API writes take tokens only)."""
    header = request.headers.get("authorization", "")
    match = _BEARER.fullmatch(header.strip())
    if match is None:
        raise NotAuthenticated("API writes need an API token: send `Authorization: Bearer jf_…`")
    access: StoreAccess = request.app.state.access
    with access.using() as store:
        return account_store.token_user(store, match.group(1))


def secure_cookies(request: Request) -> bool:
    return request.url.scheme == "https" or os.environ.get("JAMFOR_SECURE_COOKIES", "") == "1"


def user_context(request: Request) -> dict[str, Any]:
    """What the pages of logged-in users add: the user and the session's CSRF token."""
    found = current_session(request)
    return {"user": found.user if found else None, "csrf": found.csrf_token if found else ""}


def safe_next(target: str | None) -> str:
    """Where to go after logging in: a path on this site only, else the account page."""
    text = (target or "").strip()
    if not text.startswith("/") or text.startswith("//") or "\\" in text or any(ord(c) < 32 for c in text):
        return "/konto"
    return text[:2000]


# -- pages -------------------------------------------------------------------------------------

ROLE_NAMES: Final[dict[Lang, dict[str, str]]] = {
    "sv": {"admin": "administratör", "editor": "redaktör", "evaluator": "utvärderare", "reader": "läsare"},
    "en": {"admin": "admin", "editor": "editor", "evaluator": "evaluator", "reader": "reader"},
}

_LOGIN_WORDS: Final[dict[Lang, dict[str, str]]] = {
    "sv": {
        "title": "Logga in",
        "wrong": "Fel användarnamn eller lösenord.",
        "locked": "För många misslyckade inloggningar. Vänta en kvart och försök igen.",
        "stale": "Inloggningsformuläret var för gammalt. Försök igen.",
        "current_wrong": "Nuvarande lösenord: stämmer inte.",
        "short": "Nytt lösenord: minst {n} tecken.",
        "long": "Nytt lösenord: högst {n} tecken.",
        "differ": "Upprepa det nya lösenordet: lösenorden är olika.",
        "changed": "Ditt lösenord är bytt. Dina andra inloggningar har avslutats.",
    },
    "en": {
        "title": "Log in",
        "wrong": "Wrong user name or password.",
        "locked": "Too many failed logins. Wait a quarter of an hour and try again.",
        "stale": "The login form was out of date. Try again.",
        "current_wrong": "Current password: not right.",
        "short": "New password: at least {n} characters.",
        "long": "New password: at most {n} characters.",
        "differ": "Repeat the new password: the passwords differ.",
        "changed": "Your password is changed. Your other sessions have ended.",
    },
}


def _login_page(
    request: Request, lang: Lang, *, username: str = "", message: str | None = None, status: int = 200
) -> HTMLResponse:
    token = new_secret()
    response = page(
        request,
        "login.html",
        lang,
        {
            "title": _LOGIN_WORDS[lang]["title"],
            "username": "".join(c for c in username[:200] if c.isprintable()),
            "message": message,
            "login_csrf": token,
            "next": safe_next(request.query_params.get("next")),
            "read_only": is_read_only(request),
            "user": current_user(request),
        },
        status_code=status,
    )
    response.headers.update(NO_STORE)
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        max_age=3600,
        path="/logga-in",
        httponly=True,
        samesite="strict",
        secure=secure_cookies(request),
    )
    return response


@router.get("/logga-in", response_class=HTMLResponse)
def login_form(request: Request, lang: str = "sv") -> HTMLResponse:
    return _login_page(request, check_ui_lang(lang))


@router.post("/logga-in")
def login(
    request: Request,
    username: str = Form("", max_length=10_000),
    password: str = Form("", max_length=10_000),
    login_csrf: str = Form("", max_length=200),
    next_path: str = Form("/konto", alias="next", max_length=2000),
    lang: str = "sv",
    access: StoreAccess = Depends(store_access),
) -> Response:
    language = check_ui_lang(lang)
    words = _LOGIN_WORDS[language]
    require_writable(request)
    cookie = request.cookies.get(LOGIN_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie.encode(), login_csrf.encode("utf-8", errors="replace")):
        return _login_page(request, language, username=username, message=words["stale"], status=403)
    client = request.client.host if request.client else None
    try:
        check_username(username)
    except JamforError:  # no account can have such a name (and a NUL is no text for PostgreSQL)
        return _login_page(request, language, username=username, message=words["wrong"], status=401)
    with access.using() as store:
        try:
            account = account_store.authenticate(store, username, password, client=client)
        except NotAuthenticated as exc:
            locked = str(exc).startswith("too many")
            message = words["locked" if locked else "wrong"]
            return _login_page(
                request, language, username=username, message=message, status=429 if locked else 401
            )
        secret, _ = account_store.create_session(store, account)
    response = RedirectResponse(safe_next(next_path), status_code=303, headers=NO_STORE)
    _set_session_cookie(response, request, secret)
    response.delete_cookie(LOGIN_COOKIE, path="/logga-in", httponly=True, samesite="strict")
    return response


@router.post("/logga-ut")
def logout(
    request: Request,
    csrf: str = Form("", max_length=200),
    access: StoreAccess = Depends(store_access),
) -> Response:
    require_writable(request)
    check_csrf(request, csrf)
    secret = request.cookies.get(COOKIE, "")
    with access.using() as store:
        account_store.end_session(store, secret)
    response = RedirectResponse("/", status_code=303, headers=NO_STORE)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict", secure=secure_cookies(request))
    return response


@router.get("/konto", response_class=HTMLResponse)
def account_page(
    request: Request, lang: str = "sv", klart: str = "", access: StoreAccess = Depends(store_access)
) -> HTMLResponse:
    language = check_ui_lang(lang)
    done = _LOGIN_WORDS[language]["changed"] if klart == "losenord" else None
    return _account_page(request, language, access, done=done)


@router.post("/konto/losenord", response_class=HTMLResponse)
def change_own_password(
    request: Request,
    csrf: str = Form("", max_length=200),
    current: str = Form("", max_length=10_000),
    password: str = Form("", max_length=10_000),
    password2: str = Form("", max_length=10_000),
    lang: str = "sv",
    access: StoreAccess = Depends(store_access),
) -> Response:
    """One's own new password, given the current one (a wrong one counts as a failed login, so
    the throttle holds here too). Every other session ends; this browser gets a new one."""
    language = check_ui_lang(lang)
    words = _LOGIN_WORDS[language]
    require_writable(request)
    user = check_csrf(request, csrf).user
    broken = password_problem(password, password2)
    problem = (
        None if broken is None else words[broken].format(n=MAX_PASSWORD if broken == "long" else MIN_PASSWORD)
    )
    client = request.client.host if request.client else None
    with access.using() as store:
        try:
            account_store.authenticate(store, user.username, current, client=client)
        except NotAuthenticated as exc:
            problem = words["locked" if str(exc).startswith("too many") else "current_wrong"]
        if problem is not None:
            return _account_page(request, language, access, problem=problem, status=400)
        account_store.set_password(store, user.username, password, actor=user.username, via="web")
        secret, _ = account_store.create_session(store, user)
    response = RedirectResponse(
        f"/konto?klart=losenord{'&lang=en' if language == 'en' else ''}", 303, NO_STORE
    )
    _set_session_cookie(response, request, secret)
    return response


def _set_session_cookie(response: Response, request: Request, secret: str) -> None:
    """The session cookie: the whole site, JavaScript can't read it, never sent cross-site."""
    response.set_cookie(
        COOKIE,
        secret,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path="/",
        httponly=True,
        samesite="strict",
        secure=secure_cookies(request),
    )


def _account_page(
    request: Request,
    language: Lang,
    access: StoreAccess,
    *,
    problem: str | None = None,
    done: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    user = require_user(request)
    with access.using() as store:
        areas = sorted((store.area(a) for a in user.areas), key=lambda a: a.title)
        tokens = account_store.tokens(store, user.username)
    response = page(
        request,
        "account.html",
        language,
        {
            "title": "Mitt konto" if language == "sv" else "My account",
            "areas": areas,
            "tokens": tokens,
            "problem": problem,
            "done": done,
            "min_password": MIN_PASSWORD,
            "role_name": ROLE_NAMES[language].get(user.role, user.role),
            **user_context(request),
        },
        status_code=status,
    )
    response.headers.update(NO_STORE)
    return response
