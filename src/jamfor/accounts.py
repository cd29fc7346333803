"""Accounts and roles: who may change what, and the rules for passwords, tokens and logins.

Roles:

- `admin`: everything, including users and closing or reopening reporting periods;
- `editor`: reports values for the municipalities in their scope and manages networks whose
  members are all in that scope;
- `evaluator`: edits the Kommunkompassen evaluations in their scope;
- `reader`: reads, like everyone without an account.

Passwords are hashed with argon2id (`argon2-cffi`, its default parameters); API tokens and
session ids are random (`secrets`, 256 bits) and kept only as SHA-256 hashes, so a copy of the
database gives nobody a way in. After `MAX_FAILURES` failed logins for a user name within
`FAILURE_WINDOW`, further attempts are refused until `LOCKOUT` after the last failure.
The SQL lives in `jamfor.store.accounts`.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from jamfor.errors import JamforError

Role = Literal["admin", "editor", "evaluator", "reader"]
ROLES: Final[tuple[Role, ...]] = ("admin", "editor", "evaluator", "reader")
MIN_PASSWORD: Final = 12
MAX_PASSWORD: Final = 1024
MAX_FAILURES: Final = 5
FAILURE_WINDOW: Final = timedelta(minutes=15)
LOCKOUT: Final = timedelta(minutes=15)
SESSION_LIFETIME: Final = timedelta(hours=8)
TOKEN_PREFIX: Final = "jf_"
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._@-]{1,63}")
_hasher = PasswordHasher()


class AccessDenied(JamforError):
    """The user may not do this (HTTP 403)."""


class NotAuthenticated(JamforError):
    """No valid login or token (HTTP 401)."""


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    role: Role
    disabled: bool
    areas: frozenset[str] = field(default_factory=frozenset)
    evaluations: frozenset[str] = field(default_factory=frozenset)


def check_username(username: str) -> str:
    name = username.strip().lower()
    if not _USERNAME.fullmatch(name):
        raise JamforError(
            f"user name {username!r}: use 2–64 characters: lower-case letters, digits and . _ @ -, "
            "starting with a letter or digit"
        )
    return name


def check_role(role: str) -> Role:
    for known in ROLES:
        if role.strip().lower() == known:
            return known
    raise JamforError(f"role {role!r}: use one of {', '.join(ROLES)}")


def check_display_name(name: str) -> str:
    text = name.strip()
    if not text or len(text) > 200 or any(ord(c) < 32 for c in text):
        raise JamforError("display name: 1–200 characters, no control characters")
    return text


def password_problem(password: str, repeated: str | None = None) -> Literal["short", "long", "differ"] | None:
    """Which password rule a new password breaks, if any: the length (MIN_PASSWORD–MAX_PASSWORD
    characters), then, when the form asked for it twice, that both are the same."""
    if len(password) < MIN_PASSWORD:
        return "short"
    if len(password) > MAX_PASSWORD:
        return "long"
    if repeated is not None and password != repeated:
        return "differ"
    return None


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise JamforError(f"the password is too short: use at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise JamforError(f"the password is too long: use at most {MAX_PASSWORD} characters")
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    if len(password) > MAX_PASSWORD:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_secret() -> str:
    """A random secret for a session id or a CSRF token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def new_token() -> str:
    """A new API token as the user sees it once: `jf_` and 256 random bits."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """How a session id or token is kept: its SHA-256, hex."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def locked_until(failures: Sequence[datetime], now: datetime) -> datetime | None:
    """When a user name may try again, or None; `failures` are its failed attempts, any order."""
    recent = sorted(t for t in failures if now - t <= FAILURE_WINDOW + LOCKOUT)
    for i in range(len(recent) - MAX_FAILURES + 1):
        window = recent[i : i + MAX_FAILURES]
        if window[-1] - window[0] <= FAILURE_WINDOW:
            until = recent[-1] + LOCKOUT
            return until if until > now else None
    return None


def can_write_values(user: User | None, area: str) -> bool:
    if user is None or user.disabled:
        return False
    return user.role == "admin" or (user.role == "editor" and area in user.areas)


def can_manage_network(user: User | None, members: Sequence[str]) -> bool:
    if user is None or user.disabled:
        return False
    return user.role == "admin" or (user.role == "editor" and bool(members) and set(members) <= user.areas)


def can_edit_evaluation(user: User | None, evaluation: str) -> bool:
    if user is None or user.disabled:
        return False
    return user.role == "admin" or (user.role == "evaluator" and evaluation in user.evaluations)


def require(allowed: bool, what: str) -> None:
    if not allowed:
        raise AccessDenied(f"not allowed: {what}")
