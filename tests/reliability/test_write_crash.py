"""SIGKILL of `jamfor serve` while an editor's script writes values through `PUT /api/v1/values`:
after each kill every value change has its audit event and every audit event its change, no
write batch is half in, and every write the server acknowledged is there. Both backends.

One store per backend takes every round: the server is started, a client thread sends
batches of four changes (random values, 20 keys of one municipality) as fast as the server
answers, and the server is killed with SIGKILL at a seeded random moment
($JAMFOR_CRASH_ROUNDS rounds, default 3). The checks hold for the whole history, so each round
also re-checks the rounds before it.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from jamfor.sources.fake_kolada import free_port
from jamfor.store import Store
from jamfor.store.accounts import add_user, create_token
from tests.conftest import BACKENDS
from tests.reliability import support
from tests.reliability.support import JAMFOR

AREA = "1081"  # Ronneby: the editor's municipality
PERIODS = (2020, 2021, 2022, 2023)
PER_WRITE = 4


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    made = support.Stores(str(request.param), tmp_path)
    try:
        url = made.new()
        support.init_store(url)
        yield url
    finally:
        made.close()


def _setup(url: str) -> tuple[str, list[tuple[str, str, int, str]]]:
    """An editor of AREA with an API token; the keys the script writes."""
    with Store.open(url) as store:
        add_user(store, "skrivare", "ett långt lösenord 42", role="editor", areas=[AREA])
        token = create_token(store, "skrivare", "crash test")
        kpis = sorted(k.id for k in store.kpis() if k.origin == "kolada")[:5]
    return token, [(k, AREA, p, "T") for k in kpis for p in PERIODS]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Any]:
    """Starts `jamfor serve` on a store; returns (process, base URL). Kills what is left at the end."""
    started: list[subprocess.Popen[bytes]] = []

    def start(url: str) -> tuple[subprocess.Popen[bytes], str]:
        port = free_port()
        log = (tmp_path / f"serve-{port}.log").open("wb")
        proc = subprocess.Popen(
            [*JAMFOR, "--database", url, "serve", "--port", str(port), "--writable", "--cache-mb", "0"],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=support.env(),
            start_new_session=True,
        )
        log.close()
        started.append(proc)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/api/v1/stats", timeout=2).status_code == 200:
                    return proc, base
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError((tmp_path / f"serve-{port}.log").read_text(errors="replace"))
            time.sleep(0.1)

    yield start
    for proc in started:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


class Writer(threading.Thread):
    """Sends write after write until the server stops answering; keeps what was acknowledged."""

    def __init__(
        self, base: str, token: str, keys: list[tuple[str, str, int, str]], rng: random.Random
    ) -> None:
        super().__init__(daemon=True)
        self.base, self.token, self.keys, self.rng = base, token, keys, rng
        self.acknowledged: list[int] = []  # batch ids of answered writes
        self.failure: str | None = None

    def run(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(timeout=10) as client:
            while True:
                body = [
                    {
                        "kpi": k,
                        "area": a,
                        "period": p,
                        "gender": g,
                        "value": round(self.rng.uniform(0, 1000), 2),
                    }
                    for k, a, p, g in self.rng.sample(self.keys, PER_WRITE)
                ]
                try:
                    answer = client.put(self.base + "/api/v1/values", json=body, headers=headers)
                except httpx.HTTPError:
                    return  # the server is gone
                if answer.status_code != 200:
                    self.failure = f"{answer.status_code}: {answer.text[:300]}"
                    return
                self.acknowledged.append(int(answer.json()["batch_id"]))


def _check(store: Store, keys: list[tuple[str, str, int, str]], acknowledged: list[int]) -> int:
    """The audit trail and the values agree, batch by batch and key by key; returns the batches."""
    names = {f"{k}/{a}/{p}/{g}": (k, a, p, g) for k, a, p, g in keys}
    events: dict[str, list[tuple[str | None, str | None]]] = {name: [] for name in names}
    for key, old, new in store.db.query(
        "SELECT entity_key, old_value, new_value FROM audit_event WHERE action = 'set-value' ORDER BY id"
    ):
        assert key in names, f"an audit event of a value nobody wrote: {key}"
        events[key].append((old, new))
    current = {
        (r[0], r[1], int(r[2]), r[3]): r[4]
        for r in store.db.query(
            "SELECT kpi, area, period, gender, value FROM observation WHERE area = ?", [AREA]
        )
    }
    revised: dict[tuple[str, str, int, str], list[float]] = {}
    for r in store.db.query(
        "SELECT kpi, area, period, gender, value FROM observation_revision WHERE area = ? ORDER BY replaced_by",
        [AREA],
    ):
        revised.setdefault((r[0], r[1], int(r[2]), r[3]), []).append(r[4])
    for name, key in names.items():
        chain = events[name]
        if not chain:
            assert key not in current and key not in revised, f"{name} changed without an audit event"
            continue
        # The chain of events: from nothing, each one's new value the next one's old value, the
        # last one's the stored value; every value but the last kept as a revision, in order.
        assert chain[0][0] is None, f"{name}: the first event has an old value"
        assert all(chain[i][1] == chain[i + 1][0] for i in range(len(chain) - 1)), f"{name}: a broken chain"
        assert key in current and repr(current[key]) == chain[-1][1], f"{name}: an event without its change"
        assert [repr(v) for v in revised.get(key, [])] == [new for _, new in chain[:-1]], f"{name}: revisions"
    # Batch by batch: each write batch's changes are all there (in values or revisions), never part.
    batches = store.db.query(
        "SELECT id, rows_new, rows_changed, rows_total FROM import_batch WHERE kind = 'entry-api'"
    )
    ids = {int(b[0]) for b in batches}
    written = {
        int(r[0]): int(r[1])
        for r in store.db.query(
            "SELECT batch_id, count(*) FROM (SELECT batch_id FROM observation WHERE area = ? "
            "UNION ALL SELECT batch_id FROM observation_revision WHERE area = ?) w GROUP BY batch_id",
            [AREA, AREA],
        )
    }
    replaced = {
        int(r[0]): int(r[1])
        for r in store.db.query(
            "SELECT replaced_by, count(*) FROM observation_revision WHERE area = ? GROUP BY replaced_by",
            [AREA],
        )
    }
    assert set(written) == ids and set(replaced) <= ids, "a value of a batch that is not recorded"
    for batch_id, new, changed, total in batches:
        assert total == PER_WRITE and written[int(batch_id)] == new + changed == PER_WRITE
        assert replaced.get(int(batch_id), 0) == changed
    assert sum(len(c) for c in events.values()) == PER_WRITE * len(ids)
    assert set(acknowledged) <= ids, "an acknowledged write is missing"
    return len(ids)


def test_sigkill_during_api_writes(store_url: str, server: Any) -> None:
    token, keys = _setup(store_url)
    backend = "postgres" if store_url.startswith("postgresql") else "duckdb"
    rng = support.seeded(f"write-{backend}")
    acknowledged: list[int] = []
    moments: list[tuple[float, str]] = []
    for _ in range(support.rounds()):
        proc, base = server(store_url)
        writer = Writer(base, token, keys, random.Random(rng.random()))
        at = rng.uniform(0.3, 3.0)
        writer.start()
        time.sleep(at)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        writer.join(timeout=30)
        assert not writer.is_alive() and writer.failure is None, writer.failure
        acknowledged += writer.acknowledged
        with Store.open(store_url) as store:
            batches = _check(store, keys, acknowledged)
        moments.append((at, f"{len(writer.acknowledged)} acknowledged, {batches} batches in all"))
    # A last server takes writes again and stops cleanly.
    proc, base = server(store_url)
    writer = Writer(base, token, keys, random.Random(1))
    writer.start()
    time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)
    writer.join(timeout=30)
    assert writer.failure is None and writer.acknowledged
    with Store.open(store_url) as store:
        _check(store, keys, acknowledged + writer.acknowledged)
    support.record(f"write-{backend}", f"kills: {support.describe(moments)}")
