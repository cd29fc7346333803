"""A realistic **synthetic** citizen survey for tests and demos — invented answers, never real data.

Every file it writes names its source in every row as "<survey title> (syntetisk)", and results
computed from it carry that source; nothing here may be shown as SCB's or Kolada's figures.

The model (seeded, so the same arguments give the same file):

- each index has a typical level on the 1–10 scale (NII lowest, NRI highest, as in SCB's
  published national results, roughly); each municipality a lasting effect shared by its
  indices plus one per index, and each year a small drift;
- each respondent a general disposition (some are more satisfied with everything) and, per
  index, a latent satisfaction; the index's questions are that plus noise, rounded to 1–10, so
  answers within an index correlate strongly and across indices moderately;
- blanks: a few per cent of answers, more for the service factors (not everyone uses the
  grundskola or äldreomsorgen);
- optional weights: respondents fall into four age groups sampled unequally; the weight corrects
  for that (population share / sample share) and the groups differ a little in satisfaction, so
  the weights matter.
The share family (from 2021) is drawn from the same kind of latent satisfaction, cut into the
question's options, with "vet inte" / "går aldrig ut ensam" as a small separate share.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np

from jamfor.compute.survey import IndexDefinition, Respondent, SurveyDefinition
from jamfor.store.surveys import ResponseRow

SYNTHETIC: Final = "syntetisk"
# Typical levels as betygsindex 0–100: NMI 55, NII 41 and trygghet 61 are Riket 2014 as Kungsbacka's
# annual report prints it (seed 000); NRI is set a little above NMI. Other factors get a fixed
# level of their own within ±9 points of their parent index.
LEVELS: Final = {"NRI": 62.0, "NMI": 55.0, "NII": 41.0, "NRI-TRYGGHET": 61.0}
AGE_GROUPS: Final = (  # (population share, sample share, shift in satisfaction)
    (0.25, 0.14, -0.35),
    (0.30, 0.24, -0.10),
    (0.25, 0.30, 0.10),
    (0.20, 0.32, 0.35),
)
SERVICE_FACTORS: Final = ("NMI-GRUNDSKOLA", "NMI-ALDREOMSORG")


def synthetic_source(survey: SurveyDefinition) -> str:
    """The source line of synthetic answers: "SCB:s medborgarundersökning (syntetisk)"."""
    return f"{survey.title} ({SYNTHETIC})"


@dataclass(frozen=True)
class SyntheticSettings:
    respondents: int = 300  # per municipality and year (varies ±20 %)
    weighted: bool = False
    blank_rate: float = 0.03
    seed: int = 2026


def _level(index: IndexDefinition) -> float:
    """The index's typical level on the 1–10 scale."""
    if index.id in LEVELS:
        points = LEVELS[index.id]
    else:
        offset = (sum(ord(c) for c in index.id) * 7919) % 181 / 10 - 9.0  # fixed per factor
        points = LEVELS.get(index.parent or "", 55.0) + offset
    return 1 + points * 9 / 100


def _index_answers(
    survey: SurveyDefinition,
    rng: np.random.Generator,
    n: int,
    effects: dict[str, float],
    shift: np.ndarray,
    blank_rate: float,
    only: Sequence[str] | None,
) -> list[dict[str, int]]:
    general = rng.normal(0.0, 1.0, n) + shift
    latent: dict[str, np.ndarray] = {}  # index id → respondents' deviation from its level
    columns: list[tuple[str, list[int]]] = []  # question id → answers, 0 for a blank
    ordered = sorted(survey.indices, key=lambda ix: ix.parent is not None)  # parents first
    for index in ordered:
        if only is not None and index.id not in only and index.parent not in only:
            continue
        base = _level(index) + effects.get(index.id, 0.0)
        own = rng.normal(0.0, 1.0, n)
        if index.parent is not None and index.parent in latent:
            deviation = 0.6 * general + 0.5 * latent[index.parent] + 1.0 * own
        else:
            deviation = 0.9 * general + 1.1 * own
        latent[index.id] = deviation
        values = base + deviation
        rate = blank_rate * (8 if index.id in SERVICE_FACTORS else 1)
        for question in index.questions:
            raw = values + rng.normal(0.0, 0.8, n)
            given = np.clip(np.rint(raw), survey.scale_min, survey.scale_max).astype(int)
            blank = rng.random(n) < rate
            columns.append((question, np.where(blank, 0, given).tolist()))
    names = [q for q, _ in columns]
    return [
        {q: a for q, a in zip(names, row, strict=True) if a}
        for row in zip(*(c for _, c in columns), strict=True)
    ]


def _share_answers(
    survey: SurveyDefinition,
    rng: np.random.Generator,
    n: int,
    effect: float,
    shift: np.ndarray,
    blank_rate: float,
) -> list[dict[str, int]]:
    general = rng.normal(0.0, 1.0, n) + shift
    answers: list[dict[str, int]] = [{} for _ in range(n)]
    for number, question in enumerate(survey.questions):
        codes = [o.code for o in question.options]
        graded, aside = codes[:-1], codes[-1]  # the last option is "vet inte" or the like
        # a higher latent value = a better answer = a lower code ("mycket bra" is 1)
        values = 0.4 - 0.15 * number + effect + 0.8 * general + rng.normal(0.0, 0.7, n)
        cuts = np.linspace(1.4, -1.4, len(graded) - 1)
        blank = rng.random(n) < blank_rate
        apart = rng.random(n) < 0.05
        for i in range(n):
            if blank[i]:
                continue
            if apart[i]:
                answers[i][question.id] = aside
                continue
            position = int(np.sum(values[i] < cuts))
            answers[i][question.id] = graded[position]
    return answers


def synthetic_respondents(
    survey: SurveyDefinition,
    n: int,
    rng: np.random.Generator,
    *,
    effects: dict[str, float] | None = None,
    weighted: bool = False,
    blank_rate: float = 0.03,
    only: Sequence[str] | None = None,
) -> list[Respondent]:
    """`n` synthetic respondents of one municipality-year; `effects` shift indices (index id → points
    on the 1–10 scale; "*" shifts all of them; for the share family only "*" counts)."""
    effects = dict(effects or {})
    common = effects.pop("*", 0.0)
    population = np.array([g[0] for g in AGE_GROUPS])
    sample = np.array([g[1] for g in AGE_GROUPS])
    groups = rng.choice(len(AGE_GROUPS), size=n, p=sample if weighted else population)
    shift = np.array([AGE_GROUPS[g][2] for g in groups])
    if survey.family == "index":
        per_index = {
            ix.id: common + effects.get(ix.id, 0.0) + effects.get(ix.parent or "", 0.0)
            for ix in survey.indices
        }
        answers = _index_answers(survey, rng, n, per_index, shift, blank_rate, only)
    else:
        answers = _share_answers(survey, rng, n, common / 2, shift, blank_rate)
    if not weighted:
        return [Respondent(a, 1.0) for a in answers]
    ratio = population / sample
    raw = ratio[groups] * rng.uniform(0.85, 1.15, n)
    weights = raw / raw.mean()
    return [Respondent(a, round(float(w), 4)) for a, w in zip(answers, weights, strict=True)]


def generate_survey(
    survey: SurveyDefinition, municipalities: Sequence[str], years: Sequence[int], settings: SyntheticSettings
) -> list[ResponseRow]:
    """Respondents for every municipality and year: lasting municipality effects, a yearly drift."""
    rng = np.random.default_rng(settings.seed)
    rows: list[ResponseRow] = []
    for area in municipalities:
        lasting = float(rng.normal(0.0, 0.45))
        per_index = {ix.id: float(rng.normal(0.0, 0.3)) for ix in survey.indices}
        drift = 0.0
        for year in sorted(years):
            drift += float(rng.normal(0.0, 0.15))
            n = max(20, round(float(settings.respondents * rng.uniform(0.8, 1.2))))
            effects = {"*": lasting + drift, **per_index}
            respondents = synthetic_respondents(
                survey, n, rng, effects=effects, weighted=settings.weighted, blank_rate=settings.blank_rate
            )
            for number, r in enumerate(respondents, start=1):
                rows.append(
                    ResponseRow(
                        area,
                        year,
                        f"{area}-{year}-{number:05d}",
                        r.weight if settings.weighted else None,
                        {k: v for k, v in r.answers.items() if v is not None},
                    )
                )
    return rows


def write_survey_file(
    path: Path, survey: SurveyDefinition, rows: Sequence[ResponseRow], *, source: str
) -> None:
    """The rows as an answers file jamfor imports (CSV, or XLSX by suffix); `source` in every row."""
    weighted = any(r.weight is not None for r in rows)
    header = ["municipality", "year", "respondent", *(["weight"] if weighted else []), "source"]
    header += [q.id for q in survey.questions]
    lines: list[list[object]] = []
    for r in rows:
        line: list[object] = [r.area, r.period, r.respondent]
        if weighted:
            line.append(r.weight)
        line.append(source)
        line += [r.answers.get(q.id, "") for q in survey.questions]
        lines.append(line)
    if path.name.lower().endswith(".xlsx"):
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.title = "svar"
        sheet.append(header)
        for line in lines:
            sheet.append([str(line[0]), *[v if v != "" else None for v in line[1:]]])
        for row in sheet.iter_rows(min_row=2, max_col=1):
            row[0].number_format = "@"  # keep the leading zero of "0114"
        about = book.create_sheet("om")
        about.append([f"SYNTETISKA DATA: påhittade svar för test och demonstration. Källa: {source}."])
        about.append(["Inte SCB:s och inte Koladas siffror. Skapad av jamfor.sources.synthetic_survey."])
        book.save(str(path))
        return
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(lines)
