"""Webhook deliveries to the engine: signed like Shopify's, sent in the background, retried, logged."""

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
    def __init__(self, url: str | None = None) -> None:
        self.url = url
        self.deliveries: list[Delivery] = []
        self._queue: asyncio.Queue[Delivery] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None
        self._client: httpx.AsyncClient | None = None
        self._idle = asyncio.Event()
        self._idle.set()

    def start(self) -> None:
        self._client = httpx.AsyncClient(timeout=5.0)
        self._worker = asyncio.create_task(self._run(), name="emulator-webhooks")

    async def stop(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
            self._worker = None
        if self._client is not None:
            await self._client.aclose()
            self._client = None

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
        self._submit(delivery)
        return delivery

    def redeliver(self, delivery_id: str) -> Delivery | None:
        """Send a logged delivery again with the same webhook id, as a duplicate would arrive."""
        delivery = next((d for d in self.deliveries if d.id == delivery_id), None)
        if delivery is not None:
            delivery.status = "pending"
            self._submit(delivery)
        return delivery

    def _submit(self, delivery: Delivery) -> None:
        self._idle.clear()
        self._queue.put_nowait(delivery)

    async def drain(self, timeout: float = 5.0) -> None:
        """Wait until every queued delivery is done (for tests and the demo)."""
        await asyncio.wait_for(self._idle.wait(), timeout)

    async def _run(self) -> None:
        while True:
            delivery = await self._queue.get()
            try:
                await self._deliver(delivery)
            finally:
                self._queue.task_done()
                if self._queue.empty():
                    self._idle.set()

    async def _deliver(self, delivery: Delivery) -> None:
        if not self.url or self._client is None:
            delivery.status = "logged"
            return
        for delay in (0.0, *RETRY_DELAYS):
            if delay:
                await asyncio.sleep(delay)
            delivery.attempts += 1
            try:
                response = await self._client.post(
                    self.url, content=delivery.body, headers=delivery.headers()
                )
                delivery.response_status = response.status_code
                delivery.history.append({"attempt": delivery.attempts, "status": response.status_code})
                if 200 <= response.status_code < 300:
                    delivery.status = "delivered"
                    return
            except httpx.HTTPError as exc:
                delivery.history.append({"attempt": delivery.attempts, "error": type(exc).__name__})
        delivery.status = "failed"
