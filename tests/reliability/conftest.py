"""The crash-safety suite: the `pg_restart` marker (restarts the shared PostgreSQL server)."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "pg_restart: restarts the PostgreSQL server (runs only with JAMFOR_PG_RESTART=1; "
        "disturbs every other test using it)",
    )
