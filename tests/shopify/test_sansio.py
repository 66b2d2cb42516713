"""Pure helpers: webhook HMAC and headers, response parsing, throttle arithmetic."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from adapters.shopify import sansio
from adapters.shopify.sansio import ThrottleStatus

BODY = b'{"fulfillment_order":{"id":"gid://shopify/FulfillmentOrder/1","status":"open"}}'


def sign(body: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


class TestVerifyWebhook:
    def test_accepts_the_current_secret(self) -> None:
        assert sansio.verify_webhook(BODY, sign(BODY, "new"), ["new"])

    def test_accepts_old_and_new_secret_during_rotation(self) -> None:
        assert sansio.verify_webhook(BODY, sign(BODY, "old"), ["new", "old"])
        assert sansio.verify_webhook(BODY, sign(BODY, "new"), ["new", "old"])

    def test_rejects_a_wrong_secret(self) -> None:
        assert not sansio.verify_webhook(BODY, sign(BODY, "attacker"), ["new", "old"])

    def test_rejects_a_changed_body(self) -> None:
        assert not sansio.verify_webhook(BODY + b" ", sign(BODY, "new"), ["new"])

    @pytest.mark.parametrize("header", [None, "", "not base64!!", "aGVsbG8="])
    def test_rejects_missing_or_malformed_header(self, header: str | None) -> None:
        assert not sansio.verify_webhook(BODY, header, ["new"])

    def test_rejects_when_no_secret_is_configured(self) -> None:
        assert not sansio.verify_webhook(BODY, sign(BODY, ""), [""])
        assert not sansio.verify_webhook(BODY, sign(BODY, "new"), [])

    def test_rejects_a_hex_digest(self) -> None:
        hex_digest = hmac.new(b"new", BODY, hashlib.sha256).hexdigest()
        assert not sansio.verify_webhook(BODY, hex_digest, ["new"])


class TestReadWebhookHeaders:
    def test_reads_x_shopify_headers_in_any_case(self) -> None:
        headers = {
            "X-Shopify-Topic": "fulfillment_orders/order_routing_complete",
            "x-shopify-hmac-sha256": "abc=",
            "X-SHOPIFY-SHOP-DOMAIN": "north-wind-us.myshopify.com",
            "X-Shopify-API-Version": "2026-01",
            "X-Shopify-Webhook-Id": "w-1",
            "X-Shopify-Event-Id": "e-1",
            "X-Shopify-Triggered-At": "2026-03-29T18:00:27.877041743Z",
        }
        read = sansio.read_webhook_headers(headers)
        assert read == sansio.WebhookHeaders(
            topic="fulfillment_orders/order_routing_complete",
            hmac="abc=",
            shop_domain="north-wind-us.myshopify.com",
            api_version="2026-01",
            webhook_id="w-1",
            event_id="e-1",
            triggered_at="2026-03-29T18:00:27.877041743Z",
        )

    def test_reads_unprefixed_event_headers(self) -> None:
        read = sansio.read_webhook_headers(
            {"shopify-topic": "orders/create", "Shopify-Hmac-Sha256": "x=", "shopify-event-id": "e"}
        )
        assert (read.topic, read.hmac, read.event_id, read.webhook_id) == ("orders/create", "x=", "e", None)

    def test_missing_headers_are_none(self) -> None:
        assert sansio.read_webhook_headers({}) == sansio.WebhookHeaders()


STATUS = {"maximumAvailable": 2000.0, "currentlyAvailable": 1954, "restoreRate": 100.0}


class TestParseResponse:
    def test_separates_data_and_cost(self) -> None:
        body = {
            "data": {"shop": {"id": "1"}},
            "extensions": {
                "cost": {"requestedQueryCost": 101, "actualQueryCost": 46, "throttleStatus": STATUS}
            },
        }
        result = sansio.parse_response(200, json.dumps(body).encode())
        assert result.data == {"shop": {"id": "1"}}
        assert result.errors == ()
        assert result.cost is not None
        assert (result.cost.requested, result.cost.actual) == (101, 46)
        assert result.throttle_status == ThrottleStatus(2000, 1954, 100)
        assert not result.throttled

    @pytest.mark.parametrize("status", [200, 429])
    def test_recognises_throttled_by_code_whatever_the_status(self, status: int) -> None:
        body = {
            "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
            "extensions": {
                "cost": {"requestedQueryCost": 500, "actualQueryCost": None, "throttleStatus": STATUS}
            },
        }
        result = sansio.parse_response(status, json.dumps(body))
        assert result.throttled
        assert result.data is None
        assert result.cost is not None and result.cost.actual is None

    def test_errors_without_cost(self) -> None:
        body = {"errors": [{"message": "syntax error", "locations": [{"line": 1, "column": 1}]}]}
        result = sansio.parse_response(200, json.dumps(body))
        assert result.cost is None
        assert result.throttle_status is None
        assert [e.message for e in result.errors] == ["syntax error"]
        assert result.errors[0].code is None

    def test_string_errors(self) -> None:
        result = sansio.parse_response(401, b'{"errors":"[API] Invalid API key or access token"}')
        assert result.errors[0].message.startswith("[API] Invalid")

    def test_non_json_body(self) -> None:
        result = sansio.parse_response(502, b"<html>Bad gateway</html>")
        assert not result.json_body
        assert result.data is None


class TestThrottleWait:
    def test_waits_for_the_missing_points_at_the_restore_rate(self) -> None:
        status = ThrottleStatus(maximum_available=1000, currently_available=50, restore_rate=50)
        assert sansio.throttle_wait(300, status) == pytest.approx(5.0)

    def test_no_wait_when_enough_is_available(self) -> None:
        assert sansio.throttle_wait(10, ThrottleStatus(2000, 1990, 100)) == 0.0

    def test_unknown_cost_waits_one_second(self) -> None:
        assert sansio.throttle_wait(None, None) == 1.0
        assert sansio.throttle_wait(10, ThrottleStatus(2000, 0, 0)) == 1.0

    def test_bucket_refills_up_to_its_maximum(self) -> None:
        status = ThrottleStatus(maximum_available=2000, currently_available=100, restore_rate=100)
        assert sansio.available_now(status, 3) == 400
        assert sansio.available_now(status, 300) == 2000

    def test_backoff_is_full_jitter_under_a_cap(self) -> None:
        assert sansio.retry_backoff(0, base=0.5, cap=8, random_fraction=1.0) == 0.5
        assert sansio.retry_backoff(3, base=0.5, cap=8, random_fraction=0.5) == 2.0
        assert sansio.retry_backoff(10, base=0.5, cap=8, random_fraction=1.0) == 8.0
        assert sansio.retry_backoff(2, base=0.5, cap=8, random_fraction=0.0) == 0.0


def test_user_errors_with_and_without_code() -> None:
    payload = {
        "userErrors": [
            {
                "field": ["fulfillmentHold", "handle"],
                "message": "taken",
                "code": "DUPLICATE_FULFILLMENT_HOLD_HANDLE",
            },
            {"field": None, "message": "Cannot change location."},
        ]
    }
    errors = sansio.user_errors(payload)
    assert errors[0].field == ("fulfillmentHold", "handle")
    assert errors[0].code == "DUPLICATE_FULFILLMENT_HOLD_HANDLE"
    assert errors[1].field is None and errors[1].code is None
    assert sansio.user_errors({"userErrors": []}) == ()
    assert sansio.user_errors(None) == ()
