"""Connections to the two databases behind one small interface: DuckDB (embedded) and PostgreSQL.

SQL is written once with `?` placeholders; the PostgreSQL backend turns them into `%s`.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import duckdb

from jamfor.errors import DatabaseError, JamforError

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
PIPE_SIZE = 1 << 20  # the most an unprivileged process may ask for, by default
READ_AHEAD_CHUNKS = 64  # of at most 1 MiB (the pipe's size)
PROC_FD = Path("/proc/self/fd")  # where Linux lets a process reopen its own descriptors


def _csv_field(value: Any) -> str:
    """One CSV field: NULL as an unquoted empty field, every text quoted (so "" is an empty string)."""
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int | float):
        return repr(value)
    return '"' + str(value).replace('"', '""') + '"'


def _write_rows(path: Path, rows: Sequence[Params]) -> None:
    """Rows as CSV: NULL is an unquoted empty field and text is always quoted, so an empty string,
    a literal \\N, quotes and line breaks all survive (both databases read CSV this way)."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        for row in rows:
            fh.write(",".join(_csv_field(v) for v in row) + "\n")


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
                f"auto_detect = false, columns = {{{spec}}}, nullstr = '', allow_quoted_nulls = false, "
                "quote = '\"', escape = '\"', new_line = '\\n', "
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
    pipes = hasattr(os, "mkfifo")  # copy_produced streams through a named pipe

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

    @staticmethod
    def _checked(params: Params) -> list[Any]:
        """The parameters as a list; text with a NUL character is refused (PostgreSQL cannot store it)."""
        values = list(params)
        for value in values:
            if isinstance(value, str) and "\x00" in value:
                raise JamforError(
                    "the text contains a NUL character (\\0), which cannot be stored or searched for"
                )
        return values

    def query(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        cur = self.con.execute(self._sql(sql), self._checked(params))
        return list(cur.fetchall()) if cur.description else []

    def execute(self, sql: str, params: Params = ()) -> int:
        cur = self.con.execute(self._sql(sql), self._checked(params))
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
            self.copy_csv(table, columns, path)

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

    def copy_produced(
        self,
        table: str,
        columns: Sequence[str],
        produce: Callable[[Path, bool], None],
        *,
        cancel: Callable[[], None] | None = None,
    ) -> int:
        """COPY rows into a table while `produce(path, is_pipe)` writes them (in a thread).

        The rows are in PostgreSQL's text COPY format (tab-separated, \\N for NULL, backslash
        escapes), headerless UTF-8. Returns the number of rows the server copied.

        `path` is a pipe (`is_pipe` true): on Linux an anonymous one as /proc/self/fd/N, else a
        named pipe in a temporary directory. The producer (DuckDB's `COPY … TO`) and the
        server's COPY run at the same time and nothing is written to disk; the producer may
        open and write the path several times. Where pipes are missing (Windows, or a temporary
        directory that refuses named pipes) `path` is a plain temporary file, written in one go
        before the COPY. A failure on either side fails the COPY, which aborts the caller's
        transaction; `cancel` (if given) is called to stop the producer early when the COPY
        fails, and the producer thread has always ended when this returns or raises.
        """
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT text)"
        if self.pipes and PROC_FD.is_dir():
            # Linux: an anonymous pipe, opened by the producer as /proc/self/fd/N. Nothing is
            # in the file system, so not even a killed process leaves a pipe behind.
            rfd, keep = os.pipe()
            return self._copy_through_pipe(sql, PROC_FD / str(keep), rfd, keep, produce, cancel)
        with tempfile.TemporaryDirectory(prefix="jamfor-") as tmp:
            path = Path(tmp) / "rows.txt"
            try:
                if not self.pipes:  # pragma: no cover - POSIX has named pipes
                    raise OSError("no named pipes")
                os.mkfifo(path, 0o600)
            except OSError:
                produce(path, False)
                with self.con.cursor() as cur:
                    with cur.copy(sql) as copy, path.open("rb") as fh:
                        while chunk := fh.read(1 << 20):
                            copy.write(chunk)
                    return max(cur.rowcount, 0)  # (a closed cursor forgets it)
            # Our own write end keeps the pipe open until the producer has finished (or failed
            # before opening it); opening the read end first does not block.
            rfd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
            try:
                keep = os.open(path, os.O_WRONLY)
            except OSError:
                os.close(rfd)
                raise
            os.set_blocking(rfd, True)
            return self._copy_through_pipe(sql, path, rfd, keep, produce, cancel)

    def _copy_through_pipe(
        self,
        sql: str,
        path: Path,
        rfd: int,
        keep: int,
        produce: Callable[[Path, bool], None],
        cancel: Callable[[], None] | None,
    ) -> int:
        """COPY from the pipe's read end `rfd` while a thread runs `produce(path, True)`.

        `keep` is a write end of the same pipe, closed when the producer has finished (or
        failed before opening `path`): only then does the reader see end-of-file, so it never
        blocks forever. Both descriptors are closed on return.
        """
        with contextlib.suppress(ImportError, OSError, AttributeError):  # Linux: larger hand-overs
            import fcntl

            fcntl.fcntl(rfd, fcntl.F_SETPIPE_SZ, PIPE_SIZE)
        failed: list[BaseException] = []
        # Chunks read ahead of the server: DuckDB writes a range's rows in a burst after
        # sorting it, and the server should not wait for the next burst meanwhile.
        ahead: queue.Queue[bytes | None] = queue.Queue(maxsize=READ_AHEAD_CHUNKS)
        stop = threading.Event()

        def run() -> None:
            try:
                produce(path, True)
            except BaseException as exc:  # reported by the consumer below
                failed.append(exc)
            finally:
                os.close(keep)

        def pump(pipe: BinaryIO) -> None:
            try:
                while chunk := pipe.read(1 << 20):
                    if not stop.is_set():
                        ahead.put(chunk)
            except BaseException as exc:  # (reading a pipe hardly fails)
                failed.append(exc)
                if cancel is not None:  # stops the producer between and inside statements
                    with contextlib.suppress(Exception):
                        cancel()
                pipe.close()  # a producer blocked in a write gets EPIPE
            finally:
                ahead.put(None)

        with open(rfd, "rb", buffering=0) as pipe:
            producer = threading.Thread(target=run, name="jamfor-copy-producer", daemon=True)
            reader = threading.Thread(target=pump, args=(pipe,), name="jamfor-copy-reader", daemon=True)
            try:
                producer.start()
            except BaseException:
                os.close(keep)
                raise
            try:
                reader.start()
            except BaseException:
                if cancel is not None:
                    with contextlib.suppress(Exception):
                        cancel()
                while pipe.read(1 << 20):  # let the producer finish into the void
                    pass
                producer.join()
                raise
            ended = ok = False
            try:
                with self.con.cursor() as cur:
                    with cur.copy(sql) as copy:
                        while (block := ahead.get()) is not None:
                            copy.write(block)
                        ended = True
                        producer.join()
                        if failed:  # raising inside the block makes the server's COPY fail
                            raise failed[0]
                    ok = True
                    return max(cur.rowcount, 0)  # (a closed cursor forgets it)
            finally:
                if not ok:
                    stop.set()
                    if cancel is not None:
                        with contextlib.suppress(Exception):
                            cancel()
                    # Let the producer finish into the void, then wait for both threads.
                    while not ended and ahead.get() is not None:
                        pass
                reader.join()
                producer.join()

    def literal(self, value: Any) -> str:
        """`value` as an SQL literal, for statements that take no parameters (DDL)."""
        from psycopg import sql

        return sql.Literal(value).as_string(self.con)

    def is_unique_violation(self, exc: BaseException) -> bool:
        import psycopg

        return isinstance(exc, psycopg.errors.UniqueViolation)

    def is_database_error(self, exc: BaseException) -> bool:
        """A PostgreSQL error, or one of the private DuckDB an import stages its rows in."""
        import psycopg

        return isinstance(exc, psycopg.Error | duckdb.Error)

    def close(self) -> None:
        self.con.close()


def connect(url: str, *, read_only: bool = False) -> Backend:
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresBackend(url)
    return DuckDBBackend(url, read_only=read_only)
