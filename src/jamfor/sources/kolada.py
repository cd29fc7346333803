"""A client for the Kolada API v3: every metadata and data route, paged to the end, lists in
chunks of 25, retries with backoff, and a polite request rate.

All I/O goes through an httpx transport that tests replace (`httpx.MockTransport`, or a fake
Kolada served over real HTTP). The client makes no request it does not need: no counts, no
probes; a listing costs exactly one request per page of at most `per_page` items.
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import date
from email.utils import parsedate_to_datetime
from typing import Any, Literal, TypeVar
from urllib.parse import quote, urlencode, urljoin

import httpx

from jamfor.errors import JamforError

DEFAULT_BASE_URL = "https://api.kolada.se/v3"
MAX_IDS = 25  # Kolada answers an error for longer comma-separated lists
MAX_PER_PAGE = 5000
DEFAULT_RATE = 5.0  # requests per second; Kolada documents no limit, polite clients stay at 5
USER_AGENT = "jamfor (+https://github.com/jamfor/jamfor)"

T = TypeVar("T")
Form = Literal["query", "path"]


class KoladaError(JamforError):
    """Kolada (or a server claiming to be it) could not give what was asked, even after retries."""

    def __init__(self, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url


def chunks(ids: Iterable[T], size: int = MAX_IDS) -> list[tuple[T, ...]]:
    """`ids` without repeats, in order, cut into lists of at most `size` (Kolada's list limit)."""
    unique = list(dict.fromkeys(ids))
    return [tuple(unique[i : i + size]) for i in range(0, len(unique), size)]


def minimum_requests(items_per_listing: Iterable[int], per_page: int = MAX_PER_PAGE) -> int:
    """The fewest requests that can fetch listings of these sizes: one per page, at least one each."""
    return sum(max(1, math.ceil(n / per_page)) for n in items_per_listing)


# -- politeness ------------------------------------------------------------------------------------


class RateLimiter:
    """A token bucket: on average at most `rate` requests a second, bursts of at most `burst`.

    `rate=None` turns it off. The clock and the sleep are injectable so tests never wait.
    """

    def __init__(
        self,
        rate: float | None,
        *,
        burst: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate is not None and rate <= 0:
            raise ValueError("the request rate must be positive (or None for no limit)")
        self.rate = rate
        self.burst = max(1.0, burst)
        self._clock = clock
        self._sleep = sleep
        self._tokens = self.burst
        self._last: float | None = None
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Take one token, sleeping until there is one; return the seconds slept."""
        if self.rate is None:
            return 0.0
        with self._lock:  # the prefetching thread and the caller's may both ask
            return self._acquire(self.rate)

    def _acquire(self, rate: float) -> float:
        now = self._clock()
        if self._last is not None:
            self._tokens = min(self.burst, self._tokens + (now - self._last) * rate)
        self._last = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return 0.0
        wait = (1.0 - self._tokens) / rate
        self._sleep(wait)
        self._tokens = 0.0
        self._last = now + wait
        return wait


@dataclass(frozen=True)
class RetryPolicy:
    """Retries of 429, 5xx, timeouts, broken connections and unreadable bodies.

    The n-th retry waits `backoff * 2**(n-1)` seconds, at most `cap`; a Retry-After header
    (seconds or an HTTP date) is honoured instead, up to `max_retry_after`.
    """

    attempts: int = 6
    backoff: float = 0.5
    cap: float = 30.0
    max_retry_after: float = 300.0

    def delay(self, retry: int) -> float:
        return float(min(self.cap, self.backoff * 2 ** (retry - 1)))


def _retry_after(response: httpx.Response, now: Callable[[], float] = time.time) -> float | None:
    header = response.headers.get("Retry-After")
    if header is None:
        return None
    header = header.strip()
    try:
        return max(0.0, float(header))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - now())


# -- responses -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """One response of a listing: its items and the address of the next page, if any."""

    url: str
    values: list[dict[str, Any]]
    next_url: str | None
    size: int  # bytes of the body


@dataclass
class ClientStats:
    """What the client has done so far (shared by all its listings)."""

    requests: int = 0  # HTTP requests sent, retries included
    pages: int = 0  # good responses
    retries: int = 0
    items: int = 0
    bytes: int = 0
    waited: float = 0.0  # seconds slept for the rate limit and for backoff


class _BadResponse(Exception):
    """A response that cannot be used; worth asking again."""


def _parse_page(url: str, content: bytes) -> Page:
    try:
        doc = json.loads(content)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _BadResponse(f"the body is not JSON ({exc})") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("values"), list):
        raise _BadResponse("the body is not a Kolada envelope with a 'values' list")
    values = doc["values"]
    count = doc.get("count")
    if count is not None and count != len(values):
        raise _BadResponse(f"'count' says {count} but {len(values)} values arrived")
    next_url = doc.get("next_url")
    if next_url is not None and not isinstance(next_url, str):
        raise _BadResponse("'next_url' is neither a string nor null")
    if not all(isinstance(v, dict) for v in values):
        raise _BadResponse("an item of 'values' is not an object")
    return Page(url=url, values=values, next_url=next_url or None, size=len(content))


@dataclass(frozen=True)
class Listing:
    """One request of the API before paging: a path under the base URL and its parameters."""

    path: str
    params: tuple[tuple[str, str], ...] = ()

    def url(self, base_url: str, per_page: int) -> str:
        params = [*self.params, ("per_page", str(per_page))]
        return f"{base_url.rstrip('/')}{self.path}?{urlencode(params, safe=',')}"


def id_list(values: Sequence[Any]) -> str:
    """Ids as one path segment: comma-separated, each escaped."""
    return ",".join(quote(str(v), safe="") for v in values)


def _check_list(name: str, values: Sequence[Any] | None) -> None:
    if values is not None and len(values) > MAX_IDS:
        raise ValueError(f"at most {MAX_IDS} {name} in one request, not {len(values)}")


def data_listing(
    kpis: Sequence[str] | None = None,
    areas: Sequence[str] | None = None,
    years: Sequence[int] | None = None,
    *,
    from_date: date | str | None = None,
    form: Form = "query",
    ou: bool = False,
) -> Listing:
    """The request for one chunk of values (each list at most 25 long).

    The path form is `/data/kpi/{k}/municipality/{m}/year/{y}` with any two or three of the
    parts; the query form `/data?kpi_id=&municipality_id=&year=&from_date=` takes any of them.
    With `ou`, the same under `/oudata` with `ou` / `ou_id` for the units.
    """
    for name, values in (("KPIs", kpis), ("areas", areas), ("years", years)):
        _check_list(name, values)
    root = "/oudata" if ou else "/data"
    area_part = "ou" if ou else "municipality"
    since = from_date.isoformat() if isinstance(from_date, date) else from_date
    if form == "path":
        parts = [(n, v) for n, v in (("kpi", kpis), (area_part, areas), ("year", years)) if v is not None]
        if len(parts) < 2:
            raise ValueError("the path form needs two of KPIs, areas and years; use the query form")
        path = root + "".join(f"/{n}/{id_list(v)}" for n, v in parts)
        return Listing(path, (("from_date", since),) if since else ())
    params: list[tuple[str, str]] = []
    for name, values in (("kpi_id", kpis), (f"{area_part}_id", areas), ("year", years)):
        if values is not None:
            params.append((name, ",".join(str(v) for v in values)))
    if since:
        params.append(("from_date", since))
    if not params:
        raise ValueError("a data request needs KPIs, areas, years or a from_date")
    return Listing(root, tuple(params))


# -- the client ------------------------------------------------------------------------------------


class KoladaClient:
    """Kolada API v3 over httpx. Use as a context manager, or call `close()`.

    `transport` replaces the network (tests); `rate` is requests per second (None: no limit);
    `sleep` and `clock` are injectable so that tests of backoff and rate never wait.
    `on_page(page, stats)` is told about every good response (for progress bars); with
    `prefetch`, from the thread that asks for the next page while the caller reads this one.
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        transport: httpx.BaseTransport | None = None,
        rate: float | None = DEFAULT_RATE,
        per_page: int = MAX_PER_PAGE,
        retry: RetryPolicy | None = None,
        timeout: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        on_page: Callable[[Page, ClientStats], None] | None = None,
        on_retry: Callable[[str, str, float], None] | None = None,
        prefetch: bool = True,
    ) -> None:
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise ValueError(f"per_page must be between 1 and {MAX_PER_PAGE}")
        self.base_url = base_url.rstrip("/")
        self.per_page = per_page
        self.retry = retry or RetryPolicy()
        self.stats = ClientStats()
        self.on_page = on_page
        self.on_retry = on_retry
        self.prefetch = prefetch
        self._executor: ThreadPoolExecutor | None = None
        self._sleep = sleep
        self._limiter = RateLimiter(rate, clock=clock, sleep=sleep)
        self._http = httpx.Client(
            transport=transport,
            timeout=timeout,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        )

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
        self._http.close()

    def __enter__(self) -> KoladaClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transport, retries, paging ----------------------------------------------------------

    def get_page(self, url: str, *, least_items: int = 0) -> Page:
        """One page, asked again on 429, 5xx, timeouts and broken or unreadable responses.

        A page with fewer than `least_items` items is asked again too: `pages` expects at
        least one on a page that `next_url` announced, and so does a retry after an answer
        that was cut short but showed items. An empty page then would end a listing early
        without a word, which is how rows go missing.
        """
        policy = self.retry
        for attempt in range(1, policy.attempts + 1):
            self.stats.waited += self._limiter.acquire()
            self.stats.requests += 1
            wait: float | None = None
            try:
                response = self._http.get(url)
            except httpx.TimeoutException:
                problem = "the request timed out"
            except httpx.TransportError as exc:
                problem = f"the connection failed ({exc.__class__.__name__}: {exc})"
            else:
                status = response.status_code
                if status == 429 or status >= 500:
                    problem = f"Kolada answered {status} {response.reason_phrase}".rstrip()
                    wait = _retry_after(response)
                elif status >= 400:
                    raise KoladaError(
                        f"{url}: Kolada answered {status} {response.reason_phrase}: "
                        f"{_detail(response)}".rstrip(": "),
                        url=url,
                    )
                else:
                    try:
                        page = _parse_page(url, response.content)
                        if len(page.values) < least_items:
                            raise _BadResponse(
                                f"the page has {len(page.values)} items where at least {least_items} "
                                "were announced or seen before"
                            )
                    except _BadResponse as exc:
                        problem = str(exc)
                        if _shows_items(response.content):
                            least_items = max(least_items, 1)
                    else:
                        self.stats.pages += 1
                        self.stats.items += len(page.values)
                        self.stats.bytes += page.size
                        if self.on_page is not None:
                            self.on_page(page, self.stats)
                        return page
            if attempt == policy.attempts:
                raise KoladaError(
                    f"{url}: no usable answer after {policy.attempts} attempts; the last: {problem}",
                    url=url,
                )
            delay = policy.delay(attempt)
            if wait is not None:
                delay = min(wait, policy.max_retry_after)
            self.stats.retries += 1
            if self.on_retry is not None:
                self.on_retry(url, problem, delay)
            self.stats.waited += delay
            self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def pages(self, listing: Listing) -> Iterator[Page]:
        """Every page of a listing, following `next_url` until it is null.

        With `prefetch`, the next page is asked for while the caller works on this one (one
        request at a time still; only pages the listing announces, so never an extra request).
        """
        url = listing.url(self.base_url, self.per_page)
        seen = {url}
        page = self.get_page(url)
        while True:
            following: Future[Page] | None = None
            if page.next_url is not None:
                url = urljoin(url, page.next_url)
                if url in seen:
                    raise KoladaError(f"{page.url}: 'next_url' points back to a page already read", url=url)
                seen.add(url)
                # A page that next_url announces has items.
                if self.prefetch:
                    following = self._worker().submit(self.get_page, url, least_items=1)
            try:
                yield page
            finally:
                if following is not None and not following.done():
                    # The caller stopped early: let the request end before the next one.
                    wait([following])
            if page.next_url is None:
                return
            page = following.result() if following is not None else self.get_page(url, least_items=1)

    def _worker(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kolada-prefetch")
        return self._executor

    def items(self, listings: Iterable[Listing]) -> Iterator[dict[str, Any]]:
        for listing in listings:
            for page in self.pages(listing):
                yield from page.values

    # -- metadata ----------------------------------------------------------------------------

    def _metadata(
        self, route: str, ids: Sequence[str] | None, params: Sequence[tuple[str, str | None]] = ()
    ) -> list[dict[str, Any]]:
        given = tuple((k, v) for k, v in params if v is not None)
        if ids is None:
            listings = [Listing(route, given)]
        else:
            listings = [Listing(f"{route}/{id_list(chunk)}", given) for chunk in chunks(ids)]
        return list(self.items(listings))

    def kpis(self, ids: Sequence[str] | None = None, *, title: str | None = None) -> list[dict[str, Any]]:
        """KPI metadata: all of them, those with these ids, or those whose title contains `title`."""
        return self._metadata("/kpi", ids, [("title", title)])

    def kpi_groups(
        self, ids: Sequence[str] | None = None, *, title: str | None = None
    ) -> list[dict[str, Any]]:
        return self._metadata("/kpi_groups", ids, [("title", title)])

    def municipalities(
        self,
        ids: Sequence[str] | None = None,
        *,
        title: str | None = None,
        region_type: Literal["K", "L"] | None = None,
    ) -> list[dict[str, Any]]:
        """Riket, regions and municipalities; `region_type` K for municipalities, L for regions."""
        return self._metadata("/municipality", ids, [("title", title), ("region_type", region_type)])

    def municipality_groups(
        self, ids: Sequence[str] | None = None, *, title: str | None = None
    ) -> list[dict[str, Any]]:
        return self._metadata("/municipality_groups", ids, [("title", title)])

    def ous(
        self,
        ids: Sequence[str] | None = None,
        *,
        municipality: Sequence[str] | None = None,
        title: str | None = None,
    ) -> list[dict[str, Any]]:
        """Organisational units (schools, care homes), optionally of some municipalities."""
        if municipality is None or ids is not None:
            return self._metadata("/ou", ids, [("title", title), ("municipality", _joined(municipality))])
        found: list[dict[str, Any]] = []
        for chunk in chunks(municipality):
            found += self._metadata("/ou", None, [("title", title), ("municipality", ",".join(chunk))])
        return found

    # -- data --------------------------------------------------------------------------------

    def data_listings(
        self,
        kpis: Sequence[str] | None = None,
        areas: Sequence[str] | None = None,
        years: Sequence[int] | None = None,
        *,
        from_date: date | str | None = None,
        form: Form = "query",
        ou: bool = False,
    ) -> list[Listing]:
        """The requests (before paging) for any lists: every combination of 25-item chunks."""

        def cut(values: Sequence[Any] | None) -> list[tuple[Any, ...] | None]:
            return list(chunks(values)) if values is not None else [None]

        if any(values is not None and not values for values in (kpis, areas, years)):
            return []  # an empty list asks for nothing
        return [
            data_listing(k, a, y, from_date=from_date, form=form, ou=ou)
            for k in cut(kpis)
            for a in cut(areas)
            for y in cut(years)
        ]

    def data(
        self,
        kpis: Sequence[str] | None = None,
        municipalities: Sequence[str] | None = None,
        years: Sequence[int] | None = None,
        *,
        from_date: date | str | None = None,
        form: Form = "query",
    ) -> Iterator[dict[str, Any]]:
        """Data rows `{kpi, municipality, period, values: [{gender, value, status, count, isdeleted}]}`."""
        yield from self.items(self.data_listings(kpis, municipalities, years, from_date=from_date, form=form))

    def ou_data(
        self,
        kpis: Sequence[str] | None = None,
        ous: Sequence[str] | None = None,
        years: Sequence[int] | None = None,
        *,
        from_date: date | str | None = None,
        form: Form = "query",
    ) -> Iterator[dict[str, Any]]:
        """Data rows of organisational units `{kpi, ou, period, values: [...]}`."""
        yield from self.items(self.data_listings(kpis, ous, years, from_date=from_date, form=form, ou=True))


def _joined(values: Sequence[str] | None) -> str | None:
    if values is None:
        return None
    _check_list("municipalities", values)
    return ",".join(values)


_ITEMS = re.compile(rb'"values"\s*:\s*\[\s*\{')


def _shows_items(content: bytes) -> bool:
    """Whether a (possibly cut) body shows at least one item: a `"values": [{` in it (the
    envelope's, or the gender values inside a data row)."""
    return _ITEMS.search(content, 0, 1 << 16) is not None


def _detail(response: httpx.Response) -> str:
    """The server's own explanation of an error, shortened."""
    try:
        doc = response.json()
    except ValueError:
        text = response.text.strip()
        return text[:300]
    if isinstance(doc, dict):
        for key in ("detail", "error", "message"):
            if key in doc:
                return str(doc[key])[:300]
    return json.dumps(doc, ensure_ascii=False)[:300]


__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_RATE",
    "MAX_IDS",
    "MAX_PER_PAGE",
    "ClientStats",
    "KoladaClient",
    "KoladaError",
    "Listing",
    "Page",
    "RateLimiter",
    "RetryPolicy",
    "chunks",
    "data_listing",
    "id_list",
    "minimum_requests",
]
