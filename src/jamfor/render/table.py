"""Reports as terminal tables (Rich): a table per perspective with arrows, Swedish figures and colour words.

`render_table` returns the text (plain, or with ANSI styles for a terminal); `renderables` gives
the Rich objects for a caller that prints to its own console.
"""

from __future__ import annotations

import io
import shutil
import textwrap

from rich import box
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from jamfor.render import palette
from jamfor.render.text import Lang, label
from jamfor.render.view import Cell, Column, Section, View, view_of
from jamfor.reports.model import KpiReport, MunicipalityReport, NetworkReport

DEFAULT_WIDTH = 140  # when there is no terminal to measure (a file, a pipe, the web)
_ROW_HEADER_WIDTH = 20  # a measure's title wraps, but not into a sliver
_BAR_WIDTH = 40


def _cell_text(cell: Cell) -> Text:
    out = Text()
    if cell.arrow:
        out.append(cell.arrow + " ", style="bold")
    style = ""
    main = cell.text
    if cell.missing:
        style = "italic bright_black"
        # "uppgift saknas" on two lines keeps numeric columns narrow; the words stay whole.
        main = main.replace(" ", "\n", 1) if cell.numeric else main
    if cell.swatch and cell.colour != "none":
        out.append("■ ", style=palette.TERMINAL[cell.colour])
        style = palette.TERMINAL[cell.colour]
    out.append(main, style=style)
    for line in cell.lines:
        out.append("\n" + line, style="bright_black")
    return out


def _content_width(section: Section, index: int) -> int:
    """How wide a numeric column's figures and small lines are (missing values take two lines)."""
    widths = [4]
    for row in section.rows:
        cell = row[index]
        main = (
            cell.text.split() if cell.missing else [f"{cell.arrow} {cell.text}" if cell.arrow else cell.text]
        )
        widths += [len(part) for part in [*main, *cell.lines]]
    return max(widths)


def _fixed(column: Column) -> bool:
    """Columns that never wrap: figures (a thin space inside one is no place to break) and trends."""
    return column.numeric or column.key == "trend"


def _needed(section: Section, index: int) -> int:
    """The narrowest a column can be printed, padding included."""
    column = section.columns[index]
    if index == section.row_header:
        return _ROW_HEADER_WIDTH + 2
    words = column.heading.split()
    if _fixed(column):
        return max([_content_width(section, index), *(len(w) for w in words)]) + 2
    words += [w for row in section.rows for w in row[index].text.split()]
    return max((len(w) for w in words), default=4) + 2


def _table(section: Section, indexes: list[int], caption: str) -> Table:
    """Numeric columns never wrap (a thin space inside a figure is not a place to break a line);
    their headings are wrapped by hand to the width of the figures. Text columns wrap freely.
    """
    table = Table(
        title=caption,
        title_justify="left",
        title_style="bold",
        box=box.SIMPLE_HEAD,
        padding=(0, 1),
        collapse_padding=True,
        pad_edge=False,
    )
    for i in indexes:
        column = section.columns[i]
        if _fixed(column):
            lines = textwrap.wrap(column.heading, _content_width(section, i), break_long_words=False)
            heading = "\n".join(lines) or column.heading
            table.add_column(heading, justify="right" if column.numeric else "left", no_wrap=True)
        else:
            table.add_column(
                column.heading,
                style="bold" if i == section.row_header and section.row_header else None,
                min_width=_ROW_HEADER_WIDTH if i == section.row_header else None,
            )
    for row in section.rows:
        table.add_row(*(_cell_text(row[i]) for i in indexes))
    return table


def section_tables(section: Section, width: int = DEFAULT_WIDTH, lang: Lang = "sv") -> list[Table]:
    """Rich tables for one section of a view, without the comment column (see `_comments`).

    One table when it fits in `width`; otherwise the columns are split over several tables that
    each repeat the row header (a network's seven members and its references do not fit side by
    side in a terminal).
    """
    head = section.row_header
    rest = [i for i, c in enumerate(section.columns) if c.key != "comment" and i != head]
    budget = width - _needed(section, head) - 1
    chunks: list[list[int]] = [[]]
    used = 0
    for i in rest:
        cost = _needed(section, i)
        if chunks[-1] and used + cost > budget:
            chunks.append([])
            used = 0
        chunks[-1].append(i)
        used += cost
    tables = []
    for n, chunk in enumerate(chunks):
        caption = section.caption if n == 0 else f"{section.caption} ({label('continued', lang)})"
        tables.append(_table(section, sorted([head, *chunk]), caption))
    return tables


def _comments(section: Section) -> Text | None:
    """Comments below the table: long prose wraps badly in a narrow terminal column."""
    keys = [c.key for c in section.columns]
    if "comment" not in keys:
        return None
    index = keys.index("comment")
    out = Text()
    for row in section.rows:
        comment = row[index].text
        if comment:
            out.append(("\n" if out else "") + "• ")
            out.append(row[section.row_header].text, style="bold")
            out.append(": " + comment)
    return out or None


def _histogram(view: View) -> Table:
    table = Table(title=view.histogram_caption, title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column(label("interval", view.lang))
    table.add_column(label("count", view.lang), justify="right")
    table.add_column("")
    most = max((b.count for b in view.bars), default=0) or 1
    for bar in view.bars:
        table.add_row(bar.interval, str(bar.count), "█" * round(_BAR_WIDTH * bar.count / most))
    return table


def renderables(view: View, width: int = DEFAULT_WIDTH) -> list[RenderableType]:
    """The view as Rich objects: heading, facts, tables, legend and sources."""
    out: list[RenderableType] = [Text(view.title, style="bold underline")]
    if view.description:
        out.append(Text(view.description, style="italic"))
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold")
    facts.add_column()
    for name, value in view.facts:
        facts.add_row(name, value)
    out += [facts, Text("")]
    for section in view.sections:
        if section.key == "bins" and view.bars:
            out.append(_histogram(view))
        else:
            out += section_tables(section, width, view.lang)
            comments = _comments(section)
            if comments is not None:
                out += [comments, Text("")]
    if view.missing_list:
        out += [Text(view.missing_list), Text("")]
    legend = Text(label("colour_legend", view.lang) + ": ", style="bold")
    for i, (colour, words) in enumerate(view.colours):
        legend.append(("; " if i else "") + "■ ", style=palette.TERMINAL[colour])
        legend.append(words)
    out.append(legend)
    out += [Text(note, style="bright_black") for note in view.notes]
    out.append(Text(""))
    out += [Text(line) for line in view.sources]
    out.append(Text(f"{label('generated', view.lang)} {view.generated}", style="bright_black"))
    return out


def render_table(
    report: MunicipalityReport | NetworkReport | KpiReport,
    *,
    lang: Lang = "sv",
    width: int | None = None,
    styles: bool = False,
) -> str:
    """The report as terminal text `width` characters wide; with `styles`, ANSI colour codes too.

    Without `width`, the terminal's width (at least 100 characters), or 140 when there is none.
    """
    if width is None:
        width = max(100, shutil.get_terminal_size((DEFAULT_WIDTH, 40)).columns)
    console = Console(
        record=True,
        width=width,
        file=io.StringIO(),
        force_terminal=styles,
        color_system="truecolor" if styles else None,
        legacy_windows=False,
    )
    # The terminal splits tables by its width instead of by a number of members.
    view = view_of(report, lang, max_members=None)
    console.print(Group(*renderables(view, width)))
    text = console.export_text(styles=styles)
    if styles:
        return text
    # Rich pads every line to the full width; a file or a diff is better without the trailing blanks.
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"
