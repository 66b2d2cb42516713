"""The signature of an outbound event, and its check on the receiving side.

Each POST carries `X-Routing-Timestamp` (Unix seconds when it was sent) and
`X-Routing-Signature: sha256=<hex>`, the HMAC-SHA256 of `"<timestamp>.<body>"` under the shared
secret (`ROUTING_EVENTS_SECRET`). Signing the timestamp with the body lets a receiver refuse an old
request replayed later (`tolerance`); the event id (`X-Routing-Event-Id`) lets it drop a repeat.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SCHEME = "sha256="


class InvalidSignature(ValueError):
    """The request was not signed with the shared secret, or was signed too long ago."""


def sign(secret: str | bytes, timestamp: str, body: bytes) -> str:
    """The `X-Routing-Signature` header value for `body` sent at `timestamp`."""
    return SCHEME + _digest(secret, timestamp, body)


def verify_signature(
    secret: str | bytes,
    timestamp: str,
    body: bytes,
    header: str,
    tolerance: float = 300.0,
    *,
    now: float | None = None,
) -> None:
    """Check an event request: `timestamp` and `header` as received, `body` as raw bytes.

    Raises `InvalidSignature` saying what is wrong; returns nothing when the request is good.
    `tolerance`: how many seconds the timestamp may be from now (either way).
    """
    if not timestamp.isascii() or not timestamp.isdigit():
        raise InvalidSignature(f"X-Routing-Timestamp {timestamp[:20]!r} is not Unix seconds")
    age = (time.time() if now is None else now) - int(timestamp)
    if abs(age) > tolerance:
        raise InvalidSignature(
            f"X-Routing-Timestamp is {age:.0f} s from now, beyond the tolerance of {tolerance:.0f} s; "
            "an old request replayed, or a clock that is off"
        )
    if not header.startswith(SCHEME):
        raise InvalidSignature(f"X-Routing-Signature must start with {SCHEME!r}")
    expected = _digest(secret, timestamp, body)
    if not hmac.compare_digest(header.removeprefix(SCHEME).encode("ascii", "replace"), expected.encode()):
        raise InvalidSignature("X-Routing-Signature does not match: another secret, or a changed body")


def _digest(secret: str | bytes, timestamp: str, body: bytes) -> str:
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    return hmac.new(key, timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()
