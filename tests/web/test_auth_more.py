"""The authorisation walk over the write routes of the evaluation, network and admin forms, and axe on
their pages.

Every route is sent a valid change by every role, by nobody, with a wrong CSRF token, with an
expired session and by a disabled user: only the roles the route allows succeed (303); the rest
get 401 or 403 and nothing changes (evaluations, networks, members, the audit trail).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient
from playwright.sync_api import BrowserContext

import jamfor.store.compass as compass_store
from jamfor.store import Store
from jamfor.store import accounts as A
from jamfor.store.compass_edit import content_version
from jamfor.store.networks import network_version
from jamfor.web.app import create_app

from .test_accessibility import (  # noqa: F401  (the browser fixtures)
    _axe,
    _tables_have_headers_and_captions,
    _undecided,
    browser,
    context,
)
from .writable import PASSWORD, csrf_of, log_in, reference_store_url

EVALUATION = "huddinge-2017"
NETWORK = "blekinge"
USERS: dict[str, dict[str, Any]] = {
    "admin": {"role": "admin"},
    "editor": {"role": "editor", "areas": ["Ronneby", "Karlshamn", "Sölvesborg"]},
    "other": {"role": "editor", "areas": ["Umeå"]},
    "evaluator": {"role": "evaluator", "evaluations": [EVALUATION]},
    "reader": {"role": "reader"},
    "expired": {"role": "admin"},
    "disabled": {"role": "admin"},
    "target": {"role": "reader"},  # a user the admin routes may change freely
}
ROLES = ["admin", "editor", "other", "evaluator", "reader"]


@dataclass
class Site:
    client: TestClient

    def do(self, action: Callable[[Store], Any]) -> Any:
        with self.client.app.state.access.using() as store:  # type: ignore[attr-defined]
            return action(store)

    def snapshot(self) -> tuple[Any, ...]:
        return self.do(
            lambda s: (
                s.db.query("SELECT id, version FROM compass_evaluation ORDER BY id"),
                s.db.query("SELECT count(*) FROM compass_text"),
                s.db.query("SELECT id, title, kind FROM area_group ORDER BY id"),
                s.db.query("SELECT group_id, area_id FROM group_member ORDER BY 1, 2"),
                s.db.query("SELECT count(*) FROM audit_event"),
            )
        )


@pytest.fixture(scope="module", params=["duckdb", "postgres"], name="site")
def site_fixture(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, duckdb_template: Path
) -> Iterator[Site]:
    with reference_store_url(request.param, tmp_path_factory, duckdb_template, "auth-more") as url:
        with Store.open(url) as store:
            for name, spec in USERS.items():
                A.add_user(store, name, PASSWORD, **spec)
            store.create_network("Blekinge", ["Ronneby", "Karlshamn"])
        with TestClient(create_app(url, connections=2)) as client:
            yield Site(client)


def _login(site: Site, name: str) -> tuple[TestClient, str]:
    client = log_in(TestClient(site.client.app), name)
    return client, csrf_of(client)


def _as(site: Site, who: str) -> tuple[TestClient, str]:
    """A client for `who`: a role, "nobody", "wrong-csrf", "expired" or "disabled"."""
    if who == "nobody":
        return TestClient(site.client.app), "no-session"
    if who == "wrong-csrf":
        client, _ = _login(site, "admin")
        return client, "forged-token"
    if who == "expired":
        client, csrf = _login(site, "expired")
        site.do(
            lambda s: s.db.execute(
                "UPDATE web_session SET expires_at = ? WHERE user_id = ?",
                [datetime(2000, 1, 1), A.user(s, "expired").id],
            )
        )
        return client, csrf
    if who == "disabled":
        site.do(lambda s: A.set_disabled(s, "disabled", False))
        client, csrf = _login(site, "disabled")
        site.do(lambda s: A.set_disabled(s, "disabled", True))
        return client, csrf
    return _login(site, who)


def _evaluation_change(site: Site, csrf: str, n: int) -> tuple[str, dict[str, str]]:
    version = site.do(lambda s: content_version(compass_store.evaluation(s, EVALUATION)))
    return f"/kompass/{EVALUATION}/redigera", {"csrf": csrf, "version": version, "summary": f"Ändrad {n}"}


def _network_create(site: Site, csrf: str, n: int) -> tuple[str, dict[str, str]]:
    return "/natverk/ny", {"csrf": csrf, "title": f"Nätverk {n}", "members": "Ronneby\nKarlshamn"}


def _network_edit(site: Site, csrf: str, n: int) -> tuple[str, dict[str, str]]:
    group = site.do(lambda s: s.group(NETWORK))
    return f"/natverk/{NETWORK}/redigera", {
        "csrf": csrf,
        "version": network_version(group),
        "title": f"Blekinge {n}",
        "members": "Ronneby\nKarlshamn",
    }


def _admin_form(path: str, **fields: str) -> Callable[[Site, str, int], tuple[str, dict[str, str]]]:
    return lambda site, csrf, n: (path, {"csrf": csrf, **{k: v.format(n=n) for k, v in fields.items()}})


ROUTES: dict[str, tuple[Callable[[Site, str, int], tuple[str, dict[str, str]]], set[str]]] = {
    "evaluation-edit": (_evaluation_change, {"admin", "evaluator"}),
    "network-create": (_network_create, {"admin", "editor"}),
    "network-edit": (_network_edit, {"admin", "editor"}),
    "own-password": (
        lambda site, csrf, n: (
            "/konto/losenord",
            {"csrf": csrf, "current": PASSWORD, "password": PASSWORD, "password2": PASSWORD},
        ),
        set(ROLES),
    ),
    **{
        f"admin-{name}": (_admin_form(path, **fields), {"admin"})
        for name, path, fields in [
            (
                "user-add",
                "/admin/anvandare",
                {"username": "walk{n}", "password": PASSWORD, "password2": PASSWORD, "role": "reader"},
            ),
            ("user-role", "/admin/anvandare/target/roll", {"role": "reader", "areas": "", "evaluations": ""}),
            ("user-disable", "/admin/anvandare/target/stang-av", {}),
            ("user-enable", "/admin/anvandare/target/aktivera", {}),
            ("token-create", "/admin/anvandare/target/nycklar", {"label": "walk {n}"}),
            ("token-revoke", "/admin/anvandare/target/nycklar/sparra", {}),
            (
                "user-password",
                "/admin/anvandare/target/losenord",
                {"password": PASSWORD, "password2": PASSWORD},
            ),
            ("period-close", "/admin/perioder/stang", {"measure_set": "kkik-2015-2017", "year": "20{n:02}"}),
            ("period-reopen", "/admin/perioder/oppna", {"measure_set": "kkik-2015-2017", "year": "20{n:02}"}),
        ]
    },
}


@pytest.mark.parametrize("route", list(ROUTES))
def test_every_role_and_every_bad_login_on_every_new_write_route(site: Site, route: str) -> None:
    make, allowed = ROUTES[route]
    for n, who in enumerate([*ROLES, "nobody", "wrong-csrf", "expired", "disabled"]):
        client, csrf = _as(site, who)
        path, data = make(site, csrf, n)
        before = site.snapshot()
        answer = client.post(path, data=data, follow_redirects=False)
        if who in allowed:
            ok = (
                (200, 303) if route == "admin-token-create" else (303,)
            )  # a new token is shown once, not redirected
            assert answer.status_code in ok, f"{route} as {who}: {answer.status_code} {answer.text[:300]}"
            assert site.snapshot() != before, f"{route} as {who} changed nothing"
        else:
            expected = 401 if who in ("nobody", "expired", "disabled") else 403
            assert answer.status_code == expected, f"{route} as {who}: {answer.status_code}"
            assert site.snapshot() == before, f"{route} as {who} changed something"


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        (f"/kompass/{EVALUATION}/redigera", {"admin", "evaluator"}),
        ("/natverk/ny", {"admin", "editor", "other"}),
        (f"/natverk/{NETWORK}/redigera", {"admin", "editor"}),
    ],
)
def test_the_forms_open_for_the_allowed_roles_only(site: Site, path: str, allowed: set[str]) -> None:
    assert TestClient(site.client.app).get(path).status_code == 401
    for who in ROLES:
        client, _ = _login(site, who)
        assert client.get(path).status_code == (200 if who in allowed else 403), f"{path} as {who}"


def test_the_read_only_site_refuses_the_new_forms(
    tmp_path_factory: pytest.TempPathFactory, duckdb_template: Path
) -> None:
    with (
        reference_store_url("duckdb", tmp_path_factory, duckdb_template, "read-only") as path,
        TestClient(create_app(path, read_only=True, warm_up=False)) as client,
    ):
        for url in (f"/kompass/{EVALUATION}/redigera", "/natverk/ny", "/natverk/x/redigera"):
            assert client.get(url).status_code == 503, url
            assert client.post(url, data={"csrf": "x"}).status_code == 503, url
        assert client.get(f"/kompass/{EVALUATION}/historik").status_code == 200


# -- axe on the new pages ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, duckdb_template: Path) -> Iterator[str]:
    import socket
    import threading
    import time

    with reference_store_url("duckdb", tmp_path_factory, duckdb_template, "a11y-forms") as path:
        with Store.open(path) as store:
            A.add_user(store, "admin", PASSWORD, role="admin")
            store.create_network("Blekinge", ["Ronneby", "Karlshamn"])
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        server = uvicorn.Server(
            uvicorn.Config(create_app(path), host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started:
            assert time.monotonic() < deadline and thread.is_alive(), "the test server did not start"
            time.sleep(0.05)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            thread.join(timeout=10)


FORM_PAGES = {
    "evaluation-form": f"/kompass/{EVALUATION}/redigera",
    "evaluation-history": f"/kompass/{EVALUATION}/historik",
    "network-new": "/natverk/ny",
    "network-edit": f"/natverk/{NETWORK}/redigera",
    "account": "/konto",
}


def test_axe_finds_nothing_on_the_new_pages(context: BrowserContext, live: str) -> None:  # noqa: F811
    page = context.new_page()
    page.goto(live + "/logga-in")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/konto")
    # A form with problems shown, too.
    page.goto(live + FORM_PAGES["evaluation-form"])
    page.fill("#q-1\\.1", "99")
    page.click("main form[method=post] button[type=submit]")
    assert "above the max" in page.content()
    pages = [("evaluation-form-problems", None), *FORM_PAGES.items()]
    for name, path in pages:
        if path is not None:
            response = page.goto(live + path)
            assert response is not None and response.status == 200, name
        _tables_have_headers_and_captions(page)
        result = _axe(page)
        violations = [
            f"{name}: {v['id']} ({v['impact']}): {v['help']} {v['nodes'][0]['html']!r}"
            for v in result["violations"]
        ]
        assert violations == [], "\n".join(violations)
        assert _undecided(page, result["incomplete"]) == [], name
    page.close()
