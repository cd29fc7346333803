"""`jamfor export DIR` and `jamfor restore DIR`: the whole store as Parquet files and back."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def export_command(
    directory: Annotated[Path, typer.Argument(help="A new or empty directory for the Parquet files.")],
) -> None:
    """Write everything (observations with history, catalogue, groups, evaluations, …) as Parquet."""
    from jamfor.cli import _open, err
    from jamfor.store.transfer import export_store

    with _open() as store:
        summary = export_store(store, directory, lambda table, rows: err.print(f"  {table}: {rows:,} rows"))
    err.print(
        f"Exported {summary.rows:,} rows in {len(summary.tables)} tables "
        f"(schema version {summary.schema_version}, {summary.dialect}) to {directory}"
    )


def restore_command(
    directory: Annotated[Path, typer.Argument(help="A directory written by 'jamfor export'.")],
) -> None:
    """Load an export into an empty store (DuckDB or PostgreSQL, whichever the export came from)."""
    from jamfor.cli import _open, err
    from jamfor.store.transfer import restore_store

    with _open(init=True) as store:
        summary = restore_store(store, directory, lambda table, rows: err.print(f"  {table}: {rows:,} rows"))
    err.print(f"Restored {summary.rows:,} rows in {len(summary.tables)} tables from {directory}")


def compare_command(
    first: Annotated[Path, typer.Argument(help="An export directory.")],
    second: Annotated[Path, typer.Argument(help="Another export directory.")],
) -> None:
    """Check that two exports hold exactly the same rows (exit status 1 when they do not)."""
    from jamfor.cli import err, out
    from jamfor.store.transfer import compare_exports

    problems = compare_exports(first, second)
    for problem in problems:
        err.print(problem)
    if problems:
        raise typer.Exit(1)
    out.print("The two exports hold the same rows.")
