"""Processing a stored delivery: decide once per order state, write each intent once."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from adapters.processing import MalformedDelivery, OrderRouter, RetryLater
from adapters.rule_files import load_ruleset
from adapters.shopify.errors import ShopifyUnavailable
from adapters.store import (
    DecisionLog,
    Delivery,
    Inbox,
    NewDelivery,
    OrderLocks,
    create_engine,
    migrate,
    session_factory,
)
from engine.intents import AddOrderTags, MoveFulfillmentOrder, SetOrderMetafield, hold_handle
from engine.model import Snapshot
from tests.service.fakes import FakeStore

PROJECT = Path(__file__).resolve().parents[2]
SHOP = "north-wind-us.myshopify.com"
ROUTING_COMPLETE = "fulfillment_orders/order_routing_complete"


def scenario(name: str) -> Snapshot:
    return Snapshot.model_validate_json((PROJECT / "fixtures" / "snapshots" / f"{name}.json").read_text())


class World:
    """A router over a real SQLite store, the real rules and an in-memory Shopify store."""

    def __init__(self, inbox: Inbox, log: DecisionLog, locks: OrderLocks, store: FakeStore) -> None:
        self.inbox, self.log, self.locks, self.store = inbox, log, locks, store
        ruleset = load_ruleset(PROJECT / "rules")
        self.router = OrderRouter(
            stores={SHOP: store}, ruleset=lambda: ruleset, inbox=inbox, locks=locks, log=log, lease_seconds=30
        )
        self._ids = 0

    async def deliver(self, topic: str = ROUTING_COMPLETE, body: dict[str, object] | None = None) -> Delivery:
        self._ids += 1
        if body is None:
            body = {"fulfillment_order": {"id": self.store.state.fulfillment_orders[0].id, "status": "open"}}
        await self.inbox.store(
            NewDelivery(webhook_id=f"w-{self._ids}", shop=SHOP, topic=topic, body=json.dumps(body))
        )
        delivery = await self.inbox.lease("test-worker", 30)
        assert delivery is not None
        return delivery


MakeWorld = Callable[[FakeStore], World]


@pytest.fixture
async def make_world(tmp_path: Path) -> AsyncIterator[MakeWorld]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/routing.db")
    await migrate(engine)
    sessions = session_factory(engine)

    def make(store: FakeStore) -> World:
        return World(Inbox(sessions), DecisionLog(sessions), OrderLocks(sessions), store)

    yield make
    await engine.dispose()


async def test_an_order_routed_elsewhere_is_moved_and_annotated(make_world: MakeWorld) -> None:
    world = make_world(FakeStore(scenario("us-order-moves-to-newark")))
    result = await world.router.process(await world.deliver(), owner="w")
    assert result.state == "done" and result.decision_id is not None
    assert [type(w) for w in world.store.writes] == [MoveFulfillmentOrder, SetOrderMetafield, AddOrderTags]
    move = world.store.writes[0]
    assert isinstance(move, MoveFulfillmentOrder) and move.to_location_id == "gid://shopify/Location/101"
    stored = await world.log.get(result.decision_id)
    assert stored is not None and stored.state == "completed" and stored.outcome == "routed"
    assert {i.state for i in await world.log.intents(result.decision_id)} == {"applied"}


async def test_an_order_already_decided_is_not_written_again(make_world: MakeWorld) -> None:
    world = make_world(FakeStore(scenario("us-order-moves-to-newark")))
    await world.router.process(await world.deliver(), owner="w")
    writes = len(world.store.writes)
    second = await world.router.process(await world.deliver(), owner="w")
    assert len(world.store.writes) == writes, "the second webhook of the order changes nothing"
    assert second.state == "done"
    third = await world.router.process(await world.deliver(), owner="w")
    assert "already decided" in third.note, "the same state is recognised by its fingerprint"


async def test_a_write_whose_answer_was_lost_is_not_made_twice(make_world: MakeWorld) -> None:
    world = make_world(FakeStore(scenario("us-order-moves-to-newark"), lose_response_of=frozenset({1})))
    delivery = await world.deliver()
    with pytest.raises(ShopifyUnavailable):
        await world.router.process(delivery, owner="w")
    result = await world.router.process(delivery, owner="w")  # the worker retries the delivery
    assert "resumed" in result.note
    assert [type(w) for w in world.store.writes] == [MoveFulfillmentOrder, SetOrderMetafield, AddOrderTags]
    assert world.store.fresh_checks >= 1, "the in-flight move was re-checked against a fresh read"
    intents = await world.log.intents(result.decision_id or "")
    assert [i.state for i in intents] == ["already_done", "applied", "applied"]


async def test_an_out_of_stock_order_is_held_with_our_handle(make_world: MakeWorld) -> None:
    world = make_world(FakeStore(scenario("us-order-out-of-stock")))
    result = await world.router.process(await world.deliver(), owner="w")
    assert result.state == "done"
    fo = world.store.state.fulfillment_orders[0]
    hold = fo.our_hold(hold_handle("INVENTORY_OUT_OF_STOCK"))
    assert fo.status == "ON_HOLD" and hold is not None and "NW-" in (hold.notes or "")


async def test_an_order_locked_by_another_worker_is_retried_later(make_world: MakeWorld) -> None:
    world = make_world(FakeStore(scenario("us-order-moves-to-newark")))
    assert await world.locks.acquire(SHOP, world.store.state.order.id, "someone-else", 30)
    with pytest.raises(RetryLater):
        await world.router.process(await world.deliver(), owner="w")
    assert world.store.writes == []


async def test_a_payload_without_a_fulfillment_order_id_is_malformed(make_world: MakeWorld) -> None:
    world = make_world(FakeStore(scenario("us-order-moves-to-newark")))
    with pytest.raises(MalformedDelivery, match="fulfillment_order.id"):
        await world.router.process(await world.deliver(body={"fulfillment_order": {"id": 7}}), owner="w")


async def test_topics_that_start_no_decision_are_kept_and_ignored(make_world: MakeWorld) -> None:
    world = make_world(FakeStore(scenario("us-order-moves-to-newark")))
    result = await world.router.process(await world.deliver("orders/create", {"id": 1}), owner="w")
    assert result.state == "ignored" and world.store.reads == 0


async def test_our_own_hold_comes_back_as_an_echo(make_world: MakeWorld) -> None:
    world = make_world(FakeStore(scenario("us-order-out-of-stock")))
    hold = {"id": "gid://shopify/FulfillmentHold/1", "handle": hold_handle("INVENTORY_OUT_OF_STOCK")}
    body = {"fulfillment_order": {"id": "gid://shopify/FulfillmentOrder/1"}, "created_fulfillment_hold": hold}
    result = await world.router.process(
        await world.deliver("fulfillment_orders/placed_on_hold", body), owner="w"
    )
    assert result.state == "echo" and world.store.reads == 0


async def test_our_own_move_comes_back_as_an_echo_and_a_merchants_does_not(make_world: MakeWorld) -> None:
    world = make_world(FakeStore(scenario("us-order-moves-to-newark")))
    await world.router.process(await world.deliver(), owner="w")
    fo_id = world.store.state.fulfillment_orders[0].id
    ours = {"original_fulfillment_order": {"id": fo_id}, "moved_fulfillment_order": {"id": fo_id}}
    echo = await world.router.process(await world.deliver("fulfillment_orders/moved", ours), owner="w")
    assert echo.state == "echo"
    theirs = {"original_fulfillment_order": {"id": "gid://shopify/FulfillmentOrder/999"}}
    other = await world.router.process(await world.deliver("fulfillment_orders/moved", theirs), owner="w")
    assert other.state == "ignored"
