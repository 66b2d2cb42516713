"""The `/_emulator/` control API: place orders, take payments, inspect state and logs, inject faults.

`POST /_emulator/stores/{shop}/orders` places an order: `{"lines": [{"sku", "quantity"}],
"shipping_address": {...}, "tags": [...], "financial_status": "PAID" | "AUTHORIZED" | "PENDING",
"source_name": "web", "customer_tags": [...] (absent: a guest checkout)}`.
`POST /_emulator/stores/{shop}/orders/{ref}/pay` captures what the order owes (see `payments`).
`POST .../orders/{ref}/fulfill` and `.../orders/{ref}/cancel`: see `order_actions`.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from adapters.emulator.fulfillment import OTHER_APP_ID, FulfillmentOrder
from adapters.emulator.holds import hold_fulfillment_order
from adapters.emulator.locations import Address
from adapters.emulator.order_actions import order_action_routes
from adapters.emulator.payments import PaymentRejected, capture_payment
from adapters.emulator.rest import money, transaction_resource
from adapters.emulator.routing import OrderLineRequest, OrderRejected, place_order
from adapters.emulator.runtime import LEVEL_TOPIC, Emulator
from adapters.emulator.store import Store

ADDRESS_KEYS = {
    "address1",
    "city",
    "province",
    "province_code",
    "country_code",
    "zip",
    "latitude",
    "longitude",
    "first_name",
    "last_name",
    "phone",
}


def _error(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def fo_json(fo: FulfillmentOrder, store: Store) -> dict[str, Any]:
    return {
        "id": fo.id,
        "status": fo.status,
        "request_status": fo.request_status,
        "assigned_location_id": fo.assigned_location_id,
        "assigned_location_name": store.locations[fo.assigned_location_id].name,
        "line_items": [
            {
                "id": li.id,
                "sku": li.sku,
                "inventory_item_id": li.inventory_item_id,
                "total_quantity": li.total_quantity,
                "remaining_quantity": li.remaining_quantity,
            }
            for li in fo.line_items
        ],
        "holds": [
            {
                "id": h.id,
                "handle": h.handle,
                "reason": h.reason,
                "reason_notes": h.reason_notes,
                "held_by_requesting_app": h.held_by_requesting_app,
            }
            for h in fo.holds
        ],
    }


def order_json(store: Store, order_id: str) -> dict[str, Any]:
    order = store.orders[order_id]
    return {
        "id": order.id,
        "name": order.name,
        "tags": order.sorted_tags(),
        "source_name": order.source_name,
        "financial_status": order.financial_status,
        "total_price": money(order.total_price),
        "customer_tags": None if order.customer is None else order.customer.tags,
        "transactions": [transaction_resource(store, order, t) for t in order.transactions],
        "metafields": {
            f"{m.namespace}.{m.key}": {"type": m.type, "value": m.value} for m in order.metafields
        },
        "line_items": [{"id": li.id, "sku": li.sku, "quantity": li.quantity} for li in order.line_items],
        "fulfillment_orders": [fo_json(fo, store) for fo in store.fulfillment_orders_of(order.id)],
    }


def control_routes(emulator: Emulator) -> list[Route]:
    def store_of(request: Request) -> Store | None:
        return emulator.state.store(request.path_params["shop"])

    async def stores(request: Request) -> JSONResponse:
        return JSONResponse(
            [
                {
                    "domain": s.domain,
                    "name": s.name,
                    "admin_api_path": f"/stores/{s.domain}/admin/api/{s.api_version}/graphql.json",
                    "locations": [{"id": loc.id, "name": loc.name} for loc in s.locations.values()],
                    "native_ranking": s.native_ranking,
                }
                for s in emulator.state.stores.values()
            ]
        )

    async def create_order(request: Request) -> JSONResponse:
        store = store_of(request)
        if store is None:
            return _error("unknown store", 404)
        body = await request.json()
        try:
            lines = [OrderLineRequest(str(line["sku"]), int(line["quantity"])) for line in body["lines"]]
            raw = body.get("shipping_address")
            address = Address(**{k: v for k, v in raw.items() if k in ADDRESS_KEYS}) if raw else None
            customer_tags = body.get("customer_tags")
            order, events = place_order(
                emulator.state,
                store,
                lines,
                address,
                body.get("tags"),
                source_name=str(body.get("source_name", "web")),
                financial_status=str(body.get("financial_status", "PAID")),
                customer_tags=None if customer_tags is None else [str(tag) for tag in customer_tags],
            )
        except OrderRejected as exc:  # a ValueError: caught before the malformed-request case
            return _error(str(exc), 422)
        except (KeyError, TypeError, ValueError) as exc:
            return _error(f"bad order: {exc}")
        emulator.emit(store, events)
        return JSONResponse(order_json(store, order.id), status_code=201)

    async def get_order(request: Request) -> JSONResponse:
        store = store_of(request)
        order = store.order_by_ref(request.path_params["ref"]) if store else None
        if store is None or order is None:
            return _error("unknown store or order", 404)
        return JSONResponse(order_json(store, order.id))

    async def pay(request: Request) -> JSONResponse:
        """Capture the order's payment: PAID, with `order_transactions/create` and `orders/paid`."""
        store = store_of(request)
        order = store.order_by_ref(request.path_params["ref"]) if store else None
        if store is None or order is None:
            return _error("unknown store or order", 404)
        try:
            _, events = capture_payment(emulator.state, store, order)
        except PaymentRejected as exc:
            return _error(str(exc), 409)
        emulator.emit(store, events)
        return JSONResponse(order_json(store, order.id))

    async def foreign_hold(request: Request) -> JSONResponse:
        """A hold placed by another app or the merchant (heldByRequestingApp false)."""
        store = store_of(request)
        if store is None:
            return _error("unknown store", 404)
        body = await request.json()
        fo_id = request.path_params["fo"]
        fo_id = fo_id if fo_id.startswith("gid://") else f"gid://shopify/FulfillmentOrder/{fo_id}"
        hold = {
            "reason": body.get("reason", "OTHER"),
            "reasonNotes": body.get("reason_notes"),
            "handle": body.get("handle", ""),
            "fulfillmentOrderLineItems": [],
        }
        outcome = hold_fulfillment_order(
            emulator.state, store, fo_id, hold, app_id=body.get("app_id", OTHER_APP_ID)
        )
        if outcome.user_errors:
            return _error("; ".join(e.message for e in outcome.user_errors), 422)
        emulator.emit(store, outcome.events)
        return JSONResponse(fo_json(store.fulfillment_orders[fo_id], store), status_code=201)

    async def set_fo_state(request: Request) -> JSONResponse:
        """Put a fulfillment order in a state the engine can't cause (closed, in progress, submitted)."""
        store = store_of(request)
        fo_ref = request.path_params["fo"]
        fo_id = fo_ref if fo_ref.startswith("gid://") else f"gid://shopify/FulfillmentOrder/{fo_ref}"
        fo = store.fulfillment_orders.get(fo_id) if store else None
        if store is None or fo is None:
            return _error("unknown store or fulfillment order", 404)
        body = await request.json()
        fo.status = body.get("status", fo.status)
        fo.request_status = body.get("request_status", fo.request_status)
        return JSONResponse(fo_json(fo, store))

    async def inventory(request: Request) -> JSONResponse:
        store = store_of(request)
        if store is None:
            return _error("unknown store", 404)
        sku = request.query_params.get("sku")
        rows = []
        for item in store.inventory.items.values():
            if sku and item.sku != sku:
                continue
            for level in store.inventory.levels_of(item.id):
                rows.append(
                    {
                        "sku": item.sku,
                        "inventory_item_id": item.id,
                        "location_id": level.location_id,
                        "location": store.locations[level.location_id].name,
                        "available": level.available,
                        "committed": level.committed,
                        "on_hand": level.on_hand,
                    }
                )
        return JSONResponse(rows)

    async def mutations(request: Request) -> JSONResponse:
        return JSONResponse([m.as_dict() for m in emulator.mutations])

    async def webhooks(request: Request) -> JSONResponse:
        """The delivery log; `?topic=` and `?status=a,b` narrow it (the whole log is large in a long run)."""
        topic = request.query_params.get("topic")
        status = request.query_params.get("status")
        statuses = set(status.split(",")) if status else None
        return JSONResponse(
            [
                d.as_dict()
                for d in emulator.webhooks.deliveries
                if (not topic or d.topic == topic) and (statuses is None or d.status in statuses)
            ]
        )

    async def redeliver(request: Request) -> JSONResponse:
        delivery = emulator.webhooks.redeliver(request.path_params["id"])
        if delivery is None:
            return _error("unknown delivery", 404)
        return JSONResponse(delivery.as_dict(), status_code=202)

    async def webhook_config(request: Request) -> JSONResponse:
        body = await request.json()
        topics = body.get("topics")
        if topics is not None and not (isinstance(topics, list) and all(isinstance(t, str) for t in topics)):
            return _error(f'topics: a list of webhook topics (e.g. ["{LEVEL_TOPIC}"]), not {topics!r}')
        emulator.webhooks.url = body.get("url")
        if "topics" in body:
            emulator.subscribe(topics)
        topics = None if emulator.topics is None else sorted(emulator.topics)
        return JSONResponse({"url": emulator.webhooks.url, "topics": topics})

    async def accounting(request: Request) -> JSONResponse:
        return JSONResponse(emulator.accounting())

    async def faults(request: Request) -> JSONResponse:
        if request.method == "POST":
            try:
                emulator.faults.configure(await request.json())
            except (ValueError, TypeError) as exc:
                return _error(str(exc))
        return JSONResponse(emulator.faults.as_dict())

    async def reset(request: Request) -> JSONResponse:
        emulator.reset()
        return JSONResponse({"reset": True})

    return [
        Route("/_emulator/stores", stores),
        Route("/_emulator/stores/{shop}/orders", create_order, methods=["POST"]),
        Route("/_emulator/stores/{shop}/orders/{ref:path}/pay", pay, methods=["POST"]),
        Route("/_emulator/stores/{shop}/orders/{ref:path}", get_order),
        Route("/_emulator/stores/{shop}/fulfillment_orders/{fo:path}/holds", foreign_hold, methods=["POST"]),
        Route("/_emulator/stores/{shop}/fulfillment_orders/{fo:path}/state", set_fo_state, methods=["POST"]),
        Route("/_emulator/stores/{shop}/inventory", inventory),
        Route("/_emulator/mutations", mutations),
        Route("/_emulator/webhooks", webhooks),
        Route("/_emulator/webhooks/config", webhook_config, methods=["POST"]),
        Route("/_emulator/webhooks/{id}/redeliver", redeliver, methods=["POST"]),
        Route("/_emulator/accounting", accounting),
        Route("/_emulator/faults", faults, methods=["GET", "POST"]),
        Route("/_emulator/reset", reset, methods=["POST"]),
        *order_action_routes(emulator, order_json),  # the warehouse ships, staff cancel
    ]
