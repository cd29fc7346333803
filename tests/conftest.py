"""Shared fixtures: every store test runs on DuckDB and on PostgreSQL.

PostgreSQL comes from $JAMFOR_TEST_POSTGRES (the Makefile sets it to the local server); each
test gets its own schema, dropped afterwards. A missing server fails the tests, it does not
skip them: CI must not silently lose the PostgreSQL run.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from jamfor.sources.reference import import_demo, load_reference
from jamfor.store import Store

BACKENDS = ["duckdb", "postgres"]
REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def postgres_base() -> str:
    return os.environ.get("JAMFOR_TEST_POSTGRES", "postgresql://127.0.0.1:5432/test")


def _pg_url(schema: str) -> str:
    base = postgres_base()
    return f"{base}{'&' if '?' in base else '?'}schema={schema}"


def _drop_schema(schema: str) -> None:
    import psycopg

    from jamfor.store.backend import split_schema

    conninfo, _ = split_schema(postgres_base())
    with psycopg.connect(conninfo, autocommit=True) as con:
        con.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(scope="session")
def duckdb_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DuckDB file with the schema and the bundled reference data, copied for each test."""
    path = tmp_path_factory.mktemp("template") / "reference.duckdb"
    with Store.open(str(path)) as store:
        store.migrate()
        load_reference(store)
    return path


def _new_store(backend: str, tmp_path: Path, template: Path) -> Iterator[Store]:
    if backend == "duckdb":
        path = tmp_path / "store.duckdb"
        shutil.copy(template, path)
        store = Store.open(str(path))
        try:
            yield store
        finally:
            store.close()
    else:
        schema = f"t_{uuid.uuid4().hex[:12]}"
        store = Store.open(_pg_url(schema))
        try:
            store.migrate()
            load_reference(store)
            yield store
        finally:
            store.close()
            _drop_schema(schema)


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path, duckdb_template: Path) -> Iterator[Store]:
    """A fresh store with the reference data (areas, groups, catalogue), on each backend."""
    yield from _new_store(request.param, tmp_path, duckdb_template)


@pytest.fixture(params=BACKENDS, scope="session")
def demo_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, duckdb_template: Path
) -> Iterator[Store]:
    """A store with the reference data and the bundled demo extract; read-only use, shared by tests."""
    tmp = tmp_path_factory.mktemp(f"demo-{request.param}")
    gen = _new_store(request.param, tmp, duckdb_template)
    store = next(gen)
    import_demo(store)
    yield store
    next(gen, None)


@pytest.fixture
def shared_data() -> Path:
    path = SHARED / "data"
    if not path.is_dir():
        pytest.skip("shared/data is not beside the repository")
    return path
