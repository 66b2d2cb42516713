"""Read the `engine.model.Snapshot` of one order, in as few calls as possible.

Usually two calls, three when the locations are not cached: the order read (the order with its
value, channel, payment status, customer tags and decision metafield, every fulfillment order
with holds, actions, lines and `locationsForMove`), one stock read for the items of the open
fulfillment orders at the candidate locations and the fulfillment orders' own
(`candidate_stock`), and the locations with the shop's time zone (cached). `read_inventory`
(every level of an item) serves hand-offs, which look at another store's stock. The order read starts
from a fulfillment order (`read_snapshot`) or from the order (`read_order_snapshot`). Extra pages
(more than 5 fulfillment orders, 50 lines, or many locations per item) cost extra calls only
when Shopify says `hasNextPage`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from adapters.shopify import documents, mapping
from adapters.shopify.candidate_stock import read_stock_at
from adapters.shopify.client import ShopifyClient
from adapters.shopify.errors import ShopifyNotFound, ShopifyQueryError
from adapters.shopify.sansio import MAX_COST_EXCEEDED
from adapters.shopify.ship_to import ShipToMemory
from engine.model import FulfillmentOrder, Location, Snapshot

logger = logging.getLogger(__name__)

# Fulfillment orders whose stock matters to a decision (closed ones keep no inventory read).
OPEN_STATUSES = frozenset({"OPEN", "ON_HOLD", "SCHEDULED", "IN_PROGRESS"})
# Items per inventory read; halved on MAX_COST_EXCEEDED (costs depend on levels per item).
INVENTORY_BATCH = 50
MAX_PAGE = 250

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ShopLocations:
    """A store's locations and its IANA time zone (`shop.ianaTimezone`), read together."""

    locations: tuple[Location, ...]
    timezone: str | None = None

    def local_time(self, moment: datetime) -> str | None:
        """`moment` on the shop's wall clock, ISO 8601 with its offset; None when the zone is unknown."""
        zone = _zone(self.timezone)
        return None if zone is None else moment.astimezone(zone).isoformat(timespec="seconds")


def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


class LocationCache:
    """One store's locations, read once and again after `ttl_seconds` or on `refresh()`."""

    def __init__(
        self,
        client: ShopifyClient,
        *,
        ttl_seconds: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self._ttl = ttl_seconds
        self._clock = clock
        self._shop: ShopLocations | None = None
        self._read_at = 0.0
        self._lock = asyncio.Lock()

    async def shop(self) -> ShopLocations:
        """The locations and time zone, read from Shopify when not cached or older than the TTL."""
        async with self._lock:  # one read for many concurrent callers
            if self._shop is None or self._clock() - self._read_at >= self._ttl:
                self._shop = await read_shop_locations(self.client)
                self._read_at = self._clock()
            return self._shop

    async def get(self) -> tuple[Location, ...]:
        """The locations (see `shop`)."""
        return (await self.shop()).locations

    async def refresh(self) -> tuple[Location, ...]:
        self.invalidate()
        return await self.get()

    def invalidate(self) -> None:
        self._shop = None


async def read_shop_locations(client: ShopifyClient) -> ShopLocations:
    """Every location of the store, page by page (inactive ones included), and its time zone."""
    locations: list[Location] = []
    timezone: str | None = None
    after: str | None = None
    while True:
        data = await client.execute(documents.LOCATIONS, {"after": after})
        timezone = timezone or (data.get("shop") or {}).get("ianaTimezone")
        connection = data["locations"]
        locations.extend(mapping.map_location(node, client.shop_domain) for node in mapping.nodes(connection))
        after = mapping.next_cursor(connection)
        if after is None:
            break
    if timezone is not None and _zone(timezone) is None:
        logger.warning(
            "%s: time zone %r is not in this machine's tz database; shop-local time is unknown "
            "(install tzdata)",
            client.shop_domain,
            timezone,
        )
    return ShopLocations(tuple(locations), timezone)


async def read_locations(client: ShopifyClient) -> tuple[Location, ...]:
    """Every location of the store, page by page (inactive ones included)."""
    return (await read_shop_locations(client)).locations


def move_variables(candidate_location_ids: Sequence[str]) -> dict[str, Any]:
    """Variables of the RoutingFulfillmentOrder fragment's `locationsForMove` selection."""
    candidates = list(dict.fromkeys(candidate_location_ids))[:MAX_PAGE]
    return {
        "candidateLocationIds": candidates or None,
        "withLocationsForMove": bool(candidates),
        "locationsForMoveFirst": max(1, len(candidates)),
    }


async def read_snapshot(
    client: ShopifyClient,
    locations: LocationCache,
    fulfillment_order_id: str,
    candidate_location_ids: Sequence[str],
    *,
    clock: Clock = utc_now,
    ship_tos: ShipToMemory | None = None,
) -> Snapshot:
    """The snapshot of the order that `fulfillment_order_id` belongs to.

    `ship_tos` keeps the order's full shipping address for a purchase order written moments later.

    Raises `ShopifyNotFound` when Shopify has no such fulfillment order (or hides it from us).
    """
    read_at = clock()
    moves = move_variables(candidate_location_ids)
    data = await client.execute(documents.SNAPSHOT, {"fulfillmentOrderId": fulfillment_order_id, **moves})
    root = data.get("fulfillmentOrder")
    if root is None:
        raise ShopifyNotFound(
            f"{client.shop_domain}: fulfillment order {fulfillment_order_id} not found",
            gid=fulfillment_order_id,
        )
    return await _complete(client, locations, root["order"], moves, read_at, ship_tos)


async def read_order_snapshot(
    client: ShopifyClient,
    locations: LocationCache,
    order_id: str,
    candidate_location_ids: Sequence[str],
    *,
    clock: Clock = utc_now,
    ship_tos: ShipToMemory | None = None,
) -> Snapshot:
    """The snapshot of the order `order_id` (for webhooks that carry an order, e.g. `orders/paid`).

    Raises `ShopifyNotFound` when Shopify has no such order (or hides it from us).
    """
    read_at = clock()
    moves = move_variables(candidate_location_ids)
    data = await client.execute(documents.ORDER_SNAPSHOT, {"orderId": order_id, **moves})
    order_node = data.get("order")
    if order_node is None:
        raise ShopifyNotFound(f"{client.shop_domain}: order {order_id} not found", gid=order_id)
    return await _complete(client, locations, order_node, moves, read_at, ship_tos)


async def _complete(
    client: ShopifyClient,
    locations: LocationCache,
    order_node: mapping.Node,
    moves: dict[str, Any],
    read_at: datetime,
    ship_tos: ShipToMemory | None,
) -> Snapshot:
    """Read what the order read leaves out (more pages, inventory, locations) and map it all."""
    if ship_tos is not None:
        ship_tos.remember(dict(order_node))
    fo_nodes = await _all_fulfillment_orders(client, order_node, moves)
    fulfillment_orders = tuple([await _map_with_all_lines(client, node) for node in fo_nodes])
    item_ids = sorted(
        {
            line.inventory_item_id
            for fo in fulfillment_orders
            if fo.status in OPEN_STATUSES
            for line in fo.lines
            if line.inventory_item_id
        }
    )
    shop = await locations.shop()
    # Stock where the decision may send or keep each fulfillment order, nowhere else.
    where = [
        *(moves["candidateLocationIds"] or [location.id for location in shop.locations]),
        *(fo.assigned_location_id for fo in fulfillment_orders if fo.status in OPEN_STATUSES),
    ]
    inventory = await read_stock_at(client, item_ids, [w for w in where if w]) if item_ids else {}
    return Snapshot(
        store=client.shop_domain,
        order=mapping.map_order(order_node),
        fulfillment_orders=fulfillment_orders,
        locations=shop.locations,
        inventory=inventory,
        read_at=read_at.isoformat(),
        local_time=shop.local_time(read_at),
    )


async def _all_fulfillment_orders(
    client: ShopifyClient, order_node: mapping.Node, moves: dict[str, Any]
) -> list[mapping.Node]:
    connection = order_node["fulfillmentOrders"]
    fo_nodes = mapping.nodes(connection)
    after = mapping.next_cursor(connection)
    while after is not None:
        data = await client.execute(
            documents.FULFILLMENT_ORDERS_PAGE, {"orderId": order_node["id"], "after": after, **moves}
        )
        connection = data["order"]["fulfillmentOrders"]
        fo_nodes.extend(mapping.nodes(connection))
        after = mapping.next_cursor(connection)
    return fo_nodes


async def _map_with_all_lines(client: ShopifyClient, node: mapping.Node) -> FulfillmentOrder:
    connection = node.get("lineItems")
    after = mapping.next_cursor(connection)
    if after is None:
        return mapping.map_fulfillment_order(node)
    lines = mapping.nodes(connection)
    while after is not None:
        data = await client.execute(
            documents.FULFILLMENT_ORDER_LINES_PAGE, {"id": node["id"], "after": after}
        )
        page = data["fulfillmentOrder"]["lineItems"]
        lines.extend(mapping.nodes(page))
        after = mapping.next_cursor(page)
    return mapping.map_fulfillment_order(node, lines)


async def read_inventory(
    client: ShopifyClient, inventory_item_ids: Sequence[str], *, levels_first: int = 50
) -> dict[str, dict[str, int]]:
    """`{inventory item id: {location id: available}}`, in batches of `INVENTORY_BATCH` items."""
    inventory: dict[str, dict[str, int]] = {}
    pending = [
        list(inventory_item_ids[i : i + INVENTORY_BATCH])
        for i in range(0, len(inventory_item_ids), INVENTORY_BATCH)
    ]
    while pending:
        batch = pending.pop(0)
        try:
            data = await client.execute(
                documents.INVENTORY_LEVELS, {"inventoryItemIds": batch, "levelsFirst": levels_first}
            )
        except ShopifyQueryError as exc:
            if not exc.has_code(MAX_COST_EXCEEDED) or len(batch) == 1:
                raise
            half = len(batch) // 2
            pending[:0] = [batch[:half], batch[half:]]
            continue
        for item in data["nodes"]:
            if not item or "inventoryLevels" not in item:
                continue  # an id that is not (or no longer) an inventory item
            inventory[item["id"]] = await _all_levels(client, item)
    return inventory


async def _all_levels(client: ShopifyClient, item: mapping.Node) -> dict[str, int]:
    connection = item["inventoryLevels"]
    levels = mapping.nodes(connection)
    after = mapping.next_cursor(connection)
    while after is not None:
        data = await client.execute(documents.INVENTORY_LEVELS_PAGE, {"id": item["id"], "after": after})
        page = data["inventoryItem"]["inventoryLevels"]
        levels.extend(mapping.nodes(page))
        after = mapping.next_cursor(page)
    return mapping.map_inventory_levels(levels)
