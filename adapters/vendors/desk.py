"""The vendor desk: drop-ship purchase orders between the engine, the PO book, Shopify and the vendors.

For a decision it adds the store's vendors and the order's lines on purchase orders to the
snapshot (`with_vendors`), and it executes `SendPurchaseOrder` (`buy`):

1. open the PO in SQL (its number and the 850's control numbers are taken in that transaction;
   a retry with the same intent key finds the PO already opened);
2. move the lines to the vendor's location (unless they are there) and hold them under our
   handle with a note naming the PO and its deadline;
3. write the 850 and send it; the PO is `sent` with its deadline only once the vendor's
   transport took it. A failed send leaves a `draft` that the sweeper sends again (`send_850`).

When something the vendor says changes a PO (an 855, silence past the deadline), `redecide`
stores a delivery for the fulfillment order at the vendor, so that the order is decided again
through the inbox like any webhook: it survives restarts and takes the order's lease.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from adapters.edi.envelope import ControlNumbers as X12Numbers
from adapters.edi.envelope import Envelope, Party
from adapters.edi.purchase_order import PurchaseOrder, PurchaseOrderLine, ShipTo, write_850
from adapters.edi.transport import Transport
from adapters.outside_moves import move_to
from adapters.ports import StoreGateway, VendorStoreGateway
from adapters.shopify.outcomes import IntentOutcome, IntentResult, already_done, applied, failed
from adapters.store import Inbox
from adapters.store.clock import Clock, utc_now
from adapters.store.edi_records import NewPurchaseOrderLine, PurchaseOrderRecord
from adapters.store.inbox import NewDelivery
from adapters.store.purchase_orders import PurchaseOrderBook
from adapters.vendors.config import VendorConfig
from adapters.vendors.standing import vendor_lines, vendors_of
from engine.intents import HoldFulfillmentOrder, SendPurchaseOrder
from engine.model import Snapshot

logger = logging.getLogger(__name__)

ROUTING_COMPLETE = "fulfillment_orders/order_routing_complete"


def deadline_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def envelope_for(vendor: VendorConfig) -> Envelope:
    """How we address the vendor: our identity as sender, theirs as receiver."""
    return Envelope(
        sender=Party(vendor.our_isa_qualifier, vendor.our_isa_id),
        receiver=Party(vendor.isa_qualifier, vendor.isa_id),
        sender_application=vendor.our_gs_code,
        receiver_application=vendor.gs_code,
        version=vendor.version,
        usage=vendor.usage,
    )


class VendorDesk:
    """Implements `adapters.ports.VendorDesk` for the configured vendors."""

    def __init__(
        self,
        vendors: Sequence[VendorConfig],
        *,
        book: PurchaseOrderBook,
        transports: Mapping[str, Transport],
        stores: Mapping[str, VendorStoreGateway],
        inbox: Inbox,
        clock: Clock = utc_now,
    ) -> None:
        self.vendors = {vendor.id: vendor for vendor in vendors}
        self.book = book
        self.transports = transports
        self.stores = stores
        self.inbox = inbox
        self._now = clock

    def now(self) -> datetime:
        return self._now()

    # --- the decision's view -------------------------------------------------------------------

    async def with_vendors(self, snapshot: Snapshot) -> Snapshot:
        vendors = vendors_of(self.vendors.values(), snapshot)
        if not vendors:
            return snapshot
        orders = await self.book.for_order(snapshot.store, snapshot.order.id)
        return snapshot.model_copy(
            update={"vendors": vendors, "vendor_lines": vendor_lines(orders, snapshot, self.vendors)}
        )

    # --- buying ----------------------------------------------------------------------------------

    async def buy(
        self,
        intent: SendPurchaseOrder,
        gateway: StoreGateway,
        *,
        snapshot: Snapshot | None,
        decided_on: Snapshot | None,
        key: str,
    ) -> IntentResult:
        vendor = self.vendors.get(intent.vendor_id)
        if vendor is None:
            return failed(f"vendor {intent.vendor_id} is not in the vendors file")
        seen = snapshot or decided_on
        if seen is None:  # a decision is always stored with its snapshot; a retry gets it back
            return failed("no snapshot to take the order from")
        po = await self.book.open_purchase_order(
            store=seen.store,
            vendor_id=vendor.id,
            order_id=seen.order.id,
            order_name=seen.order.name,
            fulfillment_order_id=intent.fulfillment_order_id,
            location_id=intent.to_location_id,
            lines=[
                NewPurchaseOrderLine(
                    fulfillment_order_line_id=line.id,
                    sku=line.sku or line.id,
                    vendor_item=vendor.vendor_item(line.sku or line.id),
                    quantity=line.quantity,
                )
                for line in intent.lines
            ],
            decision_id=key,
        )
        if po.status not in ("draft",):
            moved = po.vendor_fulfillment_order_id
            return already_done(
                f"PO {po.po_number} to {vendor.name} was already sent ({po.status})",
                created_ids=(moved,) if moved and moved != intent.fulfillment_order_id else (),
            )
        placed = await self._place(intent, gateway, snapshot, decided_on, po)
        if isinstance(placed, IntentResult):
            await self.book.cancel(po.id, self._now(), placed.detail)
            return placed
        vendor_fo, due = placed
        sent = await self.send_850(po, vendor, due=due)
        here = vendor_fo == intent.fulfillment_order_id
        where = "held at the vendor's location" if here else f"moved to {vendor.name} as {vendor_fo}"
        detail = f"PO {po.po_number} to {vendor.name}: {where}; {sent}"
        created = (vendor_fo,) if vendor_fo != intent.fulfillment_order_id else ()
        return applied(detail, created_ids=created)

    async def _place(
        self,
        intent: SendPurchaseOrder,
        gateway: StoreGateway,
        snapshot: Snapshot | None,
        decided_on: Snapshot | None,
        po: PurchaseOrderRecord,
    ) -> tuple[str, datetime] | IntentResult:
        """Move the lines to the vendor and hold them; the fulfillment order there and the deadline."""
        vendor_fo = po.vendor_fulfillment_order_id
        if vendor_fo is None:
            moved = await move_to(
                gateway,
                fulfillment_order_id=intent.fulfillment_order_id,
                from_location_id=intent.from_location_id,
                to_location_id=intent.to_location_id,
                whole=intent.whole,
                lines=intent.lines,
                snapshot=snapshot,
                decided_on=decided_on,
            )
            if isinstance(moved, IntentResult):
                return failed(f"PO {po.po_number} withdrawn: the move failed: {moved.detail}")
            vendor_fo = moved
        await self.book.record_move(po.id, vendor_fo)
        due = self._now() + self.vendors[intent.vendor_id].window
        hold = HoldFulfillmentOrder(
            fulfillment_order_id=vendor_fo,
            reason=intent.reason,
            notes=f"Awaiting {intent.vendor_name} acceptance of PO {po.po_number} until {deadline_text(due)}",
            handle=intent.handle,
        )
        held = await gateway.apply(hold, snapshot=None)  # the move changed it: read afresh
        if held.outcome is IntentOutcome.FAILED:
            # The lines are at the vendor's location either way; staff see the PO in the metafield.
            logger.warning("PO %s: hold on %s failed: %s", po.po_number, vendor_fo, held.detail)
        return vendor_fo, due

    async def send_850(
        self, po: PurchaseOrderRecord, vendor: VendorConfig, *, due: datetime | None = None
    ) -> str:
        """Write and send the PO's 850; `sent` once the transport took it, else it stays a draft."""
        gateway = self.stores.get(po.store)
        if gateway is None:
            return f"850 not sent: store {po.store} is not configured"
        address = await gateway.ship_to(po.order_id)
        document = write_850(
            PurchaseOrder(
                po_number=po.po_number,
                order_date=po.created_at.date(),
                ship_to=ShipTo(
                    name=address.name,
                    address1=address.address1,
                    address2=address.address2,
                    city=address.city,
                    province=address.province_code,
                    zip=address.zip,
                    country=address.country_code,
                ),
                lines=tuple(
                    PurchaseOrderLine(
                        line_number=line.line_number,
                        sku=line.sku,
                        vendor_item=line.vendor_item,
                        quantity=line.quantity,
                        unit_price=vendor.costs.get(line.sku),
                    )
                    for line in po.lines
                ),
                notes=f"Shopify order {po.order_name}",
            ),
            envelope_for(vendor),
            X12Numbers(po.control.interchange, po.control.group, po.control.transaction),
        )
        transport = self.transports[vendor.id]
        delivery = await transport.send(document, vendor_id=vendor.id, name=f"850-{po.po_number}")
        if not delivery.delivered:
            logger.warning("PO %s: 850 to %s not delivered: %s", po.po_number, vendor.id, delivery.error)
            return f"850 not delivered yet ({delivery.error}); the sweeper sends it again"
        now = self._now()
        due = due or now + vendor.window
        await self.book.mark_sent(po.id, sent_at=now, ack_due_at=due, raw_850=document)
        return f"850 sent; acceptance due by {deadline_text(due)}"

    # --- deciding again ------------------------------------------------------------------------

    async def redecide(
        self, po: PurchaseOrderRecord, why: str, *, fulfillment_order: str | None = None
    ) -> bool:
        """Store a delivery that decides the PO's order again (the vendor's answer changed it)."""
        fulfillment_order = fulfillment_order or po.vendor_fulfillment_order_id or po.fulfillment_order_id
        stamp = self._now().strftime("%Y%m%dT%H%M%S%f")
        body = {"fulfillment_order": {"id": fulfillment_order, "status": "on_hold"}, "reason": why}
        return await self.inbox.store(
            NewDelivery(
                webhook_id=f"vendor:{po.vendor_id}:{po.po_number}:{why}:{stamp}",
                shop=po.store,
                topic=ROUTING_COMPLETE,
                body=json.dumps(body),
            )
        )
