"""Dead letters on the API: listed newest first within the token's stores, and put back one by one."""

from __future__ import annotations

from datetime import timedelta

from adapters.store import Inbox, NewDelivery
from tests.api.conftest import COORDINATOR, EU, EU_ONLY, NOW, US, Api, bearer


async def a_dead_letter(api: Api, shop: str, webhook_id: str, minutes_ago: int) -> int:
    """A delivery the workers ended as failed, `minutes_ago` before NOW."""
    at = NOW - timedelta(minutes=minutes_ago)
    inbox = Inbox(api.context.sessions, clock=lambda: at)
    await inbox.store(NewDelivery(webhook_id, shop, "fulfillment_orders/order_routing_complete", "{}"))
    leased = await inbox.lease("worker-1", 30)
    assert leased is not None and leased.webhook_id == webhook_id
    await inbox.finish(leased.id, "worker-1", "failed", f"userError on {webhook_id}")
    return leased.id


async def test_dead_letters_are_listed_newest_first_with_their_reason(api: Api) -> None:
    older = await a_dead_letter(api, US, "w-us-1", minutes_ago=30)
    newer = await a_dead_letter(api, EU, "w-eu-1", minutes_ago=5)
    answer = await api.client.get("/api/v1/dead-letters", headers=bearer(COORDINATOR))
    assert answer.status_code == 200
    body = answer.json()
    assert [letter["id"] for letter in body["dead_letters"]] == [newer, older] and body["total"] == 2
    first = body["dead_letters"][0]
    assert (first["store"], first["webhook_id"], first["note"]) == (EU, "w-eu-1", "userError on w-eu-1")
    assert first["failed_at"] == (NOW - timedelta(minutes=5)).isoformat()


async def test_a_store_limited_token_lists_only_its_stores_dead_letters(api: Api) -> None:
    await a_dead_letter(api, US, "w-us-1", minutes_ago=30)
    eu = await a_dead_letter(api, EU, "w-eu-1", minutes_ago=20)
    eu_newer = await a_dead_letter(api, EU, "w-eu-2", minutes_ago=10)
    body = (await api.client.get("/api/v1/dead-letters", headers=bearer(EU_ONLY))).json()
    assert [letter["id"] for letter in body["dead_letters"]] == [eu_newer, eu] and body["total"] == 2
    limited = (await api.client.get("/api/v1/dead-letters?limit=1", headers=bearer(EU_ONLY))).json()
    assert [letter["id"] for letter in limited["dead_letters"]] == [eu_newer] and limited["total"] == 2


async def test_the_list_can_be_narrowed_to_one_store_the_token_sees(api: Api) -> None:
    us = await a_dead_letter(api, US, "w-us-1", minutes_ago=30)
    await a_dead_letter(api, EU, "w-eu-1", minutes_ago=20)
    body = (await api.client.get(f"/api/v1/dead-letters?store={US}", headers=bearer(COORDINATOR))).json()
    assert [letter["id"] for letter in body["dead_letters"]] == [us]
    refused = await api.client.get(f"/api/v1/dead-letters?store={US}", headers=bearer(EU_ONLY))
    assert refused.status_code == 403


async def test_a_limit_that_is_not_a_number_from_1_to_1000_is_a_400(api: Api) -> None:
    for limit in ("0", "1001", "ten", "-1"):
        answer = await api.client.get(f"/api/v1/dead-letters?limit={limit}", headers=bearer(COORDINATOR))
        assert answer.status_code == 400 and answer.json()["where"] == "query parameter limit", limit


async def test_retrying_a_dead_letter_puts_it_back_to_pending(api: Api) -> None:
    letter = await a_dead_letter(api, US, "w-us-1", minutes_ago=30)
    answer = await api.client.post(f"/api/v1/dead-letters/{letter}/retry", headers=bearer(COORDINATOR))
    assert answer.status_code == 200
    assert answer.json() == {
        "retried": [letter],
        "store": US,
        "status_url": f"/api/v1/stores/{US}/deliveries/w-us-1",
    }
    row = await Inbox(api.context.sessions).get("w-us-1")
    assert row is not None and (row.state, row.attempts) == ("pending", 0)
    assert row.note is not None and "it had failed: userError on w-us-1" in row.note
    listed = (await api.client.get("/api/v1/dead-letters", headers=bearer(COORDINATOR))).json()
    assert listed == {"dead_letters": [], "total": 0}


async def test_a_dead_letter_of_another_store_is_as_unknown_as_an_id_that_is_none(api: Api) -> None:
    letter = await a_dead_letter(api, US, "w-us-1", minutes_ago=30)
    other_store = await api.client.post(f"/api/v1/dead-letters/{letter}/retry", headers=bearer(EU_ONLY))
    no_such = await api.client.post("/api/v1/dead-letters/999/retry", headers=bearer(EU_ONLY))
    assert other_store.status_code == no_such.status_code == 404
    assert other_store.json()["type"] == no_such.json()["type"]
    row = await Inbox(api.context.sessions).get("w-us-1")
    assert row is not None and row.state == "failed"  # nothing changed


async def test_retrying_a_delivery_that_is_not_failed_is_a_404_and_changes_nothing(api: Api) -> None:
    letter = await a_dead_letter(api, US, "w-us-1", minutes_ago=30)
    assert (
        await api.client.post(f"/api/v1/dead-letters/{letter}/retry", headers=bearer(COORDINATOR))
    ).is_success
    again = await api.client.post(f"/api/v1/dead-letters/{letter}/retry", headers=bearer(COORDINATOR))
    assert again.status_code == 404 and "not in state failed" in again.json()["detail"]


async def test_a_dead_letter_id_that_is_not_a_number_is_a_400(api: Api) -> None:
    answer = await api.client.post("/api/v1/dead-letters/abc/retry", headers=bearer(COORDINATOR))
    assert answer.status_code == 400 and answer.json()["where"] == "path parameter id"
