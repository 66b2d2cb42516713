"""The service talks only to the hosts its configuration names.

The service runs in this process with every outbound HTTP request sent through a recording
forward proxy (`HTTP_PROXY`, which httpx honours when it builds the service's client), while
orders are placed, decided and written back to the emulator. Every host the proxy saw must be a
configured store's Admin API host; a request for any other host is refused by the proxy and
recorded, so it fails the test instead of leaving the machine.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import httpx
import pytest

from adapters.app import Runtime, create_app
from adapters.emulator.server import EmulatorServer
from adapters.loopback import serve_on_loopback
from adapters.settings import Settings, StoreConfig
from tests.e2e.conftest import PROJECT, SCENARIO, US, eventually


class RecordingProxy:
    """A plain-HTTP forward proxy on loopback that records the host of every request it is asked for."""

    def __init__(self, allowed: set[str]) -> None:
        self.allowed = allowed
        self.hosts: list[str] = []
        self._server: asyncio.Server | None = None
        self._client = httpx.AsyncClient(trust_env=False, timeout=30)

    @property
    def url(self) -> str:
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        await self._client.aclose()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
                method, target, _ = head[0].split(" ", 2)
                headers = dict(line.split(": ", 1) for line in head[1:] if line)
                url = httpx.URL(target if method != "CONNECT" else f"https://{target}")
                host = f"{url.host}:{url.port or (443 if url.scheme == 'https' else 80)}"
                self.hosts.append(host)
                size = int(next((v for k, v in headers.items() if k.lower() == "content-length"), "0"))
                body = await reader.readexactly(size)
                if host not in self.allowed:
                    writer.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    break
                forwarded = {
                    k: v for k, v in headers.items() if k.lower() not in ("host", "proxy-connection")
                }
                answer = await self._client.request(method, url, content=body, headers=forwarded)
                writer.write(
                    f"HTTP/1.1 {answer.status_code} {answer.reason_phrase}\r\n"
                    f"Content-Type: {answer.headers.get('content-type', 'application/json')}\r\n"
                    f"Content-Length: {len(answer.content)}\r\n\r\n".encode("latin-1")
                    + answer.content
                )
                await writer.drain()
        writer.close()


async def test_every_outbound_request_goes_to_a_configured_host(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with EmulatorServer(SCENARIO) as emulator, httpx.AsyncClient(base_url=emulator.base_url) as control:
        stores = tuple(
            StoreConfig.model_validate(
                {
                    "domain": store.domain,
                    "access_token": store.access_token,
                    "client_secrets": [store.client_secret],
                    "admin_api_url": emulator.admin_api_url(store.domain),
                }
            )
            for store in emulator.emulator.scenario.stores
        )
        configured = {
            f"{httpx.URL(s.admin_api_url or '').host}:{httpx.URL(s.admin_api_url or '').port}" for s in stores
        }
        proxy = RecordingProxy(allowed=configured)
        await proxy.start()
        # Only the service's client is built after this: the emulator's and ours already exist.
        for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "HTTPS_PROXY", "https_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        settings = Settings(
            database_url=f"sqlite+aiosqlite:///{tmp_path}/routing.db",
            rules_dir=PROJECT / "rules",
            api_version="2026-01",
            workers=2,
        )
        app = create_app(settings, stores=stores)
        try:
            async with serve_on_loopback(app) as url:
                await control.post("/_emulator/webhooks/config", json={"url": f"{url}/webhooks/shopify"})
                orders = []
                for lines in ([("NW-0005", 1)], [("NW-0002", 1), ("NW-0009", 2)], [("NW-0012", 1)]):
                    response = await control.post(
                        f"/_emulator/stores/{US}/orders",
                        json={
                            "lines": [{"sku": sku, "quantity": quantity} for sku, quantity in lines],
                            "shipping_address": {
                                "country_code": "US",
                                "province_code": "NY",
                                "city": "New York",
                            },
                        },
                    )
                    response.raise_for_status()
                    orders.append(response.json()["id"])
                runtime: Runtime = app.state.runtime

                async def decided() -> bool:
                    for order in orders:
                        stored = await runtime.log.for_order(US, order)
                        if not stored or any(d.state == "executing" for d in stored):
                            return False
                    return True

                await eventually(decided, what="the orders to be decided through the proxy")
        finally:
            await proxy.stop()

    assert proxy.hosts, "the service's Admin API calls went through the recording proxy"
    assert set(proxy.hosts) <= configured, f"hosts outside the configuration: {set(proxy.hosts) - configured}"
