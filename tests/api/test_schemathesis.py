"""schemathesis over the OpenAPI description the site publishes (/api/openapi.json): every
operation of /api/v1 and of the Kolada-compatible /kolada/v3, called through the ASGI app on the
demo store (DuckDB and PostgreSQL). Checks: no 5xx, every status code declared, every content
type declared and every body matching its declared schema.

Bounded for CI: `JAMFOR_API_FUZZ_EXAMPLES` examples per operation (default 6; 34 operations, about 400 requests over both backends).
"""

from __future__ import annotations

import os
import traceback
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import APIOperation, BaseSchema
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from jamfor.sources.reference import import_demo, load_reference
from jamfor.store import Store
from jamfor.web.app import create_app
from tests.conftest import _drop_schema, _pg_url

EXAMPLES = int(os.environ.get("JAMFOR_API_FUZZ_EXAMPLES", "6"))
NORNORNA = ["Berg", "Härjedalen", "Krokom", "Ragunda", "Strömsund", "Åre", "Östersund"]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def demo_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo store (the bundled Kolada extract and a network) on each backend."""
    tmp: Path = tmp_path_factory.mktemp(f"schemathesis-{request.param}")
    schema = None
    if request.param == "duckdb":
        url = str(tmp / "demo.duckdb")
    else:
        schema = f"st_{uuid.uuid4().hex[:10]}"
        url = _pg_url(schema)
    try:
        with Store.open(url) as store:
            store.migrate()
            load_reference(store)
            import_demo(store)
            store.create_network("Nornorna", NORNORNA)
        yield url
    finally:
        if schema:
            _drop_schema(schema)


def _fuzz(operation: APIOperation, calls: list[int]) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=os.environ.get("JAMFOR_FUZZ_RANDOM") is None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
    )
    def run(case: schemathesis.Case) -> None:
        calls.append(case.call_and_validate(checks=CHECKS).status_code)

    run()


def test_api_conforms_to_its_openapi_description(demo_url: str) -> None:
    app = create_app(demo_url)
    api_schema: BaseSchema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    failures: list[str] = []
    operations = 0
    calls: list[int] = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        operations += 1
        try:
            _fuzz(operation, calls)
        except (Exception, BaseExceptionGroup) as exc:  # one operation's failure must not hide the others'
            failures.append(f"{operation.label}: {''.join(traceback.format_exception(exc))[-3000:]}")
    assert operations >= 30, f"only {operations} operations in /api/openapi.json"
    assert not failures, "\n\n".join(failures)
    assert len(calls) >= operations * min(EXAMPLES, 2), f"only {len(calls)} requests were made"
    print(f"{len(calls)} requests over {operations} operations; statuses: {sorted(Counter(calls).items())}")


# The description types `year`, `years`, `kpi` and `area` as free text (lists and ranges are
# parsed by us), so schemathesis rarely sends the numbers that matter; these queries do.
NUMBERISH = st.one_of(
    st.integers(-(10**30), 10**30).map(str),
    st.tuples(st.integers(-(10**20), 10**20), st.integers(-(10**20), 10**20)).map(lambda t: f"{t[0]}-{t[1]}"),
    st.lists(st.integers(0, 10**25), min_size=1, max_size=4).map(lambda xs: ",".join(map(str, xs))),
    st.text(max_size=30),
)
QUERIES = [
    ("/api/v1/values", "year", {"kpi": "N00914"}),
    ("/api/v1/values", "area", {"kpi": "N00914"}),
    ("/api/v1/values", "kpi", {}),
    ("/api/v1/reports/municipality/1081", "years", {}),
    ("/api/v1/reports/kpi/N00914", "years", {}),
    ("/kolada/v3/data", "year", {"kpi_id": "N00914"}),
    ("/kolada/v3/data/kpi/N00914/year/2020", "municipality_id", {}),
]


def test_numeric_text_parameters_never_give_a_server_error(demo_url: str) -> None:
    with TestClient(create_app(demo_url)) as client:
        _numeric_queries(client)


def _numeric_queries(client: TestClient) -> None:

    @given(which=st.sampled_from(QUERIES), value=NUMBERISH)
    @settings(
        max_examples=EXAMPLES * 10, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def run(which: tuple[str, str, dict[str, str]], value: str) -> None:
        url, name, fixed = which
        response = client.get(url, params={**fixed, name: value})
        assert response.status_code < 500, (url, name, value, response.status_code, response.text[:300])

    run()
