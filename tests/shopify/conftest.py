"""Fixtures for the Shopify client tests: schema, recordings, a scripted MockTransport."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import GraphQLSchema, build_schema
from pydantic import SecretStr

from adapters.shopify.client import RetryPolicy, ShopifyClient
from adapters.shopify.executor import Executor

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures" / "graphql"
SHOP = "north-wind-us.myshopify.com"
API_URL = f"https://{SHOP}/admin/api/2026-01/graphql.json"
TOKEN = "shpat_test_token_never_leaks"


def schema_path() -> Path:
    default = REPO.parent / "shared" / "shopify-admin-schema" / "admin-2026-01.graphql"
    return Path(os.environ.get("ROUTING_SHOPIFY_SCHEMA", default))


def recordings_path() -> Path:
    default = REPO.parent / "shared" / "shopify-recordings"
    return Path(os.environ.get("ROUTING_SHOPIFY_RECORDINGS", default))


@pytest.fixture(scope="session")
def admin_schema() -> GraphQLSchema:
    path = schema_path()
    if not path.is_file():
        pytest.skip(
            f"Admin schema not found at {path}. Set ROUTING_SHOPIFY_SCHEMA to an SDL file, or "
            "download one: fetch the introspection JSON from "
            "https://shopify.dev/admin-graphql-direct-proxy/2026-01 and convert it to SDL "
            "(graphql.build_client_schema + print_schema)."
        )
    # graphql-core 3.3 refuses Shopify's SDL in its own schema checks; the documents still validate.
    return build_schema(path.read_text("utf-8"), assume_valid=True)


@pytest.fixture(scope="session")
def recordings() -> Path:
    path = recordings_path()
    if not path.is_dir():
        pytest.skip(
            f"Shopify recordings not found at {path}. Set ROUTING_SHOPIFY_RECORDINGS to the "
            "shared shopify-recordings folder (see its PROVENANCE.md)."
        )
    return path


def load_recording(folder: Path, name: str) -> Any:
    return json.loads((folder / name).read_text("utf-8"))


def load_fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text("utf-8"))


@dataclass
class FakeClock:
    """A monotonic clock that only moves when the client sleeps."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


Reply = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


@dataclass
class ScriptedShopify:
    """An httpx handler answering requests from a queue of replies, recording every request."""

    replies: list[Reply] = field(default_factory=list)
    requests: list[httpx.Request] = field(default_factory=list)

    def add(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    def add_json(self, payload: Any, status: int = 200) -> None:
        self.replies.append(httpx.Response(status, json=payload))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if not self.replies:
            raise AssertionError(f"unexpected request: {request.content[:200]!r}")
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        if isinstance(reply, httpx.Response):
            return reply
        return reply(request)

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.requests]


@pytest.fixture
def shopify() -> ScriptedShopify:
    return ScriptedShopify()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def http(shopify: ScriptedShopify) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(shopify)) as client:
        yield client


@pytest.fixture
def client(http: httpx.AsyncClient, clock: FakeClock) -> Iterator[ShopifyClient]:
    yield ShopifyClient(
        http,
        shop_domain=SHOP,
        admin_api_url=API_URL,
        access_token=SecretStr(TOKEN),
        retry=RetryPolicy(),
        sleep=clock.sleep,
        random_fraction=lambda: 0.5,
        clock=clock,
    )


@pytest.fixture
def executor(client: ShopifyClient) -> Executor:
    return Executor(client)
