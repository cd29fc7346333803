"""Where the database lives: JAMFOR_DATABASE, else a DuckDB file in the user's data directory."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs


def default_database() -> str:
    return str(Path(platformdirs.user_data_dir("jamfor")) / "jamfor.duckdb")


def database_url(explicit: str | None = None) -> str:
    """The database to use: an explicit value, then $JAMFOR_DATABASE, then the default file."""
    if explicit:
        return explicit
    env = os.environ.get("JAMFOR_DATABASE", "").strip()
    return env or default_database()


def is_postgres(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))
