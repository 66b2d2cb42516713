"""`routing-engine vendors pos|documents`: the purchase orders and what was exchanged with vendors.

`pos` lists the newest purchase orders (status, deadline, lines and how each was answered);
`documents --problems` lists the inbound documents that were rejected (failed a vendor's checks
or the sender check), unreadable, or could not be acted on, with why: nothing a vendor sends is
dropped silently. Reads the database of `ROUTING_DATABASE_URL`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any, TextIO

from adapters.settings import load_settings
from adapters.store import create_engine, migrate, session_factory
from adapters.store.purchase_orders import EdiDocument, PurchaseOrderBook, PurchaseOrderRecord

PROBLEMS = ("rejected", "unreadable", "failed")


def add_vendor_commands(commands: Any) -> None:
    """Register `vendors pos` and `vendors documents` on the CLI's subcommands."""
    vendors = commands.add_parser("vendors", help="drop-ship purchase orders and EDI documents")
    vendor_commands = vendors.add_subparsers(required=True, metavar="VENDORS_COMMAND")
    pos = vendor_commands.add_parser("pos", help="the newest purchase orders and their answers")
    pos.add_argument("--vendor", help="only this vendor's (its id in the vendors file)")
    pos.add_argument("--status", help="only in this status (sent, accepted, timed_out, …)")
    pos.add_argument("--limit", type=int, default=50)
    pos.add_argument("--json", action="store_true")
    pos.set_defaults(run=_pos, default_log_level="warning")
    documents = vendor_commands.add_parser("documents", help="the documents exchanged, newest first")
    documents.add_argument("--vendor")
    documents.add_argument("--problems", action="store_true", help="only rejected, unreadable or failed ones")
    documents.add_argument("--limit", type=int, default=50)
    documents.add_argument("--json", action="store_true")
    documents.set_defaults(run=_documents, default_log_level="warning")


def _pos(args: argparse.Namespace) -> int:
    orders = asyncio.run(_read_pos(args.vendor, args.status, args.limit))
    return print_pos(orders, as_json=args.json, out=sys.stdout)


def _documents(args: argparse.Namespace) -> int:
    found = asyncio.run(_read_documents(args.vendor, PROBLEMS if args.problems else (), args.limit))
    return print_documents(found, as_json=args.json, out=sys.stdout)


def print_pos(orders: list[PurchaseOrderRecord], *, as_json: bool, out: TextIO) -> int:
    if as_json:
        print(json.dumps([_po_json(po) for po in orders], indent=2), file=out)
        return 0
    if not orders:
        print("no purchase orders", file=out)
        return 0
    for po in orders:
        due = po.ack_due_at.strftime("%Y-%m-%d %H:%M UTC") if po.ack_due_at else "-"
        print(f"PO {po.po_number}  {po.vendor_id}  {po.status}  {po.order_name}  due {due}", file=out)
        for line in po.lines:
            said = " ".join(part for part in (line.code, line.reason) if part)
            print(f"    {line.line_number}. {line.sku} ×{line.quantity}  {line.status}  {said}", file=out)
    return 0


def print_documents(found: list[EdiDocument], *, as_json: bool, out: TextIO) -> int:
    if as_json:
        print(json.dumps([_document_json(doc) for doc in found], indent=2), file=out)
        return 0
    if not found:
        print("no documents", file=out)
        return 0
    for doc in found:
        at = doc.at.strftime("%Y-%m-%d %H:%M:%S UTC")
        print(
            f"{doc.id}  {at}  {doc.vendor_id}  {doc.direction}  {doc.set_code or '?'}  "
            f"ISA13 {doc.interchange_control or '-'}  {doc.outcome}  {doc.detail or ''}",
            file=out,
        )
    return 0


async def _read_pos(vendor: str | None, status: str | None, limit: int) -> list[PurchaseOrderRecord]:
    engine = create_engine(load_settings().database_url)
    try:
        await migrate(engine)
        return await PurchaseOrderBook(session_factory(engine)).recent(
            vendor_id=vendor, status=status, limit=limit
        )
    finally:
        await engine.dispose()


async def _read_documents(vendor: str | None, outcomes: tuple[str, ...], limit: int) -> list[EdiDocument]:
    engine = create_engine(load_settings().database_url)
    try:
        await migrate(engine)
        book = PurchaseOrderBook(session_factory(engine))
        return await book.recent_documents(vendor_id=vendor, outcomes=outcomes, limit=limit)
    finally:
        await engine.dispose()


def _po_json(po: PurchaseOrderRecord) -> dict[str, Any]:
    return {
        "po_number": po.po_number,
        "vendor": po.vendor_id,
        "status": po.status,
        "store": po.store,
        "order": po.order_name,
        "ack_due_at": po.ack_due_at.isoformat() if po.ack_due_at else None,
        "lines": [
            {"sku": line.sku, "quantity": line.quantity, "status": line.status, "code": line.code}
            for line in po.lines
        ],
        "detail": po.detail,
    }


def _document_json(doc: EdiDocument) -> dict[str, Any]:
    return {
        "id": doc.id,
        "vendor": doc.vendor_id,
        "direction": doc.direction,
        "set": doc.set_code,
        "interchange": doc.interchange_control,
        "outcome": doc.outcome,
        "at": doc.at.isoformat(),
        "detail": doc.detail,
    }
