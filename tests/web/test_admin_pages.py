"""Administration on the website, on DuckDB and on PostgreSQL: users, roles and scopes, API tokens
and reporting periods under /admin, for admins only, every change in the audit trail; and the
Swedish (or English) refusal of a form too large to read, on every form page."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import BrowserContext

from jamfor.accounts import digest
from jamfor.store import Store
from jamfor.store import accounts as A
from jamfor.store.entry import closed_periods
from jamfor.web.app import create_app

from .test_accessibility import (  # noqa: F401  (the browser fixtures)
    _axe,
    _tables_have_headers_and_captions,
    _undecided,
    browser,
    context,
)
from .writable import PASSWORD, csrf_of, log_in, reference_store_url

HOSTILE = """<script>alert("x")</script> "quotes" & 'apos' '; DROP TABLE app_user; --"""
EVALUATION = "huddinge-2017"
USERS: dict[str, dict[str, Any]] = {
    "admin": {"role": "admin"},
    "boss": {"role": "admin"},
    "editor": {"role": "editor", "areas": ["Ronneby"]},
    "evaluator": {"role": "evaluator", "evaluations": [EVALUATION]},
    "reader": {"role": "reader"},
    "expired": {"role": "admin"},
    "disabled": {"role": "admin"},
    "target": {"role": "reader"},
}
ROLES = ["admin", "editor", "evaluator", "reader"]


@dataclass
class Site:
    client: TestClient

    def do(self, action: Callable[[Store], Any]) -> Any:
        with self.client.app.state.access.using() as store:  # type: ignore[attr-defined]
            return action(store)

    def snapshot(self) -> tuple[Any, ...]:
        """Everything an admin change could touch."""
        return self.do(
            lambda s: (
                s.db.query("SELECT id, username, display_name, role, disabled FROM app_user ORDER BY id"),
                s.db.query("SELECT user_id, kind, target FROM user_scope ORDER BY 1, 2, 3"),
                s.db.query("SELECT id, user_id, label, revoked_at FROM api_token ORDER BY id"),
                s.db.query("SELECT measure_set, year, closed_at FROM reporting_period ORDER BY 1, 2"),
                s.db.query("SELECT count(*) FROM audit_event"),
            )
        )

    def events(self, entity: str, key: str) -> list[tuple[Any, ...]]:
        return [
            (e.actor, e.via, e.action, e.old_value, e.new_value)
            for e in reversed(self.do(lambda s: A.audit_events(s, entity, key)))
        ]


@pytest.fixture(scope="module", params=["duckdb", "postgres"], name="site")
def site_fixture(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, duckdb_template: Path
) -> Iterator[Site]:
    with reference_store_url(request.param, tmp_path_factory, duckdb_template, "admin-pages") as url:
        with Store.open(url) as store:
            for name, spec in USERS.items():
                A.add_user(store, name, PASSWORD, **spec)
            A.set_disabled(store, "disabled", True)  # (the walk logs it in first when it needs a session)
        with TestClient(create_app(url, connections=2)) as client:
            yield Site(client)


def logged_in(site: Site, name: str, password: str = PASSWORD) -> TestClient:
    return log_in(TestClient(site.client.app), name, password)


def admin(site: Site) -> tuple[TestClient, str]:
    client = logged_in(site, "admin")
    return client, csrf_of(client)


def text_of(answer: Any) -> str:
    return html.unescape(answer.text)


# -- who may --------------------------------------------------------------------------------------


def _as(site: Site, who: str) -> tuple[TestClient, str]:
    """A client for `who`: a role, "nobody", "wrong-csrf", "expired" or "disabled"."""
    if who == "nobody":
        return TestClient(site.client.app), "no-session"
    if who == "wrong-csrf":
        return logged_in(site, "admin"), "forged-token"
    if who == "expired":
        client = logged_in(site, "expired")
        csrf = csrf_of(client)
        site.do(
            lambda s: s.db.execute(
                "UPDATE web_session SET expires_at = ? WHERE user_id = ?",
                [datetime(2000, 1, 1), A.user(s, "expired").id],
            )
        )
        return client, csrf
    if who == "disabled":
        site.do(lambda s: A.set_disabled(s, "disabled", False))
        client = logged_in(site, "disabled")
        csrf = csrf_of(client)
        site.do(lambda s: A.set_disabled(s, "disabled", True))
        return client, csrf
    client = logged_in(site, who)
    return client, csrf_of(client)


def _posts(n: int) -> list[tuple[str, dict[str, str]]]:
    """One valid change for every admin write route (the n-th of its kind)."""
    return [
        (
            "/admin/anvandare",
            {"username": f"walk{n}", "password": PASSWORD, "password2": PASSWORD, "role": "reader"},
        ),
        ("/admin/anvandare/target/roll", {"role": "editor", "areas": "Ronneby" if n % 2 else "Karlshamn"}),
        ("/admin/anvandare/target/stang-av", {}),
        ("/admin/anvandare/target/aktivera", {}),
        ("/admin/anvandare/target/nycklar", {"label": f"walk {n}"}),
        ("/admin/anvandare/target/nycklar/sparra", {}),
        ("/admin/anvandare/target/losenord", {"password": PASSWORD, "password2": PASSWORD}),
        ("/admin/perioder/stang", {"measure_set": "kkik-2015-2017", "year": str(2000 + n)}),
        ("/admin/perioder/oppna", {"measure_set": "kkik-2015-2017", "year": str(2000 + n)}),
    ]


def test_every_admin_write_route_takes_admins_only(site: Site) -> None:
    for n, who in enumerate([*ROLES, "nobody", "wrong-csrf", "expired", "disabled"]):
        client, csrf = _as(site, who)
        for path, data in _posts(n):
            before = site.snapshot()
            answer = client.post(path, data={**data, "csrf": csrf}, follow_redirects=False)
            if who == "admin":
                assert answer.status_code in (200, 303), f"{path} as admin: {answer.text[:300]}"
                assert site.snapshot() != before, f"{path} as admin changed nothing"
            else:
                expected = 401 if who in ("nobody", "expired", "disabled") else 403
                assert answer.status_code == expected, f"{path} as {who}: {answer.status_code}"
                assert site.snapshot() == before, f"{path} as {who} changed something"


def test_the_pages_open_for_admins_only_with_the_sites_error_pages(site: Site) -> None:
    pages = ["/admin", "/admin/anvandare/target", "/admin/perioder"]
    for path in pages:
        answer = TestClient(site.client.app).get(path)
        assert answer.status_code == 401
        assert "Inloggning krävs" in answer.text and f'href="/logga-in?next={path}"' in answer.text
        english = TestClient(site.client.app).get(path + "?lang=en")
        assert english.status_code == 401 and "Login required" in english.text
    for who in ROLES:
        client = logged_in(site, who)
        for path in pages:
            answer = client.get(path)
            if who == "admin":
                assert answer.status_code == 200, path
                assert answer.headers["cache-control"] == "no-store"
            else:
                assert answer.status_code == 403, f"{path} as {who}"
                assert "Inte tillåtet" in answer.text
    assert logged_in(site, "admin").get("/admin/anvandare/ingen-alls").status_code == 404


def test_the_account_page_links_admins_to_the_administration(site: Site) -> None:
    assert 'href="/admin"' in logged_in(site, "admin").get("/konto").text
    assert 'href="/admin?lang=en"' in logged_in(site, "admin").get("/konto?lang=en").text
    for who in ("editor", "evaluator", "reader"):
        assert 'href="/admin' not in logged_in(site, who).get("/konto").text, who


# -- users ----------------------------------------------------------------------------------------


def test_list_shows_users_roles_scopes_and_state(site: Site) -> None:
    client, _ = admin(site)
    page = text_of(client.get("/admin"))
    for name in USERS:
        assert f'href="/admin/anvandare/{name}"' in page
    assert "Ronneby (1081)" in page and EVALUATION in page
    assert "redaktör" in page and "utvärderare" in page and "avstängd" in page
    assert "Senast inloggad" in page
    row = page.split('href="/admin/anvandare/admin"', 1)[1].split("</tr>", 1)[0]
    assert re.search(r"<td>20\d\d-\d\d-\d\d \d\d:\d\d</td>", row), row  # the admin just logged in
    english = text_of(client.get("/admin?lang=en"))
    assert (
        "editor" in english
        and "Add a user" in english
        and 'href="/admin/anvandare/editor?lang=en"' in english
    )


def test_add_a_user_like_the_cli_with_the_audit_trail(site: Site) -> None:
    client, csrf = admin(site)
    answer = client.post(
        "/admin/anvandare",
        data={
            "csrf": csrf,
            "username": "Anna.Berg",
            "display_name": "Anna Berg",
            "password": PASSWORD,
            "password2": PASSWORD,
            "role": "editor",
            "areas": "Ronneby\n1082\n",
            "evaluations": "",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/admin/anvandare/anna.berg?klart=skapad"
    created = site.do(lambda s: A.user(s, "anna.berg"))
    assert (
        created.role == "editor" and created.areas == {"1081", "1082"} and created.display_name == "Anna Berg"
    )
    assert site.events("user", "anna.berg") == [("admin", "web", "create", None, "editor (1081, 1082)")]
    assert "Användaren har lagts till." in client.get(answer.headers["location"]).text
    logged_in(site, "anna.berg")  # the password works


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"username": "Ett namn med mellanslag"}, "Användarnamn: 2–64 tecken"),
        ({"username": "editor"}, "Användarnamn: det finns redan en användare ”editor”"),
        ({"password": "kort", "password2": "kort"}, "Lösenord: minst 12 tecken"),
        ({"password": "x" * 1025, "password2": "x" * 1025}, "Lösenord: högst 1024 tecken"),
        ({"password2": PASSWORD + "!"}, "Upprepa lösenordet: lösenorden är olika"),
        ({"role": "kung"}, "Roll: välj administratör, redaktör, utvärderare eller läsare"),
        (
            {"areas": "Ronneby\nIngenstans"},
            "Kommuner: det finns ingen kommun som heter eller har kommunkoden ”Ingenstans”",
        ),
        ({"areas": "Region Blekinge"}, "Kommuner: Region Blekinge är inte en kommun"),
        ({"areas": "Ronneby\x00"}, "Kommuner: innehåller otillåtna kontrolltecken"),
        ({"evaluations": "ingen-2099"}, "Utvärderingar: det finns ingen utvärdering ”ingen-2099”"),
        ({"display_name": "Noll\x00byte"}, "Namn: 1–200 tecken utan kontrolltecken"),
        ({"display_name": "a" * 1_000_000}, "Namn: 1–200 tecken utan kontrolltecken"),
    ],
)
def test_bad_input_is_refused_naming_the_field(site: Site, fields: dict[str, str], message: str) -> None:
    client, csrf = admin(site)
    data = {
        "csrf": csrf,
        "username": "ny.person",
        "password": PASSWORD,
        "password2": PASSWORD,
        "role": "reader",
    }
    before = site.snapshot()
    answer = client.post("/admin/anvandare", data={**data, **fields})
    assert answer.status_code == 400
    assert message in text_of(answer), text_of(answer)[:2000]
    assert PASSWORD not in answer.text and "\x00" not in answer.text
    assert site.snapshot() == before


def test_english_messages_with_lang_en(site: Site) -> None:
    client, csrf = admin(site)
    answer = client.post(
        "/admin/anvandare?lang=en",
        data={
            "csrf": csrf,
            "username": "x",
            "password": "short",
            "password2": "short",
            "areas": "Ingenstans",
        },
    )
    assert answer.status_code == 400
    page = text_of(answer)
    assert "User name: 2–64 characters" in page and "Password: at least 12 characters" in page
    assert "Municipalities: there is no municipality named or numbered “Ingenstans”" in page


def test_hostile_display_names_are_stored_as_text_and_shown_escaped(site: Site) -> None:
    client, csrf = admin(site)
    answer = client.post(
        "/admin/anvandare",
        data={
            "csrf": csrf,
            "username": "hostile",
            "display_name": HOSTILE,
            "password": PASSWORD,
            "password2": PASSWORD,
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert site.do(lambda s: A.user(s, "hostile")).display_name == HOSTILE
    for path in ("/admin", "/admin/anvandare/hostile"):
        page = client.get(path).text
        assert "<script>alert" not in page and "&lt;script&gt;alert" in page, path
    refused = client.post(
        "/admin/anvandare",
        data={"csrf": csrf, "username": HOSTILE, "display_name": HOSTILE, "areas": HOSTILE},
    )
    assert refused.status_code == 400 and "<script>alert" not in refused.text


def test_set_role_and_scope_with_the_audit_trail(site: Site) -> None:
    client, csrf = admin(site)
    client.post(
        "/admin/anvandare",
        data={"csrf": csrf, "username": "karin", "password": PASSWORD, "password2": PASSWORD},
    )
    form = client.get("/admin/anvandare/karin").text
    assert '<option value="reader" selected>' in form
    answer = client.post(
        "/admin/anvandare/karin/roll",
        data={"csrf": csrf, "role": "evaluator", "areas": "", "evaluations": EVALUATION},
        follow_redirects=False,
    )
    assert answer.status_code == 303 and answer.headers["location"].endswith("?klart=roll")
    changed = site.do(lambda s: A.user(s, "karin"))
    assert changed.role == "evaluator" and changed.evaluations == {EVALUATION}
    answer = client.post(
        "/admin/anvandare/karin/roll",
        data={"csrf": csrf, "role": "editor", "areas": "Karlshamn\nRonneby", "evaluations": ""},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    changed = site.do(lambda s: A.user(s, "karin"))
    assert changed.role == "editor" and changed.areas == {"1081", "1082"} and not changed.evaluations
    assert site.events("user", "karin")[1:] == [
        ("admin", "web", "set-role", "reader", "evaluator"),
        ("admin", "web", "set-role", "evaluator", "editor (1081, 1082)"),
    ]
    page = text_of(client.get("/admin/anvandare/karin"))
    assert "Karlshamn\nRonneby</textarea>" in page  # the form
    assert "roll och behörighet ändrade" in page and "set-role" not in page  # the history, in words
    english = text_of(client.get("/admin/anvandare/karin?lang=en"))
    assert "role and scope changed" in english and "Time" in english
    before = site.snapshot()
    refused = client.post(
        "/admin/anvandare/karin/roll", data={"csrf": csrf, "role": "editor", "areas": "Ingenstans"}
    )
    assert refused.status_code == 400 and "Kommuner: det finns ingen kommun" in text_of(refused)
    assert site.snapshot() == before


def test_an_admin_cannot_lock_themselves_out(site: Site) -> None:
    client, csrf = admin(site)
    before = site.snapshot()
    answer = client.post("/admin/anvandare/admin/roll", data={"csrf": csrf, "role": "reader"})
    assert answer.status_code == 400 and "Roll: du kan inte ta bort din egen administratörsroll" in text_of(
        answer
    )
    answer = client.post("/admin/anvandare/admin/stang-av", data={"csrf": csrf})
    assert answer.status_code == 400 and "Du kan inte stänga av ditt eget konto" in text_of(answer)
    assert site.snapshot() == before
    assert client.get("/admin").status_code == 200


def test_disable_ends_sessions_and_tokens_and_enable_lets_in_again(site: Site) -> None:
    client, csrf = admin(site)
    client.post(
        "/admin/anvandare",
        data={"csrf": csrf, "username": "olle", "password": PASSWORD, "password2": PASSWORD},
    )
    token = site.do(lambda s: A.create_token(s, "olle", "script"))
    olle = logged_in(site, "olle")
    assert olle.get("/konto").status_code == 200
    answer = client.post("/admin/anvandare/olle/stang-av", data={"csrf": csrf}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].endswith("?klart=avstangd")
    assert site.do(lambda s: A.user(s, "olle")).disabled
    assert olle.get("/konto").status_code == 401
    with pytest.raises(A.NotAuthenticated):
        site.do(lambda s: A.token_user(s, token))
    assert "Aktivera användaren igen" in client.get("/admin/anvandare/olle").text
    assert (
        client.post("/admin/anvandare/olle/aktivera", data={"csrf": csrf}, follow_redirects=False).status_code
        == 303
    )
    assert not site.do(lambda s: A.user(s, "olle")).disabled
    logged_in(site, "olle")
    assert [e[2] for e in site.events("user", "olle")] == ["create", "create-token", "disable", "enable"]


def test_an_admin_sets_a_new_password_and_the_users_sessions_end(site: Site) -> None:
    client, csrf = admin(site)
    client.post(
        "/admin/anvandare",
        data={"csrf": csrf, "username": "pia", "password": PASSWORD, "password2": PASSWORD},
    )
    pia = logged_in(site, "pia")
    assert pia.get("/konto").status_code == 200
    before = site.snapshot()
    refused = client.post(
        "/admin/anvandare/pia/losenord",
        data={"csrf": csrf, "password": "ett annat lösenord", "password2": "x"},
    )
    assert refused.status_code == 400 and "Upprepa lösenordet: lösenorden är olika" in text_of(refused)
    assert "ett annat lösenord" not in refused.text  # never echoed
    short = client.post(
        "/admin/anvandare/pia/losenord", data={"csrf": csrf, "password": "kort", "password2": "kort"}
    )
    assert short.status_code == 400 and "Lösenord: minst 12 tecken" in text_of(short)
    assert site.snapshot() == before
    new = "ett helt nytt lösenord"
    answer = client.post(
        "/admin/anvandare/pia/losenord",
        data={"csrf": csrf, "password": new, "password2": new},
        follow_redirects=False,
    )
    assert answer.status_code == 303 and answer.headers["location"].endswith("?klart=losenord")
    assert "Lösenordet är bytt" in client.get(answer.headers["location"]).text
    assert pia.get("/konto").status_code == 401  # logged out
    with pytest.raises(A.NotAuthenticated):
        site.do(lambda s: A.authenticate(s, "pia", PASSWORD))
    assert site.do(lambda s: A.authenticate(s, "pia", new)).username == "pia"
    assert [e[:3] for e in site.events("user", "pia")][-1] == ("admin", "web", "set-password")
    # One's own: every session ends, this one too, so the answer is the login page.
    boss = logged_in(site, "boss")
    own = boss.post(
        "/admin/anvandare/boss/losenord",
        data={"csrf": csrf_of(boss), "password": PASSWORD, "password2": PASSWORD},
        follow_redirects=False,
    )
    assert own.status_code == 303 and own.headers["location"] == "/logga-in"
    assert boss.get("/konto").status_code == 401


def test_a_token_is_shown_once_works_and_is_revoked(site: Site) -> None:
    client, csrf = admin(site)
    answer = client.post("/admin/anvandare/editor/nycklar", data={"csrf": csrf, "label": "Nattkörning <b>"})
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    found = re.search(r'<code class="token">(jf_[A-Za-z0-9_-]+)</code>', answer.text)
    assert found, answer.text
    token = found.group(1)
    assert "Nattkörning &lt;b&gt;" in answer.text
    assert site.do(lambda s: A.token_user(s, token)).username == "editor"
    # Listed by label and dates; neither the token nor its hash is ever shown again.
    page = client.get("/admin/anvandare/editor").text
    assert "Nattkörning &lt;b&gt;" in page and token not in page and digest(token) not in page
    assert ("admin", "web", "create-token", None, "Nattkörning <b>") in site.events("user", "editor")
    answer = client.post(
        "/admin/anvandare/editor/nycklar/sparra", data={"csrf": csrf}, follow_redirects=False
    )
    assert answer.status_code == 303 and answer.headers["location"].endswith("?klart=sparrade")
    with pytest.raises(A.NotAuthenticated):
        site.do(lambda s: A.token_user(s, token))
    assert "Inga giltiga nycklar." in client.get("/admin/anvandare/editor").text
    refused = client.post("/admin/anvandare/editor/nycklar", data={"csrf": csrf, "label": "  "})
    assert refused.status_code == 400 and "Etikett: 1–200 tecken utan kontrolltecken" in text_of(refused)


# -- reporting periods ----------------------------------------------------------------------------


def test_close_and_reopen_a_period_like_the_cli(site: Site) -> None:
    client, csrf = admin(site)
    answer = client.post(
        "/admin/perioder/stang",
        data={"csrf": csrf, "measure_set": "kkik-2020", "year": "2021"},
        follow_redirects=False,
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/admin/perioder?klart=stangd"
    closed_at, closed_by = site.do(closed_periods)[("kkik-2020", 2021)]
    assert closed_at is not None and closed_by == "admin"
    page = text_of(client.get(answer.headers["location"]))
    assert "Perioden är stängd." in page and "Öppna igen" in page
    answer = client.post(
        "/admin/perioder/oppna?lang=en",
        data={"csrf": csrf, "measure_set": "kkik-2020", "year": "2021"},
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/admin/perioder?lang=en&klart=oppnad"
    assert site.do(closed_periods)[("kkik-2020", 2021)][0] is None
    assert site.events("period", "kkik-2020/2021") == [
        ("admin", "web", "close", None, None),
        ("admin", "web", "reopen", None, None),
    ]


@pytest.mark.parametrize(
    ("measure_set", "year", "message"),
    [
        ("kkik-1066", "2021", "Måttuppsättning: det finns ingen måttuppsättning ”kkik-1066”"),
        ("kkik-2020", "21", "År: skriv ett år med fyra siffror mellan 1950 och 2100"),
        ("kkik-2020", "<script>", "År: skriv ett år med fyra siffror"),
    ],
)
def test_bad_periods_are_refused_naming_the_field(
    site: Site, measure_set: str, year: str, message: str
) -> None:
    client, csrf = admin(site)
    before = site.snapshot()
    answer = client.post(
        "/admin/perioder/stang", data={"csrf": csrf, "measure_set": measure_set, "year": year}
    )
    assert answer.status_code == 400
    assert message in text_of(answer) and "<script>" not in answer.text
    assert site.snapshot() == before


# -- forms too large to read ----------------------------------------------------------------------

BIG = "x" * (1024 * 1024 + 10)  # over Starlette's 1 MiB for one field


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/admin/anvandare", "display_name"),
        ("/natverk/ny", "members"),
        ("/kompass/huddinge-2017/redigera", "summary"),
        ("/kommun/1081/rapportera", "value-U23401"),
        ("/logga-in", "username"),
    ],
)
@pytest.mark.parametrize("multipart", [False, True])
def test_a_form_too_large_gets_our_own_page(site: Site, path: str, field: str, multipart: bool) -> None:
    client, csrf = admin(site)
    before = site.snapshot()
    fields = {"csrf": csrf, field: BIG}
    if multipart:
        answer = client.post(path, files={k: (None, v) for k, v in fields.items()})
    else:
        answer = client.post(path, data=fields)
    assert answer.status_code == 400, answer.text[:300]
    assert answer.headers["content-type"].startswith("text/html")
    assert "Formuläret är för stort" in answer.text and "högst 1 MB" in answer.text
    assert "exceeded" not in answer.text  # not Starlette's English
    assert site.snapshot() == before
    english = client.post(path + "?lang=en", data=fields)
    assert english.status_code == 400 and "The form is too large" in english.text


def test_too_many_fields_and_a_broken_form_get_our_own_pages(site: Site) -> None:
    client, _ = admin(site)
    many = client.post(
        "/natverk/ny",
        content="&".join(f"f{i}=1" for i in range(1100)),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert many.status_code == 400 and "Formuläret har för många fält" in many.text
    broken = client.post(
        "/natverk/ny", content=b"--x\r\nnonsense", headers={"content-type": "multipart/form-data"}
    )
    assert broken.status_code == 400 and "Formuläret gick inte att läsa" in broken.text
    assert "boundary" not in broken.text


def test_the_upload_confirm_form_takes_the_largest_preview(site: Site) -> None:
    """The confirm form of an upload carries every checked row in one field, more than 1 MiB for a
    file near the row limit: it is read (and checked), not refused as too large."""
    client, csrf = admin(site)
    rows = "[" + ",".join(f'["X{i:05}",2022,"T","33","",""]' for i in range(20_000)) + "]"
    assert len(urlencode({"rows": rows})) > 1024 * 1024  # over Starlette's default for one field
    before = site.snapshot()
    answer = client.post(
        "/kommun/1081/rapportera/fil/spara", data={"csrf": csrf, "rows": rows, "file_name": "stor.csv"}
    )
    assert answer.status_code == 400 and "Formuläret är för stort" not in answer.text
    assert "Felaktiga uppgifter" in answer.text and "X00000" in answer.text  # the rows were read
    assert site.snapshot() == before


# -- axe on the admin pages and the network pages with their links -------------------------------


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, duckdb_template: Path) -> Iterator[str]:
    import shutil
    import socket
    import threading
    import time

    import uvicorn

    path = tmp_path_factory.mktemp("a11y-admin") / "site.duckdb"
    shutil.copy(duckdb_template, path)
    with Store.open(str(path)) as store:
        store.migrate()
        for name, spec in USERS.items():
            A.add_user(store, name, PASSWORD, **spec)
        A.add_user(store, "hostile", PASSWORD, display_name=HOSTILE)
        A.create_token(store, "editor", "Nattkörning")
        store.create_network("Blekinge", ["Ronneby", "Karlshamn"])
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    server = uvicorn.Server(
        uvicorn.Config(create_app(str(path)), host="127.0.0.1", port=port, log_level="warning")
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


def test_axe_finds_nothing_on_the_admin_pages(context: BrowserContext, live: str) -> None:  # noqa: F811
    page = context.new_page()
    page.goto(live + "/logga-in")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/konto")
    checked = []

    def check(name: str) -> None:
        _tables_have_headers_and_captions(page)
        result = _axe(page)
        violations = [
            f"{name}: {v['id']} ({v['impact']}): {v['help']} {v['nodes'][0]['html']!r}"
            for v in result["violations"]
        ]
        assert violations == [], "\n".join(violations)
        assert _undecided(page, result["incomplete"]) == [], name
        checked.append(name)

    for name, path in {
        "users": "/admin",
        "users-en": "/admin?lang=en",
        "user": "/admin/anvandare/editor",
        "user-hostile": "/admin/anvandare/hostile",
        "periods": "/admin/perioder",
        "networks-with-links": "/natverk",
        "network-with-links": "/natverk/blekinge",
    }.items():
        response = page.goto(live + path)
        assert response is not None and response.status == 200, name
        check(name)
    # A form with problems, a period closed, a token shown once: by keyboard-free clicks as a user would.
    page.goto(live + "/admin")
    page.fill("#username", "ny")
    page.fill("#password", "kort")
    page.fill("#password2", "kort")
    page.fill("#areas", "Ingenstans")
    page.eval_on_selector_all("input[minlength]", "els => els.forEach(e => e.removeAttribute('minlength'))")
    page.click("form.admin button[type=submit]")
    assert "Lösenord: minst 12 tecken" in page.content()
    check("users-problems")
    page.goto(live + "/admin/perioder")
    page.fill("#year", "2021")
    page.click("form.admin button[type=submit]")
    page.wait_for_url("**/admin/perioder?klart=stangd")
    check("periods-closed")
    page.goto(live + "/admin/anvandare/editor")
    page.fill("#label", "Ny nyckel")
    page.click("form[action$='/nycklar'] button[type=submit]")
    assert "jf_" in page.inner_text("code.token")
    check("token")
    page.close()
    assert len(checked) == 10
