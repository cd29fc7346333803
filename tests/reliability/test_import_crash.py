"""SIGKILL during `jamfor import`: each file wholly in or wholly out, nothing earlier lost, the
schema intact, and the import rerun to completion equals an uninterrupted one. Both backends.

The store holds a slice of the real dump (60,000 values, 2,000 of them revised once) before
the killed command `jamfor import change.csv new.csv` runs: a re-import of 20,000 base values
of which every third changed (revisions), then 200,000 new values. The process is
killed at seeded random moments ($JAMFOR_CRASH_ROUNDS per backend, default 3; seed
$JAMFOR_CRASH_SEED) between 0.15 and 1.05 times the time an uninterrupted run takes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jamfor.sources.files import import_file
from jamfor.store import Store
from tests.conftest import BACKENDS
from tests.reliability import support
from tests.reliability.support import JAMFOR, Slices

pytestmark = pytest.mark.skipif(not support.DUMP.is_file(), reason="the Kolada dump is not in shared/data")


@pytest.fixture(scope="module")
def slices(tmp_path_factory: pytest.TempPathFactory) -> Slices:
    return support.write_slices(tmp_path_factory.mktemp("slices"))


@pytest.fixture(params=BACKENDS)
def stores(request: pytest.FixtureRequest, slices: Slices, tmp_path: Path) -> Iterator[support.Stores]:
    """Fresh stores in the base state: the base slice imported, then partly revised."""

    def build(url: str) -> None:
        support.init_store(url)
        with Store.open(url) as store:
            import_file(store, slices.base)
            import_file(store, slices.revise)

    made = support.Stores(str(request.param), tmp_path)
    try:
        made.prepare(build)
        yield made
    finally:
        made.close()


def _states(url: str, slices: Slices) -> list[dict[str, Any]]:
    """The three states a kill may leave: before, after change.csv, after both (in-process imports)."""
    with Store.open(url) as store:
        states = [support.fingerprint(store)]
        import_file(store, slices.change)
        states.append(support.fingerprint(store))
        import_file(store, slices.new)
        states.append(support.fingerprint(store))
    return states


def _cli(url: str, slices: Slices) -> list[str]:
    return [*JAMFOR, "--database", url, "import", str(slices.change), str(slices.new)]


def test_sigkill_during_import(stores: support.Stores, slices: Slices) -> None:
    states = _states(stores.new(), slices)
    assert states[0] != states[1] != states[2]
    assert states[2]["revision"][0] > states[0]["revision"][0] > 0

    kept_keys = set(slices.base_rows[slices.kept_from :])
    kept_kpis = sorted({k[0] for k in kept_keys})

    # One uninterrupted run through the CLI: its time spans the kill moments, and it ends in
    # the same state as the in-process imports.
    url = stores.new()
    whole = support.run_killed(_cli(url, slices), None)
    assert whole.returncode == 0, whole.stderr
    with Store.open(url) as store:
        assert support.fingerprint(store) == states[2]

    rng = support.seeded(f"import-{stores.backend}")
    moments: list[tuple[float, str]] = []
    for _ in range(support.rounds()):
        url = stores.new()
        with Store.open(url) as store:
            kept = support.rows_of(store, kept_keys, kept_kpis)
            earlier = support.revisions(store)
        # A fraction of the uninterrupted time: on a busy machine a measured start-up time is
        # too noisy to add, so some kills land in the interpreter's start-up.
        at = rng.uniform(0.15, 1.05) * whole.seconds
        outcome = support.run_killed(_cli(url, slices), at)
        if not outcome.killed:
            assert outcome.returncode == 0, outcome.stderr
        with Store.open(url) as store:
            found = support.fingerprint(store)
            assert found in states, f"killed at {at:.2f} s: a state that is none of the three possible ones"
            moments.append((at, ("before", "change.csv in", "both in")[states.index(found)]))
            # Nothing earlier lost: the untouched base values and the earlier revisions, ids
            # and times included, are exactly as they were.
            assert support.rows_of(store, kept_keys, kept_kpis) == kept
            assert set(earlier) <= set(support.revisions(store))
            # The interrupted work, rerun to completion, gives the uninterrupted result.
            for path in (slices.change, slices.new):
                import_file(store, path)
            assert support.fingerprint(store) == states[2], f"killed at {at:.2f} s, then rerun"
            assert support.rows_of(store, kept_keys, kept_kpis) == kept
    support.record(
        f"import-{stores.backend}",
        f"uninterrupted {whole.seconds:.2f} s; kills: {support.describe(moments)}",
    )
