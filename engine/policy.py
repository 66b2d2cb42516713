"""Where and how to ship, as the rules say it: locations, groups, settings, ranking, splitting.

Everything here is frozen data read from the rule files (see `read_locations`,
`read_strategies`) and round-trips through JSON, like the rest of the `RuleSet`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from engine.conditions import Condition

RankBy = Literal["distance", "priority", "stock", "cost", "load"]
RANK_KEYS: tuple[RankBy, ...] = ("distance", "priority", "stock", "cost", "load")
# Exclusions a strategy may switch off with `ignore:`; Shopify's own limits (inactive, not
# fulfilling online orders, not movable) cannot be ignored.
IGNORABLE = ("safety_stock", "capacity", "business_hours", "cutoff", "closed_days", "restrictions")
KEEP_TOGETHER_BY = ("fulfillment_order", "vendor", "product_type")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LocationRef(_Frozen):
    """A location by name or GID; `store` None means the order's own store."""

    kind: Literal["location"] = "location"
    location: str
    store: str | None = None

    def label(self) -> str:
        return self.location if self.store is None else f"{self.location} ({self.store})"


class GroupRef(_Frozen):
    kind: Literal["group"] = "group"
    group: str


Source = Annotated[LocationRef | GroupRef, Field(discriminator="kind")]


class SkuAmount(_Frozen):
    sku: str  # as written; compared ignoring case
    units: int


class DayHours(_Frozen):
    """Opening intervals of one weekday, in minutes since local midnight; empty: closed."""

    day: str
    open: tuple[tuple[int, int], ...]


class DayCutoff(_Frozen):
    day: str
    minute: int


class Cost(_Frozen):
    """Cost of one shipment from a location to a destination country (None: anywhere else)."""

    country: str | None
    amount: float


class LocationSettings(_Frozen):
    """What the rules know about one location beyond Shopify: priority, cost, calendar, limits."""

    ref: LocationRef
    priority: int | None = None
    costs: tuple[Cost, ...] = ()
    daily_capacity: int | None = None
    safety_stock: int | None = None
    safety_stock_by_sku: tuple[SkuAmount, ...] = ()
    hours: tuple[DayHours, ...] | None = None  # None: no business hours (always open)
    cutoffs: tuple[DayCutoff, ...] = ()
    closed_on: tuple[str, ...] = ()  # ISO dates, shop-local
    refuses: Condition | None = None  # a line condition: lines this location never ships
    origin: str = ""

    def cost_to(self, country: str) -> float | None:
        exact = next((c.amount for c in self.costs if c.country == country), None)
        return exact if exact is not None else next((c.amount for c in self.costs if c.country is None), None)


class LocationGroup(_Frozen):
    """A named list of locations, possibly of several stores, with its own safety stock."""

    name: str
    locations: tuple[LocationRef, ...]
    safety_stock: int | None = None
    safety_stock_by_sku: tuple[SkuAmount, ...] = ()
    origin: str = ""


class RankKey(_Frozen):
    by: RankBy
    band_km: float | None = None  # distance only: nearer than the band width counts as equal


class KeepTogether(_Frozen):
    """Lines that must ship from one location: by a shared attribute, or all lines meeting `when`."""

    by: Literal["condition", "fulfillment_order", "vendor", "product_type"]
    when: Condition | None = None


class SplitOptions(_Frozen):
    max_shipments: int | None = None  # locations per order; None: as many as needed
    keep_together: tuple[KeepTogether, ...] = ()
    min_shipment_value: float | None = None
    min_shipment_lines: int | None = None
    prefer: Literal["fewer_shipments", "nearer"] = "fewer_shipments"
    partial: bool = False  # lines it cannot place go on to the next strategy
