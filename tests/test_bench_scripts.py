"""The benchmark scripts in bench/ load and parse their arguments (no load is generated here).

The benchmarks themselves are too long for CI; this catches a script broken by a change in the
code it imports, or in its own argument parser, before someone runs `make bench`.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from jamfor.store import Store
from jamfor.store.accounts import add_user
from jamfor.store.entry import ValueChange, write_values

BENCH = Path(__file__).resolve().parent.parent / "bench"
# Modules named with a leading underscore (`_serve.py`) are shared code, not benchmarks.
SCRIPTS = sorted(p for p in BENCH.glob("*.py") if not p.name.startswith("_"))


def load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"jamfor_bench_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def test_the_scripts_are_found() -> None:
    names = {p.stem for p in SCRIPTS}
    assert {"import", "reports", "web", "kolada", "soak", "summary"} <= names


@pytest.mark.parametrize("path", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_script_imports_and_answers_help(
    path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    module = load(path)
    assert callable(getattr(module, "main", None)), f"{path.name} has no main()"
    monkeypatch.setattr(sys, "argv", [str(path), "--help"])
    with pytest.raises(SystemExit) as stopped:
        module.main()
    assert stopped.value.code in (0, None)
    out = capsys.readouterr().out
    assert out.startswith("usage:"), out[:200]
    assert "--help" in out


def test_soak_defaults_are_the_issues_ten_minutes() -> None:
    soak = load(BENCH / "soak.py")
    args = soak.parser().parse_args([])
    assert args.duration == 600
    assert args.database.startswith("postgresql://")
    # Memory growth is measured from the end of the first minute to the end.
    samples = [(0.0, 100.0), (30.0, 150.0), (61.0, 200.0), (300.0, 205.0), (600.0, 210.0)]
    assert soak.memory_growth(samples, 600.0) == (61.0, 200.0, 210.0, pytest.approx(0.05))


# -- bench/_serve.py: what web.py and soak.py share ------------------------------------------------


def test_both_load_benchmarks_use_the_shared_module() -> None:
    shared = load(BENCH / "_serve.py")
    assert not hasattr(shared, "main")
    for name in ("web", "soak"):
        script = load(BENCH / f"{name}.py")
        for helper in ("percentile", "start_server", "Connection", "RssSampler", "write_section"):
            assert getattr(script, helper).__module__ == "_serve", (name, helper)


def test_percentile_is_the_nearest_rank() -> None:
    serve = load(BENCH / "_serve.py")
    values = [5.0, 1.0, 7.0, 3.0, 2.0, 6.0, 4.0]  # unsorted on purpose
    assert serve.percentile(values, 50) == 4.0
    assert serve.percentile(values, 0) == 1.0 and serve.percentile(values, 100) == 7.0
    assert serve.percentile(values, 95) == 7.0 and serve.percentile(values, 30) == 3.0
    thousand = [float(i) for i in range(1000, 0, -1)]
    assert [serve.percentile(thousand, q) for q in (50, 95, 99)] == [500.0, 950.0, 990.0]
    assert serve.percentile([7.0], 99) == 7.0
    hundred = [float(i) for i in range(1, 101)]  # exact ranks: p95 is the 95th value, not the 96th
    assert [serve.percentile(hundred, q) for q in (50, 95, 99)] == [50.0, 95.0, 99.0]
    assert math.isnan(serve.percentile([], 50))


def test_the_doc_section_is_replaced_in_place_or_appended() -> None:
    serve = load(BENCH / "_serve.py")
    start, end = "<!-- bench:x:start -->", "<!-- bench:x:end -->"
    block = f"{start}\nnew\n{end}"
    doc = f"# Benchmarks\n\n{start}\nold\n{end}\n\n<!-- bench:y:start -->\ny\n<!-- bench:y:end -->\n"
    replaced = serve.replace_section(doc, block, start, end)
    assert replaced == doc.replace("old", "new")
    assert serve.replace_section(replaced, block, start, end) == replaced
    assert serve.replace_section("# Benchmarks\n", block, start, end) == f"# Benchmarks\n\n{block}\n"
    # An end marker before the start marker (another section's text) is not a section.
    odd = f"{end}\n{start}\n"
    assert serve.replace_section(odd, block, start, end) == f"{odd.rstrip()}\n\n{block}\n"


def test_a_process_tree_is_measured_from_proc() -> None:
    serve = load(BENCH / "_serve.py")
    import os
    import subprocess

    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        tree = serve.process_tree(os.getpid())
        assert tree[0] == os.getpid() and child.pid in tree
        assert serve.tree_rss_mib([os.getpid()]) > 10  # this interpreter with pytest loaded
        assert serve.tree_rss_mib([os.getpid(), child.pid]) > serve.tree_rss_mib([os.getpid()])
        assert serve.tree_rss_mib([2**22 + 1]) == 0  # gone: counts nothing
        assert serve.tree_cpu([os.getpid()]) > 0 and serve.own_cpu(children=False) > 0
        with serve.RssSampler(child.pid, 0.01) as sampler:
            import time

            time.sleep(0.1)
        assert len(sampler.samples) >= 3
        assert [t for t, _ in sampler.samples] == sorted(t for t, _ in sampler.samples)
        assert sampler.peak == max(m for _, m in sampler.samples) > 0
    finally:
        child.kill()
        child.wait()


def test_the_client_reads_length_chunked_and_closing_answers() -> None:
    """`Connection` against a tiny server: bodies by Content-Length and chunked, X-Cache, and a
    reconnection after `Connection: close`."""
    import asyncio

    serve = load(BENCH / "_serve.py")
    answers = [
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Cache: hit\r\n\r\nhello",
        b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\nX-Cache: miss\r\n\r\n"
        b"3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n",
        b"HTTP/1.1 409 Conflict\r\nContent-Length: 2\r\nConnection: close\r\n\r\nno",
        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
    ]
    requests: list[bytes] = []
    connections = 0

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        while answers:
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(
                (
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.startswith(b"Content-Length")
                ),
                0,
            )
            requests.append(head + await reader.readexactly(length))
            answer = answers.pop(0)
            writer.write(answer)
            await writer.drain()
            if b"Connection: close" in answer:
                break
        writer.close()

    async def run() -> list[tuple[int, bool | None, bytes]]:
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        conn = serve.Connection(port, "jamfor-test")
        got = [await conn.request("GET", "/a"), await conn.request("GET", "/b")]
        got.append(await conn.request("PUT", "/c", {"Authorization": "Bearer x"}, b'{"v":1}'))
        got.append(await conn.request("GET", "/d"))
        conn.close()
        server.close()
        await server.wait_closed()
        return got

    got = asyncio.run(run())
    assert got == [(200, True, b"hello"), (404, False, b"abcde"), (409, None, b"no"), (200, None, b"")]
    assert connections == 2  # the third answer closed the first connection
    assert (
        requests[0].startswith(b"GET /a HTTP/1.1\r\nHost: 127.0.0.1:")
        and b"User-Agent: jamfor-test" in requests[0]
    )
    assert b'Authorization: Bearer x\r\nContent-Length: 7\r\n\r\n{"v":1}' in requests[2]


DOC = """# Benchmarks

Intro.

<!-- bench:import:start -->
## Import

Measured 2026-11-24 04:41 UTC on x86_64, 2 cores.

| Target | Measured | Target | Result |
|---|---|---|---|
| DuckDB import time | 1.75 × raw | ≤ 2.0 × raw | **PASS** |
| PostgreSQL import time | 5.07 × raw | ≤ 5.0 × raw | **FAIL** |
<!-- bench:import:end -->

<!-- bench:kolada:start -->
| query set | requests | fewest | ratio |
|---|---:|---:|---:|
| `--all` | 919 | 919 | 1.00 |
| some | 12 | 10 | 1.20 |
<!-- bench:kolada:end -->
"""


def test_summary_reads_the_sections_and_replaces_only_its_own(tmp_path: Path) -> None:
    summary = load(BENCH / "summary.py")
    doc = tmp_path / "benchmarks.md"
    doc.write_text(DOC, encoding="utf-8")
    assert summary.main(["--doc", str(doc)]) == 0
    first = doc.read_text(encoding="utf-8")
    assert first.index("<!-- bench:summary:start -->") < first.index("<!-- bench:import:start -->")
    assert first.endswith(DOC.split("Intro.\n\n", 1)[1])  # the sections are untouched
    rows = summary.summary_rows(first)
    assert [(r.issue, r.figure, r.met) for r in rows] == [
        ("Foundation (#2)", "1.75 × raw", True),
        ("Foundation (#2)", "5.07 × raw", False),
        ("Kolada (#5)", "1.00", True),
        ("Kolada (#5)", "1.20", False),
    ]
    assert rows[0].target == "DuckDB import time ≤ 2.0 × raw"
    assert rows[0].date == "2026-11-24 04:41 UTC"
    assert rows[0].machine == "x86_64, 2 cores"
    assert "2 of 4 met" in first
    assert summary.main(["--doc", str(doc)]) == 0  # a second run replaces, never duplicates
    assert doc.read_text(encoding="utf-8") == first


def test_soak_checks_find_unaudited_phantom_and_lost_writes(store: Store) -> None:
    """The soak's after-run checks pass for real writes and fail for each kind of fault."""
    soak = load(BENCH / "soak.py")
    key = ("N00938", "1081", 2022, "T")
    admin = add_user(store, "soak-admin", "a long password 1", role="admin")
    editor = add_user(store, "soak-ed", "a long password 2", role="editor", areas=["1081"])
    write_values(store, [ValueChange(*key, value=10.0)], actor=admin, via="cli", source="test")
    since = int(store.db.query("SELECT max(id) FROM audit_event")[0][0])
    done = []
    for expected, value in ((10.0, 1.25), (1.25, 2.25)):
        summary = write_values(
            store, [ValueChange(*key, value=value, expected=expected)], actor=editor, via="api", source="test"
        )
        done.append(soak.Accepted("soak-ed", key, expected, value, summary.batch_id))

    def check(accepted: list[Any], uncertain: tuple[Any, ...] = ()) -> Any:
        out = soak.Outcome(accepted=list(accepted), uncertain=list(uncertain))
        return soak.check_writes(store, ["soak-ed"], {key: 10.0}, out, since)

    good = check(done)
    assert (good.accepted, good.audited, good.chains_ok) == (2, 2, 1)
    assert not (good.missing_in_audit or good.unacknowledged or good.phantom or good.lost)

    # A write the client was told was accepted, but which is neither audited nor stored.
    claimed = check([*done, soak.Accepted("soak-ed", key, 2.25, 3.25, None)])
    assert claimed.missing_in_audit and claimed.lost

    # The second write unacknowledged: audited without a request for it, and the chain stops short.
    short = check(done[:1])
    assert short.phantom and short.lost
    # … unless its request got no answer: then it may have been written.
    unanswered = check(done[:1], (soak.Accepted("soak-ed", key, 1.25, 2.25, None),))
    assert unanswered.unacknowledged and not unanswered.phantom and not unanswered.lost

    # Two accepted writes that expected the same value: one of them was lost.
    fork = check([*done, soak.Accepted("soak-ed", key, 1.25, 4.25, done[1].batch_id)])
    assert fork.lost
