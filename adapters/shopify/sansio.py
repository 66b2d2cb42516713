"""Pure Shopify protocol helpers: webhook signatures and headers, GraphQL responses, throttling.

Nothing here performs I/O, so everything is tested with plain values (gidgethub's `sansio`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from adapters.shopify.errors import UserError

THROTTLED = "THROTTLED"
MAX_COST_EXCEEDED = "MAX_COST_EXCEEDED"


# --- webhooks ---------------------------------------------------------------------------------


def verify_webhook(raw_body: bytes, hmac_header: str | None, secrets: Sequence[str]) -> bool:
    """True if `hmac_header` is the base64 HMAC-SHA256 of the raw body under any secret.

    Every secret is tried (old and new during a rotation), each compared in constant time.
    """
    if not hmac_header:
        return False
    try:
        received = base64.b64decode(hmac_header.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    valid = False
    for secret in secrets:
        if not secret:
            continue
        expected = hmac.new(secret.encode(), raw_body, hashlib.sha256).digest()
        # No early exit: the time taken does not reveal which secret matched.
        valid |= hmac.compare_digest(expected, received)
    return valid


@dataclass(frozen=True)
class WebhookHeaders:
    """The Shopify headers of one webhook delivery; any of them may be missing."""

    topic: str | None = None
    hmac: str | None = None
    shop_domain: str | None = None
    api_version: str | None = None
    webhook_id: str | None = None
    event_id: str | None = None
    triggered_at: str | None = None


_WEBHOOK_HEADER_NAMES = {
    "topic": "topic",
    "hmac": "hmac-sha256",
    "shop_domain": "shop-domain",
    "api_version": "api-version",
    "webhook_id": "webhook-id",
    "event_id": "event-id",
    "triggered_at": "triggered-at",
}


def read_webhook_headers(headers: Mapping[str, str]) -> WebhookHeaders:
    """Read `X-Shopify-*` (webhooks) or `shopify-*` (Events) headers, in any letter case."""
    lowered = {name.lower(): value for name, value in headers.items()}

    def pick(suffix: str) -> str | None:
        return lowered.get(f"x-shopify-{suffix}") or lowered.get(f"shopify-{suffix}")

    values = {field: pick(suffix) for field, suffix in _WEBHOOK_HEADER_NAMES.items()}
    return WebhookHeaders(**values)


# --- GraphQL responses ------------------------------------------------------------------------


@dataclass(frozen=True)
class ThrottleStatus:
    """The leaky bucket after a request, as `extensions.cost.throttleStatus` reports it."""

    maximum_available: float
    currently_available: float
    restore_rate: float


@dataclass(frozen=True)
class QueryCost:
    """`extensions.cost`; `actual` is None on throttled responses."""

    requested: float | None
    actual: float | None
    throttle_status: ThrottleStatus | None


@dataclass(frozen=True)
class GraphQLError:
    message: str
    code: str | None = None
    path: tuple[str | int, ...] | None = None


@dataclass(frozen=True)
class GraphQLResult:
    """One GraphQL response taken apart. `json_body` is False when the body was not a JSON object."""

    status: int
    data: dict[str, Any] | None
    errors: tuple[GraphQLError, ...]
    cost: QueryCost | None
    json_body: bool = True

    @property
    def throttled(self) -> bool:
        return any(error.code == THROTTLED for error in self.errors)

    @property
    def throttle_status(self) -> ThrottleStatus | None:
        return self.cost.throttle_status if self.cost else None


def parse_response(status: int, body: bytes | str) -> GraphQLResult:
    """Separate data, errors and cost of a response body, whatever its HTTP status."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        payload = None
    if not isinstance(payload, dict):
        return GraphQLResult(status=status, data=None, errors=(), cost=None, json_body=False)
    data = payload.get("data")
    extensions = payload.get("extensions")
    return GraphQLResult(
        status=status,
        data=data if isinstance(data, dict) else None,
        errors=_parse_errors(payload.get("errors")),
        cost=_parse_cost(extensions.get("cost") if isinstance(extensions, dict) else None),
    )


def _parse_errors(raw: object) -> tuple[GraphQLError, ...]:
    if isinstance(raw, str):  # some non-GraphQL Shopify errors are `{"errors": "text"}`
        return (GraphQLError(message=raw),)
    if not isinstance(raw, list):
        return ()
    errors = []
    for item in raw:
        if not isinstance(item, dict):
            errors.append(GraphQLError(message=str(item)))
            continue
        extensions = item.get("extensions")
        code = extensions.get("code") if isinstance(extensions, dict) else None
        path = item.get("path")
        errors.append(
            GraphQLError(
                message=str(item.get("message", "")),
                code=str(code) if code is not None else None,
                path=tuple(path) if isinstance(path, list) else None,
            )
        )
    return tuple(errors)


def _parse_cost(raw: object) -> QueryCost | None:
    # Parse and validation errors arrive without `extensions.cost`.
    if not isinstance(raw, dict):
        return None
    status = raw.get("throttleStatus")
    throttle = None
    if isinstance(status, dict):
        try:
            throttle = ThrottleStatus(
                maximum_available=float(status["maximumAvailable"]),
                currently_available=float(status["currentlyAvailable"]),
                restore_rate=float(status["restoreRate"]),
            )
        except (KeyError, TypeError, ValueError):
            throttle = None
    return QueryCost(
        requested=_number(raw.get("requestedQueryCost")),
        actual=_number(raw.get("actualQueryCost")),
        throttle_status=throttle,
    )


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def throttle_wait(requested_cost: float | None, throttle_status: ThrottleStatus | None) -> float:
    """Seconds until the bucket holds `requested_cost` points again; 0 if it already does.

    Unknown cost or status gives 1 s: enough to refill a Standard-plan bucket by 100 points.
    """
    if requested_cost is None or throttle_status is None or throttle_status.restore_rate <= 0:
        return 1.0
    missing = requested_cost - throttle_status.currently_available
    return max(0.0, missing / throttle_status.restore_rate)


def available_now(status: ThrottleStatus, elapsed_seconds: float) -> float:
    """Points in the bucket `elapsed_seconds` after `status` was reported (it refills linearly)."""
    refilled = status.currently_available + status.restore_rate * max(0.0, elapsed_seconds)
    return min(status.maximum_available, refilled)


def retry_backoff(attempt: int, *, base: float, cap: float, random_fraction: float) -> float:
    """Exponential backoff with full jitter: uniform in [0, min(cap, base * 2**attempt)]."""
    ceiling = min(cap, base * math.pow(2, attempt))
    return ceiling * min(1.0, max(0.0, random_fraction))


# --- mutation payloads ------------------------------------------------------------------------


def user_errors(payload: Mapping[str, Any] | None) -> tuple[UserError, ...]:
    """The `userErrors` of a mutation payload, with or without `code`."""
    if not payload:
        return ()
    errors = []
    for item in payload.get("userErrors") or ():
        field = item.get("field")
        code = item.get("code")
        errors.append(
            UserError(
                message=str(item.get("message", "")),
                field=tuple(str(part) for part in field) if isinstance(field, list) else None,
                code=str(code) if code is not None else None,
            )
        )
    return tuple(errors)
