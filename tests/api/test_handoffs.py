"""Hand-offs on the API: listed and read within the token's origin stores, completed or failed once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from starlette.applications import Starlette

from adapters.api import api_routes
from adapters.api.handoffs import BookOnlyActions
from adapters.shopify.errors import ShopifyUnavailable
from adapters.store.handoffs import HandOff, HandOffBook, HandOffLine, HandOffTransition, Tracking
from tests.api.conftest import COORDINATOR, EU, EU_ONLY, NOW, US, Api, bearer

UNKNOWN = "00000000-0000-4000-8000-000000000000"
COMPLETION = {
    "tracking_company": "DHL",
    "tracking_numbers": ["JD0001"],
    "tracking_urls": ["https://dhl.example/JD0001"],
}


async def a_hand_off(api: Api, key: str, *, origin: str = US, order: str = "5001") -> HandOff:
    book = HandOffBook(api.context.sessions, clock=api.context.clock)
    opened = await book.open(
        decision_id=key,
        origin_store=origin,
        origin_order_id=f"gid://shopify/Order/{order}",
        origin_order_name=f"#{order}",
        origin_fulfillment_order_id="gid://shopify/FulfillmentOrder/7001",
        stand_in_location_id="gid://shopify/Location/90",
        fulfilling_store=EU if origin == US else US,
        fulfilling_location_id="gid://shopify/Location/9",
        mode="coordinator",
        lines=[HandOffLine("MUG-1", 2, "gid://shopify/FulfillmentOrderLineItem/71")],
    )
    return opened.handoff


class RecordingActions:
    """The orchestration's stand-in: remembers each call, then records in the book (or Shopify is down)."""

    def __init__(self, book: HandOffBook, *, shopify_down: bool = False) -> None:
        self.recorded = BookOnlyActions(book)
        self.shopify_down = shopify_down
        self.calls: list[tuple[str, str, Any]] = []

    async def complete(self, handoff: HandOff, tracking: Tracking) -> HandOffTransition:
        self.calls.append(("complete", handoff.id, tracking))
        if self.shopify_down:
            raise ShopifyUnavailable("HTTP 503 until the retries ran out", attempts=5, status=503)
        return await self.recorded.complete(handoff, tracking)

    async def fail(self, handoff: HandOff, reason: str) -> HandOffTransition:
        self.calls.append(("fail", handoff.id, reason))
        return await self.recorded.fail(handoff, reason)


@asynccontextmanager
async def served_with(api: Api, actions: RecordingActions) -> AsyncIterator[httpx.AsyncClient]:
    app = Starlette(routes=[api_routes(api.context, handoff_actions=actions)])
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://api.test"
    ) as client:
        yield client


async def test_a_store_lists_its_hand_offs_newest_first_and_by_status(api: Api) -> None:
    first = await a_hand_off(api, "d1:0")
    second = await a_hand_off(api, "d2:0", order="5002")
    await a_hand_off(api, "d3:0", origin=EU, order="6001")
    await HandOffBook(api.context.sessions).fail(first.id, "no stock")
    everything = await api.client.get(f"/api/v1/stores/{US}/handoffs", headers=bearer(COORDINATOR))
    assert everything.status_code == 200 and everything.json()["store"] == US
    assert {h["id"] for h in everything.json()["handoffs"]} == {first.id, second.id}
    open_ones = await api.client.get(f"/api/v1/stores/{US}/handoffs?status=open", headers=bearer(COORDINATOR))
    [listed] = open_ones.json()["handoffs"]
    assert listed["id"] == second.id and listed["origin"]["order_name"] == "#5002"
    assert listed["lines"] == [
        {
            "sku": "MUG-1",
            "quantity": 2,
            "fulfillment_order_line_id": "gid://shopify/FulfillmentOrderLineItem/71",
        }
    ]
    assert listed["created_at"] == NOW.isoformat() and listed["fulfilling"]["store"] == EU


async def test_a_status_that_is_not_one_of_a_hand_off_is_a_400_naming_the_statuses(api: Api) -> None:
    answer = await api.client.get(f"/api/v1/stores/{US}/handoffs?status=shipped", headers=bearer(COORDINATOR))
    assert answer.status_code == 400
    problem = answer.json()
    assert (
        problem["where"] == "query parameter status"
        and "open, completed, failed, cancelled" in problem["fix"]
    )


async def test_a_hand_off_is_read_by_id_with_a_token_that_sees_its_origin_store(api: Api) -> None:
    handoff = await a_hand_off(api, "d1:0")
    answer = await api.client.get(f"/api/v1/handoffs/{handoff.id}", headers=bearer(COORDINATOR))
    assert answer.status_code == 200 and answer.json() == handoff.to_json()
    assert answer.json()["status"] == "open" and answer.json()["mode"] == "coordinator"


async def test_a_hand_off_of_another_store_is_a_404_exactly_like_an_unknown_id(api: Api) -> None:
    """A store-limited token cannot tell which ids exist in stores it may not see."""
    handoff = await a_hand_off(api, "d1:0")  # its origin is the US store
    paths = [f"/api/v1/handoffs/{handoff.id}", f"/api/v1/handoffs/{UNKNOWN}"]
    other, unknown = [await api.client.get(path, headers=bearer(EU_ONLY)) for path in paths]
    assert other.status_code == unknown.status_code == 404
    assert other.json()["type"] == unknown.json()["type"] and other.json()["where"] == "path parameter id"
    closing = await api.client.post(
        f"/api/v1/handoffs/{handoff.id}/complete", json=COMPLETION, headers=bearer(EU_ONLY)
    )
    assert closing.status_code == 404
    assert (await HandOffBook(api.context.sessions).get(handoff.id)).status == "open"  # type: ignore[union-attr]


async def test_an_id_that_is_not_a_uuid_is_a_400(api: Api) -> None:
    answer = await api.client.get("/api/v1/handoffs/12", headers=bearer(COORDINATOR))
    assert answer.status_code == 400 and answer.json()["where"] == "path parameter id"


async def test_completing_hands_the_tracking_to_the_actions_and_answers_the_completed_hand_off(
    api: Api,
) -> None:
    handoff = await a_hand_off(api, "d1:0")
    actions = RecordingActions(HandOffBook(api.context.sessions))
    async with served_with(api, actions) as client:
        path = f"/api/v1/handoffs/{handoff.id}/complete"
        answer = await client.post(path, json=COMPLETION, headers=bearer(COORDINATOR))
        again = await client.post(path, json=COMPLETION, headers=bearer(COORDINATOR))
        failing = await client.post(
            f"/api/v1/handoffs/{handoff.id}/fail", json={"reason": "late"}, headers=bearer(COORDINATOR)
        )
    assert answer.status_code == 200 and answer.json()["status"] == "completed"
    assert answer.json()["tracking"] == {
        "company": "DHL",
        "numbers": ["JD0001"],
        "urls": ["https://dhl.example/JD0001"],
    }
    tracking = Tracking("DHL", ("JD0001",), ("https://dhl.example/JD0001",))
    assert actions.calls == [("complete", handoff.id, tracking)]  # the retry set off nothing again
    assert again.status_code == 200 and again.json()["status"] == "completed"
    assert failing.status_code == 409 and "already completed" in failing.json()["detail"]


async def test_failing_hands_the_reason_with_the_callers_name_to_the_actions(api: Api) -> None:
    handoff = await a_hand_off(api, "d1:0")
    actions = RecordingActions(HandOffBook(api.context.sessions))
    async with served_with(api, actions) as client:
        answer = await client.post(
            f"/api/v1/handoffs/{handoff.id}/fail",
            json={"reason": "  EU warehouse out of MUG-1 "},
            headers=bearer(COORDINATOR),
        )
    assert answer.status_code == 200 and answer.json()["status"] == "failed"
    assert actions.calls == [("fail", handoff.id, "EU warehouse out of MUG-1 (reported by coordinator)")]
    assert answer.json()["detail"] == "EU warehouse out of MUG-1 (reported by coordinator)"


async def test_when_shopify_does_not_take_the_completion_the_answer_is_502_and_the_hand_off_stays_open(
    api: Api,
) -> None:
    handoff = await a_hand_off(api, "d1:0")
    actions = RecordingActions(HandOffBook(api.context.sessions), shopify_down=True)
    async with served_with(api, actions) as client:
        answer = await client.post(
            f"/api/v1/handoffs/{handoff.id}/complete", json=COMPLETION, headers=bearer(COORDINATOR)
        )
    assert answer.status_code == 502 and "stays open" in answer.json()["detail"]
    stored = await HandOffBook(api.context.sessions).get(handoff.id)
    assert stored is not None and stored.status == "open"


async def test_a_body_that_is_not_as_documented_is_a_400_naming_the_field(api: Api) -> None:
    handoff = await a_hand_off(api, "d1:0")
    complete, fail = f"/api/v1/handoffs/{handoff.id}/complete", f"/api/v1/handoffs/{handoff.id}/fail"
    cases: list[tuple[str, dict[str, Any], str]] = [
        (complete, {"content": b"{not json"}, "body"),
        (complete, {"json": ["DHL"]}, "body"),
        (complete, {"json": {**COMPLETION, "carrier": "DHL"}}, "body field carrier"),
        (complete, {"json": {**COMPLETION, "tracking_urls": ["ftp://x"]}}, "body field tracking_urls.0"),
        (complete, {"json": {**COMPLETION, "tracking_numbers": [""]}}, "body field tracking_numbers.0"),
        (fail, {"json": {"reason": "   "}}, "body field reason"),
        (fail, {"json": {}}, "body field reason"),
        (fail, {"content": b"x" * 70_000}, "body"),
    ]
    for path, request, where in cases:
        answer = await api.client.post(path, headers=bearer(COORDINATOR), **request)
        assert answer.status_code == 400, (path, request)
        problem = answer.json()
        assert problem["where"] == where and problem["fix"], (path, request, problem)
    stored = await HandOffBook(api.context.sessions).get(handoff.id)
    assert stored is not None and stored.status == "open"  # nothing of a refused request was kept
