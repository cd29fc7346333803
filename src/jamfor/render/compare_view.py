"""The compare report laid out for reading: formatted cells shared by the terminal table and HTML.

Like `jamfor.render.view` for the other reports: text, not numbers; every colour with its words.
The spreadsheet reuses the facts, notes and labels from here; `compare_chart` declares the chart
the HTML and PDF draw above the table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from jamfor.render import text
from jamfor.render.charts import Series, TrendChart
from jamfor.render.text import Lang, label
from jamfor.render.view import Cell, Column, Section, colour_legend, sources_lines, value_cell
from jamfor.reports.compare import ComparePoint, CompareReport, CompareSeries, CountryYear
from jamfor.reports.model import Colour, Extreme

GRADED_POLARITIES = ("higher", "lower")
# Years side by side on an A4 landscape page; a PDF of more years gets several tables.
PAGE_YEARS = 10


@dataclass(frozen=True)
class CompareTable:
    """One table of the report: `values` has a row per area (a column per year, then the trend),
    `country` a row per national figure with the same year columns (shown below the areas).
    """

    values: Section
    country: Section


@dataclass
class CompareView:
    """The compare report laid out for reading: formatted text only (see `jamfor.render.view`).

    `tables` is one table of every year, or several of consecutive years each (`compare_view`'s
    `max_years`); the trend is in the last.
    """

    lang: Lang
    title: str
    description: str | None
    facts: list[tuple[str, str]]
    tables: list[CompareTable]
    notes: list[str]
    colours: list[tuple[Colour, str]]
    sources: list[str]
    generated: str
    kind: str = "compare"


def ranks_by_quality(report: CompareReport) -> bool:
    return report.polarity in GRADED_POLARITIES


def place_text(point: ComparePoint, lang: Lang) -> str:
    """ "17:e av 290" / "17th of 290"; "" without a place."""
    return "" if point.rank is None else text.place(point.rank, point.ranked, lang)


def point_cell(point: ComparePoint | None, decimals: int | None, lang: Lang) -> Cell:
    """A value with its place and colour word on the lines below; "uppgift saknas" when missing."""
    if point is None or text.is_missing(point.value):
        colour: Colour = "none" if point is None else point.colour
        return Cell(label("missing", lang), colour=colour, numeric=True, missing=True, fill=colour != "none")
    lines = [place_text(point, lang)] if point.rank is not None else []
    if point.colour not in ("none", "grey"):
        lines.append(text.colour_name(point.colour, lang))
    return Cell(
        text.number(point.value, decimals, lang),
        colour=point.colour,
        numeric=True,
        lines=tuple(lines),
        fill=point.colour != "none",
    )


def trend_cell(series: CompareSeries, lang: Lang) -> Cell:
    years = (
        (f"{series.trend_from}–{series.trend_to}",)
        if series.trend_from is not None and series.trend_to is not None
        else ()
    )
    return Cell(
        text.trend_word(series.trend, lang),
        arrow=text.arrow(series.direction),
        alt=text.direction_words(series.direction, lang),
        lines=years,
    )


def _extreme_cell(extreme: Extreme | None, decimals: int | None, lang: Lang) -> Cell:
    if extreme is None:
        return value_cell(None, decimals, lang)
    names = text.extreme_names(extreme, lang)
    return Cell(text.number(extreme.value, decimals, lang), numeric=True, lines=(names,) if names else ())


def extreme_labels(report: CompareReport, lang: Lang) -> tuple[str, str]:
    """ "Bäst i riket" and "Sämst i riket"; "Högsta" and "Lägsta" for a KPI without polarity."""
    if ranks_by_quality(report):
        return label("best", lang), label("worst", lang)
    return label("maximum", lang), label("minimum", lang)


def reference_label(lang: Lang) -> str:
    """What the reference colour scheme compares with: the year's unweighted mean of all municipalities."""
    return label("compare_mean_reference", lang)


def compare_facts(report: CompareReport, lang: Lang) -> list[tuple[str, str]]:
    facts = [
        (label("kpi", lang), report.kpi),
        (label("years", lang), text.span(report.years)),
        (label("gender", lang), text.gender_text(report.gender, lang)),
    ]
    if report.unit:
        facts.append((label("unit", lang), report.unit))
    if report.polarity:
        facts.append((label("polarity", lang), text.polarity_text(report.polarity, lang)))
    if report.colour_graded:
        facts.append(
            (
                label("colour_scheme", lang),
                text.scheme_text(report.colour_scheme, lang, reference_label(lang)),
            )
        )
    facts.append((label("compare_areas", lang), ", ".join(s.area.name for s in report.series)))
    return facts


def compare_notes(report: CompareReport, lang: Lang) -> list[str]:
    notes = [label("arrow_note", lang), label("compare_trend_note", lang)]
    if ranks_by_quality(report):
        notes.append(label("compare_rank_note", lang))
        if not report.colour_graded:
            notes.append(label("compare_not_graded", lang))
    else:
        notes.append(label("compare_no_polarity", lang))
    notes += [label("mean_note", lang), label("riket_note", lang)]
    return notes


def compare_view(report: CompareReport, lang: Lang = "sv", *, max_years: int | None = None) -> CompareView:
    """The report's view; with `max_years`, the years are split over tables of at most that many."""
    dec = report.decimals
    year_columns = [Column(f"year:{y}", str(y), numeric=True) for y in report.years]
    columns = [
        Column("area", label("compare_area", lang)),
        *year_columns,
        Column("trend", label("trend", lang), note=label("compare_trend_note", lang)),
    ]
    rows = [
        [
            Cell(s.area.name),
            *(point_cell(s.points.get(y), dec, lang) for y in report.years),
            trend_cell(s, lang),
        ]
        for s in report.series
    ]
    if report.colour_graded:
        caption = label("compare_values", lang)
    elif ranks_by_quality(report):
        caption = label("compare_values_ranked", lang)
    else:
        caption = label("compare_values_only", lang)
    values = Section(caption, columns, rows, key="compare")

    def per_year(cell: Callable[[CountryYear], Cell]) -> list[Cell]:
        out = []
        for y in report.years:
            year = report.country.get(y)
            out.append(value_cell(None, dec, lang) if year is None else cell(year))
        return out

    best, worst = extreme_labels(report, lang)
    country_rows: list[list[Cell]] = [
        [Cell(label("unweighted_mean", lang)), *per_year(lambda c: value_cell(c.mean, dec, lang))],
        [Cell(label("median", lang)), *per_year(lambda c: value_cell(c.median, dec, lang))],
        [Cell(label("riket", lang)), *per_year(lambda c: value_cell(c.riket, dec, lang))],
        [Cell(best), *per_year(lambda c: _extreme_cell(c.best, dec, lang))],
        [Cell(worst), *per_year(lambda c: _extreme_cell(c.worst, dec, lang))],
        [Cell(label("with_value", lang)), *per_year(lambda c: Cell(str(c.count), numeric=True))],
    ]
    if any(c.missing for c in report.country.values()):
        country_rows.append(
            [
                Cell(label("compare_missing_count", lang)),
                *per_year(lambda c: Cell(str(c.missing), numeric=True)),
            ]
        )
    country = Section(
        label("compare_country", lang),
        [Column("what", label("statistic", lang)), *year_columns],
        country_rows,
        key="country",
    )
    colours = colour_legend(report.colour_scheme, lang, reference_label(lang)) if report.colour_graded else []
    return CompareView(
        lang=lang,
        title=text.with_unit(report.title, report.unit),
        description=report.description,
        facts=compare_facts(report, lang),
        tables=split_years(values, country, len(report.years), max_years),
        notes=compare_notes(report, lang),
        colours=colours,
        sources=sources_lines(report.sources, lang),
        generated=text.timestamp(report.generated_at),
    )


def split_years(values: Section, country: Section, years: int, most: int | None) -> list[CompareTable]:
    """The table as several of at most `most` consecutive years each, in balanced parts.

    Each part repeats the row headers; the trend column goes with the last part.
    """
    if most is None or years <= most:
        return [CompareTable(values, country)]
    parts = -(-years // most)
    size = -(-years // parts)
    tables = []
    for start in range(1, years + 1, size):
        end = min(start + size, years + 1)
        indexes = [0, *range(start, end)]
        first, last = values.columns[start].heading, values.columns[end - 1].heading
        span = f"{first}–{last}" if first != last else first
        value_indexes = indexes + ([years + 1] if end == years + 1 else [])
        tables.append(
            CompareTable(
                Section(
                    f"{values.caption} ({span})",
                    [values.columns[i] for i in value_indexes],
                    [[row[i] for i in value_indexes] for row in values.rows],
                    key=values.key,
                ),
                Section(
                    f"{country.caption} ({span})",
                    [country.columns[i] for i in indexes],
                    [[row[i] for i in indexes] for row in country.rows],
                    key=country.key,
                ),
            )
        )
    return tables


def compare_chart(report: CompareReport, lang: Lang = "sv") -> TrendChart | None:
    """The report's line chart: a line per area, with the country's unweighted mean and Riket.

    The compared areas are equals, so each is a peer (none is drawn as the page's subject); the
    mean and Riket are references, which do not use up the ten styles of the areas. Riket asked
    for as an area is the Riket line. None when nothing has a value.
    """
    years = report.years

    def country(figure: Callable[[CountryYear], float | None]) -> tuple[tuple[int, float | None], ...]:
        return tuple((y, None if (c := report.country.get(y)) is None else figure(c)) for y in years)

    def has_values(points: tuple[tuple[int, float | None], ...]) -> bool:
        return any(not text.is_missing(v) for _, v in points)

    # The areas in the order asked for, then the mean and Riket, always in that order, so each
    # reference keeps its look from one report to the next.
    series = [
        Series(s.area.name, tuple((y, s.value(y)) for y in years), "peer")
        for s in report.series
        if s.kind != "riket"
    ]
    mean = country(lambda c: c.mean)
    if has_values(mean):
        series.append(Series(label("compare_chart_mean", lang), mean, "reference"))
    asked = next((s for s in report.series if s.kind == "riket"), None)
    if asked is not None:
        series.append(Series(asked.area.name, tuple((y, asked.value(y)) for y in years), "reference"))
    elif has_values(riket := country(lambda c: c.riket)):
        series.append(Series(label("riket", lang), riket, "reference"))
    if not any(has_values(s.points) for s in series):
        return None
    return TrendChart(
        report.title,
        tuple(series),
        unit=report.unit,
        decimals=report.decimals,
        polarity=report.polarity,
        lang=lang,
        show_title=False,  # the report's heading says it, right above
    )
