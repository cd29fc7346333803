"""Survey definitions as data: the bundled YAML files in `jamfor/data/surveys/`, checked on load,
and the own KPIs (ids, titles, units) that a survey's computed results are stored under."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from jamfor.compute.survey import (
    AnswerOption,
    IndexDefinition,
    Question,
    SurveyDefinition,
)
from jamfor.errors import JamforError, NotFoundError
from jamfor.model import Kpi

_ID = re.compile(r"[a-z][a-z0-9_]*")
_INDEX_ID = re.compile(r"[A-Z][A-Z0-9-]*")
_PREFIX = re.compile(r"[A-Z][A-Z0-9]+")
ORIGIN = "survey"


class SurveyDefinitionError(JamforError):
    """A survey definition file that is not well formed."""


def _fail(where: str, reason: str) -> SurveyDefinitionError:
    return SurveyDefinitionError(f"{where}: {reason}")


def _text(raw: dict[str, Any], key: str, where: str, *, required: bool = True) -> str | None:
    value = raw.get(key)
    if value is None:
        if required:
            raise _fail(where, f"'{key}' is missing")
        return None
    if not isinstance(value, str | int) or not str(value).strip():
        raise _fail(where, f"'{key}' must be a non-empty text")
    return str(value).strip()


def parse_definition(raw: Any, where: str) -> SurveyDefinition:
    """A SurveyDefinition from a parsed YAML document, or SurveyDefinitionError naming the fault."""
    if not isinstance(raw, dict):
        raise _fail(where, "must be a mapping with id, title, family, kpi_prefix, questions")
    survey_id = _text(raw, "id", where) or ""
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", survey_id):
        raise _fail(where, f"id {survey_id!r} must be lower-case letters, digits and hyphens")
    family = raw.get("family")
    if family not in ("index", "shares"):
        raise _fail(where, "family must be 'index' (1–10 answers, betygsindex) or 'shares' (options)")
    prefix = _text(raw, "kpi_prefix", where) or ""
    if not _PREFIX.fullmatch(prefix):
        raise _fail(where, f"kpi_prefix {prefix!r} must be upper-case letters and digits")
    option_sets: dict[str, tuple[AnswerOption, ...]] = {}
    for name, listed in (raw.get("option_sets") or {}).items():
        parsed = []
        for i, option in enumerate(listed or []):
            at = f"{where}: option_sets.{name}[{i}]"
            if not isinstance(option, dict) or not isinstance(option.get("code"), int):
                raise _fail(at, "an option needs an integer 'code' and a 'label'")
            parsed.append(
                AnswerOption(
                    option["code"],
                    _text(option, "label", at) or "",
                    _text(option, "label_en", at, required=False),
                )
            )
        codes = [o.code for o in parsed]
        if not parsed or len(set(codes)) != len(codes) or min(codes) < 0:
            raise _fail(f"{where}: option_sets.{name}", "needs options with distinct codes ≥ 0")
        option_sets[name] = tuple(parsed)
    questions: list[Question] = []
    for i, q in enumerate(raw.get("questions") or []):
        at = f"{where}: questions[{i}]"
        if not isinstance(q, dict):
            raise _fail(at, "must be a mapping with id and text")
        qid = _text(q, "id", at) or ""
        if not _ID.fullmatch(qid):
            raise _fail(at, f"id {qid!r} must be lower-case letters, digits and underscores")
        options: tuple[AnswerOption, ...] = ()
        if family == "shares":
            set_name = q.get("options")
            if set_name not in option_sets:
                raise _fail(at, f"options {set_name!r} is not one of option_sets ({', '.join(option_sets)})")
            options = option_sets[set_name]
        elif "options" in q:
            raise _fail(at, "an index question is answered 1–10 and has no options")
        questions.append(
            Question(qid, _text(q, "text", at) or "", _text(q, "text_en", at, required=False), options)
        )
    if not questions:
        raise _fail(where, "has no questions")
    ids = [q.id for q in questions]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise _fail(where, f"question ids given twice: {', '.join(duplicates)}")
    indices: list[IndexDefinition] = []
    if family == "index":
        for i, ix in enumerate(raw.get("indices") or []):
            at = f"{where}: indices[{i}]"
            if not isinstance(ix, dict):
                raise _fail(at, "must be a mapping with id, title, kind and questions")
            iid = _text(ix, "id", at) or ""
            if not _INDEX_ID.fullmatch(iid):
                raise _fail(at, f"id {iid!r} must be upper-case letters, digits and hyphens")
            kind = ix.get("kind")
            if kind not in ("overall", "factor"):
                raise _fail(at, "kind must be 'overall' or 'factor'")
            members = ix.get("questions") or []
            unknown = [m for m in members if m not in ids]
            if not members or unknown:
                raise _fail(
                    at, f"questions must name defined questions; unknown: {', '.join(map(str, unknown))}"
                )
            minimum = ix.get("min_answered")
            if minimum is not None and (not isinstance(minimum, int) or not 1 <= minimum <= len(members)):
                raise _fail(at, f"min_answered must be a whole number from 1 to {len(members)}")
            indices.append(
                IndexDefinition(
                    iid,
                    _text(ix, "title", at) or "",
                    kind,
                    tuple(members),
                    _text(ix, "title_en", at, required=False),
                    _text(ix, "parent", at, required=False),
                    minimum,
                )
            )
        if not indices:
            raise _fail(where, "an index survey needs indices")
        index_ids = [ix.id for ix in indices]
        for ix in indices:
            if ix.parent is not None and ix.parent not in index_ids:
                raise _fail(where, f"index {ix.id}: parent {ix.parent!r} is not an index of this survey")
        if len(set(index_ids)) != len(index_ids):
            raise _fail(where, "an index id is given twice")
    elif raw.get("indices"):
        raise _fail(where, "a shares survey has no indices: its results are shares per option")
    scale = raw.get("scale") or {}
    return SurveyDefinition(
        id=survey_id,
        title=_text(raw, "title", where) or "",
        family=family,
        kpi_prefix=prefix,
        questions=tuple(questions),
        indices=tuple(indices),
        title_en=_text(raw, "title_en", where, required=False),
        era=_text(raw, "era", where, required=False),
        scale_min=int(scale.get("min", 1)),
        scale_max=int(scale.get("max", 10)),
    )


def load_definition(path: Path | str) -> SurveyDefinition:
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, RecursionError, yaml.YAMLError) as exc:
        raise SurveyDefinitionError(f"{path.name}: cannot be read: {exc}") from exc
    return parse_definition(raw, path.name)


@cache
def bundled_surveys() -> dict[str, SurveyDefinition]:
    """The bundled survey definitions by id."""
    found: dict[str, SurveyDefinition] = {}
    folder = resources.files("jamfor") / "data" / "surveys"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            definition = parse_definition(yaml.safe_load(entry.read_text(encoding="utf-8")), entry.name)
            found[definition.id] = definition
    return found


def survey_definition(name: str) -> SurveyDefinition:
    """A bundled survey by id, or a definition file by path."""
    key = name.strip()
    surveys = bundled_surveys()
    if key in surveys:
        return surveys[key]
    if key.endswith((".yaml", ".yml")) and Path(key).is_file():
        return load_definition(key)
    raise NotFoundError(f"no survey {name!r}; bundled: {', '.join(surveys)} (or give a .yaml file)")


# -- the KPIs results are stored under ---------------------------------------------------------


@dataclass(frozen=True)
class ResultKpi:
    """One stored result: the KPI id and what it holds (an index, a share, or an interval bound)."""

    kpi: Kpi
    measure: str  # index id, or "<question>:<code>" for a share
    part: str  # "value", "lower", "upper"


def index_kpi_id(survey: SurveyDefinition, index_id: str, part: str = "value") -> str:
    suffix = {"value": "", "lower": "-L95", "upper": "-U95"}[part]
    return f"{survey.kpi_prefix}-{index_id}{suffix}"


def share_kpi_id(survey: SurveyDefinition, question_id: str, code: int, part: str = "value") -> str:
    suffix = {"value": "", "lower": "-L95", "upper": "-U95"}[part]
    return f"{survey.kpi_prefix}-{question_id.upper()}-{code}{suffix}"


def result_kpis(survey: SurveyDefinition, catalogue: str) -> list[ResultKpi]:
    """The own KPIs for every result of `survey`: each index (or share) and its interval bounds.

    `catalogue` names where the answers came from (e.g. "SCB:s medborgarundersökning (syntetisk)");
    it is what reports show as the KPIs' source. Never Kolada.
    """
    made: list[ResultKpi] = []
    note = (
        f"Beräknat av jamfor ur de enskilda svaren i {catalogue}. Inte Koladas värde. Metod: docs/surveys.md."
    )
    bounds = {"value": "", "lower": ", 95 % KI nedre gräns", "upper": ", 95 % KI övre gräns"}
    if survey.family == "index":
        for ix in survey.indices:
            kind = "" if ix.parent is None else f"{ix.parent}-faktor, "
            for part, bound in bounds.items():
                title = f"{ix.title}{bound} ({kind}{survey.title})"
                made.append(
                    ResultKpi(
                        Kpi(
                            index_kpi_id(survey, ix.id, part),
                            title,
                            description=note,
                            origin=ORIGIN,
                            catalogue=catalogue,
                            polarity="higher" if part == "value" else "none",
                            colour_graded=part == "value",
                            unit="index 0-100",
                            decimals=0,
                            perspective=survey.title,
                        ),
                        ix.id,
                        part,
                    )
                )
    else:
        for q in survey.questions:
            for option in q.options:
                for part, bound in bounds.items():
                    title = f"Andel '{option.label}'{bound}: {q.text} ({survey.title})"
                    made.append(
                        ResultKpi(
                            Kpi(
                                share_kpi_id(survey, q.id, option.code, part),
                                title,
                                description=note,
                                origin=ORIGIN,
                                catalogue=catalogue,
                                polarity="none",
                                colour_graded=False,
                                unit="%",
                                decimals=0,
                                perspective=survey.title,
                            ),
                            f"{q.id}:{option.code}",
                            part,
                        )
                    )
    return made
