"""What the service does when the sweeper hands it a purchase order: an overdue one times out, is
cancelled with an 860 where the vendor expects one, and its order is decided again; a draft whose
850 never went out is sent and marked sent. Against mock-edi over loopback HTTP as the vendor."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from mockedi.testing import Mock

from adapters.store import Inbox
from adapters.store.purchase_orders import PurchaseOrderRecord
from adapters.vendors.config import VendorConfig
from adapters.vendors.service import VendorService
from tests.vendors.desk_fakes import (
    ACME_FO,
    STORE,
    T0,
    WINDOW,
    FakeShop,
    FixedClock,
    Sessions,
    acme,
    deliveries,
    sent_po,
)

ORDERED = {"AC-WIDGET": 2, "AC-BRACKET": 3}


@pytest.fixture
def vendor() -> Iterator[Mock]:
    # Its answers are held: these specs are about what we send, not what it answers.
    with Mock.start(hold_delivery=True) as started:
        yield started


class Service:
    def __init__(self, service: VendorService, sessions: Sessions, clock: FixedClock, mock: Mock) -> None:
        self.service, self.sessions, self.clock, self.mock = service, sessions, clock, mock
        self.book = service.book

    async def sent_to_the_vendor(self) -> PurchaseOrderRecord:
        """A PO whose 850 mock-edi has taken."""
        draft = await sent_po(self.book, self.clock, ORDERED, send=False)
        await self.service.send_again(draft)
        po = await self.book.get(draft.id)
        assert po is not None and po.status == "sent", po
        return po

    async def outbound(self, po: PurchaseOrderRecord) -> list[tuple[str | None, str | None]]:
        """The set codes and details of what we sent about `po`."""
        return [(d.set_code, d.detail) for d in await self.book.documents(po.id) if d.direction == "out"]


async def service_for(
    sessions: Sessions, vendor: VendorConfig, mock: Mock, clock: FixedClock
) -> AsyncIterator[Service]:
    async with httpx.AsyncClient() as http:
        yield Service(
            VendorService(
                [vendor],
                sessions=sessions,
                inbox=Inbox(sessions, clock=clock),
                stores={STORE: FakeShop(dict(ORDERED)).as_gateway()},
                http=http,
                sweep_seconds=3600,
                clock=clock,
            ),
            sessions,
            clock,
            mock,
        )


def as_mock_knows_us(mock: Mock, **overrides: Any) -> VendorConfig:
    """Acme as mock-edi's seeded customer (we are ACME, it is MOCKEDI), over its HTTP endpoint."""
    return acme(
        isa_id="MOCKEDI",
        gs_code="MOCKEDI",
        our_isa_id="ACME",
        our_gs_code="ACME",
        costs={"AC-WIDGET": "12.50", "AC-BRACKET": "4.15"},  # mock-edi refuses unpriced lines
        transport={"kind": "http", "url": f"{mock.base}/edi"},
        **overrides,
    )


@pytest.fixture
async def cancelling(sessions: Sessions, vendor: Mock) -> AsyncIterator[Service]:
    async for service in service_for(
        sessions, as_mock_knows_us(vendor, sends_cancellation=True), vendor, FixedClock()
    ):
        yield service


@pytest.fixture
async def silent(sessions: Sessions, vendor: Mock) -> AsyncIterator[Service]:
    async for service in service_for(sessions, as_mock_knows_us(vendor), vendor, FixedClock()):
        yield service


async def test_a_draft_handed_back_is_sent_and_marked_sent_with_its_deadline(silent: Service) -> None:
    draft = await sent_po(silent.book, silent.clock, ORDERED, send=False)

    await silent.service.send_again(draft)

    po = await silent.book.get(draft.id)
    assert po is not None
    assert (po.status, po.sent_at, po.ack_due_at) == ("sent", T0, T0 + WINDOW)
    ordered = {line["sku"]: int(line["quantity"]) for line in silent.mock.order(po.po_number)["lines"]}
    assert ordered == {"WIDGET-001": 2, "BRKT-050": 3}


async def test_a_draft_whose_850_cannot_be_delivered_stays_a_draft_for_the_next_round(
    sessions: Sessions,
) -> None:
    clock = FixedClock()
    unreachable = acme(transport={"kind": "http", "url": "http://127.0.0.1:9/edi", "timeout_seconds": 2})
    async with httpx.AsyncClient() as http:
        service = VendorService(
            [unreachable],
            sessions=sessions,
            inbox=Inbox(sessions, clock=clock),
            stores={STORE: FakeShop(dict(ORDERED)).as_gateway()},
            http=http,
            sweep_seconds=3600,
            clock=clock,
        )
        draft = await sent_po(service.book, clock, ORDERED, send=False)

        await service.send_again(draft)

        assert (await service.book.get(draft.id)).status == "draft"  # type: ignore[union-attr]
        assert [po.id for po in await service.book.unsent()] == [draft.id]


async def test_an_overdue_po_times_out_is_cancelled_with_an_860_and_its_order_is_decided_again(
    cancelling: Service,
) -> None:
    cancelling.mock.behaviour("ACME", "no-ack")  # the vendor takes the 850 and says nothing
    po = await cancelling.sent_to_the_vendor()
    cancelling.clock.now = T0 + WINDOW

    await cancelling.service.time_out(po)

    after = await cancelling.book.get(po.id)
    assert after is not None
    assert after.status == "timed_out"
    assert await cancelling.outbound(po) == [("850", None), ("860", None)]  # both delivered
    assert cancelling.mock.order(po.po_number)["status"] == "cancelled"
    [delivery] = await deliveries(cancelling.sessions)
    assert delivery["body"] == {
        "fulfillment_order": {"id": ACME_FO, "status": "on_hold"},
        "reason": "timeout",
    }


async def test_an_overdue_po_of_a_vendor_that_wants_no_cancellation_gets_no_860(silent: Service) -> None:
    po = await silent.sent_to_the_vendor()
    silent.clock.now = T0 + WINDOW

    await silent.service.time_out(po)

    assert (await silent.book.get(po.id)).status == "timed_out"  # type: ignore[union-attr]
    assert await silent.outbound(po) == [("850", None)]
    assert len(await deliveries(silent.sessions)) == 1


async def test_a_po_answered_before_the_sweeper_reached_it_is_left_alone(cancelling: Service) -> None:
    po = await cancelling.sent_to_the_vendor()
    await cancelling.book.record_answer(po.id, "accepted", at=T0 + WINDOW)

    await cancelling.service.time_out(po)

    assert (await cancelling.book.get(po.id)).status == "accepted"  # type: ignore[union-attr]
    assert await cancelling.outbound(po) == [("850", None)]
    assert await deliveries(cancelling.sessions) == []
