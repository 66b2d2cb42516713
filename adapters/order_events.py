"""Webhooks about an order (not a fulfillment order) that may change a decision: payments.

Their payloads are REST resources. `orders/paid` carries the Order: `admin_graphql_api_id` is the
order's GID (`id` is its number). `order_transactions/create` carries a Transaction: its
`admin_graphql_api_id` names the *transaction*; the order is `order_id` (a number). Another topic
joins by adding its reader to `ORDER_EVENTS`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ORDER_GID_PREFIX = "gid://shopify/Order/"


def _as_order_gid(value: Any) -> str | None:
    """An order GID from a GID or a number (REST ids are JSON numbers; a string of digits too)."""
    if (
        isinstance(value, str)
        and value.startswith(ORDER_GID_PREFIX)
        and value[len(ORDER_GID_PREFIX) :].isdigit()
    ):
        return value
    if isinstance(value, bool):  # bool is an int in Python, never an id
        return None
    if isinstance(value, int) and value > 0:
        return f"{ORDER_GID_PREFIX}{value}"
    if isinstance(value, str) and value.isdigit():
        return f"{ORDER_GID_PREFIX}{value}"
    return None


def _order_resource(body: dict[str, Any]) -> str | None:
    return _as_order_gid(body.get("admin_graphql_api_id")) or _as_order_gid(body.get("id"))


def _transaction_resource(body: dict[str, Any]) -> str | None:
    return _as_order_gid(body.get("order_id"))


# Topic -> how to find the order in its payload. These topics start a re-decision of the order.
ORDER_EVENTS: dict[str, Callable[[dict[str, Any]], str | None]] = {
    "orders/paid": _order_resource,
    "order_transactions/create": _transaction_resource,
}


def order_id(topic: str, body: dict[str, Any]) -> str | None:
    """The GID of the order an order event is about; None when the payload does not say."""
    reader = ORDER_EVENTS.get(topic)
    return reader(body) if reader is not None else None
