"""What a store's people do to an order outside the API: the warehouse ships it, staff cancel it.

`POST /_emulator/stores/{shop}/orders/{ref}/fulfill` with `{"tracking_company": "UPS",
"tracking_numbers": ["1Z…"], "tracking_urls": [...]}` ships every open fulfillment order of the
order (OPEN or IN_PROGRESS; held ones wait), one fulfillment per fulfillment order, each sending
`fulfillments/create`, exactly as `fulfillmentCreate` would. `POST .../orders/{ref}/cancel` with
`{"reason": "CUSTOMER", "restock": true}` (both optional) cancels it as staff do in the admin,
sending `orders/cancelled`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from adapters.emulator.fulfillment_create import Fulfillment, create_fulfillment
from adapters.emulator.order_cancel import cancel_order
from adapters.emulator.orders import Order
from adapters.emulator.outcomes import WebhookEvent
from adapters.emulator.runtime import Emulator
from adapters.emulator.state import EmulatorState
from adapters.emulator.store import Store

SHIPPABLE = frozenset({"OPEN", "IN_PROGRESS"})
CANCEL_REASONS = frozenset({"CUSTOMER", "DECLINED", "FRAUD", "INVENTORY", "STAFF", "OTHER"})


class NothingToShip(ValueError):
    """The order has no open fulfillment order (all shipped, held, closed or cancelled)."""


def ship_open_fulfillment_orders(
    state: EmulatorState,
    store: Store,
    order: Order,
    *,
    tracking_company: str | None,
    tracking_numbers: list[str],
    tracking_urls: list[str] | None = None,
) -> tuple[list[Fulfillment], list[WebhookEvent]]:
    """Fulfil what remains of every open fulfillment order of the order, with the same tracking."""
    open_fos = [fo for fo in store.fulfillment_orders_of(order.id) if fo.status in SHIPPABLE]
    if not open_fos:
        every = store.fulfillment_orders_of(order.id)
        statuses = ", ".join(sorted({fo.status for fo in every})) or "none"
        raise NothingToShip(f"order {order.name} has no open fulfillment order to ship ({statuses})")
    tracking: dict[str, Any] = {"company": tracking_company, "numbers": tracking_numbers}
    if tracking_urls:
        tracking["urls"] = tracking_urls
    made: list[Fulfillment] = []
    events: list[WebhookEvent] = []
    for fo in open_fos:
        outcome = create_fulfillment(
            state,
            store,
            {
                "lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo.id}],
                "trackingInfo": tracking,
                "notifyCustomer": False,
            },
        )
        if outcome.user_errors:  # cannot happen for an open FO; say so rather than ship half
            raise NothingToShip("; ".join(e.message for e in outcome.user_errors))
        made.append(outcome.objects["fulfillment"])
        events.extend(outcome.events)
    return made, events


def _error(message: str, status: int) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    body = await request.json()
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    return body


def order_action_routes(
    emulator: Emulator, order_json: Callable[[Store, str], dict[str, Any]]
) -> list[Route]:
    """The control routes above; `order_json` renders the order as the control API does."""

    def found(request: Request) -> tuple[Store, Order] | None:
        store = emulator.state.store(request.path_params["shop"])
        order = store.order_by_ref(request.path_params["ref"]) if store else None
        return (store, order) if store is not None and order is not None else None

    async def fulfill(request: Request) -> JSONResponse:
        target = found(request)
        if target is None:
            return _error("unknown store or order", 404)
        store, order = target
        try:
            body = await _body(request)
            numbers = [str(n) for n in body.get("tracking_numbers") or []]
            urls = [str(u) for u in body.get("tracking_urls") or []]
            company = body.get("tracking_company")
            made, events = ship_open_fulfillment_orders(
                emulator.state,
                store,
                order,
                tracking_company=None if company is None else str(company),
                tracking_numbers=numbers,
                tracking_urls=urls,
            )
        except NothingToShip as exc:  # a ValueError: caught before the malformed-request case
            return _error(str(exc), 409)
        except (TypeError, ValueError) as exc:
            return _error(f"bad fulfil request: {exc}; send tracking_company and tracking_numbers", 400)
        emulator.emit(store, events)
        answer = order_json(store, order.id)
        answer["fulfillments"] = [{"id": f.id, "name": f.name, "quantity": f.total_quantity} for f in made]
        return JSONResponse(answer, status_code=201)

    async def cancel(request: Request) -> JSONResponse:
        target = found(request)
        if target is None:
            return _error("unknown store or order", 404)
        store, order = target
        try:
            body = await _body(request)
        except ValueError as exc:
            return _error(f"bad cancel request: {exc}", 400)
        reason = str(body.get("reason", "OTHER")).upper()
        if reason not in CANCEL_REASONS:
            return _error(f"reason {reason!r} is not one of {', '.join(sorted(CANCEL_REASONS))}", 400)
        outcome = cancel_order(
            emulator.state,
            store,
            order.id,
            reason=reason,
            restock=bool(body.get("restock", True)),
            staff_note=body.get("staff_note"),
        )
        if outcome.user_errors:
            return _error("; ".join(e.message for e in outcome.user_errors), 409)
        emulator.emit(store, outcome.events)
        return JSONResponse(order_json(store, order.id))

    return [
        Route("/_emulator/stores/{shop}/orders/{ref:path}/fulfill", fulfill, methods=["POST"]),
        Route("/_emulator/stores/{shop}/orders/{ref:path}/cancel", cancel, methods=["POST"]),
    ]
