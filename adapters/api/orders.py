"""An order's decisions, deciding it again, and following that request.

- `GET /stores/{store}/orders/{order_id}/decisions` (decisions:read): every decision recorded for
  the order, newest first, with its intents (and how far each write got) and its trace.
- `POST /stores/{store}/orders/{order_id}/decide` (decisions:write): stores a synthetic
  `fulfillment_orders/order_routing_complete` delivery for one of the order's open fulfillment
  orders, as reconciliation does (`adapters.reconcile`), and wakes the workers. Its id is
  `api:<uuid>`, new on every call; the workers decide it under the order's lock, so a state that
  was already decided is recognised (same fingerprint) and nothing new is written. Answers 202
  with a `Location` to poll.
- `GET /stores/{store}/deliveries/{delivery_id}` (decisions:read): a delivery's state, its note
  and the decision it led to.
`order_id` is the number or the GID (`gid://shopify/Order/<n>`, as is or percent-encoded: the
route takes the slashes of a GID). An order without a decision of
this store, or unknown to Shopify, is a 404, like one of a store the token may not see.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import uuid
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters.api.auth import guarded, store_denied
from adapters.api.context import ApiContext
from adapters.api.errors import bad_request, not_found, problem
from adapters.api.tokens import ApiToken
from adapters.processing import FINISHED_STATUSES, ROUTING_COMPLETE
from adapters.shopify.errors import ShopifyError, ShopifyNotFound
from adapters.store import DecisionLog, Inbox, NewDelivery, StoredDecision, StoredIntent
from adapters.store.clock import as_utc
from adapters.store.tables import DeliveryRow

logger = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
ORDER_GID_PREFIX = "gid://shopify/Order/"
DELIVERY_PREFIX = "api:"
MAX_DELIVERY_ID_LENGTH = 255


def order_gid(raw: str) -> str | None:
    """The order's GID from its number or its GID; None when `raw` is neither."""
    number = raw.removeprefix(ORDER_GID_PREFIX)
    if number.isascii() and number.isdigit() and 0 < len(number) <= 20 and int(number) > 0:
        return ORDER_GID_PREFIX + number
    return None


def delivery_url(store: str, delivery_id: str) -> str:
    """Where to poll a delivery stored by `decide`."""
    return f"{API_PREFIX}/stores/{store}/deliveries/{delivery_id}"


def order_routes(context: ApiContext) -> list[Route]:
    """The routes of an order's decisions and of the deliveries that decide it."""
    log = DecisionLog(context.sessions, clock=context.clock)
    inbox = Inbox(context.sessions, clock=context.clock)

    async def decisions(request: Request, caller: ApiToken) -> Response:
        store, raw = request.path_params["store"], request.path_params["order_id"]
        denied = store_denied(request, context, caller, store)
        if denied is not None:
            return denied
        order_id = order_gid(raw)
        if order_id is None:
            return _bad_order_id(request, raw)
        recorded = await log.for_order(store, order_id)
        if not recorded:
            return not_found(
                request,
                f"no decision is recorded for order {order_id} of store {store}",
                where="path parameter order_id",
                fix="check the order id and store; POST …/decide to have an undecided order decided",
            )
        newest_first = sorted(recorded, key=lambda d: (as_utc(d.created_at), d.id), reverse=True)
        body = [_decision_json(d, await log.intents(d.id)) for d in newest_first]
        return JSONResponse({"store": store, "order_id": order_id, "decisions": body})

    async def decide(request: Request, caller: ApiToken) -> Response:
        store, raw = request.path_params["store"], request.path_params["order_id"]
        denied = store_denied(request, context, caller, store)
        if denied is not None:
            return denied
        order_id = order_gid(raw)
        if order_id is None:
            return _bad_order_id(request, raw)
        try:
            snapshot = await context.orders[store].read_order_snapshot(order_id)
        except ShopifyNotFound:
            return not_found(
                request,
                f"store {store} has no order {order_id}",
                where="path parameter order_id",
                fix="check the order id and store",
            )
        except ShopifyError as exc:
            logger.warning("api decide: reading %s of %s failed: %s", order_id, store, exc)
            return problem(
                request,
                502,
                "shopify-unavailable",
                f"reading order {order_id} from Shopify failed ({type(exc).__name__}); nothing was stored",
                where=f"Shopify Admin API of {store}",
                fix="try again later",
            )
        open_orders = [fo.id for fo in snapshot.fulfillment_orders if fo.status not in FINISHED_STATUSES]
        if not open_orders:
            return problem(
                request,
                409,
                "nothing-to-decide",
                f"order {order_id} has no open fulfillment order; a decision could change nothing",
                where="path parameter order_id",
                fix="decide an order that still has an open fulfillment order",
            )
        delivery_id = f"{DELIVERY_PREFIX}{uuid.uuid4()}"
        # The body is the one a routing-complete webhook carries (as reconciliation stores it);
        # the extra key says who asked, for whoever reads the inbox later.
        body = {"fulfillment_order": {"id": open_orders[0], "status": "open"}, "requested_by": caller.name}
        await inbox.store(NewDelivery(delivery_id, store, ROUTING_COMPLETE, json.dumps(body)))
        context.notify()
        logger.info("api: %s asked to decide %s of %s again (%s)", caller.name, order_id, store, delivery_id)
        location = delivery_url(store, delivery_id)
        answer = {"delivery_id": delivery_id, "store": store, "order_id": order_id, "status_url": location}
        return JSONResponse(answer, status_code=202, headers={"Location": location})

    async def delivery(request: Request, caller: ApiToken) -> Response:
        store, delivery_id = request.path_params["store"], request.path_params["delivery_id"]
        denied = store_denied(request, context, caller, store)
        if denied is not None:
            return denied
        # A webhook id is short printable text; anything else is unknown without asking the database
        # (PostgreSQL refuses a NUL in a string).
        plausible = len(delivery_id) <= MAX_DELIVERY_ID_LENGTH and delivery_id.isprintable()
        row = await inbox.get(delivery_id) if plausible else None
        if row is None or row.shop != store:
            return not_found(
                request,
                f"store {store} has no delivery {delivery_id}",
                where="path parameter delivery_id",
                fix="use the delivery_id (or Location) answered by POST …/decide",
            )
        return JSONResponse(_delivery_json(row))

    return [
        Route(
            "/stores/{store}/orders/{order_id:path}/decisions",
            guarded(context, "decisions:read", decisions),
            methods=["GET"],
        ),
        Route(
            "/stores/{store}/orders/{order_id:path}/decide",
            guarded(context, "decisions:write", decide),
            methods=["POST"],
        ),
        Route(
            "/stores/{store}/deliveries/{delivery_id}",
            guarded(context, "decisions:read", delivery),
            methods=["GET"],
        ),
    ]


def _bad_order_id(request: Request, raw: str) -> Response:
    return bad_request(
        request,
        f"{raw[:80]!r} is not an order id",
        where="path parameter order_id",
        fix=f"write the order's number (e.g. 5001) or its GID ({ORDER_GID_PREFIX}5001)",
    )


def _iso(value: datetime | None) -> str | None:
    return None if value is None else as_utc(value).isoformat()


def _decision_json(stored: StoredDecision, intents: list[StoredIntent]) -> dict[str, Any]:
    decision = stored.decision
    return {
        "id": stored.id,
        "state": stored.state,
        "outcome": stored.outcome,
        "order_name": decision.order_name,
        "ruleset_version": decision.ruleset_version,
        "at": _iso(stored.created_at),
        "fulfillment_orders": [outcome.model_dump(mode="json") for outcome in decision.fulfillment_orders],
        "intents": [
            {
                "position": intent.position,
                "kind": intent.intent.kind,
                "idempotency_key": intent.idempotency_key,
                "state": intent.state,
                "attempts": intent.attempts,
                "intent": intent.intent.model_dump(mode="json"),
                "detail": (intent.result or {}).get("detail"),
            }
            for intent in intents
        ],
        "trace": [dataclasses.asdict(entry) for entry in decision.trace],
    }


def _delivery_json(row: DeliveryRow) -> dict[str, Any]:
    return {
        "delivery_id": row.webhook_id,
        "store": row.shop,
        "topic": row.topic,
        "state": row.state,
        "attempts": row.attempts,
        "note": row.note,
        "order_id": row.order_id,
        "decision_id": row.decision_id,
        "received_at": _iso(row.received_at),
        "finished_at": _iso(row.finished_at),
    }
