"""Evaluation files in and out of the store: `jamfor compass import|export|new` call these."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from jamfor.compass.files import read_evaluation, write_evaluation
from jamfor.compass.frameworks import framework
from jamfor.compass.model import CompassEvaluation
from jamfor.errors import JamforError, NotFoundError, Problem, ValidationError
from jamfor.store import Store
from jamfor.store import compass as compass_store


def resolve_municipality(store: Store, ev: CompassEvaluation, file: str) -> CompassEvaluation:
    """The evaluation with its municipality as an id, when the file gave a name ("Huddinge")."""
    if re.fullmatch(r"\d{4}", ev.municipality):
        return ev
    try:
        area = store.resolve_area(ev.municipality)
    except JamforError as exc:
        raise ValidationError([Problem(file, None, None, f"municipality: {exc}")]) from exc
    if not area.is_municipality:
        raise ValidationError(
            [Problem(file, None, None, f"municipality: {area.title} ({area.id}) is not a municipality")]
        )
    return replace(ev, municipality=area.id)


def import_evaluation(store: Store, path: Path) -> tuple[CompassEvaluation, bool]:
    """Read a YAML or XLSX file and store it; returns it and whether the store changed."""
    ev = resolve_municipality(store, read_evaluation(path), str(path))
    changed = compass_store.save_changed(store, ev, source=str(path))
    return ev, changed


def find_evaluation(store: Store, text: str) -> CompassEvaluation:
    """An evaluation by id, or a municipality's latest by the municipality's name or id."""
    key = text.strip()
    try:
        return compass_store.evaluation(store, key)
    except NotFoundError as unknown_id:
        try:
            store.resolve_area(key)
        except JamforError:
            raise unknown_id from None
        return compass_store.latest_for(store, key)


def export_evaluation(store: Store, text: str, path: Path) -> CompassEvaluation:
    """Write an evaluation (by id, or a municipality's latest) to a .yaml or .xlsx file."""
    ev = find_evaluation(store, text)
    name = store.area(ev.municipality).title
    write_evaluation(ev, path, framework(ev.framework), municipality_name=name)
    return ev
