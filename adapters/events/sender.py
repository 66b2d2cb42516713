"""The event sender: a loop task that POSTs every undelivered event to the coordination service.

Each request is `Content-Type: application/json` with `X-Routing-Event-Id`, `X-Routing-Event-Type`,
`X-Routing-Timestamp` and `X-Routing-Signature` (see `adapters.events.signature`). A 2xx answer
acknowledges the event; anything else, or no answer, is tried again after an exponential backoff
with jitter, capped at `max_backoff_seconds`, for as long as it takes. Delivery is at least once
(a receiver drops repeats by event id), and events are NOT delivered in order: a failing event
waits while later ones go out, also for the events of one hand-off; each event carries the whole
hand-off and its status, so a receiver keeps the one whose status is final.

Everything the sender knows is in SQL: an event is claimed by moving its next attempt past the
request's time-out before it is sent, so a restarted sender (or a second one) sends what was not
acknowledged, and two senders do not send one event at the same moment.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from pydantic import SecretStr
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.events.outbox import OutboundEvent, event_of
from adapters.events.signature import sign
from adapters.pause import pause
from adapters.store.clock import Clock, utc_now
from adapters.store.tables import OutboundEventRow

logger = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
MAX_ERROR_LENGTH = 500


@dataclass(frozen=True, slots=True)
class SendRound:
    """What one round did: events acknowledged, and events that will be tried again."""

    delivered: int
    failed: int


def backoff_seconds(attempts: int, *, base: float, cap: float, jitter: float) -> float:
    """The wait after the `attempts`-th failed attempt: base·2^(attempts-1), capped, of which a random
    half (`jitter` in [0, 1)) is waived so that many failed events do not come back all at once."""
    full = min(cap, base * 2.0 ** min(attempts - 1, 62))
    return full / 2 + full / 2 * jitter


class EventSender:
    """Sends the outbox's events to `url`, signed with `secret`, until `stop()`."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        client: httpx.AsyncClient,
        *,
        url: str,
        secret: SecretStr | str,
        max_backoff_seconds: float = 300.0,
        base_backoff_seconds: float = 1.0,
        poll_seconds: float = 1.0,
        timeout_seconds: float = 10.0,
        batch: int = 50,
        clock: Clock = utc_now,
        sleep: Sleep = asyncio.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        """`poll_seconds`: how often the outbox is looked at when nothing wakes the sender."""
        self._sessions = sessions
        self._client = client
        self._url = url
        self._secret = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
        self._cap = max_backoff_seconds
        self._base = base_backoff_seconds
        self._poll = poll_seconds
        self._timeout = timeout_seconds
        self._batch = batch
        self._now = clock
        self._sleep = sleep
        self._jitter = jitter
        self._stopping = asyncio.Event()
        self._woken = asyncio.Event()

    async def run(self) -> None:
        """Send what is due, then wait `poll_seconds` (or a `wake()`), until `stop()`."""
        while not self._stopping.is_set():
            self._woken.clear()
            try:
                sent = await self.send_due()
            except Exception:  # the database away: look again later, nothing is lost
                logger.exception("events: reading the outbox failed; trying again in %s s", self._poll)
                sent = SendRound(0, 0)
            if sent.delivered + sent.failed < self._batch:  # a full batch: more may be due at once
                await self._pause()

    def wake(self) -> None:
        """Look at the outbox now (an event was just published)."""
        self._woken.set()

    def stop(self) -> None:
        """End `run()` after the current round (a pause in between ends at once)."""
        self._stopping.set()

    async def send_due(self) -> SendRound:
        """One round: claim the events due now (oldest first) and send each once."""
        delivered = failed = 0
        for event in await self._claim():
            if await self._send(event):
                delivered += 1
            else:
                failed += 1
        return SendRound(delivered, failed)

    async def _claim(self) -> list[OutboundEvent]:
        now = self._now()
        # While it is being sent, an event is not due for anyone else; if this sender dies mid-send,
        # the event is due again once the claim runs out.
        claimed_until = now + timedelta(seconds=self._timeout * 2 + 5)
        claimed = []
        async with self._sessions.begin() as session:
            rows = list(
                await session.scalars(
                    select(OutboundEventRow)
                    .where(OutboundEventRow.delivered_at.is_(None), OutboundEventRow.next_attempt_at <= now)
                    .order_by(OutboundEventRow.next_attempt_at, OutboundEventRow.created_at)
                    .limit(self._batch)
                )
            )
            for row in rows:
                taken = await session.execute(
                    update(OutboundEventRow)
                    .where(
                        OutboundEventRow.id == row.id,
                        OutboundEventRow.next_attempt_at == row.next_attempt_at,
                        OutboundEventRow.delivered_at.is_(None),
                    )
                    .values(next_attempt_at=claimed_until)
                    .execution_options(synchronize_session=False)
                )
                if taken.rowcount == 1:  # type: ignore[attr-defined]
                    claimed.append(event_of(row))
        return claimed

    async def _send(self, event: OutboundEvent) -> bool:
        body = event.body()
        timestamp = str(int(self._now().timestamp()))
        headers = {
            "Content-Type": "application/json",
            "X-Routing-Event-Id": event.id,
            "X-Routing-Event-Type": event.type,
            "X-Routing-Timestamp": timestamp,
            "X-Routing-Signature": sign(self._secret, timestamp, body),
        }
        error: str | None
        try:
            answer = await self._client.post(self._url, content=body, headers=headers, timeout=self._timeout)
        except httpx.TimeoutException:
            error = f"no answer within {self._timeout:g} s"
        except httpx.HTTPError as exc:
            error = f"no answer: {type(exc).__name__}: {exc}"
        else:
            error = None if answer.is_success else f"HTTP {answer.status_code}: {answer.text[:200]}"
        attempts = event.attempts + 1
        now = self._now()
        if error is None:
            await self._settle(event.id, attempts=attempts, delivered_at=now, last_error=None)
            logger.info("events: %s %s delivered (attempt %d)", event.type, event.id, attempts)
            return True
        wait = backoff_seconds(attempts, base=self._base, cap=self._cap, jitter=self._jitter())
        retry_at: datetime = now + timedelta(seconds=wait)
        await self._settle(
            event.id, attempts=attempts, next_attempt_at=retry_at, last_error=error[:MAX_ERROR_LENGTH]
        )
        logger.warning(
            "events: %s %s not acknowledged (attempt %d: %s); trying again in %.1f s",
            event.type,
            event.id,
            attempts,
            error,
            wait,
        )
        return False

    async def _settle(self, event_id: str, **values: object) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                update(OutboundEventRow)
                .where(OutboundEventRow.id == event_id)
                .values(**values)
                .execution_options(synchronize_session=False)
            )

    async def _pause(self) -> None:
        await pause(self._sleep, self._poll, self._stopping, self._woken)
