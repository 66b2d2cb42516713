"""Stock per SKU, store and location, each figure with its age; a store-limited token sees its store."""

from __future__ import annotations

from datetime import timedelta

from tests.api.conftest import COORDINATOR, EU, EU_ONLY, NOW, US, Api, bearer


async def test_each_sku_lists_every_store_and_location_with_available_and_the_figures_age(api: Api) -> None:
    api.inventory[US].read_at = NOW - timedelta(seconds=2)
    answer = await api.client.get("/api/v1/inventory?sku=MUG-1&sku=LAMP-9", headers=bearer(COORDINATOR))
    assert answer.status_code == 200
    body = answer.json()
    assert [entry["sku"] for entry in body["skus"]] == ["MUG-1", "LAMP-9"]
    mug, lamp = body["skus"]
    by_store = {entry["store"]: entry["locations"] for entry in mug["stores"]}
    assert sorted(by_store) == [EU, US]
    assert [(f["location_name"], f["available"], f["age_seconds"], f["source"]) for f in by_store[US]] == [
        ("Newark DC", 7, 2.0, "live"),
        ("Reno DC", 0, 2.0, "live"),
    ]
    assert by_store[US][0]["read_at"] == (NOW - timedelta(seconds=2)).isoformat()
    assert by_store[EU][0]["location_id"] == "gid://shopify/Location/9"
    # A SKU no store stocks still answers, with every store and no location.
    assert lamp["stores"] == [{"store": EU, "locations": []}, {"store": US, "locations": []}]
    assert body["unavailable"] == [] and body["at"] == NOW.isoformat()
    assert api.inventory[US].asked == [["MUG-1", "LAMP-9"]]


async def test_a_token_limited_to_one_store_sees_only_that_stores_figures(api: Api) -> None:
    body = (await api.client.get("/api/v1/inventory?sku=MUG-1", headers=bearer(EU_ONLY))).json()
    assert [entry["store"] for entry in body["skus"][0]["stores"]] == [EU]
    assert api.inventory[US].asked == []  # the other store is not even read


async def test_a_store_that_cannot_be_read_is_listed_as_unavailable_and_the_others_answer(api: Api) -> None:
    api.inventory[US].down = True
    body = (await api.client.get("/api/v1/inventory?sku=MUG-1", headers=bearer(COORDINATOR))).json()
    assert [entry["store"] for entry in body["skus"][0]["stores"]] == [EU]
    assert [entry["store"] for entry in body["unavailable"]] == [US]
    assert "try again later" in body["unavailable"][0]["detail"]


async def test_a_repeated_sku_is_asked_for_once(api: Api) -> None:
    body = (await api.client.get("/api/v1/inventory?sku=MUG-1&sku=MUG-1", headers=bearer(COORDINATOR))).json()
    assert [entry["sku"] for entry in body["skus"]] == ["MUG-1"]


async def test_missing_empty_too_many_or_unprintable_skus_are_a_400_saying_what_to_send(api: Api) -> None:
    too_many = "&".join(f"sku=S{i}" for i in range(51))
    for query in ("", "?sku=", "?sku=%20", f"?{too_many}", "?sku=A%00B", "?sku=" + "x" * 256):
        answer = await api.client.get(f"/api/v1/inventory{query}", headers=bearer(COORDINATOR))
        assert answer.status_code == 400, query
        problem = answer.json()
        assert problem["where"] == "query parameter sku" and "?sku=A&sku=B" in problem["fix"]
    assert api.inventory[US].asked == []
