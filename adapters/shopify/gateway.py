"""`ShopifyGateway`: the `StoreGateway` port over the GraphQL Admin API of one store."""

from __future__ import annotations

from adapters.shopify.client import ShopifyClient
from adapters.shopify.executor import Executor
from adapters.shopify.outcomes import IntentResult
from adapters.shopify.snapshot import LocationCache, read_order_snapshot, read_snapshot
from engine.intents import AddOrderTags, Intent, SetOrderMetafield
from engine.model import Snapshot


class ShopifyGateway:
    def __init__(self, client: ShopifyClient, *, locations_ttl_seconds: float = 300.0) -> None:
        self.client = client
        self.locations = LocationCache(client, ttl_seconds=locations_ttl_seconds)
        self._executor = Executor(client)

    async def read_snapshot(self, fulfillment_order_id: str) -> Snapshot:
        return await read_snapshot(
            self.client, self.locations, fulfillment_order_id, await self._candidates()
        )

    async def read_order_snapshot(self, order_id: str) -> Snapshot:
        return await read_order_snapshot(self.client, self.locations, order_id, await self._candidates())

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
