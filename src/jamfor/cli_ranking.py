"""`jamfor ranking …`: the data-driven quality ranking (DOMAIN.md §6), its breakdown and its list
of the most improving municipalities."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from jamfor.errors import JamforError

ranking_app = typer.Typer(
    help="Quality rankings from a definition file: places, intervals, breakdowns, development.",
    no_args_is_help=True,
)

DefinitionOpt = Annotated[
    str | None,
    typer.Option("--definition", "-r", help="A bundled ranking id (default kvalitet-kkik) or a YAML file."),
]
YearOpt = Annotated[
    int | None, typer.Option("--year", help="Data year (default: the latest with enough values).")
]
FormatOpt = Annotated[str | None, typer.Option("--format", "-f", help="table, json, csv or xlsx.")]
OutputOpt = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write to this file (format from its suffix).")
]
LangOpt = Annotated[str, typer.Option("--lang", help="sv or en (labels of table and xlsx).")]

_SUFFIXES = {".txt": "table", ".json": "json", ".csv": "csv", ".xlsx": "xlsx"}


def _format(fmt: str | None, output: Path | None) -> str:
    if fmt is not None:
        chosen = fmt.strip().lower()
    elif output is not None:
        suffix = output.suffix.lower()
        if suffix not in _SUFFIXES:
            raise JamforError(
                f"cannot tell the format of {output}: use a file ending in {', '.join(_SUFFIXES)}"
            )
        chosen = _SUFFIXES[suffix]
    else:
        chosen = "table"
    if chosen not in _SUFFIXES.values():
        raise JamforError(f"--format {fmt!r}: use one of table, json, csv, xlsx")
    return chosen


def _lang(lang: str) -> str:
    if lang not in ("sv", "en"):
        raise JamforError(f"--lang {lang!r}: use sv or en")
    return lang


def _write(content: str | bytes, output: Path | None) -> None:
    from jamfor.cli import err

    if output is not None:
        output.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        err.print(f"Wrote {output}")
    elif isinstance(content, bytes):
        if sys.stdout.isatty():
            raise JamforError("xlsx is a binary format: give a file with -o, e.g. -o ranking.xlsx")
        sys.stdout.buffer.write(content)
    else:
        sys.stdout.write(content)


@ranking_app.command("list")
def ranking_list() -> None:
    """The bundled ranking definitions."""
    from jamfor.rankings import bundled_definitions

    for definition in bundled_definitions().values():
        sys.stdout.write(
            f"{definition.id}\t{definition.method}\t{len(definition.measures)} mått\t{definition.title}\n"
        )


@ranking_app.command("run")
def ranking_run(
    definition: DefinitionOpt = None,
    year: YearOpt = None,
    top: Annotated[int | None, typer.Option("--top", help="Show only the first N rows (table).")] = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    lang: LangOpt = "sv",
) -> None:
    """All municipalities ranked: place, score, interval of places, coverage."""
    from jamfor.cli import _open
    from jamfor.rankings import find_definition
    from jamfor.render.ranking import ranking_csv, ranking_json, ranking_table, ranking_xlsx
    from jamfor.reports.ranking import ranking_report

    chosen, language = _format(fmt, output), _lang(lang)
    ranking = find_definition(definition)
    with _open() as store:
        report = ranking_report(store, ranking, year=year)
    if chosen == "json":
        _write(ranking_json(report) + "\n", output)
    elif chosen == "csv":
        _write(ranking_csv(report), output)
    elif chosen == "xlsx":
        _write(ranking_xlsx(report, language), output)  # type: ignore[arg-type]
    else:
        _write(ranking_table(report, language, top), output)  # type: ignore[arg-type]


@ranking_app.command("explain")
def ranking_explain(
    municipality: Annotated[str, typer.Argument(help="Municipality id or name.")],
    definition: DefinitionOpt = None,
    year: YearOpt = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    lang: LangOpt = "sv",
) -> None:
    """One municipality's place measure by measure; the contributions add up to its score."""
    from jamfor.cli import _open
    from jamfor.rankings import find_definition
    from jamfor.render.ranking import ranking_csv, ranking_json, ranking_table
    from jamfor.reports.ranking import explain, ranking_report

    chosen, language = _format(fmt, output), _lang(lang)
    if chosen == "xlsx":
        raise JamforError("the breakdown is available as table, json or csv; the whole ranking as xlsx")
    ranking = find_definition(definition)
    with _open() as store:
        area = store.resolve_area(municipality)
        explanation = explain(ranking_report(store, ranking, year=year), area.id)
    if chosen == "json":
        _write(ranking_json(explanation) + "\n", output)
    elif chosen == "csv":
        _write(ranking_csv(explanation), output)
    else:
        _write(ranking_table(explanation, language), output)  # type: ignore[arg-type]


@ranking_app.command("development")
def ranking_development(
    definition: DefinitionOpt = None,
    year: YearOpt = None,
    top: Annotated[int, typer.Option("--top", help="How many to list.")] = 10,
) -> None:
    """ "Bästa utvecklingskommun": the most consistent improvement over the definition's window."""
    from jamfor.cli import _open
    from jamfor.rankings import find_definition
    from jamfor.render.text import number
    from jamfor.reports.ranking import ranking_report

    ranking = find_definition(definition)
    with _open() as store:
        report = ranking_report(store, ranking, year=year)
    years = report.development_years
    sys.stdout.write(f"Bästa utvecklingskommun {years[0]}–{years[-1]} ({ranking.title})\n")
    for row in report.development[:top]:
        r = row.result
        share = number((r.consistency or 0) * 100, 1)
        sys.stdout.write(
            f"{r.place:>4} {row.municipality.name:20} {share:>6} % förbättringar "
            f"({r.improved} av {r.steps} steg, {r.worsened} försämringar)\n"
        )
