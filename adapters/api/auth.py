"""Bearer-token authentication and scope checks for every `/api/v1` route.

- No `Authorization: Bearer …`, or a token that is not configured: 401, the same answer for
  both, so a caller cannot tell a malformed header from a wrong guess.
- A known token without the route's scope: 403 naming the scope needed.
- A route about one store (`/stores/{store}/…`) that the token may not see: 403 naming the
  store's absence from the token; the answer is the same whether or not the store is configured,
  so a store-limited token learns nothing about other stores.
Tokens are never logged; the token's `name` is.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from adapters.api.context import ApiContext
from adapters.api.errors import not_found, problem
from adapters.api.tokens import ApiToken

logger = logging.getLogger(__name__)

Handler = Callable[[Request, ApiToken], Awaitable[Response]]
Endpoint = Callable[[Request], Awaitable[Response]]


def guarded(context: ApiContext, scope: str | None, handler: Handler) -> Endpoint:
    """`handler` behind the bearer token check and `scope` (None: any valid token); it receives
    the caller's token."""

    async def endpoint(request: Request) -> Response:
        caller = _caller(request, context)
        if caller is None:
            return problem(
                request,
                401,
                "unauthenticated",
                "no valid API token was presented",
                where="header Authorization",
                fix="send Authorization: Bearer <token> with a token of ROUTING_API_TOKENS_FILE",
                headers={"WWW-Authenticate": 'Bearer realm="routing-engine api"'},
            )
        if scope is not None and scope not in caller.scopes:
            logger.info("api: token %s lacks scope %s for %s", caller.name, scope, request.url.path)
            return problem(
                request,
                403,
                "missing-scope",
                f"this route needs the scope {scope}; token {caller.name!r} does not have it",
                where="header Authorization",
                fix=f"use a token whose scopes include {scope}",
            )
        return await handler(request, caller)

    return endpoint


def _caller(request: Request, context: ApiContext) -> ApiToken | None:
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return None
    return context.tokens.match(given.strip())


def store_denied(request: Request, context: ApiContext, caller: ApiToken, store: str) -> Response | None:
    """None when `caller` may act on `store` and it is configured; else the answer to send."""
    if not caller.sees(store):
        return problem(
            request,
            403,
            "store-not-allowed",
            f"token {caller.name!r} may not see store {store}",
            where="path parameter store",
            fix="use a token whose stores include this shop domain (GET /api/v1/stores lists yours)",
        )
    if store not in context.orders:
        return not_found(
            request,
            f"store {store} is not configured",
            where="path parameter store",
            fix="use a shop domain listed by GET /api/v1/stores",
        )
    return None
