"""Data entry on the website: a municipality's own values for a measure set and year, an upload
of a CSV or XLSX file with a preview before anything is written, and each value's history.

Every write goes through `jamfor.store.entry.write_values`, which checks the user's permission,
closed reporting periods and the importers' row rules, and writes all changes or none, each
with an audit event. The forms carry the value each field showed (`expected`), so an edit made
by someone else in between is refused (409) instead of being overwritten.

An upload is read and checked when sent and nothing is written then: the preview page lists
new, changed and unchanged rows and every problem, and its confirm form carries the checked
rows, with the value each row had at preview time, in one hidden field (`rows`, JSON). The
commit checks them again exactly like the form's rows (permission, CSRF, the importers' rules)
and refuses them with 409 if a value changed after the preview, so nothing in the hidden field
can do more than the user could type into the form, and no server-side state is kept between
the two requests (several server processes need no shared memory).
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Final

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from jamfor.accounts import AccessDenied, User, can_write_values
from jamfor.errors import Problem, ValidationError
from jamfor.measuresets import MeasureSet
from jamfor.model import Area
from jamfor.render import text
from jamfor.render.text import Lang
from jamfor.reports.data import KOLADA
from jamfor.sources.checks import RowChecker, map_header
from jamfor.store import Store
from jamfor.store.accounts import audit_events
from jamfor.store.entry import ValueChange, closed_periods, parse_changes, value_key, write_values
from jamfor.web.access import StoreAccess, store_access
from jamfor.web.auth import NO_STORE, check_csrf, require_user, require_writable, user_context
from jamfor.web.i18n import WebError, check_ui_lang, lookup, web_gender
from jamfor.web.pages import DEFAULT_SET, SOURCE_LINE, page, page_measures

router = APIRouter(include_in_schema=False)

MAX_UPLOAD_BYTES: Final = 5 * 2**20
MAX_UPLOAD_ROWS: Final = 20_000
# The confirm form carries an upload's checked rows in one field (`rows`, JSON of at most
# MAX_ROWS_TEXT characters). Percent-encoded by the browser it can be three times as long, more
# than Starlette's 1 MiB for a form field, so that route reads fields up to this size; a larger
# form is refused with the site's own page (`web/app.py`, `form_refused`).
MAX_ROWS_TEXT: Final = 10 * 2**20
MAX_CONFIRM_FIELD_BYTES: Final = 3 * MAX_ROWS_TEXT

WORDS: Final[dict[Lang, dict[str, str]]] = {
    "sv": {
        "entry_title": "Rapportera egna uppgifter",
        "done_title": "Sparat",
        "preview_title": "Förhandsgranskning av filen",
        "history_title": "Värdets historik",
        "no_change": "Inget ändrades: alla värden var desamma som förut.",
        "cannot_clear": "ett värde kan inte tas bort här; skriv det nya värdet eller lämna fältet som det var",
        "bad_expected": "formuläret är skadat (fältet expected): ladda om sidan",
        "wrong_area": "raden gäller kommun {found}; den här sidan tar bara emot värden för {area}",
        "too_big": "filen är större än {mb} MB",
        "too_many": "filen har fler än {rows} rader",
        "not_file": "välj en fil (.csv eller .xlsx)",
        "bad_kind": "filen måste vara .csv eller .xlsx",
        "bad_rows": "bekräftelseformuläret är skadat: ladda upp filen igen",
        "no_rows": "filen har en rubrikrad men inga datarader",
    },
    "en": {
        "entry_title": "Report own values",
        "done_title": "Saved",
        "preview_title": "Preview of the file",
        "history_title": "History of the value",
        "no_change": "Nothing changed: every value was the same as before.",
        "cannot_clear": "a value cannot be removed here; type the new value or leave the field as it was",
        "bad_expected": "the form is damaged (field expected): reload the page",
        "wrong_area": "the row is for municipality {found}; this page takes values of {area} only",
        "too_big": "the file is larger than {mb} MB",
        "too_many": "the file has more than {rows} rows",
        "not_file": "choose a file (.csv or .xlsx)",
        "bad_kind": "the file must be .csv or .xlsx",
        "bad_rows": "the confirm form is damaged: upload the file again",
        "no_rows": "the file has a header but no data rows",
    },
}


@dataclass(frozen=True)
class EntryRow:
    kpi: str
    title: str
    shown: str  # the current value as the input shows it ("" for none)
    expected: str  # the current value exactly, for the hidden field ("" for none)
    current: str  # the current value for people
    source: str | None
    typed: str  # what the input holds now
    problem: str | None = None


def input_text(value: float | None) -> str:
    """A stored value as the form's input shows it: every digit, Swedish decimal comma."""
    if value is None:
        return ""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value).replace(".", ",")


def exact_text(value: float | None) -> str:
    return "" if value is None else repr(value)


def printable(value: str) -> str:
    """A visitor's text as echoed back into a form: without control characters."""
    return "".join(c for c in value if c.isprintable())


def source_label(source: str | None) -> str | None:
    """'Källa: Kolada' only for Kolada's values; anyone else's are named as theirs."""
    if not source:
        return None
    return SOURCE_LINE if source == KOLADA else f"Källa: {source}"


def _municipality(store: Store, ident: str) -> Area:
    if len(ident) > 200 or printable(ident) != ident:  # no such name (and a NUL is no text for PostgreSQL)
        raise WebError("unknown_municipality", value=ident)
    with lookup("unknown_municipality", ident, "ambiguous_municipality"):
        area = store.resolve_area(ident)
    if not area.is_municipality:
        raise WebError("not_municipality", value=f"{area.title} ({area.id})")
    return area


def _may_write(user: User, area: Area) -> None:
    if not can_write_values(user, area.id):
        raise AccessDenied(f"{user.username} may not change values of municipality {area.id}")


def entry_source(area: Area, user: User) -> str:
    return f"Egen uppgift: {area.title} ({user.username})"


def _measure_set(set_name: str | None) -> MeasureSet:
    measure_set, _ = page_measures(set_name or DEFAULT_SET, None)
    if measure_set is None:  # page_measures gives a set for a set name
        raise WebError("unknown_measure_set", value=set_name or "")
    return measure_set


def _default_year(store: Store, kpis: list[str]) -> int:
    periods = store.periods_of(kpis)
    return max(periods) if periods else date.today().year - 1


def _rows(
    store: Store, area: Area, measure_set: MeasureSet, year: int, lang: Lang
) -> tuple[list[EntryRow], dict[str, Any]]:
    known = store.kpi_ids()
    kpis = [m.kpi for m in measure_set.measures if m.kpi in known]
    titles = {k.id: k.title for k in store.kpis(kpis)} if kpis else {}
    current = {o.kpi: o for o in store.observations(kpis, [area.id], [year], "T")} if kpis else {}
    rows = []
    for measure in measure_set.measures:
        if measure.kpi not in known:
            continue
        found = current.get(measure.kpi)
        value = found.value if found is not None else None
        rows.append(
            EntryRow(
                kpi=measure.kpi,
                title=measure.title or titles.get(measure.kpi, measure.kpi),
                shown=input_text(value),
                expected=exact_text(value),
                current=text.number(value, lang=lang),
                source=source_label(found.source) if found is not None else None,
                typed=input_text(value),
            )
        )
    return rows, {o.kpi: o for o in current.values()}


def _locked_sets(store: Store, measure_set: MeasureSet, year: int) -> bool:
    closed = closed_periods(store).get((measure_set.id, year))
    return closed is not None and closed[0] is not None


def _entry_page(
    request: Request,
    lang: Lang,
    *,
    area: Area,
    measure_set: MeasureSet,
    year: int,
    rows: list[EntryRow],
    locked: bool,
    problems: list[str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    suffix = "?lang=en" if lang == "en" else ""
    response = page(
        request,
        "entry.html",
        lang,
        {
            "title": f"{WORDS[lang]['entry_title']}: {area.title}",
            "w": WORDS[lang],
            "area": area,
            "measure_set": measure_set,
            "year": year,
            "rows": rows,
            "locked": locked,
            "problems": problems or [],
            "action": f"/kommun/{area.id}/rapportera{suffix}",
            "upload_action": f"/kommun/{area.id}/rapportera/fil{suffix}",
            # The footer names the sources of the values shown, not Kolada's for them all.
            "source": "; ".join(dict.fromkeys(r.source for r in rows if r.source)) or SOURCE_LINE,
            **user_context(request),
        },
        status_code=status,
    )
    response.headers.update(NO_STORE)
    return response


@router.get("/kommun/{ident}/rapportera", response_class=HTMLResponse)
def entry_form(
    request: Request,
    ident: str,
    set_name: str | None = Query(None, alias="set", max_length=200),
    year: int | None = Query(None, ge=1950, le=2100),
    lang: str = "sv",
    access: StoreAccess = Depends(store_access),
) -> HTMLResponse:
    language = check_ui_lang(lang)
    require_writable(request)
    user = require_user(request)
    measure_set = _measure_set(set_name)
    with access.using() as store:
        area = _municipality(store, ident)
        _may_write(user, area)
        chosen = year if year is not None else _default_year(store, measure_set.kpi_ids())
        rows, _ = _rows(store, area, measure_set, chosen, language)
        locked = _locked_sets(store, measure_set, chosen)
    return _entry_page(
        request, language, area=area, measure_set=measure_set, year=chosen, rows=rows, locked=locked
    )


def _check_expected(raw: str) -> bool:
    if raw == "":
        return True
    try:
        return math.isfinite(float(raw))
    except ValueError:
        return False


@router.post("/kommun/{ident}/rapportera", response_class=HTMLResponse)
async def entry_submit(request: Request, ident: str, lang: str = "sv") -> Response:
    form = await request.form(max_fields=2000)
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    return await run_in_threadpool(_entry_submit, request, ident, lang, fields)


def _entry_submit(request: Request, ident: str, lang: str, fields: dict[str, str]) -> Response:
    language = check_ui_lang(lang)
    words = WORDS[language]
    require_writable(request)
    session = check_csrf(request, fields.get("csrf"))
    user = session.user
    measure_set = _measure_set(fields.get("set"))
    year_text = fields.get("year", "")
    if not (year_text.isdigit() and len(year_text) == 4):
        raise WebError("bad_year", value=year_text)
    year = int(year_text)
    access: StoreAccess = request.app.state.access
    with access.using() as store:
        area = _municipality(store, ident)
        _may_write(user, area)
        rows, current = _rows(store, area, measure_set, year, language)
        locked = _locked_sets(store, measure_set, year)
        checked: list[EntryRow] = []
        changes: list[ValueChange] = []
        problems: list[str] = []
        for row in rows:
            typed = fields.get(f"v:{row.kpi}", row.shown)
            expected = fields.get(f"e:{row.kpi}", row.expected)
            problem = None
            if typed.strip() == row.shown:
                pass  # untouched: nothing to write (a change by someone else since is theirs to keep)
            elif not _check_expected(expected):
                problem = words["bad_expected"]
            elif typed.strip() == "":
                problem = words["cannot_clear"]
            else:
                one = {"kpi": row.kpi, "area": area.id, "period": year_text, "gender": "T", "value": typed}
                one["expected"] = expected
                try:
                    changes += parse_changes(store, [one], row.kpi)
                except ValidationError as exc:
                    problem = "; ".join(p.reason for p in exc.problems)
            if problem is not None:
                problem = problem if len(problem) <= 300 else problem[:299] + "…"
                problems.append(f"{row.kpi} ({row.title}): {problem}")
            checked.append(replace(row, typed=printable(typed[:1000]), problem=problem))
        if problems:
            return _entry_page(
                request,
                language,
                area=area,
                measure_set=measure_set,
                year=year,
                rows=checked,
                locked=locked,
                problems=problems,
                status=400,
            )
        summary = write_values(store, changes, actor=user, via="web", source=entry_source(area, user))
        titles = {r.kpi: r.title for r in rows}
        done = [
            {
                "kpi": c.kpi,
                "title": titles.get(c.kpi, c.kpi),
                "old": text.number(current[c.kpi].value if c.kpi in current else None, lang=language),
                "new": text.number(c.value, lang=language),
                "href": f"/kommun/{area.id}/varde/{c.kpi}/{year}",
            }
            for c in changes
            if (c.kpi, c.area, c.period, c.gender) in set(summary.keys)
        ]
    return _done_page(request, language, area, done, summary.unchanged, measure_set.id, year)


def _done_page(
    request: Request,
    lang: Lang,
    area: Area,
    done: list[dict[str, Any]],
    unchanged: int,
    set_id: str | None,
    year: int | None,
) -> HTMLResponse:
    back = f"/kommun/{area.id}/rapportera"
    if set_id is not None and year is not None:
        back += f"?set={set_id}&year={year}" + ("&lang=en" if lang == "en" else "")
    response = page(
        request,
        "entry_done.html",
        lang,
        {
            "title": WORDS[lang]["done_title"],
            "w": WORDS[lang],
            "area": area,
            "done": done,
            "unchanged": unchanged,
            "back": back,
            **user_context(request),
        },
    )
    response.headers.update(NO_STORE)
    return response


# -- upload --------------------------------------------------------------------------------------


def _csv_records(name: str, data: bytes) -> list[tuple[int, list[str]]]:
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        content = data.decode("cp1252", errors="replace")
    first = content.splitlines()[0] if content.strip() else ""
    delimiter = max((";", ",", "\t"), key=first.count)
    records: list[tuple[int, list[str]]] = []
    try:
        reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter, strict=True)
        for record in reader:
            if record and any(cell.strip() for cell in record):
                records.append((reader.line_num, record))
    except csv.Error as exc:
        raise ValidationError([Problem(name, None, None, f"is not a readable CSV file ({exc})")]) from None
    return records


def _xlsx_cell(column: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and column in ("period", "count") and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _xlsx_records(name: str, data: bytes) -> list[tuple[int, list[Any]]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise ValidationError(
            [Problem(name, None, None, f"is not a readable .xlsx workbook ({exc})")]
        ) from None
    try:
        records: list[tuple[int, list[Any]]] = []
        for number, cells in enumerate(book.worksheets[0].iter_rows(values_only=True), start=1):
            values = list(cells)
            if any(v is not None and str(v).strip() for v in values):
                records.append((number, values))
            if len(records) > MAX_UPLOAD_ROWS + 1:
                break
        return records
    finally:
        book.close()


@dataclass(frozen=True)
class PreviewRow:
    line: int
    kpi: str
    period: int
    gender: str
    old: str
    new: str
    status: str | None
    value_text: str
    expected: str
    href: str


def read_upload(
    store: Store, area: Area, name: str, data: bytes, lang: Lang
) -> tuple[list[PreviewRow], list[PreviewRow], list[PreviewRow], list[str]]:
    """(new, changed, unchanged rows, problems) of an uploaded file; nothing is written."""
    words = WORDS[lang]
    if not data.strip():
        return [], [], [], [str(Problem(name, None, None, "the file is empty"))]
    lower = name.lower()
    try:
        if lower.endswith(".xlsx"):
            raw = _xlsx_records(name, data)
            header = [str(h) if h is not None else "" for h in raw[0][1]] if raw else []
            while header and header[-1] == "":
                header.pop()
        elif lower.endswith(".csv") or lower.endswith(".txt"):
            raw = [(n, list(r)) for n, r in _csv_records(name, data)]
            header = [str(h) for h in raw[0][1]] if raw else []
        else:
            return [], [], [], [words["bad_kind"]]
    except ValidationError as exc:
        return [], [], [], [str(p) for p in exc.problems]
    if not raw:
        return [], [], [], [str(Problem(name, None, None, "the file is empty"))]
    if len(raw) > MAX_UPLOAD_ROWS + 1:
        return [], [], [], [words["too_many"].format(rows=MAX_UPLOAD_ROWS)]
    columns, header_problems = map_header(name, header, raw[0][0])
    if header_problems:
        return [], [], [], [str(p) for p in header_problems]
    checker = RowChecker(name, store.kpi_ids(), store.area_ids())
    typed_rows = []
    for line, cells in raw[1:]:
        if len(cells) > len(columns) and any(c not in (None, "") for c in cells[len(columns) :]):
            checker.add(line, None, f"has {len(cells)} fields, the header has {len(columns)}")
            continue
        cells = cells[: len(columns)] + [None] * (len(columns) - len(cells))
        row = {c: _xlsx_cell(c, v) for c, v in zip(columns, cells, strict=True)}
        typed = checker.check(
            line,
            row.get("kpi"),
            row.get("area"),
            row.get("period"),
            row.get("gender"),
            row.get("value"),
            row.get("status"),
            row.get("count"),
        )
        if typed is None:
            continue
        if typed[1] != area.id:
            checker.add(line, "municipality", words["wrong_area"].format(found=typed[1], area=area.id))
            continue
        typed_rows.append((line, typed, row.get("value") or ""))
    if checker.rows == 0:
        checker.add(None, None, words["no_rows"])
    problems = [str(p) for p in checker.problems]
    if checker.more:
        problems.append(f"… and {checker.more} more problems")
    new: list[PreviewRow] = []
    changed: list[PreviewRow] = []
    unchanged: list[PreviewRow] = []
    kpis = sorted({t[0] for _, t, _ in typed_rows})
    current = (
        {(o.kpi, o.period, o.gender): o for o in store.observations(kpis, [area.id], None, None)}
        if kpis
        else {}
    )
    for line, (kpi, _, period, gender, value, status, _), value_text in typed_rows:
        old = current.get((kpi, period, gender))
        preview = PreviewRow(
            line=line,
            kpi=kpi,
            period=period,
            gender=gender,
            old=text.number(old.value, lang=lang) if old is not None else "–",
            new=text.number(value, lang=lang),
            status=status,
            value_text=value_text,
            expected=exact_text(old.value) if old is not None else "",
            href=f"/kommun/{area.id}/varde/{kpi}/{period}" + ("" if gender == "T" else f"?gender={gender}"),
        )
        if old is None:
            new.append(preview)
        elif old.value == value and old.status == status:
            unchanged.append(preview)
        else:
            changed.append(preview)
    return new, changed, unchanged, problems


@router.post("/kommun/{ident}/rapportera/fil", response_class=HTMLResponse)
async def upload_preview(
    request: Request,
    ident: str,
    file: UploadFile | None = File(None),
    csrf: str = Form("", max_length=200),
    set_name: str = Form(DEFAULT_SET, alias="set", max_length=200),
    lang: str = "sv",
) -> Response:
    language = check_ui_lang(lang)
    require_writable(request)
    session = await run_in_threadpool(check_csrf, request, csrf)
    data = b""
    name = ""
    if file is not None:
        name = "".join(c for c in (file.filename or "") if c.isprintable()).strip()[-200:]
        data = await file.read(MAX_UPLOAD_BYTES + 1)
    return await run_in_threadpool(
        _upload_preview, request, ident, language, session.user, name, data, set_name
    )


def _upload_preview(
    request: Request, ident: str, lang: Lang, user: User, name: str, data: bytes, set_name: str
) -> Response:
    words = WORDS[lang]
    access: StoreAccess = request.app.state.access
    new: list[PreviewRow]
    changed: list[PreviewRow]
    unchanged: list[PreviewRow]
    problems: list[str]
    with access.using() as store:
        area = _municipality(store, ident)
        _may_write(user, area)
        if not name:
            new, changed, unchanged, problems = [], [], [], [words["not_file"]]
        elif len(data) > MAX_UPLOAD_BYTES:
            new, changed, unchanged, problems = (
                [],
                [],
                [],
                [words["too_big"].format(mb=MAX_UPLOAD_BYTES // 2**20)],
            )
        else:
            new, changed, unchanged, problems = read_upload(store, area, name, data, lang)
    payload = json.dumps(
        [[r.kpi, r.period, r.gender, r.value_text, r.status, r.expected] for r in [*new, *changed]],
        ensure_ascii=True,
    )
    suffix = "?lang=en" if lang == "en" else ""
    response = page(
        request,
        "entry_preview.html",
        lang,
        {
            "title": f"{words['preview_title']}: {area.title}",
            "w": words,
            "area": area,
            "file_name": name,
            "new": new,
            "changed": changed,
            "unchanged": unchanged,
            "problems": problems,
            "payload": payload,
            "set_id": set_name,
            "action": f"/kommun/{area.id}/rapportera/fil/spara{suffix}",
            "back": f"/kommun/{area.id}/rapportera{suffix}",
            **user_context(request),
        },
        status_code=400 if problems else 200,
    )
    response.headers.update(NO_STORE)
    return response


def _commit_rows(payload: str, area: Area, words: dict[str, str]) -> list[dict[str, Any]]:
    """The rows of a confirm form's hidden field, shaped as `parse_changes` takes them."""
    try:
        items = json.loads(payload)
    except ValueError:
        items = None
    if not isinstance(items, list) or not items or len(items) > MAX_UPLOAD_ROWS:
        raise ValidationError([Problem("upload", None, "rows", words["bad_rows"])])
    rows = []
    for item in items:
        if (
            not isinstance(item, list)
            or len(item) != 6
            or not all(v is None or isinstance(v, str | int) for v in item)
            or not _check_expected(str(item[5] or ""))
        ):
            raise ValidationError([Problem("upload", None, "rows", words["bad_rows"])])
        kpi, period, gender, value, status, expected = item
        rows.append(
            {
                "kpi": kpi,
                "area": area.id,
                "period": period,
                "gender": gender,
                "value": value,
                "status": status,
                "expected": expected or "",
            }
        )
    return rows


@router.post(
    "/kommun/{ident}/rapportera/fil/spara",
    response_class=HTMLResponse,
    form_limits={"max_part_size": MAX_CONFIRM_FIELD_BYTES},
)
def upload_commit(
    request: Request,
    ident: str,
    csrf: str = Form("", max_length=200),
    rows: str = Form("", max_length=MAX_ROWS_TEXT),
    file_name: str = Form("", max_length=200),
    lang: str = "sv",
    access: StoreAccess = Depends(store_access),
) -> Response:
    language = check_ui_lang(lang)
    words = WORDS[language]
    require_writable(request)
    user = check_csrf(request, csrf).user
    file_name = "".join(c for c in file_name if c.isprintable()).strip()
    with access.using() as store:
        area = _municipality(store, ident)
        _may_write(user, area)
        try:
            changes = parse_changes(store, _commit_rows(rows, area, words), f"upload {file_name}".strip())
        except ValidationError as exc:
            return problems_page(request, language, area, [str(p) for p in exc.problems])
        before = {
            (o.kpi, o.period, o.gender): o.value
            for o in store.observations(sorted({c.kpi for c in changes}), [area.id], None, None)
        }
        source = entry_source(area, user) + (f", {file_name}" if file_name else "")
        summary = write_values(store, changes, actor=user, via="web", source=source)
    written = set(summary.keys)
    done = [
        {
            "kpi": f"{c.kpi} {c.period}" + ("" if c.gender == "T" else f" {c.gender}"),
            "title": "",
            "old": text.number(before.get((c.kpi, c.period, c.gender)), lang=language),
            "new": text.number(c.value, lang=language),
            "href": f"/kommun/{area.id}/varde/{c.kpi}/{c.period}"
            + ("" if c.gender == "T" else f"?gender={c.gender}"),
        }
        for c in changes
        if (c.kpi, c.area, c.period, c.gender) in written
    ]
    return _done_page(request, language, area, done, summary.unchanged, None, None)


def problems_page(request: Request, lang: Lang, area: Area, problems: list[str]) -> HTMLResponse:
    response = page(
        request,
        "entry_error.html",
        lang,
        {
            "title": "Felaktiga uppgifter" if lang == "sv" else "Invalid input",
            "message": "Inget sparades." if lang == "sv" else "Nothing was saved.",
            "problems": problems,
            "code": "invalid",
            "back": f"/kommun/{area.id}/rapportera",
            **user_context(request),
        },
        status_code=400,
    )
    response.headers.update(NO_STORE)
    return response


# -- history -------------------------------------------------------------------------------------


def _number_text(raw: str | None, lang: Lang) -> str:
    if raw is None:
        return text.number(None, lang=lang)
    try:
        return text.number(float(raw), lang=lang)
    except ValueError:
        return raw


@router.get("/kommun/{ident}/varde/{kpi}/{year}", response_class=HTMLResponse)
def value_history(
    request: Request,
    ident: str,
    kpi: str,
    year: int,
    gender: str = "T",
    lang: str = "sv",
    access: StoreAccess = Depends(store_access),
) -> HTMLResponse:
    language = check_ui_lang(lang)
    chosen_gender = web_gender(gender)
    if not 1950 <= year <= 2100:
        raise WebError("bad_year", value=year)
    with access.using() as store:
        area = _municipality(store, ident)
        if len(kpi) > 50 or printable(kpi) != kpi:
            raise WebError("unknown_kpi", value=kpi)
        with lookup("unknown_kpi", kpi):
            found_kpi = store.kpi(kpi)
        current = store.observation(found_kpi.id, area.id, year, chosen_gender)
        revisions = store.history(found_kpi.id, area.id, year, chosen_gender)
        events = audit_events(store, "value", value_key(found_kpi.id, area.id, year, chosen_gender))
    user = user_context(request)["user"]
    # The footer names the sources of the values on this page, not Kolada's for them all.
    labels = [source_label(s) for s in [current.source if current else None, *(r.source for r in revisions)]]
    sources = "; ".join(dict.fromkeys(label for label in labels if label)) or SOURCE_LINE
    response = page(
        request,
        "value_history.html",
        language,
        {
            "title": f"{found_kpi.id} {area.title} {year}",
            "w": WORDS[language],
            "area": area,
            "kpi": found_kpi,
            "year": year,
            "gender": chosen_gender,
            "current": current,
            "current_text": text.number(current.value if current else None, lang=language),
            "current_source": source_label(current.source) if current else None,
            "revisions": [
                {
                    "value": text.number(r.value, lang=language),
                    "source": source_label(r.source),
                    "imported_at": r.imported_at,
                    "replaced_at": r.replaced_at,
                }
                for r in reversed(revisions)
            ],
            "events": [
                {
                    "at": e.at,
                    "actor": e.actor,
                    "via": e.via,
                    "old": _number_text(e.old_value, language),
                    "new": _number_text(e.new_value, language),
                    "source": e.source,
                }
                for e in events
            ],
            "may_edit": user is not None and can_write_values(user, area.id),
            "source": sources,
            "user": user,  # (a logged-in request passes the response cache: `web/cache.py`)
        },
    )
    # The audit trail must show a change at once: never kept by the response cache (on
    # PostgreSQL it would notice the new data version only after a second).
    response.headers["Cache-Control"] = "no-store"
    return response
