"""Editing a Kommunkompassen evaluation on the website: optimistic concurrency and the audit trail.

`edit_evaluation` saves a changed evaluation through `jamfor.store.compass.save_changed` (so the
replaced version is kept whole as a revision) and records one `audit_event` per changed field
(entity `evaluation`, key `<evaluation>/<question or field>`, old and new value as text). The
editor names the version they edited (`content_version` of what the form showed): when the
stored evaluation is another by then, nothing is written and `Conflict` (HTTP 409) says so. On
PostgreSQL the evaluation's row is locked (`SELECT … FOR UPDATE`) for the check and the write.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from jamfor.accounts import AccessDenied, User, can_edit_evaluation
from jamfor.compass.files import evaluation_to_dict
from jamfor.compass.model import CompassEvaluation
from jamfor.errors import JamforError
from jamfor.store.accounts import AuditEvent, record
from jamfor.store.compass import _read, save_changed
from jamfor.store.entry import Conflict
from jamfor.store.repository import Store


@dataclass(frozen=True)
class FieldChange:
    key: str  # the audit key after "<evaluation>/": "1.1", "area/3", "strengths/2", "summary", …
    old: str | None
    new: str | None


def raise_if_conflict(store: Store, exc: BaseException, what: str) -> None:
    """Conflict when `exc` is the database refusing a write that collided with another one
    (DuckDB's "Conflict on tuple deletion", PostgreSQL's serialisation failures)."""
    text = str(exc).lower()
    if store.db.is_database_error(exc) and any(
        word in text for word in ("conflict", "duplicate key", "unique", "serializ", "deadlock")
    ):
        raise Conflict(
            f"{what} was changed by someone else at the same moment: reload it and try again"
        ) from None


def content_version(evaluation: CompassEvaluation) -> str:
    """The version of an evaluation's content a form carries: SHA-256 of its canonical JSON."""
    text = json.dumps(evaluation_to_dict(evaluation), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _points(value: float | None) -> str | None:
    return None if value is None else repr(float(value))


def _lines(lines: tuple[str, ...]) -> str | None:
    return "\n".join(lines) if lines else None


def field_changes(old: CompassEvaluation, new: CompassEvaluation) -> list[FieldChange]:
    """What differs between two versions of an evaluation, field by field, in form order."""
    out: list[FieldChange] = []
    qids = list(dict.fromkeys([*old.question_points, *new.question_points]))
    for qid in qids:
        before, after = _points(old.question_points.get(qid)), _points(new.question_points.get(qid))
        if before != after:
            out.append(FieldChange(qid, before, after))
    for number in sorted(set(old.area_points) | set(new.area_points)):
        before, after = _points(old.area_points.get(number)), _points(new.area_points.get(number))
        if before != after:
            out.append(FieldChange(f"area/{number}", before, after))
    for label, a, b in (
        ("strengths", old.strengths, new.strengths),
        ("improvements", old.improvements, new.improvements),
    ):
        for number in sorted(set(a) | set(b)):
            before, after = _lines(a.get(number, ())), _lines(b.get(number, ()))
            if before != after:
                out.append(FieldChange(f"{label}/{number}", before, after))
    for label, before, after in (
        ("summary", old.summary, new.summary),
        ("evaluators", _lines(old.evaluators), _lines(new.evaluators)),
        ("method", old.method, new.method),
    ):
        if before != after:
            out.append(FieldChange(label, before, after))
    return out


def edit_evaluation(
    store: Store, evaluation: CompassEvaluation, *, version: str, actor: User, via: str
) -> list[FieldChange]:
    """Save `evaluation` as an edit of the stored version `version`; the changes written.

    AccessDenied when `actor` may not edit it, Conflict when the stored evaluation is no longer
    `version`, ValidationError (the importers' messages) when it is not valid; nothing is
    written in any of these cases.
    """
    if not can_edit_evaluation(actor, evaluation.id):
        raise AccessDenied(f"{actor.username} may not edit evaluation {evaluation.id}")
    lock = " FOR UPDATE" if store.dialect == "postgres" else ""
    try:
        with store.db.transaction():
            store.db.query("SELECT version FROM compass_evaluation WHERE id = ?" + lock, [evaluation.id])
            found = _read(store, [evaluation.id])
            if not found:
                raise Conflict(f"evaluation {evaluation.id} is not stored any more")
            current = found[0]
            if content_version(current) != version:
                raise Conflict(
                    f"evaluation {evaluation.id} was changed by someone else since the form was opened: "
                    "reload it and make your changes again"
                )
            changes = field_changes(current, evaluation)
            if not changes:
                return []
            save_changed(store, evaluation, source=f"{via}: {actor.username}")
            for change in changes:
                record(
                    store,
                    actor=actor.username,
                    via=via,
                    action="set-evaluation",
                    entity="evaluation",
                    key=f"{evaluation.id}/{change.key}",
                    old=change.old,
                    new=change.new,
                    source=f"{via}: {actor.username}",
                )
        return changes
    except JamforError:
        raise
    except Exception as exc:
        raise_if_conflict(store, exc, f"evaluation {evaluation.id}")
        raise


def evaluation_events(store: Store, evaluation_id: str, limit: int = 1000) -> list[AuditEvent]:
    """The audit trail of one evaluation's fields, newest first."""
    rows = store.db.query(
        "SELECT id, happened_at, actor, via, action, entity, entity_key, old_value, new_value, source "
        "FROM audit_event WHERE entity = 'evaluation' AND entity_key LIKE ? ESCAPE '\\' ORDER BY id DESC LIMIT ?",
        [_like_prefix(evaluation_id) + "/%", int(limit)],
    )
    return [AuditEvent(*r) for r in rows]


def _like_prefix(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
