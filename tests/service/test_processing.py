"""Processing a stored delivery: decide once per order state, write each intent once; payments
decide an order again when it waits for them; decisions see the location load."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters import order_events
from adapters.delivery_steps import MalformedDelivery, RetryLater
from adapters.processing import acts_on
from adapters.shopify.errors import ShopifyUnavailable
from engine.intents import (
    AddOrderTags,
    HoldFulfillmentOrder,
    MoveFulfillmentOrder,
    ReleaseHold,
    SetOrderMetafield,
    hold_handle,
)
from engine.model import Snapshot
from tests.service.fakes import AWAITING_PAYMENT, FakeStore, hold_until_paid
from tests.service.world import PROJECT, SHOP, MakeWorld, scenario

ROUTING_COMPLETE = "fulfillment_orders/order_routing_complete"


async def test_an_order_routed_elsewhere_is_moved_and_annotated(make_world: MakeWorld) -> None:
    world = make_world(FakeStore(scenario("us-order-moves-to-newark")))
    result = await world.router.process(await world.deliver(), owner="w")
    assert result.state == "done" and result.decision_id is not None
    assert [type(w) for w in world.store.writes] == [MoveFulfillmentOrder, SetOrderMetafield, AddOrderTags]
    move = world.store.writes[0]
    assert isinstance(move, MoveFulfillmentOrder) and move.to_location_id == "gid://shopify/Location/101"
    assert world.store.annotated_together == 1, "metafield and tags go to Shopify in one request"
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
    retried = world.store.decided_on[1]
    assert retried is not None and retried.order.id == world.store.state.order.id, (
        "the retry is told what the decision saw, to tell old fulfillment orders from new ones"
    )
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


# --- payments: orders/paid and order_transactions/create -------------------------------------

ORDER = "gid://shopify/Order/5002"  # the order of us-order-moves-to-newark
FO = "gid://shopify/FulfillmentOrder/7002"
PAID_ORDER = {"id": 5002, "admin_graphql_api_id": ORDER, "name": "#1002", "financial_status": "paid"}
CAPTURE = {
    "id": 991,
    "admin_graphql_api_id": "gid://shopify/OrderTransaction/991",
    "order_id": 5002,
    "kind": "capture",
    "status": "success",
}


def unpaid(name: str = "us-order-moves-to-newark") -> Snapshot:
    snapshot = scenario(name)
    return snapshot.model_copy(
        update={"order": snapshot.order.model_copy(update={"financial_status": "PENDING"})}
    )


def pay(store: FakeStore) -> None:
    """Shopify marks the order paid (what the webhook announces)."""
    order = store.state.order.model_copy(update={"financial_status": "PAID"})
    store.state = store.state.model_copy(update={"order": order})


@pytest.mark.parametrize(
    ("topic", "body"), [("orders/paid", PAID_ORDER), ("order_transactions/create", CAPTURE)]
)
async def test_a_payment_decides_again_and_releases_the_hold_that_waited_for_it(
    make_world: MakeWorld, topic: str, body: dict[str, object]
) -> None:
    world = make_world(FakeStore(unpaid()), hold_until_paid)
    await world.router.process(await world.deliver(), owner="w")
    assert world.store.state.fulfillment_orders[0].our_hold(AWAITING_PAYMENT) is not None
    pay(world.store)

    result = await world.router.process(await world.deliver(topic, body), owner="w")

    assert result.state == "done" and result.order_id == ORDER and result.decision_id is not None
    assert world.store.order_reads == 1, "the order is read by the id in the payload"
    assert [type(w) for w in world.store.writes] == [HoldFulfillmentOrder, ReleaseHold]
    fo = world.store.state.fulfillment_orders[0]
    assert fo.status == "OPEN" and fo.holds == ()
    stored = await world.log.snapshot_of(result.decision_id)
    assert stored.order.financial_status == "PAID"


async def test_a_release_whose_answer_was_lost_is_finished_when_the_payment_is_retried(
    make_world: MakeWorld,
) -> None:
    # Writes: 1 the hold, 2 the release (lands, answer lost).
    world = make_world(FakeStore(unpaid(), lose_response_of=frozenset({2})), hold_until_paid)
    await world.router.process(await world.deliver(), owner="w")
    pay(world.store)
    paid = await world.deliver("orders/paid", PAID_ORDER)
    with pytest.raises(ShopifyUnavailable):
        await world.router.process(paid, owner="w")
    assert world.store.state.fulfillment_orders[0].holds == (), "the release landed"

    result = await world.router.process(paid, owner="w")  # no hold of ours left, yet it resumes

    assert "resumed" in result.note and result.decision_id is not None
    assert [i.state for i in await world.log.intents(result.decision_id)] == ["already_done"]
    assert [type(w) for w in world.store.writes] == [HoldFulfillmentOrder, ReleaseHold]


async def test_a_payment_for_an_order_decided_and_not_held_by_us_changes_nothing(
    make_world: MakeWorld,
) -> None:
    world = make_world(FakeStore(scenario("us-order-moves-to-newark")))
    await world.router.process(await world.deliver(), owner="w")
    writes, decisions = len(world.store.writes), len(await world.log.for_order(SHOP, ORDER))
    result = await world.router.process(await world.deliver("orders/paid", PAID_ORDER), owner="w")
    assert result.state == "ignored" and "held by us or undecided" in result.note
    assert result.order_id == ORDER
    assert len(world.store.writes) == writes and len(await world.log.for_order(SHOP, ORDER)) == decisions


async def test_a_payment_for_an_order_never_decided_decides_it(make_world: MakeWorld) -> None:
    # Its order_routing_complete webhook was lost (or is still on its way).
    world = make_world(FakeStore(scenario("us-order-moves-to-newark")))
    result = await world.router.process(await world.deliver("orders/paid", PAID_ORDER), owner="w")
    assert result.state == "done" and result.decision_id is not None
    assert [type(w) for w in world.store.writes] == [MoveFulfillmentOrder, SetOrderMetafield, AddOrderTags]
    again = await world.router.process(await world.deliver("order_transactions/create", CAPTURE), owner="w")
    assert again.state == "ignored", "decided now (the moved fulfillment order is known)"


async def test_a_payment_waits_while_another_worker_decides_the_order(make_world: MakeWorld) -> None:
    world = make_world(FakeStore(unpaid()), hold_until_paid)
    assert await world.locks.acquire(SHOP, ORDER, "someone-else", 30)
    with pytest.raises(RetryLater):
        await world.router.process(await world.deliver("orders/paid", PAID_ORDER), owner="w")
    assert world.store.order_reads == 0, "read only under the lease, so it sees that worker's holds"


@pytest.mark.parametrize(
    ("topic", "body"),
    [
        ("orders/paid", {"name": "#1002"}),
        ("orders/paid", {"admin_graphql_api_id": "gid://shopify/Customer/5"}),
        # A transaction's admin_graphql_api_id names the transaction, never the order.
        ("order_transactions/create", {"admin_graphql_api_id": "gid://shopify/OrderTransaction/991"}),
        ("order_transactions/create", {"order_id": True}),
    ],
)
async def test_an_order_event_without_its_order_is_malformed(
    make_world: MakeWorld, topic: str, body: dict[str, object]
) -> None:
    world = make_world(FakeStore(unpaid()), hold_until_paid)
    with pytest.raises(MalformedDelivery, match="names no order"):
        await world.router.process(await world.deliver(topic, body), owner="w")
    assert world.store.order_reads == 0


async def test_our_release_comes_back_as_an_echo(make_world: MakeWorld) -> None:
    world = make_world(FakeStore(unpaid()), hold_until_paid)
    await world.router.process(await world.deliver(), owner="w")
    hold = world.store.state.fulfillment_orders[0].holds[0]
    pay(world.store)
    await world.router.process(await world.deliver("orders/paid", PAID_ORDER), owner="w")
    released = {"fulfillment_order": {"id": FO, "status": "open"}}
    echo = await world.router.process(
        await world.deliver("fulfillment_orders/hold_released", released), owner="w"
    )
    assert echo.state == "echo" and "release_hold" in echo.note
    hold_event = {
        "fulfillment_order": {"id": FO},
        "fulfillment_hold": {"id": hold.id, "handle": AWAITING_PAYMENT},
    }
    held_echo = await world.router.process(
        await world.deliver("fulfillment_holds/released", hold_event), owner="w"
    )
    assert held_echo.state == "echo"


def test_order_events_and_echoes_need_processing_other_topics_only_storing() -> None:
    assert acts_on("fulfillment_orders/order_routing_complete")
    assert acts_on("orders/paid") and acts_on("order_transactions/create")
    assert acts_on("fulfillment_orders/hold_released")
    assert not acts_on("orders/create") and not acts_on("orders/updated")
    assert acts_on("orders/updated", frozenset({"orders/updated"})), "when a hold releases on it"
    assert not acts_on("products/update", frozenset({"products/update"})), "not an order topic we can read"


ADDRESS_HOLD = """
holds:
  - id: await-address
    when:
      destination_zip: {missing: true}
    reason: INCORRECT_ADDRESS
    note: "{order}: no postal code"
    release_on: [orders/updated]
"""


async def test_an_order_topic_a_hold_releases_on_decides_the_order_again(
    make_world: MakeWorld, tmp_path: Path
) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "routing.yaml").write_text((PROJECT / "rules" / "routing.yaml").read_text())
    (rules / "holds.yaml").write_text(ADDRESS_HOLD)
    world = make_world(FakeStore(scenario("us-order-moves-to-newark")), hold_until_paid, rules)
    assert world.router.acts_on("orders/updated")
    await world.router.process(await world.deliver(), owner="w")
    updated = {"id": 5002, "admin_graphql_api_id": ORDER, "updated_at": "2026-11-27T10:00:00-05:00"}
    result = await world.router.process(await world.deliver("orders/updated", updated), owner="w")
    assert result.state == "done" and world.store.order_reads == 1, "held by us: decided again"


async def test_other_order_topics_start_no_decision_under_rules_that_do_not_release_on_them(
    make_world: MakeWorld,
) -> None:
    world = make_world(FakeStore(scenario("us-order-moves-to-newark")))
    assert not world.router.acts_on("orders/updated")
    updated = {"id": 5002, "admin_graphql_api_id": ORDER}
    ignored = await world.router.process(await world.deliver("orders/updated", updated), owner="w")
    assert ignored.state == "ignored" and world.store.order_reads == 0


@pytest.mark.parametrize(
    ("topic", "body", "order"),
    [
        ("orders/paid", {"id": 5002}, ORDER),
        ("orders/paid", {"admin_graphql_api_id": ORDER, "id": 1}, ORDER),
        ("order_transactions/create", {"order_id": "5002"}, ORDER),
        ("orders/edited", {"order_edit": {"id": 78, "order_id": 5002}}, ORDER),
        ("orders/risk_assessment_changed", {"risk_level": "high", "order_id": 5002}, ORDER),
        ("orders/paid", {"admin_graphql_api_id": "gid://shopify/Order/x"}, None),
        ("orders/paid", {"id": -4}, None),
        ("orders/edited", {"order_id": 5002}, None),
        ("products/update", {"id": 5002}, None),
    ],
)
def test_order_events_name_their_order_each_in_its_own_way(
    topic: str, body: dict[str, object], order: str | None
) -> None:
    assert order_events.order_id(topic, body) == order


# --- location load ----------------------------------------------------------------------------


async def test_a_decision_sees_the_orders_already_sent_to_each_location_today(make_world: MakeWorld) -> None:
    first = scenario("us-order-moves-to-newark").model_copy(
        update={"local_time": "2026-11-27T09:15:00-05:00"}
    )
    world = make_world(FakeStore(first))
    one = await world.router.process(await world.deliver(), owner="w")
    assert (await world.log.snapshot_of(one.decision_id or "")).location_load == {}, "not itself"

    second = first.model_copy(
        update={
            "order": first.order.model_copy(update={"id": "gid://shopify/Order/6000", "name": "#1003"}),
            "fulfillment_orders": tuple(
                fo.model_copy(update={"id": "gid://shopify/FulfillmentOrder/8000"})
                for fo in first.fulfillment_orders
            ),
        }
    )
    world.store.state = second
    two = await world.router.process(await world.deliver(), owner="w")
    newark = "gid://shopify/Location/101"
    assert (await world.log.snapshot_of(two.decision_id or "")).location_load == {newark: 1}
