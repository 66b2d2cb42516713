"""The purchase-order book: drop-ship purchase orders (X12 850) and what became of them, in SQL.

A PO is opened as a `draft` with its lines, its PO number and the control numbers of its 850, all
in one transaction (`adapters.store.edi_counters`), so numbers are never reused after a crash. Its
status then moves only forward:

    draft ─ mark_sent ─▶ sent ─ record_acknowledgment (997) ─▶ acknowledged
    sent | acknowledged ─ record_answer (855) ─▶ accepted | partially_accepted | rejected
    sent | acknowledged ─ time_out ─▶ timed_out
    sent | acknowledged | accepted | partially_accepted | shipped ─ mark_shipped (856) ─▶ shipped
    any of draft … partially_accepted ─ cancel ─▶ cancelled

A change that does not fit the PO's status (an 855 after a time-out, an 856 for a cancelled PO) is
not applied: the PO keeps its status and lines, a line saying what arrived is added to its
`detail`, and the returned `Transition` has `applied=False` and the status it stays in, so the
caller can tell staff or send a cancellation. The documents themselves are kept either way
(`record_inbound`). Nothing here talks to a vendor or to Shopify.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select, update

from adapters.store.edi_counters import ControlNumbers, next_control_numbers, next_value
from adapters.store.edi_documents import DocumentLedger, EdiDocument, InboundResult, insert_document
from adapters.store.edi_records import (
    AWAITING_ANSWER,
    OPEN_STATUSES,
    LineAnswer,
    NewPurchaseOrderLine,
    PurchaseOrderRecord,
    PurchaseOrderStatus,
    Transition,
    UnknownPurchaseOrder,
    records,
)
from adapters.store.edi_transitions import lock, move, set_values, status_of
from adapters.store.tables import PurchaseOrderLineRow, PurchaseOrderRow

__all__ = [
    "ControlNumbers",
    "EdiDocument",
    "InboundResult",
    "LineAnswer",
    "NewPurchaseOrderLine",
    "PurchaseOrderBook",
    "PurchaseOrderRecord",
    "PurchaseOrderStatus",
    "Transition",
    "UnknownPurchaseOrder",
]

_ANSWERS = ("accepted", "partially_accepted", "rejected")
_SHIPPABLE = (*AWAITING_ANSWER, "accepted", "partially_accepted", "shipped")


class PurchaseOrderBook(DocumentLedger):
    """Purchase orders and their documents (`DocumentLedger`: the documents in and out)."""

    async def open_purchase_order(
        self,
        *,
        store: str,
        vendor_id: str,
        order_id: str,
        order_name: str,
        fulfillment_order_id: str,
        location_id: str,
        lines: Sequence[NewPurchaseOrderLine],
        decision_id: str | None = None,
    ) -> PurchaseOrderRecord:
        """Open a `draft` PO with its lines (numbered from 1), PO number and 850 control numbers.

        With a `decision_id`, opening again for the same decision, vendor and fulfillment order
        returns the PO already opened (a retried decision sends one PO, not two).
        """
        if not lines:
            raise ValueError(f"purchase order for {order_name} at {vendor_id}: no lines; give at least one")
        wrong = [line.sku for line in lines if line.quantity <= 0]
        if wrong:
            raise ValueError(f"purchase order for {order_name}: SKU(s) {wrong} have no positive quantity")
        po_id = str(uuid.uuid4())
        async with self._sessions.begin() as session:
            # Counters first: on SQLite this write takes the database lock before anything is read.
            control = await next_control_numbers(session, vendor_id)
            po_number = str(await next_value(session, vendor_id, "po_number"))
            if decision_id is not None:
                existing = await session.scalar(
                    select(PurchaseOrderRow.id).where(
                        PurchaseOrderRow.decision_id == decision_id,
                        PurchaseOrderRow.vendor_id == vendor_id,
                        PurchaseOrderRow.fulfillment_order_id == fulfillment_order_id,
                    )
                )
                if existing is not None:
                    await session.rollback()  # the numbers just taken were never used
                    found = await self.get(existing)
                    assert found is not None
                    return found
            session.add(
                PurchaseOrderRow(
                    id=po_id,
                    store=store,
                    vendor_id=vendor_id,
                    po_number=po_number,
                    order_id=order_id,
                    order_name=order_name,
                    fulfillment_order_id=fulfillment_order_id,
                    location_id=location_id,
                    status="draft",
                    interchange_control=control.interchange,
                    group_control=control.group,
                    transaction_control=control.transaction,
                    created_at=self._now(),
                    decision_id=decision_id,
                )
            )
            await session.flush()
            for number, line in enumerate(lines, start=1):
                session.add(
                    PurchaseOrderLineRow(
                        po_id=po_id,
                        line_number=number,
                        fulfillment_order_line_id=line.fulfillment_order_line_id,
                        sku=line.sku,
                        vendor_item=line.vendor_item,
                        quantity=line.quantity,
                        status="pending",
                    )
                )
        opened = await self.get(po_id)
        assert opened is not None
        return opened

    async def record_move(self, po_id: str, vendor_fulfillment_order_id: str) -> None:
        """Remember the fulfillment order that holds the PO's lines at the vendor's location."""
        async with self._sessions.begin() as session:
            await lock(session, po_id)
            await session.execute(
                update(PurchaseOrderRow)
                .where(PurchaseOrderRow.id == po_id)
                .values(vendor_fulfillment_order_id=vendor_fulfillment_order_id)
            )

    async def mark_sent(
        self, po_id: str, *, sent_at: datetime, ack_due_at: datetime, raw_850: str
    ) -> Transition:
        """The 850 went out: keep it, and start the acceptance window (draft → sent).

        The 850 is kept even when the PO was cancelled meanwhile (it did go out).
        """
        async with self._sessions.begin() as session:
            row = await lock(session, po_id)
            await insert_document(
                session,
                vendor_id=row.vendor_id,
                direction="out",
                set_code="850",
                interchange_control=row.interchange_control,
                po_id=po_id,
                at=sent_at,
                raw=raw_850,
                outcome="accepted",
                detail=None,
            )
            return await move(
                session,
                row,
                ("draft",),
                "sent",
                {"sent_at": sent_at, "ack_due_at": ack_due_at},
                "850 sent",
                sent_at,
            )

    async def record_acknowledgment(self, po_id: str, at: datetime) -> Transition:
        """The vendor's 997 accepted our 850 (sent → acknowledged); in a later status only the time
        of the first acknowledgment is kept."""
        async with self._sessions.begin() as session:
            row = await lock(session, po_id)
            if row.acknowledged_at is None:
                await set_values(session, po_id, acknowledged_at=at)
            if row.status != "sent":
                return Transition(applied=False, previous=status_of(row), status=status_of(row))
            return await move(session, row, ("sent",), "acknowledged", {}, "997", at)

    async def record_answer(
        self,
        po_id: str,
        status: Literal["accepted", "partially_accepted", "rejected"],
        lines: Sequence[LineAnswer] = (),
        *,
        at: datetime,
        detail: str | None = None,
    ) -> Transition:
        """The vendor's 855: the PO's answer and each line's (ACK01 code, accepted quantity).

        Lines not listed take the PO's answer: refused when it rejects, accepted in full otherwise
        (an 855 that accepts with changes lists only the changed lines).
        """
        if status not in _ANSWERS:
            raise ValueError(f"{status!r} is not an answer to a purchase order; one of {list(_ANSWERS)}")
        async with self._sessions.begin() as session:
            row = await lock(session, po_id)
            line_rows = {
                line.line_number: line
                for line in await session.scalars(
                    select(PurchaseOrderLineRow).where(PurchaseOrderLineRow.po_id == po_id)
                )
            }
            unknown = sorted({answer.line_number for answer in lines} - set(line_rows))
            if unknown:
                raise ValueError(
                    f"PO {row.po_number} of {row.vendor_id} has no line(s) {unknown}; "
                    f"its lines are {sorted(line_rows)}"
                )
            done = "rejected" if status == "rejected" else None
            changes: dict[str, Any] = {"answered_at": at, "closed_at": at if done else None}
            moved = await move(session, row, AWAITING_ANSWER, status, changes, f"855 {status}", at, detail)
            if not moved.applied:
                return moved
            answers = {answer.line_number: answer for answer in lines}
            for number, line in line_rows.items():
                answer = answers.get(number)
                if answer is None:
                    refused = status == "rejected"
                    line.status = "refused" if refused else "accepted"
                    line.accepted_quantity = 0 if refused else line.quantity
                    continue
                line.status = answer.status
                line.accepted_quantity = (
                    0
                    if answer.status == "refused"
                    else min(line.quantity, answer.accepted_quantity or line.quantity)
                )
                line.code, line.reason = answer.code, answer.reason
            return moved

    async def time_out(self, po_id: str, at: datetime) -> Transition:
        """No 855 by the deadline (sent | acknowledged → timed_out); the lines stay as they were."""
        async with self._sessions.begin() as session:
            row = await lock(session, po_id)
            return await move(session, row, AWAITING_ANSWER, "timed_out", {"closed_at": at}, "time-out", at)

    async def mark_shipped(
        self, po_id: str, at: datetime, line_numbers: Collection[int] | None = None
    ) -> Transition:
        """An 856: the listed lines (all lines not refused when None) shipped, and so the PO.

        A later 856 for more lines of a shipped PO marks those lines too.
        """
        async with self._sessions.begin() as session:
            row = await lock(session, po_id)
            changes = {"shipped_at": row.shipped_at or at, "closed_at": row.closed_at or at}
            moved = await move(session, row, _SHIPPABLE, "shipped", changes, "856", at)
            if moved.applied:
                lines = update(PurchaseOrderLineRow).where(
                    PurchaseOrderLineRow.po_id == po_id, PurchaseOrderLineRow.status != "refused"
                )
                if line_numbers is not None:
                    lines = lines.where(PurchaseOrderLineRow.line_number.in_(sorted(line_numbers)))
                await session.execute(lines.values(status="shipped"))
            return moved

    async def cancel(self, po_id: str, at: datetime, reason: str) -> Transition:
        """We withdraw the PO (any open status → cancelled). `previous` tells whether the vendor had
        it (anything but `draft`), i.e. whether an 860 is due where the vendor expects one."""
        async with self._sessions.begin() as session:
            row = await lock(session, po_id)
            return await move(
                session, row, OPEN_STATUSES, "cancelled", {"closed_at": at}, "cancel", at, reason
            )

    async def overdue(self, now: datetime, *, limit: int = 100) -> list[PurchaseOrderRecord]:
        """POs awaiting an answer whose window closed by `now`, the oldest deadline first."""
        return await self._select(
            lambda query: (
                query.where(PurchaseOrderRow.status.in_(AWAITING_ANSWER), PurchaseOrderRow.ack_due_at <= now)
                .order_by(PurchaseOrderRow.ack_due_at, PurchaseOrderRow.created_at, PurchaseOrderRow.id)
                .limit(limit)
            )
        )

    async def unsent(
        self, *, created_before: datetime | None = None, limit: int = 100
    ) -> list[PurchaseOrderRecord]:
        """Drafts whose 850 has not gone out (its send failed), the oldest first. `created_before`
        leaves alone the drafts being sent right now."""
        condition = PurchaseOrderRow.status == "draft"
        if created_before is not None:
            condition = condition & (PurchaseOrderRow.created_at <= created_before)
        return await self._select(
            lambda query: (
                query.where(condition).order_by(PurchaseOrderRow.created_at, PurchaseOrderRow.id).limit(limit)
            )
        )

    async def for_order(self, store: str, order_id: str) -> list[PurchaseOrderRecord]:
        """Every PO of an order with its lines, in the order they were opened."""
        return await self._select(
            lambda query: query.where(
                PurchaseOrderRow.store == store, PurchaseOrderRow.order_id == order_id
            ).order_by(PurchaseOrderRow.created_at, PurchaseOrderRow.id)
        )

    async def by_number(self, vendor_id: str, po_number: str) -> PurchaseOrderRecord | None:
        """The PO a vendor's document names."""
        found = await self._select(
            lambda query: query.where(
                PurchaseOrderRow.vendor_id == vendor_id, PurchaseOrderRow.po_number == po_number
            )
        )
        return found[0] if found else None

    async def by_group_control(self, vendor_id: str, group_control: int) -> PurchaseOrderRecord | None:
        """The PO whose 850 went out in functional group `group_control` (what a 997's AK1 names)."""
        found = await self._select(
            lambda query: query.where(
                PurchaseOrderRow.vendor_id == vendor_id, PurchaseOrderRow.group_control == group_control
            )
        )
        return found[0] if found else None

    async def recent(
        self, *, vendor_id: str | None = None, status: str | None = None, limit: int = 50
    ) -> list[PurchaseOrderRecord]:
        """The newest POs (of a vendor, in a status), newest first."""

        def shape(query: Any) -> Any:
            if vendor_id is not None:
                query = query.where(PurchaseOrderRow.vendor_id == vendor_id)
            if status is not None:
                query = query.where(PurchaseOrderRow.status == status)
            return query.order_by(PurchaseOrderRow.created_at.desc()).limit(limit)

        return await self._select(shape)

    async def get(self, po_id: str) -> PurchaseOrderRecord | None:
        found = await self._select(lambda query: query.where(PurchaseOrderRow.id == po_id))
        return found[0] if found else None

    async def _select(self, shape: Any) -> list[PurchaseOrderRecord]:
        async with self._sessions() as session:
            rows = list(await session.scalars(shape(select(PurchaseOrderRow))))
            return await records(session, rows)
