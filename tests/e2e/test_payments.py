"""Hold until paid, end to end: an unpaid order is held by the rules, the payment's webhooks make
the service decide it again, and the hold is released and the order routed in that decision."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from adapters.app import create_app
from adapters.loopback import serve_on_loopback
from adapters.settings import Settings
from tests.e2e.conftest import PROJECT, US, Shopify, eventually, repeated_writes
from tests.e2e.test_routing import Service

# The rule author's worked example of holds that wait for an event (see its header).
EXAMPLE = PROJECT / "rules" / "examples" / "06-holds-and-outputs.yaml"


@pytest.fixture
async def service(shopify: Shopify, tmp_path: Path) -> AsyncIterator[Service]:
    if not EXAMPLE.is_file():
        pytest.skip(f"{EXAMPLE.relative_to(PROJECT)} (the hold-until-paid example) is not there")
    rules = tmp_path / "rules"
    rules.mkdir()
    shutil.copy(EXAMPLE, rules / EXAMPLE.name)
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/routing.db",
        rules_dir=rules,
        api_version="2026-01",
        workers=2,
    )
    app = create_app(settings, stores=shopify.stores())
    async with serve_on_loopback(app) as url:
        await shopify.send_webhooks_to(f"{url}/webhooks/shopify")
        yield Service(app, url)


def open_fulfillment_orders(order: dict[str, Any]) -> list[dict[str, Any]]:
    return [fo for fo in order["fulfillment_orders"] if fo["status"] not in ("CLOSED", "CANCELLED")]


async def test_an_unpaid_order_waits_on_our_hold_and_ships_once_the_payment_is_captured(
    shopify: Shopify, service: Service
) -> None:
    # Shopify's own routing puts NW-0005 at Brooklyn Store; the example's strategy wants a DC.
    order = await shopify.place_order(US, [("NW-0005", 1)], financial_status="PENDING")

    async def held() -> bool:
        fos = open_fulfillment_orders(await shopify.order(US, order["id"]))
        return bool(fos) and all(fo["status"] == "ON_HOLD" for fo in fos)

    await eventually(held, what="the hold awaiting payment")
    [waiting] = open_fulfillment_orders(await shopify.order(US, order["id"]))
    [hold] = waiting["holds"]
    assert hold["reason"] == "AWAITING_PAYMENT" and hold["held_by_requesting_app"]
    assert hold["handle"].startswith("routing-engine.")
    assert waiting["assigned_location_name"] == "Brooklyn Store", "nothing is routed before payment"

    await shopify.pay(US, order["id"])

    async def routed() -> bool:
        fos = open_fulfillment_orders(await shopify.order(US, order["id"]))
        return bool(fos) and all(
            fo["status"] == "OPEN" and fo["assigned_location_name"] != "Brooklyn Store" for fo in fos
        )

    await eventually(routed, what="the release and the move after payment")
    await eventually(service.drained, what="the payment webhooks")
    [shipped] = open_fulfillment_orders(await shopify.order(US, order["id"]))
    assert shipped["holds"] == [] and shipped["assigned_location_name"] == "Newark DC"

    mutations = await shopify.mutations()
    [release] = [m for m in mutations if m["mutation"] == "fulfillmentOrderReleaseHold"]
    assert release["variables"]["holdIds"] == [hold["id"]], "only our hold, by id"
    assert repeated_writes(mutations) == []
    assert "failed" not in await service.runtime.inbox.counts(), "every payment webhook was processed"
