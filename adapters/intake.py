"""The webhook route: verify, store durably, answer fast. No Shopify call happens here.

Answers, in the order they are checked:
- 413 body over the configured limit (1 MiB by default), read no further;
- 401 unknown shop, missing or wrong signature (nothing stored);
- 400 signed, but missing a required header or not a JSON object;
- 200 stored, or already stored under the same `X-Shopify-Webhook-Id` (a duplicate: no second
  processing).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from adapters.metrics import NO_METRICS, Metrics
from adapters.settings import StoreConfig
from adapters.shopify.sansio import read_webhook_headers, verify_webhook
from adapters.store import Inbox, NewDelivery

logger = logging.getLogger(__name__)


class BodyTooLarge(Exception):
    pass


@dataclass(frozen=True)
class Intake:
    """The webhook endpoint's collaborators; `notify` wakes the workers after a store."""

    inbox: Inbox
    stores: Mapping[str, StoreConfig]
    max_body_bytes: int
    notify: Callable[[], None]
    processes: Callable[[str], bool] = lambda topic: True
    metrics: Metrics = NO_METRICS

    async def handle(self, request: Request) -> Response:
        """Answer one webhook (see the module docstring) and count the answer by topic and outcome."""
        response = await self._receive(request)
        topic = read_webhook_headers(request.headers).topic
        self.metrics.webhook_answered(topic, response.status_code, duplicate=response is _DUPLICATE)
        return response

    async def _receive(self, request: Request) -> Response:
        try:
            raw = await _read_body(request, self.max_body_bytes)
        except BodyTooLarge:
            return _answer(413, f"body is larger than {self.max_body_bytes} bytes")
        headers = read_webhook_headers(request.headers)
        store = self.stores.get(headers.shop_domain or "")
        if store is None:
            logger.warning("webhook rejected: unknown shop %r", headers.shop_domain)
            return _answer(401, "unknown shop: X-Shopify-Shop-Domain names no configured store")
        secrets = [secret.get_secret_value() for secret in store.client_secrets]
        if not verify_webhook(raw, headers.hmac, secrets):
            logger.warning("webhook rejected: bad signature shop=%s topic=%s", store.domain, headers.topic)
            return _answer(401, "signature does not match: X-Shopify-Hmac-Sha256 is missing or wrong")
        if not headers.topic or not headers.webhook_id:
            return _answer(400, "X-Shopify-Topic and X-Shopify-Webhook-Id are required")
        try:
            # UTF-8 first: json.loads would also take UTF-16/32 bytes, which the inbox cannot keep as text.
            text = raw.decode("utf-8")
            body = json.loads(text)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            return _answer(400, f"body is not JSON (UTF-8 expected): {exc}")
        if not isinstance(body, dict):
            return _answer(400, "body is JSON but not an object")
        needs_processing = self.processes(headers.topic)
        stored = await self.inbox.store(
            NewDelivery(
                webhook_id=headers.webhook_id,
                shop=store.domain,
                topic=headers.topic,
                body=text,
                event_id=headers.event_id,
                triggered_at=headers.triggered_at,
                api_version=headers.api_version,
                needs_processing=needs_processing,
            )
        )
        logger.info(
            "webhook %s shop=%s topic=%s webhook_id=%s",
            "stored" if stored else "duplicate",
            store.domain,
            headers.topic,
            headers.webhook_id,
        )
        if stored and needs_processing:
            self.notify()
        return _STORED if stored else _DUPLICATE


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _answer(status: int, message: str) -> Response:
    return JSONResponse({"status": status, "message": message}, status_code=status)


# The two answers of every accepted webhook, rendered once (a response holds no per-request state).
_STORED = _answer(200, "stored")
_DUPLICATE = _answer(200, "duplicate: already stored")
