"""Webhooks about an order (not a fulfillment order) that may change a decision: payments, edits.

Payment events always decide an order again when it waits (`PAYMENT_EVENTS`); the other order
topics do when a rule's `release_on` names them (`RuleSet.release_topics()`). Their payloads are
REST resources, and each topic names its order in its own way:
- `orders/paid`, `orders/updated`: the Order; `admin_graphql_api_id` is its GID, `id` its number;
- `order_transactions/create`: a Transaction; its `admin_graphql_api_id` names the *transaction*,
  the order is `order_id` (a number);
- `orders/edited`: `{"order_edit": {"order_id": …}}`;
- `orders/risk_assessment_changed`: `order_id` (from Shopify's sample payload; not recorded).
Another topic joins by adding its reader to `READERS`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

ORDER_GID_PREFIX = "gid://shopify/Order/"


def _as_order_gid(value: Any) -> str | None:
    """An order GID from a GID or a number (REST ids are JSON numbers; a string of digits too)."""
    if isinstance(value, str) and value.startswith(ORDER_GID_PREFIX):
        return value if value[len(ORDER_GID_PREFIX) :].isdigit() else None
    if isinstance(value, bool):  # a bool is an int in Python, never an id
        return None
    if isinstance(value, int) and value > 0:
        return f"{ORDER_GID_PREFIX}{value}"
    if isinstance(value, str) and value.isdigit():
        return f"{ORDER_GID_PREFIX}{value}"
    return None


def _order_resource(body: dict[str, Any]) -> str | None:
    return _as_order_gid(body.get("admin_graphql_api_id")) or _as_order_gid(body.get("id"))


def _order_id_field(body: dict[str, Any]) -> str | None:
    return _as_order_gid(body.get("order_id"))


def _order_edit(body: dict[str, Any]) -> str | None:
    edit = body.get("order_edit")
    return _order_id_field(edit) if isinstance(edit, dict) else None


READERS: dict[str, Callable[[dict[str, Any]], str | None]] = {
    "orders/paid": _order_resource,
    "orders/updated": _order_resource,
    "orders/edited": _order_edit,
    "order_transactions/create": _order_id_field,
    "orders/risk_assessment_changed": _order_id_field,
}
PAYMENT_EVENTS = frozenset({"orders/paid", "order_transactions/create"})


def deciding_topics(release_topics: Iterable[str] = ()) -> frozenset[str]:
    """The order topics that decide an order again: payments, and what the rules release on."""
    return PAYMENT_EVENTS | (frozenset(release_topics) & READERS.keys())


def order_id(topic: str, body: dict[str, Any]) -> str | None:
    """The GID of the order an order event is about; None when the payload does not say."""
    reader = READERS.get(topic)
    return reader(body) if reader is not None else None
