"""The quality ranking in every format: terminal table, JSON, CSV and XLSX.

JSON and CSV are language-neutral and carry full precision; the table and the workbook label
in Swedish (or English). Every output says how the ranking was made and that jamfor computed
it from Kolada's values.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from jamfor.render.text import Lang, number
from jamfor.reports.ranking import RankingExplanation, RankingReport, RankingRow

METHOD_TEXT: dict[str, dict[Lang, str]] = {
    "grades": {
        "sv": "betyg 1–6 per mått, 3,5 = ovägt medel för riket (högre är bättre)",
        "en": "grades 1–6 per measure, 3.5 = the unweighted national mean (higher is better)",
    },
    "mean_rank": {
        "sv": "medelplacering över måtten, saknat värde = måttets medianplacering (lägre är bättre)",
        "en": "mean rank over the measures, a missing value = the measure's median rank (lower is better)",
    },
    "zscore": {
        "sv": "z-poäng per mått, begränsade till ±3 (högre är bättre)",
        "en": "z-scores per measure, clipped to ±3 (higher is better)",
    },
}

WORDS: dict[str, dict[Lang, str]] = {
    "place": {"sv": "Plats", "en": "Place"},
    "municipality": {"sv": "Kommun", "en": "Municipality"},
    "group": {"sv": "Kommungrupp", "en": "Municipality group"},
    "score": {"sv": "Poäng", "en": "Score"},
    "interval": {"sv": "Intervall (95 %)", "en": "Interval (95%)"},
    "measures": {"sv": "Mått med värde", "en": "Measures with a value"},
    "unranked": {"sv": "ej rangordnad: för få mått", "en": "not ranked: too few measures"},
    "kpi": {"sv": "Nyckeltal", "en": "KPI"},
    "title": {"sv": "Mått", "en": "Measure"},
    "area": {"sv": "Område", "en": "Area"},
    "value": {"sv": "Värde", "en": "Value"},
    "measure_rank": {"sv": "Placering i måttet", "en": "Rank in the measure"},
    "measure_score": {"sv": "Måttpoäng", "en": "Measure score"},
    "share": {"sv": "Vikt i totalen", "en": "Weight in the total"},
    "contribution": {"sv": "Bidrag", "en": "Contribution"},
    "total": {"sv": "Summa = poäng", "en": "Sum = score"},
    "imputed": {"sv": "saknas, medianplacering", "en": "missing, median rank"},
    "missing": {"sv": "uppgift saknas", "en": "no data"},
    "development": {"sv": "Bästa utvecklingskommun", "en": "Most improving municipality"},
    "consistency": {"sv": "Andel förbättringar", "en": "Share of improvements"},
    "improved": {"sv": "Förbättrade", "en": "Improved"},
    "worsened": {"sv": "Försämrade", "en": "Worsened"},
    "steps": {"sv": "Jämförda steg", "en": "Steps compared"},
    "mean_change": {"sv": "Medelförändring (standardiserad)", "en": "Mean change (standardised)"},
    "method": {"sv": "Metod", "en": "Method"},
    "ranking": {"sv": "Rangordning", "en": "Ranking"},
}


def word(key: str, lang: Lang) -> str:
    return WORDS[key][lang]


def method_text(method: str, lang: Lang = "sv") -> str:
    return METHOD_TEXT[method][lang]


def interval_text(row: RankingRow) -> str:
    found = row.standing.interval
    return "" if found is None else f"{found[0]}–{found[1]}"


def _row_dict(row: RankingRow) -> dict[str, Any]:
    s = row.standing
    return {
        "municipality": {"id": row.municipality.id, "name": row.municipality.name},
        "kommungrupp": row.kommungrupp,
        "ranked": s.ranked,
        "place": s.place,
        "places_of": s.places_of,
        "within": s.group,
        "score": s.total,
        "interval": list(s.interval) if s.interval else None,
        "area_scores": s.area_scores,
        "covered": s.covered,
        "measures": s.measures,
    }


def ranking_dict(report: RankingReport) -> dict[str, Any]:
    d = report.definition
    return {
        "ranking": {"id": d.id, "title": d.title, "description": d.description},
        "year": report.year,
        "method": report.method,
        "lower_is_better": report.lower_is_better,
        "coverage": d.coverage,
        "within": d.within,
        "bootstrap": {"samples": d.bootstrap_samples, "seed": d.bootstrap_seed, "confidence": 0.95},
        "areas": [{"name": a, "weight": report.area_weights[a]} for a in report.areas],
        "measures": [
            {
                "kpi": m.kpi,
                "title": m.title,
                "area": m.area,
                "weight": m.weight,
                "polarity": m.polarity,
                "data_year": m.data_year,
                "ranked": m.ranked,
                "share": m.share,
            }
            for m in report.measures
        ],
        "left_out": report.left_out,
        "rows": [_row_dict(r) for r in report.rows],
        "development": {
            "years": report.development_years,
            "rows": [
                {
                    "municipality": {"id": r.municipality.id, "name": r.municipality.name},
                    "place": r.result.place,
                    "consistency": r.result.consistency,
                    "improved": r.result.improved,
                    "worsened": r.result.worsened,
                    "steps": r.result.steps,
                    "mean_change": r.result.mean_change,
                }
                for r in report.development
            ],
        },
        "definitions": [
            {"kpi": x.kpi, "title": x.title, "description": x.description, "unit": x.unit, "source": x.source}
            for x in report.definitions
        ],
        "sources": report.sources,
        "generated_at": report.generated_at.isoformat(timespec="seconds"),
    }


def explanation_dict(explanation: RankingExplanation) -> dict[str, Any]:
    report = explanation.report
    return {
        "ranking": {"id": report.definition.id, "title": report.definition.title},
        "year": report.year,
        "method": report.method,
        "lower_is_better": report.lower_is_better,
        **_row_dict(explanation.row),
        "contributions": [
            {
                "kpi": info.kpi,
                "title": info.title,
                "area": info.area,
                "data_year": info.data_year,
                "value": c.value,
                "measure_rank": c.measure_rank,
                "ranked": c.ranked,
                "score": c.score,
                "imputed": c.imputed,
                "share": c.share,
                "contribution": c.contribution,
            }
            for info, c in explanation.contributions
        ],
        "sources": report.sources,
    }


def ranking_json(report: RankingReport | RankingExplanation) -> str:
    data = ranking_dict(report) if isinstance(report, RankingReport) else explanation_dict(report)
    return json.dumps(data, ensure_ascii=False, indent=2)


def ranking_csv(report: RankingReport | RankingExplanation) -> str:
    """One row per municipality (or per measure for an explanation), full precision, header row."""
    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\n")
    if isinstance(report, RankingExplanation):
        out.writerow(
            [
                "kpi",
                "title",
                "area",
                "data_year",
                "value",
                "measure_rank",
                "ranked",
                "score",
                "imputed",
                "share",
                "contribution",
            ]
        )
        for info, c in report.contributions:
            out.writerow(
                [
                    info.kpi,
                    info.title,
                    info.area,
                    info.data_year,
                    c.value,
                    c.measure_rank,
                    c.ranked,
                    c.score,
                    c.imputed,
                    c.share,
                    c.contribution,
                ]
            )
        return buffer.getvalue()
    areas = report.areas
    out.writerow(
        [
            "place",
            "places_of",
            "within",
            "municipality_id",
            "municipality",
            "kommungrupp",
            "ranked",
            "score",
            "interval_low",
            "interval_high",
            "covered",
            "measures",
            *[f"area:{a}" for a in areas],
        ]
    )
    for row in report.rows:
        s = row.standing
        out.writerow(
            [
                s.place,
                s.places_of,
                s.group or "",
                row.municipality.id,
                row.municipality.name,
                row.kommungrupp or "",
                s.ranked,
                s.total,
                s.interval[0] if s.interval else "",
                s.interval[1] if s.interval else "",
                s.covered,
                s.measures,
                *[s.area_scores.get(a) for a in areas],
            ]
        )
    return buffer.getvalue()


def ranking_table(
    report: RankingReport | RankingExplanation, lang: Lang = "sv", limit: int | None = None
) -> str:
    """A plain-text table for the terminal."""
    lines: list[str] = []
    if isinstance(report, RankingExplanation):
        r, s = report.report, report.row.standing
        lines.append(f"{r.definition.title}, {r.year}: {report.row.municipality.name}")
        where = f" ({word('group', lang).lower()} {s.group})" if s.group else ""
        lines.append(
            f"{word('place', lang)} {s.place if s.place else '–'} / {s.places_of}{where}, "
            f"{word('score', lang).lower()} {number(s.total, 3, lang)}, {word('interval', lang).lower()} {interval_text(report.row) or '–'}"
        )
        lines.append(f"{word('method', lang)}: {method_text(r.method, lang)}")
        lines.append("")
        for info, c in report.contributions:
            value = word("missing", lang) if c.value is None else number(c.value, None, lang)
            lines.append(
                f"{info.kpi:8} {info.title[:60]:60} {value:>14} {number(c.score, 2, lang):>7} "
                f"× {number(c.share * 100, 1, lang):>5} % = {number(c.contribution, 3, lang):>7}"
            )
        total = sum(c.contribution for _, c in report.contributions)
        lines.append(f"{word('total', lang)}: {number(total, 3, lang)}")
        lines += ["", *r.sources]
        return "\n".join(lines) + "\n"
    lines.append(f"{report.definition.title}, {report.year}")
    lines.append(f"{word('method', lang)}: {method_text(report.method, lang)}")
    lines.append("")
    shown = report.rows if limit is None else report.rows[:limit]
    for row in shown:
        s = row.standing
        place = str(s.place) if s.place else "–"
        group = f"[{s.group}] " if s.group else ""
        score = number(s.total, 3, lang) if s.ranked else word("unranked", lang)
        lines.append(
            f"{group}{place:>4} {row.municipality.name:20} {score:>10} {interval_text(row):>9}  {s.covered}/{s.measures}"
        )
    lines += ["", *report.sources]
    return "\n".join(lines) + "\n"


def ranking_xlsx(report: RankingReport, lang: Lang = "sv") -> bytes:
    """Sheets: the ranking, the measures with their weights, the development list, definitions."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = word("ranking", lang)
    bold = Font(bold=True)
    ws.append([f"{report.definition.title}, {report.year}"])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([f"{word('method', lang)}: {method_text(report.method, lang)}"])
    ws.append([])
    header = [
        word("place", lang),
        word("municipality", lang),
        word("group", lang),
        word("score", lang),
        "Min",
        "Max",
        word("measures", lang),
        *report.areas,
    ]
    ws.append(header)
    for cell in ws[ws.max_row]:
        cell.font = bold
    for row in report.rows:
        s = row.standing
        ws.append(
            [
                s.place,
                row.municipality.name,
                row.kommungrupp,
                s.total if s.ranked else None,
                s.interval[0] if s.interval else None,
                s.interval[1] if s.interval else None,
                f"{s.covered}/{s.measures}",
                *[s.area_scores.get(a) for a in report.areas],
            ]
        )
        for col in [4, *range(9, 9 + len(report.areas))]:
            ws.cell(ws.max_row, col).number_format = "0.000"
    ws.append([])
    for line in report.sources:
        ws.append([line])
    ws.column_dimensions["B"].width = 22
    measures = wb.create_sheet(word("title", lang))
    measures.append(
        [
            word("kpi", lang),
            word("title", lang),
            word("area", lang),
            "Vikt" if lang == "sv" else "Weight",
            "År" if lang == "sv" else "Year",
            "Riktning" if lang == "sv" else "Direction",
            "Antal" if lang == "sv" else "Count",
        ]
    )
    for cell in measures[1]:
        cell.font = bold
    for m in report.measures:
        measures.append([m.kpi, m.title, m.area, m.weight, m.data_year, m.polarity, m.ranked])
    measures.column_dimensions["B"].width = 60
    dev = wb.create_sheet(word("development", lang)[:31])
    dev.append([f"{word('development', lang)} {report.development_years[0]}–{report.development_years[-1]}"])
    dev.append(
        [
            word("place", lang),
            word("municipality", lang),
            word("consistency", lang),
            word("improved", lang),
            word("worsened", lang),
            word("steps", lang),
            word("mean_change", lang),
        ]
    )
    for cell in dev[2]:
        cell.font = bold
    for r in report.development:
        dev.append(
            [
                r.result.place,
                r.municipality.name,
                r.result.consistency,
                r.result.improved,
                r.result.worsened,
                r.result.steps,
                r.result.mean_change,
            ]
        )
        dev.cell(dev.max_row, 3).number_format = "0.0%"
        dev.cell(dev.max_row, 7).number_format = "0.000"
    defs = wb.create_sheet("Definitioner" if lang == "sv" else "Definitions")
    defs.append(
        [
            word("kpi", lang),
            word("title", lang),
            "Beskrivning" if lang == "sv" else "Description",
            "Källa" if lang == "sv" else "Source",
        ]
    )
    for cell in defs[1]:
        cell.font = bold
    for x in report.definitions:
        defs.append([x.kpi, x.title, x.description, x.source])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
