"""Shared access to the one store connection of a web process, for every router."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import Request

from jamfor.store import Store


class StoreAccess:
    """The process's store behind a lock: DuckDB and psycopg connections are not for parallel use."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.Lock()

    @contextmanager
    def using(self) -> Iterator[Store]:
        with self._lock:
            yield self.store


def store_access(request: Request) -> StoreAccess:
    """FastAPI dependency: `access: StoreAccess = Depends(store_access)`."""
    access: StoreAccess = request.app.state.access
    return access
