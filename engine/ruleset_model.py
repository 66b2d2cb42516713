"""The rule-set model: strategies, holds, the fallback, location groups and settings.

Frozen data that round-trips through JSON (the service compiles a rule set in a child process
and may pass it on). `version` is a hash of the content: comments, layout and positions in the
files do not count. See rules/README.md for the file format.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from engine.conditions import Condition
from engine.intents import HOLD_HANDLE_PREFIX
from engine.policy import (
    GroupRef,
    LocationGroup,
    LocationRef,
    LocationSettings,
    RankKey,
    Source,
    SplitOptions,
)

HOLD_REASONS = (
    "AWAITING_PAYMENT",
    "HIGH_RISK_OF_FRAUD",
    "INCORRECT_ADDRESS",
    "INVENTORY_OUT_OF_STOCK",
    "UNKNOWN_DELIVERY_DATE",
    "ONLINE_STORE_POST_PURCHASE_CROSS_SELL",
    "AWAITING_RETURN_ITEMS",
    "OTHER",
)
# Order webhooks after which a hold that waits for an event is looked at again.
RELEASE_TOPICS = (
    "orders/paid",
    "orders/updated",
    "orders/edited",
    "order_transactions/create",
    "orders/risk_assessment_changed",
)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Strategy(_Frozen):
    """Try the candidate locations for the fulfillment orders that meet `when`.

    `sources` lists every entry of `locations:` in order (names, store-qualified locations,
    groups); `locations` repeats the plain names and GIDs among them (the order's own store).
    """

    id: str
    description: str = ""
    when: Condition | None = None
    locations: tuple[str, ...] = ()
    sources: tuple[Source, ...] = ()
    rank: tuple[RankKey, ...] = ()
    ignore: tuple[str, ...] = ()
    allocation: Literal["ship_complete", "split"] = "ship_complete"
    split: SplitOptions = SplitOptions()
    tags: tuple[str, ...] = ()
    origin: str = ""  # "rules/routing.yaml:3:5", for messages only; not part of the version

    def entries(self) -> tuple[LocationRef | GroupRef, ...]:
        return self.sources or tuple(LocationRef(location=name) for name in self.locations)


class HoldRule(_Frozen):
    """Hold a fulfillment order while `when` holds; release it when decided again and it doesn't."""

    id: str
    description: str = ""
    when: Condition
    reason: str
    note: str = ""
    release_on: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    origin: str = ""

    @property
    def handle(self) -> str:
        return f"{HOLD_HANDLE_PREFIX}.{self.id}"[:64]


class HoldFallback(_Frozen):
    kind: Literal["hold"] = "hold"
    reason: str
    note: str
    tags: tuple[str, ...] = ()


class KeepFallback(_Frozen):
    kind: Literal["keep"] = "keep"
    tags: tuple[str, ...] = ()


Fallback = Annotated[HoldFallback | KeepFallback, Field(discriminator="kind")]


class RuleSet(_Frozen):
    """All rule files, merged: holds and strategies in file-name order then file order."""

    strategies: tuple[Strategy, ...]
    fallback: Fallback
    holds: tuple[HoldRule, ...] = ()
    location_groups: tuple[LocationGroup, ...] = ()
    location_settings: tuple[LocationSettings, ...] = ()
    files: tuple[str, ...] = ()
    version: str = ""  # see ruleset_version()

    def strategy(self, strategy_id: str) -> Strategy | None:
        return next((s for s in self.strategies if s.id == strategy_id), None)

    def group(self, name: str) -> LocationGroup | None:
        return next((g for g in self.location_groups if g.name == name), None)

    def rule_conditions(self) -> list[tuple[str, Condition | None]]:
        """What durable_rules matches: hold rules first (indexes 0…), then strategies."""
        return [(h.id, h.when) for h in self.holds] + [(s.id, s.when) for s in self.strategies]

    def release_topics(self) -> frozenset[str]:
        """Webhook topics after which the service decides an order again (holds that wait)."""
        return frozenset(topic for hold in self.holds for topic in hold.release_on)


def ruleset_version(ruleset: RuleSet) -> str:
    """sha256 (12 hex) of the canonical content: comments, layout and positions do not count."""
    content = _without_origins(ruleset.model_dump(mode="json", exclude={"files", "version"}))
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def _without_origins(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_origins(v) for k, v in value.items() if k != "origin"}
    if isinstance(value, list):
        return [_without_origins(v) for v in value]
    return value
