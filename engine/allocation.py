"""Candidate locations and the ship-complete check, with a ledger of what this decision moved.

Stock follows Shopify: `available` at a location already excludes units committed to orders,
including this fulfillment order's own units at its current location. So at the current
location a line counts its own remaining quantity on top of `available`; elsewhere only
`available` counts. Units that earlier fulfillment orders of the same decision move in or out
of a location are tracked by the `Ledger`, so two fulfillment orders never count the same
units twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from engine.model import FulfillmentOrder, FulfillmentOrderLine, Location, Snapshot


@dataclass(frozen=True)
class Shortage:
    sku: str
    need: int
    have: int

    def __str__(self) -> str:
        return f"{self.sku} (need {self.need}, have {self.have})"


@dataclass(frozen=True)
class CandidateCheck:
    """How one location does for a group of fulfillment orders (the order, shipped complete).

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

    def __init__(self) -> None:
        self._delta: dict[tuple[str, str], int] = {}

    def delta(self, item: str, location_id: str) -> int:
        return self._delta.get((item, location_id), 0)

    def record_move(self, fo: FulfillmentOrder, to_location_id: str) -> None:
        for item, need in needs(fo).items():
            key_to = (item, to_location_id)
            self._delta[key_to] = self._delta.get(key_to, 0) - need
            if fo.assigned_location_id is not None:
                key_from = (item, fo.assigned_location_id)
                self._delta[key_from] = self._delta.get(key_from, 0) + need


def shipped_lines(fo: FulfillmentOrder) -> list[FulfillmentOrderLine]:
    """Lines that still need stock: they ship and have something left to fulfil."""
    return [line for line in fo.lines if line.requires_shipping and line.remaining_quantity > 0]


def needs(*fos: FulfillmentOrder) -> dict[str, int]:
    """Remaining quantity per inventory item (a line without an item is keyed by its own id)."""
    total: dict[str, int] = {}
    for fo in fos:
        for line in shipped_lines(fo):
            key = line.inventory_item_id or line.id
            total[key] = total.get(key, 0) + line.remaining_quantity
    return total


def sku_label(line: FulfillmentOrderLine) -> str:
    return line.sku or line.product_title or line.id.rsplit("/", 1)[-1]


def resolve_locations(snapshot: Snapshot, names: Sequence[str]) -> tuple[list[Location], list[str]]:
    """Locations of the snapshot's store named (or GID'd) in `names`, in order; and unknown names."""
    own = [loc for loc in snapshot.locations if loc.store == snapshot.store]
    found: list[Location] = []
    unknown: list[str] = []
    for name in names:
        wanted = name.casefold()
        location = next((loc for loc in own if loc.id == name or loc.name.casefold() == wanted), None)
        if location is None:
            unknown.append(name)
        elif location not in found:
            found.append(location)
    return found, unknown


def exclusion(location: Location, fos: Sequence[FulfillmentOrder]) -> str | None:
    """Why `location` cannot take every one of `fos`, or None. A current location is allowed."""
    movers = [fo for fo in fos if fo.assigned_location_id != location.id]
    if not movers:
        return None
    if not location.is_active:
        return "inactive"
    if not location.fulfills_online_orders:
        return "does not fulfil online orders"
    for fo in movers:
        label = f"FO {fo.id.rsplit('/', 1)[-1]}"
        if fo.supported_actions and "MOVE" not in fo.supported_actions:
            return f"{label} cannot be moved (no MOVE among its supported actions)"
        if fo.movable_to is not None and location.id not in fo.movable_to:
            return f"Shopify does not list it among the locations {label} can move to"
    return None


def check_ship_complete(
    snapshot: Snapshot, fos: Sequence[FulfillmentOrder], location: Location, ledger: Ledger
) -> CandidateCheck:
    """Can `location` ship every line of `fos` together?"""
    labels: dict[str, str] = {}
    for fo in fos:
        for line in shipped_lines(fo):
            labels.setdefault(line.inventory_item_id or line.id, sku_label(line))
    # Units of fulfillment orders already here are committed here (so not in `available`).
    own = needs(*(fo for fo in fos if fo.assigned_location_id == location.id))
    shortages: list[Shortage] = []
    for item, need in needs(*fos).items():
        stocked = item if item in snapshot.inventory else None
        have = snapshot.available(stocked, location.id) + ledger.delta(item, location.id) + own.get(item, 0)
        if have < need:
            shortages.append(Shortage(labels[item], need, have))
    is_current = all(fo.assigned_location_id == location.id for fo in fos)
    return CandidateCheck(location, is_current, tuple(sorted(shortages, key=lambda s: s.sku)))


def best_candidate(checks: Sequence[CandidateCheck]) -> CandidateCheck | None:
    """The candidate closest to shipping complete (fewest short units; earlier preference wins)."""
    return min(checks, key=lambda check: check.short_units, default=None)
