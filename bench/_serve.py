"""What the load benchmarks (`bench/web.py`, `bench/soak.py`) share: a server in its own process
group and its readiness, the CPU and RSS of process trees, a keep-alive HTTP/1.1 client,
nearest-rank percentiles, the KPIs the load reads, and their section of docs/benchmarks.md.

Not a benchmark itself (no `main`); the scripts import it as `_serve`, from their own directory.
Importing it puts `src/` on `sys.path`, so that a script run from a checkout finds `jamfor`.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

REPO = Path(__file__).resolve().parent.parent
DUMP = REPO.parent / "shared" / "data" / "kolada" / "kolada_values_2024-08_long.csv.gz"
DOC = REPO / "docs" / "benchmarks.md"
BIN = Path(sys.executable).parent
KPIS = 10
YEARS = [2018, 2019, 2020, 2021, 2022]
REQUEST_TIMEOUT = 30.0  # seconds; a request taking longer counts as an error
START_SECONDS = 120.0  # a server not answering by then has failed to start
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")

_src = str(REPO / "src")
if _src not in sys.path:
    sys.path.insert(0, _src)  # harmless when jamfor is installed in the venv

if TYPE_CHECKING:
    from jamfor.store import Store


# -- CPU and memory, from /proc ----------------------------------------------------------------------


def machine_busy() -> float:
    """CPU seconds all processes on the machine have used since boot (all cores)."""
    try:
        first = Path("/proc/stat").read_text().splitlines()[0].split()
    except OSError:
        return 0.0
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in first[1:9])
    return (user + nice + system + irq + softirq + steal) / CLK_TCK


def own_cpu(*, children: bool = True) -> float:
    """CPU seconds of this process, and with `children` of its children that have exited and
    been waited for (wrk)."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN) if children else (resource.RUSAGE_SELF,):
        ru = resource.getrusage(who)
        total += ru.ru_utime + ru.ru_stime
    return total


def _children() -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            found.setdefault(ppid, []).append(int(entry.name))
    return found


def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants (the server and its worker processes)."""
    children, tree, todo = _children(), [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo += children.get(current, [])
    return tree


def tree_rss_mib(pids: Sequence[int]) -> float:
    """The resident memory of `pids` together, in MiB (processes gone meanwhile count 0)."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_SIZE
    return total / 2**20


def tree_cpu(pids: Sequence[int], *, reaped: bool = False) -> float:
    """CPU seconds `pids` have used (user and system); with `reaped` also that of their children
    that have exited and been waited for."""
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks = int(fields[11]) + int(fields[12])
            if reaped:
                ticks += int(fields[13]) + int(fields[14])
            total += ticks / CLK_TCK
    return total


class RssSampler:
    """The RSS of a process tree every `every` seconds, in a thread, as (seconds, MiB) from the
    start; a last sample is taken when the block ends."""

    def __init__(self, pid: int, every: float) -> None:
        self.pid, self.every, self.samples = pid, every, list[tuple[float, float]]()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def peak(self) -> float:
        return max((mib for _, mib in self.samples), default=0.0)

    def _run(self) -> None:
        t0 = time.monotonic()
        while not self._stop.is_set():
            self.samples.append((time.monotonic() - t0, tree_rss_mib(process_tree(self.pid))))
            self._stop.wait(self.every)
        self.samples.append((time.monotonic() - t0, tree_rss_mib(process_tree(self.pid))))

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


# -- servers ----------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """A server started by `start_server`, in a session of its own (it and its workers)."""

    name: str
    proc: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def rss_mib(self) -> float:
        return tree_rss_mib(process_tree(self.proc.pid))

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)  # its own session: the server and its workers
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def start_server(name: str, argv: list[str], ready_path: str, log: Path) -> Server:
    """Run `argv` ("{port}" in it replaced by a free port) with its output in `log`, and wait
    until `ready_path` answers 200; SystemExit with the log's tail if it stops or never does."""
    port = free_port()
    argv = [a.replace("{port}", str(port)) for a in argv]
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(name, proc, port, log)
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{name} stopped at start:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://{server.host}{ready_path}", timeout=5) as answer:
                if answer.status == 200:
                    return server
        except OSError:
            time.sleep(0.3)
    server.stop()
    raise SystemExit(f"{name} did not answer within {START_SECONDS:.0f} s:\n{log.read_text()[-3000:]}")


# -- the asyncio HTTP/1.1 client ----------------------------------------------------------------------


@dataclass
class Sample:
    cls: str
    seconds: float
    status: int  # 0: no answer (connection error or timeout)
    hit: bool | None  # X-Cache: hit / miss; None without the header
    at: float  # when the request was sent, from the start of the run


# What a request that got no (usable) answer raises.
FAILURES = (OSError, ValueError, IndexError, asyncio.IncompleteReadError, TimeoutError)


class Connection:
    """One keep-alive HTTP/1.1 connection to 127.0.0.1:`port`; it reconnects on the next request
    after `close()` (call it after an error) or a `Connection: close` answer."""

    def __init__(self, port: int, agent: str) -> None:
        self.port, self.agent = port, agent
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(
        self, method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b""
    ) -> tuple[int, bool | None, bytes]:
        """(status, X-Cache hit, body); raises one of FAILURES when there is no answer in
        REQUEST_TIMEOUT seconds or the connection fails."""
        if self.reader is None or self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port, limit=1 << 20)
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}", f"User-Agent: {self.agent}"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        if body or method in ("PUT", "POST"):
            lines.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        status, hit, content, close = await asyncio.wait_for(read_response(self.reader), REQUEST_TIMEOUT)
        if close:
            self.close()
        return status, hit, content


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool | None, bytes, bool]:
    """(status, X-Cache hit, body, whether the server closes the connection) of one answer."""
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("connection closed")
    status = int(status_line.split()[1])
    length, chunked, hit, close = None, False, None, False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.partition(b":")
        name, value = name.strip().lower(), value.strip()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
        elif name == b"x-cache":
            hit = value.lower() == b"hit"
        elif name == b"connection" and value.lower() == b"close":
            close = True
    if chunked:
        parts = []
        while size := int((await reader.readline()).split(b";")[0], 16):
            parts.append((await reader.readexactly(size + 2))[:-2])
        await reader.readline()
        content = b"".join(parts)
    elif length is not None:
        content = await reader.readexactly(length)
    else:
        content = await reader.read()
        close = True
    return status, hit, content, close


# -- statistics, data, the report -------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (nearest rank), as wrk and most load tools report it; NaN of nothing."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    # Nearest rank: the smallest rank r with r / n >= q / 100 (rounded first: 0.95 * 100 is not 95.0).
    rank = max(1, min(len(ordered), math.ceil(round(q / 100 * len(ordered), 9))))
    return ordered[rank - 1]


def choose_kpis(store: Store) -> list[str]:
    """The KKiK KPIs with the most municipality values in the last year, among those with values
    in every one of YEARS: a KPI page for a year without values is a 404 (bench-only SQL)."""
    rows = store.db.query(
        "SELECT o.kpi FROM observation o JOIN kpi k ON k.id = o.kpi JOIN area a ON a.id = o.area "
        "WHERE k.kkik IS NOT NULL AND a.type = 'K' AND o.gender = 'T' AND o.period = ANY(?) "
        "AND o.value IS NOT NULL GROUP BY o.kpi HAVING count(DISTINCT o.period) = ? "
        "ORDER BY count(*) FILTER (WHERE o.period = ?) DESC, o.kpi LIMIT ?",
        [YEARS, len(YEARS), YEARS[-1], KPIS],
    )
    return [r[0] for r in rows]


def replace_section(text: str, block: str, start: str, end: str) -> str:
    """`text` with its part from `start` to `end` replaced by `block` (which holds both markers),
    or `block` appended when there is no such part yet."""
    if start in text and end in text.split(start, 1)[1]:
        head, rest = text.split(start, 1)
        return head + block + rest.split(end, 1)[1]
    return text.rstrip() + "\n\n" + block + "\n"


def write_section(block: str, start: str, end: str, doc: Path = DOC) -> None:
    """Replace a benchmark's section of `doc` (read just before) by `block`, or append it."""
    text = doc.read_text(encoding="utf-8") if doc.exists() else "# Benchmarks\n"
    doc.write_text(replace_section(text, block, start, end), encoding="utf-8")
