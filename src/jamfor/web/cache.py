"""A bounded in-memory cache of whole responses, keyed on the URL and the store's data version.

Every page, download and API answer is a function of its URL and the stored data only (the web
layer computes nothing else, see `docs/website.md`), so a response can be kept until the data
changes. `ResponseCache` holds the responses (least recently used out first, bounded in bytes)
and the data version it last read; `CacheMiddleware` serves from it. Each cacheable response
carries a weak ETag made from the same key, and a request whose If-None-Match names it gets
304 Not Modified without the page being built.

The data version (`Store.data_version`: import batches, catalogue, curation, groups) is read
again at most every `check_every` seconds; a change empties the cache. A read-only DuckDB file
cannot change under a running server, so there it is read once.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Paths whose answers are not built from the store (or are files with their own validators).
UNCACHED_PREFIXES = ("/static/", "/api/docs", "/api/openapi.json")
# Requests carrying this cookie (a login, `web/auth.py`) pass the cache.
SESSION_COOKIE = b"jamfor_session="
# A request scope with this key set is answered past the cache (not kept, not counted).
WARM_UP = "jamfor.warm_up"
DEFAULT_MAX_BYTES = 128 * 1024 * 1024
DEFAULT_MAX_ENTRY = 8 * 1024 * 1024
_ENTRY_OVERHEAD = 400  # bytes of bookkeeping per entry, roughly: key, headers list, objects

Key = tuple[Hashable, ...]


@dataclass(frozen=True)
class CachedResponse:
    status: int
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(k) + len(v) for k, v in self.headers) + _ENTRY_OVERHEAD


class ResponseCache:
    """Responses by (data version, URL), least recently used evicted first once over `max_bytes`.

    Used from the event loop only (one thread), so it needs no lock; `data_version` is called
    in a worker thread, as it asks the database.
    """

    def __init__(
        self,
        data_version: Callable[[], Hashable],
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_entry: int = DEFAULT_MAX_ENTRY,
        check_every: float = 1.0,
        max_builds: int = 2,
    ) -> None:
        self.data_version = data_version
        self.max_builds = max_builds
        self.max_bytes = max_bytes
        self.max_entry = min(max_entry, max_bytes)
        self.check_every = check_every
        self._entries: OrderedDict[Key, CachedResponse] = OrderedDict()
        self._bytes = 0
        self._version: Hashable = None
        self._checked: float | None = None
        self.pending: dict[Key, asyncio.Future[CachedResponse | None]] = {}
        self._reading: asyncio.Future[Hashable] | None = None
        self._builds: tuple[asyncio.AbstractEventLoop, asyncio.Semaphore] | None = None
        self.hits = self.misses = self.not_modified = self.evictions = self.invalidations = 0

    async def version(self) -> Hashable:
        """The data version, read again if the last reading is older than `check_every` seconds.

        Requests that find a reading under way wait for it rather than start their own.
        """
        if self._checked is not None and time.monotonic() - self._checked < self.check_every:
            return self._version
        loop = asyncio.get_running_loop()
        if self._reading is not None and self._reading.get_loop() is loop:
            return await asyncio.shield(self._reading)
        reading: asyncio.Future[Hashable] = loop.create_future()
        self._reading = reading
        try:
            version = await anyio.to_thread.run_sync(self.data_version)
        except Exception as exc:
            reading.set_exception(exc)
            reading.exception()  # retrieved here: waiters, if any, get it as well
            raise
        except BaseException:
            reading.cancel()
            raise
        finally:
            if self._reading is reading:
                self._reading = None
        if self._checked is not None and version != self._version:
            self.invalidations += 1
            self.clear()
        self._version, self._checked = version, time.monotonic()
        reading.set_result(version)
        return version

    def builds(self) -> asyncio.Semaphore:
        """At most `max_builds` responses built at a time: the rest queue, hits go past them.

        Building is CPU work under the GIL; with fewer builders the event loop, which serves
        the hits, waits less for its turn.
        """
        loop = asyncio.get_running_loop()
        if self._builds is None or self._builds[0] is not loop:
            self._builds = (loop, asyncio.Semaphore(self.max_builds))
        return self._builds[1]

    def get(self, key: Key) -> CachedResponse | None:
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
        return found

    def put(self, key: Key, response: CachedResponse) -> None:
        if key[0] != self._version or response.size > self.max_entry:
            return  # built for data that has changed since, or too large to keep
        old = self._entries.pop(key, None)
        if old is not None:
            self._bytes -= old.size
        self._entries[key] = response
        self._bytes += response.size
        while self._bytes > self.max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self._bytes -= evicted.size
            self.evictions += 1

    def clear(self) -> None:
        self._entries.clear()
        self._bytes = 0

    def stats(self) -> dict[str, int]:
        return {
            "entries": len(self._entries),
            "bytes": self._bytes,
            "hits": self.hits,
            "misses": self.misses,
            "not_modified": self.not_modified,
            "evictions": self.evictions,
            "invalidations": self.invalidations,
        }


def etag_of(key: Key) -> bytes:
    """A weak validator for the response at `key`: the same URL and data give the same tag."""
    return b'W/"' + hashlib.blake2b(repr(key).encode(), digest_size=12).hexdigest().encode() + b'"'


def _matches(if_none_match: bytes, etag: bytes) -> bool:
    opaque = etag.removeprefix(b"W/")
    return any(tag.strip().removeprefix(b"W/") == opaque for tag in if_none_match.split(b","))


def _header(headers: Any, name: bytes) -> bytes | None:
    for key, value in headers:
        if key.lower() == name:
            return bytes(value)
    return None


def _personal(headers: Any) -> bool:
    """A request of a logged-in user (a session cookie) or with credentials: never served from
    the cache nor kept in it, as its answer may be theirs alone (`web/auth.py`)."""
    cookie = _header(headers, b"cookie")
    return _header(headers, b"authorization") is not None or (cookie is not None and SESSION_COOKIE in cookie)


class CacheMiddleware:
    """ASGI middleware answering GET requests from a `ResponseCache` (and 304s from its ETags).

    Requests of logged-in users (`_personal`) pass it untouched. Only 200 answers without
    Set-Cookie, Cache-Control: no-store or an ETag of their own are kept. Requests for the same
    uncached URL that arrive while it is being built wait for that one build instead of
    repeating it. `X-Cache: hit` or `miss` says which it was.
    """

    def __init__(self, app: ASGIApp, cache: ResponseCache) -> None:
        self.app = app
        self.cache = cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or path.startswith(UNCACHED_PREFIXES)
            or _personal(scope.get("headers", []))
        ):
            await self.app(scope, receive, send)
            return
        cache = self.cache
        try:
            version = await cache.version()
        except Exception:  # the store cannot say: answer uncached, with the app's own errors
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {})["data_version"] = version  # for per-version tables (pages)
        if scope.get(WARM_UP):  # built to be thrown away (`app.warm_up_pages`): not kept
            await self.app(scope, receive, send)
            return
        headers = scope.get("headers", [])
        key: Key = (
            version,
            scope.get("scheme", "http"),
            _header(headers, b"host"),
            scope.get("root_path", ""),
            path,
            scope.get("query_string", b""),
        )
        etag = etag_of(key)
        if_none_match = _header(headers, b"if-none-match")
        if if_none_match is not None and _matches(if_none_match, etag):
            cache.not_modified += 1
            await send({"type": "http.response.start", "status": 304, "headers": [(b"etag", etag)]})
            await send({"type": "http.response.body", "body": b""})
            return
        found = cache.get(key)
        if found is None:
            building = cache.pending.get(key)
            if building is not None and building.get_loop() is asyncio.get_running_loop():
                found = await asyncio.shield(building)
        if found is not None:
            cache.hits += 1
            await send(
                {
                    "type": "http.response.start",
                    "status": found.status,
                    "headers": [*found.headers, (b"x-cache", b"hit")],
                }
            )
            await send({"type": "http.response.body", "body": found.body})
            return
        cache.misses += 1
        if key in cache.pending:  # built by another request whose answer could not be kept
            await self._build(scope, receive, send, etag)
            return
        done: asyncio.Future[CachedResponse | None] = asyncio.get_running_loop().create_future()
        cache.pending[key] = done
        built = None
        try:
            built = await self._build(scope, receive, send, etag)
            if built is not None:
                cache.put(key, built)
        finally:
            cache.pending.pop(key, None)
            done.set_result(built)

    async def _build(self, scope: Scope, receive: Receive, send: Send, etag: bytes) -> CachedResponse | None:
        """Run the app, passing its answer on (with the ETag); the answer if it may be kept."""
        status = 0
        kept: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []
        size = 0
        keep = False

        async def capture(message: Message) -> None:
            nonlocal status, kept, size, keep
            if message["type"] == "http.response.start":
                status = message["status"]
                kept = [(bytes(k), bytes(v)) for k, v in message.get("headers", [])]
                control = (_header(kept, b"cache-control") or b"").lower()
                keep = (
                    status == 200
                    and _header(kept, b"set-cookie") is None
                    and _header(kept, b"etag") is None
                    and b"no-store" not in control
                    and b"private" not in control
                )
                if keep:
                    kept.append((b"etag", etag))
                message = {**message, "headers": [*kept, (b"x-cache", b"miss")]}
            elif message["type"] == "http.response.body" and keep:
                body: bytes = message.get("body", b"")
                size += len(body)
                if size > self.cache.max_entry:
                    keep = False
                    chunks.clear()
                else:
                    chunks.append(body)
            await send(message)

        async with self.cache.builds():
            await self.app(scope, receive, capture)
        if not keep:
            return None
        return CachedResponse(status, tuple(kept), b"".join(chunks))
