"""Against mock-edi, a real seller: it accepts our 850s and 997s, and we read what it answers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from mockedi.testing import Mock

from adapters.edi.acknowledgment import accepted_lines, acknowledgments, refused_lines
from adapters.edi.envelope import ControlNumbers
from adapters.edi.functional_ack import read_997, write_997
from adapters.edi.interchange import read_interchanges
from adapters.edi.purchase_order import write_850, write_860_cancel
from adapters.edi.ship_notice import ship_notices
from tests.edi.documents import AT, TO_MOCK, purchase_order


@pytest.fixture
def mock() -> Iterator[Any]:
    with Mock.start(start_at="2026-11-02T09:00:00Z") as started:
        yield started


def _received(mock: Any, code: str) -> list[str]:
    return [row["payload"] for row in mock.mailbox(partner="ACME", leave=True) if row.get("code") == code]


def _send_order(mock: Any, behaviour: str, po_number: str = "PO-1042") -> dict[str, Any]:
    mock.behaviour("ACME", behaviour)
    summary: dict[str, Any] = mock.send(
        write_850(purchase_order(po_number), TO_MOCK, ControlNumbers(11, 12, 13), at=AT)
    )
    mock.advance(everything=True)
    return summary


def test_our_850_passes_mock_edis_validation_and_is_accepted_with_no_findings(mock: Any) -> None:
    document = write_850(purchase_order(), TO_MOCK, ControlNumbers(11, 12, 13), at=AT)

    assert mock.findings(document) == ["850/0013: accepted"]
    summary = mock.send(document)
    assert summary["accepted"] is True
    assert summary["orders"] == ["PO-1042"]
    assert [s["findings"] for s in summary["transactionSets"]] == [[]]


def test_mock_edis_997_for_our_850_reads_as_accepting_our_set(mock: Any) -> None:
    _send_order(mock, "accept")

    [text] = _received(mock, "997")
    [group] = read_interchanges(text)[0].groups
    ack = read_997(group.sets[0])
    assert (ack.functional_id, ack.group_control, ack.status) == ("PO", "12", "A")
    assert ack.verdict_for("0013") == "A"


def test_an_accepting_vendor_confirms_every_line_but_the_one_short_of_stock(mock: Any) -> None:
    _send_order(mock, "accept")

    [ack] = acknowledgments(read_interchanges(_received(mock, "855")[0])[0])
    assert (ack.po_number, ack.status, ack.refused) == ("PO-1042", "AC", False)
    assert [(line.line_number, line.status, line.accepted_quantity) for line in accepted_lines(ack)] == [
        (1, "IA", 10),
        (2, "IQ", 35),
        (3, "IA", 5),
    ]
    [short] = refused_lines(ack)
    assert (short.vendor_item, short.refused_quantity, short.reason) == (
        "PANEL-A3",
        65,
        "Confirmed 35 of 100; 65 to follow on 2026-11-04",
    )


def test_reject_line_refuses_one_line_outright(mock: Any) -> None:
    _send_order(mock, "reject-line")

    [ack] = acknowledgments(read_interchanges(_received(mock, "855")[0])[0])
    rejected = [line for line in refused_lines(ack) if line.status == "IR"]
    assert [(line.line_number, line.accepted_quantity, line.refused_quantity) for line in rejected] == [
        (3, 0, 5)
    ]
    assert "discontinued" in rejected[0].reason


def test_reject_all_refuses_the_order_and_every_line(mock: Any) -> None:
    _send_order(mock, "reject-all")

    [ack] = acknowledgments(read_interchanges(_received(mock, "855")[0])[0])
    assert (ack.status, ack.refused, accepted_lines(ack)) == ("RD", True, [])
    assert {line.status for line in refused_lines(ack)} == {"IR"}
    assert _received(mock, "856") == []


def test_short_ship_confirms_less_and_the_ship_notice_carries_what_left_with_tracking(mock: Any) -> None:
    _send_order(mock, "short-ship")

    [ack] = acknowledgments(read_interchanges(_received(mock, "855")[0])[0])
    assert [(line.status, line.accepted_quantity, line.refused_quantity) for line in ack.lines] == [
        ("IQ", 8, 2),
        ("IQ", 35, 65),
        ("IQ", 4, 1),
    ]
    [notice] = ship_notices(read_interchanges(_received(mock, "856")[0])[0])
    assert notice.po_numbers == ("PO-1042",)
    assert (notice.carrier_scac, notice.carrier_name) == ("UPSN", "United Parcel Service")
    assert len(notice.tracking_numbers) == 1
    assert [(i.po_number, i.line_number, i.vendor_item, i.quantity) for i in notice.items] == [
        ("PO-1042", 1, "WIDGET-001", 8),
        ("PO-1042", 2, "PANEL-A3", 35),
        ("PO-1042", 3, "BRKT-050", 4),
    ]
    assert notice.shipped_at is not None


def test_our_997_answering_its_855_is_accepted_and_matched_by_mock_edi(mock: Any) -> None:
    _send_order(mock, "accept")
    [interchange] = read_interchanges(_received(mock, "855")[0])
    [group] = interchange.groups

    answer = write_997(group, [], TO_MOCK, ControlNumbers(14, 15, 16), at=AT)
    summary = mock.send(answer)

    assert summary["accepted"] is True
    assert [(a["code"], a["matched"], a["status"]) for a in summary["acknowledged"]] == [
        ("855", True, "accepted")
    ]


def test_our_860_cancellation_is_accepted_and_cancels_the_order_before_it_ships() -> None:
    # Despatch an hour out, so the order is still cancellable when the 860 arrives.
    with Mock.start(
        start_at="2026-11-02T09:00:00Z", despatch_delay_ms=3_600_000, invoice_delay_ms=3_600_000
    ) as mock:
        mock.send(write_850(purchase_order(), TO_MOCK, ControlNumbers(11, 12, 13), at=AT))

        cancel = write_860_cancel("PO-1042", date(2026, 11, 2), TO_MOCK, ControlNumbers(17, 18, 19), at=AT)
        assert mock.findings(cancel) == ["860/0019: accepted"]
        summary = mock.send(cancel)

        assert (summary["accepted"], summary["refusals"]) == (True, [])
        assert mock.order("PO-1042")["status"] == "cancelled"
