"""The service as a real process, killed with SIGKILL in the middle of a run, then started again."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from adapters.store import DecisionLog, Inbox, create_engine, session_factory
from tests.e2e.conftest import (
    PROJECT,
    US,
    Shopify,
    assert_each_order_written_once,
    eventually,
    every_order_decided,
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class ServiceProcess:
    """`routing-engine serve` in a child process, over one SQLite file across restarts."""

    def __init__(self, workdir: Path, shopify: Shopify) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        stores = workdir / "stores.toml"
        stores.write_text(
            "".join(
                f'[[stores]]\ndomain = "{s.domain}"\naccess_token = "{s.access_token.get_secret_value()}"\n'
                f'client_secrets = ["{s.client_secrets[0].get_secret_value()}"]\n'
                f'admin_api_url = "{s.admin_api_url}"\n\n'
                for s in shopify.stores()
            )
        )
        self.database_url = f"sqlite+aiosqlite:///{workdir}/routing.db"
        self.env = {
            **os.environ,
            "ROUTING_DATABASE_URL": self.database_url,
            "ROUTING_RULES_DIR": str(PROJECT / "rules"),
            "ROUTING_STORES_FILE": str(stores),
            "ROUTING_API_VERSION": "2026-01",
            "ROUTING_WORKERS": "2",
            "ROUTING_LEASE_SECONDS": "2",
        }
        self.log = workdir / "service.log"
        self.process: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "adapters.cli", "serve", "--port", str(self.port)],
                env=self.env,
                cwd=PROJECT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        async with httpx.AsyncClient() as http:

            async def alive() -> bool:
                try:
                    return (await http.get(f"{self.url}/readyz")).status_code == 200
                except httpx.TransportError:
                    return False

            await eventually(alive, timeout=30, what="the service to start")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def service_process(tmp_path: Path, shopify: Shopify) -> Iterator[ServiceProcess]:
    process = ServiceProcess(tmp_path, shopify)
    yield process
    process.stop()


async def test_killing_the_service_mid_run_loses_nothing_and_writes_nothing_twice(
    shopify: Shopify, service_process: ServiceProcess
) -> None:
    await service_process.start()
    await shopify.send_webhooks_to(f"{service_process.url}/webhooks/shopify")
    skus = [f"NW-{n:04d}" for n in (2, 3, 5, 6, 8, 9, 10, 12, 1, 4, 11, 5, 6, 8, 9, 12)]
    orders = [await shopify.place_order(US, [(sku, 1)]) for sku in skus]
    await shopify.delivered()  # every routing webhook reached the service and is stored

    database = create_engine(service_process.database_url)
    log, inbox = DecisionLog(session_factory(database)), Inbox(session_factory(database))
    try:

        async def some_decided() -> bool:
            return len(await log.for_order(US, orders[2]["id"])) > 0

        await eventually(some_decided, what="the first decisions")
        service_process.kill()
        pending_at_kill = (await inbox.counts()).get("pending", 0)

        await service_process.start()

        await eventually(
            lambda: every_order_decided(log, inbox, orders),
            timeout=60,
            what="every order to be decided after the restart",
        )
    finally:
        await database.dispose()
    await asyncio.sleep(0)
    assert pending_at_kill > 0, "the kill landed before the run finished"
    await assert_each_order_written_once(shopify, orders)
