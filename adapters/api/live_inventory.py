"""Reading stock by SKU live from one store's Admin API (`inventoryItems(query: "sku:…")`).

Shopify's search matches loosely, so the items returned are kept only when their SKU equals one
asked for. Items come 10 to a page and their levels 50 to a page (further levels are read item by
item), which keeps every query well under the 1,000-point cost limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from adapters.api.context import InventoryFigure
from adapters.shopify.client import ShopifyClient
from adapters.shopify.documents import Document
from adapters.store.clock import Clock, utc_now

_LEVEL_FIELDS = """
        nodes {
          location {
            id
            name
          }
          quantities(names: ["available"]) {
            name
            quantity
          }
        }
        pageInfo {
          hasNextPage
          endCursor
        }"""

INVENTORY_BY_SKU = Document(
    name="ApiInventoryBySku",
    operation="query",
    text=(
        "query ApiInventoryBySku($query: String!, $after: String) {\n"
        "  inventoryItems(first: 10, after: $after, query: $query) {\n"
        "    nodes {\n"
        "      id\n"
        "      sku\n"
        "      inventoryLevels(first: 50) {" + _LEVEL_FIELDS + "\n      }\n"
        "    }\n"
        "    pageInfo {\n      hasNextPage\n      endCursor\n    }\n"
        "  }\n"
        "}\n"
    ),
    file="adapters/api/live_inventory.py",
)
INVENTORY_LEVELS_AFTER = Document(
    name="ApiInventoryLevelsAfter",
    operation="query",
    text=(
        "query ApiInventoryLevelsAfter($id: ID!, $after: String!) {\n"
        "  inventoryItem(id: $id) {\n"
        "    inventoryLevels(first: 50, after: $after) {" + _LEVEL_FIELDS + "\n    }\n"
        "  }\n"
        "}\n"
    ),
    file="adapters/api/live_inventory.py",
)


def sku_query(skus: Sequence[str]) -> str:
    """The search query for these SKUs: `sku:"A" OR sku:"B"`, quotes and backslashes escaped."""
    quoted = ('"' + sku.replace("\\", "\\\\").replace('"', '\\"') + '"' for sku in skus)
    return " OR ".join(f"sku:{value}" for value in quoted)


class ShopifyInventory:
    """An `InventoryReader` for one store, reading through its `ShopifyClient`."""

    def __init__(self, client: ShopifyClient, *, clock: Clock = utc_now) -> None:
        self._client = client
        self._now = clock

    async def available(self, skus: Sequence[str]) -> list[InventoryFigure]:
        """Every location's `available` for the items whose SKU is one of `skus`, read now."""
        wanted = set(skus)
        figures: list[InventoryFigure] = []
        after: str | None = None
        while True:
            read_at = self._now()
            data = await self._client.execute(INVENTORY_BY_SKU, {"query": sku_query(skus), "after": after})
            page: dict[str, Any] = data["inventoryItems"]
            for item in page["nodes"]:
                if item.get("sku") not in wanted:
                    continue
                levels = await self._levels(item)
                figures.extend(_figures(item, levels, read_at))
            info = page["pageInfo"]
            if not info["hasNextPage"] or not info["endCursor"]:
                return figures
            after = info["endCursor"]

    async def _levels(self, item: dict[str, Any]) -> list[dict[str, Any]]:
        connection = item["inventoryLevels"]
        levels: list[dict[str, Any]] = list(connection["nodes"])
        while connection["pageInfo"]["hasNextPage"] and connection["pageInfo"]["endCursor"]:
            variables = {"id": item["id"], "after": connection["pageInfo"]["endCursor"]}
            data = await self._client.execute(INVENTORY_LEVELS_AFTER, variables)
            connection = data["inventoryItem"]["inventoryLevels"]
            levels.extend(connection["nodes"])
        return levels


def _figures(item: dict[str, Any], levels: list[dict[str, Any]], read_at: datetime) -> list[InventoryFigure]:
    figures = []
    for level in levels:
        available = next(
            (q["quantity"] for q in level.get("quantities") or () if q["name"] == "available"), None
        )
        if available is None:
            continue
        figures.append(
            InventoryFigure(
                sku=item["sku"],
                inventory_item_id=item["id"],
                location_id=level["location"]["id"],
                location_name=level["location"]["name"],
                available=int(available),
                read_at=read_at,
            )
        )
    return figures
