"""Where an order's purchase orders stand, as the engine reads them (`Snapshot.vendors`, `vendor_lines`).

A vendor's location is named in the vendors file by name or GID per store; it is matched against the
snapshot's locations. Each PO line becomes a `VendorLine` on the fulfillment order now at the vendor
(the moved one), matched to that fulfillment order's line by SKU, since a partial move gives the
moved lines new ids. How a PO's status reads for its lines:

    draft, sent, acknowledged        -> awaiting (the deadline is `ack_due_at`)
    accepted, partially_accepted     -> each line as answered: accepted, or refused (IR, IB, a short
                                        IQ: the whole line goes elsewhere rather than part of it)
    rejected, timed_out, cancelled   -> refused, saying why
    shipped                          -> shipped (refused lines stay refused)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from adapters.store.edi_records import PurchaseOrderLine, PurchaseOrderRecord
from adapters.vendors.config import VendorConfig
from engine.model import Snapshot, Vendor, VendorLine, VendorLineStatus

_AWAITING = frozenset({"draft", "sent", "acknowledged"})
_REFUSED_WHOLE = {
    "rejected": "order rejected",
    "timed_out": "no 855 by the deadline",
    "cancelled": "purchase order cancelled",
}


def vendors_of(configs: Iterable[VendorConfig], snapshot: Snapshot) -> tuple[Vendor, ...]:
    """The vendors with a location in this store, by the snapshot's locations."""
    by_name = {location.name.casefold(): location.id for location in snapshot.locations}
    known = {location.id for location in snapshot.locations}
    found = []
    for config in configs:
        named = config.location_for(snapshot.store)
        if named is None:
            continue
        location_id = named if named in known else by_name.get(named.casefold())
        if location_id is not None:
            found.append(
                Vendor(
                    id=config.id,
                    name=config.name,
                    location_id=location_id,
                    acceptance_minutes=config.acceptance_window,
                )
            )
    return tuple(found)


def vendor_lines(
    orders: Iterable[PurchaseOrderRecord], snapshot: Snapshot, configs: Mapping[str, VendorConfig]
) -> tuple[VendorLine, ...]:
    fos = {fo.id: fo for fo in snapshot.fulfillment_orders}
    lines: list[VendorLine] = []
    for po in orders:
        fo_id = po.vendor_fulfillment_order_id or po.fulfillment_order_id
        fo = fos.get(fo_id)
        if fo is None:  # closed and gone from the snapshot, or not moved yet
            continue
        by_sku = {(line.sku or "").casefold(): line.id for line in fo.lines}
        due = _utc(po.ack_due_at) if po.ack_due_at else None
        for line in po.lines:
            status, detail = _standing(po, line)
            lines.append(
                VendorLine(
                    fulfillment_order_id=fo_id,
                    line_id=by_sku.get(line.sku.casefold(), line.fulfillment_order_line_id),
                    sku=line.sku,
                    vendor_id=po.vendor_id,
                    purchase_order=po.po_number,
                    status=status,
                    due_at=due,
                    detail=detail,
                )
            )
    return tuple(lines)


def _standing(po: PurchaseOrderRecord, line: PurchaseOrderLine) -> tuple[VendorLineStatus, str]:
    if po.status in _AWAITING:
        return "awaiting", ""
    if po.status in _REFUSED_WHOLE:
        why = _REFUSED_WHOLE[po.status]
        if po.status == "timed_out" and po.ack_due_at is not None:
            why = f"no 855 by {_utc(po.ack_due_at)}"
        return "refused", why
    said = ": ".join(part for part in (line.code, line.reason) if part)
    if line.status == "refused":
        return "refused", said or "refused"
    if line.accepted_quantity is not None and line.accepted_quantity < line.quantity:
        return "refused", f"only {line.accepted_quantity} of {line.quantity} confirmed" + (
            f" ({said})" if said else ""
        )
    if po.status == "shipped" or line.status == "shipped":
        return "shipped", ""
    return "accepted", said


def _utc(moment: datetime) -> str:
    # Said as UTC whatever zone the moment carries, so that "UTC" in the text is true.
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
