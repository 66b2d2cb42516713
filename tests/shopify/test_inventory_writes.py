"""inventorySetQuantities and SKU look-ups through the real client, against the emulator over loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from adapters.emulator.server import EmulatorServer
from adapters.shopify import inventory_writes
from adapters.shopify.client import ShopifyClient
from adapters.shopify.errors import ShopifyUserError
from adapters.shopify.gateway import ShopifyGateway
from tests.emulator.conftest import SHOP, TOKEN, location_id, tiny_scenario
from tests.shopify.conftest import load_recording

ZERO_DELTA = "2026-04__products__inventory-adjust-zero-delta-noop.json"
REFERENCE = "gid://routing-engine/VendorFeed/acme-846-1"


@pytest.fixture(params=["2026-01", "2026-04"])
async def emulator(request: pytest.FixtureRequest) -> AsyncIterator[EmulatorServer]:
    scenario = tiny_scenario()
    stores = [store.model_copy(update={"api_version": request.param}) for store in scenario.stores]
    async with EmulatorServer(scenario.model_copy(update={"stores": stores})) as running:
        yield running


@pytest.fixture
async def gateway(emulator: EmulatorServer) -> AsyncIterator[ShopifyGateway]:
    async with httpx.AsyncClient(timeout=10) as http:
        client = ShopifyClient(
            http, shop_domain=SHOP, admin_api_url=emulator.admin_api_url(SHOP), access_token=SecretStr(TOKEN)
        )
        yield ShopifyGateway(client)


def level(emulator: EmulatorServer, sku: str, location: str) -> int:
    store = emulator.state.stores[SHOP]
    item = store.inventory.item_by_sku(sku)
    assert item is not None
    found = store.inventory.level(item.id, location_id(emulator, location))
    assert found is not None
    return found.available


async def test_a_baseline_sets_available_in_either_api_version(
    emulator: EmulatorServer, gateway: ShopifyGateway
) -> None:
    items = (await gateway.inventory_items_by_sku(["A", "B"])).items
    east = location_id(emulator, "East")
    result = await gateway.set_available(east, {items["A"]: 4, items["B"]: 10}, "acme-1", REFERENCE)
    assert (level(emulator, "A", "East"), level(emulator, "B", "East")) == (4, 10)
    assert result.changed and {(c.name, c.delta) for c in result.changes} == {("available", -6)}


async def test_a_retry_with_the_same_key_does_not_write_again(
    emulator: EmulatorServer, gateway: ShopifyGateway
) -> None:
    items = (await gateway.inventory_items_by_sku(["A"])).items
    east = location_id(emulator, "East")
    await gateway.set_available(east, {items["A"]: 4}, "acme-2", REFERENCE)
    emulator.state.stores[SHOP].inventory.level(items["A"], east).available = 6  # type: ignore[union-attr]
    await gateway.set_available(east, {items["A"]: 4}, "acme-2", REFERENCE)
    assert level(emulator, "A", "East") == 6


async def test_compare_and_set_on_a_moved_quantity_raises_stale(
    emulator: EmulatorServer, gateway: ShopifyGateway
) -> None:
    items = (await gateway.inventory_items_by_sku(["A"])).items
    east = location_id(emulator, "East")
    with pytest.raises(ShopifyUserError) as caught:
        await gateway.set_available(east, {items["A"]: 4}, "acme-3", REFERENCE, change_from={items["A"]: 9})
    assert caught.value.codes <= inventory_writes.STALE_CODES and caught.value.codes
    assert level(emulator, "A", "East") == 10


async def test_skus_are_matched_exactly_and_the_missing_reported(gateway: ShopifyGateway) -> None:
    matches = await gateway.inventory_items_by_sku(["A", "C", "NOPE", "A"])
    assert sorted(matches.items) == ["A", "C"]
    assert matches.missing == ("NOPE",) and matches.ambiguous == {}


def test_before_2026_04_no_compare_is_asked_with_ignore_compare_quantity() -> None:
    data = inventory_writes.quantities_input(
        "L", {"I": 1}, reference=REFERENCE, change_from=None, version=(2026, 1)
    )
    assert data["ignoreCompareQuantity"] is True and data["quantities"][0]["changeFromQuantity"] is None
    newer = inventory_writes.quantities_input(
        "L", {"I": 1}, reference=REFERENCE, change_from=None, version=(2026, 4)
    )
    assert "ignoreCompareQuantity" not in newer and newer["quantities"][0]["changeFromQuantity"] is None


@pytest.mark.parametrize(
    ("quantities", "reference", "change_from", "complaint"),
    [
        ({}, REFERENCE, None, "no quantities"),
        ({"I": -1}, REFERENCE, None, "cannot be negative"),
        ({"I": 1}, "not a uri", None, "is not a URI"),
        ({"I": 1, "J": 2}, REFERENCE, {"I": 0}, "missing for J"),
    ],
)
def test_bad_stock_input_is_refused_with_what_to_do(
    quantities: dict[str, int], reference: str, change_from: dict[str, int] | None, complaint: str
) -> None:
    with pytest.raises(ValueError, match=complaint):
        inventory_writes.quantities_input(
            "L", quantities, reference=reference, change_from=change_from, version=None
        )


def test_a_write_that_changes_nothing_parses_as_no_changes(recordings: Path) -> None:
    # Recorded for inventoryAdjustQuantities; inventorySetQuantities shares the payload shape.
    payload = load_recording(recordings, ZERO_DELTA)["allZero"]["response"]["data"][
        "inventoryAdjustQuantities"
    ]
    assert inventory_writes.parse_adjustment(payload) == (None, ())
    mixed = load_recording(recordings, ZERO_DELTA)["mixedZeroAndNonzero"]["response"]["data"]
    _, changes = inventory_writes.parse_adjustment(mixed["inventoryAdjustQuantities"])
    assert [(c.name, c.delta) for c in changes] == [("available", 3), ("on_hand", 3)]
