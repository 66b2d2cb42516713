"""`GET /api/v1/stores`: the stores the caller's token sees."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters.api.auth import guarded
from adapters.api.context import ApiContext
from adapters.api.tokens import ApiToken


def store_routes(context: ApiContext) -> list[Route]:
    """The routes of the `stores` resource."""

    async def list_stores(request: Request, caller: ApiToken) -> Response:
        stores = [{"store": store} for store in caller.visible(context.stores)]
        return JSONResponse({"stores": stores, "token": caller.name, "scopes": sorted(caller.scopes)})

    return [Route("/stores", guarded(context, None, list_stores), methods=["GET"])]
