"""Evaluators edit Kommunkompassen evaluations on the website, on DuckDB and on PostgreSQL.

The form at /kompass/<evaluation>/redigera: who may open and send it, the importer's checks and
messages, the history kept with an audit event per field, the 409 for a stale form, hostile text,
and the public history page.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

import jamfor.store.compass as compass_store
from jamfor.compass.model import CompassEvaluation
from jamfor.store import Store
from jamfor.store import accounts as A
from jamfor.web.app import create_app

from .writable import PASSWORD, log_in, reference_store_url

HUDDINGE = "huddinge-2017"  # question level, framework 2016
KRAMFORS = "kramfors-2011"  # area level, framework 2010
HOSTILE = """<script>alert("x")</script> "quotes" & 'apos' '; DROP TABLE compass_evaluation; --"""

USERS: dict[str, dict[str, Any]] = {
    "admin": {"role": "admin"},
    "evaluator": {"role": "evaluator", "evaluations": [HUDDINGE, KRAMFORS]},
    "otherevaluator": {"role": "evaluator", "evaluations": ["grastorp-2014"]},
    "editor": {"role": "editor", "areas": ["Huddinge"]},
    "reader": {"role": "reader"},
    "expired": {"role": "evaluator", "evaluations": [HUDDINGE]},
    "disabled": {"role": "evaluator", "evaluations": [HUDDINGE]},
}


@dataclass
class Site:
    client: TestClient
    backend: str

    def do(self, action: Any) -> Any:
        with self.client.app.state.access.using() as store:  # type: ignore[attr-defined]
            return action(store)

    def evaluation(self, ident: str = HUDDINGE) -> CompassEvaluation:
        found: CompassEvaluation = self.do(lambda s: compass_store.evaluation(s, ident))
        return found

    def snapshot(self) -> tuple[Any, ...]:
        return self.do(
            lambda s: (
                s.db.query("SELECT id, version FROM compass_evaluation ORDER BY id"),
                s.db.query("SELECT evaluation_id, item, points FROM compass_points ORDER BY 1, 2"),
                s.db.query(
                    "SELECT evaluation_id, area, kind, seq, body FROM compass_text ORDER BY 1, 2, 3, 4"
                ),
                s.db.query("SELECT count(*) FROM compass_evaluation_revision"),
                s.db.query("SELECT count(*) FROM audit_event WHERE entity = 'evaluation'"),
            )
        )

    def new_client(self) -> TestClient:
        return TestClient(self.client.app)


@pytest.fixture(scope="module", params=["duckdb", "postgres"], name="site")
def site_fixture(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, duckdb_template: Path
) -> Iterator[Site]:
    with reference_store_url(request.param, tmp_path_factory, duckdb_template, "compass-edit") as url:
        with Store.open(url) as store:
            for name, spec in USERS.items():
                A.add_user(store, name, PASSWORD, **spec)
        with TestClient(create_app(url, connections=2)) as client:
            yield Site(client, request.param)


def logged_in(site: Site, name: str) -> TestClient:
    return log_in(site.new_client(), name)


def form_of(client: TestClient, ident: str = HUDDINGE) -> dict[str, str]:
    """The form's fields as the browser would send them untouched."""
    page = client.get(f"/kompass/{ident}/redigera")
    assert page.status_code == 200, page.text
    fields: dict[str, str] = {}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page.text):
        fields[name] = _unescape(value)
    for name, value in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', page.text, re.S):
        fields[name] = _unescape(value)
    return fields


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)


def post(client: TestClient, fields: dict[str, str], ident: str = HUDDINGE) -> Any:
    return client.post(f"/kompass/{ident}/redigera", data=fields, follow_redirects=False)


# -- the form ---------------------------------------------------------------------------------------


def test_the_form_shows_every_sub_question_with_max_and_points(site: Site) -> None:
    client = logged_in(site, "evaluator")
    page = client.get(f"/kompass/{HUDDINGE}/redigera")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    ev = site.evaluation()
    assert len(ev.question_points) == 45
    for qid in ev.question_points:
        assert f'name="q:{qid}"' in page.text
    assert 'name="s:1"' in page.text and 'name="i:8"' in page.text
    assert 'name="summary"' in page.text and 'name="evaluators"' in page.text and 'name="method"' in page.text
    fields = form_of(client)
    # Swedish decimal comma; the stored points come back exactly.
    shown = fields["q:1.1"]
    assert float(shown.replace(",", ".")) == ev.question_points["1.1"]
    assert fields["evaluators"].splitlines() == list(ev.evaluators)


def test_an_untouched_form_changes_nothing(site: Site) -> None:
    client = logged_in(site, "evaluator")
    before = site.snapshot()
    answer = post(client, form_of(client))
    assert answer.status_code == 303
    assert site.snapshot() == before


def test_an_edit_is_saved_with_history_and_an_audit_event_per_field(site: Site) -> None:
    client = logged_in(site, "evaluator")
    before = site.evaluation()
    fields = form_of(client)
    old_points = before.question_points["2.1"]
    new_points = 1.5 if old_points != 1.5 else 2.0
    fields["q:2.1"] = str(new_points).replace(".", ",")
    fields["s:3"] = fields["s:3"] + "\nEn ny styrka från webben"
    answer = post(client, fields)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/kompass/{HUDDINGE}/historik"
    after = site.evaluation()
    assert after.question_points["2.1"] == new_points
    assert after.strengths[3][-1] == "En ny styrka från webben"
    assert after.question_points["1.1"] == before.question_points["1.1"]
    history = site.do(lambda s: compass_store.evaluation_history(s, HUDDINGE))
    assert history[-2][1].question_points["2.1"] == old_points  # the replaced version is kept whole
    events = site.do(
        lambda s: s.db.query(
            "SELECT actor, via, entity_key, old_value, new_value FROM audit_event WHERE entity = 'evaluation' "
            "ORDER BY id DESC LIMIT 2"
        )
    )
    assert sorted(tuple(e) for e in events) == sorted(
        [
            ("evaluator", "web", f"{HUDDINGE}/2.1", repr(old_points), repr(new_points)),
            (
                "evaluator",
                "web",
                f"{HUDDINGE}/strengths/3",
                "\n".join(before.strengths[3]),
                "\n".join(after.strengths[3]),
            ),
        ]
    )
    # The public history page lists the version and the events, for everyone.
    page = site.new_client().get(f"/kompass/{HUDDINGE}/historik")
    assert page.status_code == 200
    assert "evaluator" in page.text and "strengths/3" in page.text and "En ny styrka från webben" in page.text
    assert "/redigera" not in page.text  # no edit link for a visitor


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("15,5", "question 1.1: points 15.5 is above the max 15"),
        ("-1", "question 1.1: points -1 is below 0"),
        ("tre", "question 1.1: 'tre' is not a number"),
        ("1,2,3", "question 1.1: '1,2,3' is not a number"),
    ],
)
def test_bad_points_get_the_importers_message_and_nothing_is_saved(
    site: Site, value: str, message: str
) -> None:
    client = logged_in(site, "evaluator")
    fields = form_of(client)
    fields["q:1.1"] = value
    fields["summary"] = "changed too, but not saved"
    before = site.snapshot()
    answer = post(client, fields)
    assert answer.status_code == 400
    assert message in answer.text.replace("&#39;", "'")
    assert "Inget sparades" in answer.text
    assert f'value="{value}"' in answer.text  # what was typed is shown again
    assert site.snapshot() == before


def test_the_same_file_check_as_the_importer(site: Site) -> None:
    """The form goes through the importer's reader: a score YAML would refuse is refused here too."""
    from jamfor.compass.files import evaluation_from_dict, evaluation_to_dict
    from jamfor.errors import ValidationError

    doc = evaluation_to_dict(site.evaluation())
    doc["question_points"]["1.1"] = "tre"
    with pytest.raises(ValidationError, match=r"question 1.1: 'tre' is not a number"):
        evaluation_from_dict(doc, "file.yaml")


def test_a_stale_form_gets_409_and_nothing_is_written(site: Site) -> None:
    first, second = logged_in(site, "evaluator"), logged_in(site, "admin")
    mine, theirs = form_of(first), form_of(second)
    theirs["method"] = (theirs["method"] + " Kompletterat.").strip()
    assert post(second, theirs).status_code == 303
    before = site.snapshot()
    mine["summary"] = "my change, made on an old form"
    answer = post(first, mine)
    assert answer.status_code == 409
    assert "Någon annan har ändrat" in answer.text
    assert site.snapshot() == before
    assert site.evaluation().summary != "my change, made on an old form"


def test_area_level_evaluations_are_edited_per_area(site: Site) -> None:
    client = logged_in(site, "evaluator")
    fields = form_of(client, KRAMFORS)
    assert "q:1.1" not in fields and "a:1" in fields
    before = site.evaluation(KRAMFORS)
    fields["a:1"] = "120"
    answer = post(client, fields, KRAMFORS)
    assert answer.status_code == 400
    assert "area 1: points 120 is above the max 100" in answer.text
    fields["a:1"] = "55,5"
    assert post(client, fields, KRAMFORS).status_code == 303
    assert site.evaluation(KRAMFORS).area_points[1] == 55.5
    events = site.do(
        lambda s: s.db.query(
            "SELECT old_value, new_value FROM audit_event WHERE entity_key = ?", [f"{KRAMFORS}/area/1"]
        )
    )
    assert [tuple(e) for e in events] == [(repr(before.area_points[1]), "55.5")]


# -- who may ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "status"),
    [("admin", 200), ("evaluator", 200), ("otherevaluator", 403), ("editor", 403), ("reader", 403)],
)
def test_only_assigned_evaluators_and_admins_open_the_form(site: Site, name: str, status: int) -> None:
    client = logged_in(site, name)
    assert client.get(f"/kompass/{HUDDINGE}/redigera").status_code == status
    report = client.get(f"/kompass/{HUDDINGE}")
    assert report.status_code == 200
    assert (f'href="/kompass/{HUDDINGE}/redigera"' in report.text) == (status == 200)


def test_posts_without_the_right_to_edit_change_nothing(site: Site) -> None:
    allowed = logged_in(site, "evaluator")
    fields = form_of(allowed)
    fields["summary"] = "should never be stored"
    before = site.snapshot()
    # No login at all.
    assert site.new_client().get(f"/kompass/{HUDDINGE}/redigera").status_code == 401
    assert post(site.new_client(), fields).status_code == 401
    # Logged in, but not assigned to it (with the user's own CSRF token).
    for name in ("otherevaluator", "editor", "reader"):
        client = logged_in(site, name)
        own = re.search(r'name="csrf" value="([^"]+)"', client.get("/konto").text)
        assert own
        assert post(client, {**fields, "csrf": own.group(1)}).status_code == 403, name
    # A wrong CSRF token.
    assert post(allowed, {**fields, "csrf": "forged"}).status_code == 403
    # An expired session, a disabled user.
    expired = logged_in(site, "expired")
    expired_fields = form_of(expired)
    site.do(
        lambda s: s.db.execute(
            "UPDATE web_session SET expires_at = ? WHERE user_id = ?",
            [datetime(2000, 1, 1), A.user(s, "expired").id],
        )
    )
    assert post(expired, {**expired_fields, "summary": "x"}).status_code == 401
    disabled = logged_in(site, "disabled")
    disabled_fields = form_of(disabled)
    site.do(lambda s: A.set_disabled(s, "disabled", True))
    assert post(disabled, {**disabled_fields, "summary": "x"}).status_code == 401
    assert site.snapshot() == before


# -- hostile input ---------------------------------------------------------------------------------


def test_hostile_text_is_stored_as_text_and_shown_escaped(site: Site) -> None:
    client = logged_in(site, "admin")
    fields = form_of(client)
    fields["s:2"] = HOSTILE
    fields["summary"] = HOSTILE + "\n" + HOSTILE
    fields["method"] = HOSTILE
    assert post(client, fields).status_code == 303
    ev = site.evaluation()
    assert ev.strengths[2] == (HOSTILE,) and ev.method == HOSTILE
    for path in (f"/kompass/{HUDDINGE}", f"/kompass/{HUDDINGE}/historik", f"/kompass/{HUDDINGE}/redigera"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert "<script>alert" not in page.text, path
        assert "&lt;script&gt;alert" in page.text, path


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("summary", "a" * 1_000_000, "summary: högst 20000 tecken"),
        ("method", "before\x00after", "method: innehåller otillåtna kontrolltecken"),
        ("s:1", "bell\x07", "s:1: innehåller otillåtna kontrolltecken"),
        ("q:1.1", "1\x1b[2J", "q:1.1: innehåller otillåtna kontrolltecken"),
    ],
)
def test_huge_text_and_control_characters_are_refused(
    site: Site, field: str, value: str, message: str
) -> None:
    client = logged_in(site, "admin")
    fields = form_of(client)
    fields[field] = value
    before = site.snapshot()
    answer = post(client, fields)
    assert answer.status_code == 400
    assert message in answer.text
    assert "\x00" not in answer.text and "\x07" not in answer.text and "\x1b" not in answer.text
    assert site.snapshot() == before


def test_history_of_an_unknown_evaluation_is_404(site: Site) -> None:
    assert site.new_client().get("/kompass/no-such-evaluation/historik").status_code == 404
    client = logged_in(site, "admin")
    assert client.get("/kompass/no-such-evaluation/redigera").status_code == 404


def test_fields_left_out_of_a_post_keep_their_values(site: Site) -> None:
    """Only what the form sends changes: a field left out keeps its value, one sent empty clears it."""
    from jamfor.store.compass_edit import content_version

    client = logged_in(site, "admin")
    before = site.evaluation()
    csrf = form_of(client)["csrf"]
    answer = post(
        client, {"csrf": csrf, "version": content_version(before), "summary": "Bara sammanfattningen"}
    )
    assert answer.status_code == 303
    after = site.evaluation()
    assert after.summary == "Bara sammanfattningen"
    assert after.question_points == before.question_points
    assert after.strengths == before.strengths and after.evaluators == before.evaluators
    answer = post(client, {"csrf": csrf, "version": content_version(after), "q:8.5": ""})
    assert answer.status_code == 303
    assert "8.5" not in site.evaluation().question_points  # not scored any more


def test_two_simultaneous_saves_of_one_version_one_wins(site: Site) -> None:
    """Two evaluators send forms of the same version at once: one is saved, the other gets 409."""
    import threading

    clients = [logged_in(site, "admin"), logged_in(site, "evaluator")]
    forms = [form_of(c) for c in clients]
    for i, fields in enumerate(forms):
        fields["summary"] = f"samtidigt {i}"
    events_before = site.do(lambda s: s.db.query("SELECT count(*) FROM audit_event")[0][0])
    results: list[int] = []
    barrier = threading.Barrier(2)

    def send(i: int) -> None:
        barrier.wait()
        results.append(post(clients[i], forms[i]).status_code)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [303, 409]
    assert site.evaluation().summary in ("samtidigt 0", "samtidigt 1")
    assert site.do(lambda s: s.db.query("SELECT count(*) FROM audit_event")[0][0]) == events_before + 1
