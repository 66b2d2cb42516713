"""Orders, their line items and metafields."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from adapters.emulator.locations import Address


@dataclass
class Metafield:
    id: str
    owner_id: str
    namespace: str
    key: str
    type: str
    value: str
    created_at: datetime
    updated_at: datetime

    @property
    def compare_digest(self) -> str:
        # Opaque to clients, like Shopify's: it changes whenever the stored value changes.
        seed = f"{self.id}|{self.type}|{self.value}"
        return hashlib.sha256(seed.encode()).hexdigest()


@dataclass
class LineItem:
    id: str
    sku: str
    title: str
    quantity: int
    inventory_item_id: str
    variant_id: str
    vendor: str | None = None
    requires_shipping: bool = True


@dataclass
class Order:
    id: str
    name: str
    created_at: datetime
    updated_at: datetime
    line_items: list[LineItem] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    metafields: list[Metafield] = field(default_factory=list)
    shipping_address: Address | None = None
    email: str | None = None
    note: str | None = None

    def metafield(self, namespace: str, key: str) -> Metafield | None:
        return next((m for m in self.metafields if m.namespace == namespace and m.key == key), None)

    def sorted_tags(self) -> list[str]:
        # Shopify returns tags sorted (tagsAdd recording), whatever order they were added in.
        return sorted(self.tags, key=str.lower)
