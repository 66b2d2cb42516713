"""What applying one intent came to: the executor's answer to the outbox."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


class IntentOutcome(enum.StrEnum):
    APPLIED = "applied"  # we wrote it now
    ALREADY_DONE = "already_done"  # the effect was already there (an earlier attempt, an echo)
    SUPERSEDED = "superseded"  # someone else changed the state; the intent no longer applies
    FAILED = "failed"  # Shopify refused, or cannot do it in this state


@dataclass(frozen=True)
class IntentResult:
    """How one intent ended, and what it did to fulfillment-order ids.

    `new_ids` maps the intent's fulfillment order id to the one that now stands in for it, when
    the original is gone (a move Shopify made as a new fulfillment order, closing the original):
    later intents aimed at the old id must use the new one. `created_ids` are fulfillment orders
    the write carved out while the original stays with the rest (a partial move, a split, the
    rest of a partial hold): later intents aimed at the original keep aiming at it. `payload` is
    the mutation payload as Shopify sent it.
    """

    outcome: IntentOutcome
    detail: str
    new_ids: dict[str, str] = field(default_factory=dict)
    payload: dict[str, Any] | None = None
    created_ids: tuple[str, ...] = ()


def applied(
    detail: str,
    payload: dict[str, Any] | None = None,
    new_ids: dict[str, str] | None = None,
    created_ids: Iterable[str] = (),
) -> IntentResult:
    return IntentResult(IntentOutcome.APPLIED, detail, dict(new_ids or {}), payload, tuple(created_ids))


def already_done(
    detail: str, new_ids: dict[str, str] | None = None, created_ids: Iterable[str] = ()
) -> IntentResult:
    return IntentResult(
        IntentOutcome.ALREADY_DONE, detail, dict(new_ids or {}), created_ids=tuple(created_ids)
    )


def superseded(detail: str) -> IntentResult:
    return IntentResult(IntentOutcome.SUPERSEDED, detail)


def failed(detail: str, payload: dict[str, Any] | None = None) -> IntentResult:
    return IntentResult(IntentOutcome.FAILED, detail, payload=payload)
