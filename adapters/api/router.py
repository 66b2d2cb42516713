"""`api_routes(context)`: the whole `/api/v1` API as one Starlette `Mount`.

Each resource's module contributes its routes; a later resource (hand-offs, linked orders) adds
its own module and one line here, and its paths to `adapters.api.openapi`. A path under
`/api/v1` that no route serves gets a problem+json 404 (or 405 naming the methods it allows),
like every other error of the API.
"""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Mount, Route

from adapters.api.context import ApiContext
from adapters.api.dead_letters import dead_letter_routes
from adapters.api.errors import problem
from adapters.api.handoffs import HandOffActions, handoff_routes
from adapters.api.inventory import inventory_routes
from adapters.api.openapi import openapi_routes
from adapters.api.orders import API_PREFIX, order_routes
from adapters.api.shadow import shadow_routes
from adapters.api.stores import store_routes

_EVERY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def api_routes(context: ApiContext, *, handoff_actions: HandOffActions | None = None) -> Mount:
    """The API, mounted at `/api/v1`. `handoff_actions`: what completing or failing a hand-off sets
    off (the orchestration); without it the API only records in the hand-off book."""
    routes: list[BaseRoute] = [
        *store_routes(context),
        *order_routes(context),
        *inventory_routes(context),
        *dead_letter_routes(context),
        *handoff_routes(context, handoff_actions),
        *shadow_routes(context),
        *openapi_routes(),
    ]
    served = list(routes)

    async def unrouted(request: Request) -> Response:
        allowed = sorted(
            {
                method
                for route in served
                if isinstance(route, Route) and route.matches(request.scope)[0] is Match.PARTIAL
                for method in route.methods or ()
            }
        )
        if allowed:
            return problem(
                request,
                405,
                "method-not-allowed",
                f"{request.method} is not allowed here",
                where="method",
                fix=f"use {' or '.join(allowed)}",
                headers={"Allow": ", ".join(allowed)},
            )
        return problem(
            request,
            404,
            "no-such-route",
            f"no route serves {request.method} {request.url.path}",
            where="path",
            fix=f"see {API_PREFIX}/openapi.json for the routes",
        )

    routes.append(Route("/{rest:path}", unrouted, methods=_EVERY_METHOD, include_in_schema=False))
    mount = Mount(API_PREFIX, routes=routes)
    # Starlette's `path` convertor stops at a line break (`.*`): a percent-encoded newline in a
    # path would slip past the API to the app's plain 404. Matching across lines keeps every
    # answer under /api/v1 a problem+json.
    for route in [mount, *routes]:
        if isinstance(route, Route | Mount):
            route.path_regex = re.compile(route.path_regex.pattern, re.DOTALL)
    return mount
