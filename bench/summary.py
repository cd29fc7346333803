"""The summary table at the top of docs/benchmarks.md, from the sections below it.

Each benchmark writes its own section between `<!-- bench:NAME:start -->` and
`<!-- bench:NAME:end -->`. This script reads every section, finds the targets and their results
in its tables, and writes one table between `<!-- bench:summary:start -->` and
`<!-- bench:summary:end -->`: issue, target, the latest measured figure, met or missed, when and
on which machine the section was measured. Rules:

* A table row counts when one of its cells is a result (met, missed, PASS, FAIL, in bold or
  not). The target is the row's first cell, with the wanted value from a later column headed
  *target* or *wanted* (or from the result column's own heading, e.g. "target < 5 s"); the
  figure is the column headed *measured*, *median* or *total* (else the cell before the result).
  Rows starting with "…" belong to the row above and are named after it.
* A table with *ratio* and *fewest* columns and no result column (the Kolada request economy) is read as
  "requests ≤ the fewest the limits allow": met when the ratio is at most 1.00.

Targets measured by hand can be added to `MANUAL` (with their date). `make bench` runs this last.

    .venv/bin/python bench/summary.py            # rewrite the summary in docs/benchmarks.md
    .venv/bin/python bench/summary.py --print    # print it only
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DOC = REPO / "docs" / "benchmarks.md"
SUMMARY = "summary"
SECTION_RE = re.compile(r"<!-- bench:([a-z0-9-]+):start -->\n?(.*?)<!-- bench:\1:end -->", re.S)
# Which issue each section's targets belong to.
ISSUES = {
    "import": "Foundation (#2)",
    "reports": "Comparison (#3)",
    "web": "Website (#4)",
    "kolada": "Kolada (#5)",
    "similar": "Surveys and ranking (#8)",
    "soak": "Hardening (#9), soak",
}
RESULTS = {"met": True, "pass": True, "passed": True, "missed": False, "fail": False, "failed": False}
FIGURE_HEADINGS = ("measured", "median", "total")
TARGET_HEADINGS = ("target", "wanted")


@dataclass(frozen=True)
class Manual:
    """A target measured by hand: (issue, target, figure, met, date, machine)."""

    issue: str
    target: str
    figure: str
    met: bool
    date: str
    machine: str


MANUAL: list[Manual] = []


@dataclass(frozen=True)
class Row:
    issue: str
    target: str
    figure: str
    met: bool
    date: str
    machine: str


def sections(doc: str) -> dict[str, str]:
    """Section name -> its text (between the markers), in document order."""
    return {m.group(1): m.group(2) for m in SECTION_RE.finditer(doc) if m.group(1) != SUMMARY}


def tables(text: str) -> list[list[list[str]]]:
    """The markdown tables in `text`: rows of cells, the heading row first, the rule row left out."""
    found: list[list[list[str]]] = []
    current: list[list[str]] = []
    for line in [*text.splitlines(), ""]:
        stripped = line.strip()
        if stripped.startswith("|") and stripped.endswith("|") and len(stripped) > 1:
            cells = [c.strip() for c in stripped[1:-1].split("|")]
            if not all(re.fullmatch(r":?-{2,}:?", c) for c in cells):
                current.append(cells)
        elif current:
            found.append(current)
            current = []
    return found


def plain(cell: str) -> str:
    return cell.replace("**", "").replace("`", "").strip()


def result(cell: str) -> bool | None:
    return RESULTS.get(plain(cell).lower())


def when(text: str) -> str:
    found = re.search(r"(20\d\d-\d\d-\d\d)(?: (\d\d:\d\d) UTC)?", text)
    if not found:
        return "not stated"
    return found.group(1) + (f" {found.group(2)} UTC" if found.group(2) else "")


def machine(text: str) -> str:
    """What the section says about the machine: architecture, cores, CPU."""
    parts = []
    arch = re.search(r"\b(x86_64|aarch64|arm64)\b", text)
    if arch:
        parts.append(arch.group(1))
    cores = re.search(r"cores \(nproc\):? (\d+)|(?<![\d.])(\d+) cores|(?<![\d.])(\d+)-core", text)
    if cores:
        parts.append(f"{next(g for g in cores.groups() if g)} cores")
    cpu = re.search(r"^- CPU: ([^\n,;|]+)$", text, re.M)
    if cpu:
        parts.append(cpu.group(1).strip())
    return ", ".join(parts) or "not stated"


def _column(heading: Sequence[str], names: Sequence[str], after: int = 0) -> int | None:
    for i, h in enumerate(heading):
        if i >= after and plain(h).lower().split(" ")[0] in names:
            return i
    return None


def targets_of(name: str, text: str) -> list[Row]:
    issue = ISSUES.get(name, f"`{name}`")
    date, where = when(text), machine(text)
    rows = []
    for table in tables(text):
        heading, body = table[0], table[1:]
        width = len(heading)
        verdict = next(
            (i for i in range(1, width) if any(len(r) == width and result(r[i]) is not None for r in body)),
            None,
        )
        if verdict is None:
            ratio = _column(heading, ("ratio",))
            if ratio is None or _column(heading, ("fewest",)) is None:
                continue
            for r in body:
                if len(r) != width:
                    continue
                try:
                    value = float(plain(r[ratio]))
                except ValueError:
                    continue
                rows.append(
                    Row(
                        issue,
                        f"{plain(r[0])} ({plain(heading[0])}): requests ≤ the fewest the limits allow",
                        f"{value:.2f}",
                        value <= 1.0,
                        date,
                        where,
                    )
                )
            continue
        figure = _column(heading, FIGURE_HEADINGS, after=1)
        wanted = _column(heading, TARGET_HEADINGS, after=1)
        if wanted == verdict:
            wanted = None
        own = plain(heading[verdict])
        parent = ""
        for r in body:
            if len(r) != width:
                continue
            label = plain(r[0])
            if not label.startswith("…"):
                parent = label
            else:
                label = f"{parent} {label}"
            met = result(r[verdict])
            if met is None:
                continue
            target = label
            if wanted is not None and plain(r[wanted]):
                bound = plain(r[wanted])
                target += f" {bound}" if bound[:1] in "≤≥<>=" else f": {bound}"
            elif own.lower().startswith("target"):
                target += f" ({own})"
            shown = plain(r[figure if figure is not None else verdict - 1])
            rows.append(Row(issue, target, shown, met, date, where))
    return rows


def summary_rows(doc: str) -> list[Row]:
    found = []
    for name, text in sections(doc).items():
        found += targets_of(name, text)
    found += [Row(m.issue, m.target, m.figure, m.met, m.date, m.machine) for m in MANUAL]
    order = list(ISSUES.values())
    return sorted(found, key=lambda r: order.index(r.issue) if r.issue in order else len(order))


def render(rows: Sequence[Row]) -> str:
    met = sum(r.met for r in rows)
    lines = [
        f"<!-- bench:{SUMMARY}:start -->",
        "## Summary",
        "",
        f"Every target with its latest figure, read from the sections below by `bench/summary.py` "
        f"(`make bench` runs it last): {met} of {len(rows)} met.",
        "",
        "| Issue | Target | Latest figure | Result | Measured | Machine |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        cell = r.target.replace("|", "\\|")
        lines.append(
            f"| {r.issue} | {cell} | {r.figure} | {'met' if r.met else '**missed**'} | {r.date} | {r.machine} |"
        )
    lines.append(f"<!-- bench:{SUMMARY}:end -->")
    return "\n".join(lines)


def write_summary(doc: str, text: str) -> str:
    """`doc` with the summary replaced, or inserted before the first section."""
    start, end = f"<!-- bench:{SUMMARY}:start -->", f"<!-- bench:{SUMMARY}:end -->"
    if start in doc and end in doc:
        head, rest = doc.split(start, 1)
        return head + text + rest.split(end, 1)[1]
    first = re.search(r"<!-- bench:[a-z0-9-]+:start -->", doc)
    if first is None:
        return doc.rstrip("\n") + "\n\n" + text + "\n"
    return doc[: first.start()] + text + "\n\n" + doc[first.start() :]


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="bench/summary.py",
        description="Rewrite the summary of targets at the top of docs/benchmarks.md.",
    )
    p.add_argument("--doc", type=Path, default=DOC, help="the benchmark report (default docs/benchmarks.md)")
    p.add_argument("--print", dest="print_only", action="store_true", help="print the summary, write nothing")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    doc = args.doc.read_text(encoding="utf-8")
    text = render(summary_rows(doc))
    print(text)
    if not args.print_only:
        fresh = args.doc.read_text(encoding="utf-8")  # other benchmarks may have written meanwhile
        args.doc.write_text(write_summary(fresh, render(summary_rows(fresh))), encoding="utf-8")
        print(f"wrote {args.doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
