"""What the vendor specs share: Acme's configuration, a store that only fulfils and splits (a fake
with just what the desk and answers call), a transport that records what we send, a fixed clock,
and a writer of the interchanges Acme sends us."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.edi.transport import Delivery, Received
from adapters.ports import VendorStoreGateway
from adapters.shopify.fulfillments import FulfilledLine, FulfillmentResult, TrackingInfo
from adapters.shopify.outcomes import IntentResult, applied
from adapters.shopify.ship_to import ShipToAddress
from adapters.store import Inbox
from adapters.store.edi_documents import EdiDocument, stored_document
from adapters.store.purchase_orders import NewPurchaseOrderLine, PurchaseOrderBook, PurchaseOrderRecord
from adapters.store.tables import DeliveryRow, EdiDocumentRow
from adapters.vendors.config import VendorConfig
from adapters.vendors.desk import VendorDesk
from engine.intents import VENDOR_HOLD_HANDLE, Intent, LineQuantity, ReleaseHold
from engine.model import FulfillmentOrder, FulfillmentOrderLine, Hold, Location, Order, Snapshot

Sessions = async_sessionmaker[AsyncSession]
STORE = "north-wind-us.myshopify.com"
ORDER = "gid://shopify/Order/1042"
ORIGINAL_FO = "gid://shopify/FulfillmentOrder/1"
ACME_FO = "gid://shopify/FulfillmentOrder/2"  # the lines moved to Acme's location
ACME_LOCATION = "gid://shopify/Location/9001"
NEWARK = "gid://shopify/Location/1"
T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
WINDOW = timedelta(hours=4)
TOKEN = "acme-inbound-token-for-tests"


def acme(**overrides: Any) -> VendorConfig:
    """Acme as the vendors file would have it (it sends as ACMEDSV, we are ROUTING)."""
    table: dict[str, Any] = {
        "id": "acme",
        "name": "Acme Distribution",
        "isa_qualifier": "ZZ",
        "isa_id": "ACMEDSV",
        "gs_code": "ACMEDSV",
        "our_isa_qualifier": "ZZ",
        "our_isa_id": "ROUTING",
        "our_gs_code": "ROUTING",
        "usage": "T",
        "inbound_token": TOKEN,
        "locations": {STORE: "Acme Drop-ship"},
        "sku_map": {"AC-WIDGET": "WIDGET-001", "AC-BRACKET": "BRKT-050"},
        "transport": {"kind": "http", "url": "http://127.0.0.1:9/edi"},
    }
    return VendorConfig.model_validate(table | overrides)


class FixedClock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class RecordingTransport:
    """Takes every document (or refuses them all while `down`) and keeps what was sent."""

    sent: list[tuple[str, str]] = field(default_factory=list)  # (name, document)
    down: bool = False

    async def send(self, document: str, *, vendor_id: str, name: str) -> Delivery:
        if self.down:
            return Delivery.failed(vendor_id=vendor_id, name=name, error="connection refused", retryable=True)
        self.sent.append((name, document))
        return Delivery.succeeded(vendor_id=vendor_id, name=name, answer="200 OK")

    async def receive(self) -> list[Received]:
        return []

    async def acknowledge(self, received: Received) -> None:
        return None

    async def reject(self, received: Received, why: str) -> None:
        return None

    def named(self, prefix: str) -> list[str]:
        """The documents sent whose name starts with `prefix` (e.g. "997-", "850-")."""
        return [document for name, document in self.sent if name.startswith(prefix)]


@dataclass(frozen=True)
class Fulfilled:
    fulfillment_order_id: str
    lines: tuple[LineQuantity, ...]
    tracking_company: str | None
    tracking_numbers: tuple[str, ...]
    notify_customer: bool


class FakeShop:
    """The order's state at Acme's location; answers what shipping and the desk ask of a store."""

    def __init__(self, quantities: dict[str, int]) -> None:
        lines = tuple(
            FulfillmentOrderLine(
                id=f"gid://shopify/FulfillmentOrderLineItem/{n}",
                sku=sku,
                remaining_quantity=q,
                total_quantity=q,
            )
            for n, (sku, q) in enumerate(quantities.items(), start=1)
        )
        ours = Hold(id="hold-1", reason="AWAITING_RETURN_ITEMS", handle=VENDOR_HOLD_HANDLE, held_by_us=True)
        self.fos = {
            ACME_FO: FulfillmentOrder(
                id=ACME_FO, status="ON_HOLD", assigned_location_id=ACME_LOCATION, lines=lines, holds=(ours,)
            )
        }
        self.writes: list[Intent] = []
        self.splits: list[tuple[str, tuple[LineQuantity, ...]]] = []
        self.fulfilled: list[Fulfilled] = []

    def as_gateway(self) -> VendorStoreGateway:
        # Only what the desk and the answers call is implemented; the rest of the port is unused here.
        return cast(VendorStoreGateway, self)

    def snapshot(self) -> Snapshot:
        return Snapshot(
            store=STORE,
            order=Order(id=ORDER, name="#1042"),
            fulfillment_orders=tuple(self.fos.values()),
            locations=(
                Location(id=NEWARK, name="Newark DC", store=STORE),
                Location(id=ACME_LOCATION, name="Acme Drop-ship", store=STORE),
            ),
        )

    async def read_snapshot(self, fulfillment_order_id: str) -> Snapshot:
        return self.snapshot()

    async def apply(
        self, intent: Intent, *, snapshot: Snapshot | None, decided_on: Snapshot | None = None
    ) -> IntentResult:
        self.writes.append(intent)
        if isinstance(intent, ReleaseHold):
            fo = self.fos[intent.fulfillment_order_id]
            self.fos[fo.id] = fo.model_copy(update={"holds": (), "status": "OPEN"})
        return applied(f"{type(intent).__name__} applied")

    async def split_off(self, fulfillment_order_id: str, lines: Sequence[LineQuantity]) -> str:
        self.splits.append((fulfillment_order_id, tuple(lines)))
        fo = self.fos[fulfillment_order_id]
        taken = {line.id: line.quantity for line in lines}
        new_id = f"gid://shopify/FulfillmentOrder/{len(self.fos) + 10}"
        kept = tuple(
            line.model_copy(update={"remaining_quantity": line.remaining_quantity - taken.get(line.id, 0)})
            for line in fo.lines
            if line.remaining_quantity > taken.get(line.id, 0)
        )
        moved = tuple(
            line.model_copy(update={"id": f"{line.id}-split", "remaining_quantity": taken[line.id]})
            for line in fo.lines
            if line.id in taken
        )
        self.fos[fo.id] = fo.model_copy(update={"lines": kept})
        self.fos[new_id] = fo.model_copy(update={"id": new_id, "lines": moved})
        return new_id

    async def create_fulfillment(
        self,
        fulfillment_order_id: str,
        lines: Sequence[LineQuantity],
        tracking_company: str | None,
        tracking_numbers: Sequence[str],
        tracking_urls: Sequence[str] = (),
        notify_customer: bool = False,
    ) -> FulfillmentResult:
        self.fulfilled.append(
            Fulfilled(
                fulfillment_order_id, tuple(lines), tracking_company, tuple(tracking_numbers), notify_customer
            )
        )
        fo = self.fos[fulfillment_order_id]
        quantity = sum(line.quantity for line in lines) or sum(line.remaining_quantity for line in fo.lines)
        return FulfillmentResult(
            fulfillment_id="gid://shopify/Fulfillment/1",
            status="SUCCESS",
            tracking=tuple(TrackingInfo(tracking_company, number, None) for number in tracking_numbers),
            lines=(
                FulfilledLine("gid://shopify/FulfillmentLineItem/1", "gid://shopify/LineItem/1", quantity),
            ),
            payload={},
        )

    async def ship_to(self, order_id: str) -> ShipToAddress:
        return ShipToAddress("Jane Doe", "12 Main St", "New York", "NY", "10001", "US")


def desk_for(
    sessions: Sessions,
    shop: FakeShop,
    transport: RecordingTransport,
    clock: FixedClock,
    vendor: VendorConfig | None = None,
) -> VendorDesk:
    """A real desk on the real book and inbox, with the fake store and the recording transport."""
    return VendorDesk(
        [vendor or acme()],
        book=PurchaseOrderBook(sessions, clock=clock),
        transports={"acme": transport},
        stores={STORE: shop.as_gateway()},
        inbox=Inbox(sessions, clock=clock),
        clock=clock,
    )


async def sent_po(
    book: PurchaseOrderBook, clock: FixedClock, lines: dict[str, int], *, send: bool = True
) -> PurchaseOrderRecord:
    """A PO to Acme for `lines` (store SKU → quantity), moved to Acme as ACME_FO and, unless `send`
    is False, recorded as sent with its deadline."""
    po = await book.open_purchase_order(
        store=STORE,
        vendor_id="acme",
        order_id=ORDER,
        order_name="#1042",
        fulfillment_order_id=ORIGINAL_FO,
        location_id=ACME_LOCATION,
        lines=[
            NewPurchaseOrderLine(
                f"gid://shopify/FulfillmentOrderLineItem/{n}", sku, acme().vendor_item(sku), quantity
            )
            for n, (sku, quantity) in enumerate(lines.items(), start=1)
        ],
    )
    await book.record_move(po.id, ACME_FO)
    if send:
        await book.mark_sent(po.id, sent_at=clock(), ack_due_at=clock() + WINDOW, raw_850="ISA~")
    found = await book.get(po.id)
    assert found is not None
    return found


def interchange(
    control: int, functional_id: str, *sets: tuple[str, Sequence[str]], sender: str = "ACMEDSV"
) -> str:
    """An interchange from `sender` to us: one group of `sets` (code, body segments without ST/SE)."""
    lines = [
        f"ISA*00*          *00*          *ZZ*{sender:<15}*ZZ*{'ROUTING':<15}*261127*0900*U*00401*"
        f"{control:09d}*0*T*>~",
        f"GS*{functional_id}*{sender}*ROUTING*20261127*0900*{control}*X*004010~",
    ]
    for number, (code, body) in enumerate(sets, start=1):
        st = f"{number:04d}"
        lines += [f"ST*{code}*{st}~", *(f"{segment}~" for segment in body), f"SE*{len(body) + 2}*{st}~"]
    lines += [f"GE*{len(sets)}*{control}~", f"IEA*1*{control:09d}~"]
    return "\n".join(lines) + "\n"


def ack_855(po_number: str, status: str, *lines: tuple[int, str, str, int]) -> tuple[str, list[str]]:
    """An 855 set: BAK02 `status`; each line (number, vendor item, ACK01, quantity)."""
    body = [f"BAK*00*{status}*{po_number}*20261127"]
    for number, item, code, quantity in lines:
        body += [f"PO1*{number}*{quantity}*EA***VP*{item}", f"ACK*{code}*{quantity}*EA"]
    return "855", body


async def inbound_documents(sessions: Sessions) -> list[EdiDocument]:
    """Every document Acme sent us, as kept, in arrival order."""
    async with sessions() as session:
        rows = await session.scalars(
            select(EdiDocumentRow).where(EdiDocumentRow.direction == "in").order_by(EdiDocumentRow.id)
        )
        return [stored_document(row) for row in rows]


async def deliveries(sessions: Sessions) -> list[dict[str, Any]]:
    """The inbox's deliveries: webhook id, topic, shop and the decoded body."""
    async with sessions() as session:
        rows = await session.scalars(select(DeliveryRow).order_by(DeliveryRow.id))
        return [
            {"webhook_id": r.webhook_id, "topic": r.topic, "shop": r.shop, "body": json.loads(r.body)}
            for r in rows
        ]
