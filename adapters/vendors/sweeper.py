"""The sweeper: every few seconds, hand over purchase orders whose acceptance window closed, and
drafts whose 850 never went out.

It keeps no state of its own: each round asks the purchase-order book (SQL), so it carries on
after a restart, and a PO is offered again every round until a callback changes its status
(`time_out`, `record_answer`, `mark_sent`, …). That makes a failed callback a retry, not a loss;
the callbacks own the change and must make it only after their work is done. A callback that
raises is logged and the round goes on with the next PO; a round that fails (the database is
away) is logged and the next round comes as usual.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from adapters.pause import pause
from adapters.store.clock import Clock, utc_now
from adapters.store.edi_records import PurchaseOrderRecord
from adapters.store.purchase_orders import PurchaseOrderBook

log = logging.getLogger(__name__)

Handler = Callable[[PurchaseOrderRecord], Awaitable[None]]
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class SweepRound:
    """What one round handed over, and how many of those calls failed."""

    overdue: int
    unsent: int
    failed: int


class Sweeper:
    def __init__(
        self,
        book: PurchaseOrderBook,
        *,
        on_overdue: Handler,
        on_unsent: Handler,
        every_seconds: float,
        clock: Clock = utc_now,
        sleep: Sleep = asyncio.sleep,
        unsent_grace_seconds: float = 60.0,
        batch: int = 100,
    ) -> None:
        """`unsent_grace_seconds`: a draft younger than this is still being sent by whoever opened
        it, and is left alone; `batch`: at most this many POs of each kind per round."""
        self._book = book
        self._on_overdue = on_overdue
        self._on_unsent = on_unsent
        self._every = every_seconds
        self._now = clock
        self._sleep = sleep
        self._grace = timedelta(seconds=unsent_grace_seconds)
        self._batch = batch
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        """Sweep every `every_seconds` until `stop()`; the first round starts at once."""
        while not self._stopping.is_set():
            try:
                await self.sweep()
            except Exception:
                log.exception("EDI sweep failed; trying again in %s s", self._every)
            await self._pause()

    def stop(self) -> None:
        """End `run()` after the current round (a pause in between ends at once)."""
        self._stopping.set()

    async def sweep(self) -> SweepRound:
        """One round: every overdue PO to `on_overdue`, then every unsent draft to `on_unsent`."""
        now = self._now()
        overdue = await self._book.overdue(now, limit=self._batch)
        failed = 0
        for po in overdue:
            failed += await self._hand_over(self._on_overdue, po, "overdue")
        unsent = await self._book.unsent(created_before=now - self._grace, limit=self._batch)
        for po in unsent:
            failed += await self._hand_over(self._on_unsent, po, "unsent")
        return SweepRound(overdue=len(overdue), unsent=len(unsent), failed=failed)

    async def _hand_over(self, handler: Handler, po: PurchaseOrderRecord, kind: str) -> int:
        try:
            await handler(po)
        except Exception:
            log.exception(
                "EDI sweep: the %s PO %s of %s (order %s) failed; it is offered again next round",
                kind,
                po.po_number,
                po.vendor_id,
                po.order_name,
            )
            return 1
        return 0

    async def _pause(self) -> None:
        await pause(self._sleep, self._every, self._stopping)
