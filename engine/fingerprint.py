"""`decision_fingerprint()`: a stable hash of everything `decide()` looks at.

Two snapshots with the same fingerprint under the same rule set give the same decision, so the
service can recognise "this exact state was already decided". The read time is left out, and
so is what the rule set does not read: the shop-local time counts only as the day and the
stretch between the times the rules name (cut-offs, opening hours, `local_time` conditions),
and the orders sent to a location today only as "at its capacity or not" (all of them when a
strategy ranks by load). A redelivered webhook thus finds its decision even minutes later,
while a payment, a new tag or the passing of a cut-off makes a new state.
"""

from __future__ import annotations

import bisect
import hashlib
import json
from typing import Any

from engine.allocation import needs
from engine.clock import parse_clock, parse_local_time
from engine.conditions import AllOf, AnyOf, Compare, Condition, Lines, Not
from engine.model import Address, Snapshot
from engine.ruleset_model import RuleSet, ruleset_version

_TIME_FIELDS = frozenset({"weekday", "local_time", "local_date"})


def decision_fingerprint(snapshot: Snapshot, ruleset: RuleSet) -> str:
    """sha256 (hex) of the routing-relevant state, in canonical JSON."""
    items = sorted({item for fo in snapshot.fulfillment_orders for item in needs(fo)})
    order = snapshot.order
    reads = _reads(ruleset.version or ruleset_version(ruleset), ruleset)
    state: dict[str, Any] = {
        "ruleset": ruleset.version,
        "store": snapshot.store,
        "order": {
            "id": order.id,
            "name": order.name,
            "tags": sorted(order.tags),
            "metafields": dict(sorted(order.metafields.items())),
            "address": _address(order.shipping_address),
            "total_price": order.total_price,
            "currency": order.currency,
            "sales_channel": order.sales_channel,
            "financial_status": order.financial_status,
            "customer_tags": sorted(order.customer_tags),
        },
        "fulfillment_orders": [
            {
                "id": fo.id,
                "status": fo.status,
                "request_status": fo.request_status,
                "location": fo.assigned_location_id,
                "delivery_method": fo.delivery_method,
                "destination": _address(fo.destination),
                "holds": sorted([h.id, h.reason, h.handle, h.held_by_us, h.notes] for h in fo.holds),
                "lines": [
                    [
                        line.id,
                        line.sku,
                        line.inventory_item_id,
                        line.remaining_quantity,
                        line.requires_shipping,
                        line.vendor,
                        line.product_type,
                        line.product_title,
                        line.unit_price,
                    ]
                    for line in fo.lines
                ],
                "supported_actions": sorted(fo.supported_actions),
                "movable_to": sorted(fo.movable_to) if fo.movable_to is not None else None,
            }
            for fo in snapshot.fulfillment_orders
        ],
        "locations": sorted(
            [
                loc.id,
                loc.name,
                loc.store,
                loc.is_active,
                loc.fulfills_online_orders,
                loc.address.latitude,
                loc.address.longitude,
            ]
            for loc in snapshot.locations
        ),
        "inventory": {item: dict(sorted(snapshot.inventory.get(item, {}).items())) for item in items},
        "time": _time(snapshot.local_time, reads),
        "load": _load(snapshot, ruleset, reads),
    }
    if snapshot.vendors or snapshot.vendor_lines:  # absent otherwise: earlier fingerprints still match
        vendors = snapshot.vendors
        state["vendors"] = sorted([v.id, v.name, v.location_id, v.acceptance_minutes] for v in vendors)
        state["vendor_lines"] = sorted(
            [line.fulfillment_order_id, line.line_id, line.sku, line.vendor_id, line.purchase_order]
            + [line.status, line.due_at, line.detail]
            for line in snapshot.vendor_lines
        )
    canonical = json.dumps(state, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _address(address: Address | None) -> dict[str, Any] | None:
    return address.model_dump(exclude_none=True) if address is not None else None


class _Reads:
    """What of the time and of the load a rule set reads."""

    def __init__(self, time: bool, boundaries: list[int], loads: bool, capacities: bool) -> None:
        self.time = time
        self.boundaries = boundaries  # minutes of the day where a time rule changes its answer
        self.loads = loads  # a strategy ranks by load: every count matters
        self.capacities = capacities


_READS: dict[str, _Reads] = {}


def _reads(version: str, ruleset: RuleSet) -> _Reads:
    found = _READS.get(version)
    if found is None:
        found = _READS[version] = _what_is_read(ruleset)
    return found


def _what_is_read(ruleset: RuleSet) -> _Reads:
    boundaries: set[int] = set()
    time = False
    conditions = [condition for _, condition in ruleset.rule_conditions()]
    for condition in conditions:
        for compare in _compares(condition):
            if compare.field in _TIME_FIELDS:
                time = True
            if compare.field == "local_time":
                boundaries.update(m for v in compare.values if (m := parse_clock(v)) is not None)
    for settings in ruleset.location_settings:
        if settings.hours is not None or settings.cutoffs or settings.closed_on:
            time = True
        for day in settings.hours or ():
            boundaries.update(minute for span in day.open for minute in span)
        boundaries.update(cutoff.minute for cutoff in settings.cutoffs)
    loads = any(key.by == "load" for strategy in ruleset.strategies for key in strategy.rank)
    capacities = any(settings.daily_capacity is not None for settings in ruleset.location_settings)
    return _Reads(time, sorted(boundaries), loads, capacities)


def _compares(condition: Condition | None) -> list[Compare]:
    if condition is None or isinstance(condition, Lines):
        return []
    if isinstance(condition, Compare):
        return [condition]
    if isinstance(condition, Not):
        return _compares(condition.condition)
    assert isinstance(condition, AllOf | AnyOf)
    return [compare for part in condition.conditions for compare in _compares(part)]


def _time(local_time: str | None, reads: _Reads) -> list[Any] | None:
    if not reads.time:
        return None
    local = parse_local_time(local_time)
    if local is None:
        return [local_time]
    # A stretch is the same answer for every time rule: the index of the boundary passed last.
    return [local.day.isoformat(), bisect.bisect_right(reads.boundaries, local.minute)]


def _load(snapshot: Snapshot, ruleset: RuleSet, reads: _Reads) -> Any:
    if reads.loads:
        return dict(sorted(snapshot.location_load.items()))
    if not reads.capacities:
        return None
    full = []
    for settings in ruleset.location_settings:
        if settings.daily_capacity is None:
            continue
        for location in snapshot.locations:
            named = settings.ref.location in (location.id, location.name) or (
                settings.ref.location.casefold() == location.name.casefold()
            )
            if named and snapshot.location_load.get(location.id, 0) >= settings.daily_capacity:
                full.append(location.id)
    return sorted(set(full))
