"""Purchase orders we send to drop-ship vendors: the X12 850, and the 860 that cancels one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from adapters.edi.envelope import ControlNumbers, Envelope, wrap

NOTE_WIDTH = 80  # REF03 holds at most 80 characters, so a long note is written as several REF*ZZ


@dataclass(frozen=True)
class ShipTo:
    """Where the vendor ships: the customer's address (N1*ST loop)."""

    name: str
    address1: str
    city: str
    province: str
    zip: str
    country: str
    address2: str = ""


@dataclass(frozen=True)
class PurchaseOrderLine:
    """One PO1: our line number, the store SKU (SK), the vendor's item number (VP) and the quantity."""

    line_number: int
    sku: str
    vendor_item: str
    quantity: int
    unit_price: Decimal | None = None
    description: str = ""


@dataclass(frozen=True)
class PurchaseOrder:
    """A purchase order for a vendor; `order_type` is BEG02 (DS drop ship, SA stand-alone)."""

    po_number: str
    order_date: date
    ship_to: ShipTo
    lines: tuple[PurchaseOrderLine, ...]
    currency: str = "USD"
    notes: str = ""
    requested_ship_date: date | None = None
    order_type: str = "DS"


def _check(po: PurchaseOrder) -> None:
    if not 0 < len(po.po_number) <= 22:
        raise ValueError(f"PO number {po.po_number!r} must be 1-22 characters (BEG03)")
    if not po.lines:
        raise ValueError(f"PO {po.po_number} has no lines; an 850 needs at least one PO1")
    seen: set[int] = set()
    for line in po.lines:
        if line.line_number in seen:
            raise ValueError(f"PO {po.po_number}: line number {line.line_number} is used twice (PO101)")
        seen.add(line.line_number)
        if line.quantity <= 0:
            raise ValueError(
                f"PO {po.po_number} line {line.line_number}: quantity {line.quantity} must be positive"
            )
        if not line.vendor_item:
            raise ValueError(f"PO {po.po_number} line {line.line_number}: no vendor item number (PO107 VP)")


def _price(value: Decimal | None) -> str:
    # A unit price is written as given with at least two decimals, never rounded (it is not an amount).
    if value is None:
        return ""
    text = format(value, "f")
    whole, _, fraction = text.partition(".")
    return f"{whole}.{fraction.ljust(2, '0')}"


def _notes(text: str) -> list[list[str]]:
    words, chunks, current = text.split(), [], ""
    for word in words:
        candidate = f"{current} {word}".strip()
        if len(candidate) > NOTE_WIDTH and current:
            chunks.append(current)
            candidate = word
        current = candidate[:NOTE_WIDTH]
    if current:
        chunks.append(current)
    return [["REF", "ZZ", "", chunk] for chunk in chunks]


def purchase_order_body(po: PurchaseOrder) -> list[list[str]]:
    """The 850's segments between ST and SE."""
    _check(po)
    body: list[list[str]] = [
        ["BEG", "00", po.order_type, po.po_number, "", po.order_date.strftime("%Y%m%d")],
        ["CUR", "BY", po.currency],
        *_notes(po.notes),
    ]
    if po.requested_ship_date is not None:
        body.append(["DTM", "010", po.requested_ship_date.strftime("%Y%m%d")])
    ship = po.ship_to
    body += [
        ["N1", "ST", ship.name],
        ["N3", ship.address1, ship.address2],
        ["N4", ship.city, ship.province, ship.zip, ship.country],
    ]
    for line in po.lines:
        po1 = [
            "PO1",
            str(line.line_number),
            str(line.quantity),
            "EA",
            _price(line.unit_price),
            "",
            "VP",
            line.vendor_item,
        ]
        if line.sku and line.sku != line.vendor_item:
            po1 += ["SK", line.sku]
        body.append(po1)
        if line.description:
            body.append(["PID", "F", "", "", "", line.description[:NOTE_WIDTH]])
    body.append(["CTT", str(len(po.lines))])
    return body


def write_850(
    po: PurchaseOrder, envelope: Envelope, control_numbers: ControlNumbers, *, at: datetime | None = None
) -> str:
    """The purchase order as one X12 850 interchange, ready to send."""
    return wrap("850", purchase_order_body(po), envelope, control_numbers, at=at)


def write_860_cancel(
    po_number: str,
    order_date: date,
    envelope: Envelope,
    control_numbers: ControlNumbers,
    *,
    order_type: str = "DS",
    at: datetime | None = None,
) -> str:
    """An 860 with BCH01=01: the buyer cancels the whole purchase order `po_number`."""
    if not 0 < len(po_number) <= 22:
        raise ValueError(f"PO number {po_number!r} must be 1-22 characters (BCH03)")
    body = [["BCH", "01", order_type, po_number, "", "", order_date.strftime("%Y%m%d")], ["CTT", "0"]]
    return wrap("860", body, envelope, control_numbers, at=at)
