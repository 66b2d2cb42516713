"""What the purchase-order book hands out: purchase orders with their lines, and status changes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.store.clock import as_utc
from adapters.store.edi_counters import ControlNumbers
from adapters.store.tables import PurchaseOrderLineRow, PurchaseOrderRow

PurchaseOrderStatus = Literal[
    "draft",
    "sent",
    "acknowledged",
    "accepted",
    "partially_accepted",
    "rejected",
    "timed_out",
    "shipped",
    "cancelled",
]
LineStatus = Literal["pending", "accepted", "refused", "shipped"]
AWAITING_ANSWER: tuple[PurchaseOrderStatus, ...] = ("sent", "acknowledged")
OPEN_STATUSES: tuple[PurchaseOrderStatus, ...] = (
    "draft",
    "sent",
    "acknowledged",
    "accepted",
    "partially_accepted",
)


class UnknownPurchaseOrder(LookupError):
    """No purchase order has this id."""


@dataclass(frozen=True, slots=True)
class NewPurchaseOrderLine:
    """A line to order from a vendor: a fulfillment order line, its SKU and the vendor's item."""

    fulfillment_order_line_id: str
    sku: str
    vendor_item: str
    quantity: int


@dataclass(frozen=True, slots=True)
class LineAnswer:
    """One line of an 855: accepted (perhaps fewer) or refused, with its ACK01 code and why."""

    line_number: int
    status: Literal["accepted", "refused"]
    accepted_quantity: int | None = None  # None: the whole line (when accepted)
    code: str | None = None  # ACK01, e.g. IA, IR, IB
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class PurchaseOrderLine:
    line_number: int
    fulfillment_order_line_id: str
    sku: str
    vendor_item: str
    quantity: int
    accepted_quantity: int | None
    status: LineStatus
    code: str | None
    reason: str | None


@dataclass(frozen=True, slots=True)
class PurchaseOrderRecord:
    id: str
    store: str
    vendor_id: str
    po_number: str
    order_id: str
    order_name: str
    fulfillment_order_id: str
    vendor_fulfillment_order_id: str | None
    location_id: str
    status: PurchaseOrderStatus
    control: ControlNumbers
    created_at: datetime
    sent_at: datetime | None
    ack_due_at: datetime | None
    acknowledged_at: datetime | None
    answered_at: datetime | None
    shipped_at: datetime | None
    closed_at: datetime | None
    detail: str | None
    decision_id: str | None
    lines: tuple[PurchaseOrderLine, ...]


@dataclass(frozen=True, slots=True)
class Transition:
    """What a status change did: `applied` False when the PO's status did not allow it (then
    `status` is the one it stays in); `previous` is the status it had."""

    applied: bool
    previous: PurchaseOrderStatus
    status: PurchaseOrderStatus


async def records(session: AsyncSession, rows: Sequence[PurchaseOrderRow]) -> list[PurchaseOrderRecord]:
    """The POs of `rows` with their lines (read in one query)."""
    if not rows:
        return []
    lines: dict[str, list[PurchaseOrderLine]] = {row.id: [] for row in rows}
    for line in await session.scalars(
        select(PurchaseOrderLineRow)
        .where(PurchaseOrderLineRow.po_id.in_(list(lines)))
        .order_by(PurchaseOrderLineRow.po_id, PurchaseOrderLineRow.line_number)
    ):
        lines[line.po_id].append(
            PurchaseOrderLine(
                line_number=line.line_number,
                fulfillment_order_line_id=line.fulfillment_order_line_id,
                sku=line.sku,
                vendor_item=line.vendor_item,
                quantity=line.quantity,
                accepted_quantity=line.accepted_quantity,
                status=line.status,  # type: ignore[arg-type]
                code=line.code,
                reason=line.reason,
            )
        )
    return [_record(row, tuple(lines[row.id])) for row in rows]


def _record(row: PurchaseOrderRow, lines: tuple[PurchaseOrderLine, ...]) -> PurchaseOrderRecord:
    return PurchaseOrderRecord(
        id=row.id,
        store=row.store,
        vendor_id=row.vendor_id,
        po_number=row.po_number,
        order_id=row.order_id,
        order_name=row.order_name,
        fulfillment_order_id=row.fulfillment_order_id,
        vendor_fulfillment_order_id=row.vendor_fulfillment_order_id,
        location_id=row.location_id,
        status=row.status,  # type: ignore[arg-type]
        control=ControlNumbers(
            interchange=row.interchange_control, group=row.group_control, transaction=row.transaction_control
        ),
        created_at=as_utc(row.created_at),
        sent_at=_utc(row.sent_at),
        ack_due_at=_utc(row.ack_due_at),
        acknowledged_at=_utc(row.acknowledged_at),
        answered_at=_utc(row.answered_at),
        shipped_at=_utc(row.shipped_at),
        closed_at=_utc(row.closed_at),
        detail=row.detail,
        decision_id=row.decision_id,
        lines=lines,
    )


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else as_utc(value)
