"""Where two decisions of the same order differ, per fulfillment order, and why (from their traces).

Shadow mode compares the live decision with the shadow rule set's; replay compares a stored
decision with a re-decision under other rules. Both need the same answer: for each fulfillment
order whose placement changed (action, target, strategy, hold reason), what it was, what it
becomes, and the first trace lines that differ, which name the strategy or rule that caused it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from engine import Decision, FulfillmentOrderOutcome, TraceEntry


@dataclass(frozen=True, slots=True)
class Placement:
    """What a decision does with one fulfillment order, in the terms a diff compares."""

    action: str
    target: str | None  # where it ships from after the decision (None for a hold or a skip)
    strategy: str | None
    hold_reason: str | None
    parts: tuple[tuple[str, str | None, int], ...] = ()  # a split's (action, location, units)
    source: str | None = None  # where it was before the decision

    def as_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "target": self.target,
            "strategy": self.strategy,
            "hold_reason": self.hold_reason,
            "parts": [{"action": a, "location": loc, "units": n} for a, loc, n in self.parts],
            "source": self.source,
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Placement:
        parts = tuple((p["action"], p["location"], int(p["units"])) for p in raw.get("parts") or ())
        return cls(
            raw["action"], raw["target"], raw["strategy"], raw["hold_reason"], parts, raw.get("source")
        )


@dataclass(frozen=True, slots=True)
class Change:
    """One fulfillment order placed differently: `before` → `after`, and the first trace lines that differ."""

    fulfillment_order_id: str
    before: Placement | None  # None: the fulfillment order was not in that decision
    after: Placement | None
    before_line: str | None
    after_line: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "fulfillment_order_id": self.fulfillment_order_id,
            "before": None if self.before is None else self.before.as_json(),
            "after": None if self.after is None else self.after.as_json(),
            "why": {"before": self.before_line, "after": self.after_line},
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Change:
        why = raw.get("why") or {}
        return cls(
            raw["fulfillment_order_id"],
            None if raw["before"] is None else Placement.from_json(raw["before"]),
            None if raw["after"] is None else Placement.from_json(raw["after"]),
            why.get("before"),
            why.get("after"),
        )


def placement(fo: FulfillmentOrderOutcome) -> Placement:
    """The comparable part of a fulfillment order's outcome (notes and `why` texts do not count)."""
    target = None
    if fo.action in ("move", "keep"):
        target = fo.to_location_id or fo.from_location_id
    parts = tuple((p.action, p.location_id, sum(line.quantity for line in p.lines)) for p in fo.parts)
    return Placement(fo.action, target, fo.strategy, fo.hold_reason, parts, fo.from_location_id)


def _same(before: Placement | None, after: Placement | None) -> bool:
    if before is None or after is None:
        return before is after
    # The source is context, not part of the choice: an order re-read after a move starts elsewhere.
    keys = ("action", "target", "strategy", "hold_reason", "parts")
    return all(getattr(before, key) == getattr(after, key) for key in keys)


def compare(before: Decision, after: Decision) -> tuple[Change, ...]:
    """The fulfillment orders `after` places differently from `before`, in `before`'s order."""
    old = {fo.fulfillment_order_id: placement(fo) for fo in before.fulfillment_orders}
    new = {fo.fulfillment_order_id: placement(fo) for fo in after.fulfillment_orders}
    changes = []
    for fo_id in [*old, *(fo_id for fo_id in new if fo_id not in old)]:
        was, becomes = old.get(fo_id), new.get(fo_id)
        if _same(was, becomes):
            continue
        before_line, after_line = first_difference(_about(before.trace, fo_id), _about(after.trace, fo_id))
        changes.append(Change(fo_id, was, becomes, before_line, after_line))
    return tuple(changes)


def first_difference(before: list[str], after: list[str]) -> tuple[str | None, str | None]:
    """The first pair of trace lines that differ (None where one trace has ended)."""
    for index in range(max(len(before), len(after))):
        old = before[index] if index < len(before) else None
        new = after[index] if index < len(after) else None
        if old != new:
            return old, new
    return None, None


def _about(trace: tuple[TraceEntry, ...], fulfillment_order_id: str) -> list[str]:
    """The trace lines that name this fulfillment order (`FO 7002`), or the whole trace if none do."""
    number = fulfillment_order_id.rsplit("/", 1)[-1]
    mention = re.compile(rf"\bFO {re.escape(number)}\b|{re.escape(fulfillment_order_id)}")
    lines = [str(entry) for entry in trace]
    own = [line for line in lines if mention.search(line)]
    return own or lines
