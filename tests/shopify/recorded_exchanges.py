"""Recorded live Shopify exchanges (ROUTING_SHOPIFY_RECORDINGS): their names, and their responses
as the client receives them."""

from __future__ import annotations

from typing import Any

import httpx

from adapters.shopify import mapping
from engine.model import Order, Snapshot

MOVE_VALIDATION = "2026-04__shipping-fulfillments__fulfillment-order-move-validation.json"
MOVE_MULTI_LINE = "2026-04__shipping-fulfillments__fulfillment-order-move-multi-line.json"
HOLD_VALIDATION = "2026-04__shipping-fulfillments__fulfillment-order-hold-validation.json"
HOLD_MULTI_LINE = "2026-04__shipping-fulfillments__fulfillment-order-hold-multi-line.json"
RELEASE_SELECTIVE = "2026-04__shipping-fulfillments__fulfillment-order-release-hold-selective.json"
SPLIT_MULTI = "2026-04__shipping-fulfillments__fulfillment-order-split-multi.json"
CAS_SUCCESS = "2025-01__products__metafields-set-cas-success-parity.json"
STALE_DIGEST = "2025-01__products__metafields-set-stale-digest-parity.json"
TAGS_ADD = "2025-01__products__tags-add-parity.json"
IDEMPOTENT_DIRECTIVE = (
    "2026-04__store-properties__location-activate-deactivate-with-idempotency-directive.json"
)


def response_of(exchange: dict[str, Any]) -> httpx.Response:
    """The recorded HTTP response: `{status, payload}`, `{status, body}` or a bare payload."""
    recorded = exchange["response"]
    if "payload" in recorded:
        return httpx.Response(recorded.get("status") or 200, json=recorded["payload"])
    if "body" in recorded:
        return httpx.Response(recorded.get("status") or 200, json=recorded["body"])
    return httpx.Response(200, json=recorded)


def payload_of(exchange: dict[str, Any]) -> dict[str, Any]:
    recorded = exchange["response"]
    body: dict[str, Any] = recorded.get("payload") or recorded.get("body") or recorded
    return body


def snapshot_with(*fo_nodes: dict[str, Any], **changes: Any) -> Snapshot:
    fos = tuple(mapping.map_fulfillment_order(node).model_copy(update=changes) for node in fo_nodes)
    return Snapshot(
        store="recorded", order=Order(id="gid://shopify/Order/0"), fulfillment_orders=fos, locations=()
    )
