"""Intents: the writes a decision asks for, as data.

The engine only describes what should change in Shopify; the executor in `adapters/shopify`
turns each intent into a mutation after re-checking its precondition. Every intent names the
state it expects to find (`expected_*`), so that a retry after a crash can tell "already done"
from "still to do" from "someone else changed it".
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

# Handles of the holds we place start with this prefix, so echoes and staff can recognise them.
HOLD_HANDLE_PREFIX = "routing-engine"
DECISION_METAFIELD_NAMESPACE = "routing_engine"
DECISION_METAFIELD_KEY = "decision"


class _Intent(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LineQuantity(_Intent):
    """A quantity of one fulfillment-order line item (Shopify's FulfillmentOrderLineItemInput)."""

    id: str
    quantity: int


class MoveFulfillmentOrder(_Intent):
    """Move a fulfillment order (or some of its lines) to another location of the same store."""

    kind: Literal["move"] = "move"
    fulfillment_order_id: str
    from_location_id: str | None
    to_location_id: str
    lines: tuple[LineQuantity, ...] = ()  # empty: the whole fulfillment order


class HoldFulfillmentOrder(_Intent):
    """Place one of our holds on a fulfillment order; `handle` is unique per fulfillment order."""

    kind: Literal["hold"] = "hold"
    fulfillment_order_id: str
    reason: str
    notes: str
    handle: str
    lines: tuple[LineQuantity, ...] = ()  # empty: the whole fulfillment order


class ReleaseHold(_Intent):
    """Release our hold with this handle (never all holds: others' holds stay)."""

    kind: Literal["release_hold"] = "release_hold"
    fulfillment_order_id: str
    handle: str


class PurchaseOrderItem(_Intent):
    """A line bought from a vendor: the fulfillment-order line, its SKU and quantity."""

    id: str
    sku: str | None
    quantity: int
    title: str | None = None
    unit_price: float | None = None


class SendPurchaseOrder(_Intent):
    """Buy lines from a drop-ship vendor: a purchase order (X12 850), then the move, then our hold.

    The adapter numbers the purchase order, moves the lines to the vendor's location (all of the
    fulfillment order when `whole`, else a partial move of `lines`; nothing when it is there
    already), holds them under `handle` with a note naming the PO and its deadline, and sends the
    850. The vendor's answer decides what happens next (the order is decided again).
    """

    kind: Literal["purchase_order"] = "purchase_order"
    fulfillment_order_id: str
    from_location_id: str | None
    vendor_id: str
    vendor_name: str
    to_location_id: str
    whole: bool
    lines: tuple[PurchaseOrderItem, ...]
    acceptance_minutes: int
    handle: str
    reason: str = "OTHER"


class HandOff(_Intent):
    """Hand lines off to another store of the merchant: move them to the stand-in location, hold
    them under `handle`, and have the fulfilling store ship them (a linked order there, or the
    coordination service). Its fulfillment is copied back, tracking and all."""

    kind: Literal["handoff"] = "handoff"
    fulfillment_order_id: str
    from_location_id: str | None
    stand_in_location_id: str
    fulfilling_store: str
    fulfilling_location_id: str
    fulfilling_location_name: str
    whole: bool
    lines: tuple[PurchaseOrderItem, ...]
    handle: str
    reason: str = "OTHER"


class SetOrderMetafield(_Intent):
    """Write a metafield on the order (the decision summary, type `json`)."""

    kind: Literal["set_metafield"] = "set_metafield"
    order_id: str
    namespace: str
    key: str
    type: str
    value: str


class AddOrderTags(_Intent):
    """Add tags to the order; tags already there stay."""

    kind: Literal["add_tags"] = "add_tags"
    order_id: str
    tags: tuple[str, ...]


Intent = Annotated[
    MoveFulfillmentOrder
    | SendPurchaseOrder
    | HandOff
    | HoldFulfillmentOrder
    | ReleaseHold
    | SetOrderMetafield
    | AddOrderTags,
    Field(discriminator="kind"),
]


def hold_handle(reason: str) -> str:
    """The stable handle of our hold for a reason, e.g. `routing-engine.inventory-out-of-stock`."""
    return f"{HOLD_HANDLE_PREFIX}.{reason.lower().replace('_', '-')}"[:64]


VENDOR_HOLD_HANDLE = f"{HOLD_HANDLE_PREFIX}.awaiting-vendor"
HANDOFF_HOLD_HANDLE = f"{HOLD_HANDLE_PREFIX}.handed-off"
# The tag of a linked order the engine creates in the fulfilling store of a hand-off.
LINKED_ORDER_TAG = "routing-engine:linked-order"


def is_our_hold_handle(handle: str | None) -> bool:
    return bool(handle) and str(handle).startswith(HOLD_HANDLE_PREFIX + ".")
