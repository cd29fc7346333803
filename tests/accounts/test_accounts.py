"""Accounts, sessions, tokens, throttling, audited value writes and closed periods, on both backends."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jamfor.accounts import (
    LOCKOUT,
    MAX_FAILURES,
    AccessDenied,
    NotAuthenticated,
    can_edit_evaluation,
    can_manage_network,
    can_write_values,
    locked_until,
)
from jamfor.cli import app
from jamfor.errors import JamforError, ValidationError
from jamfor.store import Store
from jamfor.store.accounts import (
    add_user,
    audit_events,
    authenticate,
    create_session,
    create_token,
    end_session,
    revoke_tokens,
    session,
    set_disabled,
    set_password,
    set_role,
    token_user,
    user,
)
from jamfor.store.entry import UNSET, Conflict, ValueChange, parse_changes, set_period_closed, write_values

PASSWORD = "korrekt hästbatteri"
HOSTILE = "<script>alert('x')</script>\"; DROP TABLE observation; --"


def test_throttle_rule() -> None:
    now = datetime(2026, 11, 24, 12, 0)
    fails = [now - timedelta(minutes=m) for m in range(MAX_FAILURES)]
    assert locked_until(fails, now) == fails[0] + LOCKOUT
    assert locked_until(fails[:-1], now) is None  # one too few
    spread = [now - timedelta(minutes=10 * m) for m in range(MAX_FAILURES)]  # over 40 minutes
    assert locked_until(spread, now) is None
    assert locked_until(fails, now + LOCKOUT + timedelta(seconds=1)) is None  # the lock has run out


def test_users_roles_and_scopes(store: Store) -> None:
    admin = add_user(store, "Admin", PASSWORD, role="admin")
    assert admin.username == "admin" and admin.role == "admin"
    editor = add_user(store, "ronneby.editor", PASSWORD, role="editor", areas=["Ronneby", "1082"])
    assert editor.areas == {"1081", "1082"}
    assert can_write_values(editor, "1081") and not can_write_values(editor, "0180")
    assert can_manage_network(editor, ["1081", "1082"]) and not can_manage_network(editor, ["1081", "0180"])
    assert not can_edit_evaluation(editor, "huddinge-2017")
    evaluator = add_user(store, "eva", PASSWORD, role="evaluator", evaluations=["huddinge-2017"])
    assert can_edit_evaluation(evaluator, "huddinge-2017") and not can_write_values(evaluator, "1081")
    with pytest.raises(JamforError, match="already"):
        add_user(store, "ADMIN", PASSWORD)
    with pytest.raises(JamforError, match="too short"):
        add_user(store, "kort", "kort")
    with pytest.raises(JamforError, match="role"):
        add_user(store, "x1", PASSWORD, role="god")
    with pytest.raises(JamforError, match="user name"):
        add_user(store, HOSTILE, PASSWORD)
    with pytest.raises(JamforError, match="not a municipality"):
        add_user(store, "x2", PASSWORD, role="editor", areas=["Blekinge"])
    changed = set_role(store, "eva", "editor", areas=["Karlshamn"])
    assert changed.role == "editor" and changed.areas == {"1082"}
    trail = audit_events(store, "user", "eva")
    assert [e.action for e in trail] == ["set-role", "create"]
    assert trail[0].old_value == "evaluator" and trail[0].new_value == "editor (1082)"
    # a hostile display name is stored as text
    odd = add_user(store, "odd", PASSWORD, display_name='<b>Nät</b> "citat" \' ; --')
    assert user(store, "odd").display_name == odd.display_name == '<b>Nät</b> "citat" \' ; --'


def test_login_sessions_tokens_and_lockout(store: Store) -> None:
    add_user(store, "anna", PASSWORD, role="editor", areas=["Ronneby"])
    account = authenticate(store, "Anna", PASSWORD, client="127.0.0.1")
    secret, live = create_session(store, account)
    assert session(store, secret).user.username == "anna" and len(live.csrf_token) >= 40
    # the secret itself is not stored
    assert not store.db.query("SELECT 1 FROM web_session WHERE id_hash = ?", [secret])
    end_session(store, secret)
    with pytest.raises(NotAuthenticated):
        session(store, secret)
    # an expired session
    secret2, _ = create_session(store, account)
    store.db.execute("UPDATE web_session SET expires_at = ?", [datetime(2000, 1, 1)])
    with pytest.raises(NotAuthenticated, match="ended"):
        session(store, secret2)
    # tokens: shown once, kept hashed, revocable
    token = create_token(store, "anna", "nightly upload")
    assert token.startswith("jf_") and token_user(store, token).username == "anna"
    assert not store.db.query("SELECT 1 FROM api_token WHERE token_hash = ?", [token])
    assert revoke_tokens(store, "anna") == 1
    with pytest.raises(NotAuthenticated):
        token_user(store, token)
    # wrong passwords, then a lockout that even the right password does not pass
    for _ in range(MAX_FAILURES):
        with pytest.raises(NotAuthenticated, match="wrong"):
            authenticate(store, "anna", "fel lösenord igen")
    with pytest.raises(NotAuthenticated, match="too many"):
        authenticate(store, "anna", PASSWORD)
    # disabling ends sessions and tokens at once
    add_user(store, "bo", PASSWORD)
    bo = authenticate(store, "bo", PASSWORD)
    secret3, _ = create_session(store, bo)
    token3 = create_token(store, "bo", "x")
    set_disabled(store, "bo", True)
    with pytest.raises(NotAuthenticated):
        session(store, secret3)
    with pytest.raises(NotAuthenticated):
        token_user(store, token3)
    with pytest.raises(NotAuthenticated):
        authenticate(store, "bo", PASSWORD)
    set_disabled(store, "bo", False)
    set_password(store, "bo", "ett nytt långt lösenord")
    assert authenticate(store, "bo", "ett nytt långt lösenord").username == "bo"
    with pytest.raises(NotAuthenticated):
        authenticate(store, "nobody", PASSWORD)


def _value(store: Store, kpi: str, area: str, period: int) -> float | None:
    found = store.observation(kpi, area, period)
    return None if found is None else found.value


def test_audited_writes_conflicts_and_permissions(store: Store) -> None:
    editor = add_user(store, "ed", PASSWORD, role="editor", areas=["Ronneby"])
    other = add_user(store, "other", PASSWORD, role="editor", areas=["Karlshamn"])
    reader = add_user(store, "reader", PASSWORD)
    admin = add_user(store, "boss", PASSWORD, role="admin")
    changes = parse_changes(
        store,
        [
            {"kpi": "N00938", "area": "1081", "period": "2021", "value": "12,5"},
            {"kpi": "N15428", "area": "1081", "period": "2021", "gender": "T", "value": "80"},
        ],
        "formulär",
    )
    summary = write_values(store, changes, actor=editor, via="web", source="Egen uppgift: Ronneby (ed)")
    assert (summary.new, summary.changed) == (2, 0)
    assert _value(store, "N00938", "1081", 2021) == 12.5
    # a change with the value the editor saw
    write_values(
        store,
        [ValueChange("N00938", "1081", 2021, value=13.0, expected=12.5)],
        actor=editor,
        via="web",
        source="Egen uppgift",
    )
    assert [r.value for r in store.history("N00938", "1081", 2021)] == [12.5]
    events = audit_events(store, "value", "N00938/1081/2021/T")
    assert [(e.actor, e.old_value, e.new_value) for e in events] == [
        ("ed", "12.5", "13.0"),
        ("ed", None, "12.5"),
    ]
    # someone else saw the old value: refused, nothing written
    before = audit_events(store)
    with pytest.raises(Conflict, match="someone else"):
        write_values(
            store,
            [
                ValueChange("N15428", "1081", 2021, value=81.0, expected=80.0),
                ValueChange("N00938", "1081", 2021, value=14.0, expected=12.5),
            ],
            actor=editor,
            via="web",
            source="x",
        )
    assert _value(store, "N15428", "1081", 2021) == 80.0 and audit_events(store) == before
    # not theirs
    for actor in (other, reader):
        with pytest.raises(AccessDenied):
            write_values(
                store, [ValueChange("N00938", "1081", 2021, value=1.0)], actor=actor, via="api", source="x"
            )
    assert _value(store, "N00938", "1081", 2021) == 13.0
    # the importers' rules and messages
    with pytest.raises(ValidationError, match="not a number"):
        parse_changes(
            store, [{"kpi": "N00938", "area": "1081", "period": "2021", "value": "12,5 %"}], "formulär"
        )
    with pytest.raises(ValidationError, match="N99999"):
        parse_changes(store, [{"kpi": "N99999", "area": "1081", "period": "2021", "value": "1"}], "formulär")
    # a hostile status text is stored as text
    write_values(
        store,
        [ValueChange("N00938", "1081", 2020, value=None, status=HOSTILE)],
        actor=editor,
        via="web",
        source=HOSTILE,
    )
    found = store.observation("N00938", "1081", 2020)
    assert found is not None and found.status == HOSTILE and found.source == HOSTILE
    # a closed period locks the measure set's values for editors, not for admins
    with pytest.raises(AccessDenied):
        set_period_closed(store, "kkik-2020", 2021, True, actor=editor, via="cli")
    set_period_closed(store, "kkik-2020", 2021, True, actor=admin, via="cli")
    with pytest.raises(AccessDenied, match="closed"):
        write_values(
            store, [ValueChange("N15428", "1081", 2021, value=82.0)], actor=editor, via="web", source="x"
        )
    write_values(store, [ValueChange("N15428", "1081", 2021, value=82.0)], actor=admin, via="web", source="x")
    set_period_closed(store, "kkik-2020", 2021, False, actor=admin, via="cli")
    write_values(
        store,
        [ValueChange("N15428", "1081", 2021, value=83.0, expected=UNSET)],
        actor=editor,
        via="web",
        source="x",
    )
    assert _value(store, "N15428", "1081", 2021) == 83.0
    assert [e.action for e in audit_events(store, "period")] == ["reopen", "close"]


def test_cli(tmp_path: Path, duckdb_template: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    database = tmp_path / "cli.duckdb"
    shutil.copy(duckdb_template, database)
    runner = CliRunner()
    monkeypatch.setenv("JAMFOR_PASSWORD", PASSWORD)
    db = ["--database", str(database)]
    result = runner.invoke(app, [*db, "user", "add", "chef", "--role", "admin"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, [*db, "user", "add", "ed", "--role", "editor", "--area", "Ronneby"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, [*db, "user", "list"])
    assert (
        "chef\tadmin\tactive" in result.output
        and "ed\teditor\tactive" in result.output
        and "1081" in result.output
    )
    result = runner.invoke(app, [*db, "user", "token", "ed", "--label", "nattlig"])
    assert result.exit_code == 0 and result.stdout.strip().startswith("jf_")
    result = runner.invoke(app, [*db, "period", "close", "kkik-2020", "2021", "--as", "ed"])
    assert result.exit_code != 0 and "not an admin" in str(result.exception)
    result = runner.invoke(app, [*db, "period", "close", "kkik-2020", "2021", "--as", "chef"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, [*db, "user", "disable", "ed"])
    assert result.exit_code == 0
    result = runner.invoke(app, [*db, "user", "audit"])
    assert "disable\tuser ed" in result.output and "close\tperiod kkik-2020/2021" in result.output
    monkeypatch.delenv("JAMFOR_PASSWORD")
    result = runner.invoke(app, [*db, "user", "add", "x3"])
    assert result.exit_code != 0 and "JAMFOR_PASSWORD" in str(result.exception)
    assert os.environ.get("JAMFOR_PASSWORD") is None
