"""Shopify sends `order_routing_complete` once per fulfillment order: one read of the order decides
them all, and a webhook that arrived after that read is read and decided as usual."""

from __future__ import annotations

from adapters.decided_fulfillment_orders import Coverage, DecidedFulfillmentOrders
from tests.service.fakes import FakeStore
from tests.service.world import MakeWorld, scenario


async def test_the_other_fulfillment_orders_webhooks_are_answered_by_the_decision_without_a_read(
    make_world: MakeWorld,
) -> None:
    """Shopify sends one routing webhook per fulfillment order; one read of the order decides them all."""
    world = make_world(FakeStore(scenario("two-fulfillment-orders-ship-together")))
    first_fo, second_fo = (fo.id for fo in world.store.state.fulfillment_orders)
    first = await world.deliver(body={"fulfillment_order": {"id": first_fo, "status": "open"}})
    second = await world.deliver(body={"fulfillment_order": {"id": second_fo, "status": "open"}})

    decided = await world.router.process(first, owner="w")
    covered = await world.router.process(second, owner="w")

    assert decided.state == "done" and decided.decision_id is not None
    assert (covered.state, covered.decision_id) == ("done", decided.decision_id)
    assert "from a read made after this webhook arrived" in covered.note
    assert world.store.reads + world.store.order_reads == 1, "the order was read once"


async def test_a_webhook_that_arrives_after_the_decisions_read_is_read_and_decided_as_usual(
    make_world: MakeWorld,
) -> None:
    world = make_world(FakeStore(scenario("two-fulfillment-orders-ship-together")))
    first_fo, second_fo = (fo.id for fo in world.store.state.fulfillment_orders)
    await world.router.process(
        await world.deliver(body={"fulfillment_order": {"id": first_fo, "status": "open"}}), owner="w"
    )
    later = await world.router.process(
        await world.deliver(body={"fulfillment_order": {"id": second_fo, "status": "open"}}), owner="w"
    )
    assert later.state == "done" and "from a read made after" not in later.note
    assert world.store.reads == 2, "a newer webhook may announce a newer state: read again"


def test_the_record_keeps_the_most_recent_fulfillment_orders_only() -> None:
    """Bounded memory: the oldest records go first, and a forgotten one only costs a read."""
    decided = DecidedFulfillmentOrders(capacity=2)
    for n in (1, 2, 3):
        decided.note([f"fo-{n}"], Coverage(f"order-{n}", f"decision-{n}", deliveries_up_to=10 * n))
    assert decided.covering("fo-1", delivery_id=5) is None, "forgotten"
    assert decided.covering("fo-3", delivery_id=30) == Coverage("order-3", "decision-3", 30)
    assert decided.covering("fo-3", delivery_id=31) is None, "stored after the read began"
