"""Coverage-guided fuzzing of the CSV importer's row checker (`jamfor.sources.checks`) with atheris.

Optional: atheris is pinned in requirements-bench.lock, not in the main lock.

    .venv/bin/pip install -r requirements-bench.lock   # or: .venv/bin/pip install atheris==3.0.0
    .venv/bin/python scripts/fuzz_atheris.py -max_total_time=60

Every input is split into a header and one row of up to seven cells; the properties checked:
`map_header` and `RowChecker.check` never raise; `check` returns a typed row exactly when it
recorded no problem; a typed row has a known KPI and area, a year in range, a gender of T/K/M and
a finite value (or none); `parse_number` returns a finite float or None and agrees with `check`.
Any other exception, or a broken property, stops the run with the input that caused it (libFuzzer
writes it to crash-<sha1>). Arguments after the script name are libFuzzer's (`-runs=`,
`-max_total_time=`, a corpus directory).
"""

from __future__ import annotations

import math
import sys

import atheris

with atheris.instrument_imports():
    from jamfor.sources.checks import RowChecker, map_header, number_problem, parse_number

KPIS = {"N00914", "U07451", "N05401"}
AREAS = {"0000", "0180", "1081", "2361"}
GENDERS = {"T", "K", "M"}
VALID = [
    sorted(KPIS),
    sorted(AREAS),
    ["2020", "1950", "2100", "1949"],
    ["T", "K", "M", "t"],
    ["12.5", "12,5", " 7 ", "-0", "1e308", "1e309", ""],
    ["", "Beräknat"],
    ["", "0", "12", "999999999"],
]


def one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    header = [fdp.ConsumeUnicodeNoSurrogates(12) for _ in range(fdp.ConsumeIntInRange(0, 8))]
    columns, header_problems = map_header("fuzz.csv", header)
    assert all(p.file == "fuzz.csv" and p.line == 1 for p in header_problems)
    assert len(columns) <= len(header)

    cells: list[str | None] = []
    for good in VALID:  # each cell: missing, a valid value (so whole rows pass), or any text
        choice = fdp.ConsumeIntInRange(0, 2)
        if choice == 0:
            cells.append(None)
        elif choice == 1:
            cells.append(good[fdp.ConsumeIntInRange(0, len(good) - 1)])
        else:
            cells.append(fdp.ConsumeUnicodeNoSurrogates(16))
    kpi, area, period, gender, value, status, count = cells
    checker = RowChecker("fuzz.csv", KPIS, AREAS)
    typed = checker.check(2, kpi, area, period, gender, value, status, count)
    if typed is None:
        assert checker.problems, "a row was refused without a problem"
        for problem in checker.problems:
            assert problem.file == "fuzz.csv" and problem.line == 2 and problem.reason
            str(problem)
    else:
        assert not checker.problems, checker.problems
        t_kpi, t_area, year, t_gender, number, _status, t_count = typed
        assert t_kpi in KPIS and t_area in AREAS and t_gender in GENDERS, typed
        assert 1950 <= year <= 2100, typed
        assert number is None or math.isfinite(number), typed
        assert t_count is None or t_count >= 0, typed

    if value is not None:
        parsed = parse_number(value)
        assert parsed is None or math.isfinite(parsed), (value, parsed)
        if parsed is None:
            assert number_problem(value)


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
