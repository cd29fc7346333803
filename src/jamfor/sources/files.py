"""Importers for files: Kolada long CSV (.csv, .csv.gz), the same layout in .xlsx, Kolada v3
JSON responses (data and KPI shapes; `isdeleted` values are recorded as deleted, see
`jamfor.sources.kolada_values`) and KPI catalogues (CSV or JSON).

Every file is checked whole before anything is written, and a file with any error is
rejected with messages naming file, line, column and reason.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import io
import json
import tempfile
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from jamfor.errors import Problem, ValidationError
from jamfor.model import ImportSummary, Kpi
from jamfor.sources.checks import MAX_PROBLEMS, RowChecker, map_header
from jamfor.sources.kolada_values import DELETED, deleted_key, tombstones
from jamfor.store import Store
from jamfor.store.ingest import CsvSource, StagingRejected


class Progress(Protocol):
    """Told what an import is doing: the file, the phase and, where known, the percentage done."""

    def __call__(self, file: str, phase: str, percent: float | None = None) -> None: ...


KOLADA = "Kolada"
_SNIFF_BYTES = 1 << 16


def _noop(file: str, phase: str, percent: float | None = None) -> None:
    return None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _is_gzip(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def _open_bytes(path: Path) -> io.BufferedIOBase:
    if _is_gzip(path):
        return gzip.open(path, "rb")
    return path.open("rb")


def _head(path: Path) -> bytes:
    name = path.name
    try:
        with _open_bytes(path) as fh:
            return fh.read(_SNIFF_BYTES)
    except (OSError, EOFError, zlib.error) as exc:
        raise ValidationError([Problem(name, None, None, f"is not a readable gzip file ({exc})")]) from exc


def _encoding(sample: bytes) -> str:
    """utf-8-sig for UTF-8 (with or without BOM), else cp1252 (Excel's Swedish default)."""
    cut = sample
    for _ in range(4):  # the sample may end inside a multi-byte character
        try:
            cut.decode("utf-8")
            return "utf-8-sig"
        except UnicodeDecodeError as exc:
            if exc.start < len(cut) - 3:
                return "cp1252"
            cut = cut[:-1]
    return "cp1252"


def _is_utf8(path: Path) -> bool:
    """Whether the whole file (not only its first 64 KiB) decodes as UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with _open_bytes(path) as fh:
            while chunk := fh.read(1 << 20):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    except (OSError, EOFError, zlib.error):
        return True  # unreadable, not mis-encoded: the explanation reports it
    return True


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def detect_kind(path: Path) -> str:
    """observations-csv, observations-xlsx, observations-json, catalogue-csv or catalogue-json."""
    name = path.name.lower()
    if name.endswith(".xlsx"):
        return "observations-xlsx"
    if name.endswith((".json", ".json.gz")):
        return "json"
    if name.endswith((".csv", ".csv.gz", ".txt", ".tsv")):
        head = _head(path)
        text = head.decode(_encoding(head), errors="replace").lstrip("\ufeff")
        first = text.splitlines()[0] if text.strip() else ""
        fields = [f.strip().strip('"').lower() for f in first.split(_delimiter(first))]
        if "id" in fields and "kpi" not in fields:
            return "catalogue-csv"
        return "observations-csv"
    raise ValidationError(
        [Problem(path.name, None, None, "unsupported file type; use .csv, .csv.gz, .xlsx or .json")]
    )


def import_file(
    store: Store, path: Path | str, *, source: str | None = None, progress: Progress = _noop
) -> ImportSummary:
    """Import one file as a whole, or raise ValidationError and write nothing."""
    path = Path(path)
    if not path.is_file():
        raise ValidationError([Problem(str(path), None, None, "no such file")])
    started = time.perf_counter()
    kind = detect_kind(path)
    if kind == "observations-csv":
        summary = _import_observations_csv(store, path, source or KOLADA, progress)
    elif kind == "observations-xlsx":
        summary = _import_observations_xlsx(store, path, source or KOLADA, progress)
    elif kind == "catalogue-csv":
        summary = _import_catalogue_rows(store, path, _catalogue_csv_rows(path), progress)
    else:
        summary = _import_json(store, path, source or KOLADA, progress)
    summary.seconds = time.perf_counter() - started
    return summary


def import_files(
    store: Store, paths: list[Path], *, source: str | None = None, progress: Progress = _noop
) -> list[ImportSummary]:
    return [import_file(store, p, source=source, progress=progress) for p in paths]


# -- observations: CSV ------------------------------------------------------------------------


def _csv_layout(path: Path) -> tuple[str, str, list[str]]:
    """(encoding, delimiter, canonical columns) of a CSV, or ValidationError for its header."""
    head = _head(path)
    name = path.name
    if not head.strip():
        raise ValidationError([Problem(name, None, None, "the file is empty")])
    encoding = _encoding(head)
    text = head.decode(encoding, errors="replace")
    first = text.splitlines()[0]
    delimiter = _delimiter(first)
    names = next(csv.reader([first], delimiter=delimiter))
    columns, problems = map_header(name, names)
    if problems:
        raise ValidationError(problems)
    return encoding, delimiter, columns


def _text_lines(path: Path, encoding: str) -> Iterator[str]:
    with _open_bytes(path) as raw:
        reader = codecs.getreader(encoding)(raw, "strict")
        yield from reader


def explain_csv(store: Store, path: Path, encoding: str, delimiter: str, columns: list[str]) -> list[Problem]:
    """Read a CSV in Python and describe every fault with its line and column."""
    name = path.name
    checker = RowChecker(name, store.kpi_ids(), store.area_ids())
    try:
        reader = csv.reader(_text_lines(path, encoding), delimiter=delimiter, strict=True)
        next(reader, None)
        for record in reader:
            line = reader.line_num
            if not record:
                continue
            if len(record) != len(columns):
                checker.add(line, None, f"has {len(record)} fields, the header has {len(columns)}")
                continue
            row = dict(zip(columns, record, strict=True))
            checker.check(
                line,
                row.get("kpi"),
                row.get("area"),
                row.get("period"),
                row.get("gender"),
                row.get("value"),
                row.get("status"),
                row.get("count"),
            )
        if checker.rows == 0:
            checker.add(None, None, "has a header but no data rows")
    except csv.Error as exc:
        checker.add(reader.line_num, None, f"is not valid CSV: {exc}")
    except UnicodeDecodeError as exc:
        checker.add(None, None, f"is not valid {encoding} text at byte {exc.start}")
    except (OSError, EOFError, zlib.error) as exc:
        checker.add(None, None, f"cannot be read to the end: {exc}")
    return checker.problems + (
        [Problem(name, None, None, f"… and {checker.more} more problems")] if checker.more else []
    )


def _import_observations_csv(store: Store, path: Path, source: str, progress: Progress) -> ImportSummary:
    name = path.name
    progress(name, "reading")
    encoding, delimiter, columns = _csv_layout(path)
    sha = sha256_of(path)
    progress(name, "checking and writing")
    try:
        summary = _load_csv(store, path, encoding, delimiter, columns, sha, source, progress)
    except StagingRejected as exc:
        rejected = exc
        if encoding == "utf-8-sig" and not _is_utf8(path):
            # The first 64 KiB looked like UTF-8 but later bytes are cp1252: read it as cp1252.
            encoding = "cp1252"
            try:
                summary = _load_csv(store, path, encoding, delimiter, columns, sha, source, progress)
            except StagingRejected as again:
                rejected = again
            else:
                progress(name, "done")
                return summary
        progress(name, "explaining errors")
        problems = explain_csv(store, path, encoding, delimiter, columns)
        if not problems:
            problems = [Problem(name, None, None, f"was rejected: {rejected.detail}")]
        raise ValidationError(problems) from None
    progress(name, "done")
    return summary


def _load_csv(
    store: Store,
    path: Path,
    encoding: str,
    delimiter: str,
    columns: list[str],
    sha: str,
    source: str,
    progress: Progress = _noop,
) -> ImportSummary:
    with tempfile.TemporaryDirectory(prefix="jamfor-") as tmp:
        readable = path
        if encoding != "utf-8-sig":
            # DuckDB reads UTF-8 only: re-encode the (rare) cp1252 file first.
            readable = Path(tmp) / "utf8.csv"
            try:
                with readable.open("w", encoding="utf-8", newline="") as out:
                    for line in _text_lines(path, encoding):
                        out.write(line)
            except (UnicodeDecodeError, OSError, EOFError, zlib.error) as exc:
                raise ValidationError(
                    [Problem(path.name, None, None, f"cannot be read as text: {exc}")]
                ) from exc
        return store.import_csv(
            CsvSource(readable, delimiter, tuple(columns)),
            file_name=path.name,
            sha256=sha,
            source=source,
            kind="observations-csv",
            on_progress=lambda percent: progress(path.name, "checking and writing", percent),
        )


# -- observations: rows from XLSX or JSON -------------------------------------------------------


def _write_canonical(rows: list[tuple[Any, ...]], out: Path) -> None:
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(("kpi", "area", "period", "gender", "value", "status", "count"))
        for kpi, area, period, gender, value, status, count in rows:
            writer.writerow(
                (
                    kpi,
                    area,
                    period,
                    gender,
                    "" if value is None else repr(value),
                    status or "",
                    "" if count is None else count,
                )
            )


def _import_rows(
    store: Store, path: Path, rows: list[tuple[Any, ...]], source: str, kind: str, progress: Progress
) -> ImportSummary:
    name = path.name
    progress(name, "writing")
    with tempfile.TemporaryDirectory(prefix="jamfor-") as tmp:
        out = Path(tmp) / "rows.csv"
        _write_canonical(rows, out)
        try:
            summary = store.import_csv(
                CsvSource(out, ",", ("kpi", "area", "period", "gender", "value", "status", "count")),
                file_name=name,
                sha256=sha256_of(path),
                source=source,
                kind=kind,
            )
        except StagingRejected as exc:  # pragma: no cover - the Python checks ran first
            raise ValidationError([Problem(name, None, None, f"was rejected: {exc.detail}")]) from None
    progress(name, "done")
    return summary


def _import_observations_xlsx(store: Store, path: Path, source: str, progress: Progress) -> ImportSummary:
    import openpyxl

    name = path.name
    progress(name, "reading")
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise ValidationError(
            [Problem(name, None, None, f"is not a readable .xlsx workbook ({exc})")]
        ) from exc
    try:
        sheet = book.worksheets[0]
        rows_iter = sheet.iter_rows(values_only=True)
        header = next(rows_iter, None)
        if header is None:
            raise ValidationError([Problem(name, None, None, "the first sheet is empty")])
        names = [str(h) if h is not None else "" for h in header]
        while names and names[-1] == "":
            names.pop()
        columns, problems = map_header(name, names)
        if problems:
            raise ValidationError(problems)
        checker = RowChecker(name, store.kpi_ids(), store.area_ids())
        good: list[tuple[Any, ...]] = []
        for number, cells in enumerate(rows_iter, start=2):
            values = list(cells[: len(columns)])
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            extra = [v for v in cells[len(columns) :] if v not in (None, "")]
            if extra:
                checker.add(number, None, "has values right of the last header column")
                continue
            values += [None] * (len(columns) - len(values))
            row = {c: _xlsx_text(c, v) for c, v in zip(columns, values, strict=True)}
            typed = checker.check(
                number,
                row.get("kpi"),
                row.get("area"),
                row.get("period"),
                row.get("gender"),
                row.get("value"),
                row.get("status"),
                row.get("count"),
            )
            if typed:
                good.append(typed)
        if checker.rows == 0:
            checker.add(None, None, "has a header but no data rows")
        if checker.problems:
            raise ValidationError(checker.problems, more=checker.more)
    finally:
        book.close()
    return _import_rows(store, path, good, source, "observations-xlsx", progress)


def _xlsx_text(column: str, value: Any) -> str | None:
    """Cell values as the text the checks expect (numbers keep full precision)."""
    if value is None:
        return None
    if isinstance(value, float) and column in ("period", "count") and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return repr(value)
    if column == "area" and isinstance(value, int):
        return str(value)
    return str(value)


# -- JSON ---------------------------------------------------------------------------------------


def _load_json(path: Path) -> Any:
    name = path.name
    try:
        with _open_bytes(path) as fh:
            raw = fh.read()
        return json.loads(raw.decode("utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise ValidationError(
            [Problem(name, exc.lineno, None, f"is not valid JSON: {exc.msg} (column {exc.colno})")]
        ) from exc
    except UnicodeDecodeError as exc:
        raise ValidationError([Problem(name, None, None, f"is not UTF-8 text (byte {exc.start})")]) from exc
    except RecursionError:
        raise ValidationError([Problem(name, None, None, "is not valid JSON: nested too deeply")]) from None
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise ValidationError([Problem(name, None, None, f"is not valid JSON: {exc}")]) from exc
    except (OSError, EOFError, zlib.error) as exc:
        raise ValidationError([Problem(name, None, None, f"cannot be read: {exc}")]) from exc


def _import_json(store: Store, path: Path, source: str, progress: Progress) -> ImportSummary:
    name = path.name
    progress(name, "reading")
    doc = _load_json(path)
    items = doc.get("values") if isinstance(doc, dict) else doc
    if not isinstance(items, list):
        raise ValidationError(
            [Problem(name, None, None, "is not a Kolada response: expected an object with a 'values' list")]
        )
    if not items:
        raise ValidationError([Problem(name, None, None, "has an empty 'values' list")])
    first = items[0]
    if isinstance(first, dict) and "id" in first and "kpi" not in first:
        return _import_catalogue_rows(store, path, _catalogue_json_rows(name, items), progress)
    checker = RowChecker(name, store.kpi_ids(), store.area_ids())
    good: list[tuple[Any, ...]] = []
    deleted: list[tuple[str, str, int, str]] = []
    for i, item in enumerate(items):
        where = f"values[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("values"), list):
            checker.add(
                None, where, "is not a data row: expected 'kpi', 'municipality', 'period' and a 'values' list"
            )
            continue
        for j, cell in enumerate(item["values"]):
            cell_where = f"{where}.values[{j}]"
            if not isinstance(cell, dict):
                checker.add(None, cell_where, "is not an object with 'gender' and 'value'")
                continue
            if cell.get("isdeleted") is True:
                key = deleted_key(
                    item.get("kpi"), item.get("municipality"), item.get("period"), cell.get("gender")
                )
                if key is None:
                    checker.add(
                        None, cell_where, "a deleted value needs a kpi, municipality, period and gender"
                    )
                else:
                    deleted.append(key)
                continue
            typed = checker.check(
                None,
                _json_text(item.get("kpi")),
                _json_text(item.get("municipality")),
                _json_text(item.get("period")),
                _json_text(cell.get("gender")),
                _json_text(cell.get("value")),
                _json_text(cell.get("status")),
                _json_text(cell.get("count")),
                where=cell_where,
            )
            if typed:
                good.append(typed)
    if checker.problems:
        raise ValidationError(checker.problems, more=checker.more)
    # A deleted value the store holds becomes a `deleted` row; the merge keeps the old one in history.
    given = {tuple(row[:4]) for row in good} if deleted else set()
    found, live = tombstones(store, [k for k in deleted if k not in given])
    good += [(*key, None, DELETED, None) for key in found]
    if not good and not deleted:
        raise ValidationError([Problem(name, None, None, "has no values to import")])
    if good:
        summary = _import_rows(store, path, good, source, "observations-json", progress)
    else:
        summary = ImportSummary(file=name, kind="observations-json")
    if deleted:
        summary.notes.append(
            f"{len(deleted)} values marked isdeleted: {live} recorded as deleted (the old values stay "
            f"in history), {len(deleted) - len(found)} were not stored here"
        )
    return summary


def _json_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return repr(value)
    return str(value)


# -- KPI catalogue ------------------------------------------------------------------------------

_BOOLS = {"true": True, "false": False, "1": True, "0": False, "": None}


def _catalogue_csv_rows(path: Path) -> Iterator[tuple[int | None, str | None, dict[str, Any]]]:
    head = _head(path)
    encoding = _encoding(head)
    if encoding == "utf-8-sig" and not _is_utf8(path):
        encoding = "cp1252"
    first = head.decode(encoding, errors="replace").splitlines()[0]
    try:
        reader = csv.DictReader(_text_lines(path, encoding), delimiter=_delimiter(first))
        header = [str(f).strip().lstrip("\ufeff").lower() for f in reader.fieldnames or []]
        missing = [c for c in ("id", "title") if c not in header]
        if missing:
            raise ValidationError(
                [
                    Problem(
                        path.name,
                        1,
                        None,
                        f"wrong header: a KPI catalogue needs 'id' and 'title' "
                        f"(missing: {', '.join(missing)})",
                    )
                ]
            )
        reader.fieldnames = header
        for row in reader:
            yield reader.line_num, None, dict(row)
    except (csv.Error, UnicodeDecodeError) as exc:
        raise ValidationError([Problem(path.name, None, None, f"is not valid CSV text: {exc}")]) from exc


def _catalogue_json_rows(
    name: str, items: list[Any]
) -> Iterator[tuple[int | None, str | None, dict[str, Any]]]:
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise ValidationError([Problem(name, None, f"values[{i}]", "is not a KPI object")])
        yield None, f"values[{i}]", item


def kpi_from_mapping(row: dict[str, Any], *, catalogue: str, retired: bool = False) -> Kpi:
    """A Kpi from a v3 or v2 catalogue row (v2 says 'auspices' and writes booleans as 0/1)."""

    def text(key: str) -> str | None:
        value = row.get(key)
        if value is None:
            return None
        value = str(value).strip()
        return value or None

    def flag(key: str) -> bool | None:
        value = row.get(key)
        if isinstance(value, bool) or value is None:
            return value
        parsed = _BOOLS.get(str(value).strip().lower())
        if parsed is None and str(value).strip():
            raise ValueError(f"{key}: {value!r} is not true or false")
        return parsed

    decimals = text("decimals")
    return Kpi(
        id=str(row.get("id") or "").strip(),
        title=text("title") or "",
        description=text("description"),
        is_divided_by_gender=flag("is_divided_by_gender"),
        municipality_type=text("municipality_type"),
        auspice=text("auspice") or text("auspices"),
        operating_area=text("operating_area"),
        perspective=text("perspective"),
        prel_publication_date=text("prel_publication_date"),
        publication_date=text("publication_date"),
        publ_period=text("publ_period"),
        has_ou_data=flag("has_ou_data"),
        retired=bool(flag("retired")) or retired,
        origin=text("origin") or "kolada",
        catalogue=catalogue,
        polarity=text("polarity"),  # type: ignore[arg-type]
        colour_graded=flag("colour_graded"),
        unit=text("unit"),
        decimals=int(decimals) if decimals is not None else None,
        kkik=text("kkik"),
    )


def parse_catalogue(
    name: str, rows: Iterator[tuple[int | None, str | None, dict[str, Any]]], *, catalogue: str
) -> list[Kpi]:
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    kpis = []
    for line, where, row in rows:
        if "id" not in row or "title" not in row:
            problems.append(
                Problem(name, line, where, "wrong header: a KPI catalogue needs 'id' and 'title'")
            )
            break
        kid = str(row.get("id") or "").strip()
        if not kid:
            problems.append(Problem(name, line, f"{where}.id" if where else "id", "KPI id is missing"))
            continue
        if len(kid) > 40 or not kid.isprintable():
            problems.append(Problem(name, line, "id", f"{kid[:40]!r} is not a KPI id"))
            continue
        if kid in seen:
            problems.append(
                Problem(
                    name,
                    line,
                    f"{where}.id" if where else "id",
                    f"duplicate KPI id {kid!r} (first {seen[kid]})",
                )
            )
            continue
        seen[kid] = f"on line {line}" if line is not None else f"at {where}"
        if not str(row.get("title") or "").strip():
            problems.append(Problem(name, line, "title", f"KPI {kid} has no title"))
            continue
        polarity = str(row.get("polarity") or "").strip()
        if polarity and polarity not in ("higher", "lower", "none"):
            problems.append(Problem(name, line, "polarity", f"{polarity!r} is not higher, lower or none"))
            continue
        try:
            kpis.append(kpi_from_mapping(row, catalogue=catalogue))
        except ValueError as exc:
            problems.append(Problem(name, line, None, str(exc)))
        if len(problems) >= MAX_PROBLEMS:
            break
    if problems:
        raise ValidationError(problems)
    if not kpis:
        raise ValidationError([Problem(name, None, None, "has no KPIs")])
    return kpis


def _import_catalogue_rows(
    store: Store,
    path: Path,
    rows: Iterator[tuple[int | None, str | None, dict[str, Any]]],
    progress: Progress,
) -> ImportSummary:
    name = path.name
    progress(name, "reading")
    kpis = parse_catalogue(name, rows, catalogue=name)
    progress(name, "writing")
    new, changed = store.upsert_kpis(kpis)
    progress(name, "done")
    return ImportSummary(
        file=name,
        kind="catalogue",
        rows=len(kpis),
        new=new,
        changed=changed,
        unchanged=len(kpis) - new - changed,
    )
