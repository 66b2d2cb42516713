"""Reservations in processing. A burst never over-allocates (issue 5, "Done when"): 200 orders for
one SKU, decided at once by a pool of workers with the real rules, store and router, against 50
units over two locations. A move cut short keeps its units reserved until it is settled.

The Shopify stand-in answers after a little latency, and a move commits its units at the new
location at once, as `fulfillmentOrderMove` does; so without reservations, decisions that read
the same figures before each other's moves land take the same units.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections import Counter
from pathlib import Path

import pytest

from adapters.processing import OrderRouter
from adapters.rule_files import load_ruleset
from adapters.shopify.errors import ShopifyNotFound, ShopifyUnavailable
from adapters.shopify.outcomes import IntentOutcome, IntentResult
from adapters.store import (
    DecisionLog,
    Inbox,
    NewDelivery,
    OrderLocks,
    create_engine,
    migrate,
    session_factory,
)
from adapters.store.reservations import Reservations
from adapters.workers import WorkerPool
from engine.intents import AddOrderTags, HoldFulfillmentOrder, Intent, MoveFulfillmentOrder, SetOrderMetafield
from engine.model import FulfillmentOrder, FulfillmentOrderLine, Hold, Order, Snapshot
from tests.service.fakes import FakeStore
from tests.service.world import PROJECT, ROUTING_COMPLETE, SHOP

NEWARK, CHICAGO, POP_UP = (f"gid://shopify/Location/{n}" for n in (101, 102, 105))
JACKET = "gid://shopify/InventoryItem/1001"
ORDERS = 200
STOCK = {NEWARK: 30, CHICAGO: 20}  # 50 units across the stores' DCs


class BurstShopify:
    """One store with many orders of one jacket each, all placed at a pop-up store.

    Every read and write waits a moment, as a real round trip does; `available` is shared by
    all orders, and a move takes the fulfillment order's units at its target at once.
    """

    def __init__(self, orders: int, stock: dict[str, int]) -> None:
        template = json.loads((PROJECT / "fixtures/snapshots/us-order-moves-to-newark.json").read_text())
        # Orders land at a pop-up store the rules never ship from, so each one is moved or held.
        self.locations = tuple(
            loc.model_copy(update={"name": "Brooklyn Pop-up"}) if loc.id == POP_UP else loc
            for loc in Snapshot.model_validate(template).locations
        )
        self.available = {JACKET: {loc.id: stock.get(loc.id, 0) for loc in self.locations}}
        self.fulfillment_orders = {
            f"gid://shopify/FulfillmentOrder/{n}": FulfillmentOrder(
                id=f"gid://shopify/FulfillmentOrder/{n}",
                status="OPEN",
                assigned_location_id=POP_UP,
                delivery_method="SHIPPING",
                lines=(
                    FulfillmentOrderLine(
                        id=f"gid://shopify/FulfillmentOrderLineItem/{n}",
                        sku="NW-0001",
                        inventory_item_id=JACKET,
                        remaining_quantity=1,
                        total_quantity=1,
                    ),
                ),
                supported_actions=frozenset({"MOVE", "HOLD", "SPLIT", "CREATE_FULFILLMENT"}),
            )
            for n in range(1, orders + 1)
        }
        self.moved: Counter[str] = Counter()  # units moved to each location
        self.lowest = dict(self.available[JACKET])  # the lowest `available` each location reached
        self.holds = 0

    async def read_snapshot(self, fulfillment_order_id: str) -> Snapshot:
        await self._round_trip()
        fo = self.fulfillment_orders.get(fulfillment_order_id)
        if fo is None:
            raise ShopifyNotFound("no such fulfillment order", gid=fulfillment_order_id)
        return self._snapshot(fo)

    async def read_order_snapshot(self, order_id: str) -> Snapshot:
        await self._round_trip()
        return self._snapshot(self.fulfillment_orders[order_id.replace("Order", "FulfillmentOrder")])

    async def apply(
        self, intent: Intent, *, snapshot: Snapshot | None, decided_on: Snapshot | None = None
    ) -> IntentResult:
        await self._round_trip()
        if isinstance(intent, MoveFulfillmentOrder):
            fo = self.fulfillment_orders[intent.fulfillment_order_id]
            for line in fo.lines:  # Shopify commits the units at the new location at once
                figures = self.available[JACKET]
                figures[intent.to_location_id] -= line.remaining_quantity
                self.moved[intent.to_location_id] += line.remaining_quantity
                self.lowest[intent.to_location_id] = min(
                    self.lowest[intent.to_location_id], figures[intent.to_location_id]
                )
            self._replace(fo.model_copy(update={"assigned_location_id": intent.to_location_id}))
        elif isinstance(intent, HoldFulfillmentOrder):
            fo = self.fulfillment_orders[intent.fulfillment_order_id]
            hold = Hold(
                id=f"gid://shopify/FulfillmentHold/{fo.id[-4:]}", reason=intent.reason, held_by_us=True
            )
            self._replace(fo.model_copy(update={"status": "ON_HOLD", "holds": (hold,)}))
            self.holds += 1
        return IntentResult(IntentOutcome.APPLIED, "written")

    async def annotate_order(
        self, metafield: SetOrderMetafield, tags: AddOrderTags, *, snapshot: Snapshot | None
    ) -> tuple[IntentResult, IntentResult]:
        await self._round_trip()
        return IntentResult(IntentOutcome.APPLIED, "written"), IntentResult(IntentOutcome.APPLIED, "written")

    def _snapshot(self, fo: FulfillmentOrder) -> Snapshot:
        number = fo.id.rsplit("/", 1)[1]
        return Snapshot(
            store=SHOP,
            order=Order(id=f"gid://shopify/Order/{number}", name=f"#{number}", financial_status="PAID"),
            fulfillment_orders=(fo,),
            locations=self.locations,
            inventory={item: dict(figures) for item, figures in self.available.items()},
        )

    def _replace(self, fo: FulfillmentOrder) -> None:
        self.fulfillment_orders[fo.id] = fo

    @staticmethod
    async def _round_trip() -> None:
        await asyncio.sleep(random.uniform(0.0005, 0.003))


async def burst(database_url: str, *, reserve: bool) -> tuple[BurstShopify, Counter[str]]:
    """Deliver one routing webhook per order and let eight workers decide them all at once."""
    engine = create_engine(database_url)
    await migrate(engine)
    sessions = session_factory(engine)
    shopify = BurstShopify(ORDERS, STOCK)
    ruleset = load_ruleset(PROJECT / "rules")
    inbox, locks, log = Inbox(sessions), OrderLocks(sessions), DecisionLog(sessions)
    reservations = Reservations(sessions) if reserve else None
    router = OrderRouter(
        stores={SHOP: shopify},
        ruleset=lambda: ruleset,
        inbox=inbox,
        locks=locks,
        log=log,
        lease_seconds=30,
        reservations=reservations,
    )
    for n, fo_id in enumerate(shopify.fulfillment_orders, start=1):
        body = {"fulfillment_order": {"id": fo_id, "status": "open"}}
        await inbox.store(
            NewDelivery(webhook_id=f"w-{n}", shop=SHOP, topic=ROUTING_COMPLETE, body=json.dumps(body))
        )
    pool = WorkerPool(inbox=inbox, locks=locks, router=router, size=8, lease_seconds=30)
    pool.start()
    try:
        for _ in range(600):
            counts = await inbox.counts()
            if counts.get("pending", 0) == 0 and pool.in_flight == 0:
                break
            await asyncio.sleep(0.05)
    finally:
        await pool.stop()
    outcomes: Counter[str] = Counter()
    for n in range(1, ORDERS + 1):
        decisions = await log.for_order(SHOP, f"gid://shopify/Order/{n}")
        outcomes.update(decision.outcome for decision in decisions)
    if reservations is not None:
        outcomes["units still reserved"] = sum(
            sum(figures.values()) for figures in (await reservations.held(SHOP, [JACKET])).values()
        )
    outcomes.update(state for state, count in (await inbox.counts()).items() for _ in range(count))
    await engine.dispose()
    return shopify, outcomes


async def test_a_burst_of_200_orders_allocates_at_most_the_50_units_and_the_rest_follow_the_fallback(
    database_url: str,
) -> None:
    shopify, outcomes = await burst(database_url, reserve=True)
    allocated = sum(shopify.moved.values())
    assert outcomes["done"] == ORDERS, f"every delivery is processed: {outcomes}"
    assert allocated <= 50, f"at most the 50 units are allocated, got {allocated}: {shopify.moved}"
    assert all(units >= 0 for units in shopify.lowest.values()), f"no location oversold: {shopify.lowest}"
    assert shopify.moved[NEWARK] <= 30 and shopify.moved[CHICAGO] <= 20
    assert outcomes["routed"] == allocated and outcomes["held"] == ORDERS - allocated, (
        f"each order is routed once or held by the fallback: {outcomes}"
    )
    assert shopify.holds == ORDERS - allocated
    assert allocated >= 45, f"and the stock is used, not held back by stale reservations: {allocated}"
    assert outcomes["units still reserved"] == 0, "every settled move released its units"


async def test_without_reservations_the_same_burst_oversells(tmp_path: Path) -> None:
    """The control: it shows that the burst above really races (on SQLite; the race is Shopify's)."""
    shopify, outcomes = await burst(f"sqlite+aiosqlite:///{tmp_path}/routing.db", reserve=False)
    assert outcomes["done"] == ORDERS
    assert sum(shopify.moved.values()) > 50, f"the race did not happen: {shopify.moved}"


async def test_a_move_cut_short_keeps_its_units_reserved_until_the_resumed_decision_settles_it(
    tmp_path: Path,
) -> None:
    """The move landed but its answer was lost: until a worker resumes and settles it, nobody else
    may count those units as free; once settled, Shopify counts them and the reservation goes."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/routing.db")
    await migrate(engine)
    sessions = session_factory(engine)
    snapshot = Snapshot.model_validate_json(
        (PROJECT / "fixtures/snapshots/us-order-moves-to-newark.json").read_text()
    )
    store = FakeStore(snapshot, lose_response_of=frozenset({1}))
    inbox, reservations, ruleset = Inbox(sessions), Reservations(sessions), load_ruleset(PROJECT / "rules")
    router = OrderRouter(
        stores={SHOP: store},
        ruleset=lambda: ruleset,
        inbox=inbox,
        locks=OrderLocks(sessions),
        log=DecisionLog(sessions),
        lease_seconds=30,
        reservations=reservations,
    )
    body = {"fulfillment_order": {"id": snapshot.fulfillment_orders[0].id, "status": "open"}}
    await inbox.store(NewDelivery(webhook_id="w-1", shop=SHOP, topic=ROUTING_COMPLETE, body=json.dumps(body)))
    delivery = await inbox.lease("w", 30)
    assert delivery is not None
    items = list(snapshot.inventory)
    with pytest.raises(ShopifyUnavailable):
        await router.process(delivery, owner="w")
    newark = "gid://shopify/Location/101"
    assert await reservations.held(SHOP, items) == {
        "gid://shopify/InventoryItem/1003": {newark: 1},
        "gid://shopify/InventoryItem/1005": {newark: 2},
    }, "both lines of the move stay reserved at Newark"
    result = await router.process(delivery, owner="w")
    assert "resumed" in result.note
    assert await reservations.held(SHOP, items) == {}, "the settled move released them"
    await engine.dispose()
