"""Dead letters on the API: what `routing-engine deadletters list|retry` does, over HTTP.

- `GET /dead-letters?store=…&limit=…` (dead_letters:read): the failed deliveries of the stores
  the token sees (or of one of them), newest first.
- `POST /dead-letters/{id}/retry` (dead_letters:write): put one back to pending (attempts reset,
  available now); a running service processes it within a second. A dead letter of a store the
  token may not see is a 404, exactly like an id that is not a dead letter.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters.api.auth import guarded, store_denied
from adapters.api.context import ApiContext
from adapters.api.errors import bad_request, not_found
from adapters.api.orders import delivery_url
from adapters.api.tokens import ApiToken
from adapters.store.dead_letters import DeadLetter, DeadLetters

logger = logging.getLogger(__name__)

DEFAULT_LIMIT, MAX_LIMIT = 100, 1000
MAX_ID = 2**31 - 1
_NEVER = datetime.min.replace(tzinfo=UTC)


def dead_letter_routes(context: ApiContext) -> list[Route]:
    """The routes of the `dead-letters` resource."""
    letters = DeadLetters(context.sessions, clock=context.clock)

    async def list_letters(request: Request, caller: ApiToken) -> Response:
        raw_limit = request.query_params.get("limit", str(DEFAULT_LIMIT))
        if not (raw_limit.isascii() and raw_limit.isdigit() and 1 <= int(raw_limit) <= MAX_LIMIT):
            return bad_request(
                request,
                f"limit {raw_limit[:20]!r} is not a number from 1 to {MAX_LIMIT}",
                where="query parameter limit",
                fix=f"write e.g. ?limit={DEFAULT_LIMIT}, or leave it out",
            )
        limit = int(raw_limit)
        store = request.query_params.get("store")
        if store is not None:
            denied = store_denied(request, context, caller, store)
            if denied is not None:
                return denied
            stores = [store]
        else:
            stores = caller.visible(context.stores)
        found: list[DeadLetter] = []
        total = 0
        if caller.stores is None and store is None:
            # Every store: one query, which also shows the dead letters of stores no longer configured.
            found, total = await letters.failed(limit=limit), await letters.count()
        else:
            for shop in stores:
                found += await letters.failed(shop=shop, limit=limit)
                total += await letters.count(shop=shop)
            found.sort(key=lambda letter: (letter.failed_at or _NEVER, letter.id), reverse=True)
            found = found[:limit]
        return JSONResponse({"dead_letters": [_letter_json(letter) for letter in found], "total": total})

    async def retry(request: Request, caller: ApiToken) -> Response:
        raw = request.path_params["id"]
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
            return bad_request(
                request,
                f"{raw[:40]!r} is not a dead letter id",
                where="path parameter id",
                fix="use an id listed by GET /api/v1/dead-letters",
            )
        # Ids are 32-bit in the database: a larger number is no dead letter (and never reaches SQL).
        letter = await letters.get(int(raw)) if int(raw) <= MAX_ID else None
        if letter is None or not caller.sees(letter.shop):
            return _unknown(request, raw)
        result = await letters.retry([letter.id])
        if result.unknown:  # retried (or finished) by someone else a moment ago
            return _unknown(request, raw)
        logger.info("api: %s retried dead letter %s of %s", caller.name, letter.id, letter.shop)
        status_url = delivery_url(letter.shop, letter.webhook_id)
        body = {"retried": list(result.retried), "store": letter.shop, "status_url": status_url}
        return JSONResponse(body, headers={"Location": status_url})

    return [
        Route("/dead-letters", guarded(context, "dead_letters:read", list_letters), methods=["GET"]),
        Route("/dead-letters/{id}/retry", guarded(context, "dead_letters:write", retry), methods=["POST"]),
    ]


def _unknown(request: Request, raw: str) -> Response:
    return not_found(
        request,
        f"{raw} is not a dead letter (no such delivery, or it is not in state failed)",
        where="path parameter id",
        fix="use an id listed by GET /api/v1/dead-letters",
    )


def _letter_json(letter: DeadLetter) -> dict[str, Any]:
    return {
        "id": letter.id,
        "store": letter.shop,
        "topic": letter.topic,
        "webhook_id": letter.webhook_id,
        "order_id": letter.order_id,
        "attempts": letter.attempts,
        "failed_at": None if letter.failed_at is None else letter.failed_at.isoformat(),
        "note": letter.note,
    }
