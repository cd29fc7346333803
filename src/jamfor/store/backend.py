"""Connections to the two databases behind one small interface: DuckDB (embedded) and PostgreSQL.

SQL is written once with `?` placeholders; the PostgreSQL backend turns them into `%s`.
"""

from __future__ import annotations

import csv
import re
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import duckdb

from jamfor.errors import DatabaseError

Params = Sequence[Any]


class Backend(Protocol):
    dialect: str
    url: str

    def query(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]: ...

    def execute(self, sql: str, params: Params = ()) -> int: ...

    def executemany(self, sql: str, rows: Sequence[Params]) -> None: ...

    def bulk_insert(self, table: str, columns: Sequence[str], rows: Sequence[Params]) -> None: ...

    def is_database_error(self, exc: BaseException) -> bool: ...

    @contextmanager
    def transaction(self) -> Iterator[None]: ...

    def close(self) -> None: ...


NULL = "\\N"


def _write_rows(path: Path, rows: Sequence[Params]) -> None:
    """Rows as CSV with \\N for NULL, so that an empty string stays an empty string."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        for row in rows:
            writer.writerow(
                [NULL if v is None else ("true" if v is True else "false" if v is False else v) for v in row]
            )


class DuckDBBackend:
    """A DuckDB file (or `:memory:`). One writer process at a time, as DuckDB requires."""

    dialect = "duckdb"

    def __init__(self, path: str, *, read_only: bool = False) -> None:
        self.url = path
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(path, read_only=read_only)
        except duckdb.Error as exc:
            raise DatabaseError(f"cannot open the DuckDB database {path}: {exc}") from exc
        # Keep the import of the full dump well under 2 GiB of memory.
        self.con.execute("SET memory_limit = '1200MB'")
        self._depth = 0

    def query(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        return self.con.execute(sql, list(params)).fetchall()

    def execute(self, sql: str, params: Params = ()) -> int:
        result = self.con.execute(sql, list(params)).fetchall()
        if result and len(result[0]) == 1 and isinstance(result[0][0], int):
            return int(result[0][0])
        return 0

    def executemany(self, sql: str, rows: Sequence[Params]) -> None:
        if rows:
            self.con.executemany(sql, [list(r) for r in rows])

    def bulk_insert(self, table: str, columns: Sequence[str], rows: Sequence[Params]) -> None:
        """Insert many rows at once through a temporary CSV (executemany is slow in DuckDB)."""
        if not rows:
            return
        with tempfile.TemporaryDirectory(prefix="jamfor-") as tmp:
            path = Path(tmp) / "rows.csv"
            _write_rows(path, rows)
            spec = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(columns)))
            picks = ", ".join(f"c{i}" for i in range(len(columns)))
            self.con.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) SELECT {picks} FROM read_csv(?, header = false, "
                f"auto_detect = false, columns = {{{spec}}}, nullstr = '{NULL}', "
                "quote = '\"', escape = '\"', "
                "delim = ',', strict_mode = true)",
                [str(path)],
            )

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self.con.execute("BEGIN TRANSACTION")
        self._depth = 1
        try:
            yield
        except BaseException:
            self._depth = 0
            self.con.execute("ROLLBACK")
            raise
        self._depth = 0
        self.con.execute("COMMIT")

    def is_database_error(self, exc: BaseException) -> bool:
        return isinstance(exc, duckdb.Error)

    def close(self) -> None:
        self.con.close()


_SCHEMA_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def split_schema(url: str) -> tuple[str, str | None]:
    """Take our own `schema=` parameter out of a PostgreSQL URL (psycopg does not know it)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    schema = None
    rest = []
    for key, value in query:
        if key == "schema":
            schema = value
        else:
            rest.append((key, value))
    if schema is not None and not _SCHEMA_RE.match(schema):
        raise DatabaseError(f"schema name {schema!r} in the database URL is not a plain lower-case name")
    return urlunsplit(parts._replace(query=urlencode(rest))), schema


class PostgresBackend:
    """A PostgreSQL database; `?schema=NAME` in the URL selects (and creates) a schema."""

    dialect = "postgres"

    def __init__(self, url: str) -> None:
        import psycopg

        self.url = url
        conninfo, self.schema = split_schema(url)
        try:
            self.con = psycopg.connect(conninfo, autocommit=True)
        except psycopg.Error as exc:
            raise DatabaseError(f"cannot connect to PostgreSQL at {conninfo}: {exc}") from exc
        if self.schema:
            self.con.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
            self.con.execute(f'SET search_path TO "{self.schema}"')

    @staticmethod
    def _sql(sql: str) -> str:
        return sql.replace("%", "%%").replace("?", "%s")

    def query(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        cur = self.con.execute(self._sql(sql), list(params))
        return list(cur.fetchall()) if cur.description else []

    def execute(self, sql: str, params: Params = ()) -> int:
        cur = self.con.execute(self._sql(sql), list(params))
        return max(cur.rowcount, 0)

    def executemany(self, sql: str, rows: Sequence[Params]) -> None:
        if rows:
            with self.con.cursor() as cur:
                cur.executemany(self._sql(sql), [list(r) for r in rows])

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.con.transaction():
            yield

    def bulk_insert(self, table: str, columns: Sequence[str], rows: Sequence[Params]) -> None:
        if not rows:
            return
        with tempfile.TemporaryDirectory(prefix="jamfor-") as tmp:
            path = Path(tmp) / "rows.csv"
            _write_rows(path, rows)
            self.copy_csv(table, columns, path, null=NULL)

    def copy_csv(self, table: str, columns: Sequence[str], path: Path, null: str | None = None) -> None:
        """Stream a headerless UTF-8 CSV file into a table with COPY."""
        cols = ", ".join(columns)
        null_opt = f", NULL '{null}'" if null else ""
        with (
            self.con.cursor() as cur,
            cur.copy(f"COPY {table} ({cols}) FROM STDIN (FORMAT csv{null_opt})") as copy,
            path.open("rb") as fh,
        ):
            while chunk := fh.read(1 << 20):
                copy.write(chunk)

    def is_database_error(self, exc: BaseException) -> bool:
        import psycopg

        return isinstance(exc, psycopg.Error)

    def close(self) -> None:
        self.con.close()


def connect(url: str, *, read_only: bool = False) -> Backend:
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresBackend(url)
    return DuckDBBackend(url, read_only=read_only)
