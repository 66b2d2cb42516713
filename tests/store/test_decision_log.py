"""The decision log records a decision and its outbox together, and each intent's fate."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.store import DecisionLog
from engine.decision import Decision, FulfillmentOrderOutcome, TraceEntry
from engine.intents import AddOrderTags, MoveFulfillmentOrder
from engine.model import FulfillmentOrder, Location, Order, Snapshot

SHOP = "north-wind-us.myshopify.com"
ORDER = "gid://shopify/Order/1"
FO = "gid://shopify/FulfillmentOrder/1"


def snapshot() -> Snapshot:
    return Snapshot(
        store=SHOP,
        order=Order(id=ORDER, name="#1001"),
        fulfillment_orders=(
            FulfillmentOrder(id=FO, status="OPEN", assigned_location_id="gid://shopify/Location/2"),
        ),
        locations=(Location(id="gid://shopify/Location/1", name="Newark DC", store=SHOP),),
    )


def decision() -> Decision:
    return Decision(
        store=SHOP,
        order_id=ORDER,
        order_name="#1001",
        ruleset_version="abc123",
        outcome="routed",
        fulfillment_orders=(FulfillmentOrderOutcome(fulfillment_order_id=FO, action="move"),),
        intents=(
            MoveFulfillmentOrder(
                fulfillment_order_id=FO,
                from_location_id="gid://shopify/Location/2",
                to_location_id="gid://shopify/Location/1",
            ),
            AddOrderTags(order_id=ORDER, tags=("routing-engine:routed",)),
        ),
        trace=(TraceEntry(step="choice", subject="Newark DC", verdict="ships complete"),),
    )


async def test_a_decision_is_recorded_with_its_snapshot_and_outbox(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    log = DecisionLog(sessions)
    decision_id = await log.record(decision(), snapshot(), fingerprint="f1", delivery_id=None)
    assert decision_id is not None
    stored = await log.get(decision_id)
    assert stored is not None and stored.state == "executing" and stored.decision == decision()
    assert await log.snapshot_of(decision_id) == snapshot()
    intents = await log.intents(decision_id)
    assert [i.idempotency_key for i in intents] == [f"{decision_id}:0", f"{decision_id}:1"]
    assert [i.intent for i in intents] == list(decision().intents)
    assert {i.state for i in intents} == {"pending"}


async def test_the_same_order_state_is_recorded_once(sessions: async_sessionmaker[AsyncSession]) -> None:
    log = DecisionLog(sessions)
    assert await log.record(decision(), snapshot(), fingerprint="f1", delivery_id=None) is not None
    assert await log.record(decision(), snapshot(), fingerprint="f1", delivery_id=None) is None
    found = await log.find(SHOP, ORDER, "f1")
    assert found is not None and len(await log.for_order(SHOP, ORDER)) == 1


async def test_an_intent_moves_from_pending_to_its_final_state(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    log = DecisionLog(sessions)
    decision_id = await log.record(decision(), snapshot(), fingerprint="f1", delivery_id=None)
    assert decision_id is not None
    move = (await log.intents(decision_id))[0]
    await log.mark_in_flight(move.id)
    assert [i.intent for i in await log.applied_on([FO], ("move",))] == [move.intent]
    await log.settle(move.id, "applied", {"detail": "moved", "new_ids": {}})
    settled = (await log.intents(decision_id))[0]
    assert (settled.state, settled.attempts, settled.result) == (
        "applied",
        1,
        {"detail": "moved", "new_ids": {}},
    )
    await log.complete(decision_id, "completed")
    assert await log.unfinished(SHOP, ORDER) == []


async def test_a_decision_without_intents_is_complete_at_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    log = DecisionLog(sessions)
    unchanged = decision().model_copy(update={"intents": (), "outcome": "unchanged"})
    decision_id = await log.record(unchanged, snapshot(), fingerprint="f2", delivery_id=None)
    assert decision_id is not None
    stored = await log.get(decision_id)
    assert stored is not None and stored.state == "completed"


async def test_the_fulfillment_orders_seen_are_those_decided_and_those_our_writes_created(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    log = DecisionLog(sessions)
    assert await log.fulfillment_orders_seen(SHOP, ORDER) == frozenset()
    decision_id = await log.record(decision(), snapshot(), fingerprint="f1", delivery_id=None)
    assert decision_id is not None
    move = (await log.intents(decision_id))[0]
    carved = "gid://shopify/FulfillmentOrder/2"  # a partial move's new fulfillment order
    await log.settle(move.id, "applied", {"detail": "moved", "new_ids": {FO: carved}})
    assert await log.fulfillment_orders_seen(SHOP, ORDER) == {FO, carved}
    assert await log.fulfillment_orders_seen(SHOP, "gid://shopify/Order/2") == frozenset()
