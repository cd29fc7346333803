"""The bundled reference data: areas, groups, the KPI catalogue with our curation, the demo extract.

`jamfor db init` loads all of it; loading again updates in place and keeps history.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Iterator
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from jamfor.compass.bundled import load_bundled_evaluations
from jamfor.model import Area, ImportSummary, Kpi
from jamfor.sources.files import Progress, _noop, import_file, kpi_from_mapping
from jamfor.store import Store

V3_CATALOGUE = "kolada-v3-2026-03"
V2_CATALOGUE = "kolada-v2-2024-04"
DEMO_FILE = "kolada_kkik_2010-2022.csv.gz"


def data_dir() -> Traversable:
    return resources.files("jamfor") / "data"


def _read_text(name: str) -> str:
    entry = data_dir().joinpath(*name.split("/"))
    raw = entry.read_bytes()
    if name.endswith(".gz"):
        raw = gzip.decompress(raw)
    return raw.decode("utf-8-sig")


def _csv(name: str) -> Iterator[dict[str, str]]:
    yield from csv.DictReader(io.StringIO(_read_text(name)))


def bundled_areas() -> list[Area]:
    """Riket, the 21 regions and the 290 municipalities with county and SKR kommungrupp 2023."""
    county_of = {
        r["municipality_code"]: "00" + r["county_code"] for r in _csv("kolada/scb_municipality_county.csv")
    }
    group_of = {
        r["municipality_id"]: r["skr_group_code"] for r in _csv("kolada/skr_kommungrupp_2023_from_kolada.csv")
    }
    areas = []
    for row in _csv("kolada/municipalities_v3_2026-03.csv"):
        aid = row["id"]
        if row["type"] == "K":
            areas.append(Area(aid, row["title"], "K", county_of.get(aid), group_of.get(aid)))
        elif aid == "0000":
            areas.append(Area(aid, row["title"], "L", None, None))
        else:
            areas.append(Area(aid, row["title"], "L", aid, None))
    return areas


def bundled_groups() -> list[tuple[str, str, str, str, list[str]]]:
    """SKR kommungrupper, counties, and Kolada's 3,630 groups (incl. "Liknande kommuner …")."""
    groups: list[tuple[str, str, str, str, list[str]]] = []
    kommungrupp: dict[str, tuple[str, list[str]]] = {}
    for row in _csv("kolada/skr_kommungrupp_2023_from_kolada.csv"):
        code = row["skr_group_code"]
        kommungrupp.setdefault(code, (f"{code} {row['skr_group']}", []))[1].append(row["municipality_id"])
    for code in sorted(kommungrupp):
        title, members = kommungrupp[code]
        groups.append((f"kg:{code}", title, "kommungrupp", "SKR 2023", sorted(members)))
    counties = {r["county_code"]: r["county_name"] for r in _csv("kolada/scb_counties.csv")}
    members_of: dict[str, list[str]] = {}
    for row in _csv("kolada/scb_municipality_county.csv"):
        members_of.setdefault(row["county_code"], []).append(row["municipality_code"])
    for code in sorted(counties):
        groups.append((f"lan:{code}", counties[code], "county", "SCB", sorted(members_of.get(code, []))))
    doc = json.loads(_read_text("kolada/municipality_groups_v3_2026-03.json.gz"))
    for item in doc["values"]:
        title = item["title"]
        kind = "liknande" if title.startswith(("Liknande kommuner", "Liknande regioner")) else "kolada"
        groups.append((item["id"], title, kind, "Kolada", [m["member_id"] for m in item["members"]]))
    return groups


def bundled_catalogue() -> list[Kpi]:
    """The v3 catalogue (2026) plus the KPIs only the v2 one (2024) has, marked retired."""
    v3 = json.loads(_read_text("kolada/kpi_catalogue_v3_2026-03.json.gz"))["values"]
    kpis = [kpi_from_mapping(row, catalogue=V3_CATALOGUE) for row in v3]
    current = {k.id for k in kpis}
    for row in _csv("kolada/kpi_catalogue_v2_2024-04.csv.gz"):
        if row["id"] not in current:
            kpis.append(kpi_from_mapping(row, catalogue=V2_CATALOGUE, retired=True))
    return kpis


def bundled_curation() -> list[tuple[str, str | None, bool | None, str | None, int | None, str | None]]:
    rows = []
    for row in _csv("kpi_curation.csv"):
        graded = {"true": True, "false": False}.get(row["colour_graded"].strip().lower())
        decimals = row["decimals"].strip()
        rows.append(
            (
                row["kpi"].strip(),
                row["polarity"].strip() or None,
                graded,
                row["unit"].strip() or None,
                int(decimals) if decimals else None,
                row["kkik"].strip() or None,
            )
        )
    return rows


def load_reference(store: Store, progress: Progress = _noop) -> dict[str, Any]:
    """Bring the store's areas, groups and catalogue up to the bundled versions."""
    progress("areas", "writing")
    areas = store.upsert_areas(bundled_areas())
    progress("groups", "writing")
    groups = store.upsert_groups(bundled_groups())
    progress("catalogue", "writing")
    new, changed = store.upsert_kpis(bundled_catalogue())
    progress("curation", "writing")
    curated = store.set_curation(bundled_curation())
    compass = load_bundled_evaluations(store)  # Kommunkompassen: Huddinge 2017 and published results
    return {
        "areas": areas,
        "groups": groups,
        "kpis_new": new,
        "kpis_changed": changed,
        "curated": curated,
        "compass_evaluations": compass,
    }


def demo_path() -> Path:
    entry = data_dir() / "demo" / DEMO_FILE
    return Path(str(entry))


def import_demo(store: Store, progress: Progress = _noop) -> ImportSummary:
    """The bundled real extract of Kolada (KKiK measures, all areas, 2010–2022)."""
    return import_file(store, demo_path(), source="Kolada", progress=progress)
