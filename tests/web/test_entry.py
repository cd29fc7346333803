"""Data entry on the website and through the API: the authorisation walk over every write route,
hostile input, conflicts, uploads with a preview, closed periods and each value's history, on
DuckDB and on PostgreSQL (the `site` fixture of `test_auth.py`)."""

from __future__ import annotations

import html
import io
import json
import re
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook

from jamfor.store import accounts as A
from jamfor.store.entry import set_period_closed

from .test_auth import (
    KARLSHAMN,
    KPI,
    RONNEBY,
    SET,
    YEAR,
    Site,
    csrf_of,
    logged_in,
    site_fixture,  # noqa: F401  (the `site` fixture)
    user_of,
)

FORM = f"/kommun/{RONNEBY}/rapportera"
UPLOAD = f"/kommun/{RONNEBY}/rapportera/fil"
COMMIT = f"/kommun/{RONNEBY}/rapportera/fil/spara"
API = "/api/v1/values"
HISTORY = f"/kommun/{RONNEBY}/varde/{KPI}/{YEAR}"


def exact(value: float | None) -> str:
    return "" if value is None else repr(value)


# -- who is asking -------------------------------------------------------------------------------


class Caller:
    """One way of asking: a browser session (its client and CSRF token) and an API token."""

    def __init__(self, client: TestClient, csrf: str, token: str | None) -> None:
        self.client, self.csrf, self.token = client, csrf, token


@pytest.fixture(scope="module")
def callers(site: Site) -> dict[str, Caller]:
    found: dict[str, Caller] = {}
    for name in ("admin", "editor", "other", "evaluator", "reader"):
        client = logged_in(site, name)
        found[name] = Caller(client, csrf_of(client), site.tokens[name])
    found["anonymous"] = Caller(site.new_client(), "", None)
    editor = found["editor"]
    found["wrong csrf"] = Caller(editor.client, "x" + editor.csrf[1:], "jf_" + "A" * 43)
    # An expired session: expires_at in the past.
    expired = logged_in(site, "expired")
    expired_csrf = csrf_of(expired)
    site.execute(
        "UPDATE web_session SET expires_at = ? WHERE user_id = ?",
        [__import__("datetime").datetime(2000, 1, 1), user_of(site, "expired").id],
    )
    found["expired"] = Caller(expired, expired_csrf, None)
    # A disabled user whose session and token are still there (so that the disabled flag is
    # what refuses them, not the revocation that `set_disabled` also does).
    disabled = logged_in(site, "disabled")
    disabled_csrf = csrf_of(disabled)
    site.store_do(lambda store: A.set_disabled(store, "disabled", True))
    disabled_id = user_of(site, "disabled").id
    site.execute("UPDATE web_session SET revoked_at = NULL WHERE user_id = ?", [disabled_id])
    site.execute("UPDATE api_token SET revoked_at = NULL WHERE user_id = ?", [disabled_id])
    found["disabled"] = Caller(disabled, disabled_csrf, site.tokens["disabled"])
    # A revoked token (its user may log in; the token is what is tested).
    found["revoked"] = Caller(site.new_client(), "", site.tokens["revoked"])
    return found


ALLOWED = {"admin", "editor"}
FORBIDDEN = {"other", "evaluator", "reader", "wrong csrf"}  # 403
UNAUTHENTICATED = {"anonymous", "expired", "disabled"}  # 401
WHO = sorted(ALLOWED | FORBIDDEN | UNAUTHENTICATED)
API_WHO = sorted(
    ALLOWED | {"other", "evaluator", "reader"} | {"anonymous", "disabled", "revoked", "wrong csrf"}
)


def _form(site: Site, caller: Caller, new: str) -> Any:
    data = {
        "csrf": caller.csrf,
        "set": SET,
        "year": str(YEAR),
        f"v:{KPI}": new,
        f"e:{KPI}": exact(site.value()),
    }
    return caller.client.post(FORM, data=data)


def _upload(site: Site, caller: Caller, new: str) -> Any:
    content = f"kpi;municipality;period;gender;value\n{KPI};{RONNEBY};{YEAR};T;{new}\n".encode()
    return caller.client.post(
        UPLOAD, data={"csrf": caller.csrf}, files={"file": ("values.csv", content, "text/csv")}
    )


def _commit(site: Site, caller: Caller, new: str) -> Any:
    rows = json.dumps([[KPI, YEAR, "T", new, None, exact(site.value())]])
    return caller.client.post(COMMIT, data={"csrf": caller.csrf, "rows": rows, "file_name": "values.csv"})


def _api(site: Site, caller: Caller, new: str) -> Any:
    headers = {"Authorization": f"Bearer {caller.token}"} if caller.token else {}
    body = [{"kpi": KPI, "area": RONNEBY, "period": YEAR, "value": new, "expected": site.value()}]
    return caller.client.put(API, json=body, headers=headers)


ROUTES: dict[str, tuple[Callable[[Site, Caller, str], Any], bool]] = {
    # name: (request, whether an allowed request writes)
    "form": (_form, True),
    "upload preview": (_upload, False),
    "upload commit": (_commit, True),
}
_counter = iter(range(1000, 100_000))


def _expect(
    site: Site, who: str, send: Callable[[Site, Caller, str], Any], writes: bool, caller: Caller
) -> None:
    new = next(_counter)
    before = site.snapshot()
    events = len(before[3])
    answer = send(site, caller, str(new))
    if who in ALLOWED:
        assert answer.status_code == 200, answer.text
        if writes:
            assert site.value() == float(new)
            trail = site.query("SELECT actor, old_value, new_value FROM audit_event ORDER BY id")
            assert len(trail) == events + 1
            assert trail[-1][0] == who and trail[-1][2] == repr(float(new))
        else:
            assert site.snapshot() == before
        return
    assert answer.status_code == (401 if who in UNAUTHENTICATED | {"revoked"} else 403), (
        who,
        answer.text[:500],
    )
    assert site.snapshot() == before


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("route", sorted(ROUTES))
def test_every_write_route_with_every_role(
    site: Site, callers: dict[str, Caller], route: str, who: str
) -> None:
    send, writes = ROUTES[route]
    _expect(site, who, send, writes, callers[who])


@pytest.mark.parametrize("who", API_WHO)
def test_api_write_with_every_role(site: Site, callers: dict[str, Caller], who: str) -> None:
    caller = callers[who]
    if who == "wrong csrf":  # for the API: a well-formed token nobody has
        caller = Caller(site.new_client(), "", "jf_" + uuid.uuid4().hex * 2)
    if who in ("admin", "editor"):  # tokens, not cookies: a fresh client without a session
        caller = Caller(site.new_client(), "", caller.token)
    if who == "wrong csrf":
        before = site.snapshot()
        assert _api(site, caller, "5").status_code == 401
        assert site.snapshot() == before
        return
    _expect(site, who, _api, True, caller)


def test_the_form_page_itself_is_for_editors_of_the_municipality(
    site: Site, callers: dict[str, Caller]
) -> None:
    expected = {"admin": 200, "editor": 200, "other": 403, "evaluator": 403, "reader": 403, "anonymous": 401}
    for who, status in expected.items():
        assert callers[who].client.get(f"{FORM}?set={SET}&year={YEAR}").status_code == status, who
    assert callers["expired"].client.get(FORM).status_code == 401
    assert callers["disabled"].client.get(FORM).status_code == 401
    # The editor of Karlshamn reports for Karlshamn.
    assert (
        callers["other"].client.get(f"/kommun/{KARLSHAMN}/rapportera?set={SET}&year={YEAR}").status_code
        == 200
    )


# -- the form -------------------------------------------------------------------------------------


def test_form_shows_every_measure_with_its_value_and_saves_a_decimal_comma(
    site: Site,
    callers: dict[str, Caller],
) -> None:
    editor = callers["editor"]
    page = editor.client.get(f"{FORM}?set={SET}&year={YEAR}")
    assert page.status_code == 200
    from jamfor.measuresets import bundled_measure_sets

    kpis = set(site.store_do(lambda store: store.kpi_ids()))
    for measure in bundled_measure_sets()[SET].measures:
        if measure.kpi in kpis:
            assert f'name="v:{measure.kpi}"' in page.text
    current = site.value()
    assert f'name="e:{KPI}" value="{exact(current)}"' in page.text
    assert f'href="/kommun/{RONNEBY}/varde/{KPI}/{YEAR}"' in page.text
    refused = editor.client.post(
        FORM,
        data={
            "csrf": editor.csrf,
            "set": SET,
            "year": str(YEAR),
            f"v:{KPI}": "12,5 %",
            f"e:{KPI}": exact(current),
        },
    )
    assert refused.status_code == 400
    assert "'12,5 %' is not a number (leave out the unit)" in html.unescape(refused.text)
    assert site.value() == current
    saved = editor.client.post(
        FORM,
        data={
            "csrf": editor.csrf,
            "set": SET,
            "year": str(YEAR),
            f"v:{KPI}": "12,5",
            f"e:{KPI}": exact(current),
        },
    )
    assert saved.status_code == 200
    assert site.value() == 12.5
    assert "12,5" in saved.text
    source = site.query(
        "SELECT source FROM observation WHERE kpi = ? AND area = ? AND period = ?", [KPI, RONNEBY, YEAR]
    )[0][0]
    assert source == "Egen uppgift: Ronneby (editor)"


def test_second_of_two_sessions_gets_409_and_changes_nothing(site: Site, callers: dict[str, Caller]) -> None:
    first, second = callers["editor"], callers["admin"]
    pages = [c.client.get(f"{FORM}?set={SET}&year={YEAR}").text for c in (first, second)]
    seen = [re.search(rf'name="e:{KPI}" value="([^"]*)"', p).group(1) for p in pages]  # type: ignore[union-attr]
    assert seen[0] == seen[1]

    def post(caller: Caller, value: str, expected: str) -> Any:
        data = {"csrf": caller.csrf, "set": SET, "year": str(YEAR), f"v:{KPI}": value, f"e:{KPI}": expected}
        return caller.client.post(FORM, data=data)

    assert post(first, "41", seen[0]).status_code == 200
    before = site.snapshot()
    late = post(second, "42", seen[1])
    assert late.status_code == 409
    assert "Någon annan har ändrat värdet" in late.text
    assert site.value() == 41.0
    assert site.snapshot() == before
    # The API is told the same way.
    api = TestClient(site.client.app).put(
        API,
        json=[{"kpi": KPI, "area": RONNEBY, "period": YEAR, "value": 43, "expected": float(seen[0])}],
        headers={"Authorization": f"Bearer {site.tokens['admin']}"},
    )
    assert api.status_code == 409 and api.json()["code"] == "conflict"
    assert site.snapshot() == before


def test_closed_period_locks_values_but_not_for_admins(site: Site, callers: dict[str, Caller]) -> None:
    admin = user_of(site, "admin")
    site.store_do(lambda store: set_period_closed(store, SET, YEAR, True, actor=admin, via="cli"))
    try:
        page = callers["editor"].client.get(f"{FORM}?set={SET}&year={YEAR}")
        assert "Rapporteringsperioden är stängd" in page.text
        before = site.snapshot()
        refused = _form(site, callers["editor"], "77")
        assert refused.status_code == 403
        assert "is locked" in refused.text
        assert site.snapshot() == before
        api = _api(site, Caller(site.new_client(), "", site.tokens["editor"]), "77")
        assert api.status_code == 403
        assert site.snapshot() == before
        assert _form(site, callers["admin"], "78").status_code == 200
        assert site.value() == 78.0
    finally:
        site.store_do(lambda store: set_period_closed(store, SET, YEAR, False, actor=admin, via="cli"))


# -- hostile input ----------------------------------------------------------------------------

HOSTILE = [
    '<script>alert("x")</script>',
    "\" onmouseover=\"alert('x')",
    "1; DROP TABLE observation; --",
    "' OR '1'='1",
    "x" * 2**20,
    "ab\x00c\x1b[31m\u202e\x7f",
]


def _safe(answer: Any, *, nul: bool = True) -> None:
    """No server error; HTML shows no markup of the input (JSON carries it as data, nosniff)."""
    assert answer.status_code < 500, answer.text[:300]
    if answer.headers.get("content-type", "").startswith("application/json"):
        assert isinstance(answer.json(), dict)
        assert answer.headers["x-content-type-options"] == "nosniff"
        return
    assert "<script>alert" not in answer.text
    assert 'onmouseover="alert' not in answer.text
    if nul:  # (pages.page echoes a path, escaped, in the language link: NUL included)
        assert "\x00" not in answer.text


@pytest.mark.parametrize("text", HOSTILE, ids=["script", "quote", "sql", "or", "1mb", "control"])
def test_hostile_input_in_every_field_is_refused_and_escaped(
    site: Site,
    callers: dict[str, Caller],
    text: str,
) -> None:
    editor = callers["editor"]
    before = site.snapshot()
    good = {
        "csrf": editor.csrf,
        "set": SET,
        "year": str(YEAR),
        f"v:{KPI}": "5",
        f"e:{KPI}": exact(site.value()),
    }
    for field in ("csrf", "set", "year", f"v:{KPI}", f"e:{KPI}"):
        answer = editor.client.post(FORM, data={**good, field: text})
        _safe(answer)
        assert answer.status_code in (400, 403, 404), (field, answer.status_code)
    _safe(editor.client.get(FORM, params={"set": text[:20_000], "year": str(YEAR)}))  # URLs are shorter
    # Uploads: the file's name and every cell.
    cells = ["kpi", "municipality", "period", "gender", "value"]
    row = [KPI, RONNEBY, str(YEAR), "T", "5"]
    for index in range(len(cells)):
        bad = list(row)
        bad[index] = text.replace(";", ",").replace("\n", " ")
        content = (";".join(cells) + "\n" + ";".join(bad) + "\n").encode("utf-8")
        answer = editor.client.post(
            UPLOAD, data={"csrf": editor.csrf}, files={"file": ("values.csv", content, "text/csv")}
        )
        _safe(answer)
        assert answer.status_code == 400, cells[index]
        assert 'name="rows"' not in answer.text  # no confirm form for a file with problems
    for rows in (
        text,
        json.dumps([[text, YEAR, "T", "5", None, ""]]),
        json.dumps([[KPI, YEAR, "T", text, None, ""]]),
    ):
        answer = editor.client.post(COMMIT, data={"csrf": editor.csrf, "rows": rows})
        _safe(answer)
        assert answer.status_code in (400, 409)
    # The API: every text field.
    client = TestClient(site.client.app)
    headers = {"Authorization": f"Bearer {site.tokens['editor']}"}
    for field in ("kpi", "area", "period", "gender", "value"):
        item: dict[str, Any] = {"kpi": KPI, "area": RONNEBY, "period": YEAR, "gender": "T", "value": 5}
        item[field] = text
        answer = client.put(API, json=[item], headers=headers)
        _safe(answer)
        assert answer.status_code == 400, field
    assert client.put(API, content=text.encode("utf-8", "replace"), headers=headers).status_code == 400
    assert site.snapshot() == before
    # Logins: refused with the same words, shown escaped, nothing logged in.
    login = site.new_client()
    for data in ({"username": text, "password": "x" * 12}, {"username": "editor", "password": text}):
        page = login.get("/logga-in")
        token = re.search(r'name="login_csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        answer = login.post("/logga-in", data={**data, "login_csrf": token}, follow_redirects=False)
        _safe(answer)
        assert answer.status_code in (400, 401)
        assert "jamfor_session=" not in answer.headers.get("set-cookie", "")
    # The value's history page with hostile path parts.
    for path in (
        f"/kommun/{RONNEBY}/varde/{quote(text[:2000], safe='')}/{YEAR}",
        f"/kommun/{quote(text[:2000], safe='')}/varde/{KPI}/{YEAR}",
    ):
        _safe(site.new_client().get(path), nul=False)


def test_hostile_text_that_is_stored_is_shown_escaped(site: Site, callers: dict[str, Caller]) -> None:
    editor = callers["editor"]
    name = '<script>alert("x")</script>\'"; DROP TABLE x; --.csv'
    rows = json.dumps([[KPI, YEAR, "T", "61", None, exact(site.value())]])
    saved = editor.client.post(COMMIT, data={"csrf": editor.csrf, "rows": rows, "file_name": name})
    assert saved.status_code == 200
    source = site.query(
        "SELECT source FROM observation WHERE kpi = ? AND area = ? AND period = ?", [KPI, RONNEBY, YEAR]
    )
    assert source[0][0].endswith(name)  # stored as text
    history = site.new_client().get(HISTORY)
    _safe(history)
    assert name in html.unescape(history.text) and "&lt;script&gt;" in history.text
    # A display name with markup.
    user = f"markup{uuid.uuid4().hex[:6]}"
    site.store_do(lambda store: A.add_user(store, user, "correct horse battery staple", display_name=name))
    account = logged_in(site, user).get("/konto")
    _safe(account)
    assert "&lt;script&gt;" in account.text


# -- uploads ------------------------------------------------------------------------------------


def test_upload_preview_lists_new_changed_unchanged_and_problems(
    site: Site,
    callers: dict[str, Caller],
) -> None:
    editor = callers["editor"]
    current = site.value()
    assert current is not None
    free = "U11401"
    free_value = site.value(free)
    content = (
        "kpi;municipality;period;gender;value\n"
        f"{KPI};{RONNEBY};{YEAR};T;{str(current).replace('.', ',')}\n"
        f"{KPI};{RONNEBY};{YEAR - 1};T;17,5\n"
        f"{free};{RONNEBY};2001;T;3\n"
    ).encode()
    before = site.snapshot()
    preview = editor.client.post(
        UPLOAD, data={"csrf": editor.csrf}, files={"file": ("egna.csv", content, "text/csv")}
    )
    assert preview.status_code == 200, preview.text
    assert "Nya värden (2)" in preview.text and "Oförändrade värden (1)" in preview.text
    assert site.snapshot() == before  # a preview writes nothing
    payload = html.unescape(re.search(r'name="rows" value="([^"]*)"', preview.text).group(1))  # type: ignore[union-attr]
    done = editor.client.post(COMMIT, data={"csrf": editor.csrf, "rows": payload, "file_name": "egna.csv"})
    assert done.status_code == 200
    assert site.value(KPI, RONNEBY, YEAR - 1) == 17.5 and site.value(free, RONNEBY, 2001) == 3.0
    assert site.value() == current and free_value == site.value(free)
    events = site.query(
        "SELECT actor, via, source FROM audit_event WHERE entity_key = ?", [f"{KPI}/{RONNEBY}/{YEAR - 1}/T"]
    )
    assert events == [("editor", "web", "Egen uppgift: Ronneby (editor), egna.csv")]
    # The same preview sent again is a conflict for the value that now exists.
    again = editor.client.post(COMMIT, data={"csrf": editor.csrf, "rows": payload, "file_name": "egna.csv"})
    assert again.status_code == 409
    # Problems: every one listed with its line, and no confirm form.
    bad = (
        "kpi;municipality;period;gender;value\n"
        f"{KPI};{RONNEBY};{YEAR};T;12,5 %\n"
        f"{KPI};{KARLSHAMN};{YEAR};T;1\n"
        f"N99999;{RONNEBY};{YEAR};T;1\n"
    ).encode()
    refused = editor.client.post(
        UPLOAD, data={"csrf": editor.csrf}, files={"file": ("fel.csv", bad, "text/csv")}
    )
    assert refused.status_code == 400
    text = html.unescape(refused.text)
    assert "fel.csv:2: column 'value': '12,5 %' is not a number (leave out the unit)" in text
    assert "fel.csv:3: column 'municipality'" in text and "1082" in text
    assert "fel.csv:4: column 'kpi': unknown KPI id 'N99999'" in text
    assert 'name="rows"' not in refused.text
    header = editor.client.post(
        UPLOAD, data={"csrf": editor.csrf}, files={"file": ("h.csv", b"kpi;kommun;period\n", "text/csv")}
    )
    assert header.status_code == 400 and "unknown column" in html.unescape(header.text)


def test_upload_xlsx(site: Site, callers: dict[str, Caller]) -> None:
    editor = callers["editor"]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["kpi", "municipality", "period", "gender", "value"])
    sheet.append([KPI, RONNEBY, 2003, "T", 8.25])
    data = io.BytesIO()
    book.save(data)
    preview = editor.client.post(
        UPLOAD,
        data={"csrf": editor.csrf},
        files={"file": ("egna.xlsx", data.getvalue(), "application/octet-stream")},
    )
    assert preview.status_code == 200, preview.text
    assert "Nya värden (1)" in preview.text and "8,25" in preview.text
    broken = editor.client.post(
        UPLOAD,
        data={"csrf": editor.csrf},
        files={"file": ("broken.xlsx", b"not a workbook", "application/octet-stream")},
    )
    assert broken.status_code == 400 and "is not a readable .xlsx workbook" in broken.text


# -- history and the API ---------------------------------------------------------------------------


def test_history_page_shows_revisions_and_the_audit_trail_to_everyone(
    site: Site, callers: dict[str, Caller]
) -> None:
    _form(site, callers["admin"], "91")
    _form(site, callers["editor"], "92")
    page = site.new_client().get(HISTORY)
    assert page.status_code == 200
    main = page.text.split('<main id="main">', 1)[1].split("</main>")[0]
    assert "<strong>92</strong>" in main
    assert "Källa: Egen uppgift: Ronneby (editor)" in main
    assert "Källa: Kolada" not in main  # none of these values is Kolada's
    assert re.search(r"<td>admin</td><td>web</td><td>[^<]* → 91</td>", main)
    assert re.search(r"<td>editor</td><td>web</td><td>91 → 92</td>", main)
    assert "<td>91</td>" in main  # the revision
    footer = page.text.split("</main>")[1]
    assert "Källa: Egen uppgift: Ronneby (editor)" in footer and "Källa: Kolada" not in footer
    assert "/rapportera" not in main  # the public page offers no form
    mine = callers["editor"].client.get(HISTORY).text
    assert f'href="/kommun/{RONNEBY}/rapportera"' in mine and 'href="/konto">editor</a>' in mine
    english = site.new_client().get(HISTORY + "?lang=en")
    assert "History of the value" in english.text
    assert site.new_client().get(f"/kommun/{RONNEBY}/varde/N99999/{YEAR}").status_code == 404
    assert site.new_client().get(f"/kommun/{RONNEBY}/varde/{KPI}/1800").status_code == 400


def test_api_write_reports_what_it_did_and_refuses_bad_rows(site: Site) -> None:
    client = TestClient(site.client.app)
    headers = {"Authorization": f"Bearer {site.tokens['editor']}"}
    answer = client.put(
        API,
        json=[
            {"kpi": KPI, "area": RONNEBY, "period": 2004, "value": "12,5"},
            {"kpi": KPI, "area": RONNEBY, "period": 2005, "gender": "T", "value": 3, "expected": None},
        ],
        headers=headers,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"new": 2, "changed": 0, "unchanged": 0, "batch_id": answer.json()["batch_id"]}
    assert site.value(KPI, RONNEBY, 2004) == 12.5
    trail = site.query(
        "SELECT actor, via, source FROM audit_event WHERE entity_key = ?", [f"{KPI}/{RONNEBY}/2004/T"]
    )
    assert trail == [("editor", "api", "API: editor")]
    before = site.snapshot()
    bad = client.put(
        API,
        json=[
            {"kpi": KPI, "area": RONNEBY, "period": 2006, "value": "12,5 %"},
            {"kpi": KPI, "area": RONNEBY, "period": 2007, "value": 1},
        ],
        headers=headers,
    )
    assert bad.status_code == 400
    assert "'12,5 %' is not a number (leave out the unit)" in bad.json()["error"]
    assert site.snapshot() == before  # all or nothing
    schema = client.get("/api/openapi.json").json()
    assert "put" in schema["paths"]["/api/v1/values"]
    assert "Bearer" in schema["paths"]["/api/v1/values"]["put"]["description"]
