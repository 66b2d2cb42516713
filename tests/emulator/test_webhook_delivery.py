"""Webhook delivery as Shopify does it: several at once, out of order, a failing one retried apart."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from adapters.emulator.server import EmulatorServer
from adapters.emulator.webhooks import RETRY_DELAYS, WebhookDispatcher
from adapters.loopback import serve_on_loopback
from tests.emulator.conftest import place, tiny_scenario


class Receiver:
    """The engine's endpoint, stood in for: counts requests inside at once, refuses webhook ids."""

    def __init__(self, gate: int = 1) -> None:
        self.gate = gate  # hold each request until this many are inside together
        self.opened = asyncio.Event()
        self.inside = 0
        self.most_inside = 0
        self.refused: set[str] = set()
        self.refuse_first = False
        self.accepted: list[str] = []
        self.app = Starlette(routes=[Route("/webhooks/shopify", self.handle, methods=["POST"])])
        self.url = ""  # set once it is served

    async def handle(self, request: Request) -> Response:
        webhook_id = request.headers["x-shopify-webhook-id"]
        if self.refuse_first:
            self.refuse_first = False
            self.refused.add(webhook_id)
        self.inside += 1
        self.most_inside = max(self.most_inside, self.inside)
        if self.inside >= self.gate:
            self.opened.set()
        # A sender that sends one at a time never opens the gate: give up waiting rather than hang.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.opened.wait(), 5)
        self.inside -= 1
        if webhook_id in self.refused:
            return Response(status_code=503)
        self.accepted.append(webhook_id)
        return Response(status_code=200)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    receiver = Receiver()
    async with serve_on_loopback(receiver.app) as url:
        receiver.url = f"{url}/webhooks/shopify"
        yield receiver


async def test_several_webhooks_are_in_flight_at_once(receiver: Receiver, http: httpx.AsyncClient) -> None:
    receiver.gate = 4
    async with EmulatorServer(tiny_scenario(), webhook_url=receiver.url) as server:
        for _ in range(3):  # an Apple and a Cherry: two fulfillment orders, two webhooks each
            await place(server, http, [("A", 1), ("C", 1)])
        await server.emulator.webhooks.drain(timeout=30)
        log = (await http.get(f"{server.base_url}/_emulator/webhooks")).json()

    assert receiver.most_inside >= 4
    assert len(log) == 6
    assert all(d["status"] == "delivered" and d["attempts"] == 1 for d in log)
    assert sorted(receiver.accepted) == sorted(d["id"] for d in log)


async def test_a_refused_webhook_is_retried_with_backoff_while_the_others_go_through(
    receiver: Receiver, http: httpx.AsyncClient
) -> None:
    receiver.refuse_first = True
    async with EmulatorServer(tiny_scenario(), webhook_url=receiver.url) as server:
        for _ in range(3):
            await place(server, http, [("A", 1), ("C", 1)])
        await server.emulator.webhooks.drain(timeout=30)
        log = {d["id"]: d for d in (await http.get(f"{server.base_url}/_emulator/webhooks")).json()}
        (refused,) = receiver.refused
        others = [d for webhook_id, d in log.items() if webhook_id != refused]

        assert log[refused]["status"] == "failed"
        assert log[refused]["history"] == [
            {"attempt": n, "status": 503} for n in range(1, len(RETRY_DELAYS) + 2)
        ]
        assert [d["status"] for d in others] == ["delivered"] * 5

        # Shopify's later retry (the chaos run's redelivery): a full round of attempts again.
        receiver.refused.clear()
        await http.post(f"{server.base_url}/_emulator/webhooks/{refused}/redeliver")
        await server.emulator.webhooks.drain(timeout=30)
        again = (
            await http.get(f"{server.base_url}/_emulator/webhooks", params={"status": "delivered"})
        ).json()

    assert refused in {d["id"] for d in again} and len(again) == 6
    assert [d["attempts"] for d in again if d["id"] == refused] == [len(RETRY_DELAYS) + 2]
    assert receiver.accepted.count(refused) == 1


async def test_the_log_narrows_by_status(receiver: Receiver, http: httpx.AsyncClient) -> None:
    receiver.refuse_first = True
    async with EmulatorServer(tiny_scenario(), webhook_url=receiver.url) as server:
        await place(server, http, [("A", 1), ("C", 1)])
        await server.emulator.webhooks.drain(timeout=30)
        failed = (await http.get(f"{server.base_url}/_emulator/webhooks?status=failed")).json()
        both = (await http.get(f"{server.base_url}/_emulator/webhooks?status=failed,delivered")).json()

    assert [d["id"] for d in failed] == sorted(receiver.refused)
    assert len(both) == 2


def test_a_sender_pool_needs_at_least_one_sender() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        WebhookDispatcher("http://127.0.0.1:1/webhooks/shopify", concurrency=0)
