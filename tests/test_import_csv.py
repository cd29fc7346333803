"""Importing Kolada long CSV: encodings, delimiters, compression, and history on re-import."""

from __future__ import annotations

import gzip
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jamfor.model import Observation, Revision
from jamfor.sources.files import import_file
from jamfor.store import Store

try:  # tests/ is a package in this repository; fall back to the rootdir-less layout
    from tests.conftest import BACKENDS, _new_store
except ImportError:  # pragma: no cover
    from conftest import BACKENDS, _new_store  # type: ignore[no-redef]

HEADER = "kpi,municipality,period,gender,value"
HEADER_FULL = "kpi,municipality,period,gender,value,status,count"
KPIS = ["N00938", "N11102", "U07451", "N05401"]

# The same seven values written in every layout the importer accepts.
ROWS = [
    ("N00938", "1081", 2020, "T", 10.5, None, None),
    ("N00938", "1081", 2020, "K", 12.25, None, None),
    ("N00938", "1081", 2020, "M", 8.75, None, None),
    ("N00938", "0114", 2020, "T", None, "Uppgift saknas för år", None),
    ("N11102", "0000", 2019, "T", 5.2, None, 290),
    ("U07451", "2361", 2017, "T", 70.0, "Beräknat värde", 3),
    ("N05401", "0980", 2018, "T", -1234.5, None, None),
]


def _text(value: float | None, comma: bool = False) -> str:
    if value is None:
        return ""
    text = repr(value)
    return text.replace(".", ",") if comma else text


def layout(delimiter: str = ",", *, comma: bool = False, eol: str = "\n") -> str:
    lines = [HEADER_FULL.replace(",", delimiter)]
    for kpi, area, period, gender, value, status, count in ROWS:
        cells = [
            kpi,
            area,
            str(period),
            gender,
            _text(value, comma),
            status or "",
            "" if count is None else str(count),
        ]
        if delimiter == "," and comma:
            cells[4] = f'"{cells[4]}"' if cells[4] else ""
        lines.append(delimiter.join(cells))
    return eol.join(lines) + eol


VARIANTS: dict[str, tuple[str, bytes]] = {
    "utf8": ("values.csv", layout().encode("utf-8")),
    "utf8-bom": ("values.csv", b"\xef\xbb\xbf" + layout().encode("utf-8")),
    "cp1252": ("values.csv", layout().encode("cp1252")),
    "cp1252-semicolon-decimal-comma-crlf": (
        "values.csv",
        layout(";", comma=True, eol="\r\n").encode("cp1252"),
    ),
    "semicolon-decimal-comma": ("values.csv", layout(";", comma=True).encode("utf-8")),
    "quoted-decimal-comma": ("values.csv", layout(",", comma=True).encode("utf-8")),
    "tab": ("values.tsv", layout("\t").encode("utf-8")),
    "crlf": ("values.csv", layout(eol="\r\n").encode("utf-8")),
    "gzip": ("values.csv.gz", gzip.compress(layout().encode("utf-8"))),
    "gzip-bom-semicolon": (
        "values.csv.gz",
        gzip.compress(b"\xef\xbb\xbf" + layout(";", comma=True).encode()),
    ),
    "gzip-cp1252": ("values.csv.gz", gzip.compress(layout().encode("cp1252"))),
}


def _write(tmp: Path, name: str, content: bytes | str) -> Path:
    path = tmp / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def _stored(store: Store) -> list[tuple[object, ...]]:
    return [
        (o.kpi, o.area, o.period, o.gender, o.value, o.status, o.count)
        for o in store.observations(KPIS, gender=None)
    ]


def _expected() -> list[tuple[object, ...]]:
    return sorted(ROWS)


@pytest.mark.parametrize("variant", ["cp1252-semicolon-decimal-comma-crlf", "gzip-bom-semicolon"])
def test_csv_variant_is_read_into_an_empty_store(store: Store, tmp_path: Path, variant: str) -> None:
    name, content = VARIANTS[variant]
    path = _write(tmp_path, name, content)
    summary = import_file(store, path, source="Kolada test")

    assert (summary.file, summary.kind) == (name, "observations-csv")
    assert (summary.rows, summary.new, summary.changed, summary.unchanged) == (len(ROWS), len(ROWS), 0, 0)
    assert summary.batch_id is not None
    assert _stored(store) == _expected()
    obs = store.observation("N00938", "0114", 2020, "T")
    assert obs is not None
    assert obs.value is None
    assert obs.status == "Uppgift saknas för år"  # non-ASCII survives the encoding
    assert obs.source == "Kolada test"
    assert obs.batch_id == summary.batch_id
    assert obs.imported_at is not None
    assert store.stats().observations == len(ROWS)
    assert store.batches()[0]["rows_new"] == len(ROWS)


def test_reimport_and_every_other_layout_change_nothing(store: Store, tmp_path: Path) -> None:
    """Re-importing a file changes nothing, and neither does the same data in any other layout."""
    path = _write(tmp_path, "values.csv", VARIANTS["utf8"][1])
    first = import_file(store, path)
    assert (first.new, first.changed) == (len(ROWS), 0)
    assert _stored(store) == _expected()
    stats = store.stats()
    stored = store.observations(KPIS, gender=None)
    batches = store.batches()
    assert stats.revisions == 0

    again = import_file(store, path)
    assert (again.rows, again.new, again.changed, again.unchanged) == (len(ROWS), 0, 0, len(ROWS))
    assert again.batch_id is None
    assert store.stats() == stats
    # Not even the provenance moves: same batch, same import time, no new batch record.
    assert store.observations(KPIS, gender=None) == stored
    assert all(o.batch_id == first.batch_id for o in stored)
    assert store.batches() == batches
    assert store.history("N00938", "1081", 2020, "T") == []

    for variant, (name, content) in VARIANTS.items():
        folder = tmp_path / variant
        folder.mkdir()
        summary = import_file(store, _write(folder, name, content))
        assert (summary.new, summary.changed, summary.unchanged) == (0, 0, len(ROWS)), variant
        assert store.stats() == stats, variant
        assert store.observations(KPIS, gender=None) == stored, variant
    assert store.batches() == batches


def test_real_subset_reimport_changes_nothing(store: Store, shared_data: Path, tmp_path: Path) -> None:
    source = shared_data / "kolada" / "kolada_values_2024-08_kkik2013_subset_2015-2022.csv"
    path = tmp_path / source.name
    shutil.copy(source, path)
    first = import_file(store, path)
    assert first.new == first.rows > 60_000
    stats = store.stats()
    again = import_file(store, path)
    assert (again.new, again.changed, again.unchanged) == (0, 0, first.rows)
    assert store.stats() == stats


# -- tests on one shared store per backend: each uses KPIs of its own and compares before/after ------


@pytest.fixture(scope="module", params=BACKENDS)
def shared(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, duckdb_template: Path
) -> Iterator[Store]:
    gen = _new_store(request.param, tmp_path_factory.mktemp(f"csv-{request.param}"), duckdb_template)
    yield next(gen)
    next(gen, None)


def test_changed_value_keeps_the_old_one_as_a_revision(shared: Store, tmp_path: Path) -> None:
    first = import_file(shared, _write(tmp_path, "a.csv", f"{HEADER}\nN00914,1081,2020,T,10.5\n"))
    old = shared.observation("N00914", "1081", 2020)
    assert old is not None

    second = import_file(
        shared, _write(tmp_path, "b.csv", f"{HEADER}\nN00914,1081,2020,T,11.0\n"), source="rev"
    )
    assert (second.new, second.changed, second.unchanged) == (0, 1, 0)
    now = shared.observation("N00914", "1081", 2020)
    assert now is not None
    assert (now.value, now.source, now.batch_id) == (11.0, "rev", second.batch_id)

    [revision] = shared.history("N00914", "1081", 2020, "T")
    assert isinstance(revision, Revision)
    assert revision.value == 10.5
    assert revision.source == "Kolada"
    assert revision.batch_id == first.batch_id
    assert revision.imported_at == old.imported_at
    assert revision.replaced_by == second.batch_id
    assert revision.replaced_at == now.imported_at

    third = import_file(shared, _write(tmp_path, "c.csv", f"{HEADER}\nN00914,1081,2020,T,\n"))
    assert third.changed == 1
    history = shared.history("N00914", "1081", 2020)
    assert [r.value for r in history] == [10.5, 11.0]  # oldest first
    assert [r.replaced_by for r in history] == [second.batch_id, third.batch_id]
    latest = shared.observation("N00914", "1081", 2020)
    assert latest is not None and latest.value is None
    # Other genders of the same cell are separate observations with their own (empty) history.
    assert shared.history("N00914", "1081", 2020, "K") == []


def test_status_or_count_change_is_a_revision(shared: Store, tmp_path: Path) -> None:
    import_file(shared, _write(tmp_path, "a.csv", f"{HEADER_FULL}\nN11008,0000,2019,T,5.2,,290\n"))
    summary = import_file(
        shared, _write(tmp_path, "b.csv", f"{HEADER_FULL}\nN11008,0000,2019,T,5.2,prel,289\n")
    )
    assert summary.changed == 1
    [revision] = shared.history("N11008", "0000", 2019)
    assert (revision.value, revision.status, revision.count) == (5.2, None, 290)
    obs = shared.observation("N11008", "0000", 2019)
    assert obs is not None and (obs.status, obs.count) == ("prel", 289)


def test_file_changing_exactly_ten_values_adds_exactly_ten_revisions(shared: Store, tmp_path: Path) -> None:
    areas = ["0114", "0180", "0980", "1081", "2361"]
    cells = [
        (kpi, area, period)
        for kpi in ("U23401", "U21401")
        for area in areas
        for period in (2018, 2019, 2020, 2021)
    ]
    assert len(cells) == 40
    base = {cell: float(i) + 0.5 for i, cell in enumerate(cells)}
    changed = {cell: base[cell] * 2 + 1 for cell in cells[::4]}
    assert len(changed) == 10
    extra = [("U07414", area, 2020) for area in areas[:3]]

    def write(name: str, values: dict[tuple[str, str, int], float]) -> Path:
        body = "".join(f"{k},{a},{p},T,{v!r}\n" for (k, a, p), v in values.items())
        return _write(tmp_path, name, HEADER + "\n" + body)

    import_file(shared, write("base.csv", base))
    before = shared.stats()
    updated = {**base, **changed, **{cell: 1.0 for cell in extra}}
    summary = import_file(shared, write("update.csv", updated))

    assert (summary.rows, summary.new, summary.changed, summary.unchanged) == (43, 3, 10, 30)
    after = shared.stats()
    assert after.revisions == before.revisions + 10
    assert after.observations == before.observations + 3
    for (kpi, area, period), old in base.items():
        history = shared.history(kpi, area, period)
        obs = shared.observation(kpi, area, period)
        assert obs is not None
        if (kpi, area, period) in changed:
            assert [r.value for r in history] == [old]
            assert obs.value == changed[(kpi, area, period)]
        else:
            assert history == []
            assert obs.value == old


def test_columns_may_come_in_any_order_and_under_kolada_aliases(shared: Store, tmp_path: Path) -> None:
    content = "Value,Gender,Year,Municipality_id,KPI_ID,Status\n7.5,K,2021,0114,U31402,ok\n"
    summary = import_file(shared, _write(tmp_path, "aliases.csv", content))
    assert summary.new == 1
    obs = shared.observation("U31402", "0114", 2021, "K")
    assert obs is not None and (obs.value, obs.status) == (7.5, "ok")


def test_blank_lines_are_ignored(shared: Store, tmp_path: Path) -> None:
    content = f"{HEADER}\nU00454,1081,2020,T,1.5\n\nU00454,0114,2020,T,2.5\n\n\n"
    summary = import_file(shared, _write(tmp_path, "blank.csv", content))
    assert summary.new == 2


def test_number_forms_accepted(shared: Store, tmp_path: Path) -> None:
    content = (
        f"{HEADER}\nN15428,0114,2020,T,1e3\nN15428,0180,2020,T,-3.5\nN15428,0980,2020,T, 12 \n"
        'N15428,1081,2020,T,"0,25"\nN15428,2361,2020,T,+.5\n'
    )
    import_file(shared, _write(tmp_path, "numbers.csv", content))
    values = {o.area: o.value for o in shared.observations(["N15428"])}
    assert values == {"0114": 1000.0, "0180": -3.5, "0980": 12.0, "1081": 0.25, "2361": 0.5}


def test_cp1252_file_whose_first_non_ascii_character_is_late(shared: Store, tmp_path: Path) -> None:
    """Encoding detection must not depend on where the first non-ASCII character sits.

    Here the only non-ASCII text (a status) is on the last row, beyond the first 64 KiB.
    """
    areas = [a.id for a in shared.areas()]
    lines = [HEADER_FULL]
    for period in range(2000, 2012):
        for area in areas:
            lines.append(f"U21468,{area},{period},T,{period - 1990}.5,,")
    lines.append("U21468,1081,2020,T,1.0,Uppgift saknas för år,")
    content = ("\n".join(lines) + "\n").encode("cp1252")
    assert content.index("ö".encode("cp1252")) > 1 << 16
    summary = import_file(shared, _write(tmp_path, "late_cp1252.csv", content))
    assert summary.new == len(lines) - 1
    obs = shared.observation("U21468", "1081", 2020)
    assert obs is not None and obs.status == "Uppgift saknas för år"


def test_observation_dataclass_round_trip(shared: Store, tmp_path: Path) -> None:
    import_file(shared, _write(tmp_path, "one.csv", f"{HEADER_FULL}\nU23471,2361,2018,M,84.25,x,7\n"))
    [obs] = shared.observations(["U23471"], ["2361"], [2018], "M")
    assert isinstance(obs, Observation)
    assert (obs.kpi, obs.area, obs.period, obs.gender, obs.value, obs.status, obs.count) == (
        "U23471",
        "2361",
        2018,
        "M",
        84.25,
        "x",
        7,
    )
    assert shared.observations(["U23471"], ["2361"], [2018], "T") == []
    assert shared.periods("U23471") == [2018]


# -- property: re-import is idempotent and changes are counted and kept ------------------------------

AREAS = ["0000", "0012", "0114", "0180", "0980", "1081", "2361", "2584"]
KEY = st.tuples(
    st.sampled_from(KPIS), st.sampled_from(AREAS), st.integers(1950, 2100), st.sampled_from("TKM")
)
VALUE = st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False))
Key = tuple[str, str, int, str]


def _same(a: float | None, b: float | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and a == b)


def _write_values(path: Path, values: dict[Key, float | None], semicolon: bool) -> None:
    delimiter = ";" if semicolon else ","
    lines = [HEADER.replace(",", delimiter)]
    for (kpi, area, period, gender), value in values.items():
        lines.append(delimiter.join([kpi, area, str(period), gender, _text(value, comma=semicolon)]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _observed(store: Store) -> dict[Key, float | None]:
    return {(o.kpi, o.area, o.period, o.gender): o.value for o in store.observations(KPIS, gender=None)}


@settings(max_examples=15, deadline=None)
@given(rows=st.dictionaries(KEY, VALUE, min_size=1, max_size=40), semicolon=st.booleans(), data=st.data())
def test_property_reimport_is_idempotent_and_changes_keep_history(
    duckdb_template: Path, rows: dict[Key, float | None], semicolon: bool, data: st.DataObject
) -> None:
    with tempfile.TemporaryDirectory(prefix="jamfor-prop-") as tmp_name:
        tmp = Path(tmp_name)
        db = tmp / "store.duckdb"
        shutil.copy(duckdb_template, db)
        with Store.open(str(db)) as store:
            path = tmp / "values.csv"
            _write_values(path, rows, semicolon)
            first = import_file(store, path)
            assert (first.rows, first.new, first.changed) == (len(rows), len(rows), 0)
            assert _observed(store) == rows
            stats = store.stats()

            again = import_file(store, path)
            assert (again.new, again.changed, again.unchanged) == (0, 0, len(rows))
            assert store.stats() == stats

            keys = sorted(rows)
            picked = data.draw(st.sets(st.sampled_from(keys), max_size=len(keys)), label="changed keys")
            updated = dict(rows)
            for key in sorted(picked):
                old = rows[key]
                updated[key] = data.draw(VALUE.filter(lambda v, old=old: not _same(v, old)), label=str(key))
            _write_values(tmp / "changed.csv", updated, semicolon)
            changed = import_file(store, tmp / "changed.csv")

            assert (changed.new, changed.changed, changed.unchanged) == (
                0,
                len(picked),
                len(rows) - len(picked),
            )
            assert store.stats().revisions == len(picked)
            assert store.stats().observations == len(rows)
            assert _observed(store) == updated
            # Every changed key holds its old value; with the total above, no other key has history.
            for key in picked:
                assert [r.value for r in store.history(*key)] == [rows[key]]
