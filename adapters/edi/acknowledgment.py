"""The vendor's 855 purchase order acknowledgment: whether it takes the order, line by line."""

from __future__ import annotations

from dataclasses import dataclass

from adapters.edi.interchange import Interchange, Segment, TransactionSet, X12Error

# BAK02, data element 587 Acknowledgment Type (ASC X12 004010 element dictionary).
ACKNOWLEDGMENT_TYPES = {
    "AC": "Acknowledge - with detail and change",
    "AD": "Acknowledge - with detail, no change",
    "AE": "Acknowledge - with exception detail only",
    "AH": "Acknowledge - hold status",
    "AK": "Acknowledge - no detail or change",
    "AP": "Acknowledge - product replenishment",
    "AT": "Accepted",
    "NA": "No acknowledgment needed",
    "RD": "Reject with detail",
    "RF": "Reject with exception detail only",
    "RJ": "Rejected - no detail",
    "RO": "Rejected with counter offer",
}
ORDER_REFUSED = frozenset({"RD", "RF", "RJ", "RO"})

# ACK01, data element 668 Line Item Status Code (ASC X12 004010 element dictionary).
LINE_STATUSES = {
    "AC": "Item accepted and shipped",
    "AR": "Item accepted and released for shipment",
    "BP": "Item accepted - partial shipment, balance backordered",
    "DR": "Item accepted - date rescheduled",
    "IA": "Item accepted",
    "IB": "Item backordered",
    "IC": "Item accepted - changes made",
    "ID": "Item deleted",
    "IE": "Item accepted, price pending",
    "IF": "Item on hold, incomplete description",
    "IH": "Item on hold",
    "IP": "Item accepted - price changed",
    "IQ": "Item accepted - quantity changed",
    "IR": "Item rejected",
    "IS": "Item accepted - substitution made",
    "IW": "Item on hold - waiver required",
    "R1": "Item rejected, not a contract item",
    "R2": "Item rejected, invalid item product number",
    "R3": "Item rejected, invalid unit of issue",
    "R4": "Item rejected, contract item not available",
    "R5": "Item rejected, reorder item as a just-in-time order",
    "R6": "Item rejected, reorder item as an extended delivery order",
    "R7": "Item rejected, reorder item as a drop shipment",
    "R8": "Item rejected, reorder item as a surge order",
    "SP": "Item accepted - schedule date pending",
}
# Statuses that commit nothing to ship now: refused outright, deleted, backordered, or on hold.
NOTHING_ACCEPTED = frozenset(
    {"IR", "ID", "IB", "IH", "IF", "IW", "R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8"}
)


@dataclass(frozen=True)
class LineAcknowledgment:
    """One ACK (or a PO1 with none) of an 855: what the vendor says about one of our lines."""

    line_number: int | None
    vendor_item: str
    sku: str
    ordered: int | None
    status: str
    quantity: int | None
    reason: str = ""

    @property
    def accepted_quantity(self) -> int:
        """How many units the vendor commits to ship on this line."""
        if self.status in NOTHING_ACCEPTED:
            return 0
        if self.quantity is not None:
            return self.quantity
        return self.ordered or 0

    @property
    def refused_quantity(self) -> int:
        """How many ordered units the vendor does not commit to (rejected, backordered, short)."""
        if self.ordered is None:
            return 0
        return max(self.ordered - self.accepted_quantity, 0)


@dataclass(frozen=True)
class PurchaseOrderAcknowledgment:
    """An 855: BAK02 status for the whole order and one entry per line acknowledgment."""

    po_number: str
    status: str
    lines: tuple[LineAcknowledgment, ...]
    interchange_control: str = ""
    group_control: str = ""
    set_control: str = ""
    vendor_order: str = ""

    @property
    def refused(self) -> bool:
        """Whether the vendor refused the whole order (BAK02 RD/RF/RJ/RO, or every line refused)."""
        if self.status in ORDER_REFUSED:
            return True
        return bool(self.lines) and not accepted_lines(self)


def accepted_lines(ack: PurchaseOrderAcknowledgment) -> list[LineAcknowledgment]:
    """Lines with units the vendor will ship (IA, the confirmed part of IQ, IP, IS …); none if refused."""
    if ack.status in ORDER_REFUSED:
        return []
    return [line for line in ack.lines if line.accepted_quantity > 0]


def refused_lines(ack: PurchaseOrderAcknowledgment) -> list[LineAcknowledgment]:
    """Lines with units the vendor will not ship now: IR/R1-R8/ID, IB, holds and IQ shortfalls."""
    if ack.status in ORDER_REFUSED:
        return list(ack.lines)
    return [line for line in ack.lines if line.refused_quantity > 0]


def item_ids(segment: Segment, first: int) -> dict[str, str]:
    """Qualifier → id pairs (VP, SK, UP …) starting at element `first`, as in PO106/PO107 or LIN02/LIN03."""
    pairs: dict[str, str] = {}
    for position in range(first, len(segment.elements), 2):
        qualifier, value = segment.get(position), segment.get(position + 1)
        if qualifier and value:
            pairs.setdefault(qualifier, value)
    return pairs


def whole_number(segment: Segment, position: int, where: TransactionSet) -> int | None:
    """Element `position` as a whole number, None when empty; anything else is an X12Error at that element."""
    text = segment.get(position)
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if value != value or value != int(value):
        raise X12Error(
            f"{segment.id}{position:02d} must be a whole number, got {text!r}",
            position=where.segments.index(segment) + 1,
            segment_id=segment.id,
            element=f"{segment.id}{position:02d}",
            transaction=(where.code, where.control),
        )
    return int(value)


def read_855(ts: TransactionSet, *, interchange: str = "", group: str = "") -> PurchaseOrderAcknowledgment:
    """Read an 855 transaction set; a missing BAK or a non-numeric quantity is an X12Error at its segment."""
    bak = next((s for s in ts.body() if s.id == "BAK"), None)
    if bak is None or not bak.get(3):
        raise X12Error(
            "an 855 needs a BAK with the PO number in BAK03",
            position=2,
            segment_id="BAK",
            element="BAK03" if bak else "",
            transaction=(ts.code, ts.control),
        )
    lines: list[LineAcknowledgment] = []
    current: dict[str, object] | None = None
    pending: list[LineAcknowledgment] = []

    def close() -> None:
        if current is None:
            return
        if not pending:
            lines.append(LineAcknowledgment(**current, status="", quantity=None))  # type: ignore[arg-type]
        lines.extend(pending)
        pending.clear()

    for segment in ts.body():
        if segment.id == "PO1":
            close()
            ids = item_ids(segment, 6)
            current = {
                "line_number": whole_number(segment, 1, ts),
                "vendor_item": ids.get("VP", ""),
                "sku": ids.get("SK", ""),
                "ordered": whole_number(segment, 2, ts),
            }
        elif segment.id == "ACK" and current is not None:
            pending.append(
                LineAcknowledgment(**current, status=segment.get(1), quantity=whole_number(segment, 2, ts))  # type: ignore[arg-type]
            )
        elif segment.id == "REF" and segment.get(1) == "ZZ" and pending:
            last = pending[-1]
            reason = segment.get(3) or segment.get(2)
            pending[-1] = LineAcknowledgment(
                last.line_number,
                last.vendor_item,
                last.sku,
                last.ordered,
                last.status,
                last.quantity,
                f"{last.reason} {reason}".strip(),
            )
    close()
    return PurchaseOrderAcknowledgment(
        po_number=bak.get(3),
        status=bak.get(2),
        lines=tuple(lines),
        interchange_control=interchange,
        group_control=group,
        set_control=ts.control,
        vendor_order=bak.get(8),
    )


def acknowledgments(interchange: Interchange) -> list[PurchaseOrderAcknowledgment]:
    """Every 855 in an interchange."""
    return [
        read_855(ts, interchange=interchange.control, group=group.control)
        for group in interchange.groups
        for ts in group.sets
        if ts.code == "855"
    ]
