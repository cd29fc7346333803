"""Values entered by people and scripts (a municipality's own figures), with the audit trail.

`write_values` checks every change as strictly as the importers do (the same messages), refuses
what the user may not change (`jamfor.accounts`) or what a closed reporting period locks, and
then writes all changes in one transaction: the old value becomes a revision (as a re-import
does), the new one the current observation, and each change an `audit_event` with who, when,
old and new value and the source. A change carries the value its author saw (`expected`): when
someone else has changed it since, the whole write is refused with `Conflict` (HTTP 409) and
nothing is written, so no update is silently lost. On PostgreSQL the rows are locked
(`SELECT … FOR UPDATE`) for the check; two processes inserting the same new value collide on
the primary key, and the second is told the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from jamfor.accounts import AccessDenied, User, can_write_values
from jamfor.errors import JamforError, Problem, ValidationError
from jamfor.measuresets import bundled_measure_sets
from jamfor.sources.checks import RowChecker
from jamfor.store.accounts import record
from jamfor.store.repository import Store, utcnow


class Unset:
    """No expectation: write whatever the current value is."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = Unset()


class Conflict(JamforError):
    """A value changed since its author read it (HTTP 409)."""


@dataclass(frozen=True)
class ValueChange:
    kpi: str
    area: str
    period: int
    gender: str = "T"
    value: float | None = None
    status: str | None = None
    expected: float | Unset | None = UNSET


@dataclass
class WriteSummary:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    batch_id: int | None = None
    keys: list[tuple[str, str, int, str]] = field(default_factory=list)


def value_key(kpi: str, area: str, period: int, gender: str) -> str:
    """How a value is named in the audit trail: 'N00938/1081/2021/T'."""
    return f"{kpi}/{area}/{period}/{gender}"


def _text(value: float | None) -> str | None:
    return None if value is None else repr(value)


def parse_changes(store: Store, rows: Sequence[dict[str, Any]], where: str) -> list[ValueChange]:
    """Changes from form or upload rows of text (kpi, area, period, gender, value[, status]), checked
    with the importers' rules and messages; `where` names the form or file in the problems."""
    checker = RowChecker(where, store.kpi_ids(), store.area_ids())
    changes: list[ValueChange] = []
    for index, row in enumerate(rows, start=1):
        checked = checker.check(
            index,
            _cell(row.get("kpi")),
            _cell(row.get("area")),
            _cell(row.get("period")),
            _cell(row.get("gender")) or "T",
            _cell(row.get("value")),
            _cell(row.get("status")),
        )
        if checked is None:
            continue
        kpi, area, period, gender, value, status, _ = checked
        expected: float | Unset | None = UNSET
        if "expected" in row:
            raw = _cell(row.get("expected"))
            expected = None if raw in (None, "") else float(raw)  # written by our own form
        changes.append(ValueChange(kpi, area, period, gender, value, status, expected))
    if checker.problems:
        raise ValidationError(checker.problems, more=checker.more)
    return changes


def _cell(value: Any) -> str | None:
    if value is None:
        return None
    return str(value)


def closed_periods(store: Store) -> dict[tuple[str, int], tuple[datetime | None, str | None]]:
    rows = store.db.query("SELECT measure_set, year, closed_at, closed_by FROM reporting_period")
    return {(str(r[0]), int(r[1])): (r[2], r[3]) for r in rows}


def _locked(store: Store, change: ValueChange) -> str | None:
    """The measure set whose closed period locks this value, or None."""
    sets = bundled_measure_sets()
    for (set_id, year), (closed_at, _) in closed_periods(store).items():
        if closed_at is None or year != change.period:
            continue
        found = sets.get(set_id)
        if found is not None and change.kpi in found.kpi_ids():
            return set_id
    return None


def set_period_closed(
    store: Store, measure_set: str, year: int, closed: bool, *, actor: User, via: str
) -> None:
    """Close a measure set's reporting year (its values lock) or reopen it; admins only."""
    if actor.role != "admin" or actor.disabled:
        raise AccessDenied("only an admin closes or reopens a reporting period")
    if measure_set not in bundled_measure_sets():
        raise JamforError(f"no measure set {measure_set!r}")
    now = utcnow()
    with store.db.transaction():
        store.db.execute(
            "DELETE FROM reporting_period WHERE measure_set = ? AND year = ?", [measure_set, year]
        )
        store.db.execute(
            "INSERT INTO reporting_period (measure_set, year, closed_at, closed_by) VALUES (?, ?, ?, ?)",
            [measure_set, int(year), now if closed else None, actor.username if closed else None],
        )
        record(
            store,
            actor=actor.username,
            via=via,
            action="close" if closed else "reopen",
            entity="period",
            key=f"{measure_set}/{year}",
        )


def write_values(
    store: Store, changes: Sequence[ValueChange], *, actor: User, via: str, source: str
) -> WriteSummary:
    """Write `changes` as one batch with an audit event each; all or nothing (see the module docs)."""
    problems = []
    for change in changes:
        if not can_write_values(actor, change.area):
            raise AccessDenied(f"{actor.username} may not change values of municipality {change.area}")
        locked = _locked(store, change)
        if locked is not None and actor.role != "admin":
            raise AccessDenied(
                f"{change.kpi} {change.period} is locked: the reporting period {locked} {change.period} is closed"
            )
    keys = [(c.kpi, c.area, c.period, c.gender) for c in changes]
    if len(set(keys)) != len(keys):
        problems.append(Problem(source, None, None, "the same value is given twice"))
        raise ValidationError(problems)
    summary = WriteSummary()
    now = utcnow()
    lock = " FOR UPDATE" if store.dialect == "postgres" else ""
    try:
        with store.db.transaction():
            batch_id = int(store.db.query("SELECT nextval('import_batch_id')")[0][0])
            for change in changes:
                current = store.db.query(
                    "SELECT value, status FROM observation WHERE kpi = ? AND area = ? AND period = ? AND gender = ?"
                    + lock,
                    [change.kpi, change.area, change.period, change.gender],
                )
                old = current[0] if current else None
                if not isinstance(change.expected, Unset):
                    seen = None if old is None else old[0]
                    if seen != change.expected:
                        raise Conflict(
                            f"{value_key(change.kpi, change.area, change.period, change.gender)} was changed by "
                            f"someone else (now {seen if seen is not None else 'uppgift saknas'}): reload and try again"
                        )
                if old is not None and old[0] == change.value and old[1] == change.status:
                    summary.unchanged += 1
                    continue
                key = [change.kpi, change.area, change.period, change.gender]
                if old is None:
                    store.db.execute(
                        "INSERT INTO observation (kpi, area, period, gender, value, status, count, source, batch_id, "
                        "imported_at) VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)",
                        [*key, change.value, change.status, source, batch_id, now],
                    )
                    summary.new += 1
                else:
                    store.db.execute(
                        "INSERT INTO observation_revision (kpi, area, period, gender, value, status, count, source, "
                        "batch_id, imported_at, replaced_at, replaced_by) SELECT kpi, area, period, gender, value, "
                        "status, count, source, batch_id, imported_at, ?, ? FROM observation "
                        "WHERE kpi = ? AND area = ? AND period = ? AND gender = ?",
                        [now, batch_id, *key],
                    )
                    store.db.execute(
                        "UPDATE observation SET value = ?, status = ?, count = NULL, source = ?, batch_id = ?, "
                        "imported_at = ? WHERE kpi = ? AND area = ? AND period = ? AND gender = ?",
                        [change.value, change.status, source, batch_id, now, *key],
                    )
                    summary.changed += 1
                record(
                    store,
                    actor=actor.username,
                    via=via,
                    action="set-value",
                    entity="value",
                    key=value_key(*key),  # type: ignore[arg-type]
                    old=None if old is None else _text(old[0]),
                    new=_text(change.value),
                    source=source,
                )
                summary.keys.append((change.kpi, change.area, change.period, change.gender))
            if summary.new or summary.changed:
                store.db.execute(
                    "INSERT INTO import_batch (id, kind, source, file_name, sha256, imported_at, rows_total, "
                    "rows_new, rows_changed, rows_unchanged) VALUES (?, ?, ?, NULL, NULL, ?, ?, ?, ?, ?)",
                    [
                        batch_id,
                        f"entry-{via}",
                        source,
                        now,
                        len(changes),
                        summary.new,
                        summary.changed,
                        summary.unchanged,
                    ],
                )
                summary.batch_id = batch_id
    except JamforError:
        raise
    except Exception as exc:
        if store.db.is_database_error(exc) and _is_conflict(exc):
            raise Conflict(
                "someone else changed the same values at the same moment: reload and try again"
            ) from None
        raise
    return summary


def _is_conflict(exc: BaseException) -> bool:
    text = str(exc).lower()
    return any(word in text for word in ("conflict", "duplicate key", "unique", "serializ", "deadlock"))
