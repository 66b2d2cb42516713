"""A vendor who trades through a mailbox, end to end with mock-edi as the vendor: our 850 is written to
the outbox, which mock-edi reads as its drop directory; its 997, 855, 856 and 810 land in our inbox
(its pickup directory), where `VendorService.read_mailboxes()` reads them, acts on them and files them
in `processed/`. Stock reports come as CSV files in the same inbox."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from mockedi.testing import Mock

from adapters.edi.inventory_advice import InventoryAdvice
from adapters.store import Inbox
from adapters.vendors.config import VendorConfig
from adapters.vendors.service import VendorService
from tests.vendors.desk_fakes import (
    STORE,
    FakeShop,
    FixedClock,
    Sessions,
    acme,
    deliveries,
    inbound_documents,
    sent_po,
)

FIXTURES = Path(__file__).parents[2] / "fixtures" / "edi"
ORDERED = {"AC-WIDGET": 2, "AC-BRACKET": 3}


def mailbox_acme(tmp_path: Path) -> VendorConfig:
    """Acme as mock-edi's seeded customer knows us (we are ACME, it is MOCKEDI), over a mailbox."""
    return acme(
        isa_id="MOCKEDI",
        gs_code="MOCKEDI",
        our_isa_id="ACME",
        our_gs_code="ACME",
        costs={"AC-WIDGET": "12.50", "AC-BRACKET": "4.15"},  # mock-edi refuses unpriced lines
        transport={"kind": "mailbox", "outbox_dir": tmp_path / "outbox", "inbox_dir": tmp_path / "inbox"},
    )


class Mailboxes:
    def __init__(
        self, service: VendorService, shop: FakeShop, vendor: VendorConfig, sessions: Sessions
    ) -> None:
        self.service, self.shop, self.vendor, self.sessions = service, shop, vendor, sessions
        self.advice: list[tuple[str, InventoryAdvice, str]] = []  # what reached on_inventory

    @property
    def inbox(self) -> Path:
        return Path(self.vendor.transport.inbox_dir)  # type: ignore[union-attr]

    @property
    def outbox(self) -> Path:
        return Path(self.vendor.transport.outbox_dir)  # type: ignore[union-attr]

    def filed(self, folder: str) -> list[str]:
        where = self.inbox / folder
        return sorted(os.listdir(where)) if where.is_dir() else []

    def waiting(self) -> list[str]:
        return sorted(entry.name for entry in os.scandir(self.inbox) if entry.is_file())


@pytest.fixture
async def mailboxes(sessions: Sessions, tmp_path: Path) -> AsyncIterator[Mailboxes]:
    vendor = mailbox_acme(tmp_path)
    shop = FakeShop(dict(ORDERED))
    clock = FixedClock()
    reported: list[tuple[str, InventoryAdvice, str]] = []

    async def on_inventory(vendor_id: str, received: InventoryAdvice, reference: str) -> None:
        reported.append((vendor_id, received, reference))

    async with httpx.AsyncClient() as http:  # unused: a mailbox vendor never posts
        service = VendorService(
            [vendor],
            sessions=sessions,
            inbox=Inbox(sessions, clock=clock),
            stores={STORE: shop.as_gateway()},
            http=http,
            sweep_seconds=3600,
            on_inventory=on_inventory,
            clock=clock,
        )
        boxes = Mailboxes(service, shop, vendor, sessions)
        boxes.advice = reported
        yield boxes


@pytest.fixture
def partner(mailboxes: Mailboxes) -> Iterator[Mock]:
    # The poller is slowed to an hour: the tests have mock-edi scan on demand, so nothing races them.
    with Mock.start(
        drop_dir=str(mailboxes.outbox),
        pickup_dir=str(mailboxes.inbox),
        drop_settle_ms=0,
        drop_interval_ms=3_600_000,
    ) as started:
        yield started


async def test_our_850_goes_out_by_the_outbox_and_the_vendors_answers_are_read_acted_on_and_filed(
    mailboxes: Mailboxes, partner: Mock
) -> None:
    service = mailboxes.service
    po = await sent_po(service.book, FixedClock(), ORDERED, send=False)

    await service.send_again(po)  # the sweeper's callback for a draft: write the 850, mark it sent

    assert (await service.book.get(po.id)).status == "sent"  # type: ignore[union-attr]
    [scanned] = partner.expect("POST", "/_mock/drop/scan")["files"]
    assert scanned["ok"] is True and scanned["orders"] == [po.po_number], scanned
    partner.advance(everything=True)  # mock-edi answers: 997, 855, 856, 810 in our inbox

    read = await service.read_mailboxes()

    after = await service.book.get(po.id)
    assert after is not None
    assert read == 4
    assert after.status == "shipped", after.detail
    assert [line.status for line in after.lines] == ["shipped", "shipped"]
    [fulfilled] = mailboxes.shop.fulfilled
    assert fulfilled.tracking_numbers, fulfilled
    assert [d["body"]["reason"] for d in await deliveries(mailboxes.sessions)] == ["855"]
    kept = await inbound_documents(mailboxes.sessions)
    assert sorted(d.set_code or "" for d in kept) == ["810", "855", "856", "997"]
    assert {d.outcome for d in kept} == {"accepted"}
    assert len(mailboxes.filed("processed")) == 4 and mailboxes.waiting() == []
    # Our 997s for the 855 and the 856 went out through the outbox too (mock-edi reads them next).
    ours = sorted(name for name in os.listdir(mailboxes.outbox) if "-acme-997-" in name)
    assert len(ours) == 2, os.listdir(mailboxes.outbox)


async def test_reading_the_mailbox_again_acts_on_nothing_twice(mailboxes: Mailboxes, partner: Mock) -> None:
    service = mailboxes.service
    po = await sent_po(service.book, FixedClock(), ORDERED, send=False)
    await service.send_again(po)
    partner.expect("POST", "/_mock/drop/scan")
    partner.advance(everything=True)
    await service.read_mailboxes()

    again = await service.read_mailboxes()

    assert again == 0
    assert len(mailboxes.shop.fulfilled) == 1
    assert len(await deliveries(mailboxes.sessions)) == 1


async def test_a_csv_stock_file_reaches_on_inventory_and_is_filed(mailboxes: Mailboxes) -> None:
    mailboxes.inbox.mkdir(parents=True, exist_ok=True)
    (mailboxes.inbox / "stock-20261127.csv").write_text((FIXTURES / "inventory-feed.csv").read_text())

    assert await mailboxes.service.read_mailboxes() == 1

    [(vendor_id, advice, reference)] = mailboxes.advice
    assert vendor_id == "acme"
    assert advice.items == {"SHOP-AX100": 120, "SHOP-AX200": 0}
    assert reference == "csv stock-20261127.csv"
    assert mailboxes.filed("processed") == ["stock-20261127.csv"]


async def test_a_malformed_csv_stock_file_is_set_aside_with_why_and_nothing_is_applied(
    mailboxes: Mailboxes,
) -> None:
    mailboxes.inbox.mkdir(parents=True, exist_ok=True)
    (mailboxes.inbox / "stock-bad.csv").write_text(
        (FIXTURES / "inventory-feed-with-bad-rows.csv").read_text()
    )

    assert await mailboxes.service.read_mailboxes() == 1

    assert mailboxes.advice == []
    assert mailboxes.filed("rejected") == ["stock-bad.csv", "stock-bad.csv.why.txt"]
    why = (mailboxes.inbox / "rejected" / "stock-bad.csv.why.txt").read_text()
    assert "twelve" in why, why
    assert mailboxes.waiting() == []


async def test_a_file_that_is_not_x12_is_set_aside_with_why(mailboxes: Mailboxes) -> None:
    mailboxes.inbox.mkdir(parents=True, exist_ok=True)
    (mailboxes.inbox / "hello.x12").write_text("Hello, this is not an interchange\n")

    assert await mailboxes.service.read_mailboxes() == 1

    assert mailboxes.filed("rejected") == ["hello.x12", "hello.x12.why.txt"]
    assert "must begin with 'ISA'" in (mailboxes.inbox / "rejected" / "hello.x12.why.txt").read_text()
