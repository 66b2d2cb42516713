"""Small stand-ins for the stores the API reads: only what the routes call."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from adapters.api.context import InventoryFigure
from adapters.shopify.errors import ShopifyNotFound, ShopifyUnavailable
from engine.model import Snapshot


class FakeOrders:
    """One store's orders by GID; an order it does not hold is not found, as Shopify answers."""

    def __init__(self, *snapshots: Snapshot, down: bool = False) -> None:
        self.snapshots = {snapshot.order.id: snapshot for snapshot in snapshots}
        self.down = down
        self.reads: list[str] = []

    async def read_order_snapshot(self, order_id: str) -> Snapshot:
        self.reads.append(order_id)
        if self.down:
            raise ShopifyUnavailable("HTTP 503 until the retries ran out", attempts=5, status=503)
        if order_id not in self.snapshots:
            raise ShopifyNotFound(f"order {order_id} not found", gid=order_id)
        return self.snapshots[order_id]


class FakeInventory:
    """One store's stock: (sku, item, location id, location name, available), read at `read_at`."""

    def __init__(
        self, rows: Sequence[tuple[str, str, str, str, int]], read_at: datetime, *, down: bool = False
    ) -> None:
        self.rows = rows
        self.read_at = read_at
        self.down = down
        self.asked: list[list[str]] = []

    async def available(self, skus: Sequence[str]) -> list[InventoryFigure]:
        self.asked.append(list(skus))
        if self.down:
            raise ShopifyUnavailable("HTTP 503 until the retries ran out", attempts=5, status=503)
        return [
            InventoryFigure(sku, item, location, name, available, self.read_at)
            for sku, item, location, name, available in self.rows
            if sku in skus
        ]
