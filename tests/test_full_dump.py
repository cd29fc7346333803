"""The whole 7.4M-value Kolada dump: it imports, a second import changes nothing, and a file
changing 10 values adds exactly 10 revisions with the old values still readable.

Runs on both backends; it takes about a minute, the price of proving it at full scale.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from jamfor.sources.files import import_file
from jamfor.store import Store

DUMP_ROWS = 7_387_543


@pytest.mark.slow
def test_full_dump_round_trip(store: Store, shared_data: Path, tmp_path: Path) -> None:
    dump = shared_data / "kolada" / "kolada_values_2024-08_long.csv.gz"
    first = import_file(store, dump)
    assert (first.rows, first.new, first.changed) == (DUMP_ROWS, DUMP_ROWS, 0)
    stats = store.stats()
    assert stats.observations == DUMP_ROWS and stats.revisions == 0

    again = import_file(store, dump)
    assert (again.new, again.changed, again.unchanged) == (0, 0, DUMP_ROWS)
    assert again.batch_id is None
    assert store.stats() == stats

    # Ten real rows of the dump, each value changed.
    picked: list[list[str]] = []
    with gzip.open(dump, "rt", encoding="utf-8") as fh:
        next(fh)
        for number, line in enumerate(fh):
            if number % 700_000 == 0:
                picked.append(line.rstrip("\n").split(","))
            if len(picked) == 10:
                break
    changed = tmp_path / "ten-changes.csv"
    lines = ["kpi,municipality,period,gender,value"]
    for kpi, area, period, gender, value in picked:
        lines.append(f"{kpi},{area},{period},{gender},{float(value) + 1.5!r}")
    changed.write_text("\n".join(lines) + "\n")
    summary = import_file(store, changed, source="test")
    assert (summary.rows, summary.new, summary.changed) == (10, 0, 10)
    after = store.stats()
    assert after.observations == DUMP_ROWS
    assert after.revisions == 10
    for kpi, area, period, gender, value in picked:
        current = store.observation(kpi, area, int(period), gender)
        assert current is not None and current.value == float(value) + 1.5 and current.source == "test"
        history = store.history(kpi, area, int(period), gender)
        assert [r.value for r in history] == [float(value)]
        assert history[0].source == "Kolada"
