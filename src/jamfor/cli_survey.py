"""`jamfor survey …`: import citizen-survey answers, generate a synthetic survey, compute the
indices into own KPIs, and report a municipality's results. A thin layer over the library."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer

from jamfor.errors import JamforError
from jamfor.store import Store

survey_app = typer.Typer(
    help="Citizen surveys (medborgarundersökning): answers, indices with intervals, reports.",
    no_args_is_help=True,
)

SurveyOpt = Annotated[
    str,
    typer.Option(
        "--survey", "-s", help="A bundled survey id (see 'jamfor survey list') or a definition .yaml."
    ),
]
DEFAULT_SURVEY = "scb-medborgarundersokning"


@contextmanager
def _store() -> Iterator[Store]:
    from jamfor.cli import _open

    with _open() as store:
        yield store


def _print(text: str) -> None:
    from jamfor.cli import out

    out.print(text, highlight=False, markup=False)


@survey_app.command("list")
def survey_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The bundled survey definitions, and what the database holds of each."""
    from jamfor.cli import _print_json
    from jamfor.sources.survey_definitions import bundled_surveys
    from jamfor.store.surveys import holdings

    with _store() as store:
        held = holdings(store)
    data: list[dict[str, Any]] = []
    for definition in bundled_surveys().values():
        mine = [h for h in held if h.survey == definition.id]
        data.append(
            {
                "id": definition.id,
                "title": definition.title,
                "family": definition.family,
                "era": definition.era,
                "municipalities": len({h.area for h in mine}),
                "years": sorted({h.period for h in mine}),
                "respondents": sum(h.respondents for h in mine),
            }
        )
    if as_json:
        _print_json(data)
        return
    for d in data:
        years = d["years"]
        span = f"{years[0]}–{years[-1]}" if years else "-"
        _print(
            f"{d['id']}: {d['title']} ({d['family']}, {d['era']}) — {d['municipalities']} municipalities, "
            f"years {span}, {d['respondents']} respondents"
        )


@survey_app.command("import")
def survey_import(
    file: Annotated[Path, typer.Argument(help="Answers, one row per respondent: .csv, .csv.gz or .xlsx.")],
    survey: SurveyOpt = DEFAULT_SURVEY,
    source: Annotated[
        str | None,
        typer.Option(
            help="Where the answers come from (default: the file's source column, else the survey)."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Import survey answers. The file is checked whole; a file with any fault stores nothing."""
    from jamfor.cli import _print_json
    from jamfor.sources.survey import import_survey_file
    from jamfor.sources.survey_definitions import survey_definition

    definition = survey_definition(survey)
    with _store() as store:
        result = import_survey_file(store, file, definition, source=source)
    if as_json:
        _print_json(asdict(result))
        return
    _print(
        f"{result.file}: {result.respondents} respondents — {len(result.replaced)} municipality-years written, "
        f"{len(result.unchanged)} unchanged. Run 'jamfor survey compute' to update the indices."
    )


@survey_app.command("generate")
def survey_generate(
    municipalities: Annotated[
        str, typer.Option("--municipalities", "-m", help="Ids or names, comma-separated, or 'all'.")
    ],
    years: Annotated[str, typer.Option("--years", "-y", help="e.g. 2016-2020 or 2016,2018,2020.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The file to write: .csv or .xlsx.")],
    survey: SurveyOpt = DEFAULT_SURVEY,
    respondents: Annotated[
        int, typer.Option(help="About this many per municipality and year (±20 %).")
    ] = 300,
    weighted: Annotated[bool, typer.Option("--weighted", help="Give respondents weights.")] = False,
    seed: Annotated[int, typer.Option(help="The random seed: the same seed gives the same file.")] = 2026,
) -> None:
    """Write a SYNTHETIC survey (invented answers, labelled so in every row) for tests and demos."""
    from jamfor.reports.options import parse_years
    from jamfor.sources.survey_definitions import survey_definition
    from jamfor.sources.synthetic_survey import (
        SyntheticSettings,
        generate_survey,
        synthetic_source,
        write_survey_file,
    )

    definition = survey_definition(survey)
    chosen_years = parse_years(years) or []
    if not 1 <= respondents <= 100_000:
        raise JamforError("--respondents: give a number from 1 to 100000")
    if not output.name.lower().endswith((".csv", ".xlsx")):
        raise JamforError(f"--output {output}: use a .csv or .xlsx file name")
    with _store() as store:
        if municipalities.strip().lower() == "all":
            ids = [a.id for a in store.municipalities() if a.type == "K"]
        else:
            ids = []
            for name in (n.strip() for n in municipalities.split(",") if n.strip()):
                area = store.resolve_area(name)
                if area.type != "K":
                    raise JamforError(f"{area.title} ({area.id}) is not a municipality")
                ids.append(area.id)
    if not ids:
        raise JamforError("--municipalities: give at least one municipality")
    rows = generate_survey(
        definition,
        ids,
        chosen_years,
        SyntheticSettings(respondents=respondents, weighted=weighted, seed=seed),
    )
    source = synthetic_source(definition)
    write_survey_file(output, definition, rows, source=source)
    _print(
        f"Wrote {output}: {len(rows)} synthetic respondents, {len(ids)} municipalities × {len(chosen_years)} years. Source: {source}."
    )


@survey_app.command("compute")
def survey_compute(
    survey: Annotated[
        str | None,
        typer.Option("--survey", "-s", help="One survey (default: every bundled survey with answers)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Compute indices (or shares) with their 95 % intervals and store them as own KPIs, with history."""
    from jamfor.cli import _print_json
    from jamfor.sources.survey_definitions import bundled_surveys, survey_definition
    from jamfor.sources.survey_results import compute_and_store

    definitions = [survey_definition(survey)] if survey else list(bundled_surveys().values())
    summaries = []
    with _store() as store:
        for definition in definitions:
            summaries.append(compute_and_store(store, definition))
    if as_json:
        _print_json(
            [
                {
                    "survey": s.survey,
                    "municipality_years": s.municipality_years,
                    "values": s.values,
                    "new": s.new,
                    "changed": s.changed,
                    "sources": s.sources,
                }
                for s in summaries
            ]
        )
        return
    for s in summaries:
        if not s.municipality_years:
            _print(f"{s.survey}: no answers stored")
            continue
        _print(
            f"{s.survey}: {s.municipality_years} municipality-years, {s.values} values — {s.new} new, "
            f"{s.changed} changed. Source: {'; '.join(s.sources)}"
        )


@survey_app.command("report")
def survey_report_cmd(
    municipality: Annotated[str, typer.Argument(help="Municipality id or name, e.g. 1384 or Kungsbacka.")],
    survey: Annotated[str | None, typer.Option("--survey", "-s", help="One survey (default: all).")] = None,
    years: Annotated[str | None, typer.Option("--years", help="e.g. 2016-2020 (default: all).")] = None,
    fmt: Annotated[
        str | None,
        typer.Option("--format", "-f", help="table, json, csv or xlsx (default: table, or from -o)."),
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file.")] = None,
    lang: Annotated[str, typer.Option("--lang", help="sv or en.")] = "sv",
) -> None:
    """A municipality's survey results: indices with 95 % intervals, bands and significant changes."""
    from jamfor.cli import err
    from jamfor.render.survey import SURVEY_FORMATS, render_survey
    from jamfor.render.text import Lang
    from jamfor.reports.options import check_choice, parse_years
    from jamfor.reports.survey import survey_report

    chosen = fmt or (output.suffix.lstrip(".").lower() if output is not None and output.suffix else "table")
    check_choice("--format", chosen, SURVEY_FORMATS)
    language: Lang = "en" if check_choice("--lang", lang, ("sv", "en")) == "en" else "sv"
    with _store() as store:
        report = survey_report(store, municipality, survey=survey, years=parse_years(years))
    content = render_survey(report, chosen, language)
    if output is not None:
        output.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        err.print(f"Wrote {output} ({chosen})")
    elif isinstance(content, bytes):
        if sys.stdout.isatty():
            raise JamforError(f"{chosen} is a binary format: give a file with -o, e.g. -o survey.{chosen}")
        sys.stdout.buffer.write(content)
    else:
        sys.stdout.write(content)
