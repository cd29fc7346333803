"""`jamfor compass …`: Kommunkompassen evaluations — create, import, export, list, history.

`new` stores an empty evaluation and writes a file to fill in; `import` stores a filled-in
YAML or XLSX file (a new version if it changed, the old one kept as history); `export` writes
an evaluation as YAML or XLSX; `import` of an export gives back the same evaluation.
The report command lives in cli_compass_report.py and adds itself to `compass_app`.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from jamfor.errors import JamforError, ValidationError

if TYPE_CHECKING:
    from jamfor.compass.model import CompassEvaluation
    from jamfor.compute.compass import CompassScore
    from jamfor.store import Store

compass_app = typer.Typer(
    help="Kommunkompassen: evaluations of how a municipality is led (create, import, export, list, report).",
    no_args_is_help=True,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
EvaluationArg = Annotated[
    str,
    typer.Argument(help="An evaluation id (huddinge-2017), or a municipality's name or id for its latest."),
]


def _swedish(number: float, decimals: int = 0) -> str:
    """A figure as shown: rounded half away from zero, with a decimal comma."""
    from jamfor.compute.compass import round_half_away

    value = round_half_away(number, decimals)
    return f"{value:.{decimals}f}".replace(".", ",").replace("-", "−")


def _score(ev: CompassEvaluation) -> CompassScore | None:
    from jamfor.compass import framework
    from jamfor.compute.compass import score

    try:
        return score(framework(ev.framework), ev)
    except ValidationError:
        return None


def _progress_note(ev: CompassEvaluation) -> str:
    from jamfor.compass import framework

    fw = framework(ev.framework)
    if fw.level == "question":
        return f"ofullständig ({len(ev.question_points)} av {len(fw.question_ids())} frågor)"
    return f"ofullständig ({len(ev.area_points)} av {len(fw.areas)} områden)"


def _summary_row(store: Store, ev: CompassEvaluation) -> dict[str, Any]:
    from jamfor.compass import framework

    sc = _score(ev)
    fw = framework(ev.framework)
    return {
        "id": ev.id,
        "municipality": ev.municipality,
        "municipality_name": store.area(ev.municipality).title,
        "year": ev.year,
        "framework": ev.framework,
        "level": fw.level,
        "total": sc.total if sc else None,
        "max": fw.max,
        "areas": [a.points for a in sc.areas] if sc else None,
        "complete": sc is not None,
    }


def _slug(text: str) -> str:
    table = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "ü": "u"})
    return re.sub(r"[^a-z0-9]+", "-", text.strip().lower().translate(table)).strip("-")


@compass_app.command("frameworks")
def frameworks_cmd(as_json: JsonOpt = False) -> None:
    """The versions of the form: areas, scoring level, maximum points."""
    from jamfor.cli import _print_json, out
    from jamfor.compass import frameworks

    found = frameworks()
    if as_json:
        _print_json(
            [
                {
                    "id": f.id,
                    "name": f.name,
                    "level": f.level,
                    "max": f.max,
                    "comparable_with": list(f.comparable_with),
                    "areas": [
                        {
                            "number": a.number,
                            "name": a.name,
                            "role": a.role,
                            "max": a.max,
                            "questions": len(a.questions),
                        }
                        for a in f.areas
                    ],
                }
                for f in found
            ]
        )
        return
    for f in found:
        table = Table("område", "namn", "roll", "max", "frågor", title=f"{f.id}: {f.name} ({f.level}-level)")
        for a in f.areas:
            table.add_row(
                str(a.number),
                a.name,
                a.role or "",
                _swedish(a.max),
                str(len(a.questions)) if a.questions else "–",
            )
        out.print(table)


@compass_app.command("new")
def new_cmd(
    municipality: Annotated[
        str, typer.Option("--municipality", "-m", help="Name or id, e.g. Huddinge or 0126.")
    ],
    year: Annotated[int, typer.Option("--year", "-y", help="The year of the evaluation.")],
    framework_id: Annotated[
        str, typer.Option("--framework", help="Framework version: 2010, 2016 or 2020.")
    ] = "2016",
    evaluation_id: Annotated[
        str | None, typer.Option("--id", help="Evaluation id (default: <municipality>-<year>).")
    ] = None,
    when: Annotated[str | None, typer.Option("--date", help="Date of the evaluation, YYYY-MM-DD.")] = None,
    evaluators: Annotated[
        list[str] | None, typer.Option("--evaluator", "-e", help="An evaluator (repeat for several).")
    ] = None,
    method: Annotated[str | None, typer.Option(help="Method note: documents read, interviews …")] = None,
    interviews: Annotated[int | None, typer.Option(help="Number of people interviewed.")] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the evaluation to fill in here (.yaml or .xlsx)."),
    ] = None,
) -> None:
    """Create an evaluation: stores it without scores and writes a file to fill in and import."""
    from jamfor.cli import _open, out
    from jamfor.compass import framework
    from jamfor.compass.files import write_evaluation
    from jamfor.compass.model import CompassEvaluation
    from jamfor.store import compass as compass_store

    fw = framework(framework_id)
    try:
        on = date.fromisoformat(when) if when else None
    except ValueError:
        raise JamforError(f"--date {when!r}: write a date as YYYY-MM-DD") from None
    if output is not None and output.suffix.lower() not in (".yaml", ".yml", ".xlsx"):
        raise JamforError(f"--output {output}: give a .yaml or .xlsx file name")
    with _open() as store:
        area = store.resolve_area(municipality)
        if not area.is_municipality:
            raise JamforError(f"{area.title} ({area.id}) is not a municipality")
        ev_id = evaluation_id or f"{_slug(area.title)}-{year}"
        if _exists(store, ev_id):
            raise JamforError(
                f"an evaluation {ev_id!r} is already stored; export it with 'jamfor compass export {ev_id} -o FILE' "
                "or choose another --id"
            )
        ev = CompassEvaluation(
            id=ev_id,
            municipality=area.id,
            year=year,
            date=on,
            framework=fw.id,
            evaluators=tuple(evaluators or ()),
            method=method,
            interviews=interviews,
            question_points={},
            area_points={},
            strengths={},
            improvements={},
            summary=None,
            source=None,
        )
        compass_store.save_evaluation(store, ev, source="jamfor compass new")
    if output is not None:
        write_evaluation(ev, output, fw, municipality_name=area.title)
    out.print(f"Created {ev_id}: {area.title} {year}, {fw.name}, no scores yet.")
    if output is not None:
        out.print(f"Fill in {output} and store it with: jamfor compass import {output}")
    else:
        out.print(f"Write a file to fill in with: jamfor compass export {ev_id} -o {ev_id}.yaml")


def _exists(store: Store, ev_id: str) -> bool:
    from jamfor.errors import NotFoundError
    from jamfor.store import compass as compass_store

    try:
        compass_store.evaluation(store, ev_id)
    except NotFoundError:
        return False
    return True


@compass_app.command("import")
def import_cmd(
    files: Annotated[list[Path], typer.Argument(help="Evaluation files (.yaml or .xlsx).")],
    as_json: JsonOpt = False,
) -> None:
    """Store evaluations from files. Each file is checked whole; a bad file writes nothing."""
    from jamfor.cli import _open, _print_json, err, out
    from jamfor.compass.imports import import_evaluation

    done: list[dict[str, Any]] = []
    failures: list[str] = []
    with _open() as store:
        for path in files:
            try:
                ev, changed = import_evaluation(store, path)
            except ValidationError as exc:
                failures.append(str(exc))
                continue
            done.append({"file": str(path), "id": ev.id, "changed": changed})
    if as_json:
        _print_json({"imported": done, "errors": failures})
    else:
        for d in done:
            out.print(f"{d['file']}: {d['id']} {'stored' if d['changed'] else 'unchanged'}")
    if failures:
        for failure in failures:
            err.print(f"[red]rejected, nothing written:[/red]\n{failure}", highlight=False)
        raise typer.Exit(2)


@compass_app.command("export")
def export_cmd(
    evaluation: EvaluationArg,
    output: Annotated[Path, typer.Option("--output", "-o", help="The file to write: .yaml or .xlsx.")],
) -> None:
    """Write an evaluation as YAML or XLSX (by the file's suffix); importing it gives it back unchanged."""
    from jamfor.cli import _open, out
    from jamfor.compass.imports import export_evaluation

    if output.suffix.lower() not in (".yaml", ".yml", ".xlsx"):
        raise JamforError(f"--output {output}: give a .yaml or .xlsx file name")
    with _open() as store:
        ev = export_evaluation(store, evaluation, output)
    out.print(f"Wrote {ev.id} to {output}")


@compass_app.command("list")
def list_cmd(
    framework_id: Annotated[str | None, typer.Option("--framework", help="Only this version.")] = None,
    municipality: Annotated[
        str | None, typer.Option("--municipality", "-m", help="Only this municipality.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """The stored evaluations with their totals (rounded when shown; unrounded in JSON)."""
    from jamfor.cli import _open, _print_json, out
    from jamfor.store import compass as compass_store

    with _open() as store:
        area_id = store.resolve_area(municipality).id if municipality else None
        found = compass_store.evaluations(store, framework=framework_id, municipality=area_id)
        rows = [(_summary_row(store, ev), ev) for ev in found]
    if as_json:
        _print_json([r for r, _ in rows])
        return
    if not rows:
        out.print("No Kommunkompassen evaluation is stored.")
        return
    table = Table("id", "kommun", "år", "version", "totalt", "max", "profil")
    for row, ev in rows:
        total = _swedish(row["total"]) if row["total"] is not None else _progress_note(ev)
        profile = (
            " ".join(_swedish(p) for p in row["areas"])
            if row["areas"]
            else ("endast total" if row["complete"] else "")
        )
        table.add_row(
            row["id"],
            row["municipality_name"],
            str(row["year"]),
            row["framework"],
            total,
            _swedish(row["max"]),
            profile,
        )
    out.print(table)


@compass_app.command("history")
def history_cmd(evaluation: EvaluationArg, as_json: JsonOpt = False) -> None:
    """Every stored version of an evaluation: when, from where, and its total then."""
    from jamfor.cli import _open, _print_json, out
    from jamfor.compass.imports import find_evaluation
    from jamfor.store import compass as compass_store

    with _open() as store:
        ev = find_evaluation(store, evaluation)
        versions = compass_store.evaluation_versions(store, ev.id)
        history = compass_store.evaluation_history(store, ev.id)
    rows = []
    for meta, (_, version) in zip(versions, history, strict=True):
        sc = _score(version)
        rows.append({**meta, "total": sc.total if sc else None, "questions": len(version.question_points)})
    if as_json:
        _print_json({"id": ev.id, "versions": rows})
        return
    table = Table("version", "sparad", "från", "totalt", title=f"{ev.id}: versions")
    for r in rows:
        total = _swedish(r["total"]) if r["total"] is not None else "ofullständig"
        table.add_row(str(r["version"]), str(r["saved_at"])[:19], r["origin"], total)
    out.print(table)
