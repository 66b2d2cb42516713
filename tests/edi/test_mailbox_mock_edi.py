"""MailboxTransport trading over directories with a real partner: mock-edi reads our outbox as its
drop directory and writes its answers into our inbox as its pickup directory."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from mockedi.testing import Mock

from adapters.edi.mailbox import MailboxTransport

ORDER = (Path(__file__).parents[2] / "fixtures/edi/transport-acme-purchase-order-1042.x12").read_text()


@pytest.fixture
def box(tmp_path: Path) -> MailboxTransport:
    return MailboxTransport(tmp_path / "outbox", tmp_path / "inbox")


@pytest.fixture
def partner(box: MailboxTransport) -> Iterator[Mock]:
    # The poller is slowed to an hour: the tests scan on demand, so nothing races them.
    with Mock.start(
        drop_dir=str(box.outbox_dir),
        pickup_dir=str(box.inbox_dir),
        drop_settle_ms=0,
        drop_interval_ms=3_600_000,
    ) as started:
        yield started


def scan(partner: Mock) -> list[dict[str, object]]:
    """Have mock-edi read its drop directory (our outbox) now."""
    found: list[dict[str, object]] = partner.expect("POST", "/_mock/drop/scan")["files"]
    return found


async def test_an_850_in_the_outbox_is_read_by_the_partner_and_its_answers_arrive_in_the_inbox(
    box: MailboxTransport, partner: Mock
) -> None:
    delivery = await box.send(ORDER, vendor_id="mockedi", name="PO 1042")
    assert delivery.delivered

    [scanned] = scan(partner)
    partner.advance(everything=True)
    received = await box.receive()

    assert scanned["ok"] is True and scanned["orders"] == ["1042"]
    assert scanned["name"] == Path(delivery.answer).name
    assert os.listdir(box.outbox_dir / "processed") == [Path(delivery.answer).name]
    codes = sorted(r.document.split("ST*", 1)[1][:3] for r in received)
    assert codes == ["810", "855", "856", "997"]
    assert {r.header.sender_id for r in received if r.header} == {"MOCKEDI"}
    assert len({r.header.control_number for r in received if r.header}) == 4


async def test_answers_confirmed_are_filed_and_the_rest_come_again_after_a_restart(
    box: MailboxTransport, partner: Mock
) -> None:
    await box.send(ORDER, vendor_id="mockedi", name="PO 1042")
    scan(partner)
    partner.advance(everything=True)
    first, *rest = await box.receive()
    await box.acknowledge(first)
    # Crash: the others were read but never confirmed.

    again = await MailboxTransport(box.outbox_dir, box.inbox_dir).receive()

    assert sorted(r.name for r in again) == sorted(r.name for r in rest)
    assert os.listdir(box.inbox_dir / "processed") == [first.name]


async def test_the_partner_never_reads_a_document_we_are_still_writing(
    box: MailboxTransport, partner: Mock
) -> None:
    # What a crash mid-send leaves: only the temporary name, which the partner must not take.
    (box.outbox_dir / ".20261127T070000000000Z-000000-abcdef-mockedi-PO_1042.x12.tmp").write_text(ORDER[:50])

    assert scan(partner) == []
