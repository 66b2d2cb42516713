"""Every API route needs a configured bearer token with the route's scope, and sees only its stores."""

from __future__ import annotations

import logging

import pytest
from starlette.routing import Mount, Route

from adapters.api import api_routes
from tests.api.conftest import COORDINATOR, EU_ONLY, HANDOFFS_ONLY, INVENTORY_ONLY, US, WRONG, Api, bearer

HANDOFF = "00000000-0000-4000-8000-000000000000"
# (method, path, scope needed, whether the path names a store); one row per route but openapi.json.
ROUTES = [
    ("GET", "/api/v1/stores", None, False),
    ("GET", f"/api/v1/stores/{US}/orders/5001/decisions", "decisions:read", True),
    ("POST", f"/api/v1/stores/{US}/orders/5001/decide", "decisions:write", True),
    (
        "GET",
        f"/api/v1/stores/{US}/deliveries/api:00000000-0000-0000-0000-000000000000",
        "decisions:read",
        True,
    ),
    ("GET", "/api/v1/inventory?sku=MUG-1", "inventory:read", False),
    ("GET", "/api/v1/dead-letters", "dead_letters:read", False),
    ("POST", "/api/v1/dead-letters/1/retry", "dead_letters:write", False),
    ("GET", f"/api/v1/stores/{US}/handoffs?status=open", "handoffs:read", True),
    ("GET", f"/api/v1/handoffs/{HANDOFF}", "handoffs:read", False),
    ("POST", f"/api/v1/handoffs/{HANDOFF}/complete", "handoffs:write", False),
    ("POST", f"/api/v1/handoffs/{HANDOFF}/fail", "handoffs:write", False),
    ("GET", "/api/v1/shadow/disagreements", "decisions:read", False),
]
TEMPLATES = {
    "/stores",
    "/stores/{store}/orders/{order_id}/decisions",
    "/stores/{store}/orders/{order_id}/decide",
    "/stores/{store}/deliveries/{delivery_id}",
    "/inventory",
    "/dead-letters",
    "/dead-letters/{id}/retry",
    "/stores/{store}/handoffs",
    "/handoffs/{id}",
    "/handoffs/{id}/complete",
    "/handoffs/{id}/fail",
    "/shadow/disagreements",
}
IDS = [f"{method} {path.split('?')[0]}" for method, path, _, _ in ROUTES]


def test_the_table_above_covers_every_guarded_route_of_the_router(api: Api) -> None:
    mount = api_routes(api.context)
    assert isinstance(mount, Mount)
    routed = {route.path.replace(":path}", "}") for route in mount.routes if isinstance(route, Route)}
    assert routed - {"/openapi.json", "/{rest}"} == TEMPLATES


@pytest.mark.parametrize(("method", "path", "scope", "per_store"), ROUTES, ids=IDS)
async def test_without_a_token_or_with_a_wrong_one_the_answer_is_the_same_401(
    api: Api, method: str, path: str, scope: str | None, per_store: bool
) -> None:
    answers = [
        await api.client.request(method, path),
        await api.client.request(method, path, headers=bearer(WRONG)),
        await api.client.request(method, path, headers={"Authorization": f"Basic {COORDINATOR}"}),
        await api.client.request(method, path, headers={"Authorization": "Bearer "}),
    ]
    assert {answer.status_code for answer in answers} == {401}
    assert all(answer.headers["content-type"] == "application/problem+json" for answer in answers)
    assert all(answer.headers["www-authenticate"].startswith("Bearer") for answer in answers)
    assert len({answer.text for answer in answers}) == 1  # nothing tells a wrong token from none
    problem = answers[0].json()
    assert problem["where"] == "header Authorization" and "Bearer" in problem["fix"]
    assert WRONG not in answers[1].text and COORDINATOR not in answers[2].text


@pytest.mark.parametrize(("method", "path", "scope", "per_store"), ROUTES, ids=IDS)
async def test_a_token_without_the_scope_is_refused_with_403_naming_the_scope(
    api: Api, method: str, path: str, scope: str | None, per_store: bool
) -> None:
    # handoffs-only may read hand-offs: for those routes, a token with another scope stands in.
    token, name = (
        (INVENTORY_ONLY, "inventory-only") if scope == "handoffs:read" else (HANDOFFS_ONLY, "handoffs-only")
    )
    answer = await api.client.request(method, path, headers=bearer(token))
    if scope is None:  # listing one's stores needs no scope
        assert answer.status_code == 200
        return
    assert answer.status_code == 403
    problem = answer.json()
    assert problem["type"].endswith("/missing-scope")
    assert scope in problem["detail"] and scope in problem["fix"] and name in problem["detail"]


@pytest.mark.parametrize(
    ("method", "path", "scope", "per_store"),
    [row for row in ROUTES if row[3]],
    ids=[i for i, r in zip(IDS, ROUTES, strict=True) if r[3]],
)
async def test_a_token_of_another_store_is_refused_with_403_naming_the_store(
    api: Api, method: str, path: str, scope: str | None, per_store: bool
) -> None:
    answer = await api.client.request(method, path, headers=bearer(EU_ONLY))
    assert answer.status_code == 403
    problem = answer.json()
    assert problem["type"].endswith("/store-not-allowed") and US in problem["detail"]
    assert problem["where"] == "path parameter store"


async def test_a_limited_token_gets_the_same_403_for_a_store_that_is_not_configured(api: Api) -> None:
    """So a store-limited token cannot probe which other stores exist."""
    configured = await api.client.get(f"/api/v1/stores/{US}/orders/5001/decisions", headers=bearer(EU_ONLY))
    unknown = await api.client.get(
        "/api/v1/stores/north-wind-xx.myshopify.com/orders/5001/decisions", headers=bearer(EU_ONLY)
    )
    assert configured.status_code == unknown.status_code == 403
    assert configured.json()["type"] == unknown.json()["type"]


async def test_an_unlimited_token_gets_404_for_a_store_that_is_not_configured(api: Api) -> None:
    answer = await api.client.get(
        "/api/v1/stores/north-wind-xx.myshopify.com/orders/5001/decisions", headers=bearer(COORDINATOR)
    )
    assert answer.status_code == 404
    assert "GET /api/v1/stores" in answer.json()["fix"]


async def test_the_stores_route_lists_only_the_stores_a_token_sees(api: Api) -> None:
    everything = (await api.client.get("/api/v1/stores", headers=bearer(COORDINATOR))).json()
    limited = (await api.client.get("/api/v1/stores", headers=bearer(EU_ONLY))).json()
    assert [s["store"] for s in everything["stores"]] == ["north-wind-eu.myshopify.com", US]
    assert [s["store"] for s in limited["stores"]] == ["north-wind-eu.myshopify.com"]
    assert limited["token"] == "eu-only" and "decisions:read" in limited["scopes"]


async def test_the_openapi_document_is_served_without_a_token(api: Api) -> None:
    answer = await api.client.get("/api/v1/openapi.json")
    assert answer.status_code == 200 and answer.json()["openapi"].startswith("3.1")


async def test_no_token_ever_appears_in_the_logs_or_the_answers(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    texts = []
    for method, path, _, _ in ROUTES:
        for token in (COORDINATOR, EU_ONLY, HANDOFFS_ONLY, INVENTORY_ONLY, WRONG):
            texts.append((await api.client.request(method, path, headers=bearer(token))).text)
    texts.append(caplog.text)
    for secret in (COORDINATOR, EU_ONLY, HANDOFFS_ONLY, INVENTORY_ONLY, WRONG):
        assert not any(secret in text for text in texts), secret
    assert "handoffs-only" in caplog.text  # the token's name is what the logs show
