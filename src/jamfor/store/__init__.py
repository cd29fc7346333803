"""The KPI store: one repository API over DuckDB (embedded) and PostgreSQL (server)."""

from jamfor.store.repository import Store

__all__ = ["Store"]
