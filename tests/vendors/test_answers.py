"""What Acme sends us is read, checked, kept, answered with a 997 and acted on once: on the real PO
book and inbox (SQLite, PostgreSQL where configured), a real desk, a fake store and a transport that
records our 997s."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from adapters.edi.inventory_advice import InventoryAdvice
from adapters.store.purchase_orders import PurchaseOrderBook
from adapters.vendors.answers import VendorAnswers
from adapters.vendors.config import DocumentChecks
from engine.intents import ReleaseHold
from tests.vendors.desk_fakes import (
    ACME_FO,
    FakeShop,
    FixedClock,
    RecordingTransport,
    Sessions,
    ack_855,
    acme,
    deliveries,
    desk_for,
    inbound_documents,
    interchange,
    sent_po,
)

FIXTURES = Path(__file__).parents[2] / "fixtures" / "edi"
ORDERED = {"AC-WIDGET": 2, "AC-BRACKET": 3}


class Setting:
    def __init__(self, sessions: Sessions, **vendor: object) -> None:
        self.sessions = sessions
        self.clock = FixedClock()
        self.shop = FakeShop(dict(ORDERED))
        self.transport = RecordingTransport()
        self.advice: list[tuple[str, InventoryAdvice, str]] = []
        self.desk = desk_for(sessions, self.shop, self.transport, self.clock, acme(**vendor))
        self.book: PurchaseOrderBook = self.desk.book
        self.answers = VendorAnswers(self.desk, on_inventory=self.on_inventory, send_wait_seconds=0.3)

    async def on_inventory(self, vendor_id: str, advice: InventoryAdvice, reference: str) -> None:
        self.advice.append((vendor_id, advice, reference))


@pytest.fixture
def setting(sessions: Sessions) -> Setting:
    return Setting(sessions)


def accepting(po_number: str) -> tuple[str, list[str]]:
    return ack_855(po_number, "AC", (1, "WIDGET-001", "IA", 2), (2, "BRKT-050", "IA", 3))


# --- what cannot be read, or is not Acme's, or came before -----------------------------------------


async def test_an_unreadable_interchange_is_kept_and_answered_with_a_997_rejecting_its_group(
    setting: Setting,
) -> None:
    text = (FIXTURES / "855-segment-count-wrong.edi").read_text()

    result = await setting.answers.receive("acme", text)

    assert result.outcome == "rejected"
    assert "SE" in result.detail
    [kept] = await inbound_documents(setting.sessions)
    assert (kept.outcome, kept.raw, kept.interchange_control) == ("unreadable", text, 8)
    [answer] = setting.transport.named("997-")
    assert "AK1*PR*8~" in answer and "AK5*R" in answer and "AK9*R" in answer


async def test_an_interchange_whose_isa_is_broken_is_kept_but_no_997_can_name_a_group(
    setting: Setting,
) -> None:
    text = (FIXTURES / "855-isa-one-character-short.edi").read_text()

    result = await setting.answers.receive("acme", text)

    assert result.outcome == "rejected"
    [kept] = await inbound_documents(setting.sessions)
    assert kept.outcome == "unreadable" and kept.raw == text
    assert setting.transport.sent == []


async def test_an_interchange_from_another_sender_is_rejected_kept_and_not_acted_on(
    setting: Setting,
) -> None:
    po = await sent_po(setting.book, setting.clock, ORDERED)
    text = interchange(50, "PR", accepting(po.po_number), sender="MOCKEDI")

    result = await setting.answers.receive("acme", text)

    assert result.outcome == "rejected"
    assert "'MOCKEDI'" in result.detail and "'ACMEDSV'" in result.detail
    [kept] = await inbound_documents(setting.sessions)
    assert (kept.outcome, kept.interchange_control) == ("rejected", 50)
    assert (await setting.book.get(po.id)).status == "sent"  # type: ignore[union-attr]
    assert await deliveries(setting.sessions) == []


async def test_a_repeated_interchange_is_recognised_kept_and_acted_on_once(setting: Setting) -> None:
    po = await sent_po(setting.book, setting.clock, ORDERED)
    text = interchange(51, "PR", accepting(po.po_number))

    first = await setting.answers.receive("acme", text)
    again = await setting.answers.receive("acme", text)

    assert first.outcome == "accepted"
    assert again.outcome == "duplicate" and "51" in again.detail
    assert [d.outcome for d in await inbound_documents(setting.sessions)] == ["accepted", "duplicate"]
    assert len(await deliveries(setting.sessions)) == 1
    assert len(setting.transport.named("997-")) == 1


# --- the vendor's checks ------------------------------------------------------------------------------


async def test_a_set_failing_the_vendors_checks_is_rejected_in_our_997_and_the_others_are_acted_on(
    sessions: Sessions,
) -> None:
    setting = Setting(sessions, checks={"855": DocumentChecks(codes={"BAK02": ("AC", "AD", "RJ")})})
    failing = await sent_po(setting.book, setting.clock, ORDERED)
    passing = await sent_po(setting.book, setting.clock, ORDERED)
    text = interchange(
        52,
        "PR",
        ack_855(failing.po_number, "ZZ", (1, "WIDGET-001", "IA", 2)),
        accepting(passing.po_number),
    )

    result = await setting.answers.receive("acme", text)

    assert result.outcome == "rejected"
    assert "BAK02 is 'ZZ', not one of AC, AD, RJ" in result.detail
    assert (await setting.book.get(failing.id)).status == "sent"  # type: ignore[union-attr]
    assert (await setting.book.get(passing.id)).status == "accepted"  # type: ignore[union-attr]
    [answer] = setting.transport.named("997-")
    assert "AK2*855*0001~\nAK3*BAK*2**8~" in answer  # BAK is the 2nd segment, ST the 1st
    assert "AK4*2**7*ZZ~" in answer
    assert "AK2*855*0002~\nAK5*A~" in answer
    assert "AK9*P*2*2*1~" in answer
    [kept] = await inbound_documents(setting.sessions)
    assert kept.outcome == "rejected" and kept.raw == text.strip()


# --- 855 -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bak02", "acks", "status", "lines"),
    [
        ("AC", (("IA", 2), ("IA", 3)), "accepted", [("accepted", 2, "IA"), ("accepted", 3, "IA")]),
        ("AC", (("IA", 2), ("IR", 0)), "partially_accepted", [("accepted", 2, "IA"), ("refused", 0, "IR")]),
        ("AC", (("IA", 2), ("IQ", 1)), "partially_accepted", [("accepted", 2, "IA"), ("accepted", 1, "IQ")]),
        ("RJ", (("IR", 0), ("IR", 0)), "rejected", [("refused", 0, "IR"), ("refused", 0, "IR")]),
    ],
    ids=["accept", "partial-refused-line", "partial-short-line", "reject"],
)
async def test_an_855_records_the_po_and_line_answers_and_stores_one_redecide_delivery(
    setting: Setting,
    bak02: str,
    acks: tuple[tuple[str, int], tuple[str, int]],
    status: str,
    lines: list[tuple[str, int, str]],
) -> None:
    po = await sent_po(setting.book, setting.clock, ORDERED)
    (widget, widgets), (bracket, brackets) = acks
    text = interchange(
        60,
        "PR",
        ack_855(po.po_number, bak02, (1, "WIDGET-001", widget, widgets), (2, "BRKT-050", bracket, brackets)),
    )

    result = await setting.answers.receive("acme", text)

    after = await setting.book.get(po.id)
    assert after is not None
    assert result.outcome == "accepted", result.detail
    assert after.status == status
    assert [(line.status, line.accepted_quantity, line.code) for line in after.lines] == lines
    [delivery] = await deliveries(setting.sessions)
    assert delivery["topic"] == "fulfillment_orders/order_routing_complete"
    assert delivery["body"]["fulfillment_order"]["id"] == ACME_FO
    assert delivery["body"]["reason"] == "855"
    [answer] = setting.transport.named("997-")
    assert "AK1*PR*60~" in answer and "AK9*A*1*1*1~" in answer


async def test_an_855_for_a_po_still_being_sent_waits_for_the_send_to_be_recorded(setting: Setting) -> None:
    po = await sent_po(setting.book, setting.clock, ORDERED, send=False)

    async def send_recorded_a_moment_later() -> None:
        await asyncio.sleep(0.1)
        await setting.book.mark_sent(
            po.id, sent_at=setting.clock(), ack_due_at=setting.clock(), raw_850="ISA~"
        )

    recording = asyncio.create_task(send_recorded_a_moment_later())
    result = await setting.answers.receive("acme", interchange(61, "PR", accepting(po.po_number)))
    await recording

    assert result.outcome == "accepted"
    assert (await setting.book.get(po.id)).status == "accepted"  # type: ignore[union-attr]


async def test_an_855_for_a_po_never_recorded_as_sent_fails_frees_its_number_and_its_retry_is_acted_on(
    setting: Setting,
) -> None:
    po = await sent_po(setting.book, setting.clock, ORDERED, send=False)
    text = interchange(62, "PR", accepting(po.po_number))

    with pytest.raises(RuntimeError, match=f"PO {po.po_number} is answered before its 850"):
        await setting.answers.receive("acme", text)  # the route answers 503: the vendor sends it again

    [failed] = await inbound_documents(setting.sessions)
    assert (failed.outcome, failed.interchange_control) == ("failed", None)
    assert "not acted on" in (failed.detail or "")
    assert await deliveries(setting.sessions) == []

    await setting.book.mark_sent(po.id, sent_at=setting.clock(), ack_due_at=setting.clock(), raw_850="ISA~")
    retry = await setting.answers.receive("acme", text)

    assert retry.outcome == "accepted"
    assert (await setting.book.get(po.id)).status == "accepted"  # type: ignore[union-attr]
    assert len(await deliveries(setting.sessions)) == 1


# --- 997 ------------------------------------------------------------------------------------------------


def functional_ack(group: int, transaction: int, verdict: str) -> tuple[str, list[str]]:
    """Acme's 997 about our 850 (group `group`, set `transaction`)."""
    return "997", [
        f"AK1*PO*{group}",
        f"AK2*850*{transaction:04d}",
        f"AK5*{verdict}",
        f"AK9*{verdict}*1*1*{1 if verdict == 'A' else 0}",
    ]


async def test_a_997_that_rejects_our_850_rejects_the_po_and_decides_the_order_again(
    setting: Setting,
) -> None:
    po = await sent_po(setting.book, setting.clock, ORDERED)
    text = interchange(70, "FA", functional_ack(po.control.group, po.control.transaction, "R"))

    result = await setting.answers.receive("acme", text)

    after = await setting.book.get(po.id)
    assert after is not None
    assert result.outcome == "accepted"
    assert after.status == "rejected"
    assert "997 rejected our 850" in (after.detail or "")
    [delivery] = await deliveries(setting.sessions)
    assert delivery["body"]["reason"] == "997-rejected"
    assert setting.transport.sent == []  # a 997 is never answered with a 997


async def test_a_997_that_accepts_our_850_marks_the_po_acknowledged(setting: Setting) -> None:
    po = await sent_po(setting.book, setting.clock, ORDERED)
    text = interchange(71, "FA", functional_ack(po.control.group, po.control.transaction, "A"))

    await setting.answers.receive("acme", text)

    assert (await setting.book.get(po.id)).status == "acknowledged"  # type: ignore[union-attr]
    assert await deliveries(setting.sessions) == []


# --- 856 -------------------------------------------------------------------------------------------------


async def test_an_856_fulfils_the_shipped_lines_with_tracking_and_decides_the_rest_again(
    setting: Setting,
) -> None:
    po = await sent_po(setting.book, setting.clock, ORDERED)
    ship_notice = (
        "856",
        [
            "BSN*00*ASN-1042*20261127*1000",
            "HL*1**S",
            "TD5**2*UPSN*M*UPS Ground",
            "REF*CN*1Z999AA10123456784",
            "HL*2*1*O",
            f"PRF*{po.po_number}",
            "HL*3*2*I",
            "LIN*1*VP*WIDGET-001",
            "SN1*1*2*EA",
        ],
    )

    result = await setting.answers.receive("acme", interchange(80, "SH", ship_notice))

    assert result.outcome == "accepted", result.detail
    assert any(isinstance(write, ReleaseHold) for write in setting.shop.writes)  # Shopify fulfils no held FO
    [(split_from, split_lines)] = setting.shop.splits
    assert split_from == ACME_FO
    assert [line.quantity for line in split_lines] == [3]  # the brackets, not shipped
    [fulfilled] = setting.shop.fulfilled
    assert fulfilled.fulfillment_order_id == ACME_FO
    assert fulfilled.lines == ()  # all that remains on it: the widgets
    assert (fulfilled.tracking_company, fulfilled.tracking_numbers) == ("UPS Ground", ("1Z999AA10123456784",))
    after = await setting.book.get(po.id)
    assert after is not None
    assert after.status == "shipped"
    assert [(line.sku, line.status) for line in after.lines] == [
        ("AC-WIDGET", "shipped"),
        ("AC-BRACKET", "pending"),
    ]
    [delivery] = await deliveries(setting.sessions)
    assert delivery["body"]["reason"] == "856-rest"
    assert delivery["body"]["fulfillment_order"]["id"] not in (ACME_FO, None)
    [answer] = setting.transport.named("997-")
    assert "AK1*SH*80~" in answer and "AK9*A" in answer


# --- 846 -------------------------------------------------------------------------------------------------


async def test_an_846_reaches_on_inventory_with_the_vendors_items(setting: Setting) -> None:
    advice = (
        "846",
        [
            "BIA*00*DD*INV-1*20261127*0600",
            "LIN**VP*WIDGET-001*SK*AC-WIDGET",
            "QTY*33*120*EA",
            "LIN**VP*BRKT-050",
            "SDQ*EA*92*WH1*5*WH2*7",
        ],
    )

    result = await setting.answers.receive("acme", interchange(90, "IB", advice))

    assert result.outcome == "accepted"
    [(vendor_id, received, reference)] = setting.advice
    assert vendor_id == "acme"
    assert received.items == {"AC-WIDGET": 120, "BRKT-050": 12}
    assert reference == "846 000000090"
    assert len(setting.transport.named("997-")) == 1
