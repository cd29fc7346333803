"""Fuzzing the web forms: the login form (/logga-in) and the data-entry form
(/kommun/{id}/rapportera) on a writable site (the `site` fixture of tests/web/test_auth.py, on
DuckDB and PostgreSQL). The property: no 5xx, and a rejected entry form writes nothing.
"""

from __future__ import annotations

import re
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tests.web.test_auth import (
    RONNEBY,
    SET,
    YEAR,
    Site,
    csrf_of,
    logged_in,
    login_form_token,
    site_fixture,  # noqa: F401  (the `site` fixture)
)

from ._support import NASTY_VALUES, assert_unchanged, fuzz_settings, snapshot, time_limit

FORM = f"/kommun/{RONNEBY}/rapportera"
TEXT = st.one_of(
    st.sampled_from(NASTY_VALUES[:-1]),
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=9_000, max_size=12_000),
)


@fuzz_settings(2)
@given(username=TEXT, password=TEXT, token=st.one_of(st.none(), TEXT), next_path=st.one_of(st.none(), TEXT))
def test_login_form(
    site: Site, username: str, password: str, token: str | None, next_path: str | None
) -> None:
    client = site.new_client()
    fields: dict[str, Any] = {"username": username, "password": password}
    fields["login_csrf"] = login_form_token(client) if token is None else token
    if next_path is not None:
        fields["next"] = next_path
    with time_limit():
        answer = client.post("/logga-in", data=fields, follow_redirects=False)
    assert answer.status_code < 500, answer.text[:500]
    assert answer.status_code in (303, 400, 401, 403, 422, 429), answer.status_code


_EDITORS: dict[str, Any] = {}


def _editor(site: Site) -> tuple[Any, str, list[tuple[str, str]]]:
    """A logged-in editor of Ronneby (one per site), its CSRF token and the form's (kpi, expected)."""
    key = site.backend
    if key not in _EDITORS:
        client = logged_in(site, "editor")
        page = client.get(FORM, params={"set": SET, "year": YEAR})
        assert page.status_code == 200, page.text[:300]
        expected = dict(re.findall(r'name="e:([^"]+)" value="([^"]*)"', page.text))
        kpis = re.findall(r'name="v:([^"]+)"', page.text)
        assert kpis
        _EDITORS[key] = (client, csrf_of(client), [(k, expected.get(k, "")) for k in kpis])
    return _EDITORS[key]


@fuzz_settings(2)
@given(data=st.data())
def test_entry_form(site: Site, data: st.DataObject) -> None:
    client, csrf, rows = _editor(site)
    fields: dict[str, str] = {"csrf": csrf, "set": SET, "year": str(YEAR)}
    for kpi, expected in data.draw(st.lists(st.sampled_from(rows), max_size=5, unique=True)):
        fields[f"v:{kpi}"] = data.draw(TEXT)
        fields[f"e:{kpi}"] = data.draw(st.one_of(st.just(expected), TEXT))
    for name in data.draw(st.lists(st.sampled_from(["set", "year", "csrf", "x"]), max_size=2, unique=True)):
        fields[name] = data.draw(TEXT)
    with client.app.state.access.using() as store:
        before = snapshot(store)
    with time_limit():
        answer = client.post(FORM, data=fields, follow_redirects=False)
    assert answer.status_code < 500, answer.text[:500]
    if answer.status_code >= 400:
        with client.app.state.access.using() as store:
            assert_unchanged(before, snapshot(store))
