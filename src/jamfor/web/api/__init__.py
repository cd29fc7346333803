"""The JSON API under /api/v1: areas, groups, KPIs, values with their history, reports and measure sets.

Every answer is JSON; every user error is `{"error": "<sentence>"}` with 400 (bad input) or 404
(an unknown id or name), turned out by the router's route class (`errors`), so the router needs
nothing from the app. Reports are the exact text of `jamfor.render.render(report, "json")`.

One router, `router`; each resource's module adds its routes to it when imported:

    errors    the router and its JSON errors
    models    the response models (the OpenAPI schemas)
    params    limits, shared query parameters, checks of what was asked for
    meta      /stats
    areas     /areas, /groups
    kpis      /kpis
    values    /values, /values/…/history
    values_write  PUT /values (API token; `jamfor.web.auth`)
    reports   /reports/…, /measure-sets
"""

from __future__ import annotations

from jamfor.web.api.errors import JsonErrorsRoute, router
from jamfor.web.api.params import (
    LIST_LIMIT,
    LIST_MAX_LIMIT,
    MAX_VALUE_AREAS,
    MAX_VALUE_KPIS,
    VALUES_LIMIT,
    VALUES_MAX_LIMIT,
)

# The route modules add their routes to `router` when imported: this order is the order of the
# routes, and so of the paths in the OpenAPI document.
# isort: off
from jamfor.web.api import meta, areas, kpis, values, values_write, reports  # noqa: F401
# isort: on

__all__ = [
    "LIST_LIMIT",
    "LIST_MAX_LIMIT",
    "MAX_VALUE_AREAS",
    "MAX_VALUE_KPIS",
    "VALUES_LIMIT",
    "VALUES_MAX_LIMIT",
    "JsonErrorsRoute",
    "router",
]
