"""`ShopifyClient`: the thin httpx layer over `sansio` for one store's GraphQL Admin API.

Behaviour, in the order a request meets it:
- pacing: if the last known bucket cannot hold what this document cost last time, wait first;
- THROTTLED (by `extensions.code`, on 200 or 429): wait `(requested - available) / restoreRate`
  plus a margin, then resend; a request that was throttled did not run, so this is always safe;
- 5xx, timeouts, dropped connections: exponential backoff with full jitter, bounded by attempts
  and total time. A mutation is only resent when the request surely never reached Shopify
  (connect errors): none of the engine's mutations take an idempotency key, so after an
  ambiguous failure the caller must re-check the precondition (the executor does) instead;
- 401/403 -> `ShopifyAuthError`; GraphQL `errors` -> `ShopifyQueryError`.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from pydantic import SecretStr

from adapters.metrics import NO_METRICS, Metrics
from adapters.shopify import sansio
from adapters.shopify.documents import Document
from adapters.shopify.errors import (
    ShopifyAuthError,
    ShopifyQueryError,
    ShopifyThrottled,
    ShopifyUnavailable,
    ShopifyUnexpectedResponse,
)
from adapters.shopify.sansio import GraphQLResult, ThrottleStatus

logger = logging.getLogger("adapters.shopify")

Sleep = Callable[[float], Awaitable[None]]

# Requests that failed before any byte reached Shopify: safe to resend even for mutations.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_AMBIGUOUS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


@dataclass
class Accounting:
    """Running totals for metrics and benchmarks."""

    calls: int = 0
    requested_cost: float = 0.0
    actual_cost: float = 0.0
    throttle_waits: int = 0
    throttle_wait_seconds: float = 0.0
    pacing_waits: int = 0
    retries: int = 0


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds on retries of 5xx / network failures and on waiting out THROTTLED."""

    max_attempts: int = 5
    max_elapsed_seconds: float = 30.0
    backoff_base_seconds: float = 0.5
    backoff_cap_seconds: float = 8.0
    max_throttle_wait_seconds: float = 60.0
    throttle_margin_seconds: float = 0.1


@dataclass
class _Attempts:
    started: float
    failures: int = 0
    throttle_waited: float = 0.0
    last_status: int | None = None
    notes: list[str] = field(default_factory=list)


class ShopifyClient:
    """GraphQL Admin API client for one store, over an injected `httpx.AsyncClient`."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        shop_domain: str,
        admin_api_url: str,
        access_token: SecretStr,
        retry: RetryPolicy | None = None,
        sleep: Sleep = asyncio.sleep,
        random_fraction: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.monotonic,
        metrics: Metrics = NO_METRICS,
    ) -> None:
        self.shop_domain = shop_domain
        self.admin_api_url = admin_api_url
        self._http = http
        self._token = access_token
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._random = random_fraction
        self._clock = clock
        self._metrics = metrics
        self.accounting = Accounting()
        self.throttle_status: ThrottleStatus | None = None
        self._throttle_seen_at = 0.0
        self._last_requested: dict[str, float] = {}

    def __repr__(self) -> str:
        return f"ShopifyClient(shop_domain={self.shop_domain!r})"

    async def execute(self, document: Document, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Send `document` and return its `data`, or raise a `ShopifyError`."""
        attempts = _Attempts(started=self._clock())
        while True:
            await self._pace(document)
            try:
                response = await self._post(document, variables)
            except _NOT_SENT as exc:
                self._metrics.shopify_unreachable(self.shop_domain, document.is_mutation)
                await self._backoff_or_raise(attempts, f"{type(exc).__name__}", exc)
                continue
            except _AMBIGUOUS as exc:
                self._metrics.shopify_unreachable(self.shop_domain, document.is_mutation)
                if document.is_mutation:
                    # It may have run: resending could apply it twice.
                    raise ShopifyUnavailable(
                        f"{document.name}: {type(exc).__name__}; the mutation may or may not have run",
                        attempts=attempts.failures + 1,
                    ) from exc
                await self._backoff_or_raise(attempts, f"{type(exc).__name__}", exc)
                continue
            result = sansio.parse_response(response.status_code, response.content)
            self._record(document, result)
            if result.throttled or response.status_code == 429:
                await self._wait_throttled(document, attempts, result, response)
                continue
            if response.status_code in (401, 403):
                raise ShopifyAuthError(
                    f"{self.shop_domain}: HTTP {response.status_code}, access token refused",
                    status=response.status_code,
                )
            if response.status_code >= 500:
                attempts.last_status = response.status_code
                if document.is_mutation:
                    raise ShopifyUnavailable(
                        f"{document.name}: HTTP {response.status_code}; the mutation may or may not have run",
                        attempts=attempts.failures + 1,
                        status=response.status_code,
                    )
                await self._backoff_or_raise(attempts, f"HTTP {response.status_code}", None)
                continue
            return self._data_or_raise(document, result)

    async def _post(self, document: Document, variables: Mapping[str, Any] | None) -> httpx.Response:
        return await self._http.post(
            self.admin_api_url,
            json={"query": document.text, "variables": dict(variables or {}), "operationName": document.name},
            headers={
                "X-Shopify-Access-Token": self._token.get_secret_value(),
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
        )

    def _record(self, document: Document, result: GraphQLResult) -> None:
        self.accounting.calls += 1
        self._metrics.shopify_answered(self.shop_domain, document.is_mutation, result)
        cost = result.cost
        if cost is None:
            return
        if cost.requested is not None:
            self.accounting.requested_cost += cost.requested
            self._last_requested[document.name] = cost.requested
        if cost.actual is not None:
            self.accounting.actual_cost += cost.actual
        if cost.throttle_status is not None:
            self.throttle_status = cost.throttle_status
            self._throttle_seen_at = self._clock()

    def _data_or_raise(self, document: Document, result: GraphQLResult) -> dict[str, Any]:
        if result.errors:
            raise ShopifyQueryError(
                [f"{document.name}: {error.message}" for error in result.errors],
                codes=[error.code for error in result.errors],
                data=result.data,
            )
        if not result.json_body:
            raise ShopifyUnexpectedResponse(
                f"{document.name}: HTTP {result.status} without a GraphQL JSON body", status=result.status
            )
        if result.status >= 300 or result.data is None:
            raise ShopifyUnexpectedResponse(
                f"{document.name}: HTTP {result.status} without data", status=result.status
            )
        return result.data

    async def _pace(self, document: Document) -> None:
        """Wait before sending when the bucket, refilled since last seen, cannot hold the cost."""
        expected = self._last_requested.get(document.name)
        status = self.throttle_status
        if expected is None or status is None or status.restore_rate <= 0:
            return
        expected = min(expected, status.maximum_available)  # waiting cannot make a bigger bucket
        available = sansio.available_now(status, self._clock() - self._throttle_seen_at)
        if available >= expected:
            return
        wait = (expected - available) / status.restore_rate
        self.accounting.pacing_waits += 1
        self._metrics.throttle_waited(self.shop_domain, wait, reason="pacing")
        self.accounting.throttle_wait_seconds += wait
        logger.debug("%s: pacing %.2fs before %s", self.shop_domain, wait, document.name)
        await self._sleep(wait)

    async def _wait_throttled(
        self, document: Document, attempts: _Attempts, result: GraphQLResult, response: httpx.Response
    ) -> None:
        requested = result.cost.requested if result.cost else None
        if requested is None or result.throttle_status is None:
            wait = _retry_after(response) or sansio.throttle_wait(None, None)
        else:
            wait = sansio.throttle_wait(requested, result.throttle_status)
        wait += self._retry.throttle_margin_seconds
        if attempts.throttle_waited + wait > self._retry.max_throttle_wait_seconds:
            raise ShopifyThrottled(
                f"{self.shop_domain}: {document.name} still throttled after {attempts.throttle_waited:.1f}s",
                waited_seconds=attempts.throttle_waited,
            )
        attempts.throttle_waited += wait
        self.accounting.throttle_waits += 1
        self._metrics.throttle_waited(self.shop_domain, wait, reason="throttled")
        self.accounting.throttle_wait_seconds += wait
        logger.info("%s: throttled on %s, waiting %.2fs", self.shop_domain, document.name, wait)
        await self._sleep(wait)

    async def _backoff_or_raise(self, attempts: _Attempts, reason: str, exc: Exception | None) -> None:
        attempts.failures += 1
        attempts.notes.append(reason)
        delay = sansio.retry_backoff(
            attempts.failures - 1,
            base=self._retry.backoff_base_seconds,
            cap=self._retry.backoff_cap_seconds,
            random_fraction=self._random(),
        )
        elapsed = self._clock() - attempts.started
        if attempts.failures >= self._retry.max_attempts or elapsed + delay > self._retry.max_elapsed_seconds:
            raise ShopifyUnavailable(
                f"{self.shop_domain}: gave up after {attempts.failures} attempts "
                f"({', '.join(attempts.notes)})",
                attempts=attempts.failures,
                status=attempts.last_status,
            ) from exc
        self.accounting.retries += 1
        logger.info("%s: %s, retrying in %.2fs", self.shop_domain, reason, delay)
        await self._sleep(delay)


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, float(response.headers["Retry-After"]))
    except (KeyError, ValueError):
        return None
