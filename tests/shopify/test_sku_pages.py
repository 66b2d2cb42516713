"""SKU search answers kept for a minute: a hand-off's two look-ups of the same SKUs read once."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.shopify.client import ShopifyClient
from adapters.shopify.inventory_writes import inventory_items_by_sku
from adapters.shopify.linked_orders import SkusNotSold, variants_by_sku
from adapters.shopify.sku_pages import SkuPages
from tests.shopify.conftest import FakeClock, ScriptedShopify


def variants(*skus: str) -> dict[str, Any]:
    nodes = [
        {
            "id": f"gid://shopify/ProductVariant/{n}",
            "sku": sku,
            "inventoryItem": {"id": f"gid://shopify/InventoryItem/{n}"},
        }
        for n, sku in enumerate(skus, start=1)
    ]
    return {
        "data": {"productVariants": {"nodes": nodes, "pageInfo": {"hasNextPage": False, "endCursor": None}}}
    }


async def test_the_linked_orders_variants_come_from_the_stock_look_up_moments_before(
    client: ShopifyClient, shopify: ScriptedShopify
) -> None:
    pages = SkuPages(clock=FakeClock())
    shopify.add_json(variants("TENT", "MAT"))
    items = await inventory_items_by_sku(client, ["TENT", "MAT"], pages)
    found = await variants_by_sku(client, ["MAT", "TENT"], pages)
    assert items.items == {"MAT": "gid://shopify/InventoryItem/2", "TENT": "gid://shopify/InventoryItem/1"}
    assert found == {"MAT": "gid://shopify/ProductVariant/2", "TENT": "gid://shopify/ProductVariant/1"}
    assert len(shopify.requests) == 1


async def test_an_answer_missing_a_sku_or_a_minute_old_is_read_again(
    client: ShopifyClient, shopify: ScriptedShopify
) -> None:
    clock = FakeClock()
    pages = SkuPages(fresh_seconds=60, clock=clock)
    shopify.add_json(variants("TENT"))
    shopify.add_json(variants("TENT", "MAT"))
    shopify.add_json(variants("TENT", "MAT"))
    assert (await inventory_items_by_sku(client, ["TENT", "MAT"], pages)).missing == ("MAT",)
    assert len(await variants_by_sku(client, ["TENT", "MAT"], pages)) == 2  # MAT was created meanwhile
    clock.now += 61
    await variants_by_sku(client, ["TENT", "MAT"], pages)
    assert len(shopify.requests) == 3


async def test_without_pages_every_look_up_reads(client: ShopifyClient, shopify: ScriptedShopify) -> None:
    shopify.add_json(variants())
    with pytest.raises(SkusNotSold):
        await variants_by_sku(client, ["TENT"])
    assert len(shopify.requests) == 1
