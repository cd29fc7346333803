"""Versioned schema migrations: numbered plain-SQL files, one folder per dialect."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import resources

from jamfor.store.backend import Backend


def _migrations(dialect: str) -> list[tuple[int, str, str]]:
    folder = resources.files("jamfor.store") / "schema" / dialect
    found = []
    for entry in folder.iterdir():
        name = entry.name
        if name.endswith(".sql"):
            version = int(name.split("_", 1)[0])
            found.append((version, name, entry.read_text(encoding="utf-8")))
    return sorted(found)


def _statements(script: str) -> list[str]:
    lines = [line for line in script.splitlines() if not line.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def current_version(db: Backend) -> int:
    if not _has_table(db, "schema_migration"):
        return 0
    rows = db.query("SELECT max(version) FROM schema_migration")
    return int(rows[0][0] or 0)


def _has_table(db: Backend, name: str) -> bool:
    if db.dialect == "duckdb":
        sql = "SELECT count(*) FROM information_schema.tables WHERE table_name = ? AND table_schema = 'main'"
    else:
        sql = (
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_name = ? AND table_schema = current_schema()"
        )
    return bool(db.query(sql, [name])[0][0])


def pending(db: Backend) -> list[str]:
    """The migrations this code has and the database has not applied (also below its highest)."""
    if not _has_table(db, "schema_migration"):
        return [name for _, name, _ in _migrations(db.dialect)]
    done = {int(r[0]) for r in db.query("SELECT version FROM schema_migration")}
    return [name for version, name, _ in _migrations(db.dialect) if version not in done]


def latest_version(dialect: str) -> int:
    migrations = _migrations(dialect)
    return migrations[-1][0] if migrations else 0


def migrate(db: Backend) -> list[str]:
    """Apply the migrations the database lacks, each in its own transaction. Returns their names."""
    if not _has_table(db, "schema_migration"):
        db.execute(
            "CREATE TABLE schema_migration (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
            "applied_at TIMESTAMP NOT NULL)"
        )
    done = {int(r[0]) for r in db.query("SELECT version FROM schema_migration")}
    applied = []
    for version, name, script in _migrations(db.dialect):
        if version in done:
            continue
        with db.transaction():
            for statement in _statements(script):
                db.execute(statement)
            db.execute(
                "INSERT INTO schema_migration (version, name, applied_at) VALUES (?, ?, ?)",
                [version, name, datetime.now(UTC).replace(tzinfo=None)],
            )
        applied.append(name)
    return applied
