"""`ShopifyGateway`: the `StoreGateway` port over the GraphQL Admin API of one store."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from adapters.shopify import fulfillments, inventory_writes, linked_orders, mutations
from adapters.shopify.client import ShopifyClient
from adapters.shopify.executor import Executor
from adapters.shopify.fulfillments import FulfillmentResult
from adapters.shopify.inventory_writes import SetQuantitiesResult, SkuMatches
from adapters.shopify.linked_orders import LinkedOrder, LinkOrigin, ShippedFulfillment
from adapters.shopify.outcomes import IntentResult
from adapters.shopify.ship_to import ShipToAddress, ShipToMemory, ship_to_of
from adapters.shopify.sku_pages import SkuPages
from adapters.shopify.snapshot import LocationCache, read_order_snapshot, read_snapshot
from engine.intents import AddOrderTags, Intent, LineQuantity, SetOrderMetafield
from engine.model import Snapshot


class ShopifyGateway:
    def __init__(self, client: ShopifyClient, *, locations_ttl_seconds: float = 300.0) -> None:
        self.client = client
        self.locations = LocationCache(client, ttl_seconds=locations_ttl_seconds)
        self._executor = Executor(client)
        self._ship_tos = ShipToMemory()
        self._sku_pages = SkuPages()  # a hand-off looks its SKUs up twice in a second

    async def read_snapshot(self, fulfillment_order_id: str) -> Snapshot:
        snapshot = await read_snapshot(
            self.client,
            self.locations,
            fulfillment_order_id,
            await self._candidates(),
            ship_tos=self._ship_tos,
        )
        self._executor.read(snapshot)
        return snapshot

    async def read_order_snapshot(self, order_id: str) -> Snapshot:
        snapshot = await read_order_snapshot(
            self.client, self.locations, order_id, await self._candidates(), ship_tos=self._ship_tos
        )
        self._executor.read(snapshot)
        return snapshot

    async def apply(
        self, intent: Intent, *, snapshot: Snapshot | None, decided_on: Snapshot | None = None
    ) -> IntentResult:
        return await self._executor.apply(intent, snapshot=snapshot, decided_on=decided_on)

    async def annotate_order(
        self, metafield: SetOrderMetafield, tags: AddOrderTags, *, snapshot: Snapshot | None
    ) -> tuple[IntentResult, IntentResult]:
        return await self._executor.annotate_order(metafield, tags, snapshot)

    async def _candidates(self) -> list[str]:
        # Every active location is a candidate: locationsForMove then tells which can take it.
        return [location.id for location in await self.locations.get() if location.is_active]

    async def create_fulfillment(
        self,
        fulfillment_order_id: str,
        lines: Sequence[LineQuantity],
        tracking_company: str | None,
        tracking_numbers: Sequence[str],
        tracking_urls: Sequence[str] = (),
        notify_customer: bool = False,
    ) -> FulfillmentResult:
        """Fulfil the shipped `lines` (all remaining lines when empty) with carrier and tracking."""
        return await fulfillments.create_fulfillment(
            self.client,
            fulfillment_order_id,
            lines,
            tracking_company=tracking_company,
            tracking_numbers=tracking_numbers,
            tracking_urls=tracking_urls,
            notify_customer=notify_customer,
        )

    async def set_available(
        self,
        location_id: str,
        quantities: Mapping[str, int],
        idempotency_key: str,
        reference: str,
        change_from: Mapping[str, int] | None = None,
    ) -> SetQuantitiesResult:
        """Set `available` per inventory item at the location, keyed for safe retries."""
        return await inventory_writes.set_available(
            self.client,
            location_id,
            quantities,
            idempotency_key=idempotency_key,
            reference=reference,
            change_from=change_from,
        )

    async def inventory_items_by_sku(self, skus: Iterable[str]) -> SkuMatches:
        """Inventory item ids of the SKUs, with the missing and the ambiguous ones set apart."""
        return await inventory_writes.inventory_items_by_sku(self.client, skus, self._sku_pages)

    async def ship_to(self, order_id: str) -> ShipToAddress:
        """The order's full shipping address (name and street), for a vendor's purchase order:
        the one the order read carried moments ago, else read."""
        return await ship_to_of(self.client, order_id, self._ship_tos)

    async def split_off(self, fulfillment_order_id: str, lines: Sequence[LineQuantity]) -> str:
        """Split `lines` off into a new fulfillment order (Shopify's `remainingFulfillmentOrder`); its id."""
        payload = await mutations.split_fulfillment_orders(self.client, {fulfillment_order_id: lines})
        [split] = payload["fulfillmentOrderSplits"]
        new_id: str = split["remainingFulfillmentOrder"]["id"]
        return new_id

    async def create_linked_order(
        self,
        lines: Sequence[tuple[str, int]],
        ship_to: ShipToAddress,
        tags: Sequence[str],
        origin: LinkOrigin,
    ) -> LinkedOrder:
        """Create the linked order of a hand-off in this store (no idempotency key: find first on retry)."""
        return await linked_orders.create_linked_order(
            self.client, lines=lines, ship_to=ship_to, tags=tags, origin=origin, pages=self._sku_pages
        )

    async def find_linked_order(
        self, origin_order_id: str, origin_shop: str | None = None
    ) -> LinkedOrder | None:
        """This store's linked order of another store's order, by link tag confirmed by metafield."""
        return await linked_orders.find_linked_order(self.client, origin_order_id, origin_shop=origin_shop)

    async def cancel_order(self, order_id: str, reason: str = "OTHER", staff_note: str | None = None) -> None:
        """Cancel an order of this store and restock it; an order already cancelled is left as it is."""
        await linked_orders.cancel_order(self.client, order_id, reason=reason, staff_note=staff_note)

    async def read_fulfillments(self, order_id: str) -> list[ShippedFulfillment]:
        """The order's fulfillments with tracking and units by SKU (when a webhook was lost)."""
        return await linked_orders.read_fulfillments(self.client, order_id)
