"""Derive unrounded Kommunkompassen question points from a report's printed appendix tables.

A report prints, per sub-question, the points achieved (Uppnått) and the percent of max
(Procent), both rounded, and per area the rounded total. Multiplying percent by max does not
reproduce the totals (Huddinge 2017 area 5 would give 64.65 → 65, the report prints 64): the
printed figures are rounded views of unrounded points. This script finds, for every area,
points on a grid (0.05, else finer) that lie inside every interval the printed figures allow

    round(x) == Uppnått,  round(100·x/max) == Procent,  round(Σx) == the area total

(rounding half away from zero, as jamfor.compute.compass.round_half_away does), choosing the
combination closest to percent × max. It prints the `question_points:` block of an
evaluation YAML file.

    .venv/bin/python scripts/fit_compass_points.py tests/compass/fixtures/huddinge_2017_appendix.txt
"""

from __future__ import annotations

import argparse
import itertools
import math
import re
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from jamfor.compute.compass import round_half_away

QUESTION_ROW = re.compile(r"^(\d+\.\d+)\t(.*)\t(\d+)\t(\d+)\t(\d+)\s*%$")
TOTAL_ROW = re.compile(r"^\s*<b>(\d+)</b>\t<b>(\d+)</b>\t<b>(\d+)\s*%</b>$")
GRIDS = (Decimal("0.05"), Decimal("0.01"), Decimal("0.001"))
MARGIN = 1e-6  # keep clear of a rounding boundary, so float noise cannot flip a figure


@dataclass(frozen=True)
class PrintedQuestion:
    id: str
    text: str
    achieved: int
    max: int
    percent: int


@dataclass(frozen=True)
class PrintedArea:
    number: int
    questions: tuple[PrintedQuestion, ...]
    total: int
    max: int
    percent: int


def parse_appendix(text: str) -> list[PrintedArea]:
    """The appendix tables: question rows, each area closed by its bold total row."""
    areas: list[PrintedArea] = []
    pending: list[PrintedQuestion] = []
    for line in text.splitlines():
        row = QUESTION_ROW.match(line)
        if row:
            pending.append(PrintedQuestion(row[1], row[2].strip(), int(row[3]), int(row[4]), int(row[5])))
            continue
        total = TOTAL_ROW.match(line)
        if total and pending:
            number = int(pending[0].id.split(".")[0])
            areas.append(PrintedArea(number, tuple(pending), int(total[1]), int(total[2]), int(total[3])))
            pending = []
    if pending:
        raise ValueError(f"questions {pending[0].id}… have no total row")
    return areas


def _inside(value: float, target: int) -> bool:
    """round(value) == target, with `value` not within MARGIN of a rounding boundary."""
    return round_half_away(value) == target and abs(abs(value - target) - 0.5) > MARGIN


def consistent(q: PrintedQuestion, points: float) -> bool:
    return _inside(points, q.achieved) and _inside(100.0 * points / q.max, q.percent)


def candidates(q: PrintedQuestion, step: Decimal) -> list[float]:
    """Grid points consistent with the question's printed figures, nearest percent × max first."""
    low = max(q.achieved - 0.5, (q.percent - 0.5) * q.max / 100, 0.0)
    high = min(q.achieved + 0.5, (q.percent + 0.5) * q.max / 100, float(q.max))
    target = q.percent * q.max / 100
    start = (Decimal(str(low)) / step).to_integral_value(rounding="ROUND_FLOOR")
    stop = (Decimal(str(high)) / step).to_integral_value(rounding="ROUND_CEILING")
    found = [float(i * step) for i in range(int(start), int(stop) + 1)]
    found = [x for x in found if consistent(q, x)]
    return sorted(found, key=lambda x: (abs(x - target), x))


def fit_area(area: PrintedArea) -> dict[str, float]:
    for step in GRIDS:
        options = [candidates(q, step) for q in area.questions]
        if any(not o for o in options):
            continue
        targets = [q.percent * q.max / 100 for q in area.questions]
        best: tuple[float, tuple[float, ...]] | None = None
        for combo in itertools.product(*options):
            total = math.fsum(combo)
            if not (_inside(total, area.total) and _inside(100.0 * total / area.max, area.percent)):
                continue
            cost = math.fsum(abs(x - t) for x, t in zip(combo, targets, strict=True))
            if best is None or cost < best[0] - 1e-12:
                best = (cost, combo)
        if best is not None:
            return {q.id: x for q, x in zip(area.questions, best[1], strict=True)}
    raise ValueError(f"area {area.number}: no points fit every printed figure")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("appendix", type=Path, help="a text copy of the report's appendix tables")
    args = parser.parse_args(argv)
    areas = parse_appendix(args.appendix.read_text(encoding="utf-8"))
    if not areas:
        print(f"{args.appendix}: no appendix tables found", file=sys.stderr)
        return 1
    print(f"# generated by scripts/fit_compass_points.py from {args.appendix.name}")
    print("question_points:")
    for area in areas:
        points = fit_area(area)
        naive = math.fsum(q.percent * q.max / 100 for q in area.questions)
        print(
            f"  # area {area.number}: printed {area.total}; fitted sum {math.fsum(points.values()):.4g}; "
            f"percent × max would give {naive:.4g}"
        )
        for qid, value in points.items():
            print(f'  "{qid}": {value!r}')
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
