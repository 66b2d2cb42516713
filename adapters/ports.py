"""The small interfaces processing talks through; tests hand in fakes, the app real adapters."""

from __future__ import annotations

from typing import Protocol

from adapters.shopify.outcomes import IntentResult
from engine.intents import AddOrderTags, Intent, SetOrderMetafield
from engine.model import Snapshot


class StoreGateway(Protocol):
    """One Shopify store, as a decision needs it: read the order's state, apply one intent."""

    async def read_snapshot(self, fulfillment_order_id: str) -> Snapshot:
        """Everything a decision sees about the fulfillment order's order, read now."""
        ...

    async def read_order_snapshot(self, order_id: str) -> Snapshot:
        """The same, starting from the order (webhooks that carry an order rather than an FO)."""
        ...

    async def apply(
        self, intent: Intent, *, snapshot: Snapshot | None, decided_on: Snapshot | None = None
    ) -> IntentResult:
        """Re-check the intent's precondition (against `snapshot`, or a fresh read) and write.

        `decided_on` is the snapshot the intent's decision was made from; a retry uses it to tell
        what was there before the decision's first write from what that write created.
        """
        ...

    async def annotate_order(
        self, metafield: SetOrderMetafield, tags: AddOrderTags, *, snapshot: Snapshot | None
    ) -> tuple[IntentResult, IntentResult]:
        """The decision metafield and our tags, each re-checked as by `apply`, in one request."""
        ...
