"""A vendor's 856 as a Shopify fulfillment: the shipped lines of the PO, with carrier and tracking.

The fulfillment order at the vendor's location is read afresh (quantities may have changed, and a
repeated 856 must not fulfil twice); our awaiting-vendor hold, if an 856 comes before the 855 or
instead of it, is released first, since Shopify fulfils no held fulfillment order. Items are
matched to the PO's lines by line number, else by item, and to the fulfillment order's lines by
SKU; at most what remains is fulfilled.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from adapters.edi.ship_notice import ShipNotice
from adapters.ports import VendorStoreGateway
from adapters.shopify.errors import ShopifyUserError
from adapters.store.edi_records import PurchaseOrderRecord
from adapters.vendors.config import VendorConfig
from engine.intents import LineQuantity, ReleaseHold

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Shipped:
    line_numbers: frozenset[int] | None  # the PO's lines shipped; None: all not refused
    detail: str
    left_behind: str | None = None  # the fulfillment order split off with what was not shipped


async def fulfil(
    gateway: VendorStoreGateway,
    po: PurchaseOrderRecord,
    notice: ShipNotice,
    vendor: VendorConfig,
    *,
    handle: str,
) -> Shipped:
    fulfillment_order_id = po.vendor_fulfillment_order_id or po.fulfillment_order_id
    snapshot = await gateway.read_snapshot(fulfillment_order_id)
    fo = next((fo for fo in snapshot.fulfillment_orders if fo.id == fulfillment_order_id), None)
    if fo is None or fo.status in ("CLOSED", "CANCELLED"):
        return Shipped(
            frozenset(), f"{fulfillment_order_id} is {fo.status if fo else 'gone'}: nothing to fulfil"
        )
    if fo.our_hold(handle) is not None:
        await gateway.apply(ReleaseHold(fulfillment_order_id=fo.id, handle=handle), snapshot=snapshot)
    numbers = {line.line_number: line for line in po.lines}
    by_item = {line.vendor_item.casefold(): line for line in po.lines} | {
        line.sku.casefold(): line for line in po.lines
    }
    remaining = {(line.sku or "").casefold(): line for line in fo.lines if line.remaining_quantity > 0}
    wanted: dict[str, int] = {}
    shipped: set[int] = set()
    for item in notice.items:
        po_line = numbers.get(item.line_number or 0) or by_item.get(item.vendor_item.casefold())
        po_line = po_line or by_item.get(item.sku.casefold())
        line = remaining.get(po_line.sku.casefold()) if po_line is not None else None
        if po_line is None or line is None:
            continue
        shipped.add(po_line.line_number)
        wanted[line.id] = min(line.remaining_quantity, wanted.get(line.id, 0) + item.quantity)
    if not wanted:
        return Shipped(frozenset(), f"856 {notice.shipment_id}: no item matches what remains on {fo.id}")
    # What this 856 does not ship (refused, backordered, not answered yet) is split off first,
    # so that the shipped lines close their own fulfillment order and the rest stays movable
    # (Shopify moves no fulfillment order once it is partly fulfilled): the order's next
    # decision routes it, and a line the vendor refused never goes back to that vendor.
    unshipped = tuple(
        LineQuantity(id=line.id, quantity=line.remaining_quantity - wanted.get(line.id, 0))
        for line in fo.lines
        if line.remaining_quantity > wanted.get(line.id, 0)
    )
    left: str | None = None
    if unshipped:
        left = await gateway.split_off(fo.id, unshipped)
        logger.info("PO %s: lines not in 856 %s split off into %s", po.po_number, notice.shipment_id, left)
        snapshot = await gateway.read_snapshot(fo.id)
        fo = next(f for f in snapshot.fulfillment_orders if f.id == fulfillment_order_id)
    complete = all(wanted.get(line.id, 0) == line.remaining_quantity for line in fo.lines)
    lines = () if complete else tuple(LineQuantity(id=k, quantity=v) for k, v in wanted.items())
    try:
        result = await gateway.create_fulfillment(
            fo.id,
            lines,
            notice.carrier_name or notice.carrier_scac or None,
            notice.tracking_numbers,
            notify_customer=vendor.notify_customer,
        )
    except ShopifyUserError as error:
        return Shipped(frozenset(), f"Shopify refused the fulfillment of {fo.id}: {error}")
    tracking = ", ".join(notice.tracking_numbers) or "no tracking number"
    return Shipped(
        frozenset(shipped),
        f"fulfillment {result.fulfillment_id} ({result.quantity} unit(s), {tracking})",
        left,
    )
