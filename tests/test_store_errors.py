"""Database failures during an import become one clear error, and nothing is written."""

from __future__ import annotations

from pathlib import Path

import duckdb
import psycopg
import pytest

from jamfor.errors import DatabaseError
from jamfor.sources.files import import_file
from jamfor.store import Store, ingest


def test_database_failure_mid_import_is_reported_and_rolled_back(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = tmp_path / "good.csv"
    good.write_text("kpi,municipality,period,gender,value\nN00938,1081,2017,T,10.5\n")
    before = store.stats()
    real_load = ingest.load

    def failing_load(*args: object, **kwargs: object) -> ingest.MergeCounts:
        real_load(*args, **kwargs)  # type: ignore[arg-type]
        error = duckdb.IOException if store.dialect == "duckdb" else psycopg.OperationalError
        raise error("disk full (simulated)")

    monkeypatch.setattr(ingest, "load", failing_load)
    with pytest.raises(
        DatabaseError, match=r"good.csv: the database refused the import and nothing was written"
    ):
        import_file(store, good)
    assert store.stats() == before
    assert store.observation("N00938", "1081", 2017) is None
    assert store.batches() == []
