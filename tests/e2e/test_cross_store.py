"""Cross-store hand-offs end to end: two stores of the emulator and the service over loopback HTTP.

Store US has no tent; store CA's Toronto DC has five. US has a stand-in location, "Toronto DC
(north-wind-ca)", standing for it (the stores file's `stand_ins`). An order for two tents in US is
moved to the stand-in, a linked order appears in CA, CA's shipment becomes a fulfillment with the
same tracking in US, and cancelling in US cancels in CA.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.app import create_app
from adapters.emulator.fulfillment_create import fulfillments_of
from adapters.emulator.server import EmulatorServer
from adapters.loopback import serve_on_loopback
from adapters.settings import Settings, StoreConfig
from tests.e2e.conftest import CA, PROJECT, US, Shopify, eventually

SCENARIO = PROJECT / "fixtures" / "scenarios" / "two-stores-toronto-stand-in.json"
STAND_IN = "Toronto DC (north-wind-ca)"
RULES = f"""\
strategies:
  - {{id: newark, locations: [Newark DC]}}
  - {{id: toronto, locations: [{{store: {CA}, location: Toronto DC}}]}}
fallback: {{hold: {{reason: INVENTORY_OUT_OF_STOCK, note: "{{order}}: short {{short_skus}}"}}}}
"""
ADDRESS = {
    "name": "Sam Lee",
    "address1": "5 Pine St",
    "city": "Buffalo",
    "province_code": "NY",
    "zip": "14201",
    "country_code": "US",
}


@pytest.fixture
async def shopify() -> AsyncIterator[Shopify]:
    async with EmulatorServer(SCENARIO) as server, httpx.AsyncClient(base_url=server.base_url) as control:
        yield Shopify(server, control)


def with_stand_in(stores: tuple[StoreConfig, ...]) -> tuple[StoreConfig, ...]:
    stand_ins = ({"store": CA, "location": "Toronto DC", "stand_in": STAND_IN},)
    return tuple(
        StoreConfig.model_validate({**store.model_dump(), "stand_ins": stand_ins})
        if store.domain == US
        else store
        for store in stores
    )


@asynccontextmanager
async def serving(shopify: Shopify, tmp_path: Path, *, workers: int = 2) -> AsyncIterator[str]:
    """The service over loopback with US's stand-in for CA's Toronto DC, its webhooks from `shopify`."""
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "routing.yaml").write_text(RULES)
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/routing.db",
        rules_dir=rules,
        api_version="2026-01",
        workers=workers,
        reconcile_seconds=0,
    )
    app = create_app(settings, stores=with_stand_in(shopify.stores()))
    async with serve_on_loopback(app) as url:
        await shopify.send_webhooks_to(f"{url}/webhooks/shopify")
        yield url


@pytest.fixture
async def service(shopify: Shopify, tmp_path: Path) -> AsyncIterator[str]:
    async with serving(shopify, tmp_path) as url:
        yield url


async def linked_order(shopify: Shopify) -> dict[str, Any] | None:
    """The order the service created in CA for the US order, if any."""
    store = shopify.server.emulator.state.store(CA)
    for order_id, order in store.orders.items():
        if "routing-engine:linked-order" in order.sorted_tags():
            return await shopify.order(CA, order_id)
    return None


async def test_an_order_only_another_store_can_fill_is_handed_off_shipped_and_tracked(
    shopify: Shopify, service: str
) -> None:
    order = await shopify.place_order(US, [("NW-0014", 2)], shipping_address=ADDRESS)

    async def handed_off() -> bool:
        return await linked_order(shopify) is not None

    await eventually(handed_off, what="the linked order in CA")
    [fo] = [
        f for f in (await shopify.order(US, order["id"]))["fulfillment_orders"] if f["status"] != "CLOSED"
    ]
    assert fo["assigned_location_name"] == STAND_IN
    assert [hold["handle"] for hold in fo["holds"]] == ["routing-engine.handed-off"]
    linked = await linked_order(shopify)
    assert linked is not None
    assert [(line["sku"], line["quantity"]) for line in linked["line_items"]] == [("NW-0014", 2)]
    assert linked["metafields"]["routing_engine.linked_order"]["value"].count(order["id"]) == 1

    # CA's warehouse ships the linked order; the customer sees the same tracking in US.
    shipped = await shopify.control.post(
        f"/_emulator/stores/{CA}/orders/{linked['id']}/fulfill",
        json={"tracking_company": "Canada Post", "tracking_numbers": ["CP123456789CA"]},
    )
    shipped.raise_for_status()
    emulator = shopify.server.emulator

    async def tracked_in_us() -> bool:
        made = fulfillments_of(emulator.state, emulator.state.store(US), order["id"])
        return any(entry.number == "CP123456789CA" for f in made for entry in f.tracking)

    await eventually(tracked_in_us, what="the fulfillment with CA's tracking in US")


async def test_cancelling_the_order_in_the_origin_store_cancels_the_linked_order(
    shopify: Shopify, service: str
) -> None:
    order = await shopify.place_order(US, [("NW-0014", 1)], shipping_address=ADDRESS)

    async def handed_off() -> bool:
        return await linked_order(shopify) is not None

    await eventually(handed_off, what="the linked order in CA")
    (
        await shopify.control.post(f"/_emulator/stores/{US}/orders/{order['id']}/cancel", json={})
    ).raise_for_status()

    async def cancelled_in_ca() -> bool:
        linked = await linked_order(shopify)
        return linked is not None and all(fo["status"] == "CLOSED" for fo in linked["fulfillment_orders"])

    await eventually(cancelled_in_ca, what="the linked order cancelled in CA")
