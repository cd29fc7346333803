"""The repository API: everything the rest of jamfor asks of the database, for both backends."""

from __future__ import annotations

import copy
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, cast

from jamfor.config import database_url
from jamfor.errors import AmbiguousNameError, DatabaseError, JamforError, NotFoundError
from jamfor.model import Area, Group, ImportSummary, Kpi, Observation, Revision, StoreStats
from jamfor.store import ingest
from jamfor.store.backend import Backend, connect
from jamfor.store.migrate import current_version, latest_version, migrate, pending

KPI_FIELDS = (
    "id",
    "title",
    "description",
    "is_divided_by_gender",
    "municipality_type",
    "auspice",
    "operating_area",
    "perspective",
    "prel_publication_date",
    "publication_date",
    "publ_period",
    "has_ou_data",
    "retired",
    "origin",
    "catalogue",
    "polarity",
    "colour_graded",
    "unit",
    "decimals",
    "kkik",
)
# Metadata whose change is kept as a KPI revision (ids get redefined over time).
KPI_TRACKED = ("title", "description", "perspective", "operating_area", "retired", "catalogue")
CURATED = ("polarity", "colour_graded", "unit", "decimals", "kkik")
AREA_TYPES = {"K": "kommun", "L": "region"}


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold().strip()


def slugify(text: str) -> str:
    table = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "ü": "u"})
    slug = re.sub(r"[^a-z0-9]+", "-", _fold(text).translate(table)).strip("-")
    return slug[:60] or "grupp"


class Store:
    """One database (DuckDB file or PostgreSQL) and the operations on it."""

    def __init__(self, db: Backend) -> None:
        self.db = db

    @classmethod
    def open(cls, url: str | None = None, *, read_only: bool = False) -> Store:
        return cls(connect(database_url(url), read_only=read_only))

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def dialect(self) -> str:
        return self.db.dialect

    # -- schema ---------------------------------------------------------------------------

    def migrate(self) -> list[str]:
        return migrate(self.db)

    def schema_version(self) -> int:
        return current_version(self.db)

    def ensure_schema(self) -> None:
        if current_version(self.db) < latest_version(self.db.dialect) or pending(self.db):
            raise JamforError(
                f"the database {self.db.url} is not initialised or is out of date; run 'jamfor db init'"
            )

    def stats(self) -> StoreStats:
        def count(table: str) -> int:
            return int(self.db.query(f"SELECT count(*) FROM {table}")[0][0])

        return StoreStats(
            areas=count("area"),
            groups=count("area_group"),
            kpis=count("kpi"),
            observations=count("observation"),
            revisions=count("observation_revision"),
        )

    # -- areas ----------------------------------------------------------------------------

    def upsert_areas(self, areas: Iterable[Area]) -> int:
        rows = [(a.id, a.title, a.type, a.county_id, a.kommungrupp) for a in areas]
        with self.db.transaction():
            self.db.execute("CREATE TEMP TABLE IF NOT EXISTS area_in AS SELECT * FROM area WHERE false")
            self.db.execute("DELETE FROM area_in")
            self.db.bulk_insert("area_in", ("id", "title", "type", "county_id", "kommungrupp"), rows)
            self.db.execute(
                "UPDATE area SET title = i.title, type = i.type, county_id = i.county_id, "
                "kommungrupp = i.kommungrupp FROM area_in i WHERE area.id = i.id"
            )
            self.db.execute(
                "INSERT INTO area SELECT * FROM area_in i WHERE NOT EXISTS "
                "(SELECT 1 FROM area a WHERE a.id = i.id)"
            )
            self.db.execute("DROP TABLE area_in")
        return len(rows)

    def _area(self, row: Sequence[Any]) -> Area:
        return Area(id=row[0], title=row[1], type=row[2], county_id=row[3], kommungrupp=row[4])

    def areas(self, type: str | None = None) -> list[Area]:
        sql = "SELECT id, title, type, county_id, kommungrupp FROM area"
        params: list[Any] = []
        if type:
            sql += " WHERE type = ?"
            params.append(type)
        return [self._area(r) for r in self.db.query(sql + " ORDER BY id", params)]

    def municipalities(self) -> list[Area]:
        return self.areas("K")

    def area(self, area_id: str) -> Area:
        rows = self.db.query(
            "SELECT id, title, type, county_id, kommungrupp FROM area WHERE id = ?", [area_id]
        )
        if not rows:
            raise NotFoundError(f"no area with id {area_id!r}")
        return self._area(rows[0])

    def search_areas(self, text: str, limit: int = 50) -> list[Area]:
        folded = f"%{_fold(text)}%"
        rows = self.db.query(
            "SELECT id, title, type, county_id, kommungrupp FROM area "
            "WHERE lower(title) LIKE ? OR id = ? ORDER BY (lower(title) = ?) DESC, type DESC, title LIMIT ?",
            [folded, text.strip(), _fold(text), limit],
        )
        return [self._area(r) for r in rows]

    def resolve_area(self, text: str) -> Area:
        """An area from its id or its name ("Ronneby", "Ronneby kommun", "Region Skåne", "Riket")."""
        key = text.strip()
        if re.fullmatch(r"\d{4}", key):
            return self.area(key)
        if re.fullmatch(r"\d{3}", key):
            raise NotFoundError(
                f"no area with id {key!r}; area ids have four digits (did you mean '0{key}'?)"
            )
        folded = _fold(key)
        candidates = [folded]
        for suffix in (" kommun", " stad", " kommuns"):
            if folded.endswith(suffix):
                stem = folded[: -len(suffix)].strip()
                candidates.append(stem)
                if stem.endswith("s"):  # "Göteborgs stad", "Stockholms stad"
                    candidates.append(stem[:-1])
        all_areas = self.areas()
        for candidate in candidates:
            hits = [a for a in all_areas if _fold(a.title) == candidate]
            if len(hits) == 1:
                return hits[0]
            if len(hits) > 1:
                # A municipality and a region can share a name (Gotland): prefer the municipality.
                kommuner = [a for a in hits if a.type == "K"]
                if len(kommuner) == 1:
                    return kommuner[0]
                raise AmbiguousNameError(
                    f"{text!r} matches several areas: " + ", ".join(f"{a.id} {a.title}" for a in hits)
                )
        partial = [a for a in all_areas if folded in _fold(a.title)]
        if len(partial) == 1:
            return partial[0]
        if partial:
            names = ", ".join(f"{a.id} {a.title}" for a in partial[:8])
            raise AmbiguousNameError(f"{text!r} matches several areas: {names}; give the id")
        raise NotFoundError(f"no municipality, region or area named or numbered {text!r}")

    # -- groups ---------------------------------------------------------------------------

    def upsert_groups(self, groups: Iterable[tuple[str, str, str, str, Sequence[str]]]) -> int:
        """Write groups (id, title, kind, source, member ids), replacing their member lists."""
        now = utcnow()
        groups = list(groups)
        known = {r[0] for r in self.db.query("SELECT id FROM area")}
        with self.db.transaction():
            ids = [(g[0],) for g in groups]
            self.db.execute("CREATE TEMP TABLE IF NOT EXISTS group_in (id TEXT)")
            self.db.execute("DELETE FROM group_in")
            self.db.bulk_insert("group_in", ("id",), ids)
            self.db.execute("DELETE FROM group_member WHERE group_id IN (SELECT id FROM group_in)")
            self.db.execute("DELETE FROM area_group WHERE id IN (SELECT id FROM group_in)")
            self.db.execute("DROP TABLE group_in")
            self.db.bulk_insert(
                "area_group",
                ("id", "title", "kind", "source", "created_at"),
                [(g[0], g[1], g[2], g[3], now) for g in groups],
            )
            members = []
            for gid, _title, _kind, _source, member_ids in groups:
                seen: set[str] = set()
                for pos, mid in enumerate(member_ids):
                    if mid in known and mid not in seen:
                        seen.add(mid)
                        members.append((gid, mid, pos))
            self.db.bulk_insert("group_member", ("group_id", "area_id", "position"), members)
        return len(groups)

    def groups(self, kind: str | None = None, text: str | None = None) -> list[Group]:
        sql = "SELECT id, title, kind, source FROM area_group WHERE 1 = 1"
        params: list[Any] = []
        if kind:
            sql += " AND kind = ?"
            params.append(kind)
        if text:
            sql += " AND (lower(title) LIKE ? OR id = ?)"
            params += [f"%{_fold(text)}%", text.strip()]
        rows = self.db.query(sql + " ORDER BY kind, title", params)
        return [Group(id=r[0], title=r[1], kind=r[2], source=r[3]) for r in rows]

    def groups_containing(self, area_id: str, kinds: Sequence[str] | None = None) -> list[Group]:
        """The groups `area_id` is a member of (without members), by kind and title."""
        sql = (
            "SELECT g.id, g.title, g.kind, g.source FROM area_group g "
            "JOIN group_member m ON m.group_id = g.id WHERE m.area_id = ?"
        )
        params: list[Any] = [area_id]
        if kinds:
            sql += f" AND g.kind IN ({', '.join('?' for _ in kinds)})"
            params += list(kinds)
        rows = self.db.query(sql + " ORDER BY g.kind, g.title", params)
        return [Group(id=r[0], title=r[1], kind=r[2], source=r[3]) for r in rows]

    def group(self, group_id: str) -> Group:
        rows = self.db.query("SELECT id, title, kind, source FROM area_group WHERE id = ?", [group_id])
        if not rows:
            raise NotFoundError(f"no group with id {group_id!r}")
        members = self.db.query(
            "SELECT a.id, a.title, a.type, a.county_id, a.kommungrupp FROM group_member m "
            "JOIN area a ON a.id = m.area_id WHERE m.group_id = ? ORDER BY m.position, a.id",
            [group_id],
        )
        r = rows[0]
        return Group(
            id=r[0], title=r[1], kind=r[2], source=r[3], members=tuple(self._area(m) for m in members)
        )

    def resolve_group(self, text: str) -> Group:
        key = text.strip()
        rows = self.db.query("SELECT id FROM area_group WHERE id = ?", [key])
        if rows:
            return self.group(rows[0][0])
        folded = _fold(key)
        hits = self.db.query("SELECT id, title FROM area_group WHERE lower(title) = ? ORDER BY id", [folded])
        if len(hits) == 1:
            return self.group(hits[0][0])
        if len(hits) > 1:
            names = ", ".join(f"{h[0]} {h[1]}" for h in hits[:8])
            raise AmbiguousNameError(f"{text!r} matches several groups: {names}; give the id")
        raise NotFoundError(f"no group named or numbered {text!r} (try 'jamfor group list')")

    def create_network(self, title: str, members: Sequence[str], *, group_id: str | None = None) -> Group:
        """A user-defined network of municipalities; members by id or name."""
        title = title.strip()
        if not title:
            raise JamforError("a network needs a name")
        if len(title) > 200:
            raise JamforError("a network name may be at most 200 characters")
        areas = [self.resolve_area(m) for m in members]
        if not areas:
            raise JamforError("a network needs at least one member")
        ids = [a.id for a in areas]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise JamforError("a member is listed twice: " + ", ".join(duplicates))
        gid = group_id or slugify(title)
        if self.db.query("SELECT 1 FROM area_group WHERE id = ?", [gid]):
            raise JamforError(f"a group with id {gid!r} exists already; choose another name or --id")
        self.upsert_groups([(gid, title, "network", "user", ids)])
        return self.group(gid)

    # -- KPIs -----------------------------------------------------------------------------

    def _kpi(self, row: Sequence[Any]) -> Kpi:
        return Kpi(**dict(zip(KPI_FIELDS, row, strict=True)))

    def kpi(self, kpi_id: str) -> Kpi:
        rows = self.db.query(f"SELECT {', '.join(KPI_FIELDS)} FROM kpi WHERE id = ?", [kpi_id.strip()])
        if not rows:
            raise NotFoundError(f"no KPI with id {kpi_id!r} (try 'jamfor kpi search')")
        return self._kpi(rows[0])

    def kpis(self, ids: Sequence[str] | None = None) -> list[Kpi]:
        sql = f"SELECT {', '.join(KPI_FIELDS)} FROM kpi"
        if ids is not None:
            if not ids:
                return []
            sql += " WHERE id = ANY(?)"  # one parameter, one plan, however many ids
            return [self._kpi(r) for r in self.db.query(sql + " ORDER BY id", [list(ids)])]
        return [self._kpi(r) for r in self.db.query(sql + " ORDER BY id")]

    def kpi_ids(self) -> set[str]:
        return {r[0] for r in self.db.query("SELECT id FROM kpi")}

    def area_ids(self) -> set[str]:
        return {r[0] for r in self.db.query("SELECT id FROM area")}

    def search_kpis(self, text: str, limit: int = 50, *, include_retired: bool = True) -> list[Kpi]:
        """KPIs whose id is `text` or whose title contains every word of it."""
        words = [w for w in _fold(text).split() if w]
        if not words:
            return []
        conds = " AND ".join("lower(title) LIKE ?" for _ in words)
        params: list[Any] = [f"%{w}%" for w in words]
        where = f"(upper(id) = ? OR ({conds}))"
        if not include_retired:
            where += " AND NOT retired"
        rows = self.db.query(
            f"SELECT {', '.join(KPI_FIELDS)} FROM kpi WHERE {where} "
            "ORDER BY (upper(id) = ?) DESC, retired, (kkik IS NULL), length(title), id LIMIT ?",
            [text.strip().upper(), *params, text.strip().upper(), limit],
        )
        return [self._kpi(r) for r in rows]

    def upsert_kpis(self, kpis: Sequence[Kpi], *, keep_curated: bool = True) -> tuple[int, int]:
        """Write catalogue entries; changed metadata keeps its old version. Returns (new, changed).

        With `keep_curated`, our curated fields stay as they are when the incoming entry has none.
        """
        now = utcnow()
        existing = (
            {k.id: k for k in self.kpis([k.id for k in kpis])}
            if len(kpis) < 5000
            else {k.id: k for k in self.kpis()}
        )
        new_rows, changed_rows, revisions = [], [], []
        for k in kpis:
            old = existing.get(k.id)
            if keep_curated and old is not None:
                k = _with_curated(k, old)
            row = (*tuple(getattr(k, f) for f in KPI_FIELDS), now)
            if old is None:
                new_rows.append(row)
            elif any(getattr(old, f) != getattr(k, f) for f in KPI_FIELDS if f != "catalogue"):
                changed_rows.append(row)
                if any(getattr(old, f) != getattr(k, f) for f in KPI_TRACKED if f != "catalogue"):
                    revisions.append(
                        (
                            old.id,
                            old.title,
                            old.description,
                            old.perspective,
                            old.operating_area,
                            old.retired,
                            old.catalogue,
                            now,
                        )
                    )
        with self.db.transaction():
            if changed_rows:
                self.db.execute("CREATE TEMP TABLE IF NOT EXISTS kpi_gone (id TEXT)")
                self.db.execute("DELETE FROM kpi_gone")
                self.db.bulk_insert("kpi_gone", ("id",), [(r[0],) for r in changed_rows])
                self.db.execute("DELETE FROM kpi WHERE id IN (SELECT id FROM kpi_gone)")
                self.db.execute("DROP TABLE kpi_gone")
            self.db.bulk_insert("kpi", (*KPI_FIELDS, "updated_at"), new_rows + changed_rows)
            self.db.bulk_insert(
                "kpi_revision",
                (
                    "id",
                    "title",
                    "description",
                    "perspective",
                    "operating_area",
                    "retired",
                    "catalogue",
                    "valid_until",
                ),
                revisions,
            )
        return len(new_rows), len(changed_rows)

    def kpi_history(self, kpi_id: str) -> list[dict[str, Any]]:
        rows = self.db.query(
            "SELECT title, description, perspective, operating_area, retired, catalogue, valid_until "
            "FROM kpi_revision WHERE id = ? ORDER BY valid_until",
            [kpi_id],
        )
        keys = (
            "title",
            "description",
            "perspective",
            "operating_area",
            "retired",
            "catalogue",
            "valid_until",
        )
        return [dict(zip(keys, r, strict=True)) for r in rows]

    def set_curation(
        self, rows: Sequence[tuple[str, str | None, bool | None, str | None, int | None, str | None]]
    ) -> int:
        """Set our curated fields (polarity, colour_graded, unit, decimals, kkik) on known KPIs."""
        with self.db.transaction():
            self.db.executemany(
                "UPDATE kpi SET polarity = ?, colour_graded = ?, unit = ?, decimals = ?, kkik = ? "
                "WHERE id = ?",
                [(r[1], r[2], r[3], r[4], r[5], r[0]) for r in rows],
            )
        return len(rows)

    # -- observations ---------------------------------------------------------------------

    def import_csv(
        self,
        src: ingest.CsvSource,
        *,
        file_name: str,
        sha256: str,
        source: str,
        kind: str,
        on_progress: ingest.OnProgress = None,
    ) -> ImportSummary:
        """Load a checked CSV as one all-or-nothing batch; raises ingest.StagingRejected on faults."""
        try:
            return self._import_csv(
                src, file_name=file_name, sha256=sha256, source=source, kind=kind, on_progress=on_progress
            )
        except ingest.StagingRejected:
            raise
        except Exception as exc:
            if not self.db.is_database_error(exc):
                raise
            raise DatabaseError(
                f"{file_name}: the database refused the import and nothing was written: {exc}"
            ) from exc

    def _import_csv(
        self,
        src: ingest.CsvSource,
        *,
        file_name: str,
        sha256: str,
        source: str,
        kind: str,
        on_progress: ingest.OnProgress = None,
    ) -> ImportSummary:
        now = utcnow()
        summary = ImportSummary(file=file_name, kind=kind)
        with self.db.transaction():
            batch_id = int(self.db.query("SELECT nextval('import_batch_id')")[0][0])
            counts = ingest.load(
                self.db, src, source=source, batch_id=batch_id, now=now, on_progress=on_progress
            )
            summary.rows, summary.new, summary.changed = counts.rows, counts.new, counts.changed
            summary.unchanged = counts.unchanged
            if counts.new or counts.changed:
                self.db.execute(
                    "INSERT INTO import_batch (id, kind, source, file_name, sha256, imported_at, rows_total, "
                    "rows_new, rows_changed, rows_unchanged) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        batch_id,
                        kind,
                        source,
                        file_name,
                        sha256,
                        now,
                        counts.rows,
                        counts.new,
                        counts.changed,
                        counts.unchanged,
                    ],
                )
                summary.batch_id = batch_id
        return summary

    def batches(self, limit: int = 20) -> list[dict[str, Any]]:
        rows = self.db.query(
            "SELECT id, kind, source, file_name, sha256, imported_at, rows_total, rows_new, rows_changed, "
            "rows_unchanged FROM import_batch ORDER BY id DESC LIMIT ?",
            [limit],
        )
        keys = (
            "id",
            "kind",
            "source",
            "file_name",
            "sha256",
            "imported_at",
            "rows_total",
            "rows_new",
            "rows_changed",
            "rows_unchanged",
        )
        return [dict(zip(keys, r, strict=True)) for r in rows]

    def observations(
        self,
        kpis: Sequence[str],
        areas: Sequence[str] | None = None,
        periods: Sequence[int] | None = None,
        gender: str | None = "T",
    ) -> list[Observation]:
        """Stored values for some KPIs, optionally limited to areas, periods and a gender."""
        if not kpis:
            return []
        where = [f"kpi IN ({', '.join('?' for _ in kpis)})"]
        params: list[Any] = list(kpis)
        if areas is not None:
            if not areas:
                return []
            where.append(f"area IN ({', '.join('?' for _ in areas)})")
            params += list(areas)
        if periods is not None:
            if not periods:
                return []
            where.append(f"period IN ({', '.join('?' for _ in periods)})")
            params += [int(p) for p in periods]
        if gender:
            where.append("gender = ?")
            params.append(gender)
        rows = self.db.query(
            "SELECT kpi, area, period, gender, value, status, count, source, batch_id, imported_at "
            f"FROM observation WHERE {' AND '.join(where)} ORDER BY kpi, area, period, gender",
            params,
        )
        return [Observation(*r) for r in rows]

    def observation_page(
        self,
        kpis: Sequence[str],
        areas: Sequence[str] | None = None,
        periods: Sequence[int] | None = None,
        gender: str | None = "T",
        *,
        limit: int,
        offset: int = 0,
    ) -> tuple[int, list[Observation]]:
        """(how many observations match, `limit` of them from `offset`), in the order of `observations`."""
        if not kpis or (areas is not None and not areas) or (periods is not None and not periods):
            return 0, []
        where = ["kpi = ANY(?)"]
        params: list[Any] = [list(kpis)]
        if areas is not None:
            where.append("area = ANY(?)")
            params.append(list(areas))
        if periods is not None:
            where.append("period = ANY(?)")
            params.append([int(p) for p in periods])
        if gender:
            where.append("gender = ?")
            params.append(gender)
        condition = " AND ".join(where)
        total = int(self.db.query(f"SELECT count(*) FROM observation WHERE {condition}", params)[0][0])
        rows = self.db.query(
            "SELECT kpi, area, period, gender, value, status, count, source, batch_id, imported_at "
            f"FROM observation WHERE {condition} ORDER BY kpi, area, period, gender LIMIT ? OFFSET ?",
            [*params, int(limit), int(offset)],
        )
        return total, [Observation(*r) for r in rows]

    def values(
        self,
        kpis: Sequence[str],
        periods: Sequence[int] | None = None,
        gender: str = "T",
        areas: Sequence[str] | None = None,
        *,
        all_areas_in: Sequence[int] | None = None,
    ) -> list[tuple[str, str, int, float | None, str | None]]:
        """Raw (kpi, area, period, value, source) tuples in one query, unordered: the reports' fast path.

        `periods` or `areas` None means all of them; an empty list means none. In the periods
        `all_areas_in`, every area's values come back whatever `areas` says: one municipality's
        series plus the whole country's last year, in one scan. The lists go in as array
        parameters (`= ANY(?)`), which both databases take and DuckDB plans faster than a long
        IN list.
        """
        if not kpis or (periods is not None and not periods):
            return []
        where = ["kpi = ANY(?)", "gender = ?"]
        params: list[Any] = [list(kpis), gender]
        if periods is not None:
            where.append("period = ANY(?)")
            params.append([int(p) for p in periods])
        if areas is not None:
            if all_areas_in:
                where.append("(area = ANY(?) OR period = ANY(?))")
                params += [list(areas), [int(p) for p in all_areas_in]]
            elif not areas:
                return []
            else:
                where.append("area = ANY(?)")
                params.append(list(areas))
        sql = f"SELECT kpi, area, period, value, source FROM observation WHERE {' AND '.join(where)}"
        # Both drivers return plain tuples of exactly these columns; re-packing 50k rows costs ms.
        return cast(list[tuple[str, str, int, float | None, str | None]], self.db.query(sql, params))

    def observation(self, kpi: str, area: str, period: int, gender: str = "T") -> Observation | None:
        found = self.observations([kpi], [area], [period], gender)
        return found[0] if found else None

    def history(self, kpi: str, area: str, period: int, gender: str = "T") -> list[Revision]:
        """Earlier values of one observation, oldest first."""
        rows = self.db.query(
            "SELECT value, status, count, source, batch_id, imported_at, replaced_at, replaced_by "
            "FROM observation_revision WHERE kpi = ? AND area = ? AND period = ? AND gender = ? "
            "ORDER BY replaced_at, replaced_by",
            [kpi, area, int(period), gender],
        )
        return [Revision(*r) for r in rows]

    def periods(self, kpi: str) -> list[int]:
        return [
            int(r[0])
            for r in self.db.query(
                "SELECT DISTINCT period FROM observation WHERE kpi = ? ORDER BY period", [kpi]
            )
        ]

    # -- web support ----------------------------------------------------------------------

    def sibling(self) -> Store:
        """Another connection to the same database, for use in another thread.

        DuckDB: a cursor of the same database instance (queries of different cursors run in
        parallel); PostgreSQL: a new connection. Close it when done; the original stays open.
        """
        if self.db.dialect == "duckdb":
            clone = copy.copy(self.db)
            clone.con = self.db.con.cursor()  # type: ignore[attr-defined]
            clone._depth = 0  # type: ignore[attr-defined]
            return Store(clone)
        return Store(connect(self.db.url))

    def periods_of(self, kpis: Sequence[str]) -> list[int]:
        """The years with a stored value of any of `kpis`, ascending: `periods` for many KPIs in one query."""
        if not kpis:
            return []
        rows = self.db.query(
            "SELECT DISTINCT period FROM observation WHERE kpi = ANY(?) ORDER BY period", [list(kpis)]
        )
        return [int(r[0]) for r in rows]

    def periods_by_kpi(self) -> dict[str, tuple[int, ...]]:
        """The years with a stored value, ascending, for every KPI that has values (one scan)."""
        found: dict[str, list[int]] = {}
        for kpi, period in self.db.query(
            "SELECT kpi, period FROM observation GROUP BY kpi, period ORDER BY kpi, period"
        ):
            found.setdefault(kpi, []).append(int(period))
        return {kpi: tuple(periods) for kpi, periods in found.items()}

    def periods_mark(self) -> tuple[int, int, int]:
        """Where the stored data stands for `periods_by_kpi`: (schema version, last import batch,
        last audit event). Read it before the table, and `periods_added_since` tells what came after."""
        row = self.db.query(
            "SELECT * FROM (SELECT coalesce(max(version), 0) FROM schema_migration) AS m, "
            "(SELECT coalesce(max(id), 0) FROM import_batch) AS b, "
            "(SELECT coalesce(max(id), 0) FROM audit_event) AS a"
        )[0]
        return int(row[0]), int(row[1]), int(row[2])

    def periods_added_since(
        self, mark: tuple[int, int, int]
    ) -> tuple[tuple[int, int, int], set[tuple[str, int]]] | None:
        """The (kpi, year) pairs that values entered since `mark` (`periods_mark`) may have added to
        `periods_by_kpi`, and the new mark; None when anything but data entry has written values
        since (an import, a sync, a restore, a migration): then read the whole table again.

        Entries (`store.entry.write_values`) write an import batch of kind `entry-…` and an audit
        event per value, keyed `kpi/area/year/gender`; nothing is ever deleted, so the table only
        grows by those pairs. Reads a few small rows instead of every observation.
        """
        migration, batch, audit = mark
        now = self.periods_mark()
        if now[0] != migration or now[1] < batch or now[2] < audit:
            return None  # migrated, or another store (restored) under the same name
        kinds = self.db.query("SELECT DISTINCT kind FROM import_batch WHERE id > ?", [batch])
        if any(not str(kind).startswith("entry-") for (kind,) in kinds):
            return None
        added: set[tuple[str, int]] = set()
        for (key,) in self.db.query(
            "SELECT entity_key FROM audit_event WHERE id > ? AND id <= ? AND entity = 'value'",
            [audit, now[2]],
        ):
            kpi, _area, period, _gender = str(key).split("/")
            added.add((kpi, int(period)))
        return now, added

    def groups_by_area(self, kinds: Sequence[str]) -> dict[str, tuple[Group, ...]]:
        """`groups_containing(area, kinds)` for every area at once: area id -> its groups by kind and title."""
        if not kinds:
            return {}
        rows = self.db.query(
            "SELECT m.area_id, g.id, g.title, g.kind, g.source FROM area_group g "
            "JOIN group_member m ON m.group_id = g.id WHERE g.kind = ANY(?) "
            "ORDER BY m.area_id, g.kind, g.title",
            [list(kinds)],
        )
        found: dict[str, list[Group]] = {}
        for area_id, *group in rows:
            found.setdefault(area_id, []).append(
                Group(id=group[0], title=group[1], kind=group[2], source=group[3])
            )
        return {area_id: tuple(groups) for area_id, groups in found.items()}

    def known_kpi_ids(self, ids: Sequence[str]) -> set[str]:
        """Those of `ids` that name a KPI in the catalogue: a lean check for the API."""
        if not ids:
            return set()
        rows = self.db.query(f"SELECT id FROM kpi WHERE id IN ({', '.join('?' for _ in ids)})", list(ids))
        return {r[0] for r in rows}

    def value_rows(
        self,
        kpis: Sequence[str],
        areas: Sequence[str] | None = None,
        periods: Sequence[int] | None = None,
        gender: str | None = "T",
        *,
        limit: int,
        offset: int = 0,
    ) -> list[tuple[str, str, int, str, float | None, str | None, int | None, str]]:
        """`observation_page`'s page as plain (kpi, area, period, gender, value, status, count, source)
        tuples, without the import columns and without the count: the API's values, fast.

        The lists go in as IN lists, whose filters both databases push down to their indexes
        (DuckDB: the row groups' min/max), which `= ANY(?)` does not in DuckDB.
        """
        condition, params = self._observation_filter(kpis, areas, periods, gender)
        if condition is None:
            return []
        rows = self.db.query(
            "SELECT kpi, area, period, gender, value, status, count, source "
            f"FROM observation WHERE {condition} ORDER BY kpi, area, period, gender LIMIT ? OFFSET ?",
            [*params, int(limit), int(offset)],
        )
        return cast(list[tuple[str, str, int, str, float | None, str | None, int | None, str]], rows)

    def value_count(
        self,
        kpis: Sequence[str],
        areas: Sequence[str] | None = None,
        periods: Sequence[int] | None = None,
        gender: str | None = "T",
    ) -> int:
        """How many observations `value_rows` pages through."""
        condition, params = self._observation_filter(kpis, areas, periods, gender)
        if condition is None:
            return 0
        return int(self.db.query(f"SELECT count(*) FROM observation WHERE {condition}", params)[0][0])

    def kpi_list(self, kkik: bool | None = None, *, limit: int, offset: int = 0) -> tuple[int, list[Kpi]]:
        """(how many KPIs, `limit` of them from `offset` in id order): the catalogue a page at a
        time, all of it or (`kkik`) only the KKiK measures or only the others, for the API."""
        where = ""
        if kkik is not None:
            where = " WHERE " + ("" if kkik else "NOT ") + "coalesce(kkik, '') <> ''"
        total = int(self.db.query(f"SELECT count(*) FROM kpi{where}")[0][0])
        rows = self.db.query(
            f"SELECT {', '.join(KPI_FIELDS)} FROM kpi{where} ORDER BY id LIMIT ? OFFSET ?",
            [int(limit), int(offset)],
        )
        return total, [self._kpi(r) for r in rows]

    @staticmethod
    def _observation_filter(
        kpis: Sequence[str], areas: Sequence[str] | None, periods: Sequence[int] | None, gender: str | None
    ) -> tuple[str | None, list[Any]]:
        """The WHERE condition and parameters of `value_rows`; None when nothing can match."""
        if not kpis or (areas is not None and not areas) or (periods is not None and not periods):
            return None, []
        where = [f"kpi IN ({', '.join('?' for _ in kpis)})"]
        params: list[Any] = list(kpis)
        if areas is not None:
            where.append(f"area IN ({', '.join('?' for _ in areas)})")
            params += list(areas)
        if periods is not None:
            where.append(f"period IN ({', '.join('?' for _ in periods)})")
            params += [int(p) for p in periods]
        if gender:
            where.append("gender = ?")
            params.append(gender)
        return " AND ".join(where), params

    def data_version(self) -> tuple[Any, ...]:
        """A fingerprint of the stored data, for caches of what is built from it.

        It changes with every import batch, catalogue or curation change, area, group or
        membership change, Kommunkompassen evaluation saved, audited change (value entries,
        network and evaluation edits on the website) and migration; it costs one query over the
        small tables.
        """
        if self.db.dialect == "duckdb":
            curated = "sum(hash(polarity, colour_graded, unit, decimals, kkik))"
        else:
            curated = "sum(hashtext(concat_ws('|', polarity, colour_graded, unit, decimals, kkik))::bigint)"
        # Aggregates joined side by side: DuckDB plans this in a few ms, scalar subqueries in ~50.
        row = self.db.query(
            "SELECT * FROM (SELECT max(version) FROM schema_migration) AS m, "
            "(SELECT max(id), count(*) FROM import_batch) AS b, "
            f"(SELECT count(*), max(updated_at), {curated} FROM kpi) AS k, "
            "(SELECT count(*) FROM kpi_revision) AS r, (SELECT count(*) FROM area) AS a, "
            "(SELECT count(*), max(created_at) FROM area_group) AS g, "
            "(SELECT count(*) FROM group_member) AS gm, "
            "(SELECT count(*) FROM compass_evaluation) AS ce, "
            "(SELECT count(*) FROM compass_evaluation_revision) AS cr, "
            "(SELECT max(id) FROM audit_event) AS au"
        )[0]
        return tuple(row)


def _with_curated(new: Kpi, old: Kpi) -> Kpi:
    keep = {f: getattr(old, f) for f in CURATED if getattr(new, f) is None and getattr(old, f) is not None}
    return replace(new, **keep) if keep else new
