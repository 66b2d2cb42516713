"""The purchase-order specs' world: an order of store US, two lines for Acme, a PO opened or sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.store.edi_records import (
    NewPurchaseOrderLine,
    PurchaseOrderRecord,
)
from adapters.store.purchase_orders import PurchaseOrderBook

SHOP = "north-wind-us.myshopify.com"
ORDER = "gid://shopify/Order/1"
FO = "gid://shopify/FulfillmentOrder/1"
ACME_LOCATION = "gid://shopify/Location/9001"
T0 = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
Sessions = async_sessionmaker[AsyncSession]
LINES = (
    NewPurchaseOrderLine("gid://shopify/FulfillmentOrderLineItem/1", "NW-TENT-2P", "ACM-77120", 2),
    NewPurchaseOrderLine("gid://shopify/FulfillmentOrderLineItem/2", "NW-STOVE-1", "ACM-30544", 1),
)


async def open_po(
    book: PurchaseOrderBook, *, vendor: str = "acme", order: str = ORDER, decision: str | None = None
) -> PurchaseOrderRecord:
    return await book.open_purchase_order(
        store=SHOP,
        vendor_id=vendor,
        order_id=order,
        order_name="#1001",
        fulfillment_order_id=FO,
        location_id=ACME_LOCATION,
        lines=LINES,
        decision_id=decision,
    )


async def sent_po(book: PurchaseOrderBook, *, due: datetime = T0 + timedelta(hours=4)) -> PurchaseOrderRecord:
    po = await open_po(book)
    await book.mark_sent(po.id, sent_at=T0, ack_due_at=due, raw_850=f"ISA*…*{po.control.interchange}~")
    found = await book.get(po.id)
    assert found is not None
    return found
