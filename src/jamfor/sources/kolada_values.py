"""Kolada v3 data rows into the store through the file importers' checked, all-or-nothing path,
with values Kolada reports as deleted (`isdeleted`) recorded as revisions, never dropped silently.

A deleted value becomes a row with no value and the status `deleted`; the merge moves the
value it replaces into `observation_revision`, so `jamfor history` still shows it. A deletion
of something the store never had writes nothing.
"""

from __future__ import annotations

import bisect
import csv
import hashlib
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jamfor.errors import Problem, ValidationError
from jamfor.model import ImportSummary
from jamfor.store import Store
from jamfor.store.ingest import CANONICAL, CsvSource, StagingRejected

DELETED = "deleted"  # status of a value Kolada reports as deleted
Key = tuple[str, str, int, str]
_NO_KEY = "a deleted value needs a kpi, municipality, period and gender"


def _text(value: Any) -> str:
    """A JSON scalar as the text the CSV checks expect (floats keep full precision)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return repr(value)
    return str(value)


def deleted_key(kpi: Any, area: Any, period: Any, gender: Any) -> Key | None:
    """The key of a value marked `isdeleted`, or None if it has no usable key."""
    kpi_s, area_s, year = _text(kpi), _text(area), _text(period)
    if not (kpi_s and area_s and len(year) == 4 and year.isdigit() and gender in ("T", "K", "M")):
        return None
    return (kpi_s, area_s, int(year), str(gender))


def tombstones(store: Store, keys: Iterable[Key]) -> tuple[list[Key], int]:
    """Of these deleted keys, those the store has (to be written as `deleted`), and how many
    of them still hold a value (the deletions that change something)."""
    wanted = set(keys)
    if not wanted:
        return [], 0
    rows = store.db.query(
        "SELECT kpi, area, period, gender, value, status FROM observation "
        "WHERE kpi = ANY(?) AND area = ANY(?) AND period = ANY(?) AND gender = ANY(?)",
        [
            sorted({k[0] for k in wanted}),
            sorted({k[1] for k in wanted}),
            sorted({k[2] for k in wanted}),
            sorted({k[3] for k in wanted}),
        ],
    )
    found, live = [], 0
    for kpi, area, period, gender, value, status in rows:
        key = (kpi, area, int(period), gender)
        if key in wanted:
            found.append(key)
            if value is not None or status != DELETED:
                live += 1
    return sorted(found), live


@dataclass
class KoladaImport:
    """What importing a set of Kolada data rows did; `deleted` values are among `changed`."""

    summary: ImportSummary
    deleted: int = 0
    deletions_unknown: int = 0  # deletions of values the store never had

    @property
    def changed_values(self) -> int:
        return self.summary.changed - self.deleted


@dataclass
class KoladaValues:
    """Kolada v3 data rows written to a canonical CSV page by page, so a batch of any size
    costs little memory; deletions are kept apart until the import decides on them."""

    directory: Path
    rows: int = 0
    items: int = 0
    deleted: list[Key] = field(default_factory=list)
    kpis_seen: set[str] = field(default_factory=set)
    areas_seen: set[str] = field(default_factory=set)
    years_seen: set[str] = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)
    _pages: list[tuple[int, str, array[int]]] = field(default_factory=list)  # first row, url, item starts

    def __post_init__(self) -> None:
        self.path = self.directory / "values.csv"
        self._fh = self.path.open("w", encoding="utf-8", newline="")
        self._csv = csv.writer(self._fh)
        self._csv.writerow(CANONICAL)

    def sha256(self) -> str:
        digest = hashlib.sha256()
        with self.path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
        return digest.hexdigest()

    def add_page(self, url: str, items: Sequence[Any]) -> None:
        """Write one response's items; structural faults are collected with their place."""
        starts: array[int] = array("q")
        self._pages.append((self.rows + 1, url, starts))
        rows: list[tuple[str, ...]] = []
        row = self.rows
        for i, item in enumerate(items):
            starts.append(row + 1)
            cells = item.get("values") if type(item) is dict else None
            if type(cells) is not list:
                self._problem(url, f"values[{i}]", "is not a data row with a 'values' list")
                continue
            kpi, area, period = _text(item.get("kpi")), _text(item.get("municipality")), item.get("period")
            year = _text(period)
            self.kpis_seen.add(kpi)
            self.areas_seen.add(area)
            self.years_seen.add(year)
            for j, cell in enumerate(cells):
                if type(cell) is not dict:
                    self._problem(
                        url, f"values[{i}].values[{j}]", "is not an object with 'gender' and 'value'"
                    )
                    continue
                if cell.get("isdeleted") is True:
                    key = deleted_key(kpi, area, period, cell.get("gender"))
                    if key is None:
                        self._problem(url, f"values[{i}].values[{j}]", _NO_KEY)
                    else:
                        self.deleted.append(key)
                    continue
                # The common types first: this loop runs once per value of a sync.
                value, gender, status, count = (
                    cell.get("value"),
                    cell.get("gender"),
                    cell.get("status"),
                    cell.get("count"),
                )
                rows.append(
                    (
                        kpi,
                        area,
                        year,
                        gender if type(gender) is str else _text(gender),
                        repr(value) if type(value) is float else _text(value),
                        "" if status is None else _text(status),
                        "" if count is None else _text(count),
                    )
                )
                row += 1
        self._csv.writerows(rows)
        self.items += len(items)
        self.rows = row

    def _problem(self, url: str, where: str, reason: str) -> None:
        if len(self.problems) < 50:
            self.problems.append(Problem(url, None, where, reason))

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.close()

    def locate(self, row: int) -> tuple[str, str]:
        """The page and the item (`values[i].values[j]`) that CSV data row `row` came from."""
        firsts = [p[0] for p in self._pages]
        index = bisect.bisect_right(firsts, row) - 1
        if index < 0:
            return "", f"row {row}"
        _first, url, starts = self._pages[index]
        i = bisect.bisect_right(starts, row) - 1
        if i < 0:
            return url, f"row {row}"
        return url, f"values[{i}].values[{row - starts[i]}]"

    def keys_given(self, keys: set[Key]) -> set[Key]:
        """Which of `keys` the batch also gives a value for (a deletion then does not apply)."""
        if not keys:
            return set()
        self._fh.flush()
        given = set()
        with self.path.open(encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            next(reader, None)
            for row in reader:
                if row[2].isdigit() and (row[0], row[1], int(row[2]), row[3]) in keys:
                    given.add((row[0], row[1], int(row[2]), row[3]))
        return given

    def write_tombstones(self, keys: Sequence[Key]) -> None:
        for kpi, area, period, gender in keys:
            self._csv.writerow((kpi, area, period, gender, "", DELETED, ""))
        self.rows += len(keys)


def import_kolada_values(
    store: Store,
    values: KoladaValues,
    *,
    name: str,
    source: str = "Kolada",
    kind: str = "kolada-api",
    then: Callable[[KoladaImport], None] | None = None,
) -> KoladaImport:
    """Import what `values` collected as one all-or-nothing batch, or raise ValidationError.

    Deleted values the store holds become `deleted` rows (their old values go to history).
    `then` runs in the import's transaction (to record the batch as done with it, or not at all).
    """
    if values.problems:
        values.close()
        raise ValidationError(values.problems)
    data_rows = values.rows
    deleted = set(values.deleted) - values.keys_given(set(values.deleted))
    found, live = tombstones(store, deleted)
    values.write_tombstones(found)
    values.close()
    unknown = len(deleted) - len(found)
    try:
        with store.db.transaction():
            if values.rows == 0:
                result = KoladaImport(ImportSummary(file=name, kind=kind), 0, unknown)
            else:
                summary = store.import_csv(
                    CsvSource(values.path, ",", CANONICAL),
                    file_name=name,
                    sha256=values.sha256(),
                    source=source,
                    kind=kind,
                )
                result = KoladaImport(summary, live, unknown)
            if then is not None:
                then(result)
    except StagingRejected as exc:
        # Explained after the rollback: the checks read the catalogue again.
        raise ValidationError(_explain(store, values, data_rows, exc.detail)) from None
    return result


def _explain(store: Store, values: KoladaValues, data_rows: int, detail: str) -> list[Problem]:
    from jamfor.sources.files import explain_csv

    problems = []
    for p in explain_csv(store, values.path, "utf-8-sig", ",", list(CANONICAL)):
        if p.line is None:
            problems.append(p)
            continue
        row = p.line - 1  # the header is line 1
        if row > data_rows:
            url, where = "", "a deleted value"
        else:
            url, where = values.locate(row)
        column = f"{where}.{p.column}" if p.column else where
        problems.append(Problem(url or p.file, None, column, p.reason))
    return problems or [Problem(values.path.name, None, None, f"was rejected: {detail}")]
