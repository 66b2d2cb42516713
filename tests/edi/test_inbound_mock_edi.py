"""mock-edi as a vendor pushing its answers to our inbound route over AS2 (its `as2_url`), after
we POST it an 850: the token in the URL lets it in, a stranger's URL does not, and nothing it
sends is lost when we cannot record it for a while."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from mockedi.testing import Mock
from starlette.applications import Starlette

from adapters.edi.http_transport import HttpTransport
from adapters.edi.inbound import InboundResult, inbound_routes
from adapters.loopback import serve_on_loopback

ORDER = (Path(__file__).parents[2] / "fixtures/edi/transport-acme-purchase-order-1042.x12").read_text()
# In mock-edi's books we are the customer ACME; to us it is the vendor "mockedi".
TOKEN = "mockedi-inbound-token"


class RecordingHandler:
    """The orchestration's stand-in: records what arrives, or fails while `down`."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.down = False

    async def __call__(self, vendor_id: str, text: str) -> InboundResult:
        if self.down:
            raise ConnectionError("the database is down")
        self.calls.append((vendor_id, text))
        return InboundResult("accepted")

    def codes(self) -> list[str]:
        return sorted(text.split("ST*", 1)[1][:3] for _, text in self.calls)


@pytest.fixture
def handler() -> RecordingHandler:
    return RecordingHandler()


@pytest.fixture
async def our_url(handler: RecordingHandler) -> AsyncIterator[str]:
    app = Starlette(routes=inbound_routes(handler, {"mockedi": TOKEN}))
    async with serve_on_loopback(app) as url:
        yield url


@pytest.fixture
def vendor() -> Iterator[Mock]:
    with Mock.start() as started:
        yield started


async def order_and_settle(vendor: Mock, as2_url: str) -> list[dict[str, Any]]:
    """Point the vendor's deliveries at `as2_url`, POST it our 850, wait for its answers to go."""
    vendor.partner("ACME", as2_url=as2_url)
    async with httpx.AsyncClient() as client:
        sent = await HttpTransport(client, f"{vendor.base}/edi").send(
            ORDER, vendor_id="mockedi", name="PO 1042"
        )
    assert sent.delivered
    # settle() blocks until the vendor's courier has posted to us: off the loop that serves us.
    rows: list[dict[str, Any]] = await asyncio.to_thread(vendor.settle)
    return [row for row in rows if row["partner"] == "ACME"]


async def test_the_vendor_delivers_its_997_855_and_856_to_us_and_records_our_receipts(
    our_url: str, vendor: Mock, handler: RecordingHandler
) -> None:
    outbox = await order_and_settle(vendor, f"{our_url}/edi/inbound/mockedi?token={TOKEN}")

    assert handler.codes() == ["810", "855", "856", "997"]
    assert {vendor_id for vendor_id, _ in handler.calls} == {"mockedi"}
    response = next(text for _, text in handler.calls if "ST*855*" in text)
    assert "BAK*00*" in response and "*1042*" in response
    despatch = next(text for _, text in handler.calls if "ST*856*" in text)
    assert "HL*1**S" in despatch
    assert sorted(row["code"] for row in outbox) == ["810", "855", "856", "997"]
    assert {row["status"] for row in outbox} == {"delivered"}
    assert {row["note"] for row in outbox} == {"MDN: automatic-action/MDN-sent-automatically; processed"}


@pytest.mark.parametrize("query", ["", "?token=guessed"], ids=["no-token", "wrong-token"])
async def test_a_sender_without_the_vendors_token_delivers_nothing(
    our_url: str, vendor: Mock, handler: RecordingHandler, query: str
) -> None:
    outbox = await order_and_settle(vendor, f"{our_url}/edi/inbound/mockedi{query}")

    assert handler.calls == []
    assert {row["status"] for row in outbox} == {"failed"}
    assert {row["note"] for row in outbox} == {"the partner answered HTTP 401"}


async def test_documents_we_could_not_record_stay_with_the_vendor_and_arrive_on_its_retry(
    our_url: str, vendor: Mock, handler: RecordingHandler
) -> None:
    handler.down = True
    refused = await order_and_settle(vendor, f"{our_url}/edi/inbound/mockedi?token={TOKEN}")
    assert {row["note"] for row in refused} == {"the partner answered HTTP 503"}

    handler.down = False
    await asyncio.to_thread(vendor.advance, failed=True)
    outbox = [row for row in await asyncio.to_thread(vendor.settle) if row["partner"] == "ACME"]

    assert handler.codes() == ["810", "855", "856", "997"]
    assert {row["status"] for row in outbox} == {"delivered"}
