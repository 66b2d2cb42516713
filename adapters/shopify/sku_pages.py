"""Answers of the SKU search (`productVariants` by SKU), kept for a minute.

A hand-off looks the order's SKUs up in the other store twice within a second: for that store's
stock (inventory items) and for the linked order's lines (variants). Both read the same page, so
the second takes the first's answer. A page is kept only when it found every SKU asked (a SKU
created meanwhile is never missed for long) and only for `fresh_seconds`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from typing import Any

from adapters.shopify import documents
from adapters.shopify.client import ShopifyClient

_KEPT = 256


class SkuPages:
    def __init__(self, fresh_seconds: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._fresh = fresh_seconds
        self._clock = clock
        self._pages: dict[tuple[str, str, str | None], tuple[dict[str, Any], float]] = {}

    async def search(
        self, client: ShopifyClient, query: str, after: str | None, wanted: Collection[str]
    ) -> dict[str, Any]:
        key = (client.shop_domain, query, after)
        kept = self._pages.get(key)
        if kept is not None and self._clock() - kept[1] <= self._fresh:
            return kept[0]
        data = await client.execute(documents.INVENTORY_ITEMS_BY_SKU, {"query": query, "after": after})
        found = {node.get("sku") for node in (data.get("productVariants") or {}).get("nodes") or ()}
        if set(wanted) <= found:
            self._pages.pop(key, None)
            if len(self._pages) >= _KEPT:
                self._pages.pop(next(iter(self._pages)))
            self._pages[key] = (data, self._clock())
        return data


async def search_skus(
    client: ShopifyClient, query: str, after: str | None, wanted: Collection[str], pages: SkuPages | None
) -> dict[str, Any]:
    """One page of the SKU search: from `pages` when it holds a fresh one, else read."""
    if pages is None:
        return await client.execute(documents.INVENTORY_ITEMS_BY_SKU, {"query": query, "after": after})
    return await pages.search(client, query, after, wanted)
