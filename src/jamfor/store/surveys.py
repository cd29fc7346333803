"""The SQL for citizen surveys: raw answers per respondent (table `survey_response`, migration 0005).

A survey file is stored as whole municipality-years: importing it replaces, for each (survey,
municipality, year) it contains, the respondents stored before, in one transaction; a
municipality-year whose respondents are exactly as stored is left alone, so importing the same
file again changes nothing. Computed indices are not kept here but as observations of own KPIs
(`Store.import_csv`), with history like every other value.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from jamfor.errors import DatabaseError
from jamfor.store.repository import Store, utcnow

KIND = "survey-responses"


@dataclass(frozen=True)
class ResponseRow:
    """One respondent of a survey in a municipality and year."""

    area: str
    period: int
    respondent: str
    weight: float | None
    answers: dict[str, int] = field(default_factory=dict)  # blanks are left out


@dataclass
class ResponseImport:
    """What storing one survey file did, by municipality-year."""

    survey: str
    file: str
    respondents: int = 0
    replaced: list[tuple[str, int]] = field(default_factory=list)  # (area, year) written
    unchanged: list[tuple[str, int]] = field(default_factory=list)
    batch_id: int | None = None


@dataclass(frozen=True)
class SurveyHolding:
    """What the store holds of a survey for a municipality and year."""

    survey: str
    area: str
    period: int
    respondents: int
    source: str


def _answers_text(answers: dict[str, int]) -> str:
    return json.dumps(dict(sorted(answers.items())), separators=(",", ":"))


def store_responses(
    store: Store, survey: str, rows: Sequence[ResponseRow], *, source: str, file_name: str, sha256: str
) -> ResponseImport:
    """Write `rows` as whole municipality-years of `survey`, all or nothing."""
    result = ResponseImport(survey=survey, file=file_name, respondents=len(rows))
    groups: dict[tuple[str, int], list[tuple[ResponseRow, str]]] = {}
    for row in rows:
        groups.setdefault((row.area, row.period), []).append((row, _answers_text(row.answers)))
    db = store.db
    now = utcnow()
    areas = sorted({area for area, _ in groups})
    periods = sorted({period for _, period in groups})
    try:
        with db.transaction():
            stored: dict[tuple[str, int], list[tuple[str, float | None, str]]] = {}
            sources: dict[tuple[str, int], set[str]] = {}
            for found in db.query(
                "SELECT area, period, respondent, weight, answers, source FROM survey_response "
                f"WHERE survey = ? AND area IN ({', '.join('?' for _ in areas)}) "
                f"AND period IN ({', '.join('?' for _ in periods)})",
                [survey, *areas, *periods],
            ):
                key = (found[0], int(found[1]))
                stored.setdefault(key, []).append(
                    (found[2], None if found[3] is None else float(found[3]), found[4])
                )
                sources.setdefault(key, set()).add(found[5])
            changed: list[tuple[str, int]] = []
            for key, members in sorted(groups.items()):
                after = sorted((m.respondent, m.weight, text) for m, text in members)
                if sorted(stored.get(key, [])) == after and sources.get(key) == {source}:
                    result.unchanged.append(key)
                else:
                    changed.append(key)
            if not changed:
                return result
            batch_id = int(db.query("SELECT nextval('import_batch_id')")[0][0])
            db.executemany(
                "DELETE FROM survey_response WHERE survey = ? AND area = ? AND period = ?",
                [(survey, area, period) for area, period in changed if (area, period) in stored],
            )
            fresh = [
                (survey, m.area, m.period, m.respondent, m.weight, text, source, batch_id, now)
                for key in changed
                for m, text in groups[key]
            ]
            db.bulk_insert(
                "survey_response",
                (
                    "survey",
                    "area",
                    "period",
                    "respondent",
                    "weight",
                    "answers",
                    "source",
                    "batch_id",
                    "imported_at",
                ),
                fresh,
            )
            result.replaced = changed
            written = len(fresh)
            db.execute(
                "INSERT INTO import_batch (id, kind, source, file_name, sha256, imported_at, rows_total, "
                "rows_new, rows_changed, rows_unchanged) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [batch_id, KIND, source, file_name, sha256, now, len(rows), written, 0, len(rows) - written],
            )
            result.batch_id = batch_id
    except Exception as exc:
        if not db.is_database_error(exc):
            raise
        raise DatabaseError(
            f"{file_name}: the database refused the survey answers and nothing was written: {exc}"
        ) from exc
    return result


@dataclass(frozen=True)
class StoredResponse:
    area: str
    period: int
    respondent: str
    weight: float | None
    answers: dict[str, int]
    source: str


def responses(
    store: Store, survey: str, *, areas: Sequence[str] | None = None, periods: Sequence[int] | None = None
) -> list[StoredResponse]:
    """The stored respondents of `survey`, optionally for some municipalities and years."""
    sql = "SELECT area, period, respondent, weight, answers, source FROM survey_response WHERE survey = ?"
    params: list[object] = [survey]
    if areas is not None:
        if not areas:
            return []
        sql += f" AND area IN ({', '.join('?' for _ in areas)})"
        params += list(areas)
    if periods is not None:
        if not periods:
            return []
        sql += f" AND period IN ({', '.join('?' for _ in periods)})"
        params += list(periods)
    rows = store.db.query(sql + " ORDER BY area, period, respondent", params)
    return [
        StoredResponse(r[0], int(r[1]), r[2], None if r[3] is None else float(r[3]), json.loads(r[4]), r[5])
        for r in rows
    ]


def holdings(store: Store, survey: str | None = None, area: str | None = None) -> list[SurveyHolding]:
    """Which surveys, municipalities and years the store has answers for, with counts and source."""
    sql = "SELECT survey, area, period, count(*), min(source) FROM survey_response"
    conds, params = [], []
    if survey is not None:
        conds.append("survey = ?")
        params.append(survey)
    if area is not None:
        conds.append("area = ?")
        params.append(area)
    if conds:
        sql += " WHERE " + " AND ".join(conds)
    rows = store.db.query(sql + " GROUP BY survey, area, period ORDER BY survey, area, period", params)
    return [SurveyHolding(r[0], r[1], int(r[2]), int(r[3]), r[4]) for r in rows]
