"""Shared pieces of the fuzz tests: bounded settings, a per-example timeout, the "only our errors"
check, a whole-store snapshot, and mutations of real rows into nearly valid files.

`JAMFOR_FUZZ_EXAMPLES` raises the number of examples per test (default 10, CI-friendly);
`JAMFOR_FUZZ_TIMEOUT` is the per-example limit in seconds (default 30).
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from jamfor.errors import JamforError, ValidationError
from jamfor.store import Store

EXAMPLES = int(os.environ.get("JAMFOR_FUZZ_EXAMPLES", "10"))
TIMEOUT = int(os.environ.get("JAMFOR_FUZZ_TIMEOUT", "30"))
REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "data"

T = TypeVar("T")


def fuzz_settings(scale: float = 1.0) -> settings:
    """Bounded settings: `scale` × EXAMPLES examples, no deadline, fixtures reused across examples."""
    return settings(
        max_examples=max(1, int(EXAMPLES * scale)),
        deadline=None,
        derandomize=os.environ.get("JAMFOR_FUZZ_RANDOM") is None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
        database=None,
    )


class Hang(AssertionError):
    """An input took longer than the per-example timeout."""


@contextmanager
def time_limit(seconds: int = TIMEOUT) -> Iterator[None]:
    """Fail the example (not hang the run) when it takes longer than `seconds`."""

    def expired(signum: int, frame: FrameType | None) -> None:
        raise Hang(f"an input took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def only_ours(call: Callable[[], T], *, names: str | None = None) -> T | JamforError:
    """Run `call` under the time limit; return its result or the JamforError it raised.

    Any other exception propagates (the fuzz test fails with it). A ValidationError must say
    where: every problem names a file, and `names` (the file's name) when given.
    """
    try:
        with time_limit():
            return call()
    except JamforError as exc:
        message = str(exc)
        assert message.strip(), f"{type(exc).__name__} without a message"
        if isinstance(exc, ValidationError):
            assert exc.problems, "a ValidationError without problems"
            for problem in exc.problems:
                assert problem.file, f"a problem without a file: {problem}"
                assert problem.reason.strip(), f"a problem without a reason: {problem}"
                if names is not None:
                    assert names in problem.file, f"{problem} does not name {names}"
        return exc


# -- the store's whole state ------------------------------------------------------------------------

# Tables no loader under test writes (the reference geography) are compared by count; every other
# table by count and a checksum of all its rows, computed in SQL (the same query on both backends).
COUNTED = ("area", "area_group", "group_member")
CHECKSUMMED = (
    "kpi",
    "kpi_revision",
    "observation",
    "observation_revision",
    "import_batch",
    "sync_batch",
    "sync_run",
    "reporting_period",
    "compass_evaluation",
    "compass_evaluation_revision",
    "compass_points",
    "compass_text",
    "survey_response",
    "audit_event",
)
_CHECKSUM = (
    "SELECT count(*), md5(coalesce(string_agg(CAST(t AS VARCHAR), '|' ORDER BY CAST(t AS VARCHAR)), ''))"
    " FROM {} t"
)


def snapshot(store: Store) -> dict[str, tuple[Any, ...]]:
    """Every table's row count, and for the tables loaders write a checksum of all their rows."""
    state: dict[str, tuple[Any, ...]] = {}
    for table in COUNTED:
        state[table] = tuple(store.db.query(f"SELECT count(*) FROM {table}")[0])
    for table in CHECKSUMMED:
        state[table] = tuple(store.db.query(_CHECKSUM.format(table))[0])
    return state


def assert_unchanged(before: dict[str, tuple[Any, ...]], after: dict[str, tuple[Any, ...]]) -> None:
    changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
    assert not changed, f"a rejected input changed the store: {changed}"


# -- real rows and their mutations ------------------------------------------------------------------


def real_lines(name: str, count: int, *, skip: int = 0) -> list[str]:
    """The header and `count` data lines of a file in shared/data/kolada (read as text)."""
    path = SHARED / "kolada" / name
    out: list[str] = []
    with path.open(encoding="utf-8") as fh:
        out.append(fh.readline().rstrip("\n"))
        for i, line in enumerate(fh):
            if i < skip:
                continue
            out.append(line.rstrip("\n"))
            if len(out) > count:
                break
    return out


NASTY_VALUES = [
    "12,5 %",
    "12,5",
    "1 234,5",
    "1\u00a0234,5",
    "1,234.5",
    "1.234,5",
    "NaN",
    "nan",
    "inf",
    "-Infinity",
    "1e309",
    "-1e309",
    "9" * 400,
    "0x1F",
    "",
    " ",
    "−3",
    "١٢",
    "12e",
    "\x00",
    "\x1b[31m",
    "Göteborg",
    '"',
    "a\nb",
    "x" * 1_000_000,
]


@st.composite
def mutated_rows(draw: st.DrawFn, rows: list[list[str]]) -> list[list[str]]:
    """Rows with a few mutations: cells replaced, columns swapped, rows duplicated, cut or padded."""
    out = [list(r) for r in rows]
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["cell", "swap", "duplicate", "drop-cell", "extra-cell", "text"]))
        if not out:
            break
        i = draw(st.integers(0, len(out) - 1))
        row = out[i]
        if kind == "cell" and row:
            row[draw(st.integers(0, len(row) - 1))] = draw(st.sampled_from(NASTY_VALUES))
        elif kind == "swap" and len(row) > 1:
            a, b = draw(st.integers(0, len(row) - 1)), draw(st.integers(0, len(row) - 1))
            row[a], row[b] = row[b], row[a]
        elif kind == "duplicate":
            out.insert(i, list(row))
        elif kind == "drop-cell" and row:
            row.pop()
        elif kind == "extra-cell":
            row.append(draw(st.sampled_from(NASTY_VALUES)))
        elif kind == "text" and row:
            row[draw(st.integers(0, len(row) - 1))] = draw(st.text(max_size=30))
    return out


def csv_text(rows: list[list[str]], delimiter: str = ",") -> str:
    """Rows joined as CSV, quoting a cell only where the delimiter, a quote or a newline needs it."""

    def cell(text: str) -> str:
        if any(c in text for c in (delimiter, '"', "\n", "\r")):
            return '"' + text.replace('"', '""') + '"'
        return text

    return "\n".join(delimiter.join(cell(c) for c in row) for row in rows) + "\n"


@st.composite
def encoded(draw: st.DrawFn, text: str) -> bytes:
    """The text as bytes, with the file-level faults: BOM, CRLF, latin-1, truncation, junk bytes."""
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16"]))
    data = text.encode(encoding, errors="replace")
    fault = draw(st.sampled_from(["none", "none", "truncate", "junk", "empty", "nul"]))
    if fault == "truncate" and data:
        data = data[: draw(st.integers(0, len(data) - 1))]
    elif fault == "junk":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=64)) + data[at:]
    elif fault == "empty":
        data = b""
    elif fault == "nul":
        data = data.replace(b",", b"\x00", 1)
    return data
