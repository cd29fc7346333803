"""Shared access to the store connections of a web process, for every router."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any, TypeVar

from fastapi import Request

from jamfor.errors import DatabaseError
from jamfor.model import Area, Group, Kpi
from jamfor.store import Store
from jamfor.web.i18n import WebError

T = TypeVar("T")
MEMO_ENTRIES = 512  # answers kept per data version
MEMO_MAX_ROWS = 100_000  # a longer answer is not kept
MEMO_TOTAL_ROWS = 1_000_000  # rows kept in all answers together (a few hundred MB at most)


class StoreUnavailable(WebError, DatabaseError):
    """The database cannot be reached just now: 503 on pages (a WebError) and in the APIs (a
    DatabaseError), with a sentence saying to try again; the next request reconnects."""

    def __init__(self, detail: str) -> None:
        super().__init__("api_unavailable", detail=detail)


class StoreAccess:
    """The process's store connections, each lent to one thread at a time.

    A DuckDB or psycopg connection is not for parallel use, so a request borrows one for the
    time it needs it and gives it back. `connections` > 1 adds siblings of `store` (DuckDB:
    cursors of the same database instance, whose queries run in parallel; PostgreSQL: more
    connections), so that concurrent requests do not queue behind one lock. With 1, requests
    take turns on `store` as before.

    `using(version)` lends the connection as a `MemoStore`: the answers of the read methods
    that every page asks alike (the catalogue, the areas and groups, every municipality's
    values of a year) are kept for that data version and shared by the requests.
    """

    def __init__(self, store: Store, connections: int = 1) -> None:
        self.store = store
        self._all = [store, *(store.sibling() for _ in range(max(1, connections) - 1))]
        self._idle = list(self._all)
        # Connections to check with a ping before their next use: once one connection is found
        # dropped (a restart, terminated sessions), the others most likely were dropped too.
        self._suspect: set[int] = set()
        self._ready = threading.Condition()
        self._memo = ReadMemo()
        self._periods: tuple[Hashable, dict[str, tuple[int, ...]], tuple[int, int, int]] | None = None
        self._periods_lock = threading.Lock()

    @property
    def connections(self) -> int:
        return len(self._all)

    @contextmanager
    def using(self, version: Hashable = None) -> Iterator[Store]:
        """A connection for this thread; with the data `version`, one that remembers answers.

        A PostgreSQL connection the server dropped (a restart, a terminated session) is replaced
        by a new one when it is next borrowed; while the server cannot be reached, and for the
        request that finds a connection broken, `StoreUnavailable` (503) is raised.
        """
        with self._ready:
            while not self._idle:
                self._ready.wait()
            store = self._idle.pop()
        try:
            store = self._reconnected(store)
            try:
                yield store if version is None else MemoStore(store, self._memo.at(version))
            except Exception as exc:
                if _broken(store):
                    with self._ready:
                        self._suspect.update(id(other) for other in self._all if other is not store)
                    lost = f"the database connection was lost: {exc}"
                    raise StoreUnavailable(lost) from exc
                raise
        finally:
            with self._ready:
                self._idle.append(store)
                self._ready.notify()

    def _reconnected(self, store: Store) -> Store:
        """`store`, or a new connection in its place if the server has dropped it."""
        with self._ready:
            suspect = id(store) in self._suspect
            self._suspect.discard(id(store))
        if suspect and not _broken(store):
            with suppress(Exception):  # a dropped connection fails here and is closed by psycopg
                store.db.query("SELECT 1")
        if not _broken(store):
            return store
        try:
            fresh = store.sibling()  # PostgreSQL: a new connection to the same database and schema
        except Exception as exc:
            raise StoreUnavailable(f"the database cannot be reached: {exc}") from exc
        self._all[self._all.index(store)] = fresh
        if self.store is store:
            self.store = fresh
        with suppress(Exception):  # a broken connection may fail to close; it is dropped either way
            store.close()
        return fresh

    def data_version(self) -> Hashable:
        """The store's data fingerprint (`Store.data_version`), for the response cache."""
        with self.using() as store:
            return store.data_version()

    def periods_of(self, store: Store, kpis: Sequence[str], version: Hashable) -> list[int]:
        """`store.periods_of(kpis)` from a table of every KPI's years, read once per data version.

        `store` is the connection the caller holds already; `version` the data version the
        response cache read for this request (`Store.data_version`).
        """
        with self._periods_lock:  # one reading at a time; the others wait for it
            if self._periods is None or self._periods[0] != version:
                self._periods = (version, *self._periods_table(store))
            table = self._periods[1]
        return sorted({p for kpi in kpis for p in table.get(kpi, ())})

    def _periods_table(self, store: Store) -> tuple[dict[str, tuple[int, ...]], tuple[int, int, int]]:
        """Every KPI's years and the mark they were read at: the last table extended by what data
        entry added since (a few rows), or, after an import or with no table yet, read whole (a
        scan of every observation: seconds on PostgreSQL with the full dump)."""
        if self._periods is not None:
            _, table, mark = self._periods
            added = store.periods_added_since(mark)
            if added is not None:
                new_mark, pairs = added
                grown = dict(table)
                for kpi, period in pairs:
                    if period not in grown.get(kpi, ()):
                        grown[kpi] = tuple(sorted({*grown.get(kpi, ()), period}))
                return grown, new_mark
        mark = store.periods_mark()  # before the scan: what commits during it is looked at again
        return store.periods_by_kpi(), mark

    def close(self) -> None:
        """Close the siblings, then `store` (DuckDB cursors before their connection)."""
        for store in reversed(self._all):
            store.close()


class ReadMemo:
    """Answers by (method, arguments) for one data version at a time, least recently used out first.

    Bounded twice: at most `entries` answers, and at most `rows` rows (list items, or the rows
    of a table's values) in all of them, so that many different questions (other years, other
    measure sets) cannot grow a process without bound.
    """

    def __init__(self, entries: int = MEMO_ENTRIES, rows: int = MEMO_TOTAL_ROWS) -> None:
        self.entries = entries
        self.rows = rows
        self._version: Hashable = None
        self._answers: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._rows = 0
        self._lock = threading.Lock()

    def at(self, version: Hashable) -> ReadMemo:
        with self._lock:
            if version != self._version:
                self._version = version
                self._answers.clear()
                self._rows = 0
        return self

    def _found(self, key: Hashable) -> tuple[Hashable, Any]:
        """(the version, the kept answer to `key` or None); call with the lock held."""
        found = self._answers.get(key)
        if found is None:
            return self._version, None
        self._answers.move_to_end(key)
        return self._version, found[0]

    def _keep(self, version: Hashable, key: Hashable, answer: Any, rows: int) -> None:
        """Keep `answer` (of `rows` rows) if it was read for the current version and is not too long."""
        if rows > MEMO_MAX_ROWS:
            return
        with self._lock:
            if self._version != version:
                return
            old = self._answers.pop(key, None)
            if old is not None:
                self._rows -= old[1]
            self._answers[key] = (answer, rows)
            self._rows += rows
            while len(self._answers) > self.entries or self._rows > self.rows:
                _, (_, dropped) = self._answers.popitem(last=False)
                self._rows -= dropped

    def table(
        self, key: Hashable, read: Callable[[], dict[str, T]], size: Callable[[dict[str, T]], int] = len
    ) -> dict[str, T]:
        """The kept table `key` (shared: the caller must not change it), or `read()`, kept.

        `size` says how many rows a table counts as (default: its number of keys).
        """
        with self._lock:
            version, found = self._found(key)
        if found is not None:
            return found  # type: ignore[no-any-return]
        table = read()
        self._keep(version, key, table, size(table))
        return table

    def get(self, key: Hashable, read: Callable[[], list[T]]) -> list[T]:
        """A copy of the kept answer to `key`, or `read()` (kept unless it is long)."""
        with self._lock:
            version, found = self._found(key)
        if found is not None:
            return list(found)
        answer = read()  # outside the lock: two threads may read the same at once, which is harmless
        self._keep(version, key, tuple(answer), len(answer))
        return list(answer)


class MemoStore(Store):
    """A store connection whose shared read methods answer from a `ReadMemo` of one data version.

    Only methods whose answer depends on their arguments and the stored data alone are kept,
    and `values` only for every area at once; a municipality page's question (its own series
    and every area's last year) is answered from two such shared answers. Answers are
    immutable objects in fresh lists.
    """

    def __init__(self, store: Store, memo: ReadMemo) -> None:
        super().__init__(store.db)
        self._memo = memo

    def values(
        self,
        kpis: Sequence[str],
        periods: Sequence[int] | None = None,
        gender: str = "T",
        areas: Sequence[str] | None = None,
        *,
        all_areas_in: Sequence[int] | None = None,
    ) -> list[tuple[str, str, int, float | None, str | None]]:
        if areas is None:
            key = ("values", tuple(kpis), None if periods is None else tuple(periods), gender)
            return self._memo.get(key, lambda: super(MemoStore, self).values(kpis, periods, gender))
        if not all_areas_in or periods is None:
            return super().values(kpis, periods, gender, areas, all_areas_in=all_areas_in)
        # A municipality's page: its own series and every area's last year. Both halves come
        # from answers every municipality's page shares: every area's values in the last year,
        # and every area's in the years before, by area.
        every = sorted({int(p) for p in periods} & {int(p) for p in all_areas_in})
        before = sorted({int(p) for p in periods} - set(every))
        rows = self.values(kpis, every, gender) if every else []
        if before and areas:
            key = ("values by area", tuple(kpis), tuple(before), gender)
            by_area = self._memo.table(
                key,
                lambda: _by_area(super(MemoStore, self).values(kpis, before, gender)),
                lambda table: sum(len(group) for group in table.values()),
            )
            for area in dict.fromkeys(areas):
                rows += by_area.get(area, ())
        return rows

    def areas(self, type: str | None = None) -> list[Area]:
        return self._memo.get(("areas", type), lambda: super(MemoStore, self).areas(type))

    def area(self, area_id: str) -> Area:
        found = self._memo.table(("area by id",), lambda: {a.id: a for a in self.areas()}).get(area_id)
        return found if found is not None else super().area(area_id)  # raises NotFoundError

    def kpis(self, ids: Sequence[str] | None = None) -> list[Kpi]:
        key = ("kpis", None if ids is None else tuple(ids))
        return self._memo.get(key, lambda: super(MemoStore, self).kpis(ids))

    def kpi(self, kpi_id: str) -> Kpi:
        return self._memo.get(("kpi", kpi_id), lambda: [super(MemoStore, self).kpi(kpi_id)])[0]

    def groups(self, kind: str | None = None, text: str | None = None) -> list[Group]:
        return self._memo.get(("groups", kind, text), lambda: super(MemoStore, self).groups(kind, text))

    def groups_containing(self, area_id: str, kinds: Sequence[str] | None = None) -> list[Group]:
        if kinds is None:
            key = ("groups_containing", area_id)
            return self._memo.get(key, lambda: super(MemoStore, self).groups_containing(area_id))
        every = self._memo.table(("groups by area", tuple(kinds)), lambda: self.groups_by_area(kinds))
        return list(every.get(area_id, ()))

    def periods(self, kpi: str) -> list[int]:
        return self._memo.get(("periods", kpi), lambda: super(MemoStore, self).periods(kpi))


def _by_area(rows: list[tuple[str, str, int, float | None, str | None]]) -> dict[str, tuple[Any, ...]]:
    """`Store.values` rows by area (the second item of each)."""
    found: dict[str, list[Any]] = {}
    for row in rows:
        found.setdefault(row[1], []).append(row)
    return {area: tuple(group) for area, group in found.items()}


def _broken(store: Store) -> bool:
    """Whether a PostgreSQL connection is closed (psycopg closes one the server dropped)."""
    con = getattr(store.db, "con", None)
    return store.dialect == "postgres" and con is not None and bool(con.closed)


async def store_access(request: Request) -> StoreAccess:
    """FastAPI dependency: `access: StoreAccess = Depends(store_access)`.

    A coroutine, so that FastAPI answers it on the event loop: a plain function would cost
    every request a round trip through the thread pool for one attribute lookup.
    """
    access: StoreAccess = request.app.state.access
    return access
