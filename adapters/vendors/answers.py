"""What vendors send us: 997, 855, 856 and 846, read, checked, kept, acted on and acknowledged.

Every inbound interchange is kept (`edi_documents`), even an unreadable one; a repeated
interchange control number is recognised and ignored. Each 855 and 856 group is answered with a
997: accepting, or rejecting the sets that failed to read or failed the vendor's checks (those are
kept and reported, never acted on). Then:
- 997 of our 850: acknowledged; a 997 that rejects our 850 counts as a refusal of the PO;
- 855: the PO's answer and each line's are recorded, and the order is decided again (the engine
  releases our hold, keeps the accepted lines, reroutes the rest);
- 856: the shipped lines become a Shopify fulfillment with carrier and tracking, the PO `shipped`;
- 846: the vendor's stock goes to its locations (`on_inventory`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Literal

from adapters.edi.acknowledgment import PurchaseOrderAcknowledgment, read_855
from adapters.edi.checks import DocumentRules, Finding, check, finding_from_error
from adapters.edi.envelope import ControlNumbers as X12Numbers
from adapters.edi.functional_ack import read_997, write_997, write_rejecting_997
from adapters.edi.inbound import InboundResult
from adapters.edi.interchange import FunctionalGroup, Interchange, TransactionSet, X12Error, read_interchanges
from adapters.edi.inventory_advice import InventoryAdvice, read_846
from adapters.edi.ship_notice import ShipNotice, read_856
from adapters.edi.transport import NotX12Error, read_isa_header
from adapters.store.edi_records import LineAnswer, PurchaseOrderRecord
from adapters.vendors.config import VendorConfig
from adapters.vendors.desk import VendorDesk, envelope_for
from adapters.vendors.shipping import fulfil
from engine.intents import VENDOR_HOLD_HANDLE

logger = logging.getLogger(__name__)

OnInventory = Callable[[str, InventoryAdvice, str], Awaitable[object]]
_ACKNOWLEDGED = ("PR", "SH", "IB")  # groups we answer with a 997 (never a 997 for a 997)
SEND_RECORDING_WAIT_SECONDS = 10.0  # how long an answer waits for its PO's send to be recorded


class VendorAnswers:
    """The handler of `adapters.edi.inbound` and of mailbox inboxes."""

    def __init__(
        self,
        desk: VendorDesk,
        *,
        on_inventory: OnInventory | None = None,
        send_wait_seconds: float = SEND_RECORDING_WAIT_SECONDS,
    ) -> None:
        self.desk = desk
        self.book = desk.book
        self._on_inventory = on_inventory
        self._send_wait = send_wait_seconds

    async def receive(self, vendor_id: str, text: str) -> InboundResult:
        vendor = self.desk.vendors.get(vendor_id)
        if vendor is None:
            return InboundResult("rejected", f"no vendor {vendor_id} in the vendors file")
        try:
            interchanges = read_interchanges(text)
        except X12Error as error:
            return await self._unreadable(vendor, text, error)
        outcomes = [await self._interchange(vendor, interchange) for interchange in interchanges]
        if all(outcome.outcome == "duplicate" for outcome in outcomes):
            return InboundResult("duplicate", "; ".join(o.detail for o in outcomes))
        worst: Literal["accepted", "rejected"] = (
            "rejected" if any(o.outcome == "rejected" for o in outcomes) else "accepted"
        )
        return InboundResult(worst, "; ".join(o.detail for o in outcomes if o.detail))

    # --- one interchange -------------------------------------------------------------------------

    async def _interchange(self, vendor: VendorConfig, interchange: Interchange) -> InboundResult:
        sets = [ts for group in interchange.groups for ts in group.sets]
        code = sets[0].code if sets else None
        if interchange.sender.id.strip() != vendor.isa_id:
            detail = f"sent as {interchange.sender.id.strip()!r}, but {vendor.id} is {vendor.isa_id!r}"
            await self.book.record_inbound(
                vendor.id,
                _number(interchange.control),
                code,
                interchange.text,
                outcome="rejected",
                detail=detail,
            )
            return InboundResult("rejected", detail)
        findings = {group.control: self._check(vendor, group) for group in interchange.groups}
        bad = [f for group in findings.values() for f in group]
        recorded = await self.book.record_inbound(
            vendor.id,
            _number(interchange.control),
            code,
            interchange.text,
            _po_number(interchange),
            outcome="rejected" if bad else "accepted",
            detail="; ".join(f.message for f in bad) or None,
        )
        if recorded == "duplicate":
            return InboundResult("duplicate", f"interchange {interchange.control} was received before")
        notes: list[str] = []
        try:
            for group in interchange.groups:
                problems = findings[group.control]
                failed = {finding.set_control for finding in problems}
                for ts in group.sets:
                    if ts.control not in failed:
                        notes.append(await self._act(vendor, group, ts, interchange))
                if group.functional_id in _ACKNOWLEDGED:
                    await self._acknowledge(vendor, group, problems)
        except Exception as error:
            # Kept, and its number freed: the vendor's retry (after our 503) is acted on.
            number = _number(interchange.control)
            if number is not None:
                await self.book.release_inbound(vendor.id, number, f"not acted on: {error}")
            raise
        if bad:
            return InboundResult("rejected", "; ".join(f.message for f in bad))
        return InboundResult("accepted", "; ".join(note for note in notes if note))

    def _check(self, vendor: VendorConfig, group: FunctionalGroup) -> list[Finding]:
        rules: dict[str, DocumentRules] = {
            code: DocumentRules(c.required, dict(c.codes)) for code, c in vendor.checks.items()
        }
        findings: list[Finding] = []
        for ts in group.sets:
            rule = rules.get(ts.code)
            if rule is not None:
                findings += check(ts, rule)
            try:
                _read(ts)
            except X12Error as error:
                findings.append(finding_from_error(error, ts))
        return findings

    async def _act(
        self, vendor: VendorConfig, group: FunctionalGroup, ts: TransactionSet, interchange: Interchange
    ) -> str:
        if ts.code == "997":
            return await self._functional_ack(vendor, ts)
        if ts.code == "855":
            return await self._answer(
                vendor, read_855(ts, interchange=interchange.control, group=group.control)
            )
        if ts.code == "856":
            return await self._shipped(vendor, read_856(ts))
        if ts.code == "846":
            if self._on_inventory is None:
                return "846 kept (no inventory sync configured)"
            await self._on_inventory(vendor.id, read_846(ts), f"846 {interchange.control}")
            return f"846 {interchange.control} applied"
        return f"{ts.code} kept; nothing acts on it"

    # --- 997, 855, 856 ---------------------------------------------------------------------------

    async def _functional_ack(self, vendor: VendorConfig, ts: TransactionSet) -> str:
        ack = read_997(ts)
        po = await self._sent(await self.book.by_group_control(vendor.id, _number(ack.group_control) or 0))
        if po is None:
            return f"997 for group {ack.group_control} (not one of our 850s)"
        if ack.verdict_for(str(po.control.transaction)) in ("A", "E"):
            await self.book.record_acknowledgment(po.id, self.desk.now())
            return f"997 accepted PO {po.po_number}"
        moved = await self.book.record_answer(
            po.id, "rejected", at=self.desk.now(), detail=f"the vendor's 997 rejected our 850 ({ack.status})"
        )
        if moved.applied:
            await self.desk.redecide(po, "997-rejected")
        return f"997 rejected PO {po.po_number}"

    async def _answer(self, vendor: VendorConfig, ack: PurchaseOrderAcknowledgment) -> str:
        po = await self._sent(await self.book.by_number(vendor.id, ack.po_number))
        if po is None:
            return f"855 for unknown PO {ack.po_number}"
        status, lines = _answers(po, ack)
        moved = await self.book.record_answer(
            po.id, status, lines, at=self.desk.now(), detail=f"855 {ack.status}"
        )
        if not moved.applied:
            logger.warning("855 for PO %s arrived while it was %s; recorded only", po.po_number, moved.status)
            return f"855 for PO {po.po_number} arrived while it was {moved.status}; recorded only"
        await self.desk.redecide(po, "855")
        return f"PO {po.po_number} {status}"

    async def _shipped(self, vendor: VendorConfig, notice: ShipNotice) -> str:
        notes = []
        for number in notice.po_numbers:
            po = await self._sent(await self.book.by_number(vendor.id, number))
            if po is None:
                notes.append(f"856 for unknown PO {number}")
                continue
            gateway = self.desk.stores.get(po.store)
            if gateway is None:
                notes.append(f"856 for PO {number}: store {po.store} is not configured")
                continue
            result = await fulfil(gateway, po, notice, vendor, handle=VENDOR_HOLD_HANDLE)
            await self.book.mark_shipped(po.id, self.desk.now(), result.line_numbers)
            if result.left_behind is not None:  # what the vendor did not ship goes to the rules
                await self.desk.redecide(po, "856-rest", fulfillment_order=result.left_behind)
            notes.append(f"PO {number} shipped: {result.detail}")
        return "; ".join(notes)

    async def _sent(self, po: PurchaseOrderRecord | None) -> PurchaseOrderRecord | None:
        """The PO once its 850 is recorded as sent. A quick vendor answers while we are still
        recording the send (its answer proves it has the PO): wait a moment for that; if it takes
        longer, fail, so that the route answers 503 and the vendor sends the document again."""
        deadline = asyncio.get_running_loop().time() + self._send_wait
        while po is not None and po.status == "draft":
            if asyncio.get_running_loop().time() > deadline:
                raise RuntimeError(f"PO {po.po_number} is answered before its 850 was recorded as sent")
            await asyncio.sleep(0.05)
            po = await self.book.get(po.id)
        return po

    # --- answering ---------------------------------------------------------------------------------

    async def _acknowledge(
        self, vendor: VendorConfig, group: FunctionalGroup, findings: list[Finding]
    ) -> None:
        numbers = await self.book.next_control_numbers(vendor.id)
        document = write_997(group, findings, envelope_for(vendor), _x12(numbers))
        await self._send(vendor, document, numbers.interchange, f"997-{group.control}")

    async def _unreadable(self, vendor: VendorConfig, text: str, error: X12Error) -> InboundResult:
        try:
            control: int | None = _number(read_isa_header(text).control_number)
        except NotX12Error:
            control = None
        recorded = await self.book.record_inbound(
            vendor.id, control, None, text, outcome="unreadable", detail=str(error)
        )
        if recorded == "duplicate":
            return InboundResult("duplicate", f"interchange {control} was received before")
        if error.group is not None:
            numbers = await self.book.next_control_numbers(vendor.id)
            document = write_rejecting_997(error, envelope_for(vendor), _x12(numbers))
            await self._send(vendor, document, numbers.interchange, f"997-{error.group.control}")
        return InboundResult("rejected", str(error))

    async def _send(self, vendor: VendorConfig, document: str, interchange: int, name: str) -> None:
        delivery = await self.desk.transports[vendor.id].send(document, vendor_id=vendor.id, name=name)
        detail = None if delivery.delivered else f"not delivered: {delivery.error}"
        await self.book.record_outbound(
            vendor.id, set_code="997", interchange_control=interchange, raw=document, detail=detail
        )


def _read(ts: TransactionSet) -> object:
    """The set read by its reader (an X12Error says where it does not read), or None."""
    if ts.code == "997":
        return read_997(ts)
    if ts.code == "855":
        return read_855(ts)
    if ts.code == "856":
        return read_856(ts)
    if ts.code == "846":
        return read_846(ts)
    return None


def _answers(
    po: PurchaseOrderRecord, ack: PurchaseOrderAcknowledgment
) -> tuple[Literal["accepted", "partially_accepted", "rejected"], list[LineAnswer]]:
    """The PO's answer and its lines' from an 855 (lines matched by number, else by item)."""
    by_item = {line.vendor_item.casefold(): line.line_number for line in po.lines}
    by_item |= {line.sku.casefold(): line.line_number for line in po.lines}
    answers: list[LineAnswer] = []
    for line in ack.lines:
        number = line.line_number
        if number is None or number not in {po_line.line_number for po_line in po.lines}:
            number = by_item.get(line.vendor_item.casefold()) or by_item.get(line.sku.casefold())
        if number is None:
            continue
        ordered = next(po_line.quantity for po_line in po.lines if po_line.line_number == number)
        accepted = min(line.accepted_quantity, ordered)
        status: Literal["accepted", "refused"] = "accepted" if accepted > 0 and not ack.refused else "refused"
        answers.append(LineAnswer(number, status, accepted, line.status or None, line.reason or None))
    if ack.refused:
        return "rejected", answers
    full = {
        a.line_number for a in answers if a.status == "accepted" and (a.accepted_quantity or 0) >= _qty(po, a)
    }
    if all(
        po_line.line_number in full or not _answered(answers, po_line.line_number) for po_line in po.lines
    ):
        return "accepted", answers
    return "partially_accepted", answers


def _qty(po: PurchaseOrderRecord, answer: LineAnswer) -> int:
    return next(line.quantity for line in po.lines if line.line_number == answer.line_number)


def _answered(answers: list[LineAnswer], number: int) -> bool:
    return any(answer.line_number == number for answer in answers)


def _po_number(interchange: Interchange) -> str | None:
    for group in interchange.groups:
        for ts in group.sets:
            for segment in ts.segments:
                if segment.id in ("BAK", "PRF") and segment.get(3 if segment.id == "BAK" else 1):
                    return segment.get(3 if segment.id == "BAK" else 1)
    return None


def _number(text: str) -> int | None:
    return int(text) if text.strip().isdigit() else None


def _x12(numbers: object) -> X12Numbers:
    return X12Numbers(numbers.interchange, numbers.group, numbers.transaction)  # type: ignore[attr-defined]
