"""Drop-ship vendors end to end: the Shopify emulator, the service and mock-edi (a real X12 trading
partner, the seller) over loopback HTTP.

A rule sends the order's lines to Acme's drop-ship location: the service numbers a purchase order,
moves the lines there, holds them with a note naming the PO and its deadline, and POSTs an 850 to
the vendor, which pushes its 997, 855 and 856 back to `/edi/inbound/acme` (its AS2 URL carries our
token). What the vendor answers decides the rest, as the rule author's guide says.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from mockedi.testing import Mock

from adapters.app import Runtime, create_app
from adapters.emulator.fulfillment_create import fulfillments_of
from adapters.emulator.server import EmulatorServer
from adapters.loopback import serve_on_loopback
from adapters.settings import Settings
from tests.e2e.conftest import PROJECT, US, Shopify, eventually

SCENARIO = PROJECT / "fixtures" / "scenarios" / "us-store-acme-drop-ship.json"
TOKEN = "acme-inbound-token-for-tests"
RULES = """\
strategies:
  - {id: acme-drop-ships, locations: [Acme Drop-ship]}
  - {id: newark, locations: [Newark DC]}
fallback: {hold: {reason: INVENTORY_OUT_OF_STOCK, note: "{order}: short {short_skus}"}}
"""
ADDRESS = {
    "name": "Jane Doe",
    "address1": "12 Main St",
    "city": "New York",
    "province_code": "NY",
    "zip": "10001",
    "country_code": "US",
}


def vendors_file(tmp_path: Path, mock_url: str) -> Path:
    path = tmp_path / "vendors.toml"
    path.write_text(
        f"""\
[[vendors]]
id = "acme"
name = "Acme Distribution"
isa_qualifier = "ZZ"
isa_id = "MOCKEDI"
gs_code = "MOCKEDI"
our_isa_qualifier = "ZZ"
our_isa_id = "ACME"
our_gs_code = "ACME"
usage = "T"
acceptance_window = 240
inbound_token = "{TOKEN}"
locations = {{ "{US}" = "Acme Drop-ship" }}
sku_map = {{ "AC-WIDGET" = "WIDGET-001", "AC-BRACKET" = "BRKT-050" }}
costs = {{ "AC-WIDGET" = "12.50", "AC-BRACKET" = "4.15" }}
transport = {{ kind = "http", url = "{mock_url}/edi" }}
"""
    )
    return path


@pytest.fixture
async def shopify() -> AsyncIterator[Shopify]:
    async with EmulatorServer(SCENARIO) as server, httpx.AsyncClient(base_url=server.base_url) as control:
        yield Shopify(server, control)


@pytest.fixture
def vendor() -> Iterator[Mock]:
    with Mock.start(hold_delivery=True) as started:
        yield started


class Stack:
    def __init__(self, shopify: Shopify, vendor: Mock, tmp_path: Path) -> None:
        self.shopify, self.vendor, self.tmp_path = shopify, vendor, tmp_path
        rules = tmp_path / "rules"
        rules.mkdir(exist_ok=True)
        (rules / "routing.yaml").write_text(RULES)
        self.settings = Settings(
            database_url=f"sqlite+aiosqlite:///{tmp_path}/routing.db",
            rules_dir=rules,
            api_version="2026-01",
            workers=2,
            vendors_file=vendors_file(tmp_path, vendor.base),
            edi_sweep_seconds=0.2,
            reconcile_seconds=0,
        )

    @asynccontextmanager
    async def service(self) -> AsyncIterator[Runtime]:
        app = create_app(self.settings, stores=self.shopify.stores())
        async with serve_on_loopback(app) as url:
            await self.shopify.send_webhooks_to(f"{url}/webhooks/shopify")
            self.vendor.partner("ACME", as2_url=f"{url}/edi/inbound/acme?token={TOKEN}")
            runtime: Runtime = app.state.runtime
            yield runtime

    def purchase_orders(self) -> list[dict[str, Any]]:
        with sqlite3.connect(self.tmp_path / "routing.db") as db:
            db.row_factory = sqlite3.Row
            return [dict(row) for row in db.execute("SELECT * FROM purchase_orders ORDER BY created_at")]

    def let_the_window_pass(self) -> None:
        """Time passes: every open PO's acceptance deadline is now behind us."""
        past = (datetime.now(UTC) - timedelta(minutes=1)).replace(tzinfo=None).isoformat(sep=" ")
        with sqlite3.connect(self.tmp_path / "routing.db") as db:
            db.execute(
                "UPDATE purchase_orders SET ack_due_at = ? WHERE status IN ('sent', 'acknowledged')", [past]
            )

    async def place(self, lines: list[tuple[str, int]]) -> dict[str, Any]:
        return await self.shopify.place_order(US, lines, shipping_address=ADDRESS)

    async def fulfillment_orders(self, order: dict[str, Any]) -> list[dict[str, Any]]:
        return list((await self.shopify.order(US, order["id"]))["fulfillment_orders"])

    async def po_sent(self) -> dict[str, Any]:
        async def sent() -> bool:
            return any(po["status"] == "sent" for po in self.purchase_orders())

        await eventually(sent, what="the purchase order to be sent")
        return next(po for po in self.purchase_orders() if po["status"] == "sent")

    async def deliver_vendor_documents(self) -> None:
        """The vendor sends what it has ready (997, 855, 856, 810), one document at a time, from
        its own thread (it waits for our answer, which this event loop serves)."""
        while await asyncio.to_thread(self.vendor.step):
            pass


@pytest.fixture
def stack(shopify: Shopify, vendor: Mock, tmp_path: Path) -> Stack:
    return Stack(shopify, vendor, tmp_path)


def at(location: str, fos: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [fo for fo in fos if fo["assigned_location_name"] == location]


async def test_an_order_for_a_vendor_gets_an_850_a_move_and_a_hold_naming_the_po_and_its_deadline(
    stack: Stack,
) -> None:
    async with stack.service():
        order = await stack.place([("AC-WIDGET", 2), ("AC-BRACKET", 3)])
        po = await stack.po_sent()
        [fo] = await stack.fulfillment_orders(order)
        assert fo["assigned_location_name"] == "Acme Drop-ship"
        assert fo["status"] == "ON_HOLD"
        [hold] = fo["holds"]
        assert hold["handle"] == "routing-engine.awaiting-vendor"
        assert hold["reason_notes"].startswith(
            f"Awaiting Acme Distribution acceptance of PO {po['po_number']} until "
        )
        received = stack.vendor.order(po["po_number"])
        assert received["status"] not in ("rejected", "cancelled"), received
        ordered = {line["sku"]: int(line["quantity"]) for line in received["lines"]}
        assert ordered == {"WIDGET-001": 2, "BRKT-050": 3}, received["lines"]


async def test_an_accepted_po_is_released_and_its_856_becomes_a_fulfillment_with_tracking(
    stack: Stack,
) -> None:
    async with stack.service():
        order = await stack.place([("AC-WIDGET", 2), ("AC-BRACKET", 3)])
        po = await stack.po_sent()
        await stack.deliver_vendor_documents()

        async def fulfilled() -> bool:
            return all(fo["status"] == "CLOSED" for fo in await stack.fulfillment_orders(order))

        await eventually(fulfilled, what="the vendor's shipment to fulfil the order")
        emulator = stack.shopify.server.emulator
        made = fulfillments_of(emulator.state, emulator.state.store(US), order["id"])
        assert made and all(entry.number for f in made for entry in f.tracking), made
        [after] = [row for row in stack.purchase_orders() if row["id"] == po["id"]]
        assert after["status"] == "shipped"


async def test_a_rejected_line_goes_back_through_the_chain_and_the_rest_stays_with_the_vendor(
    stack: Stack,
) -> None:
    stack.vendor.behaviour("ACME", "reject-line")  # the last line: AC-BRACKET, which Newark has
    async with stack.service():
        order = await stack.place([("AC-WIDGET", 2), ("AC-BRACKET", 3)])
        await stack.po_sent()
        await stack.deliver_vendor_documents()

        async def rerouted() -> bool:
            fos = await stack.fulfillment_orders(order)
            return any(
                line["sku"] == "AC-BRACKET" for fo in at("Newark DC", fos) for line in fo["line_items"]
            )

        await eventually(rerouted, what="the refused bracket to move to Newark DC")
        fos = await stack.fulfillment_orders(order)
        acme = [line["sku"] for fo in at("Acme Drop-ship", fos) for line in fo["line_items"]]
        assert acme == ["AC-WIDGET"]


async def test_a_rejected_po_goes_back_through_the_chain_whole(stack: Stack) -> None:
    stack.vendor.behaviour("ACME", "reject-all")
    async with stack.service():
        order = await stack.place([("AC-BRACKET", 3)])
        await stack.po_sent()
        await stack.deliver_vendor_documents()

        async def moved() -> bool:
            fos = await stack.fulfillment_orders(order)
            return bool(at("Newark DC", fos)) and all(fo["status"] == "OPEN" for fo in at("Newark DC", fos))

        await eventually(moved, what="the rejected order to move to Newark DC")
        assert [po["status"] for po in stack.purchase_orders()] == ["rejected"]


async def test_silence_past_the_deadline_reroutes_and_a_restart_meanwhile_changes_nothing(
    stack: Stack,
) -> None:
    stack.vendor.behaviour("ACME", "no-ack")
    async with stack.service():
        order = await stack.place([("AC-BRACKET", 3)])
        await stack.po_sent()
    # The service stops in the middle of the acceptance window and starts again.
    stack.let_the_window_pass()
    async with stack.service():

        async def moved() -> bool:
            return bool(at("Newark DC", await stack.fulfillment_orders(order)))

        await eventually(moved, what="the unanswered order to move to Newark DC")
        [po] = stack.purchase_orders()
        assert po["status"] == "timed_out"
        [fo] = at("Newark DC", await stack.fulfillment_orders(order))
        assert fo["status"] == "OPEN" and not fo["holds"]
