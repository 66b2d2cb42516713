"""Workers: background tasks, started in the app's lifespan, that drain the inbox.

Each worker leases one delivery, keeps the lease alive while it works, and ends the delivery
in one of its final states, or puts it back with a delay when the failure can pass (Shopify
unavailable or throttled, the order busy). Work that cannot succeed by retrying (a malformed
payload, a GraphQL error, a missing fulfillment order) is kept as `failed` with its reason.

Shutdown (`stop`, from the lifespan on SIGTERM) is graceful: workers stop leasing at once, the
deliveries in flight get `grace_seconds` to finish, and whatever is still running then is
cancelled and its delivery lease and order locks are released on the spot, so another replica or
the next start takes them over without waiting for the leases to expire. A delivery cut short is
resumed as after a crash: its decision is found in the log and an intent left in flight is
re-checked against a fresh read of Shopify.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import random
import uuid
from typing import Protocol

from adapters.delivery_steps import MalformedDelivery, RetryLater
from adapters.logs import bind, log_context
from adapters.processing import Result
from adapters.shopify.errors import ShopifyError, ShopifyThrottled, ShopifyTransportError
from adapters.store import Delivery, Inbox, OrderLocks

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
IDLE_POLL_SECONDS = 1.0
CUT_SHORT = "released at shutdown before it finished; resumed from the decision log"


class Router(Protocol):
    """What a worker hands a leased delivery to (`adapters.processing.OrderRouter`)."""

    async def process(self, delivery: Delivery, *, owner: str) -> Result: ...


class WorkerPool:
    def __init__(
        self,
        *,
        inbox: Inbox,
        locks: OrderLocks,
        router: Router,
        size: int,
        lease_seconds: float,
        handover_seconds: float = 0.0,
    ) -> None:
        self._inbox = inbox
        # Work cut short at shutdown may have a Shopify request still on its way; it is handed
        # over once such a request has timed out, so a resuming worker's fresh read sees it.
        self._handover = handover_seconds
        self._locks = locks
        self._router = router
        self._size = size
        self._lease = lease_seconds
        # Idle workers, each waiting on its own future; a notification wakes one of them.
        self._idle: collections.deque[asyncio.Future[None]] = collections.deque()
        # Counts notifications: a worker that found nothing sleeps only if none came meanwhile.
        self._generation = 0
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False
        # The delivery each worker (by owner) has leased and not yet ended; released if cut short.
        self._leased: dict[str, int] = {}
        self.owner = f"worker-{uuid.uuid4().hex[:12]}"

    def notify(self) -> None:
        """New work was stored: wake one idle worker now instead of at its next poll.

        A notification that finds every worker busy is not lost: each worker leases again after
        its work, and one whose lease found nothing while a notification came looks again.
        """
        self._generation += 1
        while self._idle:
            waiter = self._idle.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._run(index)) for index in range(self._size)]

    @property
    def in_flight(self) -> int:
        """How many deliveries the workers hold now."""
        return len(self._leased)

    async def stop(self, grace_seconds: float = 0.0) -> None:
        """Stop leasing, let in-flight deliveries finish for up to `grace_seconds`, then cut short.

        What is cut short gets its delivery lease and its order locks released before returning.
        """
        self._stopping = True
        for waiter in self._idle:  # idle workers wake, see the stop and end
            if not waiter.done():
                waiter.set_result(None)
        tasks, self._tasks = self._tasks, []
        if tasks and grace_seconds > 0:
            await asyncio.wait(tasks, timeout=grace_seconds)
        cut_short = [task for task in tasks if not task.done()]
        for task in cut_short:
            task.cancel()
        for task in tasks:
            try:
                await task
            except asyncio.CancelledError:
                pass
            except Exception:  # a worker that died of a database error: its lease is released below
                logger.exception("a worker ended with an error")
        if cut_short:
            logger.warning(
                "shutdown: %d delivery(ies) still in flight after %.1fs; releasing them",
                len(self._leased),
                grace_seconds,
            )
        await self._release(len(tasks))

    async def _release(self, size: int) -> None:
        """Give back what stopped workers still hold: leased deliveries and order locks."""
        leased, self._leased = self._leased, {}
        for owner, delivery_id in leased.items():
            try:
                await self._inbox.release(delivery_id, owner, CUT_SHORT, after_seconds=self._handover)
            except Exception:  # the lease will expire instead
                logger.exception("shutdown: could not release delivery %d", delivery_id)
        owners = [f"{self.owner}-{index}" for index in range(size)]
        try:
            await self._locks.release_all(owners, after_seconds=self._handover)
        except Exception:  # the locks will expire instead
            logger.exception("shutdown: could not release the order locks of %s", self.owner)

    async def _run(self, index: int) -> None:
        owner = f"{self.owner}-{index}"
        while not self._stopping:
            seen = self._generation
            try:
                delivery = await self._inbox.lease(owner, self._lease)
            except Exception:  # the database hiccupped: log, wait, go on
                logger.exception("worker %d could not lease a delivery", index)
                await asyncio.sleep(IDLE_POLL_SECONDS)
                continue
            if delivery is None:
                if self._generation == seen and not self._stopping:  # nothing new since: sleep
                    await self._sleep_until_notified()
                continue
            self._leased[owner] = delivery.id
            if self._stopping:  # leased while the stop came: give it back untouched
                return
            await self._handle(delivery, owner)
            del self._leased[owner]

    async def _sleep_until_notified(self) -> None:
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._idle.append(waiter)
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(waiter), IDLE_POLL_SECONDS)
        finally:
            if not waiter.done():
                waiter.cancel()  # notify() skips it
            with contextlib.suppress(ValueError):
                self._idle.remove(waiter)

    async def _handle(self, delivery: Delivery, owner: str) -> None:
        # Every line logged while this delivery is processed carries its ids (adapters.logs).
        with log_context(shop=delivery.shop, topic=delivery.topic, webhook_id=delivery.webhook_id):
            await self._handle_in_context(delivery, owner)

    async def _handle_in_context(self, delivery: Delivery, owner: str) -> None:
        keeper = asyncio.create_task(self._keep_lease(delivery.id, owner))
        try:
            result = await self._router.process(delivery, owner=owner)
            bind(order_id=result.order_id, decision_id=result.decision_id)
            logger.info("delivery %d %s: %s", delivery.id, result.state, result.note)
        except RetryLater as exc:
            await self._inbox.retry_later(delivery.id, owner, exc.delay * random.uniform(1, 2), str(exc))
        except (ShopifyTransportError, ShopifyThrottled) as exc:
            await self._retry_or_fail(delivery, owner, f"Shopify unavailable: {exc}")
        except (MalformedDelivery, ShopifyError) as exc:
            logger.warning("delivery %s failed: %s", delivery.webhook_id, exc)
            await self._inbox.finish(delivery.id, owner, "failed", f"{type(exc).__name__}: {exc}")
        except Exception as exc:  # a bug: keep the delivery, retry with backoff, log loudly
            logger.exception("delivery %s raised", delivery.webhook_id)
            await self._retry_or_fail(delivery, owner, f"internal error: {type(exc).__name__}: {exc}")
        else:
            await self._inbox.finish(
                delivery.id,
                owner,
                result.state,
                result.note,
                order_id=result.order_id,
                decision_id=result.decision_id,
            )
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper

    async def _retry_or_fail(self, delivery: Delivery, owner: str, note: str) -> None:
        if delivery.attempts >= MAX_ATTEMPTS:
            await self._inbox.finish(
                delivery.id, owner, "failed", f"gave up after {delivery.attempts}: {note}"
            )
            return
        delay = min(60.0, 0.5 * 2 ** (delivery.attempts - 1)) * random.uniform(0.5, 1.0)
        await self._inbox.retry_later(delivery.id, owner, delay, note)

    async def _keep_lease(self, delivery_id: int, owner: str) -> None:
        while True:
            await asyncio.sleep(self._lease / 3)
            await self._inbox.renew(delivery_id, owner, self._lease)
