"""ShopifyClient over httpx.MockTransport: headers, throttling, retries, typed errors."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from adapters.shopify import documents
from adapters.shopify.client import RetryPolicy, ShopifyClient
from adapters.shopify.errors import (
    ShopifyAuthError,
    ShopifyError,
    ShopifyQueryError,
    ShopifyThrottled,
    ShopifyUnavailable,
    ShopifyUnexpectedResponse,
)
from tests.shopify.conftest import API_URL, TOKEN, FakeClock, ScriptedShopify


def ok(
    data: dict[str, Any], requested: float = 10, actual: float = 5, available: float = 1990
) -> dict[str, Any]:
    return {
        "data": data,
        "extensions": {
            "cost": {
                "requestedQueryCost": requested,
                "actualQueryCost": actual,
                "throttleStatus": {
                    "maximumAvailable": 2000,
                    "currentlyAvailable": available,
                    "restoreRate": 100,
                },
            }
        },
    }


def throttled(requested: float = 500, available: float = 100) -> dict[str, Any]:
    return {
        "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
        "extensions": {
            "cost": {
                "requestedQueryCost": requested,
                "actualQueryCost": None,
                "throttleStatus": {
                    "maximumAvailable": 2000,
                    "currentlyAvailable": available,
                    "restoreRate": 100,
                },
            }
        },
    }


LOCATIONS = documents.LOCATIONS
TAGS_ADD = documents.TAGS_ADD


async def test_posts_the_document_with_the_token_header(
    client: ShopifyClient, shopify: ScriptedShopify
) -> None:
    shopify.add_json(ok({"locations": {"nodes": []}}))
    data = await client.execute(LOCATIONS, {"after": None})
    assert data == {"locations": {"nodes": []}}
    request = shopify.requests[0]
    assert str(request.url) == API_URL
    assert request.headers["X-Shopify-Access-Token"] == TOKEN
    body = json.loads(request.content)
    assert body == {
        "query": LOCATIONS.text,
        "variables": {"after": None},
        "operationName": "RoutingLocations",
    }


async def test_counts_calls_and_cost_and_keeps_the_latest_throttle_status(
    client: ShopifyClient, shopify: ScriptedShopify
) -> None:
    shopify.add_json(ok({}, requested=40, actual=10, available=1990))
    shopify.add_json(ok({}, requested=20, actual=16, available=1974))
    await client.execute(LOCATIONS)
    await client.execute(LOCATIONS)
    assert client.accounting.calls == 2
    assert client.accounting.requested_cost == 60
    assert client.accounting.actual_cost == 26
    assert client.throttle_status is not None
    assert client.throttle_status.currently_available == 1974


@pytest.mark.parametrize("status", [200, 429])
async def test_waits_out_throttled_then_succeeds(
    client: ShopifyClient, shopify: ScriptedShopify, clock: FakeClock, status: int
) -> None:
    shopify.add_json(throttled(requested=500, available=100), status=status)
    shopify.add_json(ok({"locations": {"nodes": []}}))
    assert await client.execute(LOCATIONS) == {"locations": {"nodes": []}}
    assert clock.sleeps == [pytest.approx(4.0 + 0.1)]  # (500 - 100) / 100 + margin
    assert client.accounting.throttle_waits == 1
    assert len(shopify.requests) == 2


async def test_429_without_a_graphql_body_uses_retry_after(
    client: ShopifyClient, shopify: ScriptedShopify, clock: FakeClock
) -> None:
    shopify.add(httpx.Response(429, headers={"Retry-After": "2.0"}, text="Too Many Requests"))
    shopify.add_json(ok({}))
    await client.execute(TAGS_ADD, {"id": "gid://shopify/Order/1", "tags": ["x"]})
    assert clock.sleeps == [pytest.approx(2.1)]


async def test_gives_up_when_throttled_too_long(shopify: ScriptedShopify, http: httpx.AsyncClient) -> None:
    clock = FakeClock()
    client = ShopifyClient(
        http,
        shop_domain="s",
        admin_api_url=API_URL,
        access_token=SecretStr(TOKEN),
        retry=RetryPolicy(max_throttle_wait_seconds=10),
        sleep=clock.sleep,
        clock=clock,
    )
    for _ in range(5):
        shopify.add_json(throttled(requested=500, available=100))
    with pytest.raises(ShopifyThrottled) as caught:
        await client.execute(LOCATIONS)
    assert caught.value.waited_seconds == pytest.approx(8.2)


async def test_paces_before_a_request_the_bucket_cannot_hold(
    client: ShopifyClient, shopify: ScriptedShopify, clock: FakeClock
) -> None:
    shopify.add_json(ok({}, requested=300, actual=300, available=100))
    shopify.add_json(ok({}, requested=300, actual=300, available=0))
    await client.execute(LOCATIONS)
    await client.execute(LOCATIONS)
    assert clock.sleeps == [pytest.approx(2.0)]  # 300 expected, 100 available, 100/s
    assert client.accounting.pacing_waits == 1


@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(503, text="unavailable"),
        httpx.Response(500, json={"errors": "Internal error"}),
        httpx.ReadTimeout("timed out"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        httpx.ConnectError("connection refused"),
    ],
    ids=["503", "500", "read-timeout", "dropped", "connect"],
)
async def test_query_retries_transient_failures_with_backoff(
    client: ShopifyClient, shopify: ScriptedShopify, clock: FakeClock, failure: httpx.Response | Exception
) -> None:
    shopify.add(failure, failure)
    shopify.add_json(ok({"locations": {"nodes": []}}))
    assert await client.execute(LOCATIONS) == {"locations": {"nodes": []}}
    # full jitter with random 0.5: 0.5 * min(8, 0.5 * 2**n)
    assert clock.sleeps == [pytest.approx(0.25), pytest.approx(0.5)]
    assert client.accounting.retries == 2


async def test_gives_up_after_the_attempts(client: ShopifyClient, shopify: ScriptedShopify) -> None:
    for _ in range(5):
        shopify.add(httpx.Response(502, text="bad gateway"))
    with pytest.raises(ShopifyUnavailable) as caught:
        await client.execute(LOCATIONS)
    assert caught.value.attempts == 5
    assert caught.value.status == 502
    assert TOKEN not in str(caught.value)


async def test_gives_up_when_the_time_budget_is_spent(
    shopify: ScriptedShopify, http: httpx.AsyncClient
) -> None:
    clock = FakeClock()
    client = ShopifyClient(
        http,
        shop_domain="s",
        admin_api_url=API_URL,
        access_token=SecretStr(TOKEN),
        retry=RetryPolicy(
            max_attempts=100, max_elapsed_seconds=5, backoff_base_seconds=1, backoff_cap_seconds=4
        ),
        sleep=clock.sleep,
        random_fraction=lambda: 1.0,
        clock=clock,
    )
    for _ in range(100):
        shopify.add(httpx.Response(503))
    with pytest.raises(ShopifyUnavailable):
        await client.execute(LOCATIONS)
    assert sum(clock.sleeps) <= 5


@pytest.mark.parametrize(
    "failure",
    [httpx.Response(500, text="oops"), httpx.ReadTimeout("timed out"), httpx.RemoteProtocolError("dropped")],
    ids=["500", "read-timeout", "dropped"],
)
async def test_mutation_is_not_resent_after_an_ambiguous_failure(
    client: ShopifyClient, shopify: ScriptedShopify, failure: httpx.Response | Exception
) -> None:
    shopify.add(failure)
    with pytest.raises(ShopifyUnavailable, match="may or may not have run"):
        await client.execute(TAGS_ADD, {"id": "gid://shopify/Order/1", "tags": ["x"]})
    assert len(shopify.requests) == 1


async def test_mutation_is_resent_when_it_never_left(client: ShopifyClient, shopify: ScriptedShopify) -> None:
    shopify.add(httpx.ConnectError("refused"))
    shopify.add_json(ok({"tagsAdd": {"node": {"id": "gid://shopify/Order/1"}, "userErrors": []}}))
    data = await client.execute(TAGS_ADD, {"id": "gid://shopify/Order/1", "tags": ["x"]})
    assert data["tagsAdd"]["userErrors"] == []


@pytest.mark.parametrize("status", [401, 403])
async def test_auth_errors(client: ShopifyClient, shopify: ScriptedShopify, status: int) -> None:
    shopify.add_json(
        {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}, status
    )
    with pytest.raises(ShopifyAuthError) as caught:
        await client.execute(LOCATIONS)
    assert caught.value.status == status
    assert TOKEN not in str(caught.value) and TOKEN not in repr(client)


async def test_graphql_errors_raise_query_error_with_messages(
    client: ShopifyClient, shopify: ScriptedShopify
) -> None:
    shopify.add_json(
        {
            "errors": [
                {
                    "message": "Query cost is 1250, which exceeds the single query max cost limit (1000).",
                    "extensions": {"code": "MAX_COST_EXCEEDED", "cost": 1250, "maxCost": 1000},
                }
            ]
        }
    )
    with pytest.raises(ShopifyQueryError) as caught:
        await client.execute(LOCATIONS)
    assert caught.value.has_code("MAX_COST_EXCEEDED")
    assert "exceeds the single query max cost" in caught.value.messages[0]
    assert client.accounting.calls == 1


async def test_partial_data_is_kept_on_the_query_error(
    client: ShopifyClient, shopify: ScriptedShopify
) -> None:
    payload = ok({"order": {"id": "1"}})
    payload["errors"] = [{"message": "Access denied", "extensions": {"code": "ACCESS_DENIED"}}]
    shopify.add_json(payload)
    with pytest.raises(ShopifyQueryError) as caught:
        await client.execute(LOCATIONS)
    assert caught.value.data == {"order": {"id": "1"}}


@pytest.mark.parametrize(
    "response",
    [httpx.Response(404, text="Not Found"), httpx.Response(200, text="<html>"), httpx.Response(200, json={})],
    ids=["404", "html", "no-data"],
)
async def test_unexpected_responses(
    client: ShopifyClient, shopify: ScriptedShopify, response: httpx.Response
) -> None:
    shopify.add(response)
    with pytest.raises(ShopifyUnexpectedResponse):
        await client.execute(LOCATIONS)


def test_every_error_is_a_shopify_error() -> None:
    for error in (
        ShopifyAuthError,
        ShopifyQueryError,
        ShopifyThrottled,
        ShopifyUnavailable,
        ShopifyUnexpectedResponse,
    ):
        assert issubclass(error, ShopifyError)
