"""The small interfaces processing talks through; tests hand in fakes, the app real adapters."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from adapters.shopify.fulfillments import FulfillmentResult
from adapters.shopify.inventory_writes import SetQuantitiesResult, SkuMatches
from adapters.shopify.linked_orders import LinkedOrder, LinkOrigin, ShippedFulfillment
from adapters.shopify.outcomes import IntentResult
from adapters.shopify.ship_to import ShipToAddress
from engine.intents import AddOrderTags, HandOff, Intent, LineQuantity, SendPurchaseOrder, SetOrderMetafield
from engine.model import Snapshot


class StoreGateway(Protocol):
    """One Shopify store, as a decision needs it: read the order's state, apply one intent."""

    async def read_snapshot(self, fulfillment_order_id: str) -> Snapshot:
        """Everything a decision sees about the fulfillment order's order, read now."""
        ...

    async def read_order_snapshot(self, order_id: str) -> Snapshot:
        """The same, starting from the order (webhooks that carry an order rather than an FO)."""
        ...

    async def apply(
        self, intent: Intent, *, snapshot: Snapshot | None, decided_on: Snapshot | None = None
    ) -> IntentResult:
        """Re-check the intent's precondition (against `snapshot`, or a fresh read) and write.

        `decided_on` is the snapshot the intent's decision was made from; a retry uses it to tell
        what was there before the decision's first write from what that write created.
        """
        ...

    async def annotate_order(
        self, metafield: SetOrderMetafield, tags: AddOrderTags, *, snapshot: Snapshot | None
    ) -> tuple[IntentResult, IntentResult]:
        """The decision metafield and our tags, each re-checked as by `apply`, in one request."""
        ...


class VendorStoreGateway(StoreGateway, Protocol):
    """A store as drop-ship vendors need it besides routing: fulfil shipped lines, keep stock.

    A Protocol of its own so that gateways (and fakes) that only route need not grow these.
    """

    async def create_fulfillment(
        self,
        fulfillment_order_id: str,
        lines: Sequence[LineQuantity],
        tracking_company: str | None,
        tracking_numbers: Sequence[str],
        tracking_urls: Sequence[str] = (),
        notify_customer: bool = False,
    ) -> FulfillmentResult:
        """Fulfil `lines` of the fulfillment order (all remaining when empty) with tracking.

        No idempotency key exists for this mutation: after `ShopifyUnavailable` re-read the
        fulfillment order before sending it again.
        """
        ...

    async def set_available(
        self,
        location_id: str,
        quantities: Mapping[str, int],
        idempotency_key: str,
        reference: str,
        change_from: Mapping[str, int] | None = None,
    ) -> SetQuantitiesResult:
        """Set `available` per inventory item id at the location; reuse the key only to retry."""
        ...

    async def inventory_items_by_sku(self, skus: Iterable[str]) -> SkuMatches:
        """Inventory item ids by exact SKU; missing and ambiguous SKUs reported apart."""
        ...

    async def ship_to(self, order_id: str) -> ShipToAddress:
        """The order's full shipping address, which a vendor ships to."""
        ...

    async def split_off(self, fulfillment_order_id: str, lines: Sequence[LineQuantity]) -> str:
        """Split `lines` off into a new fulfillment order; the new one's id."""
        ...


class VendorDesk(Protocol):
    """Sources outside the store as a decision needs them: drop-ship vendors (see
    `adapters.vendors.desk`) and other stores' locations (`adapters.handoffs.desk`)."""

    async def with_vendors(self, snapshot: Snapshot) -> Snapshot:
        """The snapshot with the store's outside sources and the order's lines placed with them."""
        ...

    async def buy(
        self,
        intent: SendPurchaseOrder | HandOff,
        gateway: StoreGateway,
        *,
        snapshot: Snapshot | None,
        decided_on: Snapshot | None,
        key: str,
    ) -> IntentResult:
        """Number the purchase order, move and hold the lines, send the 850. `key` is the
        intent's idempotency key: a retry finds the purchase order it already opened."""
        ...


class HandOffStoreGateway(VendorStoreGateway, Protocol):
    """A store as cross-store hand-offs need it: the linked order it fills for another store.

    Each store's gateway holds that store's credentials only: the origin store's gateway moves
    and fulfils its own order, the fulfilling store's gateway creates and cancels the linked one.
    """

    async def create_linked_order(
        self,
        lines: Sequence[tuple[str, int]],
        ship_to: ShipToAddress,
        tags: Sequence[str],
        origin: LinkOrigin,
    ) -> LinkedOrder:
        """Create the linked order ((SKU, quantity) lines, tagged, metafield pointing at `origin`).

        No idempotency key exists for orderCreate: after `ShopifyUnavailable` call
        `find_linked_order` (after a short delay) before creating again.
        """
        ...

    async def find_linked_order(
        self, origin_order_id: str, origin_shop: str | None = None
    ) -> LinkedOrder | None:
        """The linked order of `origin_order_id` in this store (live first), or None."""
        ...

    async def cancel_order(self, order_id: str, reason: str = "OTHER", staff_note: str | None = None) -> None:
        """Cancel and restock an order of this store; one already cancelled is not an error."""
        ...

    async def read_fulfillments(self, order_id: str) -> list[ShippedFulfillment]:
        """The order's fulfillments (status, tracking, units by SKU), oldest first."""
        ...


class TopicHandlers(Protocol):
    """Webhook topics handled apart from decisions: a hand-off's follow-ups, state changes, the
    inventory view (see `adapters.state_changes.TopicHandlers`)."""

    @property
    def topics(self) -> frozenset[str]: ...

    async def on_webhook(self, shop: str, topic: str, body: Mapping[str, Any]) -> str:
        """Act on one; what was done, in words."""
        ...
