"""The snapshot specs' recorded-shape answers: a US order with three fulfillment orders, stock read
at its candidate locations."""

from __future__ import annotations

from typing import Any

import httpx

from tests.shopify.conftest import ScriptedShopify, load_fixture

FIXTURE = load_fixture("snapshot-us-three-fulfillment-orders-stock-at-candidates.json")
RESPONSES: dict[str, Any] = FIXTURE["responses"]
FO_ID = FIXTURE["fulfillment_order_id"]
CANDIDATES = FIXTURE["candidate_location_ids"]


def reply(name: str) -> httpx.Response:
    return httpx.Response(200, json=RESPONSES[name])


def script_full_read(shopify: ScriptedShopify) -> None:
    shopify.add(reply("snapshot"), reply("locations_page_1"), reply("locations_page_2"), reply("stock"))
