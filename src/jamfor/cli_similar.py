"""`jamfor similar`: the municipalities most like one, by a structural profile; and how they compare with RKA's."""

from __future__ import annotations

import csv
import io
import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Column, Table
from typer.core import TyperGroup

from jamfor.compute.similar import DEFAULT_N
from jamfor.errors import JamforError
from jamfor.render import text
from jamfor.render.text import Lang, check_lang
from jamfor.reports.similar import (
    SOURCE_NOTE,
    RkaComparison,
    SimilarReport,
    bundled_profiles,
    compare_with_rka,
    find_profile,
    save_similar_group,
    similar_report,
)


class _DefaultCommand(TyperGroup):
    """`jamfor similar Ale` means `jamfor similar show Ale`: the list is what people ask for."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # typer's own click Context
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["show", *args]
        return super().parse_args(ctx, args)


similar_app = typer.Typer(
    cls=_DefaultCommand,
    help="Similar municipalities (liknande kommuner): `jamfor similar Ale`, `jamfor similar compare-rka`.",
    no_args_is_help=True,
)

out = Console(soft_wrap=True)

ProfileOpt = Annotated[
    str | None,
    typer.Option(
        "--profile",
        "-p",
        help="A bundled profile (overgripande, aldreomsorg, grundskola, lss) or a YAML file.",
    ),
]
YearOpt = Annotated[
    int | None,
    typer.Option("--year", "-y", help="Use each measure's latest year up to this one (default: the latest)."),
]
CountOpt = Annotated[
    int, typer.Option("-n", "--count", min=1, max=289, help="How many similar municipalities.")
]
LangOpt = Annotated[str, typer.Option("--lang", help="sv (default) or en.")]


def _open() -> Any:
    from jamfor.cli import _open as open_store  # the --database option lives on the main app

    return open_store()


def _num(value: float | None, decimals: int, lang: Lang) -> str:
    return text.number(value, decimals, lang)


def report_table(report: SimilarReport, lang: Lang) -> list[Table]:
    """The measures used and the list, as Rich tables."""
    sv = lang == "sv"
    measures = Table(
        "#",
        "mått" if sv else "measure",
        "år" if sv else "year",
        "vikt" if sv else "weight",
        report.focus.title,
        title=("Mått i profilen " if sv else "Measures of profile ") + report.profile.id,
    )
    for i, m in enumerate(report.measures, 1):
        value = _num(m.focus_value, 2, lang) if m.used else text.label("missing", lang)
        measures.add_row(str(i), m.label, str(m.year or "–"), _num(m.weight, 1, lang), value)
    found = Table(
        "#",
        "kommun" if sv else "municipality",
        Column("avstånd" if sv else "distance", justify="right"),
        Column("jämförd vikt" if sv else "weight compared", justify="right"),
        title=report.group_title,
    )
    for row in report.rows:
        found.add_row(
            str(row.rank),
            f"{row.area.title} ({row.area.id})",
            _num(row.distance, 3, lang),
            _num(100 * row.coverage, 0, lang) + " %",
        )
    # Measures down, municipalities across: ten measures fit an 80-column terminal this way.
    parts = Table(
        "#",
        "mått" if sv else "measure",
        *(Column(str(r.rank), justify="right", no_wrap=True) for r in report.rows),
        title="Varje måtts bidrag till avståndet" if sv else "Each measure's contribution to the distance",
        caption=("kolumner: platserna i listan ovan" if sv else "columns: the places in the list above"),
    )
    for i, m in enumerate(report.measures):
        parts.add_row(
            str(i + 1),
            m.label,
            *("–" if r.contributions[i] is None else _num(r.contributions[i], 2, lang) for r in report.rows),
        )
    return [measures, found, parts]


def csv_text(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


@similar_app.command("show")
def similar_show(
    municipality: Annotated[str, typer.Argument(help="The focus municipality: id or name.")],
    profile: ProfileOpt = None,
    year: YearOpt = None,
    count: CountOpt = DEFAULT_N,
    save: Annotated[
        bool, typer.Option("--save", help="Save the list as a group usable in every report.")
    ] = False,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json or csv.")] = "table",
    lang: LangOpt = "sv",
) -> None:
    """The N municipalities most similar to MUNICIPALITY, with each measure's contribution to the distance."""
    if fmt not in ("table", "json", "csv"):
        raise JamforError(f"--format must be table, json or csv, not {fmt!r}")
    language = check_lang(lang)
    with _open() as store:
        report = similar_report(store, municipality, profile, year=year, n=count, lang=language)
        saved = save_similar_group(store, report) if save else None
    if fmt == "json":
        data = report.as_dict()
        if saved is not None:
            data["saved"] = {"id": saved[0].id, "changed": saved[1]}
        out.out(json.dumps(data, ensure_ascii=False, indent=2), highlight=False)
        return
    if fmt == "csv":
        out.out(csv_text(report.csv_rows()), end="", highlight=False)
        return
    for table in report_table(report, language):
        out.print(table)
    if report.skipped:
        names = ", ".join(a.title for a in report.skipped)
        out.print(
            ("Utelämnade (för få värden): " if language == "sv" else "Left out (too few values): ") + names,
            highlight=False,
        )
    if report.rka_group is not None:
        out.print(f"RKA: {report.rka_group.title} ({report.rka_group.id})", highlight=False)
    if saved is not None:
        group, changed = saved
        state = (
            ("sparad" if changed else "oförändrad")
            if language == "sv"
            else ("saved" if changed else "unchanged")
        )
        out.print(f"{group.id}: {state}", highlight=False)
        out.print(
            f"jamfor report municipality {report.focus.id} --reference group:{group.id}", highlight=False
        )
    out.print(SOURCE_NOTE[language], highlight=False)


def comparison_lines(result: RkaComparison, examples: int = 5) -> list[str]:
    """The comparison in plain lines (also used by docs/similar-municipalities.md)."""
    dist = result.distribution
    lines = [
        f"profile {result.profile.id} (data up to {result.year}) vs RKA 'Liknande kommuner {result.area}' "
        f"({result.rka_year}): {len(result.overlaps)} municipalities",
        f"mean overlap {result.mean:.2f} of {result.n} (two random lists: {result.chance:.2f}; "
        f"7 drawn from the focus's own SKR kommungrupp: {result.kommungrupp_baseline:.2f})",
        "distribution: " + ", ".join(f"{k}: {v}" for k, v in dist.items()),
    ]
    ranked = sorted(result.overlaps.items(), key=lambda item: (-item[1], result.names[item[0]]))
    picks = ranked[:examples] + ranked[len(ranked) // 2 : len(ranked) // 2 + 1] + ranked[-2:]
    for focus, count in picks:
        ours = ", ".join(result.names[a] for a in result.ours[focus])
        theirs = ", ".join(result.names.get(a, a) for a in result.theirs[focus])
        lines.append(f"{result.names[focus]}: {count} in common; jamfor: {ours}; RKA: {theirs}")
    return lines


@similar_app.command("compare-rka")
def similar_compare_rka(
    profile: Annotated[
        list[str] | None,
        typer.Option("--profile", "-p", help="Profiles to compare (repeat; default: every bundled one)."),
    ] = None,
    year: YearOpt = None,
    examples: Annotated[int, typer.Option("--examples", min=0, help="Named examples per profile.")] = 5,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON, with every municipality's lists.")
    ] = False,
) -> None:
    """For all 290 municipalities: how many of our 7 are among RKA's 7 for the area the profile mirrors."""
    names = profile or [p for p, loaded in bundled_profiles().items() if loaded.profile.rka_area]
    results = []
    with _open() as store:
        for name in names:
            results.append(compare_with_rka(store, find_profile(name), year=year))
    if as_json:
        out.out(json.dumps([r.as_dict() for r in results], ensure_ascii=False, indent=2), highlight=False)
        return
    for result in results:
        for line in comparison_lines(result, examples):
            out.print(line, highlight=False)
        out.print()


@similar_app.command("profiles")
def similar_profiles() -> None:
    """The bundled similarity profiles and their measures."""
    for pid, loaded in bundled_profiles().items():
        p = loaded.profile
        table = Table("kpi", "weight", "why", title=f"{pid}: {p.title_sv} (RKA: {p.rka_area or '–'})")
        for m in p.measures:
            table.add_row(m.key, f"{m.weight:g}", m.why)
        out.print(table)
