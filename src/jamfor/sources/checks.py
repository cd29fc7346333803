"""Row-level validation shared by every importer: the exact messages users see."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from jamfor.errors import Problem

REQUIRED = ("kpi", "area", "period", "gender", "value")
OPTIONAL = ("status", "count")
# Header names accepted for each canonical column (Kolada's long CSV and its v3 JSON names).
ALIASES = {
    "kpi": "kpi",
    "kpi_id": "kpi",
    "municipality": "area",
    "municipality_id": "area",
    "area": "area",
    "period": "period",
    "year": "period",
    "gender": "gender",
    "value": "value",
    "status": "status",
    "count": "count",
}
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)(?:[eE][+-]?[0-9]+)?")
BLANKS = " \t"  # around a number; the SQL loader strips the same characters
_YEAR = re.compile(r"[0-9]{4}")
_COUNT = re.compile(r"[0-9]{1,9}")
MIN_YEAR, MAX_YEAR = 1950, 2100
MAX_PROBLEMS = 50


def parse_number(text: str) -> float | None:
    """A number as Kolada or a Swedish spreadsheet writes it ("12.5" or "12,5"); None if it is not one."""
    text = text.strip(BLANKS)
    if not _NUMBER.fullmatch(text):
        return None
    number = float(text.replace(",", "."))
    return number if math.isfinite(number) else None


def number_problem(text: str) -> str:
    hint = ""
    if "%" in text:
        hint = " (leave out the unit)"
    elif re.search(r"\d[\s\u00a0\u202f]\d", text):
        hint = " (leave out the thousands separators)"
    elif text.count(",") + text.count(".") > 1:
        hint = " (use one decimal separator and no thousands separators)"
    return f"{text!r} is not a number{hint}"


def map_header(file: str, names: list[str], line: int = 1) -> tuple[list[str], list[Problem]]:
    """Canonical column names for a header row, or the problems with it."""
    problems = []
    canonical: list[str] = []
    for name in names:
        key = name.strip().lstrip("\ufeff").strip('"').lower()
        target = ALIASES.get(key)
        if target is None:
            problems.append(
                Problem(
                    file,
                    line,
                    name,
                    "unknown column; expected kpi, municipality, period, gender, value "
                    "and optionally status, count",
                )
            )
        elif target in canonical:
            problems.append(Problem(file, line, name, f"column '{target}' appears twice"))
        canonical.append(target or key)
    for needed in REQUIRED:
        if needed not in canonical:
            shown = "municipality" if needed == "area" else needed
            problems.append(Problem(file, line, None, f"wrong header: column '{shown}' is missing"))
    return canonical, problems


@dataclass
class RowChecker:
    """Checks observation rows one by one and remembers keys to find duplicates."""

    file: str
    kpis: set[str]
    areas: set[str]
    problems: list[Problem] = field(default_factory=list)
    more: int = 0
    seen: dict[tuple[str, str, int, str], str] = field(default_factory=dict)
    rows: int = 0

    def add(self, line: int | None, column: str | None, reason: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(self.file, line, column, reason))
        else:
            self.more += 1

    def check(
        self,
        line: int | None,
        kpi: str | None,
        area: str | None,
        period: str | None,
        gender: str | None,
        value: str | None,
        status: str | None = None,
        count: str | None = None,
        where: str | None = None,
    ) -> tuple[str, str, int, str, float | None, str | None, int | None] | None:
        """Check one row; return it typed, or None after recording its problems."""
        self.rows += 1
        before = len(self.problems) + self.more

        def col(name: str) -> str:
            return f"{where}.{name}" if where else name

        kpi_s = kpi or ""
        if not kpi_s:
            self.add(line, col("kpi"), "KPI id is missing")
        elif kpi_s not in self.kpis:
            self.add(line, col("kpi"), f"unknown KPI id {kpi_s!r}")
        area_s = area or ""
        municipality = "municipality"
        if not area_s:
            self.add(line, col(municipality), "area id is missing")
        elif area_s not in self.areas:
            hint = ""
            if re.fullmatch(r"\d{1,3}", area_s) and area_s.zfill(4) in self.areas:
                hint = f" (did you mean {area_s.zfill(4)!r}? a spreadsheet may have dropped the leading zero)"
            self.add(line, col(municipality), f"unknown area id {area_s!r}{hint}")
        period_s = period or ""
        year = 0
        if not _YEAR.fullmatch(period_s):
            self.add(line, col("period"), f"{period_s!r} is not a year (four digits)")
        else:
            year = int(period_s)
            if not MIN_YEAR <= year <= MAX_YEAR:
                self.add(line, col("period"), f"year {year} is outside {MIN_YEAR}–{MAX_YEAR}")
        gender_s = gender or ""
        if gender_s not in ("T", "K", "M"):
            self.add(
                line, col("gender"), f"{gender_s!r} is not a gender: use T (total), K (women) or M (men)"
            )
        number: float | None = None
        if value is not None and value.strip(BLANKS) != "":
            number = parse_number(value)
            if number is None or "_" in value:
                self.add(line, col("value"), number_problem(value))
        count_i: int | None = None
        if count is not None and count != "":
            if not _COUNT.fullmatch(count):
                self.add(line, col("count"), f"{count!r} is not a count (a whole number ≥ 0)")
            else:
                count_i = int(count)
        if len(self.problems) + self.more > before:
            return None
        key = (kpi_s, area_s, year, gender_s)
        first = self.seen.get(key)
        if first is not None:
            self.add(
                line, where, f"duplicate row: {kpi_s}, {area_s}, {year}, {gender_s} was already given {first}"
            )
            return None
        self.seen[key] = f"on line {line}" if line is not None else f"at {where or 'an earlier row'}"
        return (kpi_s, area_s, year, gender_s, number, status or None, count_i)
