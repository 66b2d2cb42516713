"""Fixtures for the tools specs: the Shopify emulator, and a stores file that points at it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from adapters.emulator.server import EmulatorServer
from tests.e2e.conftest import SCENARIO, Shopify


@pytest.fixture
async def shopify() -> AsyncIterator[Shopify]:
    async with EmulatorServer(SCENARIO) as server, httpx.AsyncClient(base_url=server.base_url) as control:
        yield Shopify(server, control)


@pytest.fixture
def emulator_stores_file(shopify: Shopify, tmp_path: Path) -> Path:
    """A stores file (TOML) for the emulator's stores, as an operator would write it."""
    tables = [
        f'[[stores]]\ndomain = "{store.domain}"\n'
        f'access_token = "{store.access_token.get_secret_value()}"\n'
        f'client_secrets = ["{store.client_secrets[0].get_secret_value()}"]\n'
        f'admin_api_url = "{store.admin_api_url}"\napi_version = "2026-01"\n'
        for store in shopify.stores()
    ]
    path = tmp_path / "emulator-stores.toml"
    path.write_text("\n".join(tables))
    return path
