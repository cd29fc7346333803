"""Values for many reports at once: every area's values of some KPIs in some periods, read in one
scan and handed over a column per (KPI, period), which both database drivers convert far faster
than one row per value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from jamfor.store.repository import Store

# Between the area ids of a column (one text per column is cheaper to hand over than a list of
# texts), and between areas and sources. Not a character an area id or a source name has; a
# column whose text does not split back is read again, a row per value.
AREA_SEPARATOR: Final = "\x1f"

# One group per (kpi, period): its areas and values in the same order, and the values whose
# source is not the common one as (area, source) pairs in one text, with their count. NaN means
# missing, as NULL does. The first filters let DuckDB's zone maps and PostgreSQL's key index skip
# the rest of the table; the pairs asked for are picked from the groups (`kpi/period`), a cheap
# test on a few hundred groups where one per row would cost more.
_FROM: Final = (
    "FROM observation WHERE kpi = ANY(?) AND gender = ? AND period = ANY(?) "
    "GROUP BY kpi, period HAVING kpi || '/' || CAST(period AS TEXT) = ANY(?)"
)
_OTHERS: Final = (
    "string_agg(area || ? || source, ?) FILTER (WHERE source <> ?) AS others, "
    "count(*) FILTER (WHERE source <> ?) AS other_count"
)
# Two aggregates keep the same order only when told (ORDER BY in both): PostgreSQL's way.
_COLUMNS: Final = (
    "SELECT kpi, period, string_agg(area, ? ORDER BY area), "
    f"array_agg(NULLIF(value, 'NaN') ORDER BY area), {_OTHERS} {_FROM}"
)
# DuckDB's: one list of (area, value) pairs, taken apart afterwards, so both parts keep its order
# without a sort (ORDER BY in the aggregates takes a third longer in DuckDB).
_COLUMNS_DUCKDB: Final = (
    "SELECT kpi, period, array_to_string(list_transform(pairs, lambda p: p.area), ?), "
    "list_transform(pairs, lambda p: p.value), others, other_count FROM ("
    "SELECT kpi, period, list({'area': area, 'value': NULLIF(value, 'NaN')}) AS pairs, "
    f"{_OTHERS} {_FROM}) AS grouped"
)


@dataclass(frozen=True)
class ValueColumn:
    """Every stored area's value of `kpi` in `period`, and the sources that are not the common one.

    `values` maps area id to value (None where it is stored as missing, NaN included);
    `sources` maps the areas whose value came from another source than the common one to it.
    """

    kpi: str
    period: int
    values: dict[str, float | None]
    sources: dict[str, str]


def value_columns(
    store: Store, pairs: Sequence[tuple[str, int]], gender: str, common_source: str
) -> list[ValueColumn]:
    """The columns of the (kpi, period) `pairs` that have stored values of `gender`, in one query.

    `common_source` is the source most values have (Kolada): values from it are not named one by
    one. The same as `Store.values` of the pairs' KPIs and periods, NaN read as None.
    """
    wanted = list(dict.fromkeys((kpi, int(period)) for kpi, period in pairs))
    if not wanted:
        return []
    kpis = list(dict.fromkeys(kpi for kpi, _period in wanted))
    periods = sorted({period for _kpi, period in wanted})
    keys = [f"{kpi}/{period}" for kpi, period in wanted]
    sep = AREA_SEPARATOR
    params: list[Any] = [sep, sep, sep, common_source, common_source, kpis, gender, periods, keys]
    columns = []
    sql = _COLUMNS_DUCKDB if store.db.dialect == "duckdb" else _COLUMNS
    for kpi, period, areas, values, others, count in store.db.query(sql, params):
        ids = areas.split(sep)
        named = [] if others is None else others.split(sep)
        if len(ids) != len(values) or len(named) != 2 * count:
            columns.append(_read_by_row(store, kpi, period, gender, common_source))
            continue
        sources = dict(zip(named[0::2], named[1::2], strict=True))
        columns.append(ValueColumn(kpi, period, dict(zip(ids, values, strict=True)), sources))
    return columns


def _read_by_row(store: Store, kpi: str, period: int, gender: str, common_source: str) -> ValueColumn:
    """One column read a row per value: for texts (area ids, sources) the separator would cut."""
    values: dict[str, float | None] = {}
    sources: dict[str, str] = {}
    for _kpi, area, _period, value, source in store.values([kpi], [period], gender, None):
        values[area] = None if value is None or value != value else value
        if source != common_source and source is not None:
            sources[area] = source
    return ValueColumn(kpi, period, values, sources)
