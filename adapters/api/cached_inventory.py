"""An `InventoryReader` that answers from the inventory view, and reads live what the view lacks.

A SKU the view has figures for in the store is answered from them (`source: "cache"`, with their
age; the API marks the old ones stale). The other SKUs are read live through the keeper, which
keeps them in the view for next time (and for its periodic re-reads). If that live read fails, the
store is unavailable for this request, as it would be without the view.
"""

from __future__ import annotations

from collections.abc import Sequence

from adapters.api.context import InventoryFigure
from adapters.inventory_keeper import InventoryKeeper


class CachedInventory:
    """One store's stock by SKU: the view first, Shopify for the rest."""

    def __init__(self, store: str, keeper: InventoryKeeper) -> None:
        self._store = store
        self._keeper = keeper

    async def available(self, skus: Sequence[str]) -> list[InventoryFigure]:
        """Every location's `available` for `skus`: cached where the view has the SKU, else live."""
        cached = await self._keeper.view.figures(self._store, skus)
        seen = {figure.sku for figure in cached}
        missing = [sku for sku in skus if sku not in seen]
        live = await self._keeper.read(self._store, missing) if missing else []
        return [
            *(
                InventoryFigure(
                    sku=f.sku,
                    inventory_item_id=f.inventory_item_id,
                    location_id=f.location_id,
                    location_name=f.location_name,
                    available=f.available,
                    read_at=f.read_at,
                    source="cache",
                )
                for f in cached
            ),
            *live,
        ]
