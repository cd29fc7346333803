"""SIGKILL during `jamfor sync kolada` against the fake Kolada: each sync batch wholly in or
wholly out and recorded as done exactly when it is in, nothing earlier lost, and the rerun
resumes and ends equal to an uninterrupted sync. Both backends for the synced store.

The fake Kolada serves the real dump's first 75 KPIs for 2022 (about 30,000 values; the
sync fetches them as three batches of 25 KPIs). Before the sync the store holds an older
version of the first batch (every fourth value different, so the sync writes revisions) and
values of 25 other KPIs under another source that the sync must not touch.
"""

from __future__ import annotations

import csv
import gzip
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from jamfor.sources.fake_kolada import build_fake_store, fake_kolada_app, serve_in_thread
from jamfor.sources.files import import_file
from jamfor.sources.sync import SyncScope, plan_batches
from jamfor.store import Store
from tests.conftest import BACKENDS
from tests.reliability import support
from tests.reliability.support import JAMFOR

pytestmark = pytest.mark.skipif(not support.DUMP.is_file(), reason="the Kolada dump is not in shared/data")

YEARS = {"2022"}
SYNCED = 75  # the first KPIs of the dump: served and synced
OTHER = 25  # the next ones: in the store before, under another source


@dataclass(frozen=True)
class Data:
    served: Path  # what the fake Kolada serves
    older: Path  # the first batch's KPIs as they were (every 4th value differs)
    earlier: Path  # the other KPIs, imported with source "Egen"
    kpis: tuple[str, ...]  # the synced KPIs
    other: tuple[str, ...]


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Data:
    out = tmp_path_factory.mktemp("sync-data")
    kpis: list[str] = []
    rows: dict[str, list[list[str]]] = {}
    with gzip.open(support.DUMP, "rt", encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        for row in reader:
            if not kpis or row[0] != kpis[-1]:
                if len(kpis) == SYNCED + OTHER:
                    break
                kpis.append(row[0])
            if row[2] in YEARS:
                rows.setdefault(row[0], []).append(row)

    def write(name: str, ids: list[str], every: int = 0) -> Path:
        path = out / name
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            for i, row in enumerate(r for k in ids for r in rows.get(k, [])):
                if every and i % every == 0:
                    old = float(row[4]) * 0.9 - 1 if row[4].strip() else 1.0
                    row = [*row[:4], repr(round(old, 4)), *row[5:]]
                writer.writerow(row)
        return path

    synced, other = kpis[:SYNCED], kpis[SYNCED:]
    return Data(
        served=write("served.csv", synced),
        older=write("older.csv", synced[:25], every=4),
        earlier=write("earlier.csv", other),
        kpis=tuple(synced),
        other=tuple(other),
    )


@pytest.fixture(scope="module")
def kolada(data: Data, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The fake Kolada's base URL, served from this process for the module."""
    url = build_fake_store(tmp_path_factory.mktemp("fake-kolada") / "kolada.duckdb", values=data.served)
    with serve_in_thread(fake_kolada_app(url)) as live:
        yield live.kolada_url


@pytest.fixture(params=BACKENDS)
def stores(request: pytest.FixtureRequest, data: Data, tmp_path: Path) -> Iterator[support.Stores]:
    def build(url: str) -> None:
        support.init_store(url)
        with Store.open(url) as store:
            import_file(store, data.older)
            import_file(store, data.earlier, source="Egen")

    made = support.Stores(str(request.param), tmp_path)
    try:
        made.prepare(build)
        yield made
    finally:
        made.close()


COLUMNS = "kpi, area, period, gender, value, status, count"


def _values(store: Store, kpis: tuple[str, ...]) -> list[tuple[Any, ...]]:
    rows = store.db.query(f"SELECT {COLUMNS} FROM observation WHERE kpi = ANY(?)", [list(kpis)])
    return sorted(tuple(r) for r in rows)


def _revisions(store: Store, kpis: tuple[str, ...]) -> list[tuple[Any, ...]]:
    rows = store.db.query(f"SELECT {COLUMNS} FROM observation_revision WHERE kpi = ANY(?)", [list(kpis)])
    return sorted(tuple(r) for r in rows)


def _full(store: Store, kpis: tuple[str, ...]) -> list[tuple[Any, ...]]:
    """Rows with their batch ids and times: what must not change at all."""
    rows = store.db.query(
        "SELECT kpi, area, period, gender, value, status, count, source, batch_id, imported_at "
        "FROM observation WHERE kpi = ANY(?)",
        [list(kpis)],
    )
    return sorted(tuple(r) for r in rows)


def _cli(url: str, kolada: str, kpis: tuple[str, ...]) -> list[str]:
    return [
        *JAMFOR,
        "--database",
        url,
        "sync",
        "kolada",
        "--kpi",
        ",".join(kpis),
        "--base-url",
        kolada,
        "--rate",
        "0",
        "--attempts",
        "2",
        "--timeout",
        "20",
    ]


def _sync_state(store: Store) -> tuple[list[tuple[Any, ...]], dict[str, Any]]:
    """The runs (id, status), and the batches the last run finished with their import batch ids."""
    runs = [tuple(r) for r in store.db.query("SELECT id, status FROM sync_run ORDER BY id")]
    done = {
        str(r[0]): r[1]
        for r in store.db.query(
            "SELECT batch_key, import_batch_id FROM sync_batch WHERE run_id = (SELECT max(id) FROM sync_run)"
        )
    }
    return runs, done


def test_sigkill_during_sync(stores: support.Stores, data: Data, kolada: str) -> None:
    batches = [(b.key, b.kpis or ()) for b in plan_batches(SyncScope(kpis=data.kpis))]
    assert len(batches) == 3

    # Before and after an uninterrupted sync, batch by batch.
    url = stores.new()
    with Store.open(url) as store:
        before = {key: (_values(store, kpis), _revisions(store, kpis)) for key, kpis in batches}
        earlier = _full(store, data.other)
    whole = support.run_killed(_cli(url, kolada, data.kpis), None)
    assert whole.returncode == 0, whole.stderr
    with Store.open(url) as store:
        after = {key: (_values(store, kpis), _revisions(store, kpis)) for key, kpis in batches}
        runs, done = _sync_state(store)
        assert [status for _, status in runs] == ["finished"] and set(done) == {k for k, _ in batches}
        assert _full(store, data.other) == earlier
    assert all(before[key] != after[key] for key, _ in batches)
    assert after[batches[0][0]][1], "the first batch revises values"
    startup = support.startup_seconds()

    rng = support.seeded(f"sync-{stores.backend}")
    moments: list[tuple[float, str]] = []
    for _ in range(support.rounds()):
        url = stores.new()
        at = startup + rng.uniform(0, 1.05) * max(whole.seconds - startup, 0.1)
        outcome = support.run_killed(_cli(url, kolada, data.kpis), at)
        if not outcome.killed:
            assert outcome.returncode == 0, outcome.stderr
        with Store.open(url) as store:
            stopped, done = _sync_state(store)
            assert len(stopped) <= 1
            batch_ids = {
                int(r[0]) for r in store.db.query("SELECT id FROM import_batch WHERE kind = 'kolada-sync'")
            }
            assert {int(v) for v in done.values() if v is not None} == batch_ids
            for key, kpis in batches:
                state = (_values(store, kpis), _revisions(store, kpis))
                if key in done:
                    assert state == after[key], (
                        f"killed at {at:.2f} s: batch {key[:30]}… recorded done, not in"
                    )
                else:
                    assert state == before[key], f"killed at {at:.2f} s: batch {key[:30]}… half in"
            assert _full(store, data.other) == earlier
            moments.append((at, f"{len(done)}/3 batches" + ("" if outcome.killed else " (ended)")))
        rerun = support.run_killed(_cli(url, kolada, data.kpis), None)
        assert rerun.returncode == 0, rerun.stderr
        with Store.open(url) as store:
            runs, finished = _sync_state(store)
            assert runs and runs[-1][1] == "finished"
            assert set(finished) == {k for k, _ in batches}
            if stopped and stopped[-1][1] != "finished":
                assert runs == [(stopped[-1][0], "finished")], "the rerun resumes the stopped run"
                assert {k: v for k, v in finished.items() if k in done} == done, "done batches were redone"
            for key, kpis in batches:
                assert (_values(store, kpis), _revisions(store, kpis)) == after[key]
            assert _full(store, data.other) == earlier
    support.record(
        f"sync-{stores.backend}",
        f"uninterrupted {whole.seconds:.2f} s (start-up {startup:.2f} s); kills: {support.describe(moments)}",
    )
