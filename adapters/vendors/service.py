"""Drop-ship vendors in the running service: desk, answers, sweeper and mailboxes, wired together.

- `VendorDesk` buys (the 850, the move, our hold) and shows the engine where POs stand;
- `VendorAnswers` reads what vendors send (997/855/856/846), over HTTP (`/edi/inbound/{vendor}`)
  or from a mailbox inbox;
- the sweeper times out POs left unanswered past their deadline (then the order is decided again
  and, where the vendor wants one, an 860 cancellation goes out) and sends again the 850s whose
  send failed;
- mailbox vendors' inboxes are read every `ROUTING_EDI_SWEEP_SECONDS`.
All state is in SQL: a restart in the middle of an acceptance window changes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping, Sequence

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.routing import Route

from adapters.edi.envelope import ControlNumbers as X12Numbers
from adapters.edi.http_transport import HttpTransport
from adapters.edi.inbound import InboundResult, inbound_routes
from adapters.edi.inventory_advice import read_inventory_csv
from adapters.edi.mailbox import MailboxTransport
from adapters.edi.purchase_order import write_860_cancel
from adapters.edi.transport import Received, Transport
from adapters.ports import VendorStoreGateway
from adapters.store import Inbox
from adapters.store.clock import Clock, utc_now
from adapters.store.edi_records import PurchaseOrderRecord
from adapters.store.purchase_orders import PurchaseOrderBook
from adapters.vendors.answers import OnInventory, VendorAnswers
from adapters.vendors.config import VendorConfig
from adapters.vendors.desk import VendorDesk, envelope_for
from adapters.vendors.sweeper import Sweeper

logger = logging.getLogger(__name__)


def transport_for(vendor: VendorConfig, http: httpx.AsyncClient) -> Transport:
    settings = vendor.transport
    if settings.kind == "http":
        header = settings.auth_header.get_secret_value() if settings.auth_header else None
        return HttpTransport(http, settings.url, header, settings.timeout_seconds)
    return MailboxTransport(settings.outbox_dir, settings.inbox_dir)


class VendorService:
    def __init__(
        self,
        vendors: Sequence[VendorConfig],
        *,
        sessions: async_sessionmaker[AsyncSession],
        inbox: Inbox,
        stores: Mapping[str, VendorStoreGateway],
        http: httpx.AsyncClient,
        sweep_seconds: float,
        on_inventory: OnInventory | None = None,
        clock: Clock = utc_now,
        notify: Callable[[], None] | None = None,
    ) -> None:
        self.book = PurchaseOrderBook(sessions, clock=clock)
        self.transports = {vendor.id: transport_for(vendor, http) for vendor in vendors}
        self.desk = VendorDesk(
            vendors, book=self.book, transports=self.transports, stores=stores, inbox=inbox, clock=clock
        )
        self.answers = VendorAnswers(self.desk, on_inventory=on_inventory)
        self._on_inventory = on_inventory
        self._sweep_seconds = sweep_seconds
        self._now = clock
        self.notify = notify
        self.sweeper = Sweeper(
            self.book,
            on_overdue=self.time_out,
            on_unsent=self.send_again,
            every_seconds=sweep_seconds,
            clock=clock,
        )
        self._tasks: list[asyncio.Task[None]] = []

    # --- the sweeper's callbacks -----------------------------------------------------------------

    async def time_out(self, po: PurchaseOrderRecord) -> None:
        """No 855 by the deadline: the PO times out, the order is decided again (without it)."""
        vendor = self.desk.vendors.get(po.vendor_id)
        moved = await self.book.time_out(po.id, self._now())
        if not moved.applied:
            return
        logger.info("PO %s of %s timed out (due %s)", po.po_number, po.vendor_id, po.ack_due_at)
        if vendor is not None and vendor.sends_cancellation:
            await self._cancel(vendor, po)
        await self.desk.redecide(po, "timeout")
        self._wake()

    async def send_again(self, po: PurchaseOrderRecord) -> None:
        vendor = self.desk.vendors.get(po.vendor_id)
        if vendor is not None:
            logger.info("PO %s: %s", po.po_number, await self.desk.send_850(po, vendor))

    async def _cancel(self, vendor: VendorConfig, po: PurchaseOrderRecord) -> None:
        numbers = await self.book.next_control_numbers(vendor.id)
        document = write_860_cancel(
            po.po_number,
            po.created_at.date(),
            envelope_for(vendor),
            X12Numbers(numbers.interchange, numbers.group, numbers.transaction),
        )
        delivery = await self.transports[vendor.id].send(
            document, vendor_id=vendor.id, name=f"860-{po.po_number}"
        )
        await self.book.record_outbound(
            vendor.id,
            set_code="860",
            interchange_control=numbers.interchange,
            raw=document,
            po_id=po.id,
            detail=None if delivery.delivered else f"not delivered: {delivery.error}",
        )

    async def withdraw(self, shop: str, order_id: str) -> str:
        """The order was cancelled: its open purchase orders are cancelled, with an 860 to the
        vendors that want one for a PO they already have."""
        notes = []
        for po in await self.book.for_order(shop, order_id):
            moved = await self.book.cancel(po.id, self._now(), "the order was cancelled in Shopify")
            if not moved.applied:
                continue
            vendor = self.desk.vendors.get(po.vendor_id)
            if vendor is not None and vendor.sends_cancellation and moved.previous != "draft":
                await self._cancel(vendor, po)
            notes.append(f"PO {po.po_number} to {po.vendor_id} cancelled")
        return "; ".join(notes)

    # --- inbound ---------------------------------------------------------------------------------

    async def receive(self, vendor_id: str, text: str) -> InboundResult:
        result = await self.answers.receive(vendor_id, text)
        self._wake()  # an 855 stored a delivery: let a worker take it now
        return result

    async def read_mailboxes(self) -> int:
        """Hand every document waiting in mailbox inboxes to `receive`; how many were read."""
        count = 0
        for vendor_id, transport in self.transports.items():
            if not isinstance(transport, MailboxTransport):
                continue
            for received in await transport.receive():
                count += 1
                if received.name.lower().endswith(".csv"):
                    await self._inventory_file(vendor_id, transport, received)
                    continue
                if received.header is None:
                    await transport.reject(received, received.header_error or "not an X12 interchange")
                    continue
                try:
                    await self.receive(vendor_id, received.document)
                except Exception:
                    logger.exception(
                        "mailbox document %s of %s: will be read again", received.name, vendor_id
                    )
                    transport.release(received)
                    continue
                await transport.acknowledge(received)
        return count

    async def _inventory_file(self, vendor_id: str, transport: MailboxTransport, received: Received) -> None:
        if self._on_inventory is None:
            await transport.reject(received, "no inventory sync is configured for CSV stock feeds")
            return
        try:
            advice = read_inventory_csv(received.document)
        except ValueError as error:
            await transport.reject(received, str(error))
            return
        await self._on_inventory(vendor_id, advice, f"csv {received.name}")
        await transport.acknowledge(received)

    # --- running -----------------------------------------------------------------------------------

    def start(self) -> None:
        self._tasks.append(asyncio.create_task(self.sweeper.run(), name="edi-sweeper"))
        if any(isinstance(t, MailboxTransport) for t in self.transports.values()):
            self._tasks.append(asyncio.create_task(self._mailboxes(), name="edi-mailboxes"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    async def _mailboxes(self) -> None:
        while True:
            try:
                await self.read_mailboxes()
            except Exception:
                logger.exception("reading the vendors' mailboxes failed; trying again next round")
            await asyncio.sleep(self._sweep_seconds)

    def _wake(self) -> None:
        if self.notify is not None:
            self.notify()


def vendor_routes(
    vendors: Sequence[VendorConfig], service: Callable[[], VendorService | None]
) -> list[Route]:
    """`POST /edi/inbound/{vendor_id}`, mounted when the app is built; `service()` is the running one
    (None while starting or stopping: the sender is told to try again, 503)."""

    async def receive(vendor_id: str, text: str) -> InboundResult:
        running = service()
        if running is None:
            raise RuntimeError("the vendor service is not running")
        return await running.receive(vendor_id, text)

    return inbound_routes(receive, {vendor.id: vendor.inbound_token for vendor in vendors})
