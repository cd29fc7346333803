"""jamfor: measure and compare the quality of Swedish municipalities.

The public Python API: open a store, import files, ask it for areas, groups, KPIs and values.

    >>> from jamfor import Store, import_file
    >>> store = Store.open("jamfor.duckdb")   # or "postgresql://…"
"""

from jamfor.errors import JamforError, NotFoundError, Problem, ValidationError
from jamfor.model import Area, Group, ImportSummary, Kpi, Observation, Revision, StoreStats
from jamfor.sources.files import import_file
from jamfor.sources.reference import import_demo, load_reference
from jamfor.store import Store

__all__ = [
    "Area",
    "Group",
    "ImportSummary",
    "JamforError",
    "Kpi",
    "NotFoundError",
    "Observation",
    "Problem",
    "Revision",
    "Store",
    "StoreStats",
    "ValidationError",
    "import_demo",
    "import_file",
    "load_reference",
]
