"""Serving an ASGI app with uvicorn on a loopback port, inside the caller's event loop."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Generator
from types import TracebackType
from typing import Literal, Self

import uvicorn
from starlette.types import ASGIApp


class _GuestServer(uvicorn.Server):
    """uvicorn without its signal handlers: those belong to the process owner, not a guest."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None]:
        yield


class LoopbackServer:
    """`app` on a real socket (a free port when `port` is 0) until `stop()`."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        lifespan: Literal["on", "off"] = "on",
    ) -> None:
        config = uvicorn.Config(
            app, host=host, port=port, log_level="warning", access_log=False, lifespan=lifespan
        )
        self._server = _GuestServer(config)
        self._task: asyncio.Task[None] | None = None
        self.host = host
        self.port = port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        self._task = asyncio.create_task(self._server.serve(), name=f"uvicorn-{self.host}")
        while not self._server.started:
            if self._task.done():  # start-up failed: surface the error instead of waiting forever
                await self._task
                raise RuntimeError("uvicorn stopped during start-up")
            await asyncio.sleep(0.005)
        self.port = int(self._server.servers[0].sockets[0].getsockname()[1])

    async def stop(self) -> None:
        if self._task is not None:
            self._server.should_exit = True
            await self._task
            self._task = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()


@contextlib.asynccontextmanager
async def serve_on_loopback(app: ASGIApp, *, port: int = 0) -> AsyncIterator[str]:
    """Serve `app` until the block ends; yields its base URL."""
    async with LoopbackServer(app, port=port) as server:
        yield server.url
