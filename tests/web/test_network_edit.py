"""Editors and admins manage networks on the website, on DuckDB and on PostgreSQL: /natverk/ny and
/natverk/<id>/redigera, with CSRF, the audit trail, closing instead of deleting and 409 for a stale form."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from jamfor.store import Store
from jamfor.store import accounts as A
from jamfor.web.app import create_app

from .writable import PASSWORD, csrf_of, log_in, reference_store_url

HOSTILE = """<script>alert("x")</script> "quotes" & 'apos' '; DROP TABLE area_group; --"""
BLEKINGE = ["Ronneby", "Karlshamn", "Sölvesborg"]
USERS: dict[str, dict[str, Any]] = {
    "admin": {"role": "admin"},
    "editor": {"role": "editor", "areas": [*BLEKINGE, "Olofström"]},
    "other": {"role": "editor", "areas": ["Umeå", "Luleå"]},
    "evaluator": {"role": "evaluator", "evaluations": ["huddinge-2017"]},
    "reader": {"role": "reader"},
}


@dataclass
class Site:
    client: TestClient

    def do(self, action: Any) -> Any:
        with self.client.app.state.access.using() as store:  # type: ignore[attr-defined]
            return action(store)

    def snapshot(self) -> tuple[Any, ...]:
        return self.do(
            lambda s: (
                s.db.query("SELECT id, title, kind, source FROM area_group ORDER BY id"),
                s.db.query("SELECT group_id, area_id, position FROM group_member ORDER BY 1, 2"),
                s.db.query("SELECT count(*) FROM audit_event"),
            )
        )

    def events(self, prefix: str) -> list[tuple[Any, ...]]:
        return [
            tuple(r)
            for r in self.do(
                lambda s: s.db.query(
                    "SELECT actor, action, entity_key, old_value, new_value FROM audit_event "
                    "WHERE entity = 'group' AND entity_key LIKE ? ORDER BY id",
                    [prefix + "%"],
                )
            )
        ]

    def new_client(self) -> TestClient:
        return TestClient(self.client.app)


@pytest.fixture(scope="module", params=["duckdb", "postgres"], name="site")
def site_fixture(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, duckdb_template: Path
) -> Iterator[Site]:
    with reference_store_url(request.param, tmp_path_factory, duckdb_template, "network-edit") as url:
        with Store.open(url) as store:
            for name, spec in USERS.items():
                A.add_user(store, name, PASSWORD, **spec)
            store.create_network("Blekinge", BLEKINGE)
            store.create_network("Norrland", ["Umeå", "Luleå"])
        with TestClient(create_app(url, connections=2)) as client:
            yield Site(client)


def logged_in(site: Site, name: str) -> TestClient:
    return log_in(site.new_client(), name)


def edit_form(client: TestClient, ident: str) -> dict[str, str]:
    page = client.get(f"/natverk/{ident}/redigera")
    assert page.status_code == 200, page.text
    fields = {
        n: html.unescape(v)
        for n, v in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page.text)
    }
    members = re.search(r'<textarea[^>]*name="members"[^>]*>(.*?)</textarea>', page.text, re.S)
    assert members
    fields["members"] = html.unescape(members.group(1))
    if 'name="closed" type="checkbox" value="1" checked' not in page.text:
        fields.pop("closed", None)
    return fields


def test_an_editor_creates_a_network_of_their_municipalities(site: Site) -> None:
    client = logged_in(site, "editor")
    form = client.get("/natverk/ny")
    assert form.status_code == 200 and "Ronneby" in form.text
    answer = client.post(
        "/natverk/ny",
        data={"csrf": csrf_of(client), "title": "Västra Blekinge", "members": "Olofström\n1082\n"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/natverk/vastra-blekinge"
    group = site.do(lambda s: s.group("vastra-blekinge"))
    assert [a.id for a in group.members] == ["1060", "1082"] and group.kind == "network"
    assert site.events("vastra-blekinge") == [
        ("editor", "create", "vastra-blekinge", None, "Västra Blekinge"),
        ("editor", "add-member", "vastra-blekinge/member/1060", None, "1060"),
        ("editor", "add-member", "vastra-blekinge/member/1082", None, "1082"),
    ]
    page = site.new_client().get("/natverk")
    assert "Västra Blekinge" in page.text


def test_an_editor_may_not_include_another_municipality(site: Site) -> None:
    client = logged_in(site, "editor")
    before = site.snapshot()
    answer = client.post(
        "/natverk/ny", data={"csrf": csrf_of(client), "title": "Med Umeå", "members": "Ronneby\nUmeå"}
    )
    assert answer.status_code == 403
    assert site.snapshot() == before


def test_an_admin_creates_any_network(site: Site) -> None:
    client = logged_in(site, "admin")
    answer = client.post(
        "/natverk/ny",
        data={"csrf": csrf_of(client), "title": "Nord och syd", "members": "Umeå\nRonneby"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert [a.id for a in site.do(lambda s: s.group("nord-och-syd")).members] == ["2480", "1081"]


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ("Ronneby\nIngenstans", "Ingenstans"),
        ("Ronneby\nRonneby", "a member is listed twice: 1081"),
        ("", "a network needs at least one member"),
    ],
)
def test_bad_members_are_refused_with_a_message(site: Site, members: str, message: str) -> None:
    client = logged_in(site, "admin")
    before = site.snapshot()
    answer = client.post("/natverk/ny", data={"csrf": csrf_of(client), "title": "Fel", "members": members})
    assert answer.status_code == 400
    assert message in html.unescape(answer.text)
    assert site.snapshot() == before


def test_edit_rename_members_and_close_with_an_audit_trail(site: Site) -> None:
    client = logged_in(site, "editor")
    fields = edit_form(client, "blekinge")
    assert fields["members"].splitlines() == BLEKINGE
    fields["title"] = "Blekinge väst"
    fields["members"] = "Ronneby\nKarlshamn\nOlofström"
    assert client.post("/natverk/blekinge/redigera", data=fields, follow_redirects=False).status_code == 303
    group = site.do(lambda s: s.group("blekinge"))
    assert group.title == "Blekinge väst" and [a.id for a in group.members] == ["1081", "1082", "1060"]
    assert site.events("blekinge/") == [
        ("editor", "rename", "blekinge/title", "Blekinge", "Blekinge väst"),
        ("editor", "remove-member", "blekinge/member/1083", "1083", None),
        ("editor", "add-member", "blekinge/member/1060", None, "1060"),
    ]
    # Closing: not deleted, out of the list, still at its address, and it can be reopened.
    fields = edit_form(client, "blekinge")
    fields["closed"] = "1"
    assert client.post("/natverk/blekinge/redigera", data=fields, follow_redirects=False).status_code == 303
    assert site.do(lambda s: s.group("blekinge")).kind == "network-closed"
    assert site.events("blekinge/status") == [
        ("editor", "close", "blekinge/status", "network", "network-closed")
    ]
    assert "Blekinge väst" not in site.new_client().get("/natverk").text
    assert site.new_client().get("/natverk/blekinge").status_code == 200
    fields = edit_form(client, "blekinge")
    assert "closed" in fields
    fields.pop("closed")
    assert client.post("/natverk/blekinge/redigera", data=fields, follow_redirects=False).status_code == 303
    assert site.do(lambda s: s.group("blekinge")).kind == "network"


def test_a_stale_form_gets_409(site: Site) -> None:
    first, second = logged_in(site, "admin"), logged_in(site, "admin")
    mine, theirs = edit_form(first, "norrland"), edit_form(second, "norrland")
    theirs["title"] = "Norrland (ändrad)"
    assert second.post("/natverk/norrland/redigera", data=theirs, follow_redirects=False).status_code == 303
    before = site.snapshot()
    mine["members"] = "Umeå"
    answer = first.post("/natverk/norrland/redigera", data=mine, follow_redirects=False)
    assert answer.status_code == 409
    assert site.snapshot() == before


def test_editors_manage_only_their_networks(site: Site) -> None:
    other = logged_in(site, "other")
    assert other.get("/natverk/norrland/redigera").status_code == 200
    assert other.get("/natverk/blekinge/redigera").status_code == 403
    admin_fields = edit_form(logged_in(site, "admin"), "blekinge")
    before = site.snapshot()
    # Taking over someone else's network, with the user's own CSRF token.
    answer = other.post(
        "/natverk/blekinge/redigera", data={**admin_fields, "csrf": csrf_of(other), "members": "Umeå"}
    )
    assert answer.status_code == 403
    # Adding a municipality outside the editor's scope to their own network.
    fields = edit_form(other, "norrland")
    answer = other.post("/natverk/norrland/redigera", data={**fields, "members": "Umeå\nRonneby"})
    assert answer.status_code == 403
    assert site.snapshot() == before


def test_only_user_networks_are_managed(site: Site) -> None:
    client = logged_in(site, "admin")
    county = site.do(lambda s: s.groups("county"))[0]
    assert client.get(f"/natverk/{county.id}/redigera").status_code == 404


def test_hostile_names_are_stored_as_text_and_shown_escaped(site: Site) -> None:
    client = logged_in(site, "admin")
    answer = client.post(
        "/natverk/ny",
        data={"csrf": csrf_of(client), "title": HOSTILE, "members": "Ronneby"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    gid = answer.headers["location"].rsplit("/", 1)[1]
    assert site.do(lambda s: s.group(gid)).title == HOSTILE
    for path in ("/natverk", f"/natverk/{gid}", f"/natverk/{gid}/redigera"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert "<script>alert" not in page.text and "&lt;script&gt;" in page.text, path


@pytest.mark.parametrize(
    ("title", "members", "status", "message"),
    [
        ("a" * 1_000_000, "Ronneby", 400, "Namn: högst 200 tecken"),
        ("Noll\x00byte", "Ronneby", 400, "Namn: innehåller otillåtna kontrolltecken"),
        ("Klocka", "Ronneby\x07", 400, "Medlemmar (en kommun per rad): innehåller otillåtna kontrolltecken"),
        ("Stor", "Ronneby\n" * 90_000, 400, "högst 20000 tecken"),  # 0.9 MB sent
        # Over 1 MiB: refused before the form is read, with our page rather than Starlette's English.
        ("Större", "Ronneby\n" * 200_000, 400, "Formuläret är för stort"),
    ],
)
def test_huge_text_and_control_characters_are_refused(
    site: Site, title: str, members: str, status: int, message: str
) -> None:
    client = logged_in(site, "admin")
    before = site.snapshot()
    answer = client.post("/natverk/ny", data={"csrf": csrf_of(client), "title": title, "members": members})
    assert answer.status_code == status
    assert message in answer.text and "maximum size" not in answer.text
    assert "\x00" not in answer.text and "\x07" not in answer.text
    assert site.snapshot() == before


def test_two_simultaneous_edits_of_one_version_one_wins(site: Site) -> None:
    import threading

    clients = [logged_in(site, "admin"), logged_in(site, "admin")]
    forms = [edit_form(c, "norrland") for c in clients]
    forms[0]["title"], forms[1]["title"] = "Norrland A", "Norrland B"
    events_before = site.do(lambda s: s.db.query("SELECT count(*) FROM audit_event")[0][0])
    results: list[int] = []
    barrier = threading.Barrier(2)

    def send(i: int) -> None:
        barrier.wait()
        results.append(
            clients[i].post("/natverk/norrland/redigera", data=forms[i], follow_redirects=False).status_code
        )

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [303, 409]
    assert site.do(lambda s: s.group("norrland")).title in ("Norrland A", "Norrland B")
    assert site.do(lambda s: s.db.query("SELECT count(*) FROM audit_event")[0][0]) == events_before + 1


# -- links to the forms ---------------------------------------------------------------------------


def _links(page: str) -> set[str]:
    return set(re.findall(r'href="(/natverk/[^"]*(?:ny|redigera)[^"]*)"', page))


def test_the_network_pages_link_to_the_forms_for_those_who_may_use_them(site: Site) -> None:
    umea = site.do(lambda s: s.create_network("Umeå ensam", ["Umeå"]))
    expected = {
        # who: (links on /natverk, links on the Umeå network's page)
        "admin": (
            {"/natverk/ny", f"/natverk/{umea.id}/redigera"},
            {"/natverk/ny", f"/natverk/{umea.id}/redigera"},
        ),
        "other": (
            {"/natverk/ny", f"/natverk/{umea.id}/redigera"},
            {"/natverk/ny", f"/natverk/{umea.id}/redigera"},
        ),
        "editor": ({"/natverk/ny"}, {"/natverk/ny"}),
        "evaluator": (set(), set()),
        "reader": (set(), set()),
    }
    for who, (on_list, on_page) in expected.items():
        client = logged_in(site, who)
        listed = _links(client.get("/natverk").text)
        assert {link for link in listed if link == "/natverk/ny" or umea.id in link} == on_list, who
        assert _links(client.get(f"/natverk/{umea.id}").text) == on_page, who
        for link in listed:  # every link shown leads to a form the user may open
            assert client.get(link).status_code == 200, (who, link)
    anonymous = site.new_client()
    assert _links(anonymous.get("/natverk").text) == set()
    assert _links(anonymous.get(f"/natverk/{umea.id}").text) == set()
    # Kolada's groups and counties are never edited on the site.
    county = site.do(lambda s: s.groups("county"))[0]
    assert _links(logged_in(site, "admin").get(f"/natverk/{county.id}").text) == {"/natverk/ny"}
    english = logged_in(site, "admin").get(f"/natverk/{umea.id}?lang=en").text
    assert f'href="/natverk/{umea.id}/redigera?lang=en"' in english and "Edit the network" in english


def test_an_anonymous_cached_page_shows_no_links_to_a_logged_in_editor(site: Site) -> None:
    """The response cache keeps the anonymous page; a logged-in request passes it (and back)."""
    site.new_client().get("/natverk")  # cached without links
    assert "/natverk/ny" in logged_in(site, "editor").get("/natverk").text
    assert "/natverk/ny" not in site.new_client().get("/natverk").text
