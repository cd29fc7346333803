"""The benchmark scripts in bench/ load and parse their arguments (no load is generated here).

The benchmarks themselves are too long for CI; this catches a script broken by a change in the
code it imports, or in its own argument parser, before someone runs `make bench`.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from jamfor.store import Store
from jamfor.store.accounts import add_user
from jamfor.store.entry import ValueChange, write_values

BENCH = Path(__file__).resolve().parent.parent / "bench"
SCRIPTS = sorted(BENCH.glob("*.py"))


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
    assert soak.percentile([5.0, 1.0, 3.0, 2.0, 4.0], 50) == 3.0


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
