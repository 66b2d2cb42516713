"""`api_routes(context)`: the whole `/api/v1` API as one Starlette `Mount`.

Each resource's module contributes its routes; a later resource (hand-offs, linked orders) adds
its own module and one line here, and its paths to `adapters.api.openapi`.
"""

from __future__ import annotations

from starlette.routing import Mount

from adapters.api.context import ApiContext
from adapters.api.dead_letters import dead_letter_routes
from adapters.api.inventory import inventory_routes
from adapters.api.openapi import openapi_routes
from adapters.api.orders import API_PREFIX, order_routes
from adapters.api.stores import store_routes


def api_routes(context: ApiContext) -> Mount:
    """The API, mounted at `/api/v1`."""
    routes = [
        *store_routes(context),
        *order_routes(context),
        *inventory_routes(context),
        *dead_letter_routes(context),
        *openapi_routes(),
    ]
    return Mount(API_PREFIX, routes=routes)
