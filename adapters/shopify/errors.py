"""Exceptions raised by the Shopify Admin API client.

    ShopifyError
    ├── ShopifyTransportError      the request got no usable answer
    │   └── ShopifyUnavailable     5xx, timeouts or dropped connections, after the retries
    ├── ShopifyAuthError           401 / 403: bad or revoked access token
    ├── ShopifyThrottled           still THROTTLED after waiting as long as allowed
    ├── ShopifyUnexpectedResponse  another HTTP status, or a body that is not GraphQL JSON
    ├── ShopifyNotFound            the object read does not exist (Shopify returned null)
    ├── ShopifyQueryError          GraphQL `errors`: parse, validation, MAX_COST_EXCEEDED, access
    └── ShopifyUserError           a mutation's `userErrors` (field / code / message)

Messages never contain the access token: the client never puts request headers into them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


class ShopifyError(Exception):
    """Base class of every error the Shopify client raises."""


class ShopifyTransportError(ShopifyError):
    """The request got no usable answer (connection or server trouble)."""


class ShopifyUnavailable(ShopifyTransportError):
    """Shopify kept failing (5xx, timeouts, dropped connections) until the retries ran out."""

    def __init__(self, message: str, *, attempts: int, status: int | None = None) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.status = status


class ShopifyAuthError(ShopifyError):
    """Shopify refused the access token (HTTP 401 or 403)."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status


class ShopifyThrottled(ShopifyError):
    """Shopify still answered THROTTLED after the client waited as long as it may."""

    def __init__(self, message: str, *, waited_seconds: float) -> None:
        super().__init__(message)
        self.waited_seconds = waited_seconds


class ShopifyUnexpectedResponse(ShopifyError):
    """An HTTP status or body the GraphQL Admin API does not document."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status


class ShopifyQueryError(ShopifyError):
    """The response carried GraphQL `errors`.

    `data` is kept because Shopify may return partial data next to field errors (for example
    ACCESS_DENIED on one field): a mutation may then have run although an error is raised.
    """

    def __init__(
        self,
        messages: Sequence[str],
        *,
        codes: Sequence[str | None] = (),
        data: Mapping[str, Any] | None = None,
    ) -> None:
        self.messages = tuple(messages)
        self.codes = tuple(codes)
        self.data = data
        super().__init__("; ".join(self.messages) or "GraphQL error without a message")

    def has_code(self, code: str) -> bool:
        return code in self.codes


@dataclass(frozen=True)
class UserError:
    """One entry of a mutation's `userErrors`; `code` is None where the type has none."""

    message: str
    field: tuple[str, ...] | None = None
    code: str | None = None

    def __str__(self) -> str:
        where = ".".join(self.field) if self.field else "-"
        return f"{self.code or 'ERROR'} at {where}: {self.message}"


class ShopifyUserError(ShopifyError):
    """A mutation answered with `userErrors`; nothing was changed (Shopify mutations are atomic)."""

    def __init__(
        self, mutation: str, user_errors: Sequence[UserError], *, payload: Mapping[str, Any] | None = None
    ) -> None:
        self.mutation = mutation
        self.user_errors = tuple(user_errors)
        self.payload = payload
        super().__init__(f"{mutation}: " + "; ".join(str(e) for e in self.user_errors))

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(e.code for e in self.user_errors if e.code)


class ShopifyNotFound(ShopifyError):
    """The object asked for does not exist (or this app may not see it): Shopify returned null."""

    def __init__(self, message: str, *, gid: str) -> None:
        super().__init__(message)
        self.gid = gid
