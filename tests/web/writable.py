"""A store with the reference data on either backend, for the writable-site tests: a copy of the
DuckDB template, or a fresh PostgreSQL schema dropped afterwards."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

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
