"""Kommunkompassen evaluations in the store: save with history, read back, list. All SQL is here.

Saving validates the evaluation against its framework and the area list first and writes
nothing when anything is wrong. Saving an evaluation equal to the stored one changes nothing;
saving a changed one keeps the replaced version whole in compass_evaluation_revision.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from jamfor.compass.files import ID_RE, evaluation_from_dict, evaluation_to_dict
from jamfor.compass.frameworks import framework as bundled_framework
from jamfor.compass.model import CompassEvaluation
from jamfor.compute.compass import evaluation_problems
from jamfor.errors import NotFoundError, Problem, ValidationError
from jamfor.store.repository import Store

_COLUMNS = (
    "id, municipality, year, eval_date, framework, evaluators, method, interviews, summary, source, "
    "published_total, origin, version, saved_at"
)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def check_evaluation(store: Store, evaluation: CompassEvaluation, *, where: str) -> list[Problem]:
    """What is wrong with the evaluation: its id, framework, scores, municipality."""
    problems: list[Problem] = []
    if not ID_RE.match(evaluation.id):
        problems.append(
            Problem(
                where, None, None, f"id {evaluation.id!r} is not a slug (lower-case letters, digits, '-')"
            )
        )
    try:
        fw = bundled_framework(evaluation.framework)
    except NotFoundError as exc:
        problems.append(Problem(where, None, None, f"framework: {exc}"))
    else:
        problems.extend(evaluation_problems(fw, evaluation, complete=False, where=where))
    rows = store.db.query("SELECT type FROM area WHERE id = ?", [evaluation.municipality])
    if not rows or rows[0][0] != "K":
        problems.append(
            Problem(
                where, None, None, f"municipality {evaluation.municipality!r} is not a known municipality id"
            )
        )
    return problems


def save_evaluation(store: Store, evaluation: CompassEvaluation, *, source: str) -> str:
    """Insert or update an evaluation (validated first); the replaced version is kept as a revision.

    `source` says where this version comes from (a file name, "bundled", "cli") and names the
    input in error messages. Returns the evaluation's id.
    """
    save_changed(store, evaluation, source=source)
    return evaluation.id


def save_changed(store: Store, evaluation: CompassEvaluation, *, source: str) -> bool:
    """As save_evaluation; True if anything was written (False: equal to the stored version)."""
    problems = check_evaluation(store, evaluation, where=source)
    if problems:
        raise ValidationError(problems)
    db = store.db
    with db.transaction():
        current = _read(store, [evaluation.id])
        now = _now()
        if current:
            old = current[0]
            if evaluation_to_dict(old) == evaluation_to_dict(evaluation):
                return False
            head = db.query(
                "SELECT version, saved_at, origin FROM compass_evaluation WHERE id = ?", [evaluation.id]
            )[0]
            version = int(head[0])
            db.execute(
                "INSERT INTO compass_evaluation_revision (evaluation_id, version, saved_at, origin, "
                "replaced_at, content) VALUES (?, ?, ?, ?, ?, ?)",
                [evaluation.id, version, head[1], head[2], now, _json(old)],
            )
            db.execute("DELETE FROM compass_points WHERE evaluation_id = ?", [evaluation.id])
            db.execute("DELETE FROM compass_text WHERE evaluation_id = ?", [evaluation.id])
            db.execute("DELETE FROM compass_evaluation WHERE id = ?", [evaluation.id])
            version += 1
        else:
            version = 1
        ev = evaluation
        db.execute(
            f"INSERT INTO compass_evaluation ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                ev.id,
                ev.municipality,
                ev.year,
                ev.date,
                ev.framework,
                json.dumps(list(ev.evaluators), ensure_ascii=False),
                ev.method,
                ev.interviews,
                ev.summary,
                ev.source,
                ev.published_total,
                source,
                version,
                now,
            ],
        )
        points = [(ev.id, "question", q, float(p)) for q, p in ev.question_points.items()]
        points += [(ev.id, "area", str(n), float(p)) for n, p in ev.area_points.items()]
        db.executemany(
            "INSERT INTO compass_points (evaluation_id, level, item, points) VALUES (?, ?, ?, ?)", points
        )
        texts: list[tuple[str, int, str, int, str]] = []
        for number, body in ev.area_summaries.items():
            texts.append((ev.id, number, "general", 1, body))
        for kind, by_area in (("strength", ev.strengths), ("improvement", ev.improvements)):
            for number, lines in by_area.items():
                texts.extend((ev.id, number, kind, i, line) for i, line in enumerate(lines, 1))
        db.executemany(
            "INSERT INTO compass_text (evaluation_id, area, kind, seq, body) VALUES (?, ?, ?, ?, ?)", texts
        )
    return True


def _json(ev: CompassEvaluation) -> str:
    return json.dumps(evaluation_to_dict(ev), ensure_ascii=False, sort_keys=True)


def _from_json(text: str, where: str) -> CompassEvaluation:
    return evaluation_from_dict(json.loads(text), where)


def _as_date(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _read(
    store: Store, ids: Sequence[str] | None = None, where: str = "", params: Sequence[Any] = ()
) -> list[CompassEvaluation]:
    """Evaluations with their points and texts, in three queries whatever their number."""
    db = store.db
    sql = f"SELECT {_COLUMNS} FROM compass_evaluation"
    args: list[Any] = []
    if ids is not None:
        if not ids:
            return []
        sql += " WHERE id IN (" + ", ".join("?" for _ in ids) + ")"
        args.extend(ids)
    elif where:
        sql += " WHERE " + where
        args.extend(params)
    heads = db.query(sql + " ORDER BY municipality, year, id", args)
    if not heads:
        return []
    chosen = [h[0] for h in heads]
    marks = ", ".join("?" for _ in chosen)
    question_points: dict[str, dict[str, float]] = {i: {} for i in chosen}
    area_points: dict[str, dict[int, float]] = {i: {} for i in chosen}
    for ev_id, level, item, points in db.query(
        f"SELECT evaluation_id, level, item, points FROM compass_points WHERE evaluation_id IN ({marks})",
        chosen,
    ):
        if level == "question":
            question_points[ev_id][item] = float(points)
        else:
            area_points[ev_id][int(item)] = float(points)
    texts: dict[str, dict[str, dict[int, list[str]]]] = {
        i: {"general": {}, "strength": {}, "improvement": {}} for i in chosen
    }
    for ev_id, area, kind, body in db.query(
        f"SELECT evaluation_id, area, kind, body FROM compass_text WHERE evaluation_id IN ({marks}) "
        "ORDER BY evaluation_id, area, kind, seq",
        chosen,
    ):
        texts[ev_id][kind].setdefault(int(area), []).append(body)
    found = []
    for h in heads:
        ev_id = h[0]
        t = texts[ev_id]
        found.append(
            CompassEvaluation(
                id=ev_id,
                municipality=h[1],
                year=int(h[2]),
                date=_as_date(h[3]),
                framework=h[4],
                evaluators=tuple(json.loads(h[5])),
                method=h[6],
                interviews=None if h[7] is None else int(h[7]),
                question_points=_ordered_questions(question_points[ev_id]),
                area_points=dict(sorted(area_points[ev_id].items())),
                strengths={n: tuple(v) for n, v in sorted(t["strength"].items())},
                improvements={n: tuple(v) for n, v in sorted(t["improvement"].items())},
                summary=h[8],
                source=h[9],
                published_total=None if h[10] is None else float(h[10]),
                area_summaries={n: v[0] for n, v in sorted(t["general"].items())},
            )
        )
    return found


def _ordered_questions(points: dict[str, float]) -> dict[str, float]:
    """Question ids in their natural order (1.2 before 1.10)."""

    def key(qid: str) -> tuple[Any, ...]:
        return tuple(int(p) if p.isdigit() else p for p in re.split(r"[.]", qid))

    return {q: points[q] for q in sorted(points, key=key)}


def evaluation(store: Store, evaluation_id: str) -> CompassEvaluation:
    """One stored evaluation by id."""
    found = _read(store, [evaluation_id.strip()])
    if not found:
        known = [r[0] for r in store.db.query("SELECT id FROM compass_evaluation ORDER BY id LIMIT 12")]
        hint = f"; stored evaluations include {', '.join(known)}" if known else "; none is stored"
        raise NotFoundError(f"no Kommunkompassen evaluation {evaluation_id!r}{hint}")
    return found[0]


def evaluations(
    store: Store, *, framework: str | None = None, municipality: str | None = None
) -> list[CompassEvaluation]:
    """Stored evaluations, by municipality and year, optionally of one framework or municipality."""
    clauses: list[str] = []
    params: list[Any] = []
    if framework is not None:
        clauses.append("framework = ?")
        params.append(framework)
    if municipality is not None:
        clauses.append("municipality = ?")
        params.append(municipality)
    return _read(store, None, " AND ".join(clauses), params)


def latest_for(store: Store, municipality: str) -> CompassEvaluation:
    """A municipality's latest evaluation; `municipality` is its id or its name."""
    key = municipality.strip()
    if not re.fullmatch(r"\d{4}", key):
        key = store.resolve_area(key).id
    found = evaluations(store, municipality=key)
    if not found:
        raise NotFoundError(f"no Kommunkompassen evaluation of municipality {municipality!r} is stored")
    return max(found, key=lambda e: (e.year, e.date or date.min, e.id))


def evaluation_history(store: Store, evaluation_id: str) -> list[tuple[datetime, CompassEvaluation]]:
    """Every version of an evaluation with the time it was saved, oldest first, the current last."""
    current = evaluation(store, evaluation_id)
    rows = store.db.query(
        "SELECT version, saved_at, content FROM compass_evaluation_revision WHERE evaluation_id = ? "
        "ORDER BY version",
        [current.id],
    )
    history = [(r[1], _from_json(r[2], f"revision {r[0]} of {current.id}")) for r in rows]
    saved_at = store.db.query("SELECT saved_at FROM compass_evaluation WHERE id = ?", [current.id])[0][0]
    history.append((saved_at, current))
    return history


def evaluation_versions(store: Store, evaluation_id: str) -> list[dict[str, Any]]:
    """The versions of an evaluation: number, saved when, from where (for `compass history`)."""
    current = evaluation(store, evaluation_id)
    rows = store.db.query(
        "SELECT version, saved_at, origin, replaced_at FROM compass_evaluation_revision "
        "WHERE evaluation_id = ? ORDER BY version",
        [current.id],
    )
    out = [{"version": r[0], "saved_at": r[1], "origin": r[2], "replaced_at": r[3]} for r in rows]
    head = store.db.query(
        "SELECT version, saved_at, origin FROM compass_evaluation WHERE id = ?", [current.id]
    )[0]
    out.append({"version": head[0], "saved_at": head[1], "origin": head[2], "replaced_at": None})
    return out


def save_evaluations(store: Store, items: Sequence[tuple[CompassEvaluation, str]]) -> int:
    """Save several evaluations in one transaction (all or none); returns how many changed."""
    problems: list[Problem] = []
    for ev, source in items:
        problems.extend(check_evaluation(store, ev, where=source))
    if problems:
        raise ValidationError(problems)
    changed = 0
    with store.db.transaction():
        for ev, source in items:
            changed += save_changed(store, ev, source=source)
    return changed


def evaluation_count(store: Store) -> int:
    return int(store.db.query("SELECT count(*) FROM compass_evaluation")[0][0])
