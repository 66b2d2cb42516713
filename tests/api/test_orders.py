"""An order's decisions read back with their traces, and deciding an order again."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import quote

from adapters.processing import ROUTING_COMPLETE
from adapters.store import DecisionLog, Inbox
from engine.decision import Decision, FulfillmentOrderOutcome, TraceEntry
from engine.intents import AddOrderTags, MoveFulfillmentOrder
from tests.api.conftest import (
    COORDINATOR,
    EU,
    EU_ONLY,
    EU_ORDER,
    NOW,
    US,
    US_FO,
    US_ORDER,
    Api,
    bearer,
    order_snapshot,
)

DECISIONS = f"/api/v1/stores/{US}/orders/5001/decisions"
DECIDE = f"/api/v1/stores/{US}/orders/5001/decide"


def a_decision(ruleset: str, to_location: str, trace: tuple[TraceEntry, ...]) -> Decision:
    return Decision(
        store=US,
        order_id=US_ORDER,
        order_name="#5001",
        ruleset_version=ruleset,
        outcome="routed",
        fulfillment_orders=(FulfillmentOrderOutcome(fulfillment_order_id=US_FO, action="move"),),
        intents=(
            MoveFulfillmentOrder(
                fulfillment_order_id=US_FO,
                from_location_id="gid://shopify/Location/1",
                to_location_id=to_location,
            ),
            AddOrderTags(order_id=US_ORDER, tags=("routing-engine:routed",)),
        ),
        trace=trace,
    )


async def record_two_decisions(api: Api) -> tuple[str, str]:
    """An older decision whose move was applied, and a newer one still pending; via the real log."""
    older_clock = DecisionLog(api.context.sessions, clock=lambda: NOW - timedelta(hours=1))
    first = await older_clock.record(
        a_decision(
            "rules-v1",
            "gid://shopify/Location/2",
            (TraceEntry(step="choice", subject="Reno DC", verdict="ships complete", detail="closest"),),
        ),
        order_snapshot(US, US_ORDER, US_FO),
        fingerprint="older",
        delivery_id=None,
    )
    assert first is not None
    move = (await older_clock.intents(first))[0]
    await older_clock.settle(move.id, "applied", {"detail": "moved to Reno DC", "new_ids": {}})
    log = DecisionLog(api.context.sessions, clock=lambda: NOW)
    second = await log.record(
        a_decision(
            "rules-v2",
            "gid://shopify/Location/3",
            (
                TraceEntry(step="candidate", subject="Reno DC", verdict="rejected", detail="out of stock"),
                TraceEntry(step="choice", subject="Austin DC", verdict="ships complete"),
            ),
        ),
        order_snapshot(US, US_ORDER, US_FO),
        fingerprint="newer",
        delivery_id=None,
    )
    assert second is not None
    return first, second


async def test_the_decisions_of_an_order_come_newest_first_with_intents_write_states_and_traces(
    api: Api,
) -> None:
    older, newer = await record_two_decisions(api)
    answer = await api.client.get(DECISIONS, headers=bearer(COORDINATOR))
    assert answer.status_code == 200
    body = answer.json()
    assert body["store"] == US and body["order_id"] == US_ORDER
    assert [d["id"] for d in body["decisions"]] == [newer, older]
    latest, earlier = body["decisions"]
    assert latest["outcome"] == "routed" and latest["ruleset_version"] == "rules-v2"
    assert latest["at"] == NOW.isoformat() and latest["state"] == "executing"
    assert [(e["step"], e["subject"], e["verdict"], e["detail"]) for e in latest["trace"]] == [
        ("candidate", "Reno DC", "rejected", "out of stock"),
        ("choice", "Austin DC", "ships complete", ""),
    ]
    assert [(i["kind"], i["state"]) for i in latest["intents"]] == [
        ("move", "pending"),
        ("add_tags", "pending"),
    ]
    assert [(i["kind"], i["state"], i["detail"]) for i in earlier["intents"]] == [
        ("move", "applied", "moved to Reno DC"),
        ("add_tags", "pending", None),
    ]
    assert earlier["ruleset_version"] == "rules-v1"
    assert earlier["intents"][0]["idempotency_key"] == f"{older}:0"
    assert earlier["intents"][0]["intent"]["to_location_id"] == "gid://shopify/Location/2"


async def test_the_order_id_may_be_the_number_or_the_gid(api: Api) -> None:
    await record_two_decisions(api)
    by_number = await api.client.get(DECISIONS, headers=bearer(COORDINATOR))
    by_gid = await api.client.get(
        f"/api/v1/stores/{US}/orders/{US_ORDER}/decisions", headers=bearer(COORDINATOR)
    )
    by_encoded_gid = await api.client.get(
        f"/api/v1/stores/{US}/orders/{quote(US_ORDER, safe='')}/decisions", headers=bearer(COORDINATOR)
    )
    assert by_number.status_code == by_gid.status_code == by_encoded_gid.status_code == 200
    assert by_number.json() == by_gid.json() == by_encoded_gid.json()


async def test_an_order_id_that_is_neither_is_a_400_saying_what_to_write(api: Api) -> None:
    for wrong in ("abc", "gid%3A%2F%2Fshopify%2FProduct%2F1", "gid://shopify/Order/x", "0", "-5", "5001/x"):
        answer = await api.client.get(
            f"/api/v1/stores/{US}/orders/{wrong}/decisions", headers=bearer(COORDINATOR)
        )
        assert answer.status_code == 400, wrong
        assert answer.json()["where"] == "path parameter order_id"
        assert "gid://shopify/Order/" in answer.json()["fix"]


async def test_an_order_without_decisions_and_an_order_of_another_store_get_the_same_404(
    api: Api,
) -> None:
    await record_two_decisions(api)
    unknown = await api.client.get(f"/api/v1/stores/{US}/orders/9999/decisions", headers=bearer(COORDINATOR))
    # The US order asked for under the EU store, by a token that sees only the EU store.
    elsewhere = await api.client.get(f"/api/v1/stores/{EU}/orders/5001/decisions", headers=bearer(EU_ONLY))
    assert unknown.status_code == elsewhere.status_code == 404
    assert unknown.json()["type"] == elsewhere.json()["type"]
    assert unknown.json()["where"] == elsewhere.json()["where"] == "path parameter order_id"


async def test_deciding_again_stores_a_routing_complete_delivery_and_wakes_the_workers(api: Api) -> None:
    answer = await api.client.post(DECIDE, headers=bearer(COORDINATOR))
    assert answer.status_code == 202
    body = answer.json()
    delivery_id = body["delivery_id"]
    assert delivery_id.startswith("api:") and body["order_id"] == US_ORDER
    assert answer.headers["location"] == body["status_url"] == f"/api/v1/stores/{US}/deliveries/{delivery_id}"
    stored = await Inbox(api.context.sessions).get(delivery_id)
    assert stored is not None
    assert (stored.shop, stored.topic, stored.state) == (US, ROUTING_COMPLETE, "pending")
    assert json.loads(stored.body)["fulfillment_order"] == {"id": US_FO, "status": "open"}
    assert json.loads(stored.body)["requested_by"] == "coordinator"
    assert api.notified == [1]


async def test_each_request_to_decide_again_is_a_new_delivery(api: Api) -> None:
    first = (await api.client.post(DECIDE, headers=bearer(COORDINATOR))).json()["delivery_id"]
    second = (await api.client.post(DECIDE, headers=bearer(COORDINATOR))).json()["delivery_id"]
    assert first != second
    counts = await Inbox(api.context.sessions).counts()
    assert counts == {"pending": 2}


async def test_the_location_of_a_decide_request_follows_the_delivery_to_its_decision(api: Api) -> None:
    location = (await api.client.post(DECIDE, headers=bearer(COORDINATOR))).headers["location"]
    pending = await api.client.get(location, headers=bearer(COORDINATOR))
    assert pending.status_code == 200 and pending.json()["state"] == "pending"
    inbox = Inbox(api.context.sessions, clock=lambda: NOW)
    leased = await inbox.lease("worker-1", 30)
    assert leased is not None
    await inbox.finish(
        leased.id, "worker-1", "done", "decision d-1: routed", order_id=US_ORDER, decision_id="d-1"
    )
    done = (await api.client.get(location, headers=bearer(COORDINATOR))).json()
    assert (done["state"], done["decision_id"], done["order_id"]) == ("done", "d-1", US_ORDER)
    assert done["note"] == "decision d-1: routed" and done["finished_at"] == NOW.isoformat()


async def test_a_delivery_of_another_store_is_not_found_under_this_one(api: Api) -> None:
    eu_decide = await api.client.post(f"/api/v1/stores/{EU}/orders/6001/decide", headers=bearer(EU_ONLY))
    delivery_id = eu_decide.json()["delivery_id"]
    assert api.orders[EU].reads == [EU_ORDER]
    answer = await api.client.get(
        f"/api/v1/stores/{US}/deliveries/{delivery_id}", headers=bearer(COORDINATOR)
    )
    assert answer.status_code == 404 and answer.json()["where"] == "path parameter delivery_id"


async def test_deciding_an_order_shopify_does_not_know_is_a_404_and_stores_nothing(api: Api) -> None:
    answer = await api.client.post(f"/api/v1/stores/{US}/orders/9999/decide", headers=bearer(COORDINATOR))
    assert answer.status_code == 404
    assert await Inbox(api.context.sessions).counts() == {}
    assert api.notified == []


async def test_deciding_an_order_without_an_open_fulfillment_order_is_a_409_and_stores_nothing(
    api: Api,
) -> None:
    api.orders[US].snapshots[US_ORDER] = order_snapshot(US, US_ORDER, US_FO, status="CLOSED")
    answer = await api.client.post(DECIDE, headers=bearer(COORDINATOR))
    assert answer.status_code == 409 and "no open fulfillment order" in answer.json()["detail"]
    assert await Inbox(api.context.sessions).counts() == {}


async def test_when_shopify_cannot_be_read_deciding_again_is_a_502_and_stores_nothing(api: Api) -> None:
    api.orders[US].down = True
    answer = await api.client.post(DECIDE, headers=bearer(COORDINATOR))
    assert answer.status_code == 502
    problem = answer.json()
    assert "nothing was stored" in problem["detail"] and problem["fix"] == "try again later"
    assert await Inbox(api.context.sessions).counts() == {}
