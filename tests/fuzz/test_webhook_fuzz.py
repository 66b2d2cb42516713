"""Whatever reaches the webhook route, it answers a clear 4xx or stores a delivery Shopify signed.

The real intake over ASGI on a real inbox (SQLite, and PostgreSQL when configured). Hypothesis
varies headers, bodies, signatures, sizes and encodings; each example checks: never a 5xx, a 4xx
says what was wrong, and a row is stored only for a body signed with one of the store's secrets.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.routing import Route

from adapters.intake import Intake
from adapters.settings import StoreConfig
from adapters.store import Inbox

SHOP = "north-wind-us.myshopify.com"
SECRETS = ("old-secret-of-the-store", "new-secret-of-the-store")
MAX_BYTES = 4096

# Header values as the wire carries them: latin-1 text without line breaks or NUL.
wire_text = st.text(
    alphabet=st.characters(min_codepoint=1, max_codepoint=255, exclude_characters="\r\n"), max_size=300
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    """JSON objects and other JSON, in UTF-8 and other encodings, raw bytes, and oversized bodies."""
    kind = draw(st.sampled_from(["object", "json", "encoded", "bytes", "large"]))
    if kind == "object":
        return json.dumps(draw(st.dictionaries(st.text(max_size=20), json_values, max_size=6))).encode()
    if kind == "json":
        return json.dumps(draw(json_values)).encode()
    if kind == "encoded":
        text = json.dumps({"note": draw(st.text(max_size=60))}, ensure_ascii=False)
        return text.encode(draw(st.sampled_from(["utf-16", "utf-32", "latin-1", "utf-8-sig"])), "replace")
    if kind == "bytes":
        return draw(st.binary(max_size=600))
    return b'{"pad": "' + b"x" * draw(st.integers(MAX_BYTES - 20, MAX_BYTES * 3)) + b'"}'


def sign(body: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


@dataclass(frozen=True)
class Request:
    body: bytes
    headers: dict[str, str]
    validly_signed: bool  # for a configured shop, with one of its secrets, over exactly this body


@st.composite
def requests(draw: st.DrawFn) -> Request:
    body = draw(bodies())
    signature = draw(st.sampled_from(["old", "new", "wrong-secret", "other-body", "garbage", "missing"]))
    shop = draw(st.sampled_from([SHOP, SHOP.upper(), "other.myshopify.com", "", None]) | wire_text)
    headers: dict[str, str] = {}
    if signature in ("old", "new"):
        headers["X-Shopify-Hmac-Sha256"] = sign(body, SECRETS[signature == "new"])
    elif signature == "wrong-secret":
        headers["X-Shopify-Hmac-Sha256"] = sign(body, "not-the-secret")
    elif signature == "other-body":
        headers["X-Shopify-Hmac-Sha256"] = sign(body + b" ", SECRETS[1])
    elif signature == "garbage":
        headers["X-Shopify-Hmac-Sha256"] = draw(wire_text)
    optional: dict[str, Any] = {
        "X-Shopify-Shop-Domain": shop,
        "X-Shopify-Topic": draw(
            st.sampled_from(["fulfillment_orders/order_routing_complete", None]) | wire_text
        ),
        "X-Shopify-Webhook-Id": draw(st.uuids().map(str) | wire_text | st.none()),
        "X-Shopify-Event-Id": draw(wire_text | st.none()),
        "X-Shopify-Triggered-At": draw(wire_text | st.none()),
        "X-Shopify-API-Version": draw(st.sampled_from(["2026-01", "bogus"]) | st.none()),
        "Content-Type": draw(st.sampled_from(["application/json", "text/plain; charset=utf-16"]) | st.none()),
    }
    headers.update({name: value for name, value in optional.items() if value is not None})
    valid = signature in ("old", "new") and shop == SHOP
    return Request(body, headers, valid)


async def stored_rows(inbox: Inbox) -> int:
    return sum((await inbox.counts()).values())


@settings(
    max_examples=150,
    deadline=None,
    database=None,  # no .hypothesis folder in the checkout
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(request=requests())
async def test_any_request_gets_a_clear_answer_and_only_signed_bodies_are_stored(
    sessions: async_sessionmaker[AsyncSession], request: Request
) -> None:
    inbox = Inbox(sessions)
    store = StoreConfig(
        domain=SHOP, access_token=SecretStr("shpat_x"), client_secrets=tuple(SecretStr(s) for s in SECRETS)
    )
    intake = Intake(inbox, {SHOP: store}, max_body_bytes=MAX_BYTES, notify=lambda: None)
    app = Starlette(routes=[Route("/webhooks/shopify", intake.handle, methods=["POST"])])
    before = await stored_rows(inbox)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
        answer = await http.post(
            "/webhooks/shopify",
            content=request.body,
            headers={name.encode(): value.encode("latin-1") for name, value in request.headers.items()},
        )
    after = await stored_rows(inbox)

    assert answer.status_code < 500, answer.text
    if answer.status_code >= 400:
        assert answer.status_code in (400, 401, 413), answer.text
        assert answer.json()["message"], "a 4xx says what was wrong"
    if after > before:
        assert request.validly_signed, f"stored without a valid signature: {request.headers}"
        assert answer.status_code == 200
    if not request.validly_signed:
        assert answer.status_code in (401, 413), answer.text
        assert after == before
