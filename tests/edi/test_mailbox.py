"""MailboxTransport over plain directories: atomic, sortable writes; nothing leaves the inbox
until the caller confirms, so a crash re-delivers and never loses."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from adapters.edi.mailbox import MailboxTransport

ORDER = (Path(__file__).parents[2] / "fixtures/edi/transport-acme-purchase-order-1042.x12").read_text()


def interchange(control: int, sender: str = "MOCKEDI") -> str:
    """The fixture order re-addressed: `sender` in ISA06, `control` in ISA13 (fixed width kept)."""
    isa, rest = ORDER.split("~", 1)
    elements = isa.split("*")
    elements[6] = sender.ljust(15)
    elements[13] = f"{control:09d}"
    return "*".join(elements) + "~" + rest


def drop(inbox: Path, name: str, text: str, mtime: int) -> None:
    """A file a partner left in our inbox, `mtime` seconds after the epoch."""
    path = inbox / name
    path.write_text(text)
    os.utime(path, (mtime, mtime))


@pytest.fixture
def box(tmp_path: Path) -> MailboxTransport:
    return MailboxTransport(tmp_path / "outbox", tmp_path / "inbox")


async def test_sent_documents_appear_whole_under_unique_names_that_sort_in_sending_order(
    box: MailboxTransport,
) -> None:
    deliveries = [await box.send(ORDER, vendor_id="acme", name=f"PO {n}") for n in range(5)]

    assert all(d.delivered for d in deliveries)
    names = sorted(os.listdir(box.outbox_dir))
    assert names == [Path(d.answer).name for d in deliveries]  # sorted == sent order, nothing else there
    assert len(set(names)) == 5 and all(n.endswith(".x12") and "-acme-PO_" in n for n in names)
    assert all((box.outbox_dir / n).read_text() == ORDER for n in names)


async def test_a_write_that_fails_says_so_leaves_nothing_behind_and_may_be_retried(tmp_path: Path) -> None:
    blocked = tmp_path / "outbox"
    blocked.write_text("a file where the outbox directory should be")
    box = MailboxTransport(blocked, tmp_path / "inbox")

    delivery = await box.send(ORDER, vendor_id="acme", name="PO 1042")

    assert not delivery.delivered and delivery.retryable
    assert "could not write PO 1042 for vendor acme into the outbox" in delivery.error
    assert sorted(os.listdir(tmp_path)) == ["outbox"]


async def test_the_inbox_is_handed_over_oldest_first_with_sender_and_control_number(
    box: MailboxTransport,
) -> None:
    box.inbox_dir.mkdir()
    drop(box.inbox_dir, "b.edi", interchange(2), mtime=2_000)
    drop(box.inbox_dir, "a.edi", interchange(3), mtime=3_000)
    drop(box.inbox_dir, "c.edi", interchange(1), mtime=1_000)
    drop(box.inbox_dir, ".hidden.edi", interchange(4), mtime=1)
    drop(box.inbox_dir, "d.edi.part", interchange(5), mtime=1)

    received = await box.receive()

    assert [r.name for r in received] == ["c.edi", "b.edi", "a.edi"]
    assert [(r.header.sender_id, r.header.control_number) for r in received if r.header] == [
        ("MOCKEDI", "000000001"),
        ("MOCKEDI", "000000002"),
        ("MOCKEDI", "000000003"),
    ]


async def test_a_confirmed_document_moves_to_processed_and_is_not_handed_over_again(
    box: MailboxTransport,
) -> None:
    box.inbox_dir.mkdir()
    drop(box.inbox_dir, "855.edi", interchange(7), mtime=1_000)

    [received] = await box.receive()
    await box.acknowledge(received)

    assert await box.receive() == []
    assert (box.inbox_dir / "processed" / "855.edi").read_text() == interchange(7)
    assert await MailboxTransport(box.outbox_dir, box.inbox_dir).receive() == []


async def test_a_crash_between_reading_and_confirming_redelivers_the_document(
    box: MailboxTransport,
) -> None:
    box.inbox_dir.mkdir()
    drop(box.inbox_dir, "856.edi", interchange(8), mtime=1_000)
    [before_crash] = await box.receive()
    # The process dies here: no acknowledge, no reject. A new one starts on the same folders.

    after_restart = MailboxTransport(box.outbox_dir, box.inbox_dir)
    [redelivered] = await after_restart.receive()

    assert redelivered == before_crash
    assert os.listdir(box.inbox_dir) == ["856.edi"]


async def test_within_one_process_a_document_handed_over_waits_for_its_verdict(
    box: MailboxTransport,
) -> None:
    box.inbox_dir.mkdir()
    drop(box.inbox_dir, "997.edi", interchange(9), mtime=1_000)
    [received] = await box.receive()

    assert await box.receive() == []  # a second sweep does not work on it twice
    box.release(received)  # the caller failed before deciding: hand it over again
    assert await box.receive() == [received]


async def test_a_rejected_document_moves_aside_with_the_reason_beside_it(box: MailboxTransport) -> None:
    box.inbox_dir.mkdir()
    drop(box.inbox_dir, "855.edi", interchange(10), mtime=1_000)
    drop(box.inbox_dir, "junk.txt", "not edi at all", mtime=2_000)

    received = await box.receive()
    junk = received[1]
    assert junk.header is None and "junk.txt: not an X12 interchange" in junk.header_error
    await box.reject(junk, junk.header_error)
    await box.reject(received[0], "BAK02 'ZZ' is not an 855 acknowledgement type")

    rejected = box.inbox_dir / "rejected"
    assert sorted(os.listdir(rejected)) == ["855.edi", "855.edi.why.txt", "junk.txt", "junk.txt.why.txt"]
    assert (rejected / "junk.txt").read_text() == "not edi at all"
    assert (rejected / "855.edi.why.txt").read_text() == "BAK02 'ZZ' is not an 855 acknowledgement type"
    assert await box.receive() == []


async def test_a_second_file_of_the_same_name_is_filed_beside_the_first_never_over_it(
    box: MailboxTransport,
) -> None:
    box.inbox_dir.mkdir()
    for control in (11, 12):
        drop(box.inbox_dir, "ACME-997-1.edi", interchange(control), mtime=1_000)
        [received] = await box.receive()
        await box.acknowledge(received)

    processed = box.inbox_dir / "processed"
    assert sorted(os.listdir(processed)) == ["ACME-997-1-1.edi", "ACME-997-1.edi"]
    assert (processed / "ACME-997-1.edi").read_text() == interchange(11)


async def test_a_file_still_being_written_waits_for_the_settle_time(tmp_path: Path) -> None:
    box = MailboxTransport(tmp_path / "outbox", tmp_path / "inbox", settle_seconds=60)
    box.inbox_dir.mkdir()
    (box.inbox_dir / "fresh.edi").write_text(interchange(13))
    drop(box.inbox_dir, "settled.edi", interchange(14), mtime=1_000)

    assert [r.name for r in await box.receive()] == ["settled.edi"]
