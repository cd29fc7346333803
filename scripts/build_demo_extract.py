"""Build the bundled demo extract of real Kolada values for the curated KKiK KPIs.

Reads the long-format Kolada dump (open-numbers ddf--kolada--dump, v2 API, 2024-08-30) and
writes every row of the KPIs in ``src/jamfor/data/kpi_curation.csv`` for the years 2010-2022,
all areas and all genders, as a gzip CSV that is byte-for-byte reproducible.

Usage (from the repository root, with any Python that has duckdb)::

    python scripts/build_demo_extract.py
    python scripts/build_demo_extract.py --source PATH.csv.gz --out PATH.csv.gz
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import sys
from pathlib import Path

import duckdb

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = Path("../shared/data/kolada/kolada_values_2024-08_long.csv.gz")
DEFAULT_OUT = Path("src/jamfor/data/demo/kolada_kkik_2010-2022.csv.gz")
DEFAULT_CURATION = Path("src/jamfor/data/kpi_curation.csv")
COLUMNS = ("kpi", "municipality", "period", "gender", "value")
FIRST_YEAR = 2010
LAST_YEAR = 2022


def resolve(path: Path) -> Path:
    """Relative paths are taken from the repository root, so the script runs from anywhere."""
    return path if path.is_absolute() else (REPO_ROOT / path)


def curated_kpis(curation: Path) -> list[str]:
    with curation.open(newline="", encoding="utf-8") as f:
        return sorted({row["kpi"] for row in csv.DictReader(f)})


def select_rows(source: Path, kpis: list[str], first_year: int, last_year: int) -> list[tuple[str, ...]]:
    con = duckdb.connect()
    con.execute("CREATE TEMP TABLE wanted (kpi VARCHAR)")
    con.executemany("INSERT INTO wanted VALUES (?)", [(k,) for k in kpis])
    # all_varchar keeps ids with leading zeros and the value strings exactly as in the source.
    return con.execute(
        """
        SELECT d.kpi, d.municipality, d.period, d.gender, d.value
        FROM read_csv(?, header = true, all_varchar = true) AS d
        JOIN wanted USING (kpi)
        WHERE CAST(d.period AS INTEGER) BETWEEN ? AND ?
        ORDER BY d.kpi, d.municipality, d.period,
                 CASE d.gender WHEN 'T' THEN 0 WHEN 'K' THEN 1 WHEN 'M' THEN 2 ELSE 3 END,
                 d.gender
        """,
        [str(source), first_year, last_year],
    ).fetchall()


def write_gzip_csv(out: Path, rows: list[tuple[str, ...]]) -> None:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    out.parent.mkdir(parents=True, exist_ok=True)
    # mtime=0 and an empty embedded file name make rebuilds byte-identical.
    with (
        out.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz,
    ):
        gz.write(text.getvalue().encode("utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--source",
        type=Path,
        default=DEFAULT_SOURCE,
        help=f"long-format Kolada dump (default: {DEFAULT_SOURCE})",
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"gzip CSV to write (default: {DEFAULT_OUT})"
    )
    parser.add_argument(
        "--curation",
        type=Path,
        default=DEFAULT_CURATION,
        help=f"curated KPI list (default: {DEFAULT_CURATION})",
    )
    parser.add_argument("--first-year", type=int, default=FIRST_YEAR)
    parser.add_argument("--last-year", type=int, default=LAST_YEAR)
    args = parser.parse_args(argv)

    source, out, curation = resolve(args.source), resolve(args.out), resolve(args.curation)
    if not source.is_file():
        print(f"source file not found: {source}", file=sys.stderr)
        return 1
    kpis = curated_kpis(curation)
    rows = select_rows(source, kpis, args.first_year, args.last_year)
    write_gzip_csv(out, rows)
    found = sorted({r[0] for r in rows})
    missing = [k for k in kpis if k not in set(found)]
    print(f"wrote {out}")
    print(
        f"{len(rows)} rows, {len(found)} KPIs "
        f"({len(kpis)} curated, {len(missing)} with no values in "
        f"{args.first_year}-{args.last_year}), {out.stat().st_size} bytes"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
