"""The `jamfor` command line: a thin layer over the library (Typer + Rich)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

import jamfor.cli_compass_report  # noqa: F401  (adds `compass report` to compass_app)
from jamfor.cli_compass import compass_app
from jamfor.cli_similar import similar_app
from jamfor.cli_survey import survey_app
from jamfor.config import database_url
from jamfor.errors import JamforError, ValidationError
from jamfor.model import ImportSummary
from jamfor.reports.model import ColourScheme

if TYPE_CHECKING:
    from jamfor.sources.files import Progress as ImportProgress
from jamfor.store import Store

app = typer.Typer(
    help="jamfor: measure and compare the quality of Swedish municipalities.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(help="Create, migrate and inspect the database.", no_args_is_help=True)
kpi_app = typer.Typer(help="The KPI catalogue (nyckeltal).", no_args_is_help=True)
area_app = typer.Typer(help="Riket, regions and municipalities.", no_args_is_help=True)
group_app = typer.Typer(
    help="Groups: kommungrupper, counties, Kolada's groups and networks.", no_args_is_help=True
)
app.add_typer(db_app, name="db")
app.add_typer(kpi_app, name="kpi")
app.add_typer(area_app, name="area")
app.add_typer(group_app, name="group")
report_app = typer.Typer(
    help="Reports: a municipality, a network, a KPI, a comparison over time.", no_args_is_help=True
)
app.add_typer(report_app, name="report")
app.add_typer(compass_app, name="compass")
app.add_typer(survey_app, name="survey")
app.add_typer(similar_app, name="similar")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
_state: dict[str, str | None] = {"database": None}

DatabaseOpt = Annotated[
    str | None,
    typer.Option("--database", "-d", help="DuckDB file or postgresql:// URL (default: $JAMFOR_DATABASE)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@app.callback()
def _main(database: DatabaseOpt = None) -> None:
    _state["database"] = database


@contextmanager
def _open(*, init: bool = False) -> Iterator[Store]:
    store = Store.open(database_url(_state["database"]))
    try:
        if not init:
            store.ensure_schema()
        yield store
    finally:
        store.close()


def _n(number: int) -> str:
    """A count with a thin space between thousands, as Swedish text writes it."""
    return f"{number:,}".replace(",", "\u202f")


def _print_json(data: Any) -> None:
    out.out(json.dumps(data, ensure_ascii=False, indent=2, default=str), highlight=False)


# -- db -------------------------------------------------------------------------------------------


@db_app.command("init")
def db_init() -> None:
    """Create or upgrade the schema and load the bundled reference data (areas, groups, KPI catalogue)."""
    from jamfor.sources.reference import load_reference

    with _open(init=True) as store:
        applied = store.migrate()
        result = load_reference(store)
        stats = store.stats()
    where = database_url(_state["database"])
    out.print(f"Database: {where}")
    if applied:
        out.print("Applied migrations: " + ", ".join(applied))
    out.print(
        f"Reference data: {result['areas']} areas, {result['groups']} groups, "
        f"{stats.kpis} KPIs ({result['kpis_new']} new, {result['kpis_changed']} changed), "
        f"{result['curated']} curated."
    )


@db_app.command("migrate")
def db_migrate() -> None:
    """Apply schema migrations the database lacks, without touching its data."""
    with _open(init=True) as store:
        applied = store.migrate()
        version = store.schema_version()
    out.print(("Applied: " + ", ".join(applied)) if applied else "Already up to date.")
    out.print(f"Schema version: {version}")


@db_app.command("stats")
def db_stats(as_json: JsonOpt = False) -> None:
    """Counts of areas, groups, KPIs, observations and revisions."""
    with _open() as store:
        stats = store.stats().as_dict()
    if as_json:
        _print_json(stats)
        return
    table = Table("what", "count", title="jamfor database")
    for key, value in stats.items():
        table.add_row(key, _n(value))
    out.print(table)


# -- import ---------------------------------------------------------------------------------------


def _phase_reporter(progress: Progress, task: Any) -> ImportProgress:
    """Show an import's phase; a bar while DuckDB reports how far it has read and checked."""

    def report(file: str, phase: str, percent: float | None = None) -> None:
        progress.update(
            task,
            description=f"{file}: {phase}",
            total=100 if percent is not None else None,
            completed=percent or 0,
        )

    return report


@app.command("import")
def import_cmd(
    files: Annotated[list[Path] | None, typer.Argument(help="CSV, CSV.GZ, XLSX or JSON files.")] = None,
    source: Annotated[
        str | None,
        typer.Option(help="Where the values come from (default: Kolada). Use your own name for own data."),
    ] = None,
    demo: Annotated[bool, typer.Option("--demo", help="Import the bundled Kolada demo extract.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Import observations or a KPI catalogue. Each file is checked whole; a bad file writes nothing."""
    from jamfor.sources.files import import_file
    from jamfor.sources.reference import demo_path

    jobs = [(path, source) for path in files or []]
    if demo:
        jobs.insert(0, (demo_path(), "Kolada"))
    if not jobs:
        raise JamforError("give one or more files to import, or --demo")
    summaries: list[ImportSummary] = []
    failures: list[str] = []
    with (
        _open() as store,
        Progress(
            SpinnerColumn(),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=err,
            transient=True,
            disable=as_json,
        ) as progress,
    ):
        for path, origin in jobs:
            task = progress.add_task(f"{path.name}: starting", total=None)

            phase = _phase_reporter(progress, task)

            try:
                summary = import_file(store, path, source=origin, progress=phase)
            except ValidationError as exc:
                failures.append(str(exc))
                progress.remove_task(task)
                continue

            summaries.append(summary)
            progress.remove_task(task)
    if as_json:
        _print_json({"imported": [asdict(s) for s in summaries], "errors": failures})
    else:
        for s in summaries:
            out.print(
                f"{s.file}: {_n(s.rows)} rows — {_n(s.new)} new, {_n(s.changed)} changed, "
                f"{_n(s.unchanged)} unchanged ({s.seconds:.1f} s)"
            )
            for note in s.notes:
                out.print(f"  note: {note}")
    if failures:
        for failure in failures:
            err.print(f"[red]rejected, nothing written:[/red]\n{failure}", highlight=False)
        raise typer.Exit(2)


# -- kpi ------------------------------------------------------------------------------------------


@kpi_app.command("search")
def kpi_search(
    text: Annotated[str, typer.Argument(help="Words of the title, or a KPI id.")],
    limit: Annotated[int, typer.Option(help="At most this many.")] = 30,
    as_json: JsonOpt = False,
) -> None:
    """Find KPIs by id or title words."""
    with _open() as store:
        found = store.search_kpis(text, limit)
    if as_json:
        _print_json([asdict(k) for k in found])
        return
    if not found:
        out.print(f"No KPI matches {text!r}.")
        return
    table = Table("id", "title", "polarity", "note")
    for k in found:
        table.add_row(k.id, k.title, k.polarity or "", "retired" if k.retired else (k.kkik or ""))
    out.print(table)


@kpi_app.command("show")
def kpi_show(
    kpi_id: Annotated[str, typer.Argument(help="KPI id, e.g. N00938.")], as_json: JsonOpt = False
) -> None:
    """A KPI's definition, our curation, the years with values and earlier metadata."""
    with _open() as store:
        kpi = store.kpi(kpi_id.upper())
        periods = store.periods(kpi.id)
        history = store.kpi_history(kpi.id)
    data = asdict(kpi) | {"periods": periods, "history": history}
    if as_json:
        _print_json(data)
        return
    out.print(f"[bold]{kpi.id}[/bold] {kpi.title}" + (" [yellow](retired)[/yellow]" if kpi.retired else ""))
    if kpi.description:
        out.print(kpi.description, highlight=False)
    table = Table(show_header=False, box=None)
    for key in (
        "perspective",
        "operating_area",
        "municipality_type",
        "is_divided_by_gender",
        "publ_period",
        "catalogue",
        "polarity",
        "colour_graded",
        "unit",
        "decimals",
        "kkik",
    ):
        table.add_row(key, "" if data[key] is None else str(data[key]))
    table.add_row("years with values", _span(periods))
    out.print(table)
    for h in history:
        out.print(f"until {h['valid_until']:%Y-%m-%d}: {h['title']}")
    out.print("Källa: Kolada" if kpi.origin == "kolada" else f"Origin: {kpi.origin}")


def _span(periods: list[int]) -> str:
    if not periods:
        return "none stored"
    return f"{periods[0]}–{periods[-1]} ({len(periods)} years)"


# -- area -----------------------------------------------------------------------------------------


@area_app.command("search")
def area_search(
    text: Annotated[str, typer.Argument(help="Part of a name, or an id.")], as_json: JsonOpt = False
) -> None:
    """Find Riket, regions and municipalities by name or id."""
    with _open() as store:
        found = store.search_areas(text)
    if as_json:
        _print_json([asdict(a) for a in found])
        return
    if not found:
        out.print(f"No area matches {text!r}.")
        return
    table = Table("id", "name", "type", "county", "kommungrupp")
    for a in found:
        table.add_row(
            a.id,
            a.title,
            "kommun" if a.type == "K" else "region/riket",
            a.county_id or "",
            a.kommungrupp or "",
        )
    out.print(table)


# -- group ----------------------------------------------------------------------------------------


@group_app.command("list")
def group_list(
    kind: Annotated[
        str | None, typer.Option(help="kommungrupp, county, kolada, liknande or network.")
    ] = None,
    search: Annotated[str | None, typer.Option("--search", "-s", help="Words of the title.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many (0 = all).")] = 100,
    as_json: JsonOpt = False,
) -> None:
    """List groups; Kolada has thousands, so filter with --kind or --search."""
    with _open() as store:
        found = store.groups(kind, search)
    total = len(found)
    if limit:
        found = found[:limit]
    if as_json:
        _print_json([{"id": g.id, "title": g.title, "kind": g.kind, "source": g.source} for g in found])
        return
    table = Table("id", "title", "kind", "source")
    for g in found:
        table.add_row(g.id, g.title, g.kind, g.source)
    out.print(table)
    if total > len(found):
        out.print(f"{len(found)} of {total} groups shown; use --kind, --search or --limit 0.")


@group_app.command("show")
def group_show(
    group: Annotated[str, typer.Argument(help="Group id or exact title.")], as_json: JsonOpt = False
) -> None:
    """A group and its members."""
    with _open() as store:
        g = store.resolve_group(group)
    if as_json:
        _print_json(
            {
                "id": g.id,
                "title": g.title,
                "kind": g.kind,
                "source": g.source,
                "members": [{"id": m.id, "title": m.title} for m in g.members],
            }
        )
        return
    out.print(f"[bold]{g.title}[/bold] ({g.id}, {g.kind}, {g.source}) — {len(g.members)} members")
    table = Table("id", "name")
    for m in g.members:
        table.add_row(m.id, m.title)
    out.print(table)


@group_app.command("create")
def group_create(
    name: Annotated[str, typer.Argument(help="The network's name, e.g. Nornorna.")],
    members: Annotated[str, typer.Option("--members", "-m", help="Members by id or name, comma-separated.")],
    group_id: Annotated[
        str | None, typer.Option("--id", help="The group id (default: from the name).")
    ] = None,
) -> None:
    """Create a user-defined network of municipalities."""
    names = [m.strip() for m in members.split(",") if m.strip()]
    with _open() as store:
        g = store.create_network(name, names, group_id=group_id)
    out.print(f"Created network {g.title!r} with id {g.id}: " + ", ".join(m.title for m in g.members))


# -- values ---------------------------------------------------------------------------------------


@app.command("history")
def history_cmd(
    kpi: Annotated[str, typer.Argument(help="KPI id.")],
    area: Annotated[str, typer.Argument(help="Area id or name.")],
    period: Annotated[int, typer.Argument(help="Year.")],
    gender: Annotated[str, typer.Option(help="T, K or M.")] = "T",
    as_json: JsonOpt = False,
) -> None:
    """One value and every earlier version of it."""
    with _open() as store:
        k = store.kpi(kpi.upper())
        a = store.resolve_area(area)
        current = store.observation(k.id, a.id, period, gender)
        revisions = store.history(k.id, a.id, period, gender)
    if as_json:
        _print_json(
            {
                "kpi": k.id,
                "area": a.id,
                "period": period,
                "gender": gender,
                "current": asdict(current) if current else None,
                "revisions": [asdict(r) for r in revisions],
            }
        )
        return
    out.print(f"{k.id} {k.title} — {a.title} {period} ({gender})")
    if current is None:
        out.print("No value stored (uppgift saknas).")
    else:
        out.print(
            f"Now: {current.value} (source {current.source}, imported {current.imported_at:%Y-%m-%d %H:%M} UTC)"
        )
    for r in revisions:
        out.print(
            f"Until {r.replaced_at:%Y-%m-%d %H:%M} UTC: {r.value} (source {r.source}, batch {r.batch_id})"
        )


# -- reports -------------------------------------------------------------------------------------

FormatOpt = Annotated[
    str | None,
    typer.Option(
        "--format", "-f", help="table, json, csv, xlsx, html or pdf (default: from -o, else table)."
    ),
]
OutputOpt = Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file.")]
GenderOpt = Annotated[str, typer.Option("--gender", help="T (total), K (women) or M (men).")]
ColourOpt = Annotated[str, typer.Option("--colour", help="quartile, quartile4 (four colours) or reference.")]
LangOpt = Annotated[str, typer.Option("--lang", help="sv or en (labels of the report).")]
SetOpt = Annotated[
    str | None, typer.Option("--set", help="A measure set: bundled id or title, or a YAML file.")
]
KpiOpt = Annotated[str | None, typer.Option("--kpi", help="KPI ids, comma-separated (instead of --set).")]


def _years(text: str | None) -> list[int] | None:
    from jamfor.reports.options import parse_years

    return parse_years(text)


def _gender(value: str) -> str:
    """The --gender option, checked."""
    from jamfor.reports.options import check_gender

    return check_gender(value)


def _scheme(value: str) -> ColourScheme:
    """The --colour option, checked."""
    from jamfor.reports.options import check_colour

    return check_colour(value)


def _measures(set_name: str | None, kpi: str | None) -> tuple[Any, list[str] | None]:
    from jamfor.reports.options import measures_from

    return measures_from(set_name, kpi)


def _emit(report: Any, fmt: str | None, output: Path | None, lang: str) -> None:
    from jamfor.render import FORMATS, format_for, render
    from jamfor.reports.options import check_choice

    chosen = fmt or (format_for(output) if output else "table")
    check_choice("--format", chosen, FORMATS)
    check_choice("--lang", lang, ("sv", "en"))
    content = render(report, chosen, lang=lang)
    if output is not None:
        output.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        err.print(f"Wrote {output} ({chosen})")
    elif isinstance(content, bytes):
        if sys.stdout.isatty():
            raise JamforError(f"{chosen} is a binary format: give a file with -o, e.g. -o report.{chosen}")
        sys.stdout.buffer.write(content)
    else:
        sys.stdout.write(content if content.endswith("\n") else content + "\n")


@report_app.command("municipality")
def report_municipality(
    municipality: Annotated[
        str | None, typer.Argument(help="Municipality id or name, e.g. 1081 or Ronneby (or --all).")
    ] = None,
    set_name: SetOpt = None,
    kpi: KpiOpt = None,
    years: Annotated[
        str | None, typer.Option("--years", help="e.g. 2015-2017 (default: the last 3 with data).")
    ] = None,
    gender: GenderOpt = "T",
    colour: ColourOpt = "quartile",
    reference: Annotated[
        str, typer.Option("--reference", help="mean (ovägt medel), riket, or group:<id or name>.")
    ] = "mean",
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    lang: LangOpt = "sv",
    every: Annotated[
        bool,
        typer.Option(
            "--all", help="Every municipality's report, one file each (<id>.<format>) in the folder -o."
        ),
    ] = False,
) -> None:
    """A municipality's measures over the years: trend, rank, colour, reference and a comment per row."""
    from jamfor.reports.municipality import municipality_report

    if every:
        if municipality is not None:
            raise JamforError(f"give a municipality ({municipality!r}) or --all, not both")
        _all_municipality_reports(set_name, kpi, years, gender, colour, reference, fmt, output, lang)
        return
    if municipality is None:
        raise JamforError("name a municipality (id or name, e.g. 1081 or Ronneby), or give --all")
    measure_set, kpis = _measures(set_name, kpi)
    with _open() as store:
        report = municipality_report(
            store,
            municipality,
            measure_set=measure_set,
            kpis=kpis,
            years=_years(years),
            gender=_gender(gender),
            colour=_scheme(colour),
            reference=reference,
        )
    _emit(report, fmt, output, lang)


def _all_municipality_reports(
    set_name: str | None,
    kpi: str | None,
    years: str | None,
    gender: str,
    colour: str,
    reference: str,
    fmt: str | None,
    output: Path | None,
    lang: str,
) -> None:
    """`report municipality --all`: every report from one fetch (the batch path), a file each."""
    from jamfor.render import FORMATS, render
    from jamfor.render.jsonout import iter_json_all_utf8
    from jamfor.reports.municipality import municipality_report_columns
    from jamfor.reports.options import check_choice

    chosen = fmt or "json"
    check_choice("--format", chosen, tuple(f for f in FORMATS if f != "table"))
    check_choice("--lang", lang, ("sv", "en"))
    if output is None:
        raise JamforError("--all writes a file per municipality: give the folder with -o, e.g. -o rapporter")
    if output.exists() and not output.is_dir():
        raise JamforError(f"-o {output}: --all needs a folder, and this is a file")
    measure_set, kpis = _measures(set_name, kpi)
    with _open() as store:
        columns = municipality_report_columns(
            store,
            measure_set=measure_set,
            kpis=kpis,
            years=_years(years),
            gender=_gender(gender),
            colour=_scheme(colour),
            reference=reference,
        )
    ids = [m.id for m in columns.municipalities]
    # Everything that can fail on the data runs before the first file is written.
    documents: Iterable[bytes]
    if chosen == "json":  # from the columns, encoded at once and joined one by one as written
        documents = iter_json_all_utf8(columns)
    else:
        documents = rendered = []
        with Progress(
            TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), console=err, transient=True
        ) as progress:
            task = progress.add_task(f"{chosen} reports", total=len(ids))
            for report in columns.reports():
                content = render(report, chosen, lang=lang)
                rendered.append(content if isinstance(content, bytes) else content.encode("utf-8"))
                progress.advance(task)
    output.mkdir(parents=True, exist_ok=True)
    for area, document in zip(ids, documents, strict=True):
        (output / f"{area}.{chosen}").write_bytes(document)
    err.print(f"Wrote {len(ids)} reports ({chosen}) to {output}")


@report_app.command("network")
def report_network(
    group: Annotated[str, typer.Argument(help="Group id or name, e.g. nornorna or kg:C7.")],
    set_name: SetOpt = None,
    kpi: KpiOpt = None,
    year: Annotated[
        int | None, typer.Option("--year", help="Report year (default: the latest with data).")
    ] = None,
    gender: GenderOpt = "T",
    colour: ColourOpt = "quartile",
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    lang: LangOpt = "sv",
) -> None:
    """The members of a group side by side with the country's best, worst and mean."""
    from jamfor.reports.network import network_report

    measure_set, kpis = _measures(set_name, kpi)
    with _open() as store:
        report = network_report(
            store,
            group,
            measure_set=measure_set,
            kpis=kpis,
            year=year,
            gender=_gender(gender),
            colour=_scheme(colour),
        )
    _emit(report, fmt, output, lang)


@report_app.command("kpi")
def report_kpi(
    kpi_id: Annotated[str, typer.Argument(help="KPI id, e.g. N00938.")],
    year: Annotated[int, typer.Option("--year", help="The year to rank.")],
    gender: GenderOpt = "T",
    colour: ColourOpt = "quartile",
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    lang: LangOpt = "sv",
) -> None:
    """All municipalities ranked for a year, with the distribution."""
    from jamfor.reports.kpi import kpi_report

    with _open() as store:
        report = kpi_report(store, kpi_id.upper(), year=year, gender=_gender(gender), colour=_scheme(colour))
    _emit(report, fmt, output, lang)


@report_app.command("compare")
def report_compare(
    kpi_id: Annotated[str, typer.Argument(help="KPI id, e.g. N00938.")],
    areas: Annotated[
        str,
        typer.Option("--areas", help="1–10 municipalities, regions or Riket: ids or names, comma-separated."),
    ],
    years: Annotated[
        str | None, typer.Option("--years", help="e.g. 2013-2022 (default: the last 10 with data).")
    ] = None,
    gender: GenderOpt = "T",
    colour: ColourOpt = "quartile",
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    lang: LangOpt = "sv",
) -> None:
    """Up to ten areas on one KPI over the years: values, place, colour, trend and the country's figures."""
    from jamfor.reports.compare import compare_report, parse_area_list

    with _open() as store:
        report = compare_report(
            store,
            kpi_id.strip().upper(),
            parse_area_list(areas),
            years=_years(years),
            gender=_gender(gender),
            colour=_scheme(colour),
        )
    _emit(report, fmt, output, lang)


# -- sync -----------------------------------------------------------------------------------------

if TYPE_CHECKING:
    from collections.abc import Callable

    from jamfor.sources.sync import SyncProgress

sync_app = typer.Typer(help="Bring the store up to date from an external source.", no_args_is_help=True)
app.add_typer(sync_app, name="sync")

from jamfor.cli_ranking import ranking_app  # noqa: E402

app.add_typer(ranking_app, name="ranking")

from jamfor.cli_transfer import compare_command, export_command, restore_command  # noqa: E402

app.command("export")(export_command)
app.command("restore")(restore_command)
db_app.command("compare-exports")(compare_command)

from jamfor.cli_users import period_app, user_app  # noqa: E402

app.add_typer(user_app, name="user")
app.add_typer(period_app, name="period")


def _sync_progress(progress: Progress, task: Any) -> Callable[[SyncProgress], None]:
    """Show a sync's batches as a bar, with its requests, rows and rows per second."""

    def report(p: SyncProgress) -> None:
        progress.update(
            task,
            total=p.batches or None,
            completed=max(p.batch - 1, 0) if p.phase != "done" else p.batches,
            description=(
                f"{p.phase} {p.batch}/{p.batches}: {_n(p.requests)} requests, {_n(p.rows)} rows, "
                f"{_n(round(p.rows_per_second))} rows/s"
                if p.batches
                else f"{p.phase}: {_n(p.requests)} requests"
            ),
        )

    return report


@sync_app.command("kolada")
def sync_kolada_cmd(
    kpi: Annotated[str | None, typer.Option("--kpi", help="KPI ids, comma-separated.")] = None,
    set_name: Annotated[
        str | None, typer.Option("--set", help="The KPIs of a measure set (bundled id or title, or YAML).")
    ] = None,
    all_kpis: Annotated[bool, typer.Option("--all", help="Every KPI in Kolada's catalogue.")] = False,
    municipality: Annotated[
        str | None,
        typer.Option("--municipality", "-m", help="Only these areas: ids or names, comma-separated."),
    ] = None,
    years: Annotated[
        str | None, typer.Option("--years", help="Only these years: 2015-2022 or 2020,2021.")
    ] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="Only what changed since YYYY-MM-DD (deletions kept as revisions)."),
    ] = None,
    base_url: Annotated[str | None, typer.Option("--base-url", help="Kolada v3 address.")] = None,
    rate: Annotated[float, typer.Option(help="Requests per second at most (0: no limit).")] = 5.0,
    attempts: Annotated[int, typer.Option(help="Tries per request before the sync stops.")] = 6,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for an answer before trying again.")] = 60.0,
    fresh: Annotated[
        bool, typer.Option("--fresh", help="Start over instead of resuming an unfinished sync.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Fetch values from Kolada v3 into the store; an interrupted sync resumes when run again."""
    from datetime import date

    from jamfor.sources.kolada import DEFAULT_BASE_URL, KoladaClient, RetryPolicy
    from jamfor.sources.sync import SyncScope, kpis_of_set, sync_kolada

    if sum((kpi is not None, set_name is not None, all_kpis)) != 1:
        raise JamforError("say what to sync: exactly one of --kpi IDS, --set NAME or --all")
    if rate < 0 or attempts < 1 or timeout <= 0:
        raise JamforError("--rate must be 0 or more, --attempts at least 1 and --timeout more than 0")
    try:
        since_date = date.fromisoformat(since) if since else None
    except ValueError:
        raise JamforError(f"--since {since!r}: write a date as YYYY-MM-DD") from None
    with _open() as store:
        notes: list[str] = []
        kpis: list[str] | None = None
        if kpi is not None:
            kpis = list(dict.fromkeys(k.strip().upper() for k in kpi.split(",") if k.strip()))
            if not kpis:
                raise JamforError("--kpi: give one or more KPI ids, comma-separated")
        elif set_name is not None:
            kpis, own = kpis_of_set(store, set_name)
            if own:
                notes.append(f"left out {len(own)} KPIs of our own: " + ", ".join(own))
        areas = (
            [store.resolve_area(a).id for a in municipality.split(",") if a.strip()] if municipality else None
        )
        scope = SyncScope(
            kpis=tuple(kpis) if kpis is not None else None,
            areas=tuple(areas) if areas is not None else None,
            years=tuple(y) if (y := _years(years)) is not None else None,
            since=since_date,
        )
        with (
            KoladaClient(
                base_url or DEFAULT_BASE_URL,
                rate=rate or None,
                retry=RetryPolicy(attempts=attempts),
                timeout=timeout,
            ) as client,
            Progress(
                SpinnerColumn(),
                BarColumn(),
                TaskProgressColumn(),
                TextColumn("{task.description}"),
                TimeElapsedColumn(),
                console=err,
                transient=True,
                disable=as_json,
            ) as progress,
        ):
            task = progress.add_task("starting", total=None)
            summary = sync_kolada(
                store, client, scope, fresh=fresh, on_progress=_sync_progress(progress, task)
            )
    summary.notes[:0] = notes
    if as_json:
        _print_json({**asdict(summary), "rows_per_second": round(summary.rows_per_second, 1)})
        return
    s = summary
    resumed = f", resuming run {s.run_id}: {s.batches_skipped} done before" if s.resumed else ""
    out.print(f"Synced {s.base_url}: {s.batches_done} of {s.batches} batches{resumed}")
    out.print(
        f"requests: {_n(s.requests)} (fewest possible {_n(s.minimum_requests)}, {_n(s.retries)} retries); "
        f"{_n(s.rows)} rows in {s.seconds:.1f} s ({_n(round(s.rows_per_second))} rows/s)"
    )
    out.print(
        f"rows: {_n(s.new)} new, {_n(s.changed)} changed, {_n(s.unchanged)} unchanged, {_n(s.deleted)} deleted"
    )
    if s.kpis_new or s.kpis_changed or s.areas_new:
        out.print(f"catalogue: {s.kpis_new} KPIs new, {s.kpis_changed} changed; {s.areas_new} areas new")
    for note in s.notes:
        out.print(f"  note: {note}")


# -- serve ----------------------------------------------------------------------------------------


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, help="Server processes; each opens the database (a DuckDB file read-only).")
    ] = 1,
    connections: Annotated[
        int, typer.Option(min=1, help="Database connections per process, for requests in parallel.")
    ] = 4,
    cache_mb: Annotated[
        int, typer.Option("--cache-mb", min=0, help="Response cache per process, in MiB (0: no cache).")
    ] = 128,
    writable: Annotated[
        bool,
        typer.Option("--writable", help="Open a DuckDB file writable: logins and data entry (one process)."),
    ] = False,
) -> None:
    """Serve the website."""
    import os

    import uvicorn

    from jamfor.config import is_postgres
    from jamfor.web.app import create_app
    from jamfor.web.workers import serve_workers

    url = database_url(_state["database"])
    # By default the site never writes: a DuckDB file opened read-only can be served by several
    # processes (and read by the CLI meanwhile), and its data cannot change under the response
    # cache. --writable (or PostgreSQL) takes logins and data entry (docs/accounts.md).
    read_only = not is_postgres(url) and Path(url).exists() and not writable
    if writable and workers > 1 and not is_postgres(url):
        raise JamforError("--writable with several processes needs PostgreSQL: a DuckDB file has one writer")
    with Store.open(url, read_only=read_only) as store:
        store.ensure_schema()
    out.print(
        f"Serving {url} on http://{host}:{port}/" + (f" with {workers} processes" if workers > 1 else "")
    )
    if workers == 1:
        site = create_app(url, read_only=read_only, connections=connections, cache_bytes=cache_mb * 2**20)
        uvicorn.run(site, host=host, port=port, log_level="warning")
        return
    os.environ.update(
        JAMFOR_DATABASE=url,
        JAMFOR_WEB_READ_ONLY="1" if read_only else "",
        JAMFOR_WEB_CONNECTIONS=str(connections),
        JAMFOR_WEB_CACHE_MB=str(cache_mb),
    )
    serve_workers(host, port, workers)


def main() -> None:
    try:
        app()
    except JamforError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        sys.exit(2 if isinstance(exc, ValidationError) else 1)


if __name__ == "__main__":
    main()
