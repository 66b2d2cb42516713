"""`GET /api/v1/inventory?sku=A&sku=B` (inventory:read): stock per SKU, store and location.

Each figure carries `read_at`, `age_seconds`, its `source` and `stale`: `live` figures are read
now through the store's `InventoryReader`; `cache` figures come from the inventory view (kept fresh
by webhooks and re-reads, see `adapters.api.cached_inventory`), `stale` when older than the
context's `stale_seconds`. A store that cannot be read is listed under `unavailable` and the others
still answer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters.api.auth import guarded
from adapters.api.context import ApiContext, InventoryFigure
from adapters.api.errors import bad_request
from adapters.api.tokens import ApiToken
from adapters.shopify.errors import ShopifyError

logger = logging.getLogger(__name__)

MAX_SKUS = 50
MAX_SKU_LENGTH = 255


def inventory_routes(context: ApiContext) -> list[Route]:
    """The routes of the `inventory` resource."""

    async def inventory(request: Request, caller: ApiToken) -> Response:
        skus = list(dict.fromkeys(request.query_params.getlist("sku")))  # once each, in asked order
        wrong = _sku_problem(skus)
        if wrong is not None:
            return bad_request(
                request,
                wrong,
                where="query parameter sku",
                fix=f"ask for 1 to {MAX_SKUS} SKUs as ?sku=A&sku=B, each 1-{MAX_SKU_LENGTH} printable "
                "characters",
            )
        stores = [store for store in caller.visible(context.stores) if store in context.inventory]
        reads = await asyncio.gather(*(_read(context, store, skus) for store in stores))
        now = context.clock()
        by_sku: dict[str, list[dict[str, Any]]] = {sku: [] for sku in skus}
        unavailable = []
        for store, read in zip(stores, reads, strict=True):
            if isinstance(read, str):
                unavailable.append({"store": store, "detail": read})
                continue
            for sku in skus:
                figures = [f for f in read if f.sku == sku]
                located = [_figure(f, now, context.stale_seconds) for f in figures]
                by_sku[sku].append({"store": store, "locations": located})
        body = {
            "skus": [{"sku": sku, "stores": entries} for sku, entries in by_sku.items()],
            "unavailable": unavailable,
            "at": now.isoformat(),
        }
        return JSONResponse(body)

    return [Route("/inventory", guarded(context, "inventory:read", inventory), methods=["GET"])]


def _sku_problem(skus: Sequence[str]) -> str | None:
    if not skus:
        return "no SKU asked for"
    if len(skus) > MAX_SKUS:
        return f"{len(skus)} SKUs asked for; at most {MAX_SKUS} at once"
    for sku in skus:
        if not sku.strip() or len(sku) > MAX_SKU_LENGTH or not sku.isprintable():
            return f"SKU {sku[:40]!r} is empty, longer than {MAX_SKU_LENGTH} characters or not printable"
    return None


async def _read(context: ApiContext, store: str, skus: list[str]) -> list[InventoryFigure] | str:
    """The store's figures, or why they could not be read."""
    try:
        return await context.inventory[store].available(skus)
    except ShopifyError as exc:
        logger.warning("api inventory: reading %s failed: %s", store, exc)
        return f"reading the store's inventory from Shopify failed ({type(exc).__name__}); try again later"


def _figure(figure: InventoryFigure, now: datetime, stale_seconds: float | None) -> dict[str, Any]:
    age = max(0.0, (now - figure.read_at).total_seconds())
    return {
        "location_id": figure.location_id,
        "location_name": figure.location_name,
        "inventory_item_id": figure.inventory_item_id,
        "available": figure.available,
        "read_at": figure.read_at.isoformat(),
        "age_seconds": round(age, 3),
        "source": figure.source,
        "stale": figure.source == "cache" and stale_seconds is not None and age > stale_seconds,
    }
