"""`routing-engine vendors pos|documents`: purchase orders and the documents kept, from the database."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from adapters.store import create_engine, migrate, session_factory
from adapters.store.edi_records import LineAnswer, NewPurchaseOrderLine
from adapters.store.purchase_orders import PurchaseOrderBook

from .support import cli_async

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


async def a_partly_accepted_po_and_a_rejected_document(url: str) -> None:
    engine = create_engine(url)
    await migrate(engine)
    book = PurchaseOrderBook(session_factory(engine), clock=lambda: NOW)
    po = await book.open_purchase_order(
        store="north-wind-us.myshopify.com",
        vendor_id="acme",
        order_id="gid://shopify/Order/1",
        order_name="#1001",
        fulfillment_order_id="gid://shopify/FulfillmentOrder/1",
        location_id="gid://shopify/Location/190",
        lines=[
            NewPurchaseOrderLine("gid://shopify/FulfillmentOrderLineItem/1", "AC-WIDGET", "WIDGET-001", 2),
            NewPurchaseOrderLine("gid://shopify/FulfillmentOrderLineItem/2", "AC-BRACKET", "BRKT-050", 3),
        ],
    )
    await book.mark_sent(po.id, sent_at=NOW, ack_due_at=NOW + timedelta(hours=4), raw_850="ISA*…")
    refused = LineAnswer(2, "refused", 0, "IR", "discontinued")
    await book.record_answer(po.id, "partially_accepted", [refused], at=NOW)
    await book.record_inbound(
        "acme", 77, "855", "ISA*…", outcome="rejected", detail="BAK02 'ZZ' is not allowed"
    )
    await engine.dispose()


async def test_pos_lists_each_purchase_order_with_its_lines_answers(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/routing.db"
    await a_partly_accepted_po_and_a_rejected_document(url)
    run = await cli_async("vendors", "pos", ROUTING_DATABASE_URL=url)
    assert run.code == 0, run.err
    assert "PO 1  acme  partially_accepted  #1001  due 2026-11-27 14:00 UTC" in run.out
    assert "2. AC-BRACKET ×3  refused  IR discontinued" in run.out
    as_json = await cli_async(
        "vendors", "pos", "--json", "--status", "partially_accepted", ROUTING_DATABASE_URL=url
    )
    assert [po["po_number"] for po in json.loads(as_json.out)] == ["1"]


async def test_documents_with_problems_are_reported_with_why(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/routing.db"
    await a_partly_accepted_po_and_a_rejected_document(url)
    run = await cli_async("vendors", "documents", "--problems", ROUTING_DATABASE_URL=url)
    assert run.code == 0, run.err
    [line] = run.out.splitlines()
    assert "acme  in  855  ISA13 77  rejected  BAK02 'ZZ' is not allowed" in line
