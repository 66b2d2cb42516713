"""inventorySetQuantities in the emulator: the @idempotent key per API version, replay, CAS, errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from adapters.emulator.server import EmulatorServer
from tests.emulator.conftest import SHOP, Admin, location_id, tiny_scenario

KEYED = """mutation($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup { reason referenceDocumentUri changes { name delta item { sku } } }
    userErrors { field message code } } }"""
UNKEYED = """mutation($input: InventorySetQuantitiesInput!) { inventorySetQuantities(input: $input) {
  inventoryAdjustmentGroup { id } userErrors { field message code } } }"""
SKUS = (
    """query($q: String!) { productVariants(first: 10, query: $q) { nodes { sku inventoryItem { id } } } }"""
)


@pytest.fixture
async def newer() -> AsyncIterator[EmulatorServer]:
    scenario = tiny_scenario()
    stores = [store.model_copy(update={"api_version": "2026-04"}) for store in scenario.stores]
    async with EmulatorServer(scenario.model_copy(update={"stores": stores})) as running:
        yield running


def item(server: EmulatorServer, sku: str) -> str:
    found = server.state.stores[SHOP].inventory.item_by_sku(sku)
    assert found is not None
    return found.id


def available(server: EmulatorServer, sku: str, location: str) -> int:
    level = server.state.stores[SHOP].inventory.level(item(server, sku), location_id(server, location))
    assert level is not None
    return level.available


def set_input(server: EmulatorServer, rows: list[tuple[str, int, Any]], **extra: Any) -> dict[str, Any]:
    east = location_id(server, "East")
    quantities = []
    for sku, quantity, change_from in rows:
        row = {"inventoryItemId": item(server, sku), "locationId": east, "quantity": quantity}
        if change_from != "omit":
            row["changeFromQuantity"] = change_from
        quantities.append(row)
    return {
        "name": "available",
        "reason": "correction",
        "referenceDocumentUri": "gid://routing-engine/VendorFeed/acme-1",
        "quantities": quantities,
        **extra,
    }


async def test_2026_04_refuses_an_inventory_write_without_the_idempotent_directive(
    newer: EmulatorServer, http: httpx.AsyncClient
) -> None:
    admin = Admin(http, newer.admin_api_url(SHOP))
    answer = await admin(UNKEYED, {"input": set_input(newer, [("A", 4, None)])})
    assert answer["data"] == {"inventorySetQuantities": None}
    [error] = answer["errors"]
    assert error["message"] == "The @idempotent directive is required for this mutation but was not provided."
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert available(newer, "A", "East") == 10, "nothing was written"


async def test_2026_01_accepts_the_write_without_a_key(server: EmulatorServer, admin: Admin) -> None:
    rows = set_input(server, [("A", 4, None)], ignoreCompareQuantity=True)
    answer = await admin(UNKEYED, {"input": rows})
    assert answer["data"]["inventorySetQuantities"]["userErrors"] == []
    assert available(server, "A", "East") == 4


async def test_the_same_key_replays_the_answer_without_applying_twice(
    newer: EmulatorServer, http: httpx.AsyncClient
) -> None:
    admin = Admin(http, newer.admin_api_url(SHOP))
    variables = {"input": set_input(newer, [("A", 4, None), ("B", 10, None)]), "key": "feed-1"}
    first = (await admin(KEYED, variables))["data"]["inventorySetQuantities"]
    assert first["inventoryAdjustmentGroup"]["changes"] == [
        {"name": "available", "delta": -6, "item": {"sku": "A"}},
        {"name": "on_hand", "delta": -6, "item": {"sku": "A"}},
    ], "B was already 10: no change listed for it"
    newer.state.stores[SHOP].inventory.level(item(newer, "A"), location_id(newer, "East")).available = 7  # type: ignore[union-attr]
    again = (await admin(KEYED, variables))["data"]["inventorySetQuantities"]
    assert again == first
    assert available(newer, "A", "East") == 7, "the replay did not write 4 over the later change"


async def test_the_same_key_with_other_quantities_is_refused(
    newer: EmulatorServer, http: httpx.AsyncClient
) -> None:
    admin = Admin(http, newer.admin_api_url(SHOP))
    await admin(KEYED, {"input": set_input(newer, [("A", 4, None)]), "key": "feed-1"})
    other = await admin(KEYED, {"input": set_input(newer, [("A", 5, None)]), "key": "feed-1"})
    [error] = other["data"]["inventorySetQuantities"]["userErrors"]
    assert error["code"] == "IDEMPOTENCY_KEY_PARAMETER_MISMATCH"
    assert available(newer, "A", "East") == 4


async def test_a_stale_change_from_quantity_changes_nothing(server: EmulatorServer, admin: Admin) -> None:
    variables = {"input": set_input(server, [("A", 4, 10), ("B", 1, 9)]), "key": "feed-2"}
    answer = (await admin(KEYED, variables))["data"]["inventorySetQuantities"]
    assert answer["inventoryAdjustmentGroup"] is None
    assert answer["userErrors"] == [
        {
            "field": ["input", "quantities", "1", "changeFromQuantity"],
            "message": "The changeFromQuantity value does not match persisted value.",
            "code": "CHANGE_FROM_QUANTITY_STALE",
        }
    ]
    assert available(server, "A", "East") == 10, "the mutation is all or nothing"


async def test_2026_01_without_any_compare_needs_ignore_compare_quantity(
    server: EmulatorServer, admin: Admin
) -> None:
    variables = {"input": set_input(server, [("A", 4, "omit")]), "key": "feed-3"}
    [error] = (await admin(KEYED, variables))["data"]["inventorySetQuantities"]["userErrors"]
    assert error["code"] == "COMPARE_QUANTITY_REQUIRED"


async def test_2026_04_refuses_the_removed_compare_fields(
    newer: EmulatorServer, http: httpx.AsyncClient
) -> None:
    admin = Admin(http, newer.admin_api_url(SHOP))
    variables = {"input": set_input(newer, [("A", 4, None)], ignoreCompareQuantity=True), "key": "feed-4"}
    answer = await admin(KEYED, variables)
    assert "ignoreCompareQuantity" in answer["errors"][0]["message"]
    assert available(newer, "A", "East") == 10


async def test_unknown_items_and_unstocked_locations_are_user_errors(
    server: EmulatorServer, admin: Admin
) -> None:
    rows = set_input(server, [("C", 1, None)])  # C is stocked only at West
    rows["quantities"].append(
        {
            "inventoryItemId": "gid://shopify/InventoryItem/999",
            "locationId": location_id(server, "East"),
            "quantity": 1,
            "changeFromQuantity": None,
        }
    )
    errors = (await admin(KEYED, {"input": rows, "key": "feed-5"}))["data"]["inventorySetQuantities"][
        "userErrors"
    ]
    assert [e["code"] for e in errors] == ["ITEM_NOT_STOCKED_AT_LOCATION", "INVALID_INVENTORY_ITEM"]


async def test_variants_are_found_by_exact_sku(server: EmulatorServer, admin: Admin) -> None:
    nodes = (await admin(SKUS, {"q": 'sku:"A" OR sku:C'}))["data"]["productVariants"]["nodes"]
    assert {n["sku"]: n["inventoryItem"]["id"] for n in nodes} == {
        "A": item(server, "A"),
        "C": item(server, "C"),
    }
