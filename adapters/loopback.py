"""Running an ASGI app with uvicorn on a loopback port inside the current event loop."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import uvicorn
from starlette.types import ASGIApp


@contextlib.asynccontextmanager
async def serve_on_loopback(app: ASGIApp, *, port: int = 0, host: str = "127.0.0.1") -> AsyncIterator[str]:
    """Serve `app` until the block ends; yields its base URL (a free port when `port` is 0)."""
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():  # start-up failed: surface the error instead of waiting forever
                await task
                raise RuntimeError("uvicorn stopped during start-up")
            await asyncio.sleep(0.01)
        bound = server.servers[0].sockets[0].getsockname()
        yield f"http://{host}:{bound[1]}"
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await task
