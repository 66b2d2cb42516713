"""Webhook deliveries to the engine: signed like Shopify's, sent concurrently, retried, logged."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

RETRY_DELAYS = (0.05, 0.2, 0.5)  # a few quick retries; Shopify retries 8 times over 4 hours
CONCURRENCY = 16  # deliveries in flight at once; one at a time bound a chaos run to a few a second


def sign(body: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


@dataclass
class Delivery:
    id: str  # X-Shopify-Webhook-Id
    event_id: str
    shop: str
    topic: str
    api_version: str
    body: bytes
    hmac: str
    triggered_at: str
    status: str = "pending"  # pending | delivered | failed | logged (no URL)
    attempts: int = 0
    response_status: int | None = None
    history: list[dict[str, Any]] = field(default_factory=list)
    round_attempts: int = field(default=0, repr=False)  # since the last (re)delivery was queued

    def headers(self) -> dict[str, str]:
        return {
            "Content-Type": "application/json",
            "X-Shopify-Topic": self.topic,
            "X-Shopify-Hmac-Sha256": self.hmac,
            "X-Shopify-Shop-Domain": self.shop,
            "X-Shopify-API-Version": self.api_version,
            "X-Shopify-Webhook-Id": self.id,
            "X-Shopify-Event-Id": self.event_id,
            "X-Shopify-Triggered-At": self.triggered_at,
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "event_id": self.event_id,
            "shop": self.shop,
            "topic": self.topic,
            "body": json.loads(self.body),
            "status": self.status,
            "attempts": self.attempts,
            "response_status": self.response_status,
            "triggered_at": self.triggered_at,
            "history": self.history,
        }


class WebhookDispatcher:
    """Sends deliveries with up to `concurrency` in flight, as Shopify does (so they arrive out of order).

    A failed attempt gives its slot back and comes round again after its back-off: a slow or
    failing receiver holds up only its own deliveries, never the others'.
    """

    def __init__(self, url: str | None = None, concurrency: int = CONCURRENCY) -> None:
        if concurrency < 1:
            raise ValueError(f"webhook concurrency: at least 1, not {concurrency}")
        self.url = url
        self.concurrency = concurrency
        self.deliveries: list[Delivery] = []
        self._by_id: dict[str, Delivery] = {}
        self._queue: asyncio.Queue[Delivery] = asyncio.Queue()
        self._senders: list[asyncio.Task[None]] = []
        self._retries: set[asyncio.TimerHandle] = set()
        self._client: httpx.AsyncClient | None = None
        self._outstanding = 0  # queued, being sent or waiting for a retry
        self._idle = asyncio.Event()
        self._idle.set()

    def start(self) -> None:
        limits = httpx.Limits(max_connections=self.concurrency, max_keepalive_connections=self.concurrency)
        self._client = httpx.AsyncClient(timeout=5.0, limits=limits)
        self._senders = [
            asyncio.create_task(self._run(), name=f"emulator-webhooks-{n}") for n in range(self.concurrency)
        ]

    async def stop(self) -> None:
        for handle in self._retries:
            handle.cancel()
        self._retries.clear()
        for sender in self._senders:
            sender.cancel()
        for sender in self._senders:
            with contextlib.suppress(asyncio.CancelledError):
                await sender
        self._senders = []
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def clear(self) -> None:
        """Forget the log (an emulator reset); deliveries still under way finish unrecorded."""
        self.deliveries.clear()
        self._by_id.clear()

    def enqueue(
        self, shop: str, api_version: str, secret: str, topic: str, payload: dict[str, Any], event_id: str
    ) -> Delivery:
        body = json.dumps(payload, separators=(",", ":")).encode()
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "000Z"
        delivery = Delivery(
            id=str(uuid.uuid4()),
            event_id=event_id,
            shop=shop,
            topic=topic,
            api_version=api_version,
            body=body,
            hmac=sign(body, secret),
            triggered_at=stamp,
        )
        self.deliveries.append(delivery)
        self._by_id[delivery.id] = delivery
        self._submit(delivery)
        return delivery

    def redeliver(self, delivery_id: str) -> Delivery | None:
        """Send a logged delivery again with the same webhook id, as a duplicate would arrive."""
        delivery = self._by_id.get(delivery_id)
        if delivery is not None:
            delivery.status = "pending"
            self._submit(delivery)
        return delivery

    def _submit(self, delivery: Delivery) -> None:
        delivery.round_attempts = 0
        self._outstanding += 1
        self._idle.clear()
        self._queue.put_nowait(delivery)

    def _done(self) -> None:
        self._outstanding -= 1
        if self._outstanding == 0:
            self._idle.set()

    async def drain(self, timeout: float = 5.0) -> None:
        """Wait until every delivery is done, retries included (for tests and the demo)."""
        await asyncio.wait_for(self._idle.wait(), timeout)

    async def _run(self) -> None:
        while True:
            delivery = await self._queue.get()
            try:
                retry_in = await self._attempt(delivery)
            except asyncio.CancelledError:
                self._done()  # stopped mid-send: nothing waits for it any more
                raise
            except Exception as exc:  # a sender outlives any one delivery (a bad URL, say)
                delivery.history.append({"attempt": delivery.attempts, "error": type(exc).__name__})
                delivery.status, retry_in = "failed", None
            if retry_in is None:
                self._done()
            else:
                self._retry_later(delivery, retry_in)

    def _retry_later(self, delivery: Delivery, delay: float) -> None:
        def again() -> None:
            self._retries.discard(handle)
            self._queue.put_nowait(delivery)

        handle = asyncio.get_running_loop().call_later(delay, again)
        self._retries.add(handle)

    async def _attempt(self, delivery: Delivery) -> float | None:
        """One attempt; the back-off before the next one, or None when the delivery is finished."""
        if not self.url or self._client is None:
            delivery.status = "logged"
            return None
        delivery.attempts += 1
        delivery.round_attempts += 1
        try:
            response = await self._client.post(self.url, content=delivery.body, headers=delivery.headers())
        except httpx.HTTPError as exc:
            delivery.history.append({"attempt": delivery.attempts, "error": type(exc).__name__})
        else:
            delivery.response_status = response.status_code
            delivery.history.append({"attempt": delivery.attempts, "status": response.status_code})
            if 200 <= response.status_code < 300:
                delivery.status = "delivered"
                return None
        if delivery.round_attempts > len(RETRY_DELAYS):
            delivery.status = "failed"
            return None
        return RETRY_DELAYS[delivery.round_attempts - 1]
