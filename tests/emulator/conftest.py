"""A small two-location store, a running emulator, and a GraphQL client helper for the specs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from adapters.emulator.scenario import Scenario, parse_scenario
from adapters.emulator.server import EmulatorServer

SHOP = "tiny-shop.myshopify.com"
TOKEN = "shpat_tiny"
SECRET = "tiny-secret"


def tiny_scenario(maximum_available: int = 2000, restore_rate: int = 100) -> Scenario:
    def location(name: str, province: str) -> dict[str, Any]:
        return {"name": name, "address": {"country_code": "US", "province_code": province, "city": name}}

    return parse_scenario(
        {
            "stores": [
                {
                    "domain": SHOP,
                    "name": "Tiny",
                    "timezone": "America/Toronto",
                    "access_token": TOKEN,
                    "client_secret": SECRET,
                    "throttle": {"maximum_available": maximum_available, "restore_rate": restore_rate},
                    "native_routing": ["Store", "East", "West"],
                    "locations": [location("East", "NJ"), location("West", "NV"), location("Store", "NY")],
                    "products": [
                        {
                            "sku": "A",
                            "title": "Apple",
                            "product_type": "Fruit",
                            "price": "1.25",
                            "stock": {"East": 10, "West": 5, "Store": 1},
                        },
                        {"sku": "B", "title": "Banana", "stock": {"East": 10, "Store": 0}},
                        {"sku": "C", "title": "Cherry", "stock": {"West": 3}},
                    ],
                }
            ]
        }
    )


class Admin:
    """Posts GraphQL documents to one store of the emulator, as the engine's client would."""

    def __init__(self, client: httpx.AsyncClient, url: str, token: str = TOKEN) -> None:
        self.client, self.url, self.token = client, url, token

    async def post(self, query: str, variables: dict[str, Any] | None = None) -> httpx.Response:
        body = {"query": query, "variables": variables or {}}
        return await self.client.post(self.url, json=body, headers={"X-Shopify-Access-Token": self.token})

    async def __call__(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = await self.post(query, variables)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result


@pytest.fixture
async def server() -> AsyncIterator[EmulatorServer]:
    async with EmulatorServer(tiny_scenario()) as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as client:
        yield client


@pytest.fixture
def admin(server: EmulatorServer, http: httpx.AsyncClient) -> Admin:
    return Admin(http, server.admin_api_url(SHOP))


BROOKLYN = {"country_code": "US", "province_code": "NY", "city": "Brooklyn", "zip": "11201"}


async def place(
    server: EmulatorServer, http: httpx.AsyncClient, lines: list[tuple[str, int]], **order: Any
) -> dict[str, Any]:
    """Place an order through the control API; `order` adds keys (financial_status, customer_tags…)."""
    body = {"lines": [{"sku": s, "quantity": q} for s, q in lines], "shipping_address": BROOKLYN, **order}
    response = await http.post(f"{server.base_url}/_emulator/stores/{SHOP}/orders", json=body)
    assert response.status_code == 201, response.text
    order: dict[str, Any] = response.json()
    return order


def location_id(server: EmulatorServer, name: str) -> str:
    found = server.state.stores[SHOP].location_by_name(name)
    assert found is not None
    return found.id
