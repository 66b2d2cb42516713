"""A one-store emulator on loopback and the stores-file entry that points at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import httpx
import pytest
from pydantic import SecretStr

from adapters.emulator.server import EmulatorServer
from adapters.settings import StoreConfig
from adapters.shopify import ShopifyClient
from tests.emulator.conftest import SECRET, SHOP, TOKEN, tiny_scenario

OUR_URL = "https://routing.example.com/webhooks/shopify"


@pytest.fixture
async def emulator() -> AsyncIterator[EmulatorServer]:
    async with EmulatorServer(tiny_scenario()) as running:
        yield running


def store_config(
    emulator: EmulatorServer, *, token: str = TOKEN, api_version: str = "2026-01"
) -> StoreConfig:
    """The stores-file entry of the emulated shop (its token unless told otherwise)."""
    return StoreConfig(
        domain=SHOP,
        access_token=SecretStr(token),
        client_secrets=(SecretStr(SECRET),),
        admin_api_url=f"{emulator.base_url}/stores/{{domain}}/admin/api/{{api_version}}/graphql.json",
        api_version=api_version,
    )


Connect = Callable[[StoreConfig], AbstractAsyncContextManager[ShopifyClient]]


@pytest.fixture
def connect() -> Connect:
    """Open a real client of a store over loopback HTTP."""

    @asynccontextmanager
    async def opened(store: StoreConfig) -> AsyncIterator[ShopifyClient]:
        async with httpx.AsyncClient(timeout=10) as http:
            yield ShopifyClient(
                http,
                shop_domain=store.domain,
                admin_api_url=store.graphql_url("2026-01"),
                access_token=store.access_token,
            )

    return opened


@pytest.fixture(scope="session")
def admin_schema_text() -> str:
    from tests.shopify.conftest import schema_path

    path = schema_path()
    if not path.is_file():
        pytest.skip(f"Admin schema not found at {path}; set ROUTING_SHOPIFY_SCHEMA to the 2026-01 SDL")
    return path.read_text("utf-8")
