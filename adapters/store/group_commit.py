"""Group commit: many concurrent callers, one transaction, each caller answered with its own result.

Every commit of a durable store waits for the disk; one transaction per webhook caps intake at a
few hundred per second. Callers queue their item and wait; one flush task writes everything queued
in a single transaction, and while it waits for the disk the next batch gathers. Under light load
a batch is one item and adds no delay.

The flush runs as its own task, never inside a caller: a caller that goes away (a client that
disconnects) cannot cancel the writes of the others.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

MAX_BATCH = 500


class GroupCommit(Generic[Item, Result]):
    def __init__(self, write: Callable[[Sequence[Item]], Awaitable[Sequence[Result]]]) -> None:
        self._write = write
        self._queue: list[tuple[Item, asyncio.Future[Result]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def submit(self, item: Item) -> Result:
        """Write `item` with whatever else is queued; returns when its transaction committed."""
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._queue.append((item, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush(), name="group-commit")
        return await future

    async def _flush(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
            try:
                results = await self._write([item for item, _ in batch])
            except Exception as exc:  # every caller of the batch learns why its write failed
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)
