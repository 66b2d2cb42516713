"""Shadow mode on the API: what `routing-engine shadow report --json` prints, over HTTP.

- `GET /shadow/disagreements?since=…&store=…&limit=…` (decisions:read): the shadow decisions
  that differ from the live one, oldest first, per fulfillment order from what to what and the
  first trace lines that differ; of the stores the token sees (or of one of them).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters.api.auth import guarded, store_denied
from adapters.api.context import ApiContext
from adapters.api.errors import bad_request
from adapters.api.tokens import ApiToken
from adapters.settings import ConfigurationError
from adapters.shadow import parse_since, record_json
from adapters.store.shadow_decisions import ShadowDecisions

DEFAULT_LIMIT, MAX_LIMIT = 100, 1000


def shadow_routes(context: ApiContext) -> list[Route]:
    """The routes of the `shadow` resource."""
    book = ShadowDecisions(context.sessions, clock=context.clock)

    async def disagreements(request: Request, caller: ApiToken) -> Response:
        raw_limit = request.query_params.get("limit", str(DEFAULT_LIMIT))
        if not (raw_limit.isascii() and raw_limit.isdigit() and 1 <= int(raw_limit) <= MAX_LIMIT):
            return bad_request(
                request,
                f"limit {raw_limit[:20]!r} is not a number from 1 to {MAX_LIMIT}",
                where="query parameter limit",
                fix=f"write e.g. ?limit={DEFAULT_LIMIT}, or leave it out",
            )
        since = None
        raw_since = request.query_params.get("since")
        if raw_since is not None:
            try:
                since = parse_since(raw_since, "since")
            except ConfigurationError as exc:
                return bad_request(
                    request, str(exc), where="query parameter since", fix="write e.g. ?since=2026-11-27"
                )
        store = request.query_params.get("store")
        if store is not None:
            denied = store_denied(request, context, caller, store)
            if denied is not None:
                return denied
            shops = [store]
        else:
            shops = caller.visible(context.stores)
        found = await book.disagreements(since=since, shops=shops, limit=int(raw_limit))
        total = await book.count(since=since, shops=shops)
        return JSONResponse({"disagreements": [record_json(r) for r in found], "shadow_decisions": total})

    endpoint = guarded(context, "decisions:read", disagreements)
    return [Route("/shadow/disagreements", endpoint, methods=["GET"])]
