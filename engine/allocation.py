"""Stock as the engine counts it, the units it places, and the ship-complete check.

Stock follows Shopify: `available` at a location already excludes units committed to orders,
including this fulfillment order's own units at its current location. So at the current
location a line counts its own remaining quantity on top of `available`; elsewhere only
`available` counts. Units that earlier placements of the same decision move in or out of a
location are tracked by the `Ledger`, so two fulfillment orders never count the same units
twice. A safety stock holds back free units only: units already committed to this order are
its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

from engine.model import FulfillmentOrder, FulfillmentOrderLine, Location, Snapshot


class Unit(NamedTuple):
    """A line with units left to ship; it is placed whole, at one location. Made by `Unit.of`."""

    fo: FulfillmentOrder
    line: FulfillmentOrderLine
    # Read at every stock check: copied out of the models once (a model's attributes read slowly).
    item: str
    quantity: int
    sku: str
    line_id: str
    fo_id: str
    assigned: str | None  # where the line is now

    @classmethod
    def of(cls, fo: FulfillmentOrder, line: FulfillmentOrderLine) -> Unit:
        item = line.inventory_item_id or line.id
        return cls(
            fo, line, item, line.remaining_quantity, sku_label(line), line.id, fo.id, fo.assigned_location_id
        )

    @property
    def value(self) -> float:
        return (self.line.unit_price or 0.0) * self.quantity

    def at(self, location_id: str) -> bool:
        return self.assigned == location_id


class Shortage(NamedTuple):  # records made per check: a tuple is made at half a dataclass's cost
    sku: str
    need: int
    have: int
    free: int = 0
    safety: int = 0

    def __str__(self) -> str:
        if not self.safety:
            return f"{self.sku} (need {self.need}, have {self.have})"
        if self.free <= self.safety:
            relation = "<" if self.free < self.safety else "="
            return (
                f"{self.sku} (need {self.need}, {self.free} available {relation} safety stock {self.safety})"
            )
        return f"{self.sku} (need {self.need}, have {self.have} after safety stock {self.safety})"


class CandidateCheck(NamedTuple):
    """How one location does for a set of units (shipped complete).

    `is_current` says every fulfillment order of the group is already there.
    """

    location: Location
    is_current: bool
    shortages: tuple[Shortage, ...]

    @property
    def ships_complete(self) -> bool:
        return not self.shortages

    @property
    def short_units(self) -> int:
        return sum(s.need - max(s.have, 0) for s in self.shortages)


class Ledger:
    """Units moved by this decision so far, per (inventory item, location): + freed, - taken."""

    __slots__ = ("_delta", "version")

    def __init__(self) -> None:
        self._delta: dict[tuple[str, str], int] = {}
        self.version = 0  # changes with every recorded move: what was worked out before is stale

    def delta(self, item: str, location_id: str) -> int:
        return self._delta.get((item, location_id), 0)

    def record(self, unit: Unit, to_location_id: str) -> None:
        if unit.at(to_location_id):
            return
        self.version += 1
        key_to = (unit.item, to_location_id)
        self._delta[key_to] = self._delta.get(key_to, 0) - unit.quantity
        if unit.assigned is not None:
            key_from = (unit.item, unit.assigned)
            self._delta[key_from] = self._delta.get(key_from, 0) + unit.quantity


def shipped_lines(fo: FulfillmentOrder) -> list[FulfillmentOrderLine]:
    """Lines that still need stock: they ship and have something left to fulfil."""
    return [line for line in fo.lines if line.requires_shipping and line.remaining_quantity > 0]


def units_of(fos: Iterable[FulfillmentOrder]) -> list[Unit]:
    return [Unit.of(fo, line) for fo in fos for line in shipped_lines(fo)]


def needs(*fos: FulfillmentOrder) -> dict[str, int]:
    """Remaining quantity per inventory item (a line without an item is keyed by its own id)."""
    total: dict[str, int] = {}
    for unit in units_of(fos):
        total[unit.item] = total.get(unit.item, 0) + unit.quantity
    return total


def sku_label(line: FulfillmentOrderLine) -> str:
    return line.sku or line.product_title or line.id.rsplit("/", 1)[-1]


def free_units(snapshot: Snapshot, ledger: Ledger, item: str, location_id: str) -> int:
    """`available` at the location, after what this decision already moved."""
    stock = snapshot.inventory.get(item)  # as `snapshot.available(item, location_id)`, inline
    return (0 if stock is None else stock.get(location_id, 0)) + ledger._delta.get((item, location_id), 0)


def usable(free: int, safety: int) -> int:
    """Free units a placement may take: a safety stock holds back positive stock only."""
    return free - safety if free > safety else min(free, 0)


class Needs:
    """What a set of units needs, per item, and what of it is already committed where."""

    def __init__(self, units: Sequence[Unit]) -> None:
        self.need: dict[str, int] = {}
        self.labels: dict[str, str] = {}
        self.own: dict[str, dict[str, int]] = {}  # location id -> item -> units committed there
        for unit in units:
            item, quantity = unit.item, unit.quantity
            self.need[item] = self.need.get(item, 0) + quantity
            if item not in self.labels:
                self.labels[item] = unit.sku
            if unit.assigned is not None:
                here = self.own.setdefault(unit.assigned, {})
                here[item] = here.get(item, 0) + quantity

    def check(
        self,
        snapshot: Snapshot,
        location: Location,
        ledger: Ledger,
        safety: Callable[[str], int],
        is_current: bool,
    ) -> CandidateCheck:
        """Can `location` ship all of it together? `safety` gives a SKU's safety stock there."""
        location_id = location.id
        own = self.own.get(location_id, {})
        shortages: list[Shortage] = []
        inventory, delta = snapshot.inventory, ledger._delta
        for item, wanted in self.need.items():
            stock = inventory.get(item)
            free = (0 if stock is None else stock.get(location_id, 0)) + delta.get((item, location_id), 0)
            reserve = safety(self.labels[item])
            have = own.get(item, 0) + (free - reserve if free > reserve else min(free, 0))  # usable()
            if have < wanted:
                shortages.append(Shortage(self.labels[item], wanted, have, free, reserve))
        if len(shortages) > 1:
            shortages.sort(key=lambda s: s.sku)
        return CandidateCheck(location, is_current, tuple(shortages))


def best_candidate(checks: Sequence[CandidateCheck]) -> CandidateCheck | None:
    """The candidate closest to shipping complete (fewest short units; earlier preference wins)."""
    return min(checks, key=lambda check: check.short_units, default=None)
