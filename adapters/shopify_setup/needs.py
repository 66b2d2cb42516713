"""What the engine needs from a Shopify install: the webhook topics it handles and the access scopes.

Both are derived from the code, so `shopify.app.toml` can be compared with them (a test does):
- topics: `fulfillment_orders/order_routing_complete` starts a decision, the echo topics of our own
  writes are recognised (`adapters.echoes`), the order topics of `adapters.order_events` decide a
  waiting order again (payments always, the rest when a hold rule's `release_on` names them, so
  we subscribe to all of them: a rule change must not need a new install), the state changes of
  `adapters.state_changes` (a cancelled fulfillment order or order, a changed address) are acted
  on, the hand-off follow-ups act on `fulfillments/create`, and `inventory_levels/update` keeps
  the coordination API's inventory view fresh (`adapters.inventory_keeper`).
- scopes: one per operation the documents in `adapters/shopify/documents/` send (see `SCOPES`).
"""

from __future__ import annotations

import re

from adapters import order_events
from adapters.echoes import ECHO_TOPICS
from adapters.handoffs.follow_up import TOPICS as FOLLOW_UP_TOPICS
from adapters.inventory_keeper import LEVEL_TOPIC
from adapters.processing import ROUTING_COMPLETE
from adapters.state_changes import StateChanges

HANDLED_TOPICS: frozenset[str] = frozenset(
    {
        ROUTING_COMPLETE,
        *ECHO_TOPICS,
        *order_events.READERS,
        *StateChanges.topics,
        *FOLLOW_UP_TOPICS,
        LEVEL_TOPIC,
    }
)

# Scope → why the engine needs it (the operations that use it). A write scope implies its read.
SCOPES: dict[str, str] = {
    "read_merchant_managed_fulfillment_orders": "fulfillment orders at the merchant's own locations",
    "write_merchant_managed_fulfillment_orders": (
        "fulfillmentOrderMove / Hold / ReleaseHold / Split, fulfillmentCreate at own locations"
    ),
    "read_third_party_fulfillment_orders": "fulfillment orders at fulfillment-service locations",
    "write_third_party_fulfillment_orders": "the same mutations at fulfillment-service locations",
    "read_orders": "the order's tags, metafield, address and lines; orders/* webhooks",
    "write_orders": "metafieldsSet and tagsAdd on orders, orderCreate / orderCancel of linked orders",
    "read_customers": "Order.customer.tags, which rules may test",
    "read_inventory": "available quantities per location; inventory items by SKU",
    "write_inventory": "inventorySetQuantities for drop-ship vendors' stock",
    "read_locations": "the store's locations and their addresses",
    "read_products": "productVariants by SKU and the product type of a line",
}
REQUIRED_SCOPES: tuple[str, ...] = tuple(sorted(SCOPES))

_TOPIC = re.compile(r"^[a-z_]+/[a-z_]+$")


def topic_enum(topic: str) -> str:
    """`fulfillment_orders/moved` → `FULFILLMENT_ORDERS_MOVED` (the `WebhookSubscriptionTopic` value)."""
    if not _TOPIC.match(topic):
        raise ValueError(f"{topic!r} is not a webhook topic; write e.g. orders/paid")
    return topic.replace("/", "_").upper()


def missing_scopes(granted: set[str] | frozenset[str]) -> list[str]:
    """The required scopes not granted; `write_x` counts as `read_x` (Shopify implies it)."""
    effective = set(granted) | {"read_" + s.removeprefix("write_") for s in granted if s.startswith("write_")}
    return [scope for scope in REQUIRED_SCOPES if scope not in effective]
