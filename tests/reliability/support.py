"""Helpers of the crash-safety tests: stores on both backends, slices of the real Kolada dump,
a subprocess killed with SIGKILL at a chosen moment, and fingerprints of a store's state that
leave out what differs between two equal runs (batch ids, times).
"""

from __future__ import annotations

import csv
import gzip
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from jamfor.sources.reference import load_reference
from jamfor.store import Store
from tests.conftest import SHARED, postgres_base

__all__ = ["postgres_base"]

DUMP = SHARED / "data" / "kolada" / "kolada_values_2024-08_long.csv.gz"
REPO = Path(__file__).resolve().parents[2]
JAMFOR = [sys.executable, "-m", "jamfor.cli"]


def rounds(default: int = 3) -> int:
    """How many kill moments per backend: $JAMFOR_CRASH_ROUNDS (the issue's full run is 20)."""
    return int(os.environ.get("JAMFOR_CRASH_ROUNDS", default))


def seeded(name: str) -> random.Random:
    """The kill moments' random source: $JAMFOR_CRASH_SEED (default 9) and the test's name."""
    return random.Random(f"{os.environ.get('JAMFOR_CRASH_SEED', '9')}:{name}")


def env() -> dict[str, str]:
    """The environment of a subprocess: ours, with the repository's src first on the path."""
    out = dict(os.environ)
    out["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), str(REPO), out.get("PYTHONPATH", "")])
    out.pop("JAMFOR_DATABASE", None)
    return out


# -- stores ---------------------------------------------------------------------------------------


class Stores:
    """Fresh stores in one prepared state, cheaply: a DuckDB file is copied; a PostgreSQL
    database is created from a template database (`CREATE DATABASE … TEMPLATE`), which takes a
    fraction of the time of migrating and loading the reference data again.

    `prepare(build)` makes the template with `build(url)`; `new()` returns the URL of a copy.
    Everything is removed by `close()`.
    """

    def __init__(self, backend: str, tmp: Path) -> None:
        self.backend = backend
        self.tmp = tmp
        self.template: str | None = None
        self._files: list[Path] = []
        self._databases: list[str] = []

    def prepare(self, build: Callable[[str], None]) -> None:
        self.template = self._empty()
        build(self.template)

    def new(self) -> str:
        """A copy of the template (or a new empty store before `prepare`)."""
        if self.template is None:
            return self._empty()
        if self.backend == "duckdb":
            url = self._empty()
            shutil.copy(self.template, url)
            return url
        return self._empty(template=self._databases[0])

    def _empty(self, template: str | None = None) -> str:
        if self.backend == "duckdb":
            path = self.tmp / f"store-{uuid.uuid4().hex[:8]}.duckdb"
            self._files.append(path)
            return str(path)
        name = f"jamfor_crash_{uuid.uuid4().hex[:12]}"
        _admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        self._databases.append(name)
        return database_url(name)

    def close(self) -> None:
        for path in self._files:
            for leftover in (path, path.with_name(path.name + ".wal")):
                leftover.unlink(missing_ok=True)
            shutil.rmtree(path.with_name(path.name + ".tmp"), ignore_errors=True)  # DuckDB's spill files
        for name in reversed(self._databases):
            _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def database_url(name: str) -> str:
    """$JAMFOR_TEST_POSTGRES with another database name."""
    parts = urlsplit(postgres_base())
    return urlunsplit(parts._replace(path="/" + name))


def _admin(sql: str) -> None:
    import psycopg

    from jamfor.store.backend import split_schema

    conninfo, _ = split_schema(postgres_base())
    with psycopg.connect(conninfo, autocommit=True) as con:
        con.execute(sql)


def init_store(url: str) -> None:
    with Store.open(url) as store:
        store.migrate()
        load_reference(store)


def startup_seconds() -> float:
    """How long a subprocess takes to load `jamfor.cli` (kills before that prove nothing)."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import jamfor.cli"], env=env(), check=True)
    return time.perf_counter() - started


# -- the real data --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slices:
    """CSV files cut from the real dump (rows in dump order, which is by KPI).

    base: rows [0, base) — imported before the crash; revise: its first `revise` rows with
    every 5th value changed — imported before the crash too, so the store has revisions;
    change: base rows [revise, revise + change) with every 3rd value changed — the crashed
    import's first file (revisions); new: the next `new` rows of the dump — its second file.
    Base rows from revise + change on are touched by nothing after the base state: `kept`.
    """

    base: Path
    revise: Path
    new: Path
    change: Path
    kept_from: int  # index in base of the first row no later import touches
    base_rows: list[tuple[str, str, int, str]] = field(repr=False)


def _changed(value: str, salt: int) -> str:
    if value.strip() == "":
        return repr(float(salt))
    return repr(round(float(value) * 1.01 + salt, 4))


def write_slices(
    out: Path, *, base: int = 60_000, revise: int = 10_000, new: int = 200_000, change: int = 20_000
) -> Slices:
    rows: list[list[str]] = []
    with gzip.open(DUMP, "rt", encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        for row in reader:
            rows.append(row)
            if len(rows) >= base + new:
                break
    value = header.index("value")

    def write(name: str, part: Sequence[list[str]], every: int = 0, salt: int = 0) -> Path:
        path = out / name
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            for i, row in enumerate(part):
                if every and i % every == 0:
                    row = [*row[:value], _changed(row[value], salt), *row[value + 1 :]]
                writer.writerow(row)
        return path

    return Slices(
        base=write("base.csv", rows[:base]),
        revise=write("revise.csv", rows[:revise], every=5, salt=1),
        new=write("new.csv", rows[base : base + new]),
        change=write("change.csv", rows[revise : revise + change], every=3, salt=2),
        kept_from=revise + change,
        base_rows=[(r[0], r[1], int(r[2]), r[3]) for r in rows[:base]],
    )


# -- state ------------------------------------------------------------------------------------------


def one(store: Store, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...]:
    return tuple(store.db.query(sql, list(params))[0])


def _sums(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """Floats to 10 significant digits: a sum's last bits depend on the order it was added in."""
    return tuple(f"{v:.10g}" if isinstance(v, float) else v for v in row)


def fingerprint(store: Store) -> dict[str, Any]:
    """What an import leaves behind, without ids and times (two equal runs give equal prints)."""
    return {
        "observation": _sums(
            one(
                store,
                "SELECT count(*), count(value), count(status), sum(value), count(DISTINCT kpi), "
                "count(DISTINCT source) FROM observation",
            )
        ),
        "revision": _sums(one(store, "SELECT count(*), count(value), sum(value) FROM observation_revision")),
        "batches": sorted(
            tuple(r)
            for r in store.db.query(
                "SELECT kind, source, coalesce(file_name, ''), coalesce(sha256, ''), rows_total, rows_new, "
                "rows_changed, rows_unchanged FROM import_batch"
            )
        ),
        "schema": schema_of(store),
    }


def schema_of(store: Store) -> tuple[Any, ...]:
    """The applied migrations, the tables, and (PostgreSQL) the observation table's primary key."""
    versions = tuple(sorted(int(r[0]) for r in store.db.query("SELECT version FROM schema_migration")))
    if store.dialect == "postgres":
        tables = store.db.query(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        )
        pkey = store.db.query(
            "SELECT count(*) FROM pg_constraint WHERE conrelid = 'observation'::regclass AND contype = 'p'"
        )[0][0]
    else:
        tables = store.db.query(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' AND table_type = 'BASE TABLE'"
        )
        pkey = None
    return versions, tuple(sorted(str(r[0]) for r in tables)), pkey


def rows_of(store: Store, keys: set[tuple[str, str, int, str]], kpis: Sequence[str]) -> list[tuple[Any, ...]]:
    """The full observation rows (ids and times included) of `keys`, read by their KPIs."""
    found = store.db.query(
        "SELECT kpi, area, period, gender, value, status, count, source, batch_id, imported_at "
        "FROM observation WHERE kpi = ANY(?)",
        [list(kpis)],
    )
    return sorted(tuple(r) for r in found if (r[0], r[1], int(r[2]), r[3]) in keys)


def revisions(store: Store) -> list[tuple[Any, ...]]:
    return sorted(
        tuple(r)
        for r in store.db.query(
            "SELECT kpi, area, period, gender, value, status, count, source, batch_id, imported_at, "
            "replaced_at, replaced_by FROM observation_revision"
        )
    )


# -- killing ----------------------------------------------------------------------------------------


@dataclass
class Outcome:
    killed: bool  # SIGKILL arrived before the process ended by itself
    returncode: int
    seconds: float
    stderr: str


def run_killed(args: Sequence[str], after: float | None, *, timeout: float = 300) -> Outcome:
    """Run `args`; SIGKILL it (and its process group) `after` seconds in, unless it ended before.

    With `after=None` the process runs to the end. Its temporary files (a sync's pages, an
    import's named pipe) go to a directory of their own, removed afterwards: a killed process
    cannot remove them itself.
    """
    started = time.perf_counter()
    scratch = Path(tempfile.mkdtemp(prefix="jamfor-crash-"))
    with (
        open(os.devnull, "wb") as sink,
        subprocess.Popen(
            list(args),
            stdout=sink,
            stderr=subprocess.PIPE,
            env={**env(), "TMPDIR": str(scratch)},
            start_new_session=True,
        ) as proc,
    ):
        killed = False
        try:
            _, err = proc.communicate(timeout=timeout if after is None else after)
        except subprocess.TimeoutExpired:
            if after is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                raise
            os.killpg(proc.pid, signal.SIGKILL)
            killed = True
            _, err = proc.communicate()
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        return Outcome(killed, proc.returncode, time.perf_counter() - started, err.decode(errors="replace"))


def describe(moments: Sequence[tuple[float, str]]) -> str:
    """'0.84 s→before, 1.90 s→after, …' for a test's log."""
    return ", ".join(f"{at:.2f} s→{state}" for at, state in moments)


def record(test: str, line: str) -> None:
    """Print a test's figures and, with $JAMFOR_CRASH_LOG set, append them to that file."""
    text = f"{time.strftime('%Y-%m-%d %H:%M:%S')} {test}: {line}"
    print("\n" + text)
    log = os.environ.get("JAMFOR_CRASH_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(text + "\n")
