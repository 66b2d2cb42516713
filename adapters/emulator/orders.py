"""Orders, their line items, customer, payment transactions and metafields."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from adapters.emulator.locations import Address

# The financial statuses an order can be placed with (Shopify's OrderDisplayFinancialStatus).
PLACEABLE_FINANCIAL_STATUSES = ("PENDING", "AUTHORIZED", "PAID")


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
    price: Decimal = Decimal("0.00")  # per unit, shop currency, no discounts in the emulator


@dataclass
class Customer:
    id: str
    tags: list[str] = field(default_factory=list)


@dataclass
class Transaction:
    """A payment transaction; kinds and statuses as the REST resource spells them (lower case)."""

    id: str
    kind: str  # authorization | capture | sale
    amount: Decimal
    created_at: datetime
    status: str = "success"
    parent_id: str | None = None


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
    source_name: str = "web"
    financial_status: str = "PAID"  # Shopify's displayFinancialStatus
    customer: Customer | None = None  # None: a guest checkout
    transactions: list[Transaction] = field(default_factory=list)

    @property
    def total_price(self) -> Decimal:
        """Lines times unit prices: the emulator charges no tax, shipping or discounts."""
        return sum((line.price * line.quantity for line in self.line_items), Decimal("0.00"))

    def metafield(self, namespace: str, key: str) -> Metafield | None:
        return next((m for m in self.metafields if m.namespace == namespace and m.key == key), None)

    def sorted_tags(self) -> list[str]:
        # Shopify returns tags sorted (tagsAdd recording), whatever order they were added in.
        return sorted(self.tags, key=str.lower)
