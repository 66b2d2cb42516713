"""Keeping the inventory view fresh: `inventory_levels/update` webhooks and periodic re-reads.

- `on_webhook`: a level's new `available` (payload `inventory_item_id`, `location_id`,
  `available`, `updated_at`, ids numeric) goes into the view when the view holds its item; its
  SKU and location name come from the view. Wired as a topic handler of `OrderRouter`.
- `read`: a live read of SKUs in one store, kept in the view (the API's first read of a SKU).
- `run`: every `refresh_seconds`, each store's SKUs in the view are read again, 50 at a time; a
  store that cannot be read keeps its older figures (they age, and the API marks them stale).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from adapters.api.context import InventoryFigure, InventoryReader
from adapters.delivery_steps import MalformedDelivery
from adapters.shopify.errors import ShopifyError
from adapters.store.inventory_view import InventoryView, LevelUpdate, ViewFigure

logger = logging.getLogger(__name__)

LEVEL_TOPIC = "inventory_levels/update"
BATCH = 50  # SKUs per read, the API's own limit per request


class InventoryKeeper:
    """Fills and refreshes the `InventoryView` from each store's `InventoryReader`."""

    def __init__(
        self,
        view: InventoryView,
        readers: Mapping[str, InventoryReader],
        *,
        refresh_seconds: float,
    ) -> None:
        self.view = view
        self._readers = readers
        self._refresh = refresh_seconds
        self._stopped = asyncio.Event()

    @property
    def topic_handlers(self) -> dict[str, Callable[[str, Mapping[str, Any]], Awaitable[str]]]:
        """The `OrderRouter` topic handlers this keeper answers."""
        return {LEVEL_TOPIC: self.on_webhook}

    async def on_webhook(self, shop: str, body: Mapping[str, Any]) -> str:
        """Apply one `inventory_levels/update`; what was done, in words."""
        update = level_update(body)
        kept = await self.view.record_level(shop, update)
        if kept is None:
            return (
                f"{LEVEL_TOPIC}: item {update.inventory_item_id} at {update.location_id} is not in the "
                "inventory view (no SKU or location read yet); nothing to refresh"
            )
        return f"{LEVEL_TOPIC}: {kept.sku} at {kept.location_name} is {kept.available} (or newer)"

    async def read(self, store: str, skus: Sequence[str]) -> list[InventoryFigure]:
        """Read `skus` in `store` live and keep the figures in the view."""
        figures = await self._readers[store].available(skus)
        await self.view.record_read(store, skus, [_view_figure(store, f) for f in figures])
        return figures

    async def refresh(self) -> int:
        """Read again every SKU the view holds, store by store; how many stores were read fully."""
        fresh = 0
        for store in sorted(self._readers):
            skus = await self.view.skus(store)
            try:
                for start in range(0, len(skus), BATCH):
                    await self.read(store, skus[start : start + BATCH])
            except ShopifyError as exc:  # the older figures stay, and age
                logger.warning("inventory view: re-reading %s failed: %s", store, exc)
                continue
            fresh += 1
        return fresh

    async def run(self) -> None:
        """Refresh every `refresh_seconds` until `stop()`."""
        while not self._stopped.is_set():
            try:
                await self.refresh()
            except Exception:  # a broken round must not end the loop; the next one tries again
                logger.exception("inventory view: a refresh round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopped.wait(), timeout=self._refresh)

    def stop(self) -> None:
        """End `run` after the round in progress."""
        self._stopped.set()


def level_update(body: Mapping[str, Any]) -> LevelUpdate:
    """The payload of `inventory_levels/update`; raises `MalformedDelivery` saying what is wrong."""
    item = _gid("InventoryItem", body.get("inventory_item_id"), "inventory_item_id")
    location = _gid("Location", body.get("location_id"), "location_id")
    available = body.get("available")
    if not isinstance(available, int) or isinstance(available, bool):
        raise MalformedDelivery(
            f"{LEVEL_TOPIC}: available is {available!r}, expected an integer (an untracked item sends "
            "null, and the view keeps no figure for it)"
        )
    stamp = body.get("updated_at")
    try:
        updated_at = datetime.fromisoformat(stamp) if isinstance(stamp, str) else None
    except ValueError:
        updated_at = None
    if updated_at is None or updated_at.tzinfo is None:
        raise MalformedDelivery(
            f"{LEVEL_TOPIC}: updated_at is {str(stamp)[:40]!r}, expected an ISO 8601 time with its offset"
        )
    if not updated_at.microsecond:
        # Shopify stamps to the second: a change in the same second as a read may follow it, and
        # a figure the read already had changes nothing, so the update counts as the second's end.
        updated_at += timedelta(microseconds=999_999)
    return LevelUpdate(item, location, available, updated_at)


def _gid(kind: str, value: object, key: str) -> str:
    prefix = f"gid://shopify/{kind}/"
    if isinstance(value, str) and value.startswith(prefix) and value.removeprefix(prefix).isdigit():
        return value
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return f"{prefix}{value}"
    if isinstance(value, str) and value.isdigit():
        return f"{prefix}{value}"
    raise MalformedDelivery(
        f"{LEVEL_TOPIC}: {key} is {str(value)[:40]!r}, expected the numeric id of a {kind}"
    )


def _view_figure(store: str, figure: InventoryFigure) -> ViewFigure:
    return ViewFigure(
        store=store,
        location_id=figure.location_id,
        location_name=figure.location_name,
        sku=figure.sku,
        inventory_item_id=figure.inventory_item_id,
        available=figure.available,
        read_at=figure.read_at,
        source="read",
    )
