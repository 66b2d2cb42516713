"""End to end: the Shopify emulator and the service talk over real loopback HTTP."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.emulator.server import EmulatorServer
from adapters.settings import StoreConfig
from adapters.store import DecisionLog, Inbox

PROJECT = Path(__file__).resolve().parents[2]
SCENARIO = PROJECT / "fixtures" / "scenarios" / "two-stores-us-ca.json"
US = "north-wind-us.myshopify.com"
CA = "north-wind-ca.myshopify.com"


@dataclass
class Shopify:
    """The emulator, seen the way a test sees Shopify: through its control API."""

    server: EmulatorServer
    control: httpx.AsyncClient

    def stores(self) -> tuple[StoreConfig, ...]:
        return tuple(
            StoreConfig.model_validate(
                {
                    "domain": store.domain,
                    "access_token": store.access_token,
                    "client_secrets": [store.client_secret],
                    "admin_api_url": self.server.admin_api_url(store.domain),
                }
            )
            for store in self.server.emulator.scenario.stores
        )

    async def send_webhooks_to(self, url: str) -> None:
        (await self.control.post("/_emulator/webhooks/config", json={"url": url})).raise_for_status()

    async def place_order(self, store: str, lines: list[tuple[str, int]], **details: Any) -> dict[str, Any]:
        """Place an order; `details` adds control-API keys (financial_status, customer_tags, source_name)."""
        response = await self.control.post(
            f"/_emulator/stores/{store}/orders",
            json={
                "lines": [{"sku": sku, "quantity": quantity} for sku, quantity in lines],
                "shipping_address": {"country_code": "US", "province_code": "NY", "city": "New York"},
                **details,
            },
        )
        response.raise_for_status()
        order: dict[str, Any] = response.json()
        return order

    async def pay(self, store: str, order_id: str) -> dict[str, Any]:
        """Capture the order's payment, as the merchant or the gateway would."""
        response = await self.control.post(f"/_emulator/stores/{store}/orders/{order_id}/pay")
        response.raise_for_status()
        order: dict[str, Any] = response.json()
        return order

    async def order(self, store: str, order_id: str) -> dict[str, Any]:
        response = await self.control.get(f"/_emulator/stores/{store}/orders/{order_id}")
        response.raise_for_status()
        order: dict[str, Any] = response.json()
        return order

    async def mutations(self) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = (await self.control.get("/_emulator/mutations")).json()
        return records

    async def webhooks(self, topic: str | None = None) -> list[dict[str, Any]]:
        params = {"topic": topic} if topic else {}
        records: list[dict[str, Any]] = (await self.control.get("/_emulator/webhooks", params=params)).json()
        return records

    async def faults(self, **faults: int) -> None:
        (await self.control.post("/_emulator/faults", json=faults)).raise_for_status()

    async def delivered(self) -> None:
        await self.server.emulator.webhooks.drain(timeout=30)


@pytest.fixture
async def shopify() -> AsyncIterator[Shopify]:
    async with EmulatorServer(SCENARIO) as server, httpx.AsyncClient(base_url=server.base_url) as control:
        yield Shopify(server, control)


def repeated_writes(mutations: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Mutations sent twice with the same variables: a write made twice.

    A keyed mutation (`@idempotent`) is one write per key: the same compare-and-set sent again
    under a new key was made from a state that came back, not twice from one state.
    """
    keys = Counter(
        (m["mutation"], repr(sorted(m["variables"].items())) + str(m.get("idempotencyKey") or ""))
        for m in mutations
    )
    return [key for key, count in keys.items() if count > 1]


async def eventually(check: Callable[[], Awaitable[bool]], *, timeout: float = 30.0, what: str = "") -> None:
    """Poll `check` until it holds; these are waits for asynchronous work, not timed assertions."""
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting {timeout:.0f}s for {what or check}")
        await asyncio.sleep(0.05)


async def every_order_decided(log: DecisionLog, inbox: Inbox, orders: list[dict[str, Any]]) -> bool:
    """Each order has a finished decision and nothing is left pending in the inbox."""
    for order in orders:
        decisions = await log.for_order(US, order["id"])
        if not decisions or any(d.state == "executing" for d in decisions):
            return False
    return (await inbox.counts()).get("pending", 0) == 0


async def assert_each_order_written_once(shopify: Shopify, orders: list[dict[str, Any]]) -> None:
    """No mutation reached Shopify twice or was refused, and every order carries its decision."""
    mutations = await shopify.mutations()
    assert repeated_writes(mutations) == [], "no write reached Shopify twice"
    assert all(not m["userErrors"] for m in mutations), [m for m in mutations if m["userErrors"]]
    for order in orders:
        placed = await shopify.order(US, order["id"])
        assert "routing_engine.decision" in placed["metafields"], f"{order['name']} has no decision written"
