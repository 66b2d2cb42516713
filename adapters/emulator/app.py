"""The Starlette application: the Admin API endpoint plus the control API."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import Route

from adapters.emulator.control import control_routes
from adapters.emulator.endpoint import GraphQLEndpoint
from adapters.emulator.runtime import Emulator


def build_app(emulator: Emulator) -> Starlette:
    admin_api = GraphQLEndpoint(emulator).handle
    routes = [
        Route("/stores/{shop}/admin/api/{version}/graphql.json", admin_api, methods=["POST"]),
        *control_routes(emulator),
    ]
    return Starlette(routes=routes)
