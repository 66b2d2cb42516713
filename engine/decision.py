"""The Decision: an ordered plan of intents plus a trace that explains every choice."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, with_config

from engine.intents import Intent, LineQuantity

Outcome = Literal["routed", "held", "unchanged", "skipped"]


@with_config(ConfigDict(extra="forbid"))
@dataclass(frozen=True)
class TraceEntry:
    """One step of reasoning, readable on its own: `subject` was `verdict` because `detail`.

    A plain frozen dataclass, not a model: a decision notes about 25 steps, and pydantic takes
    the engine's entries as they are (`run.note` makes them from text only) while it still
    validates a stored decision's entries and writes them as objects, as a model would.
    """

    step: str  # "strategy", "candidate", "rank", "split", "choice", "hold", "release", "fallback", "skip"
    subject: str
    verdict: str
    detail: str = ""

    def __str__(self) -> str:
        tail = f": {self.detail}" if self.detail else ""
        return f"[{self.step}] {self.subject} {self.verdict}{tail}"


class ShipmentPart(BaseModel):
    """Where some lines of a split fulfillment order go: kept, moved, or held."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    action: Literal["keep", "move", "hold"]
    location_id: str | None
    lines: tuple[LineQuantity, ...]
    strategy: str | None = None


class FulfillmentOrderOutcome(BaseModel):
    """What the decision does with one fulfillment order.

    `split`: its lines go to several places (`parts`); `strategy` is the strategy (or hold rule)
    that decided; `why` is the short account written to the metafield.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    fulfillment_order_id: str
    action: Literal["move", "keep", "hold", "skip", "split"]
    strategy: str | None = None
    from_location_id: str | None = None
    to_location_id: str | None = None
    hold_reason: str | None = None
    note: str = ""
    parts: tuple[ShipmentPart, ...] = ()
    why: str = ""


class Decision(BaseModel):
    """The result of `decide()`: pure data, stored with its input snapshot and rule-set hash."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    store: str
    order_id: str
    order_name: str
    ruleset_version: str
    outcome: Outcome
    fulfillment_orders: tuple[FulfillmentOrderOutcome, ...]
    intents: tuple[Intent, ...]
    trace: tuple[TraceEntry, ...]

    def explain(self) -> str:
        return "\n".join(str(entry) for entry in self.trace)
