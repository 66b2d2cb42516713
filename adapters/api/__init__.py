"""The coordination service's HTTP API, `/api/v1`: bearer tokens with scopes, problem+json errors.

`api_routes(context)` (see `adapters.api.router`) is the whole API as one Starlette `Mount`; the
composition root builds an `ApiContext` and mounts it. The OpenAPI document is served at
`GET /api/v1/openapi.json` (see `adapters.api.openapi`).
"""

from adapters.api.context import ApiContext, InventoryReader, OrderReader
from adapters.api.router import api_routes
from adapters.api.tokens import ApiToken, ApiTokens, load_tokens

__all__ = [
    "ApiContext",
    "ApiToken",
    "ApiTokens",
    "InventoryReader",
    "OrderReader",
    "api_routes",
    "load_tokens",
]
