"""Logging in and out on the website: cookies, CSRF, throttling, the account page, the read-only
site and the response cache, on DuckDB and on PostgreSQL.

The fixtures here (`site`, `login`, …) are shared with `test_entry.py`.
"""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from jamfor.accounts import User
from jamfor.store import Store
from jamfor.store import accounts as A
from jamfor.store.entry import ValueChange, write_values
from jamfor.web.app import create_app

from .writable import PASSWORD, csrf_of, log_in, login, login_form_token, reference_store_url

YEAR = 2022
SET = "kkik-2015-2017"
KPI = "U23401"  # in the set; Ronneby's value is seeded below
FREE_KPI = "U11401"  # in the set; no value stored at first
RONNEBY, KARLSHAMN = "1081", "1082"


@dataclass
class Site:
    client: TestClient
    backend: str
    tokens: dict[str, str]

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        with self.client.app.state.access.using() as store:  # type: ignore[attr-defined]
            return [tuple(r) for r in store.db.query(sql, params or [])]

    def execute(self, sql: str, params: list[Any] | None = None) -> None:
        with self.client.app.state.access.using() as store:  # type: ignore[attr-defined]
            store.db.execute(sql, params or [])

    def store_do(self, action: Any) -> Any:
        with self.client.app.state.access.using() as store:  # type: ignore[attr-defined]
            return action(store)

    def value(self, kpi: str = KPI, area: str = RONNEBY, year: int = YEAR) -> float | None:
        rows = self.query(
            "SELECT value FROM observation WHERE kpi = ? AND area = ? AND period = ? AND gender = 'T'",
            [kpi, area, year],
        )
        return None if not rows else rows[0][0]

    def snapshot(self) -> tuple[Any, ...]:
        """Everything a write could change: values, revisions, batches and the audit trail."""
        return (
            self.query(
                "SELECT kpi, area, period, gender, value, source FROM observation ORDER BY 1, 2, 3, 4"
            ),
            self.query("SELECT count(*) FROM observation_revision"),
            self.query("SELECT count(*) FROM import_batch"),
            self.query(
                "SELECT id, actor, action, entity_key, old_value, new_value FROM audit_event ORDER BY id"
            ),
        )

    def new_client(self) -> TestClient:
        return TestClient(self.client.app)


USERS = {
    "admin": {"role": "admin"},
    "editor": {"role": "editor", "areas": ["Ronneby"]},
    "other": {"role": "editor", "areas": ["Karlshamn"]},
    "evaluator": {"role": "evaluator", "evaluations": ["ronneby-2023"]},
    "reader": {"role": "reader"},
    "expired": {"role": "editor", "areas": ["Ronneby"]},
    "disabled": {"role": "editor", "areas": ["Ronneby"]},
    "revoked": {"role": "editor", "areas": ["Ronneby"]},
}


def _seed(store: Store) -> dict[str, str]:
    for name, spec in USERS.items():
        A.add_user(store, name, PASSWORD, **spec)  # type: ignore[arg-type]
    admin = A.user(store, "admin")
    write_values(
        store,
        [ValueChange(KPI, RONNEBY, YEAR, "T", 33.0), ValueChange(KPI, KARLSHAMN, YEAR, "T", 40.0)],
        actor=admin,
        via="cli",
        source="Egen uppgift: seed",
    )
    tokens = {name: A.create_token(store, name, f"{name} script") for name in USERS}
    A.revoke_tokens(store, "revoked")
    return tokens


@pytest.fixture(scope="module", params=["duckdb", "postgres"], name="site")
def site_fixture(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, duckdb_template: Path
) -> Iterator[Site]:
    """A writable site (TestClient) over a DuckDB file or a PostgreSQL schema, with one user per role."""
    with reference_store_url(request.param, tmp_path_factory, duckdb_template, "auth") as url:
        with Store.open(url) as store:
            tokens = _seed(store)
        with TestClient(create_app(url, connections=2)) as client:
            yield Site(client, request.param, tokens)


def logged_in(site: Site, name: str) -> TestClient:
    return log_in(site.new_client(), name)


def user_of(site: Site, name: str) -> User:
    found: User = site.store_do(lambda store: A.user(store, name))
    return found


# -- logging in -----------------------------------------------------------------------------------


def test_login_sets_a_strict_http_only_cookie_and_shows_the_account(site: Site) -> None:
    client = site.new_client()
    answer = login(client, "editor")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/konto"
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("jamfor_session="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http in the test, no JAMFOR_SECURE_COOKIES
    secret = cookie.split(";")[0].split("=", 1)[1]
    # Only the hash of the session id is stored.
    assert not site.query("SELECT 1 FROM web_session WHERE id_hash = ?", [secret])
    account = client.get("/konto")
    assert account.status_code == 200
    assert "editor" in account.text and "Ronneby" in account.text
    assert "editor script" in account.text  # the token's label, never the token
    assert site.tokens["editor"] not in account.text
    assert account.headers["cache-control"] == "no-store"


def test_secure_cookie_over_https_or_when_asked(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    https = TestClient(site.client.app, base_url="https://testserver")
    answer = login(https, "reader")
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("jamfor_session="))
    assert "Secure" in cookie
    # Behind a proxy that speaks HTTPS to the browser and HTTP to the app.
    monkeypatch.setenv("JAMFOR_SECURE_COOKIES", "1")
    form = site.new_client().get("/logga-in")
    assert all("Secure" in c for c in form.headers.get_list("set-cookie"))


def test_wrong_password_and_unknown_user_get_the_same_answer(site: Site) -> None:
    wrong = login(site.new_client(), "reader", "not the password at all")
    unknown = login(site.new_client(), "nobody-at-all", "not the password at all")
    assert wrong.status_code == unknown.status_code == 401
    assert "Fel användarnamn eller lösenord." in wrong.text
    assert "Fel användarnamn eller lösenord." in unknown.text
    assert "jamfor_session=" not in wrong.headers.get("set-cookie", "")


def test_login_form_needs_its_own_token(site: Site) -> None:
    client = site.new_client()
    answer = client.post(
        "/logga-in",
        data={"username": "reader", "password": PASSWORD, "login_csrf": "forged"},
        follow_redirects=False,
    )
    assert answer.status_code == 403
    assert "jamfor_session=" not in answer.headers.get("set-cookie", "")


def test_next_goes_to_this_site_only(site: Site) -> None:
    client = site.new_client()
    token = login_form_token(client)
    answer = client.post(
        "/logga-in",
        data={"username": "reader", "password": PASSWORD, "login_csrf": token, "next": "//evil.example/"},
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/konto"


def test_five_failures_lock_the_user_name(site: Site) -> None:
    name = f"locked{uuid.uuid4().hex[:6]}"
    site.store_do(lambda store: A.add_user(store, name, PASSWORD, role="reader"))
    for _ in range(5):
        assert login(site.new_client(), name, "wrong password here").status_code == 401
    locked = login(site.new_client(), name, PASSWORD)  # the right password, too late
    assert locked.status_code == 429
    assert "För många misslyckade inloggningar" in locked.text
    assert "jamfor_session=" not in locked.headers.get("set-cookie", "")
    attempts = site.query("SELECT succeeded FROM login_attempt WHERE username = ?", [name])
    assert len(attempts) == 6 and not any(r[0] for r in attempts)
    # Another user name is not affected.
    assert login(site.new_client(), "reader").status_code == 303


def test_logout_needs_the_csrf_token_and_ends_the_session(site: Site) -> None:
    client = logged_in(site, "reader")
    csrf = csrf_of(client)
    refused = client.post("/logga-ut", data={"csrf": "wrong"}, follow_redirects=False)
    assert refused.status_code == 403
    assert client.get("/konto").status_code == 200  # still logged in
    cookie = client.cookies.get("jamfor_session")
    done = client.post("/logga-ut", data={"csrf": csrf}, follow_redirects=False)
    assert done.status_code == 303
    # The old cookie, kept by an attacker, no longer works.
    replay = site.new_client()
    replay.cookies.set("jamfor_session", cookie or "")
    assert replay.get("/konto").status_code == 401
    assert site.new_client().post("/logga-ut", data={"csrf": csrf}).status_code == 401


def test_expired_and_disabled_sessions_are_not_logged_in(site: Site) -> None:
    name = f"temp{uuid.uuid4().hex[:6]}"
    site.store_do(lambda store: A.add_user(store, name, PASSWORD, role="reader"))
    client = logged_in(site, name)
    user = user_of(site, name)
    site.execute("UPDATE web_session SET expires_at = ? WHERE user_id = ?", [datetime(2000, 1, 1), user.id])
    answer = client.get("/konto")
    assert answer.status_code == 401
    assert "Logga in" in answer.text
    client = logged_in(site, name)
    site.store_do(lambda store: A.set_disabled(store, name, True))
    assert client.get("/konto").status_code == 401
    assert login(site.new_client(), name).status_code == 401  # nor can it log in again


def test_not_logged_in_gets_401_pages_and_json(site: Site) -> None:
    page = site.new_client().get("/konto")
    assert page.status_code == 401
    assert "Inloggning krävs" in page.text
    english = site.new_client().get("/konto?lang=en")
    assert "Login required" in english.text
    api = site.new_client().put("/api/v1/values", json=[])
    assert api.status_code == 401
    assert api.json()["code"] == "not_authenticated"
    assert api.headers["www-authenticate"].startswith("Bearer")


def test_a_session_cookie_does_not_authorise_api_writes(site: Site) -> None:
    client = logged_in(site, "admin")
    before = site.snapshot()
    answer = client.put("/api/v1/values", json=[{"kpi": KPI, "area": RONNEBY, "period": YEAR, "value": 1}])
    assert answer.status_code == 401
    assert site.snapshot() == before


def test_logged_in_pages_pass_the_response_cache(site: Site) -> None:
    anonymous = site.new_client()
    path = f"/kommun/{RONNEBY}"
    assert anonymous.get(path).headers.get("x-cache") in ("miss", "hit")
    assert anonymous.get(path).headers.get("x-cache") == "hit"
    history = f"/kommun/{RONNEBY}/varde/{KPI}/{YEAR}"
    assert anonymous.get(history).headers["cache-control"] == "no-store"
    assert anonymous.get(history).headers.get("x-cache") != "hit"  # value history is never cached
    client = logged_in(site, "editor")
    for url in (path, history, "/konto", "/"):
        answer = client.get(url)
        assert answer.status_code == 200
        assert "x-cache" not in answer.headers  # neither served from the cache nor kept in it
    assert "editor" not in anonymous.get("/").text.split("<main", 1)[0]  # the nav names no one


def test_nav_links_to_login(site: Site) -> None:
    page = site.new_client().get("/metod")
    assert 'href="/logga-in"' in page.text


def test_read_only_site_refuses_logins_and_writes(tmp_path: Path, duckdb_template: Path) -> None:
    path = tmp_path / "ro.duckdb"
    shutil.copy(duckdb_template, path)
    with Store.open(str(path)) as store:
        store.migrate()
        A.add_user(store, "editor", PASSWORD, role="editor", areas=["Ronneby"])
        token = A.create_token(store, "editor", "script")
    with TestClient(create_app(str(path), read_only=True, warm_up=False)) as client:
        form = client.get("/logga-in")
        assert form.status_code == 200 and "skrivskyddad" in form.text
        token_field = re.search(r'name="login_csrf" value="([^"]+)"', form.text)
        answer = client.post(
            "/logga-in",
            data={
                "username": "editor",
                "password": PASSWORD,
                "login_csrf": token_field.group(1) if token_field else "",
            },
        )
        assert answer.status_code == 503
        assert "skrivskyddad" in answer.text
        assert client.get(f"/kommun/{RONNEBY}/rapportera").status_code == 503
        api = client.put(
            "/api/v1/values",
            json=[{"kpi": KPI, "area": RONNEBY, "period": YEAR, "value": 1}],
            headers={"Authorization": f"Bearer {token}"},
        )
        assert api.status_code == 503
        assert api.json()["code"] == "read_only"


def test_session_lifetime_is_eight_hours(site: Site) -> None:
    logged_in(site, "reader")
    user = user_of(site, "reader")
    rows = site.query(
        "SELECT created_at, expires_at FROM web_session WHERE user_id = ? ORDER BY created_at DESC LIMIT 1",
        [user.id],
    )
    created, expires = rows[0]
    assert expires - created == timedelta(hours=8)


def test_every_page_names_the_logged_in_user_in_the_menu(site: Site) -> None:
    client = logged_in(site, "editor")
    for url in ("/", "/natverk", f"/kommun/{RONNEBY}", "/metod"):
        nav = client.get(url).text.split("<main", 1)[0]
        assert 'href="/konto"' in nav and "editor" in nav, url
        assert "Logga in" not in nav, url
    anonymous = site.new_client().get("/natverk").text.split("<main", 1)[0]
    assert "Logga in" in anonymous and "editor" not in anonymous


def test_a_user_changes_their_own_password(site: Site) -> None:
    site.store_do(lambda store: A.add_user(store, "byter", PASSWORD, role="reader"))
    here = logged_in(site, "byter")
    elsewhere = logged_in(site, "byter")
    csrf = csrf_of(here)
    new = "ett nytt och längre lösenord"

    def change(current: str, password: str, password2: str) -> Any:
        data = {"csrf": csrf, "current": current, "password": password, "password2": password2}
        return here.post("/konto/losenord", data=data, follow_redirects=False)

    before = site.snapshot()
    for (current, password, password2), message in [
        (("fel lösenord", new, new), "Nuvarande lösenord: stämmer inte."),
        ((PASSWORD, "kort", "kort"), "Nytt lösenord: minst 12 tecken."),
        ((PASSWORD, new, new + "x"), "Upprepa det nya lösenordet: lösenorden är olika."),
    ]:
        answer = change(current, password, password2)
        assert answer.status_code == 400 and message in answer.text
        assert new not in answer.text and PASSWORD not in answer.text  # nothing typed is echoed
    assert site.snapshot() == before  # nothing written (a wrong current password counts as a failed login)
    assert (
        here.post(
            "/konto/losenord", data={"csrf": "fel", "current": PASSWORD, "password": new, "password2": new}
        ).status_code
        == 403
    )
    answer = change(PASSWORD, new, new)
    assert answer.status_code == 303 and answer.headers["location"] == "/konto?klart=losenord"
    account = here.get(answer.headers["location"]).text  # this browser stays logged in
    assert "Ditt lösenord är bytt" in account and "<dd>läsare</dd>" in account
    assert elsewhere.get("/konto").status_code == 401  # every other session has ended
    assert login(site.new_client(), "byter").status_code == 401  # the old password no longer works
    assert login(site.new_client(), "byter", new).status_code == 303
    events = site.store_do(lambda store: A.audit_events(store, "user", "byter"))
    assert (events[0].actor, events[0].via, events[0].action) == ("byter", "web", "set-password")
