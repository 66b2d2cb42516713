"""fulfillmentCreate: preconditions, messages and effects as the 2026-04 recordings show them.

Checks run in the order the multi-group recording shows: every quantity first, then that each
fulfillment order exists, belongs to one order and one location, then its status, its lines and
their remaining quantities. userErrors carry no code. Not recorded, our reading: an ON_HOLD (or
SCHEDULED, INCOMPLETE) fulfillment order is refused like a closed one, with its own status in the
message; a partly fulfilled one becomes IN_PROGRESS.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from adapters.emulator.fulfillment import FulfillmentOrder
from adapters.emulator.ids import numeric
from adapters.emulator.outcomes import Outcome, UserError, WebhookEvent
from adapters.emulator.state import EmulatorState, now
from adapters.emulator.store import Store
from adapters.emulator.views import View, Views, iso

FULFILLABLE_STATUSES = frozenset({"OPEN", "IN_PROGRESS"})
NOT_FOUND = "Fulfillment order does not exist."
LINE_NOT_FOUND = "Fulfillment order line item does not exist."
TOO_MANY = "Invalid fulfillment order line item quantity requested."
NOT_POSITIVE = "Quantity must be greater than 0"


@dataclass(frozen=True)
class TrackingEntry:
    company: str | None
    number: str | None
    url: str | None


@dataclass
class FulfilledLine:
    id: str
    line_item_id: str
    quantity: int


@dataclass
class Fulfillment:
    id: str
    name: str
    order_id: str
    location_id: str
    created_at: datetime
    notify_customer: bool
    tracking: list[TrackingEntry] = field(default_factory=list)
    lines: list[FulfilledLine] = field(default_factory=list)

    @property
    def total_quantity(self) -> int:
        return sum(line.quantity for line in self.lines)


# Per emulated world and store domain, so that a reset forgets them with the rest.
_FULFILLMENTS: weakref.WeakKeyDictionary[EmulatorState, dict[str, list[Fulfillment]]] = (
    weakref.WeakKeyDictionary()
)


def fulfillments_of(state: EmulatorState, store: Store, order_id: str | None = None) -> list[Fulfillment]:
    """Fulfillments created in this store (of one order if given), oldest first."""
    every = _FULFILLMENTS.get(state, {}).get(store.domain, [])
    return [f for f in every if order_id is None or f.order_id == order_id]


def _field(group: int, line: int) -> list[str]:
    return ["fulfillment", "lineItemsByFulfillmentOrder", str(group), "fulfillmentOrderLineItems", str(line)]


def _ids(values: list[str]) -> str:
    return "[" + ", ".join(str(numeric(v)) for v in values) + "]"


def _requested(
    store: Store, groups: list[dict[str, Any]]
) -> tuple[list[tuple[FulfillmentOrder, dict[str, int]]], UserError | None]:
    for g, group in enumerate(groups):
        for index, item in enumerate(group.get("fulfillmentOrderLineItems") or ()):
            if item["quantity"] <= 0:
                return [], UserError(NOT_POSITIVE, [*_field(g, index), "quantity"])
    fos: list[FulfillmentOrder] = []
    for group in groups:
        fo = store.fulfillment_orders.get(group["fulfillmentOrderId"])
        if fo is None:
            return [], UserError(NOT_FOUND, ["fulfillment"])
        fos.append(fo)
    orders = list(dict.fromkeys(fo.order_id for fo in fos))
    if len(orders) > 1:
        message = (
            "All fulfillment orders must belong to the same order. "
            f"Multiple orders with ids {_ids(orders)} were found."
        )
        return [], UserError(message, ["fulfillment"])
    locations = list(dict.fromkeys(fo.assigned_location_id for fo in fos))
    if len(locations) > 1:
        message = (
            "All fulfillment orders must be assigned to a single location. "
            f"Multiple locations with ids {_ids(locations)} were found."
        )
        return [], UserError(message, ["fulfillment"])
    wanted: list[tuple[FulfillmentOrder, dict[str, int]]] = []
    for fo, group in zip(fos, groups, strict=True):
        if fo.status not in FULFILLABLE_STATUSES:
            shown = "closed" if fo.is_closed else fo.status.lower()
            message = f"Fulfillment order {numeric(fo.id)} has an unfulfillable status= {shown}."
            return [], UserError(message, ["fulfillment"])
        items = group.get("fulfillmentOrderLineItems")
        if not items:
            quantities = {line.id: n for line in fo.line_items if (n := line.remaining_quantity)}
        else:
            quantities = {}
            for item in items:
                line = fo.line_item(item["id"])
                if line is None:
                    return [], UserError(LINE_NOT_FOUND, ["fulfillment"])
                quantities[line.id] = quantities.get(line.id, 0) + item["quantity"]
                if quantities[line.id] > line.remaining_quantity:
                    return [], UserError(TOO_MANY, ["fulfillment"])
        wanted.append((fo, quantities))
    return wanted, None


def _tracking(info: dict[str, Any] | None) -> list[TrackingEntry]:
    if not info:
        return []
    numbers = list(info.get("numbers") or ([info["number"]] if info.get("number") else []))
    urls = list(info.get("urls") or ([info["url"]] if info.get("url") else []))
    company = info.get("company")
    if not numbers:
        return [TrackingEntry(company, None, urls[0] if urls else None)] if company or urls else []
    return [
        TrackingEntry(company, number, urls[index] if index < len(urls) else None)
        for index, number in enumerate(numbers)
    ]


def create_fulfillment(state: EmulatorState, store: Store, fulfillment: dict[str, Any]) -> Outcome:
    wanted, error = _requested(store, list(fulfillment["lineItemsByFulfillmentOrder"]))
    if error is not None:
        return Outcome.failed(error)
    first = wanted[0][0]
    order = store.orders[first.order_id]
    by_order_line: dict[str, int] = {}
    stamp = now()
    for fo, quantities in wanted:
        for line_id, quantity in quantities.items():
            line = fo.line_item(line_id)
            assert line is not None
            line.remaining_quantity -= quantity
            by_order_line[line.line_item_id] = by_order_line.get(line.line_item_id, 0) + quantity
            level = store.inventory.level(line.inventory_item_id, fo.assigned_location_id)
            if level is not None:
                level.committed -= quantity  # shipped: leaves on_hand, no longer committed
        fo.status = "CLOSED" if fo.remaining_units() == 0 else "IN_PROGRESS"
        fo.updated_at = stamp
    created = _FULFILLMENTS.setdefault(state, {}).setdefault(store.domain, [])
    count = len(fulfillments_of(state, store, order.id))
    made = Fulfillment(
        id=state.ids.next("Fulfillment"),
        name=f"{order.name}-F{count + 1}",
        order_id=order.id,
        location_id=first.assigned_location_id,
        created_at=stamp,
        notify_customer=bool(fulfillment.get("notifyCustomer")),
        tracking=_tracking(fulfillment.get("trackingInfo")),
        lines=[
            FulfilledLine(state.ids.next("FulfillmentLineItem"), line_item_id, quantity)
            for line_item_id, quantity in by_order_line.items()
        ],
    )
    created.append(made)
    order.updated_at = stamp
    return Outcome(
        objects={"fulfillment": made},
        events=[WebhookEvent("fulfillments/create", webhook_payload(store, made))],
    )


def webhook_payload(store: Store, made: Fulfillment) -> dict[str, Any]:
    """The `fulfillments/create` body, in the REST shape Shopify's webhooks use."""
    order = store.orders[made.order_id]
    order_lines = {line.id: line for line in order.line_items}
    first = made.tracking[0] if made.tracking else TrackingEntry(None, None, None)
    return {
        "id": numeric(made.id),
        "admin_graphql_api_id": made.id,
        "order_id": numeric(order.id),
        "name": made.name,
        "status": "success",
        "service": "manual",
        "created_at": iso(made.created_at),
        "updated_at": iso(made.created_at),
        "location_id": numeric(made.location_id),
        "notify_customer": made.notify_customer,
        "tracking_company": first.company,
        "tracking_number": first.number,
        "tracking_numbers": [t.number for t in made.tracking if t.number],
        "tracking_url": first.url,
        "tracking_urls": [t.url for t in made.tracking if t.url],
        "line_items": [
            {
                "id": numeric(line.line_item_id),
                "admin_graphql_api_id": line.line_item_id,
                "sku": order_lines[line.line_item_id].sku,
                "title": order_lines[line.line_item_id].title,
                "quantity": line.quantity,
            }
            for line in made.lines
        ],
    }


def fulfillment_view(views: Views, made: Fulfillment) -> View:
    """The `Fulfillment` object of the payload."""
    store = views.store
    order = store.orders[made.order_id]
    order_lines = {line.id: line for line in order.line_items}
    lines = [
        {
            "__typename": "FulfillmentLineItem",
            "id": line.id,
            "quantity": line.quantity,
            "lineItem": lambda info, line=line: views.line_item(order_lines[line.line_item_id]),
        }
        for line in made.lines
    ]
    tracking = [{"company": t.company, "number": t.number, "url": t.url} for t in made.tracking]
    return {
        "__typename": "Fulfillment",
        "id": made.id,
        "legacyResourceId": str(numeric(made.id)),
        "name": made.name,
        "status": "SUCCESS",
        "displayStatus": "FULFILLED",
        "createdAt": iso(made.created_at),
        "updatedAt": iso(made.created_at),
        "requiresShipping": True,
        "totalQuantity": made.total_quantity,
        "trackingInfo": lambda info, first=None: tracking[:first] if first is not None else tracking,
        "fulfillmentLineItems": lambda info, **args: _page(lines, args),
        "location": lambda info: views.location(store.locations[made.location_id]),
        "order": lambda info: views.order(order),
    }


def _page(nodes: list[View], args: dict[str, Any]) -> View:
    first = args.get("first")
    shown = nodes[:first] if first is not None else nodes
    return {
        "nodes": shown,
        "edges": [{"node": n, "cursor": str(n["id"])} for n in shown],
        "pageInfo": {
            "hasNextPage": len(shown) < len(nodes),
            "hasPreviousPage": False,
            "startCursor": str(shown[0]["id"]) if shown else None,
            "endCursor": str(shown[-1]["id"]) if shown else None,
        },
    }
