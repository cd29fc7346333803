"""The unmodified `koladapy` package from PyPI, pointed at our /kolada/v3, reads what the store holds.

koladapy (a test dependency, pinned in requirements.lock) is a third-party Kolada v3 client: it
pages by counting `page` itself, sends lists as repeated parameters, splits lists longer than
25 into batches and silently drops a batch that fails. Passing here means a Kolada client finds
our API to be Kolada, with nothing lost on the way.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import koladapy
import pytest
from koladapy import KoladaAPI

from jamfor.measuresets import example_dataset_kpi_ids, load_example_dataset
from jamfor.sources.fake_kolada import serve_in_thread
from jamfor.sources.reference import import_demo, load_reference
from jamfor.store import Store
from jamfor.web.app import create_app
from jamfor.web.kolada_api import KPI_FIELDS
from tests.conftest import _drop_schema, _pg_url

KPIS = ["N00938", "N11102", "U07414", "U23401"]


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[KoladaAPI, Store]]:
    """koladapy against the whole jamfor app on a real socket, and a second handle on the store."""
    tmp = tmp_path_factory.mktemp(f"koladapy-{request.param}")
    schema = None
    if request.param == "duckdb":
        url = str(tmp / "koladapy.duckdb")
    else:
        schema = f"koladapy_{uuid.uuid4().hex[:10]}"
        url = _pg_url(schema)
    try:
        with Store.open(url) as store:
            store.migrate()
            load_reference(store)
            import_demo(store)
            load_example_dataset(store)
        app = create_app(url)
        with serve_in_thread(app) as server:
            # koladapy joins endpoints onto its base URL, which therefore ends with a slash. Its
            # own throttle (5 requests a second, for the real Kolada) is lifted for the test.
            api = KoladaAPI(base_url=server.kolada_url + "/", max_requests_per_second=1000)
            yield api, app.state.access.store
    finally:
        if schema:
            _drop_schema(schema)


def kolada_rows(
    store: Store, kpis: list[str], areas: list[str] | None, years: list[int] | None
) -> list[dict[str, Any]]:
    """The store's values as koladapy's flattened rows (one per kpi, area, period and gender)."""
    return [
        {
            "kpi": o.kpi,
            "period": o.period,
            "municipality": o.area,
            "gender": o.gender,
            "count": o.count,
            "status": o.status,
            "value": o.value,
            "isdeleted": False,
        }
        for o in store.observations(kpis, areas, years, gender=None)
    ]


def key(row: dict[str, Any]) -> tuple[str, str, int, str]:
    return (row["kpi"], row["municipality"], row["period"], row["gender"])


def test_it_is_the_package_from_pypi() -> None:
    assert koladapy.__version__ == "1.0.1"


def test_kpis(served: tuple[KoladaAPI, Store]) -> None:
    api, store = served
    held = store.kpis()
    assert len(held) > 5000  # more than one of koladapy's pages of 5000
    fetched = api.search_kpis()
    assert fetched == [{f: getattr(k, f) for f in KPI_FIELDS} for k in held]
    assert api.get_kpi("N00938")["title"] == store.kpi("N00938").title
    thirty = [k.id for k in held[100:130]]  # koladapy asks for 25, then for 5
    assert [k["id"] for k in api.get_kpis(thirty)] == thirty
    own = example_dataset_kpi_ids()
    assert [k["title"] for k in api.get_kpis(own)] == [store.kpi(i).title for i in own]
    found = api.search_kpis("sjukpenningtalet")
    assert "N00938" in [k["id"] for k in found]


def test_municipalities_and_groups(served: tuple[KoladaAPI, Store]) -> None:
    api, store = served
    assert api.get_municipalities() == [{"id": a.id, "title": a.title, "type": a.type} for a in store.areas()]
    kommuner = api.get_municipalities(municipality_type="K")
    assert [m["id"] for m in kommuner] == [a.id for a in store.municipalities()]
    assert api.get_municipality("1081") == {"id": "1081", "title": "Ronneby", "type": "K"}
    assert [m["id"] for m in api.get_municipalities(query="Ronneby")] == ["1081"]
    group = api.get_municipality_group("G114418")
    assert [m["member_id"] for m in group["members"]] == [a.id for a in store.group("G114418").members]


def test_values(served: tuple[KoladaAPI, Store]) -> None:
    api, store = served
    areas = ["0000", "1081", "1082", "1083", "1384"]
    years = [2015, 2016, 2017]
    data = api.get_values(kpi_id=KPIS, municipality_id=areas, years=years)
    assert sorted(data, key=lambda r: (r["kpi"], r["municipality"], r["period"])) == data
    flat = api.get_data_as_dataframe(kpi_id=KPIS, municipality_id=areas, years=years).to_dict("records")
    expected = kolada_rows(store, KPIS, areas, years)
    assert len(flat) == len(expected) > 50
    assert sorted(flat, key=key) == sorted(expected, key=key)


def test_values_over_many_pages_and_batches(served: tuple[KoladaAPI, Store]) -> None:
    api, store = served
    # Two KPIs for every area and year: more than 5000 data rows, so koladapy pages.
    data = api.get_values(kpi_id=["N00938", "U07414"])
    assert len(data) > 5000
    flat = api.get_data_as_dataframe(kpi_id=["N00938", "U07414"]).to_dict("records")
    assert sorted(flat, key=key) == sorted(kolada_rows(store, ["N00938", "U07414"], None, None), key=key)
    # All 290 municipalities: koladapy sends them in batches of 25, and drops a batch that fails
    # without a word; the count shows that none did.
    kommuner = [a.id for a in store.municipalities()]
    batched = api.get_data_as_dataframe(kpi_id="N00938", municipality_id=kommuner, years=2016).to_dict(
        "records"
    )
    assert sorted(batched, key=key) == sorted(kolada_rows(store, ["N00938"], kommuner, [2016]), key=key)
    assert len({r["municipality"] for r in batched}) == 290


def test_own_figures_and_updated_since(served: tuple[KoladaAPI, Store]) -> None:
    api, store = served
    own = example_dataset_kpi_ids()
    flat = api.get_data_as_dataframe(kpi_id=own, municipality_id=["1384", "0000"]).to_dict("records")
    assert sorted(flat, key=key) == sorted(kolada_rows(store, own, ["1384", "0000"], None), key=key)
    assert len(flat) == 55  # 15 measures × 2012–2014 for Kungsbacka, and 10 for Riket 2014
    since = api.get_values(kpi_id="N00938", municipality_id="1081", updated_since="2000-01-01")
    assert [r["period"] for r in since] == store.periods("N00938")
    assert api.get_values(kpi_id="N00938", municipality_id="1081", updated_since="2999-01-01") == []
