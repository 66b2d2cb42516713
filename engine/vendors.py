"""Drop-ship vendors: buying lines on a purchase order, and what the vendor's answer changes.

A vendor is a location of the store (`Snapshot.vendors`); a strategy that places lines there
buys them from the vendor (`SendPurchaseOrder`: the 850, the move, our hold until it accepts).
When the order is decided again, the lines already on a purchase order (`Snapshot.vendor_lines`)
settle the fulfillment order before any rule looks at it:
- a line still awaiting the vendor's answer: the fulfillment order waits, untouched;
- every line accepted (or shipped): our hold is released and the lines stay with the vendor;
- some lines refused (rejected, backordered, or no answer by the deadline): our hold is
  released, the accepted lines stay (they are pinned where they are), and the refused ones go
  back through the fallback chain, which will not send them to that vendor again.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from engine.allocation import Unit, units_of
from engine.decision import FulfillmentOrderOutcome
from engine.intents import (
    HANDOFF_HOLD_HANDLE,
    VENDOR_HOLD_HANDLE,
    HandOff,
    PurchaseOrderItem,
    ReleaseHold,
    SendPurchaseOrder,
)
from engine.model import FulfillmentOrder, Location, Vendor
from engine.run import Placement, Run, fo_label


def screen_vendor(run: Run, fo: FulfillmentOrder) -> FulfillmentOrderOutcome | FulfillmentOrder | None:
    """Settle a fulfillment order with lines on a purchase order.

    None: no line of it is on one (the rules decide as usual). An outcome: it waits or stays.
    A fulfillment order: refused lines to route again (accepted ones are pinned in `run`).
    """
    if fo.status not in ("OPEN", "ON_HOLD"):  # fulfilled, closed: nothing left to decide
        return None
    mine = [line for line in run.snapshot.vendor_lines if line.fulfillment_order_id == fo.id]
    if not mine:
        return None
    vendor = next((v for v in run.snapshot.vendors if v.id == mine[0].vendor_id), None)
    name = vendor.name if vendor is not None else mine[0].vendor_id
    location = run.lookup.by_id(vendor.location_id) if vendor is not None else None
    label = fo_label(fo)
    awaiting = [line for line in mine if line.status == "awaiting"]
    handed = vendor is not None and vendor.kind == "store"
    if awaiting:
        pos = ", ".join(sorted({line.purchase_order for line in awaiting}))
        due = min((line.due_at for line in awaiting if line.due_at), default=None)
        until = f" until {due}" if due else ""
        if handed:
            note = f"Handed off to {name} ({pos}); shipped from there"
            run.note("vendor", label, f"handed off to {name}", f"{pos}; waits for its shipment")
        else:
            note = f"Awaiting {name} acceptance of PO {pos}{until}"
            run.note("vendor", label, f"awaits {name}'s answer to PO {pos}", f"deadline{until or ' unknown'}")
        run.explain(fo, f"awaits {name} ({pos})")
        return FulfillmentOrderOutcome(
            fulfillment_order_id=fo.id,
            action="hold",
            strategy=f"vendor {mine[0].vendor_id}",
            from_location_id=fo.assigned_location_id,
            hold_reason="OTHER",
            note=note,
            why=run.why_of(fo.id),
        )
    handle = HANDOFF_HOLD_HANDLE if handed else VENDOR_HOLD_HANDLE
    ours = fo.our_hold(handle)
    if ours is not None:
        run.releases.append(ReleaseHold(fulfillment_order_id=fo.id, handle=handle))
        fo = fo.model_copy(update={"status": "OPEN", "holds": tuple(h for h in fo.holds if h is not ours)})
    refused_ids = {line.line_id for line in mine if line.status == "refused"}
    kept = [unit for unit in units_of([fo]) if unit.line.id not in refused_ids]
    pos = ", ".join(sorted({line.purchase_order for line in mine}))
    if not refused_ids:
        run.note("vendor", label, f"accepted by {name}", f"PO {pos}; stays with the vendor")
        run.explain(fo, f"accepted by {name} (PO {pos})")
        here = fo.assigned_location_id
        return FulfillmentOrderOutcome(
            fulfillment_order_id=fo.id,
            action="keep",
            strategy=f"vendor {mine[0].vendor_id}",
            from_location_id=here,
            to_location_id=here,
            why=run.why_of(fo.id),
        )
    refused = [line for line in mine if line.status == "refused"]
    said = "; ".join(f"{line.sku or line.line_id}: {line.detail or 'refused'}" for line in refused)
    run.note("vendor", label, f"{name} refused {len(refused)} line(s) of PO {pos}", said)
    run.explain(fo, f"{name} refused {', '.join(line.sku or line.line_id for line in refused)}")
    if kept and location is not None:
        for unit in kept:
            run.pinned.add((fo.id, unit.line.id))
            run.placements.append(Placement(Unit.of(fo, unit.line), location, f"vendor {mine[0].vendor_id}"))
        skus = ", ".join(unit.sku for unit in kept)
        run.note("vendor", label, f"{skus} stay with {name}", "accepted; the rest goes back to the chain")
    return fo


def buy(
    run: Run,
    fo: FulfillmentOrder,
    vendor: Vendor,
    units: list[Unit],
    whole: bool,
    location: Location,
) -> SendPurchaseOrder | HandOff:
    """Plan the purchase order (or, for another store, the hand-off) of `units` of `fo`, traced."""
    items = tuple(
        PurchaseOrderItem(
            id=unit.line.id,
            sku=unit.line.sku,
            quantity=unit.quantity,
            title=unit.line.product_title,
            unit_price=unit.line.unit_price,
        )
        for unit in units
    )
    skus = ", ".join(f"{unit.sku} ×{unit.quantity}" for unit in units)
    intent: SendPurchaseOrder | HandOff
    if vendor.kind == "store":
        intent = HandOff(
            fulfillment_order_id=fo.id,
            from_location_id=fo.assigned_location_id,
            stand_in_location_id=location.id,
            fulfilling_store=vendor.store or "",
            fulfilling_location_id=vendor.remote_location_id or "",
            fulfilling_location_name=vendor.remote_name or vendor.name,
            whole=whole,
            lines=items,
            handle=HANDOFF_HOLD_HANDLE,
        )
        run.note(
            "vendor", fo_label(fo), f"handed off to {vendor.name}", f"{skus}; via stand-in {location.name}"
        )
    else:
        intent = SendPurchaseOrder(
            fulfillment_order_id=fo.id,
            from_location_id=fo.assigned_location_id,
            vendor_id=vendor.id,
            vendor_name=vendor.name,
            to_location_id=location.id,
            whole=whole,
            lines=items,
            acceptance_minutes=vendor.acceptance_minutes,
            handle=VENDOR_HOLD_HANDLE,
        )
        due = deadline(run.snapshot.read_at, vendor.acceptance_minutes)
        by = f" (by {due} if sent now)" if due else ""
        window = _duration(vendor.acceptance_minutes)
        run.note(
            "vendor",
            fo_label(fo),
            f"bought from {vendor.name} on a purchase order",
            f"{skus}; held until {vendor.name} accepts within {window}{by}",
        )
    run.purchase_orders.append(intent)
    return intent


def deadline(read_at: str | None, minutes: int) -> str | None:
    """`read_at` plus the acceptance window, in UTC, e.g. `2026-11-28 14:00 UTC`."""
    if not read_at:
        return None
    try:
        moment = datetime.fromisoformat(read_at.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return (moment + timedelta(minutes=minutes)).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _duration(minutes: int) -> str:
    if minutes % 1440 == 0:
        return f"{minutes // 1440} day(s)"
    if minutes % 60 == 0:
        return f"{minutes // 60} h"
    return f"{minutes} min"
