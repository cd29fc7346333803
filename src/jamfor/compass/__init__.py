"""Kommunkompassen: frameworks (versions of the form) and evaluations of municipalities."""

from jamfor.compass.frameworks import framework, frameworks
from jamfor.compass.model import (
    CompassArea,
    CompassEvaluation,
    CompassFramework,
    CompassQuestion,
)

__all__ = [
    "CompassArea",
    "CompassEvaluation",
    "CompassFramework",
    "CompassQuestion",
    "framework",
    "frameworks",
]
