"""The store's reads behind the Kolada-compatible API (/kolada/v3), and the one write the fake
Kolada needs (backdating import times, so that `from_date` can be tested within one day).

Data are paged by (kpi, area, period) groups, in that order, because a Kolada data row is one
such group with its genders inside. A page is read in KPI windows (1, 2, 4, … KPIs wide) from a
start key on, so that each query reads one KPI range, which DuckDB's zone maps and PostgreSQL's
key index serve without touching the rest of the 7.4M values. The start key is a cursor (the
last key of the previous page, which our next_url carries) or, for a bare page number, found by
counting the groups window by window.

A value Kolada has deleted is served with `isdeleted: true` when a client asks what changed
(`from_date`), in either of the two ways the store can hold it:

- an observation whose status is exactly `deleted` (its import time says when);
- a key with revisions but no current observation (the last revision's `replaced_at` says when).

Without `from_date`, deleted values are left out, as Kolada leaves them out.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jamfor.store.repository import Store

DELETED_STATUS = "deleted"

_LIVE = f"(status IS NULL OR status <> '{DELETED_STATUS}')"
_SAME_KEY = "o.kpi = r.kpi AND o.area = r.area AND o.period = r.period AND o.gender = r.gender"


@dataclass(frozen=True)
class DataQuery:
    """Which values a Kolada data request asks for; None means no restriction on that dimension."""

    kpis: tuple[str, ...] | None = None
    areas: tuple[str, ...] | None = None
    years: tuple[int, ...] | None = None
    since: datetime | None = None  # from_date: values imported, changed or deleted at or after this


@dataclass(frozen=True)
class KoladaValue:
    """One stored value as the Kolada API shows it."""

    kpi: str
    area: str
    period: int
    gender: str
    value: float | None
    status: str | None
    count: int | None
    deleted: bool


Key = tuple[str, str, int]


def _filters(query: DataQuery, alias: str = "") -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    if query.kpis is not None:
        where.append(f"{alias}kpi = ANY(?)")
        params.append(list(query.kpis))
    if query.areas is not None:
        where.append(f"{alias}area = ANY(?)")
        params.append(list(query.areas))
    if query.years is not None:
        where.append(f"{alias}period = ANY(?)")
        params.append([int(y) for y in query.years])
    return where, params


def _after(key: Key, *, inclusive: bool, alias: str = "") -> tuple[str, list[Any]]:
    """(kpi, area, period) > key (>= with `inclusive`), spelled out: no row comparison needed."""
    kpi, area, period = key
    k, a, p = f"{alias}kpi", f"{alias}area", f"{alias}period"
    last = ">=" if inclusive else ">"
    sql = f"{k} >= ? AND ({k} > ? OR ({k} = ? AND ({a} > ? OR ({a} = ? AND {p} {last} ?))))"
    return sql, [kpi, kpi, kpi, area, area, period]


@dataclass(frozen=True)
class _Window:
    """A part of the key space: KPI ids in [kpi_from, kpi_below), optionally after a start key."""

    kpi_from: str | None = None
    kpi_below: str | None = None
    start: Key | None = None
    inclusive: bool = False

    def where(self, alias: str = "") -> tuple[list[str], list[Any]]:
        conds: list[str] = []
        params: list[Any] = []
        if self.start is not None:
            cond, cparams = _after(self.start, inclusive=self.inclusive, alias=alias)
            conds.append(cond)
            params += cparams
        if self.kpi_from is not None:
            conds.append(f"{alias}kpi >= ?")
            params.append(self.kpi_from)
        if self.kpi_below is not None:
            conds.append(f"{alias}kpi < ?")
            params.append(self.kpi_below)
        return conds, params


def _source(query: DataQuery, window: _Window) -> tuple[str, list[Any]]:
    """A SELECT of (kpi, area, period, gender, value, status, count, deleted) for the query in a window."""
    where, params = _filters(query)
    wconds, wparams = window.where()
    where += wconds
    params += wparams
    if query.since is None:
        conds = " AND ".join([*where, _LIVE])
        sql = f"SELECT kpi, area, period, gender, value, status, count, FALSE AS deleted FROM observation WHERE {conds}"
        return sql, params
    rwhere, rparams = _filters(query, "r.")
    rconds, rcparams = window.where("r.")
    rwhere += rconds
    rparams += rcparams
    # The same conditions on the current values, repeated so that the database need not look
    # at current values outside the window for the NOT EXISTS.
    owhere, oparams = _filters(query, "o.")
    oconds, ocparams = window.where("o.")
    not_current = " AND ".join([_SAME_KEY, *owhere, *oconds])
    rwhere.append(f"NOT EXISTS (SELECT 1 FROM observation o WHERE {not_current})")
    rparams += oparams + ocparams
    live = " AND ".join([*where, "imported_at >= ?"])
    # The last revision of a key that has no current value: the value Kolada deleted.
    gone = " AND ".join(rwhere)
    sql = (
        "SELECT * FROM ("
        "SELECT kpi, area, period, gender, value, status, count, "
        f"(status IS NOT NULL AND status = '{DELETED_STATUS}') AS deleted FROM observation WHERE {live} "
        "UNION ALL "
        "SELECT kpi, area, period, gender, value, status, count, TRUE AS deleted FROM ("
        "SELECT r.kpi, r.area, r.period, r.gender, r.value, r.status, r.count, r.replaced_at, "
        "row_number() OVER (PARTITION BY r.kpi, r.area, r.period, r.gender "
        "ORDER BY r.replaced_at DESC, r.replaced_by DESC) AS newest "
        f"FROM observation_revision r WHERE {gone}) last_revision "
        "WHERE newest = 1 AND replaced_at >= ?) changed"
    )
    return sql, [*params, query.since, *rparams, query.since]


def _kpi_marks(store: Store, query: DataQuery) -> list[str]:
    """Sorted KPI ids that cut the key space into windows (any ids will do: windows are half-open)."""
    if query.kpis is not None:
        return sorted(set(query.kpis))
    if store.dialect == "duckdb":
        rows = store.db.query("SELECT DISTINCT kpi FROM observation")
    else:  # a skip scan over the key index: one probe per KPI instead of reading every row
        rows = store.db.query(
            "WITH RECURSIVE k(kpi) AS (SELECT min(kpi) FROM observation UNION ALL "
            "SELECT (SELECT min(o.kpi) FROM observation o WHERE o.kpi > k.kpi) FROM k "
            "WHERE k.kpi IS NOT NULL) SELECT kpi FROM k WHERE kpi IS NOT NULL"
        )
    return sorted(r[0] for r in rows)


def _windows(marks: list[str], start: Key | None, inclusive: bool) -> Iterator[_Window]:
    """Consecutive windows from `start` (or the beginning) to the end, growing 1, 2, 4, … KPIs wide.

    Each window is a KPI range that DuckDB's zone maps and PostgreSQL's key index read cheaply;
    together they cover every key after `start` exactly once.
    """
    first = start[0] if start is not None else (marks[0] if marks else None)
    j = bisect_right(marks, first) if first is not None else len(marks)
    below = marks[j] if j < len(marks) else None
    yield _Window(None, below, start, inclusive)
    size = 1
    while below is not None:
        lower = below
        j += size
        size *= 2
        below = marks[j] if j < len(marks) else None
        yield _Window(lower, below)


@dataclass(frozen=True)
class DataPage:
    """Up to `limit` data groups, whether more follow, and the last group's key (a cursor)."""

    values: list[KoladaValue]
    has_next: bool
    last_key: Key | None


def _value(r: Sequence[Any]) -> KoladaValue:
    return KoladaValue(
        kpi=r[0],
        area=r[1],
        period=int(r[2]),
        gender=r[3],
        value=None if r[4] is None else float(r[4]),
        status=r[5],
        count=None if r[6] is None else int(r[6]),
        deleted=bool(r[7]),
    )


def _start_of(store: Store, query: DataQuery, marks: list[str], offset: int) -> Key | None:
    """The key of data group number offset + 1, counting groups window by window."""
    skipped = 0
    for window in _windows(marks, None, False):
        source, params = _source(query, window)
        distinct = f"SELECT DISTINCT kpi, area, period FROM ({source}) s"
        in_window = int(store.db.query(f"SELECT count(*) FROM ({distinct}) d", params)[0][0])
        if skipped + in_window > offset:
            row = store.db.query(
                f"{distinct} ORDER BY kpi, area, period LIMIT 1 OFFSET ?", [*params, offset - skipped]
            )[0]
            return (row[0], row[1], int(row[2]))
        skipped += in_window
    return None


def data_page(
    store: Store, query: DataQuery, *, limit: int, offset: int = 0, after: Key | None = None
) -> DataPage:
    """The values of `limit` data groups, in (kpi, area, period) order, genders T, K, M within one.

    A group is one (kpi, area, period): a Kolada data row. The page starts after the group
    `after` if given (a cursor: the cheap way), else at group number offset + 1 (which counts
    the groups before it).
    """
    if limit <= 0:
        return DataPage([], False, None)
    marks = _kpi_marks(store, query)
    start, inclusive = after, False
    if after is None and offset > 0:
        start, inclusive = _start_of(store, query, marks, offset), True
        if start is None:
            return DataPage([], False, None)
    groups: list[list[KoladaValue]] = []
    for window in _windows(marks, start, inclusive):
        source, params = _source(query, window)
        # A group has at most three rows (T, K, M): this many rows hold the rest of the page and
        # the first group after it, which says that another page follows.
        cap = 3 * (limit + 1 - len(groups))
        rows = store.db.query(f"{source} ORDER BY kpi, area, period, gender LIMIT ?", [*params, cap])
        grown = _grouped(groups, rows)
        if len(rows) == cap and len(grown) <= limit:  # pragma: no cover - groups of more than 3 rows
            grown = _grouped(groups, store.db.query(f"{source} ORDER BY kpi, area, period, gender", params))
        groups = grown
        # A window ends between KPIs, so it never cuts a group in two; only the cap can, and
        # then only the group after the page.
        if len(groups) > limit:
            break
    page = groups[:limit]
    values = [v for group in page for v in sorted(group, key=_gender_order)]
    last = (page[-1][0].kpi, page[-1][0].area, page[-1][0].period) if page else None
    return DataPage(values, len(groups) > limit, last)


def _grouped(groups: list[list[KoladaValue]], rows: Sequence[Sequence[Any]]) -> list[list[KoladaValue]]:
    """`groups` with `rows` (sorted by key) added: a new group for each new (kpi, area, period)."""
    out = [list(g) for g in groups[-1:]]
    for row in rows:
        value = _value(row)
        head = out[-1][0] if out else None
        if head is not None and (head.kpi, head.area, head.period) == (value.kpi, value.area, value.period):
            out[-1].append(value)
        else:
            out.append([value])
    return groups[:-1] + out


def _gender_order(value: KoladaValue) -> tuple[int, str]:
    return ({"T": 0, "K": 1, "M": 2}.get(value.gender, 9), value.gender)


def group_members(store: Store, group_ids: Sequence[str] | None = None) -> dict[str, list[tuple[str, str]]]:
    """(area id, title) of the members of every group (or of `group_ids`), in the group's order."""
    sql = "SELECT m.group_id, a.id, a.title FROM group_member m JOIN area a ON a.id = m.area_id"
    params: list[Any] = []
    if group_ids is not None:
        if not group_ids:
            return {}
        sql += " WHERE m.group_id = ANY(?)"
        params.append(list(group_ids))
    members: dict[str, list[tuple[str, str]]] = {}
    for gid, aid, title in store.db.query(sql + " ORDER BY m.group_id, m.position, a.id", params):
        members.setdefault(gid, []).append((aid, title))
    return members


def backdate_imports(store: Store, when: datetime, *, kpis: Sequence[str] | None = None) -> int:
    """Set the import time of stored values (all, or those of `kpis`) to `when`; returns how many.

    For the fake Kolada and tests only: it makes a freshly built store look imported earlier,
    so that a later change is the only thing a `from_date` of today returns.
    """
    sql = "UPDATE observation SET imported_at = ?"
    params: list[Any] = [when]
    if kpis is not None:
        sql += " WHERE kpi = ANY(?)"
        params.append(list(kpis))
    with store.db.transaction():
        changed = store.db.execute(sql, params)
    return changed
