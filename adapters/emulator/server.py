"""`EmulatorServer`: the emulator on a real loopback socket, inside the caller's event loop."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Generator
from pathlib import Path
from types import TracebackType
from typing import Self

import uvicorn

from adapters.emulator.app import build_app
from adapters.emulator.runtime import Emulator
from adapters.emulator.scenario import Scenario, load_scenario
from adapters.emulator.state import EmulatorState


class _EmbeddedServer(uvicorn.Server):
    """uvicorn without its signal handlers: those belong to the process owner, not a guest server."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None]:
        yield


class EmulatorServer:
    def __init__(
        self,
        scenario: Scenario | str | Path,
        webhook_url: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        loaded = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        self.emulator = Emulator(loaded, webhook_url)
        self.host = host
        self._config = uvicorn.Config(
            build_app(self.emulator),
            host=host,
            port=port,
            log_level="warning",
            lifespan="off",
            access_log=False,
        )
        self._server = _EmbeddedServer(self._config)
        self._task: asyncio.Task[None] | None = None
        self.port = port

    @property
    def state(self) -> EmulatorState:
        return self.emulator.state

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def admin_api_url(self, domain: str) -> str:
        store = self.state.stores[domain]
        return f"{self.base_url}/stores/{domain}/admin/api/{store.api_version}/graphql.json"

    async def start(self) -> None:
        self.emulator.webhooks.start()
        self._task = asyncio.create_task(self._server.serve(), name="emulator-server")
        while not self._server.started:
            if self._task.done():
                await self._task  # re-raise the startup failure
                raise RuntimeError("emulator server stopped during startup")
            await asyncio.sleep(0.005)
        socket = self._server.servers[0].sockets[0]
        self.port = int(socket.getsockname()[1])

    async def stop(self) -> None:
        if self._task is not None:
            self._server.should_exit = True
            await self._task
            self._task = None
        await self.emulator.webhooks.stop()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()
