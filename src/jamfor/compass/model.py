"""Kommunkompassen's domain objects: frameworks (versions of the form) and evaluations."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

Level = Literal["question", "area"]


@dataclass(frozen=True)
class CompassQuestion:
    """A sub-question of an area, e.g. 1.1, with its maximum points."""

    id: str
    text: str
    max: float


@dataclass(frozen=True)
class CompassArea:
    """One of the eight areas; `questions` is empty when the framework is scored per area."""

    number: int
    name: str
    max: float
    questions: tuple[CompassQuestion, ...]
    role: str | None = None
    headings: tuple[str, ...] = ()  # the "Rubriker" a report lists under the area's heading


@dataclass(frozen=True)
class CompassFramework:
    """A version of the Kommunkompassen form (2010, 2016, 2020)."""

    id: str
    name: str
    level: Level
    areas: tuple[CompassArea, ...]
    comparable_with: tuple[str, ...]
    description: str

    @property
    def max(self) -> float:
        return sum(a.max for a in self.areas)

    def area(self, number: int) -> CompassArea:
        for a in self.areas:
            if a.number == number:
                return a
        raise KeyError(number)

    def question_ids(self) -> tuple[str, ...]:
        return tuple(q.id for a in self.areas for q in a.questions)


@dataclass(frozen=True)
class CompassEvaluation:
    """One evaluation of a municipality.

    Question-level evaluations fill `question_points`; area-level ones (older published
    results) fill `area_points`. Points are unrounded. `published_total` is the total a
    published area-level result states; it is the only score of a total-only result (Örebro
    2013, Höganäs 2020), and it stands beside rounded area figures whose sum can differ from it.
    """

    id: str
    municipality: str
    year: int
    date: date | None
    framework: str
    evaluators: tuple[str, ...]
    method: str | None
    interviews: int | None
    question_points: Mapping[str, float]
    area_points: Mapping[int, float]
    strengths: Mapping[int, tuple[str, ...]]
    improvements: Mapping[int, tuple[str, ...]]
    summary: str | None
    source: str | None
    published_total: float | None = None
    area_summaries: Mapping[int, str] = field(default_factory=dict)
