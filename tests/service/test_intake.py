"""Every answer of the webhook route, over a real SQLite inbox."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.routing import Route

from adapters.intake import Intake
from adapters.settings import StoreConfig
from adapters.store import Inbox, create_engine, migrate, session_factory

SHOP = "north-wind-us.myshopify.com"
OLD_SECRET, NEW_SECRET = "old-secret", "new-secret"
BODY = json.dumps(
    {"fulfillment_order": {"id": "gid://shopify/FulfillmentOrder/1", "status": "open"}}
).encode()


def sign(body: bytes, secret: str = NEW_SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def headers(body: bytes = BODY, *, secret: str = NEW_SECRET, webhook_id: str = "w-1") -> dict[str, str]:
    return {
        "X-Shopify-Topic": "fulfillment_orders/order_routing_complete",
        "X-Shopify-Hmac-Sha256": sign(body, secret),
        "X-Shopify-Shop-Domain": SHOP,
        "X-Shopify-API-Version": "2026-10",
        "X-Shopify-Webhook-Id": webhook_id,
        "X-Shopify-Event-Id": "e-1",
        "X-Shopify-Triggered-At": "2026-11-27T12:00:00.000000000Z",
        "Content-Type": "application/json",
    }


class Wakeups:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> None:
        self.count += 1


@pytest.fixture
async def inbox(tmp_path: Path) -> AsyncIterator[Inbox]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/inbox.db")
    await migrate(engine)
    yield Inbox(session_factory(engine))
    await engine.dispose()


@pytest.fixture
def wakeups() -> Wakeups:
    return Wakeups()


@pytest.fixture
async def client(inbox: Inbox, wakeups: Wakeups) -> AsyncIterator[httpx.AsyncClient]:
    store = StoreConfig(
        domain=SHOP,
        access_token=SecretStr("shpat_x"),
        client_secrets=(SecretStr(OLD_SECRET), SecretStr(NEW_SECRET)),
    )
    intake = Intake(inbox, {SHOP: store}, max_body_bytes=1024 * 1024, notify=wakeups)
    app = Starlette(routes=[Route("/webhooks/shopify", intake.handle, methods=["POST"])])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
        yield http


async def test_a_signed_delivery_is_stored_and_wakes_the_workers(
    client: httpx.AsyncClient, inbox: Inbox, wakeups: Wakeups
) -> None:
    response = await client.post("/webhooks/shopify", content=BODY, headers=headers())
    assert response.status_code == 200
    assert await inbox.counts() == {"pending": 1}
    assert wakeups.count == 1


async def test_a_delivery_signed_with_the_rotated_out_secret_is_still_accepted(
    client: httpx.AsyncClient, inbox: Inbox
) -> None:
    response = await client.post("/webhooks/shopify", content=BODY, headers=headers(secret=OLD_SECRET))
    assert response.status_code == 200


async def test_the_same_webhook_id_twice_is_stored_once(
    client: httpx.AsyncClient, inbox: Inbox, wakeups: Wakeups
) -> None:
    first = await client.post("/webhooks/shopify", content=BODY, headers=headers())
    second = await client.post("/webhooks/shopify", content=BODY, headers=headers())
    assert (first.status_code, second.status_code) == (200, 200)
    assert "duplicate" in second.json()["message"]
    assert await inbox.counts() == {"pending": 1}
    assert wakeups.count == 1


async def test_a_wrong_signature_is_refused_and_nothing_is_stored(
    client: httpx.AsyncClient, inbox: Inbox
) -> None:
    response = await client.post("/webhooks/shopify", content=BODY, headers=headers(secret="forged"))
    assert response.status_code == 401
    assert "signature" in response.json()["message"]
    assert await inbox.counts() == {}


async def test_a_missing_signature_is_refused(client: httpx.AsyncClient, inbox: Inbox) -> None:
    unsigned = {k: v for k, v in headers().items() if k != "X-Shopify-Hmac-Sha256"}
    response = await client.post("/webhooks/shopify", content=BODY, headers=unsigned)
    assert response.status_code == 401
    assert await inbox.counts() == {}


async def test_an_unknown_shop_is_refused(client: httpx.AsyncClient, inbox: Inbox) -> None:
    response = await client.post(
        "/webhooks/shopify",
        content=BODY,
        headers={**headers(), "X-Shopify-Shop-Domain": "other.myshopify.com"},
    )
    assert response.status_code == 401
    assert "unknown shop" in response.json()["message"]
    assert await inbox.counts() == {}


async def test_a_body_over_one_mebibyte_is_refused_unread(client: httpx.AsyncClient, inbox: Inbox) -> None:
    big = b'{"padding": "' + b"x" * (1024 * 1024) + b'"}'
    response = await client.post("/webhooks/shopify", content=big, headers=headers(big))
    assert response.status_code == 413
    assert await inbox.counts() == {}


async def test_a_streamed_body_over_the_limit_is_refused(client: httpx.AsyncClient, inbox: Inbox) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(20):
            yield b"x" * 65536

    unsized = {k: v for k, v in headers().items() if k.lower() != "content-length"}
    response = await client.post("/webhooks/shopify", content=chunks(), headers=unsized)
    assert response.status_code == 413


async def test_a_signed_body_that_is_not_json_is_refused(client: httpx.AsyncClient, inbox: Inbox) -> None:
    body = b"not json at all"
    response = await client.post("/webhooks/shopify", content=body, headers=headers(body))
    assert response.status_code == 400
    assert "not JSON" in response.json()["message"]
    assert await inbox.counts() == {}


async def test_a_signed_json_array_is_refused(client: httpx.AsyncClient, inbox: Inbox) -> None:
    body = b"[1, 2]"
    response = await client.post("/webhooks/shopify", content=body, headers=headers(body))
    assert response.status_code == 400


async def test_a_signed_delivery_without_webhook_id_is_refused(
    client: httpx.AsyncClient, inbox: Inbox
) -> None:
    without_id = {k: v for k, v in headers().items() if k != "X-Shopify-Webhook-Id"}
    response = await client.post("/webhooks/shopify", content=BODY, headers=without_id)
    assert response.status_code == 400
    assert await inbox.counts() == {}


async def test_headers_are_read_in_any_letter_case(client: httpx.AsyncClient, inbox: Inbox) -> None:
    lowered = {k.lower(): v for k, v in headers().items()}
    response = await client.post("/webhooks/shopify", content=BODY, headers=lowered)
    assert response.status_code == 200
    row = await inbox.get("w-1")
    assert row is not None and row.topic == "fulfillment_orders/order_routing_complete"


async def test_every_topic_is_stored(client: httpx.AsyncClient, inbox: Inbox) -> None:
    body = b'{"id": 1}'
    response = await client.post(
        "/webhooks/shopify", content=body, headers={**headers(body), "X-Shopify-Topic": "orders/create"}
    )
    assert response.status_code == 200
    assert await inbox.counts() == {"pending": 1}
