"""Reports laid out for reading: sections of formatted cells shared by the terminal table and HTML.

A view holds text, not numbers: every figure is already Swedish (or English), every colour has
its words beside it and every arrow its text alternative. The machine formats (JSON, CSV) and
the spreadsheet (real numbers) work from the report itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from jamfor.render import text
from jamfor.render.text import Lang, label
from jamfor.reports.model import (
    Colour,
    ColourScheme,
    Extreme,
    KpiReport,
    MunicipalityReport,
    MunicipalityRow,
    NetworkReport,
    NetworkRow,
)

Kind = Literal["municipality", "network", "kpi"]

# Members of a network shown side by side on an A4 landscape page; more are split over tables.
PAGE_MEMBERS = 8


@dataclass(frozen=True)
class Cell:
    """One formatted cell.

    `colour` is the cell's quartile or reference colour (`none`: not graded), shown as a fill
    (`fill`) or as a swatch beside the colour's words (`swatch`); `arrow` and `alt` are a trend
    arrow and its words for readers who cannot see it; `lines` are smaller text below the main
    one (place and colour word in a network cell).
    """

    text: str
    colour: Colour = "none"
    numeric: bool = False
    missing: bool = False
    arrow: str = ""
    alt: str = ""
    lines: tuple[str, ...] = ()
    swatch: bool = False  # a colour swatch before the text (the colour-word column)
    fill: bool = False  # the cell's background shows the colour (the value it is about)
    svg: str = ""  # a small chart drawn by jamfor.render.charts (already escaped SVG markup)


@dataclass(frozen=True)
class Column:
    key: str
    heading: str
    numeric: bool = False
    note: str = ""  # what the heading abbreviates, shown as a tooltip / in the legend


@dataclass
class Section:
    """A table: its caption, columns and rows; `row_header` is the index of the cell naming the row."""

    caption: str
    columns: list[Column]
    rows: list[list[Cell]]
    row_header: int = 0
    key: str = ""


@dataclass(frozen=True)
class Bar:
    """One bin of a histogram: its interval in words and how many municipalities fall in it."""

    start: float
    end: float
    count: int
    interval: str


@dataclass
class View:
    kind: Kind
    lang: Lang
    title: str
    facts: list[tuple[str, str]]
    sections: list[Section]
    notes: list[str]
    colours: list[tuple[Colour, str]]  # legend: colour and its words
    sources: list[str]
    generated: str
    description: str | None = None
    missing_list: str | None = None
    bars: list[Bar] = field(default_factory=list)
    histogram_caption: str = ""


def sources_lines(sources: list[str], lang: Lang) -> list[str]:
    """The report's source lines, then the statement that the computed figures are jamfor's."""
    return [*sources, label("own_figures", lang)]


def value_cell(value: float | None, decimals: int | None, lang: Lang, colour: Colour = "none") -> Cell:
    missing = text.is_missing(value)
    return Cell(
        text.number(value, decimals, lang),
        colour=colour,
        numeric=True,
        missing=missing,
        fill=colour != "none",
    )


def colour_legend(scheme: ColourScheme, lang: Lang, reference_label: str | None) -> list[tuple[Colour, str]]:
    return [
        (colour, text.colour_words(colour, scheme, lang, reference_label=reference_label))
        for colour in text.SCHEME_COLOURS[scheme]
    ]


def _data_year_note(row: MunicipalityRow, years: list[int], lang: Lang) -> str:
    if row.year_offset == 0 and all(row.data_years.get(y, y) == y for y in years):
        return ""
    shown = [row.data_years.get(y, y + row.year_offset) for y in years]
    return f"{label('data_years', lang)} {text.span(shown)}"


def report_title(report: MunicipalityReport) -> str:
    """The report's heading: "Ronneby – KKiK 2015–2017", or the set's name if it names the municipality."""
    name = report.municipality.name
    if report.measure_set is None:
        return name
    if report.measure_set.name.startswith(name):
        return report.measure_set.name
    return f"{name} – {report.measure_set.name}"


def municipality_view(report: MunicipalityReport, lang: Lang = "sv", *, charts: bool = False) -> View:
    """One section per perspective: measure, trend, the years, mean, Riket, place, colour, comment.

    Summary columns that no row has a value for (e.g. Medel for a municipality's own indicators)
    are left out rather than filled with "uppgift saknas".
    """
    rows = report.rows
    last = report.years[-1] if report.years else None
    suffix = f" {last}" if last is not None else ""
    ref = report.reference
    columns = [Column("measure", label("measure", lang)), Column("trend", label("trend", lang))]
    columns += [Column(f"year:{y}", str(y), numeric=True) for y in report.years]
    if any(not text.is_missing(r.mean) for r in rows):
        columns.append(Column("mean", label("mean", lang) + suffix, True, label("mean_note", lang)))
    if any(not text.is_missing(r.riket) for r in rows):
        columns.append(Column("riket", label("riket", lang) + suffix, True, label("riket_note", lang)))
    if ref.kind == "group" and any(not text.is_missing(r.reference) for r in rows):
        columns.append(Column("reference", ref.label, True))
    if any(r.rank is not None for r in rows):
        columns.append(Column("place", label("place", lang) + suffix, True, label("place_note", lang)))
    if any(r.colour != "none" for r in rows):
        columns.append(Column("colour", label("colour", lang)))
    if any(r.comment for r in rows):
        columns.append(Column("comment", label("comment", lang)))
    keys = [c.key for c in columns]

    sections = []
    for perspective in _ordered(report.perspectives, [r.perspective for r in rows]):
        body = []
        for row in (r for r in rows if r.perspective == perspective):
            cells = {
                "measure": Cell(
                    text.with_unit(row.title, row.unit),
                    lines=tuple(n for n in [_data_year_note(row, report.years, lang)] if n),
                ),
                "trend": Cell(
                    text.trend_word(row.trend, lang),
                    arrow=text.arrow(row.direction),
                    alt=text.direction_words(row.direction, lang),
                    svg=_sparkline(report, row, lang) if charts else "",
                ),
                "mean": value_cell(row.mean, row.decimals, lang),
                "riket": value_cell(row.riket, row.decimals, lang),
                "reference": value_cell(row.reference, row.decimals, lang),
                "place": Cell(text.place(row.rank, row.ranked, lang), numeric=True, missing=row.rank is None),
                "colour": Cell(
                    text.colour_words(
                        row.colour,
                        report.colour_scheme,
                        lang,
                        reference_label=ref.label,
                        has_reference=not text.is_missing(row.reference),
                    ),
                    colour=row.colour,
                    swatch=row.colour != "none",
                ),
                "comment": Cell(row.comment),
            }
            for y in report.years:
                # The last year's value carries the colour, as Kungsbacka's coloured arrow does.
                colour = row.colour if y == last else "none"
                cells[f"year:{y}"] = value_cell(row.values.get(y), row.decimals, lang, colour)
            body.append([cells[k] for k in keys])
        sections.append(Section(perspective, columns, body, key=perspective))

    facts = [
        (label("municipality", lang), f"{report.municipality.name} ({report.municipality.id})"),
        (label("years", lang), text.span(report.years)),
        (label("reference", lang), ref.label),
        (label("colour_scheme", lang), text.scheme_text(report.colour_scheme, lang, ref.label)),
        (label("gender", lang), text.gender_text(report.gender, lang)),
    ]
    if report.measure_set is not None:
        facts.append((label("measure_set", lang), report.measure_set.name))
    title = report_title(report)
    notes = [label("arrow_note", lang)]
    notes += [c.note for c in columns if c.note]
    return View(
        kind="municipality",
        lang=lang,
        title=title,
        facts=facts,
        sections=sections,
        notes=notes,
        colours=colour_legend(report.colour_scheme, lang, ref.label),
        sources=sources_lines(report.sources, lang),
        generated=text.timestamp(report.generated_at),
    )


def _sparkline(report: MunicipalityReport, row: MunicipalityRow, lang: Lang) -> str:
    """A small trend chart of the row's values over the report years, the reference dashed."""
    from jamfor.render.charts import Series, TrendChart, to_svg

    last = report.years[-1] if report.years else None
    series = [
        Series(report.municipality.name, tuple((y, row.values.get(y)) for y in report.years), role="subject")
    ]
    if last is not None and row.reference is not None:
        series.append(Series(report.reference.label, ((last, row.reference),), role="reference"))
    chart = TrendChart(
        title=text.with_unit(row.title, row.unit),
        series=tuple(series),
        unit=row.unit,
        decimals=row.decimals,
        polarity=row.polarity if row.polarity in ("higher", "lower", "none") else None,  # type: ignore[arg-type]
        lang=lang,
        compact=True,
        id_prefix=f"s{row.kpi}",
    )
    return to_svg(chart)


def extreme_cell(extreme: Extreme | None, decimals: int | None, lang: Lang) -> Cell:
    """A best or worst value with the municipalities holding it on the line below."""
    if extreme is None:
        return value_cell(None, decimals, lang)
    names = text.extreme_names(extreme, lang)
    return Cell(text.number(extreme.value, decimals, lang), numeric=True, lines=(names,) if names else ())


def network_cell(row: NetworkRow, member_id: str, lang: Lang) -> Cell:
    cell = row.members.get(member_id)
    if cell is None or text.is_missing(cell.value):
        colour: Colour = "grey" if cell is None else cell.colour
        return Cell(label("missing", lang), colour=colour, numeric=True, missing=True, fill=colour != "none")
    lines = []
    if cell.rank is not None:
        lines.append(text.ordinal(cell.rank, lang))
    if cell.colour not in ("none", "grey"):
        lines.append(text.colour_name(cell.colour, lang))
    return Cell(
        text.number(cell.value, row.decimals, lang),
        colour=cell.colour,
        numeric=True,
        lines=tuple(lines),
        fill=cell.colour != "none",
    )


def _split_members(section: Section, members: int, most: int, lang: Lang) -> list[Section]:
    """A perspective's table as several: up to `most` members each, then the references.

    A network of a whole county (Skåne has 33 municipalities) does not fit across a page; the
    tables each repeat the measure so every one reads on its own.
    """
    parts = -(-members // most)
    size = -(-members // parts)
    out = []
    for start in range(1, members + 1, size):
        indexes = [0, *range(start, min(start + size, members + 1))]
        first, last = section.columns[indexes[1]].heading, section.columns[indexes[-1]].heading
        out.append(
            Section(
                f"{section.caption} ({first}–{last})" if first != last else f"{section.caption} ({first})",
                [section.columns[i] for i in indexes],
                [[row[i] for i in indexes] for row in section.rows],
                key=section.key,
            )
        )
    rest = [0, *range(members + 1, len(section.columns))]
    if len(rest) > 1:
        out.append(
            Section(
                f"{section.caption} ({label('references', lang)})",
                [section.columns[i] for i in rest],
                [[row[i] for i in rest] for row in section.rows],
                key=section.key,
            )
        )
    return out


def network_facts(report: NetworkReport, lang: Lang) -> list[tuple[str, str]]:
    """The facts block above a network report: which network, members, year, scheme, gender, set."""
    facts = [
        (label("network", lang), report.group.name),
        (label("members", lang), ", ".join(m.name for m in report.members)),
        (label("year", lang), str(report.year)),
        (label("colour_scheme", lang), text.scheme_text(report.colour_scheme, lang, label("riket", lang))),
        (label("gender", lang), text.gender_text(report.gender, lang)),
    ]
    if report.measure_set is not None:
        facts.append((label("measure_set", lang), report.measure_set.name))
    return facts


def network_view(report: NetworkReport, lang: Lang = "sv", *, max_members: int | None = PAGE_MEMBERS) -> View:
    """One section per perspective: a row per measure, a column per member, then the references.

    With more than `max_members` members (None: no limit) a perspective's table is split into
    several of at most that many members, followed by one with the references.
    """
    rows = report.rows
    columns = [Column("measure", label("measure", lang))]
    columns += [Column(f"member:{m.id}", m.name, numeric=True) for m in report.members]
    optional = [
        ("network_mean", "network_mean", [r.network_mean for r in rows], label("network_mean_note", lang)),
        ("mean", "mean", [r.mean for r in rows], label("mean_note", lang)),
        ("riket", "riket", [r.riket for r in rows], label("riket_note", lang)),
        ("best", "best", [None if r.best is None else r.best.value for r in rows], ""),
        ("worst", "worst", [None if r.worst is None else r.worst.value for r in rows], ""),
    ]
    for key, heading, values, note in optional:
        if any(not text.is_missing(v) for v in values):
            columns.append(Column(key, label(heading, lang), True, note))
    keys = [c.key for c in columns]
    sections = []
    for perspective in _ordered(report.perspectives, [r.perspective for r in rows]):
        body = []
        for row in (r for r in rows if r.perspective == perspective):
            notes = [f"{row.ranked} {label('ranked_count', lang)}"]
            if row.data_year != report.year:
                notes.append(f"{label('data_years', lang)} {row.data_year}")
            cells = {
                "measure": Cell(text.with_unit(row.title, row.unit), lines=tuple(notes)),
                "network_mean": value_cell(row.network_mean, row.decimals, lang),
                "mean": value_cell(row.mean, row.decimals, lang),
                "riket": value_cell(row.riket, row.decimals, lang),
                "best": extreme_cell(row.best, row.decimals, lang),
                "worst": extreme_cell(row.worst, row.decimals, lang),
            }
            for m in report.members:
                cells[f"member:{m.id}"] = network_cell(row, m.id, lang)
            body.append([cells[k] for k in keys])
        section = Section(perspective, columns, body, key=perspective)
        if max_members is not None and len(report.members) > max_members:
            sections += _split_members(section, len(report.members), max_members, lang)
        else:
            sections.append(section)
    facts = network_facts(report, lang)
    title = f"{report.group.name} {report.year}"
    if report.measure_set is not None:
        title = f"{report.group.name} – {report.measure_set.name} {report.year}"
    notes = [label("place_note", lang)] + [c.note for c in columns if c.note]
    return View(
        kind="network",
        lang=lang,
        title=title,
        facts=facts,
        sections=sections,
        notes=notes,
        colours=colour_legend(report.colour_scheme, lang, label("riket", lang)),
        sources=sources_lines(report.sources, lang),
        generated=text.timestamp(report.generated_at),
    )


def kpi_view(report: KpiReport, lang: Lang = "sv") -> View:
    """The distribution summary, the histogram's bins and the ranking, best first."""
    d = report.distribution
    dec = report.decimals
    summary_rows = [
        ("with_value", Cell(str(d.count), numeric=True)),
        ("without_value", Cell(str(d.missing), numeric=True)),
        ("minimum", value_cell(d.minimum, dec, lang)),
        ("q1", value_cell(d.q1, dec, lang)),
        ("median", value_cell(d.median, dec, lang)),
        ("q3", value_cell(d.q3, dec, lang)),
        ("maximum", value_cell(d.maximum, dec, lang)),
        ("unweighted_mean", value_cell(d.mean, dec, lang)),
        ("riket", value_cell(d.riket, dec, lang)),
    ]
    summary = Section(
        f"{label('distribution', lang)} {report.year}",
        [Column("what", label("statistic", lang)), Column("value", label("value", lang), numeric=True)],
        [[Cell(label(key, lang)), cell] for key, cell in summary_rows],
        key="distribution",
    )
    # One decimal more than the measure's, so the bins' edges read as the intervals they are.
    bin_decimals = min(dec + 1, 3) if dec is not None else 2
    bars = [
        Bar(
            start,
            end,
            count,
            f"{text.number(start, bin_decimals, lang)}–{text.number(end, bin_decimals, lang)}",
        )
        for start, end, count in d.bins
    ]
    bins = Section(
        label("histogram", lang),
        [Column("interval", label("interval", lang)), Column("count", label("count", lang), numeric=True)],
        [[Cell(b.interval), Cell(str(b.count), numeric=True)] for b in bars],
        key="bins",
    )
    columns = [
        Column("place", label("place", lang), numeric=True),
        Column("municipality", label("municipality", lang)),
        Column("value", label("value", lang), numeric=True),
    ]
    if any(r.colour != "none" for r in report.rows):
        columns.append(Column("colour", label("colour", lang)))
    if any(r.county for r in report.rows):
        columns.append(Column("county", label("county", lang)))
    if any(r.kommungrupp for r in report.rows):
        columns.append(Column("kommungrupp", label("kommungrupp", lang)))
    keys = [c.key for c in columns]
    ranking_rows = []
    for r in report.rows:
        cells = {
            "place": Cell(str(r.rank), numeric=True),
            "municipality": Cell(r.area.name),
            "value": value_cell(r.value, dec, lang, r.colour),
            "colour": Cell(
                text.colour_words(r.colour, report.colour_scheme, lang, reference_label=label("riket", lang)),
                colour=r.colour,
                swatch=r.colour != "none",
            ),
            "county": Cell(r.county or ""),
            "kommungrupp": Cell(r.kommungrupp or ""),
        }
        ranking_rows.append([cells[k] for k in keys])
    ranking = Section(
        f"{label('ranking', lang)} {report.year}", columns, ranking_rows, row_header=1, key="ranking"
    )
    facts = [
        (label("kpi", lang), report.kpi),
        (label("year", lang), str(report.year)),
        (label("gender", lang), text.gender_text(report.gender, lang)),
    ]
    if report.unit:
        facts.append((label("unit", lang), report.unit))
    if report.polarity:
        facts.append((label("polarity", lang), text.polarity_text(report.polarity, lang)))
    facts.append(
        (label("colour_scheme", lang), text.scheme_text(report.colour_scheme, lang, label("riket", lang)))
    )
    missing_list = None
    if report.missing:
        names = ", ".join(a.name for a in report.missing)
        missing_list = (
            f"{label('missing_list', lang)} {len(report.missing)} {label('municipalities', lang)}: {names}."
        )
    return View(
        kind="kpi",
        lang=lang,
        title=text.with_unit(report.title, report.unit),
        facts=facts,
        sections=[summary, bins, ranking],
        notes=[label("place_note", lang), label("mean_note", lang), label("riket_note", lang)],
        colours=colour_legend(report.colour_scheme, lang, label("riket", lang)),
        sources=sources_lines(report.sources, lang),
        generated=text.timestamp(report.generated_at),
        description=report.description,
        missing_list=missing_list,
        bars=bars,
        histogram_caption=label("histogram", lang),
    )


def view_of(
    report: MunicipalityReport | NetworkReport | KpiReport,
    lang: Lang = "sv",
    *,
    max_members: int | None = PAGE_MEMBERS,
    charts: bool = False,
) -> View:
    """The view of any report type (`max_members`: see `network_view`; `charts`: small trend charts)."""
    if isinstance(report, MunicipalityReport):
        return municipality_view(report, lang, charts=charts)
    if isinstance(report, NetworkReport):
        return network_view(report, lang, max_members=max_members)
    return kpi_view(report, lang)


def _ordered(declared: list[str], present: list[str]) -> list[str]:
    """The declared perspectives that have rows, then any others in order of first appearance."""
    seen = set(present)
    ordered = [p for p in declared if p in seen]
    ordered += [p for p in dict.fromkeys(present) if p not in ordered]
    return ordered
