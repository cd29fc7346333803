"""Sync state: the runs of a sync and the batches each has finished, so that an interrupted or
failed sync resumes where it stopped. Plain SQL on `store.db`, for both backends."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from jamfor.errors import JamforError
from jamfor.store.repository import Store

RUNNING, FINISHED, FAILED = "running", "finished", "failed"
_COUNTS = ("rows_total", "rows_new", "rows_changed", "rows_unchanged", "rows_deleted")


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def params_key(params: dict[str, Any]) -> str:
    """A stable fingerprint of a sync's parameters: the same command gives the same key."""
    text = json.dumps(params, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class BatchRecord:
    """A finished batch of a run."""

    key: str
    requests: int
    rows: int
    new: int
    changed: int
    unchanged: int
    deleted: int
    import_batch_id: int | None
    finished_at: datetime


@dataclass(frozen=True)
class SyncRun:
    """A run being worked on; `done` holds the batches finished earlier (on resume), and
    `failed_batch` / `failed_items` where the previous attempt stopped and what it had read."""

    id: int
    resumed: bool
    done: dict[str, BatchRecord]
    started_at: datetime
    failed_batch: str | None = None
    failed_items: int | None = None


def _check_schema(store: Store) -> None:
    try:
        store.db.query("SELECT 1 FROM sync_run LIMIT 1")
    except Exception as exc:
        if not store.db.is_database_error(exc):
            raise
        raise JamforError(
            f"the database {store.db.url} has no sync state yet; run 'jamfor db migrate'"
        ) from exc


def start_run(
    store: Store, *, source: str, base_url: str, params: dict[str, Any], fresh: bool = False
) -> SyncRun:
    """Resume the latest unfinished run with these parameters, or start a new one.

    With `fresh`, an unfinished run is marked failed and a new one starts.
    """
    _check_schema(store)
    key = params_key({"source": source, "base_url": base_url, **params})
    rows = store.db.query(
        "SELECT id, status, started_at, failed_batch, failed_items FROM sync_run WHERE params_key = ? "
        "ORDER BY id DESC LIMIT 1",
        [key],
    )
    with store.db.transaction():
        if rows and rows[0][1] != FINISHED:
            run_id, _status, started, failed_batch, failed_items = rows[0]
            if not fresh:
                store.db.execute(
                    "UPDATE sync_run SET status = ?, message = NULL WHERE id = ?", [RUNNING, run_id]
                )
                return SyncRun(
                    int(run_id),
                    True,
                    finished_batches(store, int(run_id)),
                    started,
                    failed_batch,
                    None if failed_items is None else int(failed_items),
                )
            store.db.execute(
                "UPDATE sync_run SET status = ?, message = ? WHERE id = ?",
                [FAILED, "abandoned: a fresh sync was started", run_id],
            )
        run_id = int(store.db.query("SELECT nextval('sync_run_id')")[0][0])
        started = _now()
        store.db.execute(
            "INSERT INTO sync_run (id, source, base_url, params_key, params, started_at, status) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [run_id, source, base_url, key, json.dumps(params, sort_keys=True), started, RUNNING],
        )
    return SyncRun(run_id, False, {}, started)


def finished_batches(store: Store, run_id: int) -> dict[str, BatchRecord]:
    rows = store.db.query(
        "SELECT batch_key, requests, rows_total, rows_new, rows_changed, rows_unchanged, rows_deleted, "
        "import_batch_id, finished_at FROM sync_batch WHERE run_id = ?",
        [run_id],
    )
    return {
        r[0]: BatchRecord(r[0], int(r[1]), int(r[2]), int(r[3]), int(r[4]), int(r[5]), int(r[6]), r[7], r[8])
        for r in rows
    }


def record_batch(
    store: Store,
    run_id: int,
    key: str,
    *,
    requests: int,
    rows: int,
    new: int,
    changed: int,
    unchanged: int,
    deleted: int,
    import_batch_id: int | None,
) -> None:
    """Mark a batch finished; call it in the transaction of the batch's import."""
    store.db.execute(
        "INSERT INTO sync_batch (run_id, batch_key, requests, rows_total, rows_new, rows_changed, "
        "rows_unchanged, rows_deleted, import_batch_id, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [run_id, key, requests, rows, new, changed, unchanged, deleted, import_batch_id, _now()],
    )


def finish_run(
    store: Store,
    run_id: int,
    *,
    status: str = FINISHED,
    message: str | None = None,
    failed_batch: str | None = None,
    failed_items: int | None = None,
) -> None:
    """Close a run as finished, or as failed with where it stopped (to be resumed)."""
    store.db.execute(
        "UPDATE sync_run SET status = ?, message = ?, finished_at = ?, failed_batch = ?, failed_items = ? "
        "WHERE id = ?",
        [status, message, _now() if status == FINISHED else None, failed_batch, failed_items, run_id],
    )


def runs(store: Store, limit: int = 20) -> list[dict[str, Any]]:
    """The latest runs with their totals over finished batches, newest first."""
    _check_schema(store)
    sums = ", ".join(f"coalesce(sum(b.{c}), 0)" for c in ("requests", *_COUNTS))
    rows = store.db.query(
        "SELECT r.id, r.source, r.base_url, r.params, r.started_at, r.finished_at, r.status, r.message, "
        f"count(b.batch_key), {sums} FROM sync_run r LEFT JOIN sync_batch b ON b.run_id = r.id "
        "GROUP BY r.id, r.source, r.base_url, r.params, r.started_at, r.finished_at, r.status, r.message "
        "ORDER BY r.id DESC LIMIT ?",
        [limit],
    )
    keys = (
        "id",
        "source",
        "base_url",
        "params",
        "started_at",
        "finished_at",
        "status",
        "message",
        "batches",
        "requests",
        *_COUNTS,
    )
    found = []
    for r in rows:
        run = dict(zip(keys, r, strict=True))
        run["params"] = json.loads(run["params"])
        for k in ("batches", "requests", *_COUNTS):
            run[k] = int(run[k])
        found.append(run)
    return found
