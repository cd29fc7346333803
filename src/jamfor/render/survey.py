"""Survey reports as a text table, JSON, CSV or XLSX, in Swedish or English, and the trend chart of
the overall indices for the web page. Every output names the answers' source (e.g. "SCB:s
medborgarundersökning (syntetisk)") and says that indices, intervals and significance are jamfor's
computation — never "Källa: Kolada"."""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Final, Literal

from jamfor.compute.survey import Band, Change
from jamfor.errors import JamforError
from jamfor.render import text
from jamfor.render.charts import Series, TrendChart
from jamfor.render.text import Lang
from jamfor.reports.survey import IndexRow, IndexYear, ShareRow, SurveyReport

SurveyFormat = Literal["table", "json", "csv", "xlsx"]
SURVEY_FORMATS: Final[tuple[SurveyFormat, ...]] = ("table", "json", "csv", "xlsx")

WORDS: Final[dict[Lang, dict[str, str]]] = {
    "sv": {
        "title": "Medborgarundersökning",
        "indices": "Index (betygsindex 0–100)",
        "shares": "Andel per svarsalternativ (%)",
        "measure": "Mått",
        "year": "År",
        "index": "Index",
        "interval": "95 % konfidensintervall",
        "lower": "Nedre gräns",
        "upper": "Övre gräns",
        "band": "Nivå",
        "respondents": "Svarande",
        "change": "Förändring",
        "question": "Fråga",
        "option": "Svarsalternativ",
        "share": "Andel (%)",
        "source": "Källa",
        "computed": "Index, konfidensintervall, nivåer och signifikans är jamfors beräkningar ur de enskilda svaren, inte Koladas.",
        "synthetic": "SYNTETISKA DATA: påhittade svar för test och demonstration, inte verkliga resultat.",
        "no_results": "Inga undersökningsresultat för kommunen.",
        "up": "ökning, signifikant",
        "down": "minskning, signifikant",
        "none": "ingen signifikant förändring",
        "first": "första året",
        "since": "sedan",
        "factor": "faktor",
        "overall": "helhet",
        "missing": "uppgift saknas",
        "chart": "Helhetsindex över tid",
    },
    "en": {
        "title": "Citizen survey",
        "indices": "Indices (score 0–100)",
        "shares": "Share per answer option (%)",
        "measure": "Measure",
        "year": "Year",
        "index": "Index",
        "interval": "95% confidence interval",
        "lower": "Lower bound",
        "upper": "Upper bound",
        "band": "Level",
        "respondents": "Respondents",
        "change": "Change",
        "question": "Question",
        "option": "Answer option",
        "share": "Share (%)",
        "source": "Source",
        "computed": "Indices, confidence intervals, levels and significance are jamfor's computation from the individual answers, not Kolada's.",
        "synthetic": "SYNTHETIC DATA: invented answers for tests and demonstrations, not real results.",
        "no_results": "No survey results for this municipality.",
        "up": "increase, significant",
        "down": "decrease, significant",
        "none": "no significant change",
        "first": "first year",
        "since": "since",
        "factor": "factor",
        "overall": "overall",
        "missing": "no data",
        "chart": "Overall indices over time",
    },
}
BAND_WORDS: Final[dict[Lang, dict[Band, str]]] = {
    "sv": {
        "inte godkänt": "inte godkänt",
        "godkänt": "godkänt",
        "nöjd": "nöjd",
        "mycket nöjd": "mycket nöjd",
    },
    "en": {
        "inte godkänt": "not passed",
        "godkänt": "passed",
        "nöjd": "satisfied",
        "mycket nöjd": "very satisfied",
    },
}


def words(lang: Lang) -> dict[str, str]:
    return WORDS[lang]


def band_word(value: Band | None, lang: Lang = "sv") -> str:
    return WORDS[lang]["missing"] if value is None else BAND_WORDS[lang][value]


def change_words(change: Change | None, previous_year: int | None, lang: Lang = "sv") -> str:
    w = WORDS[lang]
    if change is None:
        return w["first"] if previous_year is None else w["missing"]
    sign = "+" if change.difference >= 0 else "−"
    amount = text.number(abs(change.difference), 1, lang)
    return f"{w[change.direction]} ({sign}{amount} {w['since']} {previous_year})"


def source_line(report: SurveyReport, lang: Lang = "sv") -> str:
    w = WORDS[lang]
    sources = "; ".join(report.sources) or w["missing"]
    line = f"{w['source']}: {sources}. {w['computed']}"
    return (w["synthetic"] + " " + line) if report.synthetic else line


def index_title(row: IndexRow, lang: Lang = "sv") -> str:
    title = (row.title_en or row.title) if lang == "en" else row.title
    if row.kind == "factor" and row.parent:
        return f"{row.parent}: {title}"
    return f"{title} ({row.index})"


def share_title(row: ShareRow, lang: Lang = "sv") -> tuple[str, str]:
    question = (row.text_en or row.text) if lang == "en" else row.text
    label = (row.label_en or row.label) if lang == "en" else row.label
    return question, label


def interval_text(lower: float | None, upper: float | None, lang: Lang = "sv") -> str:
    if lower is None or upper is None:
        return WORDS[lang]["missing"]
    return f"{text.number(lower, 0, lang)}–{text.number(upper, 0, lang)}"


# -- table ------------------------------------------------------------------------------------------


def _columns(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(r)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def survey_table(report: SurveyReport, lang: Lang = "sv") -> str:
    w = WORDS[lang]
    out = [f"{w['title']}: {report.municipality.title} ({report.municipality.id})"]
    if report.synthetic:
        out.append(w["synthetic"])
    if report.index_rows:
        rows = [
            [w["measure"], w["year"], w["index"], w["interval"], w["band"], w["respondents"], w["change"]]
        ]
        for row in report.index_rows:
            for cell in row.years:
                rows.append(
                    [
                        index_title(row, lang),
                        str(cell.year),
                        text.number(cell.value, 0, lang),
                        interval_text(cell.lower, cell.upper, lang),
                        band_word(cell.band, lang),
                        str(cell.respondents),
                        change_words(cell.change, cell.previous_year, lang),
                    ]
                )
        out += ["", w["indices"], _columns(rows)]
    if report.share_rows:
        rows = [[w["question"], w["option"], w["year"], w["share"], w["interval"], w["respondents"]]]
        for share_row in report.share_rows:
            question, label = share_title(share_row, lang)
            for s in share_row.years:
                rows.append(
                    [
                        question,
                        label,
                        str(s.year),
                        text.number(s.share, 0, lang),
                        interval_text(s.lower, s.upper, lang),
                        str(s.respondents),
                    ]
                )
        out += ["", w["shares"], _columns(rows)]
    if not report.index_rows and not report.share_rows:
        out.append(w["no_results"])
    out += ["", source_line(report, lang)]
    return "\n".join(out) + "\n"


# -- JSON -------------------------------------------------------------------------------------------


def _index_year(cell: IndexYear) -> dict[str, Any]:
    change = None
    if cell.change is not None:
        change = {
            "since": cell.previous_year,
            "difference": cell.change.difference,
            "standard_error": cell.change.standard_error,
            "z": cell.change.z,
            "significant": cell.change.significant,
            "direction": cell.change.direction,
        }
    return {
        "year": cell.year,
        "value": cell.value,
        "lower": cell.lower,
        "upper": cell.upper,
        "standard_error": cell.standard_error,
        "respondents": cell.respondents,
        "excluded": cell.excluded,
        "effective_n": cell.effective_n,
        "band": cell.band,
        "change": change,
    }


def survey_data(report: SurveyReport, lang: Lang = "sv") -> dict[str, Any]:
    """The report as plain data (the JSON download and `survey report -f json`)."""
    return {
        "municipality": {"id": report.municipality.id, "title": report.municipality.title},
        "synthetic": report.synthetic,
        "source": source_line(report, lang),
        "sources": list(report.sources),
        "surveys": [
            {
                "id": s.id,
                "title": s.title,
                "family": s.family,
                "years": list(s.years),
                "sources": list(s.sources),
            }
            for s in report.surveys
        ],
        "indices": [
            {
                "survey": r.survey,
                "index": r.index,
                "kpi": r.kpi,
                "title": index_title(r, lang),
                "kind": r.kind,
                "parent": r.parent,
                "years": [_index_year(c) for c in r.years],
            }
            for r in report.index_rows
        ],
        "shares": [
            {
                "survey": r.survey,
                "question": r.question,
                "text": share_title(r, lang)[0],
                "option": r.option,
                "label": share_title(r, lang)[1],
                "kpi": r.kpi,
                "years": [
                    {
                        "year": s.year,
                        "share": s.share,
                        "lower": s.lower,
                        "upper": s.upper,
                        "respondents": s.respondents,
                    }
                    for s in r.years
                ],
            }
            for r in report.share_rows
        ],
    }


# -- CSV and XLSX -----------------------------------------------------------------------------------

CSV_HEADER: Final = (
    "family",
    "survey",
    "kpi",
    "measure",
    "option",
    "year",
    "value",
    "lower",
    "upper",
    "respondents",
    "band",
    "change",
    "significant",
    "source",
)


def survey_records(report: SurveyReport, lang: Lang = "sv") -> list[list[Any]]:
    """One record a row per measure and year (long format), numbers as numbers."""
    sources = "; ".join(report.sources)
    records: list[list[Any]] = []
    for r in report.index_rows:
        for c in r.years:
            records.append(
                [
                    "index",
                    r.survey,
                    r.kpi,
                    index_title(r, lang),
                    "",
                    c.year,
                    c.value,
                    c.lower,
                    c.upper,
                    c.respondents,
                    band_word(c.band, lang) if c.band else "",
                    None if c.change is None else c.change.difference,
                    ""
                    if c.change is None
                    else ("ja" if lang == "sv" else "yes")
                    if c.change.significant
                    else ("nej" if lang == "sv" else "no"),
                    sources,
                ]
            )
    for s in report.share_rows:
        question, label = share_title(s, lang)
        for y in s.years:
            records.append(
                [
                    "shares",
                    s.survey,
                    s.kpi,
                    question,
                    label,
                    y.year,
                    y.share,
                    y.lower,
                    y.upper,
                    y.respondents,
                    "",
                    None,
                    "",
                    sources,
                ]
            )
    return records


def survey_csv(report: SurveyReport, lang: Lang = "sv") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for record in survey_records(report, lang):
        writer.writerow(["" if v is None else repr(v) if isinstance(v, float) else v for v in record])
    writer.writerow([])
    writer.writerow([f"# {source_line(report, lang)}"])
    return buffer.getvalue()


def survey_xlsx(report: SurveyReport, lang: Lang = "sv") -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    w = WORDS[lang]
    book = Workbook()
    sheet = book.active
    sheet.title = w["title"][:31]
    sheet.append([f"{w['title']}: {report.municipality.title} ({report.municipality.id})"])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([source_line(report, lang)])
    sheet.append([])
    headers = [
        w["measure"],
        w["option"],
        w["year"],
        w["index"] + " / " + w["share"],
        w["lower"],
        w["upper"],
        w["respondents"],
        w["band"],
        w["change"],
        w["source"],
    ]
    sheet.append(["family", "survey", "kpi", *headers])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for r in survey_records(report, lang):
        (
            family,
            survey,
            kpi,
            measure,
            option,
            year,
            value,
            lower,
            upper,
            n,
            band_text,
            change,
            significant,
            sources,
        ) = r
        change_text = ""
        if change is not None:
            change_text = f"{'+' if change >= 0 else '−'}{text.number(abs(change), 1, lang)} ({significant})"
        sheet.append(
            [
                family,
                survey,
                kpi,
                measure,
                option,
                year,
                value,
                lower,
                upper,
                n,
                band_text,
                change_text,
                sources,
            ]
        )
        row = sheet.max_row
        for column in (7, 8, 9):
            sheet.cell(row, column).number_format = "0.0"
    for letter, width in zip(
        "ABCDEFGHIJKLM", (8, 28, 20, 48, 22, 7, 12, 12, 12, 10, 14, 24, 40), strict=True
    ):
        sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def render_survey(report: SurveyReport, fmt: str, lang: Lang = "sv") -> str | bytes:
    if fmt == "table":
        return survey_table(report, lang)
    if fmt == "json":
        return json.dumps(survey_data(report, lang), ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        return survey_csv(report, lang)
    if fmt == "xlsx":
        return survey_xlsx(report, lang)
    raise JamforError(f"format {fmt!r} is not one of {', '.join(SURVEY_FORMATS)}")


# -- the chart --------------------------------------------------------------------------------------


def overall_chart(report: SurveyReport, lang: Lang = "sv") -> TrendChart | None:
    """The overall indices (NRI, NMI, NII) over the years as lines; None without any."""
    series = tuple(
        Series(
            index_title(r, lang), tuple((c.year, c.value) for c in r.years), "subject" if i == 0 else "peer"
        )
        for i, r in enumerate(x for x in report.index_rows if x.kind == "overall")
    )
    if not series:
        return None
    return TrendChart(
        f"{WORDS[lang]['chart']}, {report.municipality.title}",
        series,
        unit="index 0-100",
        decimals=0,
        polarity="higher",
        lang=lang,
        description=source_line(report, lang),
        id_prefix="survey",
    )
