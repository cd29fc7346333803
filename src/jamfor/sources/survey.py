"""Import citizen-survey answers: one row per respondent from CSV or XLSX, checked whole first.

Columns: `municipality` (code or name), `year`, `respondent` (an id, unique per municipality and
year), optionally `weight` (a positive number for every respondent) and `source`, and one column
per question of the survey definition (its question id), answered 1–10 for the index family or
with an option code for the share family; a blank cell is an unanswered question. Any fault
rejects the whole file with file, line, column and reason, and nothing is stored.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

from jamfor.compute.survey import SurveyDefinition
from jamfor.errors import Problem, ValidationError
from jamfor.sources.checks import MAX_PROBLEMS, parse_number
from jamfor.sources.files import _delimiter, _encoding, _head, _open_bytes, sha256_of
from jamfor.sources.survey_definitions import bundled_surveys
from jamfor.store.repository import Store
from jamfor.store.surveys import ResponseImport, ResponseRow, store_responses

# Header names for the fixed columns; everything else must be a question id.
FIXED = {
    "municipality": "municipality",
    "municipality_id": "municipality",
    "kommun": "municipality",
    "kommunkod": "municipality",
    "area": "municipality",
    "year": "year",
    "period": "year",
    "ar": "year",
    "år": "year",
    "respondent": "respondent",
    "respondent_id": "respondent",
    "id": "respondent",
    "weight": "weight",
    "vikt": "weight",
    "source": "source",
    "kalla": "source",
    "källa": "source",
}
REQUIRED = ("municipality", "year", "respondent")
FIXED_COLUMNS = frozenset(FIXED.values())
_YEAR = re.compile(r"[0-9]{4}")
_WHOLE = re.compile(r"[+-]?[0-9]+")


@dataclass
class _Checker:
    file: str
    problems: list[Problem] = field(default_factory=list)
    more: int = 0

    def add(self, line: int | None, column: str | None, reason: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(self.file, line, column, reason))
        else:
            self.more += 1

    def fail(self) -> ValidationError:
        return ValidationError(self.problems, more=self.more)


@dataclass
class SurveyFile:
    """A checked survey file: its respondents and the source it names (if any)."""

    rows: list[ResponseRow]
    source: str | None


def _survey_with(columns: list[str], not_this: str) -> str | None:
    """The bundled survey whose questions the unknown `columns` are, for a hint."""
    if not columns:
        return None
    for candidate in bundled_surveys().values():
        if candidate.id != not_this and set(columns) <= {q.id for q in candidate.questions}:
            return candidate.id
    return None


def _fold(text: str) -> str:
    return text.strip().lstrip("\ufeff").strip('"').casefold()


def _csv_records(path: Path) -> Iterator[tuple[int, list[str]]]:
    head = _head(path)
    encoding = _encoding(head)
    with _open_bytes(path) as raw:
        text = io.TextIOWrapper(cast(IO[bytes], raw), encoding=encoding, newline="")
        first = head.decode(encoding, errors="replace").lstrip("\ufeff").splitlines()
        delimiter = _delimiter(first[0] if first else "")
        reader = csv.reader(text, delimiter=delimiter, strict=True)
        for record in reader:
            yield reader.line_num, record


def _xlsx_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _xlsx_records(path: Path) -> Iterator[tuple[int, list[str]]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise ValidationError(
            [Problem(path.name, None, None, f"is not a readable XLSX workbook: {exc}")]
        ) from None
    try:
        sheet = book.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [_xlsx_cell(v) for v in row]
    finally:
        book.close()


def read_survey_file(store: Store, path: Path, survey: SurveyDefinition) -> SurveyFile:
    """Read and check a whole survey file; ValidationError with every fault, or the rows."""
    name = path.name
    lowered = name.lower()
    if lowered.endswith(".xlsx"):
        records = _xlsx_records(path)
    elif lowered.endswith((".csv", ".csv.gz", ".txt", ".tsv")):
        if not _head(path).strip():
            raise ValidationError([Problem(name, None, None, "the file is empty")])
        records = _csv_records(path)
    else:
        raise ValidationError(
            [Problem(name, None, None, "unsupported file type; use .csv, .csv.gz or .xlsx")]
        )
    municipalities = {a.id: a for a in store.municipalities() if a.type == "K"}
    by_name = {a.title.casefold(): a.id for a in municipalities.values()}
    questions = {q.id for q in survey.questions}
    check = _Checker(name)
    rows: list[ResponseRow] = []
    seen: dict[tuple[str, int, str], int] = {}
    sources: dict[str, int] = {}
    try:
        header_line, header = next(records, (1, []))
        while header and not any(c.strip() for c in header):  # leading blank rows in a sheet
            header_line, header = next(records, (header_line + 1, []))
        if not header:
            raise ValidationError([Problem(name, None, None, "the file is empty")])
        while header and not header[-1].strip():  # empty cells right of the header in a sheet
            header = header[:-1]
        columns: list[str] = []
        unknown: list[str] = []
        for raw in header:
            key = _fold(raw)
            canonical = FIXED.get(key) or (key if key in questions else None)
            if canonical is None:
                unknown.append(key)
                check.add(
                    header_line,
                    raw,
                    f"unknown column; expected municipality, year, respondent, optionally weight and source, "
                    f"and question ids of {survey.id} (e.g. {', '.join(q.id for q in survey.questions[:3])})",
                )
                canonical = key
            elif canonical in columns:
                check.add(header_line, raw, f"column '{canonical}' appears twice")
            columns.append(canonical)
        other = _survey_with(unknown, survey.id)
        if other is not None:
            check.add(
                header_line,
                None,
                f"these are questions of the survey {other!r}: import with --survey {other}",
            )
        for needed in REQUIRED:
            if needed not in columns:
                check.add(header_line, None, f"wrong header: column '{needed}' is missing")
        asked: list[tuple[str, int, dict[str, int]]] = []  # (question, column, text → valid answer)
        scales: dict[str, str] = {}
        for position, column in enumerate(columns):
            if column not in questions:
                continue
            if survey.family == "index":
                codes = list(range(survey.scale_min, survey.scale_max + 1))
                scales[column] = f"a whole number from {survey.scale_min} to {survey.scale_max}"
            else:
                codes = [o.code for o in survey.question(column).options]
                scales[column] = f"one of the option codes {', '.join(map(str, codes))}"
            asked.append((column, position, {str(code): code for code in codes}))
        if not asked:
            check.add(header_line, None, f"no question columns: name them by the question ids of {survey.id}")
        if check.problems:
            raise check.fail()
        weighted = "weight" in columns
        for line, record in records:
            if not any(c.strip() for c in record):
                continue
            if len(record) < len(columns) and all(not c.strip() for c in record[len(columns) :]):
                record = record + [""] * (len(columns) - len(record))
            if len(record) > len(columns) and not any(c.strip() for c in record[len(columns) :]):
                record = record[: len(columns)]
            if len(record) != len(columns):
                check.add(line, None, f"has {len(record)} fields, the header has {len(columns)}")
                continue
            cells = {c: record[i].strip() for i, c in enumerate(columns) if c in FIXED_COLUMNS}
            before = len(check.problems) + check.more
            area = cells["municipality"]
            area_id = area if area in municipalities else by_name.get(area.casefold())
            if not area:
                check.add(line, "municipality", "the municipality is missing")
            elif area_id is None:
                hint = ""
                if re.fullmatch(r"\d{1,3}", area) and area.zfill(4) in municipalities:
                    hint = (
                        f" (did you mean {area.zfill(4)!r}? a spreadsheet may have dropped the leading zero)"
                    )
                check.add(line, "municipality", f"unknown municipality {area!r}{hint}")
            year = 0
            if not _YEAR.fullmatch(cells["year"]):
                check.add(line, "year", f"{cells['year']!r} is not a year (four digits)")
            else:
                year = int(cells["year"])
                if not 1950 <= year <= 2100:
                    check.add(line, "year", f"year {year} is outside 1950–2100")
            respondent = cells["respondent"]
            if not respondent:
                check.add(line, "respondent", "the respondent id is missing")
            weight: float | None = None
            if weighted:
                text = cells["weight"]
                number = parse_number(text) if text else None
                if not text:
                    check.add(
                        line,
                        "weight",
                        "the weight is missing (give every respondent one, or leave out the column)",
                    )
                elif number is None:
                    check.add(line, "weight", f"{text!r} is not a number")
                elif number <= 0:
                    check.add(line, "weight", f"{text!r}: a weight must be a positive number")
                else:
                    weight = number
            answers: dict[str, int] = {}
            for qid, position, valid in asked:
                text = record[position].strip()
                if text == "":
                    continue
                answer = valid.get(text)
                if answer is None:
                    answer = int(text) if _WHOLE.fullmatch(text) else None
                    if answer is None or answer not in valid.values():
                        shown = repr(text) if answer is None else str(answer)
                        check.add(
                            line, qid, f"{shown} is not an answer: use {scales[qid]}, or leave the cell blank"
                        )
                        continue
                answers[qid] = answer
            if cells.get("source"):
                sources.setdefault(cells["source"], line)
            if len(check.problems) + check.more > before or area_id is None:
                continue
            seen_key = (area_id, year, respondent)
            if seen_key in seen:
                check.add(
                    line,
                    "respondent",
                    f"duplicate respondent {respondent!r} in {area_id} {year}: already given on line {seen[seen_key]}",
                )
                continue
            seen[seen_key] = line
            rows.append(ResponseRow(area_id, year, respondent, weight, answers))
    except csv.Error as exc:
        check.add(None, None, f"is not valid CSV: {exc}")
    except UnicodeDecodeError as exc:
        check.add(None, None, f"is not valid text at byte {exc.start}")
    except (OSError, EOFError) as exc:
        check.add(None, None, f"cannot be read to the end: {exc}")
    if len(sources) > 1:
        listed = ", ".join(f"{s!r} (line {n})" for s, n in sources.items())
        check.add(None, "source", f"one file, one source: it names several: {listed}")
    if not check.problems and not rows:
        check.add(None, None, "has a header but no respondents")
    if check.problems:
        raise check.fail()
    return SurveyFile(rows, next(iter(sources), None))


def import_survey_file(
    store: Store, path: Path | str, survey: SurveyDefinition, *, source: str | None = None
) -> ResponseImport:
    """Check a survey file whole and store its respondents, or raise ValidationError and store nothing.

    The source is `source`, else the file's `source` column, else the survey's title.
    """
    path = Path(path)
    if not path.is_file():
        raise ValidationError([Problem(str(path), None, None, "no such file")])
    checked = read_survey_file(store, path, survey)
    if source and checked.source and source != checked.source:
        raise ValidationError(
            [
                Problem(
                    path.name, None, "source", f"the file says {checked.source!r}, --source says {source!r}"
                )
            ]
        )
    chosen = source or checked.source or survey.title
    if "kolada" in chosen.casefold():
        raise ValidationError(
            [
                Problem(
                    path.name, None, "source", f"{chosen!r}: survey answers are not Kolada's; name the survey"
                )
            ]
        )
    return store_responses(
        store, survey.id, checked.rows, source=chosen, file_name=path.name, sha256=sha256_of(path)
    )
