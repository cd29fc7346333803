"""Benchmark and proof: export → restore round trips on the full Kolada dump (7.4M values),
DuckDB → PostgreSQL and PostgreSQL → DuckDB, exact row for row.

Steps, timed:

1. build a DuckDB store with the reference data and the full dump (not timed as part of the
   transfer; reused with --database);
2. export it (DuckDB → Parquet);
3. restore that export into a fresh PostgreSQL schema, export it again, and compare the two
   exports table by table (EXCEPT ALL both ways);
4. restore the PostgreSQL export into a fresh DuckDB file, export again, compare with the first.

The figures go into `docs/benchmarks.md` between the transfer markers.

    .venv/bin/python bench/transfer.py
    .venv/bin/python bench/transfer.py --database /tmp/full.duckdb --no-write
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DUMP = REPO.parent / "shared" / "data" / "kolada" / "kolada_values_2024-08_long.csv.gz"
DOC = REPO / "docs" / "benchmarks.md"
START, END = "<!-- bench:transfer:start -->", "<!-- bench:transfer:end -->"
POSTGRES = os.environ.get("JAMFOR_TEST_POSTGRES", "postgresql://127.0.0.1:5432/test")

sys.path.insert(0, str(REPO / "src"))

from jamfor.sources.files import import_file  # noqa: E402
from jamfor.sources.reference import load_reference  # noqa: E402
from jamfor.store import Store  # noqa: E402
from jamfor.store.transfer import compare_exports, export_store, restore_store  # noqa: E402


def _pg_url(schema: str) -> str:
    return f"{POSTGRES}{'&' if '?' in POSTGRES else '?'}schema={schema}"


def _drop(schema: str) -> None:
    import psycopg

    from jamfor.store.backend import split_schema

    conninfo, _ = split_schema(POSTGRES)
    with psycopg.connect(conninfo, autocommit=True) as con:
        con.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.iterdir())


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", type=Path, help="a DuckDB file with the full dump (built if missing)")
    parser.add_argument("--no-write", action="store_true", help=f"do not update {DOC.relative_to(REPO)}")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="jamfor-transfer-"))
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    rows: list[tuple[str, float, str]] = []
    try:
        source_path = args.database or work / "full.duckdb"
        if not source_path.exists():
            t = time.perf_counter()
            with Store.open(str(source_path)) as store:
                store.migrate()
                load_reference(store)
                import_file(store, DUMP, source="Kolada")
            print(f"built {source_path} in {time.perf_counter() - t:.1f} s", flush=True)
        with Store.open(str(source_path), read_only=True) as store:
            observations = store.stats().observations
            t = time.perf_counter()
            first = export_store(store, work / "from-duckdb")
            rows.append(
                (
                    "export DuckDB → Parquet",
                    time.perf_counter() - t,
                    f"{first.rows:,} rows, {_size(first.directory) / 1e6:.0f} MB",
                )
            )
        print(rows[-1], flush=True)
        with Store.open(_pg_url(schema)) as pg:
            t = time.perf_counter()
            restored = restore_store(pg, work / "from-duckdb")
            rows.append(("restore into PostgreSQL", time.perf_counter() - t, f"{restored.rows:,} rows"))
            print(rows[-1], flush=True)
            t = time.perf_counter()
            export_store(pg, work / "from-postgres")
            rows.append(("export PostgreSQL → Parquet", time.perf_counter() - t, ""))
            print(rows[-1], flush=True)
        t = time.perf_counter()
        problems = compare_exports(work / "from-duckdb", work / "from-postgres")
        rows.append(
            (
                "compare DuckDB's and PostgreSQL's exports",
                time.perf_counter() - t,
                "identical" if not problems else "; ".join(problems),
            )
        )
        print(rows[-1], flush=True)
        with Store.open(str(work / "restored.duckdb")) as duck:
            t = time.perf_counter()
            restore_store(duck, work / "from-postgres")
            rows.append(("restore PostgreSQL's export into DuckDB", time.perf_counter() - t, ""))
            print(rows[-1], flush=True)
            export_store(duck, work / "again")
        t = time.perf_counter()
        problems_back = compare_exports(work / "from-duckdb", work / "again")
        rows.append(
            (
                "compare with the first export",
                time.perf_counter() - t,
                "identical" if not problems_back else "; ".join(problems_back),
            )
        )
        print(rows[-1], flush=True)
    finally:
        _drop(schema)
        shutil.rmtree(work, ignore_errors=True)
    exact = not problems and not problems_back
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines = [
        START,
        "## Export and restore of the full dump (`bench/transfer.py`)",
        "",
        f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, Python {platform.python_version()}, "
        f"{observations:,} observations plus the catalogue, areas and groups; `.venv/bin/python bench/transfer.py`. "
        "One run each (a transfer is an operator's action, not a hot path); peak RSS of the process "
        f"{peak:,.0f} MiB. PostgreSQL on the same machine.",
        "",
        "| step | time | note |",
        "|---|---:|---|",
        *[f"| {name} | {seconds:.1f} s | {note} |" for name, seconds, note in rows],
        "",
        f"Round trips exact in both directions: **{'yes' if exact else 'NO'}**.",
        END,
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        doc = DOC.read_text(encoding="utf-8")
        if START in doc and END in doc:
            doc = doc[: doc.index(START)] + text + doc[doc.index(END) + len(END) :]
        else:
            doc = doc.rstrip("\n") + "\n\n" + text + "\n"
        DOC.write_text(doc, encoding="utf-8")
    return 0 if exact else 1


if __name__ == "__main__":
    raise SystemExit(main())
