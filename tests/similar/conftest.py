"""Real structural values (Kolada, 2022, all 290 municipalities) for the övergripande and LSS profiles."""

from __future__ import annotations

from pathlib import Path

import pytest

from jamfor.sources.files import import_file
from jamfor.store import Store

# The dump's 2022 values of every KPI in overgripande.yaml and lss.yaml (see test_profiles.py).
STRUCTURAL = Path(__file__).parent / "structural_2022.csv"


@pytest.fixture
def structural_store(store: Store) -> Store:
    """A fresh store (DuckDB and PostgreSQL) with the reference data and the structural values."""
    import_file(store, STRUCTURAL, source="Kolada")
    return store
