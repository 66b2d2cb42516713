"""Inventory items (one per variant and store) and their levels at locations.

A level exists only where the item is stocked; `on_hand = available + committed` because the
emulator models no other inventory states.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass
class InventoryItem:
    id: str
    sku: str
    variant_id: str
    product_id: str
    product_title: str
    vendor: str | None = None
    requires_shipping: bool = True
    product_type: str = ""
    price: Decimal = Decimal("0.00")  # per unit, shop currency


@dataclass
class InventoryLevel:
    item_id: str
    location_id: str
    available: int = 0
    committed: int = 0

    @property
    def id(self) -> str:
        # Shopify's InventoryLevel ids embed the item; a stable fake keeps them unique.
        item = self.item_id.rsplit("/", 1)[-1]
        location = self.location_id.rsplit("/", 1)[-1]
        return f"gid://shopify/InventoryLevel/{location}?inventory_item_id={item}"

    @property
    def on_hand(self) -> int:
        return self.available + self.committed

    def quantity(self, name: str) -> int:
        values = {"available": self.available, "committed": self.committed, "on_hand": self.on_hand}
        return values.get(name, 0)


@dataclass
class Inventory:
    items: dict[str, InventoryItem] = field(default_factory=dict)
    levels: dict[tuple[str, str], InventoryLevel] = field(default_factory=dict)
    # Levels whose `available` changed since the last `take_changed` (inventory_levels/update).
    changed: set[tuple[str, str]] = field(default_factory=set, compare=False, repr=False)

    def take_changed(self) -> list[InventoryLevel]:
        """The levels changed since the last call, in a stable order; forgets them."""
        keys, self.changed = sorted(self.changed), set()
        return [self.levels[key] for key in keys if key in self.levels]

    def item_by_sku(self, sku: str) -> InventoryItem | None:
        return next((item for item in self.items.values() if item.sku == sku), None)

    def level(self, item_id: str, location_id: str) -> InventoryLevel | None:
        return self.levels.get((item_id, location_id))

    def levels_of(self, item_id: str) -> list[InventoryLevel]:
        return [level for (item, _), level in self.levels.items() if item == item_id]

    def levels_at(self, location_id: str) -> list[InventoryLevel]:
        return [level for (_, loc), level in self.levels.items() if loc == location_id]

    def stocks(self, item_id: str | None, location_id: str) -> bool:
        return item_id is not None and (item_id, location_id) in self.levels

    def commit(self, item_id: str | None, location_id: str, quantity: int) -> None:
        """Reserve units for an order line, as Shopify does at order creation (may go negative)."""
        if item_id is None:
            return
        level = self.levels.setdefault((item_id, location_id), InventoryLevel(item_id, location_id))
        level.available -= quantity
        level.committed += quantity
        if quantity:
            self.changed.add((item_id, location_id))

    def transfer_commitment(self, item_id: str | None, source: str, destination: str, quantity: int) -> None:
        self.commit(item_id, source, -quantity)
        self.commit(item_id, destination, quantity)
