"""The ranking from its definition file on real data (the demo extract), on both backends;
definition files are validated; the CLI and the web pages show it."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from typer.testing import CliRunner

from jamfor.cli import app
from jamfor.errors import NotFoundError, ValidationError
from jamfor.rankings import bundled_definitions, find_definition, parse_definition
from jamfor.render.ranking import ranking_csv, ranking_json, ranking_xlsx
from jamfor.reports.ranking import explain, ranking_report
from jamfor.sources.reference import import_demo, load_reference
from jamfor.store import Store
from jamfor.web.app import create_app

KUNGSBACKA = "1384"


def test_bundled_definitions_load() -> None:
    found = bundled_definitions()
    assert {"kvalitet-kkik", "medelrank-kkik-2020"} <= set(found)
    kkik = found["kvalitet-kkik"]
    assert kkik.method == "grades" and kkik.coverage == 0.6
    # costs and volume measures are not quality measures: left out of a set-based ranking
    assert "N11008" not in {m.kpi for m in kkik.measures}
    assert "N31807" not in {m.kpi for m in kkik.measures}


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("id: x\ntitle: X\nmethod: best\nmeasure_set: kkik-2020\n", "method"),
        ("id: x\ntitle: X\ncoverage: 1.5\nmeasure_set: kkik-2020\n", "coverage"),
        ("id: x\ntitle: X\nmeasure_set: nope\n", "measure_set"),
        ("id: x\ntitle: X\n", "at least one measure"),
        ("id: x\ntitle: X\nmeasures:\n  - {kpi: N1, area: A}\n  - {kpi: N1, area: B}\n", "listed twice"),
        ("id: x\ntitle: X\nmeasures:\n  - {kpi: N1, area: A, weight: '12,5 %'}\n", "weight"),
        (
            "id: x\ntitle: X\nmeasures:\n  - {kpi: N1, area: A}\nareas:\n  - {name: B, weight: 1}\n",
            "without measures",
        ),
        ("id: x\ntitle: X\nsurprise: 1\nmeasure_set: kkik-2020\n", "unknown keys"),
        ("- just\n- a list\n", "mapping"),
        ("id: [unclosed\n", "YAML"),
    ],
)
def test_bad_definitions_are_refused_with_the_key_named(text: str, fragment: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_definition(text, "mine.yaml")
    assert "mine.yaml" in str(caught.value) and fragment in str(caught.value)


def test_unknown_definition_name() -> None:
    with pytest.raises(NotFoundError, match="kvalitet-kkik"):
        find_definition("nope")


def test_ranking_on_real_data_adds_up_and_is_reproducible(demo_store: Store, tmp_path: Path) -> None:
    definition = find_definition("kvalitet-kkik")
    report = ranking_report(demo_store, definition)
    ranked = [r for r in report.rows if r.standing.ranked]
    assert len(ranked) > 250 and report.year >= 2020
    places = [r.standing.place for r in ranked]
    assert places == sorted(places) and places[0] == 1
    for row in report.rows:
        s = row.standing
        if s.total is not None:
            assert sum(c.contribution for c in s.contributions) == pytest.approx(s.total, rel=1e-12)
        if s.ranked:
            assert s.interval is not None and s.interval[0] <= s.interval[1]
            assert 1 <= s.place <= len(ranked)  # type: ignore[operator]
            assert 1.0 <= s.total <= 6.0  # type: ignore[operator]
    # the same definition file gives the same ranking (the bootstrap is seeded)
    copy = tmp_path / "copy.yaml"
    copy.write_text(Path(definition.origin.replace("jamfor/", "src/jamfor/", 1)).read_text(encoding="utf-8"))
    again = ranking_report(demo_store, find_definition(str(copy)), year=report.year)
    strip = lambda data: {k: v for k, v in data.items() if k != "generated_at"}  # noqa: E731
    assert strip(json.loads(ranking_json(again))) == strip(json.loads(ranking_json(report)))
    # the breakdown
    explanation = explain(report, KUNGSBACKA)
    assert explanation.row.municipality.name == "Kungsbacka"
    assert sum(c.contribution for _, c in explanation.contributions) == pytest.approx(
        explanation.row.standing.total
    )
    assert report.development and report.development[0].result.place == 1
    assert not any(
        "Kolada" in line and "jamfor" not in line and "värdena" not in line for line in report.sources
    )


def test_mean_rank_within_kommungrupp(demo_store: Store) -> None:
    report = ranking_report(demo_store, find_definition("medelrank-kkik-2020"))
    ranked = [r for r in report.rows if r.standing.ranked]
    groups = {r.standing.group for r in ranked}
    assert len(groups) == 9  # SKR's nine kommungrupper
    for group in groups:
        members = [r for r in ranked if r.standing.group == group]
        assert min(r.standing.place for r in members) == 1  # type: ignore[type-var]
        assert all(r.standing.places_of == len(members) for r in members)
        assert all(r.kommungrupp == group for r in members)
    assert report.lower_is_better


def test_formats(demo_store: Store) -> None:
    report = ranking_report(demo_store, find_definition("kvalitet-kkik"))
    data = json.loads(ranking_json(report))
    assert data["ranking"]["id"] == "kvalitet-kkik" and len(data["rows"]) == 290
    assert data["definitions"] and data["definitions"][0]["source"] == "Kolada"
    lines = ranking_csv(report).splitlines()
    assert lines[0].startswith("place,places_of,within,municipality_id") and len(lines) == 291
    wb = load_workbook(io.BytesIO(ranking_xlsx(report)))
    assert wb.sheetnames[0] == "Rangordning" and "Definitioner" in wb.sheetnames
    sheet = wb["Rangordning"]
    first = [c.value for c in sheet[5]]
    assert first[0] == 1 and isinstance(first[3], float) and sheet.cell(5, 4).number_format == "0.000"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, str]]:
    path = tmp_path_factory.mktemp("ranking") / "site.duckdb"
    with Store.open(str(path)) as store:
        store.migrate()
        load_reference(store)
        import_demo(store)
    with TestClient(create_app(str(path))) as client:
        yield client, str(path)


def test_cli(site: tuple[TestClient, str], tmp_path: Path) -> None:
    _, database = site
    runner = CliRunner()
    result = runner.invoke(app, ["--database", database, "ranking", "run", "--top", "3"])
    assert result.exit_code == 0, result.output
    assert "Kvalitetsrankning" in result.output and "Källa: Kolada (värdena)" in result.output
    result = runner.invoke(app, ["--database", database, "ranking", "explain", "Kungsbacka"])
    assert result.exit_code == 0 and "Summa = poäng" in result.output
    out = tmp_path / "r.xlsx"
    result = runner.invoke(app, ["--database", database, "ranking", "run", "-o", str(out)])
    assert result.exit_code == 0 and load_workbook(out).sheetnames[0] == "Rangordning"
    result = runner.invoke(
        app, ["--database", database, "ranking", "development", "-r", "medelrank-kkik-2020"]
    )
    assert result.exit_code == 0 and "Bästa utvecklingskommun" in result.output
    result = runner.invoke(app, ["--database", database, "ranking", "run", "-r", "nope"])
    assert result.exit_code != 0


def test_pages(site: tuple[TestClient, str]) -> None:
    client, _ = site
    page = client.get("/rankning")
    assert page.status_code == 200 and "Placeringar" in page.text and "Bästa utvecklingskommun" in page.text
    english = client.get("/rankning?rankning=medelrank-kkik-2020&lang=en")
    assert english.status_code == 200 and "Places" in english.text
    detail = client.get(f"/rankning/{KUNGSBACKA}")
    assert detail.status_code == 200 and "Placeringen mått för mått" in detail.text
    data = client.get(f"/rankning/{KUNGSBACKA}.json").json()
    assert sum(c["contribution"] for c in data["contributions"]) == pytest.approx(data["score"])
    # the page shows the same sum as the JSON
    shown = f"{data['score']:.3f}".replace(".", ",")
    assert shown in detail.text
    assert client.get("/rankning.xlsx").headers["content-type"].startswith("application/vnd.openxmlformats")
    assert client.get("/rankning.csv").text.startswith("place,")
    assert client.get("/rankning/Kungsbacka").status_code == 200
    assert client.get("/rankning/0000").status_code == 404
    assert client.get("/rankning?rankning=nope").status_code == 404
    hostile = client.get("/rankning", params={"rankning": '<script>alert("x")</script>'})
    assert hostile.status_code == 404 and "<script>alert" not in hostile.text
