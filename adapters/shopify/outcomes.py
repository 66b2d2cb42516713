"""What applying one intent came to: the executor's answer to the outbox."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class IntentOutcome(enum.StrEnum):
    APPLIED = "applied"  # we wrote it now
    ALREADY_DONE = "already_done"  # the effect was already there (an earlier attempt, an echo)
    SUPERSEDED = "superseded"  # someone else changed the state; the intent no longer applies
    FAILED = "failed"  # Shopify refused, or cannot do it in this state


@dataclass(frozen=True)
class IntentResult:
    """`new_ids` maps the intent's fulfillment order id to the id that now carries its lines,
    when they differ (a partial move creates a new fulfillment order); later intents aimed at
    the old id must use the new one. `payload` is the mutation payload as Shopify sent it."""

    outcome: IntentOutcome
    detail: str
    new_ids: dict[str, str] = field(default_factory=dict)
    payload: dict[str, Any] | None = None


def applied(
    detail: str, payload: dict[str, Any] | None = None, new_ids: dict[str, str] | None = None
) -> IntentResult:
    return IntentResult(IntentOutcome.APPLIED, detail, dict(new_ids or {}), payload)


def already_done(detail: str, new_ids: dict[str, str] | None = None) -> IntentResult:
    return IntentResult(IntentOutcome.ALREADY_DONE, detail, dict(new_ids or {}))


def superseded(detail: str) -> IntentResult:
    return IntentResult(IntentOutcome.SUPERSEDED, detail)


def failed(detail: str, payload: dict[str, Any] | None = None) -> IntentResult:
    return IntentResult(IntentOutcome.FAILED, detail, payload=payload)
