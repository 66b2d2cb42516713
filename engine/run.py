"""The state of one decision while it is being made: trace, planned writes, placements."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from engine.allocation import CandidateCheck, Ledger, Unit, units_of
from engine.candidates import Lookup
from engine.decision import TraceEntry
from engine.intents import HandOff, HoldFulfillmentOrder, MoveFulfillmentOrder, ReleaseHold, SendPurchaseOrder
from engine.model import FulfillmentOrder, Location, Snapshot
from engine.ruleset_model import RuleSet

_new, _set = object.__new__, object.__setattr__
MAX_WHY = 200  # characters of the per-fulfillment-order summary in the metafield


class Placement(NamedTuple):  # a few a decision: a tuple is made at half a frozen dataclass's cost
    unit: Unit
    location: Location
    strategy: str


@dataclass(slots=True)
class Run:
    snapshot: Snapshot
    ruleset: RuleSet
    lookup: Lookup
    ledger: Ledger = field(default_factory=Ledger)
    trace: list[TraceEntry] = field(default_factory=list)
    releases: list[ReleaseHold] = field(default_factory=list)
    moves: list[MoveFulfillmentOrder] = field(default_factory=list)
    holds: list[HoldFulfillmentOrder] = field(default_factory=list)
    purchase_orders: list[SendPurchaseOrder | HandOff] = field(default_factory=list)
    # (fulfillment order, line) a vendor accepted: placed there before any strategy runs.
    pinned: set[tuple[str, str]] = field(default_factory=set)
    placements: list[Placement] = field(default_factory=list)
    # Ship complete sends a whole fulfillment order somewhere, even one without lines to stock.
    targets: dict[str, tuple[Location, str]] = field(default_factory=dict)
    checks: list[CandidateCheck] = field(default_factory=list)
    why: dict[str, list[str]] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    shipped: dict[str, tuple[Unit, ...]] = field(default_factory=dict)  # by fulfillment order

    def units(self, fo: FulfillmentOrder) -> tuple[Unit, ...]:
        """The fulfillment order's lines to ship (`units_of`), made once per decision."""
        found = self.shipped.get(fo.id)
        if found is None:
            found = self.shipped[fo.id] = tuple(units_of([fo]))
        return found

    def note(self, step: str, subject: str, verdict: str, detail: str = "") -> None:
        # TraceEntry(step, subject, verdict, detail) with its fields set in one go: a frozen
        # dataclass's __init__ sets them one by one through object.__setattr__, twice the cost.
        entry = _new(TraceEntry)
        _set(entry, "__dict__", {"step": step, "subject": subject, "verdict": verdict, "detail": detail})
        self.trace.append(entry)

    def explain(self, fo: FulfillmentOrder, reason: str) -> None:
        """Add to the short account of `fo` that goes into the metafield and `{why}`."""
        self.why.setdefault(fo.id, []).append(reason)

    def why_of(self, fo_id: str) -> str:
        text = "; ".join(self.why.get(fo_id, ()))
        return text if len(text) <= MAX_WHY else text[: MAX_WHY - 1] + "…"

    def location_name(self, location_id: str | None) -> str:
        location = self.lookup.by_id(location_id) if location_id else None
        return location.name if location else (location_id or "no location")

    def used_locations(self) -> set[str]:
        """Locations this decision already ships from (a shipment each)."""
        used = {p.location.id for p in self.placements}
        return used | {location.id for location, _ in self.targets.values()}


def fo_label(fo: FulfillmentOrder) -> str:
    return f"FO {fo.id.rsplit('/', 1)[-1]}"


def labels(fos: list[FulfillmentOrder]) -> str:
    return ", ".join(fo_label(fo) for fo in fos)
