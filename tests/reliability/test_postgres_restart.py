"""PostgreSQL going away under a running `jamfor serve`: requests during the outage fail cleanly
(a 5xx with a sentence, within the client's timeout, never a traceback) and succeed again
afterwards without a restart of our server.

Two outages. `test_connections_killed_under_a_running_server` terminates our server's database
sessions (`pg_terminate_backend`, only those of its own database), which leaves every pooled
connection dead as a server restart does, without disturbing anyone else: it runs always.
`test_postgres_restart_under_a_running_server` restarts the machine's PostgreSQL server, which
breaks every other test using it at that moment: it runs only with JAMFOR_PG_RESTART=1 (and
`-m pg_restart` picks it alone). The restart command is $JAMFOR_PG_RESTART_COMMAND, default
`pg_ctlcluster 15 main restart`.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from jamfor.sources.fake_kolada import free_port
from jamfor.sources.reference import import_demo
from jamfor.store import Store
from tests.reliability import support
from tests.reliability.support import JAMFOR

PAGES = ("/api/v1/stats", "/api/v1/areas?type=K", "/kommun/1081")
TIMEOUT = 15.0  # a request that takes longer counts as a hang
RECOVERY = 30.0  # seconds after the restart within which every page must answer again


@dataclass
class Answer:
    at: float  # seconds since the restart began
    page: str
    status: int | None  # None: no answer (timeout or a dropped connection)
    seconds: float
    body: str


@dataclass(frozen=True)
class Served:
    base: str  # our server's address
    database: str  # the PostgreSQL database it serves


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """`jamfor serve` on a fresh PostgreSQL database with the demo extract."""
    stores = support.Stores("postgres", tmp_path)
    proc: subprocess.Popen[bytes] | None = None
    try:
        url = stores.new()
        support.init_store(url)
        with Store.open(url) as store:
            import_demo(store)
        port = free_port()
        log_path = tmp_path / "serve.log"
        with log_path.open("wb") as log:
            proc = subprocess.Popen(
                [
                    *JAMFOR,
                    "--database",
                    url,
                    "serve",
                    "--port",
                    str(port),
                    "--cache-mb",
                    "0",
                    "--connections",
                    "2",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=support.env(),
                start_new_session=True,
            )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + PAGES[0], timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, log_path.read_text(errors="replace")
            time.sleep(0.2)
        yield Served(base, url.rsplit("/", 1)[1].split("?")[0])
        assert proc.poll() is None, "our server stopped: " + log_path.read_text(errors="replace")[-2000:]
    finally:
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        stores.close()


def _ask(client: httpx.Client, base: str, page: str, since: float) -> Answer:
    started = time.perf_counter()
    try:
        answer = client.get(base + page, headers={"Accept-Language": "sv"})
        return Answer(started - since, page, answer.status_code, time.perf_counter() - started, answer.text)
    except httpx.HTTPError as exc:
        return Answer(started - since, page, None, time.perf_counter() - started, repr(exc))


def _outage(served: Served, name: str, disrupt: Callable[[], None]) -> None:
    """Ask for PAGES in a loop while `disrupt()` runs, then until every page answers again."""
    with httpx.Client(timeout=TIMEOUT) as client:
        for page in PAGES:
            assert _ask(client, served.base, page, 0).status == 200, page

        answers: list[Answer] = []
        done = threading.Event()
        began = time.perf_counter()

        def ask_in_loop() -> None:
            with httpx.Client(timeout=TIMEOUT) as during:
                while not done.is_set():
                    for page in PAGES:
                        answers.append(_ask(during, served.base, page, began))
                    time.sleep(0.05)

        asker = threading.Thread(target=ask_in_loop, daemon=True)
        asker.start()
        time.sleep(0.5)
        disrupt()
        restarted = time.perf_counter() - began
        # Every page answers again, without a restart of ours.
        recovered: dict[str, float] = {}
        while len(recovered) < len(PAGES) and time.perf_counter() - began < restarted + RECOVERY:
            for page in PAGES:
                answer = _ask(client, served.base, page, began)
                answers.append(answer)
                if answer.status == 200:
                    recovered.setdefault(page, answer.at)
            time.sleep(0.2)
        time.sleep(1)
        done.set()
        asker.join(timeout=TIMEOUT * 2)

    failed = [a for a in answers if a.status != 200]
    for a in failed:
        assert a.status is not None, f"{a.page} at {a.at:.2f} s: no answer in {a.seconds:.1f} s ({a.body})"
        assert 500 <= a.status < 600, f"{a.page} at {a.at:.2f} s: {a.status}"
        assert "Traceback" not in a.body and 'File "' not in a.body, f"{a.page}: a traceback: {a.body[:500]}"
        assert len(a.body.split()) >= 4, (
            f"{a.page} at {a.at:.2f} s: {a.status} without a sentence: {a.body!r}"
        )
    assert set(recovered) == set(PAGES), (
        f"not recovered within {RECOVERY:.0f} s: {set(PAGES) - set(recovered)}"
    )
    last = [a for a in answers if a.at > max(recovered.values())]
    assert last and all(a.status == 200 for a in last), "a failure after recovery"
    statuses = sorted({str(a.status) for a in failed})
    support.record(
        name,
        f"outage took {restarted:.1f} s; {len(answers)} requests, {len(failed)} failed "
        f"({', '.join(statuses) or 'none'}; slowest {max(a.seconds for a in answers):.2f} s); "
        f"every page answered again {max(recovered.values()) - restarted:.1f} s after it ended",
    )


def test_connections_killed_under_a_running_server(served: Served) -> None:
    def terminate() -> None:
        import psycopg

        from jamfor.store.backend import split_schema

        conninfo, _ = split_schema(support.postgres_base())
        with psycopg.connect(conninfo, autocommit=True) as con:
            killed = con.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [served.database],
            ).fetchone()
        assert killed and killed[0] >= 1, "no session of our server to terminate"

    _outage(served, "postgres-sessions-killed", terminate)


@pytest.mark.pg_restart
@pytest.mark.skipif(
    os.environ.get("JAMFOR_PG_RESTART") != "1",
    reason="restarts the shared PostgreSQL server: set JAMFOR_PG_RESTART=1 (and run it alone)",
)
def test_postgres_restart_under_a_running_server(served: Served) -> None:
    command = shlex.split(os.environ.get("JAMFOR_PG_RESTART_COMMAND", "pg_ctlcluster 15 main restart"))

    def restart() -> None:
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr

    _outage(served, "postgres-restart", restart)
