"""Where a purchase order stands, as the engine reads it: each PO line becomes a `VendorLine` on the
fulfillment order now at the vendor, matched to its line by SKU, with a status and a reason staff
can read."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta, timezone

import pytest

from adapters.store.edi_counters import ControlNumbers
from adapters.store.edi_records import PurchaseOrderLine, PurchaseOrderRecord, PurchaseOrderStatus
from adapters.vendors.standing import vendor_lines, vendors_of
from engine.model import FulfillmentOrder, FulfillmentOrderLine, Location, Order, Snapshot, Vendor
from tests.vendors.desk_fakes import (
    ACME_FO,
    ACME_LOCATION,
    NEWARK,
    ORDER,
    ORIGINAL_FO,
    STORE,
    T0,
    WINDOW,
    acme,
)

DUE = T0 + WINDOW  # 2026-11-27 13:00 UTC
# After a partial move the lines at Acme have new ids: the PO's lines find them by SKU.
MOVED_LINES = (
    FulfillmentOrderLine(id="moved-widget", sku="AC-WIDGET", remaining_quantity=2, total_quantity=2),
    FulfillmentOrderLine(id="moved-bracket", sku="ac-bracket", remaining_quantity=3, total_quantity=3),
)


def snapshot(*fos: FulfillmentOrder) -> Snapshot:
    return Snapshot(
        store=STORE,
        order=Order(id=ORDER, name="#1042"),
        fulfillment_orders=fos,
        locations=(
            Location(id=NEWARK, name="Newark DC", store=STORE),
            Location(id=ACME_LOCATION, name="Acme Drop-ship", store=STORE),
        ),
    )


AT_ACME = snapshot(
    FulfillmentOrder(id=ORIGINAL_FO, status="OPEN", assigned_location_id=NEWARK),
    FulfillmentOrder(id=ACME_FO, status="ON_HOLD", assigned_location_id=ACME_LOCATION, lines=MOVED_LINES),
)


def line(number: int, sku: str, quantity: int, **answer: object) -> PurchaseOrderLine:
    fields: dict[str, object] = {
        "accepted_quantity": None,
        "status": "pending",
        "code": None,
        "reason": None,
    } | answer
    return PurchaseOrderLine(
        line_number=number,
        fulfillment_order_line_id=f"original-{sku}",
        sku=sku,
        vendor_item=acme().vendor_item(sku),
        quantity=quantity,
        **fields,  # type: ignore[arg-type]
    )


def po(status: PurchaseOrderStatus, *lines: PurchaseOrderLine) -> PurchaseOrderRecord:
    return PurchaseOrderRecord(
        id="po-1",
        store=STORE,
        vendor_id="acme",
        po_number="1042",
        order_id=ORDER,
        order_name="#1042",
        fulfillment_order_id=ORIGINAL_FO,
        vendor_fulfillment_order_id=ACME_FO,
        location_id=ACME_LOCATION,
        status=status,
        control=ControlNumbers(1, 1, 1),
        created_at=T0,
        sent_at=T0,
        ack_due_at=DUE,
        acknowledged_at=None,
        answered_at=None,
        shipped_at=None,
        closed_at=None,
        detail=None,
        decision_id=None,
        lines=lines or (line(1, "AC-WIDGET", 2), line(2, "AC-BRACKET", 3)),
    )


def standing(order: PurchaseOrderRecord) -> list[tuple[str, str, str]]:
    """(line id, status, detail) of each VendorLine."""
    return [(v.line_id, v.status, v.detail) for v in vendor_lines([order], AT_ACME, {"acme": acme()})]


@pytest.mark.parametrize("status", ["draft", "sent", "acknowledged"])
def test_a_po_not_answered_yet_leaves_its_lines_awaiting_until_the_deadline(
    status: PurchaseOrderStatus,
) -> None:
    [widget, bracket] = vendor_lines([po(status)], AT_ACME, {"acme": acme()})

    assert (widget.status, widget.due_at, widget.purchase_order, widget.vendor_id) == (
        "awaiting",
        "2026-11-27 13:00 UTC",
        "1042",
        "acme",
    )
    assert bracket.status == "awaiting"


def test_an_accepted_po_leaves_its_lines_accepted() -> None:
    accepted = po(
        "accepted",
        line(1, "AC-WIDGET", 2, status="accepted", accepted_quantity=2, code="IA"),
        line(2, "AC-BRACKET", 3, status="accepted", accepted_quantity=3, code="IA"),
    )

    assert standing(accepted) == [("moved-widget", "accepted", "IA"), ("moved-bracket", "accepted", "IA")]


def test_a_refused_line_says_the_vendors_code_and_reason() -> None:
    partial = po(
        "partially_accepted",
        line(1, "AC-WIDGET", 2, status="accepted", accepted_quantity=2, code="IA"),
        line(2, "AC-BRACKET", 3, status="refused", accepted_quantity=0, code="IR", reason="discontinued"),
    )

    assert standing(partial)[1] == ("moved-bracket", "refused", "IR: discontinued")


def test_a_line_confirmed_short_is_refused_whole_saying_how_many_were_confirmed() -> None:
    short = po(
        "partially_accepted",
        line(1, "AC-WIDGET", 2, status="accepted", accepted_quantity=2, code="IA"),
        line(2, "AC-BRACKET", 3, status="accepted", accepted_quantity=1, code="IQ", reason="1 left"),
    )

    assert standing(short)[1] == ("moved-bracket", "refused", "only 1 of 3 confirmed (IQ: 1 left)")


@pytest.mark.parametrize(
    ("status", "why"),
    [
        ("rejected", "order rejected"),
        ("timed_out", "no 855 by 2026-11-27 13:00 UTC"),
        ("cancelled", "purchase order cancelled"),
    ],
)
def test_a_po_refused_as_a_whole_refuses_every_line_saying_why(status: PurchaseOrderStatus, why: str) -> None:
    assert standing(po(status)) == [("moved-widget", "refused", why), ("moved-bracket", "refused", why)]


def test_a_shipped_po_leaves_its_lines_shipped_and_its_refused_lines_refused() -> None:
    shipped = po(
        "shipped",
        line(1, "AC-WIDGET", 2, status="shipped", accepted_quantity=2, code="IA"),
        line(2, "AC-BRACKET", 3, status="refused", accepted_quantity=0, code="IR"),
    )

    assert standing(shipped) == [("moved-widget", "shipped", ""), ("moved-bracket", "refused", "IR")]


def test_lines_are_matched_to_the_moved_fulfillment_order_by_sku_whatever_the_case() -> None:
    [widget, bracket] = vendor_lines([po("sent")], AT_ACME, {"acme": acme()})

    assert (widget.fulfillment_order_id, widget.line_id, widget.sku) == (ACME_FO, "moved-widget", "AC-WIDGET")
    assert (bracket.fulfillment_order_id, bracket.line_id) == (ACME_FO, "moved-bracket")


def test_a_line_whose_sku_is_not_on_the_moved_fulfillment_order_keeps_its_original_line_id() -> None:
    order = po("sent", line(1, "AC-TENT", 1))

    assert standing(order) == [("original-AC-TENT", "awaiting", "")]


def test_a_po_whose_fulfillment_order_is_gone_from_the_snapshot_shows_nothing() -> None:
    gone = replace(po("sent"), vendor_fulfillment_order_id="gid://shopify/FulfillmentOrder/99")

    assert vendor_lines([gone], AT_ACME, {"acme": acme()}) == ()


def test_a_po_not_moved_yet_is_read_on_its_original_fulfillment_order() -> None:
    unmoved = replace(po("draft"), vendor_fulfillment_order_id=None)
    at_newark = snapshot(
        FulfillmentOrder(id=ORIGINAL_FO, status="OPEN", assigned_location_id=NEWARK, lines=MOVED_LINES)
    )

    [widget, _] = vendor_lines([unmoved], at_newark, {"acme": acme()})

    assert (widget.fulfillment_order_id, widget.status) == (ORIGINAL_FO, "awaiting")


def test_the_stores_vendors_are_found_by_location_name_or_gid() -> None:
    by_name = acme()
    by_gid = acme(
        id="zenith",
        isa_id="ZENITH",
        inbound_token="zenith-inbound-token-for-tests!",
        locations={STORE: NEWARK},
    )
    elsewhere = acme(id="faraway", isa_id="FARAWAY", locations={"other.myshopify.com": "Acme Drop-ship"})

    found = vendors_of([by_name, by_gid, elsewhere], AT_ACME)

    assert found == (
        Vendor(id="acme", name="Acme Distribution", location_id=ACME_LOCATION, acceptance_minutes=240),
        Vendor(id="zenith", name="Acme Distribution", location_id=NEWARK, acceptance_minutes=240),
    )


def test_the_deadline_is_shown_in_utc_whatever_zone_it_was_given_in() -> None:
    order = replace(po("sent"), ack_due_at=DUE.astimezone(timezone(timedelta(hours=2))))

    assert {v.due_at for v in vendor_lines([order], AT_ACME, {"acme": acme()})} == {"2026-11-27 13:00 UTC"}
