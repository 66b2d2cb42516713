"""What the API's routes need, handed in by the composition root (tests hand in fakes)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.api.tokens import ApiTokens
from adapters.store.clock import Clock, utc_now
from engine.model import Snapshot


class OrderReader(Protocol):
    """One store's orders, read now (`adapters.shopify.gateway.ShopifyGateway` is one)."""

    async def read_order_snapshot(self, order_id: str) -> Snapshot:
        """The order and its fulfillment orders; raises `ShopifyNotFound` for an unknown order."""
        ...


@dataclass(frozen=True, slots=True)
class InventoryFigure:
    """`available` of one SKU's inventory item at one location, and when the figure was read."""

    sku: str
    inventory_item_id: str
    location_id: str
    location_name: str
    available: int
    read_at: datetime
    source: Literal["live", "cache"] = "live"  # cache: from the inventory view


class InventoryReader(Protocol):
    """One store's stock by SKU (`adapters.api.live_inventory.ShopifyInventory` reads it live)."""

    async def available(self, skus: Sequence[str]) -> list[InventoryFigure]:
        """Every location's `available` for the inventory items whose SKU is one of `skus`."""
        ...


@dataclass(frozen=True)
class ApiContext:
    """The API's dependencies.

    `orders` and `inventory` are keyed by shop domain; the configured stores are the keys of
    `orders`. `notify` wakes the workers after a delivery is stored (the pool's `notify`).
    `stale_seconds`: a cached inventory figure older than this is marked `stale`.
    """

    sessions: async_sessionmaker[AsyncSession]
    tokens: ApiTokens
    orders: Mapping[str, OrderReader]
    inventory: Mapping[str, InventoryReader]
    notify: Callable[[], None] = field(default=lambda: None)
    clock: Clock = utc_now
    stale_seconds: float | None = None

    @property
    def stores(self) -> list[str]:
        """The configured shop domains, sorted."""
        return sorted(self.orders)
