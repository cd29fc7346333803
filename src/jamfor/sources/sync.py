"""Sync the store from Kolada v3: the request is planned as batches, each fetched whole (every
page) and imported as one all-or-nothing import, and each finished batch is recorded so that an
interrupted or failed sync resumes where it stopped.

Values go through the file importers' checks and merge, so history and validation hold; a
value Kolada marks `isdeleted` becomes a `deleted` row with its old value in history. A batch
that still fails after the client's retries stops the sync with a message naming the batch and
the address; nothing of that batch is written, and the run is left to be resumed.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from jamfor.errors import JamforError
from jamfor.model import Area
from jamfor.sources.files import kpi_from_mapping
from jamfor.sources.kolada import (
    MAX_IDS,
    KoladaClient,
    Listing,
    chunks,
    data_listing,
    id_list,
    minimum_requests,
)
from jamfor.sources.kolada_values import KoladaImport, KoladaValues, import_kolada_values
from jamfor.store import Store, sync_state

SOURCE = "Kolada"  # the observations' source, as for imported Kolada files
KIND = "kolada-sync"  # the import batches' kind
CATALOGUE = "kolada-v3-api"  # the catalogue name of KPIs first seen in a sync


class SyncError(JamforError):
    """A sync stopped; the message says which batch, why, and that a rerun resumes."""


@dataclass(frozen=True)
class SyncScope:
    """What to sync. `kpis=None` means every KPI Kolada has; `areas`/`years` None mean all."""

    kpis: tuple[str, ...] | None = None
    areas: tuple[str, ...] | None = None
    years: tuple[int, ...] | None = None
    since: date | None = None

    def params(self) -> dict[str, Any]:
        """The parameters that identify a sync (for resuming), in a canonical form."""
        return {
            "kpis": sorted(set(self.kpis)) if self.kpis is not None else "all",
            "areas": sorted(set(self.areas)) if self.areas is not None else "all",
            "years": sorted(set(self.years)) if self.years is not None else "all",
            "since": self.since.isoformat() if self.since else None,
        }


def _span(values: Sequence[Any] | None, noun: str) -> str:
    if values is None:
        return f"all {noun}"
    if len(values) == 1:
        return str(values[0])
    return f"{values[0]}…{values[-1]} ({len(values)} {noun})"


@dataclass(frozen=True)
class Batch:
    """One request of the sync before paging: at most 25 of each list; None is 'all'."""

    kpis: tuple[str, ...] | None
    areas: tuple[str, ...] | None
    years: tuple[int, ...] | None

    @property
    def key(self) -> str:
        def part(values: Sequence[Any] | None) -> str:
            return "*" if values is None else ",".join(str(v) for v in values)

        return f"kpi={part(self.kpis)};area={part(self.areas)};year={part(self.years)}"

    @property
    def label(self) -> str:
        return ", ".join((_span(self.kpis, "KPIs"), _span(self.areas, "areas"), _span(self.years, "years")))

    def listing(self, since: date | None) -> Listing:
        return data_listing(self.kpis, self.areas, self.years, from_date=since)


def plan_batches(scope: SyncScope, all_areas: Sequence[str] | None = None) -> list[Batch]:
    """The batches of a sync, in a stable order (the same scope gives the same batches).

    Given KPIs are cut into lists of 25 (times the given areas and years, if any). For every
    KPI, the batches go by area instead: 25 areas with all their KPIs and years in one listing.
    Against the full dump that costs 916 requests where KPI lists of 25 over the whole
    catalogue would cost 1,088; the fewest possible (4.55M items / 5000 a page) is 910.
    """

    def cut(values: Sequence[Any] | None) -> list[tuple[Any, ...] | None]:
        return list(chunks(sorted(set(values)))) if values is not None else [None]

    years = cut(scope.years)
    if scope.kpis is not None:
        return [Batch(k, a, y) for k in cut(scope.kpis) for a in cut(scope.areas) for y in years]
    areas = scope.areas if scope.areas is not None else all_areas
    if areas is None:
        raise ValueError("a sync of every KPI needs the list of areas")
    return [Batch(None, a, y) for a in cut(areas) for y in years]


@dataclass
class SyncProgress:
    """Where a sync is, for progress bars: told on every page and every finished batch."""

    phase: str  # "catalogue", "fetching", "importing", "done"
    batch: int  # 1-based number of the current batch
    batches: int
    label: str
    requests: int  # HTTP requests so far in this invocation, retries included
    rows: int  # values fetched so far in this invocation
    seconds: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


@dataclass
class SyncSummary:
    """What a sync did (this invocation; batches finished in an earlier run are `skipped`)."""

    run_id: int
    base_url: str
    resumed: bool = False
    batches: int = 0
    batches_done: int = 0
    batches_skipped: int = 0
    requests: int = 0
    retries: int = 0
    minimum_requests: int = 0  # the fewest the listings fetched could have cost
    rows: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    deleted: int = 0
    deletions_unknown: int = 0
    kpis_new: int = 0
    kpis_changed: int = 0
    areas_new: int = 0
    seconds: float = 0.0
    fetch_seconds: float = 0.0  # of which fetching and parsing the batches' pages
    import_seconds: float = 0.0  # of which checking and merging them into the store
    notes: list[str] = field(default_factory=list)

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


OnProgress = Callable[[SyncProgress], None] | None


class _Sync:
    """One invocation of a sync: the state shared by its steps."""

    def __init__(
        self, store: Store, client: KoladaClient, scope: SyncScope, on_progress: OnProgress, source: str
    ) -> None:
        self.store = store
        self.client = client
        self.scope = scope
        self.on_progress = on_progress
        self.source = source
        self.started = time.perf_counter()
        self.requests_before = client.stats.requests
        self.retries_before = client.stats.retries
        self.batch_number = 0
        self.batch_count = 0
        self.label = ""
        self.items_read = 0  # of the current batch

    def tell(self, phase: str, summary: SyncSummary, rows: int | None = None) -> None:
        if self.on_progress is None:
            return
        self.on_progress(
            SyncProgress(
                phase=phase,
                batch=self.batch_number,
                batches=self.batch_count,
                label=self.label,
                requests=self.client.stats.requests - self.requests_before,
                rows=summary.rows if rows is None else rows,
                seconds=time.perf_counter() - self.started,
            )
        )

    def fetched(self, listing: Listing) -> tuple[list[dict[str, Any]], int]:
        """Every item of a metadata listing, and the fewest requests it could have cost."""
        items = [item for page in self.client.pages(listing) for item in page.values]
        return items, minimum_requests([len(items)], self.client.per_page)

    # -- metadata --------------------------------------------------------------------------

    def catalogue(self, summary: SyncSummary, kpis: Sequence[str] | None) -> list[str]:
        """Bring the store's entries of these KPIs (None: all) up to Kolada's; return the ids it has."""
        rows: list[dict[str, Any]] = []
        listings = (
            [Listing("/kpi")] if kpis is None else [Listing(f"/kpi/{id_list(c)}") for c in chunks(kpis)]
        )
        for listing in listings:
            items, least = self.fetched(listing)
            rows += items
            summary.minimum_requests += least
        found = [kpi_from_mapping(r, catalogue=CATALOGUE) for r in rows if str(r.get("id") or "").strip()]
        # v3 has no 'retired': a listed KPI says nothing about it (our own /kolada/v3 lists
        # retired ones too), so known KPIs keep ours.
        retired = {r[0]: bool(r[1]) for r in self.store.db.query("SELECT id, retired FROM kpi")}
        found = [replace(k, retired=retired[k.id]) if k.id in retired else k for k in found]
        if found:
            new, changed = self.store.upsert_kpis(found)
            summary.kpis_new += new
            summary.kpis_changed += changed
        return sorted({k.id for k in found})

    def add_areas(self, summary: SyncSummary, rows: Sequence[dict[str, Any]]) -> None:
        """Add the areas the store lacks; known areas keep our county and kommungrupp."""
        known = self.store.area_ids()
        new = [
            Area(str(r["id"]), str(r.get("title") or r["id"]), "K" if r.get("type") == "K" else "L")
            for r in rows
            if r.get("id") and str(r["id"]) not in known
        ]
        if new:
            summary.areas_new += self.store.upsert_areas(new)

    def all_areas(self, summary: SyncSummary) -> list[str]:
        rows, least = self.fetched(Listing("/municipality"))
        summary.minimum_requests += least
        self.add_areas(summary, rows)
        return sorted({str(r["id"]) for r in rows if r.get("id")})

    def complete_metadata(self, summary: SyncSummary, values: KoladaValues) -> None:
        """Fetch the catalogue entries and areas a batch uses that the store does not know yet."""
        kpis = sorted(values.kpis_seen - self.store.kpi_ids() - {""})
        if kpis:
            self.catalogue(summary, kpis)
        areas = sorted(values.areas_seen - self.store.area_ids() - {""})
        for chunk in chunks(areas, MAX_IDS):
            rows, least = self.fetched(Listing(f"/municipality/{id_list(chunk)}"))
            summary.minimum_requests += least
            self.add_areas(summary, rows)

    # -- data ------------------------------------------------------------------------------

    def run_batch(self, run: sync_state.SyncRun, batch: Batch, summary: SyncSummary) -> None:
        listing = batch.listing(self.scope.since)
        requests_before = self.client.stats.requests
        with tempfile.TemporaryDirectory(prefix="jamfor-sync-") as tmp:
            values = KoladaValues(Path(tmp))
            url = listing.url(self.client.base_url, self.client.per_page)
            self.items_read = 0
            fetch_started = time.perf_counter()
            try:
                for page in self.client.pages(listing):
                    values.add_page(page.url, page.values)
                    self.items_read = values.items
                    self.tell("fetching", summary, summary.rows + values.rows + len(values.deleted))
                _check_within(batch, values, url)
                if run.failed_batch == batch.key and values.items < (run.failed_items or 0):
                    raise SyncError(
                        f"{url}: {values.items} items arrived where the stopped attempt had already "
                        f"read {run.failed_items}; the answer shrank while the sync was stopped. Run "
                        "the command again later, or with --fresh to start over and take what Kolada has."
                    )
                summary.minimum_requests += minimum_requests([values.items], self.client.per_page)
                fetched = values.rows + len(values.deleted)
                self.complete_metadata(summary, values)
                self.tell("importing", summary, summary.rows + fetched)
                import_started = time.perf_counter()
                summary.fetch_seconds += import_started - fetch_started
                requests = self.client.stats.requests - requests_before

                def record(done: KoladaImport) -> None:
                    s = done.summary
                    sync_state.record_batch(
                        self.store,
                        run.id,
                        batch.key,
                        requests=requests,
                        rows=s.rows,
                        new=s.new,
                        changed=done.changed_values,
                        unchanged=s.unchanged,
                        deleted=done.deleted,
                        import_batch_id=s.batch_id,
                    )

                done = import_kolada_values(
                    self.store,
                    values,
                    name=f"{self.client.base_url} {batch.key}"[:500],
                    source=self.source,
                    kind=KIND,
                    then=record,
                )
            finally:
                values.close()
        summary.import_seconds += time.perf_counter() - import_started
        summary.rows += fetched
        summary.new += done.summary.new
        summary.changed += done.changed_values
        summary.unchanged += done.summary.unchanged
        summary.deleted += done.deleted
        summary.deletions_unknown += done.deletions_unknown
        summary.batches_done += 1


def _check_within(batch: Batch, values: KoladaValues, url: str) -> None:
    """Values the batch did not ask for mean a confused server: refuse them rather than guess."""
    for name, asked, seen in (
        ("KPIs", batch.kpis, values.kpis_seen),
        ("areas", batch.areas, values.areas_seen),
        ("years", batch.years, values.years_seen),
    ):
        if asked is None:
            continue
        extra = sorted(str(v) for v in seen - {str(a) for a in asked})
        if extra:
            raise SyncError(f"{url}: the answer has {name} that were not asked for: {', '.join(extra[:10])}")


def sync_kolada(
    store: Store,
    client: KoladaClient,
    scope: SyncScope,
    *,
    fresh: bool = False,
    on_progress: OnProgress = None,
    source: str = SOURCE,
) -> SyncSummary:
    """Sync `scope` from the Kolada behind `client` into `store`; resume an unfinished run of
    the same scope unless `fresh`. Raises SyncError (nothing of the failing batch written)."""
    run = sync_state.start_run(
        store, source="kolada", base_url=client.base_url, params=scope.params(), fresh=fresh
    )
    sync = _Sync(store, client, scope, on_progress, source)
    summary = SyncSummary(run_id=run.id, base_url=client.base_url, resumed=run.resumed)
    batch: Batch | None = None
    try:
        sync.tell("catalogue", summary)
        kolada_kpis = sync.catalogue(summary, scope.kpis)
        if scope.kpis is not None:
            missing = sorted(set(scope.kpis) - set(kolada_kpis))
            if missing:
                summary.notes.append(
                    f"Kolada has no catalogue entry for {len(missing)} of the KPIs: "
                    + ", ".join(missing[:20])
                )
        areas = sync.all_areas(summary) if scope.kpis is None and scope.areas is None else None
        batches = plan_batches(scope, areas)
        summary.batches = sync.batch_count = len(batches)
        for number, batch in enumerate(batches, start=1):
            sync.batch_number, sync.label = number, batch.label
            if batch.key in run.done:
                summary.batches_skipped += 1
                continue
            sync.run_batch(run, batch, summary)
            sync.tell("fetching", summary)
    except BaseException as exc:
        if isinstance(exc, JamforError):
            message = _failure(exc, batch, sync, summary)
        elif isinstance(exc, KeyboardInterrupt | SystemExit):
            message = "interrupted"
        else:
            message = f"stopped by an unexpected {type(exc).__name__}: {exc}"
        failed, read = None, None
        if batch is not None and batch.key not in run.done and sync.batch_count:
            failed, read = batch.key, sync.items_read
            if run.failed_batch == batch.key:
                read = max(read, run.failed_items or 0)
        sync_state.finish_run(
            store, run.id, status=sync_state.FAILED, message=message, failed_batch=failed, failed_items=read
        )
        if isinstance(exc, JamforError):
            raise SyncError(message) from exc
        raise
    sync_state.finish_run(store, run.id)
    summary.requests = client.stats.requests - sync.requests_before
    summary.retries = client.stats.retries - sync.retries_before
    summary.seconds = time.perf_counter() - sync.started
    sync.tell("done", summary)
    return summary


def _failure(exc: JamforError, batch: Batch | None, sync: _Sync, summary: SyncSummary) -> str:
    done = summary.batches_done + summary.batches_skipped
    if batch is None or sync.batch_count == 0:
        where = "while reading Kolada's catalogue"
    else:
        where = f"at batch {sync.batch_number} of {sync.batch_count} ({batch.label})"
    url = getattr(exc, "url", None)
    if batch is not None and url is None:
        url = batch.listing(sync.scope.since).url(sync.client.base_url, sync.client.per_page)
    lines = [f"the Kolada sync stopped {where}: {exc}"]
    if url and url not in str(exc):
        lines.append(f"request: {url}")
    lines.append(
        f"{done} of {sync.batch_count} batches are in the store and nothing of the failed batch was "
        "written; run the same command again to resume from there."
    )
    return "\n".join(lines)


def kpis_of_set(store: Store, name: str) -> tuple[list[str], list[str]]:
    """The Kolada KPIs of a measure set, and those left out because they are our own."""
    from jamfor.measuresets import find_measure_set

    ids = list(dict.fromkeys(find_measure_set(name).kpi_ids()))
    own = {k.id for k in store.kpis(ids) if k.origin != "kolada"}
    return [k for k in ids if k not in own], [k for k in ids if k in own]
