"""Read the available stock of a decision's items at the locations it may use, and nowhere else.

`InventoryItem.inventoryLevel(locationId:)` once per location (aliased `l0`, `l1`, ...) answers
exactly the levels a decision can use: 2 points a stocked location, nothing for the others. The
whole `inventoryLevels` connection costs 2 an item plus 3 a stocked location, wherever it is.
A location absent from an item's answer has no level there: the decision reads it as 0.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from adapters.shopify import documents, mapping
from adapters.shopify.client import ShopifyClient
from adapters.shopify.documents import Document
from adapters.shopify.errors import ShopifyQueryError
from adapters.shopify.sansio import MAX_COST_EXCEEDED

# Locations per document: a document names each one, and an item costs 1 + 2 a location.
MAX_LOCATIONS = 100
MAX_ITEMS = 50
MAX_QUERY_COST = 1000

_VARIABLE = "$l0: ID!"
_LEVEL = """      l0: inventoryLevel(locationId: $l0) {
        ...RoutingAvailable
      }
"""


@functools.lru_cache(maxsize=64)
def stock_document(locations: int) -> Document:
    """`RoutingStockAtLocations` for `locations` locations (variables `$l0` .. `$l<n-1>`)."""
    if not 1 <= locations <= MAX_LOCATIONS:
        raise ValueError(f"a stock read names 1 to {MAX_LOCATIONS} locations, not {locations}")
    base = documents.STOCK_AT_LOCATIONS
    if locations == 1:
        return base
    variables = ", ".join(f"$l{i}: ID!" for i in range(locations))
    levels = "".join(_LEVEL.replace("l0", f"l{i}") for i in range(locations))
    assert _VARIABLE in base.text and _LEVEL in base.text, "stock_at_locations.graphql changed shape"
    text = base.text.replace(_VARIABLE, variables, 1).replace(_LEVEL, levels, 1)
    return Document(name=base.name, operation=base.operation, text=text, file=base.file)


def items_per_read(locations: int) -> int:
    """Items per read, so that even a per-item requested cost stays under Shopify's 1,000 points."""
    return max(1, min(MAX_ITEMS, MAX_QUERY_COST // (1 + 2 * locations)))


async def read_stock_at(
    client: ShopifyClient, inventory_item_ids: Sequence[str], location_ids: Sequence[str]
) -> dict[str, dict[str, int]]:
    """`{inventory item id: {location id: available}}` at `location_ids` only (stocked ones)."""
    locations = list(dict.fromkeys(location_ids))
    stock: dict[str, dict[str, int]] = {}
    for start in range(0, len(locations), MAX_LOCATIONS):
        chunk = locations[start : start + MAX_LOCATIONS]
        size = items_per_read(len(chunk))
        pending = [list(inventory_item_ids[i : i + size]) for i in range(0, len(inventory_item_ids), size)]
        while pending:
            batch = pending.pop(0)
            try:
                nodes = await _read(client, batch, chunk)
            except ShopifyQueryError as exc:
                if not exc.has_code(MAX_COST_EXCEEDED) or len(batch) == 1:
                    raise
                half = len(batch) // 2
                pending[:0] = [batch[:half], batch[half:]]
                continue
            for item in nodes:
                if item and item.get("id"):
                    stock.setdefault(item["id"], {}).update(_levels(item, chunk))
    return stock


async def _read(client: ShopifyClient, items: list[str], locations: list[str]) -> list[mapping.Node | None]:
    variables: dict[str, object] = {"inventoryItemIds": items}
    variables.update({f"l{i}": location for i, location in enumerate(locations)})
    data = await client.execute(stock_document(len(locations)), variables)
    return list(data.get("nodes") or ())


def _levels(item: mapping.Node, locations: list[str]) -> dict[str, int]:
    available: dict[str, int] = {}
    for i, location in enumerate(locations):
        level = item.get(f"l{i}")
        quantity = next(
            (q["quantity"] for q in (level or {}).get("quantities") or () if q["name"] == "available"), None
        )
        if quantity is not None:
            available[location] = int(quantity)
    return available
