"""Accounts, sessions, API tokens, login attempts and the audit trail: the SQL (rules in
`jamfor.accounts`). Nothing is deleted: users are disabled, sessions and tokens revoked, and
`audit_event` only grows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from jamfor.accounts import (
    SESSION_LIFETIME,
    NotAuthenticated,
    Role,
    User,
    check_display_name,
    check_role,
    check_username,
    digest,
    hash_password,
    locked_until,
    new_secret,
    new_token,
    verify_password,
)
from jamfor.errors import JamforError, NotFoundError
from jamfor.store.repository import Store, utcnow


@dataclass(frozen=True)
class AuditEvent:
    id: int
    at: datetime
    actor: str
    via: str  # cli | web | api | import
    action: str
    entity: str
    entity_key: str
    old_value: str | None
    new_value: str | None
    source: str | None


@dataclass(frozen=True)
class Session:
    user: User
    csrf_token: str
    expires_at: datetime


def _now() -> datetime:
    return utcnow()


def _user(store: Store, row: Sequence[Any]) -> User:
    scopes = store.db.query("SELECT kind, target FROM user_scope WHERE user_id = ?", [row[0]])
    return User(
        id=int(row[0]),
        username=str(row[1]),
        display_name=str(row[2]),
        role=check_role(str(row[3])),
        disabled=bool(row[4]),
        areas=frozenset(str(t) for k, t in scopes if k == "area"),
        evaluations=frozenset(str(t) for k, t in scopes if k == "evaluation"),
    )


_USER_COLUMNS = "id, username, display_name, role, disabled"


def record(
    store: Store,
    *,
    actor: str,
    via: str,
    action: str,
    entity: str,
    key: str,
    old: str | None = None,
    new: str | None = None,
    source: str | None = None,
) -> None:
    """Append one event to the audit trail (inside the caller's transaction, if any)."""
    event_id = int(store.db.query("SELECT nextval('audit_event_id')")[0][0])
    store.db.execute(
        "INSERT INTO audit_event (id, happened_at, actor, via, action, entity, entity_key, old_value, new_value, source) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [event_id, _now(), actor, via, action, entity, key, old, new, source],
    )


def audit_events(
    store: Store, entity: str | None = None, key: str | None = None, limit: int = 500
) -> list[AuditEvent]:
    """The trail, newest first; for one entity (and key) when given."""
    where, params = [], []
    if entity is not None:
        where.append("entity = ?")
        params.append(entity)
    if key is not None:
        where.append("entity_key = ?")
        params.append(key)
    sql = (
        "SELECT id, happened_at, actor, via, action, entity, entity_key, old_value, new_value, source FROM audit_event"
        + (f" WHERE {' AND '.join(where)}" if where else "")
        + " ORDER BY id DESC LIMIT ?"
    )
    return [AuditEvent(*r) for r in store.db.query(sql, [*params, int(limit)])]


def add_user(
    store: Store,
    username: str,
    password: str,
    *,
    role: str = "reader",
    display_name: str | None = None,
    areas: Iterable[str] = (),
    evaluations: Iterable[str] = (),
    actor: str = "system",
    via: str = "cli",
) -> User:
    name = check_username(username)
    chosen = check_role(role)
    shown = check_display_name(display_name or name)
    hashed = hash_password(password)
    area_ids = _check_areas(store, areas)
    with store.db.transaction():
        if store.db.query("SELECT 1 FROM app_user WHERE username = ?", [name]):
            raise JamforError(f"there is already a user {name!r}")
        user_id = int(store.db.query("SELECT nextval('app_user_id')")[0][0])
        now = _now()
        store.db.execute(
            "INSERT INTO app_user (id, username, display_name, password_hash, role, disabled, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, FALSE, ?, ?)",
            [user_id, name, shown, hashed, chosen, now, now],
        )
        _set_scope(store, user_id, "area", area_ids)
        _set_scope(store, user_id, "evaluation", [e.strip() for e in evaluations if e.strip()])
        record(
            store,
            actor=actor,
            via=via,
            action="create",
            entity="user",
            key=name,
            new=_describe(chosen, area_ids),
        )
    return user(store, name)


def _describe(role: str, areas: Sequence[str]) -> str:
    return role + (f" ({', '.join(sorted(areas))})" if areas else "")


def _check_areas(store: Store, areas: Iterable[str]) -> list[str]:
    found: list[str] = []
    for text in areas:
        if text.strip():
            area = store.resolve_area(text.strip())
            if not area.is_municipality:
                raise JamforError(f"{area.title} is not a municipality: editors report for municipalities")
            found.append(area.id)
    return sorted(set(found))


def _set_scope(store: Store, user_id: int, kind: str, targets: Sequence[str]) -> None:
    store.db.execute("DELETE FROM user_scope WHERE user_id = ? AND kind = ?", [user_id, kind])
    for target in sorted(set(targets)):
        store.db.execute(
            "INSERT INTO user_scope (user_id, kind, target) VALUES (?, ?, ?)", [user_id, kind, target]
        )


def user(store: Store, username: str) -> User:
    rows = store.db.query(
        f"SELECT {_USER_COLUMNS} FROM app_user WHERE username = ?", [username.strip().lower()]
    )
    if not rows:
        raise NotFoundError(f"no user {username!r}")
    return _user(store, rows[0])


def users(store: Store) -> list[User]:
    return [
        _user(store, r) for r in store.db.query(f"SELECT {_USER_COLUMNS} FROM app_user ORDER BY username")
    ]


def last_logins(store: Store) -> dict[str, datetime]:
    """Each user's latest successful login (users who never logged in are left out)."""
    rows = store.db.query(
        "SELECT username, max(attempted_at) FROM login_attempt WHERE succeeded GROUP BY username"
    )
    return {name: when for name, when in rows}


def set_role(
    store: Store,
    username: str,
    role: str,
    *,
    areas: Iterable[str] | None = None,
    evaluations: Iterable[str] | None = None,
    actor: str = "system",
    via: str = "cli",
) -> User:
    before = user(store, username)
    chosen: Role = check_role(role)
    area_ids = _check_areas(store, areas) if areas is not None else sorted(before.areas)
    with store.db.transaction():
        store.db.execute(
            "UPDATE app_user SET role = ?, updated_at = ? WHERE id = ?", [chosen, _now(), before.id]
        )
        _set_scope(store, before.id, "area", area_ids)
        if evaluations is not None:
            _set_scope(store, before.id, "evaluation", [e.strip() for e in evaluations if e.strip()])
        record(
            store,
            actor=actor,
            via=via,
            action="set-role",
            entity="user",
            key=before.username,
            old=_describe(before.role, sorted(before.areas)),
            new=_describe(chosen, area_ids),
        )
    return user(store, username)


def set_disabled(
    store: Store, username: str, disabled: bool, *, actor: str = "system", via: str = "cli"
) -> User:
    before = user(store, username)
    with store.db.transaction():
        store.db.execute(
            "UPDATE app_user SET disabled = ?, updated_at = ? WHERE id = ?", [disabled, _now(), before.id]
        )
        if disabled:
            now = _now()
            store.db.execute(
                "UPDATE web_session SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
                [now, before.id],
            )
            store.db.execute(
                "UPDATE api_token SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
                [now, before.id],
            )
        record(
            store,
            actor=actor,
            via=via,
            action="disable" if disabled else "enable",
            entity="user",
            key=before.username,
            old=str(before.disabled).lower(),
            new=str(disabled).lower(),
        )
    return user(store, username)


def set_password(
    store: Store, username: str, password: str, *, actor: str = "system", via: str = "cli"
) -> None:
    before = user(store, username)
    hashed = hash_password(password)
    with store.db.transaction():
        store.db.execute(
            "UPDATE app_user SET password_hash = ?, updated_at = ? WHERE id = ?", [hashed, _now(), before.id]
        )
        store.db.execute(
            "UPDATE web_session SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
            [_now(), before.id],
        )
        record(store, actor=actor, via=via, action="set-password", entity="user", key=before.username)


def authenticate(store: Store, username: str, password: str, *, client: str | None = None) -> User:
    """The user for a name and password; NotAuthenticated (one message for every reason) otherwise.

    Every attempt is recorded; a locked-out name is refused without checking the password.
    """
    name = username.strip().lower()[:200]
    now = _now()
    failures = [
        r[0]
        for r in store.db.query(
            "SELECT attempted_at FROM login_attempt WHERE username = ? AND NOT succeeded AND attempted_at > ?",
            [name, now - timedelta(hours=1)],
        )
    ]
    until = locked_until(failures, now)
    if until is not None:
        store.db.execute(
            "INSERT INTO login_attempt (username, attempted_at, succeeded, client) VALUES (?, ?, FALSE, ?)",
            [name, now, client],
        )
        raise NotAuthenticated(f"too many failed logins: try again after {until:%H:%M}")
    rows = store.db.query("SELECT id, password_hash, disabled FROM app_user WHERE username = ?", [name])
    ok = bool(rows) and not rows[0][2] and verify_password(str(rows[0][1]), password)
    store.db.execute(
        "INSERT INTO login_attempt (username, attempted_at, succeeded, client) VALUES (?, ?, ?, ?)",
        [name, now, ok, client],
    )
    if not ok:
        raise NotAuthenticated("wrong user name or password")
    return user(store, name)


def create_session(store: Store, account: User) -> tuple[str, Session]:
    """A new session: (the secret for the cookie, the session)."""
    secret = new_secret()
    now = _now()
    session = Session(account, new_secret(), now + SESSION_LIFETIME)
    store.db.execute(
        "INSERT INTO web_session (id_hash, user_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
        [digest(secret), account.id, session.csrf_token, now, session.expires_at],
    )
    return secret, session


def session(store: Store, secret: str) -> Session:
    """The live session for a cookie's secret; NotAuthenticated when unknown, expired, revoked or disabled."""
    rows = store.db.query(
        "SELECT s.user_id, s.csrf_token, s.expires_at, s.revoked_at, u.username FROM web_session s "
        "JOIN app_user u ON u.id = s.user_id WHERE s.id_hash = ?",
        [digest(secret)],
    )
    if not rows:
        raise NotAuthenticated("not logged in")
    _, csrf, expires, revoked, username = rows[0]
    if revoked is not None or expires <= _now():
        raise NotAuthenticated("the session has ended: log in again")
    account = user(store, str(username))
    if account.disabled:
        raise NotAuthenticated("the account is disabled")
    return Session(account, str(csrf), expires)


def end_session(store: Store, secret: str) -> None:
    store.db.execute(
        "UPDATE web_session SET revoked_at = ? WHERE id_hash = ? AND revoked_at IS NULL",
        [_now(), digest(secret)],
    )


def create_token(store: Store, username: str, label: str, *, actor: str = "system", via: str = "cli") -> str:
    """A new API token for the user; the token itself is returned once and only its hash is kept."""
    account = user(store, username)
    if account.disabled:
        raise JamforError(f"user {account.username} is disabled")
    text = check_display_name(label)
    token = new_token()
    with store.db.transaction():
        token_id = int(store.db.query("SELECT nextval('api_token_id')")[0][0])
        store.db.execute(
            "INSERT INTO api_token (id, user_id, token_hash, label, created_at) VALUES (?, ?, ?, ?, ?)",
            [token_id, account.id, digest(token), text, _now()],
        )
        record(
            store, actor=actor, via=via, action="create-token", entity="user", key=account.username, new=text
        )
    return token


def token_user(store: Store, token: str) -> User:
    rows = store.db.query(
        "SELECT t.id, t.revoked_at, u.username FROM api_token t JOIN app_user u ON u.id = t.user_id "
        "WHERE t.token_hash = ?",
        [digest(token.strip())],
    )
    if not rows or rows[0][1] is not None:
        raise NotAuthenticated("unknown or revoked API token")
    account = user(store, str(rows[0][2]))
    if account.disabled:
        raise NotAuthenticated("the account is disabled")
    store.db.execute("UPDATE api_token SET last_used_at = ? WHERE id = ?", [_now(), rows[0][0]])
    return account


@dataclass(frozen=True)
class TokenInfo:
    label: str
    created_at: datetime
    last_used_at: datetime | None


def tokens(store: Store, username: str) -> list[TokenInfo]:
    """The user's live (not revoked) API tokens: labels and dates only, oldest first."""
    account = user(store, username)
    rows = store.db.query(
        "SELECT label, created_at, last_used_at FROM api_token WHERE user_id = ? AND revoked_at IS NULL "
        "ORDER BY id",
        [account.id],
    )
    return [TokenInfo(str(r[0]), r[1], r[2]) for r in rows]


def revoke_tokens(store: Store, username: str, *, actor: str = "system", via: str = "cli") -> int:
    account = user(store, username)
    with store.db.transaction():
        count = len(
            store.db.query("SELECT id FROM api_token WHERE user_id = ? AND revoked_at IS NULL", [account.id])
        )
        store.db.execute(
            "UPDATE api_token SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
            [_now(), account.id],
        )
        record(
            store,
            actor=actor,
            via=via,
            action="revoke-tokens",
            entity="user",
            key=account.username,
            new=str(count),
        )
    return count
