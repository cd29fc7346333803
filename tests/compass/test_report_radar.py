"""The radar (profile) chart of the Kommunkompassen report: accessible SVG, a table beside it, no fake zeros."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from jamfor.render.charts import ChartError, RadarChart, RadarSeries, data_table, to_svg

AREAS = (
    "Offentlighet och demokrati",
    "Brukarfokus, tillgänglighet och bemötande",
    "Politisk styrning och kontroll",
    "Ledarskap, ansvar och delegation",
    "Resultat och effektivitet",
    "Kommunen som arbetsgivare - personalpolitik",
    "Ständiga förbättringar",
    "Kommunen som samhällsbyggare",
)
HUDDINGE = (79.15, 67.9, 64.1, 73.4, 64.45, 70.7, 58.95, 83.15)
SVG = "{http://www.w3.org/2000/svg}"


def chart(
    reference: tuple[float | None, ...] = (70.0, 60.0, 61.5, 65.0, 55.0, 62.0, 50.0, 70.0), **kw: object
) -> RadarChart:
    return RadarChart(
        "Huddinge 2017 jämfört med referensmedlet",
        AREAS,
        (
            RadarSeries("Huddinge 2017", HUDDINGE, "subject"),
            RadarSeries("Medel, 4 utvärderingar", reference, "reference"),
        ),
        unit="poäng",
        **kw,  # type: ignore[arg-type]
    )


def test_svg_is_named_described_and_well_formed() -> None:
    svg = to_svg(chart())
    root = ET.fromstring(svg)
    assert root.get("role") == "img"
    prefix = root.get("id")
    assert root.get("aria-labelledby") == f"{prefix}-title {prefix}-desc"
    assert root.find(f"{SVG}title").text == "Huddinge 2017 jämfört med referensmedlet"  # type: ignore[union-attr]
    desc = root.find(f"{SVG}desc").text or ""  # type: ignore[union-attr]
    assert desc.startswith("Radardiagram (profil) med 8 axlar, skala 0–100 (poäng).")
    assert (
        "Huddinge 2017: Offentlighet och demokrati 79; Brukarfokus, tillgänglighet och bemötande 68;" in desc
    )
    assert "Medel, 4 utvärderingar: Offentlighet och demokrati 70;" in desc
    assert "<script" not in svg and "href" not in svg


def test_series_differ_in_line_and_marker_not_only_colour() -> None:
    root = ET.fromstring(to_svg(chart()))
    groups = {g.get("data-role"): g for g in root.iter(f"{SVG}g") if g.get("class") == "series"}
    assert set(groups) == {"subject", "reference"}
    subject_lines = [p for p in groups["subject"].iter(f"{SVG}path") if p.get("fill") == "none"]
    reference_lines = [p for p in groups["reference"].iter(f"{SVG}path") if p.get("fill") == "none"]
    assert subject_lines[0].get("stroke-dasharray") is None
    assert reference_lines[0].get("stroke-dasharray")
    # eight markers each: filled circles for the subject, open diamonds (paths) for the reference
    assert len(list(groups["subject"].iter(f"{SVG}circle"))) == 8
    diamonds = [p for p in groups["reference"].iter(f"{SVG}path") if p.get("fill") == "#ffffff"]
    assert len(diamonds) == 8
    tips = [t.text for t in groups["subject"].iter(f"{SVG}title")]
    assert tips[0] == "Huddinge 2017, Offentlighet och demokrati: 79 poäng"


def test_the_subject_point_sits_at_its_value() -> None:
    root = ET.fromstring(to_svg(chart()))
    subject = next(g for g in root.iter(f"{SVG}g") if g.get("data-role") == "subject")
    circles = list(subject.iter(f"{SVG}circle"))
    spokes = next(p for p in root.iter(f"{SVG}path") if p.get("stroke") == "#767676").get("d") or ""
    cx, cy, _, top = (float(v) for v in re.match(r"M([\d.]+) ([\d.]+)L([\d.]+) ([\d.]+)", spokes).groups())  # type: ignore[union-attr]
    radius = cy - top
    # axis 1 points straight up: the point is 79.15 % of the way out
    assert float(circles[0].get("cx") or 0) == pytest.approx(cx, abs=0.1)
    assert cy - float(circles[0].get("cy") or 0) == pytest.approx(radius * 0.7915, abs=0.15)


def test_missing_value_is_a_gap_not_a_zero() -> None:
    svg = to_svg(chart(reference=(70.0, 60.0, None, 65.0, 55.0, 62.0, 50.0, 70.0)))
    root = ET.fromstring(svg)
    reference = next(g for g in root.iter(f"{SVG}g") if g.get("data-role") == "reference")
    assert len([p for p in reference.iter(f"{SVG}path") if p.get("fill") == "#ffffff"]) == 7
    line = next(p for p in reference.iter(f"{SVG}path") if p.get("fill") == "none").get("d") or ""
    assert "Z" not in line and line.count("M") == 6  # the outline breaks at both sides of axis 3
    assert "Uppgift saknas: Medel, 4 utvärderingar (Politisk styrning och kontroll)" in svg
    headers, rows = data_table(chart(reference=(70.0, 60.0, None, 65.0, 55.0, 62.0, 50.0, 70.0)))
    assert headers == ["Område", "Huddinge 2017 (poäng)", "Medel, 4 utvärderingar (poäng)"]
    assert rows[2] == ["Politisk styrning och kontroll", "64", "uppgift saknas"]
    assert rows[0] == ["Offentlighet och demokrati", "79", "70"]


def test_english_and_escaping() -> None:
    hostile = '<script>alert("x")</script> & Å'
    c = RadarChart(
        hostile, ("a", "b", hostile), (RadarSeries(hostile, (1.0, 2.0, 3.5)),), max=10, decimals=1, lang="en"
    )
    svg = to_svg(c)
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    ET.fromstring(svg)
    assert data_table(c)[1][2] == [hostile, "3.5"]
    assert "Radar chart (profile) with 3 axes, scale 0–10.0" in svg


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"axes": ("a", "b")}, "at least 3 axes"),
        ({"series": ()}, "has no series"),
        ({"series": (RadarSeries("x", (1.0,) * 8),) * 5}, "at most 4"),
        ({"series": (RadarSeries("x", (1.0,) * 8), RadarSeries("y", (1.0,) * 8))}, "more than one subject"),
        ({"series": (RadarSeries("x", (1.0,) * 7),)}, "has 7 values for 8 axes"),
        ({"max": 0.0}, "max must be a positive number"),
        ({"id_prefix": "1 bad"}, "not usable as an SVG id"),
    ],
)
def test_charts_that_cannot_be_drawn(changes: dict[str, object], message: str) -> None:
    from dataclasses import replace

    with pytest.raises(ChartError, match=message):
        to_svg(replace(chart(), **changes))  # type: ignore[arg-type]


def test_the_python_example_in_the_docs_runs() -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "kommunkompassen.md").read_text(encoding="utf-8")
    report = doc.split("## The report", 1)[1]
    blocks = re.findall(r"```python\n(.*?)```", report, flags=re.DOTALL)
    assert blocks
    for block in blocks:
        exec(compile(block, "docs/kommunkompassen.md", "exec"), {})
