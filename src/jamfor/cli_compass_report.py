"""`jamfor compass report`: the Kommunkompassen report of an evaluation, in any format.

Adds the `report` command to the `jamfor compass` app (`cli_compass.compass_app`); `cli.py`
imports this module after registering that app.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from jamfor.cli_compass import compass_app
from jamfor.errors import JamforError

_SUFFIXES = {
    ".txt": "table",
    ".json": "json",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".xlsx": "xlsx",
}

EvaluationArg = Annotated[
    str,
    typer.Argument(
        help="An evaluation id (huddinge-2017), or a municipality's name or id for its latest evaluation."
    ),
]
ReferenceOpt = Annotated[
    str | None,
    typer.Option(
        "--reference",
        "-r",
        help=(
            "The reference set for the profile: by default every evaluation of the same version; "
            "'version:<id>' for another comparable version; or evaluations or municipalities, comma-separated."
        ),
    ),
]
FormatOpt = Annotated[
    str | None,
    typer.Option("--format", "-f", help="table, json, html, pdf or xlsx (default: from -o, else table)."),
]
OutputOpt = Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file.")]
LangOpt = Annotated[str, typer.Option("--lang", help="sv or en.")]


def _format(fmt: str | None, output: Path | None) -> str:
    from jamfor.render.compass import COMPASS_FORMATS

    if fmt is not None:
        chosen = fmt.strip().lower()
    elif output is not None:
        suffix = output.suffix.lower()
        if suffix not in _SUFFIXES:
            raise JamforError(
                f"cannot tell the format from {output.name!r}: give --format or a file ending in "
                + ", ".join(sorted(_SUFFIXES))
            )
        chosen = _SUFFIXES[suffix]
    else:
        chosen = "table"
    if chosen not in COMPASS_FORMATS:
        raise JamforError(f"unknown --format {chosen!r}: use one of {', '.join(COMPASS_FORMATS)}")
    return chosen


@compass_app.command("report")
def compass_report_cmd(
    evaluation: EvaluationArg,
    reference: ReferenceOpt = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    lang: LangOpt = "sv",
) -> None:
    """The report of an evaluation: summary, profile against the reference mean, areas, appendix."""
    from jamfor.cli import _open, err
    from jamfor.render.compass import render_compass
    from jamfor.render.text import check_lang
    from jamfor.reports.compass import compass_report

    chosen = _format(fmt, output)
    try:
        language = check_lang(lang)
    except ValueError as exc:
        raise JamforError(f"--lang: {exc}") from exc
    with _open() as store:
        report = compass_report(store, evaluation, reference=reference)
    content = render_compass(report, chosen, lang=language)
    if output is not None:
        output.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        err.print(f"Wrote {output} ({chosen})")
    elif isinstance(content, bytes):
        if sys.stdout.isatty():
            raise JamforError(f"{chosen} is a binary format: give a file with -o, e.g. -o report.{chosen}")
        sys.stdout.buffer.write(content)
    else:
        sys.stdout.write(content if content.endswith("\n") else content + "\n")
