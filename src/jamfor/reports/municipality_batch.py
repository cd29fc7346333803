"""Every municipality's report at once, and what it shares with one municipality's report.

`PreparedMeasure` is one measure over the report years with the country's figures worked out
once: it makes one municipality's row (`row`, the single report) or every municipality's row a
column at a time (`every_row`). `municipality_report_columns` gives every report as such columns;
`render.jsonout.iter_json_all_utf8` writes their JSON without building row objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from itertools import repeat
from operator import attrgetter
from typing import Any, Final, cast

from jamfor.compute import Rank, Scheme, TrendResult, trend
from jamfor.measuresets import Measure, MeasureSet
from jamfor.model import RIKET
from jamfor.reports.comments import (
    missing_sentence,
    municipality_comment,
    place_text,
    quartile_sentence,
    trend_sentence,
)
from jamfor.reports.data import (
    CountryStats,
    ReferenceChoice,
    Values,
    cell_colour,
    check_options,
    check_years,
    colour_graded,
    default_years,
    fetch_columns,
    gc_paused,
    latest_year_in_store,
    present_column,
    resolve_measures,
    resolve_reference,
    shown,
    shown_column,
    source_lines,
    swedish_texts,
)
from jamfor.reports.model import (
    ColourScheme,
    KpiDefinition,
    MunicipalityReport,
    MunicipalityRow,
    Named,
    Reference,
)
from jamfor.store import Store

NO_TREND = TrendResult("none")
_ROW_FIELDS: Final = tuple(f.name for f in fields(MunicipalityRow))
_TREND: Final = attrgetter("trend")
_DIRECTION: Final = attrgetter("direction")


def municipality_report_columns(
    store: Store,
    *,
    measure_set: MeasureSet | None = None,
    kpis: Sequence[str] | None = None,
    years: Sequence[int] | None = None,
    gender: str = "T",
    colour: ColourScheme = "quartile",
    reference: str = "mean",
) -> MunicipalityReportColumns:
    """Every municipality's report as columns: `municipality_reports_all` without building the
    11,600 row objects (`.reports()` builds them; `render.jsonout.render_json_all` writes the JSON
    of all reports straight from the columns). All the values come in one query
    (`data.fetch_columns`), whatever the measures' year offsets."""
    scheme = check_options(gender, colour)
    measures = resolve_measures(store, measure_set, kpis)
    choice = resolve_reference(store, reference)
    if years is None:
        report_years = default_years(latest_year_in_store(store, measures.measures))
    else:
        report_years = check_years(years)
    # Tens of thousands of new objects and no reference cycles: see gc_paused.
    with gc_paused():
        values = Values()
        values.add_columns(fetch_columns(store, measures.measures, report_years, gender))
        municipalities = store.municipalities()
        names = {a.id: a.title for a in municipalities}
        areas = [a.id for a in municipalities]

        prepared = [
            PreparedMeasure(m, report_years, values, names, choice, scheme) for m in measures.measures
        ]
        columns = [p.every_row(areas) for p in prepared]
        shared_sources = [s for p in prepared for s in p.sources]
        lines: dict[tuple[str | None, ...], list[str]] = {}
        sources = []
        for own in zip(*(c.own["source"] for c in columns), strict=True) if columns else [()] * len(areas):
            found = lines.get(own)
            if found is None:
                found = lines[own] = source_lines([*own, *shared_sources])
            sources.append(found)
        return MunicipalityReportColumns(
            municipalities=[Named(a.id, a.title) for a in municipalities],
            years=report_years,
            gender=gender,
            colour_scheme=scheme,
            reference=choice.reference,
            measure_set=measures.measure_set,
            perspectives=measures.perspectives,
            measures=columns,
            sources=sources,
            definitions=measures.definitions(),
            generated_at=datetime.now(),
        )


@dataclass
class MeasureColumns:
    """One measure's row in every municipality's report, a column per field.

    `shared` holds the MunicipalityRow fields that are the same in every report (one object, the
    same in every row), `own` the fields that differ (a list in municipality order), `values`
    each report year's values (a list in municipality order): a row's `values` dict.
    """

    years: list[int]
    values: list[list[float | None]]
    shared: dict[str, Any]
    own: dict[str, list[Any]]

    def row(self, index: int) -> MunicipalityRow:
        """Municipality `index`'s row."""
        fields = {**self.shared, **{name: column[index] for name, column in self.own.items()}}
        fields["values"] = {year: column[index] for year, column in zip(self.years, self.values, strict=True)}
        fields["data_years"] = dict(fields["data_years"])
        return MunicipalityRow(**fields)

    def rows(self) -> list[MunicipalityRow]:
        """Every municipality's row, in municipality order."""
        size = len(self.values[0])
        columns: dict[str, Iterable[Any]] = {name: repeat(value) for name, value in self.shared.items()}
        columns.update(self.own)
        columns["values"] = map(dict, map(zip, repeat(self.years), zip(*self.values, strict=True)))
        columns["data_years"] = map(dict, repeat(self.shared["data_years"], size))
        # Positionally, in the dataclass's field order: a third of the cost of keywords.
        return list(map(MunicipalityRow, *(columns[name] for name in _ROW_FIELDS)))


@dataclass
class MunicipalityReportColumns:
    """Every municipality's report (in municipality order), each measure's rows as columns."""

    municipalities: list[Named]
    years: list[int]
    gender: str
    colour_scheme: Scheme
    reference: Reference
    measure_set: Named | None
    perspectives: list[str]
    measures: list[MeasureColumns]
    sources: list[list[str]]  # each municipality's source lines
    definitions: list[KpiDefinition]  # the measures' KPI definitions, the same in every report
    generated_at: datetime

    def report(self, index: int, rows: list[MunicipalityRow] | None = None) -> MunicipalityReport:
        """Municipality `index`'s report (with `rows` if they are built already)."""
        return MunicipalityReport(
            municipality=self.municipalities[index],
            years=self.years,
            gender=self.gender,
            colour_scheme=self.colour_scheme,
            reference=self.reference,
            measure_set=self.measure_set,
            perspectives=self.perspectives,
            rows=[m.row(index) for m in self.measures] if rows is None else rows,
            sources=list(self.sources[index]),
            generated_at=self.generated_at,
            definitions=list(self.definitions),
        )

    def reports(self) -> list[MunicipalityReport]:
        """Every municipality's report."""
        by_measure = [m.rows() for m in self.measures]
        return [
            self.report(index, [rows[index] for rows in by_measure])
            for index in range(len(self.municipalities))
        ]


class PreparedMeasure:
    """One measure over the report years, ready to make any municipality's row.

    What does not depend on the municipality is done once: the country's figures for the last
    year, the reference value, the columns of values per report year and their sources.
    """

    def __init__(
        self,
        measure: Measure,
        years: list[int],
        values: Values,
        names: Mapping[str, str],
        choice: ReferenceChoice,
        scheme: Scheme,
    ) -> None:
        self.measure, self.choice, self.scheme = measure, choice, scheme
        self.last = years[-1]
        self.span = self.last - years[0] + 1  # calendar years covered, the trend's window
        self.data_years = {year: measure.data_year(year) for year in years}
        self.columns = [(year, *values.column(measure.kpi, d)) for year, d in self.data_years.items()]
        self.distinct_sources = values.distinct_sources
        self.nan_free = values.nan_free
        self.by_quality = measure.polarity in ("higher", "lower")
        # every_row's areas, their values per year, and those as shown (by year and decimals).
        self._areas: Sequence[str] = ()
        self._present: list[list[float | None]] = []
        self.shown_columns: dict[tuple[int, int | None], list[float | None]] = {}
        last_values, last_sources = values.column(measure.kpi, self.data_years[self.last])
        self.stats = CountryStats(last_values, measure.polarity, measure.decimals, names)
        self.reference = choice.value(self.stats, last_values)
        self.graded = colour_graded(measure)
        # Where the figures every row shows came from: Riket's, the best's and the worst's.
        self.sources: list[str | None] = []
        if self.stats.riket is not None:
            self.sources.append(last_sources.get(RIKET))
        for extreme in (self.stats.best, self.stats.worst):
            if extreme is not None:
                self.sources.append(last_sources.get(extreme.areas[0].id))

    def row(self, area: str) -> MunicipalityRow:
        measure, stats, last = self.measure, self.stats, self.last
        decimals, polarity = measure.decimals, measure.polarity
        own: dict[int, float | None] = {}
        own_sources: list[str] = []
        for year, column, sources in self.columns:
            value = column.get(area)
            if value is not None and value == value:  # NaN is "uppgift saknas" too
                own[year] = value
                source = sources.get(area)
                if source and source not in own_sources:
                    own_sources.append(source)
            else:
                own[year] = None
        value = own[last]
        if self.span >= 2:
            # Rounded as shown first, so compute need not round again: 6,6 → 6,6 is unchanged.
            rounded = {y: None if v is None else shown(v, decimals) for y, v in own.items()}
            result = trend(rounded, polarity, window=self.span, end=last)
        else:
            result = NO_TREND
        place = stats.rank(area) if value is not None else None
        reference_value, reference_count = self.reference
        row_colour = cell_colour(measure, self.scheme, value, place, reference_value)
        row = MunicipalityRow(
            kpi=measure.kpi,
            title=measure.title or measure.kpi,
            perspective=measure.perspective,
            polarity=polarity,
            unit=measure.unit,
            decimals=decimals,
            colour_graded=self.graded,
            year_offset=measure.year_offset,
            values=own,
            data_years=dict(self.data_years),
            trend=result.trend,
            direction=result.direction,
            mean=stats.mean,
            mean_count=stats.ranked,
            riket=stats.riket,
            median=stats.median,
            best=stats.best,
            worst=stats.worst,
            reference=reference_value,
            reference_count=reference_count,
            rank=place.rank if place is not None and place.by_quality else None,
            ranked=stats.ranked,
            colour=row_colour,
            comment="",
            source=", ".join(own_sources) or None,
            note=measure.comment,
        )
        row.comment = municipality_comment(
            row, scheme=self.scheme, reference=self.choice, place=place, trend=result
        )
        return row

    def every_row(self, areas: Sequence[str]) -> MeasureColumns:
        """Every area's row, the same as `row(area)` for each, computed a column at a time.

        What depends on little is worked out once per measure and looked up per area: the trend
        by which years have a value and how the ends compare as shown; the colour and the
        comment's place sentence by the rank; the trend sentence by the trend.
        """
        measure, stats = self.measure, self.stats
        years = [year for year, _column, _sources in self.columns]
        size = len(areas)
        # Each year's values in area order (None for missing and NaN).
        columns = [
            present_column(column, areas, nan_free=self.nan_free) for _year, column, _sources in self.columns
        ]
        self._areas, self._present = areas, columns
        last_values = columns[-1]
        trends = self._trends(columns, years)
        by_quality = self.by_quality
        # None exactly where the last value is missing; descriptive rows show no place at all.
        places: list[Rank | None] = list(map(stats.ranks().get, areas)) if by_quality else [None] * size
        ranked = [None if place is None else place.rank for place in places]
        reference_value, reference_count = self.reference
        if self.graded and self.scheme == "reference":
            colours = [
                cell_colour(measure, self.scheme, value, place, reference_value)
                for value, place in zip(last_values, places, strict=True)
            ]
        else:  # the colour depends on the place alone (and on whether there is a value)
            one_each = dict(zip(ranked, zip(places, last_values, strict=True), strict=True))
            by_rank = {
                rank: cell_colour(measure, self.scheme, value, place, reference_value)
                for rank, (place, value) in one_each.items()
            }
            colours = list(map(by_rank.__getitem__, ranked))
        common_source = self._common_source()
        if common_source is None:
            sources = list(map(self._source, areas))
        elif all(None not in column for column in columns):  # every area has every year
            sources = [common_source] * size
        else:
            count = len(years)
            sources = [
                common_source if own.count(None) < count else None for own in zip(*columns, strict=True)
            ]
        shared: dict[str, Any] = {
            "kpi": measure.kpi,
            "title": measure.title or measure.kpi,
            "perspective": measure.perspective,
            "polarity": measure.polarity,
            "unit": measure.unit,
            "decimals": measure.decimals,
            "colour_graded": self.graded,
            "year_offset": measure.year_offset,
            "data_years": self.data_years,
            "mean": stats.mean,
            "mean_count": stats.ranked,
            "riket": stats.riket,
            "median": stats.median,
            "best": stats.best,
            "worst": stats.worst,
            "reference": reference_value,
            "reference_count": reference_count,
            "ranked": stats.ranked,
            "comment": "",
            "note": measure.comment,
        }
        own: dict[str, list[Any]] = {
            "trend": list(map(_TREND, trends)),
            "direction": list(map(_DIRECTION, trends)),
            "colour": colours,
            "source": sources,
        }
        if by_quality:
            own["rank"] = ranked
        else:
            shared["rank"] = None
        result = MeasureColumns(years, columns, shared, own)
        own["comment"] = _Comments(self, result, places, trends).column()
        del shared["comment"]
        return result

    def _trends(self, columns: list[list[float | None]], years: list[int]) -> list[TrendResult]:
        """Each area's trend, as `row` computes it, from the columns of values in area order.

        `compute.trend` compares the first and the last year with a value, as shown; the result
        depends only on those two years and on how the two values compare, so it runs once per
        such case and areas share it. Most areas have both the first and the last report year.
        """
        size, last = len(columns[0]), len(columns) - 1
        if self.span < 2:
            return [NO_TREND] * size
        decimals = self.measure.decimals
        cases: dict[tuple[int, int, int], TrendResult] = {}

        def case(first: int, final: int, sign: int) -> TrendResult:
            found = cases.get((first, final, sign))
            if found is None:
                pair = {years[first]: 0.0, years[final]: float(sign)}
                found = cases[first, final, sign] = trend(
                    pair, self.measure.polarity, window=self.span, end=self.last
                )
            return found

        ends = tuple(case(0, last, sign) for sign in (-1, 0, 1))
        out: list[TrendResult | None] = [
            None if a is None or b is None else ends[(b > a) - (b < a) + 1]
            for a, b in zip(self.shown_column(0, decimals), self.shown_column(last, decimals), strict=True)
        ]
        for i in [i for i, result in enumerate(out) if result is None]:  # a value missing at an end
            present = [k for k, column in enumerate(columns) if column[i] is not None]
            if len(present) < 2:
                out[i] = NO_TREND
                continue
            first, final = present[0], present[-1]
            a_value, b_value = columns[first][i], columns[final][i]
            assert a_value is not None and b_value is not None
            a, b = shown(a_value, decimals), shown(b_value, decimals)
            out[i] = case(first, final, (b > a) - (b < a))
        return cast(list[TrendResult], out)

    def shown_column(self, k: int, places: int | None) -> list[float | None]:
        """Year k's values (in the order of `every_row`'s areas) rounded to `places` as shown."""
        found = self.shown_columns.get((k, places))
        if found is None:
            if k == len(self._present) - 1 and places == self.measure.decimals and self.by_quality:
                found = list(map(self.stats.shown_values().get, self._areas))  # rounded to rank already
            else:
                found = shown_column(self._present[k], places)
            self.shown_columns[k, places] = found
        return found

    def _common_source(self) -> str | None:
        """The one source of every value of this measure, if there is one (None: look per area)."""
        found = self.distinct_sources
        if len(found) > 1:
            found = set()
            for _year, _column, sources in self.columns:
                found.update(sources.values())
        if len(found) == 1:
            (only,) = found
            return only or None
        return None

    def _source(self, area: str) -> str | None:
        """Where one area's values of this measure came from, as `row` gives it."""
        own_sources: list[str] = []
        for _year, column, sources in self.columns:
            value = column.get(area)
            if value is not None and value == value:
                source = sources.get(area)
                if source and source not in own_sources:
                    own_sources.append(source)
        return ", ".join(own_sources) or None


class _Comments:
    """`municipality_comment` for the rows of one measure, a column at a time.

    The same sentences in the same order as `comments.municipality_comment`: what depends only on
    the place or the trend is worked out once (place sentences per rank, trend sentences per
    trend), and numbers are written a column at a time by `data.swedish_texts`. Rows compared
    with a reference (the reference scheme) get `municipality_comment` itself.
    tests/reports/test_reports_all*.py checks that the two agree.
    """

    def __init__(
        self,
        prepared: PreparedMeasure,
        rows: MeasureColumns,
        places: list[Rank | None],
        trends: list[TrendResult],
    ) -> None:
        measure = prepared.measure
        self.prepared, self.rows, self.years, self.columns = prepared, rows, rows.years, rows.values
        self.places, self.trends, self.colours = places, trends, rows.own["colour"]
        self.decimals, self.unit = measure.decimals, measure.unit
        self.polar = measure.polarity in ("higher", "lower")
        self.cost = measure.polarity == "lower"
        # Rows whose first sentence compares the value with the reference.
        self.compared = self.polar and prepared.graded and prepared.scheme == "reference"
        self.missing = missing_sentence(self.years[-1], prepared.data_years[self.years[-1]])
        self.texts: dict[int, list[str | None]] = {}

    def column(self) -> list[str]:
        """Each row's comment."""
        firsts = self._firsts()
        seconds = self._polar_trends() if self.polar else self._described_trends()
        out = [f"{a} {b}" if a and b else a or b for a, b in zip(firsts, seconds, strict=True)]
        prepared, last = self.prepared, len(self.years) - 1
        values = self.columns[last]
        # Left: rows compared with the reference, and rows with a value but nothing to say yet.
        left = (
            [i for i, value in enumerate(values) if value is not None]
            if self.compared
            else [i for i, text in enumerate(out) if not text and values[i] is not None]
        )
        for i in left:
            if self.compared:
                out[i] = municipality_comment(
                    self.rows.row(i),
                    scheme=prepared.scheme,
                    reference=prepared.choice,
                    place=self.places[i],
                    trend=self.trends[i],
                )
            else:
                out[i] = f"Värdet är {self._number(last, i)}."
        return out

    def _firsts(self) -> list[str]:
        """Where the value stands: missing, the quartile (per rank), or the figure and its place."""
        missing, values = self.missing, self.columns[-1]
        if not self.polar or self.compared:
            return [missing if value is None else "" for value in values]
        if not self.prepared.graded:
            return self._ungraded()
        # One sentence per place (the colour follows the place), missing where there is none.
        ranks = [None if place is None else place.rank for place in self.places]
        one_each = dict(zip(ranks, zip(self.places, self.colours, strict=True), strict=True))
        by_rank: dict[int | None, str] = {
            rank: missing if place is None else quartile_sentence(colour, place)
            for rank, (place, colour) in one_each.items()
        }
        return list(map(by_rank.__getitem__, ranks))

    def _ungraded(self) -> list[str]:
        """`comments.ungraded_sentence`: the figure and its place, no judgement (costs)."""
        subject = "Kostnaden" if self.cost else "Värdet"
        first = "lägst kostnad" if self.cost else "högst värde"
        last = len(self.years) - 1
        where: dict[int, str] = {}
        out = []
        for i, place in enumerate(self.places):
            if self.columns[last][i] is None:
                out.append(self.missing)
                continue
            sentence = f"{subject} är {self._number(last, i)}"
            if place is not None:
                found = where.get(place.rank)
                if found is None:
                    found = where[place.rank] = f", {place_text(place)} ({first} = plats 1)"
                sentence += found
            out.append(sentence + ".")
        return out

    def _polar_trends(self) -> list[str]:
        """`comments.trend_sentence` with a polarity: it depends on the trend alone."""
        row = self.rows.row(0)
        by_trend: dict[int, str] = {}
        for result in self.trends:
            if id(result) not in by_trend:
                by_trend[id(result)] = trend_sentence(row, result, self.years)
        return list(map(by_trend.__getitem__, map(id, self.trends)))

    def _described_trends(self) -> list[str]:
        """`comments.trend_sentence` without a polarity: how the value moved, in figures."""
        years, index = self.years, {year: k for k, year in enumerate(self.years)}
        # Per trend (areas share them): the words around the two figures, and whose they are.
        shapes: dict[int, tuple[str, int | None, str, int, str] | None] = {}
        shape: tuple[str, int | None, str, int, str] | None
        for result in self.trends:
            first_year, last_year = result.first_year, result.last_year
            if id(result) in shapes:
                continue
            if result.trend == "none" or first_year is None or last_year is None:
                shapes[id(result)] = None
                continue
            span = "" if (first_year, last_year) == (years[0], years[-1]) else f" {first_year}–{last_year}"
            if result.trend == "unchanged":
                shapes[id(result)] = (f"Värdet är oförändrat{span} (", None, "", index[last_year], ").")
            else:
                verb = "ökat" if result.trend == "increased" else "minskat"
                shape = (f"Värdet har {verb}{span} från ", index[first_year], " till ", index[last_year], ".")
                shapes[id(result)] = shape
        needed = {
            k for shape in shapes.values() if shape is not None for k in (shape[1], shape[3]) if k is not None
        }
        texts = {k: self._texts_of(k) for k in needed}
        out = []
        for i, result in enumerate(self.trends):
            shape = shapes[id(result)]
            if shape is None:
                out.append("")
                continue
            head, first, middle, last, tail = shape
            if first is None:
                out.append(f"{head}{texts[last][i]}{tail}")
            else:
                out.append(f"{head}{texts[first][i]}{middle}{texts[last][i]}{tail}")
        return out

    def _texts_of(self, year: int) -> list[str | None]:
        """The values of years[year] as `swedish_number` writes them (None where missing)."""
        texts = self.texts.get(year)
        if texts is None:
            # Rounded as shown already (the ranks round the last year), or rounded here.
            rounded = self.prepared.shown_columns.get((year, 2 if self.decimals is None else self.decimals))
            texts = self.texts[year] = swedish_texts(self.columns[year], self.decimals, rounded)
        return texts

    def _number(self, year: int, i: int) -> str:
        """`comments.number_text(value, decimals, unit)` of area i's value in years[year]."""
        text = self._texts_of(year)[i]
        assert text is not None  # asked only for values present
        return f"{text} {self.unit}" if self.unit else text
