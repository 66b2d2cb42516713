"""Which fulfillment orders are routed now, and the holds the rules place, keep or release.

Before any strategy runs, each fulfillment order is screened: others' holds, closed or submitted
ones are left alone; our fallback hold stays (staff act on it). Then the rules' holds (`holds:`)
are looked at: a hold that waits for an event is placed while its condition holds, kept while it
still does, and released (`ReleaseHold`) when the order is decided again and it no longer does;
a released fulfillment order is routed in the same decision.
"""

from __future__ import annotations

from typing import NamedTuple

from engine.allocation import CandidateCheck
from engine.conditions import describe
from engine.decision import FulfillmentOrderOutcome
from engine.intents import LINKED_ORDER_TAG, HoldFulfillmentOrder, ReleaseHold, hold_handle
from engine.model import FulfillmentOrder, Hold
from engine.ruleset_model import HoldFallback, HoldRule
from engine.run import Run, fo_label
from engine.vendors import screen_vendor

ROUTABLE_DELIVERY_METHODS = frozenset({"SHIPPING"})  # or none given; pick-up and local stay put
MAX_NOTE = 255  # Shopify's reasonNotes is short; keep staff's view readable


class ToMatch(NamedTuple):
    """A fulfillment order the rules must look at (durable_rules matches its fact)."""

    fo: FulfillmentOrder


def skip(run: Run, fo: FulfillmentOrder, why: str) -> FulfillmentOrderOutcome:
    run.note("skip", fo_label(fo), why, "not touched")
    return FulfillmentOrderOutcome(fulfillment_order_id=fo.id, action="skip", note=why)


def screen(run: Run, fo: FulfillmentOrder) -> FulfillmentOrderOutcome | ToMatch:
    """A settled outcome (skip, or our fallback hold), or the fulfillment order to match."""
    if LINKED_ORDER_TAG in run.snapshot.order.tags:
        return skip(run, fo, "a linked order of a hand-off: it ships where the hand-off sent it")
    others = [hold for hold in fo.holds if not hold.held_by_us]
    if others:
        reasons = ", ".join(sorted({hold.reason for hold in others}))
        return skip(run, fo, f"held by the merchant or another app (reason {reasons})")
    if run.snapshot.vendor_lines:
        settled = screen_vendor(run, fo)
        if isinstance(settled, FulfillmentOrderOutcome):
            return settled
        if settled is not None:
            return ToMatch(settled)
    if fo.status == "ON_HOLD":
        fallback = run.ruleset.fallback
        ours = fo.our_hold(hold_handle(fallback.reason)) if isinstance(fallback, HoldFallback) else None
        if ours is not None:
            run.note("skip", fo_label(fo), "already held by us", f"hold {ours.handle} stays; no new intents")
            return _held(fo, ours, None)
        if rule_hold(run, fo) is not None:
            return ToMatch(fo)
        handles = ", ".join(sorted(hold.handle or "(none)" for hold in fo.holds)) or "none listed"
        return skip(run, fo, f"on hold under handles the rules do not place ({handles})")
    if fo.status != "OPEN":
        return skip(run, fo, f"status {fo.status}: nothing to route")
    if fo.request_status != "UNSUBMITTED":
        return skip(run, fo, f"fulfillment request {fo.request_status}: Shopify refuses moves")
    if not run.ruleset.holds and not routable(fo):
        return skip(run, fo, f"delivery method {fo.delivery_method}: only shipping is routed")
    return ToMatch(fo)


def routable(fo: FulfillmentOrder) -> bool:
    return fo.delivery_method is None or fo.delivery_method in ROUTABLE_DELIVERY_METHODS


def rule_hold(run: Run, fo: FulfillmentOrder) -> tuple[Hold, HoldRule] | None:
    """Our hold placed by one of the rules' holds, with that rule."""
    for rule in run.ruleset.holds:
        hold = fo.our_hold(rule.handle)
        if hold is not None:
            return hold, rule
    return None


def apply_holds(
    run: Run, fo: FulfillmentOrder, matched: frozenset[int]
) -> FulfillmentOrderOutcome | FulfillmentOrder:
    """Hold, keep holding or release; returns the outcome, or the fulfillment order to route."""
    holds = run.ruleset.holds
    first = min((i for i in matched if i < len(holds)), default=None)
    applying = holds[first] if first is not None else None
    current = rule_hold(run, fo)
    if current is not None:
        hold, rule = current
        if applying is not None and applying.id == rule.id:
            run.note("hold", fo_label(fo), f"stays held ({rule.id})", f"{describe(rule.when)} still holds")
            run.explain(fo, f"waits: {rule.id}")
            return _held(fo, hold, rule.id)
        run.note(
            "release", fo_label(fo), f"released from hold {rule.id}", f"{describe(rule.when)} no longer holds"
        )
        run.explain(fo, f"released from {rule.id}")
        run.releases.append(ReleaseHold(fulfillment_order_id=fo.id, handle=rule.handle))
        fo = fo.model_copy(update={"status": "OPEN", "holds": tuple(h for h in fo.holds if h is not hold)})
    if applying is not None:
        return _hold(run, fo, applying)
    if not routable(fo):
        return skip(run, fo, f"delivery method {fo.delivery_method}: only shipping is routed")
    return fo


def _hold(run: Run, fo: FulfillmentOrder, rule: HoldRule) -> FulfillmentOrderOutcome:
    if fo.supported_actions and "HOLD" not in fo.supported_actions:
        return skip(run, fo, f"hold {rule.id} applies but Shopify does not allow a hold here")
    note = render_note(run, rule.note, None)
    topics = f"; released after {', '.join(rule.release_on)}" if rule.release_on else ""
    run.note(
        "hold", fo_label(fo), f"held ({rule.reason}) by hold {rule.id}", f"{describe(rule.when)}{topics}"
    )
    run.explain(fo, f"waits: {rule.id} ({describe(rule.when)})")
    run.holds.append(
        HoldFulfillmentOrder(fulfillment_order_id=fo.id, reason=rule.reason, notes=note, handle=rule.handle)
    )
    run.tags.extend(rule.tags)
    return FulfillmentOrderOutcome(
        fulfillment_order_id=fo.id,
        action="hold",
        strategy=rule.id,
        from_location_id=fo.assigned_location_id,
        hold_reason=rule.reason,
        note=note,
        why=run.why_of(fo.id),
    )


def _held(fo: FulfillmentOrder, hold: Hold, rule_id: str | None) -> FulfillmentOrderOutcome:
    return FulfillmentOrderOutcome(
        fulfillment_order_id=fo.id,
        action="hold",
        strategy=rule_id,
        from_location_id=fo.assigned_location_id,
        hold_reason=hold.reason,
        note=hold.notes or "",
    )


def render_note(run: Run, template: str, best: CandidateCheck | None, fo_id: str = "") -> str:
    """A note template with its placeholders filled, at most `MAX_NOTE` characters."""
    order = run.snapshot.order
    if best is None:
        short, location = "no preferred location can take every fulfillment order of the order", ""
    else:
        location = best.location.name
        short = ", ".join(str(s) for s in best.shortages) + f" at {location}"
    price = "" if order.total_price is None else f"{order.total_price:.2f}"
    note = template.format(
        order=order.name or order.id,
        short_skus=short,
        location=location,
        why=run.why_of(fo_id),
        financial_status=order.financial_status or "unknown",
        total_price=price,
        currency=order.currency or "",
        sales_channel=order.sales_channel or "",
    )
    return note if len(note) <= MAX_NOTE else note[: MAX_NOTE - 1] + "…"
