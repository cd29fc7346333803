"""Benchmark: similar-municipality lists for all 290 municipalities on the full Kolada dump (DuckDB).

Per bundled profile, one timed run is: read the profile's values from the store (one query),
build the matrix, standardise, and compute the N = 7 nearest with each measure's contribution
for every municipality (`similar_lists`). Target (issue #8): all 290 lists in < 5 s in total,
reading included. The median of --runs runs is reported; before timing, the script checks that
the all-at-once lists equal single `similar_to` calls for a few municipalities.

    .venv/bin/python bench/similar.py                               # builds a temporary store (~15 s)
    .venv/bin/python bench/similar.py --database /tmp/full.duckdb   # reuse (or build and keep) a store
    .venv/bin/python bench/similar.py --no-write --runs 5
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from jamfor.compute.similar import similar_lists, similar_to  # noqa: E402
from jamfor.reports.similar import bundled_profiles, profile_matrix  # noqa: E402
from jamfor.store import Store  # noqa: E402

DUMP = REPO.parent / "shared" / "data" / "kolada" / "kolada_values_2024-08_long.csv.gz"
DOC = REPO / "docs" / "benchmarks.md"
START, END = "<!-- bench:similar:start -->", "<!-- bench:similar:end -->"
TARGET_S = 5.0
CHECK = ("1440", "0180", "2584")  # Ale, Stockholm, Kiruna


def open_store(path: Path | None, keep: list[tempfile.TemporaryDirectory[str]]) -> Store:
    """The store at `path` if it holds the dump, else a new one built there (or in a temp dir)."""
    if path is not None and path.exists():
        store = Store.open(str(path))
        store.migrate()
        if store.stats().observations > 7_000_000:
            return store
        store.close()
        raise SystemExit(f"{path} exists but does not hold the full dump; remove it or give another path")
    if path is None:
        tmp = tempfile.TemporaryDirectory(prefix="jamfor-bench-similar-")
        keep.append(tmp)
        path = Path(tmp.name) / "full.duckdb"
    from jamfor.sources.files import import_file
    from jamfor.sources.reference import load_reference

    print(f"building {path} from {DUMP.name} …", flush=True)
    store = Store.open(str(path))
    store.migrate()
    load_reference(store)
    import_file(store, DUMP, source="Kolada")
    store.close()
    return Store.open(str(path))


def one_run(store: Store, profile_id: str) -> tuple[float, float, int]:
    """(seconds reading + building the matrix, seconds computing all lists, lists computed)."""
    loaded = bundled_profiles()[profile_id]
    t0 = time.perf_counter()
    matrix = profile_matrix(store, loaded)
    t1 = time.perf_counter()
    lists = similar_lists(matrix, loaded.profile.weights, min_coverage=loaded.profile.min_coverage)
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, sum(1 for found in lists.values() if found.neighbours)


def check(store: Store, profile_id: str) -> None:
    loaded = bundled_profiles()[profile_id]
    matrix = profile_matrix(store, loaded)
    every = similar_lists(matrix, loaded.profile.weights, min_coverage=loaded.profile.min_coverage)
    for focus in CHECK:
        single = similar_to(focus, matrix, loaded.profile.weights, min_coverage=loaded.profile.min_coverage)
        assert every[focus] == single, (profile_id, focus)


def write_doc(section: str) -> None:
    text = DOC.read_text(encoding="utf-8")  # read right before writing: others own other sections
    block = f"{START}\n{section.rstrip()}\n{END}"
    if START in text and END in text:
        text = re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    DOC.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", type=Path, help="a DuckDB file with the full dump (built if missing)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--no-write", action="store_true", help=f"do not update {DOC.name}")
    args = parser.parse_args()
    keep: list[tempfile.TemporaryDirectory[str]] = []
    store = open_store(args.database, keep)
    observations = store.stats().observations
    rows = []
    for profile_id, loaded in bundled_profiles().items():
        check(store, profile_id)
        one_run(store, profile_id)  # warm-up
        reads, computes, totals = [], [], []
        lists = 0
        for _ in range(args.runs):
            read, compute, lists = one_run(store, profile_id)
            reads.append(read)
            computes.append(compute)
            totals.append(read + compute)
        total = statistics.median(totals)
        rows.append(
            f"| {profile_id} ({len(loaded.profile.measures)} measures, {len(loaded.profile.kpi_ids)} KPIs) "
            f"| {lists} | {statistics.median(reads) * 1000:.0f} ms | {statistics.median(computes) * 1000:.0f} ms "
            f"| {total * 1000:.0f} ms | {'met' if total < TARGET_S else 'missed'} |"
        )
        print(rows[-1], flush=True)
    store.close()
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = "\n".join(
        [
            "## Similar municipalities (full dump, DuckDB)",
            "",
            f"Run {now} on {platform.machine()}, Python {platform.python_version()}, {observations:,} observations; "
            f"`.venv/bin/python bench/similar.py --database /tmp/full.duckdb` (--runs {args.runs}, median). "
            "One run per profile = one query for the profile's values, the matrix, the z-scores, and the 7 "
            "nearest with per-measure contributions for every municipality (`similar_lists`, numpy). "
            f"Target: all 290 lists < {TARGET_S:.0f} s including the read. Checked before timing: the all-at-once "
            f"lists equal single `similar_to` calls for {', '.join(CHECK)}.",
            "",
            "| profile | lists | read + matrix | all lists | total | target < 5 s |",
            "|---|---:|---:|---:|---:|---|",
            *rows,
        ]
    )
    print(section)
    if not args.no_write:
        write_doc(section)


if __name__ == "__main__":
    main()
