"""`EmulatorServer`: the emulator on a real loopback socket, inside the caller's event loop."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Self

from adapters.emulator.app import build_app
from adapters.emulator.runtime import Emulator
from adapters.emulator.scenario import Scenario, load_scenario
from adapters.emulator.state import EmulatorState
from adapters.emulator.webhooks import CONCURRENCY
from adapters.loopback import LoopbackServer


class EmulatorServer:
    def __init__(
        self,
        scenario: Scenario | str | Path,
        webhook_url: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        webhook_senders: int = CONCURRENCY,
    ) -> None:
        loaded = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        self.emulator = Emulator(loaded, webhook_url, webhook_senders)
        self._server = LoopbackServer(build_app(self.emulator), host=host, port=port, lifespan="off")

    @property
    def state(self) -> EmulatorState:
        return self.emulator.state

    @property
    def base_url(self) -> str:
        return self._server.url

    @property
    def port(self) -> int:
        return self._server.port

    def admin_api_url(self, domain: str) -> str:
        store = self.state.stores[domain]
        return f"{self.base_url}/stores/{domain}/admin/api/{store.api_version}/graphql.json"

    async def start(self) -> None:
        self.emulator.webhooks.start()
        await self._server.start()

    async def stop(self) -> None:
        await self._server.stop()
        await self.emulator.webhooks.stop()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()
