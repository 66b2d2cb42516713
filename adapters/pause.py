"""A pause between rounds of a background loop that ends at once when the loop is told to stop."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


async def pause(sleep: Callable[[float], Awaitable[None]], seconds: float, *events: asyncio.Event) -> None:
    """Sleep `seconds` (with `sleep`, so tests can pass a fake), or until one of `events` is set."""
    waits = [asyncio.ensure_future(sleep(seconds)), *(asyncio.ensure_future(e.wait()) for e in events)]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in waits:
            task.cancel()
        await asyncio.gather(*waits, return_exceptions=True)
