"""HttpTransport against a real trading partner (mock-edi) and real sockets: what counts as
delivered, and which failures are worth retrying."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from mockedi.testing import Mock
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from adapters.edi.http_transport import HttpTransport
from adapters.loopback import serve_on_loopback

ORDER = (Path(__file__).parents[2] / "fixtures/edi/transport-acme-purchase-order-1042.x12").read_text()


@pytest.fixture
def mock() -> Iterator[Mock]:
    with Mock.start() as started:
        yield started


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as http:
        yield http


async def test_an_850_the_partner_accepts_is_delivered_with_its_answer_kept(
    mock: Mock, client: httpx.AsyncClient
) -> None:
    transport = HttpTransport(client, f"{mock.base}/edi")

    delivery = await transport.send(ORDER, vendor_id="mockedi", name="PO 1042")

    assert delivery.delivered and delivery.status_code == 200 and delivery.error == ""
    summary = json.loads(delivery.answer)
    assert summary["accepted"] is True and summary["orders"] == ["1042"]
    assert mock.order("1042")["partner"] == "ACME"


async def test_a_4xx_fails_and_is_not_worth_retrying(mock: Mock, client: httpx.AsyncClient) -> None:
    # mock-edi answers 422 for a body it cannot read as an interchange at all.
    transport = HttpTransport(client, f"{mock.base}/edi")

    delivery = await transport.send("ISA*00*short~", vendor_id="mockedi", name="PO 1")

    assert not delivery.delivered and not delivery.retryable
    assert delivery.status_code == 422
    assert "refused the document with 422" in delivery.error and "PO 1" in delivery.error
    assert json.loads(delivery.answer)["accepted"] is False


async def test_a_5xx_fails_and_may_pass_on_a_retry(client: httpx.AsyncClient) -> None:
    with Mock.start(error_rate=1.0) as failing:
        delivery = await HttpTransport(client, f"{failing.base}/edi").send(
            ORDER, vendor_id="mockedi", name="PO 1042"
        )

    assert not delivery.delivered and delivery.retryable and delivery.status_code == 500
    assert "try again later" in delivery.error


async def test_a_timeout_fails_and_may_pass_on_a_retry(client: httpx.AsyncClient) -> None:
    async def slow(request: Request) -> Response:
        await asyncio.sleep(1)
        return PlainTextResponse("too late")

    app = Starlette(routes=[Route("/edi", slow, methods=["POST"])])
    async with serve_on_loopback(app) as url:
        delivery = await HttpTransport(client, f"{url}/edi", timeout=0.2).send(
            ORDER, vendor_id="slowco", name="PO 1042"
        )

    assert not delivery.delivered and delivery.retryable and delivery.status_code is None
    assert "timed out after 0.2s" in delivery.error


async def test_a_refused_connection_fails_and_may_pass_on_a_retry(client: httpx.AsyncClient) -> None:
    with socket.socket() as probe:  # a port nobody listens on once the probe is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    delivery = await HttpTransport(client, f"http://127.0.0.1:{port}/edi").send(
        ORDER, vendor_id="gone", name="PO 1042"
    )

    assert not delivery.delivered and delivery.retryable
    assert "could not reach the partner" in delivery.error


async def test_a_url_that_cannot_be_used_fails_without_retrying(client: httpx.AsyncClient) -> None:
    delivery = await HttpTransport(client, "ftp://vendor.example/edi").send(
        ORDER, vendor_id="ftpco", name="PO 1042"
    )

    assert not delivery.delivered and not delivery.retryable
    assert "correct it in the vendors file" in delivery.error


async def test_the_document_goes_as_x12_with_the_configured_authorization(client: httpx.AsyncClient) -> None:
    seen: list[tuple[str | None, str | None, bytes]] = []

    async def record(request: Request) -> Response:
        headers = request.headers
        seen.append((headers.get("content-type"), headers.get("authorization"), await request.body()))
        return PlainTextResponse("ok")

    app = Starlette(routes=[Route("/edi", record, methods=["POST"])])
    async with serve_on_loopback(app) as url:
        delivery = await HttpTransport(client, f"{url}/edi", auth_header="Bearer van-secret").send(
            ORDER, vendor_id="van", name="PO 1042"
        )

    assert delivery.delivered and delivery.answer == "ok"
    assert seen == [("application/edi-x12", "Bearer van-secret", ORDER.encode())]


async def test_a_redirect_is_not_followed_and_names_the_url_to_configure(client: httpx.AsyncClient) -> None:
    async def moved(request: Request) -> Response:
        return Response(status_code=308, headers={"location": "https://new.vendor.example/edi"})

    app = Starlette(routes=[Route("/edi", moved, methods=["POST"])])
    async with serve_on_loopback(app) as url:
        delivery = await HttpTransport(client, f"{url}/edi").send(ORDER, vendor_id="moved", name="PO 1042")

    assert not delivery.delivered and not delivery.retryable
    assert "https://new.vendor.example/edi" in delivery.error


async def test_an_http_vendor_has_nothing_to_collect(client: httpx.AsyncClient) -> None:
    assert await HttpTransport(client, "http://127.0.0.1:9/edi").receive() == []
