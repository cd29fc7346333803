"""`jamfor user …` and `jamfor period …`: accounts, roles, API tokens and reporting periods.

Every change is written to the audit trail with the actor `cli:<login name of the shell user>`.
"""

from __future__ import annotations

import getpass
import os
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from jamfor.errors import JamforError

if TYPE_CHECKING:
    from jamfor.accounts import User
    from jamfor.store import Store

user_app = typer.Typer(help="Accounts: add, list, set roles, disable, API tokens.", no_args_is_help=True)
period_app = typer.Typer(
    help="Reporting periods: close a measure set's year (locks its values) or reopen it."
)

AreaOpt = Annotated[
    list[str] | None,
    typer.Option("--area", "-a", help="A municipality the editor reports for (repeat for several)."),
]
EvaluationOpt = Annotated[
    list[str] | None,
    typer.Option("--evaluation", "-e", help="A Kommunkompassen evaluation the evaluator edits (repeat)."),
]


def _actor() -> str:
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = "unknown"
    return f"cli:{name}"


def _password(prompt: bool, env: str | None) -> str:
    """The password from $JAMFOR_PASSWORD (scripts) or asked twice on the terminal."""
    if env:
        return env
    if not prompt or not sys.stdin.isatty():
        raise JamforError(
            "give the password in $JAMFOR_PASSWORD or run the command in a terminal to be asked"
        )
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Again: "):
        raise JamforError("the two passwords differ")
    return first


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="Login name (lower-case letters, digits, . _ @ -).")],
    role: Annotated[str, typer.Option("--role", "-r", help="admin, editor, evaluator or reader.")] = "reader",
    name: Annotated[str | None, typer.Option("--name", help="Display name.")] = None,
    area: AreaOpt = None,
    evaluation: EvaluationOpt = None,
) -> None:
    """Add a user; the password comes from $JAMFOR_PASSWORD or is asked for."""
    from jamfor.cli import _open, err
    from jamfor.store.accounts import add_user

    password = _password(True, os.environ.get("JAMFOR_PASSWORD"))
    with _open() as store:
        created = add_user(
            store,
            username,
            password,
            role=role,
            display_name=name,
            areas=area or [],
            evaluations=evaluation or [],
            actor=_actor(),
        )
    err.print(f"Added {created.username} ({created.role}{_scope(created.areas, created.evaluations)})")


def _scope(areas: frozenset[str], evaluations: frozenset[str]) -> str:
    parts = []
    if areas:
        parts.append("kommuner " + ", ".join(sorted(areas)))
    if evaluations:
        parts.append("utvärderingar " + ", ".join(sorted(evaluations)))
    return (": " + "; ".join(parts)) if parts else ""


@user_app.command("list")
def user_list() -> None:
    """Every user with role, scope and state."""
    from jamfor.cli import _open, out
    from jamfor.store.accounts import users

    with _open() as store:
        found = users(store)
    if not found:
        out.print("No users yet: add one with 'jamfor user add NAME --role admin'.")
    for u in found:
        state = "disabled" if u.disabled else "active"
        sys.stdout.write(
            f"{u.username}\t{u.role}\t{state}\t{u.display_name}{_scope(u.areas, u.evaluations)}\n"
        )


@user_app.command("set-role")
def user_set_role(
    username: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[str, typer.Argument(help="admin, editor, evaluator or reader.")],
    area: AreaOpt = None,
    evaluation: EvaluationOpt = None,
) -> None:
    """Change a user's role (and, with --area/--evaluation, their scope)."""
    from jamfor.cli import _open, err
    from jamfor.store.accounts import set_role

    with _open() as store:
        changed = set_role(store, username, role, areas=area, evaluations=evaluation, actor=_actor())
    err.print(f"{changed.username} is now {changed.role}{_scope(changed.areas, changed.evaluations)}")


@user_app.command("disable")
def user_disable(username: Annotated[str, typer.Argument(help="Login name.")]) -> None:
    """Disable a user: their sessions and tokens end at once; nothing is deleted."""
    from jamfor.cli import _open, err
    from jamfor.store.accounts import set_disabled

    with _open() as store:
        set_disabled(store, username, True, actor=_actor())
    err.print(f"Disabled {username}")


@user_app.command("enable")
def user_enable(username: Annotated[str, typer.Argument(help="Login name.")]) -> None:
    """Enable a disabled user again (old sessions and tokens stay ended)."""
    from jamfor.cli import _open, err
    from jamfor.store.accounts import set_disabled

    with _open() as store:
        set_disabled(store, username, False, actor=_actor())
    err.print(f"Enabled {username}")


@user_app.command("password")
def user_password(username: Annotated[str, typer.Argument(help="Login name.")]) -> None:
    """Set a new password ($JAMFOR_PASSWORD or asked); the user's sessions end."""
    from jamfor.cli import _open, err
    from jamfor.store.accounts import set_password

    password = _password(True, os.environ.get("JAMFOR_PASSWORD"))
    with _open() as store:
        set_password(store, username, password, actor=_actor())
    err.print(f"New password set for {username}")


@user_app.command("token")
def user_token(
    username: Annotated[str, typer.Argument(help="Login name.")],
    label: Annotated[str, typer.Option("--label", help="What the token is for.")] = "API",
    revoke: Annotated[
        bool, typer.Option("--revoke", help="Revoke all of the user's tokens instead.")
    ] = False,
) -> None:
    """Create an API token (printed once; only its hash is kept), or revoke them all."""
    from jamfor.cli import _open, err
    from jamfor.store.accounts import create_token, revoke_tokens

    with _open() as store:
        if revoke:
            count = revoke_tokens(store, username, actor=_actor())
            err.print(f"Revoked {count} tokens of {username}")
            return
        token = create_token(store, username, label, actor=_actor())
    sys.stdout.write(token + "\n")
    err.print("Keep this token: it is shown only now. Send it as 'Authorization: Bearer <token>'.")


@user_app.command("audit")
def user_audit(
    entity: Annotated[str | None, typer.Option("--entity", help="user, value, period, …")] = None,
    key: Annotated[str | None, typer.Option("--key", help="e.g. a user name or N00938/1081/2021/T")] = None,
    limit: Annotated[int, typer.Option("--limit")] = 50,
) -> None:
    """The audit trail, newest first."""
    from jamfor.cli import _open
    from jamfor.store.accounts import audit_events

    with _open() as store:
        events = audit_events(store, entity, key, limit)
    for e in events:
        change = f"{e.old_value or '–'} → {e.new_value or '–'}" if (e.old_value or e.new_value) else ""
        sys.stdout.write(
            f"{e.at:%Y-%m-%d %H:%M:%S}\t{e.actor}\t{e.via}\t{e.action}\t{e.entity} {e.entity_key}\t{change}"
            + (f"\t{e.source}" if e.source else "")
            + "\n"
        )


def _admin(store: Store, username: str) -> User:
    from jamfor.store.accounts import user

    account = user(store, username)
    if account.role != "admin":
        raise JamforError(f"{username} is not an admin: only an admin closes or reopens a period")
    return account


@period_app.command("close")
def period_close(
    measure_set: Annotated[str, typer.Argument(help="Measure set id, e.g. kkik-2020.")],
    year: Annotated[int, typer.Argument(help="Reporting year.")],
    admin: Annotated[
        str, typer.Option("--as", help="The admin account that closes it (for the audit trail).")
    ],
) -> None:
    """Close a reporting period: its values are locked for everyone but admins."""
    from jamfor.cli import _open, err
    from jamfor.store.entry import set_period_closed

    with _open() as store:
        set_period_closed(store, measure_set, year, True, actor=_admin(store, admin), via="cli")
    err.print(f"Closed {measure_set} {year}")


@period_app.command("reopen")
def period_reopen(
    measure_set: Annotated[str, typer.Argument(help="Measure set id.")],
    year: Annotated[int, typer.Argument(help="Reporting year.")],
    admin: Annotated[str, typer.Option("--as", help="The admin account that reopens it.")],
) -> None:
    """Reopen a closed reporting period."""
    from jamfor.cli import _open, err
    from jamfor.store.entry import set_period_closed

    with _open() as store:
        set_period_closed(store, measure_set, year, False, actor=_admin(store, admin), via="cli")
    err.print(f"Reopened {measure_set} {year}")
