"""Concurrent edits on PostgreSQL: `jamfor serve --workers 4` and 50 clients for a minute.

Every client repeatedly reads a value and writes it plus one, telling the site the value it read
(`expected`): 46 clients through `PUT /api/v1/values` with API tokens, 4 through the HTML form
with a session and its CSRF token. They all edit the same 8 real values (the demo extract's 2022
values of four KKiK measures for Ronneby and Karlshamn), so most writes collide. A 409 is a
correct answer (the client reads again and retries); afterwards

- no update is lost: each value's accepted writes form one unbroken chain in the audit trail
  (every event's old value is the previous event's new value, and new = old + 1), the chain
  starts at the starting value and ends at the stored value, and its length is the number of
  writes the clients were told succeeded;
- every accepted change is in the audit trail (per value, with its revision kept);
- no request got a 5xx or failed to connect.

Marked `concurrency` (select it with `-m concurrency`, leave it out with `-m "not concurrency"`);
it runs for JAMFOR_CONCURRENCY_SECONDS (default 60) plus about half a minute of set-up.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from jamfor.sources.reference import import_demo, load_reference
from jamfor.store import Store
from jamfor.store import accounts as A

from ..conftest import _drop_schema, _pg_url

pytestmark = pytest.mark.concurrency

PASSWORD = "correct horse battery staple"
YEAR = 2022
SET = "kkik-2015-2017"
KPIS = ("U23401", "U21401", "U21468", "U07414")  # in the set, with real 2022 values for both
AREAS = ("1081", "1082")  # Ronneby, Karlshamn
KEYS = [(k, a) for k in KPIS for a in AREAS]
CLIENTS = 50
FORM_CLIENTS = 4
PROCESSES = 4


def _seconds() -> float:
    return float(os.environ.get("JAMFOR_CONCURRENCY_SECONDS", "60"))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _jamfor() -> list[str]:
    script = Path(sys.executable).with_name("jamfor")
    if script.exists():
        return [str(script)]
    found = shutil.which("jamfor")
    assert found, "the jamfor command is not installed"
    return [found]


@dataclass
class Server:
    url: str
    database: str
    tokens: list[str]
    start: dict[tuple[str, str], float]


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    """A fresh PostgreSQL schema with the demo data, users and tokens, served by 4 processes."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    url = _pg_url(schema)
    with Store.open(url) as store:
        store.migrate()
        load_reference(store)
        import_demo(store)
        A.add_user(store, "editor1", PASSWORD, role="editor", areas=["Ronneby", "Karlshamn"])
        A.add_user(store, "editor2", PASSWORD, role="editor", areas=["Ronneby", "Karlshamn"])
        tokens = [A.create_token(store, f"editor{1 + i % 2}", f"client {i}") for i in range(CLIENTS)]
        start = {
            (k, a): float(v)
            for k, a, v in store.db.query(
                "SELECT kpi, area, value FROM observation WHERE period = ? AND gender = 'T' AND kpi IN (?, ?, ?, ?) "
                "AND area IN (?, ?)",
                [YEAR, *KPIS, *AREAS],
            )
        }
    assert set(start) == set(KEYS), "the demo extract lacks a value the test edits"
    port = _free_port()
    env = {**os.environ, "JAMFOR_DATABASE": url}
    process = subprocess.Popen(
        [*_jamfor(), "serve", "--workers", str(PROCESSES), "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                raise AssertionError(
                    f"jamfor serve ended: {process.stderr.read().decode() if process.stderr else ''}"
                )
            try:
                if httpx.get(f"{base}/api/v1/meta", timeout=5).status_code < 500:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("jamfor serve did not answer within 90 s")
            time.sleep(0.5)
        yield Server(base, url, tokens, start)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        _drop_schema(schema)


@dataclass
class Tally:
    accepted: Counter[tuple[str, str]] = field(default_factory=Counter)
    conflicts: int = 0
    failures: list[str] = field(default_factory=list)
    form_accepted: int = 0
    form_answers: int = 0  # form posts answered 200 or 409
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, *, key: tuple[str, str] | None = None, conflict: bool = False, form: bool = False) -> None:
        with self.lock:
            if key is not None:
                self.accepted[key] += 1
                self.form_accepted += form
            self.conflicts += conflict
            self.form_answers += form

    def fail(self, text: str) -> None:
        with self.lock:
            self.failures.append(text[:500])


def _api_client(server: Server, token: str, seed: int, until: float, tally: Tally) -> None:
    rng = random.Random(seed)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=60) as client:
        while time.monotonic() < until:
            kpi, area = key = rng.choice(KEYS)
            try:
                read = client.get("/api/v1/values", params={"kpi": kpi, "area": area, "year": YEAR})
                if read.status_code != 200:
                    tally.fail(f"GET {kpi} {area}: {read.status_code} {read.text}")
                    continue
                seen = read.json()["items"][0]["value"]
                body = [{"kpi": kpi, "area": area, "period": YEAR, "value": seen + 1, "expected": seen}]
                answer = client.put("/api/v1/values", json=body)
            except httpx.HTTPError as exc:
                tally.fail(f"{kpi} {area}: {exc!r}")
                continue
            if answer.status_code == 200 and answer.json()["changed"] == 1:
                tally.add(key=key)
            elif answer.status_code == 409:
                tally.add(conflict=True)
            else:
                tally.fail(f"PUT {kpi} {area}: {answer.status_code} {answer.text}")


def _form_client(server: Server, user: str, seed: int, until: float, tally: Tally) -> None:
    rng = random.Random(seed)
    with httpx.Client(base_url=server.url, timeout=60) as client:
        form = client.get("/logga-in")
        token = re.search(r'name="login_csrf" value="([^"]+)"', form.text)
        assert token, form.text
        done = client.post(
            "/logga-in",
            data={"username": user, "password": PASSWORD, "login_csrf": token.group(1), "next": "/konto"},
        )
        if done.status_code != 303:
            tally.fail(f"login {user}: {done.status_code}")
            return
        while time.monotonic() < until:
            kpi, area = key = rng.choice(KEYS)
            try:
                page = client.get(f"/kommun/{area}/rapportera", params={"set": SET, "year": YEAR})
                csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
                expected = re.search(rf'name="e:{kpi}" value="([^"]*)"', page.text)
                if page.status_code != 200 or csrf is None or expected is None:
                    tally.fail(f"form {area}: {page.status_code} {page.text[:300]}")
                    continue
                seen = float(expected.group(1))
                answer = client.post(
                    f"/kommun/{area}/rapportera",
                    data={
                        "csrf": csrf.group(1),
                        "set": SET,
                        "year": str(YEAR),
                        f"v:{kpi}": repr(seen + 1),
                        f"e:{kpi}": expected.group(1),
                    },
                )
            except httpx.HTTPError as exc:
                tally.fail(f"form {kpi} {area}: {exc!r}")
                continue
            if answer.status_code == 200:
                tally.add(key=key, form=True)
            elif answer.status_code == 409:
                tally.add(conflict=True, form=True)
            else:
                tally.fail(f"POST form {kpi} {area}: {answer.status_code} {answer.text[:300]}")


def test_fifty_clients_on_four_processes_lose_no_update(server: Server) -> None:
    seconds = _seconds()
    tally = Tally()
    until = time.monotonic() + seconds
    threads = [
        threading.Thread(target=_api_client, args=(server, server.tokens[i], i, until, tally))
        for i in range(CLIENTS - FORM_CLIENTS)
    ]
    threads += [
        threading.Thread(target=_form_client, args=(server, f"editor{1 + i % 2}", 1000 + i, until, tally))
        for i in range(FORM_CLIENTS)
    ]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began

    assert not tally.failures, f"{len(tally.failures)} failed requests, e.g. {tally.failures[:5]}"
    # Writes got through, the form's too (on a loaded machine a short run may see its few form
    # posts all answered 409: correct, so only that they were answered is required).
    assert sum(tally.accepted.values()) > 0 and tally.form_answers > 0
    with Store.open(server.database) as store:
        for kpi, area in KEYS:
            key = f"{kpi}/{area}/{YEAR}/T"
            events = store.db.query(
                "SELECT old_value, new_value FROM audit_event WHERE entity = 'value' AND entity_key = ? "
                "ORDER BY id",
                [key],
            )
            # Every accepted write is in the trail, and nothing else is.
            assert len(events) == tally.accepted[(kpi, area)], key
            # The chain: starts at the starting value, each write is the previous one plus one.
            previous = repr(server.start[(kpi, area)])
            for old, new in events:
                assert old == previous, f"{key}: a write based on {old} followed {previous} (lost update)"
                assert float(new) == pytest.approx(float(old) + 1, abs=1e-9)
                previous = new
            stored = store.db.query(
                "SELECT value FROM observation WHERE kpi = ? AND area = ? AND period = ? AND gender = 'T'",
                [kpi, area, YEAR],
            )[0][0]
            assert repr(float(stored)) == previous, key
            assert stored == pytest.approx(server.start[(kpi, area)] + len(events), abs=1e-6)
            revisions = store.db.query(
                "SELECT count(*) FROM observation_revision WHERE kpi = ? AND area = ? AND period = ? "
                "AND gender = 'T'",
                [kpi, area, YEAR],
            )[0][0]
            assert revisions >= len(events)  # each change kept the value it replaced
    accepted = sum(tally.accepted.values())
    print(
        f"\n{PROCESSES} processes, {CLIENTS} clients ({FORM_CLIENTS} through the form), {elapsed:.0f} s: "
        f"{accepted} writes accepted ({tally.form_accepted} of {tally.form_answers} answered form posts), "
        f"{tally.conflicts} answered 409, "
        f"{accepted / elapsed:.1f} accepted writes/s; per value: "
        + ", ".join(f"{k}/{a} {n}" for (k, a), n in sorted(tally.accepted.items()))
    )
