"""Evaluators edit Kommunkompassen evaluations on the website; every evaluation's history is public.

`GET /kompass/<evaluation>/redigera` shows the form to the evaluators assigned to the
evaluation (`user_scope` kind `evaluation`) and to admins: every sub-question (or, for the
area-level frameworks, every area) with its max and current points, strengths and improvement
areas per area (one per line), the summary, the evaluators and the method note. `POST` checks
the form exactly as the YAML/XLSX importer checks a file (`evaluation_from_dict`, then the
framework's rules: the same messages, naming the question), and saves it with
`jamfor.store.compass_edit.edit_evaluation`: history kept, an audit event per changed field,
and a 409 when the evaluation changed after the form was opened (the form carries the
version it showed). `GET /kompass/<evaluation>/historik` lists the saved versions and the
audit events.
"""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

import jamfor.store.compass as compass_store
from jamfor.accounts import AccessDenied, User, can_edit_evaluation
from jamfor.compass.files import evaluation_from_dict, evaluation_to_dict
from jamfor.compass.frameworks import framework as bundled_framework
from jamfor.compass.model import CompassEvaluation, CompassFramework
from jamfor.errors import NotFoundError, ValidationError
from jamfor.render.text import Lang
from jamfor.store import Store
from jamfor.store.compass_edit import content_version, edit_evaluation, evaluation_events
from jamfor.web.access import StoreAccess, store_access
from jamfor.web.auth import NO_STORE, check_csrf, current_user, require_user, require_writable, user_context
from jamfor.web.compass_pages import WORDS as COMPASS_WORDS
from jamfor.web.i18n import WebError, check_ui_lang
from jamfor.web.pages import page

router = APIRouter(include_in_schema=False)

MAX_TEXT: Final = 20_000  # characters in one text field (a summary is a few thousand)
MAX_FIELDS: Final = 500
ALLOWED_CONTROLS: Final = frozenset("\n\r\t")

WORDS: Final[dict[Lang, dict[str, str]]] = {
    "sv": {
        "edit_title": "Redigera utvärdering",
        "history_title": "Utvärderingens historik",
        "intro": "Poäng skrivs med decimalkomma eller decimalpunkt; lämna tomt för en fråga som inte är poängsatt än. "
        "Styrkor och förbättringsområden skrivs en per rad.",
        "area": "Område",
        "question": "Delfråga",
        "max": "Max",
        "points": "Poäng",
        "strengths": "Styrkor",
        "improvements": "Förbättringsområden",
        "summary": "Sammanfattning",
        "evaluators": "Utvärderare (en per rad)",
        "method": "Metod",
        "save": "Spara",
        "problems": "Inget sparades. Rätta följande och skicka igen:",
        "too_long": "{field}: högst {max} tecken",
        "control": "{field}: innehåller otillåtna kontrolltecken",
        "history": "Historik",
        "back": "Till rapporten",
        "versions": "Sparade versioner",
        "version": "Version",
        "saved_at": "Sparad",
        "origin": "Varifrån",
        "replaced_at": "Ersatt",
        "current": "nuvarande",
        "events": "Ändringar gjorda på webbplatsen",
        "no_events": "Inga registrerade.",
        "when": "När",
        "who": "Vem",
        "field": "Fält",
        "before_after": "Före → efter",
        "empty": "(tomt)",
    },
    "en": {
        "edit_title": "Edit evaluation",
        "history_title": "The evaluation's history",
        "intro": "Write points with a decimal comma or point; leave a question empty when it is not scored yet. "
        "Write strengths and improvement areas one per line.",
        "area": "Area",
        "question": "Sub-question",
        "max": "Max",
        "points": "Points",
        "strengths": "Strengths",
        "improvements": "Improvement areas",
        "summary": "Summary",
        "evaluators": "Evaluators (one per line)",
        "method": "Method",
        "save": "Save",
        "problems": "Nothing was saved. Correct these and send again:",
        "too_long": "{field}: at most {max} characters",
        "control": "{field}: contains control characters that are not allowed",
        "history": "History",
        "back": "To the report",
        "versions": "Saved versions",
        "version": "Version",
        "saved_at": "Saved",
        "origin": "From",
        "replaced_at": "Replaced",
        "current": "current",
        "events": "Changes made on the website",
        "no_events": "None recorded.",
        "when": "When",
        "who": "Who",
        "field": "Field",
        "before_after": "Before → after",
        "empty": "(empty)",
    },
}


def _evaluation(store: Store, ident: str, request: Request) -> CompassEvaluation:
    try:
        return compass_store.evaluation(store, ident)
    except NotFoundError as exc:
        raise WebError("no_page", value=request.url.path, detail=str(exc)) from exc


def _may_edit(user: User, evaluation: CompassEvaluation) -> None:
    if not can_edit_evaluation(user, evaluation.id):
        raise AccessDenied(f"{user.username} may not edit evaluation {evaluation.id}")


def _number_text(value: float | None, lang: Lang) -> str:
    if value is None:
        return ""
    text = repr(float(value))
    if text.endswith(".0"):
        text = text[:-2]
    return text.replace(".", ",") if lang == "sv" else text


def form_fields(ev: CompassEvaluation, lang: Lang) -> dict[str, str]:
    """The form's fields for an evaluation as stored: name → text."""
    fields: dict[str, str] = {
        "summary": ev.summary or "",
        "evaluators": "\n".join(ev.evaluators),
        "method": ev.method or "",
    }
    for qid, points in ev.question_points.items():
        fields[f"q:{qid}"] = _number_text(points, lang)
    for number, points in ev.area_points.items():
        fields[f"a:{number}"] = _number_text(points, lang)
    for number, lines in ev.strengths.items():
        fields[f"s:{number}"] = "\n".join(lines)
    for number, lines in ev.improvements.items():
        fields[f"i:{number}"] = "\n".join(lines)
    return fields


def _field_names(fw: CompassFramework) -> list[str]:
    names = ["summary", "evaluators", "method"]
    for a in fw.areas:
        names += [f"q:{q.id}" for q in a.questions] if fw.level == "question" else [f"a:{a.number}"]
        names += [f"s:{a.number}", f"i:{a.number}"]
    return names


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _check_text(name: str, text: str, words: dict[str, str]) -> str | None:
    if len(text) > MAX_TEXT:
        return words["too_long"].format(field=name, max=MAX_TEXT)
    if any((ord(c) < 32 or 0x7F <= ord(c) < 0xA0) and c not in ALLOWED_CONTROLS for c in text):
        return words["control"].format(field=name)
    return None


def evaluation_from_form(
    current: CompassEvaluation, fw: CompassFramework, fields: dict[str, str], words: dict[str, str]
) -> tuple[CompassEvaluation | None, list[str]]:
    """The edited evaluation from the form, checked like an imported file; or the problems."""
    problems = []
    for name, text in fields.items():
        if name in ("csrf", "version"):
            continue
        found = _check_text(name, text, words)
        if found:
            problems.append(found)
    if problems:
        return None, problems
    # A field the form did not send keeps its stored value; a field sent empty clears it.
    stored = form_fields(current, "en")
    sent = {name: fields.get(name, stored.get(name, "")) for name in _field_names(fw)}
    doc = evaluation_to_dict(current)
    if fw.level == "question":
        doc["question_points"] = {
            q.id: sent[f"q:{q.id}"].strip()
            for a in fw.areas
            for q in a.questions
            if sent[f"q:{q.id}"].strip()
        }
    else:
        doc["area_points"] = {
            a.number: sent[f"a:{a.number}"].strip() for a in fw.areas if sent[f"a:{a.number}"].strip()
        }
    general = {a["number"]: a.get("general") for a in doc["areas"]}
    doc["areas"] = [
        {
            "number": a.number,
            "general": general.get(a.number),
            "strengths": _lines(sent[f"s:{a.number}"]),
            "improvements": _lines(sent[f"i:{a.number}"]),
        }
        for a in fw.areas
    ]
    doc["summary"] = sent["summary"].strip() or None
    doc["evaluators"] = _lines(sent["evaluators"])
    doc["method"] = sent["method"].strip() or None
    try:
        edited = evaluation_from_dict(doc, "formuläret")
    except ValidationError as exc:
        return None, [p.reason for p in exc.problems]
    return edited, []


def _edit_page(
    request: Request,
    lang: Lang,
    ev: CompassEvaluation,
    fw: CompassFramework,
    municipality: str,
    *,
    fields: dict[str, str],
    version: str,
    problems: list[str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    suffix = "?lang=en" if lang == "en" else ""
    words = WORDS[lang]
    response = page(
        request,
        "compass_edit.html",
        lang,
        {
            "title": f"{words['edit_title']}: {municipality} {ev.year}",
            "w": words,
            "ev": ev,
            "fw": fw,
            "fields": fields,
            "version": version,
            "problems": problems or [],
            "action": f"/kompass/{quote(ev.id, safe='')}/redigera{suffix}",
            "report_href": f"/kompass/{quote(ev.id, safe='')}{suffix}",
            "history_href": f"/kompass/{quote(ev.id, safe='')}/historik{suffix}",
            "source": COMPASS_WORDS[lang]["source"],
            **user_context(request),
        },
        status_code=status,
    )
    response.headers.update(NO_STORE)
    return response


def _municipality_name(store: Store, ev: CompassEvaluation) -> str:
    try:
        return store.area(ev.municipality).title
    except NotFoundError:
        return ev.municipality


@router.get("/kompass/{ident}/redigera", response_class=HTMLResponse)
def compass_edit_form(
    request: Request, ident: str, lang: str = "sv", access: StoreAccess = Depends(store_access)
) -> HTMLResponse:
    language = check_ui_lang(lang)
    require_writable(request)
    user = require_user(request)
    with access.using() as store:
        ev = _evaluation(store, ident, request)
        _may_edit(user, ev)
        name = _municipality_name(store, ev)
    fw = bundled_framework(ev.framework)
    return _edit_page(
        request, language, ev, fw, name, fields=form_fields(ev, language), version=content_version(ev)
    )


@router.post("/kompass/{ident}/redigera", response_class=HTMLResponse)
async def compass_edit_submit(request: Request, ident: str, lang: str = "sv") -> Response:
    form = await request.form(max_fields=MAX_FIELDS)
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    return await run_in_threadpool(_submit, request, ident, lang, fields)


def _submit(request: Request, ident: str, lang: str, fields: dict[str, str]) -> Response:
    language = check_ui_lang(lang)
    words = WORDS[language]
    require_writable(request)
    session = check_csrf(request, fields.get("csrf"))
    user = session.user
    access: StoreAccess = request.app.state.access
    with access.using() as store:
        current = _evaluation(store, ident, request)
        _may_edit(user, current)
        fw = bundled_framework(current.framework)
        name = _municipality_name(store, current)
        version = fields.get("version", "")[:200]
        edited, problems = evaluation_from_form(current, fw, fields, words)
        if edited is not None:
            try:
                edit_evaluation(store, edited, version=version, actor=user, via="web")
            except ValidationError as exc:
                problems = [p.reason for p in exc.problems]
        if problems:
            shown = {
                k: "".join(c for c in v[:MAX_TEXT] if c.isprintable() or c in "\n\t")
                for k, v in fields.items()
            }
            return _edit_page(
                request,
                language,
                current,
                fw,
                name,
                fields=shown,
                version=version,
                problems=[p if len(p) <= 300 else p[:299] + "…" for p in problems],
                status=400,
            )
    suffix = "?lang=en" if language == "en" else ""
    return RedirectResponse(
        f"/kompass/{quote(current.id, safe='')}/historik{suffix}", status_code=303, headers=NO_STORE
    )


def _shown(text: str | None, empty: str) -> str:
    return empty if text is None or text == "" else text


@router.get("/kompass/{ident}/historik", response_class=HTMLResponse)
def compass_history(
    request: Request, ident: str, lang: str = "sv", access: StoreAccess = Depends(store_access)
) -> HTMLResponse:
    language = check_ui_lang(lang)
    words = WORDS[language]
    with access.using() as store:
        ev = _evaluation(store, ident, request)
        versions = compass_store.evaluation_versions(store, ev.id)
        events = evaluation_events(store, ev.id)
        name = _municipality_name(store, ev)
    prefix = ev.id + "/"
    rows: list[dict[str, Any]] = [
        {
            "at": e.at,
            "actor": e.actor,
            "via": e.via,
            "field": e.entity_key[len(prefix) :] if e.entity_key.startswith(prefix) else e.entity_key,
            "old": _shown(e.old_value, words["empty"]),
            "new": _shown(e.new_value, words["empty"]),
        }
        for e in events
    ]
    user = current_user(request)
    suffix = "?lang=en" if language == "en" else ""
    response = page(
        request,
        "compass_history.html",
        language,
        {
            "title": f"{words['history_title']}: {name} {ev.year}",
            "w": words,
            "ev": ev,
            "versions": list(reversed(versions)),
            "events": rows,
            "report_href": f"/kompass/{quote(ev.id, safe='')}{suffix}",
            "edit_href": f"/kompass/{quote(ev.id, safe='')}/redigera{suffix}"
            if user is not None
            and can_edit_evaluation(user, ev.id)
            and not getattr(request.app.state, "read_only", False)
            else None,
            "source": COMPASS_WORDS[language]["source"],
            **user_context(request),
        },
    )
    response.headers.update(NO_STORE)
    return response
