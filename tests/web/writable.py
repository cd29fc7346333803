"""A store with the reference data on either backend, for the writable-site tests: a copy of the
DuckDB template, or a fresh PostgreSQL schema dropped afterwards; and logging in to such a site."""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from jamfor.sources.reference import load_reference
from jamfor.store import Store

from ..conftest import _drop_schema, _pg_url


@contextmanager
def reference_store_url(
    backend: str, tmp_path_factory: pytest.TempPathFactory, template: Path, name: str
) -> Iterator[str]:
    """The URL of a migrated store with the reference data; PostgreSQL's schema goes afterwards."""
    schema = None
    if backend == "duckdb":
        path = tmp_path_factory.mktemp(name) / "site.duckdb"
        shutil.copy(template, path)
        url = str(path)
    else:
        schema = f"t_{uuid.uuid4().hex[:12]}"
        url = _pg_url(schema)
        with Store.open(url) as store:
            store.migrate()
            load_reference(store)
    try:
        with Store.open(url) as store:
            store.migrate()
        yield url
    finally:
        if schema is not None:
            _drop_schema(schema)


PASSWORD = "correct horse battery staple"  # every test user's password


def login_form_token(client: TestClient) -> str:
    """The login form's own CSRF token."""
    page = client.get("/logga-in")
    assert page.status_code == 200, page.text
    found = re.search(r'name="login_csrf" value="([^"]+)"', page.text)
    assert found
    return found.group(1)


def login(client: TestClient, name: str, password: str = PASSWORD) -> Any:
    """The answer to logging `client` in as `name` (303 on success)."""
    return client.post(
        "/logga-in",
        data={
            "username": name,
            "password": password,
            "login_csrf": login_form_token(client),
            "next": "/konto",
        },
        follow_redirects=False,
    )


def log_in(client: TestClient, name: str, password: str = PASSWORD) -> TestClient:
    """`client`, logged in as `name`."""
    answer = login(client, name, password)
    assert answer.status_code == 303, answer.text
    return client


def csrf_of(client: TestClient) -> str:
    """The CSRF token of a logged-in client's session, read from its account page."""
    page = client.get("/konto")
    assert page.status_code == 200, page.text
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found
    return found.group(1)
