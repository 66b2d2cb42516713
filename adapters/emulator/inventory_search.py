"""`inventoryItems(query:)` by SKU, as the 2026-01 `QueryRoot` defines it.

The search takes the same `sku:X` terms joined by OR as `productVariants` (see
`adapters.emulator.variant_search`); no query lists every item. Items are paged in the store's order, like
`productVariants`. Its field is declared at the end of `schema.graphql`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from adapters.emulator.connections import connection
from adapters.emulator.store import Store
from adapters.emulator.variant_search import matching
from adapters.emulator.views import Info, View, Views


def inventory_items_resolver(views: Views, store: Store) -> Callable[..., View]:
    """The resolver of `QueryRoot.inventoryItems` for one store."""

    def inventory_items(info: Info, **args: Any) -> View:
        found = matching(list(store.inventory.items.values()), args.get("query"))
        return connection(found, views.inventory_item, lambda item: item.id, args)

    return inventory_items
