"""Administration on the website, for admins only: users (add, role and scope, disable and
enable), their API tokens (create, shown once; revoke) and reporting periods (close, reopen).

Every change goes through the store functions `jamfor user …` and `jamfor period …` use, with
the admin as actor and `via="web"`, so it lands in the audit trail as theirs do. What the
library would refuse is checked here first, so that a mistake is told in the page's language
and names the field; nothing is written then. Every form carries the session's CSRF token
(`web/auth.py`); anonymous visitors get 401, other roles 403, a read-only site 503.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from jamfor.accounts import (
    MAX_PASSWORD,
    MIN_PASSWORD,
    ROLES,
    AccessDenied,
    User,
    check_display_name,
    check_username,
    password_problem,
)
from jamfor.errors import AmbiguousNameError, JamforError, NotFoundError
from jamfor.measuresets import bundled_measure_sets
from jamfor.render.text import Lang
from jamfor.store import Store
from jamfor.store import accounts as account_store
from jamfor.store import compass as compass_store
from jamfor.store.accounts import AuditEvent, TokenInfo
from jamfor.store.entry import closed_periods, set_period_closed
from jamfor.web.access import StoreAccess, store_access
from jamfor.web.auth import (
    AUTH_ERROR_TYPES,
    NO_STORE,
    ROLE_NAMES,
    check_csrf,
    require_user,
    require_writable,
    user_context,
)
from jamfor.web.i18n import WebError, check_ui_lang
from jamfor.web.pages import page

router = APIRouter(include_in_schema=False)

MAX_TEXT: Final = 20_000  # a scope list or a label as typed; longer is refused with a message
FORM_TEXT: Final = 2_000_000  # what a form field may bring at all (FastAPI refuses more)
FIRST_YEAR, LAST_YEAR = 1950, 2100
HISTORY_EVENTS: Final = 50

WORDS: Final[dict[Lang, dict[str, str]]] = {
    "sv": {
        "admin": "Administration",
        "users": "Användare",
        "periods": "Rapporteringsperioder",
        "user_title": "Användare {name}",
        "token_title": "Ny API-nyckel för {name}",
        "username": "Användarnamn",
        "display_name": "Namn",
        "password": "Lösenord",
        "password2": "Upprepa lösenordet",
        "password_hint": "minst {n} tecken",
        "role": "Roll",
        "areas": "Kommuner (redaktör; en per rad, namn eller kommunkod)",
        "areas_field": "Kommuner",
        "evaluations": "Utvärderingar (utvärderare; en per rad, id)",
        "evaluations_field": "Utvärderingar",
        "scope": "Behörighet",
        "state": "Status",
        "active": "aktiv",
        "last_login": "Senast inloggad",
        "disabled": "avstängd",
        "add_user": "Lägg till en användare",
        "add": "Lägg till",
        "save_role": "Spara roll och behörighet",
        "role_heading": "Roll och behörighet",
        "disable": "Stäng av användaren",
        "enable": "Aktivera användaren igen",
        "disable_note": "En avstängd användare kan inte logga in; inloggningar och API-nycklar upphör direkt. "
        "Inget tas bort.",
        "enable_note": "Användaren kan logga in igen. Gamla inloggningar och nycklar förblir spärrade.",
        "tokens": "API-nycklar",
        "no_tokens": "Inga giltiga nycklar.",
        "label": "Etikett (vad nyckeln används till)",
        "label_field": "Etikett",
        "created": "Skapad",
        "last_used": "Senast använd",
        "create_token": "Skapa en nyckel",
        "revoke": "Spärra alla användarens nycklar",
        "token_once": "Spara nyckeln nu: den visas bara den här gången, och bara dess kontrollsumma sparas. "
        "Skicka den som 'Authorization: Bearer <nyckel>'.",
        "token": "Nyckeln",
        "history": "Kontots historik",
        "at": "Tid",
        "actor": "Av",
        "via": "Via",
        "action": "Händelse",
        "change": "Ändring",
        "no_history": "Ingen historik.",
        "back_users": "Till användarna",
        "back_user": "Till användaren",
        "problems": "Inget sparades:",
        "measure_set": "Måttuppsättning",
        "year": "År",
        "closed_at": "Stängd",
        "closed_by": "Stängd av",
        "open": "öppen",
        "closed": "stängd",
        "close": "Stäng",
        "reopen": "Öppna igen",
        "close_period": "Stäng en rapporteringsperiod",
        "period_note": "En stängd period låser måttuppsättningens värden för året för alla utom administratörer. "
        "Perioder som aldrig stängts är öppna och listas inte.",
        "no_periods": "Ingen period har stängts ännu.",
        "none": "–",
        "all_areas": "alla kommuner",
        "users_caption": "Alla användare",
        "tokens_caption": "Användarens giltiga API-nycklar",
        "history_caption": "De senaste händelserna för kontot",
        "periods_caption": "Perioder som stängts eller öppnats igen",
        "existing_evaluations": "Utvärderingar som finns: {ids}.",
        # problems, each naming its field
        "bad_username": "{field}: 2–64 tecken: små bokstäver, siffror och . _ @ -, med en bokstav eller siffra "
        "först",
        "taken": "{field}: det finns redan en användare ”{value}”",
        "bad_name": "{field}: 1–200 tecken utan kontrolltecken",
        "short": "{field}: minst {n} tecken",
        "long": "{field}: högst {n} tecken",
        "differ": "{field}: lösenorden är olika",
        "bad_role": "{field}: välj administratör, redaktör, utvärderare eller läsare",
        "control": "{field}: innehåller otillåtna kontrolltecken",
        "unknown_area": "{field}: det finns ingen kommun som heter eller har kommunkoden ”{value}”",
        "ambiguous_area": "{field}: ”{value}” passar in på flera kommuner; skriv hela namnet eller koden",
        "not_municipality": "{field}: {value} är inte en kommun (redaktörer rapporterar för kommuner)",
        "unknown_evaluation": "{field}: det finns ingen utvärdering ”{value}”",
        "own_role": "{field}: du kan inte ta bort din egen administratörsroll; be en annan administratör",
        "own_account": "Du kan inte stänga av ditt eget konto; be en annan administratör",
        "disabled_token": "{field}: {name} är avstängd och får inga nya nycklar",
        "unknown_set": "{field}: det finns ingen måttuppsättning ”{value}”",
        "bad_year": "{field}: skriv ett år med fyra siffror mellan {first} och {last}",
        "failed": "Det gick inte att spara: {detail}",
        # done, after a change (the ?klart= parameter)
        "done_created": "Användaren har lagts till.",
        "done_role": "Roll och behörighet har sparats.",
        "done_disabled": "Användaren är avstängd.",
        "done_enabled": "Användaren är aktiv igen.",
        "done_revoked": "Användarens nycklar är spärrade.",
        "done_closed": "Perioden är stängd.",
        "done_reopened": "Perioden är öppen igen.",
        "done_password": "Lösenordet är bytt; användarens inloggningar har avslutats.",
        "new_password": "Nytt lösenord",
        "new_password_note": "Användaren loggas ut överallt och loggar in med det nya lösenordet. API-nycklarna "
        "påverkas inte.",
        "set_password": "Byt lösenord",
    },
    "en": {
        "admin": "Administration",
        "users": "Users",
        "periods": "Reporting periods",
        "user_title": "User {name}",
        "token_title": "New API token for {name}",
        "username": "User name",
        "display_name": "Name",
        "password": "Password",
        "password2": "Repeat the password",
        "password_hint": "at least {n} characters",
        "role": "Role",
        "areas": "Municipalities (editor; one per line, name or code)",
        "areas_field": "Municipalities",
        "evaluations": "Evaluations (evaluator; one per line, id)",
        "evaluations_field": "Evaluations",
        "scope": "Scope",
        "state": "State",
        "active": "active",
        "last_login": "Last login",
        "disabled": "disabled",
        "add_user": "Add a user",
        "add": "Add",
        "save_role": "Save role and scope",
        "role_heading": "Role and scope",
        "disable": "Disable the user",
        "enable": "Enable the user again",
        "disable_note": "A disabled user cannot log in; their sessions and API tokens end at once. Nothing is "
        "deleted.",
        "enable_note": "The user can log in again. Old sessions and tokens stay revoked.",
        "tokens": "API tokens",
        "no_tokens": "No live tokens.",
        "label": "Label (what the token is for)",
        "label_field": "Label",
        "created": "Created",
        "last_used": "Last used",
        "create_token": "Create a token",
        "revoke": "Revoke all of the user's tokens",
        "token_once": "Keep the token now: it is shown only this once, and only its hash is stored. Send it as "
        "'Authorization: Bearer <token>'.",
        "token": "The token",
        "history": "The account's history",
        "at": "Time",
        "actor": "By",
        "via": "Via",
        "action": "Event",
        "change": "Change",
        "no_history": "No history.",
        "back_users": "To the users",
        "back_user": "To the user",
        "problems": "Nothing was saved:",
        "measure_set": "Measure set",
        "year": "Year",
        "closed_at": "Closed",
        "closed_by": "Closed by",
        "open": "open",
        "closed": "closed",
        "close": "Close",
        "reopen": "Reopen",
        "close_period": "Close a reporting period",
        "period_note": "A closed period locks the measure set's values of the year for everyone but admins. "
        "Periods never closed are open and not listed.",
        "no_periods": "No period has been closed yet.",
        "none": "–",
        "all_areas": "every municipality",
        "users_caption": "All users",
        "tokens_caption": "The user's live API tokens",
        "history_caption": "The latest events of the account",
        "periods_caption": "Periods closed or reopened",
        "existing_evaluations": "Stored evaluations: {ids}.",
        "bad_username": "{field}: 2–64 characters: lower-case letters, digits and . _ @ -, starting with a letter "
        "or digit",
        "taken": "{field}: there is already a user “{value}”",
        "bad_name": "{field}: 1–200 characters without control characters",
        "short": "{field}: at least {n} characters",
        "long": "{field}: at most {n} characters",
        "differ": "{field}: the passwords differ",
        "bad_role": "{field}: choose admin, editor, evaluator or reader",
        "control": "{field}: contains control characters that are not allowed",
        "unknown_area": "{field}: there is no municipality named or numbered “{value}”",
        "ambiguous_area": "{field}: “{value}” matches several municipalities; write the full name or the code",
        "not_municipality": "{field}: {value} is not a municipality (editors report for municipalities)",
        "unknown_evaluation": "{field}: there is no evaluation “{value}”",
        "own_role": "{field}: you cannot remove your own admin role; ask another admin",
        "own_account": "You cannot disable your own account; ask another admin",
        "disabled_token": "{field}: {name} is disabled and gets no new tokens",
        "unknown_set": "{field}: there is no measure set “{value}”",
        "bad_year": "{field}: write a four-digit year between {first} and {last}",
        "failed": "Could not be saved: {detail}",
        "done_created": "The user has been added.",
        "done_role": "Role and scope have been saved.",
        "done_disabled": "The user is disabled.",
        "done_enabled": "The user is active again.",
        "done_revoked": "The user's tokens are revoked.",
        "done_closed": "The period is closed.",
        "done_reopened": "The period is open again.",
        "done_password": "The password is changed; the user's sessions have ended.",
        "new_password": "New password",
        "new_password_note": "The user is logged out everywhere and logs in with the new password. API tokens "
        "are not affected.",
        "set_password": "Change the password",
    },
}

# The ?klart= values a redirect after a change carries, and the sentence each shows.
DONE: Final = {
    "skapad": "done_created",
    "roll": "done_role",
    "avstangd": "done_disabled",
    "aktiverad": "done_enabled",
    "sparrade": "done_revoked",
    "stangd": "done_closed",
    "oppnad": "done_reopened",
    "losenord": "done_password",
}


# The audit trail's action codes (`store/accounts.py`, `store/entry.py`, …) in words.
ACTION_NAMES: Final[dict[Lang, dict[str, str]]] = {
    "sv": {
        "create": "skapad",
        "set-role": "roll och behörighet ändrade",
        "set-password": "nytt lösenord",
        "disable": "avstängd",
        "enable": "aktiverad",
        "create-token": "API-nyckel skapad",
        "revoke-tokens": "API-nycklar spärrade",
        "close": "stängd",
        "reopen": "öppnad igen",
        "set-value": "värde ändrat",
        "set-evaluation": "utvärdering ändrad",
        "add-member": "medlem tillagd",
        "reorder": "ordning ändrad",
        "rename": "nytt namn",
        "remove-member": "medlem borttagen",
    },
    "en": {
        "create": "created",
        "set-role": "role and scope changed",
        "set-password": "new password",
        "disable": "disabled",
        "enable": "enabled",
        "create-token": "API token created",
        "revoke-tokens": "API tokens revoked",
        "close": "closed",
        "reopen": "reopened",
        "set-value": "value changed",
        "set-evaluation": "evaluation changed",
        "add-member": "member added",
        "reorder": "order changed",
        "rename": "renamed",
        "remove-member": "member removed",
    },
}


@dataclass(frozen=True)
class UserRow:
    """A user as the pages show them: scopes by name, the role in the page's language."""

    user: User
    role: str
    areas: list[str]
    evaluations: list[str]
    last_login: datetime | None = None


@dataclass(frozen=True)
class PeriodRow:
    measure_set: str
    title: str
    year: int
    closed_at: datetime | None
    closed_by: str | None


class Problems(Exception):
    """What is wrong with a form, one sentence per field; nothing was written."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


# -- who may ------------------------------------------------------------------------------------


def require_admin(request: Request, csrf: str | None = None) -> User:
    """The admin of the request, after the checks every admin route makes: a writable site (503),
    a live session (401), on a POST (`csrf` given) the session's CSRF token (403), and the role
    admin (403)."""
    require_writable(request)
    user = require_user(request) if csrf is None else check_csrf(request, csrf).user
    if user.role != "admin" or user.disabled:
        raise AccessDenied(f"{user.username} is not an admin: only admins administer the site")
    return user


# -- checks with the page's words ---------------------------------------------------------------


def _say(words: dict[str, str], key: str, **values: object) -> str:
    return words[key].format(**{k: _echo(v) for k, v in values.items()})


def _echo(value: object) -> str:
    """What a visitor typed, as a message quotes it: printable, at most 80 characters."""
    text = "".join(c for c in str(value) if c.isprintable())
    return text if len(text) <= 80 else text[:79] + "…"


def _has_control(text: str) -> bool:
    return any((ord(c) < 32 or 0x7F <= ord(c) < 0xA0) and c not in "\n\r\t" for c in text)


def _text_problem(words: dict[str, str], field: str, text: str, limit: int = MAX_TEXT) -> str | None:
    if len(text) > limit:
        return _say(words, "long", field=field, n=limit)
    if _has_control(text):
        return _say(words, "control", field=field)
    return None


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _check_role(words: dict[str, str], role: str) -> str | None:
    return None if role in ROLES else _say(words, "bad_role", field=words["role"])


def _check_areas(store: Store, words: dict[str, str], text: str) -> tuple[list[str], list[str]]:
    """The municipality ids of a scope field (a name or code a line), and the problems."""
    field = words["areas_field"]
    found = _text_problem(words, field, text)
    if found:
        return [], [found]
    ids, problems = [], []
    for line in _lines(text):
        try:
            area = store.resolve_area(line)
        except AmbiguousNameError:
            problems.append(_say(words, "ambiguous_area", field=field, value=line))
            continue
        except NotFoundError:
            problems.append(_say(words, "unknown_area", field=field, value=line))
            continue
        if not area.is_municipality:
            problems.append(_say(words, "not_municipality", field=field, value=area.title))
            continue
        ids.append(area.id)
    return sorted(set(ids)), problems


def _check_evaluations(store: Store, words: dict[str, str], text: str) -> tuple[list[str], list[str]]:
    field = words["evaluations_field"]
    found = _text_problem(words, field, text)
    if found:
        return [], [found]
    ids, problems = [], []
    for line in _lines(text):
        try:
            ids.append(compass_store.evaluation(store, line).id)
        except NotFoundError:
            problems.append(_say(words, "unknown_evaluation", field=field, value=line))
    return sorted(set(ids)), problems


def _check_new_user(
    store: Store,
    words: dict[str, str],
    *,
    username: str,
    display_name: str,
    password: str,
    password2: str,
    role: str,
) -> list[str]:
    problems = []
    field = words["username"]
    try:
        name = check_username(username) if len(username) <= 200 else check_username("")
    except JamforError:
        problems.append(_say(words, "bad_username", field=field))
    else:
        try:
            account_store.user(store, name)
            problems.append(_say(words, "taken", field=field, value=name))
        except NotFoundError:
            pass
    if display_name.strip():
        try:
            check_display_name(display_name)
        except JamforError:
            problems.append(_say(words, "bad_name", field=words["display_name"]))
    problems += _check_password(words, password, password2)
    role_problem = _check_role(words, role)
    if role_problem:
        problems.append(role_problem)
    return problems


def _check_label(words: dict[str, str], label: str) -> str | None:
    try:
        check_display_name(label) if len(label) <= 200 else check_display_name("")
    except JamforError:
        return _say(words, "bad_name", field=words["label_field"])
    return None


def _check_period(words: dict[str, str], measure_set: str, year: str) -> tuple[int, list[str]]:
    problems = []
    if measure_set not in bundled_measure_sets():
        problems.append(_say(words, "unknown_set", field=words["measure_set"], value=measure_set))
    text = year.strip()
    number = int(text) if text.isascii() and text.isdigit() and len(text) == 4 else 0
    if not FIRST_YEAR <= number <= LAST_YEAR:
        problems.append(_say(words, "bad_year", field=words["year"], first=FIRST_YEAR, last=LAST_YEAR))
    return number, problems


def _library_problem(words: dict[str, str], exc: JamforError) -> str:
    """A refusal the checks above did not foresee (e.g. a user added in the same moment)."""
    return _say(words, "failed", detail=str(exc))


# -- reading ------------------------------------------------------------------------------------


def _user_row(store: Store, user: User, lang: Lang, last_login: datetime | None = None) -> UserRow:
    areas = sorted(store.area(a).title + f" ({a})" for a in user.areas)
    return UserRow(user, ROLE_NAMES[lang][user.role], areas, sorted(user.evaluations), last_login)


def _target(store: Store, request: Request, username: str) -> User:
    """The user named in the path; the site's 404 page for none."""
    try:
        if len(username) > 200 or not username.isprintable():
            raise NotFoundError(f"no user {username!r}")
        return account_store.user(store, username)
    except NotFoundError as exc:
        raise WebError("no_page", value=request.url.path, detail=str(exc)) from exc


def _periods(store: Store) -> list[PeriodRow]:
    sets = bundled_measure_sets()
    rows = [
        PeriodRow(set_id, sets[set_id].title if set_id in sets else set_id, year, closed_at, closed_by)
        for (set_id, year), (closed_at, closed_by) in closed_periods(store).items()
    ]
    return sorted(rows, key=lambda r: (r.measure_set, -r.year))


def _evaluation_ids(store: Store) -> list[str]:
    return sorted(e.id for e in compass_store.evaluations(store))


# -- the pages ----------------------------------------------------------------------------------


def _suffix(lang: Lang) -> str:
    return "?lang=en" if lang == "en" else ""


def _user_href(username: str, lang: Lang, tail: str = "") -> str:
    return f"/admin/anvandare/{quote(username, safe='@')}{tail}{_suffix(lang)}"


def _done_message(request: Request, words: dict[str, str]) -> str | None:
    key = DONE.get(request.query_params.get("klart", ""))
    return words[key] if key else None


def _admin_page(
    request: Request, lang: Lang, template: str, title: str, context: dict[str, Any], status: int = 200
) -> HTMLResponse:
    words = WORDS[lang]
    response = page(
        request,
        template,
        lang,
        {
            "title": title,
            "w": words,
            "roles": [(r, ROLE_NAMES[lang][r]) for r in ROLES],
            "done": _done_message(request, words) if status == 200 else None,
            "suffix": _suffix(lang),
            "min_password": MIN_PASSWORD,
            **context,
            **user_context(request),
        },
        status_code=status,
    )
    response.headers.update(NO_STORE)
    return response


def _users_page(
    request: Request,
    lang: Lang,
    access: StoreAccess,
    *,
    form: dict[str, str] | None = None,
    problems: list[str] | None = None,
) -> HTMLResponse:
    with access.using() as store:
        logins = account_store.last_logins(store)
        rows = [_user_row(store, u, lang, logins.get(u.username)) for u in account_store.users(store)]
        evaluations = _evaluation_ids(store)
    words = WORDS[lang]
    return _admin_page(
        request,
        lang,
        "admin_users.html",
        words["users"],
        {
            "rows": rows,
            "form": form or {"role": "reader"},
            "problems": problems or [],
            "evaluation_ids": evaluations,
            "action": f"/admin/anvandare{_suffix(lang)}",
            "user_href": lambda name: _user_href(name, lang),
        },
        status=400 if problems else 200,
    )


def _user_page(
    request: Request,
    lang: Lang,
    access: StoreAccess,
    target: User,
    *,
    form: dict[str, str] | None = None,
    problems: list[str] | None = None,
    status: int | None = None,
) -> HTMLResponse:
    with access.using() as store:
        row = _user_row(store, target, lang)
        tokens: list[TokenInfo] = account_store.tokens(store, target.username)
        history: list[AuditEvent] = account_store.audit_events(store, "user", target.username, HISTORY_EVENTS)
        evaluations = _evaluation_ids(store)
        area_names = sorted(store.area(a).title for a in target.areas)
    words = WORDS[lang]
    shown = form or {
        "role": target.role,
        "areas": "\n".join(area_names),
        "evaluations": "\n".join(sorted(target.evaluations)),
    }
    return _admin_page(
        request,
        lang,
        "admin_user.html",
        words["user_title"].format(name=target.username),
        {
            "row": row,
            "target": target,
            "tokens": tokens,
            "history": history,
            "action_name": lambda action: ACTION_NAMES[lang].get(action, action),
            "form": shown,
            "problems": problems or [],
            "evaluation_ids": evaluations,
            "href": lambda tail="": _user_href(target.username, lang, tail),
            "back": f"/admin{_suffix(lang)}",
        },
        status=status if status is not None else (400 if problems else 200),
    )


def _periods_page(
    request: Request,
    lang: Lang,
    access: StoreAccess,
    *,
    form: dict[str, str] | None = None,
    problems: list[str] | None = None,
) -> HTMLResponse:
    with access.using() as store:
        rows = _periods(store)
    sets = sorted(bundled_measure_sets().values(), key=lambda s: s.id)
    words = WORDS[lang]
    return _admin_page(
        request,
        lang,
        "admin_periods.html",
        words["periods"],
        {
            "rows": rows,
            "sets": [(s.id, s.title) for s in sets],
            "form": form or {},
            "problems": problems or [],
            "close_action": f"/admin/perioder/stang{_suffix(lang)}",
            "reopen_action": f"/admin/perioder/oppna{_suffix(lang)}",
        },
        status=400 if problems else 200,
    )


def _redirect(path: str, done: str) -> RedirectResponse:
    joiner = "&" if "?" in path else "?"
    return RedirectResponse(f"{path}{joiner}klart={done}", status_code=303, headers=NO_STORE)


def _printable(text: str, limit: int = 400) -> str:
    """A visitor's text as echoed back into a form: without control characters, shortened."""
    return "".join(c for c in text[:limit] if c.isprintable() or c in "\n\t")


# -- users --------------------------------------------------------------------------------------


@router.get("/admin", response_class=HTMLResponse)
def users_page(
    request: Request, lang: str = "sv", access: StoreAccess = Depends(store_access)
) -> HTMLResponse:
    language = check_ui_lang(lang)
    require_admin(request)
    return _users_page(request, language, access)


def _check_password(words: dict[str, str], password: str, password2: str) -> list[str]:
    """The password rules of `jamfor user add|password` (`password_problem`), as a sentence."""
    broken = password_problem(password, password2)
    if broken is None:
        return []
    if broken == "differ":
        return [_say(words, "differ", field=words["password2"])]
    return [
        _say(words, broken, field=words["password"], n=MIN_PASSWORD if broken == "short" else MAX_PASSWORD)
    ]


@router.post("/admin/anvandare", response_class=HTMLResponse)
def add_user(
    request: Request,
    csrf: str = Form("", max_length=200),
    username: str = Form("", max_length=FORM_TEXT),
    display_name: str = Form("", max_length=FORM_TEXT),
    password: str = Form("", max_length=FORM_TEXT),
    password2: str = Form("", max_length=FORM_TEXT),
    role: str = Form("reader", max_length=FORM_TEXT),
    areas: str = Form("", max_length=FORM_TEXT),
    evaluations: str = Form("", max_length=FORM_TEXT),
    lang: str = "sv",
    access: StoreAccess = Depends(store_access),
) -> Response:
    language = check_ui_lang(lang)
    words = WORDS[language]
    admin = require_admin(request, csrf)
    with access.using() as store:
        problems = _check_new_user(
            store,
            words,
            username=username,
            display_name=display_name,
            password=password,
            password2=password2,
            role=role,
        )
        area_ids, area_problems = _check_areas(store, words, areas)
        evaluation_ids, evaluation_problems = _check_evaluations(store, words, evaluations)
        problems += area_problems + evaluation_problems
        if not problems:
            try:
                created = account_store.add_user(
                    store,
                    username,
                    password,
                    role=role,
                    display_name=display_name.strip() or None,
                    areas=area_ids,
                    evaluations=evaluation_ids,
                    actor=admin.username,
                    via="web",
                )
            except AUTH_ERROR_TYPES:
                raise
            except JamforError as exc:
                problems = [_library_problem(words, exc)]
            else:
                return _redirect(_user_href(created.username, language), "skapad")
    form = {  # never the password
        "username": _printable(username, 64),
        "display_name": _printable(display_name, 200),
        "role": role if role in ROLES else "reader",
        "areas": _printable(areas, MAX_TEXT),
        "evaluations": _printable(evaluations, MAX_TEXT),
    }
    return _users_page(request, language, access, form=form, problems=problems)


@router.get("/admin/anvandare/{username}", response_class=HTMLResponse)
def user_page(
    request: Request, username: str, lang: str = "sv", access: StoreAccess = Depends(store_access)
) -> HTMLResponse:
    language = check_ui_lang(lang)
    require_admin(request)
    with access.using() as store:
        target = _target(store, request, username)
    return _user_page(request, language, access, target)


@router.post("/admin/anvandare/{username}/roll", response_class=HTMLResponse)
def set_role(
    request: Request,
    username: str,
    csrf: str = Form("", max_length=200),
    role: str = Form("", max_length=FORM_TEXT),
    areas: str = Form("", max_length=FORM_TEXT),
    evaluations: str = Form("", max_length=FORM_TEXT),
    lang: str = "sv",
    access: StoreAccess = Depends(store_access),
) -> Response:
    language = check_ui_lang(lang)
    words = WORDS[language]
    admin = require_admin(request, csrf)
    with access.using() as store:
        target = _target(store, request, username)
        problems = [p for p in (_check_role(words, role),) if p]
        if target.id == admin.id and role != "admin":
            problems.append(_say(words, "own_role", field=words["role"]))
        area_ids, area_problems = _check_areas(store, words, areas)
        evaluation_ids, evaluation_problems = _check_evaluations(store, words, evaluations)
        problems += area_problems + evaluation_problems
        if not problems:
            try:
                account_store.set_role(
                    store,
                    target.username,
                    role,
                    areas=area_ids,
                    evaluations=evaluation_ids,
                    actor=admin.username,
                    via="web",
                )
            except AUTH_ERROR_TYPES:
                raise
            except JamforError as exc:
                problems = [_library_problem(words, exc)]
            else:
                return _redirect(_user_href(target.username, language), "roll")
    form = {
        "role": role if role in ROLES else target.role,
        "areas": _printable(areas, MAX_TEXT),
        "evaluations": _printable(evaluations, MAX_TEXT),
    }
    return _user_page(request, language, access, target, form=form, problems=problems)


def _set_disabled(
    request: Request, username: str, csrf: str, lang: str, access: StoreAccess, disabled: bool
) -> Response:
    language = check_ui_lang(lang)
    words = WORDS[language]
    admin = require_admin(request, csrf)
    with access.using() as store:
        target = _target(store, request, username)
        if disabled and target.id == admin.id:
            problem = words["own_account"]
        else:
            account_store.set_disabled(store, target.username, disabled, actor=admin.username, via="web")
            return _redirect(_user_href(target.username, language), "avstangd" if disabled else "aktiverad")
    return _user_page(request, language, access, target, problems=[problem])


@router.post("/admin/anvandare/{username}/stang-av", response_class=HTMLResponse)
def disable_user(
    request: Request,
    username: str,
    csrf: str = Form("", max_length=200),
    lang: str = "sv",
    access: StoreAccess = Depends(store_access),
) -> Response:
    return _set_disabled(request, username, csrf, lang, access, True)


@router.post("/admin/anvandare/{username}/aktivera", response_class=HTMLResponse)
def enable_user(
    request: Request,
    username: str,
    csrf: str = Form("", max_length=200),
    lang: str = "sv",
    access: StoreAccess = Depends(store_access),
) -> Response:
    return _set_disabled(request, username, csrf, lang, access, False)


@router.post("/admin/anvandare/{username}/losenord", response_class=HTMLResponse)
def set_password(
    request: Request,
    username: str,
    csrf: str = Form("", max_length=200),
    password: str = Form("", max_length=FORM_TEXT),
    password2: str = Form("", max_length=FORM_TEXT),
    lang: str = "sv",
    access: StoreAccess = Depends(store_access),
) -> Response:
    """A new password set by an admin (`jamfor user password`): the user's sessions end."""
    language = check_ui_lang(lang)
    words = WORDS[language]
    admin = require_admin(request, csrf)
    with access.using() as store:
        target = _target(store, request, username)
        problems = _check_password(words, password, password2)
        if not problems:
            account_store.set_password(store, target.username, password, actor=admin.username, via="web")
            if target.id == admin.id:  # their own sessions ended with the others: log in again
                return RedirectResponse(f"/logga-in{_suffix(language)}", status_code=303)
            return _redirect(_user_href(target.username, language), "losenord")
    return _user_page(request, language, access, target, problems=problems)


# -- API tokens ---------------------------------------------------------------------------------


@router.post("/admin/anvandare/{username}/nycklar", response_class=HTMLResponse)
def create_token(
    request: Request,
    username: str,
    csrf: str = Form("", max_length=200),
    label: str = Form("", max_length=FORM_TEXT),
    lang: str = "sv",
    access: StoreAccess = Depends(store_access),
) -> Response:
    """A new token, shown once on the answer (never stored but as its hash, never cached)."""
    language = check_ui_lang(lang)
    words = WORDS[language]
    admin = require_admin(request, csrf)
    with access.using() as store:
        target = _target(store, request, username)
        problem = _check_label(words, label)
        if problem is None and target.disabled:
            problem = _say(words, "disabled_token", field=words["label_field"], name=target.username)
        if problem is None:
            token = account_store.create_token(store, target.username, label, actor=admin.username, via="web")
    if problem is not None:
        return _user_page(request, language, access, target, problems=[problem])
    return _admin_page(
        request,
        language,
        "admin_token.html",
        words["token_title"].format(name=target.username),
        {"token": token, "label": label.strip(), "back": _user_href(target.username, language)},
    )


@router.post("/admin/anvandare/{username}/nycklar/sparra", response_class=HTMLResponse)
def revoke_tokens(
    request: Request,
    username: str,
    csrf: str = Form("", max_length=200),
    lang: str = "sv",
    access: StoreAccess = Depends(store_access),
) -> Response:
    language = check_ui_lang(lang)
    admin = require_admin(request, csrf)
    with access.using() as store:
        target = _target(store, request, username)
        account_store.revoke_tokens(store, target.username, actor=admin.username, via="web")
    return _redirect(_user_href(target.username, language), "sparrade")


# -- reporting periods --------------------------------------------------------------------------


@router.get("/admin/perioder", response_class=HTMLResponse)
def periods_page(
    request: Request, lang: str = "sv", access: StoreAccess = Depends(store_access)
) -> HTMLResponse:
    language = check_ui_lang(lang)
    require_admin(request)
    return _periods_page(request, language, access)


def _set_period(
    request: Request, measure_set: str, year: str, csrf: str, lang: str, access: StoreAccess, closed: bool
) -> Response:
    language = check_ui_lang(lang)
    words = WORDS[language]
    admin = require_admin(request, csrf)
    number, problems = _check_period(words, measure_set, year)
    if not problems:
        with access.using() as store:
            set_period_closed(store, measure_set, number, closed, actor=admin, via="web")
        return _redirect(f"/admin/perioder{_suffix(language)}", "stangd" if closed else "oppnad")
    form = {"measure_set": _printable(measure_set, 200), "year": _printable(year, 20)}
    return _periods_page(request, language, access, form=form, problems=problems)


@router.post("/admin/perioder/stang", response_class=HTMLResponse)
def close_period(
    request: Request,
    csrf: str = Form("", max_length=200),
    measure_set: str = Form("", max_length=FORM_TEXT),
    year: str = Form("", max_length=FORM_TEXT),
    lang: str = "sv",
    access: StoreAccess = Depends(store_access),
) -> Response:
    return _set_period(request, measure_set, year, csrf, lang, access, True)


@router.post("/admin/perioder/oppna", response_class=HTMLResponse)
def reopen_period(
    request: Request,
    csrf: str = Form("", max_length=200),
    measure_set: str = Form("", max_length=FORM_TEXT),
    year: str = Form("", max_length=FORM_TEXT),
    lang: str = "sv",
    access: StoreAccess = Depends(store_access),
) -> Response:
    return _set_period(request, measure_set, year, csrf, lang, access, False)
